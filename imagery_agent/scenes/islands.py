"""Islands: the scene family of the mental-scanning paradigm (Kosslyn, Ball & Reiser 1978).

A map is a set of named landmarks on a 16 x 16 grid (columns from the left, rows from the top).
The island's coastline is drawn around the landmarks, so the words fix the whole picture: a
description states every landmark's column and row, which redraws the map to within half a
cell (1/32 of its width).

The parser reads the describer's controlled English and the English people write: ordinary
punctuation, any order of clauses, words of place ('is located', 'you will find', 'lies'),
ordinals ('the third column'), '3 across and 2 down', pronouns ('There is a well. It is at ...')
and several landmarks in one sentence. Coordinates in parentheses, '(5, 9)', are (column, row):
the usual (x, y) order. A bare pair ('at 5, 9'), counting from the right or the bottom, a word it
does not know and a relation to another landmark ('left of the hut') are refused by name.
"""
from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from .drawing import Canvas
from .errors import ParseError, SceneError
from .family import SceneFamily, lazy, register_family
from .graph import GraphObject, relation_graph
from .text import (NUMBER_READING, NUMBER_WORDS, ORDINALS, alternatives, article, check_read, check_vocabulary,
                   coordinate_pairs, join_numbers, phrase_of, rewrite, rule, sentences)

GRID = 16
MIN_POS, MAX_POS = 1, GRID - 2
"""Landmarks stand on cells 1..14: the outer ring of cells is the sea around the island."""

WATER = (70, 130, 200)
LAND = (226, 206, 150)

LANDMARK_COLOURS: dict[str, tuple[int, int, int]] = {
    "hut": (150, 75, 20), "tree": (0, 110, 0), "rock": (75, 75, 75), "well": (0, 210, 210),
    "lake": (20, 30, 160), "sand": (245, 140, 0), "grass": (120, 235, 40), "cave": (0, 0, 0),
    "tower": (220, 0, 0), "bridge": (150, 0, 170), "church": (255, 255, 255), "boat": (255, 110, 190),
    "mine": (125, 125, 0), "dock": (0, 120, 120), "flag": (250, 240, 0), "beacon": (90, 150, 255),
}
LANDMARKS = tuple(LANDMARK_COLOURS)
LOOKS: dict[str, str] = {
    "brown": "hut", "green": "tree", "dark green": "tree", "grey": "rock", "gray": "rock", "cyan": "well",
    "turquoise": "well", "blue": "lake", "dark blue": "lake", "navy": "lake", "orange": "sand",
    "light green": "grass", "lime": "grass", "black": "cave", "red": "tower", "purple": "bridge",
    "violet": "bridge", "white": "church", "pink": "boat", "olive": "mine", "teal": "dock", "yellow": "flag",
    "light blue": "beacon", "sky blue": "beacon",
}
"""What a landmark may look like: a colour word, and the trained landmark drawn in that colour.
A backbone draws a user's own landmark (a castle) as the trained landmark that looks like it."""
LOOK_OF = {name: next(w for w, n in LOOKS.items() if n == name) for name in LANDMARKS}
"""Each trained landmark's own look, by its first colour word ('hut' -> 'brown')."""
KOSSLYN_LANDMARKS = ("hut", "tree", "rock", "well", "lake", "sand", "grass")

FILLER = {
    "the", "a", "an", "is", "at", "stands", "lies", "sits", "there", "in", "you", "find", "column",
    "columns", "row", "rows", "steps", "from", "left", "top", "edge", "and", "down", "across",
    "this", "island", "has", "landmarks", "landmark", "on", "are", "map", "of", "with", "placed",
    "can", "be", "found",
}
_NAME = re.compile(r"^[a-z]+$")


@dataclass(frozen=True, order=True)
class Landmark:
    name: str
    x: int  # column, 0 = left
    y: int  # row, 0 = top
    look: str = ""  # a colour word of LOOKS; "" = the look of its kind (a hut looks brown)

    @property
    def centre(self) -> tuple[float, float]:
        """Position as a fraction of the image width."""
        return ((self.x + 0.5) / GRID, (self.y + 0.5) / GRID)

    @property
    def drawn_as(self) -> str:
        """The trained landmark whose colour this one has."""
        return LOOKS[self.look] if self.look else self.name

    @property
    def colour(self) -> tuple[int, int, int]:
        return LANDMARK_COLOURS[self.drawn_as]


@dataclass(frozen=True)
class IslandMap:
    """A map: landmarks kept sorted by name, so two maps with the same content are equal."""

    landmarks: tuple[Landmark, ...]

    def __post_init__(self):
        object.__setattr__(self, "landmarks", tuple(sorted(_with_looks(self.landmarks))))
        validate(self)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(lm.name for lm in self.landmarks)

    def landmark(self, name: str) -> Landmark:
        for lm in self.landmarks:
            if lm.name == name:
                return lm
        raise SceneError(f"no landmark {name!r} on this map; it has {', '.join(self.names)}")

    def distance(self, a: str, b: str) -> float:
        """True distance in grid cells (for analysis; agents never call this)."""
        la, lb = self.landmark(a), self.landmark(b)
        return math.hypot(la.x - lb.x, la.y - lb.y)

    def to_json(self) -> dict:
        return {"landmarks": {lm.name: {"at": [lm.x, lm.y], "colour": lm.look} if lm.look else [lm.x, lm.y]
                              for lm in self.landmarks}}


def _with_looks(landmarks) -> list[Landmark]:
    """A landmark of a name never trained gets a look, so that it can be drawn and recognised:
    the one stated, or else the first colour no other landmark of the map has (in a fixed order,
    so the same map always looks the same)."""
    landmarks = list(landmarks)
    for lm in landmarks:
        if lm.look and lm.look not in LOOKS:
            raise SceneError(f"the {lm.name}'s colour {lm.look!r} is not one of {', '.join(LOOKS)}")
    taken = {lm.drawn_as for lm in landmarks if lm.look or (isinstance(lm.name, str) and lm.name in LANDMARK_COLOURS)}
    out = []
    for lm in sorted(landmarks, key=lambda lm: str(lm.name)):
        if not lm.look and lm.name not in LANDMARK_COLOURS:
            free = [n for n in LANDMARKS if n not in taken]
            if not free:
                raise SceneError(f"the {lm.name} cannot be given a colour of its own: a map has at most "
                                 f"{len(LANDMARKS)} landmarks that look different")
            taken.add(free[0])
            lm = Landmark(lm.name, lm.x, lm.y, LOOK_OF[free[0]])
        out.append(lm)
    return out


def validate(scene: IslandMap) -> None:
    if not scene.landmarks:
        raise SceneError("an island map needs at least one landmark")
    seen: dict[str, Landmark] = {}
    cells: dict[tuple[int, int], str] = {}
    for lm in scene.landmarks:
        if not isinstance(lm.name, str) or not _NAME.match(lm.name) or lm.name in RESERVED:
            raise SceneError(f"landmark name {lm.name!r} must be one lower-case word that is not a filler word "
                             "(a word the parser reads, such as 'column' or 'the')")
        for v, axis in ((lm.x, "column"), (lm.y, "row")):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise SceneError(f"the {lm.name}'s {axis} must be a whole number, got {v!r}")
            if not MIN_POS <= v <= MAX_POS:
                raise SceneError(f"the {lm.name} is at {axis} {v}, outside the island ({MIN_POS} to {MAX_POS})")
        if lm.look and lm.look not in LOOKS:
            raise SceneError(f"the {lm.name}'s colour {lm.look!r} is not one of {', '.join(LOOKS)}")
        if lm.name in seen:
            raise SceneError(f"the {lm.name} is placed twice")
        twin = next((o for o in seen.values() if o.drawn_as == lm.drawn_as), None)
        if twin is not None:
            raise SceneError(f"the {twin.name} and the {lm.name} would look alike ({LOOK_OF[lm.drawn_as]}): "
                             "landmarks are told apart by their colour, so give one of them another")
        if (lm.x, lm.y) in cells:
            raise SceneError(f"the {lm.name} and the {cells[(lm.x, lm.y)]} are both at column {lm.x}, row {lm.y}")
        seen[lm.name] = lm
        cells[(lm.x, lm.y)] = lm.name


def kosslyn_map() -> IslandMap:
    """Seven landmarks (as in Kosslyn, Ball & Reiser 1978) whose 21 distances are all distinct."""
    pos = {"tree": (3, 2), "hut": (8, 2), "rock": (11, 2), "grass": (2, 6), "well": (5, 7),
           "lake": (11, 9), "sand": (13, 11)}
    return IslandMap(tuple(Landmark(n, x, y) for n, (x, y) in pos.items()))


def load_map(source: str | Path | dict) -> IslandMap:
    """A user map from a JSON file or dict: {"landmarks": {"castle": [column, row], ...}}, or with
    a landmark's look, {"castle": {"at": [column, row], "colour": "red"}} (colours: LOOKS; a name
    without one gets a colour no other landmark has). Whatever is wrong with the file is one line
    (a SceneError), never a traceback."""
    where = "map"
    if not isinstance(source, dict):
        where = str(source)
        source = _read_map_file(Path(source))
    marks = source.get("landmarks") if isinstance(source, dict) else None
    if not isinstance(marks, dict) or not marks:
        raise SceneError(f"{where}: expected {{\"landmarks\": {{\"name\": [column, row], ...}}}}")
    out = []
    for name, value in marks.items():
        xy, look = value, ""
        if isinstance(value, dict):
            unknown = set(value) - {"at", "colour", "color"}
            if unknown or "at" not in value:
                raise SceneError(f"{where}: landmark {name!r} takes {{\"at\": [column, row], \"colour\": ...}}, "
                                 f"got {value!r}")
            xy, look = value["at"], value.get("colour", value.get("color", ""))
            if not isinstance(look, str) or look.lower() not in LOOKS:
                raise SceneError(f"{where}: landmark {name!r} has colour {look!r}; colours are {', '.join(LOOKS)}")
        if not (isinstance(xy, (list, tuple)) and len(xy) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in xy)):
            raise SceneError(f"{where}: landmark {name!r} needs [column, row] as two whole numbers, got {xy!r}")
        out.append(Landmark(str(name).lower(), xy[0], xy[1], look.lower()))
    try:
        return IslandMap(tuple(out))
    except SceneError as e:
        raise SceneError(f"{where}: {e}") from None


def _unique_keys(pairs: list) -> dict:
    """json.loads hook: a key given twice would silently keep the last value; refuse it instead."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise SceneError(f"the key {key!r} appears twice")
        out[key] = value
    return out


def _read_map_file(path: Path) -> dict:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SceneError(f"map file {where} does not exist") from None
    except IsADirectoryError:
        raise SceneError(f"map file {where} is a directory, not a JSON file") from None
    except UnicodeDecodeError as e:
        raise SceneError(f"map file {where} is not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise SceneError(f"map file {where} cannot be read: {e.strerror or e}") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise SceneError(f"map file {where} is not valid JSON: {e}") from None
    except SceneError as e:
        raise SceneError(f"map file {where}: {e}") from None


def colour_of(name: str) -> tuple[int, int, int]:
    """The colour of a trained landmark (a user's own landmark has the colour of its look:
    `Landmark.colour`, `looks(scene)`)."""
    if name not in LANDMARK_COLOURS:
        raise SceneError(f"{name!r} is no trained landmark; its colour comes from its map (looks(scene))")
    return LANDMARK_COLOURS[name]


# --- verbal code -------------------------------------------------------------------------

def _num(n: int, rng) -> str:
    words = {v: k for k, v in NUMBER_WORDS.items()}
    return words[n] if rng.random() < 0.25 and n in words else str(n)


_TEMPLATES = (
    "the {n} {v} at column {x}, row {y}",
    "{A} {n} {v} {x} steps from the left edge and {y} steps from the top edge",
    "at column {x}, row {y} there is {a} {n}",
    "{A} {n} {v} {y} rows down and {x} columns across",
    "the {n} {v} at row {y}, column {x}",
    "you find {a} {n} in column {x}, row {y}",
    "{A} {n} can be found at column {x}, row {y}",
)
_VERBS = ("is", "stands", "lies", "sits")
_HEADERS = ("this island has {k} landmarks", "there are {k} landmarks on this island",
            "a map of an island with {k} landmarks")


def describe(scene: IslandMap, rng: np.random.Generator | None = None) -> str:
    """Controlled English: one sentence per landmark, in random order and wording."""
    rng = rng if rng is not None else np.random.default_rng(0)
    parts = []
    if rng.random() < 0.5:
        parts.append(_HEADERS[rng.integers(len(_HEADERS))].format(k=_num(len(scene.landmarks), rng)))
    for i in rng.permutation(len(scene.landmarks)):
        lm = scene.landmarks[i]
        t = _TEMPLATES[rng.integers(len(_TEMPLATES))]
        a = article(lm.name)
        text = t.format(n=lm.name, x=_num(lm.x, rng), y=_num(lm.y, rng), a=a, A=a.capitalize(),
                        v=_VERBS[rng.integers(len(_VERBS))])
        for one in ("1", "one"):  # "1 column across", "one row down"
            for unit in ("columns", "rows"):
                text = text.replace(f" {one} {unit} ", f" {one} {unit[:-1]} ")
        parts.append(text)
        if lm.look:  # what a landmark of the user's own looks like
            parts.append(f"the {lm.name} is {lm.look}")
    text = ". ".join(p[0].upper() + p[1:] for p in parts) + "."
    return text


def canonical(scene: IslandMap) -> str:
    """The one fixed wording of a map (what a captioner says): the count, then the landmarks in
    reading order, top row first, each as 'The X is at column C, row R.'"""
    marks = sorted(scene.landmarks, key=lambda lm: (lm.y, lm.x))
    parts = [f"This island has {len(marks)} landmark{'s' if len(marks) != 1 else ''}."]
    parts += [f"The {lm.name} is at column {lm.x}, row {lm.y}." + (f" The {lm.name} is {lm.look}." if lm.look else "")
              for lm in marks]
    return " ".join(parts)


def drawable(scene: IslandMap) -> IslandMap:
    """The same picture with the trained landmark of each look standing in for a user's own
    landmark (a red castle is drawn as the tower): what a backbone is asked to draw."""
    return IslandMap(tuple(Landmark(lm.drawn_as, lm.x, lm.y) for lm in scene.landmarks))


def looks(scene: IslandMap) -> dict[str, tuple[int, int, int]]:
    """What each landmark of the map looks like (its colour): how the agent recognises it."""
    return {lm.name: lm.colour for lm in scene.landmarks}


def vocabulary(extra_names=()) -> set[str]:
    """The words a model of this family reads: the describer's words (the parser reads more)."""
    return FILLER | set(LANDMARKS) | set(extra_names) | set(NUMBER_WORDS)


# --- reading hand-written descriptions -----------------------------------------------------
#
# A sentence is brought to markers by phrase rules: '@col:3' and '@row:2' for a column and a row
# however they are said ('column 3', 'the third column', '3 columns across', '3 steps from the
# left edge', '(3, 2)', 'x = 3'), '@count:5' for '5 landmarks'. 'To the right' and 'below' are
# not read: they are how people say where one landmark is from another. What is left must be landmark
# names, connectives and words that carry no place ('is located', 'you will find', 'there is').
# A bare pair of numbers ('at 3, 2') is refused: only '(3, 2)' is read as (column, row), the
# usual (x, y) order; rows and columns counted from the right or the bottom are refused too.

_UNIT = r"(?:steps?|cells?|squares?|spaces?|units?|places?|positions?|tiles?|blocks?)"
_EDGE = (r"(?: (?:edge|side|border|shore|coast|end|hand side|hand edge)"
         r"(?: of the (?:island|map|grid))?)?")
_LEFT = r"(?:in )?from the left" + _EDGE
_TOP = r"(?:down )?from the top" + _EDGE
_N = r"(\d+)"
_COUNT_NOUNS = ("landmarks", "landmark", "places", "features", "things", "objects", "sites", "spots",
                "locations")
_ORD = alternatives(ORDINALS)


def _ordinal_marker(axis: str):
    return lambda m: f"@{axis}:{ORDINALS[m.group(1)]}"


_RULES = [
    rule(rf"(?:(?:coloured|colored|painted) )?({alternatives(LOOKS)})(?: (?:in )?(?:colour|color))?",
         lambda m: "@look:" + m.group(1).replace(" ", "-")),
    rule(r"(?:the )?(?:exact )?(?:position|location|coordinates|place|spot|cell|square) of", ""),
    rule(r"of (?:an? |the |this |our )?(?:island|map|grid)", ""),
    rule(r"a total of", ""), rule(r"to be", ""), rule(r"in (?:total|all)", ""),
    rule(rf"x(?: ,)? {_N}", r"@col:\1"), rule(rf"y(?: ,)? {_N}", r"@row:\1"),
    rule(rf"(?:column|col)s? (?:number )?{_N}(?: {_LEFT})?", r"@col:\1"),
    rule(rf"rows? (?:number )?{_N}(?: {_TOP})?", r"@row:\1"),
    rule(rf"(?:the )?({_ORD}) column(?: {_LEFT})?", _ordinal_marker("col")),
    rule(rf"(?:the )?({_ORD}) row(?: {_TOP})?", _ordinal_marker("row")),
    rule(rf"{_N} columns?(?: (?:across|over|in))?(?: {_LEFT})?", r"@col:\1"),
    rule(rf"{_N} rows?(?: (?:down|in))?(?: {_TOP})?", r"@row:\1"),
    rule(rf"{_N} (?:{_UNIT} )?(?:across|over)(?: {_LEFT})?", r"@col:\1"),
    rule(rf"{_N} (?:{_UNIT} )?{_LEFT}", r"@col:\1"),
    rule(rf"{_N} (?:{_UNIT} )?down(?: {_TOP})?", r"@row:\1"),
    rule(rf"{_N} (?:{_UNIT} )?{_TOP}", r"@row:\1"),
    rule(rf"{_N} (?:different |distinct |separate )?{alternatives(_COUNT_NOUNS)}", r"@count:\1"),
]
_CONNECTIVES = {",", "and", "then", "while", "whereas", "but", "plus", "also"}
_PRONOUNS = {"it", "its", "this", "that"}
_PLACE_WORDS = {  # words that carry no place: read and dropped
    "the", "a", "an", "is", "are", "was", "be", "been", "being", "'s", "stands", "stand", "standing", "lies",
    "lie", "lying", "sits", "sit", "sitting", "there", "here", "in", "at", "on", "you", "we", "i", "will",
    "can", "could", "may", "might", "would", "should", "must", "find", "finds", "found", "see", "seen",
    "look", "looks", "looking", "for", "located", "placed", "place", "put", "set", "situated",
    "positioned", "position", "location", "coordinates", "which", "island", "map", "has", "have", "with",
    "marks", "mark", "marked", "x", "spot", "where", "cell", "square", "exactly", "just", "precisely",
    "shown", "show", "shows", "drawn", "as", "called", "named", "contains", "holds", "includes", "our",
    "your", "please", "let", "us", "now", "finally", "lastly", "next", "go", "goes", "belongs", "add",
    "draw", "so", "occupies", "occupy", "occupying", "grows", "grow", "growing", "rests", "resting", "stays",
    "appears", "exists", "first", "firstly", "secondly", "thirdly", "coloured", "colored", "painted", "colour",
    "color", "looks", "like",
} | set(_COUNT_NOUNS)
_STRUCTURE = {  # words the phrase rules read
    "column", "columns", "col", "cols", "row", "rows", "steps", "step", "cells", "squares", "spaces",
    "space", "units", "unit", "places", "positions", "tiles", "tile", "blocks", "block", "from", "left",
    "top", "edge", "side", "border", "shore", "coast", "end", "hand", "across", "over", "down", "to",
    "of", "number", "y", "total", "all", "grid", "different", "distinct", "separate", "exact", "right",
} | set(ORDINALS) | NUMBER_READING | {w for look in LOOKS for w in look.split()}
READ_WORDS = _PLACE_WORDS | _STRUCTURE | _CONNECTIVES | _PRONOUNS
RESERVED = FILLER | READ_WORDS | set(NUMBER_WORDS)
"""Words a landmark may not be called: the parser gives them a meaning of their own."""


def _read(toks: list[str]) -> list[str]:
    return rewrite(coordinate_pairs(join_numbers(toks)), _RULES)


def _items(toks: list[str], names: set[str], phrase: str) -> list[tuple[str, object]]:
    """A rewritten sentence as (kind, value) items: 'lm', 'col', 'row', 'count', 'conn', 'pron'."""
    stray = [t for t in toks if t.isdigit()]
    if stray:
        raise ParseError(f"islands: the number {stray[0]!r} in {phrase!r} is neither a column nor a row "
                         "(say 'column 3, row 2' or '(3, 2)')")
    check_read(toks, _PLACE_WORDS | _CONNECTIVES | _PRONOUNS | names, "islands", phrase)
    items = []
    for t in toks:
        if t in names:
            items.append(("lm", t))
        elif t.startswith("@"):
            kind, _, value = t[1:].partition(":")
            items.append((kind, value.replace("-", " ") if kind == "look" else int(value)))
        elif t in _CONNECTIVES:
            items.append(("conn", t))
        elif t in _PRONOUNS:
            items.append(("pron", t))
    return items


def _place(piece: list, phrase: str) -> tuple[str | None, int | None, int | None, bool, str | None]:
    """(landmark, column, row, has a pronoun, look) of one landmark's share of a sentence."""
    marks = [v for k, v in piece if k == "lm"]
    cols = [v for k, v in piece if k == "col"]
    rows = [v for k, v in piece if k == "row"]
    seen = [v for k, v in piece if k == "look"]
    for values, axis in ((cols, "columns"), (rows, "rows"), (seen, "colours")):
        if len(values) > 1:
            raise ParseError(f"islands: {phrase!r} gives two {axis}")
    return (marks[0] if marks else None, cols[0] if cols else None, rows[0] if rows else None,
            any(k == "pron" for k, _ in piece), seen[0] if seen else None)


def _split(items: list, phrase: str) -> list[list]:
    """One sentence that names several landmarks, cut at connectives so that each piece names one
    landmark with one column and one row; every way of cutting must agree."""
    marks = [i for i, (k, _) in enumerate(items) if k == "lm"]
    if len(marks) < 2:
        return [items]
    if any(k == "look" for k, _ in items) and not any(k in ("col", "row") for k, _ in items):
        raise ParseError(f"islands: {phrase!r}: say the colour of one landmark per sentence")
    if not any(k in ("col", "row") for k, _ in items):  # 'the tree and the hut are on the map'
        return [[items[i]] for i in marks]
    gaps = [[j for j in range(a + 1, b) if items[j][0] == "conn"] for a, b in zip(marks, marks[1:])]
    if math.prod(len(g) for g in gaps) > 4096:
        raise ParseError(f"islands: {phrase!r} is too long a sentence; say one landmark per sentence")
    readings = {}
    for cuts in itertools.product(*gaps):
        bounds = [0, *cuts, len(items)]
        pieces = [items[a:b] for a, b in zip(bounds, bounds[1:])]
        counts = [(sum(k == "lm" for k, _ in p), sum(k == "col" for k, _ in p), sum(k == "row" for k, _ in p))
                  for p in pieces]
        if all(c == (1, 1, 1) for c in counts):
            readings.setdefault(tuple(_place(p, phrase)[:3] for p in pieces), pieces)
    if len(readings) != 1:
        how = "cannot tell" if not readings else "is ambiguous about"
        raise ParseError(f"islands: {phrase!r}: {how} which column and row belong to which landmark; "
                         "give each landmark its own column and row")
    return next(iter(readings.values()))


def parse(text: str, extra_names=()) -> IslandMap:
    """Read a description back into a map. `extra_names` admits landmark names of a user map."""
    names = set(LANDMARKS) | set(extra_names)
    sents = sentences(text, "islands")
    check_vocabulary([t for s in sents for t in s], READ_WORDS | vocabulary(extra_names), "islands")
    found: dict[str, dict[str, int]] = {}
    seen: dict[str, str] = {}  # the looks the text gives
    counts: set[int] = set()
    last = None  # what 'it' means: the one landmark the sentence before named
    for raw in sents:
        phrase = phrase_of(raw)
        items = _items(_read(raw), names, phrase)
        counts |= {v for k, v in items if k == "count"}
        items = [it for it in items if it[0] != "count"]
        named = {v for k, v in items if k == "lm"}
        for piece in _split(items, phrase):
            name, x, y, pronoun, look = _place(piece, phrase)
            if name is None and ((x, y) != (None, None) or look):
                if not (pronoun and last):
                    raise ParseError(f"islands: {phrase!r} gives a {'place' if look is None else 'colour'} but names "
                                     "no landmark" + (" ('it' is the one landmark the sentence before names)"
                                                      if pronoun else ""))
                name = last
            if name is not None:
                _record(found, name, x, y)
            if look is not None:
                if seen.setdefault(name, look) != look:
                    raise ParseError(f"islands: contradiction: the {name} is {seen[name]} and {look}")
        last = named.pop() if len(named) == 1 else None if named else last
    return _finish(found, counts, seen)


def _record(found: dict, name: str, x: int | None, y: int | None) -> None:
    place = found.setdefault(name, {})
    for axis, v in (("x", x), ("y", y)):
        if v is not None and place.get(axis, v) != v:
            old = f"column {place['x']}" if axis == "x" else f"row {place['y']}"
            new = f"column {v}" if axis == "x" else f"row {v}"
            raise ParseError(f"islands: contradiction: the {name} is placed at {old} and at {new}")
        if v is not None:
            place[axis] = v


def _finish(found: dict, counts: set[int], seen: dict[str, str]) -> IslandMap:
    if not found:
        raise ParseError("islands: the description places no landmark")
    for name, place in found.items():
        if len(place) < 2:
            given = "its column only" if "x" in place else "its row only" if "y" in place else "no place"
            raise ParseError(f"islands: the {name} needs both a column and a row; the text gives {given}")
    if len(counts) > 1:
        raise ParseError(f"islands: contradiction: the text says {' and '.join(map(str, sorted(counts)))} landmarks")
    if counts and counts != {len(found)}:
        raise ParseError(f"islands: contradiction: the text says {counts.pop()} landmarks but places {len(found)}")
    try:
        return IslandMap(tuple(Landmark(n, p["x"], p["y"], _own_look(n, seen.get(n, ""))) for n, p in found.items()))
    except SceneError as e:
        raise ParseError(f"islands: {e}") from None


def _own_look(name: str, look: str) -> str:
    """A trained landmark said to look as it always does keeps no look of its own ('the hut is
    brown'), so the map equals the one that does not say it."""
    return "" if look and name in LANDMARK_COLOURS and LOOKS[look] == name else look


# --- pictures and graphs -------------------------------------------------------------------

LANDMARK_RADIUS = 0.05
"""Radius of a landmark's disc, as a fraction of the image width."""
SHORE = 1.3 / GRID


def coastline(scene: IslandMap) -> list[tuple[float, float]]:
    """Convex hull of the landmark centres (the island is this hull grown by SHORE)."""
    pts = sorted(set(lm.centre for lm in scene.landmarks))
    if len(pts) < 3:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def render(scene: IslandMap, size: int = 64) -> np.ndarray:
    """Ground-truth picture: sea, an island around the landmarks, a coloured disc per landmark."""
    canvas = Canvas(size, WATER)
    hull = coastline(scene)
    for p in hull:
        canvas.disc(p, SHORE, LAND)
    if len(hull) >= 2:
        canvas.polyline(hull + [hull[0]], LAND, 2 * SHORE)
    if len(hull) >= 3:
        canvas.polygon(hull, LAND)
    for lm in scene.landmarks:
        canvas.disc(lm.centre, LANDMARK_RADIUS, lm.colour)
    return canvas.to_array()


def to_graph(scene: IslandMap) -> nx.DiGraph:
    """Landmarks with their positions; edges carry distance and left-of / above / near / touching."""
    objs = []
    for lm in scene.landmarks:
        cx, cy = lm.centre
        ring = [(cx + LANDMARK_RADIUS * math.cos(a), cy + LANDMARK_RADIUS * math.sin(a))
                for a in np.linspace(0, 2 * math.pi, 13)]
        objs.append(GraphObject(lm.name, cx, cy, {"kind": "landmark", "column": lm.x, "row": lm.y,
                                                  "colour": LOOK_OF[lm.drawn_as]}, [ring]))
    return relation_graph(objs, family="islands")


# --- sampling and held-out combinations ----------------------------------------------------

def quadrant(lm: Landmark) -> str:
    return ("north" if lm.y < GRID / 2 else "south") + ("west" if lm.x < GRID / 2 else "east")


_QUADRANTS = ("northwest", "northeast", "southwest", "southeast")
HELDOUT = frozenset(
    # each landmark is kept out of one quadrant in training; the Kosslyn map avoids these
    [("hut", "southeast"), ("tree", "southeast"), ("rock", "southwest"), ("well", "northeast"),
     ("lake", "northwest"), ("sand", "northwest"), ("grass", "southeast")]
    + [(n, _QUADRANTS[i % 4]) for i, n in enumerate(LANDMARKS[7:])]
)


def combinations(scene: IslandMap) -> set:
    """The (landmark, quadrant) atoms of a map; held-out maps contain one of HELDOUT."""
    return {(lm.name, quadrant(lm)) for lm in scene.landmarks}


def sample(rng: np.random.Generator, n_landmarks: int | tuple[int, int] = (3, 7),
           names=LANDMARKS, min_distance: float = 2.0, exclude=frozenset()) -> IslandMap:
    """A random map: distinct landmarks at whole cells, at least `min_distance` cells apart,
    with no (landmark, quadrant) atom from `exclude`."""
    k = n_landmarks if isinstance(n_landmarks, int) else int(rng.integers(n_landmarks[0], n_landmarks[1] + 1))
    chosen = [names[i] for i in rng.choice(len(names), size=k, replace=False)]
    for _ in range(1000):
        cells = []
        for name in chosen:
            while True:
                c = (int(rng.integers(MIN_POS, MAX_POS + 1)), int(rng.integers(MIN_POS, MAX_POS + 1)))
                if (name, quadrant(Landmark(name, *c))) not in exclude:
                    break
            cells.append(c)
        if all(math.dist(a, b) >= min_distance for a, b in itertools.combinations(cells, 2)):
            return IslandMap(tuple(Landmark(n, x, y) for n, (x, y) in zip(chosen, cells)))
    raise SceneError(f"could not place {k} landmarks {min_distance} cells apart")


def twin(scene: IslandMap, rng: np.random.Generator) -> IslandMap | None:
    """The map with one landmark moved to another free cell (for the joint embedding: a pair of
    maps that differ only in where one thing is); None when no move was found."""
    for _ in range(20):
        marks = list(scene.landmarks)
        i = int(rng.integers(len(marks)))
        x, y = (int(v) for v in rng.integers(MIN_POS, MAX_POS + 1, size=2))
        marks[i] = Landmark(marks[i].name, x, y)
        try:
            new = IslandMap(tuple(marks))
        except SceneError:
            continue
        if new != scene:
            return new
    return None


def grounding_targets(scene: IslandMap) -> list:
    """Every token of a landmark's sentence learns that landmark's (column, row, name): whichever
    of its tokens the UNet attends to, it reads the same place and the same landmark."""
    return [(lm.name, (lm.x, lm.y, LANDMARKS.index(lm.name))) for lm in scene.landmarks]


FAMILY = register_family(SceneFamily(
    name="islands", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=vocabulary, atoms=combinations, heldout_atom=HELDOUT.__contains__,
    score_image=lazy("imagery_agent.metrics.islands:score_island"),
    summarise_scores=lazy("imagery_agent.metrics.objects:summarise_objects"),
    canonical_text=canonical, user_names=True, train_sample_kw={"exclude": HELDOUT},
    grounding_classes=(GRID, GRID, len(LANDMARKS)), grounding_targets=grounding_targets,
    backgrounds=(LAND, WATER), appearance=looks, drawable=drawable, twin=twin, mention="There is a {name}.", nameable=LANDMARKS,
))
