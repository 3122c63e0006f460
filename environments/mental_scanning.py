"""imagery/MentalScanning-v0: one episode is one trial of Kosslyn, Ball & Reiser (1978).

reset() gives the map as words and the instruction (focus on `start`, scan to `target`); the
agent answers with the landmark it reached and its response time; info holds that time and the
true distance, for the experimenter's analysis. An experiment fixes a trial through reset's
options ({"description", "start", "target"}); `learn_map` and `respond` are the agent's side of
a trial, so `experiments.mental_scanning` and any user loop run the same trial.
"""
from __future__ import annotations

import string

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from imagery_agent.scenes import islands

CHARSET = string.ascii_letters + string.digits + " ,.;-"
MAX_TEXT = 2000


class MentalScanningEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 1}

    def __init__(self, map: str | dict | None = None, render_mode: str | None = None, image_size: int = 64):
        self.scene = islands.load_map(map) if map is not None else islands.kosslyn_map()
        self.names = self.scene.names
        n = len(self.names)
        if n < 2:
            raise ValueError("a scanning map needs at least two landmarks")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode, self.image_size = render_mode, image_size
        self.observation_space = spaces.Dict({
            "description": spaces.Text(max_length=MAX_TEXT, min_length=1, charset=CHARSET),
            "start": spaces.Discrete(n), "target": spaces.Discrete(n)})
        self.action_space = spaces.Dict({
            "landmark": spaces.Discrete(n),
            "time_ms": spaces.Box(0.0, 1e6, shape=(1,), dtype=np.float32)})
        self._obs = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """A random trial, or the one `options` fixes: {"start": name, "target": name,
        "description": text} (each optional; the description must describe this map)."""
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"start", "target", "description"}
        if unknown:
            raise ValueError(f"unknown reset option(s) {', '.join(sorted(unknown))}; use start, target, description")
        if "start" in options or "target" in options:
            start, target = (self._index(options.get(k), k) for k in ("start", "target"))
            if start == target:
                raise ValueError(f"start and target are both the {self.names[start]}")
        else:
            start, target = self.np_random.choice(len(self.names), size=2, replace=False)
        text = options.get("description")
        if text is None:
            text = islands.describe(self.scene, self.np_random)
        elif islands.parse(text, extra_names=self.names) != self.scene:
            raise ValueError("the description given to reset() does not describe this environment's map")
        self._obs = {"description": text, "start": int(start), "target": int(target)}
        return dict(self._obs), self._info()

    def _index(self, name, role: str) -> int:
        if name not in self.names:
            raise ValueError(f"reset option {role}={name!r} is not a landmark of this map ({', '.join(self.names)})")
        return self.names.index(name)

    def _info(self) -> dict:
        s, t = self.names[self._obs["start"]], self.names[self._obs["target"]]
        return {"names": self.names, "instruction": f"Focus on the {s}. Scan to the {t}.", "start": s, "target": t}

    def step(self, action):
        if self._obs is None:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in the action space {self.action_space}")
        info = self._info()
        reached = self.names[int(action["landmark"])]
        correct = reached == info["target"]
        info.update({"reached": reached, "correct": correct, "time_ms": float(np.asarray(action["time_ms"]).ravel()[0]),
                     "true_distance": self.scene.distance(info["start"], info["target"])})
        return dict(self._obs), float(correct), True, False, info

    def render(self):
        if self.render_mode == "rgb_array":
            return islands.render(self.scene, self.image_size)
        return None


def learn_map(agent, observation: dict, names, *, seed: int = 0) -> None:
    """The agent reads the trial's description and imagines the map (an experiment does this
    once per map, and its trials then scan that one image, as in the original study)."""
    agent.learn(observation["description"], seed=seed, extra_names=[n for n in names if n not in islands.LANDMARKS])


def respond(agent, observation: dict, names, *, scan: bool = True):
    """(action, the agent's ScanResult): focus on start and scan to target, or, for the no-scan
    control (`scan=False`), search the map for the target."""
    start, target = names[observation["start"]], names[observation["target"]]
    res = agent.scan(start, target) if scan else agent.find(target)
    reached = names.index(target) if res.found else observation["start"]
    return {"landmark": reached, "time_ms": np.array([res.time_ms if res.found else 0.0], dtype=np.float32)}, res


def act(agent, observation: dict, names, *, scan: bool = True, seed: int = 0) -> dict:
    """Let an ImageryAgent or PropositionalAgent answer one trial of this environment (it learns
    the map unless it already holds this very description)."""
    if getattr(agent, "description", None) != observation["description"]:
        learn_map(agent, observation, names, seed=seed)
    return respond(agent, observation, names, scan=scan)[0]
