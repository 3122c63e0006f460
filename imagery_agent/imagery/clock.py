"""The agent's clock: every elementary operation on a mental image costs modelled time.

The costs are fixed here, once, and reported in the README; no experiment tunes them per
condition. A response time is the sum over the steps the process really took, so the number
and kind of steps carry the result, and the trace shows them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_COSTS_MS = {
    "generate": 0.0,        # drawing the image happens before the timed part of a trial
    "imagine": 1000.0,      # drawing a mental image from words, when the task times it (dual coding)
    "caption": 600.0,       # reading a whole mental image back into words
    "encode": 300.0,        # hearing and understanding the probe word
    "glance": 100.0,        # a coarse look at the whole image (where, roughly, is something?)
    "inspect": 30.0,        # one recognition step on the attention window
    "shift": 15.0,          # moving the window by one fixed step
    "rotate": 20.0,         # turning the image by one small increment
    "translate": 15.0,      # moving the image by one small increment
    "zoom": 20.0,           # scaling the image by one small increment
    "reflect": 20.0,        # mirroring or flipping the image (one step, as one rotation increment)
    "compare": 60.0,        # matching two images
    "retrieve": 50.0,       # one look-up in a propositional (graph) memory
    "expand": 10.0,         # one state considered in a search over the imagined room (planning)
    "respond": 250.0,       # pressing the button
}


@dataclass
class Step:
    op: str
    ms: float
    detail: dict


@dataclass
class Clock:
    """Modelled milliseconds with a trace. `noise` is the coefficient of variation of each step's
    duration (gamma distributed, mean = the fixed cost), so repeated trials vary like people's."""

    costs: dict = field(default_factory=lambda: dict(DEFAULT_COSTS_MS))
    noise: float = 0.0
    seed: int | None = None
    trace: list[Step] = field(default_factory=list)

    def __post_init__(self):
        self._rng = np.random.default_rng(self.seed)

    def tick(self, op: str, **detail) -> float:
        if op not in self.costs:
            raise KeyError(f"no cost for operation {op!r}; known: {', '.join(self.costs)}")
        mean = self.costs[op]
        ms = mean
        if self.noise > 0 and mean > 0:
            k = 1 / self.noise ** 2
            ms = float(self._rng.gamma(k, mean / k))
        self.trace.append(Step(op, ms, detail))
        return ms

    @property
    def ms(self) -> float:
        return float(sum(s.ms for s in self.trace))

    def count(self, op: str) -> int:
        return sum(1 for s in self.trace if s.op == op)

    @property
    def steps(self) -> int:
        return len(self.trace)


class TrialClocks:
    """Hands out one fresh clock per trial; with timing noise, trial k's durations come from
    the seed (seed, k), so a whole session is reproducible."""

    def __init__(self, noise: float = 0.0, costs: dict | None = None, seed: int = 0):
        self.noise, self.costs, self.seed, self.trials = noise, dict(costs or {}), seed, 0

    def new(self) -> Clock:
        self.trials += 1
        clock = Clock(noise=self.noise, seed=[self.seed, self.trials] if self.noise else None)
        clock.costs.update(self.costs)
        return clock
