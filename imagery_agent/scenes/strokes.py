"""A stroke font for capital letters, digits and simple shapes.

Every glyph is a dict of *named* strokes (polylines in the unit square, y pointing down), so a
description can remove a named part ("the top bar of an I") and a graph can list the parts.
The everyday-object lexicon in `lexicon.py` is drawn by separate code on purpose.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

Point = tuple[float, float]
Stroke = list[Point]


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> Stroke:
    """Points on an ellipse from angle a0 to a1 (degrees; 0 = east, 90 = south, as y points down)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


def line(x0: float, y0: float, x1: float, y1: float) -> Stroke:
    return [(x0, y0), (x1, y1)]


STEM = line(0.22, 0.1, 0.22, 0.9)

LETTERS: dict[str, dict[str, Stroke]] = {
    "A": {"left side": line(0.15, 0.9, 0.5, 0.1), "right side": line(0.5, 0.1, 0.85, 0.9),
          "crossbar": line(0.3, 0.58, 0.7, 0.58)},
    "B": {"stem": STEM,
          "upper bowl": [(0.22, 0.1), (0.5, 0.1)] + arc(0.5, 0.29, 0.2, 0.19, -90, 90) + [(0.22, 0.48)],
          "lower bowl": [(0.22, 0.48), (0.52, 0.48)] + arc(0.52, 0.69, 0.24, 0.21, -90, 90) + [(0.22, 0.9)]},
    "C": {"curve": arc(0.52, 0.5, 0.36, 0.4, -45, -315)},
    "D": {"stem": STEM,
          "bowl": [(0.22, 0.1), (0.42, 0.1)] + arc(0.42, 0.5, 0.38, 0.4, -90, 90) + [(0.22, 0.9)]},
    "E": {"stem": STEM, "top bar": line(0.22, 0.1, 0.8, 0.1), "middle bar": line(0.22, 0.5, 0.7, 0.5),
          "bottom bar": line(0.22, 0.9, 0.8, 0.9)},
    "F": {"stem": STEM, "top bar": line(0.22, 0.1, 0.8, 0.1), "middle bar": line(0.22, 0.5, 0.7, 0.5)},
    "G": {"curve": arc(0.52, 0.5, 0.36, 0.4, -45, -330),
          "bar": line(0.58, 0.55, 0.86, 0.55), "spur": line(0.86, 0.55, 0.86, 0.84)},
    "H": {"left stem": line(0.2, 0.1, 0.2, 0.9), "right stem": line(0.8, 0.1, 0.8, 0.9),
          "crossbar": line(0.2, 0.5, 0.8, 0.5)},
    "I": {"top bar": line(0.25, 0.1, 0.75, 0.1), "stem": line(0.5, 0.1, 0.5, 0.9),
          "bottom bar": line(0.25, 0.9, 0.75, 0.9)},
    "J": {"stem": line(0.7, 0.1, 0.7, 0.64), "hook": arc(0.45, 0.64, 0.25, 0.26, 0, 180)},
    "K": {"stem": STEM, "upper arm": line(0.22, 0.58, 0.8, 0.1), "lower arm": line(0.4, 0.43, 0.8, 0.9)},
    "L": {"stem": STEM, "foot": line(0.22, 0.9, 0.78, 0.9)},
    "M": {"left stem": line(0.15, 0.9, 0.15, 0.1), "left diagonal": line(0.15, 0.1, 0.5, 0.62),
          "right diagonal": line(0.5, 0.62, 0.85, 0.1), "right stem": line(0.85, 0.1, 0.85, 0.9)},
    "N": {"left stem": line(0.2, 0.9, 0.2, 0.1), "diagonal": line(0.2, 0.1, 0.8, 0.9),
          "right stem": line(0.8, 0.9, 0.8, 0.1)},
    "O": {"ring": arc(0.5, 0.5, 0.36, 0.4, 0, 360, 40)},
    "P": {"stem": STEM, "bowl": [(0.22, 0.1), (0.5, 0.1)] + arc(0.5, 0.31, 0.24, 0.21, -90, 90) + [(0.22, 0.52)]},
    "Q": {"ring": arc(0.5, 0.5, 0.36, 0.4, 0, 360, 40), "tail": line(0.6, 0.7, 0.88, 0.95)},
    "R": {"stem": STEM, "bowl": [(0.22, 0.1), (0.5, 0.1)] + arc(0.5, 0.31, 0.24, 0.21, -90, 90) + [(0.22, 0.52)],
          "leg": line(0.45, 0.52, 0.8, 0.9)},
    "S": {"upper curve": arc(0.5, 0.3, 0.26, 0.2, -20, -270), "lower curve": arc(0.5, 0.7, 0.26, 0.2, -90, 160)},
    "T": {"top bar": line(0.15, 0.1, 0.85, 0.1), "stem": line(0.5, 0.1, 0.5, 0.9)},
    "U": {"left stem": line(0.2, 0.1, 0.2, 0.6), "bottom curve": arc(0.5, 0.6, 0.3, 0.3, 180, 0),
          "right stem": line(0.8, 0.6, 0.8, 0.1)},
    "V": {"left side": line(0.15, 0.1, 0.5, 0.9), "right side": line(0.5, 0.9, 0.85, 0.1)},
    "W": {"first stroke": line(0.08, 0.1, 0.28, 0.9), "second stroke": line(0.28, 0.9, 0.5, 0.35),
          "third stroke": line(0.5, 0.35, 0.72, 0.9), "fourth stroke": line(0.72, 0.9, 0.92, 0.1)},
    "X": {"falling diagonal": line(0.18, 0.1, 0.82, 0.9), "rising diagonal": line(0.18, 0.9, 0.82, 0.1)},
    "Y": {"left arm": line(0.15, 0.1, 0.5, 0.5), "right arm": line(0.85, 0.1, 0.5, 0.5),
          "stem": line(0.5, 0.5, 0.5, 0.9)},
    "Z": {"top bar": line(0.18, 0.1, 0.82, 0.1), "diagonal": line(0.82, 0.1, 0.18, 0.9),
          "bottom bar": line(0.18, 0.9, 0.82, 0.9)},
}

DIGITS: dict[str, dict[str, Stroke]] = {
    "0": {"ring": arc(0.5, 0.5, 0.3, 0.4, 0, 360, 40)},
    "1": {"stem": line(0.55, 0.1, 0.55, 0.9), "flag": line(0.3, 0.3, 0.55, 0.1)},
    "2": {"top curve": arc(0.5, 0.33, 0.28, 0.23, 180, 390), "diagonal": line(0.74, 0.45, 0.2, 0.9),
          "base": line(0.2, 0.9, 0.82, 0.9)},
    "3": {"upper curve": arc(0.48, 0.3, 0.26, 0.2, -160, 90), "lower curve": arc(0.48, 0.7, 0.28, 0.2, -90, 160)},
    "4": {"diagonal": line(0.65, 0.1, 0.15, 0.65), "bar": line(0.15, 0.65, 0.85, 0.65),
          "stem": line(0.65, 0.1, 0.65, 0.9)},
    "5": {"top bar": line(0.8, 0.1, 0.27, 0.1), "stem": line(0.27, 0.1, 0.25, 0.45),
          "curve": arc(0.47, 0.65, 0.3, 0.25, -125, 145)},
    "6": {"stem": [(0.7, 0.12), (0.45, 0.25), (0.27, 0.5), (0.23, 0.65)],
          "loop": arc(0.5, 0.66, 0.27, 0.24, 0, 360, 36)},
    "7": {"top bar": line(0.18, 0.1, 0.82, 0.1), "diagonal": line(0.82, 0.1, 0.4, 0.9)},
    "8": {"upper loop": arc(0.5, 0.3, 0.22, 0.2, 0, 360, 32), "lower loop": arc(0.5, 0.7, 0.26, 0.2, 0, 360, 32)},
    "9": {"loop": arc(0.5, 0.34, 0.27, 0.24, 0, 360, 36),
          "stem": [(0.77, 0.35), (0.73, 0.55), (0.55, 0.78), (0.3, 0.88)]},
}

SHAPES: dict[str, dict[str, Stroke]] = {
    "circle": {"ring": arc(0.5, 0.5, 0.4, 0.4, 0, 360, 48)},
    "square": {"top side": line(0.1, 0.1, 0.9, 0.1), "right side": line(0.9, 0.1, 0.9, 0.9),
               "bottom side": line(0.9, 0.9, 0.1, 0.9), "left side": line(0.1, 0.9, 0.1, 0.1)},
    "triangle": {"base": line(0.1, 0.85, 0.9, 0.85), "right side": line(0.9, 0.85, 0.5, 0.15),
                 "left side": line(0.5, 0.15, 0.1, 0.85)},
    "line": {"line": line(0.1, 0.5, 0.9, 0.5)},
    "half-circle": {"arc": arc(0.5, 0.7, 0.4, 0.4, 180, 360, 32), "flat side": line(0.1, 0.7, 0.9, 0.7)},
}

GLYPHS: dict[str, dict[str, Stroke]] = {**LETTERS, **DIGITS, **SHAPES}


def glyph(symbol: str) -> dict[str, Stroke]:
    """The named strokes of a letter, digit or shape, copied so callers may change them."""
    from .errors import SceneError
    if symbol not in GLYPHS:
        raise SceneError(f"no strokes for symbol {symbol!r}; known: {', '.join(GLYPHS)}")
    return {name: list(points) for name, points in GLYPHS[symbol].items()}


def transform(strokes: dict[str, Stroke], *, angle: float = 0.0, mirror: bool = False, flip: bool = False,
              scale: float = 1.0, centre: Point = (0.5, 0.5)) -> dict[str, Stroke]:
    """Mirror (left-right), flip (upside down), then rotate clockwise by `angle` degrees and scale,
    all about `centre`. The order is the one the describers state."""
    cx, cy = centre
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    out = {}
    for name, pts in strokes.items():
        new = []
        for x, y in pts:
            dx, dy = x - cx, y - cy
            if mirror:
                dx = -dx
            if flip:
                dy = -dy
            # with y pointing down, this matrix turns the picture clockwise for positive angles
            rx, ry = ca * dx - sa * dy, sa * dx + ca * dy
            new.append((cx + scale * rx, cy + scale * ry))
        out[name] = new
    return out


def bounds(strokes: dict[str, Stroke] | Sequence[Stroke]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of all stroke points."""
    pts = [p for s in (strokes.values() if isinstance(strokes, dict) else strokes) for p in s]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def shift(strokes: dict[str, Stroke], dx: float, dy: float) -> dict[str, Stroke]:
    return {n: [(x + dx, y + dy) for x, y in pts] for n, pts in strokes.items()}


def min_distance(a: Sequence[Stroke], b: Sequence[Stroke], samples: int = 8) -> float:
    """Smallest distance between two sets of polylines: densely sampled points of each side
    against the exact segments of the other (exact where an end or corner touches a line)."""
    return min(_points_to_segments(_dense(a, samples), b), _points_to_segments(_dense(b, samples), a))


def _points_to_segments(points: np.ndarray, strokes: Sequence[Stroke]) -> float:
    segs = np.asarray([(p, q) for s in strokes for p, q in zip(s[:-1], s[1:])], dtype=float)
    if len(segs) == 0:
        singles = np.asarray([s[0] for s in strokes], dtype=float)
        return float(np.sqrt(((points[:, None] - singles[None]) ** 2).sum(-1)).min())
    p0, d = segs[:, 0], segs[:, 1] - segs[:, 0]
    rel = points[:, None, :] - p0[None]
    t = np.clip((rel * d[None]).sum(-1) / np.maximum((d ** 2).sum(-1)[None], 1e-12), 0, 1)
    nearest = p0[None] + t[..., None] * d[None]
    return float(np.sqrt(((points[:, None] - nearest) ** 2).sum(-1)).min())


def _dense(strokes: Sequence[Stroke], samples: int) -> np.ndarray:
    out = []
    for s in strokes:
        for (x0, y0), (x1, y1) in zip(s[:-1], s[1:]):
            for t in np.linspace(0, 1, samples, endpoint=False):
                out.append((x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
        out.append(s[-1])
    return np.asarray(out, dtype=float)
