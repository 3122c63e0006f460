"""imagery/GridNavigation-v0 and imagery/KeyDoor-v0: MiniGrid-like rooms told in words.

Why: the planning agent imagines the next room from the words of this one, using the rules of
`imagery_agent.scenes.room_actions`. These toy environments move a rooms `Room` by those very
rules, and they share MiniGrid's action space (Discrete(7): left, right, forward, pickup, drop,
toggle, done) and BabyAI's mission strings, so one agent runs on them and on real MiniGrid/BabyAI;
and since their world is known exactly, each episode comes with its optimal length
(info["shortest"], found by breadth-first search) for path-length ratios.

- GridNavigation-v0: a room of 5 to 8 cells a side, sometimes split by an inner wall with an
  open door, a few keys, balls and boxes in the way, and a goal. Missions: 'get to the goal'
  (stand on the goal, as MiniGrid's Goal) or 'go to the red ball' (face it, as BabyAI's GoToInstr).
- KeyDoor-v0: MiniGrid's DoorKey: a wall splits the room, its door is locked, the key of the
  door's colour lies on the agent's side and the goal on the other: 'use the key to open the door
  and then get to the goal'.

Observation: {"description": the room in words (rooms.describe, varied wording, with what the
agent carries), "mission": the instruction, and with image=True "image": a 32 x 32 top view}.
Reward on success is MiniGrid's 1 - 0.9 * steps / max_steps (0 otherwise); success terminates,
max_steps (4 * width * height unless given) truncates. info holds "shortest", "success", "steps"
and "room", the true Room, which like `env.unwrapped.room` is for analysis only: an agent must
plan from the description and the mission and never read it.
"""
from __future__ import annotations

import re
import string
from collections import deque
from typing import Callable

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from imagery_agent.scenes import room_actions, rooms
from imagery_agent.scenes.rooms import HEADINGS, ITEMS, Room, Thing, WallSegment

CHARSET = string.ascii_letters + string.digits + " .,'()-;:"
MAX_TEXT = 2000
SIZES = (5, 8)
"""Smallest and largest side of a room, walls included."""
IMAGE_SIZE, RENDER_SIZE = 32, 64
GOAL_MISSION = "get to the goal"
KEY_DOOR_MISSION = "use the key to open the door and then get to the goal"
MISSION_KINDS = ("goal", "object")
"""GridNavigation's missions: 'get to the goal', 'go to the {colour} {kind}'."""
MAX_OBJECTS = 4
MAX_STATES = 200_000
"""The breadth-first search gives up (no solution) after visiting this many states."""
TRIES = 1000

Success = Callable[[Room], bool]


def mission_test(mission: str) -> Success:
    """A mission's success test on a room: 'get to the goal' and the key-door mission want the
    agent on the goal (MiniGrid's Goal); 'go to the red ball' wants the ball in the cell in front of
    the agent (BabyAI's GoToInstr). An unknown mission is refused by name."""
    if mission in (GOAL_MISSION, KEY_DOOR_MISSION):
        return lambda room: room.agent == room.goal
    m = re.fullmatch(rf"go to the ({'|'.join(rooms.COLOURS)}) ({'|'.join(ITEMS)})", mission)
    if m is None:
        raise ValueError(f"unknown mission {mission!r}; missions are {GOAL_MISSION!r}, "
                         f"'go to the <colour> <key|ball|box>' and {KEY_DOOR_MISSION!r}")
    colour, kind = m.groups()

    def faces_it(room: Room) -> bool:
        t = room_actions.thing_at(room, room_actions.front(room))
        return t is not None and (t.kind, t.colour) == (kind, colour)
    return faces_it


def _shortest_path(room: Room, is_success: Success, max_states: int = MAX_STATES) -> list[int] | None:
    """A shortest list of actions (MiniGrid's numbers) after which `is_success` holds, by breadth-
    first search over the rooms `room_actions.step` leads to; [] when it holds already, None when
    no room within reach (or within the first `max_states` visited) succeeds."""
    if is_success(room):
        return []
    came_from: dict[Room, tuple[Room, int] | None] = {room: None}
    frontier = deque([room])
    while frontier:
        here = frontier.popleft()
        for action in range(len(room_actions.ACTIONS)):
            there = room_actions.step(here, action)
            if there in came_from:
                continue
            came_from[there] = (here, action)
            if is_success(there):
                path = []
                while came_from[there] is not None:
                    there, a = came_from[there]
                    path.append(a)
                return path[::-1]
            if len(came_from) >= max_states:
                return None
            frontier.append(there)
    return None


def _shortest_length(room: Room, is_success: Success) -> int | None:
    """The optimal number of actions to make `is_success` hold (None: it cannot be made to)."""
    path = _shortest_path(room, is_success)
    return None if path is None else len(path)


def _reachable(room: Room) -> set[tuple[int, int]]:
    """The cells the agent can walk to without moving or opening anything."""
    seen, todo = {room.agent}, [room.agent]
    while todo:
        x, y = todo.pop()
        for dx, dy in room_actions.STEP.values():
            cell = (x + dx, y + dy)
            if cell not in seen and room_actions.passable(room, cell):
                seen.add(cell)
                todo.append(cell)
    return seen


def _check_size(size, what: str) -> int | None:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not SIZES[0] <= size <= SIZES[1]:
        raise ValueError(f"{what} must be a whole number from {SIZES[0]} to {SIZES[1]} "
                         f"(or None for a random width and height), got {size!r}")
    return int(size)


class _RoomsEnv(gym.Env):
    """What both environments share: spaces, seeding, stepping by room_actions, reward, info.
    A subclass draws a room and its mission (`_draw`) and names its reset options."""
    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}
    reset_options: tuple[str, ...] = ("size",)

    def __init__(self, size: int | None = None, image: bool = False, max_steps: int | None = None,
                 render_mode: str | None = None):
        self.size = _check_size(size, "size")
        if not isinstance(image, bool):
            raise ValueError(f"image must be True or False, got {image!r}")
        if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer))
                                      or max_steps < 1):
            raise ValueError(f"max_steps must be a positive whole number (or None for 4 * width * height), "
                             f"got {max_steps!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.image, self.fixed_max_steps, self.render_mode = image, max_steps, render_mode
        self.action_space = spaces.Discrete(len(room_actions.ACTIONS))
        obs = {"description": spaces.Text(max_length=MAX_TEXT, min_length=1, charset=CHARSET),
               "mission": spaces.Text(max_length=MAX_TEXT, min_length=1, charset=CHARSET)}
        if image:
            obs["image"] = spaces.Box(0, 255, shape=(IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
        self.observation_space = spaces.Dict(obs)
        self.room: Room | None = None  # the true room: for analysis only, never for the agent
        self.mission: str | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """A new room, drawn with the episode's rng (the same seed gives the same room). Options
        fix this episode's draw: {"size": 5..8} (and for GridNavigation {"mission_kind": ...})."""
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = sorted(set(options) - set(self.reset_options))
        if unknown:
            raise ValueError(f"unknown reset option(s) {', '.join(map(repr, unknown))}; "
                             f"use {', '.join(self.reset_options)}")
        size = _check_size(options.get("size", self.size), "reset option size")
        self._check_options(options)
        for _ in range(TRIES):
            drawn = self._draw(size, options)
            if drawn is None:
                continue
            room, mission = drawn
            success = mission_test(mission)
            max_steps = self.fixed_max_steps or 4 * room.width * room.height
            shortest = _shortest_length(room, success)
            if shortest is not None and 0 < shortest <= max_steps:
                break
        else:
            raise RuntimeError(f"no room drawn in {TRIES} tries was solvable within max_steps={max_steps}; "
                               "allow more steps")
        self.room, self.mission, self._success = room, mission, success
        self.max_steps, self.shortest, self.steps, self.success = max_steps, shortest, 0, False
        return self._observation(), self._info()

    def _check_options(self, options: dict) -> None:
        """Refuse a bad value of a subclass's own reset options."""

    def _draw(self, size: int | None, options: dict) -> tuple[Room, str] | None:
        raise NotImplementedError  # each environment draws its own rooms

    def _sides(self, size: int | None) -> tuple[int, int]:
        if size is not None:
            return size, size
        lo, hi = SIZES
        return int(self.np_random.integers(lo, hi + 1)), int(self.np_random.integers(lo, hi + 1))

    def _shuffled(self, cells) -> list[tuple[int, int]]:
        cells = sorted(cells)
        return [cells[i] for i in self.np_random.permutation(len(cells))]

    def step(self, action):
        if self.room is None:
            raise RuntimeError("call reset() before step()")
        if self.success or self.steps >= self.max_steps:
            raise RuntimeError("the episode is over; call reset()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in the action space {self.action_space} "
                             f"({', '.join(room_actions.ACTIONS)})")
        self.room = room_actions.step(self.room, int(action))
        self.steps += 1
        self.success = bool(self._success(self.room))
        reward = 1.0 - 0.9 * self.steps / self.max_steps if self.success else 0.0
        truncated = not self.success and self.steps >= self.max_steps
        return self._observation(), float(reward), self.success, truncated, self._info()

    def _observation(self) -> dict:
        obs = {"description": rooms.describe(self.room, self.np_random), "mission": self.mission}
        if self.image:
            obs["image"] = rooms.render(self.room, IMAGE_SIZE)
        return obs

    def _info(self) -> dict:
        return {"room": self.room, "shortest": self.shortest, "success": self.success, "steps": self.steps}

    def render(self):
        if self.room is None:
            raise RuntimeError("call reset() before render()")
        return rooms.render(self.room, RENDER_SIZE) if self.render_mode == "rgb_array" else None


class GridNavigationEnv(_RoomsEnv):
    """Get to the goal, or go to (face) a named key, ball or box, in a room of 5 to 8 cells a side
    that an inner wall with an open door sometimes splits, with a few objects in the way.

    size: the side of a square room, or None for a random width and height from 5 to 8.
    mission_kinds: the missions drawn from, any of "goal" and "object".
    image: add a 32 x 32 top view to the observation. max_steps: None for 4 * width * height.
    Reset options: {"size": 5..8, "mission_kind": "goal" | "object"}.
    """
    reset_options = ("size", "mission_kind")

    def __init__(self, size: int | None = None, mission_kinds=MISSION_KINDS, image: bool = False,
                 max_steps: int | None = None, render_mode: str | None = None):
        super().__init__(size=size, image=image, max_steps=max_steps, render_mode=render_mode)
        kinds = (mission_kinds,) if isinstance(mission_kinds, str) else tuple(mission_kinds)
        if not kinds:
            raise ValueError(f"mission_kinds must name at least one of {', '.join(MISSION_KINDS)}")
        for kind in kinds:
            _check_kind(kind, "mission kind")
        self.mission_kinds = tuple(dict.fromkeys(kinds))

    def _check_options(self, options: dict) -> None:
        if "mission_kind" in options:
            _check_kind(options["mission_kind"], "reset option mission_kind")

    def _draw(self, size, options):
        rng = self.np_random
        w, h = self._sides(size)
        kind = options.get("mission_kind") or self.mission_kinds[int(rng.integers(len(self.mission_kinds)))]
        free = {(x, y) for x in range(1, w - 1) for y in range(1, h - 1)}
        things, walls = [], []
        if rng.random() < 0.5:  # an inner wall with an open door, down a column or along a row
            if rng.random() < 0.5:
                c = int(rng.integers(2, w - 2))
                wall, door = WallSegment(c, 1, c, h - 2), (c, int(rng.integers(1, h - 1)))
            else:
                r = int(rng.integers(2, h - 2))
                wall, door = WallSegment(1, r, w - 2, r), (int(rng.integers(1, w - 1)), r)
            walls.append(wall)
            free -= set(wall.cells())
            things.append(Thing("door", *door, list(rooms.COLOURS)[int(rng.integers(len(rooms.COLOURS)))], "open"))
        cells = self._shuffled(free)
        agent, goal, cells = cells[0], cells[1], cells[2:]
        pairs = [(k, c) for k in ITEMS for c in rooms.COLOURS]  # one object of each kind and colour
        n = min(int(rng.integers(1, MAX_OBJECTS + 1)), len(cells))
        chosen = rng.choice(len(pairs), n, replace=False)
        items = [Thing(pairs[i][0], *cell, pairs[i][1]) for i, cell in zip(chosen, cells)]
        room = Room(w, h, agent, HEADINGS[int(rng.integers(4))], tuple(things + items + [Thing("goal", *goal)]),
                    tuple(walls))
        reach = _reachable(room)  # solvable without moving anything, so the search stays short
        if kind == "goal":
            return (room, GOAL_MISSION) if goal in reach else None
        target = items[int(rng.integers(n))]
        if not any((target.x + dx, target.y + dy) in reach for dx, dy in room_actions.STEP.values()):
            return None
        return room, f"go to the {target.colour} {target.kind}"


class KeyDoorEnv(_RoomsEnv):
    """MiniGrid's DoorKey: a wall down a column splits the room; its door is locked, the key of the
    door's colour lies on the agent's side and the goal on the other. Mission: 'use the key to open
    the door and then get to the goal'.

    size: the side of a square room, or None for a random width and height from 5 to 8.
    image: add a 32 x 32 top view to the observation. max_steps: None for 4 * width * height.
    Reset options: {"size": 5..8}.
    """

    def _draw(self, size, options):
        rng = self.np_random
        w, h = self._sides(size)
        c = int(rng.integers(2, w - 2))
        wall = WallSegment(c, 1, c, h - 2)
        colour = list(rooms.COLOURS)[int(rng.integers(len(rooms.COLOURS)))]
        door = Thing("door", c, int(rng.integers(1, h - 1)), colour, "locked")
        inside = [(x, y) for x in range(1, w - 1) for y in range(1, h - 1)]
        agent, key = self._shuffled([p for p in inside if p[0] < c])[:2]
        goal = self._shuffled([p for p in inside if p[0] > c])[0]
        room = Room(w, h, agent, HEADINGS[int(rng.integers(4))],
                    (door, Thing("key", *key, colour), Thing("goal", *goal)), (wall,))
        return room, KEY_DOOR_MISSION


def _check_kind(kind, what: str) -> None:
    if kind not in MISSION_KINDS:
        raise ValueError(f"unknown {what} {kind!r}; choose from {', '.join(MISSION_KINDS)}")
