"""MiniGrid and BabyAI environments in the words of the rooms scene family.

Why: the agent plans by imagining rooms it was told about in words (`imagery_agent.scenes.rooms`)
and by applying MiniGrid's action rules to them (`imagery_agent.scenes.room_actions`). To put it
in MiniGrid's own environments we read an environment's full state into a rooms `Room` and say it
in the family's canonical words; reading the state again after a real step also checks that our
action rules are MiniGrid's. Whatever the family cannot say (lava, coloured floor, a box with
something inside, a door in the outer wall, a grid of more than 12 cells a side, two goals) is
refused with one line naming what and where, never described wrongly.

    env = make_minigrid("BabyAI-GoToRedBall-v0", image=True)
    obs, info = env.reset(seed=0)
    obs["description"], obs["mission"], obs["image"], env.room
"""
from __future__ import annotations

import difflib
import string

import gymnasium as gym
import minigrid  # noqa: F401  (importing it registers MiniGrid's and BabyAI's environments)
import numpy as np
from gymnasium import spaces

from imagery_agent.scenes import rooms
from imagery_agent.scenes.errors import SceneError
from imagery_agent.scenes.rooms import COLOURS, HEADINGS, ITEMS, MAX_SIZE, MIN_SIZE, Room, Thing, WallSegment

CHARSET = frozenset(string.ascii_letters + string.digits + " .,'()-:;!?")
"""Characters of the descriptions and missions (gymnasium's default Text charset has no space)."""
MAX_DESCRIPTION, MAX_MISSION = 2000, 500
IMAGE_SIZE = 32


class UnsupportedState(SceneError):
    """A MiniGrid state the rooms family cannot describe; the message names what and where."""


def _env_name(env) -> str:
    spec = getattr(env, "spec", None) or getattr(env.unwrapped, "spec", None)
    return spec.id if spec is not None else type(env.unwrapped).__name__


def _obj_name(obj) -> str:
    if obj is None:
        return "floor"
    if obj.type == "door":
        state = "open" if obj.is_open else "locked" if obj.is_locked else "closed"
        return f"{state} {obj.color} door"
    return f"{obj.color} {obj.type}" if obj.type in ITEMS or obj.type == "wall" else obj.type


def _at(x: int, y: int) -> str:
    return f"at column {x}, row {y}"


def _item(obj, where: str, refuse) -> Thing:
    """A key, ball or box as a Thing at (0, 0); a box holding something is refused."""
    if obj.color not in COLOURS:
        refuse(f"the rooms family has no colour {obj.color!r} (the {obj.type} {where})")
    if obj.type == "box" and obj.contains is not None:
        refuse(f"the {obj.color} box {where} holds a {_obj_name(obj.contains)}; the rooms family's boxes are empty")
    return Thing(obj.type, 0, 0, obj.color)


def wall_segments(cells: set[tuple[int, int]]) -> list[WallSegment]:
    """Straight segments covering `cells`: the maximal vertical runs of two or more cells first,
    then the horizontal runs of the cells left (a run of one cell is a segment of one cell)."""
    segments, left = [], set(cells)
    for x, y in sorted(cells):
        if (x, y - 1) in cells or (x, y + 1) not in cells:
            continue
        y1 = y
        while (x, y1 + 1) in cells:
            y1 += 1
        segments.append(WallSegment(x, y, x, y1))
        left -= {(x, yy) for yy in range(y, y1 + 1)}
    for x, y in sorted(left, key=lambda c: (c[1], c[0])):
        if (x - 1, y) in left:
            continue
        x1 = x
        while (x1 + 1, y) in left:
            x1 += 1
        segments.append(WallSegment(x, y, x1, y))
    return segments


def room_from_minigrid(env: gym.Env) -> Room:
    """The (possibly wrapped) MiniGrid env's current full state as a rooms Room.

    Border walls are the room's outer walls; inner wall cells and the doors in them become
    straight wall segments (see `wall_segments`); doors, keys, balls, boxes and the goal become
    Things; the carried object is `carrying`. Raises UnsupportedState naming what cannot be said."""
    name = _env_name(env)

    def refuse(what: str):
        raise UnsupportedState(f"{name}: {what}") from None  # one line, no chained traceback

    u = env.unwrapped
    grid = getattr(u, "grid", None)
    if grid is None or getattr(u, "agent_pos", None) is None or getattr(u, "agent_dir", None) is None:
        refuse("the environment has no state yet; reset it first")
    w, h = int(grid.width), int(grid.height)
    if not (MIN_SIZE <= w <= MAX_SIZE and MIN_SIZE <= h <= MAX_SIZE):
        refuse(f"the grid is {w} by {h}; a room of the rooms family is {MIN_SIZE} to {MAX_SIZE} cells a side")
    things, inner_walls, goals = [], set(), []
    for y in range(h):
        for x in range(w):
            obj, where = grid.get(x, y), _at(x, y)
            kind = None if obj is None else obj.type
            if kind == "wall" and obj.color != "grey":
                refuse(f"the rooms family's walls are grey, not {obj.color} (the wall {where})")
            if x in (0, w - 1) or y in (0, h - 1):
                if kind != "wall":
                    refuse(f"the rooms family's outer wall is whole, but there is a {_obj_name(obj)} in it {where}")
            elif kind is None:
                continue
            elif kind == "wall":
                inner_walls.add((x, y))
            elif kind == "door":
                if obj.color not in COLOURS:
                    refuse(f"the rooms family has no colour {obj.color!r} (the door {where})")
                inner_walls.add((x, y))
                state = "open" if obj.is_open else "locked" if obj.is_locked else "closed"
                things.append(Thing("door", x, y, obj.color, state))
            elif kind in ITEMS:
                things.append(Thing(kind, x, y, _item(obj, where, refuse).colour))
            elif kind == "goal":
                if obj.color != "green":
                    refuse(f"the rooms family's goal is green, not {obj.color} (the goal {where})")
                goals.append((x, y))
                things.append(Thing("goal", x, y))
            else:
                refuse(f"the rooms family has no {kind!r} ({where})")
    if len(goals) > 1:
        refuse(f"there are {len(goals)} goals ({'; '.join(_at(*g) for g in goals)}); a room has one at most")
    ax, ay = (int(v) for v in u.agent_pos)
    carrying = None
    if u.carrying is not None:
        if u.carrying.type not in ITEMS:
            refuse(f"the agent carries a {_obj_name(u.carrying)}; it can carry a key, ball or box")
        carrying = _item(u.carrying, "the agent carries", refuse)
    try:
        return Room(w, h, (ax, ay), HEADINGS[int(u.agent_dir) % 4], tuple(things),
                    tuple(wall_segments(inner_walls)), carrying)
    except SceneError as e:  # what the family's validate refuses, named by cell
        under = grid.get(ax, ay) if 0 <= ax < w and 0 <= ay < h else None
        if under is not None:  # MiniGrid lets the agent stand on an open door or the goal
            refuse(f"the agent stands on the {_obj_name(under)} {_at(ax, ay)}, "
                   f"which a room of the rooms family refuses ({e})")
        refuse(str(e))


def describe_minigrid(env: gym.Env, rng: np.random.Generator | None = None) -> str:
    """The env's state in words that `rooms.parse` reads back to `room_from_minigrid(env)`: the
    canonical wording plus 'You are carrying a red key.' when the agent carries something; with
    `rng`, one of the describer's varied wordings (`rooms.describe`) instead."""
    room = room_from_minigrid(env)
    return _words(room, rng)


def _words(room: Room, rng: np.random.Generator | None = None) -> str:
    if rng is not None:
        return rooms.describe(room, rng)
    text = rooms.canonical(room)
    if room.carrying is not None:
        text += f" You are carrying a {room.carrying.colour} {room.carrying.kind}."
    return text


class MiniGridWords(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Any MiniGrid env with observations in words: {"description": the full state in the rooms
    family's canonical words, "mission": MiniGrid's mission} and, with `image=True`, "image": the
    room drawn by `rooms.render` (32 x 32). Actions and rewards are the env's own; `room` is the
    last Room read. A state the family cannot say raises UnsupportedState from reset or step."""

    def __init__(self, env: gym.Env, image: bool = False, max_length: int = MAX_DESCRIPTION):
        gym.utils.RecordConstructorArgs.__init__(self, image=image, max_length=max_length)  # gym.make can remake it
        gym.ObservationWrapper.__init__(self, env)
        self.image = image
        obs_spaces = {"description": spaces.Text(max_length=max_length, charset=CHARSET),
                      "mission": spaces.Text(max_length=MAX_MISSION, min_length=0, charset=CHARSET)}
        if image:
            obs_spaces["image"] = spaces.Box(0, 255, (IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)
        self.observation_space = spaces.Dict(obs_spaces)
        self._room: Room | None = None

    @property
    def room(self) -> Room | None:
        """The Room of the last observation (None before the first reset)."""
        return self._room

    def observation(self, observation):
        room = room_from_minigrid(self.env)
        mission = observation.get("mission") if isinstance(observation, dict) else None
        mission = str(mission if mission is not None else getattr(self.env.unwrapped, "mission", ""))
        obs = {"description": _words(room), "mission": mission}
        name = _env_name(self.env)
        for key, limit in (("description", self.observation_space["description"].max_length),
                           ("mission", MAX_MISSION)):
            odd = sorted(set(obs[key]) - CHARSET)
            if odd or len(obs[key]) > limit:
                why = f"characters {''.join(odd)!r}" if odd else f"{len(obs[key])} characters (at most {limit})"
                raise UnsupportedState(f"{name}: the {key} has {why}: {obs[key][:60]!r}...")
        if self.image:
            obs["image"] = rooms.render(room, IMAGE_SIZE).astype(np.uint8)
        self._room = room
        return obs


def make_minigrid(env_id: str, *, image: bool = False, max_length: int = MAX_DESCRIPTION, **kw) -> MiniGridWords:
    """`gymnasium.make(env_id, **kw)` of a MiniGrid or BabyAI env, wrapped in MiniGridWords."""
    if env_id not in gym.registry:
        ids = [k for k in gym.registry if k.startswith(("MiniGrid-", "BabyAI-"))]
        close = difflib.get_close_matches(env_id, ids, 3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; their ids start with 'MiniGrid-' or 'BabyAI-'"
        raise ValueError(f"unknown MiniGrid environment {env_id!r}{hint}")
    return MiniGridWords(gym.make(env_id, **kw), image=image, max_length=max_length)
