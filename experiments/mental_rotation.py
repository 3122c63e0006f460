"""Mental rotation (Shepard & Metzler 1971; Cooper & Shepard 1973): `python -m experiments.mental_rotation`.

Each trial shows the agent a first figure in words (upright, normal) and a second figure as a
picture: the same figure or its mirror image, turned by 0 to 180 degrees (clockwise or
anticlockwise at random). The agent answers same or different; its response time is its clock.
Conditions:

  imagery          imagine the first figure with the shipped figures backbone and turn that image
                   in 10-degree increments until it matches the probe (cube figures: the shipped
                   3-D code, a model of the figure in space, projected into the buffer)
  oracle-imagery   the same rotation on a perfect picture of the first figure (the renderer; cube
                   figures: their true 3-D structure)
  propositional    the descriptions only: identity and handedness compared symbolically, no turn
  holistic         one rotation-invariant comparison of the two pictures, no turn (it cannot tell
                   a figure from its mirror image)

--plane depth turns cube figures about the vertical axis: the rotating agents turn the 3-D model
they hold (no glance tells the way round in depth, so they turn a copy each way in alternation).
--route reimagine makes each increment by imagining the figure again from its own words, turned
a further 10 degrees, instead of transforming the image in the buffer.

Writes trials.csv, summary.json (strict JSON: an undefined r is null) and rotation.png into --out
as one set (other files there are kept), and prints a short table.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import numbers
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from environments.mental_rotation import STIMULI, MentalRotationEnv, hold_first, respond
from imagery_agent.agent.rotation import (HOLISTIC_THRESHOLD, ROUTES, SAME_THRESHOLD, HolisticMatcher,
                                          PropositionalRotationAgent, RotatingAgent)
from imagery_agent.backbones.model3d import Model3DImaginer, OracleModel3DImaginer
from imagery_agent.backbones.imaginer import OracleImaginer, WeightsError, load_imaginer
from experiments.common import check_out, run_and_report, whole_number
from imagery_agent.io import atomic_files, save_figure, write_csv, write_json
from imagery_agent.metrics.regression import fit_line
from imagery_agent.scenes import ParseError, SceneError, figures

HUMAN = {
    "shepard_metzler_1971": {"slope_ms_per_degree": 1000 / 60, "intercept_ms": 1000.0, "r": 0.99,
                             "source": "Shepard & Metzler (1971): cube figures, about 60 degrees per second in "
                                       "both planes, intercept about 1 s, time linear in angle"},
    "cooper_shepard_1973": {"upright_ms": 500.0, "at_180_ms": 1000.0, "slope_ms_per_degree": 500 / 180,
                            "intercept_ms": 500.0,
                            "source": "Cooper & Shepard (1973): letters and digits, about 500 ms upright to "
                                      "about 1000 ms at 180 degrees (the curve steepens near 180)"},
    "ganis_kievit_2015": {"angles": [0, 50, 100, 150], "error_rate_at_0": 0.03, "error_rate_at_150": 0.09,
                          "source": "Ganis & Kievit (2015): 48 cube figures at 0/50/100/150 degrees; time rises "
                                    "with angle, 'same' faster than 'different' mainly at 0 degrees, errors rise "
                                    "from about 3% to about 9%"},
    "note": "different (mirror) trials are slower than same trials on average in all three",
}
AGENTS = {
    "imagery": ("imagery",), "oracle-imagery": ("oracle-imagery",), "propositional": ("propositional",),
    "holistic": ("holistic",), "all": ("imagery", "oracle-imagery", "propositional", "holistic"),
}
ANGLE_SETS = {"shepard": tuple(range(0, 181, 20)), "ganis-kievit": (0, 50, 100, 150)}
ROTATING = ("imagery", "oracle-imagery")
FIGURES_PER_SET = 8       # identities used per stimulus set (all 6 letters; 8 polygons, cube figures)
MAX_TRIALS = 100_000
MAX_SEED = 2**31 - 1
MAX_TIMING_NOISE = 5.0
CUBE_IMAGE_SIZE = 64


@dataclass
class RotationConfig:
    stimuli: str = "letters"               # letters | digits | polygons | cubes
    plane: str = "picture"                 # picture | depth (cubes only)
    route: str = "transform"               # transform (the buffer turns the image) | reimagine (imagine it again)
    agent: str = "all"                     # imagery | oracle-imagery | propositional | holistic | all
    angles: str = "shepard"                # shepard (0-180 in 20s) | ganis-kievit (0/50/100/150)
    trials: int = 80                       # per condition: angles x same/mirror x repetitions
    seed: int = 0
    out: str = "results/mental_rotation"
    timing_noise: float = 0.15             # coefficient of variation of each step's duration
    image_size: int | None = None          # pictures' size: default 32 (the backbone draws 32), cube figures 64
    threshold: float = SAME_THRESHOLD      # the rotating agent's 'same' correlation
    weights: str | None = None             # a figures pipeline folder instead of the shipped weights
    progress: bool = True


@dataclass
class Results:
    trials: pd.DataFrame
    summary: dict
    files: dict = field(default_factory=dict)


def run(config: RotationConfig | None = None, **overrides) -> Results:
    """Run the experiment; usable from Python and Jupyter. Every setting and the output folder
    are checked before the first trial (a bad input is a one-line SceneError)."""
    cfg = _settings(config, overrides)
    _check_settings(cfg)
    out = check_out(cfg.out)
    trials, imagers = _run_trials(cfg)
    summary = summarise(trials, cfg, imagers)
    return Results(trials, summary, write_results(out, trials, summary))


def _settings(config, overrides: dict) -> RotationConfig:
    names = [f.name for f in dataclasses.fields(RotationConfig)]
    unknown = [k for k in overrides if k not in names]
    if unknown:
        raise SceneError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(names)}")
    cfg = dataclasses.replace(config or RotationConfig(), **overrides)
    if cfg.image_size is None:  # cube figures are ten cubes: at 32 pixels a cube is 3 pixels wide
        cfg = dataclasses.replace(cfg, image_size=CUBE_IMAGE_SIZE if cfg.stimuli == "cubes" else 32)
    return cfg


def _check_settings(cfg: RotationConfig) -> None:
    if not isinstance(cfg.stimuli, str) or cfg.stimuli not in STIMULI:
        raise SceneError(f"unknown stimulus set {cfg.stimuli!r}; choose from {', '.join(STIMULI)}")
    if not isinstance(cfg.agent, str) or cfg.agent not in AGENTS:
        raise SceneError(f"unknown agent {cfg.agent!r}; choose from {', '.join(AGENTS)}")
    if not isinstance(cfg.angles, str) or cfg.angles not in ANGLE_SETS:
        raise SceneError(f"unknown angle set {cfg.angles!r}; choose from {', '.join(ANGLE_SETS)}")
    if cfg.plane not in ("picture", "depth"):
        raise SceneError(f"unknown plane {cfg.plane!r}; choose from picture, depth")
    if cfg.plane == "depth" and cfg.stimuli != "cubes":
        raise SceneError(f"only cube figures turn in depth; the {cfg.stimuli} turn in the picture plane")
    if not isinstance(cfg.route, str) or cfg.route not in ROUTES:
        raise SceneError(f"unknown route {cfg.route!r}; choose from {', '.join(ROUTES)}")
    whole_number(cfg.trials, "--trials", 1, MAX_TRIALS)
    whole_number(cfg.seed, "--seed", 0, MAX_SEED)
    whole_number(cfg.image_size, "--image-size", 16, 128)
    for name, value, low, high in (("--timing-noise", cfg.timing_noise, 0, MAX_TIMING_NOISE),
                                   ("--threshold", cfg.threshold, -1, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
                or not low <= value <= high:
            raise SceneError(f"{name} must be a number from {low} to {high:g}, got {value!r}")


def trial_plan(cfg: RotationConfig) -> list[dict]:
    """Every (angle, same/mirror) cell once per repetition, in a shuffled order; the figure runs
    through the set's identities and the direction of the turn is random."""
    rng = np.random.default_rng(cfg.seed)
    ids = figures.identities(STIMULI[cfg.stimuli])[:FIGURES_PER_SET]
    cells = [(a, m) for a in ANGLE_SETS[cfg.angles] for m in (False, True)]
    plan = []
    while len(plan) < cfg.trials:
        for i in rng.permutation(len(cells)):
            a, m = cells[i]
            clockwise = a in (0, 180) or bool(rng.random() < 0.5)
            plan.append({"identity": ids[len(plan) % len(ids)], "angle": a, "mirror": m,
                         "probe_angle": a if clockwise else 360 - a})
    return plan[:cfg.trials]


def _agent_for(condition: str, cfg: RotationConfig):
    """(agent, what draws its first figure)."""
    kw = {"timing_noise": cfg.timing_noise, "seed": cfg.seed}
    if condition == "propositional":
        return PropositionalRotationAgent(**kw), "none (descriptions only)"
    oracle = OracleImaginer("figures", cfg.image_size)
    if condition == "holistic":
        return HolisticMatcher(oracle, threshold=HOLISTIC_THRESHOLD, **kw), "oracle (renderer)"
    kw.update(threshold=cfg.threshold, route=cfg.route, axis=cfg.plane)
    if condition == "oracle-imagery":
        if cfg.stimuli == "cubes":
            return RotatingAgent(OracleModel3DImaginer(cfg.image_size), **kw), "oracle (true 3-D structure)"
        return RotatingAgent(oracle, **kw), "oracle (renderer)"
    try:
        if cfg.stimuli == "cubes":
            imaginer = Model3DImaginer.from_pretrained(cfg.weights, cfg.image_size)
        else:
            imaginer = load_imaginer("figures", cfg.weights)
    except WeightsError as e:
        raise SceneError(f"{e}\nThe oracle, propositional and holistic conditions run without weights: "
                         "--agent oracle-imagery, propositional or holistic") from None
    if imaginer.size != cfg.image_size:
        raise SceneError(f"the backbone draws {imaginer.size}x{imaginer.size} images; run with --image-size "
                         f"{imaginer.size}")
    return RotatingAgent(imaginer, **kw), f"{'3-D code' if cfg.stimuli == 'cubes' else 'backbone'} ({imaginer.name})"


def _run_trials(cfg: RotationConfig) -> tuple[pd.DataFrame, dict]:
    plan = trial_plan(cfg)
    env = MentalRotationEnv(cfg.stimuli, cfg.image_size, plane=cfg.plane)  # the environment is the trial
    rows, imagers = [], {}
    for condition in AGENTS[cfg.agent]:
        agent, imagers[condition] = _agent_for(condition, cfg)
        def trial(k, t):
            return env.reset(seed=cfg.seed * 100_003 + k, options={
                "identity": t["identity"], "angle": t["probe_angle"], "mirror": t["mirror"]})[0]
        held = {}
        if condition != "propositional":
            # imagine each first figure once, all in one batch (the backbone's time goes into one call)
            texts = list(dict.fromkeys(trial(k, t)["description"] for k, t in enumerate(plan)))
            try:
                images = agent.imaginer.imagine(texts, seed=cfg.seed * 1000)
            except ParseError as e:
                raise SceneError(f"the {condition} agent cannot read a first figure: {e}") from None
            held = {t: im for t, im in zip(texts, images)}
        for k, t in enumerate(tqdm(plan, desc=condition, disable=not cfg.progress, leave=False)):
            obs = trial(k, t)  # the environment holds this trial until its step
            if held:
                agent.hold(obs["description"], image=held[obs["description"]])
            else:
                hold_first(agent, obs, seed=cfg.seed)
            t0 = time.perf_counter()
            action, res = respond(agent, obs)
            wall_ms = (time.perf_counter() - t0) * 1000
            _, _, _, _, info = env.step(action)
            rows.append({
                "condition": condition, "stimuli": cfg.stimuli, "plane": cfg.plane, "route": cfg.route,
                "identity": t["identity"],
                "angle": t["angle"], "probe_angle": t["probe_angle"], "trial": "mirror" if t["mirror"] else "same",
                "response": res.response, "correct": bool(info["correct"]), "increments": res.increments,
                "comparisons": res.comparisons, "turned": res.turned, "similarity": res.best_similarity,
                "steps": len(res.trace), "time_ms": res.time_ms, "wall_ms": wall_ms,
                "model": getattr(agent.image, "model", "graph") if hasattr(agent, "image") else "graph",
            })
    return pd.DataFrame(rows), imagers


def _num_keys(series: pd.Series) -> dict:
    return {str(int(k)): float(v) for k, v in series.items()}


def summarise(trials: pd.DataFrame, cfg: RotationConfig, imagers: dict) -> dict:
    conditions = {}
    for cond, df in trials.groupby("condition", sort=False):
        same_ok = df[(df.trial == "same") & df.correct]
        by_angle = same_ok.groupby("angle").time_ms.mean()
        line = fit_line(by_angle.index.values, by_angle.values)
        diff_ok = df[(df.trial == "mirror") & df.correct]
        conditions[cond] = {
            "r": line["r"], "slope_ms_per_degree": line["slope"], "intercept_ms": line["intercept"],
            "accuracy": float(df.correct.mean()),
            "accuracy_by_angle": _num_keys(df.groupby("angle").correct.mean()),
            "accuracy_same": float(df[df.trial == "same"].correct.mean()),
            "accuracy_mirror": float(df[df.trial == "mirror"].correct.mean()),
            "mean_same_ms_by_angle": _num_keys(by_angle),
            "mean_same_ms": float(same_ok.time_ms.mean()) if len(same_ok) else math.nan,
            "mean_different_ms": float(diff_ok.time_ms.mean()) if len(diff_ok) else math.nan,
            "n_trials": int(len(df)), "n_angles": line["n_points"], "imager": imagers.get(cond, ""),
            "time": "r, slope and intercept of the mean time of correct 'same' trials against the angle; "
                    "mean_different_ms over correct mirror trials",
        }
    notes = []
    if cfg.stimuli == "cubes" and "imagery" in conditions:
        notes.append("cube figures: the imagery condition holds the shipped 3-D code (a model of the figure in "
                     "space, read from the words) and projects it; the 2-D figures backbone does not draw them")
    if cfg.plane == "depth" and set(conditions) & set(ROTATING):
        notes.append("depth: the rotating agents turn their 3-D model about the vertical axis, a copy each way in "
                     "alternation (two increments and two comparisons per 10 degrees)")
    if cfg.route == "reimagine" and set(conditions) & set(ROTATING):
        notes.append("route reimagine: each increment imagines the figure again from its words (one 'imagine' "
                     "tick, 1000 ms), instead of a 'rotate' tick (20 ms) on the buffer's image")
    return {"experiment": "mental_rotation", "config": asdict(cfg), "conditions": conditions,
            "human_reference": HUMAN, "notes": notes}


def write_results(out: Path, trials: pd.DataFrame, summary: dict) -> dict:
    try:
        with atomic_files(out) as tmp:
            write_csv(tmp / "trials.csv", trials)
            write_json(tmp / "summary.json", summary)
            plot(trials, summary, tmp / "rotation.png")
    except OSError as e:
        raise SceneError(f"cannot write results to --out {out}: {e.strerror or e}") from None
    return {"trials": str(out / "trials.csv"), "summary": str(out / "summary.json"),
            "plot": str(out / "rotation.png")}


def plot(trials: pd.DataFrame, summary: dict, path: Path) -> Path:
    from matplotlib.figure import Figure  # no pyplot: no backend is switched
    conds = list(summary["conditions"])
    fig = Figure(figsize=(4.0 * len(conds), 3.8))
    axes = fig.subplots(1, len(conds), squeeze=False)
    xs = np.linspace(0, 180, 10)
    sm, cs = HUMAN["shepard_metzler_1971"], HUMAN["cooper_shepard_1973"]
    for ax, cond in zip(axes[0], conds):
        df = trials[(trials.condition == cond) & trials.correct]
        same = df[df.trial == "same"].groupby("angle").time_ms.agg(["mean", "sem"])
        ax.errorbar(same.index, same["mean"], yerr=same["sem"].fillna(0), fmt="o", ms=4, capsize=2, label="same")
        s = summary["conditions"][cond]
        if math.isfinite(s["slope_ms_per_degree"]):
            ax.plot(xs, s["intercept_ms"] + s["slope_ms_per_degree"] * xs, "-", lw=1.5)
        if math.isfinite(s["mean_different_ms"]):
            ax.axhline(s["mean_different_ms"], color="C3", ls=":", lw=1.2, label="different (mean)")
        ax.plot(xs, sm["intercept_ms"] + sm["slope_ms_per_degree"] * xs, "k--", lw=0.8, label="Shepard & Metzler")
        ax.plot(xs, cs["intercept_ms"] + cs["slope_ms_per_degree"] * xs, "k-.", lw=0.8, label="Cooper & Shepard")
        r = "n/a" if not math.isfinite(s["r"]) else f"{s['r']:.2f}"
        ax.set_title(f"{cond}\nr = {r}, accuracy {s['accuracy']:.0%}", fontsize=10)
        ax.set_xlabel("angular disparity (degrees)")
        ax.set_ylabel("response time (modelled ms)")
        ax.legend(fontsize=6, loc="upper left")
    cfg = summary["config"]
    fig.suptitle(f"Mental rotation: time vs angle ({cfg['stimuli']}, {cfg['plane']} plane)", fontsize=11)
    fig.tight_layout()
    save_figure(path, fig, dpi=110)
    return path


def print_table(summary: dict, file=None) -> None:
    file = file or sys.stdout
    print(f"{'condition':15s} {'r':>6s} {'ms/deg':>7s} {'icpt ms':>8s} {'acc':>5s} {'min acc/angle':>13s} "
          f"{'same ms':>8s} {'diff ms':>8s} {'trials':>6s}", file=file)
    for cond, s in summary["conditions"].items():
        r = "n/a" if not math.isfinite(s["r"]) else f"{s['r']:.3f}"
        slope = "n/a" if not math.isfinite(s["slope_ms_per_degree"]) else f"{s['slope_ms_per_degree']:.2f}"
        icpt = "n/a" if not math.isfinite(s["intercept_ms"]) else f"{s['intercept_ms']:.0f}"
        print(f"{cond:15s} {r:>6s} {slope:>7s} {icpt:>8s} {s['accuracy']:5.0%} "
              f"{min(s['accuracy_by_angle'].values()):13.0%} {s['mean_same_ms']:8.0f} {s['mean_different_ms']:8.0f} "
              f"{s['n_trials']:6d}", file=file)
    print("accuracy by angle: " + "; ".join(
        f"{c}: " + " ".join(f"{a}:{v:.0%}" for a, v in s["accuracy_by_angle"].items())
        for c, s in summary["conditions"].items()), file=file)
    for note in summary.get("notes", []):
        print(f"note: {note}", file=file)
    print("human reference: Shepard & Metzler ~16.7 ms/degree, intercept ~1 s; Cooper & Shepard letters "
          "~500 ms upright to ~1000 ms at 180 degrees", file=file)
    if summary.get("config", {}).get("angles") == "ganis-kievit":
        print("human reference: Ganis & Kievit errors ~3% at 0 degrees to ~9% at 150; 'same' faster than "
              "'different' mainly at 0 degrees", file=file)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.mental_rotation", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--stimuli", default="letters", help=f"one of {', '.join(STIMULI)}")
    ap.add_argument("--plane", default="picture", help="picture or depth (cubes only)")
    ap.add_argument("--route", default="transform", help=f"one of {', '.join(ROUTES)}: how each increment is made")
    ap.add_argument("--agent", default="all", help=f"one of {', '.join(AGENTS)}")
    ap.add_argument("--angles", default="shepard", help=f"one of {', '.join(ANGLE_SETS)}")
    ap.add_argument("--trials", type=int, default=80, help="trials per condition")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="results/mental_rotation", help="results folder (checked before any trial)")
    ap.add_argument("--weights", help="a trained figures pipeline folder, or for cubes a 3-D code folder "
                                      "(default: the shipped weights)")
    ap.add_argument("--timing-noise", type=float, default=0.15, dest="timing_noise")
    ap.add_argument("--image-size", type=int, default=None, dest="image_size",
                    help=f"size of the pictures (default 32; cube figures {CUBE_IMAGE_SIZE})")
    ap.add_argument("--threshold", type=float, default=SAME_THRESHOLD,
                    help=f"the rotating agent's 'same' criterion (pixel correlation, default {SAME_THRESHOLD})")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    cfg = RotationConfig(stimuli=args.stimuli, plane=args.plane, route=args.route, agent=args.agent, angles=args.angles,
                         trials=args.trials, seed=args.seed, out=args.out, weights=args.weights,
                         timing_noise=args.timing_noise, threshold=args.threshold, image_size=args.image_size,
                         progress=not args.quiet)
    return run_and_report(run, cfg, print_table)


if __name__ == "__main__":
    sys.exit(main())
