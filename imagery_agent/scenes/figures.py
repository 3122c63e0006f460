"""Figures: the scene family of mental rotation.

Random polygons (Cooper 1975), letters and digits drawn from strokes (Cooper & Shepard 1973) and
3-D figures of ten cubes in arms (Shepard & Metzler 1971), each at an orientation given in whole
tens of degrees, normal or mirror-reversed. Cube figures turn in the picture plane or in depth
(about the vertical axis) and are drawn in orthographic or perspective projection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .strokes import DIGITS, LETTERS, transform
from .text import check_vocabulary, read_number, sentences

KINDS = ("polygon", "letter", "digit", "cube")
N_POLYGONS = 20
N_CUBE_FIGURES = 16
ANGLE_STEP = 10
ROTATION_LETTERS = ("F", "G", "J", "L", "P", "R")
ROTATION_DIGITS = ("2", "4", "5", "7")
"""Asymmetric characters, whose mirror image is no rotation of them (as in Cooper & Shepard)."""


@dataclass(frozen=True)
class Figure:
    kind: str                  # polygon | letter | digit | cube
    identity: str              # polygon or cube number ("1"...), or the character ("R", "5")
    angle: int = 0             # degrees clockwise (picture plane) or about the vertical axis (depth)
    mirror: bool = False       # mirror-reversed (left-right) before rotation
    axis: str = "picture"      # picture | depth (depth only for cube figures)
    projection: str = "orthographic"  # orthographic | perspective (cube figures only)

    def __post_init__(self):
        validate(self)
        if self.angle == 0:  # an unrotated figure has no axis of rotation
            object.__setattr__(self, "axis", "picture")


def validate(f: Figure) -> None:
    if f.kind not in KINDS:
        raise SceneError(f"unknown figure kind {f.kind!r}; choose from {', '.join(KINDS)}")
    if f.kind == "letter" and f.identity not in LETTERS:
        raise SceneError(f"no letter {f.identity!r}; letters are A to Z")
    if f.kind == "digit" and f.identity not in DIGITS:
        raise SceneError(f"no digit {f.identity!r}; digits are 0 to 9")
    if f.kind in ("polygon", "cube"):
        top = N_POLYGONS if f.kind == "polygon" else N_CUBE_FIGURES
        if not (f.identity.isdigit() and 1 <= int(f.identity) <= top):
            raise SceneError(f"{f.kind} number {f.identity!r} does not exist; numbers run from 1 to {top}")
    if not isinstance(f.angle, (int, np.integer)) or isinstance(f.angle, bool) or not 0 <= f.angle < 360:
        raise SceneError(f"angle must be a whole number of degrees in 0..359, got {f.angle!r}")
    if f.angle % ANGLE_STEP:
        raise SceneError(f"angle {f.angle} is not a multiple of {ANGLE_STEP} degrees")
    if f.axis not in ("picture", "depth"):
        raise SceneError(f"rotation axis must be 'picture' or 'depth', got {f.axis!r}")
    if f.kind != "cube" and (f.axis == "depth" or f.projection != "orthographic"):
        raise SceneError("only cube figures rotate in depth or are drawn in perspective")
    if f.projection not in ("orthographic", "perspective"):
        raise SceneError(f"projection must be 'orthographic' or 'perspective', got {f.projection!r}")


# --- shapes --------------------------------------------------------------------------------

def polygon_vertices(number: int) -> list[tuple[float, float]]:
    """Cooper's (1975) random polygons: 8 to 12 vertices at random radii, fixed by the number."""
    rng = np.random.default_rng(7919 * number)
    n = int(rng.integers(8, 13))
    angles = (np.arange(n) + rng.uniform(0.15, 0.85, n)) * 2 * np.pi / n  # one vertex per sector
    radii = rng.uniform(0.35, 1.0, n)
    pts = np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)
    pts -= pts.mean(0)
    pts /= np.sqrt((pts ** 2).sum(1)).max()  # inside the unit circle at any rotation
    return [tuple(p) for p in pts]


def cube_positions(number: int) -> np.ndarray:
    """A Shepard-Metzler figure: 10 cubes in 4 arms, each arm at right angles to the last, using
    all three axes (so the figure is chiral). Returns (10, 3) integer cube centres."""
    rng = np.random.default_rng(104729 * number)
    dirs = [np.array(v) for v in ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))]
    while True:
        lengths = [2, 2, 2, 2]
        lengths[int(rng.integers(4))] += 1  # 9 steps after the first cube: 10 cubes
        pos, cubes, prev = np.zeros(3, int), [np.zeros(3, int)], None
        for length in lengths:
            choices = [d for d in dirs if prev is None or abs(int(d @ prev)) == 0]
            d = choices[int(rng.integers(len(choices)))]
            for _ in range(length):
                pos = pos + d
                cubes.append(pos.copy())
            prev = d
        cubes = np.array(cubes)
        used = {int(np.argmax(np.abs(b - a))) for a, b in zip(cubes[:-1], cubes[1:])}
        if len({tuple(c) for c in cubes}) == 10 and len(used) == 3:
            return cubes


VIEW_ELEVATION, VIEW_AZIMUTH = 25.0, 35.0


def _rot_y(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])


def _rot_x(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])


def _rot_z(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])


_FACES = [((1, 0, 0), [(1, -1, -1), (1, 1, -1), (1, 1, 1), (1, -1, 1)]),
          ((-1, 0, 0), [(-1, -1, -1), (-1, -1, 1), (-1, 1, 1), (-1, 1, -1)]),
          ((0, 1, 0), [(-1, 1, -1), (-1, 1, 1), (1, 1, 1), (1, 1, -1)]),
          ((0, -1, 0), [(-1, -1, -1), (1, -1, -1), (1, -1, 1), (-1, -1, 1)]),
          ((0, 0, 1), [(-1, -1, 1), (1, -1, 1), (1, 1, 1), (-1, 1, 1)]),
          ((0, 0, -1), [(-1, -1, -1), (-1, 1, -1), (1, 1, -1), (1, -1, -1)])]


def _cube_scene(f: Figure):
    """Cube centres in view space (x right, y down, z away from the viewer) and the rotation."""
    cubes = cube_positions(int(f.identity)).astype(float)
    cubes -= cubes.mean(0)
    if f.mirror:
        cubes[:, 0] *= -1
    rot = _rot_x(VIEW_ELEVATION) @ _rot_y(VIEW_AZIMUTH)
    if f.axis == "depth":
        rot = rot @ _rot_y(f.angle)
    else:
        rot = _rot_z(f.angle) @ rot
    return cubes, rot


def _project(p: np.ndarray, perspective: bool, radius: float) -> tuple[float, float]:
    scale = 0.42 / radius
    if perspective:
        z = p[2] + 3.5 * radius
        k = 3.5 * radius / z
        return 0.5 + scale * p[0] * k, 0.5 + scale * p[1] * k
    return 0.5 + scale * p[0], 0.5 + scale * p[1]


def _cube_faces(f: Figure):
    cubes, rot = _cube_scene(f)
    occupied = {tuple(np.round(c * 2).astype(int)) for c in cubes}
    radius = float(np.sqrt((cubes ** 2).sum(1)).max()) + 0.9
    light = np.array([-0.4, -0.8, -0.45])
    light /= np.linalg.norm(light)
    faces = []
    for c in cubes:
        for normal, corners in _FACES:
            n = np.array(normal, float)
            if tuple(np.round((c + n) * 2).astype(int)) in occupied:
                continue  # hidden between two cubes
            world = [rot @ (c + 0.5 * np.array(k, float)) for k in corners]
            nv = rot @ n
            if nv[2] >= 0 and f.projection == "orthographic":
                continue  # faces away from the viewer
            centre = np.mean(world, 0)
            if f.projection == "perspective" and nv @ (centre + np.array([0, 0, 3.5 * radius])) >= 0:
                continue
            shade = 0.45 + 0.55 * max(0.0, float(-(nv @ light)))
            pts = [_project(w, f.projection == "perspective", radius) for w in world]
            faces.append((float(centre[2]), pts, shade))
    faces.sort(key=lambda t: -t[0])  # far faces first
    return faces, cubes, rot, radius


def frame(f: Figure) -> tuple[int, bool]:
    """(angle, mirrored) of the 2-D reference frame the figure is drawn in: its turn in the
    picture plane and, for flat figures, its left-right mirroring. A turn in depth and a mirrored
    cube figure are not 2-D transformations of the picture, so they leave the frame alone."""
    return (f.angle if f.axis == "picture" else 0), (f.mirror and f.kind != "cube")


def strokes_of(f: Figure) -> dict[str, list[tuple[float, float]]]:
    """The figure's named strokes in image coordinates (2-D figures only)."""
    if f.kind == "polygon":
        v = polygon_vertices(int(f.identity))
        pts = [(0.5 + 0.4 * x, 0.5 + 0.4 * y) for x, y in v]
        base = {f"side {i + 1}": [pts[i], pts[(i + 1) % len(pts)]] for i in range(len(pts))}
    else:
        glyph = (LETTERS if f.kind == "letter" else DIGITS)[f.identity]
        base = transform(glyph, scale=0.72)
    return transform(base, angle=f.angle, mirror=f.mirror)


STROKE_WIDTH = 0.06


def render(f: Figure, size: int = 64) -> np.ndarray:
    canvas = Canvas(size)
    if f.kind == "cube":
        faces, *_ = _cube_faces(f)
        for _, pts, shade in faces:
            g = int(70 + 170 * shade)
            canvas.polygon(pts, (g, g, g), outline=(0, 0, 0), width=0.012)
    else:
        for s in strokes_of(f).values():
            canvas.polyline(s, (0, 0, 0), STROKE_WIDTH)
    return canvas.to_array()


def to_graph(f: Figure) -> nx.DiGraph:
    """Parts of the figure (strokes, polygon sides or cubes) and how they stand to each other."""
    if f.kind != "cube":
        objs = [GraphObject(name, float(np.mean([p[0] for p in s])), float(np.mean([p[1] for p in s])),
                            {"kind": "stroke"}, [s]) for name, s in strokes_of(f).items()]
        return relation_graph(objs, family="figures", figure=f)
    cubes, rot = _cube_scene(f)
    radius = float(np.sqrt((cubes ** 2).sum(1)).max()) + 0.9
    objs = []
    for i, c in enumerate(cubes):
        x, y = _project(rot @ c, f.projection == "perspective", radius)
        objs.append(GraphObject(f"cube {i + 1}", x, y, {"kind": "cube", "depth": float((rot @ c)[2])}))
    g = relation_graph(objs, family="figures", figure=f)
    for i, a in enumerate(cubes):
        for j, b in enumerate(cubes):
            if i != j and np.isclose(np.abs(a - b).sum(), 1):  # face-adjacent cubes touch
                e = g.edges[f"cube {i + 1}", f"cube {j + 1}"]
                e["touching"] = True
                e["relations"].add("touching")
    return g


# --- verbal code ---------------------------------------------------------------------------

_NAMES = {
    "letter": ("the letter {i}", "a capital {i}", "an upper-case {i}"),
    "digit": ("the digit {i}", "the number {i}"),
    "polygon": ("polygon number {i}", "random polygon {i}", "the polygon with number {i}"),
    "cube": ("cube figure {i}", "shepard-metzler figure {i}", "the block figure with number {i}"),
}
_MIRROR = ("mirror-reversed", "as a mirror image", "in mirror-image form")
_NORMAL = ("in its normal form", "not mirrored", "")
_UPRIGHT = ("upright", "in its standard orientation", "not rotated")
_PROJ = {"perspective": ("drawn in perspective", "seen in perspective"),
         "orthographic": ("in orthographic projection", "drawn without perspective", "")}


def describe(f: Figure, rng: np.random.Generator | None = None) -> str:
    rng = rng if rng is not None else np.random.default_rng(0)
    pick = lambda opts: opts[int(rng.integers(len(opts)))]  # noqa: E731
    name = pick(_NAMES[f.kind]).format(i=f.identity)
    parts = [name]
    if f.angle == 0:
        parts.append(pick(_UPRIGHT))
    elif f.axis == "depth":
        parts.append(pick(("rotated {a} degrees in depth", "turned {a} degrees about its vertical axis")).format(a=f.angle))
    else:
        cw = f.angle if rng.random() < 0.6 else None
        if cw is not None:
            parts.append(pick(("rotated {a} degrees clockwise", "turned {a} degrees to the right")).format(a=cw))
        else:
            parts.append(pick(("rotated {a} degrees counterclockwise", "turned {a} degrees to the left")).format(
                a=360 - f.angle))
    parts.append(pick(_MIRROR) if f.mirror else pick(_NORMAL))
    if f.kind == "cube":
        parts.append(pick(_PROJ[f.projection]))
    parts = [p for p in parts if p]
    head, rest = parts[0], parts[1:]
    order = rng.permutation(len(rest))
    text = ", ".join([head] + [rest[i] for i in order])
    return text[0].upper() + text[1:] + "."


_WORDS = {w for group in (_NAMES, _PROJ) for opts in group.values() for o in opts for w in o.split()}
_WORDS |= {w for o in _MIRROR + _NORMAL + _UPRIGHT for w in o.split()}
_WORDS |= {"rotated", "turned", "degrees", "clockwise", "counterclockwise", "to", "the", "right", "left",
           "in", "depth", "about", "its", "vertical", "axis", "{i}", "{a}"}
VOCABULARY = (_WORDS - {"{i}", "{a}"}) | {c.lower() for c in LETTERS}


def vocabulary() -> set[str]:
    return set(VOCABULARY)


def parse(text: str) -> Figure:
    sents = sentences(text, "figures")
    if len(sents) != 1:
        raise ParseError(f"figures: a figure is described in one sentence, got {len(sents)}")
    toks = [t for t in sents[0] if t != ","]
    phrase = " ".join(toks)
    check_vocabulary(toks, VOCABULARY, "figures")
    kind = identity = None

    def after(word):
        i = toks.index(word)
        if i + 1 >= len(toks):
            raise ParseError(f"figures: nothing follows {word!r} in {phrase!r}")
        return toks[i + 1]

    def claim(k, ident):
        nonlocal kind, identity
        if kind is not None and (kind, identity) != (k, ident):
            raise ParseError(f"figures: contradiction: {phrase!r} names two figures")
        kind, identity = k, ident

    for cue in ("letter", "capital", "upper-case"):
        if cue in toks:
            c = after(cue)
            if len(c) != 1 or not c.isalpha():
                raise ParseError(f"figures: {c!r} after {cue!r} is not a letter")
            claim("letter", c.upper())
    if "digit" in toks or ("number" in toks and "polygon" not in toks and "figure" not in toks):
        c = after("digit" if "digit" in toks else "number")
        if len(c) != 1 or not c.isdigit():
            raise ParseError(f"figures: {c!r} is not a digit")
        claim("digit", c)
    for cue, k in (("polygon", "polygon"), ("figure", "cube")):
        if cue in toks:
            i = toks.index(cue) + 1
            while i < len(toks) and toks[i] in ("number", "with"):
                i += 1
            if i >= len(toks) or not toks[i].isdigit():
                raise ParseError(f"figures: {cue!r} must be followed by its number in {phrase!r}")
            claim(k, toks[i])
    if kind is None:
        raise ParseError(f"figures: {phrase!r} names no letter, digit, polygon or cube figure")

    angles = []
    for i, t in enumerate(toks):
        if t == "degrees":
            if i == 0 or not toks[i - 1].isdigit():
                raise ParseError(f"figures: 'degrees' without a number in {phrase!r}")
            a = read_number(toks[i - 1], phrase)
            tail = toks[i + 1: i + 4]
            if tail[:1] == ["clockwise"] or tail[:2] == ["to", "right"] or tail[:3] == ["to", "the", "right"]:
                angles.append((a, "picture"))
            elif tail[:1] == ["counterclockwise"] or tail[:3] == ["to", "the", "left"]:
                angles.append((-a, "picture"))
            elif tail[:2] == ["in", "depth"] or tail[:3] == ["about", "its", "vertical"]:
                angles.append((a, "depth"))
            else:
                raise ParseError(f"figures: the rotation in {phrase!r} has no direction "
                                 "(clockwise, counterclockwise, to the left/right, in depth)")
    upright = "upright" in toks or "standard" in toks or ("not" in toks and "rotated" in toks and not angles)
    if len(angles) > 1 or (angles and upright):
        raise ParseError(f"figures: contradiction: {phrase!r} gives more than one orientation")
    angle, axis = (angles[0] if angles else (0, "picture"))
    if not 0 <= abs(angle) <= 360:
        raise ParseError(f"figures: the angle {abs(angle)} in {phrase!r} is out of range (0 to 360 degrees)")
    angle %= 360
    mirrored = "mirror-reversed" in toks or "mirror" in toks or "mirror-image" in toks
    normal = "normal" in toks or "mirrored" in toks
    if mirrored and normal:
        raise ParseError(f"figures: contradiction: {phrase!r} is both mirrored and not mirrored")
    perspective = "perspective" in toks and "without" not in toks
    if "perspective" in toks and ("orthographic" in toks):
        raise ParseError(f"figures: contradiction: {phrase!r} asks for two projections")
    try:
        return Figure(kind, identity, int(angle), mirrored, axis, "perspective" if perspective else "orthographic")
    except SceneError as e:
        raise ParseError(f"figures: {e}") from None


# --- sampling ------------------------------------------------------------------------------

def identities(kind: str) -> tuple[str, ...]:
    return {"letter": ROTATION_LETTERS, "digit": ROTATION_DIGITS,
            "polygon": tuple(str(i) for i in range(1, N_POLYGONS + 1)),
            "cube": tuple(str(i) for i in range(1, N_CUBE_FIGURES + 1))}[kind]


def sample(rng: np.random.Generator, kinds=KINDS) -> Figure:
    kind = kinds[int(rng.integers(len(kinds)))]
    ident = identities(kind)[int(rng.integers(len(identities(kind))))]
    angle = int(rng.integers(0, 360 // ANGLE_STEP)) * ANGLE_STEP
    axis = "depth" if kind == "cube" and rng.random() < 0.5 else "picture"
    proj = "perspective" if kind == "cube" and rng.random() < 0.5 else "orthographic"
    return Figure(kind, ident, angle, bool(rng.random() < 0.5), axis, proj)


def combinations(f: Figure) -> set:
    """(figure, quarter of the circle) atoms; each figure is held out in one quarter."""
    return {(f.kind, f.identity, f.angle // 90)}


HELDOUT = frozenset((k, ident, i % 4) for k in KINDS for i, ident in enumerate(identities(k)))


IDENTITIES = tuple((k, i) for k in KINDS for i in identities(k))
"""Every figure a model of this family learns, in a fixed order (its grounding classes)."""


def grounding_targets(f: Figure) -> list:
    """A figure is one sentence: every token learns the whole figure (identity, angle, mirror,
    axis, projection)."""
    return [(None, (IDENTITIES.index((f.kind, f.identity)), f.angle // ANGLE_STEP, int(f.mirror),
                    int(f.axis == "depth"), int(f.projection == "perspective")))]


FAMILY = register_family(SceneFamily(
    name="figures", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=vocabulary, atoms=combinations, heldout_atom=HELDOUT.__contains__,
    score_image=lazy("imagery_agent.metrics.figures:score_figure"),
    summarise_scores=lazy("imagery_agent.metrics.figures:summarise"),
    grounding_classes=(len(IDENTITIES), 360 // ANGLE_STEP, 2, 2, 2), grounding_targets=grounding_targets,
    backgrounds=((255, 255, 255),), frame=frame,
))
