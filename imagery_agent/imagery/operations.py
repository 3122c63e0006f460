"""Operations on the visual buffer. Each one takes the clock and advances it by its cost.

The attention window is a disc on the image; `inspect` recognises what lies in it, `shift` moves
it one fixed step. `rotate`, `translate` and `zoom` change the image in small increments, so a
large change costs proportionally more steps; `compare` matches two images.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .clock import Clock
from .mental_image import MentalImage

SHIFT_STEP = 1 / 64
"""Length of one window shift, as a fraction of the image width."""
ROTATE_STEP = 10.0
"""Degrees per rotation increment."""


@dataclass
class Window:
    x: float       # centre, fraction of the image width
    y: float
    radius: float  # fraction of the image width

    def mask(self, size: int) -> np.ndarray:
        ys, xs = np.mgrid[0:size, 0:size]
        d = np.hypot((xs + 0.5) / size - self.x, (ys + 0.5) / size - self.y)
        return d <= self.radius


def inspect(image: MentalImage, window: Window, recogniser, clock: Clock) -> float:
    """One recognition step: how strongly the window shows what `recogniser` looks for (0..1).
    `recogniser(pixels) -> per-pixel evidence map` encodes what the thing looks like."""
    clock.tick("inspect", x=window.x, y=window.y)
    evidence = recogniser(image.pixels)
    m = window.mask(image.size)
    return float(evidence[m].max()) if m.any() else 0.0


def shift(window: Window, dx: float, dy: float, clock: Clock) -> Window:
    """Move the window by one step of SHIFT_STEP in the direction (dx, dy)."""
    norm = math.hypot(dx, dy)
    if norm == 0:
        raise ValueError("cannot shift the window in no direction")
    clock.tick("shift")
    return Window(window.x + SHIFT_STEP * dx / norm, window.y + SHIFT_STEP * dy / norm, window.radius)


def _fill(image: MentalImage) -> tuple[int, int, int]:
    corners = image.pixels[[0, 0, -1, -1], [0, -1, 0, -1]]
    return tuple(int(v) for v in np.median(corners, axis=0))


def rotate(image: MentalImage, degrees: float, clock: Clock, step: float = ROTATE_STEP) -> MentalImage:
    """Turn the image clockwise by `degrees` in increments of at most `step` (each one ticks)."""
    n = max(1, math.ceil(abs(degrees) / step)) if degrees else 0
    pil = Image.fromarray(image.pixels)
    for _ in range(n):
        clock.tick("rotate", degrees=degrees / n)
    if n:
        pil = pil.rotate(-degrees, resample=Image.BILINEAR, fillcolor=_fill(image))
    return image.derive(np.asarray(pil), f"rotate {degrees:g}")


def translate(image: MentalImage, dx: float, dy: float, clock: Clock) -> MentalImage:
    """Move the image content by (dx, dy) fractions of the width, one SHIFT_STEP per tick."""
    n = math.ceil(math.hypot(dx, dy) / SHIFT_STEP)
    for _ in range(n):
        clock.tick("translate")
    s = image.size
    pil = Image.fromarray(image.pixels).transform(
        (s, s), Image.AFFINE, (1, 0, -dx * s, 0, 1, -dy * s), resample=Image.BILINEAR, fillcolor=_fill(image))
    return image.derive(np.asarray(pil), f"translate {dx:g},{dy:g}")


def zoom(image: MentalImage, factor: float, clock: Clock, step: float = 1.1) -> MentalImage:
    """Scale about the centre by `factor`, in increments of at most `step` (x1.1) each."""
    if factor <= 0:
        raise ValueError(f"zoom factor must be positive, got {factor}")
    n = math.ceil(abs(math.log(factor)) / math.log(step)) if factor != 1 else 0
    for _ in range(n):
        clock.tick("zoom")
    s = image.size
    c = s / 2
    inv = 1 / factor
    pil = Image.fromarray(image.pixels).transform(
        (s, s), Image.AFFINE, (inv, 0, c - inv * c, 0, inv, c - inv * c), resample=Image.BILINEAR,
        fillcolor=_fill(image))
    return image.derive(np.asarray(pil), f"zoom {factor:g}")


def turn_model_increment(source: MentalImage, turned: float, direction: int, clock: Clock, axis: str = "depth",
                         step: float = ROTATE_STEP) -> tuple[MentalImage, float]:
    """One increment of a turn of the 3-D model an image was projected from (`source.code`),
    about `axis` ('depth': the vertical axis; 'picture'): the model turns `step` degrees further
    and is projected again. One `rotate` tick, as a turn in the picture plane. Returns (the
    projection of the turned model, degrees turned so far)."""
    if source.code is None or not hasattr(source.code, "turned"):
        raise ValueError("this image holds no 3-D model to turn (imagine it with a 3-D imager, e.g. Model3DImaginer)")
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 (clockwise) or -1 (anticlockwise), got {direction!r}")
    clock.tick("rotate", degrees=direction * step, axis=axis)
    total = turned + direction * step
    model = source.code.turned(total, axis)
    return source.derive(model.project(source.size), f"turn {total:g} ({axis})", code=model), total


def compare(a: MentalImage, b: MentalImage, clock: Clock) -> float:
    """Similarity of two images in [-1, 1] (correlation of their pixels)."""
    if a.pixels.shape != b.pixels.shape:
        raise ValueError(f"cannot compare images of shapes {a.pixels.shape} and {b.pixels.shape}")
    clock.tick("compare")
    x = a.pixels.astype(float).ravel() - a.pixels.mean()
    y = b.pixels.astype(float).ravel() - b.pixels.mean()
    d = math.sqrt((x @ x) * (y @ y))
    return float(x @ y / d) if d else 1.0


def rotate_increment(source: MentalImage, turned: float, direction: int, clock: Clock,
                     step: float = ROTATE_STEP) -> tuple[MentalImage, float]:
    """One increment of a continuing turn (mental rotation): the image, turned `turned` degrees
    clockwise from `source` so far, turns `step` degrees further (`direction` +1 clockwise, -1
    anticlockwise). One tick per increment, as in `rotate`. The picture is resampled from
    `source` at the new orientation, so a long turn made of many increments does not blur the
    image more than a single turn would. Returns (the turned image, degrees turned so far)."""
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 (clockwise) or -1 (anticlockwise), got {direction!r}")
    clock.tick("rotate", degrees=direction * step)
    total = turned + direction * step
    pil = Image.fromarray(source.pixels).rotate(-total, resample=Image.BILINEAR, fillcolor=_fill(source))
    return source.derive(np.asarray(pil), f"rotate {total:g}"), total
