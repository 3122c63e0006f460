"""The propositional control (Pylyshyn): the same task on a scene graph, with no image.

The agent stores the description as a networkx graph whose edges it visits in the order the
landmarks were mentioned. 'Scanning' from X to Y is a retrieval: walk X's links until Y turns up.
Time comes from the graph operations actually performed, and nothing in them is metric.
"""
from __future__ import annotations

import networkx as nx

from ..imagery.clock import TrialClocks
from ..scenes import get_family
from ..scenes.text import sentences
from .imagery_agent import LandmarkError, ScanResult


class PropositionalAgent:
    def __init__(self, family: str = "islands", *, timing_noise: float = 0.0, costs: dict | None = None,
                 seed: int = 0):
        self.family = get_family(family)
        self.clocks = TrialClocks(timing_noise, costs, seed)
        self.graph: nx.DiGraph | None = None
        self.mention_order: list[str] = []
        self.description: str | None = None

    def learn(self, description: str, *, seed: int = 0, extra_names=()) -> nx.DiGraph:
        """Store the description as a scene graph, its objects in the order they were mentioned."""
        scene = self.family.parse(description, extra_names=extra_names)
        graph = self.family.to_graph(scene)
        order = []
        for toks in sentences(description, self.family.name):
            for t in toks:
                if t in graph and t not in order:
                    order.append(t)
        self.mention_order, self.graph, self.description = order, graph, description
        return self.graph


    def _check(self, name: str) -> None:
        if self.graph is None:
            raise LandmarkError("the agent has no map yet: call learn(description) first")
        if name not in self.graph:
            raise LandmarkError(f"unknown landmark {name!r}: the map has {', '.join(self.mention_order)}")

    def scan(self, start: str, target: str) -> ScanResult:
        self._check(start)
        self._check(target)
        if start == target:
            raise LandmarkError(f"cannot scan from the {start} to itself")
        clock = self.clocks.new()
        clock.tick("encode", word=target)
        clock.tick("retrieve", node=start)
        found = False
        for other in self.mention_order:  # the links of `start`, in the order they were learned
            if other == start:
                continue
            clock.tick("retrieve", edge=(start, other))
            if other == target and self.graph.has_edge(start, target):
                found = True
                break
        clock.tick("respond", found=found)
        return ScanResult(start, target, found, 0, clock.count("retrieve"), clock.ms, [], list(clock.trace))

    def find(self, target: str) -> ScanResult:
        self._check(target)
        clock = self.clocks.new()
        clock.tick("encode", word=target)
        for name in self.mention_order:
            clock.tick("retrieve", node=name)
            if name == target:
                break
        clock.tick("respond", found=True)
        return ScanResult("", target, True, 0, clock.count("retrieve"), clock.ms, [], list(clock.trace))
