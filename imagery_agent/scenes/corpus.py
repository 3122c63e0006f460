"""Synthetic (text, scene) corpora with a held-out split of combinations never seen in training.

Each family names its atoms (`combinations(scene)`: landmark-in-quadrant, figure-at-angle,
part-relation-part, colour-object) and a held-out set of them. Training scenes contain none of
the held-out atoms; held-out scenes contain at least one, so a model that does well on them
has composed what it learned rather than recalled it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import get_family
from .errors import SceneError

SPLITS = ("train", "heldout")


def is_heldout(family: str, scene) -> bool:
    fam = get_family(family)
    test = getattr(fam, "is_heldout_atom", None) or (lambda atom: atom in fam.HELDOUT)
    return any(test(a) for a in fam.combinations(scene))


def sample_split(family: str, rng: np.random.Generator, split: str = "train", max_tries: int = 10_000, **kw):
    """A random scene of the family that belongs to `split`."""
    if split not in SPLITS:
        raise SceneError(f"split must be one of {SPLITS}, got {split!r}")
    fam = get_family(family)
    if split == "train" and family == "islands":
        kw = {"exclude": fam.HELDOUT, **kw}  # sample around the held-out atoms instead of rejecting
    for _ in range(max_tries):
        scene = fam.sample(rng, **kw)
        if is_heldout(family, scene) == (split == "heldout"):
            return scene
    raise SceneError(f"no {split} scene of {family} found in {max_tries} tries with {kw}")


@dataclass
class Example:
    text: str
    scene: object


def build_corpus(family: str, n: int, seed: int = 0, split: str = "train", **kw) -> list[Example]:
    """`n` examples, each scene described once with a random paraphrase; deterministic for a seed."""
    fam = get_family(family)
    rng = np.random.default_rng([seed, SPLITS.index(split)])
    out = []
    for _ in range(n):
        scene = sample_split(family, rng, split, **kw)
        out.append(Example(fam.describe(scene, rng), scene))
    return out
