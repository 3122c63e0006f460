"""How well an image shows its composition: each part's strokes where they belong.

A part's strokes are drawn alone (at the composition's layout) as a template; the part counts
as present when at least RECALL of its ink is inked in the image at the best-matching shift,
and as placed when that shift is within 1/16 of the image width. A scene is exact when every
part is placed and the image holds no more than (1 - PRECISION) stray ink.
"""
from __future__ import annotations

import math

import numpy as np

from ..scenes import compositions
from ..scenes.agreement import TOLERANCE
from ..scenes.drawing import Canvas, grow_mask
from .objects import summarise_objects

RECALL = 0.7
PRECISION = 0.7
MAX_SHIFT = 0.25
"""Largest shift searched, as a fraction of the width."""


def _ink(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, np.float32).mean(-1) < 128


def _part_mask(strokes: dict, size: int) -> np.ndarray:
    canvas = Canvas(size)
    for s in strokes.values():
        canvas.polyline(s, (0, 0, 0), compositions.STROKE_WIDTH)
    return _ink(canvas.to_array())


def _best_shift(ink: np.ndarray, mask: np.ndarray, max_shift: int) -> tuple[float, int, int]:
    best = (-1.0, 0, 0)
    total = mask.sum()
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            moved = np.roll(np.roll(mask, dy, 0), dx, 1)
            recall = float((moved & ink).sum() / total) if total else 0.0
            if recall > best[0] + 1e-9 or (abs(recall - best[0]) <= 1e-9 and math.hypot(dx, dy) < math.hypot(*best[1:])):
                best = (recall, dx, dy)
    return best


def score_composition(image: np.ndarray, comp: compositions.Composition, grow: int | None = None) -> dict:
    """`grow`: pixels by which the image's ink is widened before the parts are looked for (default
    1/64 of the width: one pixel at 64, none at 32), so that strokes thinner than the renderer's
    (a part imagined at 32 pixels and reduced in the buffer) still count; stray ink is counted on
    the image's own ink."""
    size = np.asarray(image).shape[0]
    grow = size // 64 if grow is None else grow
    own = _ink(image)
    ink = grow_mask(own, grow)
    masks = [_part_mask(p, size) for p in compositions.fitted(comp)]
    present, placed, errors = [], [], []
    for mask in masks:
        recall, dx, dy = _best_shift(ink, mask, int(MAX_SHIFT * size))
        err = math.hypot(dx, dy) / size
        present.append(recall >= RECALL)
        errors.append(err if present[-1] else math.inf)
        placed.append(present[-1] and err <= TOLERANCE)
    union = np.any(masks, axis=0)
    precision = float((own & grow_mask(union, grow)).sum() / max(1, own.sum()))
    return {"present": present, "errors": errors, "placed": placed, "precision": precision,
            "exact": all(placed) and precision >= PRECISION}


def summarise(scores: list[dict]) -> dict:
    return {**summarise_objects(scores),
            "ink_precision": float(np.mean([s["precision"] for s in scores])) if scores else 0.0}
