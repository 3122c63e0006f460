"""Analysis of mental scanning: where an imagined map put its landmarks, for the experimenter.

The agent never calls these: they compare its image with the truth (the words' map) so that the
results can say how far the picture it scanned was from what it was told.
"""
from __future__ import annotations

import math

import numpy as np

from ..perception.landmarks import find_landmark
from ..scenes.islands import GRID, IslandMap


def imagined_distance(image: np.ndarray, a: str, b: str, looks: dict | None = None) -> float:
    """Distance between two landmarks as drawn in the image, in grid cells (nan where one is not
    drawn); `looks` gives the colours of landmarks of a user's own (islands.looks(scene))."""
    looks = looks or {}
    pa, pb = find_landmark(image, a, looks.get(a)), find_landmark(image, b, looks.get(b))
    if pa is None or pb is None:
        return math.nan
    return math.hypot(pa.x - pb.x, pa.y - pb.y) * GRID


def landmark_offsets(image: np.ndarray, scene: IslandMap) -> dict[str, float]:
    """How far each landmark of the image lies from where the words put it, in grid cells (nan
    where it is not drawn)."""
    out = {}
    for lm in scene.landmarks:
        s = find_landmark(image, lm.name, lm.colour)
        out[lm.name] = math.nan if s is None else math.hypot(s.x - lm.centre[0], s.y - lm.centre[1]) * GRID
    return out
