"""The imagery agent: it draws its map from words, then scans it with an attention window, and
checks its image against the words by reading it back (dual coding).

Nothing here reads the true map. The agent knows the landmark *names* it was told and what each
kind of landmark looks like (its colour); where things are, it learns only by looking at the
image its imaginer drew. Every look and every move ticks the clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..imagery import operations as ops
from ..imagery.clock import TrialClocks
from ..imagery.mental_image import MentalImage
from ..scenes.agreement import compare_scenes
from ..perception.landmarks import find_landmark, match_map
from ..scenes import get_family
from ..scenes.errors import SceneError

RECOGNITION_THRESHOLD = 0.5
"""Window evidence at which the agent says it has arrived at the target."""
WINDOW_RADIUS = 0.04
"""Radius of the attention window, as a fraction of the image width."""
MAX_SCAN_STEPS = 128
"""A scan longer than twice the image width has lost its way and gives up."""
PRESENCE_TILES = 4
"""The no-scan search looks at the image in 4 x 4 tiles, in reading order."""


class LandmarkError(SceneError):
    """A landmark the agent was not told about, or one it cannot find in its image."""


@dataclass
class DualCode:
    """One pass of dual coding: words -> image -> words, and how far the two codes agree."""

    text: str                       # the description heard
    image: MentalImage              # the last image imagined
    caption: str                    # what the agent reads in that image
    verbal_scene: object            # the scene the words describe
    caption_scene: object | None    # the scene the caption describes (None if it did not parse)
    objects: dict[str, bool]        # per object of the words: does the image show it, in place?
    extra: list[str]                # objects the caption names that the words do not
    agreement: float                # fraction of objects that agree
    agree: bool                     # every object agrees and nothing is extra
    attempts: int                   # images imagined (re-imagined after each disagreement)
    time_ms: float                  # the clock when done
    trace: list = field(default_factory=list)


@dataclass
class ScanResult:
    start: str
    target: str
    found: bool                 # the window recognised the target
    shifts: int                 # window steps taken
    inspections: int            # recognition steps taken
    time_ms: float              # the clock when the agent responded
    path: list = field(default_factory=list)   # window centres visited (x, y)
    trace: list = field(default_factory=list)  # every clock step


def _check_attempts(max_attempts) -> None:
    if not isinstance(max_attempts, int) or max_attempts < 1:
        raise ValueError(f"max_attempts must be a whole number >= 1, got {max_attempts!r}")


class ImageryAgent:
    """Builds a mental map through an imaginer and answers by processing that image."""

    def __init__(self, imaginer, *, captioner=None, timing_noise: float = 0.0, costs: dict | None = None,
                 seed: int = 0):
        self.imaginer = imaginer
        self.captioner = captioner  # loaded on first use of dual_code when not given
        self.clocks = TrialClocks(timing_noise, costs, seed)
        self.image: MentalImage | None = None
        self.names: tuple[str, ...] = ()
        self.looks: dict = {}  # what each landmark looks like, from the words (default: its kind's colour)
        self.description: str | None = None  # what the current image was imagined from

    # --- learning the map ------------------------------------------------------------------
    def learn(self, description: str, *, seed: int = 0, extra_names=(), max_attempts: int = 3) -> MentalImage:
        """Read the description (its landmark names) and imagine the map it describes.

        A light dual-coding check: the agent looks for every landmark it was told about in its
        image and, where one is missing, imagines again from a new seed (up to `max_attempts`
        images). `self.attempts` says how many it took; the last image is kept either way."""
        _check_attempts(max_attempts)
        fam = get_family(self.imaginer.family)
        scene = fam.parse(description, extra_names=extra_names)  # checks the words; names and looks are kept
        names, looks = fam.object_names(scene), fam.looks(scene)
        kw = {"extra_names": tuple(extra_names)} if tuple(extra_names) else {}
        for attempt in range(max_attempts):
            image = self.imaginer.imagine(description, seed=seed + 7919 * attempt, **kw)[0]
            if all(find_landmark(image.pixels, n, looks.get(n)) is not None for n in names):
                break
        self.image, self.names, self.looks, self.attempts = image, names, looks, attempt + 1  # only on success
        self.description = description
        return self.image

    def dual_code(self, text: str, *, seed: int = 0, max_attempts: int = 3) -> DualCode:
        """Imagine `text`, caption the image, parse the caption and compare the two scene codes
        object by object; when they disagree, imagine again from a new seed (up to
        `max_attempts` images). Each image, caption and per-object comparison ticks the clock.
        The last image becomes the agent's current mental image."""
        _check_attempts(max_attempts)
        family = self.imaginer.family
        fam = get_family(family)
        verbal = fam.parse(text)  # malformed words fail here, before anything is imagined
        if self.captioner is None:
            from ..perception.captioner import load_captioner
            self.captioner = load_captioner(family)
        if self.captioner.family != family:
            raise SceneError(f"the captioner reads {self.captioner.family!r} scenes but the imaginer draws {family!r}")
        clock = self.clocks.new()
        for attempt in range(max_attempts):
            image = self.imaginer.imagine(text, seed=seed + 7919 * attempt)[0]
            clock.tick("imagine", seed=image.seed)
            reading = self.captioner.read([image.pixels])[0]
            clock.tick("caption", caption=reading.text)
            agreement = compare_scenes(family, verbal, reading.scene)
            for name, ok in agreement.objects.items():
                clock.tick("compare", object=name, agree=ok)
            if agreement.exact:
                break
        self.image, self.names, self.looks, self.description = image, fam.object_names(verbal), fam.looks(verbal), text
        return DualCode(text, image, reading.text, verbal, reading.scene, agreement.objects, agreement.extra,
                        agreement.object_accuracy, agreement.exact, attempt + 1, clock.ms, list(clock.trace))

    def use_image(self, image: MentalImage, names, looks: dict | None = None) -> None:
        """Hold a given image (e.g. an edited one) as the current mental map."""
        self.image, self.names, self.looks, self.description = image, tuple(names), dict(looks or {}), None

    def _check(self, name: str) -> None:
        if self.image is None:
            raise LandmarkError("the agent has no mental map yet: call learn(description) first")
        if name not in self.names:
            raise LandmarkError(f"unknown landmark {name!r}: the map has {', '.join(self.names)}")

    def locate(self, name: str) -> tuple[float, float] | None:
        """Where the image shows `name` (a look at the picture; None if it is not drawn)."""
        self._check(name)
        s = find_landmark(self.image.pixels, name, self.looks.get(name))
        return None if s is None else (s.x, s.y)

    # --- scanning --------------------------------------------------------------------------
    def scan(self, start: str, target: str) -> ScanResult:
        """Focus on `start`, then move the window in fixed steps toward where a glance puts
        `target`, inspecting after each step, until the window recognises the target."""
        self._check(start)
        self._check(target)
        if start == target:
            raise LandmarkError(f"cannot scan from the {start} to itself")
        clock = self.clocks.new()
        origin = self.locate(start)
        if origin is None:
            return ScanResult(start, target, False, 0, 0, math.nan)
        clock.tick("encode", word=target)
        clock.tick("glance", looking_for=target)
        goal = self.locate(target)
        window = ops.Window(origin[0], origin[1], WINDOW_RADIUS)
        path = [(window.x, window.y)]
        recognise = lambda px: match_map(px, target, self.looks.get(target))  # noqa: E731
        found = False
        if goal is not None:
            dx, dy = goal[0] - origin[0], goal[1] - origin[1]
            for _ in range(MAX_SCAN_STEPS):
                if ops.inspect(self.image, window, recognise, clock) >= RECOGNITION_THRESHOLD:
                    found = True
                    break
                window = ops.shift(window, dx, dy, clock)
                path.append((window.x, window.y))
        clock.tick("respond", found=found)
        return ScanResult(start, target, found, clock.count("shift"), clock.count("inspect"), clock.ms, path,
                          list(clock.trace))

    def find(self, target: str) -> ScanResult:
        """The no-scan control: is `target` on the map? Search the image tile by tile in reading
        order until the target is recognised; the focus point plays no part."""
        self._check(target)
        clock = self.clocks.new()
        clock.tick("encode", word=target)
        recognise = lambda px: match_map(px, target, self.looks.get(target))  # noqa: E731
        found = False
        half = 0.5 / PRESENCE_TILES
        for row in range(PRESENCE_TILES):
            for col in range(PRESENCE_TILES):
                tile = ops.Window((col + 0.5) / PRESENCE_TILES, (row + 0.5) / PRESENCE_TILES, half * math.sqrt(2))
                if ops.inspect(self.image, tile, recognise, clock) >= RECOGNITION_THRESHOLD:
                    found = True
                    break
            if found:
                break
        clock.tick("respond", found=found)
        return ScanResult("", target, found, 0, clock.count("inspect"), clock.ms, [], list(clock.trace))
