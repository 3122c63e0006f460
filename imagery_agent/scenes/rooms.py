"""Rooms: the scene family of planning, with MiniGrid / BabyAI's objects and colours.

A room is a grid of cells surrounded by walls; inside are optional wall segments with doors
(open, closed or locked), keys, balls and boxes in six colours, a goal square, and the agent
with its heading. Columns count from the left and rows from the top, the outer walls included.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .text import NUMBER_WORDS, check_vocabulary, read_number, sentences

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "purple": (112, 39, 195),
           "yellow": (255, 255, 0), "grey": (100, 100, 100)}
"""MiniGrid's colours (minigrid.core.constants.COLORS)."""
ITEMS = ("key", "ball", "box")
DOOR_STATES = ("open", "closed", "locked")
HEADINGS = ("east", "south", "west", "north")  # MiniGrid's agent_dir 0..3
MIN_SIZE, MAX_SIZE = 5, 12


@dataclass(frozen=True, order=True)
class Thing:
    """A key, ball, box or door (with colour), or the goal (colour None)."""
    kind: str
    x: int
    y: int
    colour: str | None = None
    state: str | None = None  # doors only


@dataclass(frozen=True, order=True)
class WallSegment:
    """An inner wall from (x0, y0) to (x1, y1), inclusive, straight down a column or along a row."""
    x0: int
    y0: int
    x1: int
    y1: int

    def cells(self) -> list[tuple[int, int]]:
        if self.x0 == self.x1:
            return [(self.x0, y) for y in range(min(self.y0, self.y1), max(self.y0, self.y1) + 1)]
        return [(x, self.y0) for x in range(min(self.x0, self.x1), max(self.x0, self.x1) + 1)]


@dataclass(frozen=True)
class Room:
    width: int
    height: int
    agent: tuple[int, int]
    heading: str
    things: tuple[Thing, ...] = ()
    walls: tuple[WallSegment, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "things", tuple(sorted(self.things, key=lambda t: (t.kind, t.x, t.y))))
        object.__setattr__(self, "walls", tuple(sorted(self.walls)))
        validate(self)

    def wall_cells(self) -> set[tuple[int, int]]:
        """Every wall cell, outer walls included, minus the cells that hold doors."""
        cells = {(x, y) for x in range(self.width) for y in range(self.height)
                 if x in (0, self.width - 1) or y in (0, self.height - 1)}
        for w in self.walls:
            cells |= set(w.cells())
        return cells - {(t.x, t.y) for t in self.things if t.kind == "door"}

    @property
    def goal(self) -> tuple[int, int] | None:
        for t in self.things:
            if t.kind == "goal":
                return (t.x, t.y)
        return None


def _inside(x: int, y: int, w: int, h: int) -> bool:
    return 1 <= x <= w - 2 and 1 <= y <= h - 2


def validate(r: Room) -> None:
    for v, what in ((r.width, "width"), (r.height, "height")):
        if not isinstance(v, (int, np.integer)) or not MIN_SIZE <= v <= MAX_SIZE:
            raise SceneError(f"room {what} must be {MIN_SIZE} to {MAX_SIZE} cells, got {v!r}")
    if r.heading not in HEADINGS:
        raise SceneError(f"heading must be one of {', '.join(HEADINGS)}, got {r.heading!r}")
    inner_walls = set()
    for w in r.walls:
        if w.x0 != w.x1 and w.y0 != w.y1:
            raise SceneError(f"a wall must run along one column or one row: {w}")
        for x, y in w.cells():
            if not _inside(x, y, r.width, r.height):
                raise SceneError(f"a wall cell at column {x}, row {y} lies outside the room's inside "
                                 f"(columns 1 to {r.width - 2}, rows 1 to {r.height - 2})")
        inner_walls |= set(w.cells())
    taken: dict[tuple[int, int], str] = {}
    ax, ay = r.agent
    if not _inside(ax, ay, r.width, r.height):
        raise SceneError(f"the agent at column {ax}, row {ay} is outside the room's inside "
                         f"(columns 1 to {r.width - 2}, rows 1 to {r.height - 2})")
    if (ax, ay) in inner_walls:
        raise SceneError(f"the agent at column {ax}, row {ay} stands in a wall")
    taken[(ax, ay)] = "the agent"
    goals = 0
    for t in r.things:
        label = thing_name(t)
        if t.kind not in ITEMS + ("door", "goal"):
            raise SceneError(f"unknown object kind {t.kind!r}")
        if not _inside(t.x, t.y, r.width, r.height):
            raise SceneError(f"the {label} at column {t.x}, row {t.y} is outside the room's inside "
                             f"(columns 1 to {r.width - 2}, rows 1 to {r.height - 2})")
        if t.kind == "goal":
            goals += 1
            if t.colour is not None or t.state is not None:
                raise SceneError("the goal has no colour or state")
        else:
            if t.colour not in COLOURS:
                raise SceneError(f"the {t.kind} needs a colour from {', '.join(COLOURS)}, got {t.colour!r}")
        if t.kind == "door":
            if t.state not in DOOR_STATES:
                raise SceneError(f"a door is open, closed or locked, got {t.state!r}")
            if (t.x, t.y) not in inner_walls:
                raise SceneError(f"the {label} at column {t.x}, row {t.y} is not in a wall")
        elif t.state is not None:
            raise SceneError(f"only doors have a state, not the {t.kind}")
        elif (t.x, t.y) in inner_walls:
            raise SceneError(f"the {label} at column {t.x}, row {t.y} is inside a wall")
        if (t.x, t.y) in taken:
            raise SceneError(f"contradiction: the {label} and {taken[(t.x, t.y)]} are both at column {t.x}, row {t.y}")
        taken[(t.x, t.y)] = f"the {label}"
    if goals > 1:
        raise SceneError("a room has at most one goal")


def thing_name(t: Thing) -> str:
    if t.kind == "goal":
        return "goal"
    if t.kind == "door":
        return f"{t.state} {t.colour} door"
    return f"{t.colour} {t.kind}"


# --- verbal code ---------------------------------------------------------------------------

def _pos(x, y, pick):
    return pick(("at column {x}, row {y}", "in column {x}, row {y}", "at row {y}, column {x}")).format(x=x, y=y)


def describe(r: Room, rng: np.random.Generator | None = None) -> str:
    rng = rng if rng is not None else np.random.default_rng(0)
    pick = lambda opts: opts[int(rng.integers(len(opts)))]  # noqa: E731
    head = pick(("the room is {w} by {h}", "the room is {w} cells wide and {h} cells high",
                 "the grid measures {w} by {h}")).format(w=r.width, h=r.height)
    body = []
    ax, ay = r.agent
    body.append(pick(("you are {p}, facing {d}", "the agent stands {p} and faces {d}",
                      "the agent is {p}, looking {d}")).format(p=_pos(ax, ay, pick), d=r.heading))
    for w in r.walls:
        if w.x0 == w.x1:
            body.append(f"a wall runs down column {w.x0} from row {min(w.y0, w.y1)} to row {max(w.y0, w.y1)}")
        else:
            body.append(f"a wall runs along row {w.y0} from column {min(w.x0, w.x1)} to column {max(w.x0, w.x1)}")
    for t in r.things:
        p = _pos(t.x, t.y, pick)
        if t.kind == "goal":
            body.append(pick(("the goal is {p}", "the green goal square is {p}", "there is a goal {p}")).format(p=p))
        else:
            thing = thing_name(t)
            body.append(pick(("a {t} is {p}", "there is a {t} {p}", "you see a {t} {p}")).format(t=thing, p=p))
    order = rng.permutation(len(body))
    parts = [head] + [body[i] for i in order]
    return ". ".join(s[0].upper() + s[1:] for s in parts) + "."


VOCABULARY = (set(COLOURS) | set(ITEMS) | set(DOOR_STATES) | set(HEADINGS) | set(NUMBER_WORDS) |
              {"the", "room", "is", "by", "cells", "wide", "and", "high", "grid", "measures", "you", "are",
               "facing", "agent", "stands", "faces", "looking", "a", "wall", "runs", "down", "column", "from",
               "row", "to", "along", "goal", "square", "there", "see", "at", "in", "door"})


def vocabulary() -> set[str]:
    return set(VOCABULARY)


def _numbers_after(toks: list[str], cue: str, phrase: str) -> list[int]:
    return [read_number(toks[i + 1], phrase) for i, t in enumerate(toks[:-1]) if t == cue]


def _cell(toks: list[str], phrase: str) -> tuple[int, int]:
    cols, rows = _numbers_after(toks, "column", phrase), _numbers_after(toks, "row", phrase)
    if len(cols) != 1 or len(rows) != 1:
        raise ParseError(f"rooms: {phrase!r} must give one column and one row")
    return cols[0], rows[0]


def parse(text: str) -> Room:
    sents = sentences(text, "rooms")
    check_vocabulary([t for s in sents for t in s], VOCABULARY, "rooms")
    size = agent = heading = None
    things: list[Thing] = []
    walls: list[WallSegment] = []
    for toks in sents:
        toks = [t for t in toks if t != ","]
        phrase = " ".join(toks)
        nums = [t for t in toks if t.isdigit() or t in NUMBER_WORDS]
        if "room" in toks or "grid" in toks:
            if "by" in toks:
                i = toks.index("by")
                wh = (read_number(toks[i - 1], phrase), read_number(toks[i + 1], phrase)) if 0 < i < len(toks) - 1 else None
            elif "wide" in toks and "high" in toks:
                wh = (read_number(toks[toks.index("wide") - 2], phrase), read_number(toks[toks.index("high") - 2], phrase))
            else:
                wh = None
            if wh is None or len(nums) != 2:
                raise ParseError(f"rooms: cannot read the room's size in {phrase!r} ('the room is 7 by 7')")
            if size is not None and size != wh:
                raise ParseError(f"rooms: contradiction: the room is {size[0]} by {size[1]} and {wh[0]} by {wh[1]}")
            size = wh
        elif "agent" in toks or toks[:2] == ["you", "are"]:
            dirs = [t for t in toks if t in HEADINGS]
            if len(dirs) != 1:
                raise ParseError(f"rooms: say which way the agent faces (east, south, west or north) in {phrase!r}")
            cell = _cell(toks, phrase)
            if agent is not None and (agent, heading) != (cell, dirs[0]):
                raise ParseError(f"rooms: contradiction: the agent is placed twice ({phrase!r})")
            agent, heading = cell, dirs[0]
        elif "wall" in toks:
            if "down" in toks:
                (c,), rows = _numbers_after(toks, "column", phrase) or [None], _numbers_after(toks, "row", phrase)
                if c is None or len(rows) != 2:
                    raise ParseError(f"rooms: cannot read the wall in {phrase!r} ('a wall runs down column 4 from row 1 to row 5')")
                walls.append(WallSegment(c, rows[0], c, rows[1]))
            elif "along" in toks:
                (rw,), cols = _numbers_after(toks, "row", phrase) or [None], _numbers_after(toks, "column", phrase)
                if rw is None or len(cols) != 2:
                    raise ParseError(f"rooms: cannot read the wall in {phrase!r} ('a wall runs along row 3 from column 1 to column 5')")
                walls.append(WallSegment(cols[0], rw, cols[1], rw))
            else:
                raise ParseError(f"rooms: say whether the wall runs down a column or along a row in {phrase!r}")
        elif "door" in toks:
            colours = [t for t in toks if t in COLOURS]
            states = [t for t in toks if t in DOOR_STATES]
            if len(colours) != 1 or len(states) != 1:
                raise ParseError(f"rooms: a door needs one colour and one state (open, closed, locked): {phrase!r}")
            things.append(Thing("door", *_cell(toks, phrase), colours[0], states[0]))
        elif "goal" in toks:
            things.append(Thing("goal", *_cell(toks, phrase)))
        else:
            kinds = [t for t in toks if t in ITEMS]
            colours = [t for t in toks if t in COLOURS]
            if len(kinds) != 1 or len(colours) != 1:
                raise ParseError(f"rooms: cannot read {phrase!r}: name one object with its colour ('a red key')")
            things.append(Thing(kinds[0], *_cell(toks, phrase), colours[0]))
    if size is None:
        raise ParseError("rooms: the description does not give the room's size")
    if agent is None:
        raise ParseError("rooms: the description does not say where the agent is")
    try:
        return Room(size[0], size[1], agent, heading, tuple(things), tuple(walls))
    except SceneError as e:
        raise ParseError(f"rooms: {e}") from None


# --- pictures and graphs -------------------------------------------------------------------

FLOOR, GRID_LINE, WALL = (0, 0, 0), (40, 40, 40), (100, 100, 100)
AGENT = (255, 0, 0)
_HEADING_ANGLE = {"east": 0.0, "south": 90.0, "west": 180.0, "north": 270.0}


def render(r: Room, size: int = 64) -> np.ndarray:
    """A MiniGrid-style top view; the room keeps square cells, padded with black."""
    canvas = Canvas(size, FLOOR)
    c = 1.0 / max(r.width, r.height)
    for x in range(r.width + 1):
        canvas.polyline([(x * c, 0), (x * c, r.height * c)], GRID_LINE, 0.008)
    for y in range(r.height + 1):
        canvas.polyline([(0, y * c), (r.width * c, y * c)], GRID_LINE, 0.008)
    for x, y in r.wall_cells():
        canvas.rect(x * c, y * c, (x + 1) * c, (y + 1) * c, WALL)
    for t in r.things:
        x0, y0 = t.x * c, t.y * c
        cx, cy = x0 + c / 2, y0 + c / 2
        col = COLOURS.get(t.colour, (0, 255, 0))
        if t.kind == "goal":
            canvas.rect(x0 + 0.05 * c, y0 + 0.05 * c, x0 + 0.95 * c, y0 + 0.95 * c, (0, 255, 0))
        elif t.kind == "ball":
            canvas.disc((cx, cy), 0.32 * c, col)
        elif t.kind == "key":
            canvas.disc((cx, y0 + 0.3 * c), 0.18 * c, col)
            canvas.polyline([(cx, y0 + 0.3 * c), (cx, y0 + 0.85 * c)], col, 0.12 * c)
            canvas.polyline([(cx, y0 + 0.7 * c), (cx + 0.2 * c, y0 + 0.7 * c)], col, 0.1 * c)
        elif t.kind == "box":
            sq = [(x0 + 0.15 * c, y0 + 0.15 * c), (x0 + 0.85 * c, y0 + 0.15 * c), (x0 + 0.85 * c, y0 + 0.85 * c),
                  (x0 + 0.15 * c, y0 + 0.85 * c)]
            canvas.polygon(sq, None, outline=col, width=0.12 * c)
            canvas.polyline([sq[0], sq[1]], col, 0.12 * c)
        elif t.kind == "door":
            if t.state == "locked":
                canvas.rect(x0, y0, x0 + c, y0 + c, col)
                canvas.polyline([(x0 + 0.55 * c, cy), (x0 + 0.8 * c, cy)], FLOOR, 0.08 * c)
            elif t.state == "closed":
                canvas.rect(x0, y0, x0 + c, y0 + c, col)
                canvas.rect(x0 + 0.12 * c, y0 + 0.12 * c, x0 + 0.88 * c, y0 + 0.88 * c, FLOOR)
                canvas.disc((x0 + 0.75 * c, cy), 0.08 * c, col)
            else:
                canvas.rect(x0 + 0.85 * c, y0, x0 + c, y0 + c, col)
    ax, ay = r.agent
    a = np.radians(_HEADING_ANGLE[r.heading])
    cx, cy = (ax + 0.5) * c, (ay + 0.5) * c
    tri = [(cx + 0.4 * c * np.cos(a + d), cy + 0.4 * c * np.sin(a + d)) for d in (0.0, 2.5, -2.5)]
    canvas.polygon(tri, AGENT)
    return canvas.to_array()


def to_graph(r: Room) -> nx.DiGraph:
    """The agent and every object (walls left out), with spatial relations between them."""
    c = 1.0 / max(r.width, r.height)
    objs = [GraphObject("agent", (r.agent[0] + 0.5) * c, (r.agent[1] + 0.5) * c,
                        {"kind": "agent", "heading": r.heading, "cell": r.agent})]
    counts: dict[str, int] = {}
    for t in r.things:
        name = thing_name(t)
        counts[name] = counts.get(name, 0) + 1
        if counts[name] > 1:
            name = f"{name} {counts[name]}"
        objs.append(GraphObject(name, (t.x + 0.5) * c, (t.y + 0.5) * c,
                                {"kind": t.kind, "colour": t.colour, "state": t.state, "cell": (t.x, t.y)}))
    g = relation_graph(objs, family="rooms")
    for a in objs:  # objects in edge-adjacent cells touch
        for b in objs:
            if a is not b:
                (x0, y0), (x1, y1) = g.nodes[a.name]["cell"], g.nodes[b.name]["cell"]
                if abs(x0 - x1) + abs(y0 - y1) == 1:
                    g.edges[a.name, b.name]["touching"] = True
                    g.edges[a.name, b.name]["relations"].add("touching")
    return g


# --- sampling ------------------------------------------------------------------------------

HELDOUT = frozenset({("purple", "ball"), ("yellow", "key"), ("green", "box"), ("grey", "door")})


def combinations(r: Room) -> set:
    """(colour, kind) atoms; a few colour-object pairs never appear in training."""
    return {(t.colour, t.kind) for t in r.things if t.colour is not None}


def sample(rng: np.random.Generator, max_items: int = 3) -> Room:
    w, h = int(rng.integers(MIN_SIZE, 10)), int(rng.integers(MIN_SIZE, 10))
    colours = list(COLOURS)
    free = {(x, y) for x in range(1, w - 1) for y in range(1, h - 1)}
    walls, things = [], []
    left = free
    if w >= 6 and rng.random() < 0.6:
        wx = int(rng.integers(2, w - 3 + 1)) if w - 3 >= 2 else 2
        seg = WallSegment(wx, 1, wx, h - 2)
        walls.append(seg)
        free -= set(seg.cells())
        dy = int(rng.integers(1, h - 1))
        door = Thing("door", wx, dy, colours[int(rng.integers(6))], DOOR_STATES[int(rng.integers(3))])
        things.append(door)
        left = {(x, y) for x, y in free if x < wx}
        if door.state == "locked":  # the key that opens it lies on the agent's side
            kx, ky = sorted(left)[int(rng.integers(len(left)))]
            things.append(Thing("key", kx, ky, door.colour))
            free.discard((kx, ky))
            left = left - {(kx, ky)}

    def take(cells):
        cell = sorted(cells)[int(rng.integers(len(cells)))]
        free.discard(cell)
        return cell

    agent = take(left & free)
    things.append(Thing("goal", *take(free)))
    for _ in range(int(rng.integers(0, max_items + 1))):
        if not free:
            break
        things.append(Thing(ITEMS[int(rng.integers(3))], *take(free), colours[int(rng.integers(6))]))
    return Room(w, h, agent, HEADINGS[int(rng.integers(4))], tuple(things), tuple(walls))


FAMILY = register_family(SceneFamily(
    name="rooms", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=vocabulary, atoms=combinations, heldout_atom=HELDOUT.__contains__,
    score_image=lazy("imagery_agent.metrics.rooms:score_room"),
    summarise_scores=lazy("imagery_agent.metrics.objects:summarise_objects"),
))
