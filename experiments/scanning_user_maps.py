"""Mental scanning on maps a user brings: `python -m experiments.scanning_user_maps`.

Kosslyn's map is one layout of trained names. A user replicating the study brings an island of
their own: trained landmark names in a new layout, or names the backbone never saw (a castle, a
windmill), which it draws by their appearance (a stated colour, or one given automatically).
This runs the main job (`experiments.mental_scanning`, imagery condition, shipped weights) on
random maps of both kinds and reports, per map and overall, the r of scan time against distance
and how many scans found their target. Writes user_maps.csv and user_maps.json into --out.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from experiments import mental_scanning
from imagery_agent.io import atomic_files, write_csv, write_json
from imagery_agent.scenes import SceneError, islands

NEW_NAMES = ("castle", "windmill", "harbour", "chapel", "fort", "lighthouse", "market", "orchard", "quarry",
             "ruin", "school", "stable", "temple", "villa", "wharf", "abbey", "barn", "cottage", "dam", "forge")
"""Landmark names no backbone was trained on."""


def random_map(kind: str, rng: np.random.Generator, n: int = 7) -> dict:
    """A map of `n` landmarks at least 2 cells apart: trained names ('trained') or new ones
    ('new-names'; half of them with a stated colour, half coloured automatically)."""
    layout = islands.sample(rng, n)  # positions of trained names; any split (a user's layout is new)
    if kind == "trained":
        return layout.to_json()
    names = rng.choice(NEW_NAMES, size=n, replace=False)
    looks = [islands.LOOK_OF[name] for name in rng.choice(islands.LANDMARKS, size=n, replace=False)]
    marks = {}
    for i, (name, lm) in enumerate(zip(names, layout.landmarks)):
        marks[str(name)] = {"at": [lm.x, lm.y], "colour": looks[i]} if i % 2 else [lm.x, lm.y]
    return {"landmarks": marks}


def run(n_maps: int = 10, seed: int = 0, trials: int = 168, out: str = "results/scanning_user_maps",
        progress: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for kind in ("trained", "new-names"):
        for i in tqdm(range(n_maps), desc=kind, disable=not progress):
            user_map = random_map(kind, rng)
            res = mental_scanning.run(agent="imagery", map=user_map, trials=trials, seed=seed + i,
                                      out=str(Path(out) / "runs" / f"{kind}-{i}"), progress=False)
            s = res.summary["conditions"]["imagery"]
            rows.append({"kind": kind, "map": i, "names": " ".join(islands.load_map(user_map).names),
                         "r": s["r"], "found": s["accuracy"], "n_trials": s["n_trials"],
                         "slope_ms_per_cell": s["slope"], "intercept_ms": s["intercept"]})
    table = pd.DataFrame(rows)
    summary = {kind: {"maps": int(len(df)), "median_r": float(df.r.median()), "min_r": float(df.r.min()),
                      "found": float((df.found * df.n_trials).sum() / df.n_trials.sum()),
                      "maps_with_r_at_least_0.95": int((df.r >= 0.95).sum())}
               for kind, df in table.groupby("kind", sort=False)}
    with atomic_files(out) as tmp:
        write_csv(tmp / "user_maps.csv", table)
        write_json(tmp / "user_maps.json", {"n_maps_per_kind": n_maps, "seed": seed, "trials_per_map": trials,
                                            "kinds": summary})
    return table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.scanning_user_maps", description=__doc__.split("\n\n")[0])
    ap.add_argument("--maps", type=int, default=10, help="random maps of each kind")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trials", type=int, default=168, help="scans per map (42 ordered pairs x 4 imagined maps)")
    ap.add_argument("--out", default="results/scanning_user_maps")
    args = ap.parse_args(argv)
    if not 1 <= args.maps <= 1000:
        print(f"error: --maps must be 1 to 1000, got {args.maps}", file=sys.stderr)
        return 2
    try:
        table = run(args.maps, args.seed, args.trials, args.out)
    except SceneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for kind, df in table.groupby("kind", sort=False):
        print(f"{kind:10s} maps {len(df):3d}  median r {df.r.median():.3f}  min r {df.r.min():.3f}  "
              f"found {(df.found * df.n_trials).sum() / df.n_trials.sum():.1%}")
    print(f"wrote {Path(args.out) / 'user_maps.csv'} and user_maps.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
