"""Everyday objects made of few strokes, for recognising what a composition has become.

Drawn by this module's own geometry, never from the letter strokes, so that recognising an
umbrella in an imagined 'D on its back above a J' is a real discovery, not a lookup.
"""
from __future__ import annotations

import numpy as np

from .drawing import Canvas
from .errors import SceneError


def _curve(cx, cy, r, start_deg, end_deg, n=20, ry=None):
    t = np.radians(np.linspace(start_deg, end_deg, n))
    return list(zip(cx + r * np.cos(t), cy + (ry if ry is not None else r) * np.sin(t)))


def _umbrella():
    return [_curve(0.5, 0.45, 0.38, 180, 360), [(0.12, 0.45), (0.88, 0.45)],
            [(0.5, 0.45), (0.5, 0.78)], _curve(0.42, 0.78, 0.08, 0, 180)]


def _heart():
    return [_curve(0.32, 0.35, 0.18, 140, 360) + [(0.5, 0.85)],
            [(0.5, 0.85)] + _curve(0.68, 0.35, 0.18, 180, 400)]


def _sailboat():
    return [[(0.15, 0.7), (0.85, 0.7), (0.72, 0.85), (0.28, 0.85), (0.15, 0.7)],
            [(0.5, 0.7), (0.5, 0.12), (0.82, 0.62), (0.5, 0.62)]]


def _house():
    return [[(0.2, 0.5), (0.2, 0.88), (0.8, 0.88), (0.8, 0.5)], [(0.12, 0.52), (0.5, 0.15), (0.88, 0.52)],
            [(0.45, 0.88), (0.45, 0.68), (0.58, 0.68), (0.58, 0.88)]]


def _tree():
    return [[(0.5, 0.1), (0.2, 0.65), (0.8, 0.65), (0.5, 0.1)], [(0.5, 0.65), (0.5, 0.9)]]


def _ice_cream_cone():
    return [_curve(0.5, 0.35, 0.22, 0, 360, 28), [(0.28, 0.42), (0.5, 0.92), (0.72, 0.42)]]


def _snowman():
    return [_curve(0.5, 0.28, 0.15, 0, 360, 24), _curve(0.5, 0.65, 0.23, 0, 360, 28)]


def _face():
    return [_curve(0.5, 0.5, 0.4, 0, 360, 32), _curve(0.5, 0.55, 0.2, 20, 160),
            [(0.36, 0.38), (0.37, 0.39)], [(0.63, 0.38), (0.64, 0.39)]]


def _arrow():
    return [[(0.1, 0.5), (0.88, 0.5)], [(0.65, 0.28), (0.88, 0.5), (0.65, 0.72)]]


def _star():
    t = np.radians(np.arange(0, 5 * 144 + 1, 144) - 90)
    return [list(zip(0.5 + 0.4 * np.cos(t), 0.53 + 0.4 * np.sin(t)))]


def _fish():
    return [_curve(0.45, 0.5, 0.3, -140, 140, 24, ry=0.2) + [(0.9, 0.3), (0.9, 0.7)] +
            [_curve(0.45, 0.5, 0.3, -140, 140, 24, ry=0.2)[0]], [(0.3, 0.45), (0.31, 0.46)]]


def _kite():
    return [[(0.5, 0.1), (0.78, 0.4), (0.5, 0.75), (0.22, 0.4), (0.5, 0.1)], [(0.5, 0.75), (0.45, 0.85), (0.55, 0.92)]]


DRAWINGS = {
    "umbrella": _umbrella, "heart": _heart, "sailboat": _sailboat, "house": _house, "tree": _tree,
    "ice-cream cone": _ice_cream_cone, "snowman": _snowman, "face": _face, "arrow": _arrow,
    "star": _star, "fish": _fish, "kite": _kite,
}
LEXICON = tuple(DRAWINGS)


def strokes(name: str) -> list[list[tuple[float, float]]]:
    if name not in DRAWINGS:
        raise SceneError(f"no lexicon object {name!r}; known: {', '.join(LEXICON)}")
    return [[(float(x), float(y)) for x, y in s] for s in DRAWINGS[name]()]


def render(name: str, size: int = 64, width: float = 0.05) -> np.ndarray:
    canvas = Canvas(size)
    for s in strokes(name):
        canvas.polyline(s, (0, 0, 0), width)
    return canvas.to_array()
