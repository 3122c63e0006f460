"""Rooms: the scene family of planning, with MiniGrid / BabyAI's objects and colours.

A room is a grid of cells surrounded by walls; inside are optional wall segments with doors
(open, closed or locked), keys, balls and boxes in six colours, a goal square, and the agent
with its heading. Columns count from the left and rows from the top, the outer walls included.

The parser reads the describer's wording and the English people write: 'It's a 7x9 room.',
'You're standing at (2, 3), facing north.', 'There's a red key at (4, 2) and a blue ball in
column 5, row 1.', 'A wall goes from (4, 1) to (4, 5).' '(x, y)' is (column, row). A bare pair
of numbers, a heading without a verb ('north' may be 'north of'), a colour or object it does not
know and contradictions are refused by name.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np

from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .text import (NUMBER_READING, NUMBER_WORDS, ORDINALS, alternatives, check_read, check_vocabulary,
                   coordinate_pairs, join_numbers, phrase_of, rewrite, rule, sentences, words_in)

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
    carrying: Thing | None = None  # a key, ball or box in the agent's hands (its x, y are 0); not drawn

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
    open_doors = {(t.x, t.y) for t in r.things if t.kind == "door" and t.state == "open"}
    if (ax, ay) in inner_walls - open_doors:
        raise SceneError(f"the agent at column {ax}, row {ay} stands in a wall")
    shared = {(t.x, t.y) for t in r.things if t.kind == "goal"} | open_doors  # cells the agent may stand in
    if (ax, ay) not in shared:
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
    c = r.carrying
    if c is not None and (not isinstance(c, Thing) or c.kind not in ITEMS or c.colour not in COLOURS
                          or c.state is not None):
        raise SceneError(f"the agent can carry a key, ball or box with a colour, not {c!r}")


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
    if r.carrying is not None:
        body.append(pick(("you are carrying a {t}", "you hold a {t}", "the agent carries a {t}")).format(
            t=thing_name(r.carrying)))
    order = rng.permutation(len(body))
    parts = [head] + [body[i] for i in order]
    return ". ".join(s[0].upper() + s[1:] for s in parts) + "."


def canonical(r: Room) -> str:
    """The one wording a backbone draws from and a captioner says: size, agent, walls, then the
    objects in reading order. What the agent carries is not drawn, so it is not said here."""
    parts = [f"the room is {r.width} by {r.height}",
             f"you are at column {r.agent[0]}, row {r.agent[1]}, facing {r.heading}"]
    for w in r.walls:
        if w.x0 == w.x1:
            parts.append(f"a wall runs down column {w.x0} from row {min(w.y0, w.y1)} to row {max(w.y0, w.y1)}")
        else:
            parts.append(f"a wall runs along row {w.y0} from column {min(w.x0, w.x1)} to column {max(w.x0, w.x1)}")
    for t in sorted(r.things, key=lambda t: (t.y, t.x)):
        parts.append("the goal is at column {x}, row {y}".format(x=t.x, y=t.y) if t.kind == "goal"
                     else f"a {thing_name(t)} is at column {t.x}, row {t.y}")
    return ". ".join(s[0].upper() + s[1:] for s in parts) + "."


VOCABULARY = (set(COLOURS) | set(ITEMS) | set(DOOR_STATES) | set(HEADINGS) | set(NUMBER_WORDS) |
              {"the", "room", "is", "by", "cells", "wide", "and", "high", "grid", "measures", "you", "are",
               "facing", "agent", "stands", "faces", "looking", "a", "wall", "runs", "down", "column", "from",
               "row", "to", "along", "goal", "square", "there", "see", "at", "in", "door"})


def vocabulary() -> set[str]:
    return set(VOCABULARY)


# --- reading hand-written descriptions -----------------------------------------------------
#
# Phrase rules bring a sentence to marks: '@size:W:H' ('7 by 9', '7x9', '7 cells wide and 9
# high'), '@col:N' / '@row:N' ('column 3', 'the third row', '(3, 4)' = column 3, row 4),
# '@heading:D' ('facing north', 'heading towards the east'). What is left are the objects (agent,
# you, key, ball, box, door, goal, wall), their colours and door states, connectives and words that
# carry no place. A sentence that names several objects is cut at connectives so that each piece
# holds one object's facts; every way of cutting must agree. 'It' continues the previous object;
# 'the red key' is the red key already named (when one is). A heading needs a verb ('facing
# north'): a bare 'north' may be a relation ('north of the ball') and is refused.

_OBJECT_NOUNS = set(ITEMS) | {"door", "goal", "wall", "agent"}
_UNIT = r"(?:cells?|squares?|tiles?|units?|columns?|rows?|spaces?)"
_WIDE = r"(?:wide|across|in width)"
_HIGH = r"(?:high|tall|deep|long|in height)"
_HEAD_VERBS = ("facing", "faces", "face", "looking", "looks", "look", "heading", "heads", "head", "headed",
               "pointing", "points", "point", "pointed", "oriented", "orientated", "turned", "directed",
               "aimed", "aiming", "gazing", "gazes", "staring", "stares")
_DIRS = alternatives(HEADINGS)
_CARRY_VERBS = ("carrying", "carries", "carry", "holding", "holds", "hold")
_SEE = r"(?:you|we|i) (?:(?:can|will|may|could|should|might|also|then|would|now) )*" \
       r"(?:see|sees|find|finds|notice|spot|observe|get|discover|encounter|come across|have)"
_RULES = [
    rule(r"gray", "grey"), rule(r"shut", "closed"), rule(r"opened", "open"),
    rule(r"(\d+) by (\d+)", r"@size:\1:\2"),
    rule(rf"(\d+) (?:{_UNIT} )?{_WIDE}(?: ,)?(?: and| by)? (\d+) (?:{_UNIT} )?{_HIGH}", r"@size:\1:\2"),
    rule(rf"(\d+) (?:{_UNIT} )?{_HIGH}(?: ,)?(?: and| by)? (\d+) (?:{_UNIT} )?{_WIDE}", r"@size:\2:\1"),
    rule(r"(?:an? )?width (?:of |is )?(\d+)(?: ,)?(?: and)? (?:an? )?height (?:of |is )?(\d+)", r"@size:\1:\2"),
    rule(r"(?:an? )?height (?:of |is )?(\d+)(?: ,)?(?: and)? (?:an? )?width (?:of |is )?(\d+)", r"@size:\2:\1"),
    rule(r"(\d+) columns?(?: ,)? (?:and|by) (\d+) rows?", r"@size:\1:\2"),
    rule(r"(\d+) rows?(?: ,)? (?:and|by) (\d+) columns?", r"@size:\2:\1"),
    rule(r"(?:rows) (\d+) (?:to|through|thru|till|until|and) (\d+)", r"row \1 to row \2"),
    rule(r"(?:columns|cols) (\d+) (?:to|through|thru|till|until|and) (\d+)", r"column \1 to column \2"),
    rule(r"(?:row) (\d+) (?:to|through|thru|till|until) (\d+)", r"row \1 to row \2"),
    rule(r"(?:column|col) (\d+) (?:to|through|thru|till|until) (\d+)", r"column \1 to column \2"),
    rule(r"x(?: ,)? (\d+)", r"@col:\1"), rule(r"y(?: ,)? (\d+)", r"@row:\1"),
    rule(r"(?:column|col)(?: number)? (\d+)", r"@col:\1"), rule(r"row(?: number)? (\d+)", r"@row:\1"),
    rule(rf"(?:the )?({alternatives(ORDINALS)}) (column|row)",
         lambda m: f"@{'col' if m.group(2) == 'column' else 'row'}:{ORDINALS[m.group(1)]}"),
    rule(rf"({_DIRS})-facing", r"@heading:\1"),
    rule(rf"{alternatives(_HEAD_VERBS)}(?: (?:to|towards|toward|at|in))?(?: the)?(?: direction(?: of)?)?(?: the)?"
         rf" ({_DIRS})(?:wards?)?", r"@heading:\1"),
    rule(rf"(?:heading|direction|orientation)(?: ,| is| of)? ({_DIRS})", r"@heading:\1"),
    rule(_SEE, ""), rule(r"(?:in|on|within|into) (?:the|a|that|its) wall(?! that| which)", ""),
    rule(rf"your(?= (?:(?:{alternatives(COLOURS)}|{alternatives(DOOR_STATES)}) )*{alternatives(_OBJECT_NOUNS)})", ""),
]
_CONNECTIVES = {",", "and", "then", "while", "whereas", "but", "plus", "also", "with"}
_PRONOUNS = {"it", "its", "this", "that", "which", "whose"}
_AGENT = {"agent", "you", "i", "your", "me"}
_FILLERS = {
    "the", "a", "an", "is", "are", "am", "'s", "there", "here", "in", "at", "on", "of", "stands", "stand",
    "standing", "sits", "sit", "sitting", "lies", "lie", "lying", "located", "placed", "positioned", "situated",
    "found", "can", "be", "seen", "will", "cell", "square", "tile", "position", "location", "spot", "room",
    "grid", "measures", "measure", "size", "has", "have", "from", "to", "runs", "run", "goes", "go", "stretches",
    "extends", "spans", "reaches", "down", "along", "vertical", "vertically", "horizontal", "horizontally",
    "straight", "all", "way", "currently", "now", "start", "starts", "starting", "begins", "coloured", "colored",
    "colour", "color", "please", "we", "us", "let", "imagine", "picture", "big", "small", "inside", "sized",
    "whole", "one", "also", "finally", "lastly", "next", "just", "exactly", "cells", "squares", "tiles", "large",
}
READ_WORDS = (VOCABULARY | _CONNECTIVES | _PRONOUNS | _AGENT | _FILLERS | words_in(_RULES) | set(_HEAD_VERBS)
              | NUMBER_READING | set(ORDINALS))


def _read(raw: list[str]) -> list[str]:
    return rewrite(coordinate_pairs(join_numbers(raw)), _RULES)


def _items(toks: list[str], phrase: str) -> list[tuple[str, object]]:
    """A rewritten sentence as (kind, value) items: 'obj', 'col', 'row', 'size', 'heading',
    'colour', 'state', 'conn', 'pron'."""
    stray = [t for t in toks if t.isdigit()]
    if stray:
        raise ParseError(f"rooms: cannot tell what the number {stray[0]!r} in {phrase!r} is "
                         "(say 'column 3, row 2', '(3, 2)' or 'the room is 7 by 9')")
    check_read(toks, _FILLERS | _CONNECTIVES | _PRONOUNS | _AGENT | _OBJECT_NOUNS | set(COLOURS) | set(DOOR_STATES),
               "rooms", phrase)
    items, article = [], None
    for t in toks:
        if t in ("the", "a", "an", "another"):
            article = t
        elif t not in COLOURS and t not in DOOR_STATES:
            if t in _OBJECT_NOUNS and article == "the":
                items.append(("the", t))
            article = None
        if t.startswith("@"):
            kind, _, value = t[1:].partition(":")
            if kind == "size":
                w, h = value.split(":")
                items.append(("size", (int(w), int(h))))
            else:
                items.append((kind, value if kind == "heading" else int(value)))
        elif t in _OBJECT_NOUNS or t in _AGENT:
            items.append(("obj", "agent" if t in _AGENT else t))
        elif t in COLOURS:
            items.append(("colour", t))
        elif t in DOOR_STATES:
            items.append(("state", t))
        elif t in _CONNECTIVES:
            items.append(("conn", t))
        elif t in _PRONOUNS:
            items.append(("pron", t))
    return _one_agent(items)


def _one_agent(items: list) -> list:
    """'You' said twice in one piece ('you are ... and you face north') is one agent."""
    out, seen = [], False
    for k, v in items:
        if (k, v) == ("obj", "agent"):
            if seen and not any(k2 == "obj" and v2 != "agent" for k2, v2 in out):
                continue
            seen = True
        out.append((k, v))
    return out


def _fits(piece: list) -> bool:
    """Whether a piece of a sentence can be one object's facts, complete enough to stand alone."""
    objs = [v for k, v in piece if k == "obj"]
    if len(objs) != 1:
        return False
    n = {k: sum(k2 == k for k2, _ in piece) for k in ("col", "row", "heading", "colour", "state")}
    if objs[0] == "wall":
        return (n["col"], n["row"]) in ((1, 2), (2, 1), (2, 2)) and n["heading"] + n["colour"] + n["state"] == 0
    if objs[0] == "agent":
        return n["col"] == n["row"] <= 1 and n["heading"] <= 1 and n["colour"] + n["state"] == 0
    return n["col"] == n["row"] == 1 and n["heading"] == 0 and n["colour"] <= 1 and n["state"] <= (objs[0] == "door")


def _split(items: list, phrase: str) -> list[list]:
    """A sentence naming several objects, cut at connectives into one piece per object; every
    way of cutting must give the same reading."""
    objs = [i for i, (k, _) in enumerate(items) if k == "obj"]
    if len(objs) < 2:
        return [items]
    gaps = [[j for j in range(a + 1, b) if items[j][0] == "conn"] for a, b in zip(objs, objs[1:])]
    if math.prod(len(g) for g in gaps) > 4096:
        raise ParseError(f"rooms: {phrase!r} is too long a sentence; say one object per sentence")
    readings = {}
    for cuts in itertools.product(*gaps):
        bounds = [0, *cuts, len(items)]
        pieces = [[it for it in items[a:b] if it[0] != "conn"] for a, b in zip(bounds, bounds[1:])]
        if all(_fits(p) for p in pieces):
            readings.setdefault(tuple(tuple(p) for p in pieces), pieces)
    if len(readings) != 1:
        how = "cannot tell" if not readings else "is ambiguous about"
        raise ParseError(f"rooms: {phrase!r}: {how} which facts belong to which object; "
                         "give each object its own column and row")
    return next(iter(readings.values()))


class _Reader:
    """The objects of a description as they are read, sentence by sentence."""

    def __init__(self):
        self.sizes: set[tuple[int, int]] = set()
        self.records: list[dict] = []
        self.agent: dict | None = None

    def sentence(self, raw: list[str]) -> None:
        phrase = phrase_of(raw)
        items = _items(_read(raw), phrase)
        self.sizes |= {v for k, v in items if k == "size"}
        items = [it for it in items if it[0] != "size"]
        for piece in _split(items, phrase):
            self.piece([it for it in piece if it[0] != "conn"], phrase)

    def piece(self, piece: list, phrase: str) -> None:
        objs = [v for k, v in piece if k == "obj"]
        facts = [(k, v) for k, v in piece if k not in ("obj", "pron", "the")]
        if len(objs) > 1:
            raise ParseError(f"rooms: {phrase!r} names {' and '.join(objs)} with one set of facts")
        if not objs:
            if not facts:
                return
            if not any(k == "pron" for k, _ in piece) or not self.records:
                raise ParseError(f"rooms: {phrase!r} does not say what is there")
            self.add(self.records[-1], facts, phrase)
            return
        self.add(self.find(objs[0], facts, piece, phrase), facts, phrase)

    def find(self, kind: str, facts: list, piece: list, phrase: str) -> dict:
        """The record a mention is about: the agent and the goal are one each; 'the red key' is
        the red key already named, when there is exactly one."""
        if kind == "agent":
            if self.agent is None:
                self.agent = self.new("agent")
            return self.agent
        same = [r for r in self.records if r["kind"] == kind and all(
            r[k][0] == v for k, v in facts if k in ("colour", "state") and r[k])]
        if kind == "goal" and same:
            return same[0]
        if ("the", kind) in piece and len(same) > 1:
            raise ParseError(f"rooms: {phrase!r}: there are {len(same)} such {kind}s; say which one")
        return same[0] if ("the", kind) in piece and same else self.new(kind)

    def new(self, kind: str) -> dict:
        record = {"kind": kind, "col": [], "row": [], "heading": [], "colour": [], "state": []}
        self.records.append(record)
        return record

    def add(self, record: dict, facts: list, phrase: str) -> None:
        for k, v in facts:
            if record["kind"] != "wall" and record[k] and record[k][0] != v:
                what = "the agent" if record["kind"] == "agent" else f"the {record['kind']}"
                fact = {"col": "column"}.get(k, k)
                raise ParseError(f"rooms: contradiction: {phrase!r} gives {what} a second {fact} "
                                 f"({record[k][0]} and {v})")
            if record["kind"] == "wall" or not record[k]:
                record[k].append(v)
        if self.records[-1] is not record:  # 'it' and 'the red key' continue that object
            self.records.remove(record)
            self.records.append(record)


def _thing(r: dict) -> Thing | WallSegment:
    kind, cols, rows = r["kind"], r["col"], r["row"]
    if kind == "wall":
        if len(cols) == 1 and len(rows) == 2:
            return WallSegment(cols[0], rows[0], cols[0], rows[1])
        if len(rows) == 1 and len(cols) == 2:
            return WallSegment(cols[0], rows[0], cols[1], rows[0])
        if len(cols) == 2 and len(rows) == 2:
            return WallSegment(cols[0], rows[0], cols[1], rows[1])
        raise ParseError("rooms: cannot read a wall: say 'a wall runs down column 4 from row 1 to row 5' "
                         "or 'a wall runs along row 3 from column 1 to column 5'")
    if not cols or not rows:
        raise ParseError(f"rooms: the {kind} must be given one column and one row")
    if kind == "goal":
        if r["colour"] not in ([], ["green"]) or r["state"]:
            raise ParseError("rooms: the goal is a green square with no other colour or state")
        return Thing("goal", cols[0], rows[0])
    if not r["colour"]:
        raise ParseError(f"rooms: the {kind} at column {cols[0]}, row {rows[0]} needs a colour ('a red {kind}')")
    if kind == "door" and not r["state"]:
        raise ParseError(f"rooms: a door needs one colour and one state (open, closed, locked): "
                         f"the door at column {cols[0]}, row {rows[0]}")
    if kind != "door" and r["state"]:
        raise ParseError(f"rooms: only doors are {r['state'][0]}, not the {kind}")
    return Thing(kind, cols[0], rows[0], r["colour"][0], r["state"][0] if r["state"] else None)


_CARRY = re.compile(rf"^(?:(?:you|i|we|the agent) )?(?:(?:are|is|am|now) )*(?:{alternatives(_CARRY_VERBS)}) "
                    rf"(?:(?:a|an|the|one) )?(?:({alternatives(COLOURS)}) )?({alternatives(ITEMS)})$")


def _carried(raw: list[str]) -> Thing | None:
    """'You are carrying a red key.' as the thing carried; None for any other sentence."""
    words = " ".join("grey" if t == "gray" else t for t in raw if t != ",")
    if not any(v in raw for v in _CARRY_VERBS):
        return None
    m = _CARRY.match(words)
    if m is None:
        raise ParseError(f"rooms: cannot read what the agent carries in {phrase_of(raw)!r} "
                         "(say 'you are carrying a red key')")
    if m.group(1) is None:
        raise ParseError(f"rooms: the carried {m.group(2)} needs a colour ('you are carrying a red {m.group(2)}')")
    return Thing(m.group(2), 0, 0, m.group(1))


def parse(text: str) -> Room:
    sents = sentences(text, "rooms")
    check_vocabulary([t for s in sents for t in s], READ_WORDS | set(_CARRY_VERBS), "rooms")
    carried = [c for c in map(_carried, sents) if c is not None]
    if len(set(carried)) > 1:
        raise ParseError(f"rooms: contradiction: the agent carries {len(set(carried))} things; it holds one at most")
    reader = _Reader()
    for raw in sents:
        if _carried(raw) is None:
            reader.sentence(raw)
    if len(reader.sizes) > 1:
        a, b = sorted(reader.sizes)[:2]
        raise ParseError(f"rooms: contradiction: the room is {a[0]} by {a[1]} and {b[0]} by {b[1]}")
    if not reader.sizes:
        raise ParseError("rooms: the description does not give the room's size")
    agent = reader.agent
    if agent is None or not agent["col"] or not agent["row"]:
        raise ParseError("rooms: the description does not say where the agent is")
    if not agent["heading"]:
        raise ParseError("rooms: say which way the agent faces (east, south, west or north)")
    parts = [_thing(r) for r in reader.records if r["kind"] != "agent"]
    (w, h), = reader.sizes
    try:
        return Room(w, h, (agent["col"][0], agent["row"][0]), agent["heading"][0],
                    tuple(p for p in parts if isinstance(p, Thing)),
                    tuple(p for p in parts if isinstance(p, WallSegment)), carried[0] if carried else None)
    except SceneError as e:
        raise ParseError(f"rooms: {e}") from None


# --- pictures and graphs -------------------------------------------------------------------

FLOOR, GRID_LINE, WALL = (0, 0, 0), (40, 40, 40), (100, 100, 100)
AGENT = (255, 0, 0)
_HEADING_ANGLE = {"east": 0.0, "south": 90.0, "west": 180.0, "north": 270.0}


CANVAS_CELLS = 8
"""A picture is at least this many cells across: rooms up to 8 x 8 cells are all drawn at one
scale (a cell is 4 pixels of a 32-pixel image), so a cell's column and row fix its pixels whatever
the room's size, as for islands; larger rooms shrink to fit."""


def cell_fraction(r: Room) -> float:
    """A cell's side as a fraction of the picture's width."""
    return 1.0 / max(CANVAS_CELLS, r.width, r.height)


def render(r: Room, size: int = 64) -> np.ndarray:
    """A MiniGrid-style top view from the top-left corner; square cells, black beyond the room."""
    canvas = Canvas(size, FLOOR)
    c = cell_fraction(r)
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
    c = cell_fraction(r)
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

LOCKED_KEY_INSIDE = 0.5
"""How often a sampled room holds the key of its locked door."""

HELDOUT = frozenset({("purple", "ball"), ("yellow", "key"), ("green", "box"), ("grey", "door")})


def combinations(r: Room) -> set:
    """(colour, kind) atoms; a few colour-object pairs never appear in training."""
    return {(t.colour, t.kind) for t in r.things if t.colour is not None}


def sample(rng: np.random.Generator, max_items: int = 8, max_size: int = CANVAS_CELLS, locked: float | None = None,
           grey_items: float | None = None) -> Room:
    """A room of 5 to `max_size` cells a side: a goal, up to `max_items` keys, balls and boxes, and
    often an inner wall with a door, down a column or along a row, in rooms of any size (a 5-cell
    room's side is then a corridor one cell wide); a locked door's key is put on the agent's side
    half the time (and may turn up among the random items). No two objects share their colour and
    kind (as in BabyAI's distractors), so 'the red key' names one object. A training run may ask for
    more locked doors (`locked`: the chance a door is locked; None: the three states alike) and more
    grey items (`grey_items`: the chance a random item is grey; None: the six colours alike)."""
    for name, p in (("locked", locked), ("grey_items", grey_items)):
        if p is not None and not (isinstance(p, (int, float)) and 0 <= p <= 1):
            raise SceneError(f"{name} must be a chance from 0 to 1 (or None), got {p!r}")
    w, h = int(rng.integers(MIN_SIZE, max_size + 1)), int(rng.integers(MIN_SIZE, max_size + 1))
    colours = list(COLOURS)
    free = {(x, y) for x in range(1, w - 1) for y in range(1, h - 1)}
    walls, things = [], []
    left = free
    if rng.random() < 0.6:  # an inner wall with a door, down a column or (half the time) along a row
        if rng.random() < 0.5:
            wx = int(rng.integers(2, w - 3 + 1))
            seg, door_cell = WallSegment(wx, 1, wx, h - 2), (wx, int(rng.integers(1, h - 1)))
            left = {(x, y) for x, y in free if x < wx}
        else:
            wy = int(rng.integers(2, h - 3 + 1))
            seg, door_cell = WallSegment(1, wy, w - 2, wy), (int(rng.integers(1, w - 1)), wy)
            left = {(x, y) for x, y in free if y < wy}
        walls.append(seg)
        free -= set(seg.cells())
        colour = colours[int(rng.integers(6))]  # colour first, then state: the default rooms stay as they were
        state = DOOR_STATES[int(rng.integers(3))] if locked is None else \
            ("locked" if rng.random() < locked else DOOR_STATES[int(rng.integers(2))])
        door = Thing("door", *door_cell, colour, state)
        things.append(door)
        # a locked door's key lies on the agent's side, or (half the time) elsewhere, as in BabyAI's
        # many-room levels: so a locked door of every colour is seen in training, not only those
        # whose key is a training-split pair
        if door.state == "locked" and rng.random() < LOCKED_KEY_INSIDE:
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
        kind, colour = ITEMS[int(rng.integers(3))], colours[int(rng.integers(6))]
        if grey_items is not None:
            colour = "grey" if rng.random() < grey_items else [c for c in colours if c != "grey"][int(rng.integers(5))]
        if not free or any((t.kind, t.colour) == (kind, colour) for t in things):
            continue
        things.append(Thing(kind, *take(free), colour))
    return Room(w, h, agent, HEADINGS[int(rng.integers(4))], tuple(things), tuple(walls))


KINDS = tuple(f"agent facing {h}" for h in HEADINGS) + ("goal", "wall", "room") + ITEMS + ("door",)
"""What a token of a room's description learns to read besides its cells (grounding): the kind,
the colour and the door state apart, so that a colour-object pair never seen in training is a
new combination of facts each seen many times."""


def grounding_targets(r: Room) -> list:
    """Every token of a sentence learns the cells it speaks of (first and last column and row)
    and what stands there (kind, colour, door state; the last of each means none), so the UNet's
    cross-attention finds one consistent object whichever token it reads. A sentence is found by
    words only it holds: the size sentence by 'room' or 'grid', the agent's by its heading, an
    object's by its colour and kind (one of each per room)."""
    none_colour, none_state = len(COLOURS), len(DOOR_STATES)
    whole = (0, 0, r.width - 1, r.height - 1, KINDS.index("room"), none_colour, none_state)
    out = [(("room",), whole), (("grid",), whole),
           ((r.heading,), (*r.agent, *r.agent, KINDS.index(f"agent facing {r.heading}"), none_colour, none_state))]
    for w in r.walls:
        out.append((("wall",), (min(w.x0, w.x1), min(w.y0, w.y1), max(w.x0, w.x1), max(w.y0, w.y1),
                                KINDS.index("wall"), none_colour, none_state)))
    for t in r.things:
        anchor = ("goal",) if t.kind == "goal" else (t.colour, t.kind) + ((t.state,) if t.state else ())
        colour = none_colour if t.colour is None else list(COLOURS).index(t.colour)
        state = none_state if t.state is None else DOOR_STATES.index(t.state)
        out.append((anchor, (t.x, t.y, t.x, t.y, KINDS.index(t.kind), colour, state)))
    return out


def twin(r: Room, rng: np.random.Generator) -> Room | None:
    """The room with the agent (half the time) or one key, ball, box or the goal moved to another
    free cell (for the joint embedding: two rooms that differ only in where one thing is, the
    difference an imagined move makes); None when no move was found."""
    taken = r.wall_cells() | {(t.x, t.y) for t in r.things} | {r.agent}
    free = sorted({(x, y) for x in range(1, r.width - 1) for y in range(1, r.height - 1)} - taken)
    movable = [i for i, t in enumerate(r.things) if t.kind != "door"]
    if not free:
        return None
    cell = free[int(rng.integers(len(free)))]
    try:
        if not movable or rng.random() < 0.5:
            return replace(r, agent=cell, heading=HEADINGS[int(rng.integers(len(HEADINGS)))])
        things = list(r.things)
        i = movable[int(rng.integers(len(movable)))]
        things[i] = replace(things[i], x=cell[0], y=cell[1])
        return replace(r, things=tuple(things))
    except SceneError:
        return None


FAMILY = register_family(SceneFamily(
    name="rooms", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=vocabulary, atoms=combinations, heldout_atom=HELDOUT.__contains__, canonical_text=canonical,
    score_image=lazy("imagery_agent.metrics.rooms:score_room"),
    read_picture=lazy("imagery_agent.perception.room_reader:read_room"),
    summarise_scores=lazy("imagery_agent.metrics.objects:summarise_objects"),
    grounding_classes=(MAX_SIZE, MAX_SIZE, MAX_SIZE, MAX_SIZE, len(KINDS), len(COLOURS) + 1,
                       len(DOOR_STATES) + 1), grounding_targets=grounding_targets,
    backgrounds=(FLOOR, GRID_LINE, WALL), twin=twin,
))
