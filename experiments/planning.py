"""Planning by imagining, benchmarked: `python -m experiments.planning`.

Each episode runs an agent in a Gymnasium task whose observation carries the state in words
(the toy tasks' own descriptions; MiniGrid / BabyAI states said by `environments.minigrid_rooms`)
and a mission in BabyAI's words. Agents, side by side in one run:

  imagery          imagines the room with the shipped rooms backbone, checks the image by reading it
                   back (re-imagining while image and words disagree), plans on the room it reads
  oracle-imagery   the same agent with a perfect picture (the renderer as imager)
  propositional    plans on the words' room directly: no image
  random           uniformly random actions
  bot              BabyAI's own BabyAIBot (BabyAI levels only: it reads the true state)
  imagined-search  (not in 'all') the shipped backbone imagines every successor state and a
                   best-first search follows what it sees (ImaginedSearchPlanner)
  embedding-search (not in 'all') the same search, each imagined state scored by the rooms joint
                   embedding against the words of the room with the mission done
                   (EmbeddingSearchPlanner)

An episode is solved when its reward is > 0. Path length is over the shortest (a breadth-first
search over the true state, done by the benchmark for scoring only). Writes episodes.csv,
summary.json and planning.png into --out as one set, and prints a table.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

import environments  # noqa: F401  (registers imagery/...)
from environments.minigrid_rooms import MiniGridWords, room_from_minigrid
from experiments.common import check_out, run_and_report, whole_number
from imagery_agent.agent.missions import MissionError, parse_mission
from imagery_agent.agent.planners import EmbeddingSearchPlanner, ImaginedSearchPlanner, ShortestPathPlanner
from imagery_agent.agent.planning_agent import PlanningAgent, PropositionalPlanningAgent, captioner_reader
from imagery_agent.backbones.imaginer import OracleImaginer, WeightsError
from imagery_agent.backbones.registry import BACKBONES, load_backbone
from imagery_agent.io import atomic_files, save_figure, write_csv, write_json
from imagery_agent.scenes import SceneError

TOY_ENVS = ("imagery/GridNavigation-v0", "imagery/KeyDoor-v0")
BABYAI_ENVS = ("BabyAI-GoToRedBall-v0", "BabyAI-GoToLocal-v0", "BabyAI-GoToObj-v0", "BabyAI-PickupLoc-v0")
DEFAULT_ENVS = TOY_ENVS + BABYAI_ENVS + ("MiniGrid-DoorKey-8x8-v0",)
AGENTS = ("imagery", "oracle-imagery", "propositional", "random", "bot")
EXTRA_AGENTS = ("imagined-search", "embedding-search")
READERS = ("template", "captioner")
MAX_EPISODES, MAX_SEED = 10_000, 2**31 - 1


@dataclass
class PlanningConfig:
    envs: tuple[str, ...] = DEFAULT_ENVS
    agents: tuple[str, ...] = AGENTS
    episodes: int = 50
    seed: int = 0
    out: str = "results/planning"
    weights: str | None = None
    progress: bool = True
    attempts: int = 3                      # images per heard state while image and words disagree
    backbone: str = "vae"                  # the imagery agents' backbone (the rooms VAE: the most accurate and fastest shipped)
    reader: str = "template"               # how they read their images: the template reader, or the trained rooms captioner
    captioner: str | None = None           # a rooms captioner folder for reader="captioner" (default: the shipped one)
    clip: str | None = None                # a rooms joint-embedding folder for embedding-search (default: the shipped one)


@dataclass
class Results:
    episodes: pd.DataFrame
    summary: dict
    files: dict = field(default_factory=dict)


def run(config: PlanningConfig | None = None, **overrides) -> Results:
    """Run the benchmark; usable from Python and Jupyter. Settings, environments and the output
    folder are checked before the first episode."""
    names = [f.name for f in dataclasses.fields(PlanningConfig)]
    unknown = [k for k in overrides if k not in names]
    if unknown:
        raise SceneError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(names)}")
    cfg = dataclasses.replace(config or PlanningConfig(), **overrides)
    _check(cfg)
    out = check_out(cfg.out)
    makers = {env_id: _maker(env_id) for env_id in cfg.envs}
    agents = {name: _agent(name, cfg) for name in cfg.agents}
    rows = []
    jobs = [(e, a) for e in cfg.envs for a in cfg.agents if a != "bot" or _is_babyai(e)]
    bar = tqdm(total=len(jobs) * cfg.episodes, disable=not cfg.progress, desc="episodes")
    for env_id, name in jobs:
        env = makers[env_id]()
        for k in range(cfg.episodes):
            rows.append({"env": env_id, "agent": name, "episode": k, **_episode(env, agents[name], cfg.seed + k)})
            bar.update()
        env.close()
    bar.close()
    episodes = pd.DataFrame(rows)
    summary = summarise(episodes, cfg, {n: getattr(a, "imager", n) for n, a in agents.items()})
    return Results(episodes, summary, write_results(out, episodes, summary))


def _check(cfg: PlanningConfig) -> None:
    for name in cfg.agents:
        if name not in AGENTS + EXTRA_AGENTS:
            raise SceneError(f"unknown agent {name!r}; choose from {', '.join(AGENTS + EXTRA_AGENTS)}")
    if not cfg.envs or not cfg.agents:
        raise SceneError("name at least one environment and one agent")
    whole_number(cfg.episodes, "--episodes", 1, MAX_EPISODES)
    whole_number(cfg.seed, "--seed", 0, MAX_SEED)
    whole_number(cfg.attempts, "--attempts", 1, 100)
    if cfg.backbone not in BACKBONES:
        raise SceneError(f"unknown backbone {cfg.backbone!r}; choose from {', '.join(BACKBONES)}")
    if cfg.reader not in READERS:
        raise SceneError(f"unknown reader {cfg.reader!r}; choose from {', '.join(READERS)}")
    if cfg.captioner is not None and cfg.reader != "captioner":
        raise SceneError("--captioner is the reader of --reader captioner; add --reader captioner or drop --captioner")
    if cfg.clip is not None and "embedding-search" not in cfg.agents:
        raise SceneError("--clip is the joint embedding of --agent embedding-search; add that agent or drop --clip")


def _is_babyai(env_id: str) -> bool:
    return env_id.startswith("BabyAI-")


def _maker(env_id: str):
    """A function making the environment, tried once now: an unknown id or a MiniGrid level the
    rooms family cannot describe is named before any episode runs."""
    if env_id in TOY_ENVS:
        make = lambda: gym.make(env_id)  # noqa: E731
    else:
        if env_id not in gym.registry:
            import minigrid  # noqa: F401  (registers MiniGrid and BabyAI)
        if env_id not in gym.registry:
            raise SceneError(f"unknown environment {env_id!r}; e.g. {', '.join(DEFAULT_ENVS)}")
        make = lambda: MiniGridWords(gym.make(env_id))  # noqa: E731
    env = make()
    try:
        env.reset(seed=0)
    except SceneError as e:
        raise SceneError(str(e) if str(e).startswith(env_id) else f"{env_id}: {e}") from None
    finally:
        env.close()
    return make


class RandomAgent:
    imager = "none"

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def reset(self, env=None):
        pass

    def act(self, observation, env=None):
        return int(self.rng.integers(0, 6))  # done (6) never helps


class BotAgent:
    """BabyAI's reference bot; it reads the true environment (a reference, not a model)."""
    imager = "none (reads the true state)"

    def reset(self, env=None):
        from minigrid.utils.baby_ai_bot import BabyAIBot
        self.bot = BabyAIBot(env.unwrapped)

    def act(self, observation, env=None):
        return int(self.bot.replan())


class _Planning:
    """A PlanningAgent with the benchmark's reset/act signature."""

    def __init__(self, agent, imager: str):
        self.agent, self.imager = agent, imager

    def reset(self, env=None):
        self.agent.reset()

    def act(self, observation, env=None):
        return self.agent.act(observation)


def _reader(cfg: PlanningConfig):
    """The imagery agents' way of reading their images (None: the template reader)."""
    if cfg.reader == "template":
        return None
    from imagery_agent.perception.captioner import load_captioner
    try:
        return captioner_reader(load_captioner("rooms", cfg.captioner))
    except WeightsError as e:
        raise SceneError(f"--reader captioner needs a rooms captioner (--captioner DIR): {e}") from None


def _planner(name: str, imaginer, reader, cfg: PlanningConfig):
    """The search planners of the extra agents (None: the agent's default ShortestPathPlanner)."""
    if name == "imagined-search":
        return ImaginedSearchPlanner(imaginer, seed=cfg.seed, reader=reader)
    if name == "embedding-search":
        from imagery_agent.perception.joint_embedding import load_joint_embedding
        try:
            clip = load_joint_embedding("rooms", cfg.clip)
        except WeightsError as e:
            raise SceneError(f"--agent embedding-search needs a rooms joint embedding (--clip DIR): {e}") from None
        return EmbeddingSearchPlanner(imaginer, clip, seed=cfg.seed)
    return None


def _agent(name: str, cfg: PlanningConfig):
    if name in ("imagery",) + EXTRA_AGENTS:
        reader = _reader(cfg)
        try:
            imaginer = load_backbone("rooms", cfg.backbone, cfg.weights)
        except WeightsError as e:
            raise SceneError(f"--agent {name} needs rooms weights: {e}") from None
        planner = _planner(name, imaginer, reader, cfg)
        return _Planning(PlanningAgent(imaginer, planner=planner, reader=reader, seed=cfg.seed,
                                       max_attempts=cfg.attempts), imaginer.name + (", read by the rooms captioner" if reader else ""))
    if name == "oracle-imagery":
        return _Planning(PlanningAgent(OracleImaginer("rooms"), seed=cfg.seed, max_attempts=cfg.attempts),
                         "oracle (renderer)")
    if name == "propositional":
        return _Planning(PropositionalPlanningAgent(seed=cfg.seed), "none (words only)")
    if name == "random":
        return RandomAgent(cfg.seed)
    return BotAgent()


def _shortest(env, observation, info) -> int | None:
    """The optimal number of actions from the true start state (for scoring only)."""
    if "shortest" in info:
        return info["shortest"]
    try:
        plan = ShortestPathPlanner().plan(room_from_minigrid(env), parse_mission(observation["mission"]))
    except (SceneError, MissionError):
        return None
    return len(plan.actions) if plan.found else None


def _episode(env, agent, seed: int) -> dict:
    obs, info = env.reset(seed=seed)
    shortest = _shortest(env, obs, info)
    agent.reset(env)
    t0, steps, reward, error = time.perf_counter(), 0, 0.0, ""
    done = False
    while not done:
        try:
            action = agent.act(obs, env)
        except (SceneError, MissionError) as e:  # the agent could not read this state: a failed episode
            error = str(e)
            break
        obs, reward, term, trunc, info = env.step(action)
        steps += 1
        done = term or trunc
    wall_ms = (time.perf_counter() - t0) * 1000
    ep = getattr(getattr(agent, "agent", None), "episode", None)
    success = bool(reward > 0)
    return {"seed": seed, "success": success, "reward": float(reward), "steps": steps, "shortest": shortest,
            "path_ratio": steps / shortest if success and shortest else math.nan,
            "plans": ep.plans if ep else 0, "imagined": ep.imagined if ep else 0, "caught": ep.caught if ep else 0,
            "unresolved": ep.unresolved if ep else 0, "repeated": ep.repeated if ep else 0, "modelled_ms": ep.clock_ms if ep else math.nan,
            "wall_ms": wall_ms, "error": error}


def summarise(episodes: pd.DataFrame, cfg: PlanningConfig, imagers: dict) -> dict:
    envs = {}
    for (env_id, name), df in episodes.groupby(["env", "agent"], sort=False):
        solved = df[df.success]
        envs.setdefault(env_id, {})[name] = {
            "success": float(df.success.mean()), "episodes": int(len(df)),
            "path_ratio": float(solved.path_ratio.mean()) if len(solved) else math.nan,
            "wall_ms_per_episode": float(df.wall_ms.mean()),
            "modelled_ms_per_episode": float(df.modelled_ms.mean()),
            "plans_per_episode": float(df.plans.mean()), "imagined_per_episode": float(df.imagined.mean()),
            "caught_per_episode": float(df.caught.mean()),
            "episodes_with_a_caught_image": float((df.caught > 0).mean()),
            "unresolved_per_episode": float(df.unresolved.mean()),
            "repeated_per_episode": float(df.repeated.mean()),
            "imager": imagers.get(name, name)}
    config = {**asdict(cfg), "out": str(cfg.out)}
    return {"experiment": "planning", "config": config, "envs": envs,
            "notes": ["success: reward > 0; path_ratio: steps over the shortest path from the true start, "
                      "solved episodes only", "caught: images the caption check rejected and re-imagined",
                      "repeated: re-imaginings given up because the new image was read as the same room as the last"]}


def write_results(out: Path, episodes: pd.DataFrame, summary: dict) -> dict:
    try:
        with atomic_files(out) as tmp:
            write_csv(tmp / "episodes.csv", episodes)
            write_json(tmp / "summary.json", summary)
            plot(summary, tmp / "planning.png")
    except OSError as e:
        raise SceneError(f"cannot write results to --out {out}: {e.strerror or e}") from None
    return {name: str(out / name) for name in ("episodes.csv", "summary.json", "planning.png")}


def plot(summary: dict, path: Path) -> Path:
    from matplotlib.figure import Figure
    envs = list(summary["envs"])
    agents = list(dict.fromkeys(a for e in envs for a in summary["envs"][e]))
    fig = Figure(figsize=(max(6.0, 1.4 * len(envs)), 4.2))
    ax = fig.subplots()
    width = 0.8 / max(1, len(agents))
    for i, a in enumerate(agents):
        vals = [summary["envs"][e].get(a, {}).get("success", math.nan) for e in envs]
        ax.bar(np.arange(len(envs)) + i * width, vals, width, label=a)
    ax.axhline(0.9, color="k", ls=":", lw=0.8)
    ax.set_xticks(np.arange(len(envs)) + 0.4 - width / 2)
    ax.set_xticklabels([e.replace("imagery/", "").replace("BabyAI-", "").replace("MiniGrid-", "") for e in envs],
                       rotation=20, fontsize=8)
    ax.set_ylabel("success rate")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, ncol=len(agents), loc="lower center", bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    save_figure(path, fig, dpi=110)
    return path


def print_table(summary: dict, file=None) -> None:
    file = file or sys.stdout
    print(f"{'environment':28s} {'agent':15s} {'success':>7s} {'path':>5s} {'images':>6s} {'caught':>6s} "
          f"{'model ms':>8s} {'wall ms':>8s}", file=file)
    for env_id, agents in summary["envs"].items():
        for name, s in agents.items():
            path = "n/a" if not math.isfinite(s["path_ratio"]) else f"{s['path_ratio']:.2f}"
            model = "n/a" if not math.isfinite(s["modelled_ms_per_episode"]) else f"{s['modelled_ms_per_episode']:.0f}"
            print(f"{env_id:28s} {name:15s} {s['success']:7.0%} {path:>5s} {s['imagined_per_episode']:6.2f} "
                  f"{s['caught_per_episode']:6.2f} {model:>8s} {s['wall_ms_per_episode']:8.0f}", file=file)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.planning", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--env", nargs="+", default=list(DEFAULT_ENVS), help="environment ids")
    ap.add_argument("--agent", nargs="+", default=["all"], help=f"any of {', '.join(AGENTS + EXTRA_AGENTS)}, or all")
    ap.add_argument("--episodes", type=int, default=50, help="seeded episodes per environment and agent")
    ap.add_argument("--seed", type=int, default=0, help="episode k uses seed SEED + k")
    ap.add_argument("--out", default="results/planning", help="results folder (checked before any episode)")
    ap.add_argument("--backbone", default="vae", choices=list(BACKBONES),
                    help="the imagery agents' text-to-image model (default: vae, the shipped rooms VAE; "
                         "diffusion: the distilled rooms diffusion model)")
    ap.add_argument("--weights", help="a trained rooms folder of that backbone (default: the shipped weights)")
    ap.add_argument("--attempts", type=int, default=3,
                    help="images the imagery agent draws of a heard state while image and words disagree (default 3)")
    ap.add_argument("--reader", default="template", choices=READERS,
                    help="how the imagery agents read their images: template (perception/room_reader, default) "
                         "or captioner (the trained rooms captioner)")
    ap.add_argument("--captioner", help="a rooms captioner folder for --reader captioner (default: the shipped one)")
    ap.add_argument("--clip", help="a rooms joint-embedding folder for --agent embedding-search (default: the shipped one)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    agents = AGENTS if args.agent == ["all"] else tuple(args.agent)
    cfg = PlanningConfig(tuple(args.env), agents, args.episodes, args.seed, args.out, args.weights, not args.quiet,
                         args.attempts, args.backbone, args.reader, args.captioner, args.clip)
    return run_and_report(run, cfg, print_table)


if __name__ == "__main__":
    sys.exit(main())
