"""Synthetic (text, scene) corpora with a held-out split of combinations never seen in training.

Each family names its atoms (landmark-in-quadrant, figure-at-angle, part-relation-part,
colour-object) and which of them are held out (`SceneFamily.atoms`, `heldout_atom`). Training
scenes contain none of the held-out atoms; held-out scenes contain at least one, so a model that
does well on them has composed what it learned rather than recalled it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .family import SPLITS, SceneFamily, get_family


@dataclass
class Example:
    text: str
    scene: object


def build_corpus(family: str | SceneFamily, n: int, seed: int = 0, split: str = "train", **kw) -> list[Example]:
    """`n` examples, each scene described once with a random paraphrase; deterministic for a seed."""
    fam = get_family(family)
    rng = np.random.default_rng([seed, SPLITS.index(split) if split in SPLITS else 0])
    out = []
    for _ in range(n):
        scene = fam.sample_split(rng, split, **kw)
        out.append(Example(fam.describe(scene, rng), scene))
    return out
