"""Compositions: the scene family of reinterpretation (Finke, Pinker & Farah 1989).

A composition is a short list of parts (letters, digits, shapes), each transformed the way
people say it in words (rotate N degrees left or right, mirror, flip upside down, resize, remove
a named stroke, move) and placed against an earlier part so that they touch (above, below, to
the left of, to the right of) or inside it. Transformations apply in the order the text gives.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .strokes import DIGITS, GLYPHS, LETTERS, SHAPES, bounds, shift, transform, _dense
from .text import check_vocabulary, read_number, sentences

RELATIONS = ("above", "below", "left-of", "right-of", "inside")
OPS = ("rotate", "mirror", "flip", "scale")
SCALES = (50, 200)
MAX_PARTS = 5
MOVE_STEP = 0.25
"""A 'step' of a move is a quarter of a part's height."""
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
        for op in p.ops:
            name, value = op
            if name not in OPS:
                raise SceneError(f"unknown transformation {name!r}")
            if name == "rotate" and (value % 45 or not -180 <= value <= 180 or value == 0):
                raise SceneError(f"rotation {value} must be a non-zero multiple of 45 degrees up to 180")
            if name == "scale" and value not in SCALES:
                raise SceneError(f"scale {value}% must be one of {SCALES}")
        strokes = GLYPHS[p.symbol]
        for r in p.removed:
            if r not in strokes:
                raise SceneError(f"{name_of(p.symbol)} has no part called {r!r}; its parts are {', '.join(strokes)}")
        if len(set(p.removed)) != len(p.removed) or len(p.removed) >= len(strokes):
            raise SceneError(f"cannot remove {', '.join(p.removed)} from {name_of(p.symbol)}: nothing would be left")
        if i == 0 and p.relation is not None:
            raise SceneError("the first part has nothing to be placed against")
        if i > 0:
            if p.relation not in RELATIONS:
                raise SceneError(f"part {i + 1} ({name_of(p.symbol)}) needs a place: one of {', '.join(RELATIONS)}")
            if p.anchor is None or not 0 <= p.anchor < i:
                raise SceneError(f"part {i + 1} must be placed against an earlier part")


def name_of(symbol: str) -> str:
    if symbol in LETTERS:
        return f"a capital {symbol}"
    if symbol in DIGITS:
        return f"the digit {symbol}"
    return f"a {symbol}"


# --- geometry ------------------------------------------------------------------------------

def _part_strokes(p: Part) -> dict[str, list]:
    strokes = {n: s for n, s in GLYPHS[p.symbol].items() if n not in p.removed}
    for name, value in p.ops:
        if name == "rotate":
            strokes = transform(strokes, angle=value)
        elif name == "mirror":
            strokes = transform(strokes, mirror=True)
        elif name == "flip":
            strokes = transform(strokes, flip=True)
        elif name == "scale":
            strokes = transform(strokes, scale=value / 100)
    return strokes


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
    return ". ".join(out) + "."


_STROKE_WORDS = {w for g in GLYPHS.values() for n in g for w in n.split()}
VOCABULARY = ({w for group in (_SYMBOL, _PLACE) for opts in group.values() for o in opts for w in o.split()}
              | {w for o in _FIRST + _NEXT for w in o.split()} | _STROKE_WORDS | set(ORDINALS) | set(SHAPES)
              | {c.lower() for c in LETTERS}
              | {"rotated", "degrees", "to", "the", "right", "left", "turned", "clockwise", "counterclockwise",
                 "mirrored", "reflected", "flipped", "upside", "down", "at", "half", "size", "shrunk",
                 "double", "enlarged", "without", "its", "with", "removed", "moved", "steps", "step", "up"})
VOCABULARY -= {"{s}", "{a}"}


def vocabulary() -> set[str]:
    return set(VOCABULARY)


def _read_symbol(toks: list[str], i: int, phrase: str) -> tuple[str, int]:
    """A symbol phrase starting at toks[i]; returns (symbol, index after it)."""
    while i < len(toks) and toks[i] in ("a", "an", "the", "capital", "letter", "upper-case", "digit"):
        cue = toks[i]
        i += 1
        if cue in ("capital", "letter", "upper-case"):
            if i < len(toks) and len(toks[i]) == 1 and toks[i].isalpha():
                return toks[i].upper(), i + 1
            raise ParseError(f"compositions: expected a letter after {cue!r} in {phrase!r}")
        if cue == "digit":
            if i < len(toks) and len(toks[i]) == 1 and toks[i].isdigit():
                return toks[i], i + 1
            raise ParseError(f"compositions: expected a digit after 'digit' in {phrase!r}")
    if i < len(toks) and toks[i] in SHAPES:
        return toks[i], i + 1
    raise ParseError(f"compositions: expected a letter, digit or shape in {phrase!r}")


def _read_reference(toks: list[str], parts: list[Part], phrase: str) -> int:
    """'the D', 'the 7', 'the circle' or 'the second circle' -> index of an earlier part."""
    toks = [t for t in toks if t not in ("so", "that", "they", "touch", "and", "touching", "it")]
    if not toks or toks[0] != "the":
        raise ParseError(f"compositions: {phrase!r} must name the part it is placed against ('the D')")
    toks = toks[1:]
    nth = None
    if toks and toks[0] in ORDINALS:
        nth = ORDINALS.index(toks[0])
        toks = toks[1:]
    if len(toks) != 1:
        raise ParseError(f"compositions: cannot tell which part {' '.join(toks)!r} is in {phrase!r}")
    t = toks[0]
    sym = t.upper() if len(t) == 1 and t.isalpha() else t
    same = [i for i, p in enumerate(parts) if p.symbol == sym]
    if not same:
        raise ParseError(f"compositions: there is no earlier {t!r} to place against in {phrase!r}")
    if nth is None and len(same) > 1:
        raise ParseError(f"compositions: {phrase!r} is ambiguous: there are {len(same)} {t!r} parts (say 'the first {t}')")
    nth = 0 if nth is None else nth
    if nth >= len(same):
        raise ParseError(f"compositions: there is no {ORDINALS[nth]} {t!r} before {phrase!r}")
    return same[nth]


_PLACEMENTS = (("to", "the", "left", "of"), ("to", "the", "right", "of"), ("below",), ("above",), ("inside",))


def _find_placement(toks: list[str]):
    for cue in _PLACEMENTS:
        n = len(cue)
        for i in range(len(toks) - n + 1):
            if tuple(toks[i:i + n]) == cue:
                rel = {"left": "left-of", "right": "right-of"}.get(cue[2], None) if n == 4 else cue[0]
                return rel, i, i + n
    return None


def parse(text: str) -> Composition:
    sents = sentences(text, "compositions")
    check_vocabulary([t for s in sents for t in s], VOCABULARY, "compositions")
    parts: list[Part] = []
    for toks in sents:
        phrase = " ".join(t for t in toks if t != ",")
        clauses, cur = [], []
        for t in toks:
            if t == ",":
                clauses.append(cur)
                cur = []
            else:
                cur.append(t)
        clauses.append(cur)
        head = clauses[0]
        i = 0
        for verb in _FIRST + _NEXT:
            v = verb.split()
            if head[:len(v)] == v:
                i = len(v)
                break
        else:
            raise ParseError(f"compositions: a sentence must start with imagine, take, start with, put, place or "
                             f"add: {phrase!r}")
        symbol, j = _read_symbol(head, i, phrase)
        rest = [head[j:]] if head[j:] else []
        ops, removed, relation, anchor, move = [], [], None, None, [0, 0]
        for cl in rest + clauses[1:]:
            cp = " ".join(cl)
            if not cl:
                raise ParseError(f"compositions: empty clause in {phrase!r}")
            if "degrees" in cl:
                k = cl.index("degrees")
                n = read_number(cl[k - 1], cp) if k > 0 else None
                tail = cl[k + 1:]
                if tail in (["to", "the", "right"], ["clockwise"]):
                    ops.append(("rotate", n))
                elif tail in (["to", "the", "left"], ["counterclockwise"]):
                    ops.append(("rotate", -n))
                else:
                    raise ParseError(f"compositions: say which way to rotate (left or right) in {cp!r}")
            elif "upside" in cl:
                ops.append(("flip", 0))
            elif cl[0] in ("mirrored", "reflected"):
                ops.append(("mirror", 0))
            elif "size" in cl:
                ops.append(("scale", 50 if "half" in cl else 200))
            elif cl[0] == "without" or cl[-1] == "removed":
                name = " ".join(cl[2:] if cl[0] == "without" else cl[2:-1])
                removed.append(name)
            elif cl[0] == "moved":
                if len(cl) < 4 or not cl[1].isdigit() or cl[2] not in ("steps", "step"):
                    raise ParseError(f"compositions: cannot read the move {cp!r} ('moved 2 steps to the left')")
                n = int(cl[1])
                d = cl[-1]
                axis, sign = {"left": (0, -1), "right": (0, 1), "up": (1, -1), "down": (1, 1)}.get(d, (None, 0))
                if axis is None:
                    raise ParseError(f"compositions: cannot read the direction of {cp!r}")
                if move[axis]:
                    raise ParseError(f"compositions: contradiction: {phrase!r} moves the part twice the same way")
                move[axis] = sign * n
            else:
                found = _find_placement(cl)
                if found is None:
                    raise ParseError(f"compositions: cannot read {cp!r}")
                if relation is not None:
                    raise ParseError(f"compositions: contradiction: {phrase!r} places the part twice")
                relation, _, end = found
                anchor = _read_reference(cl[end:], parts, cp)
        if parts and relation is None:
            raise ParseError(f"compositions: {phrase!r} does not say where the {symbol} goes")
        if not parts and relation is not None:
            raise ParseError(f"compositions: the first part {phrase!r} has nothing to be placed against")
        try:
            part = Part(symbol, tuple(ops), tuple(removed), relation, anchor, tuple(move))
            Composition(tuple(parts) + (part,))
        except SceneError as e:
            raise ParseError(f"compositions: {e}") from None
        parts.append(part)
    return Composition(tuple(parts))


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
