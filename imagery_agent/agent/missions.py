"""Missions in BabyAI's words, read into a test the planner can search for.

Read: 'go to the red ball', 'go to a box', 'pick up the blue key on your left' (BabyAI's
locations: in front of you, behind you, on your left, on your right, taken from where the agent
stands when the mission is given), 'open the yellow door', 'get to the goal', and MiniGrid
DoorKey's 'use the key to open the door and then get to the goal'. Success is judged as BabyAI's
verifiers judge it (`minigrid/envs/babyai/core/verifier.py`): go to = the agent faces a matching
object; pick up = the pickup action lifts one; open = the toggle action leaves one open; the goal =
the agent stands on it. Anything else is refused with the words it could not read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..scenes.errors import ParseError
from ..scenes.room_actions import ACTIONS, STEP, front, thing_at
from ..scenes.rooms import COLOURS, ITEMS, Room

LOCATIONS = {"in front of you": "front", "behind you": "behind", "on your left": "left", "on your right": "right"}
_KINDS = ITEMS + ("door", "object")
_OBJECT = re.compile(rf"^(go to|pick up|open) (?:the|a|an) (?:({'|'.join(COLOURS)}) )?({'|'.join(_KINDS)})"
                     rf"(?: ({'|'.join(LOCATIONS)}))?$")
_GOAL = re.compile(r"^(?:(?:use the key to open the door and )?(?:then )?(?:get|go|walk|move) to|reach) "
                   r"the (?:green )?goal(?: square)?$")


class MissionError(ParseError):
    """A mission the planner cannot read or cannot search for."""


@dataclass(frozen=True)
class Mission:
    """What to do ('goto', 'pickup', 'open', 'goal') to which objects (kind and colour, None for
    any; the location relative to the agent's pose when the mission is given)."""

    text: str
    verb: str
    kind: str | None = None
    colour: str | None = None
    loc: str | None = None
    fixed: frozenset | None = None  # targets fixed when the mission was given (BabyAI's locations)

    def targets(self, room: Room) -> frozenset[tuple[int, int]]:
        """The cells of the objects the mission means, as the agent sees them now (or as fixed)."""
        if self.fixed is not None:
            return self.fixed
        if self.verb == "goal":
            return frozenset((t.x, t.y) for t in room.things if t.kind == "goal")
        cells = set()
        ax, ay = room.agent
        d1 = STEP[room.heading]
        d2 = (-d1[1], d1[0])
        for t in room.things:
            if t.kind == "goal" or (self.kind and t.kind != self.kind) or (self.colour and t.colour != self.colour):
                continue
            v = (t.x - ax, t.y - ay)
            side = {"left": v[0] * d2[0] + v[1] * d2[1] < 0, "right": v[0] * d2[0] + v[1] * d2[1] > 0,
                    "front": v[0] * d1[0] + v[1] * d1[1] > 0, "behind": v[0] * d1[0] + v[1] * d1[1] < 0}
            if self.loc is None or side[self.loc]:
                cells.add((t.x, t.y))
        return frozenset(cells)

    def fix_targets(self, room: Room) -> "Mission":
        """The mission with its objects fixed where `room` has them: 'the ball on your left' means
        the ball on the left when the mission was given, however the agent turns later."""
        return Mission(self.text, self.verb, self.kind, self.colour, self.loc, self.targets(room))

    def achieved(self, before: Room, action: int, after: Room, targets: frozenset) -> bool:
        """Whether doing `action` in `before` (giving `after`) completes the mission."""
        if self.verb == "goal":
            return after.agent in targets
        if self.verb == "goto":
            return front(after) in targets and thing_at(after, front(after)) is not None
        if self.verb == "pickup":
            return (ACTIONS[action] == "pickup" and before.carrying is None and after.carrying is not None
                    and front(before) in targets)
        door = thing_at(after, front(after))
        return ACTIONS[action] == "toggle" and front(after) in targets and door is not None and door.state == "open"


def parse_mission(text: str) -> Mission:
    """A mission from BabyAI's words; MissionError names what it cannot read."""
    if not isinstance(text, str) or not text.strip():
        raise MissionError("the mission is empty; say e.g. 'go to the red ball'")
    words = " ".join(re.sub(r"[.!,]", " ", text.lower().replace("grey", "grey").replace("gray", "grey")).split())
    if _GOAL.match(words):
        return Mission(text, "goal")
    m = _OBJECT.match(words)
    if m is None:
        raise MissionError(f"cannot read the mission {text!r}; missions are 'go to / pick up / open the "
                           "[colour] key|ball|box|door [in front of you|behind you|on your left|on your right]' "
                           "or 'get to the goal'")
    verb = {"go to": "goto", "pick up": "pickup", "open": "open"}[m.group(1)]
    kind = None if m.group(3) == "object" else m.group(3)
    if verb == "pickup" and kind == "door":
        raise MissionError(f"{text!r}: a door cannot be picked up")
    if verb == "open" and kind not in ("door", None):
        raise MissionError(f"{text!r}: only doors open here (a box's contents are not described)")
    return Mission(text, verb, kind if verb != "open" else "door", m.group(2), LOCATIONS.get(m.group(4)))
