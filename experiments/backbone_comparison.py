"""The seeds' generative models side by side: `python -m experiments.backbone_comparison`.

Every backbone shipped for the islands family (diffusion, dalle, vqvae, vae, gan, pixelcnn: those
that are shipped) imagines the same held-out maps and is scored with the same metrics (object
accuracy, exact maps, localisation error, FID-style distance, CLIP score and R-precision from the
joint embedding, ms per image batched, sampler evaluations, parameters, training minutes); then
the mental-scanning experiment runs on each one's imagined maps (the imagery condition), so that
each account of image generation is judged by the paradigm too. Training curves (object
accuracy on validation maps against training minutes), where a run's `metrics.csv` is given
with `--curves NAME=FILE`, are drawn beside.

Writes comparison.json, comparison.csv and comparison.png into --out as one set.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from experiments.common import check_out, os_reason, run_and_report, whole_number
from imagery_agent.io import atomic_files, save_figure, write_csv, write_json
from imagery_agent.scenes import SceneError

COLUMNS = ("shipped", "object_accuracy", "exact_scene_accuracy", "localisation_error_frac", "fid_clip_imagined_vs_renders",
           "clip_score_imagined", "r_precision_imagined", "round_trip_exact", "ms_per_image", "sampler_evaluations",
           "params", "training_minutes", "scanning_r", "scanning_accuracy")


@dataclass
class ComparisonConfig:
    backbones: tuple[str, ...] | None = None   # default: every one shipped for islands
    n: int = 200                                 # held-out maps
    scanning_trials: int = 168                   # per backbone; 0 skips the scanning runs
    curves: dict = field(default_factory=dict)   # NAME -> a run's metrics.csv
    weights: dict = field(default_factory=dict)  # NAME -> a trained folder (a backbone not shipped, or another run)
    out: str = "results/backbone_comparison"
    seed: int = 0
    progress: bool = True


@dataclass
class Results:
    table: pd.DataFrame
    summary: dict
    files: dict = field(default_factory=dict)


def run(cfg: ComparisonConfig | None = None, **overrides) -> Results:
    from dataclasses import replace
    from experiments import mental_scanning
    from imagery_agent.backbones.registry import BACKBONES, shipped
    from imagery_agent.evaluate import EvalConfig, evaluate
    cfg = replace(cfg or ComparisonConfig(), **overrides)
    names = tuple(cfg.backbones) if cfg.backbones else tuple(dict.fromkeys(shipped("islands") + list(cfg.weights)))
    for name in names:
        if name not in BACKBONES:
            raise SceneError(f"unknown backbone {name!r}; choose from {', '.join(BACKBONES)}")
    whole_number(cfg.n, "--n", 1, 10_000)
    whole_number(cfg.scanning_trials, "--scanning-trials", 0, 10_000)
    for name, path in cfg.curves.items():
        if not Path(path).is_file():
            raise SceneError(f"--curves {name}={path}: no such file")
    for name, path in cfg.weights.items():
        if name not in BACKBONES or not Path(path).is_dir():
            raise SceneError(f"--weights {name}={path}: not a backbone name and a folder")
    out = check_out(cfg.out)
    results = {}
    for name in names:
        if cfg.progress:
            print(f"== {name}", file=sys.stderr)
        r = evaluate(EvalConfig(family="islands", backbone=name, weights=cfg.weights.get(name), n=cfg.n,
                                progress=cfg.progress))
        r["shipped"] = name not in cfg.weights
        if cfg.scanning_trials:
            scan = mental_scanning.run(agent="imagery", backbone=name, weights=cfg.weights.get(name),
                                       trials=cfg.scanning_trials, seed=cfg.seed, out=str(out / f"scanning_{name}"),
                                       progress=cfg.progress)
            s = scan.summary["conditions"]["imagery"]
            r["scanning_r"], r["scanning_accuracy"] = s["r"], s["accuracy"]
            r["scanning_slope_ms_per_cell"] = s["slope"]
        results[name] = r
    table = pd.DataFrame([{"backbone": n, **{c: r.get(c) for c in COLUMNS}} for n, r in results.items()])
    summary = {"family": "islands", "n_scenes": cfg.n, "backbones": results}
    try:
        with atomic_files(out) as tmp:
            write_json(tmp / "comparison.json", summary)
            write_csv(tmp / "comparison.csv", table)
            plot(table, cfg.curves, tmp / "comparison.png")
    except OSError as e:
        raise SceneError(f"cannot write results to --out {out}: {os_reason(e, out)}") from None
    files = {k: str(out / f"comparison.{k}") for k in ("json", "csv", "png")}
    return Results(table, summary, files)


def plot(table: pd.DataFrame, curves: dict, path: Path) -> Path:
    """Accuracy against ms per image (log scale), and the training curves where given."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    for _, row in table.iterrows():
        left.scatter(row.ms_per_image, row.object_accuracy, s=30)
        left.annotate(row.backbone, (row.ms_per_image, row.object_accuracy), fontsize=8, xytext=(3, 3),
                      textcoords="offset points")
    left.set_xscale("log")
    left.set_xlabel("ms per image, batch 50, 2 CPU cores")
    left.set_ylabel("object accuracy, held-out maps")
    left.axhline(0.95, lw=0.5, ls="--", color="grey")
    for name, csv in curves.items():
        df = pd.read_csv(csv)
        right.plot(df.wall_s / 60, df.object_accuracy, marker="o", ms=3, label=name)
    right.set_xlabel("training minutes (wall, one CPU thread beside another run)")
    right.set_ylabel("object accuracy, validation maps")
    if curves:
        right.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(path, fig, dpi=120)


def print_table(summary: dict, file=sys.stdout) -> None:
    print(f"{'backbone':10s} {'objects':>8s} {'exact':>6s} {'ms/img':>8s} {'evals':>6s} {'params':>8s} "
          f"{'train min':>9s} {'scan r':>7s}", file=file)
    for name, r in summary["backbones"].items():
        scan = r.get("scanning_r")
        minutes = r.get("training_minutes")
        print(f"{name:10s} {r['object_accuracy']:8.3f} {r['exact_scene_accuracy']:6.2f} {r['ms_per_image']:8.1f} "
              f"{r['sampler_evaluations']:6d} {r['params'] / 1e6:7.2f}M {minutes if minutes is not None else '-':>9} "
              f"{scan if scan is None else f'{scan:.3f}':>7}", file=file)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.backbone_comparison", description=__doc__.split("\n\n")[0])
    ap.add_argument("--backbones", nargs="+", help="default: every backbone shipped for islands")
    ap.add_argument("--n", type=int, default=200, help="held-out maps")
    ap.add_argument("--scanning-trials", type=int, default=168, dest="scanning_trials",
                    help="mental-scanning trials per backbone (0: skip)")
    ap.add_argument("--curves", nargs="*", default=[], metavar="NAME=FILE", help="training curves (a run's metrics.csv)")
    ap.add_argument("--weights", nargs="*", default=[], metavar="NAME=DIR",
                    help="a trained folder for a backbone (one not shipped, or another run of one)")
    ap.add_argument("--out", default="results/backbone_comparison")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    try:
        curves = dict(c.split("=", 1) for c in args.curves)
        weights = dict(c.split("=", 1) for c in args.weights)
    except ValueError:
        print("error: --curves and --weights take NAME=PATH pairs", file=sys.stderr)
        return 2
    cfg = ComparisonConfig(tuple(args.backbones) if args.backbones else None, args.n, args.scanning_trials, curves,
                           weights, args.out, progress=not args.quiet)
    return run_and_report(run, cfg, print_table)


if __name__ == "__main__":
    sys.exit(main())
