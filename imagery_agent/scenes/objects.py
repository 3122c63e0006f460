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
WIDTH_RANGE = (0.015, 0.08)
"""Stroke widths (fractions of the image width): thin like a buffer's reduced parts, thick like a sketch."""
MAX_WOBBLE = 0.012
MAX_GREY = 110


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
    """A random slant (+-15 degrees), stretch (+-45% on one axis), mirror image, size and shift."""
    a = math.radians(rng.uniform(-15, 15))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    k = rng.uniform(0.55, 1.45)
    stretch = np.diag([k, 1.0]) if rng.random() < 0.5 else np.diag([1.0, k])
    mirror = np.diag([-1.0 if rng.random() < 0.5 else 1.0, 1.0])  # a mug's handle on either side
    return rng.uniform(0.7, 1.0) * rot @ stretch @ mirror, rng.uniform(-0.1, 0.1, size=2)


def _wobble(stroke: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """The stroke redrawn by a less steady hand: resampled every 0.02 and bent by a smooth offset."""
    if len(stroke) < 2 or amount == 0:
        return stroke
    seg = np.hypot(*np.diff(stroke, axis=0).T)
    t = np.concatenate([[0], np.cumsum(seg)])
    n = max(2, int(t[-1] / 0.02) + 1)
    u = np.linspace(0, t[-1], n)
    pts = np.stack([np.interp(u, t, stroke[:, 0]), np.interp(u, t, stroke[:, 1])], axis=1)
    phase, freq = rng.uniform(0, 2 * np.pi, 2), rng.uniform(4, 12)
    bend = amount * np.stack([np.sin(freq * u + phase[0]), np.cos(freq * u + phase[1])], axis=1)
    return pts + bend


def strokes_of(d: Drawing) -> tuple[list[list[tuple[float, float]]], float, int]:
    """(strokes in the unit square, stroke width, ink grey level) of a drawing: variant 0 is the
    lexicon's canonical drawing; any other is the object in proportions, pose and hand of its own:
    lines wobble a little, strokes are thin or thick, ink black or grey, so that a namer learns the gist of a shape."""
    if d.variant == 0:
        return lexicon_strokes(d.name), 0.05, 0
    rng = np.random.default_rng([d.variant, LEXICON.index(d.name)])
    raw = [np.asarray(s, float) for s in lexicon_strokes(d.name, rng)]
    kept = raw
    m, offset = _pose(rng)
    centre = np.array([0.5, 0.5])
    wobble = rng.uniform(0, MAX_WOBBLE)
    out = [[(float(x), float(y)) for x, y in np.clip(_wobble((s - centre) @ m.T + centre + offset, rng, wobble),
                                                      0.02, 0.98)] for s in kept]
    return out, float(rng.uniform(*WIDTH_RANGE)), int(rng.uniform(0, MAX_GREY))


def render(d: Drawing, size: int = 64) -> np.ndarray:
    lines, width, grey = strokes_of(d)
    canvas = Canvas(size)
    for s in lines:
        canvas.polyline(s, (grey, grey, grey), width)
    return canvas.to_array()


def to_graph(d: Drawing) -> nx.DiGraph:
    lines, *_ = strokes_of(d)
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
