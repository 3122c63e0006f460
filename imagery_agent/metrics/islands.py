"""How well an island image shows its map: landmark presence and localisation error."""
from __future__ import annotations

import math

import numpy as np

from ..perception.landmarks import find_landmark
from ..scenes.islands import IslandMap

TOLERANCE = 1 / 16
"""A landmark is 'placed' when its found centre is within 1/16 of the image width of the truth."""


def score_island(image: np.ndarray, scene: IslandMap) -> dict:
    """Per-landmark presence and error (fractions of the width), and whether the map is exact."""
    errors, present = [], []
    for lm in scene.landmarks:
        s = find_landmark(image, lm.name)
        present.append(s is not None)
        tx, ty = lm.centre
        errors.append(math.hypot(s.x - tx, s.y - ty) if s is not None else math.inf)
    placed = [e <= TOLERANCE for e in errors]
    return {"present": present, "errors": errors, "placed": placed, "exact": all(placed)}


def summarise(scores: list[dict]) -> dict:
    placed = [p for s in scores for p in s["placed"]]
    present = [p for s in scores for p in s["present"]]
    errs = [e for s in scores for e in s["errors"] if math.isfinite(e)]
    return {
        "object_accuracy": float(np.mean(placed)) if placed else 0.0,
        "object_presence": float(np.mean(present)) if present else 0.0,
        "exact_scene_accuracy": float(np.mean([s["exact"] for s in scores])) if scores else 0.0,
        "localisation_error_frac": float(np.median(errs)) if errs else math.inf,
    }
