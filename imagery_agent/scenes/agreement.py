"""Agreement between two scene codes of one situation (the words said, the caption read back).

Both scenes go through the family's `to_graph`, so the comparison is the same for every family:
an object agrees when the other scene has an object of the same name, within `TOLERANCE` of the
image width of the same place, with the same attributes. Objects only one side has count as
disagreements too (missing ones and extra ones).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .family import get_family

TOLERANCE = 1 / 16
"""Two positions agree within 1/16 of the image width (an island grid cell). The one tolerance
for every comparison of a place: scene codes here, image scorers in `metrics/`."""
POSITION_KEYS = ("pos", "column", "row", "cell", "strokes")
"""Node attributes that say where an object is (compared by TOLERANCE, not for equality)."""


@dataclass
class Agreement:
    objects: dict[str, bool]                  # per object of the reference scene
    extra: list[str] = field(default_factory=list)   # objects only the other scene has
    offsets: dict[str, float] = field(default_factory=dict)  # position difference, fraction of width

    @property
    def object_accuracy(self) -> float:
        return sum(self.objects.values()) / len(self.objects) if self.objects else 0.0

    @property
    def exact(self) -> bool:
        return all(self.objects.values()) and not self.extra

    def disagreements(self) -> list[str]:
        return [n for n, ok in self.objects.items() if not ok] + [f"extra {n}" for n in self.extra]


def compare_scenes(family: str, reference, other) -> Agreement:
    """How far `other` (e.g. a caption's scene, or None if it did not parse) agrees with `reference`."""
    fam = get_family(family)
    ref = fam.to_graph(reference)
    if other is None:
        return Agreement({n: False for n in ref.nodes})
    oth = fam.to_graph(other)
    objects, offsets = {}, {}
    for name, a in ref.nodes(data=True):
        if name not in oth.nodes:
            objects[name] = False
            continue
        b = oth.nodes[name]
        offsets[name] = math.dist(a["pos"], b["pos"])
        same_attributes = all(b.get(k) == v for k, v in a.items() if k not in POSITION_KEYS)
        objects[name] = offsets[name] <= TOLERANCE + 1e-9 and same_attributes
    return Agreement(objects, sorted(set(oth.nodes) - set(ref.nodes)), offsets)
