"""Figures: the scene family of mental rotation.

Random polygons (Cooper 1975), letters and digits drawn from strokes (Cooper & Shepard 1973) and
3-D figures of ten cubes in arms (Shepard & Metzler 1971), each at an orientation given in whole
tens of degrees, normal or mirror-reversed. Cube figures turn in the picture plane or in depth
(about the vertical axis) and are drawn in orthographic or perspective projection.

The parser reads the describer's wording and the English people write: 'an R, turned 90 degrees
anticlockwise and reflected', 'polygon #7 spun a quarter turn clockwise', 'a mirror image of the
digit 5', 'Take the letter R. Rotate it 90° to the right.' A turn with no direction is read only
where direction makes no difference (0 or 180 degrees); an upside-down flip, a mirror ordered
after a turn and a word it does not know are refused by name.
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
from .text import (NUMBER_READING, ORDINALS, ROTATION_VERBS, TURN_RULES, alternatives, check_read, check_vocabulary,
                   join_numbers, phrase_of, rewrite, rule, sentences, words_in)

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


def cube_pose(angle: float, axis: str = "picture") -> np.ndarray:
    """The rotation from a cube figure's own axes to view space (x right, y down, z away from the
    viewer): the standard view, turned `angle` degrees in the picture plane or about the vertical
    axis (depth)."""
    rot = _rot_x(VIEW_ELEVATION) @ _rot_y(VIEW_AZIMUTH)
    return rot @ _rot_y(angle) if axis == "depth" else _rot_z(angle) @ rot


def cube_centres(number: int, mirror: bool = False) -> np.ndarray:
    """A cube figure's cube centres about their mean, mirror-reversed (x negated) if asked."""
    cubes = cube_positions(number).astype(float)
    cubes -= cubes.mean(0)
    if mirror:
        cubes[:, 0] *= -1
    return cubes


def _cube_scene(f: Figure):
    """Cube centres (the figure's own axes) and the rotation to view space."""
    return cube_centres(int(f.identity), f.mirror), cube_pose(f.angle, f.axis)


def _project(p: np.ndarray, perspective: bool, radius: float) -> tuple[float, float]:
    scale = 0.42 / radius
    if perspective:
        z = p[2] + 3.5 * radius
        k = 3.5 * radius / z
        return 0.5 + scale * p[0] * k, 0.5 + scale * p[1] * k
    return 0.5 + scale * p[0], 0.5 + scale * p[1]


def _cube_faces(f: Figure):
    cubes, rot = _cube_scene(f)
    return cube_faces(cubes, rot, f.projection)


def cube_faces(cubes: np.ndarray, rot: np.ndarray, projection: str = "orthographic"):
    """The visible faces of cubes centred at `cubes` (n x 3, about their mean) seen through `rot`:
    (depth, projected corners, shade), far faces first."""
    cubes = np.asarray(cubes, float)
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
            if nv[2] >= 0 and projection == "orthographic":
                continue  # faces away from the viewer
            centre = np.mean(world, 0)
            if projection == "perspective" and nv @ (centre + np.array([0, 0, 3.5 * radius])) >= 0:
                continue
            shade = 0.45 + 0.55 * max(0.0, float(-(nv @ light)))
            pts = [_project(w, projection == "perspective", radius) for w in world]
            faces.append((float(centre[2]), pts, shade))
    faces.sort(key=lambda t: -t[0])  # far faces first
    return faces, cubes, rot, radius


def render_cubes(cubes: np.ndarray, rot: np.ndarray, projection: str = "orthographic", size: int = 64) -> np.ndarray:
    """A picture of cubes (centred at `cubes`, about their mean) seen through `rot`: the cube
    figures' renderer, also used by the 3-D buffer to project a model it holds."""
    canvas = Canvas(size)
    faces, *_ = cube_faces(cubes, rot, projection)
    for _, pts, shade in faces:
        g = int(70 + 170 * shade)
        canvas.polygon(pts, (g, g, g), outline=(0, 0, 0), width=0.012)
    return canvas.to_array()


def frame(f: Figure) -> tuple[int, bool]:
    """(angle, mirrored) of the 2-D reference frame the figure is drawn in: its turn in the
    picture plane and, for flat figures, its left-right mirroring. A turn in depth and a mirrored
    cube figure are not 2-D transformations of the picture, so they leave the frame alone."""
    return (f.angle if f.axis == "picture" else 0), (f.mirror and f.kind != "cube")


def frame_text(f: Figure) -> str:
    """The words of the figure's turn and form alone, its name left out ('Turned 70 degrees to the
    right, mirror-reversed.'): what the text encoder's frame head reads. Each figure is held out in
    one quarter of the circle, so with its name in view the head learnt 'F' beside its training
    angles and read an F or P turned 10-70 degrees right as turned left (held-out letters 0.91);
    without the name it reads the frame of every split right (1.00)."""
    _, rest = describe(f, np.random.default_rng(0)).split(", ", 1)
    return rest[0].upper() + rest[1:]


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
    if f.kind == "cube":
        cubes, rot = _cube_scene(f)
        return render_cubes(cubes, rot, f.projection, size)
    canvas = Canvas(size)
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


# --- reading hand-written descriptions -----------------------------------------------------
#
# Phrase rules bring the figure's name to '@fig:KIND:ID', its turn to '@deg:N' with '@cw' /
# '@ccw' or '@depth', and its form to '@mirror' / '@normal', '@upright', '@persp' / '@ortho'.
# A figure is one sentence or several ('Take the letter R. Rotate it 90 degrees clockwise.').
# A mirror image is mirror-reversed first and then turned; a text that orders a mirror after a
# turn ('rotate it, then mirror it') is refused unless the order makes no difference, and so is
# 'upside down' (turned 180 degrees, or flipped top to bottom?).

_FRAME = r"(?:the |a |an )?"
_NUMBER_CUE = r"(?: (?:with|having) (?:the )?(?:number|label|id))?(?: number| no| num)?"
_CUBE = r"(?:cube|block|shepard-metzler|shepard metzler)"
_RULES = [
    # the form: vertical flips are refused, then upright (before 'normal orientation'), normal, mirror
    rule(r"(?:flipped|mirrored|reflected|turned) (?:vertically|upside down|upside-down|(?:from )?top to bottom)"
         r"|upside down|upside-down", "@vflip"),
    rule(r"upright|unrotated|not (?:rotated|turned|tilted)|(?:with )?no rotation|without (?:any )?rotation"
         r"|in (?:its|the) (?:standard|normal|usual|original|regular|upright) (?:orientation|position)"
         r"|(?:the )?right (?:way|side) up", "@upright"),
    rule(r"not (?:mirrored|mirror-reversed|reversed|reflected|flipped|mirror-imaged)|unmirrored|non-mirrored"
         r"|unreversed|not (?:as |in )?(?:a )?mirror(?:-| )image(?: form)?"
         r"|(?:in )?(?:its |the )?(?:normal|original|usual|standard|regular|true) (?:form|version|shape)"
         r"|(?:the )?(?:right|correct) way round|normal", "@normal"),
    rule(r"(?:in |as )?(?:a |the )?mirror(?:-| )image(?: form| version)?(?: of)?|mirror-reversed|mirror reversed"
         r"|mirror-imaged|left-right (?:reversed|mirrored)|backwards|backward"
         r"|(?:mirrored|reflected|reversed|flipped)(?: (?:horizontally|sideways|(?:from )?left to right|left-right"
         r"|left-to-right|about (?:its|the) vertical axis))?", "@mirror"),
    rule(r"(?:mirror|reflect|flip)(?= it | the | @| , | and | then | $)", "@mirror @imperative"),
    rule(r"(?:version|copy|rotation|picture|drawing|image) of", ""),
    # the projection ('without perspective' before 'perspective')
    rule(r"(?:(?:drawn|seen|shown|viewed|rendered|depicted|displayed) )?(?:(?:in|with) (?:an )?)?"
         r"(?:orthographic|orthogonal|parallel) (?:projection|view)|orthographic"
         r"|(?:(?:drawn|seen|shown|viewed|rendered|depicted|displayed) )?(?:without|with no) perspective"
         r"|not in perspective", "@ortho"),
    rule(r"(?:(?:drawn|seen|shown|viewed|rendered|depicted|displayed) )?(?:in |with )?(?:a )?perspective"
         r"(?: projection| view| drawing)?", "@persp"),
    # the turn
    *TURN_RULES,
    rule(r"in depth|in 3 d|in three dimensions|(?:about|around) (?:its |the )?(?:vertical|y|up-down)(?:-| )axis"
         r"|out of the (?:picture|image) plane", "@depth"),
    rule(r"in the (?:picture|image|drawing) plane|in the plane of the (?:picture|image|page|drawing)", ""),
    rule(r"(?:rotation|turn) (@depth) of", r"\1"),
    # the figure
    rule(_FRAME + r"(?:random )?polygon" + _NUMBER_CUE + r" (\d+)", r"@fig:polygon:\1"),
    rule(_FRAME + rf"({alternatives(ORDINALS)}) (?:random )?polygon", lambda m: f"@fig:polygon:{ORDINALS[m.group(1)]}"),
    rule(_FRAME + rf"(?:{_CUBE}(?:-| ))?figure" + _NUMBER_CUE + r" (\d+)", r"@fig:cube:\1"),
    rule(_FRAME + rf"{_CUBE} (?:structure|object|shape|arrangement|model)" + _NUMBER_CUE + r" (\d+)", r"@fig:cube:\1"),
    rule(_FRAME + r"(?:digit|number|numeral)(?: number)? (\d+)", r"@fig:digit:\1"),
    rule(_FRAME + r"(?:capital|upper-case|uppercase|upper case|block)(?: letter| character)? ([a-z])",
         r"@fig:letter:\1"),
    rule(_FRAME + r"(?:letter|character) ([a-z])", r"@fig:letter:\1"),
    rule(r"(?:an?|the) ([a-z])", r"@fig:letter:\1"),
    rule(r"([b-hj-z])", r"@fig:letter:\1"),
    rule(r"(\d)", r"@fig:digit:\1"),  # 'a mirror-image 7': a digit no unit claims
]
_SEQUENCE = {"then", "next", "afterwards", "after", "finally", "subsequently"}
_FILLERS = {
    "the", "a", "an", "is", "are", "it", "its", "this", "that", "which", "here", "there", "we", "you", "i",
    "see", "show", "shows", "shown", "showing", "me", "us", "has", "have", "been", "be", "was", "and", "also",
    "drawn", "displayed", "depicted", "presented", "appears", "appearing", "as", "by", "through", "now",
    "first", "please", "let", "look", "at", "in", "take", "imagine", "picture", "consider", "given", "so", "'s",
} | _SEQUENCE
READ_WORDS = VOCABULARY | _FILLERS | ROTATION_VERBS | words_in(_RULES) | NUMBER_READING


def _read(text: str) -> tuple[list[str], str]:
    """The text's tokens after the phrase rules (sentences joined by '.'), and the text as read."""
    sents = sentences(text, "figures")
    check_vocabulary([t for s in sents for t in s], READ_WORDS, "figures")
    toks, phrases = [], []
    for raw in sents:
        toks += rewrite([t for t in join_numbers(raw) if t not in "()"], _RULES) + ["."]
        phrases.append(phrase_of(raw))
    return toks, ". ".join(phrases)


def _marks(toks: list[str], kind: str) -> list[str]:
    return [t.partition(":")[2] for t in toks if t == f"@{kind}" or t.startswith(f"@{kind}:")]


def _figure_name(toks: list[str], phrase: str) -> tuple[str, str]:
    names = list(dict.fromkeys(_marks(toks, "fig")))
    if not names:
        raise ParseError(f"figures: {phrase!r} names no letter, digit, polygon or cube figure")
    if len(names) > 1:
        raise ParseError(f"figures: contradiction: {phrase!r} names two figures")
    kind, _, ident = names[0].partition(":")
    if kind == "digit" and len(ident) != 1:
        raise ParseError(f"figures: {ident!r} is not a digit")
    return kind, ident.upper()


def _turn(toks: list[str], phrase: str) -> tuple[int, str]:
    """(angle clockwise, axis) from the '@deg', '@cw', '@ccw', '@depth' and '@upright' marks."""
    degs = [int(v) for v in _marks(toks, "deg")]
    dirs = set(t for t in toks if t in ("@cw", "@ccw"))
    depth, upright = "@depth" in toks, "@upright" in toks
    if len(degs) > 1 or len(dirs) > 1 or (upright and any(degs)):
        raise ParseError(f"figures: contradiction: {phrase!r} gives more than one orientation")
    if not degs:
        if dirs or depth:
            raise ParseError(f"figures: {phrase!r} turns the figure but does not say by how many degrees")
        return 0, "picture"
    a = degs[0]
    if a > 360:
        raise ParseError(f"figures: the angle {a} in {phrase!r} is out of range (0 to 360 degrees)")
    if depth:
        if dirs:
            raise ParseError(f"figures: {phrase!r} turns the figure in depth and clockwise or counterclockwise; "
                             "a turn in depth has no such direction")
        return a % 360, "depth"
    if not dirs and a % 180:
        raise ParseError(f"figures: the rotation in {phrase!r} has no direction "
                         "(clockwise, counterclockwise, to the left/right, in depth)")
    return (-a if "@ccw" in dirs else a) % 360, "picture"


def _mirror_after_turn(toks: list[str]) -> bool:
    """Whether the text orders a mirror after a turn ('rotate it ..., then mirror it')."""
    turns = [i for i, t in enumerate(toks) if t.startswith("@deg:")]
    mirrors = [i for i, t in enumerate(toks) if t == "@mirror"]
    return any(m > r and ("@imperative" in toks[m:m + 2] or _SEQUENCE & set(toks[r:m]))
               for r in turns for m in mirrors)


def parse(text: str) -> Figure:
    toks, phrase = _read(text)
    kind, identity = _figure_name(toks, phrase)
    if "@vflip" in toks:
        raise ParseError(f"figures: {phrase!r} turns the figure upside down, which may mean rotated 180 degrees or "
                         "flipped top to bottom (its mirror image rotated 180 degrees): say 'rotated 180 degrees' "
                         "or 'mirror-reversed, rotated 180 degrees'")
    angle, axis = _turn(toks, phrase)
    mirrored, normal = "@mirror" in toks, "@normal" in toks
    if mirrored and normal:
        raise ParseError(f"figures: contradiction: {phrase!r} is both mirrored and not mirrored")
    if mirrored and angle % 180 and _mirror_after_turn(toks):
        raise ParseError(f"figures: {phrase!r} mirrors the figure after turning it; a figure here is "
                         "mirror-reversed first and then turned: say 'mirror-reversed, rotated N degrees ...'")
    if "@persp" in toks and "@ortho" in toks:
        raise ParseError(f"figures: contradiction: {phrase!r} asks for two projections")
    turned = any(t.startswith("@deg:") for t in toks) or "@upright" in toks
    check_read(toks, _FILLERS | ({"."} | ROTATION_VERBS if turned else {"."}), "figures", phrase)
    try:
        return Figure(kind, identity, int(angle), mirrored, axis, "perspective" if "@persp" in toks else "orthographic")
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
    backgrounds=((255, 255, 255),), frame=frame, frame_text=frame_text,
))
