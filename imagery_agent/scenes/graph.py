"""Propositional scene graphs: objects as nodes, spatial relations computed from geometry as edges.

Every family's `to_graph()` calls `relation_graph()`, so the relations mean the same thing
everywhere: positions are fractions of the image width (x right, y down).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import networkx as nx
import numpy as np

from .strokes import Stroke, min_distance

NEAR = 0.25
"""Two objects are 'near' when their centres are closer than this fraction of the image width."""
ALIGN = 0.02
"""Offsets smaller than this do not count as left-of or above (objects in line)."""
TOUCH = 0.02
"""Shapes closer than this (fraction of the width) touch."""


@dataclass
class GraphObject:
    name: str
    x: float
    y: float
    attributes: dict = field(default_factory=dict)
    strokes: Sequence[Stroke] | None = None


def relation_graph(objects: Sequence[GraphObject], **graph_attributes) -> nx.DiGraph:
    """A complete directed graph whose edge (a, b) says how a stands to b.

    Edge attributes: distance (float), left_of, above, near, touching (bools) and `relations`,
    the set of relation names that hold (for quick queries and printing).
    """
    g = nx.DiGraph(**graph_attributes)
    for o in objects:
        g.add_node(o.name, pos=(o.x, o.y), **o.attributes)
    for a in objects:
        for b in objects:
            if a is b:
                continue
            dist = float(np.hypot(a.x - b.x, a.y - b.y))
            touching = (a.strokes is not None and b.strokes is not None
                        and min_distance(a.strokes, b.strokes) <= TOUCH)
            rel = {
                "left-of": a.x < b.x - ALIGN,
                "right-of": a.x > b.x + ALIGN,
                "above": a.y < b.y - ALIGN,
                "below": a.y > b.y + ALIGN,
                "near": dist < NEAR,
                "touching": bool(touching),
            }
            g.add_edge(a.name, b.name, distance=dist, left_of=rel["left-of"], above=rel["above"],
                       near=rel["near"], touching=rel["touching"],
                       relations={k for k, v in rel.items() if v})
    return g
