"""How well an image shows its figure: orientation (and mirror) read off by template matching.

The image is correlated with renders of the true figure at every orientation, normal and
mirrored; the best match gives the orientation and handedness the image shows. (The figure's
identity is taken as given: this scores rotation, not recognition.)
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..scenes import figures

ORIENTATION_TOLERANCE = 15
"""Degrees within which an image counts as showing the right orientation."""


def _grey(img: np.ndarray) -> np.ndarray:
    g = np.asarray(img, float).mean(-1).ravel()
    g -= g.mean()
    n = np.linalg.norm(g)
    return g / n if n else g


def read_orientation(image: np.ndarray, figure: figures.Figure) -> tuple[int, bool, float]:
    """(angle, mirrored, correlation) of the best-matching render of `figure`."""
    size = image.shape[0]
    g = _grey(image)
    best = (0, False, -2.0)
    for mirror in (False, True):
        for angle in range(0, 360, figures.ANGLE_STEP):
            axis = figure.axis if angle else "picture"
            t = dataclasses.replace(figure, angle=angle, mirror=mirror, axis=axis)
            c = float(g @ _grey(figures.render(t, size)))
            if c > best[2]:
                best = (angle, mirror, c)
    return best


def score_figure(image: np.ndarray, figure: figures.Figure) -> dict:
    angle, mirror, corr = read_orientation(image, figure)
    d = abs(angle - figure.angle) % 360
    err = min(d, 360 - d)
    ok = mirror == figure.mirror and err <= ORIENTATION_TOLERANCE
    return {"orientation_error": err, "mirror_correct": mirror == figure.mirror, "correct": ok, "correlation": corr,
            "kind": figure.kind}


def summarise(scores: list[dict]) -> dict:
    return {
        "object_accuracy": float(np.mean([s["correct"] for s in scores])),
        "exact_scene_accuracy": float(np.mean([s["correct"] for s in scores])),
        "mirror_accuracy": float(np.mean([s["mirror_correct"] for s in scores])),
        "orientation_error_deg": float(np.median([s["orientation_error"] for s in scores])),
        "localisation_error_frac": None,
        "accuracy_by_kind": {k: float(np.mean([s["correct"] for s in scores if s["kind"] == k]))
                             for k in figures.KINDS if any(s["kind"] == k for s in scores)},
    }
