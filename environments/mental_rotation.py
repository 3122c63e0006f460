"""imagery/MentalRotation-v0: one episode is one trial of mental rotation (Shepard & Metzler 1971;
Cooper & Shepard 1973).

reset() gives the first figure as words (upright, in its normal form) and the second figure, the
probe, as a picture; the probe is the same figure or its mirror image, turned in the picture
plane (or, for cube figures with plane="depth", about the vertical axis). The agent answers same (0) or different (1) with its response time. The observation also
carries the probe's description, for the propositional control only: the imagery agent and the
holistic matcher never read it. info holds the true angle and mirroring, for the experimenter.

An experiment fixes a trial through reset's options ({"kind", "identity", "angle", "mirror"});
`hold_first` and `respond` are the agent's side of a trial, so `experiments.mental_rotation` and
any user loop run the same trial.
"""
from __future__ import annotations

import string

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from imagery_agent.scenes import figures
from imagery_agent.scenes.errors import SceneError

CHARSET = string.ascii_letters + string.digits + " ,.;-#'"
MAX_TEXT = 300
RESPONSES = ("same", "different")
STIMULI = {"letters": "letter", "digits": "digit", "polygons": "polygon", "cubes": "cube"}
"""The stimulus sets, by the figure kind each draws on."""


class MentalRotationEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 1}

    def __init__(self, stimuli: str = "letters", image_size: int = 32, render_mode: str | None = None,
                 plane: str = "picture"):
        if stimuli not in STIMULI:
            raise SceneError(f"unknown stimulus set {stimuli!r}; choose from {', '.join(STIMULI)}")
        if plane not in ("picture", "depth"):
            raise SceneError(f"unknown plane {plane!r}; choose from picture, depth")
        if plane == "depth" and STIMULI[stimuli] != "cube":
            raise SceneError(f"only cube figures turn in depth; the {stimuli} turn in the picture plane")
        self.plane = plane
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if isinstance(image_size, bool) or not isinstance(image_size, int) or not 16 <= image_size <= 256:
            raise ValueError(f"image_size must be a whole number from 16 to 256, got {image_size!r}")
        self.stimuli, self.kind = stimuli, STIMULI[stimuli]
        self.image_size, self.render_mode = image_size, render_mode
        self.observation_space = spaces.Dict({
            "description": spaces.Text(max_length=MAX_TEXT, min_length=1, charset=CHARSET),
            "probe": spaces.Box(0, 255, shape=(image_size, image_size, 3), dtype=np.uint8),
            "probe_description": spaces.Text(max_length=MAX_TEXT, min_length=1, charset=CHARSET)})
        self.action_space = spaces.Dict({
            "response": spaces.Discrete(2),
            "time_ms": spaces.Box(0.0, 1e6, shape=(1,), dtype=np.float32)})
        self._obs, self._trial = None, None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """A random trial, or the one `options` fixes: {"identity": "R", "angle": 120 (clockwise,
        a multiple of 10), "mirror": bool} (each optional)."""
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"identity", "angle", "mirror"}
        if unknown:
            raise ValueError(f"unknown reset option(s) {', '.join(sorted(unknown))}; use identity, angle, mirror")
        ids = figures.identities(self.kind)
        identity = str(options.get("identity", ids[int(self.np_random.integers(len(ids)))]))
        angle = options.get("angle", int(self.np_random.integers(36)) * figures.ANGLE_STEP)
        mirror = options.get("mirror", bool(self.np_random.random() < 0.5))
        if not isinstance(mirror, (bool, np.bool_)):
            raise ValueError(f"reset option mirror must be True or False, got {mirror!r}")
        try:
            first = figures.Figure(self.kind, identity)
            probe = figures.Figure(self.kind, identity, int(angle) if isinstance(angle, (int, np.integer)) else angle,
                                   bool(mirror), self.plane)
        except SceneError as e:
            raise ValueError(f"reset options: {e}") from None
        self._trial = {"first": first, "probe": probe}
        self._obs = {"description": figures.describe(first, self.np_random),
                     "probe": figures.render(probe, self.image_size),
                     "probe_description": figures.describe(probe, self.np_random)}
        return self._observation(), self._info()

    def _observation(self) -> dict:
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self._obs.items()}

    def _info(self) -> dict:
        p = self._trial["probe"]
        return {"kind": p.kind, "identity": p.identity, "angle": p.angle, "mirror": p.mirror,
                "answer": "different" if p.mirror else "same"}

    def step(self, action):
        if self._obs is None:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in the action space {self.action_space}")
        info = self._info()
        response = RESPONSES[int(action["response"])]
        correct = response == info["answer"]
        info.update({"response": response, "correct": correct,
                     "time_ms": float(np.asarray(action["time_ms"]).ravel()[0])})
        return self._observation(), float(correct), True, False, info

    def render(self):
        if self.render_mode == "rgb_array" and self._obs is not None:
            return self._obs["probe"]
        return None


def hold_first(agent, observation: dict, *, seed: int = 0) -> None:
    """The agent reads the first figure's description (and imagines it, if it imagines)."""
    agent.hold(observation["description"], seed=seed)


def respond(agent, observation: dict):
    """(action, the agent's RotationResult): the imagery agent and the holistic matcher judge the
    probe picture; the propositional control reads the probe's description."""
    from imagery_agent.agent.rotation import PropositionalRotationAgent
    probe = observation["probe_description"] if isinstance(agent, PropositionalRotationAgent) else observation["probe"]
    res = agent.judge(probe)
    return {"response": RESPONSES.index(res.response), "time_ms": np.array([res.time_ms], dtype=np.float32)}, res


def act(agent, observation: dict, *, seed: int = 0) -> dict:
    """Let an agent answer one trial (it reads the first figure unless it already holds it)."""
    if getattr(agent, "description", None) != observation["description"]:
        hold_first(agent, observation, seed=seed)
    return respond(agent, observation)[0]
