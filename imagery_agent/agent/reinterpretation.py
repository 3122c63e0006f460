"""Reinterpretation (Finke, Pinker & Farah 1989): build an image from spoken instructions, then
say what it looks like, a name that was never said.

The agent reads the instructions into a composition (the compositions parser), generates the
image (by default part by part in the visual buffer: each part imagined upright by the glyphs
backbone, then turned, joined and moved by buffer operations; or the whole composition redrawn
by an imaginer of the compositions family after each instruction), and names the final image
with a joint embedding that learnt everyday objects from drawings alone (the objects family).
It leaves out the names of the parts it was told about, and may turn or mirror its image to look
for a further reading, as people do. Every imagining, buffer step and look ticks the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..imagery import operations as ops
from ..imagery.clock import Clock
from ..imagery.composing import Step, build_by_parts
from ..imagery.mental_image import MentalImage
from ..scenes import compositions, get_family
from ..scenes.errors import SceneError
from ..scenes.lexicon import LEXICON

CONFIDENT = 0.1
"""A reading this probable ends the search; below it the agent turns its image and looks again."""
LOOKS = (("rotate", 90), ("rotate", -90), ("rotate", 180), ("mirror", 0))
"""The further looks, in order: a quarter turn each way, a half turn, the mirror image."""
ROUTES = ("parts", "whole")


@dataclass
class Reading:
    name: str
    score: float
    look: str                                # 'as imagined', 'rotate 90', ... where it was seen
    readings: list = field(default_factory=list)  # (name, score) best first, of that look


@dataclass
class Interpretation:
    composition: compositions.Composition
    steps: list[Step]
    reading: Reading | None
    clock: Clock

    @property
    def image(self) -> np.ndarray:
        return self.steps[-1].image

    @property
    def answer(self) -> str | None:
        return self.reading.name if self.reading else None


def part_names(comp: compositions.Composition) -> set[str]:
    """What the agent was told about: the parts' symbols and their kind words."""
    names = set()
    for p in comp.parts:
        names |= {p.symbol.lower(), compositions.name_of(p.symbol).split()[-1].lower()}
    return names


class ObjectNamer:
    """Zero-shot naming with the objects joint embedding: each lexicon name's probability."""

    def __init__(self, clip, names=LEXICON):
        self.clip, self.names = clip, tuple(names)

    def __call__(self, image: np.ndarray, exclude=()) -> list[tuple[str, float]]:
        names = [n for n in self.names if n not in exclude]
        probs = self.clip.presence([image], names)[0].tolist()
        return sorted(zip(names, probs), key=lambda kv: -kv[1])


class ReinterpretingAgent:
    """Builds the image of a sequence of instructions and names what it shows.

    part_imaginer: draws one upright glyph from its words (the glyphs backbone, or
    `OracleImaginer("glyphs")`); whole_imaginer: draws a whole composition (route 'whole');
    namer: image -> [(name, score)], e.g. `ObjectNamer(load_joint_embedding("objects"))`."""

    def __init__(self, namer, part_imaginer=None, whole_imaginer=None, route: str = "parts",
                 image_size: int = 64, look_further: bool = True, seed: int = 0):
        if route not in ROUTES:
            raise SceneError(f"unknown route {route!r}; choose from {', '.join(ROUTES)}")
        self.namer, self.part_imaginer, self.whole_imaginer = namer, part_imaginer, whole_imaginer
        self.route, self.image_size, self.look_further, self.seed = route, image_size, look_further, seed

    # --- generation ----------------------------------------------------------------------
    def build(self, instructions: str, clock: Clock) -> tuple[compositions.Composition, list[Step]]:
        if self.route == "parts" and self.part_imaginer is None:
            raise SceneError("the 'parts' route needs a part imaginer (glyphs family) to build an image")
        if self.route == "whole" and self.whole_imaginer is None:
            raise SceneError("the 'whole' route needs an imaginer of the compositions family to build an image")
        comp = get_family("compositions").parse(instructions)
        clock.tick("encode", what="instructions")
        steps = self._by_parts(comp, clock) if self.route == "parts" else self._whole(comp, clock)
        return comp, steps

    def _by_parts(self, comp, clock) -> list[Step]:
        return build_by_parts(comp, self.part_imaginer, clock, seed=self.seed, size=self.image_size)

    def _whole(self, comp, clock) -> list[Step]:
        """Route (a): after each part (and each change of the whole figure) the composition so far
        is redrawn whole from its canonical words."""
        steps = []
        fam = get_family("compositions")
        for i in range(len(comp.parts)):
            ops = tuple(f for f in comp.figure_ops if f[0] < i)
            stages = [(f"parts 1-{i + 1}", ops)] + [(f"whole figure: {f[1]}", ops + (f,)) for f in comp.figure_ops
                                                   if f[0] == i]
            for label, fops in stages:
                partial = compositions.Composition(comp.parts[:i + 1], fops)
                clock.tick("imagine", part=label)
                image = self.whole_imaginer.imagine([fam.canonical(partial)], seed=self.seed + len(steps))[0]
                steps.append(Step(label, _resize(image.pixels, self.image_size)))
        return steps

    # --- interpretation ------------------------------------------------------------------
    def interpret(self, image: np.ndarray, exclude, clock: Clock) -> Reading:
        """Name the image; when no reading is confident, turn and mirror it and look again,
        keeping the most probable reading of all the looks."""
        clock.tick("caption", look="as imagined")
        readings = self.namer(image, exclude)
        best = Reading(readings[0][0], readings[0][1], "as imagined", readings[:5])
        if not self.look_further or best.score >= CONFIDENT:
            return best
        for op, value in LOOKS:
            seen = _turned(image, op, value, clock)
            clock.tick("caption", look=f"{op} {value}")
            r = self.namer(seen, exclude)
            if r[0][1] > best.score:
                best = Reading(r[0][0], r[0][1], f"{op} {value}" if op == "rotate" else op, r[:5])
            if best.score >= CONFIDENT:
                break
        return best

    def run(self, instructions: str, clock: Clock | None = None) -> Interpretation:
        clock = clock or Clock()
        comp, steps = self.build(instructions, clock)
        reading = self.interpret(steps[-1].image, part_names(comp), clock)
        clock.tick("respond")
        return Interpretation(comp, steps, reading, clock)


class PropositionalReinterpreter:
    """The control with no depictive code: it holds the composition (parts and relations) and
    the lexicon's names, and nothing in that record looks like anything, so it can only guess
    among the names it was not told (chance: one in the lexicon's size)."""

    def __init__(self, names=LEXICON, seed: int = 0):
        self.names, self.rng = tuple(names), np.random.default_rng(seed)

    def run(self, instructions: str, clock: Clock | None = None) -> Interpretation:
        clock = clock or Clock()
        comp = get_family("compositions").parse(instructions)
        clock.tick("encode", what="instructions")
        for _ in range(len(comp.parts) + len(comp.figure_ops)):
            clock.tick("retrieve")
        options = [n for n in self.names if n not in part_names(comp)]
        name = options[int(self.rng.integers(len(options)))]
        clock.tick("respond")
        return Interpretation(comp, [], Reading(name, 1 / len(options), "no image", []), clock)


def _turned(pixels: np.ndarray, op: str, value: int, clock: Clock) -> np.ndarray:
    """The held image turned (in 10-degree increments, each ticking) or mirrored (one tick)."""
    image = MentalImage(pixels, "composition", model="buffer")
    if op == "mirror":
        clock.tick("reflect", axis="mirror")
        return np.ascontiguousarray(pixels[:, ::-1])
    return ops.rotate(image, value, clock).pixels


def _resize(pixels: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image
    if pixels.shape[0] == size:
        return pixels
    return np.asarray(Image.fromarray(pixels).resize((size, size), Image.BILINEAR))
