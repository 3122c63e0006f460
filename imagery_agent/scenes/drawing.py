"""Anti-aliased, deterministic drawing: strokes are drawn 4x larger and box-filtered down."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from .errors import SceneError

SUPERSAMPLE = 4
Point = tuple[float, float]


def check_size(size: int) -> int:
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or not 8 <= int(size) <= 1024:
        raise SceneError(f"image size must be an integer between 8 and 1024 pixels, got {size!r}")
    return int(size)


class Canvas:
    """A supersampled PIL canvas whose coordinates are fractions of the final image width."""

    def __init__(self, size: int, background=(255, 255, 255)):
        self.size = check_size(size)
        self.big = self.size * SUPERSAMPLE
        self.image = Image.new("RGB", (self.big, self.big), tuple(int(c) for c in background))
        self.draw = ImageDraw.Draw(self.image)

    def _px(self, p: Point) -> tuple[float, float]:
        return (p[0] * self.big, p[1] * self.big)

    def polyline(self, points: Sequence[Point], colour, width: float) -> None:
        """A stroke of `width` (fraction of the image width), with round joints and caps."""
        w = max(1, int(round(width * self.big)))
        pts = [self._px(p) for p in points]
        if len(pts) >= 2:
            self.draw.line(pts, fill=tuple(colour), width=w, joint="curve")
        r = w / 2
        for x, y in (pts[0], pts[-1]):
            self.draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(colour))

    def polygon(self, points: Sequence[Point], fill, outline=None, width: float = 0.0) -> None:
        pts = [self._px(p) for p in points]
        self.draw.polygon(pts, fill=None if fill is None else tuple(fill))
        if outline is not None and width > 0:
            self.polyline(list(points) + [points[0]], outline, width)

    def disc(self, centre: Point, radius: float, fill) -> None:
        x, y = self._px(centre)
        r = radius * self.big
        self.draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(fill))

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill) -> None:
        self.draw.rectangle([x0 * self.big, y0 * self.big, x1 * self.big - 1, y1 * self.big - 1], fill=tuple(fill))

    def to_array(self) -> np.ndarray:
        """The final (size, size, 3) uint8 image, box-filtered from the supersampled canvas."""
        small = self.image.resize((self.size, self.size), Image.BOX)
        return np.asarray(small, dtype=np.uint8).copy()


def grow_mask(mask: np.ndarray, pixels: int = 1) -> np.ndarray:
    """A boolean mask widened by `pixels` (four-neighbour steps): ink that near counts as touching."""
    for _ in range(pixels):
        grown = mask.copy()
        grown[1:] |= mask[:-1]
        grown[:-1] |= mask[1:]
        grown[:, 1:] |= mask[:, :-1]
        grown[:, :-1] |= mask[:, 1:]
        mask = grown
    return mask
