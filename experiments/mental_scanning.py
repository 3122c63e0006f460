"""Mental scanning (Kosslyn, Ball & Reiser 1978): `python -m experiments.mental_scanning`.

The agent learns an island map from a verbal description, imagines it with the shipped
text-to-image backbone, focuses on one landmark and scans to another. Its response time is its
clock when the attention window recognises the target. Conditions:

  imagery            scan the imagined map (the shipped diffusion backbone, or --backbone NAME)
  imagery-no-scan    the original study's control: is the named landmark on the map? (no scanning)
  propositional      the same task on a scene graph, with no image (Pylyshyn's alternative)
  oracle-imagery     scan a perfect picture (the renderer) instead of an imagined one

Writes trials.csv, summary.json (strict JSON: an undefined r is null) and scanning.png into --out
as one set (other files there are kept), and prints a short table.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import numbers
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from environments.mental_scanning import MentalScanningEnv, learn_map, respond
from imagery_agent.agent import ImageryAgent, PropositionalAgent
from imagery_agent.backbones.imaginer import OracleImaginer, WeightsError
from imagery_agent.backbones.registry import BACKBONES, load_backbone
from experiments.common import check_out, run_and_report, os_reason, whole_number
from imagery_agent.io import atomic_files, save_figure, write_csv, write_json
from imagery_agent.metrics.regression import bootstrap_r, fit_line
from imagery_agent.metrics.scanning import imagined_distance, landmark_offsets
from imagery_agent.scenes import ParseError, SceneError, islands

HUMAN = {"r": 0.97, "source": "Kosslyn, Ball & Reiser (1978), Experiment 2: 7 landmarks, 21 distances, "
                              "group-mean r = .97; no distance effect without the instruction to scan"}
AGENTS = {
    "imagery": ("imagery", "imagery-no-scan"),
    "propositional": ("propositional",),
    "oracle-imagery": ("oracle-imagery",),
    "all": ("imagery", "imagery-no-scan", "propositional", "oracle-imagery"),
}
MAX_TRIALS = 100_000      # per condition; every trial's row is held in memory until the end
MAX_SEED = 2**32 - 1      # seeds are multiplied into per-map seeds for torch, which takes 64 bits
MAX_TIMING_NOISE = 5.0    # a coefficient of variation above this is no longer a timing model


@dataclass
class ScanningConfig:
    agent: str = "imagery"                 # imagery | propositional | oracle-imagery | all
    map: str | None = None                 # a JSON map {"landmarks": {"name": [column, row]}}; default Kosslyn's
    trials: int = 168                      # per condition: the 42 ordered pairs on 4 imagined maps
    seed: int = 0
    out: str = "results/mental_scanning"
    timing_noise: float = 0.15             # coefficient of variation of each step's duration
    oracle_size: int = 32                  # picture size of the oracle imager (the backbone's is its own)
    weights: str | None = None             # a trained folder instead of the shipped islands weights
    backbone: str = "diffusion"            # imagery: diffusion | dalle | vqvae | vae | gan | pixelcnn
    progress: bool = True


@dataclass
class Results:
    trials: pd.DataFrame
    summary: dict
    files: dict = field(default_factory=dict)


def _trial_plan(scene: islands.IslandMap, n: int, seed: int) -> list[tuple[int, str, str]]:
    """(map index, start, target): every ordered pair once per map, in a shuffled order."""
    pairs = list(itertools.permutations(scene.names, 2))
    rng = np.random.default_rng(seed)
    plan = []
    rep = 0
    while len(plan) < n:
        plan += [(rep, *pairs[i]) for i in rng.permutation(len(pairs))]
        rep += 1
    return plan[:n]


def _agent_for(condition: str, cfg: ScanningConfig, extra_names):
    if condition == "propositional":
        return PropositionalAgent(timing_noise=cfg.timing_noise, seed=cfg.seed)
    if condition.startswith("oracle"):
        return ImageryAgent(OracleImaginer("islands", cfg.oracle_size, extra_names), timing_noise=cfg.timing_noise,
                            seed=cfg.seed)
    try:
        imaginer = load_backbone("islands", cfg.backbone, cfg.weights)
    except WeightsError as e:
        raise SceneError(f"{e}\nThe oracle and propositional conditions run without weights: "
                         "--agent oracle-imagery or --agent propositional") from None
    return ImageryAgent(imaginer, timing_noise=cfg.timing_noise, seed=cfg.seed)


def run(config: ScanningConfig | None = None, **overrides) -> Results:
    """Run the experiment; usable from Python and Jupyter. Returns the trials and their summary.

    Every setting, the map and the output folder are checked before the first trial, so a bad
    input costs a one-line SceneError, not a run whose results cannot be saved."""
    cfg = _settings(config, overrides)
    _check_settings(cfg)
    scene = _load_scene(cfg.map)
    out = check_out(cfg.out)
    trials = _run_trials(cfg, scene)
    summary = summarise(trials, cfg, scene)
    return Results(trials, summary, write_results(out, trials, summary))


def _settings(config: ScanningConfig | None, overrides: dict) -> ScanningConfig:
    """A copy of `config` with `overrides` (the caller's config is left as it was); a misspelt
    setting is an error, not an attribute that nothing reads."""
    names = [f.name for f in dataclasses.fields(ScanningConfig)]
    unknown = [k for k in overrides if k not in names]
    if unknown:
        raise SceneError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(names)}")
    return dataclasses.replace(config or ScanningConfig(), **overrides)


def _check_settings(cfg: ScanningConfig) -> None:
    """The numbers a user can pass, bounded, so that none fails deep inside a run or runs forever."""
    if not isinstance(cfg.agent, str) or cfg.agent not in AGENTS:
        raise SceneError(f"unknown agent {cfg.agent!r}; choose from {', '.join(AGENTS)}")
    whole_number(cfg.trials, "--trials", 1, MAX_TRIALS, " per condition")
    whole_number(cfg.seed, "--seed", 0, MAX_SEED)
    if cfg.backbone not in BACKBONES:
        raise SceneError(f"unknown backbone {cfg.backbone!r}; choose from {', '.join(BACKBONES)}")
    noise = cfg.timing_noise
    if (isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise)
            or not 0 <= noise <= MAX_TIMING_NOISE):
        raise SceneError(f"--timing-noise must be a number from 0 to {MAX_TIMING_NOISE:g} (the coefficient of "
                         f"variation of each step's duration), got {noise!r}")


def _load_scene(source) -> islands.IslandMap:
    """Kosslyn's map, or the user's; a file that cannot be read is a one-line error too."""
    if source is None or source == "":
        return islands.kosslyn_map()
    try:
        scene = islands.load_map(source)
    except UnicodeDecodeError:
        raise SceneError(f"map file {source} is not UTF-8 text") from None
    except OSError as e:
        raise SceneError(f"cannot read map file {source}: {e.strerror or e}") from None
    if len(scene.landmarks) < 2:
        raise SceneError("a scanning map needs at least two landmarks")
    return scene


def write_results(out: Path, trials: pd.DataFrame, summary: dict) -> dict:
    """Write trials.csv, summary.json and scanning.png into `out` as one set: all three are made
    in a staging folder first, so a failure or a kill midway leaves the previous set whole."""
    try:
        with atomic_files(out) as tmp:
            write_csv(tmp / "trials.csv", trials)
            write_json(tmp / "summary.json", summary)
            plot(trials, summary, tmp / "scanning.png")
    except OSError as e:
        raise SceneError(f"cannot write results to --out {out}: {os_reason(e, out)}") from None
    return {"trials": str(out / "trials.csv"), "summary": str(out / "summary.json"),
            "plot": str(out / "scanning.png")}


def _run_trials(cfg: ScanningConfig, scene: islands.IslandMap) -> pd.DataFrame:
    """Every condition's trials, one row each."""
    extra = [n for n in scene.names if n not in islands.LANDMARKS]
    plan = _trial_plan(scene, cfg.trials, cfg.seed)
    n_maps = max(m for m, _, _ in plan) + 1
    texts = [islands.describe(scene, np.random.default_rng([cfg.seed, m])) for m in range(n_maps)]
    env = MentalScanningEnv(map=scene.to_json())  # the environment is the trial
    rows = []
    for condition in AGENTS[cfg.agent]:
        agent = _agent_for(condition, cfg, extra)
        current, offsets = None, {}
        for m, start, target in tqdm(plan, desc=condition, disable=not cfg.progress, leave=False):
            obs, _ = env.reset(options={"description": texts[m], "start": start, "target": target})
            if m != current:  # learn (and imagine) each map once; its trials then use that image
                try:
                    learn_map(agent, obs, env.names, seed=cfg.seed * 1000 + m)
                except ParseError as e:
                    raise SceneError(f"the {condition} agent cannot read this map: {e}") from None
                current = m
                offsets = landmark_offsets(agent.image.pixels, scene) if isinstance(agent, ImageryAgent) else {}
            t0 = time.perf_counter()
            action, res = respond(agent, obs, env.names, scan=not condition.endswith("no-scan"))
            wall_ms = (time.perf_counter() - t0) * 1000
            _, _, _, _, info = env.step(action)
            imagined = (imagined_distance(agent.image.pixels, start, target, agent.looks)
                        if isinstance(agent, ImageryAgent) else math.nan)
            rows.append({
                "condition": condition, "map": m, "start": start, "target": target,
                "true_distance": info["true_distance"], "imagined_distance": imagined,
                "response": "found" if res.found else "not found", "correct": bool(info["correct"]),
                "shifts": res.shifts, "inspections": res.inspections, "steps": len(res.trace),
                "time_ms": res.time_ms, "wall_ms": wall_ms,
                "map_error_cells": _mean_finite([offsets.get(start), offsets.get(target)]),
                "model": getattr(getattr(agent, "image", None), "model", "graph"),
            })
    return pd.DataFrame(rows)


def _mean_finite(values) -> float:
    vals = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(vals)) if vals else math.nan


def summarise(trials: pd.DataFrame, cfg: ScanningConfig, scene) -> dict:
    conditions = {}
    for cond, df in trials.groupby("condition", sort=False):
        ok = df[df.correct]
        key = ok.true_distance.round(6)
        by_distance = ok.groupby(key).time_ms.mean()
        line = fit_line(by_distance.index.values, by_distance.values)
        groups = {d: g.time_ms.values for d, g in ok.groupby(key)}
        entry = {"r": line["r"], "r_ci": bootstrap_r(groups, seed=cfg.seed), "slope": line["slope"],
                 "intercept": line["intercept"], "n_trials": int(len(df)), "n_correct": int(len(ok)),
                 "accuracy": float(df.correct.mean()), "n_distances": line["n_points"],
                 "mean_time_ms": float(ok.time_ms.mean()) if len(ok) else math.nan,
                 "slope_units": "ms per grid cell (1/16 of the map width)"}
        if df.imagined_distance.notna().any() and not cond.endswith("no-scan"):
            entry["r_imagined"] = fit_line(ok.imagined_distance, ok.time_ms)["r"]
            entry["r_true_trialwise"] = fit_line(ok.true_distance, ok.time_ms)["r"]
        if "map_error_cells" in df and df.map_error_cells.notna().any():
            entry["landmark_displacement_cells"] = {"median": float(np.nanmedian(df.map_error_cells)),
                                                    "max": float(np.nanmax(df.map_error_cells))}
        conditions[cond] = entry
    return {"experiment": "mental_scanning", "map": scene.to_json(), "config": asdict(cfg),
            "human_reference": HUMAN, "conditions": conditions}


def plot(trials: pd.DataFrame, summary: dict, path: Path) -> Path:
    # a Figure of its own, not pyplot: no backend is switched, so plots in a notebook still show
    from matplotlib.figure import Figure
    conds = list(summary["conditions"])
    fig = Figure(figsize=(4.2 * len(conds), 3.8))
    axes = fig.subplots(1, len(conds), squeeze=False)
    for ax, cond in zip(axes[0], conds):
        df = trials[(trials.condition == cond) & trials.correct]
        means = df.groupby(df.true_distance.round(6)).time_ms.agg(["mean", "sem"])
        ax.errorbar(means.index, means["mean"], yerr=means["sem"].fillna(0), fmt="o", ms=4, capsize=2)
        s = summary["conditions"][cond]
        if math.isfinite(s["slope"]):
            xs = np.linspace(means.index.min(), means.index.max(), 10)
            ax.plot(xs, s["intercept"] + s["slope"] * xs, "-", lw=1.5)
        r = "n/a" if not math.isfinite(s["r"]) else f"{s['r']:.2f}"
        ax.set_title(f"{cond}\nr = {r} (human r = .97)", fontsize=10)
        ax.set_xlabel("true distance (grid cells)")
        ax.set_ylabel("response time (modelled ms)")
    fig.suptitle("Mental scanning: time vs distance (Kosslyn, Ball & Reiser 1978)", fontsize=11)
    fig.tight_layout()
    save_figure(path, fig, dpi=110)
    return path


def print_table(summary: dict, file=None) -> None:
    file = file or sys.stdout  # looked up now, not at import, so redirection and capture see it
    print(f"{'condition':18s} {'r':>6s} {'95% CI':>15s} {'slope ms/cell':>14s} {'intercept ms':>13s} "
          f"{'trials':>7s} {'correct':>8s}", file=file)
    for cond, s in summary["conditions"].items():
        ci = "n/a" if not all(map(math.isfinite, s["r_ci"])) else f"[{s['r_ci'][0]:.2f}, {s['r_ci'][1]:.2f}]"
        r = "n/a" if not math.isfinite(s["r"]) else f"{s['r']:.3f}"
        print(f"{cond:18s} {r:>6s} {ci:>15s} {s['slope']:14.1f} {s['intercept']:13.1f} {s['n_trials']:7d} "
              f"{s['accuracy']:8.0%}", file=file)
    print(f"human reference: r = {HUMAN['r']} ({HUMAN['source'].split(':')[0]})", file=file)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.mental_scanning",
                                 description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--agent", default="imagery", choices=list(AGENTS))
    ap.add_argument("--map", help="JSON map file: {\"landmarks\": {\"name\": [column, row], ...}} (columns and rows 1..14)")
    ap.add_argument("--trials", type=int, default=168,
                    help=f"trials per condition, 1 to {MAX_TRIALS} (42 ordered pairs per imagined map)")
    ap.add_argument("--seed", type=int, default=0, help=f"0 to {MAX_SEED}")
    ap.add_argument("--out", default="results/mental_scanning", help="results folder (checked before any trial)")
    ap.add_argument("--backbone", default="diffusion", choices=list(BACKBONES),
                    help="the imagery condition's text-to-image model (default: diffusion)")
    ap.add_argument("--weights", help="a trained islands folder of that backbone (default: the shipped weights)")
    ap.add_argument("--timing-noise", type=float, default=0.15, dest="timing_noise",
                    help=f"coefficient of variation of each step's duration, 0 to {MAX_TIMING_NOISE:g}")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    cfg = ScanningConfig(agent=args.agent, map=args.map, trials=args.trials, seed=args.seed, out=args.out,
                         weights=args.weights, backbone=args.backbone, timing_noise=args.timing_noise,
                         progress=not args.quiet)
    return run_and_report(run, cfg, print_table)


if __name__ == "__main__":
    sys.exit(main())
