"""The visual buffer's content: a mental image with its provenance."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class MentalImage:
    """Pixels (size x size x 3, uint8) and where they came from: the words, the seed, the model."""

    pixels: np.ndarray
    description: str
    seed: int | None = None
    model: str = "unknown"
    history: list[str] = field(default_factory=list)  # operations applied since generation
    code: object = None  # a structure the picture was projected from (a 3-D model), when the imager holds one

    def __post_init__(self):
        p = np.asarray(self.pixels)
        if p.ndim != 3 or p.shape[2] != 3 or p.shape[0] != p.shape[1]:
            raise ValueError(f"a mental image is a square RGB array (size, size, 3), got shape {p.shape}")
        self.pixels = p.astype(np.uint8, copy=False)

    @property
    def size(self) -> int:
        return self.pixels.shape[0]

    def derive(self, pixels: np.ndarray, operation: str, code: object = None) -> "MentalImage":
        """A new image made from this one by `operation`, keeping the provenance (a 2-D operation
        leaves no 3-D code: pass the code the new pixels were projected from, if any)."""
        return MentalImage(pixels, self.description, self.seed, self.model, self.history + [operation], code)
