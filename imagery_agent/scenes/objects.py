"""Objects: everyday things as simple line drawings, the family an agent learns names from.

What the agent knows of an umbrella or a heart before a reinterpretation experiment: many
drawings of each lexicon object (`lexicon.py`, drawn by its own code, never from letter
strokes), each in its own proportions, stroke width, slant, stretch and place. A joint
embedding trained on this family (`train_clip --family objects`) names what a mental image
looks like ('It looks like an umbrella.') with no composition ever shown to it.

Held out: one variant in ten of every object (its proportions, pose and stroke drawn from a
random stream never used in training), for choosing and reporting the naming model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .lexicon import LEXICON, strokes as lexicon_strokes
from .text import check_vocabulary, sentences

N_VARIANTS = 100_000
HELDOUT_EVERY = 10
WIDTH_RANGE = (0.025, 0.075)
"""Stroke widths (fractions of the image width): thin like a buffer's reduced parts, thick like a sketch."""


@dataclass(frozen=True)
class Drawing:
    name: str          # a lexicon object: "umbrella", "ice-cream cone", ...
    variant: int = field(default=0, compare=False)  # 0: canonical; others: proportions, pose, stroke (not said)

    def __post_init__(self):
        if self.name not in LEXICON:
            raise SceneError(f"no lexicon object {self.name!r}; known: {', '.join(LEXICON)}")
        if isinstance(self.variant, bool) or not isinstance(self.variant, (int, np.integer)) \
                or not 0 <= self.variant < N_VARIANTS:
            raise SceneError(f"variant must be a whole number in 0..{N_VARIANTS - 1}, got {self.variant!r}")


def _pose(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A small random slant (+-12 degrees), stretch (+-20% on one axis), size and shift."""
    a = math.radians(rng.uniform(-12, 12))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    k = rng.uniform(0.8, 1.2)
    stretch = np.diag([k, 1.0]) if rng.random() < 0.5 else np.diag([1.0, k])
    return rng.uniform(0.75, 1.0) * rot @ stretch, rng.uniform(-0.06, 0.06, size=2)


def strokes_of(d: Drawing) -> tuple[list[list[tuple[float, float]]], float]:
    """(strokes in the unit square, stroke width) of a drawing: variant 0 is the lexicon's
    canonical drawing; any other is the object in proportions, pose and stroke of its own."""
    if d.variant == 0:
        return lexicon_strokes(d.name), 0.05
    rng = np.random.default_rng([d.variant, LEXICON.index(d.name)])
    raw = lexicon_strokes(d.name, rng)
    m, offset = _pose(rng)
    centre = np.array([0.5, 0.5])
    out = [[(float(x), float(y)) for x, y in np.clip((np.asarray(s, float) - centre) @ m.T + centre + offset,
                                                      0.02, 0.98)] for s in raw]
    return out, float(rng.uniform(*WIDTH_RANGE))


def render(d: Drawing, size: int = 64) -> np.ndarray:
    lines, width = strokes_of(d)
    canvas = Canvas(size)
    for s in lines:
        canvas.polyline(s, (0, 0, 0), width)
    return canvas.to_array()


def to_graph(d: Drawing) -> nx.DiGraph:
    lines, _ = strokes_of(d)
    pts = np.asarray([p for s in lines for p in s])
    return relation_graph([GraphObject(d.name, float(pts[:, 0].mean()), float(pts[:, 1].mean()),
                                       {"kind": "object"}, lines)], family="objects")


# --- verbal code ---------------------------------------------------------------------------

_FORMS = ("a drawing of {a} {n}", "it looks like {a} {n}", "{a} {n}", "a picture of {a} {n}", "this is {a} {n}",
          "the drawing shows {a} {n}")


def article(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def describe(d: Drawing, rng: np.random.Generator | None = None) -> str:
    rng = rng if rng is not None else np.random.default_rng(0)
    form = _FORMS[int(rng.integers(len(_FORMS)))]
    text = form.format(a=article(d.name).split(" ", 1)[0], n=d.name)
    return text[0].upper() + text[1:] + "."


def canonical(d: Drawing) -> str:
    return f"It looks like {article(d.name)}."


_FILLERS = {"a", "an", "drawing", "of", "it", "looks", "like", "picture", "this", "is", "the", "shows"}


def vocabulary() -> set[str]:
    return _FILLERS | {w for n in LEXICON for w in n.split()}


def parse(text: str) -> Drawing:
    """'A drawing of an umbrella.', 'It looks like a pine tree.', 'a heart': the object named."""
    sents = sentences(text, "objects")
    if len(sents) != 1:
        raise ParseError(f"objects: a drawing is said in one sentence, got {len(sents)}")
    toks = [t for t in sents[0] if t != ","]
    check_vocabulary(toks, vocabulary(), "objects")
    rest = " ".join(t for t in toks if t not in _FILLERS or t in {w for n in LEXICON for w in n.split()})
    for name in sorted(LEXICON, key=len, reverse=True):
        if rest.endswith(name):
            return Drawing(name)
    raise ParseError(f"objects: {' '.join(toks)!r} names no lexicon object")


# --- sampling and the held-out split -------------------------------------------------------

def sample(rng: np.random.Generator) -> Drawing:
    return Drawing(LEXICON[int(rng.integers(len(LEXICON)))], int(rng.integers(1, N_VARIANTS)))


def combinations(d: Drawing) -> set:
    return {(d.name, d.variant % HELDOUT_EVERY)}


def is_heldout_atom(atom) -> bool:
    return atom[1] == 0


FAMILY = register_family(SceneFamily(
    name="objects", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=vocabulary, atoms=combinations, heldout_atom=is_heldout_atom, canonical_text=canonical,
    score_image=lazy("imagery_agent.metrics.drawings:score_drawing"),
    summarise_scores=lazy("imagery_agent.metrics.objects:summarise_objects"),
    backgrounds=((255, 255, 255),), mention="It looks like {name}.", nameable=LEXICON,
))
