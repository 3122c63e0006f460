"""How well an image shows its glyph: every remaining stroke inked, and the whole image nearer
to the glyph's own render than to any other glyph's (every symbol, whole or less one or two strokes).

The second test is the strict one: a B drawn with a faint stem, or a stem where it was removed,
passes the stroke test but is nearer to another entry of the catalogue.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..scenes import glyphs
from ..scenes.drawing import Canvas, grow_mask

STROKE_RECALL = 0.7
"""Fraction of a stroke's ink that must be inked in the image (within one pixel)."""


def _ink(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, np.float32).mean(-1) < 160


def unit_darkness(image: np.ndarray) -> np.ndarray:
    """The image's darkness as a zero-mean unit vector: dot products of two are their correlation."""
    g = 255.0 - np.asarray(image, np.float32).mean(-1).ravel()
    g -= g.mean()
    n = np.linalg.norm(g)
    return g / n if n else g


@lru_cache(maxsize=8)
def catalogue(size: int) -> tuple[list[glyphs.Glyph], np.ndarray]:
    """Every glyph whole, less each one of its strokes and less each two, with their normalised renders."""
    entries = []
    for s in glyphs.SYMBOLS:
        entries.append(glyphs.Glyph(s))
        strokes = list(glyphs.GLYPHS[s])
        if len(strokes) > 1:
            entries += [glyphs.Glyph(s, (r,)) for r in strokes]
        if len(strokes) > 2:
            entries += [glyphs.Glyph(s, (a, b)) for i, a in enumerate(strokes) for b in strokes[i + 1:]]
    return entries, np.stack([unit_darkness(glyphs.render(g, size)) for g in entries])


def read_glyph(image: np.ndarray) -> tuple[glyphs.Glyph, float]:
    """The catalogue glyph the image correlates with best, and the correlation."""
    entries, renders = catalogue(np.asarray(image).shape[0])
    c = renders @ unit_darkness(image)
    i = int(c.argmax())
    return entries[i], float(c[i])


def score_glyph(image: np.ndarray, glyph: glyphs.Glyph) -> dict:
    size = np.asarray(image).shape[0]
    ink = grow_mask(_ink(image))
    present = []
    for stroke in glyphs.strokes_of(glyph).values():
        canvas = Canvas(size)
        canvas.polyline(stroke, (0, 0, 0), glyphs.STROKE_WIDTH)
        mask = _ink(canvas.to_array())
        present.append(bool(mask.sum() and (mask & ink).sum() / mask.sum() >= STROKE_RECALL))
    read, corr = read_glyph(image)
    same = read == glyph or np.array_equal(glyphs.render(read, size), glyphs.render(glyph, size))  # F = E less its bottom bar
    return {"present": present, "placed": present, "errors": [0.0 if p else float("inf") for p in present],
            "exact": bool(same), "read_as": glyphs.canonical(read), "correlation": corr}
