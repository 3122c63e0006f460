"""The summary every per-object image scorer shares (islands, rooms, compositions)."""
from __future__ import annotations

import math

import numpy as np


def summarise_objects(scores: list[dict]) -> dict:
    """Scores hold per-object lists `placed`, `present`, `errors` (fraction of the width; inf when
    not found) and a per-scene `exact`; where they also hold `unseen` (per object: its atom was kept
    out of training), accuracy is given apart for those objects and the others, and where they hold
    `pairs` (per object: its unseen pair's name, or None), for each unseen pair apart."""
    placed = [p for s in scores for p in s["placed"]]
    present = [p for s in scores for p in s["present"]]
    errs = [e for s in scores for e in s["errors"] if math.isfinite(e)]
    out = {
        "object_accuracy": float(np.mean(placed)) if placed else 0.0,
        "object_presence": float(np.mean(present)) if present else 0.0,
        "exact_scene_accuracy": float(np.mean([s["exact"] for s in scores])) if scores else 0.0,
        "localisation_error_frac": float(np.median(errs)) if errs else math.inf,
    }
    if scores and all("unseen" in s for s in scores):
        for name, want in (("unseen_pair_object_accuracy", True), ("seen_pair_object_accuracy", False)):
            chosen = [p for s in scores for p, u in zip(s["placed"], s["unseen"]) if u == want]
            out[name] = float(np.mean(chosen)) if chosen else None
    if scores and all("pairs" in s for s in scores):  # each unseen pair apart: which one a model cannot draw
        by_pair: dict[str, list] = {}
        for s in scores:
            for p, pair in zip(s["placed"], s["pairs"]):
                if pair is not None:
                    by_pair.setdefault(pair, []).append(p)
        out["unseen_pair_accuracy_by_pair"] = {k: float(np.mean(v)) for k, v in sorted(by_pair.items())}
    return out
