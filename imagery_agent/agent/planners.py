"""Planners: from the room the agent reads in its mental image, and a mission, to actions.

A planner is any object with `plan(room, mission) -> Plan`; the agent hands it the room it read
from its own image (never the true one). Write your own by following `ShortestPathPlanner`.

`ShortestPathPlanner` searches the agent's model of its actions (`room_actions.step`, MiniGrid's
rules) breadth first from the imagined room, builds the graph of states it reached with networkx
and returns the shortest action sequence that completes the mission (so turns count as steps,
keys are fetched and doors opened on the way when the path needs them).
"""
from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field

import networkx as nx

from ..scenes.room_actions import ACTIONS, front, step
from ..scenes.rooms import Room
from .missions import Mission

SUCCESS = "success"
MAX_STATES = 20_000
"""A lean search that reaches this many states has met a room it cannot solve in reasonable time."""
FALLBACK_STATES = 5_000
"""The budget of the full search (drops too), tried only when the lean one fails.
On true BabyAI rooms (GoToRedBall, GoToLocal, GoToObj, PickupLoc, 30 seeds each) the lean search
always succeeds, within 1,303 states; a full search is for a blocked path, and on a room read
wrong from the image it would otherwise run to tens of thousands of states (50 s) to learn that
the mission cannot be done there."""


@dataclass
class Plan:
    """Actions to take, the states the agent expects along the way, and what the search cost."""
    actions: list[int]
    states: list[Room]             # the imagined room before each action, then after the last
    found: bool                    # a path that completes the mission was found
    expanded: int                  # states the search reached
    notes: list[str] = field(default_factory=list)
    imagined: int = 0              # states the search imagined (drew) on the way

    @property
    def action_names(self) -> list[str]:
        return [ACTIONS[a] for a in self.actions]


class ShortestPathPlanner:
    """Breadth-first search over the agent's own action model, as a networkx graph."""

    useful = tuple(ACTIONS.index(a) for a in ("left", "right", "forward", "pickup", "drop", "toggle"))

    def __init__(self, max_states: int = MAX_STATES, fallback_states: int = FALLBACK_STATES):
        self.max_states, self.fallback_states = max_states, fallback_states

    def graph(self, room: Room, mission: Mission, lean: bool = False, max_states: int | None = None) -> nx.DiGraph:
        """Every state reachable from `room` (up to max_states), an edge per action that changes
        the state, and an edge to SUCCESS from each action that completes the mission. A `lean`
        search never drops what it lifted (it may lift whatever it faces: a key, the mission's
        object, a ball or box in the way): most rooms are solved that way in a few hundred states,
        and the full search is the fallback."""
        targets = mission.targets(room)
        drop = ACTIONS.index("drop")
        g = nx.DiGraph()
        g.add_node(room)
        queue, seen = deque([room]), {room}
        budget = self.max_states if max_states is None else max_states
        while queue and len(seen) < budget:
            state = queue.popleft()
            for a in self.useful:
                if lean and a == drop:
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
            g = self.graph(room, mission, max_states=self.fallback_states)
        if not g.has_node(SUCCESS):
            why = "no sequence of actions completes it" if len(g) < self.fallback_states else \
                f"the search stopped at {self.fallback_states} states"
            return Plan([], [room], False, len(g), [f"{mission.text!r}: {why}"])
        path = nx.shortest_path(g, room, SUCCESS)
        actions = [g.edges[a, b]["action"] for a, b in zip(path, path[1:])]
        return Plan(actions, path[:-1] + [g.edges[path[-2], SUCCESS]["after"]], True, len(g))


class ImaginedSearchPlanner:
    """Best-first search over *imagined* successor states: for each state it tries every action,
    says the state that action leads to (its knowledge of actions applied to the words), imagines
    all of them in one batch, and scores each image against the mission (`score_images`: here
    the image is read back and scored by how far the agent seen in it is from a target seen in
    it, city-block cells, plus one for a turn still needed). Slower than `ShortestPathPlanner`
    (an image per state) and greedy, so not always shortest; it plans in the imagined world, not
    on one map read once.

    `imaginer`: any Imaginer of rooms; `max_images`: the budget of imagined states; `reader`: how
    an image is read (default: the template reader; see `planning_agent.captioner_reader`)."""

    moves = tuple(ACTIONS.index(a) for a in ("left", "right", "forward", "pickup", "toggle"))

    def __init__(self, imaginer, max_images: int = 300, seed: int = 0, reader=None):
        from ..perception.room_reader import RoomReadError, read_room
        self.imaginer, self.max_images, self.seed = imaginer, max_images, seed
        self._read, self._read_error = reader or read_room, RoomReadError
        self.images = 0

    def score(self, seen: Room, mission: Mission, targets) -> float:
        """Cells still to go, as seen: to the goal, or to a cell facing a target."""
        if not targets:
            return float("inf")
        ax, ay = seen.agent
        fx, fy = front(seen)
        if mission.verb == "goal":
            return min(abs(ax - x) + abs(ay - y) for x, y in targets)
        return min(abs(fx - x) + abs(fy - y) + (0 if (fx, fy) == (x, y) else 1) for x, y in targets)

    def score_images(self, images, states: list[Room], room: Room, mission: Mission, targets) -> list:
        """One score per imagined state (lower is closer to done; None: not pursued)."""
        scores = []
        for image, state in zip(images, states):
            try:
                seen = self._read(image)
            except self._read_error:
                scores.append(None)  # an imagined state that does not read as a room is not pursued
                continue
            seen = dataclasses.replace(seen, carrying=state.carrying)  # carried things are not drawn
            scores.append(self.score(seen, mission, targets))
        return scores

    def plan(self, room: Room, mission: Mission) -> Plan:
        import heapq
        from ..scenes.rooms import describe
        targets = mission.targets(room)
        frontier = [(0.0, 0, room, [])]
        seen_states, counter, self.images = {room}, 1, 0
        while frontier and self.images < self.max_images:
            _, _, state, path = heapq.heappop(frontier)
            nexts = [(a, step(state, a)) for a in self.moves]
            for a, nxt in nexts:
                if mission.achieved(state, a, nxt, targets):
                    states = [room]
                    for b in path + [a]:
                        states.append(step(states[-1], b))
                    return Plan(path + [a], states, True, self.images, imagined=self.images)
            fresh = [(a, nxt) for a, nxt in nexts if nxt not in seen_states]
            if not fresh:
                continue
            images = self.imaginer.imagine([describe(n) for _, n in fresh], seed=self.seed + self.images)
            self.images += len(images)
            seen_states.update(n for _, n in fresh)
            for (a, nxt), score in zip(fresh, self.score_images(images, [n for _, n in fresh], room, mission, targets)):
                if score is not None:
                    heapq.heappush(frontier, (score + 0.01 * len(path), counter, nxt, path + [a]))
                    counter += 1
        return Plan([], [room], False, self.images, [f"{mission.text!r}: no path within {self.max_images} imagined states"],
                    imagined=self.images)


def goal_room(room: Room, mission: Mission, targets) -> Room | None:
    """The room as the agent expects it just before its last action: standing on the goal (its
    heading as now), or on the free cell next to a target, facing it, before the pickup or toggle
    (the cell nearest the agent by city-block distance, walls ignored); None: no such cell."""
    from ..scenes.room_actions import STEP, passable
    ax, ay = room.agent
    options = []
    for x, y in targets:
        if mission.verb == "goal":
            options.append((abs(ax - x) + abs(ay - y), (x, y), room.heading))
            continue
        for heading, (dx, dy) in STEP.items():
            cell = (x - dx, y - dy)  # standing here and facing `heading`, the target is in front
            if passable(room, cell) or cell == room.agent:
                options.append((abs(ax - cell[0]) + abs(ay - cell[1]), cell, heading))
    if not options:
        return None
    _, cell, heading = min(options)
    return dataclasses.replace(room, agent=cell, heading=heading)


class EmbeddingSearchPlanner(ImaginedSearchPlanner):
    """The imagined search scored by the joint embedding instead of by reading each image: the
    agent says the room as it expects it just before its last action (`goal_room`) and follows
    the imagined states whose images lie closest to those words (cosine in the rooms joint
    embedding). What it compares is pictures with words, never a reading of the picture.

    `clip`: a rooms `JointEmbedding` (default: the shipped one)."""

    def __init__(self, imaginer, clip=None, max_images: int = 300, seed: int = 0):
        super().__init__(imaginer, max_images, seed)
        if clip is None:
            from ..perception.joint_embedding import load_joint_embedding
            clip = load_joint_embedding("rooms")
        self.clip = clip
        self._goal = None  # the embedding of the goal room's words, for the plan being made

    def plan(self, room: Room, mission: Mission) -> Plan:
        from ..scenes.rooms import canonical
        goal = goal_room(room, mission, mission.targets(room))
        if goal is None:
            return Plan([], [room], False, 0, [f"{mission.text!r}: no free cell to stand in when it is done"])
        self._goal = self.clip.encode_texts([canonical(goal)])
        return super().plan(room, mission)

    def score_images(self, images, states, room, mission, targets) -> list:
        similarity = (self.clip.encode_images([getattr(i, "pixels", i) for i in images]) @ self._goal.T)[:, 0]
        return [10 * (1.0 - float(s)) for s in similarity]
