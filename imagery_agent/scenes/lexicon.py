"""Everyday objects as simple line-drawing icons, for recognising what a composition has become.

Drawn by this module's own geometry (ellipse arcs, Bezier curves, polylines), never from the letter
strokes, so that recognising an umbrella in an imagined 'D on its back above a J' is a real discovery,
not a lookup.

Each drawing takes an optional `numpy.random.Generator`. Without one it gives the object's canonical
proportions; with one, the lengths, widths and positions of its parts vary (mostly by 15-20 %) and
optional details (a door, a chimney, spots, a tail...) come and go, so that a recogniser trained on many
variants learns the gist of the shape rather than one exact drawing. Every drawing is finally fitted
into the unit square (y pointing down): its larger side spans about 0.8 and it lies within
[0.05, 0.95] on both axes.
"""
from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

from .drawing import Canvas
from .errors import SceneError

Point = tuple[float, float]
Stroke = list[Point]

# --- variation ---------------------------------------------------------------------------------


def _v(rng, lo: float, hi: float, c: float) -> float:
    """`c` for the canonical drawing (rng None), else uniform in [lo, hi]."""
    return c if rng is None else float(rng.uniform(lo, hi))


def _j(rng, c: float, rel: float = 0.15) -> float:
    """`c`, or `c` changed by up to +-rel of itself."""
    return _v(rng, c * (1 - rel), c * (1 + rel), c)


def _n(rng, lo: int, hi: int, c: int) -> int:
    """`c`, or a whole number from lo to hi."""
    return c if rng is None else int(rng.integers(lo, hi + 1))


def _k(rng, p: float, c: bool) -> bool:
    """Whether a detail is drawn: `c` canonically, with probability p in a variant."""
    return c if rng is None else bool(rng.random() < p)


# --- geometry ----------------------------------------------------------------------------------


def _curve(cx, cy, rx, a0, a1, ry=None, rot=0.0, n=None) -> Stroke:
    """An elliptical arc from a0 to a1 degrees (y down: 90 is the bottom, 270 the top), turned by rot."""
    n = n or max(6, int(abs(a1 - a0) / 7) + 2)
    t = np.radians(np.linspace(a0, a1, n))
    x, y = rx * np.cos(t), (rx if ry is None else ry) * np.sin(t)
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    return list(zip(cx + c * x - s * y, cy + s * x + c * y))


def _ring(cx, cy, rx, ry=None, rot=0.0) -> Stroke:
    return _curve(cx, cy, rx, 0, 360, ry, rot)


def _bez(*ctrl, n: int = 14) -> Stroke:
    """A Bezier curve from its first to its last control point."""
    p, m = np.asarray(ctrl, float), len(ctrl) - 1
    t = np.linspace(0, 1, n)[:, None]
    pts = sum(math.comb(m, i) * t ** i * (1 - t) ** (m - i) * p[i] for i in range(m + 1))
    return [tuple(q) for q in pts]


def _box(x0, y0, x1, y1) -> Stroke:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def _rbox(x0, y0, x1, y1, r) -> Stroke:
    """A rectangle with rounded corners."""
    return (_curve(x1 - r, y0 + r, r, 270, 360, n=5) + _curve(x1 - r, y1 - r, r, 0, 90, n=5)
            + _curve(x0 + r, y1 - r, r, 90, 180, n=5) + _curve(x0 + r, y0 + r, r, 180, 270, n=5)
            + [(x1 - r, y0)])


def _dot(x, y) -> Stroke:
    return [(x, y), (x + 0.004, y)]


def _head(tip, angle, length, spread=30.0) -> Stroke:
    """An open arrowhead at `tip`, pointing along `angle` degrees."""
    out = []
    for a in (angle + 180 - spread, angle + 180 + spread):
        out.append((tip[0] + length * math.cos(math.radians(a)), tip[1] + length * math.sin(math.radians(a))))
    return [out[0], tuple(tip), out[1]]


def _mirror(strokes):
    return [[(1 - x, y) for x, y in s] for s in strokes]


def _fit(strokes, rng):
    """Scale uniformly so the larger side spans about 0.8, centre (with a small shift in variants)."""
    pts = np.concatenate([np.asarray(s, float) for s in strokes])
    lo, hi = pts.min(0), pts.max(0)
    scale = _v(rng, 0.72, 0.86, 0.8) / max(float((hi - lo).max()), 1e-9)
    out = [(np.asarray(s, float) - (lo + hi) / 2) * scale + 0.5 for s in strokes]
    half = (hi - lo) * scale / 2
    room = np.maximum(0.44 - half, 0.0)
    shift = np.zeros(2) if rng is None else rng.uniform(-1, 1, 2) * np.minimum(room, 0.03)
    return [[(float(x), float(y)) for x, y in s + shift] for s in out]


DRAWINGS: dict[str, Callable] = {}


def _drawing(name: str):
    """Register a drawing under `name`; the registered callable fits it into the unit square."""
    def register(f):
        @functools.wraps(f)
        def draw(rng=None):
            return _fit(f(rng), rng)
        DRAWINGS[name] = draw
        return draw
    return register


# --- the required objects ---------------------------------------------------------------------


@_drawing("umbrella")
def _umbrella(rng):
    """Umbrella: a dome canopy on a straight shaft that ends in a J-hook."""
    w, h, y0 = _j(rng, 0.42), _j(rng, 0.27, 0.2), 0.42
    out = [_curve(0.5, y0, w, 180, 360, ry=h)]
    if _k(rng, 0.5, False):  # scalloped lower edge, bulging up between the rib tips
        n = _n(rng, 3, 5, 4)
        r, d = w / n, _v(rng, 0.3, 0.6, 0.45)
        edge = []
        for i in range(n):
            edge += _curve(0.5 + w - (2 * i + 1) * r, y0, r, 0, -180, ry=r * d)
        out.append(edge)
    else:
        out.append([(0.5 - w, y0), (0.5 + w, y0)])
    top = y0 - h if _k(rng, 0.3, False) else y0
    length, hr = _j(rng, 0.4), _j(rng, 0.075, 0.2)
    out.append([(0.5, top), (0.5, y0 + length)] + _curve(0.5 - hr, y0 + length, hr, 0, _v(rng, 170, 200, 180))[1:])
    if _k(rng, 0.5, False):
        out.append([(0.5, y0 - h), (0.5, y0 - h - _j(rng, 0.05, 0.3))])
    return _mirror(out) if _k(rng, 0.25, False) else out


@_drawing("ice-cream cone")
def _ice_cream_cone(rng):
    """Ice-cream cone: a round scoop on a downward-pointing triangle."""
    r, cy = _j(rng, 0.2), 0.3
    top, cw, length = cy + r * _v(rng, 0.55, 0.95, 0.8), r * _v(rng, 0.8, 1.1, 0.95), r * _v(rng, 2.0, 2.8, 2.4)
    cone = [(0.5 - cw, top), (0.5, top + length), (0.5 + cw, top)]
    out = [_ring(0.5, cy, r), cone + ([(0.5 - cw, top)] if _k(rng, 0.7, True) else [])]
    if _k(rng, 0.4, False):  # waffle lines
        def edge(side, t):
            return (0.5 + side * cw * (1 - t), top + length * t)
        out += [[edge(-1, 0.15), edge(1, 0.55)], [edge(1, 0.15), edge(-1, 0.55)]]
    return out


@_drawing("heart")
def _heart(rng):
    """Heart: two round bumps over a V point."""
    r, cy = _j(rng, 0.2), 0.35
    d = r * _v(rng, 0.78, 0.98, 0.9)
    tip, side = cy + r * _v(rng, 2.1, 2.8, 2.5), _v(rng, 140, 165, 150)
    a = math.degrees(math.acos(d / r))
    left = _curve(0.5 - d, cy, r, 360 - a, side)
    right = _curve(0.5 + d, cy, r, 180 + a, 540 - side)
    return [[(0.5, tip)] + left[::-1] + right + [(0.5, tip)]]


@_drawing("sailboat")
def _sailboat(rng):
    """Sailboat: a hull with a mast and a triangular sail."""
    hw, hd, y0 = _j(rng, 0.36), _j(rng, 0.13, 0.2), 0.7
    if _k(rng, 0.5, False):
        hull = [(0.5 - hw, y0), (0.5 + hw, y0), (0.5 + hw * 0.7, y0 + hd), (0.5 - hw * 0.7, y0 + hd), (0.5 - hw, y0)]
    else:
        hull = [(0.5 - hw, y0), (0.5 + hw, y0)] + _curve(0.5, y0, hw, 0, 180, ry=hd)
    mx = 0.5 + _v(rng, -0.08, 0.04, -0.03)
    top, sb = y0 - _j(rng, 0.58, 0.12), y0 - _v(rng, 0.04, 0.1, 0.06)
    sw = _j(rng, 0.3)
    out = [hull, [(mx, y0), (mx, top)], [(mx, top + 0.02), (mx + sw, sb), (mx, sb)]]
    if _k(rng, 0.4, False):  # a jib in front of the mast
        out.append([(mx, top + _v(rng, 0.05, 0.15, 0.1)), (mx - _j(rng, 0.2), sb), (mx, sb)])
    if _k(rng, 0.3, False):
        out.append([(mx, top), (mx + 0.08, top + 0.03), (mx, top + 0.06)])
    return out


@_drawing("pine tree")
def _pine_tree(rng):
    """Pine tree: stacked triangular tiers on a short trunk."""
    k, h, w, top = _n(rng, 2, 4, 3), _j(rng, 0.7, 0.1), _j(rng, 0.34), 0.08
    inset = _v(rng, 0.4, 0.6, 0.5)
    left = [(0.5, top)]
    for i in range(k):
        wi, yi = w * (0.45 + 0.55 * (i + 1) / k), top + h * (i + 1) / k
        left.append((0.5 - wi, yi))
        if i < k - 1:
            left.append((0.5 - wi * inset, yi))
    right = [(1 - x, y) for x, y in left[::-1]]
    bl, tw, tl = left[-1][1], _j(rng, 0.06), _j(rng, 0.12, 0.25)
    return [left + right, [(0.5 - tw, bl), (0.5 - tw, bl + tl), (0.5 + tw, bl + tl), (0.5 + tw, bl)]]


@_drawing("house")
def _house(rng):
    """House: a square with a triangular roof, a door, maybe a window and a chimney."""
    bw, bh, rh, oh = _j(rng, 0.3), _j(rng, 0.36), _j(rng, 0.3, 0.2), _v(rng, 0.0, 0.06, 0.03)
    bot = 0.92
    top = bot - bh
    out = [_box(0.5 - bw, top, 0.5 + bw, bot), [(0.5 - bw - oh, top), (0.5, top - rh), (0.5 + bw + oh, top)]]
    window = _k(rng, 0.5, False)
    if _k(rng, 0.7, True):
        dw, dh = bw * _j(rng, 0.28), bh * _j(rng, 0.55)
        dx = 0.5 - 0.4 * bw if window else 0.5 + _v(rng, -0.1, 0.1, 0.0) * bw
        out.append([(dx - dw / 2, bot), (dx - dw / 2, bot - dh), (dx + dw / 2, bot - dh), (dx + dw / 2, bot)])
    if window:
        s, wx, wy = bw * _j(rng, 0.16), 0.5 + 0.45 * bw, top + 0.4 * bh
        out += [_box(wx - s, wy - s, wx + s, wy + s), [(wx - s, wy), (wx + s, wy)], [(wx, wy - s), (wx, wy + s)]]
    if _k(rng, 0.3, False):
        half = bw + oh
        x0, x1 = 0.5 + 0.45 * half, 0.5 + 0.65 * half

        def roof(x):
            return top - rh * (1 - (x - 0.5) / half)
        ct = top - rh * 0.85
        out.append([(x0, roof(x0)), (x0, ct), (x1, ct), (x1, roof(x1))])
    return out


@_drawing("glasses")
def _glasses(rng):
    """Glasses: two rings joined by a short bridge, with short temple arms."""
    r, g = _j(rng, 0.15), _j(rng, 0.08, 0.25)
    shape = "round" if rng is None else str(rng.choice(["round", "oval", "square"], p=[0.45, 0.3, 0.25]))
    ry = r if shape == "round" else r * _v(rng, 0.65, 0.9, 0.8)
    out = []
    for s in (-1, 1):
        cx = 0.5 + s * (g / 2 + r)
        out.append(_rbox(cx - r, 0.5 - ry, cx + r, 0.5 + ry, 0.4 * ry) if shape == "square" else _ring(cx, 0.5, r, ry))
    yb = 0.5 - 0.3 * ry
    out.append(_bez((0.5 - g / 2 - 0.01, yb), (0.5, yb - _j(rng, 0.05, 0.4)), (0.5 + g / 2 + 0.01, yb)))
    if _k(rng, 0.6, True):
        tl = _j(rng, 0.09, 0.3)
        for s in (-1, 1):
            x = 0.5 + s * (g / 2 + 2 * r * 0.98)
            out.append([(x, yb), (x + s * tl, yb - _v(rng, 0.02, 0.06, 0.04))])
    return out


@_drawing("ladder")
def _ladder(rng):
    """Ladder: two long rails with three to five rungs."""
    w, n, over = _j(rng, 0.2, 0.2), _n(rng, 3, 5, 4), _v(rng, 0.04, 0.12, 0.08)
    out = [[(0.5 - w, 0.06), (0.5 - w, 0.94)], [(0.5 + w, 0.06), (0.5 + w, 0.94)]]
    return out + [[(0.5 - w, y), (0.5 + w, y)] for y in np.linspace(0.06 + over, 0.94 - over, n)]


@_drawing("goblet")
def _goblet(rng):
    """Goblet: a bowl on a thin stem on a flat foot."""
    bw, bd, top = _j(rng, 0.26), _j(rng, 0.3), 0.08
    if _k(rng, 0.3, False):
        bowl = [(0.5 - bw, top), (0.5, top + bd), (0.5 + bw, top), (0.5 - bw, top)]
    else:
        bowl = _curve(0.5, top, bw, 180, 0, ry=bd) + [(0.5 - bw, top)]
    sl, fw, fh = _j(rng, 0.32), _j(rng, 0.18), _j(rng, 0.05, 0.3)
    fy = top + bd + sl
    foot = _curve(0.5, fy + fh, fw, 180, 360, ry=fh) + [(0.5 - fw, fy + fh)]
    return [bowl, [(0.5, top + bd), (0.5, fy)], foot]


@_drawing("broom")
def _broom(rng):
    """Broom: a long handle with a fan of bristles."""
    hl, bt, bw, bl = _j(rng, 0.5), _j(rng, 0.07), _j(rng, 0.24), _j(rng, 0.3)
    y1 = 0.06 + hl
    out = [[(0.5, 0.06), (0.5, y1)]]
    y2 = y1
    if _k(rng, 0.6, True):
        out.append(_box(0.5 - bt, y1, 0.5 + bt, y1 + 0.05))
        y2 = y1 + 0.05
    out.append([(0.5 - bt, y2), (0.5 - bw, y2 + bl), (0.5 + bw, y2 + bl), (0.5 + bt, y2)])
    m = _n(rng, 2, 4, 3)
    for t in np.linspace(-1, 1, m + 2)[1:-1]:
        out.append([(0.5 + t * bt, y2), (0.5 + t * bw, y2 + bl)])
    return out


@_drawing("clock")
def _clock(rng):
    """Clock: a circle with an hour hand and a minute hand."""
    out = [_ring(0.5, 0.5, 0.42)]
    ticks = 4 if rng is None else int(rng.choice([0, 4, 12]))
    for i in range(ticks):
        a = math.radians(i * 360 / ticks)
        out.append([(0.5 + r * math.sin(a), 0.5 - r * math.cos(a)) for r in (0.31, 0.36)])
    hour = _v(rng, 0, 360, 300)
    minute = hour + (120 if rng is None else float(rng.choice([-1, 1]) * rng.uniform(60, 150)))
    for a, length in ((hour, _j(rng, 0.18)), (minute, _j(rng, 0.28, 0.1))):
        a = math.radians(a)
        out.append([(0.5, 0.5), (0.5 + length * math.sin(a), 0.5 - length * math.cos(a))])
    return out


@_drawing("flag")
def _flag(rng):
    """Flag: a pole with a rectangular or triangular flag at its top."""
    px, top, fw, fh, pl = 0.2, 0.06, _j(rng, 0.6), _j(rng, 0.36, 0.2), _j(rng, 0.88, 0.08)
    out = [[(px, top), (px, top + pl)]]
    kind = "rect" if rng is None else str(rng.choice(["rect", "wave", "pennant"], p=[0.4, 0.35, 0.25]))
    if kind == "pennant":
        out.append([(px, top), (px + fw, top + fh / 2), (px, top + fh)])
    elif kind == "wave":
        a, xs = _v(rng, 0.02, 0.05, 0.03), np.linspace(0, 1, 12)
        wave = a * np.sin(2 * np.pi * xs)
        out.append([(px, top)] + [(px + fw * x, top + w) for x, w in zip(xs, wave)][1:]
                   + [(px + fw * x, top + fh + w) for x, w in zip(xs[::-1], wave[::-1])] + [(px, top + fh)])
    else:
        out.append([(px, top), (px + fw, top), (px + fw, top + fh), (px, top + fh)])
    if _k(rng, 0.3, False):
        out.append([(px - 0.08, top + pl), (px + 0.08, top + pl)])
    if _k(rng, 0.3, False):
        out.append(_ring(px, top - 0.03, 0.025))
    return out


@_drawing("balloon")
def _balloon(rng):
    """Balloon: an upright oval with a little knot and a wavy string."""
    rx = _j(rng, 0.22)
    ry = rx * _v(rng, 1.12, 1.35, 1.22)
    cy = 0.06 + ry
    by = cy + ry
    out = [_ring(0.5, cy, rx, ry), [(0.5, by), (0.465, by + 0.045), (0.535, by + 0.045), (0.5, by)]]
    sl, a, waves = _j(rng, 0.35), _v(rng, 0.015, 0.05, 0.03), _v(rng, 0.8, 2.0, 1.5)
    t = np.linspace(0, 1, 24)
    out.append(list(zip(0.5 + a * np.sin(2 * np.pi * waves * t), by + 0.045 + sl * t)))
    if _k(rng, 0.3, False):
        out.append(_curve(0.5, cy, rx * 0.7, 200, 240, ry * 0.7))
    return out


@_drawing("fish")
def _fish(rng):
    """Fish: an oval body facing left, a triangular tail and an eye."""
    cx, rx = 0.45, _j(rng, 0.3)
    ry, gap = rx * _v(rng, 0.5, 0.72, 0.62), _v(rng, 22, 40, 30)
    body = _curve(cx, 0.5, rx, gap, 360 - gap, ry)
    (xl, yl), (xu, yu) = body[0], body[-1]
    tl, th = _j(rng, 0.2), _j(rng, 0.17)
    tail = [(xu + tl, 0.5 - th)]
    if _k(rng, 0.3, False):
        tail.append((xu + tl * 0.6, 0.5))
    tail.append((xu + tl, 0.5 + th))
    out = [body + tail + [(xl, yl)], _dot(cx - rx * 0.55, 0.5 - ry * 0.25)]
    if _k(rng, 0.4, False):
        out.append(_bez(_curve(cx, 0.5, rx, 250, 250, ry, n=2)[0], (cx - 0.02, 0.5 - ry - 0.12),
                        (cx + rx * 0.3, 0.5 - ry - 0.06), _curve(cx, 0.5, rx, 295, 295, ry, n=2)[0]))
    if _k(rng, 0.4, False):
        out.append(_curve(cx - rx * 0.7, 0.5, rx * 0.35, -45, 45, ry * 0.8))
    return out


@_drawing("chair")
def _chair(rng):
    """Chair: seen from the side, a tall back, a seat and legs."""
    bx, seat, w = 0.3, _j(rng, 0.52, 0.12), _j(rng, 0.4)
    back_top, slant = _v(rng, 0.04, 0.16, 0.08), _v(rng, 0.0, 0.06, 0.0)
    out = [[(bx - slant, back_top), (bx, seat), (bx, 0.92)], [(bx, seat), (bx + w, seat)],
           [(bx + w, seat), (bx + w, 0.92)]]
    if _k(rng, 0.4, False):
        out.append([(bx, seat + 0.05), (bx + w, seat + 0.05)])
    if _k(rng, 0.3, False):
        out.append([(bx, 0.8), (bx + w, 0.8)])
    return out


@_drawing("mug")
def _mug(rng):
    """Mug: a straight-sided cup with a big handle."""
    w, h, top = _j(rng, 0.24), _j(rng, 0.62, 0.12), 0.2
    x0 = 0.42 - w
    x1 = x0 + 2 * w
    out = [_rbox(x0, top, x1, top + h, _v(rng, 0.01, 0.08, 0.04))]
    hw, hh = _j(rng, 0.16, 0.2), h * _v(rng, 0.22, 0.34, 0.28)
    out.append(_curve(x1, top + h * _v(rng, 0.4, 0.55, 0.47), hw, -80, 80, ry=hh))
    if _k(rng, 0.3, False):
        t = np.linspace(0, 1, 10)
        for x in (x0 + w * 0.6, x0 + w * 1.3):
            out.append(list(zip(x + 0.02 * np.sin(2 * np.pi * t), top - 0.04 - 0.14 * t)))
    return out


@_drawing("television")
def _television(rng):
    """Television: a box with a screen, on antennae or a stand."""
    hw = _j(rng, 0.4)
    hh = hw * _v(rng, 0.6, 0.85, 0.72)
    top = 0.32
    x0, x1, bot = 0.5 - hw, 0.5 + hw, top + 2 * hh
    m = 0.05
    knobs = _k(rng, 0.5, True)
    sr = x1 - (0.2 * hw if knobs else m)
    out = [_rbox(x0, top, x1, bot, 0.04), _rbox(x0 + m, top + m, sr, bot - m, 0.04)]
    if knobs:
        kx = (sr + x1) / 2
        out += [_ring(kx, top + hh * 0.6, 0.025), _ring(kx, top + hh * 1.1, 0.025)]
    if _k(rng, 0.6, True):
        ah, ax = _j(rng, 0.24), _j(rng, 0.16)
        out.append([(0.5 - ax, top - ah), (0.5, top), (0.5 + ax, top - ah)])
        if _k(rng, 0.5, False):
            out += [[(x0 + 0.1, bot), (x0 + 0.07, bot + 0.05)], [(x1 - 0.1, bot), (x1 - 0.07, bot + 0.05)]]
    else:
        sw = _j(rng, 0.15)
        out += [[(0.5, bot), (0.5, bot + 0.07)], [(0.5 - sw, bot + 0.07), (0.5 + sw, bot + 0.07)]]
    return out


@_drawing("butterfly")
def _butterfly(rng):
    """Butterfly: two pairs of wings around a thin body, with antennae."""
    bl = _j(rng, 0.24)
    out = [_ring(0.5, 0.5, 0.025, bl)]
    uw, lw = _j(rng, 0.22), _j(rng, 0.15)
    uh, lh = uw * _v(rng, 0.6, 0.8, 0.7), lw * _v(rng, 0.6, 0.85, 0.72)
    ua, la = _v(rng, 20, 40, 30), _v(rng, 15, 40, 25)
    spots = _k(rng, 0.3, False)
    for s in (-1, 1):
        c = (0.5 + s * uw * 0.95 * math.cos(math.radians(ua)), 0.45 - uw * 0.95 * math.sin(math.radians(ua)))
        out.append(_ring(c[0], c[1], uw, uh, -s * ua))
        if spots:
            out.append(_ring(c[0] + s * uw * 0.2, c[1] - uh * 0.1, uh * 0.3))
        c = (0.5 + s * lw * 0.95 * math.cos(math.radians(la)), 0.56 + lw * 0.95 * math.sin(math.radians(la)))
        out.append(_ring(c[0], c[1], lw, lh, s * la))
    at, al = 0.5 - bl, _j(rng, 0.15)
    for s in (-1, 1):
        out.append(_bez((0.5, at + 0.02), (0.5 + s * 0.02, at - al * 0.6), (0.5 + s * al * 0.6, at - al)))
    return out


@_drawing("lollipop")
def _lollipop(rng):
    """Lollipop: a round candy on a straight stick."""
    r = _j(rng, 0.22)
    cy, sl = 0.06 + r, r * _v(rng, 1.6, 2.3, 1.9)
    out = [_ring(0.5, cy, r), [(0.5, cy + r), (0.5, cy + r + sl)]]
    if _k(rng, 0.5, False):
        t = np.linspace(0, 2.4 * 2 * np.pi, 60)
        rad = r * 0.8 * t / t[-1]
        out.append(list(zip(0.5 + rad * np.cos(t), cy + rad * np.sin(t))))
    return out


@_drawing("hourglass")
def _hourglass(rng):
    """Hourglass: two glass triangles tip to tip between a top and a bottom bar."""
    hw, neck, inset = _j(rng, 0.3), _v(rng, 0.0, 0.03, 0.015), _v(rng, 0.02, 0.07, 0.04)
    y0, y1 = 0.07, 0.93
    out = [[(0.5 - hw, y0), (0.5 + hw, y0)], [(0.5 - hw, y1), (0.5 + hw, y1)]]
    x = 0.5 - hw + inset
    if _k(rng, 0.4, False):
        upper = _bez((x, y0), (x, 0.33), (0.5 - neck, 0.42), (0.5 - neck, 0.5))
        left = upper + [(px, 1 - py) for px, py in upper[::-1]][1:]
    else:
        left = [(x, y0), (0.5 - neck, 0.5), (x, y1)]
    out += [left, [(1 - px, py) for px, py in left]]
    if _k(rng, 0.3, False):
        out.append([(0.5 - hw * 0.55, y1 - 0.01), (0.5, y1 - 0.13), (0.5 + hw * 0.55, y1 - 0.01)])
    return out


@_drawing("bow tie")
def _bow_tie(rng):
    """Bow tie: two triangles tip to tip on their side, with a knot between them."""
    kw, kh, ww, wh = _j(rng, 0.06), _j(rng, 0.08), _j(rng, 0.36), _j(rng, 0.22)
    out = [_rbox(0.5 - kw, 0.5 - kh, 0.5 + kw, 0.5 + kh, 0.02)]
    curved = _k(rng, 0.4, False)
    bulge = _v(rng, -0.06, 0.06, 0.0)
    for s in (-1, 1):
        ox = 0.5 + s * (kw + ww)
        edge = [(ox, 0.5 - wh), (ox, 0.5 + wh)]
        if curved:
            edge = _bez(edge[0], (ox + s * bulge, 0.5), edge[1])
        out.append([(0.5 + s * kw, 0.5 - kh * 0.7)] + edge + [(0.5 + s * kw, 0.5 + kh * 0.7)])
    return out


@_drawing("stick figure")
def _stick_figure(rng):
    """Stick figure: a round head, a straight body, two arms and two legs."""
    hr, top, bl = _j(rng, 0.11), 0.06, _j(rng, 0.34)
    neck = top + 2 * hr
    hip, arm_y, al = neck + bl, neck + bl * _v(rng, 0.15, 0.35, 0.25), _j(rng, 0.24)
    base = _v(rng, -40, 50, 20)
    arms = []
    for s in (-1, 1):
        a = math.radians(base + _v(rng, -15, 15, 0))
        arms.append((0.5 + s * al * math.cos(a), arm_y + al * math.sin(a)))
    ll, ls = _j(rng, 0.3), _j(rng, 0.16)
    return [_ring(0.5, top + hr, hr), [(0.5, neck), (0.5, hip)], [arms[0], (0.5, arm_y), arms[1]],
            [(0.5 - ls, hip + ll), (0.5, hip), (0.5 + ls, hip + ll)]]


@_drawing("music note")
def _music_note(rng):
    """Music note: a tilted oval head with a stem and a flag."""
    hx, hy, hrx = 0.36, 0.8, _j(rng, 0.13)
    hry, tilt = hrx * _v(rng, 0.62, 0.8, 0.7), _v(rng, -35, -15, -25)
    sx = hx + hrx * 0.92
    top = hy - _j(rng, 0.68, 0.1)
    fl = _j(rng, 0.34)
    out = [_ring(hx, hy, hrx, hry, tilt), _ring(hx, hy, hrx * 0.45, hry * 0.45, tilt),  # a filled-looking head
           [(sx, hy - hry * 0.3), (sx, top)]]
    flags = 2 if _k(rng, 0.3, False) else 1
    for i in range(flags):
        y = top + i * 0.12
        out.append(_bez((sx, y), (sx, y + fl * 0.3), (sx + 0.2, y + fl * 0.45), (sx + 0.15, y + fl)))
    return out


@_drawing("tree")
def _tree(rng):
    """Tree: one triangular crown on a long trunk."""
    ch, cw, tl = _j(rng, 0.52), _j(rng, 0.3), _j(rng, 0.3)
    base = 0.06 + ch
    out = [[(0.5, 0.06), (0.5 - cw, base), (0.5 + cw, base), (0.5, 0.06)]]
    if _k(rng, 0.4, False):
        tw = _j(rng, 0.04)
        out.append([(0.5 - tw, base), (0.5 - tw, base + tl), (0.5 + tw, base + tl), (0.5 + tw, base)])
    else:
        out.append([(0.5, base), (0.5, base + tl)])
    return out


@_drawing("snowman")
def _snowman(rng):
    """Snowman: a small ball on a big ball, with eyes and buttons."""
    r1 = _j(rng, 0.13)
    r2 = r1 * _v(rng, 1.45, 1.85, 1.65)
    hy = 0.06 + r1
    by = hy + r1 + r2 - _v(rng, 0.0, 0.03, 0.015)
    out = [_ring(0.5, hy, r1), _ring(0.5, by, r2)] + [_dot(0.5 + s * r1 * 0.4, hy - r1 * 0.2) for s in (-1, 1)]
    if _k(rng, 0.25, False):
        r3 = r2 * _v(rng, 1.1, 1.3, 1.2)
        out.append(_ring(0.5, by + r2 + r3 - 0.02, r3))
    if _k(rng, 0.6, True):
        out += [_dot(0.5, by - r2 * 0.45), _dot(0.5, by), _dot(0.5, by + r2 * 0.45)]
    if _k(rng, 0.4, False):
        out.append([(0.5, hy + 0.02), (0.5 + r1 * 0.8, hy + 0.05), (0.5, hy + 0.07)])
    if _k(rng, 0.5, False):
        for s in (-1, 1):
            a, b = (0.5 + s * r2 * 0.9, by - r2 * 0.35), (0.5 + s * (r2 + 0.2), by - r2 * 0.85)
            out += [[a, b], [((a[0] + 3 * b[0]) / 4, (a[1] + 3 * b[1]) / 4), (b[0] + s * 0.02, b[1] + 0.06)]]
    if _k(rng, 0.3, False):
        ht = hy - r1 * 0.8
        out += [[(0.5 - r1 * 1.1, ht), (0.5 + r1 * 1.1, ht)], _box(0.5 - r1 * 0.65, ht - r1 * 1.0, 0.5 + r1 * 0.65, ht)]
    return out


@_drawing("face")
def _face(rng):
    """Face: a circle with two eyes and a smiling mouth."""
    ex, ey, rings = _j(rng, 0.15), 0.5 + _v(rng, -0.16, -0.06, -0.1), _k(rng, 0.3, False)
    out = [_ring(0.5, 0.5, 0.42)]
    for s in (-1, 1):
        out.append(_ring(0.5 + s * ex, ey, 0.035) if rings else _dot(0.5 + s * ex, ey))
    mw, mh, a, my = _j(rng, 0.2), _j(rng, 0.14, 0.25), _v(rng, 10, 30, 20), 0.5 + _v(rng, 0.0, 0.06, 0.03)
    out.append(_curve(0.5, my, mw, a, 180 - a, ry=mh))
    if _k(rng, 0.3, False):
        out.append([(0.5, ey + 0.06), (0.5, ey + 0.13)])
    return out


@_drawing("arrow")
def _arrow(rng):
    """Arrow: a straight shaft with an arrowhead pointing right."""
    hl, hh = _j(rng, 0.22), _j(rng, 0.2)
    out = [[(0.08, 0.5), (0.92, 0.5)]]
    head = [(0.92 - hl, 0.5 - hh), (0.92, 0.5), (0.92 - hl, 0.5 + hh)]
    out.append(head + [head[0]] if _k(rng, 0.2, False) else head)
    if _k(rng, 0.3, False):
        for dx in (0.0, 0.06):
            out.append([(0.08 + dx, 0.5 - 0.08), (0.14 + dx, 0.5), (0.08 + dx, 0.5 + 0.08)])
    return out


@_drawing("star")
def _star(rng):
    """Star: a five-pointed star outline."""
    ratio, rot = _v(rng, 0.36, 0.5, 0.42), _v(rng, -8, 8, 0)
    a = np.radians(-90 + rot + 36 * np.arange(11))
    r = 0.45 * np.where(np.arange(11) % 2 == 0, 1.0, ratio)
    return [list(zip(0.5 + r * np.cos(a), 0.5 + r * np.sin(a)))]


@_drawing("kite")
def _kite(rng):
    """Kite: a diamond with cross spars and a tail with bows."""
    w, up = _j(rng, 0.22), _j(rng, 0.2, 0.2)
    down = up * _v(rng, 1.5, 2.1, 1.8)
    cy, bot = 0.06 + up, 0.06 + up + down
    out = [[(0.5, 0.06), (0.5 - w, cy), (0.5, bot), (0.5 + w, cy), (0.5, 0.06)]]
    if _k(rng, 0.75, True):
        out += [[(0.5, 0.06), (0.5, bot)], [(0.5 - w, cy), (0.5 + w, cy)]]
    tl, a = _j(rng, 0.34), _v(rng, 0.03, 0.06, 0.045)
    t = np.linspace(0, 1, 20)
    tail = list(zip(0.5 + a * np.sin(2 * np.pi * 1.2 * t), bot + tl * t))
    out.append(tail)
    nb, b = _n(rng, 1, 3, 2), 0.035
    for i in range(nb):
        x, y = tail[int((i + 1) * 19 / (nb + 1))]
        out.append([(x, y), (x - b, y - b * 0.6), (x - b, y + b * 0.6), (x, y),
                    (x + b, y - b * 0.6), (x + b, y + b * 0.6), (x, y)])
    return out


# --- look-alike distractors -------------------------------------------------------------------


@_drawing("mushroom")
def _mushroom(rng):
    """Mushroom: a dome cap with spots on a thick stem."""
    cw, ch, y0, sw, sh = _j(rng, 0.42), _j(rng, 0.3, 0.2), 0.5, _j(rng, 0.1), _j(rng, 0.32)
    u = _v(rng, 0.02, 0.1, 0.06)
    out = [_curve(0.5, y0, cw, 180, 360, ry=ch) + _bez((0.5 + cw, y0), (0.5, y0 + 2 * u), (0.5 - cw, y0))]
    out.append([(0.5 - sw, y0 + u), (0.5 - sw * 1.15, y0 + sh)] + _curve(0.5, y0 + sh, sw * 1.15, 180, 0, ry=0.03)
               + [(0.5 + sw, y0 + u)])
    if _k(rng, 0.6, True):
        for fx, fy in ((-0.45, 0.45), (0.1, 0.7), (0.5, 0.35)):
            out.append(_ring(0.5 + cw * fx, y0 - ch * fy, cw * 0.09))
    return out


@_drawing("lamp")
def _lamp(rng):
    """Lamp: a trapezoid shade on a pole on a flat base."""
    tw, bw, sh, pl, fw, top = _j(rng, 0.14), _j(rng, 0.3), _j(rng, 0.32), _j(rng, 0.4), _j(rng, 0.2), 0.06
    yb = top + sh + pl
    out = [[(0.5 - tw, top), (0.5 + tw, top), (0.5 + bw, top + sh), (0.5 - bw, top + sh), (0.5 - tw, top)],
           [(0.5, top + sh), (0.5, yb)],
           [(0.5 - fw * 0.7, yb), (0.5 + fw * 0.7, yb), (0.5 + fw, yb + 0.06), (0.5 - fw, yb + 0.06),
            (0.5 - fw * 0.7, yb)]]
    if _k(rng, 0.3, False):
        out += [[(0.5 + bw * 0.6, top + sh), (0.5 + bw * 0.6, top + sh + 0.1)], _dot(0.5 + bw * 0.6, top + sh + 0.11)]
    return out


@_drawing("bell")
def _bell(rng):
    """Bell: a dome flaring out to a wide rim, with a clapper below and a loop on top."""
    tw, bw, h, top = _j(rng, 0.17), _j(rng, 0.38), _j(rng, 0.52, 0.12), 0.14
    yd, rim = top + tw * 0.9, top + h
    right = _curve(0.5, yd, tw, 270, 360, ry=tw * 0.9) + _bez(
        (0.5 + tw, yd), (0.5 + tw * 1.05, yd + (rim - yd) * 0.6), (0.5 + bw * 0.75, rim - 0.05), (0.5 + bw, rim))[1:]
    left = [(1 - x, y) for x, y in right[::-1]]
    out = [left + right + _curve(0.5, rim, bw, 0, 180, ry=0.04)[1:]]
    cr = _j(rng, 0.06)
    out.append(_ring(0.5, rim + 0.04 + cr, cr))
    if _k(rng, 0.6, True):
        out.append(_curve(0.5, top - 0.03, 0.045, 135, 405))
    return out


@_drawing("apple")
def _apple(rng):
    """Apple: a round fruit with a dip at the top, a stem and a leaf."""
    a, hgt, dip, t = _j(rng, 0.4, 0.1), _j(rng, 0.7, 0.1), _v(rng, 0.04, 0.1, 0.07), 0.25
    side = (0.5 + a, t + 0.42 * hgt)
    right = _bez((0.5, t + dip), (0.5 + 0.45 * a, t - 0.08 * hgt), (0.5 + 1.05 * a, t - 0.02 * hgt), side)
    right += _bez(side, (0.5 + a, t + 0.8 * hgt), (0.5 + 0.45 * a, t + 1.02 * hgt), (0.5, t + 0.95 * hgt))[1:]
    left = [(1 - x, y) for x, y in right[::-1]]
    sl, tilt = _j(rng, 0.16), _v(rng, -0.02, 0.08, 0.04)
    out = [left + right[1:], _bez((0.5, t + dip), (0.5, t - sl * 0.5), (0.5 + tilt, t - sl))]
    if _k(rng, 0.7, True):
        p0, p1 = (0.5 + 0.01, t - sl * 0.5), (0.5 + _j(rng, 0.22), t - sl * 0.5 - _j(rng, 0.1))
        mx, my, dx, dy = (p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2, p1[0] - p0[0], p1[1] - p0[1]
        out.append(_bez(p0, (mx + dy * 0.35, my - dx * 0.35), p1) + _bez(p1, (mx - dy * 0.35, my + dx * 0.35), p0)[1:])
    return out


@_drawing("boat")
def _boat(rng):
    """Boat: a hull with a cabin and a funnel, no sail."""
    hw, hd, y0, bow = _j(rng, 0.42), _j(rng, 0.16), 0.58, _v(rng, 0.0, 0.08, 0.04)
    out = [[(0.5 - hw, y0 - bow), (0.5 + hw, y0), (0.5 + hw * 0.72, y0 + hd), (0.5 - hw * 0.75, y0 + hd),
            (0.5 - hw, y0 - bow)]]
    cw, ch = _j(rng, 0.18), _j(rng, 0.14)
    cx = 0.5 + _v(rng, -0.05, 0.08, 0.03)
    out.append([(cx - cw, y0), (cx - cw, y0 - ch), (cx + cw, y0 - ch), (cx + cw, y0)])
    if _k(rng, 0.6, True):
        fx, fh = cx + cw * 0.3, _j(rng, 0.14)
        out.append([(fx - 0.04, y0 - ch), (fx - 0.05, y0 - ch - fh), (fx + 0.05, y0 - ch - fh), (fx + 0.04, y0 - ch)])
    if _k(rng, 0.5, False):
        out += [_ring(0.5 + hw * f, y0 + hd * 0.45, 0.022) for f in (-0.45, 0.0, 0.45)]
    return out


@_drawing("anchor")
def _anchor(rng):
    """Anchor: a ring on a shank with a crossbar and two curved, barbed arms."""
    r, top, bot = _j(rng, 0.06), 0.08, 0.9
    sy, sw, ar, a0 = top + 2 * r + _j(rng, 0.08), _j(rng, 0.17), _j(rng, 0.33), _v(rng, 10, 30, 20)
    out = [_ring(0.5, top + r, r), [(0.5, top + 2 * r), (0.5, bot)], [(0.5 - sw, sy), (0.5 + sw, sy)]]
    out.append(_curve(0.5, bot - ar, ar, a0, 180 - a0))
    bl = _j(rng, 0.08)
    for a, s in ((a0, 1), (180 - a0, -1)):
        end = (0.5 + ar * math.cos(math.radians(a)), bot - ar + ar * math.sin(math.radians(a)))
        out.append(_head(end, -90 + s * a0 * 0.7, bl, 40))
    return out


@_drawing("key")
def _key(rng):
    """Key: a ring bow with a long shaft that has teeth at its end."""
    br = _j(rng, 0.13)
    bx, bry = 0.08 + br, br * _v(rng, 0.85, 1.15, 1.0)
    out = [_ring(bx, 0.5, br, bry), [(bx + br, 0.5), (0.92, 0.5)]]
    if _k(rng, 0.35, False):
        out.append(_ring(bx, 0.5, br * 0.35))
    n, x = _n(rng, 2, 3, 2), 0.92
    tw = _j(rng, 0.075)
    for i in range(n):
        d = _j(rng, 0.17 - 0.03 * i, 0.25)
        out.append([(x, 0.5), (x, 0.5 + d), (x - tw, 0.5 + d), (x - tw, 0.5)])
        x -= tw * _v(rng, 1.6, 2.2, 1.9)
    return out


@_drawing("candle")
def _candle(rng):
    """Candle: an upright stick with a wick and a teardrop flame."""
    cw, ch, bot = _j(rng, 0.12), _j(rng, 0.48), 0.92
    top = bot - ch
    fb, fh, fw = top - 0.06, _j(rng, 0.22), _j(rng, 0.07)
    out = [_box(0.5 - cw, top, 0.5 + cw, bot), [(0.5, top), (0.5, top - 0.05)]]
    left = _bez((0.5, fb), (0.5 - 1.4 * fw, fb), (0.5 - 0.6 * fw, fb - 0.6 * fh), (0.5, fb - fh))
    out.append(left[::-1] + [(1 - x, y) for x, y in left][1:])
    if _k(rng, 0.35, False):
        out.append([(0.5 - cw * 2, bot), (0.5 + cw * 2, bot)])
    return out


@_drawing("table")
def _table(rng):
    """Table: a flat top on two legs, seen from the front."""
    hw, ty, th, li, ll = _j(rng, 0.42), 0.32, _v(rng, 0.0, 0.06, 0.04), _v(rng, 0.02, 0.1, 0.06), _j(rng, 0.46)
    splay = _v(rng, -0.02, 0.06, 0.0)
    out = [_box(0.5 - hw, ty, 0.5 + hw, ty + th) if th > 0.025 else [(0.5 - hw, ty), (0.5 + hw, ty)]]
    for s in (-1, 1):
        x = 0.5 + s * (hw - li)
        out.append([(x, ty + th), (x + s * splay, ty + th + ll)])
    if _k(rng, 0.3, False):
        for s in (-1, 1):
            x = 0.5 + s * (hw - li) * 0.7
            out.append([(x, ty + th), (x, ty + th + ll * 0.8)])
    return out


@_drawing("bed")
def _bed(rng):
    """Bed: a mattress between a tall headboard and a lower footboard, with a pillow."""
    x0, x1, floor = 0.08, 0.92, 0.8
    hh = _j(rng, 0.45)
    fh, mt, th = hh * _v(rng, 0.5, 0.8, 0.65), floor - _j(rng, 0.3), _j(rng, 0.1)
    out = [[(x0, floor), (x0, floor - hh)], [(x1, floor), (x1, floor - fh)], _box(x0, mt, x1, mt + th),
           _rbox(x0 + 0.03, mt - _j(rng, 0.08), x0 + _j(rng, 0.2), mt, 0.025)]
    if _k(rng, 0.5, False):
        out.append([(x0 + 0.24, mt), (x0 + 0.27, mt - 0.04), (x1, mt - 0.04)])
    return out


@_drawing("fork")
def _fork(rng):
    """Fork: a long handle with a head of three or four tines."""
    hw, tl, n = _j(rng, 0.1), _j(rng, 0.26), _n(rng, 3, 4, 4)
    hy = 0.06 + tl
    out = [_curve(0.5, hy, hw, 0, 180, ry=_j(rng, 0.09)), [(0.5, hy + 0.09), (0.5, 0.06 + tl + _j(rng, 0.6, 0.12))]]
    for x in np.linspace(0.5 - hw, 0.5 + hw, n):
        out.append([(x, hy), (x, 0.06)])
    return out


@_drawing("spoon")
def _spoon(rng):
    """Spoon: an oval bowl on a long handle."""
    rx = _j(rng, 0.12)
    ry = rx * _v(rng, 1.35, 1.7, 1.5)
    cy = 0.06 + ry
    hl, hw = _j(rng, 0.5), _j(rng, 0.03, 0.3)
    y0, y1 = cy + ry, cy + ry + hl
    handle = [(0.5 - 0.015, y0), (0.5 - hw, y1)] + _curve(0.5, y1, hw, 180, 0) + [(0.5 + 0.015, y0)]
    return [_ring(0.5, cy, rx, ry), handle]


@_drawing("hat")
def _hat(rng):
    """Hat: a tall crown on a wide brim."""
    bw, cw, ch, by = _j(rng, 0.42), _j(rng, 0.22), _j(rng, 0.5), 0.75
    out = [_curve(0.5, by, bw, 180, 360, ry=0.03) + _curve(0.5, by, bw, 0, 180, ry=0.05)]
    if _k(rng, 0.3, False):
        out.append(_curve(0.5, by, cw * 1.1, 180, 360, ry=ch * 0.8))
    else:
        out.append([(0.5 - cw, by - 0.03), (0.5 - cw, by - ch), (0.5 + cw, by - ch), (0.5 + cw, by - 0.03)])
        if _k(rng, 0.5, True):
            out.append([(0.5 - cw, by - 0.12), (0.5 + cw, by - 0.12)])
    return out


@_drawing("rocket")
def _rocket(rng):
    """Rocket: a tall body with a pointed nose, side fins, a window and a flame."""
    bw, bl, nl, top = _j(rng, 0.12), _j(rng, 0.42), _j(rng, 0.2), 0.06
    ybot = top + nl + bl
    nose = _bez((0.5, top), (0.5 - bw * 0.9, top + nl * 0.3), (0.5 - bw, top + nl)) + [(0.5 - bw, ybot)]
    out = [nose[::-1] + [(1 - x, y) for x, y in nose][1:] + [nose[-1]]]
    fw, fl = _j(rng, 0.1), _j(rng, 0.16)
    for s in (-1, 1):
        out.append([(0.5 + s * bw, ybot - fl), (0.5 + s * (bw + fw), ybot + 0.04), (0.5 + s * bw, ybot)])
    out.append(_ring(0.5, top + nl + bl * 0.3, bw * 0.5))
    if _k(rng, 0.5, True):
        fh = _j(rng, 0.14)
        out.append([(0.5 - bw * 0.6, ybot), (0.5 - bw * 0.3, ybot + fh * 0.7), (0.5, ybot + fh),
                    (0.5 + bw * 0.3, ybot + fh * 0.7), (0.5 + bw * 0.6, ybot)])
    return out


@_drawing("envelope")
def _envelope(rng):
    """Envelope: a rectangle with a V-shaped flap."""
    hw = 0.42
    hh = hw * _v(rng, 0.55, 0.75, 0.65)
    x0, y0, x1, y1 = 0.5 - hw, 0.5 - hh, 0.5 + hw, 0.5 + hh
    fd = 2 * hh * _v(rng, 0.45, 0.65, 0.55)
    out = [_box(x0, y0, x1, y1), [(x0, y0), (0.5, y0 + fd), (x1, y0)]]
    if _k(rng, 0.3, False):
        out += [[(x0, y1), (0.5 - hw * 0.3, y0 + fd * 0.85)], [(x1, y1), (0.5 + hw * 0.3, y0 + fd * 0.85)]]
    return out


@_drawing("sun")
def _sun(rng):
    """Sun: a disc with straight rays all around."""
    r, n, gap, rl = _j(rng, 0.2), _n(rng, 8, 12, 8), _j(rng, 0.06), _j(rng, 0.16)
    off, alt = _v(rng, 0, 360 / n, 0), _k(rng, 0.3, False)
    out = [_ring(0.5, 0.5, r)]
    for i in range(n):
        a, length = math.radians(off + 360 * i / n), rl * (0.6 if alt and i % 2 else 1.0)
        out.append([(0.5 + (r + gap) * math.cos(a), 0.5 + (r + gap) * math.sin(a)),
                    (0.5 + (r + gap + length) * math.cos(a), 0.5 + (r + gap + length) * math.sin(a))])
    return out


@_drawing("moon")
def _moon(rng):
    """Moon: a crescent opening to the right."""
    big, a, th = 0.42, _v(rng, 50, 72, 62), _v(rng, 0.14, 0.26, 0.2) * 0.84
    xe, ry = 0.5 + big * math.cos(math.radians(a)), big * math.sin(math.radians(a))
    rx = xe - (0.5 - big + th)
    return [_curve(0.5, 0.5, big, -a, a - 360) + _curve(xe, 0.5, rx, 90, 270, ry=ry)[1:]]


@_drawing("cup")
def _cup(rng):
    """Cup: a rounded teacup with a small handle, on a saucer."""
    bw, bd, top, cx = _j(rng, 0.27), _j(rng, 0.3), 0.3, 0.45
    out = [_curve(cx, top, bw, 180, 0, ry=bd) + [(cx - bw, top)]]
    out.append(_curve(cx + bw * 0.88, top + bd * 0.35, _j(rng, 0.1), -80, 80, ry=_j(rng, 0.09)))
    if _k(rng, 0.75, True):
        out.append(_ring(cx, top + bd + 0.03, bw * _v(rng, 1.3, 1.6, 1.45), 0.035))
    return out


@_drawing("bird")
def _bird(rng):
    """Bird: a small perched bird facing right, with a short pointed beak, a tail and legs."""
    hr, hx, hy = _j(rng, 0.12), 0.66, 0.32
    tail_x, tail_len, belly = _j(rng, 0.22), _j(rng, 0.16), _j(rng, 0.76, 0.08)
    beak = _j(rng, 0.12)

    def h(a):
        return (hx + hr * math.cos(math.radians(a)), hy + hr * math.sin(math.radians(a)))
    outline = _curve(hx, hy, hr, -20, -200)
    outline += _bez(h(160), (0.45, 0.42), (tail_x + 0.03, 0.5))[1:]
    outline += [(tail_x - tail_len, 0.6), (tail_x - tail_len * 0.7, 0.68), (tail_x + 0.04, 0.62)]
    outline += _bez((tail_x + 0.04, 0.62), (0.35, belly + 0.04), (0.65, belly), h(40))[1:]
    outline += [h(20), (hx + hr + beak, hy - 0.01), h(-20)]
    out = [outline, _dot(hx + hr * 0.2, hy - hr * 0.3)]
    if _k(rng, 0.6, True):
        out.append(_bez((0.36, 0.52), (0.5, 0.64), (0.64, 0.5)))
    if _k(rng, 0.7, True):
        out += [[(0.44, belly - 0.02), (0.42, 0.9)], [(0.53, belly - 0.03), (0.53, 0.9)]]
    return out


@_drawing("dumbbell")
def _dumbbell(rng):
    """Dumbbell: two weight plates joined by a long bar."""
    bl, pw, ph = _j(rng, 0.5), _j(rng, 0.07), _j(rng, 0.2)
    discs = _k(rng, 0.35, False)
    out = [[(0.5 - bl / 2, 0.5), (0.5 + bl / 2, 0.5)]]
    for s in (-1, 1):
        if discs:
            out += [_ring(0.5 + s * (bl / 2 + ph), 0.5, ph), _ring(0.5 + s * (bl / 2 + ph), 0.5, ph * 0.3)]
        else:
            xc = 0.5 + s * (bl / 2 + pw)
            out.append(_rbox(xc - pw, 0.5 - ph, xc + pw, 0.5 + ph, pw * 0.6))
            if _k(rng, 0.5, True):
                out.append([(xc + s * pw, 0.5), (xc + s * (pw + 0.05), 0.5)])
    return out


@_drawing("tent")
def _tent(rng):
    """Tent: a triangle on the ground with a triangular door."""
    hw, h, bot = _j(rng, 0.42), _j(rng, 0.6, 0.15), 0.85
    out = [[(0.5 - hw, bot), (0.5, bot - h), (0.5 + hw, bot), (0.5 - hw, bot)]]
    dw, dh = hw * _v(rng, 0.22, 0.35, 0.28), h * _v(rng, 0.4, 0.6, 0.5)
    out.append([(0.5 - dw, bot), (0.5, bot - dh), (0.5 + dw, bot)])
    if _k(rng, 0.4, False):
        out.append([(0.5 - hw - 0.06, bot), (0.5 + hw + 0.06, bot)])
    if _k(rng, 0.5, False):
        out.append([(0.5, bot - h), (0.5, bot - h - 0.07)])
    return out


@_drawing("light bulb")
def _light_bulb(rng):
    """Light bulb: a round glass globe narrowing to a screw base."""
    big, a = _j(rng, 0.26), _v(rng, 35, 55, 45)
    cy = 0.06 + big
    nw = _j(rng, 0.1)
    lx, ly = big * math.sin(math.radians(a)), cy + big * math.cos(math.radians(a))
    ny, bh = ly + _j(rng, 0.1), _j(rng, 0.16)
    left = _bez((0.5 - lx, ly), (0.5 - lx + 0.02, ly + 0.05), (0.5 - nw, ny))
    out = [left[::-1] + _curve(0.5, cy, big, 90 + a, 450 - a)[1:] + [(1 - x, y) for x, y in left][1:],
           _box(0.5 - nw, ny, 0.5 + nw, ny + bh),
           [(0.5 - nw * 0.5, ny + bh), (0.5, ny + bh + 0.04), (0.5 + nw * 0.5, ny + bh)]]
    if _k(rng, 0.6, True):
        f = 0.5
        out.append([(0.5 - nw, ny + bh * f), (0.5 + nw, ny + bh * f)])
    if _k(rng, 0.5, True):
        fy = cy + big * 0.1
        out.append([(0.5 - nw * 0.5, ny), (0.5 - nw * 0.5, fy), (0.5 - nw * 0.25, fy - 0.04), (0.5, fy),
                    (0.5 + nw * 0.25, fy - 0.04), (0.5 + nw * 0.5, fy), (0.5 + nw * 0.5, ny)])
    return out


@_drawing("hammer")
def _hammer(rng):
    """Hammer: a handle topped by a crosswise rectangular head."""
    hw, hh, top, hl = _j(rng, 0.3), _j(rng, 0.1, 0.2), 0.08, _j(rng, 0.66, 0.1)
    out = []
    if _k(rng, 0.4, False):  # a claw: one end of the head tapers and splits
        claw = (0.5 + hw, top + 2 * hh)
        out.append([(0.5 - hw, top)] + _bez((0.5 + hw * 0.2, top), (0.5 + hw * 0.8, top), claw)
                   + _bez(claw, (0.5 + hw * 0.6, top + hh * 1.2), (0.5 + hw * 0.2, top + 2 * hh))[1:]
                   + [(0.5 - hw, top + 2 * hh), (0.5 - hw, top)])
    else:
        out.append(_box(0.5 - hw, top, 0.5 + hw, top + 2 * hh))
    if _k(rng, 0.6, True):
        y = top + 2 * hh
        out.append([(0.5 - 0.04, y), (0.5 - 0.04, y + hl)] + _curve(0.5, y + hl, 0.04, 180, 0) + [(0.5 + 0.04, y)])
    else:
        out.append([(0.5, top + 2 * hh), (0.5, top + 2 * hh + hl)])
    return out


@_drawing("shovel")
def _shovel(rng):
    """Shovel: a long handle with a grip on top and a pointed blade below."""
    gw, top, sl, bw, bl = _j(rng, 0.1), 0.06, _j(rng, 0.5), _j(rng, 0.16), _j(rng, 0.3)
    if _k(rng, 0.4, False):
        out = [_rbox(0.5 - gw, top, 0.5 + gw, top + 0.09, 0.03)]
        y = top + 0.09
    else:
        out = [[(0.5 - gw, top), (0.5 + gw, top)]]
        y = top
    ys = y + sl
    out.append([(0.5, y), (0.5, ys)])
    if _k(rng, 0.5, True):
        tip = [(0.5 - bw, ys + bl * 0.65), (0.5, ys + bl), (0.5 + bw, ys + bl * 0.65)]
    else:
        tip = _curve(0.5, ys + bl * 0.65, bw, 180, 0, ry=bl * 0.35)
    out.append([(0.5 - 0.03, ys), (0.5 - bw, ys + 0.03)] + tip
               + [(0.5 + bw, ys + 0.03), (0.5 + 0.03, ys), (0.5 - 0.03, ys)])
    return out


def _lobes(hx, hy, rx, ry, up_a, low_a, length, t, rise, spread):
    """Two long lobes leaving a head to the left: a duck's bill, or a rabbit's ears when turned.

    The outline runs from the head at angle up_a along the upper lobe, back into the gap between
    the lobes and out along the lower lobe, ending on the head at angle low_a.
    """
    def h(a):
        return (hx + rx * math.cos(math.radians(a)), hy + ry * math.sin(math.radians(a)))
    up, low, mid = h(up_a), h(low_a), h((up_a + low_a) / 2)
    mid = (mid[0] + t * 0.5, mid[1])
    tu = (hx - rx - length, (up[1] + mid[1]) / 2 - rise - spread)
    tl = (hx - rx - length * 0.92, (mid[1] + low[1]) / 2 - rise * 0.7 + spread)
    upper = (_bez(up, ((up[0] + tu[0]) / 2, tu[1] - t), (tu[0], tu[1] - t)) + _curve(tu[0], tu[1], t, 270, 90)[1:]
             + _bez((tu[0], tu[1] + t), ((mid[0] + tu[0]) / 2, tu[1] + t), mid)[1:])
    lower = (_bez(mid, ((mid[0] + tl[0]) / 2, tl[1] - t), (tl[0], tl[1] - t))[1:] + _curve(tl[0], tl[1], t, 270, 90)[1:]
             + _bez((tl[0], tl[1] + t), ((low[0] + tl[0]) / 2, tl[1] + t), low)[1:])
    return upper + lower


@_drawing("duck")
def _duck(rng):
    """Duck: a round head with a long flat bill pointing left, an eye, and a floating body."""
    hx, hy, hr = 0.52, 0.3, _j(rng, 0.16)
    bill = _lobes(hx, hy, hr, hr, 215, 145, hr * _v(rng, 1.2, 1.7, 1.45), hr * _v(rng, 0.2, 0.26, 0.23),
                  hr * _v(rng, -0.05, 0.15, 0.05), hr * _v(rng, 0.0, 0.15, 0.06))
    out = [_curve(hx, hy, hr, 145, -145) + bill[1:], _dot(hx - hr * 0.05, hy - hr * 0.35)]

    def h(a):
        return (hx + hr * math.cos(math.radians(a)), hy + hr * math.sin(math.radians(a)))
    if _k(rng, 0.65, True):
        bx, brx, bry, by = 0.58, _j(rng, 0.34), _j(rng, 0.17), 0.68
        tail = (bx + brx + _j(rng, 0.06, 0.4), by - bry * _v(rng, 0.9, 1.4, 1.1))
        body = _bez(h(115), (h(115)[0] - 0.04, by - 0.08), (bx - brx, by - 0.06), (bx - brx, by))
        body += _curve(bx, by, brx, 180, 0, ry=bry)[1:] + [tail, (bx + brx * 0.6, by - bry * 0.5)]
        body += _bez((bx + brx * 0.6, by - bry * 0.5), (h(60)[0] + 0.05, by - bry * 0.7), h(60))[1:]
        out.append(body)
        if _k(rng, 0.5, False):
            out.append(_bez((bx - brx * 0.3, by), (bx + brx * 0.1, by + bry * 0.6), (bx + brx * 0.55, by - bry * 0.1)))
    else:  # only the head and a short neck, as in the duck-rabbit figure
        nl = _j(rng, 0.12)
        out += [[h(110), (h(110)[0] + 0.02, h(110)[1] + nl)], [h(50), (h(50)[0] + 0.05, h(50)[1] + nl)]]
    return out


@_drawing("rabbit")
def _rabbit(rng):
    """Rabbit: a head seen from the side with two long ears up and back, an eye and a nose."""
    hx, hy, rx = 0.52, 0.66, _j(rng, 0.19)
    ry, lean, el, ew = rx * _v(rng, 0.75, 0.9, 0.82), _v(rng, 5, 28, 15), _j(rng, 0.36), _j(rng, 0.055, 0.2)
    out = [_ring(hx, hy, rx, ry)]
    for bx, extra in ((hx - rx * 0.15, 0.0), (hx - rx * 0.5, 12.0)):
        a = math.radians(lean + extra)
        base = (bx, hy - ry * math.sqrt(max(1 - ((bx - hx) / rx) ** 2, 0.0)) + 0.02)
        c = (base[0] - el / 2 * math.sin(a), base[1] - el / 2 * math.cos(a))
        out.append(_curve(c[0], c[1], ew, 115, 425, ry=el / 2, rot=-(lean + extra)))
    out.append(_dot(hx + rx * 0.35, hy - ry * 0.2))
    nx, ny = hx + rx * 0.97, hy + ry * 0.15
    out.append([(nx - 0.03, ny - 0.01), (nx, ny), (nx - 0.03, ny + 0.03)])
    if _k(rng, 0.4, False):
        out += [[(nx - 0.02, ny + 0.01), (nx + 0.12, ny - 0.02)], [(nx - 0.02, ny + 0.02), (nx + 0.12, ny + 0.05)]]
    if _k(rng, 0.4, False):  # a sitting body behind the head, with a round tail
        bx, by, brx, bry = hx - rx * 1.1, hy + ry * 1.2, rx * _v(rng, 1.2, 1.5, 1.35), ry * 1.25
        out += [_curve(bx, by, brx, 280, 20, ry=bry), _ring(bx - brx * 0.95, by + bry * 0.3, 0.045)]
    return out


@_drawing("cherry")
def _cherry(rng):
    """Cherry: two round cherries on stems joined at the top, with a leaf."""
    r, jx, jy = _j(rng, 0.15), 0.55, 0.1
    left = (0.3 + _v(rng, -0.03, 0.03, 0), 0.74)
    right = (0.68 + _v(rng, -0.03, 0.03, 0), 0.78 + _v(rng, -0.05, 0.02, 0))
    out = [_ring(left[0], left[1], r), _ring(right[0], right[1], r),
           _bez((left[0], left[1] - r), (left[0] + 0.02, 0.35), (jx, jy)),
           _bez((right[0], right[1] - r), (right[0], 0.35), (jx, jy))]
    if _k(rng, 0.6, True):
        p1 = (jx + _j(rng, 0.25), jy + _v(rng, -0.04, 0.08, 0.02))
        mx, my, dx, dy = (jx + p1[0]) / 2, (jy + p1[1]) / 2, p1[0] - jx, p1[1] - jy
        out.append(_bez((jx, jy), (mx + dy * 0.4, my - dx * 0.4), p1)
                   + _bez(p1, (mx - dy * 0.4, my + dx * 0.4), (jx, jy))[1:])
    return out


@_drawing("sword")
def _sword(rng):
    """Sword: a long pointed blade, a crossguard, a grip and a pommel."""
    bw, bl, tip, top = _j(rng, 0.05), _j(rng, 0.56), _j(rng, 0.08), 0.06
    yg = top + tip + bl
    gw, gl, pr = _j(rng, 0.2), _j(rng, 0.16), 0.03
    out = [[(0.5 - bw, yg), (0.5 - bw, top + tip), (0.5, top), (0.5 + bw, top + tip), (0.5 + bw, yg)],
           [(0.5 - gw, yg), (0.5 + gw, yg)], [(0.5, yg), (0.5, yg + gl)], _ring(0.5, yg + gl + pr, pr)]
    if _k(rng, 0.3, False):
        out.append([(0.5, top + tip + 0.04), (0.5, yg - 0.04)])
    return out


@_drawing("window")
def _window(rng):
    """Window: a frame divided into panes by crossing bars, on a sill."""
    hw = _j(rng, 0.36)
    hh = hw * _v(rng, 0.95, 1.3, 1.1)
    x0, y0, x1, y1 = 0.5 - hw, 0.5 - hh, 0.5 + hw, 0.5 + hh
    arched = _k(rng, 0.2, False)
    if arched:
        ya = y0 + hw * 0.6
        out = [[(x0, ya), (x0, y1), (x1, y1), (x1, ya)] + _curve(0.5, ya, hw, 0, -180, ry=hw * 0.6)]
    else:
        out = [_box(x0, y0, x1, y1)]
    out.append([(0.5, y0), (0.5, y1)])
    rows = 2 if rng is None else int(rng.choice([2, 3], p=[0.7, 0.3]))
    for f in np.linspace(0, 1, rows + 1)[1:-1]:
        yb = y0 + (y1 - y0) * f if not arched else y0 + hw * 0.6 + (y1 - y0 - hw * 0.6) * f
        out.append([(x0, yb), (x1, yb)])
    if _k(rng, 0.6, True):
        out.append([(x0 - 0.05, y1 + 0.03), (x1 + 0.05, y1 + 0.03)])
    return out


@_drawing("bottle")
def _bottle(rng):
    """Bottle: a tall body with rounded shoulders, a narrow neck and a cap."""
    bw, bh, sh, nl, bot = _j(rng, 0.17), _j(rng, 0.45), _j(rng, 0.12), _j(rng, 0.16), 0.94
    nw = bw * _v(rng, 0.3, 0.45, 0.38)
    ys, yn = bot - bh, bot - bh - sh
    shoulder = _bez((0.5 + bw, ys), (0.5 + bw, yn + sh * 0.3), (0.5 + nw, yn + sh * 0.4), (0.5 + nw, yn))
    right = [(0.5 + bw, bot)] + shoulder
    right.append((0.5 + nw, yn - nl))
    left = [(1 - x, y) for x, y in right]
    out = [left[::-1] + right + [left[-1]]]
    if _k(rng, 0.6, True):
        out.append(_box(0.5 - nw * 1.2, yn - nl - 0.06, 0.5 + nw * 1.2, yn - nl))
    if _k(rng, 0.5, False):
        out += [[(0.5 - bw, bot - bh * f), (0.5 + bw, bot - bh * f)] for f in (0.3, 0.7)]
    return out


LEXICON = tuple(DRAWINGS)


# --- the ambiguous figure ---------------------------------------------------------------------


def _duck_rabbit(rng=None):
    """Duck-rabbit (after Jastrow): a head with two long lobes to the left, an eye and a notch at the back.

    Read with the lobes as a bill it is a duck looking left; turned a quarter clockwise, the lobes point
    up and read as a rabbit's ears, the notch becoming its mouth.
    """
    hx, hy, rx = 0.62, 0.5, _j(rng, 0.22, 0.1)
    ry = rx * _v(rng, 0.82, 0.95, 0.88)
    lobes = _lobes(hx, hy, rx, ry, 218, 145, rx * _v(rng, 1.15, 1.55, 1.35), rx * _v(rng, 0.26, 0.34, 0.3),
                   rx * _v(rng, 0.0, 0.2, 0.1), rx * _v(rng, 0.0, 0.08, 0.03))
    na = _v(rng, 5, 25, 15)
    head = (_curve(hx, hy, rx, 145, na + 9, ry=ry) + [(hx + rx * 0.72, hy + ry * math.sin(math.radians(na)))]
            + _curve(hx, hy, rx, na - 9, 218 - 360, ry=ry))
    return _fit([head + lobes[1:], _dot(hx - rx * 0.15, hy - ry * 0.3)], rng)


AMBIGUOUS: dict[str, tuple[Callable, tuple[str, str]]] = {"duck-rabbit": (_duck_rabbit, ("duck", "rabbit"))}


# --- access ------------------------------------------------------------------------------------


def strokes(name: str, rng: np.random.Generator | None = None) -> list[list[tuple[float, float]]]:
    """The strokes of a lexicon object (or of an ambiguous figure); rng None gives its canonical form."""
    draw = DRAWINGS.get(name) or (AMBIGUOUS[name][0] if name in AMBIGUOUS else None)
    if draw is None:
        raise SceneError(f"no lexicon object {name!r}; known: {', '.join(LEXICON + tuple(AMBIGUOUS))}")
    return [[(float(x), float(y)) for x, y in s] for s in draw(rng)]


def render(name: str, size: int = 64, width: float = 0.05, rng: np.random.Generator | None = None) -> np.ndarray:
    """A (size, size, 3) uint8 image of the object: black strokes on white."""
    canvas = Canvas(size)
    for s in strokes(name, rng):
        canvas.polyline(s, (0, 0, 0), width)
    return canvas.to_array()
