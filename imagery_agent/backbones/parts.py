"""An imaginer that draws a composition part by part (Kosslyn's image generation): each part
imagined upright by a glyphs imaginer, then turned, joined and moved in the visual buffer.

It keeps the Imaginer contract (`imagine(texts, *, seed)`, deterministic per seed, words it
cannot read refused by the compositions parser), so evaluation and agents use it like any
backbone of the compositions family.
"""
from __future__ import annotations

from ..imagery.clock import Clock
from ..imagery.composing import build_by_parts
from ..imagery.mental_image import MentalImage
from ..scenes import get_family
from .imaginer import check_texts


class PartsImaginer:
    family = "compositions"

    def __init__(self, part_imaginer, size: int = 64):
        if part_imaginer.family != "glyphs":
            raise ValueError(f"a parts imaginer draws its parts with a glyphs imaginer, not {part_imaginer.family!r}")
        self.parts, self.size = part_imaginer, size
        self.name = f"parts({part_imaginer.name})"
        self.batch_size = 1
        self.steps = getattr(part_imaginer, "steps", None)
        self.guidance = getattr(part_imaginer, "guidance", None)
        self.guidance_steps = getattr(part_imaginer, "guidance_steps", None)

    def imagine(self, texts, *, seed: int = 0, steps=None, guidance=None, progress: bool = False,
                extra_names=()) -> list[MentalImage]:
        fam = get_family(self.family)
        texts = check_texts(fam, texts, extra_names)
        out = []
        for i, text in enumerate(texts):
            steps_ = build_by_parts(fam.parse(text), self.parts, Clock(), seed=(seed + i) * 8, size=self.size)
            out.append(MentalImage(steps_[-1].image, text, seed + i, self.name))
        return out
