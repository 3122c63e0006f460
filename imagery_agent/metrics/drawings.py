"""How well an image shows a lexicon object: its own render is the nearest of every object's.

The objects family has no backbone of its own (it teaches the naming model); this scorer lets the
generic evaluation ask of it what it asks of every family.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..scenes import objects
from .glyphs import unit_darkness


@lru_cache(maxsize=4)
def _canonical_renders(size: int) -> np.ndarray:
    return np.stack([unit_darkness(objects.render(objects.Drawing(n), size)) for n in objects.LEXICON])


def score_drawing(image: np.ndarray, drawing: objects.Drawing) -> dict:
    c = _canonical_renders(np.asarray(image).shape[0]) @ unit_darkness(image)
    right = objects.LEXICON[int(c.argmax())] == drawing.name
    return {"present": [right], "placed": [right], "errors": [0.0 if right else float("inf")], "exact": right}
