"""Compositions: the scene family of reinterpretation (Finke, Pinker & Farah 1989).

A composition is a short list of parts (letters, digits, shapes), each transformed the way
people say it in words (rotate N degrees left or right, mirror, flip upside down, resize, remove
a named stroke, move) and placed against an earlier part so that they touch (above, below, to
the left of, to the right of) or inside it. Transformations apply in the order the text gives.

The parser reads the describer's wording and the English people write, one part or one change a
sentence or several: 'Start with the letter D. Rotate it 90 degrees anticlockwise. Now attach a J
underneath it.', 'Below the circle, place an upside-down triangle.', 'Put a U in the middle of the
circle.' It refuses by name what it cannot place: 'next to' (which side?), a bare 'flipped'
(mirrored or upside down?), a change to a part that another part was already placed against, and
words it does not know.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .strokes import DIGITS, GLYPHS, LETTERS, SHAPES, bounds, shift, transform, _dense
from .text import (NUMBER_READING, ROTATION_VERBS, TURN_RULES, alternatives, check_read,
                   check_vocabulary, join_numbers, phrase_of, rewrite, rule, sentences, words_in)

RELATIONS = ("above", "below", "left-of", "right-of", "inside")
OPS = ("rotate", "mirror", "flip", "scale")
SCALES = (50, 200)
MAX_PARTS = 5
MOVE_STEP = 0.25
"""A 'step' of a move is a quarter of a part's height."""
NUDGE = 0.2
"""A move with no amount said goes this fraction of the part it is placed against ('move it up')."""
ORDINALS = ("first", "second", "third", "fourth", "fifth")
STROKE_WIDTH = 0.05


@dataclass(frozen=True)
class Part:
    symbol: str                                  # "D", "7", "circle", ...
    ops: tuple[tuple[str, int], ...] = ()        # ("rotate", -90) = 90 degrees to the left; ("scale", 50)
    removed: tuple[str, ...] = ()                # named strokes taken away
    relation: str | None = None                  # where it goes relative to `anchor`
    anchor: int | None = None                    # index of an earlier part
    move: tuple[int, int] = (0, 0)               # steps right and down after placing


@dataclass(frozen=True)
class Composition:
    parts: tuple[Part, ...] = field(default_factory=tuple)
    figure_ops: tuple[tuple[int, str, int], ...] = ()
    """Turns of the whole figure ('Now rotate the figure 90 degrees to the right'): (index of the
    last part placed before it, operation, value), applied to every part placed so far."""

    def __post_init__(self):
        validate(self)


def validate(c: Composition) -> None:
    if not c.parts:
        raise SceneError("a composition needs at least one part")
    if len(c.parts) > MAX_PARTS:
        raise SceneError(f"a composition has at most {MAX_PARTS} parts, got {len(c.parts)}")
    for i, p in enumerate(c.parts):
        if p.symbol not in GLYPHS:
            raise SceneError(f"unknown symbol {p.symbol!r}")
        for name, value in p.ops:
            _check_op(name, value)
        check_removed(p.symbol, p.removed)
        if i == 0 and p.relation is not None:
            raise SceneError("the first part has nothing to be placed against")
        if i > 0:
            if p.relation not in RELATIONS:
                raise SceneError(f"part {i + 1} ({name_of(p.symbol)}) needs a place: one of {', '.join(RELATIONS)}")
            if p.anchor is None or not 0 <= p.anchor < i:
                raise SceneError(f"part {i + 1} must be placed against an earlier part")
    for after, name, value in c.figure_ops:
        if not 0 <= after < len(c.parts):
            raise SceneError(f"a change of the whole figure comes after part {after + 1}, which does not exist")
        _check_op(name, value)


def check_removed(symbol: str, removed) -> None:
    """Named strokes taken from a symbol: each one its own, and something left."""
    strokes = GLYPHS[symbol]
    for r in removed:
        if r not in strokes:
            raise SceneError(f"{name_of(symbol)} has no part called {r!r}; its parts are {', '.join(strokes)}")
    if len(set(removed)) != len(removed) or len(removed) >= len(strokes):
        raise SceneError(f"cannot remove {', '.join(removed)} from {name_of(symbol)}: nothing would be left")


def _check_op(name: str, value: int) -> None:
    if name not in OPS:
        raise SceneError(f"unknown transformation {name!r}")
    if name == "rotate" and (value % 45 or not -180 <= value <= 180 or value == 0):
        raise SceneError(f"rotation {value} must be a non-zero multiple of 45 degrees up to 180")
    if name == "scale" and value not in SCALES:
        raise SceneError(f"scale {value}% must be one of {SCALES}")


def name_of(symbol: str) -> str:
    if symbol in LETTERS:
        return f"a capital {symbol}"
    if symbol in DIGITS:
        return f"the digit {symbol}"
    return f"a {symbol}"


# --- geometry ------------------------------------------------------------------------------

def apply_op(strokes: dict[str, list], name: str, value: int, centre=(0.5, 0.5)) -> dict[str, list]:
    """One operation as the words give it: rotate (degrees, + clockwise), mirror, flip, scale (%)."""
    if name == "rotate":
        return transform(strokes, angle=value, centre=centre)
    if name == "mirror":
        return transform(strokes, mirror=True, centre=centre)
    if name == "flip":
        return transform(strokes, flip=True, centre=centre)
    return transform(strokes, scale=value / 100, centre=centre)


def _part_strokes(p: Part) -> dict[str, list]:
    strokes = {n: s for n, s in GLYPHS[p.symbol].items() if n not in p.removed}
    for name, value in p.ops:
        strokes = apply_op(strokes, name, value)
    return strokes


def _turn_figure(placed: list[dict[str, list]], name: str, value: int) -> list[dict[str, list]]:
    """Every part placed so far, changed together about the centre of their bounding box."""
    x0, y0, x1, y1 = bounds([s for p in placed for s in p.values()])
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    return [apply_op(p, name, value, centre) for p in placed]


_FRAME = {"below": (0, 1, 1), "above": (0, 1, -1), "right-of": (1, 0, 1), "left-of": (1, 0, -1)}


def _segments(strokes) -> np.ndarray:
    return np.asarray([(p, q) for s in strokes for p, q in zip(s[:-1], s[1:])], dtype=float).reshape(-1, 2, 2)


def _cast(points: np.ndarray, segs: np.ndarray):
    """Where a line along the approach axis through each point crosses each segment:
    (hit mask, lowest and highest crossing coordinate). Frame: x across, y along the approach."""
    x0, y0, x1, y1 = segs[:, 0, 0], segs[:, 0, 1], segs[:, 1, 0], segs[:, 1, 1]
    px = points[:, None, 0]
    lo_x, hi_x = np.minimum(x0, x1)[None], np.maximum(x0, x1)[None]
    hit = (px >= lo_x - 1e-9) & (px <= hi_x + 1e-9)
    dx = (x1 - x0)[None]
    t = np.where(np.abs(dx) > 1e-9, (px - x0[None]) / np.where(np.abs(dx) > 1e-9, dx, 1), 0.0)
    y = y0[None] + t * (y1 - y0)[None]
    vertical = np.abs(dx) <= 1e-9
    lo = np.where(vertical, np.minimum(y0, y1)[None], y)
    hi = np.where(vertical, np.maximum(y0, y1)[None], y)
    return hit, lo, hi


def _contact_offset(mover, fixed, relation: str) -> float | None:
    """How far to slide `mover` along the relation's axis so that it first touches `fixed`:
    exact ray casts from each side's points onto the other side's segments."""
    across, along, sign = _FRAME[relation]

    def frame(strokes):
        return [[(p[across], sign * p[along]) for p in s] for s in strokes]

    m, f = frame(mover), frame(fixed)
    mp, fp = _dense(m, 16), _dense(f, 16)
    ms, fs = _segments(m), _segments(f)
    need = []
    if len(fs):
        hit, _, hi = _cast(mp, fs)  # a mover point must pass below the fixed segment
        if hit.any():
            need.append(float(np.where(hit, hi - mp[:, None, 1], -np.inf).max()))
    if len(ms):
        hit, lo, _ = _cast(fp, ms)  # the mover's segment must pass below each fixed point
        if hit.any():
            need.append(float(np.where(hit, fp[:, None, 1] - lo, -np.inf).max()))
    return sign * max(need) if need else None


def layout(c: Composition) -> list[dict[str, list]]:
    """Each part's strokes in a common frame (unit = one glyph box), before fitting to the image."""
    placed: list[dict[str, list]] = []
    for p in c.parts:
        s = _part_strokes(p)
        x0, y0, x1, y1 = bounds(s)
        s = shift(s, -(x0 + x1) / 2, -(y0 + y1) / 2)  # centre on the origin
        if p.relation is not None:
            a = placed[p.anchor]
            ax0, ay0, ax1, ay1 = bounds(a)
            acx, acy = (ax0 + ax1) / 2, (ay0 + ay1) / 2
            if p.relation == "inside":
                w, h = x1 - x0, y1 - y0
                k = 0.5 * min((ax1 - ax0) / max(w, 1e-6), (ay1 - ay0) / max(h, 1e-6))
                s = transform(s, scale=min(1.0, k), centre=(0, 0))
                s = shift(s, acx, acy)
            else:
                w, h = x1 - x0, y1 - y0
                far = {"below": (acx, ay1 + h / 2 + 5), "above": (acx, ay0 - h / 2 - 5),
                       "right-of": (ax1 + w / 2 + 5, acy), "left-of": (ax0 - w / 2 - 5, acy)}[p.relation]
                s = shift(s, *far)
                off = _contact_offset(list(s.values()), list(a.values()), p.relation)
                if off is None:  # no overlap across the axis: touch the bounding boxes instead
                    bx0, by0, bx1, by1 = bounds(s)
                    off = {"below": ay1 - by0, "above": ay0 - by1, "right-of": ax1 - bx0, "left-of": ax0 - bx1}[p.relation]
                s = shift(s, 0, off) if p.relation in ("above", "below") else shift(s, off, 0)
        if p.move != (0, 0):
            _, by0, _, by1 = bounds(s)
            step = MOVE_STEP * max(by1 - by0, 0.2)
            s = shift(s, p.move[0] * step, p.move[1] * step)
        placed.append(s)
        for _, name, value in [f for f in c.figure_ops if f[0] == len(placed) - 1]:
            placed = _turn_figure(placed, name, value)
    return placed


def fitted(c: Composition, margin: float = 0.1) -> list[dict[str, list]]:
    """Parts scaled and centred to fill the image, keeping the aspect ratio."""
    parts = layout(c)
    x0, y0, x1, y1 = bounds([s for p in parts for s in p.values()])
    k = (1 - 2 * margin) / max(x1 - x0, y1 - y0, 1e-6)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return [{n: [(0.5 + k * (x - cx), 0.5 + k * (y - cy)) for x, y in s] for n, s in p.items()} for p in parts]


def render(c: Composition, size: int = 64) -> np.ndarray:
    canvas = Canvas(size)
    for part in fitted(c):
        for s in part.values():
            canvas.polyline(s, (0, 0, 0), STROKE_WIDTH)
    return canvas.to_array()


def to_graph(c: Composition) -> nx.DiGraph:
    objs = []
    for i, (p, strokes) in enumerate(zip(c.parts, fitted(c))):
        x0, y0, x1, y1 = bounds(strokes)
        objs.append(GraphObject(f"part {i + 1}", (x0 + x1) / 2, (y0 + y1) / 2,
                                {"symbol": p.symbol, "strokes": tuple(strokes)}, list(strokes.values())))
    return relation_graph(objs, family="compositions")


# --- verbal code ---------------------------------------------------------------------------

_SYMBOL = {"letter": ("a capital {s}", "the letter {s}", "an upper-case {s}"),
           "digit": ("the digit {s}", "a digit {s}"), "shape": ("a {s}",)}
_FIRST = ("imagine", "start with", "take")
_NEXT = ("put", "place", "add")
_PLACE = {
    "below": ("attached below {a}", "placed below {a} so that they touch", "directly below {a} and touching it"),
    "above": ("attached above {a}", "placed above {a} so that they touch", "directly above {a} and touching it"),
    "left-of": ("attached to the left of {a}", "placed to the left of {a} so that they touch"),
    "right-of": ("attached to the right of {a}", "placed to the right of {a} so that they touch"),
    "inside": ("placed inside {a}", "centred inside {a}"),
}


def _kind(symbol: str) -> str:
    return "letter" if symbol in LETTERS else "digit" if symbol in DIGITS else "shape"


def _reference(c: Composition, index: int) -> str:
    sym = c.parts[index].symbol
    same = [i for i in range(len(c.parts)) if c.parts[i].symbol == sym]
    return f"the {ORDINALS[same.index(index)]} {sym}" if len(same) > 1 else f"the {sym}"


def _op_phrase(op, pick) -> str:
    name, v = op
    if name == "rotate":
        if v > 0:
            return pick(("rotated {n} degrees to the right", "turned {n} degrees clockwise")).format(n=v)
        return pick(("rotated {n} degrees to the left", "turned {n} degrees counterclockwise")).format(n=-v)
    if name == "mirror":
        return pick(("mirrored", "reflected left to right"))
    if name == "flip":
        return pick(("flipped upside down", "turned upside down"))
    return pick(("at half size", "shrunk to half size") if v == 50 else ("at double size", "enlarged to double size"))


def describe(c: Composition, rng: np.random.Generator | None = None) -> str:
    rng = rng if rng is not None else np.random.default_rng(0)
    pick = lambda opts: opts[int(rng.integers(len(opts)))]  # noqa: E731
    out = []
    for i, p in enumerate(c.parts):
        head = f"{pick(_FIRST if i == 0 else _NEXT)} {pick(_SYMBOL[_kind(p.symbol)]).format(s=p.symbol)}"
        clauses = [pick(("without its {r}", "with its {r} removed")).format(r=r) for r in p.removed]
        clauses += [_op_phrase(op, pick) for op in p.ops]
        if p.relation is not None:
            place = pick(_PLACE[p.relation]).format(a=_reference(c, p.anchor))
            if not clauses and rng.random() < 0.5:
                head = f"{head} {place}"
            else:
                clauses.append(place)
        dx, dy = p.move
        if dx:
            clauses.append(f"moved {abs(dx)} steps to the {'right' if dx > 0 else 'left'}")
        if dy:
            clauses.append(f"moved {abs(dy)} steps {'down' if dy > 0 else 'up'}")
        s = ", ".join([head] + clauses)
        out.append(s[0].upper() + s[1:])
        for _, name, value in [f for f in c.figure_ops if f[0] == i]:
            out.append(pick(("Then take the whole figure, {o}", "Now the whole figure is {o}")).format(
                o=_op_phrase((name, value), pick)))
    return ". ".join(out) + "."


_STROKE_WORDS = {w for g in GLYPHS.values() for n in g for w in n.split()}
FIGURE_WORDS = {"then", "whole", "figure", "now", "is"}
"""Words of the whole-figure sentences only (a single part is never said with them)."""
VOCABULARY = ({w for group in (_SYMBOL, _PLACE) for opts in group.values() for o in opts for w in o.split()}
              | {w for o in _FIRST + _NEXT for w in o.split()} | _STROKE_WORDS | set(ORDINALS) | set(SHAPES)
              | {c.lower() for c in LETTERS}
              | {"take"} | FIGURE_WORDS
              | {"rotated", "degrees", "to", "the", "right", "left", "turned", "clockwise", "counterclockwise",
                 "mirrored", "reflected", "flipped", "upside", "down", "at", "half", "size", "shrunk",
                 "double", "enlarged", "without", "its", "with", "removed", "moved", "steps", "step", "up"})
VOCABULARY -= {"{s}", "{a}"}


def vocabulary() -> set[str]:
    return set(VOCABULARY)


def part_vocabulary() -> set[str]:
    """The words a single part is said in (what a model of one glyph reads)."""
    return set(VOCABULARY) - FIGURE_WORDS


# --- reading hand-written descriptions -----------------------------------------------------
#
# Phrase rules bring a sentence to marks: '@sym:X' for a part ('a capital D', 'the letter D', 'an
# R', 'the digit 7', 'a semicircle'), '@deg:N' with '@cw' / '@ccw', '@mirror', '@flip', '@half' /
# '@double', '@remove:STROKE', '@move:DIR:N', '@rel:R' for a place ('underneath', 'on top of', 'to
# the left of', 'in the middle of') and '@it' / '@prev' / '@part:N' for references. The sentence is
# then read left to right: 'a D' (or a D after a verb that introduces one: take, put, add, attach,
# ...) is a new part; what comes before it in the sentence (with no 'it' or 'the D' of its own)
# belongs to it ('Below the D, put a J'), what follows too; a sentence with no new part changes the
# part it names ('Rotate it 90 degrees clockwise.'), which must be the latest one: a part already
# used as a place for another cannot change afterwards. 'Next to' and 'beside' say no side, and a
# bare 'flipped' says no direction (mirrored or upside down?): both are refused by name.
#
# Wording from new authors, read as families of phrasings: '@meet:flat' ('so that their flat edges
# meet', 'stands on the flat side', 'flat side against the square': each flat side faces the other),
# '@state:open:DIR' (an E's prongs, a B's bumps, an opening), '@same:DIM' ('the same width as the
# triangle': the half / normal / double size that fits, else refused), '@centred' ('centred on each
# other', only inside), '@nth:N' ('the second one'), '@feat:STROKE' ('the bottom of the curve'),
# '@move:DIR:any' (a move with no amount: a nudge, or as far as an 'until' clause says: 'slide the T
# down until the bottom of its stem touches the bottom of the U') and '@many' ('under the two
# half-circles', 'between': a part is placed against one part, so it is refused by name).

_STROKES = sorted({n for g in GLYPHS.values() for n in g}, key=len, reverse=True)
_STROKE = alternatives(_STROKES)
_SHAPE = alternatives(SHAPES)
_OBJ = r"(?: (?:it|them|the @sym:\S+|@sym:\S+|@it))?"
_HOW_MANY = r"(?:steps?|units?|notches?|places?|spaces?)"
_DIR = {"left": (0, -1), "right": (0, 1), "up": (1, -1), "upward": (1, -1), "upwards": (1, -1), "higher": (1, -1),
        "down": (1, 1), "downward": (1, 1), "downwards": (1, 1), "lower": (1, 1)}
_INTRO_VERBS = {"take", "imagine", "start", "begin", "put", "place", "add", "attach", "join", "stick", "glue",
                "draw", "set", "position", "use", "picture", "consider", "have", "is", "are", "hang", "lay", "fix",
                "fasten", "append", "think", "picturing", "imagining", "sit", "stack", "rest", "hang", "balance"}
_DETERMINERS = {"a", "an", "another", "the", "one"}
_REFS = r"(?=(?: the)?(?: " + alternatives(ORDINALS) + r")? @sym|(?: the)? @(?:it|prev|part))"


def _move(m: re.Match) -> str:
    n, d = (m.group(1), m.group(2)) if m.group(1).isdigit() else (m.group(2), m.group(1))
    return f"@move:{d}:{n}"


_STATE_SO = r"(?:,? )?(?:so (?:that )?|such that |until |, )"
_SIDE_OF = {"up": "up", "upwards": "up", "upward": "up", "top": "up", "down": "down", "downwards": "down",
            "downward": "down", "below": "down", "bottom": "down", "left": "left", "right": "right"}
_OPPOSITE = {"up": "down", "down": "up", "left": "right", "right": "left"}
_SIDE_WORD = r"(?:point|tip|apex|top|peak)"
_PLURAL = (r"(?:points|tips|ends|corners|edges|sides|arms|letters|shapes|parts|pieces|digits|numbers|figures|symbols"
           r"|circles|triangles|squares|lines|half-circles|semicircles|characters)")
"""Plural nouns people name two parts (or their features) by: 'so that the two letters touch'."""
_MOVE_VERB = (r"(?:move|moved|moving|shift|shifted|shifting|slide|slid|sliding|nudge|nudged|push|pushed|bring"
              r"|brought)")
_MOVE_DIR = r"(left|right|up|down|upwards?|downwards?|higher|lower)"
_AT = r"(?:at|on|to|onto|across|along|against)"
"""'across the top of', 'along the bottom of', 'against the right side of': a side of a part, so a place."""
_FEATURE = r"(?:curved|round|rounded) (?:side|edge|part)|curve|arc|dome|bulge|loop|ring|stem|crossbar"
"""Strokes people name a part by ('the bottom of the curve'): the one earlier part that has it."""
_SIDES = r"bottom|top|left|right|far|near|middle|centre|center|lower|upper|leading"
_MIDDLE = ("middle", "centre", "center")
_UNTIL = re.compile(
    rf"(?:the (?P<mside>{_SIDES})(?: (?:end|side|edge|tip|part))? of )?(?:it|its|they|this|the (?P<msym>[a-z0-9-]+))"
    rf"(?: 's)?(?: (?P<mstroke>{_STROKE}))?"
    r" (?:touches|touch|meets|meet|reaches|reach|sits|sit|is|rests|rest|lies|lie|lines up|comes|comes to rest)"
    r"(?: (?:right|directly|just|exactly))?(?: (?:under|below|beneath|underneath|above|over|on|at|against|level with"
    r"|in line with|with|to))?"
    rf" (?:the (?P<tside>{_SIDES})(?: (?:end|side|edge|tip|part))? of )?(?:the (?P<tsym>[a-z0-9-]+)|it|them)"
    rf"(?: 's (?P<tstroke>{_STROKE}))?")
"""'until' clauses: '[the SIDE of] it|its STROKE|the X  touches|sits under|reaches  [the SIDE of] the Y'."""
UNTIL_WORDS = set(re.findall(r"[a-z]+", re.sub(r"\?P<\w+>", "", _UNTIL.pattern)))


_FEATURE_ADJ = r"(?:(?:2|3|4|upper|lower|top|bottom|left|right|outer|inner|flat|curved|pointed) )*"
_RULES = [
    # where two parts meet by their flat sides (checked, or done where nothing else turns the part)
    rule(r"(?:,? )?(?:so (?:that )?)?(?:their|the) (?:2 |both )?flat (?:edges|sides|parts|faces) (?:meet|touch|are touching)",
         " @meet:flat"),
    rule(r"(?:,? )?(?:so (?:that )?)?(?:it|they|the (?!flat )\S+) (?:stands|sits|rests|lies|stand|sit|rest|lie) on "
         r"(?:the|its|their) flat (?:side|edge|part|base)", " @meet:flat"),
    rule(r"(?:,? )?(?:with )?(?:its |the )?flat (?:side|edge|part) (?:against|touching|towards|toward|facing) "
         r"(?:it|them|the \S+)", " @meet:flat"),
    # which way a letter's bars, bumps or opening face ('so that its three prongs point down')
    rule(r"(?:,? )?(?:so (?:that )?|such that |with )(?:its |the )(?:\d+ )?(?:bumps|humps|bulges|prongs"
         r"|teeth|arms|bars|loops|open (?:side|end|part)|opening|gap) (?:is |are |faces |facing |points |point "
         r"|pointing |stick out |sticks out )?(?:to the |towards the |toward the |at the |on the )?(up|upward|upwards|top"
         r"|down|downward|downwards|bottom|left|right)", lambda m: " @state:open:" + _SIDE_OF[m.group(1)]),
    rule(rf"so (?:that )?(?:the (?:two|2) |the |their |both |all )?{_FEATURE_ADJ}{_PLURAL}? ?(?:touch|meet)"
         rf"|so (?:that )?(?:it|they) (?:touches|touch|meets|meet) (?:both |all |the |its |their )?{_FEATURE_ADJ}{_PLURAL}"
         r"|so (?:that )?(?:its|the|their) (?:point|tip|end|corner|edge|side|top|bottom|apex)s? (?:touch|touches|meet"
         r"|meets)(?: (?:it|them|the (?:\S+)))?|so (?:that )?(?:the (?:two|2)|they|both) (?:are )?(?:touching|in contact)",
         ""),  # before '2' can be read as a digit
    # a part against two parts at once: the model places a part against one (refused by name)
    rule(rf"between|(?:both|all|the (?:2|3|4)|(?:the )?(?:2|3|4)) {_PLURAL}|(?:both|all) (?:of )?(?:them|the {_PLURAL})"
         rf"|the {_PLURAL}", "@many"),
    # what is left of a part, and 'the second one' ('one' read as a word, not the digit 1)
    rule(r"what (?:is|was) left(?: of it)?|what remains(?: of it)?|the rest(?: of it)?"
         r"|the (?:remaining|resulting) (?:part|shape|letter|symbol)", "@it"),
    rule(rf"the ({alternatives(ORDINALS)}) (?:one|1)(?= |$)", lambda m: f"@nth:{ORDINALS.index(m.group(1)) + 1}"),
    # what the part looks like afterwards, said to make sure (checked, or done where nothing else turns it)
    rule(_STATE_SO + rf"(?:its|the) {_SIDE_WORD} (?:is |faces |points )?(?:at the |to the |towards the )?"
         r"(bottom|top|down|up|left|right)(?:wards)?",
         lambda m: " @state:point:" + {"bottom": "down", "top": "up"}.get(m.group(1), m.group(1))),
    rule(_STATE_SO + r"it (?:points|is pointing|faces) (?:straight )?(?:to the |towards the )?(down|up|left|right)(?:wards)?",
         lambda m: f" @state:point:{m.group(1)}"),
    rule(r"(?:,? )?(?:standing |resting |sitting )?on its base", " @state:point:up"),
    rule(_STATE_SO + r"it (?:stands upright|stands up|is vertical|is upright|is standing upright|stands on (?:its )?end)",
         " @state:upright"),
    rule(r"(?:,? )?(?:so (?:that )?|with )?(?:its |the )?(?:curved|round|rounded|dome|curve|arc)(?: side| part| edge)?"
         r" (?:is |faces |facing |points |pointing |hangs |bulges |sits )?(?:to the |towards the |at the |on the |on )?"
         r"(up|upwards|top|down|downwards|below|bottom|left|right)",
         lambda m: " @state:dome:" + _SIDE_OF[m.group(1)]),
    rule(r"(?:,? )?(?:so (?:that )?|with |and )?(?:its |the )?flat (?:side|edge|part)"
         r" (?:is |faces |facing |sits )?(?:to the |towards the |at the |on the |on )?(up|upwards|top|down|downwards|below|bottom"
         r"|left|right)", lambda m: " @state:dome:" + _OPPOSITE[_SIDE_OF[m.group(1)]]),
    # touching said of a part's point or end ('with its point touching the circle')
    rule(r"(?:,? )?(?:so (?:that )?|with )(?:the |its )(?:point|tip|end|top|bottom|corner|edge|side|base)(?: of (?:the |its )"
         r"\S+)? (?:touch|touches|touching|meets|meet)(?: (?:it|them|the \S+))?", ""),
    # a size said by another part ('the same width as the triangle'): made so at the end, or refused
    rule(r"(?:of |at |in )?(?:exactly )?(?:the )?same (size|width|height|length)(?: as)?", r"@same:\1"),
    rule(r"normal-sized|normal size|full size|full-sized|regular size|regular-sized", ""),
    # filler and sequencing said in passing ('turn that upside down as well', 'Last, put ...')
    rule(r"as well|(?:,? )?too(?= ,| $)|(?:last|lastly|finally|to finish|at the end)(?= ,)", ""),
    # 'so that they are centred on each other': true of a part placed inside another, refused otherwise
    rule(r"(?:,? )?(?:so (?:that )?)?(?:they|the (?:two|2)|both)(?: \S+)? (?:are )?(?:centred|centered) (?:on|with|over|in)"
         r" (?:each other|one another)|(?:,? )?(?:centred|centered) on each other", " @centred"),
    rule(r"(left|right|up|down|upwards?|downwards?) (?:a little|slightly|a bit|a touch|a little bit)",
         lambda m: f"@move:{m.group(1)}:1"),
    rule(r"long (?=line|vertical|horizontal|straight)", ""),
    rule(r"(?:,? )?(?:so (?:that )?it looks )?like a (dome|bowl|cup)",
         lambda m: " @state:dome:" + ("up" if m.group(1) == "dome" else "down")),
    rule(r"(?:that|which) (?:has|had) been", ""),
    rule(r"(?:under|beneath|below|underneath) (?:the (?:middle|centre|center) of )?its (?:flat |bottom |lower )?"
         r"(?:edge|side|base|end|bottom)", "below it"),
    rule(r"(?:on|at|to) (?:its|the) (right|left)(?:-hand)? (?:end|edge|side)(?= of )", r"to the \1"),
    rule(r"(?:on|at|to) its (right|left)(?:-hand)? (?:end|edge|side)", r"to the \1 of it"),
    rule(r"(?:also |again )?touching(?: it| that| (?:that|this) one)?|(?:also |again )touching", "touching"),
    rule(r"semi-circle|semicircle|half circle|half-circle", "half-circle"),
    rule(r"(?:straight |horizontal )line", "line"),
    rule(r"(?:vertical|upright|standing) (?:straight )?line", "line @deg:90 @either"),
    rule(r"(?:that |which )?(?:is )?pointing (?:straight )?(?:towards the |to the )?(down|downwards|up|upwards|left|right)",
         lambda m: "@point:" + m.group(1).removesuffix("wards")),
    rule(rf"1 (?={_SHAPE} )", "a "),
    *TURN_RULES,
    rule(r"(@c?cw) (?:by|through) (@deg:\d+)", r"\2 \1"),
    rule(rf"(\d+) {_HOW_MANY} (?:to the |towards the )?(left|right|up|down|upwards?|downwards?|higher|lower)",
         _move),
    rule(rf"(left|right|up|down|upwards?|downwards?) (?:by )?(\d+) {_HOW_MANY}", _move),
    rule(r"half as (?:big|large|tall|wide|high|long)|half-size|halved(?: in size)?|(?:at |to |by )?(?:half|50 percent)"
         r"(?: of)?(?: (?:its|the|their))?(?: (?:original|normal|usual|former))?(?: size| scale| the size)?", "@half"),
    rule(r"twice as (?:big|large|tall|wide|high|long)|double-size|doubled(?: in size)?|(?:at |to |by )?(?:double|twice"
         r"|200 percent|2 times)(?: (?:its|the|their))?(?: (?:original|normal|usual|former))?(?: size| scale| length)?",
         "@double"),
    # the parts: letters, digits, shapes
    rule(r"(?:capital|upper-case|uppercase|upper case|block)(?: letter| character)? ([a-z])", r"@sym:\1"),
    rule(r"(?:letter|character) ([a-z])", r"@sym:\1"),
    rule(r"(?:digit|number|numeral) (\d)", r"@sym:\1"),
    rule(rf"(an?|the|another)((?: {alternatives(ORDINALS)})?) ([a-z]|\d)", r"\1\2 @sym:\3"),
    rule(_SHAPE, lambda m: f"@sym:{m.group(0)}"),
    # taking strokes away
    rule(rf"(?:the )?(@sym:\S+) 's ({_STROKE})", r"the \2 of the \1"),  # 'remove the D's stem'
    rule(rf"(?:without|minus|lacking|missing|but no|with no|less) (?:its |the |their )?({_STROKE})",
         lambda m: "@remove:" + m.group(1).replace(" ", "_")),
    rule(rf"with (?:its |the )?({_STROKE}) (?:removed|taken away|erased|deleted|missing|cut off|left out|gone"
         r"|taken off|rubbed out)", lambda m: "@remove:" + m.group(1).replace(" ", "_")),
    rule(rf"(?:remove|removing|erase|erasing|delete|deleting|take away|taking away|cut off|cutting off|leave out"
         rf"|leaving out|take off|rub out)(?: (?:its|the|their))? ({_STROKE})",
         lambda m: "@remove:" + m.group(1).replace(" ", "_")),
    rule(r"(@remove:\S+) (?:of|from)(?= )", r"\1 @of"),
    # mirror and flip
    rule(rf"(?:flip|flipped|flipping|turn|turned|turning)({_OBJ}) over", r"flip\1"),
    rule(rf"(?:flipped|flip|flipping|turned|turn|turning|mirrored|mirror|reflected|reflect)({_OBJ})"
         r" (?:upside down|upside-down|vertically|(?:from )?top to bottom)", r"\1 @flip"),
    rule(r"upside down|upside-down", "@flip"),
    rule(rf"(?:mirrored|reflected|flipped|mirror|reflect|flip)({_OBJ})"
         r" (?:horizontally|sideways|(?:from )?left to right|left-right|left-to-right)", r"@mirror\1"),
    rule(r"mirrored|reflected|mirror-reversed|(?:as |in )?(?:a )?mirror(?:-| )image(?: form)?(?: of)?", "@mirror"),
    rule(r"small|little|tiny|smaller", "@half"), rule(r"big|large|bigger|larger", "@double"),
    rule(r"(an?|the|another|this|that)((?: @(?:flip|mirror|half|double))+) ([a-z]|\d)(?= |$)", r"\1\2 @sym:\3"),
    rule(r"(?:this|that)((?: @(?:flip|mirror|half|double))+ @sym:\S+)", r"the\1"),  # 'this mirrored 3'
    rule(r"(?:mirror|reflect)(?= it | them | the | @| , | and | then | $)", "@mirror"),
    # contact is implied by every place
    rule(r"so (?:that )?(?:they|the two(?: parts)?|both(?: parts)?) (?:touch|are touching|meet)"
         r"|so (?:that )?(?:it|they) touch(?:es)?(?: (?:it|them|the @sym:\S+|@sym:\S+))?"
         r"|(?:and )?touching(?: (?:it|each other|them|the @sym:\S+))?|in contact(?: with (?:it|the @sym:\S+))?"
         r"|(?:with no|without a|without any) gap", ""),
    # moves with no amount ('move it up and to the left'): a step each way, or as far as an 'until' says
    rule(rf"({_MOVE_VERB}(?: it| them| this (?:one|1)| that (?:one|1)|(?: the)?(?: {alternatives(ORDINALS)})? @sym:\S+)?) "
         rf"(?:to the |towards the |toward the )?{_MOVE_DIR}(?: and (?:to the |towards the |toward the )?{_MOVE_DIR})?",
         lambda m: f"{m.group(1)} @move:{m.group(2)}:any" + (f" @move:{m.group(3)}:any" if m.group(3) else "")),
    # places
    rule(r"(?:right )?(?:next to|beside|alongside) (it|the @sym:\S+),? (?:on|to) (?:the|its) (left|right)(?: side)?",
         lambda m: f"@rel:{m.group(2)}-of {m.group(1)}"),  # 'next to it on the right': the side is said
    rule(r"next to|beside|besides|alongside|by the side of|adjacent to|near|nearby|close to", "@rel:side"),
    rule(rf"{_AT} (?:the )?(?:bottom|underside|lower side|lower edge|bottom edge|bottom side) of|below|under|underneath"
         r"|beneath", "@rel:below"),
    rule(rf"{_AT} (?:the )?(?:top|upper side|upper edge|top edge|top side) of|on top|above|over|onto", "@rel:above"),
    rule(r"(?:to|on|at) (?:its|their) (left|right)(?: hand)?(?: side)?", r"@rel:\1-of @it"),
    rule(rf"(?:{_AT} the )?(left|right)(?: hand)?(?: side| edge)? of|(?:to|on|at) the (left|right)(?: hand)?(?: side)?",
         lambda m: f"@rel:{m.group(1) or m.group(2)}-of"),
    rule(r"against", "@rel:side"),  # no side said: refused by name, as 'next to'
    rule(r"(?:centred |centered )?(?:inside(?: of)?|within|in the (?:middle|centre|center) of|into)", "@rel:inside"),
    rule(r"(?:centred |centered )?in" + _REFS, "@rel:inside"),
    rule(r"on" + _REFS, "@rel:above"),  # 'put a triangle on the square'

    # the whole figure
    rule(r"(?:(?:the|this|your) (?:whole |entire |complete |resulting |combined |new )?|(?:whole|entire) )"
         r"(?:figure|composition|drawing|picture|image|pattern|arrangement|result|construction|thing|lot)"
         r"|everything|all of it", "@fig"),
    # references
    rule(r"this (?:one|1)(?= |$)", "@it"),
    rule(r"it|its", "@it"),
    rule(r"the (?:previous|last|preceding|latest|earlier) (?:part|piece|shape|one|symbol)|that (?:one|1)(?= |$)",
         "@prev"),
    rule(rf"the ({_FEATURE})(?= |$)(?! of)", lambda m: "@feat:" + m.group(1).replace(" ", "_")),
    rule(r"(?:that|this) (@sym:\S+)", r"the \1"),  # 'to the right of that line'
    rule(rf"the ({alternatives(ORDINALS)}) (?:part|piece|shape|symbol)",
         lambda m: f"@part:{ORDINALS.index(m.group(1)) + 1}"),
]
_FILLERS = {
    "the", "a", "an", "another", "one", "then", "next", "now", "finally", "lastly", "first", "afterwards", "after",
    "that", "and", "also", "we", "you", "i", "let", "us", "please", "there", "here", "this", "with", "by", "so",
    "attached", "placed", "put", "set", "positioned", "added", "stuck", "glued", "joined", "located", "sitting",
    "sits", "goes", "go", "comes", "hangs", "hanging", "should", "will", "can", "be", "is", "are", "it", "directly",
    "right", "just",
    "immediately", "exactly", "straight", "centred", "centered", "which", "up", "to", "at", "on", "of",
    "begin", "start", "starting", "beginning", "draw", "with", "new", "make", "shape", "symbol", "part", "piece",
    "'s",
} | _INTRO_VERBS
_LICENSED = {  # verbs that are read only with the operation they name
    "@deg": ROTATION_VERBS | {"give", "gives", "giving"}, "@mirror": {"mirrored", "mirror", "reflected", "reflect", "flipped", "flip", "flipping"},
    "@flip": {"flipped", "flip", "flipping", "turned", "turn", "turning", "over"},
    "@half": {"shrunk", "shrink", "shrinking", "reduced", "reduce", "scaled", "scale", "scaling", "resized",
              "resize", "made", "make", "drawn", "down", "size", "sized"},
    "@double": {"enlarged", "enlarge", "enlarging", "grown", "grow", "scaled", "scale", "scaling", "resized",
                "resize", "made", "make", "blown", "up", "drawn", "size", "sized"},
    "@move": {"moved", "move", "moving", "shifted", "shift", "shifting", "slid", "slide", "sliding", "nudged",
              "nudge", "pushed", "push", "further", "more"},
    "@remove": {"and"},
}
READ_WORDS = (VOCABULARY | _FILLERS | words_in(_RULES) | set().union(*_LICENSED.values()) | NUMBER_READING
              | set(ORDINALS) | set(_DIR) | UNTIL_WORDS)


@dataclass
class _Draft:
    """A part as it is read: its symbol, operations in order, removals, place and move."""
    symbol: str
    ops: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    relation: str | None = None
    anchor: int | None = None
    move: list = field(default_factory=lambda: [0, 0])
    same: tuple | None = None                    # (index of a part, 'size' / 'width' / ..., phrase): sized as it

    def part(self) -> Part:
        return Part(self.symbol, tuple(self.ops), tuple(self.removed), self.relation, self.anchor, tuple(self.move))


def _check_words(toks: list[str], phrase: str) -> None:
    marks = {t.partition(":")[0] for t in toks if t.startswith("@")}
    allowed = _FILLERS | set(ORDINALS) | set().union(*(_LICENSED.get(m, set()) for m in marks))
    flips = [t for t in toks if t in ("flipped", "flip", "flipping") and t not in allowed]
    if flips:
        raise ParseError(f"compositions: {flips[0]!r} in {phrase!r} does not say which way: say 'mirrored' "
                         "(left to right) or 'flipped upside down'")
    if "@many" in toks:
        raise ParseError(f"compositions: {phrase!r} names several parts at once: a part is placed against one "
                         "earlier part (say which one)")
    if "@rel:side" in toks:
        raise ParseError(f"compositions: {phrase!r} does not say on which side: say 'above', 'below', "
                         "'to the left of' or 'to the right of'")
    check_read(toks, allowed, "compositions", phrase)


class _Reader:
    """The parts of a composition as they are read, sentence by sentence."""

    def __init__(self):
        self.parts: list[_Draft] = []
        self.figure_ops: list[tuple[int, str, int]] = []
        self._topic: str | None = None      # the symbol of the part this sentence adds ('the second one')
        self._until: tuple | None = None    # the 'until ...' clause of this sentence, as words

    # references ------------------------------------------------------------------------
    def _ref(self, toks: list[str], i: int, before: int, phrase: str,
             purpose: str = "to place against") -> tuple[int | None, int]:
        """The earlier part (index < before) a reference at toks[i] names, and the index after it;
        (None, i) when there is no reference there."""
        j = i + (toks[i: i + 1] == ["the"])
        looks = []
        if j > i:  # 'the large circle': how the part looks, not a change
            while j + 1 < len(toks) and toks[j] in _LOOKS and toks[j + 1] != "" and (
                    toks[j + 1].startswith("@sym:") or toks[j + 1] in _LOOKS):
                looks.append(toks[j])
                j += 1
        t = toks[j] if j < len(toks) else ""
        if t in ("@it", "@prev"):
            return self._index(before - 1, phrase), j + 1
        if t.startswith("@part:"):
            n = int(t.split(":")[1])
            if n > before:
                raise ParseError(f"compositions: there is no {ORDINALS[n - 1]} part before {phrase!r}")
            return n - 1, j + 1
        if t.startswith("@nth:"):
            return self._nth(int(t.split(":")[1]), before, phrase), j + 1
        if t.startswith("@feat:"):
            return self._by_feature(t.split(":")[1].replace("_", " "), before, phrase), j + 1
        nth = None
        if t in ORDINALS and j + 1 < len(toks) and toks[j + 1].startswith("@sym:"):
            nth, j = ORDINALS.index(t), j + 1
            t = toks[j]
        if not t.startswith("@sym:"):
            return None, i
        return self._find(_symbol(t), nth, before, phrase, purpose, looks), j + 1

    def _nth(self, n: int, before: int, phrase: str) -> int:
        """'the second one': 'one' stands for the noun of the part this sentence adds ('add a third H
        on top of the second one') or else of the part before ('put a circle right of the first one')."""
        for symbol in (self._topic, self.parts[before - 1].symbol if before else None):
            same = [i for i, p in enumerate(self.parts[:before]) if p.symbol == symbol]
            if symbol is not None and len(same) >= n:
                return same[n - 1]
        raise ParseError(f"compositions: cannot tell which is 'the {ORDINALS[n - 1]} one' in {phrase!r}")

    def _by_feature(self, word: str, before: int, phrase: str) -> int:
        """'the bottom of the curve': the one earlier part with a stroke of that kind."""
        kinds = _FEATURE_STROKES[word.split()[-1]]  # 'curved side' is read by 'side'
        have = [i for i, p in enumerate(self.parts[:before])
                if any(k in n for n in GLYPHS[p.symbol] if n not in p.removed for k in kinds)]
        if len(have) != 1:
            raise ParseError(f"compositions: 'the {word}' in {phrase!r} names " + (
                "no earlier part" if not have else f"{len(have)} earlier parts (say which one)"))
        return have[0]

    def _index(self, index: int, phrase: str) -> int:
        if index < 0:
            raise ParseError(f"compositions: {phrase!r} refers to a part before the first one")
        return index

    def _find(self, symbol: str, nth: int | None, before: int, phrase: str, purpose: str, looks=()) -> int:
        same = [i for i, p in enumerate(self.parts[:before]) if p.symbol == symbol]
        t = symbol.lower()
        if not same:
            raise ParseError(f"compositions: there is no earlier {t!r} {purpose} in {phrase!r}")
        if looks and nth is None and len(same) > 1:  # 'the large triangle', 'the mirrored 3'
            said = {_LOOKS[m] for m in looks}
            fitting = [i for i in same if said <= set(self.parts[i].ops)]
            same = fitting or same
        if nth is None and len(same) > 1:
            raise ParseError(f"compositions: {phrase!r} is ambiguous: there are {len(same)} {t!r} parts "
                             f"(say 'the first {t}')")
        if (nth or 0) >= len(same):
            raise ParseError(f"compositions: there is no {ORDINALS[nth]} {t!r} before {phrase!r}")
        return same[nth or 0]

    # sentences -------------------------------------------------------------------------
    def sentence(self, raw: list[str]) -> None:
        phrase = phrase_of(raw)
        toks = self._split_until([t for t in join_numbers(raw) if t not in "()"], phrase)
        _check_words(toks, phrase)
        self._topic = None
        if "@fig" in toks:
            return self._figure_sentence(toks, phrase)
        segments: list[list] = [[None]]  # [target, *modifiers]; target None = the part this sentence adds
        new = None
        i = 0
        while i < len(toks):
            t = toks[i]
            if t == "@of":  # 'the stem of the D': the part that loses a stroke
                target, i = self._ref(toks, i + 1, len(self.parts), phrase, "to take a stroke from")
                if target is None or segments[-1][0] not in (None, target):
                    raise ParseError(f"compositions: cannot tell which part loses a stroke in {phrase!r}")
                segments[-1][0] = target
                continue
            if t.startswith("@same:"):  # 'the same width as the triangle' (as the part before, if none is said)
                before = new if new is not None else len(self.parts)
                ref, i = self._ref(toks, i + 1, before, phrase, "to take the size of")
                segments[-1].append(("same", t.split(":")[1], self._index(before - 1, phrase) if ref is None else ref))
                continue
            if t.startswith("@rel:"):
                rel = t.split(":")[1]
                before = new if new is not None else len(self.parts)
                anchor, i = self._ref(toks, i + 1, before, phrase)
                segments[-1].append(("place", rel, anchor if anchor is not None else self._index(before - 1, phrase)))
                continue
            ordinal = t in ORDINALS and toks[i + 1: i + 2] != [] and toks[i + 1].startswith("@sym:")
            if t.startswith(("@sym:", "@part:", "@nth:", "@feat:")) or t in ("@it", "@prev") or ordinal:
                self._described = 0
                target, j = self._mention(toks, i, new, phrase)
                if target is not None and self._described:
                    del segments[-1][len(segments[-1]) - self._described:]
                if target is None:  # a new part: what was said of the parts before it is done
                    for seg in [seg for seg in segments if seg[0] is not None]:
                        self._apply(seg[0], seg[1:], phrase)
                        segments.remove(seg)
                    new = len(self.parts)
                    self.parts.append(_Draft(_symbol(toks[j - 1])))
                    self._topic = self.parts[new].symbol
                    for seg in segments:
                        seg[0] = new
                    segments.append([new])
                elif segments[-1][0] is None and len(segments[-1]) > 1:  # 'Mirror it.': it is what was changed
                    segments[-1][0] = target
                else:
                    segments.append([target])
                i = j
                continue
            if t.startswith("@"):
                segments[-1].append(self._operation(toks, i, phrase))
            i += 1
        for target, *mods in segments:
            if mods:
                self._apply(len(self.parts) - 1 if target is None else target, mods, phrase)
            elif target is not None and target != new:
                raise ParseError(f"compositions: {phrase!r} names the {_name(self.parts[target].symbol)} but says "
                                 "nothing about it")

    def _figure_sentence(self, toks: list[str], phrase: str) -> None:
        """'Now rotate the whole figure 90 degrees to the right.': operations on every part so far."""
        if not self.parts:
            raise ParseError(f"compositions: {phrase!r} changes the figure, but there is none yet")
        if any(t.startswith(("@sym:", "@rel:", "@remove:", "@move:", "@part:")) for t in toks):
            raise ParseError(f"compositions: {phrase!r} both changes the whole figure and a part; say them "
                             "in separate sentences")
        ops = [m for i, t in enumerate(toks) if t.startswith("@") and t not in ("@fig", "@it", "@prev")
               for m in [self._operation(toks, i, phrase)] if m[0] == "op" and (m[1] != "rotate" or m[2] % 360)]
        if any(len(m) == 4 for m in ops):
            raise ParseError(f"compositions: say which way to rotate (left or right) in {phrase!r}")
        if not ops and not any(t.startswith("@deg:") for t in toks):
            raise ParseError(f"compositions: {phrase!r} names the whole figure but says nothing to do with it")
        self.figure_ops += [(len(self.parts) - 1, m[1], m[2]) for m in ops]

    def _mention(self, toks: list[str], i: int, new: int | None, phrase: str) -> tuple[int | None, int]:
        """A mention outside a place: (None, after) for a new part, (index, after) for an old one."""
        t = toks[i]
        if t in ("@it", "@prev"):  # 'it' is the part this sentence adds, if any; 'the previous part' the one before
            if new is not None:
                return (new if t == "@it" else self._index(new - 1, phrase)), i + 1
            return self._index(len(self.parts) - 1, phrase), i + 1
        if t.startswith(("@part:", "@nth:", "@feat:")):
            return self._ref(toks, i, len(self.parts), phrase)
        j = i + 1 if t in ORDINALS else i
        if j >= len(toks) or not toks[j].startswith("@sym:"):
            raise ParseError(f"compositions: cannot read {t!r} in {phrase!r}")
        at = next((k for k in range(i - 1, max(i - 4, -1), -1) if toks[k] in _DETERMINERS), None)
        between = toks[at + 1:i] if at is not None else []
        if any(not t.startswith("@") or t.startswith(("@sym", "@rel", "@it", "@prev", "@part")) for t in between):
            at, between = None, []  # a determiner of another phrase
        det = toks[at] if at is not None else None
        verb = (at if at is not None else i) > 0 and toks[(at if at is not None else i) - 1] in _INTRO_VERBS
        symbol = _symbol(toks[j])
        old = [k for k, p in enumerate(self.parts) if p.symbol == symbol]
        unplaced = old and old[-1] == len(self.parts) - 1 and old[-1] > 0 and self.parts[old[-1]].relation is None
        if det == "the" and old and (not verb or unplaced):  # 'the D' of a sentence that adds nothing, or
            # 'attach the V to ...' of the V just taken and not yet placed: the D (the V) there is
            if not between:
                return self._ref(toks, i - 1, len(self.parts), phrase)
            # 'the upside-down U': the words between say how the part already looks, not a change
            self._described = len(between)
            return self._find(symbol, None, len(self.parts), phrase, "to refer to", between), j + 1
        return None, j + 1

    def _operation(self, toks: list[str], i: int, phrase: str):
        t = toks[i]
        kind, _, value = t[1:].partition(":")
        if kind == "deg":
            side = {toks[k] for k in (i - 1, i + 1) if 0 <= k < len(toks)} & {"@cw", "@ccw"}
            a = int(value)
            if a > 360:
                raise ParseError(f"compositions: the angle {a} in {phrase!r} is out of range (0 to 360 degrees)")
            if len(side) != 1 and a % 180:  # read only for a part that looks the same turned either way
                return ("op", "rotate", _signed(a), "either")
            return ("op", "rotate", _signed(-a if side == {"@ccw"} else a))
        if kind in ("cw", "ccw"):
            if not any(toks[k].startswith("@deg:") for k in (i - 1, i + 1) if 0 <= k < len(toks)):
                raise ParseError(f"compositions: {phrase!r} turns a part but does not say by how many degrees")
            return ("none",)
        if kind == "either":
            return ("none",)
        if kind == "point":
            return ("point", value)
        if kind == "state":
            return ("state", value)
        if kind in ("mirror", "flip"):
            return ("op", kind, 0)
        if kind in ("half", "double"):
            return ("op", "scale", 50 if kind == "half" else 200)
        if kind == "remove":
            return ("remove", value.replace("_", " "))
        if kind == "move":
            d, n = value.split(":")
            return ("move", _DIR[d], None if n == "any" else int(n))
        if kind == "centred":
            return ("centred",)
        if kind == "meet":
            return ("meet", value)
        raise ParseError(f"compositions: cannot read {t!r} in {phrase!r}")

    def _apply(self, target: int, mods: list, phrase: str) -> None:
        if target < 0:
            raise ParseError(f"compositions: {phrase!r} changes a part, but there is none yet")
        p = self.parts[target]
        changes = [m for m in mods if m[0] != "none"]
        if changes and target != len(self.parts) - 1:
            raise ParseError(f"compositions: {phrase!r} changes the {p.symbol.lower()} after a later part was "
                             "placed; say how each part looks before placing the next")
        states = [m for m in changes if m[0] == "state"]
        changes = [m for m in changes if m[0] != "state"]
        turned = any(m[0] in ("op", "point") for m in changes)
        if sum(m[0] == "move" and m[2] is None for m in changes) > 1 and self._until:
            raise ParseError(f"compositions: {phrase!r} slides a part two ways until something: say one way")
        for m in changes:
            if m[0] == "point":
                m = _pointing(p, m[1], phrase)
                if m is None:
                    continue
            if m[0] == "op" and len(m) == 4 and not _turns_alike(p, m[2]):
                raise ParseError(f"compositions: say which way to rotate (left or right) in {phrase!r}")
            if m[0] == "op":
                if m[1] != "rotate" or m[2] % 360:
                    p.ops.append((m[1], m[2]))
            elif m[0] == "remove":
                p.removed.append(m[1])
            elif m[0] == "move":
                (axis, sign), n = m[1], m[2]
                if n is None and self._until:  # 'slide it ... until ...': on from where it is now
                    p.move[axis] += sign * self._slide(target, axis, sign, phrase)
                    continue
                if p.move[axis]:
                    raise ParseError(f"compositions: contradiction: {phrase!r} moves the part twice the same way")
                p.move[axis] = sign * (self._nudge(target, axis, phrase) if n is None else n)  # no amount: a nudge
            elif m[0] == "same":
                if m[2] == target:
                    raise ParseError(f"compositions: {phrase!r} sizes a part by itself")
                p.same = (m[2], m[1], phrase)
            elif m[0] == "place":
                if target == 0:
                    raise ParseError(f"compositions: the first part {phrase!r} has nothing to be placed against")
                if p.relation is not None:
                    raise ParseError(f"compositions: contradiction: {phrase!r} places the part twice")
                p.relation, p.anchor = m[1], m[2]
        if any(m[0] == "centred" for m in changes) and p.relation != "inside":
            raise ParseError(f"compositions: {phrase!r} centres two parts on each other, which only a part placed "
                             "inside another is")
        if any(m[0] == "meet" for m in changes):
            flat = self._flat_states(target, phrase)
            self._settle(p, flat, turned or any(n in ("rotate", "flip", "mirror") for n, _ in p.ops), phrase)
        self._settle(p, states, turned, phrase)

    def _flat_states(self, k: int, phrase: str) -> list:
        """'so that their two flat edges meet', 'flat side against the square': each part's flat side
        faces the other. The anchor, placed already, is only checked; for the part placed, it is a
        state to make sure of."""
        p = self.parts[k]
        if p.relation in (None, "inside"):
            raise ParseError(f"compositions: {phrase!r} says flat sides meet but not on which side the part goes")
        toward = {"below": "up", "above": "down", "left-of": "right", "right-of": "left"}[p.relation]
        a = self.parts[p.anchor]
        need = _flat_state(a.symbol, _OPPOSITE[toward], phrase)
        if need and not _holds(a, need):
            raise ParseError(f"compositions: contradiction in {phrase!r}: the flat side of the {_name(a.symbol)} "
                             f"does not face the {_name(p.symbol)}")
        own = _flat_state(p.symbol, toward, phrase)
        return [("state", own)] if own else []

    def _settle(self, p: _Draft, states: list, turned: bool, phrase: str) -> None:
        """'..., so that its point is at the bottom': a state said to make sure. Where the
        sentence turned the part, the state must hold (else a contradiction is named); where it
        did not, the state says how to turn it."""
        for _, value in states:
            if _holds(p, value):
                continue
            fix = None if turned else _state_turn(p, value)
            if fix is None:
                kind, _, way = value.partition(":")
                said = {"point": f"pointing {way}", "dome": f"curved side {way}", "open": f"facing {way}"}.get(kind, kind)
                raise ParseError(f"compositions: contradiction in {phrase!r}: the {_name(p.symbol)} would not be "
                                 f"{said}")
            p.ops.append(tuple(fix[-2:]))

    def composition(self) -> Composition:
        if not self.parts:
            raise ParseError("compositions: the description names no letter, digit or shape")
        try:
            return Composition(tuple(self._resolved(len(self.parts))), tuple(self.figure_ops))
        except ParseError:
            raise
        except SceneError as e:
            raise ParseError(f"compositions: {e}") from None

    def _resolved(self, upto: int) -> list[Part]:
        """The first `upto` parts as the composition keeps them, sizes said by other parts made so."""
        done: list[Part] = []
        for i, d in enumerate(self.parts[:upto]):
            if i and d.relation is None:
                raise ParseError(f"compositions: the text does not say where the {_name(d.symbol)} goes "
                                 "(above, below, to the left of, to the right of or inside an earlier part)")
            part = d.part()
            if d.same is not None:
                part = _with_ops(part, _same_size_ops(d, done[d.same[0]], d.same[1], d.same[2]))
                if d.relation == "inside":
                    raise ParseError(f"compositions: {d.same[2]!r} cannot be kept: a part placed inside another "
                                     f"is drawn at most half its size, so not the same {d.same[1]}")
            try:
                done.append(part)
                Composition(tuple(done))
            except SceneError as e:
                raise ParseError(f"compositions: {e}") from None
        return done

    def _split_until(self, raw: list[str], phrase: str) -> list[str]:
        """'Slide the E to the right until it sits under the far end of the line': the clause after
        'until' is kept apart (`_slide` reads it) when the words before it slide a part with no amount;
        any other 'until' ('turn it until its point is at the bottom') is read with the sentence."""
        self._until = None
        if "until" in raw:
            k = raw.index("until")
            head = rewrite(raw[:k], _RULES)
            if any(t.startswith("@move:") and t.endswith(":any") for t in head):
                self._until = raw[k + 1:]
                return head
        return rewrite(raw, _RULES)

    def _laid_out(self, k: int, phrase: str) -> list[dict[str, list]]:
        """The parts up to the k-th as laid out so far (for moves said by where they end up)."""
        try:
            return layout(Composition(tuple(self._resolved(k + 1)), tuple(self.figure_ops)))
        except ParseError:
            raise
        except SceneError as e:
            raise ParseError(f"compositions: {e}") from None

    def _nudge(self, k: int, axis: int, phrase: str) -> int:
        """'move it up and to the left' (no amount): a fifth of the part it is placed against or in,
        so that eyes moved up in a face leave its middle; a step for a part placed against nothing."""
        p = self.parts[k]
        if p.anchor is None or any(f[0] >= k for f in self.figure_ops):
            return 1
        placed = self._laid_out(k, phrase)
        a, own = bounds(placed[p.anchor]), bounds(placed[k])
        step = MOVE_STEP * max(own[3] - own[1], 0.2)
        return max(1, int(round(NUDGE * (a[axis + 2] - a[axis]) / step)))

    def _slide(self, k: int, axis: int, sign: int, phrase: str) -> int:
        """The steps of a move that bring the part to where the 'until' clause says, found on the parts
        as laid out so far: an edge of the part (or of its named stroke) to an edge of another part
        ('until the bottom of its stem touches the bottom of the U'), or until it touches another."""
        clause = " ".join(self._until)
        m = _UNTIL.fullmatch(clause)
        if m is None:
            raise ParseError(f"compositions: cannot read 'until {clause}' in {phrase!r}")
        if any(f[0] >= k for f in self.figure_ops):
            raise ParseError(f"compositions: {phrase!r} slides a part after the whole figure was turned")
        if m["msym"] and _clause_symbol(m["msym"], phrase) != self.parts[k].symbol:
            raise ParseError(f"compositions: {phrase!r} slides one part until another moves")
        target = self._find(_clause_symbol(m["tsym"], phrase), None, len(self.parts), phrase, "to slide to") \
            if m["tsym"] else self.parts[k].anchor
        if target is None or target == k:
            raise ParseError(f"compositions: cannot tell what {phrase!r} slides the part to")
        placed = self._laid_out(k, phrase)
        mover = _stroke_named(placed[k], m["mstroke"], self.parts[k].symbol, phrase)
        fixed = _stroke_named(placed[target], m["tstroke"], self.parts[target].symbol, phrase)
        if m["tside"] is None:  # 'until it touches the circle'
            coming_from = {(1, 1): "above", (1, -1): "below", (0, 1): "left-of", (0, -1): "right-of"}[axis, sign]
            delta = _contact_offset(list(mover.values()), list(fixed.values()), coming_from)
            if delta is None:
                raise ParseError(f"compositions: sliding the part as {phrase!r} says, it never touches the "
                                 f"{_name(self.parts[target].symbol)}")
        else:
            mside = m["mside"] or ("middle" if m["tside"] in _MIDDLE else None)
            delta = _edge(fixed, m["tside"], axis, sign, phrase) - _edge(mover, mside, axis, sign, phrase)
        _, y0, _, y1 = bounds(placed[k])
        steps = sign * delta / (MOVE_STEP * max(y1 - y0, 0.2))
        if steps < -0.5:
            raise ParseError(f"compositions: contradiction in {phrase!r}: the part is already past that point")
        return int(round(steps))


_LOOKS = {"@flip": ("flip", 0), "@mirror": ("mirror", 0), "@half": ("scale", 50), "@double": ("scale", 200)}
"""Marks that, between 'the' and a part, say how that part already looks ('the large circle')."""


def _turns_alike(p: _Draft, angle: int) -> bool:
    """Whether the part looks the same turned `angle` degrees either way (a line by 90, a square
    by 45, a circle by any): then a turn need not say which way."""
    strokes = {n: s for n, s in GLYPHS[p.symbol].items() if n not in p.removed}
    for name, value in p.ops:
        strokes = apply_op(strokes, name, value)
    a, b = (_dense(list(apply_op(strokes, "rotate", t).values()), 8) for t in (angle, -angle))
    d = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    return float(max(d.min(0).max(), d.min(1).max())) < 0.03  # the two drawings within a stroke's width


def _draft_strokes(p: _Draft) -> dict[str, list]:
    strokes = {n: s for n, s in GLYPHS[p.symbol].items() if n not in p.removed}
    for name, value in p.ops:
        strokes = apply_op(strokes, name, value)
    return strokes


_DIRECTIONS = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}


def _facing(vector) -> str | None:
    """The side a vector points to, when it is within 20 degrees of one."""
    x, y = vector
    n = float(np.hypot(x, y)) or 1.0
    best = max(_DIRECTIONS, key=lambda d: (x * _DIRECTIONS[d][0] + y * _DIRECTIONS[d][1]) / n)
    cos = (x * _DIRECTIONS[best][0] + y * _DIRECTIONS[best][1]) / n
    return best if cos > 0.94 else None


def _holds(p: _Draft, state: str) -> bool:
    """Whether the part, as turned so far, looks as a state clause says. Only what can be seen
    on the part is checked: a triangle's point, a line standing upright, a half-circle's dome."""
    strokes = _draft_strokes(p)
    kind, _, value = state.partition(":")
    if kind == "point" and p.symbol == "triangle" and {"base", "left side"} <= set(strokes):
        base = np.mean(strokes["base"], axis=0)
        apex = np.asarray(strokes["left side"][0])  # the left side runs from the apex down to the base
        return _facing(apex - base) == value
    if kind == "upright" and p.symbol == "line":
        x0, y0, x1, y1 = bounds(strokes)
        return (y1 - y0) > (x1 - x0)
    if kind == "dome" and p.symbol == "half-circle" and {"arc", "flat side"} <= set(strokes):
        up = _facing(np.mean(strokes["arc"], axis=0) - np.mean(strokes["flat side"], axis=0))
        return up == value
    if kind == "open":
        way = _opening(strokes)
        return way is not None and _facing(way) == value
    return kind in ("point", "upright", "dome")


def _opening(strokes: dict) -> np.ndarray | None:
    """Which way a letter's bars, bumps or opening face: from its stem to the rest of its ink (an E's
    bars, a B's bumps), or, with no stem, from the middle of its ink to the middle of its box (a U)."""
    if "stem" in strokes and len(strokes) > 1:
        rest = {n: s for n, s in strokes.items() if n != "stem"}
        return _ink_centre(rest) - _ink_centre({"stem": strokes["stem"]})
    x0, y0, x1, y1 = bounds(strokes)
    way = np.asarray([(x0 + x1) / 2, (y0 + y1) / 2]) - _ink_centre(strokes)
    return way if np.hypot(*way) > 0.02 * max(x1 - x0, y1 - y0) else None


def _ink_centre(strokes: dict) -> np.ndarray:
    """The middle of a part's ink, each stretch of stroke weighted by its length."""
    segs = _segments(list(strokes.values()))
    length = np.hypot(*(segs[:, 1] - segs[:, 0]).T)
    if length.sum() < 1e-9:
        return segs[:, 0].mean(0)
    return ((segs[:, 0] + segs[:, 1]) / 2 * length[:, None]).sum(0) / length.sum()


_TURNS = (("flip", 0), ("rotate", 90), ("rotate", -90), ("mirror", 0), ("rotate", 180))


def _state_turn(p: _Draft, state: str):
    """The first change that makes a part look as a state clause says (None when none does)."""
    kind = state.partition(":")[0]
    if kind != "open" and (kind, p.symbol) not in (("point", "triangle"), ("upright", "line"), ("dome", "half-circle")):
        return None
    for op in _TURNS:
        p.ops.append(op)
        ok = _holds(p, state)
        p.ops.pop()
        if ok:
            return op
    return None


def _pointing(p: _Draft, direction: str, phrase: str):
    """'A triangle pointing down': the turn that points a triangle (which points up) that way."""
    if p.symbol != "triangle":
        raise ParseError(f"compositions: 'pointing' is read for triangles only, in {phrase!r}; say how the "
                         f"{_name(p.symbol)} is turned (upside down, rotated 90 degrees to the left, ...)")
    return {"up": None, "down": ("op", "flip", 0), "right": ("op", "rotate", 90), "left": ("op", "rotate", -90)}[direction]


def _signed(a: int) -> int:
    """A turn as the family keeps it, -180..180 degrees: 270 to the right is 90 to the left."""
    if a % 360 == 180:
        return 180 if a > 0 else -180
    return (a + 180) % 360 - 180


def _with_ops(part: Part, ops) -> Part:
    return Part(part.symbol, tuple(ops), part.removed, part.relation, part.anchor, part.move)


_DIMENSIONS = {"width": lambda w, h: w, "height": lambda w, h: h, "size": max, "length": max}
_SIZE_STEPS = (50, 100, 200)


def _same_size_ops(d: _Draft, other: Part, dim: str, phrase: str) -> tuple:
    """The part's operations with the scale that makes it as wide (high, large) as `other`: parts come
    at half, normal or double size, so a size none of them gives within a fifth is refused."""
    turns = [op for op in d.ops if op[0] != "scale"]
    x0, y0, x1, y1 = bounds(_part_strokes(Part(d.symbol, tuple(turns), tuple(d.removed))))
    ox0, oy0, ox1, oy1 = bounds(_part_strokes(other))
    own, want = _DIMENSIONS[dim](x1 - x0, y1 - y0), _DIMENSIONS[dim](ox1 - ox0, oy1 - oy0)
    fits = [v for v in _SIZE_STEPS if min(own, want) > 1e-6 and abs(np.log(want / own * 100 / v)) < np.log(1.2)]
    if not fits:
        raise ParseError(f"compositions: {phrase!r}: the {_name(d.symbol)} cannot be made the same {dim} as the "
                         f"{_name(other.symbol)} (parts come at half, normal or double size)")
    said = int(round(100 * np.prod([v / 100 for n, v in d.ops if n == "scale"])))
    if said != 100 and said != fits[0]:
        raise ParseError(f"compositions: contradiction in {phrase!r}: the {_name(d.symbol)} is sized twice")
    return tuple(turns) + ((("scale", fits[0]),) if fits[0] != 100 else ())


_CURVED = ("arc", "curve", "ring", "loop", "bowl")
_FEATURE_STROKES = {"curve": _CURVED, "side": _CURVED, "edge": _CURVED, "part": _CURVED, "arc": ("arc", "curve"),
                    "dome": ("arc",), "bulge": _CURVED, "loop": ("loop", "bowl", "ring"), "ring": ("ring",),
                    "stem": ("stem",), "crossbar": ("crossbar",)}
"""The stroke names each word people name a part by stands for ('the curved side' is its arc)."""


def _flat_state(symbol: str, facing: str, phrase: str) -> str | None:
    """The state that has a part's flat side face `facing`; None for a part flat all round."""
    if symbol == "half-circle":
        return "dome:" + _OPPOSITE[facing]
    if symbol == "triangle":
        return "point:" + _OPPOSITE[facing]
    if symbol in ("square", "line"):
        return None
    raise ParseError(f"compositions: {phrase!r} speaks of a flat side, which is read for half-circles, "
                     f"triangles, squares and lines, not {name_of(symbol)}")


def _clause_symbol(word: str, phrase: str) -> str:
    """A part named in an 'until' clause (raw words: 'u', 'line', 'semicircle')."""
    word = {"semicircle": "half-circle", "semi-circle": "half-circle"}.get(word, word)
    symbol = word.upper() if len(word) == 1 and word.isalpha() else word
    if symbol not in GLYPHS:
        raise ParseError(f"compositions: cannot tell which part {word!r} is in {phrase!r}")
    return symbol


def _stroke_named(strokes: dict, word: str | None, symbol: str, phrase: str) -> dict:
    """A part's strokes, or the one of them a word names ('its stem')."""
    if word is None:
        return strokes
    named = [n for n in strokes if n == word or n.endswith(" " + word)]
    if len(named) != 1:
        raise ParseError(f"compositions: {name_of(symbol)} has " + ("no" if not named else "more than one")
                         + f" {word!r} in {phrase!r}")
    return {named[0]: strokes[named[0]]}


def _edge(strokes: dict, side: str | None, axis: int, sign: int, phrase: str) -> float:
    """Where a side of some strokes lies along the axis of a slide: 'bottom', 'left', 'middle', the
    'far' side (the way the slide goes; also when no side is said) or the 'near' side."""
    pts = np.asarray([p for s in strokes.values() for p in s], dtype=float)[:, axis]
    across = {"bottom": (1, 1), "lower": (1, 1), "top": (1, -1), "upper": (1, -1), "left": (0, -1), "right": (0, 1)}
    if side in across:
        if across[side][0] != axis:
            raise ParseError(f"compositions: {phrase!r} slides a part one way to line up its {side} side")
        return float(pts.max() if across[side][1] > 0 else pts.min())
    if side in _MIDDLE:
        return float((pts.min() + pts.max()) / 2)
    ahead = side in (None, "far", "leading")
    return float(pts.max() if (sign > 0) == ahead else pts.min())


def _symbol(mark: str) -> str:
    s = mark.split(":", 1)[1]
    return s.upper() if len(s) == 1 and s.isalpha() else s


def _name(symbol: str) -> str:
    return symbol.lower() if len(symbol) > 1 else symbol


_COMMENTARY = re.compile(r"(?:^| )(?:, )?so (?:that )?(?:it (?:looks like|resembles|balances|rests|sits|stands|is an?) "
                         r"(?!(?:upright|vertical|up)\b)|(?:the|its) [a-z-]+ ends up )[^,.;]*")
_LIKENESS = re.compile(r"(?:looks like|resembles|is) (?:a|an) ([a-z-]+)(?: [,.;]| *$)")
"""'..., so that it looks like a bowl', 'so that it is a post standing on a flat foot': what the speaker
says a part now resembles, which adds nothing to read (the words in it need not be known)."""


def _drop_commentary(tokens: list[str]) -> tuple[list[str], str | None]:
    """The sentence without its comment, and the thing the comment likens the part to ('bowl')."""
    text = " ".join(tokens)
    likeness = None
    for m in _COMMENTARY.finditer(text):
        found = _LIKENESS.search(m.group(0).strip() + " ")
        likeness = found.group(1) if found else likeness
    return _COMMENTARY.sub("", text).split(), likeness


def _by_likeness(tokens: list[str], names: dict[str, str]) -> list[str]:
    """'the bowl', once a part was said to look like a bowl: that part, by its symbol."""
    out = list(tokens)
    for i in range(len(out) - 1):
        if out[i] in ("the", "that", "this") and out[i + 1] in names:
            out[i], out[i + 1] = names[out[i + 1]]
    return [t for t in out if t]


def parse(text: str) -> Composition:
    reader, names = _Reader(), {}
    for raw in sentences(text, "compositions"):
        tokens, likeness = _drop_commentary(_by_likeness(raw, names))
        check_vocabulary(tokens, READ_WORDS, "compositions")
        try:
            reader.sentence(tokens)
        except ParseError:
            raise
        except (IndexError, KeyError, ValueError, TypeError) as e:  # a reading this parser has no rule for
            raise ParseError(f"compositions: cannot read {phrase_of(raw)!r} ({type(e).__name__} in the "
                             "parser: please report this sentence)") from None
        if likeness and reader.parts:  # the part this sentence was about is the latest one
            k = len(reader.parts) - 1
            same = [i for i, p in enumerate(reader.parts) if p.symbol == reader.parts[k].symbol]
            ref = ("the", reader.parts[k].symbol.lower()) if len(same) == 1 else \
                ("the", f"{ORDINALS[same.index(k)]} {reader.parts[k].symbol.lower()}")
            names[likeness] = ref
    return reader.composition()


# --- sampling ------------------------------------------------------------------------------

SYMBOLS = tuple(LETTERS) + tuple(DIGITS) + tuple(SHAPES)
CONTAINERS = ("circle", "square", "O", "0", "U")


def sample(rng: np.random.Generator, n_parts: int | tuple[int, int] = (1, 3)) -> Composition:
    k = n_parts if isinstance(n_parts, int) else int(rng.integers(n_parts[0], n_parts[1] + 1))
    parts = []
    for i in range(k):
        sym = SYMBOLS[int(rng.integers(len(SYMBOLS)))]
        ops = []
        for name in rng.permutation(OPS)[:int(rng.choice([0, 1, 1, 2]))]:
            name = str(name)
            if name == "rotate":
                v = int(rng.choice([-180, -135, -90, -45, 45, 90, 135, 180]))
            elif name == "scale":
                v = int(rng.choice(SCALES))
            else:
                v = 0
            ops.append((name, v))
        strokes = list(GLYPHS[sym])
        removed = (strokes[int(rng.integers(len(strokes)))],) if len(strokes) > 1 and rng.random() < 0.2 else ()
        relation = anchor = None
        if i > 0:
            anchor = int(rng.integers(i))
            options = [r for r in RELATIONS if r != "inside" or parts[anchor].symbol in CONTAINERS]
            relation = options[int(rng.integers(len(options)))]
        move = (int(rng.integers(-2, 3)), 0) if rng.random() < 0.1 else (0, 0)
        parts.append(Part(sym, tuple(ops), removed, relation, anchor, move))
    return Composition(tuple(parts))


def combinations(c: Composition) -> set:
    """(symbol, relation, anchor symbol) triples; a fixed tenth of all triples is held out."""
    return {(p.symbol, p.relation, c.parts[p.anchor].symbol) for p in c.parts if p.relation is not None}


def is_heldout_atom(atom) -> bool:
    return int(hashlib.sha256(repr(atom).encode()).hexdigest(), 16) % 10 == 0


FINKE_ITEMS = (
    ("Take a capital D, rotated 90 degrees to the left. Put a capital J attached below the D.", "umbrella"),
    ("Take a capital B, without its stem, rotated 90 degrees to the left. "
     "Put a triangle, flipped upside down, attached below the B.", "heart"),
    ("Take a circle. Put a triangle, flipped upside down, attached below the circle.", "ice-cream cone"),
    ("Take a half-circle, flipped upside down. Put a triangle attached above the half-circle.", "sailboat"),
    ("Take a square. Put a triangle attached above the square.", "house"),
    ("Take a line, rotated 90 degrees to the right. Put a triangle attached above the line.", "tree"),
    ("Take a line. Put a capital V, rotated 90 degrees to the left, attached to the right of the line.", "arrow"),
    ("Take a circle. Put a capital U placed inside the circle.", "face"),
    ("Take a circle, at half size. Put a circle attached below the first circle.", "snowman"),
)
"""Reinterpretation items in the style of Finke, Pinker & Farah (1989): text, intended object."""


FAMILY = register_family(SceneFamily(
    name="compositions", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=vocabulary, atoms=combinations, heldout_atom=is_heldout_atom,
    score_image=lazy("imagery_agent.metrics.compositions:score_composition"),
    summarise_scores=lazy("imagery_agent.metrics.compositions:summarise"),
))
