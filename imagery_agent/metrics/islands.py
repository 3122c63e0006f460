"""How well an island image shows its map: landmark presence and localisation error."""
from __future__ import annotations

import math

import numpy as np

from ..perception.landmarks import find_landmark
from ..scenes.agreement import TOLERANCE
from ..scenes.islands import IslandMap


def score_island(image: np.ndarray, scene: IslandMap) -> dict:
    """Per-landmark presence and error (fractions of the width), and whether the map is exact."""
    errors, present = [], []
    for lm in scene.landmarks:
        s = find_landmark(image, lm.name, lm.colour)
        present.append(s is not None)
        tx, ty = lm.centre
        errors.append(math.hypot(s.x - tx, s.y - ty) if s is not None else math.inf)
    placed = [e <= TOLERANCE for e in errors]
    return {"present": present, "errors": errors, "placed": placed, "exact": all(placed)}

