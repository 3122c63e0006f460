"""Glyphs: one upright letter, digit or shape, whole or with named strokes taken away.

The family of image *generation part by part* (Kosslyn 1980; reinterpretation): an agent that
builds 'a D on its back with a J underneath' in its visual buffer imagines each part upright
through a backbone of this family, then turns, moves and joins the parts with buffer operations.
A glyph is said the way the compositions family says a part ('a capital B without its stem'), and
read by the compositions parser, which must find exactly one part with no turn, place or move.

Held out: glyphs with two strokes taken away, never drawn in training (which shows every glyph
whole and less each one of its strokes, the whole catalogue a part can start from), so the
held-out split asks whether a model combines two absences it only ever saw one at a time.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from .compositions import check_removed, parse as parse_composition, part_vocabulary
from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .strokes import GLYPHS

SYMBOLS = tuple(GLYPHS)
MAX_STROKES = max(len(s) for s in GLYPHS.values())
STROKE_WIDTH = 0.06
REMOVE_PROBABILITY = 0.3
TWO_REMOVED_PROBABILITY = 0.1


@dataclass(frozen=True)
class Glyph:
    symbol: str                      # "D", "7", "circle", ...
    removed: tuple[str, ...] = ()    # named strokes taken away

    def __post_init__(self):
        if self.symbol not in GLYPHS:
            raise SceneError(f"unknown symbol {self.symbol!r}; known: {', '.join(SYMBOLS)}")
        check_removed(self.symbol, self.removed)


def strokes_of(g: Glyph) -> dict[str, list]:
    """The glyph's remaining strokes where the whole glyph has them (the unit box, y down)."""
    return {n: s for n, s in GLYPHS[g.symbol].items() if n not in g.removed}


def render(g: Glyph, size: int = 32) -> np.ndarray:
    canvas = Canvas(size)
    for s in strokes_of(g).values():
        canvas.polyline(s, (0, 0, 0), STROKE_WIDTH)
    return canvas.to_array()


def to_graph(g: Glyph) -> nx.DiGraph:
    objs = [GraphObject(name, float(np.mean([p[0] for p in s])), float(np.mean([p[1] for p in s])),
                        {"kind": "stroke", "symbol": g.symbol}, [s]) for name, s in strokes_of(g).items()]
    return relation_graph(objs, family="glyphs")


# --- verbal code ---------------------------------------------------------------------------

_NAMES = {"letter": ("a capital {s}", "the letter {s}", "an upper-case {s}"),
          "digit": ("the digit {s}", "a digit {s}"), "shape": ("a {s}",)}
_REMOVED = ("without its {r}", "with its {r} removed")
_OPENINGS = ("", "imagine ", "take ", "start with ", "put ", "add ")


def _kind(symbol: str) -> str:
    return "letter" if len(symbol) == 1 and symbol.isalpha() else "digit" if symbol.isdigit() else "shape"


def describe(g: Glyph, rng: np.random.Generator | None = None) -> str:
    rng = rng if rng is not None else np.random.default_rng(0)
    pick = lambda opts: opts[int(rng.integers(len(opts)))]  # noqa: E731
    text = pick(_OPENINGS) + pick(_NAMES[_kind(g.symbol)]).format(s=g.symbol)
    text += "".join(", " + pick(_REMOVED).format(r=r) for r in g.removed)
    return text[0].upper() + text[1:] + "."


def canonical(g: Glyph) -> str:
    """One wording: the first name form, removals in the glyph's stroke order."""
    order = [r for r in GLYPHS[g.symbol] if r in g.removed]
    text = _NAMES[_kind(g.symbol)][0].format(s=g.symbol) + "".join(f", without its {r}" for r in order)
    return text[0].upper() + text[1:] + "."


def parse(text: str) -> Glyph:
    """Read one part with the compositions parser; a turn, a place or a second part is refused:
    a glyph is imagined upright and alone (the buffer turns and places it)."""
    comp = parse_composition(text)
    if len(comp.parts) != 1:
        raise ParseError(f"glyphs: a glyph is one part, the text names {len(comp.parts)}")
    p = comp.parts[0]
    if p.ops or p.move != (0, 0):
        raise ParseError("glyphs: a glyph is imagined upright and in place; turn, mirror, resize or move it "
                         "in the visual buffer")
    try:
        return Glyph(p.symbol, tuple(r for r in GLYPHS[p.symbol] if r in p.removed))
    except SceneError as e:
        raise ParseError(f"glyphs: {e}") from None


def vocabulary() -> set[str]:
    return part_vocabulary()


# --- sampling and the held-out split -------------------------------------------------------

def sample(rng: np.random.Generator, max_removed: int = 2) -> Glyph:
    symbol = SYMBOLS[int(rng.integers(len(SYMBOLS)))]
    strokes = list(GLYPHS[symbol])
    u = rng.random()
    if max_removed >= 2 and len(strokes) > 2 and u < TWO_REMOVED_PROBABILITY:
        gone = rng.choice(len(strokes), 2, replace=False)
        return Glyph(symbol, tuple(strokes[i] for i in sorted(gone)))
    if len(strokes) > 1 and u < REMOVE_PROBABILITY:
        return Glyph(symbol, (strokes[int(rng.integers(len(strokes)))],))
    return Glyph(symbol)


def combinations(g: Glyph) -> set:
    """One atom: the symbol and the strokes it lacks."""
    return {(g.symbol, tuple(r for r in GLYPHS[g.symbol] if r in g.removed))}


def is_heldout_atom(atom) -> bool:
    return len(atom[1]) >= 2


def grounding_targets(g: Glyph) -> list:
    """One sentence: every token learns the symbol and which stroke (if any) is gone."""
    strokes = list(GLYPHS[g.symbol])
    gone = 1 + strokes.index(g.removed[0]) if g.removed else 0
    return [(None, (SYMBOLS.index(g.symbol), gone))]


FAMILY = register_family(SceneFamily(
    name="glyphs", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=vocabulary, atoms=combinations, heldout_atom=is_heldout_atom, canonical_text=canonical,
    score_image=lazy("imagery_agent.metrics.glyphs:score_glyph"),
    summarise_scores=lazy("imagery_agent.metrics.objects:summarise_objects"),
    train_sample_kw={"max_removed": 1},
    grounding_classes=(len(SYMBOLS), MAX_STROKES + 1), grounding_targets=grounding_targets,
    backgrounds=((255, 255, 255),),
))
