"""Finding a named landmark in an island image by what it looks like (its colour).

This is the recognition the agent uses to focus on a landmark and to know it has reached one:
it knows what a hut looks like, never where the map put it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import grey_erosion, uniform_filter

from ..scenes import islands

MATCH_DISTANCE = 60.0
"""RGB distance under which a pixel counts as showing the landmark's colour."""
MIN_PEAK = 0.5
"""Best pixel match below which the landmark counts as absent."""
BODY_EVIDENCE = 0.1
"""Evidence that a 2 x 2 block must hold everywhere to count as a disc's body (else the single
pixels are used, for a landmark drawn too small to have one)."""
WINDOW = 0.07
"""Half-width (fraction of the image) of the patch around the best pixel whose centre of mass
locates the landmark: local, so stray pixels of a similar colour elsewhere do not pull it."""


@dataclass
class Sighting:
    name: str
    x: float            # centre, as a fraction of the image width
    y: float
    confidence: float   # summed match weight, in pixels; bigger is surer


def check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] != image.shape[1] or image.shape[0] < 8:
        raise ValueError(f"expected a square RGB image of shape (size, size, 3), got {image.shape}")
    return image


def match_map(image: np.ndarray, name: str, colour=None) -> np.ndarray:
    """Per-pixel evidence in [0, 1] that the pixel shows `name`, which looks like `colour` (by
    default the colour of that kind of landmark)."""
    image = check_image(image).astype(np.float32)
    colour = islands.colour_of(name) if colour is None else colour
    d = np.sqrt(((image - np.array(colour, np.float32)) ** 2).sum(-1))
    return np.clip(1 - d / MATCH_DISTANCE, 0, 1)


def find_landmark(image: np.ndarray, name: str, colour=None) -> Sighting | None:
    """Centre of mass of the landmark's colour around the place with the most of it, or None
    where absent. The place is found on the evidence that fills 2 x 2 pixels (a disc's body),
    summed over 3 x 3: the anti-aliased rim of another disc (a black cave's, for a grey rock) is a
    ring one pixel wide that can match the colour better than a slightly off-colour disc does."""
    w = match_map(image, name, colour)
    size = w.shape[0]
    if w.max() < MIN_PEAK:
        return None
    body = grey_erosion(w, size=(2, 2), mode="constant")
    peak = uniform_filter(body if body.max() >= BODY_EVIDENCE else w, size=3, mode="constant")
    py, px = np.unravel_index(int(np.argmax(peak)), w.shape)
    r = max(2, int(round(WINDOW * size)))
    y0, y1, x0, x1 = max(0, py - r), min(size, py + r + 1), max(0, px - r), min(size, px + r + 1)
    patch = w[y0:y1, x0:x1]
    ys, xs = np.mgrid[y0:y1, x0:x1]
    total = float(patch.sum())
    return Sighting(name, float((patch * (xs + 0.5)).sum() / total / size),
                    float((patch * (ys + 0.5)).sum() / total / size), total)
