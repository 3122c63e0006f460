"""Generating an image part by part in the visual buffer (Kosslyn 1980's PUT, with Finke's joins).

Each part arrives as a small upright mental image (a glyph imagined from its words) and becomes a
layer of the buffer, one glyph box (32 pixels) wide. Buffer operations then turn, mirror, flip
and scale it (its strokes keep the pen's width), slide it towards an earlier part until the
middles of their strokes meet ('so that they touch'), centre it inside one, move it, or change
every layer together ('now rotate the figure'). Every increment ticks the clock: a long slide or
a large turn takes more steps. Where a part goes is found on the layers' ink, never from the
parts' stroke geometry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy.ndimage import affine_transform, grey_dilation, grey_erosion

from ..scenes import compositions
from ..scenes.errors import SceneError
from ..scenes.glyphs import Glyph, canonical as glyph_words
from .clock import Clock
from .mental_image import MentalImage
from .operations import ROTATE_STEP

BOX = 32
"""Pixels of one glyph box in the buffer: a part image is drawn at this size."""
WORK = 320
"""Width of the working buffer: room for five parts in a row at double size."""
INK = 0.3
"""Darkness above which a pixel counts as ink."""
SPECK = 0.15
"""Darkness below which a part image's pixel is paper (the backbone's faint noise is dropped)."""
GAP = 4
"""Pixels between two parts' ink before the mover slides to meet its anchor."""
INSET = 1.0
"""Half a part's stroke width in the buffer (0.06 of a 32-pixel glyph box): a picture is framed
on the middles of the strokes, as the renderer frames a composition on its stroke lines."""
ZOOM_STEP = 1.1
MOVE_STEP = 0.25
"""One 'step' of a move: a quarter of the part's height (the compositions family's unit)."""

_LINEAR = {"mirror": ((-1, 0), (0, 1)), "flip": ((1, 0), (0, -1))}


def darkness(image: MentalImage) -> np.ndarray:
    """Ink as darkness 0..1 (paper 0), with the faint speckle of an imagined image removed."""
    d = 1 - image.pixels.astype(np.float32).mean(-1) / 255
    d[d < SPECK] = 0
    return d


def _box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) of the ink, pixel edges, or None for a blank mask."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def _warp(layer: np.ndarray, forward: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """The layer under the linear map `forward` (x right, y down) about `centre` (pixels)."""
    inv = np.linalg.inv(forward)
    m = inv[::-1, ::-1]  # (row, col) order for scipy
    c = np.array([centre[1], centre[0]])
    return affine_transform(layer, m, offset=c - m @ c, order=1, mode="constant", cval=0.0)


def middles(layer: np.ndarray) -> np.ndarray:
    """The middles of a layer's strokes: ink at least as dark as both its neighbours across x or
    across y, and darker than one of them (the ridge of an antialiased stroke; on a flat, fully
    dark stroke three or more pixels wide, its two edges). The renderer's parts touch where their stroke lines
    do, so that their inks overlap by a pen's width: parts slid only until their inks meet stay
    a pen's width and more apart (3 to 4 buffer pixels, most of the placement tolerance)."""
    pad = np.pad(layer, 1)
    out = np.zeros(layer.shape, bool)
    for a, b in ((pad[1:-1, :-2], pad[1:-1, 2:]), (pad[:-2, 1:-1], pad[2:, 1:-1])):
        out |= (layer >= a) & (layer >= b) & ((layer > a) | (layer > b))
    return out & (layer > INK)


def _disc(r: int) -> np.ndarray:
    """A round pen tip of radius r pixels (the four-neighbour diamond; one pixel at r = 0)."""
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return np.abs(yy) + np.abs(xx) <= r


def _shift(layer: np.ndarray, dx: int, dy: int) -> np.ndarray:
    out = np.zeros_like(layer)
    h, w = layer.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = layer[ys, xs]
    return out


class PartBuffer:
    """Layers of ink on one working canvas; the picture is their union, fitted to the image."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.layers: list[np.ndarray] = []

    # --- parts ---------------------------------------------------------------------------
    def add(self, part: MentalImage) -> int:
        """Put a part image in the middle of the canvas, one glyph box wide; its index."""
        d = darkness(part)
        if part.size != BOX:
            d = np.asarray(Image.fromarray(d, mode="F").resize((BOX, BOX), Image.BILINEAR))
        layer = np.zeros((WORK, WORK), np.float32)
        o = (WORK - BOX) // 2
        layer[o:o + BOX, o:o + BOX] = d
        self.layers.append(layer)
        return len(self.layers) - 1

    def box(self, indices=None) -> tuple[float, float, float, float] | None:
        idx = range(len(self.layers)) if indices is None else indices
        if not self.layers or not list(idx):
            return None
        return _box(np.max([self.layers[i] for i in idx], axis=0) > INK)

    def _centre(self, indices) -> tuple[float, float]:
        b = self.box(indices)
        return (WORK / 2, WORK / 2) if b is None else ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)

    # --- transformations ----------------------------------------------------------------
    def transform(self, indices, op: str, value: float = 0) -> None:
        """Turn (degrees, + clockwise), mirror, flip or scale (percent) the given layers together
        about the centre of their ink, in increments that each tick. Scaling keeps the pen's width
        (the renderer draws every part with one pen): strokes are thickened before a part shrinks
        (else a half-size part fades to faint one-pixel lines) and thinned after it grows."""
        indices = list(indices)
        if op == "rotate":
            for _ in range(max(1, math.ceil(abs(value) / ROTATE_STEP))):
                self.clock.tick("rotate", degrees=value)
            a = math.radians(value)
            forward = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        elif op in _LINEAR:
            self.clock.tick("reflect", axis=op)
            forward = np.array(_LINEAR[op], float)
        elif op == "scale":
            k = value / 100
            if k <= 0:
                raise ValueError(f"scale must be positive, got {value}%")
            for _ in range(max(1, math.ceil(abs(math.log(k)) / math.log(ZOOM_STEP)))):
                self.clock.tick("zoom")
            forward = np.eye(2) * k
        else:
            raise ValueError(f"unknown buffer operation {op!r}; known: rotate, mirror, flip, scale")
        centre = self._centre(indices)
        for i in indices:
            layer = self.layers[i]
            if op == "scale" and k < 1:  # at most a glyph box's pen grown fourfold, however small the part
                layer = grey_dilation(layer, footprint=_disc(min(4, round((1 / k - 1) * INSET))))
            layer = _warp(layer, forward, centre)
            if op == "scale" and k > 1:
                layer = grey_erosion(layer, footprint=_disc(round((k - 1) * INSET)))
            self.layers[i] = layer

    def translate(self, index: int, dx: int, dy: int) -> None:
        """Move a layer by whole pixels, one tick per pixel of path."""
        for _ in range(abs(dx) + abs(dy)):
            self.clock.tick("translate")
        self.layers[index] = _shift(self.layers[index], dx, dy)

    # --- joins --------------------------------------------------------------------------
    def place(self, index: int, relation: str, anchor: int) -> int:
        """Bring a part against an earlier one: centred across the relation's axis, GAP pixels
        off, then slid one pixel at a time until the middles of the two parts' strokes meet (or
        their boxes do, when the part would pass beside it). Inside: scaled to half the anchor's
        box and centred in it. Returns the pixels slid."""
        self.clock.tick("glance", looking_for="anchor")
        if relation == "inside":
            a, m = self.box([anchor]), self.box([index])
            k = 0.5 * min((a[2] - a[0]) / (m[2] - m[0]), (a[3] - a[1]) / (m[3] - m[1]))
            if k < 1:
                self.transform([index], "scale", 100 * k)
            (ax, ay), (mx, my) = self._centre([anchor]), self._centre([index])
            self.translate(index, round(ax - mx), round(ay - my))
            return 0
        a, m = self.box([anchor]), self.box([index])
        (ax, ay), (mx, my) = self._centre([anchor]), self._centre([index])
        start = {"below": (ax - mx, a[3] + GAP - m[1]), "above": (ax - mx, a[1] - GAP - m[3]),
                 "right-of": (a[2] + GAP - m[0], ay - my), "left-of": (a[0] - GAP - m[2], ay - my)}[relation]
        self.layers[index] = _shift(self.layers[index], round(start[0]), round(start[1]))
        step = {"below": (0, -1), "above": (0, 1), "right-of": (-1, 0), "left-of": (1, 0)}[relation]
        fixed, mover = middles(self.layers[anchor]), middles(self.layers[index])
        limit = GAP + int(max(a[2] - a[0], a[3] - a[1]) + max(m[2] - m[0], m[3] - m[1]))
        for n in range(1, limit + 1):
            self.clock.tick("translate")
            if (_shift(mover, step[0] * n, step[1] * n) & fixed).any():
                self.layers[index] = _shift(self.layers[index], step[0] * n, step[1] * n)
                return n
        # never met: the part passes beside its anchor; the boxes of their strokes' middles meet instead
        n = GAP + round(2 * INSET)
        self.layers[index] = _shift(self.layers[index], step[0] * n, step[1] * n)
        return n

    def move(self, index: int, right: int, down: int) -> None:
        """'Move it two steps to the left': steps of a quarter of the part's height (from the
        middle of its top stroke to the middle of its bottom one, as the renderer measures it)."""
        b = self.box([index])
        step = MOVE_STEP * max(b[3] - b[1] - 2 * INSET, 0.2 * BOX)
        self.translate(index, round(right * step), round(down * step))

    # --- the picture --------------------------------------------------------------------
    def picture(self, size: int = 64, margin: float = 0.1) -> np.ndarray:
        """The union of the layers, scaled and centred to fill `size` pixels with `margin` left,
        as the compositions renderer frames a composition (uint8 RGB, black ink on white)."""
        if not self.layers:
            return np.full((size, size, 3), 255, np.uint8)
        union = np.max(self.layers, axis=0)
        b = _box(union > INK)
        if b is None:
            return np.full((size, size, 3), 255, np.uint8)
        b = (b[0] + INSET, b[1] + INSET, b[2] - INSET, b[3] - INSET)  # the strokes' middles, not their edges
        side = max(b[2] - b[0], b[3] - b[1]) / (1 - 2 * margin)
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        crop = Image.fromarray(union, mode="F").transform(
            (size, size), Image.EXTENT, (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2),
            resample=Image.BILINEAR) if side < size else None
        if crop is None:  # shrinking: crop at full resolution, then average down (thin strokes survive)
            n = int(math.ceil(side))
            big = Image.fromarray(union, mode="F").transform(
                (n, n), Image.EXTENT, (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2),
                resample=Image.BILINEAR)
            crop = big.resize((size, size), Image.BOX)
        dark = np.clip(np.asarray(crop, np.float32), 0, 1)
        grey = np.round(255 * (1 - dark)).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)


@dataclass
class Step:
    """One stage of an image generated part by part: what was done and the picture after it."""
    label: str
    image: np.ndarray


def glyph_of(part: compositions.Part) -> Glyph:
    """The upright glyph a part starts from (its symbol, less the strokes it is told to lose)."""
    return Glyph(part.symbol, tuple(r for r in compositions.GLYPHS[part.symbol] if r in part.removed))


def build_by_parts(comp: compositions.Composition, part_imaginer, clock: Clock, *, seed: int = 0,
                   size: int = 64) -> list[Step]:
    """Generate a composition's image part by part: imagine each part upright from its words
    (one 'imagine' tick), turn it as told, slide it against its anchor, move it, and turn the
    whole figure where told; the picture after each part (and each whole-figure change)."""
    buf, steps = PartBuffer(clock), []
    texts = [glyph_words(glyph_of(part)) for part in comp.parts]
    images = part_imaginer.imagine(texts, seed=seed)  # part i from seed + i, as one at a time would be
    for i, (part, text, image) in enumerate(zip(comp.parts, texts, images)):
        clock.tick("imagine", part=text)
        if image.size != BOX:
            raise ValueError(f"part images must be {BOX} x {BOX} pixels, got {image.size}")
        k = buf.add(image)
        if buf.box([k]) is None:  # nothing to turn, place or join: say so rather than place nothing
            raise SceneError(f"part {i + 1} ({text.rstrip('.')}) was imagined blank (seed {seed + i}); "
                             "imagine it again with another seed")
        label = text.rstrip(".")
        for op, value in part.ops:
            buf.transform([k], op, value)
            label += f", {op} {value}" if op in ("rotate", "scale") else f", {op}"
        if part.relation is not None:
            buf.place(k, part.relation, part.anchor)
            label += f", {part.relation} part {part.anchor + 1}"
        if part.move != (0, 0):
            buf.move(k, *part.move)
            label += f", moved {part.move}"
        steps.append(Step(label, buf.picture(size)))
        for _, op, value in [f for f in comp.figure_ops if f[0] == i]:
            buf.transform(range(len(buf.layers)), op, value)
            steps.append(Step(f"whole figure: {op}" + (f" {value}" if op in ("rotate", "scale") else ""),
                              buf.picture(size)))
    return steps
