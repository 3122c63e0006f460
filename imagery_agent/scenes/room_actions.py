"""What MiniGrid's seven actions do to a room, as a pure function of the room.

The toy environments use it as their world; the agent uses the same rules as its knowledge of
what an action does (to imagine the next state from the words of this one). The rules are
MiniGrid's (`minigrid.minigrid_env.MiniGridEnv.step`): turn left or right, move forward onto a
free cell (floor, goal or open door), pick up the key, ball or box in front, drop what is carried
on a free floor cell in front, toggle the door in front (a locked door opens only for the agent
carrying a key of its colour) or the box in front (it opens and gives way to what it holds:
nothing, as a room's boxes are empty), done.
"""
from __future__ import annotations

import dataclasses

from .errors import SceneError
from .rooms import HEADINGS, Room, Thing

ACTIONS = ("left", "right", "forward", "pickup", "drop", "toggle", "done")
"""Action names by MiniGrid's action numbers (minigrid.core.actions.Actions)."""
STEP = {"east": (1, 0), "south": (0, 1), "west": (-1, 0), "north": (0, -1)}


def action_index(action: int | str) -> int:
    """An action number from its number or name; an unknown action is refused by name."""
    if isinstance(action, str) and action in ACTIONS:
        return ACTIONS.index(action)
    try:
        i = int(action)
    except (TypeError, ValueError):
        i = -1
    if isinstance(action, bool) or not 0 <= i < len(ACTIONS) or (not isinstance(action, str) and i != action):
        raise SceneError(f"unknown action {action!r}; actions are 0-6 or {', '.join(ACTIONS)}")
    return i


def front(room: Room) -> tuple[int, int]:
    """The cell the agent faces."""
    dx, dy = STEP[room.heading]
    return room.agent[0] + dx, room.agent[1] + dy


def thing_at(room: Room, cell: tuple[int, int]) -> Thing | None:
    for t in room.things:
        if (t.x, t.y) == cell:
            return t
    return None


def passable(room: Room, cell: tuple[int, int]) -> bool:
    """Whether the agent can stand in `cell`: floor, the goal or an open door."""
    if cell in room.wall_cells() or not (0 <= cell[0] < room.width and 0 <= cell[1] < room.height):
        return False
    t = thing_at(room, cell)
    return t is None or t.kind == "goal" or (t.kind == "door" and t.state == "open")


def step(room: Room, action: int | str) -> Room:
    """The room after the agent does `action` (the same room when the action changes nothing)."""
    a = ACTIONS[action_index(action)]
    h = HEADINGS.index(room.heading)
    if a == "left":
        return dataclasses.replace(room, heading=HEADINGS[(h - 1) % 4])
    if a == "right":
        return dataclasses.replace(room, heading=HEADINGS[(h + 1) % 4])
    cell = front(room)
    t = thing_at(room, cell)
    others = tuple(o for o in room.things if o is not t)
    if a == "forward":
        return dataclasses.replace(room, agent=cell) if passable(room, cell) else room
    if a == "pickup" and t is not None and t.kind in ("key", "ball", "box") and room.carrying is None:
        return dataclasses.replace(room, things=others, carrying=Thing(t.kind, 0, 0, t.colour))
    if a == "drop" and room.carrying is not None and t is None and cell not in room.wall_cells():
        c = room.carrying
        return dataclasses.replace(room, things=others + (Thing(c.kind, *cell, c.colour),), carrying=None)
    if a == "toggle" and t is not None and t.kind == "door":
        if t.state == "locked":
            has_key = room.carrying is not None and (room.carrying.kind, room.carrying.colour) == ("key", t.colour)
            state = "open" if has_key else "locked"
        else:
            state = "closed" if t.state == "open" else "open"
        return dataclasses.replace(room, things=others + (dataclasses.replace(t, state=state),))
    if a == "toggle" and t is not None and t.kind == "box":  # MiniGrid's Box.toggle
        return dataclasses.replace(room, things=others)
    return room
