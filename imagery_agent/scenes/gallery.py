"""Sample grids a person can check: `python -m imagery_agent.scenes.gallery --out docs/figures`.

Writes one PNG per family: random scenes rendered with the description they were drawn from.
"""
from __future__ import annotations

import argparse
import os
import textwrap
from pathlib import Path

import numpy as np

from . import FAMILIES


def gallery(family: str, path: Path, n: int = 12, size: int = 64, seed: int = 0) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fam = FAMILIES[family]
    rng = np.random.default_rng(seed)
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 3.4, rows * 4.3))
    for ax in np.ravel(axes):
        ax.axis("off")
    for i, ax in enumerate(np.ravel(axes)[:n]):
        scene = fam.sample(rng)
        text = fam.describe(scene, rng)
        ax.imshow(fam.render(scene, size), interpolation="nearest")
        ax.set_title("\n".join(textwrap.wrap(text, 44)[:9]), fontsize=6.5, loc="left")
    fig.suptitle(f"{family}: samples with their descriptions", fontsize=12)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/figures")
    ap.add_argument("--family", choices=list(FAMILIES), action="append")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for family in args.family or FAMILIES:
        print(gallery(family, Path(args.out) / f"gallery_{family}.png", seed=args.seed))


if __name__ == "__main__":
    main()
