"""Planning by imagining: reading rooms from pictures, missions, planners and the agent's loop
(oracle images and planted wrong ones; the shipped backbone's episodes are in the benchmark tests)."""
import dataclasses
import math
from collections import deque

import numpy as np
import pytest

from imagery_agent.agent.missions import MissionError, parse_mission
from imagery_agent.agent.planners import ShortestPathPlanner
from imagery_agent.agent.planning_agent import PlanningAgent
from imagery_agent.backbones.imaginer import OracleImaginer
from imagery_agent.imagery.mental_image import MentalImage
from imagery_agent.perception.room_reader import RoomReadError, read_room
from imagery_agent.scenes import rooms
from imagery_agent.scenes.errors import ParseError, SceneError
from imagery_agent.scenes.room_actions import ACTIONS, step


def _bfs_length(room, mission):
    """An independent breadth-first search over every action (no networkx, no pruning)."""
    targets = mission.targets(room)
    queue, seen = deque([(room, 0)]), {room}
    while queue:
        state, n = queue.popleft()
        for a in range(len(ACTIONS) - 1):
            nxt = step(state, a)
            if mission.achieved(state, a, nxt, targets):
                return n + 1
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, n + 1))
    return None


def _rooms(n, seed=0):
    rng = np.random.default_rng(seed)
    return [rooms.sample(rng, max_items=3) for _ in range(n)]


def test_reader_reads_every_rendered_room_exactly():
    for r in _rooms(200, seed=3):
        assert read_room(rooms.render(r, 32)) == r


def test_reader_names_what_is_wrong_with_a_picture():
    with pytest.raises(RoomReadError, match="no room"):
        read_room(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(RoomReadError, match="square RGB"):
        read_room(np.zeros((32, 20, 3), np.uint8))
    two_agents = rooms.render(rooms.Room(6, 6, (1, 1), "east"), 32)
    two_agents[12:16, 12:16] = two_agents[4:8, 4:8]  # a second agent drawn at (3, 3)
    with pytest.raises(RoomReadError, match="2 agents"):
        read_room(two_agents)


@pytest.mark.parametrize("text,verb,kind,colour,loc", [
    ("go to the red ball", "goto", "ball", "red", None),
    ("go to a box", "goto", "box", None, None),
    ("pick up the blue key on your left", "pickup", "key", "blue", "left"),
    ("pick up a ball", "pickup", "ball", None, None),
    ("open the yellow door", "open", "door", "yellow", None),
    ("use the key to open the door and then get to the goal", "goal", None, None, None),
    ("Get to the goal.", "goal", None, None, None),
])
def test_missions_read_babyai_words(text, verb, kind, colour, loc):
    m = parse_mission(text)
    assert (m.verb, m.kind, m.colour, m.loc) == (verb, kind, colour, loc)


@pytest.mark.parametrize("text,match", [
    ("", "empty"), ("put the red ball next to the blue box", "cannot read"),
    ("pick up the red door", "cannot be picked up"), ("go to the pink ball", "cannot read"),
])
def test_bad_missions_are_named(text, match):
    with pytest.raises(MissionError, match=match):
        parse_mission(text)


def test_mission_locations_follow_babyai():
    r = rooms.Room(7, 7, (3, 3), "north", (rooms.Thing("ball", 1, 3, "red"), rooms.Thing("ball", 5, 3, "blue"),
                                           rooms.Thing("ball", 3, 1, "green")))
    assert parse_mission("pick up a ball on your left").targets(r) == {(1, 3)}
    assert parse_mission("pick up a ball on your right").targets(r) == {(5, 3)}
    assert parse_mission("pick up a ball in front of you").targets(r) == {(3, 1)}


@pytest.mark.parametrize("mission", ["get to the goal", "use the key to open the door and then get to the goal"])
def test_planner_finds_shortest_paths_on_oracle_images(mission):
    planner, m = ShortestPathPlanner(), parse_mission(mission)
    solved = 0
    for r in _rooms(25, seed=11):
        seen = read_room(OracleImaginer("rooms").imagine(rooms.describe(r))[0])
        plan, shortest = planner.plan(seen, m), _bfs_length(r, m)
        assert plan.found == (shortest is not None)  # a locked door whose key is elsewhere: no plan
        if shortest is None:
            continue
        solved += 1
        assert len(plan.actions) == shortest
        state = r
        for a in plan.actions:
            state = step(state, a)
        assert state.agent == r.goal
    assert solved >= 20


def test_locked_door_plan_fetches_the_key():
    r = rooms.Room(7, 5, (1, 1), "east", (rooms.Thing("key", 2, 3, "red"), rooms.Thing("door", 3, 2, "red", "locked"),
                                          rooms.Thing("goal", 5, 2)), (rooms.WallSegment(3, 1, 3, 3),))
    plan = ShortestPathPlanner().plan(r, parse_mission("get to the goal"))
    assert plan.found and "pickup" in plan.action_names and "toggle" in plan.action_names
    unopened = rooms.Room(7, 5, (1, 1), "east", (rooms.Thing("door", 3, 2, "red", "locked"), rooms.Thing("goal", 5, 2)),
                          (rooms.WallSegment(3, 1, 3, 3),))
    assert not ShortestPathPlanner().plan(unopened, parse_mission("get to the goal")).found


def test_a_room_where_the_mission_cannot_be_done_is_given_up_within_the_fallback_budget():
    # the goal walled off behind a locked door with no key, and three things to carry around: the
    # full search (drops anywhere) would run to tens of thousands of states
    things = (rooms.Thing("door", 6, 2, "red", "locked"), rooms.Thing("goal", 8, 2), rooms.Thing("ball", 2, 1, "blue"),
              rooms.Thing("box", 3, 3, "green"), rooms.Thing("ball", 4, 4, "yellow"))
    r = rooms.Room(10, 7, (1, 1), "east", things, (rooms.WallSegment(6, 1, 6, 5),))
    planner = ShortestPathPlanner(fallback_states=2_000)
    plan = planner.plan(r, parse_mission("get to the goal"))
    assert not plan.found and plan.expanded <= 2_000 and "stopped at 2000 states" in plan.notes[0]


def _run(agent, room, mission, rng, limit=80):
    agent.reset()
    for _ in range(limit):
        room = step(room, agent.act({"description": rooms.describe(room, rng), "mission": mission}))
        if room.agent == room.goal:
            return True
    return False


def test_agent_solves_rooms_with_the_oracle_imager():
    rng, agent = np.random.default_rng(5), PlanningAgent(OracleImaginer("rooms"))
    assert all(_run(agent, r, "get to the goal", rng) for r in _rooms(20, seed=5))
    assert agent.episode.imagined >= 1 and agent.episode.clock_ms > 0


class PlantedImaginer:
    """Draws the room with its goal moved on the first call of each text, then the true room."""
    family, name = "rooms", "planted"

    def __init__(self):
        self.oracle, self.calls = OracleImaginer("rooms"), {}

    def imagine(self, text, *, seed=0, **kw):
        self.calls[text] = self.calls.get(text, 0) + 1
        room = rooms.parse(text)
        if self.calls[text] == 1:
            free = next((x, y) for x in range(1, room.width - 1) for y in range(1, room.height - 1)
                        if (x, y) not in room.wall_cells() and (x, y) != room.agent
                        and all((t.x, t.y) != (x, y) for t in room.things))
            things = tuple(t if t.kind != "goal" else rooms.Thing("goal", *free) for t in room.things)
            room = rooms.Room(room.width, room.height, room.agent, room.heading, things, room.walls)
        return [MentalImage(rooms.render(room, 32), text, seed, self.name)]


def test_a_planted_wrong_image_is_caught_and_reimagined():
    r = _rooms(1, seed=2)[0]
    agent = PlanningAgent(PlantedImaginer())
    code = agent.dual_code(rooms.describe(r))
    assert code.agree and code.attempts == 2 and agent.episode.caught == 1
    assert code.seen == r


class SameWrongImaginer(PlantedImaginer):
    """Draws the same wrong room (goal moved) every time, as an imager with an unused latent does."""

    def imagine(self, text, *, seed=0, **kw):
        self.calls[text] = 0
        return super().imagine(text, seed=seed, **kw)


def test_the_agent_stops_reimagining_when_the_image_reads_the_same_again():
    r = _rooms(1, seed=2)[0]
    agent = PlanningAgent(SameWrongImaginer(), max_attempts=5)
    code = agent.dual_code(rooms.describe(r))
    assert not code.agree and code.attempts == 2 and agent.episode.imagined == 2
    assert agent.episode.caught == 2 and agent.episode.repeated == 1 and code.seen != r


def test_the_agent_plans_on_its_image_not_the_words():
    """With one attempt only, a wrong image is planned on: the plan heads for the imagined goal."""
    r = rooms.Room(7, 7, (1, 1), "east", (rooms.Thing("goal", 5, 5),))
    agent = PlanningAgent(PlantedImaginer(), max_attempts=1)
    plan = agent.plan({"description": rooms.describe(r), "mission": "get to the goal"})
    assert plan.states[-1].agent != (5, 5) and agent.episode.unresolved == 1


@pytest.mark.parametrize("observation,error", [
    ({"description": "The room is 6 by 6. You are at column 1, row 1, facing east. A pink ball is at column 2, row 2.",
      "mission": "get to the goal"}, ParseError),
    ({"description": "", "mission": "get to the goal"}, ParseError),
    ({"mission": "get to the goal"}, ParseError),
    ({"description": "The room is 6 by 6. You are at column 1, row 1, facing east.", "mission": "dance"}, MissionError),
])
def test_bad_observations_get_clear_errors(observation, error):
    with pytest.raises(error):
        PlanningAgent(OracleImaginer("rooms")).act(observation)


def test_agent_refuses_other_families_and_bad_actions():
    with pytest.raises(SceneError, match="imagines rooms"):
        PlanningAgent(OracleImaginer("islands"))
    with pytest.raises(SceneError, match="unknown action"):
        step(_rooms(1)[0], "jump")


def test_imagined_search_plans_through_imagined_successors():
    from imagery_agent.agent.planners import ImaginedSearchPlanner
    counting = OracleImaginer("rooms")
    drawn = []
    original = counting.imagine
    counting.imagine = lambda texts, **kw: drawn.extend(texts) or original(texts, **kw)
    planner, m = ImaginedSearchPlanner(counting), parse_mission("get to the goal")
    solved = 0
    for r in _rooms(10, seed=21):
        plan = planner.plan(r, m)
        if plan.found:
            state = r
            for a in plan.actions:
                state = step(state, a)
            solved += state.agent == r.goal
    assert solved >= 8 and len(drawn) > 10  # every searched state was imagined


def test_imagined_search_follows_what_it_imagines():
    """An imaginer that never draws the agent moving leaves the search no progress to see."""
    from imagery_agent.agent.planners import ImaginedSearchPlanner
    start = (1, 1)

    class Frozen(OracleImaginer):
        def imagine(self, texts, **kw):
            out = []
            for t in ([texts] if isinstance(texts, str) else texts):
                r = rooms.parse(t)
                r = rooms.Room(r.width, r.height, start, r.heading, r.things, r.walls)
                out.append(MentalImage(rooms.render(r, 32), t, 0, "frozen"))
            return out

    r = rooms.Room(8, 8, start, "east", (rooms.Thing("goal", 6, 6),))
    seeing = ImaginedSearchPlanner(OracleImaginer("rooms"), max_images=200).plan(r, parse_mission("get to the goal"))
    frozen = ImaginedSearchPlanner(Frozen("rooms"), max_images=200).plan(r, parse_mission("get to the goal"))
    assert seeing.found and len(seeing.actions) == 11
    assert not frozen.found or frozen.expanded > 2 * seeing.expanded


def test_goal_room_is_the_room_with_the_mission_done():
    from imagery_agent.agent.planners import goal_room
    r = rooms.Room(7, 7, (1, 1), "east", (rooms.Thing("goal", 5, 5), rooms.Thing("ball", 3, 1, "red")))
    for text in ("get to the goal", "go to the red ball", "pick up the red ball"):
        m = parse_mission(text)
        done = goal_room(r, m, m.targets(r))
        assert done.things == r.things and done.walls == r.walls
        assert done.agent == (5, 5) if m.verb == "goal" else (done.agent, done.heading) == ((2, 1), "east")
    walled = rooms.Room(7, 7, (1, 1), "east", (rooms.Thing("ball", 5, 5, "red"),),
                        (rooms.WallSegment(1, 4, 5, 4), rooms.WallSegment(4, 5, 4, 5)))
    m = parse_mission("go to the red ball")
    assert goal_room(walled, m, m.targets(walled)) is None  # nowhere to stand next to it


class _PlaceEmbedding:
    """A stand-in joint embedding that sees only where the agent is: words and pictures of rooms
    with the agent in nearby cells lie close."""

    @staticmethod
    def _embed(room):
        import torch
        ax, ay = room.agent
        v = torch.tensor([math.exp(-abs(ax - x) - abs(ay - y)) for x in range(8) for y in range(8)])
        return v / v.norm()

    def encode_texts(self, texts):
        import torch
        return torch.stack([self._embed(rooms.parse(t)) for t in texts])

    def encode_images(self, images):
        import torch
        return torch.stack([self._embed(read_room(i)) for i in images])


def test_embedding_search_follows_the_embedding_to_the_goal():
    from imagery_agent.agent.planners import EmbeddingSearchPlanner
    r = rooms.Room(8, 8, (1, 1), "east", (rooms.Thing("goal", 6, 6),))
    plan = EmbeddingSearchPlanner(OracleImaginer("rooms"), _PlaceEmbedding(), max_images=200).plan(
        r, parse_mission("get to the goal"))
    assert plan.found and len(plan.actions) <= 13 and plan.imagined < 100  # shortest: 11
    blocked = rooms.Room(7, 7, (1, 1), "east", (rooms.Thing("ball", 5, 5, "red"),),
                         (rooms.WallSegment(1, 4, 5, 4), rooms.WallSegment(4, 5, 4, 5)))
    none = EmbeddingSearchPlanner(OracleImaginer("rooms"), _PlaceEmbedding()).plan(blocked, parse_mission("go to the red ball"))
    assert not none.found and "no free cell" in none.notes[0] and none.imagined == 0


def test_captioner_reader_turns_a_bad_caption_into_a_read_error():
    from imagery_agent.agent.planning_agent import captioner_reader
    from imagery_agent.perception.captioner import Caption
    r = _rooms(1)[0]

    class Saying:
        def __init__(self, text):
            self.text = text

        def read(self, images):
            try:
                return [Caption(self.text, 0.0, rooms.parse(self.text))]
            except ParseError as e:
                return [Caption(self.text, 0.0, None, str(e))]

    image = rooms.render(r, 32)
    assert captioner_reader(Saying(rooms.canonical(r)))(image) == r
    with pytest.raises(RoomReadError, match="not a valid room"):
        captioner_reader(Saying("The room is 6 by 6."))(image)
    agent = PlanningAgent(OracleImaginer("rooms"), reader=captioner_reader(Saying("The room is 6 by 6.")))
    code = agent.dual_code(rooms.describe(r))
    assert not code.agree and code.seen is None and "not a valid room" in code.problem


def test_evaluate_reads_room_pictures_back():
    from imagery_agent.evaluate import reader_metrics
    from imagery_agent.scenes.corpus import build_corpus
    examples = build_corpus("rooms", 20, seed=4, split="heldout")
    perfect = [rooms.render(e.scene, 32) for e in examples]
    m = reader_metrics("rooms", examples, perfect)
    assert m["reader_renders_exact"] == 1.0 and m["reader_round_trip_exact"] == 1.0
    blank = [np.zeros((32, 32, 3), np.uint8)] * len(examples)
    assert reader_metrics("rooms", examples, blank)["reader_round_trip_exact"] == 0.0


def test_a_location_in_the_mission_is_fixed_when_it_is_given():
    """BabyAI: 'the ball on your left' is the ball on the left when told, even after turning."""
    r = rooms.Room(7, 7, (3, 3), "north", (rooms.Thing("ball", 1, 3, "red"), rooms.Thing("ball", 5, 3, "blue")))
    agent = PlanningAgent(OracleImaginer("rooms"))
    agent.plan({"description": rooms.describe(r), "mission": "pick up a ball on your left"})
    turned = step(step(r, "right"), "right")  # now facing south: the red ball is on the right
    plan = agent.plan({"description": rooms.describe(turned), "mission": "pick up a ball on your left"})
    state = turned
    for a in plan.actions:
        state = step(state, a)
    assert state.carrying == rooms.Thing("ball", 0, 0, "red")


def test_simulate_imagines_the_state_an_action_leads_to():
    r = rooms.Room(7, 7, (2, 2), "east", (rooms.Thing("key", 3, 2, "red"),))
    agent = PlanningAgent(OracleImaginer("rooms"))
    text, image = agent.simulate(rooms.describe(r), "pickup")
    after = rooms.parse(text)
    assert after.carrying == rooms.Thing("key", 0, 0, "red") and not after.things
    assert read_room(image) == dataclasses.replace(after, carrying=None)  # the key is gone from the picture
    with pytest.raises(ValueError, match="max_plans"):
        PlanningAgent(OracleImaginer("rooms"), max_plans=0)
