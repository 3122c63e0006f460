"""Finding a named object in an image from what the captioner reads there, with a confidence.

The captioner's n-best list (beam search) is a small posterior over readings of the image; the
object's position is where the best reading puts it, and the confidence is the probability mass
of the readings that put it there (within TOLERANCE). Works for any family whose captions parse
into scenes with that object: a landmark, a letter's stroke, a room's key.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scenes.agreement import TOLERANCE
from ..scenes import get_family
from .captioner import Captioner


@dataclass
class Location:
    name: str
    x: float             # centre, fraction of the image width (0 = left)
    y: float             # fraction of the image height (0 = top)
    confidence: float    # posterior mass of the captions that agree on this place, in [0, 1]
    caption: str         # the best reading that holds the object


def position_of(family: str, scene, name: str) -> tuple[float, float] | None:
    """Where a scene puts the object `name` (None if the scene has no such object)."""
    if scene is None:
        return None
    g = get_family(family).to_graph(scene)
    return tuple(g.nodes[name]["pos"]) if name in g.nodes else None


def locate(captioner: Captioner, image, name: str, n_best: int = 4) -> Location | None:
    """Position and confidence of `name` in `image`, or None when no reading holds it."""
    caps = captioner.caption([image], "beam", n=n_best, num_beams=n_best)[0]
    logp = np.array([c.log_prob for c in caps])
    weight = np.exp(logp - logp.max())
    weight /= weight.sum()
    places = [position_of(captioner.family, c.scene, name) for c in caps]
    best = next((i for i, p in enumerate(places) if p is not None), None)
    if best is None:
        return None
    here = places[best]
    conf = float(sum(w for w, p in zip(weight, places) if p is not None and math.dist(p, here) <= TOLERANCE + 1e-9))
    return Location(name, here[0], here[1], conf, caps[best].text)
