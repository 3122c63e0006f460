"""The planning agent: it hears the state in words, imagines it, checks the image by reading it
back, plans on the room it reads in its own image, and acts.

The loop, as a planner would call it:
    agent = PlanningAgent(load_imaginer("rooms"))
    obs, _ = env.reset(seed=0)               # obs["description"], obs["mission"]
    while True:
        obs, reward, done, trunc, _ = env.step(agent.act(obs))

`imagine(text)` draws the words; `caption(image)` reads a room picture back into words;
`dual_code(text)` imagines, captions and re-imagines (new seed) while the two codes disagree
(the reading is the template reader's, `perception/room_reader.py`, or with
`reader=captioner_reader(load_captioner("rooms"))` the trained rooms captioner's);
`simulate(state, action)` imagines the state an action leads to, from the words of the state
and the agent's knowledge of what actions do; `plan(observation, goal)` returns a `Plan` made on
the room read from the image (never the true room); `act(observation)` follows the plan and plans
again when what it hears is not what it expected (after `max_plans` plans in one episode it gives
up and says done). Every image, reading, comparison and searched
state ticks the clock (`imagery_agent.imagery.clock`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..imagery.clock import TrialClocks
from ..imagery.mental_image import MentalImage
from ..perception.room_reader import RoomReadError, read_room
from ..scenes import get_family
from ..scenes.errors import ParseError, SceneError
from ..scenes.room_actions import ACTIONS, action_index, step
from ..scenes.rooms import Room, canonical, describe
from .missions import Mission, parse_mission
from .planners import Plan, ShortestPathPlanner


@dataclass
class RoomCode:
    """One pass of dual coding for a room: the words, the image, what the agent read in it."""
    text: str
    verbal: Room                    # the room the words describe
    image: MentalImage              # the last image imagined
    seen: Room | None               # the room read in the image (None: not a valid room)
    caption: str                    # what the agent says the image shows
    agree: bool                     # the image shows what the words say (the carried object aside)
    attempts: int                   # images imagined
    problem: str = ""               # why the last reading disagreed


@dataclass
class Episode:
    """What the agent did in one episode: plans, re-plans, images and caught bad images."""
    plans: int = 0
    imagined: int = 0
    caught: int = 0                 # images the caption check rejected
    repeated: int = 0               # re-imaginings given up: the new image was read as the same room as the last
    unresolved: int = 0             # states planned on although no image agreed with the words
    clock_ms: float = 0.0
    log: list = field(default_factory=list)


def _same_picture(a: Room, b: Room) -> bool:
    """Whether two rooms look the same (what the agent carries is not drawn)."""
    return a == dataclasses.replace(b, carrying=a.carrying)


def _disagreement(verbal: Room, seen: Room | None) -> int:
    """How many things the image gets wrong against the words (agent, objects, wall cells)."""
    if seen is None:
        return 1 << 20
    agent = (verbal.agent, verbal.heading) != (seen.agent, seen.heading)
    return (int(agent) + len(set(verbal.things) ^ set(seen.things)) + len(verbal.wall_cells() ^ seen.wall_cells())
            + 4 * ((verbal.width, verbal.height) != (seen.width, seen.height)))


def _observation_text(observation) -> tuple[str, str | None]:
    """(description, mission) from a dict observation or a bare description string."""
    if isinstance(observation, str):
        return observation, None
    if isinstance(observation, dict) and "description" in observation:
        return observation["description"], observation.get("mission")
    raise ParseError("an observation is a description string or a dict with 'description' (and 'mission')")


def captioner_reader(captioner):
    """A reader for `PlanningAgent(reader=...)` that reads the image with a trained rooms
    captioner (its greedy caption, parsed) instead of the template reader."""
    def read(image) -> Room:
        caption = captioner.read([getattr(image, "pixels", image)])[0]
        if not caption.ok:
            raise RoomReadError(f"the caption {caption.text!r} is not a valid room: {caption.error}")
        return caption.scene
    return read


class PlanningAgent:
    """Plans by imagining: words -> image -> the room read in the image -> a plan."""

    def __init__(self, imaginer, *, planner=None, reader=None, max_attempts: int = 3, max_plans: int = 12,
                 costs: dict | None = None, seed: int = 0):
        if get_family(imaginer.family).name != "rooms":
            raise SceneError(f"the planning agent imagines rooms; this imaginer draws {imaginer.family!r}")
        for name, value in (("max_attempts", max_attempts), ("max_plans", max_plans)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        self.imaginer, self.planner = imaginer, planner or ShortestPathPlanner()
        self.read = reader or read_room  # image -> Room, RoomReadError when it shows no valid room
        self.max_attempts, self.max_plans, self.seed = max_attempts, max_plans, seed
        self.clocks = TrialClocks(0.0, costs, seed)
        self.clock = self.clocks.new()
        self.episode = Episode()
        self._plan: Plan | None = None
        self._mission: Mission | None = None
        self._expected: Room | None = None
        self._draws = 0

    # --- the codes -------------------------------------------------------------------------
    def imagine(self, text: str) -> MentalImage:
        """A mental image of the room the words describe (a fresh seed each call)."""
        self._draws += 1
        image = self.imaginer.imagine(text, seed=self.seed * 100_003 + self._draws)[0]
        self.clock.tick("imagine", seed=image.seed)
        self.episode.imagined += 1
        return image

    def caption(self, image) -> str:
        """What the image shows, in the family's canonical words (RoomReadError if it shows no
        valid room)."""
        seen = self.read(image)
        self.clock.tick("caption")
        return canonical(seen)

    def dual_code(self, text: str) -> RoomCode:
        """Imagine the words, read the image back, compare; imagine again while they disagree."""
        verbal = get_family("rooms").parse(text)
        best = None  # (disagreement, image, seen, problem): with no image agreeing, the closest is kept
        previous = None  # what the last image was read as
        for attempt in range(1, self.max_attempts + 1):
            image = self.imagine(text)
            try:
                seen, problem = self.read(image), ""
            except RoomReadError as e:
                seen, problem = None, str(e)
            self.clock.tick("caption")
            self.clock.tick("compare")
            agree = seen is not None and _same_picture(verbal, seen)
            if agree:
                break
            self.episode.caught += 1
            problem = problem or f"the image shows {canonical(seen)!r}"
            if best is None or _disagreement(verbal, seen) < best[0]:
                best = (_disagreement(verbal, seen), image, seen, problem)
            if seen is not None and seen == previous:  # read the same as the last: drawing again will not help
                self.episode.repeated += 1
                break
            previous = seen
        if not agree:
            _, image, seen, problem = best
        caption = canonical(seen) if seen is not None else ""
        if seen is not None:  # what it carries it knows from the words: it is not drawn
            seen = dataclasses.replace(seen, carrying=verbal.carrying)
        return RoomCode(text, verbal, image, seen, caption, agree, attempt, "" if agree else problem)

    def simulate(self, state: str | Room, action) -> tuple[str, MentalImage]:
        """The words and the image of the state `action` leads to: the agent applies what it knows
        of the action to the words of the state, says the result, and imagines it."""
        room = state if isinstance(state, Room) else get_family("rooms").parse(state)
        after = step(room, action_index(action))
        self.clock.tick("retrieve", action=action)
        text = describe(after)
        return text, self.imagine(text)

    # --- planning and acting -----------------------------------------------------------------
    def plan(self, observation, goal: str | None = None) -> Plan:
        """A plan from the room the agent reads in its image of `observation`, for `goal` (a
        mission in BabyAI's words; by default the observation's own mission)."""
        text, mission_text = _observation_text(observation)
        mission = parse_mission(goal if goal is not None else mission_text)
        code = self.dual_code(text)
        room = code.seen if code.seen is not None else None
        if mission.loc is not None:  # where 'on your left' is depends on where the agent stood when told
            same = self._mission is not None and self._mission.text == mission.text and self._mission.fixed
            mission = self._mission if same else (mission.fix_targets(room) if room is not None else mission)
        if room is None or not code.agree:
            self.episode.unresolved += 1
        if room is None:
            plan = Plan([], [], False, 0, [f"no image read as a valid room: {code.problem}"])
        else:
            plan = self.planner.plan(room, mission)
        for _ in range(plan.expanded - plan.imagined):
            self.clock.tick("expand")
        for _ in range(plan.imagined):  # a search through imagined states draws each one
            self.clock.tick("imagine")
        self.episode.imagined += plan.imagined
        self.episode.plans += 1
        self.episode.clock_ms = self.clock.ms
        self.episode.log.append({"caption": code.caption, "agree": code.agree, "attempts": code.attempts,
                                 "actions": plan.action_names, "found": plan.found})
        self._plan, self._mission = plan, mission
        return plan

    def reset(self) -> None:
        """Forget the episode: a new clock, no plan."""
        self.clock, self.episode = self.clocks.new(), Episode()
        self._plan = self._mission = self._expected = None

    def act(self, observation) -> int:
        """The next action. The agent plans when it has no plan, when the mission changed, or when
        the words it hears are not the state it expected; with no plan found it turns left (a
        look around) and plans again next step."""
        text, mission_text = _observation_text(observation)
        heard = get_family("rooms").parse(text)
        expected_ok = self._expected is not None and heard == self._expected
        same_mission = self._mission is not None and (mission_text is None or mission_text == self._mission.text)
        if not (self._plan and self._plan.actions and expected_ok and same_mission):
            if self.episode.plans >= self.max_plans:  # it gave up: the episode runs out without more images
                return ACTIONS.index("done")
            self.plan(observation)
            self._expected = heard
        if not self._plan.found or not self._plan.actions:
            self._expected = None
            return 0
        action = self._plan.actions.pop(0)
        self._expected = step(self._expected, action)
        self.episode.clock_ms = self.clock.ms
        return action


class PropositionalPlanningAgent(PlanningAgent):
    """The control without an image: it plans on the room its words describe (a scene graph of
    cells), so it shows what the imagery adds or costs. Reading the words costs one retrieval."""

    def __init__(self, *, planner=None, costs: dict | None = None, seed: int = 0):
        from ..backbones.imaginer import OracleImaginer
        super().__init__(OracleImaginer("rooms"), planner=planner, costs=costs, seed=seed)  # never asked to draw

    def dual_code(self, text: str) -> RoomCode:
        verbal = get_family("rooms").parse(text)
        self.clock.tick("retrieve")
        return RoomCode(text, verbal, None, verbal, canonical(verbal), True, 0)
