"""Regression statistics for time-versus-distance (or angle) analyses."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats


def fit_line(x, y) -> dict:
    """Pearson r, slope and intercept of y on x; NaN where undefined (fewer than 3 points or no spread)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return {"r": math.nan, "slope": math.nan, "intercept": math.nan, "p": math.nan, "n_points": int(len(x))}
    res = stats.linregress(x, y)
    return {"r": float(res.rvalue), "slope": float(res.slope), "intercept": float(res.intercept),
            "p": float(res.pvalue), "n_points": int(len(x))}


def bootstrap_r(groups: dict, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> list[float]:
    """Confidence interval of r between each group's key (a distance) and its mean value, resampling
    the trials within each group. `groups`: {x: [y, y, ...]}."""
    rng = np.random.default_rng(seed)
    keys = [k for k, v in groups.items() if len(v)]
    if len(keys) < 3:
        return [math.nan, math.nan]
    xs = np.array(keys, float)
    rs = []
    for _ in range(n_boot):
        means = np.array([np.mean(rng.choice(groups[k], size=len(groups[k]))) for k in keys])
        if np.ptp(means) > 0:
            rs.append(np.corrcoef(xs, means)[0, 1])
    if not rs:
        return [math.nan, math.nan]
    a = (1 - level) / 2
    return [float(np.quantile(rs, a)), float(np.quantile(rs, 1 - a))]
