"""Mental rotation (Shepard & Metzler 1971; Cooper & Shepard 1973): same or mirror image?

`RotatingAgent` holds the first figure as a mental image (imagined from its description through
an imaginer, or given as a picture) and sees the second as a picture, the probe. It turns its
mental image in fixed increments (`ops.rotate_increment`, 10 degrees, one clock tick each) and
compares it with the probe after each increment (`ops.compare`, one tick). The direction of the
turn is chosen from the images alone: a glance at both pictures (the circular cross-correlation
of their ink about its centroid, `estimated_turn`) says which way round is shorter, and only its
sign is used; the turn itself is still made and checked step by step. It answers "same" as soon as a comparison passes its threshold,
and "different" when it has turned 180 degrees without a match. Its time is the clock.

Nothing here reads a Figure: the agent sees images and, for the first figure, the words.

Controls:
  `PropositionalRotationAgent`  reads both descriptions (the parser's scene code) and compares
                                identity and handedness symbolically; no image, no turn
  `HolisticMatcher`             one rotation-invariant comparison of the two pictures (radial ink
                                profile and the magnitudes of an angular Fourier transform of the
                                ink); a fixed time, no turn (it cannot see handedness, by design)
The oracle imager is the `RotatingAgent` with `OracleImaginer("figures", size)`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from ..imagery import operations as ops
from ..imagery.clock import TrialClocks
from ..imagery.mental_image import MentalImage
from ..scenes import get_family
from ..scenes.errors import SceneError

ROTATION_STEP = 10.0
"""Degrees per rotation increment (the buffer's ROTATE_STEP)."""
MAX_TURN = 180.0
"""A turn of half a circle each way reaches every orientation: past it the search is exhausted."""
SAME_THRESHOLD = 0.88
"""Pixel correlation of the turned image with the probe at which the agent says 'same'."""
ROUTES = ("transform", "reimagine")
"""How an increment is made: a transformation of the image in the buffer, or the figure imagined
again from its words at the next orientation."""
HOLISTIC_THRESHOLD = 0.9
"""Correlation of the rotation-invariant features at which the holistic matcher says 'same'."""


class RotationError(SceneError):
    """A rotation trial the agent cannot do (no image held, images of different sizes, ...)."""


@dataclass
class RotationResult:
    response: str               # "same" | "different"
    increments: int             # rotation increments made (the trial turns each way included)
    comparisons: int            # image comparisons made
    turned: float               # degrees the image stood turned (clockwise) when the agent answered
    best_similarity: float      # the best comparison seen
    time_ms: float              # the clock when the agent responded
    trace: list = field(default_factory=list)  # every clock step

    @property
    def same(self) -> bool:
        return self.response == "same"


def as_image(picture, description: str = "probe") -> MentalImage:
    """A picture (a MentalImage or a square RGB uint8 array) as a MentalImage; anything else is a
    one-line RotationError."""
    if isinstance(picture, MentalImage):
        return picture
    arr = np.asarray(picture)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 8:
        raise RotationError(f"a picture must be a square RGB array (size, size, 3) of size 8 or more, "
                            f"got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise RotationError(f"a picture's pixels must be uint8 (0..255), got {arr.dtype}")
    return MentalImage(arr, description, model="picture")


def _same_size(a: MentalImage, b: MentalImage) -> None:
    if a.pixels.shape != b.pixels.shape:
        raise RotationError(f"the mental image is {a.size}x{a.size} but the probe is "
                            f"{b.pixels.shape[0]}x{b.pixels.shape[1]}: they must be the same size to be compared")


class RotatingAgent:
    """Mental rotation in the visual buffer: imagine the first figure, turn it step by step until
    it matches the probe picture (same) or half a circle has gone by (different)."""

    def __init__(self, imaginer=None, *, threshold: float = SAME_THRESHOLD, step: float = ROTATION_STEP,
                 route: str = "transform", axis: str = "picture", timing_noise: float = 0.0,
                 costs: dict | None = None, seed: int = 0):
        if not 0 < step <= 90:
            raise ValueError(f"the rotation increment must be in (0, 90] degrees, got {step!r}")
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; choose from {', '.join(ROUTES)}")
        if axis not in ("picture", "depth"):
            raise ValueError(f"the turn is in the 'picture' plane or in 'depth', not {axis!r}")
        self.imaginer, self.threshold, self.step = imaginer, float(threshold), float(step)
        self.route, self.axis = route, axis
        self.clocks = TrialClocks(timing_noise, costs, seed)
        self.image: MentalImage | None = None
        self.description: str | None = None
        self._seed = 0
        self._reimagined: dict[str, MentalImage] = {}

    @property
    def size(self) -> int | None:
        return getattr(self.imaginer, "size", None)

    def hold(self, description: str | None = None, *, image=None, seed: int = 0) -> MentalImage:
        """Imagine the first figure from its description (through the imaginer), or hold a given
        picture of it. Drawing happens before the timed part of a trial (Cooper & Shepard's
        advance preparation), so it costs the clock nothing."""
        self._seed = seed
        if image is not None:
            self.image, self.description = as_image(image, description or "given picture"), description
            if self.image.seed is not None:  # re-imagining then starts from the noise the image was drawn from
                self._seed = self.image.seed
            return self.image
        if description is None:
            raise RotationError("give the first figure as a description or as an image")
        if self.imaginer is None:
            raise RotationError("this agent has no imaginer: hold(image=...) a picture of the first figure")
        self.image = self.imaginer.imagine(description, seed=seed)[0]
        self.description = description
        return self.image

    def judge(self, probe) -> RotationResult:
        """Same or different: turn the held image toward the probe picture, comparing after each
        increment. In the picture plane a glance chooses the way round; in depth no glance tells
        the way (a figure turned 40 degrees left or right in depth looks alike), so the agent
        turns a copy each way in alternation."""
        if self.image is None:
            raise RotationError("the agent holds no image of the first figure: call hold(...) first")
        probe = as_image(probe)
        _same_size(self.image, probe)
        self._check_turnable()
        clock = self.clocks.new()
        clock.tick("encode", what="probe picture")
        source = self.image
        best = ops.compare(source, probe, clock)
        turned, match = 0.0, best >= self.threshold
        if not match:
            if self.axis == "picture":
                # a coarse look at both pictures says which way round is shorter; the turn goes that way
                clock.tick("glance", looking_for="direction of turn")
                directions = (1 if estimated_turn(source.pixels, probe.pixels) >= 0 else -1,)
            else:
                directions = (1, -1)
            reached = {d: 0.0 for d in directions}
            while not match and min(abs(t) for t in reached.values()) + self.step <= MAX_TURN + 1e-9:
                for d in directions:
                    image, reached[d] = self._increment(source, reached[d], d, clock)
                    sim = ops.compare(image, probe, clock)
                    best = max(best, sim)
                    if sim >= self.threshold:
                        match, turned = True, reached[d]
                        break
            if not match:
                turned = reached[directions[0]]
        response = "same" if match else "different"
        clock.tick("respond", response=response)
        return RotationResult(response, clock.count("rotate") + clock.count("imagine"), clock.count("compare"),
                              turned, best, clock.ms, list(clock.trace))

    def _check_turnable(self) -> None:
        if self.route == "reimagine":
            if self.imaginer is None or self.description is None:
                raise RotationError("re-imagining needs an imaginer and the first figure's description")
        elif self.axis == "depth" and getattr(self.image, "code", None) is None:
            raise RotationError("a turn in depth is no 2-D rotation of a picture: hold a 3-D model of the figure "
                                "(imagine it with a 3-D imager, Model3DImaginer) or use route='reimagine'")

    def _increment(self, source: MentalImage, turned: float, direction: int, clock) -> tuple[MentalImage, float]:
        """One increment of the turn: a transformation of the buffer's image (or of the 3-D model
        it was projected from, in depth), or the figure imagined again from its own words, turned
        a further increment ('the same figure, turned a further 10 degrees')."""
        if self.route == "transform":
            if self.axis == "picture":
                return ops.rotate_increment(source, turned, direction, clock, self.step)
            return ops.turn_model_increment(source, turned, direction, clock, "depth", self.step)
        total = turned + direction * self.step
        text = self.turned_description(total)
        clock.tick("imagine", degrees=direction * self.step, text=text)
        if text not in self._reimagined:
            self._reimagined[text] = self.imaginer.imagine(text, seed=self._seed)[0]
        return self._reimagined[text], total

    def turned_description(self, degrees: float) -> str:
        """The first figure's words, said of the figure turned `degrees` clockwise about the
        agent's axis: what the agent tells itself when it re-imagines the turned figure."""
        fam = get_family(getattr(self.imaginer, "family", "figures"))
        fig = fam.parse(self.description)
        if fig.angle and fig.axis != self.axis:
            raise RotationError(f"the first figure stands turned in the {fig.axis} plane; the agent turns in {self.axis}")
        angle = int(round(fig.angle + degrees)) % 360
        return fam.prompt(dataclasses.replace(fig, angle=angle, axis=self.axis if angle else "picture"))


# --- the holistic matcher: no rotation -------------------------------------------------------

def invariant_features(pixels: np.ndarray, rings: int = 8, angles: int = 36, harmonics: int = 6) -> np.ndarray:
    """Features of a picture that do not change when it turns about the centroid of its ink: the
    ink's radial profile and, per ring, the magnitudes of the Fourier transform around the ring
    (a turn only shifts the phase). A mirror image has the same features, too."""
    polar = polar_ink(pixels, rings, angles)
    spectrum = np.abs(np.fft.rfft(polar, axis=1))[:, :harmonics + 1] / angles
    return spectrum.ravel() / (np.linalg.norm(spectrum) or 1.0)


def polar_ink(pixels: np.ndarray, rings: int = 8, angles: int = 72) -> np.ndarray:
    """The picture's ink resampled on rings about the centroid of its ink (rings x angles, the
    angle running clockwise on the screen). Turning the picture about that centroid shifts the
    columns."""
    ink = 255.0 - np.asarray(pixels, float).mean(-1)
    ink -= np.median(ink)
    ink = np.clip(ink, 0, None)
    total = ink.sum()
    size = ink.shape[0]
    if total <= 0:
        return np.zeros((rings, angles))
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    cx, cy = (ink * xs).sum() / total, (ink * ys).sum() / total
    rad = (np.arange(rings) + 0.5) / rings * size / 2
    th = np.arange(angles) / angles * 2 * np.pi
    px = cx + rad[:, None] * np.cos(th)[None]
    py = cy + rad[:, None] * np.sin(th)[None]
    return _bilinear(ink, px - 0.5, py - 0.5)


def estimated_turn(a: np.ndarray, b: np.ndarray) -> float:
    """A coarse look at two pictures: the turn (degrees clockwise, -180..180) that best lines up
    the polar ink of `a` with that of `b` (circular cross-correlation over the angle). It is
    used only for the direction in which to start turning."""
    pa, pb = polar_ink(a), polar_ink(b)
    pa, pb = pa - pa.mean(1, keepdims=True), pb - pb.mean(1, keepdims=True)
    corr = np.fft.irfft(np.conj(np.fft.rfft(pa, axis=1)) * np.fft.rfft(pb, axis=1), n=pa.shape[1], axis=1).sum(0)
    shift = int(np.argmax(corr)) * 360 / pa.shape[1]
    return shift - 360 if shift > 180 else shift


def _bilinear(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    h, w = img.shape
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    out = np.zeros_like(x, float)
    for dx, dy, wt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = x0 + dx, y0 + dy
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        out += np.where(ok, img[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], 0.0) * wt
    return out


class HolisticMatcher:
    """The no-rotation control: one rotation-invariant comparison of the held image with the
    probe, a fixed time whatever the angle."""

    def __init__(self, imaginer=None, *, threshold: float = HOLISTIC_THRESHOLD, timing_noise: float = 0.0,
                 costs: dict | None = None, seed: int = 0):
        self.imaginer, self.threshold = imaginer, float(threshold)
        self.clocks = TrialClocks(timing_noise, costs, seed)
        self.image: MentalImage | None = None
        self.description: str | None = None

    size = RotatingAgent.size
    hold = RotatingAgent.hold

    def judge(self, probe) -> RotationResult:
        if self.image is None:
            raise RotationError("the matcher holds no image of the first figure: call hold(...) first")
        probe = as_image(probe)
        _same_size(self.image, probe)
        clock = self.clocks.new()
        clock.tick("encode", what="probe picture")
        clock.tick("compare", how="rotation-invariant features")
        a, b = invariant_features(self.image.pixels), invariant_features(probe.pixels)
        sim = float(a @ b)
        response = "same" if sim >= self.threshold else "different"
        clock.tick("respond", response=response)
        return RotationResult(response, 0, 1, 0.0, sim, clock.ms, list(clock.trace))


# --- the propositional control ---------------------------------------------------------------

class PropositionalRotationAgent:
    """Descriptions only (Pylyshyn's alternative): read both descriptions into the scene code
    and compare what the figure is and its handedness, one retrieval each. The angles are read
    but play no part, so there is no angle effect."""

    def __init__(self, family: str = "figures", *, timing_noise: float = 0.0, costs: dict | None = None,
                 seed: int = 0):
        self.family = get_family(family)
        self.clocks = TrialClocks(timing_noise, costs, seed)
        self.first = None
        self.description: str | None = None

    def hold(self, description: str, **_) -> object:
        self.first, self.description = self.family.parse(description), description
        return self.first

    def judge(self, probe_description: str) -> RotationResult:
        if self.first is None:
            raise RotationError("the agent has read no first figure: call hold(description) first")
        if not isinstance(probe_description, str):
            raise RotationError("the propositional agent reads the probe's description, not its picture")
        second = self.family.parse(probe_description)
        clock = self.clocks.new()
        clock.tick("encode", what="probe description")
        steps = [("kind", self.first.kind == second.kind), ("identity", self.first.identity == second.identity),
                 ("mirror", self.first.mirror == second.mirror)]
        same = True
        for what, ok in steps:
            clock.tick("retrieve", compared=what, equal=ok)
            if not ok:
                same = False
                break
        response = "same" if same else "different"
        clock.tick("respond", response=response)
        return RotationResult(response, 0, 0, 0.0, math.nan, clock.ms, list(clock.trace))
