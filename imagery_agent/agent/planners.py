"""Planners: from the room the agent reads in its mental image, and a mission, to actions.

A planner is any object with `plan(room, mission) -> Plan`; the agent hands it the room it read
from its own image (never the true one). Write your own by following `ShortestPathPlanner`.

`ShortestPathPlanner` searches the agent's model of its actions (`room_actions.step`, MiniGrid's
rules) breadth first from the imagined room, builds the graph of states it reached with networkx
and returns the shortest action sequence that completes the mission (so turns count as steps,
keys are fetched and doors opened on the way when the path needs them).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import networkx as nx

from ..scenes.room_actions import ACTIONS, front, step, thing_at
from ..scenes.rooms import Room
from .missions import Mission

SUCCESS = "success"
MAX_STATES = 50_000
"""A search that reaches this many states has met a room it cannot solve in reasonable time."""


@dataclass
class Plan:
    """Actions to take, the states the agent expects along the way, and what the search cost."""
    actions: list[int]
    states: list[Room]             # the imagined room before each action, then after the last
    found: bool                    # a path that completes the mission was found
    expanded: int                  # states the search reached
    notes: list[str] = field(default_factory=list)

    @property
    def action_names(self) -> list[str]:
        return [ACTIONS[a] for a in self.actions]


def _worth_lifting(state: Room, targets) -> bool:
    t = thing_at(state, front(state))
    return t is not None and (t.kind == "key" or (t.x, t.y) in targets)


class ShortestPathPlanner:
    """Breadth-first search over the agent's own action model, as a networkx graph."""

    useful = tuple(ACTIONS.index(a) for a in ("left", "right", "forward", "pickup", "drop", "toggle"))

    def __init__(self, max_states: int = MAX_STATES):
        self.max_states = max_states

    def graph(self, room: Room, mission: Mission, lean: bool = False) -> nx.DiGraph:
        """Every state reachable from `room` (up to max_states), an edge per action that changes
        the state, and an edge to SUCCESS from each action that completes the mission. A `lean`
        search picks up only keys and the mission's objects and never drops anything: most rooms
        are solved that way in a few hundred states, and the full search is the fallback."""
        targets = mission.targets(room)
        pickup, drop = ACTIONS.index("pickup"), ACTIONS.index("drop")
        g = nx.DiGraph()
        g.add_node(room)
        queue, seen = deque([room]), {room}
        while queue and len(seen) < self.max_states:
            state = queue.popleft()
            for a in self.useful:
                if lean and (a == drop or (a == pickup and not _worth_lifting(state, targets))):
                    continue
                nxt = step(state, a)
                if mission.achieved(state, a, nxt, targets):
                    if not g.has_edge(state, SUCCESS):
                        g.add_edge(state, SUCCESS, action=a, after=nxt)
                    continue
                if nxt == state:
                    continue
                g.add_edge(state, nxt, action=a)
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
            if g.has_node(SUCCESS):
                break  # breadth first: the first success found is a shortest one
        return g

    def plan(self, room: Room, mission: Mission) -> Plan:
        g = self.graph(room, mission, lean=True)
        if not g.has_node(SUCCESS):
            g = self.graph(room, mission)
        if not g.has_node(SUCCESS):
            why = "no sequence of actions completes it" if len(g) < self.max_states else \
                f"the search stopped at {self.max_states} states"
            return Plan([], [room], False, len(g), [f"{mission.text!r}: {why}"])
        path = nx.shortest_path(g, room, SUCCESS)
        actions = [g.edges[a, b]["action"] for a, b in zip(path, path[1:])]
        return Plan(actions, path[:-1] + [g.edges[path[-2], SUCCESS]["after"]], True, len(g))
