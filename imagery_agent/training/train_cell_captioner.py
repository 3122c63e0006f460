"""Train the rooms cell captioner: `python -m imagery_agent.training.train_cell_captioner --family rooms --out DIR`.

Each step draws fresh rooms from the training split, renders them at the backbone's image size,
perturbs them like imagined images (noise, colour shift, contrast) and teaches every cell's facts
(kind, colour, door state, heading; `perception/cell_captioner.py`). Every `eval_every` steps it
reads renders of validation rooms and logs caption accuracy (metrics.csv). Interrupted runs
resume from the last checkpoint. The finished model is saved to DIR/captioner.
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..perception.cell_captioner import HEADS, CellCaptioner, cell_targets
from ..perception.images import augment, to_pixel_values
from ..scenes import get_family
from .common import CellCaptionerConfig, arguments, run_cli, start_run
from .train_captioner import fit


def imagined_pool(cfg: CellCaptionerConfig) -> list:
    """(room, picture) pairs: training-split rooms drawn once by the shipped backbone, kept only
    where the template reader reads the picture as the room (so the captioner learns how the
    backbone draws without learning to see through what it draws wrong)."""
    import numpy as np

    from ..backbones.registry import load_backbone
    from ..perception.room_reader import RoomReadError, read_room
    fam = get_family(cfg.family)
    rng = np.random.default_rng(cfg.seed + 99_991)
    scenes = [fam.sample_split(rng, "train") for _ in range(cfg.imagined_pool)]
    images = load_backbone(cfg.family, cfg.imagined_backbone).imagine([fam.describe(s, rng) for s in scenes], seed=cfg.seed)
    pool = []
    for s, im in zip(scenes, images):
        try:
            if read_room(im) == s:
                pool.append((s, im.pixels))
        except RoomReadError:
            pass
    return pool


def make_batch(cfg: CellCaptionerConfig, rng, gen, pool=()):
    fam = get_family(cfg.family)
    n_imagined = int(round(cfg.imagined_fraction * cfg.batch_size)) if pool else 0
    scenes = [fam.sample_split(rng, "train") for _ in range(cfg.batch_size - n_imagined)]
    pictures = [fam.render(s, cfg.image_size) for s in scenes]
    for i in rng.integers(0, len(pool), n_imagined) if n_imagined else ():
        scenes.append(pool[i][0])
        pictures.append(pool[i][1])
    x = to_pixel_values(pictures, cfg.image_size)
    if cfg.augment:
        x = augment(x, gen, cfg.augment)
    targets = [cell_targets(s) for s in scenes]
    return x, {name: torch.stack([t[name] for t in targets]) for name in HEADS}


def train(cfg: CellCaptionerConfig, out: Path, quiet: bool = False) -> Path:
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    captioner = CellCaptioner.from_config(cfg)
    pool = imagined_pool(cfg) if cfg.imagined_fraction else []
    return fit(cfg, out, captioner, lambda rng, gen: make_batch(cfg, rng, gen, pool), quiet=quiet,
               desc=f"cell captioner {cfg.family}", clip_grad=None)


def main(argv=None):
    return run_cli(CellCaptionerConfig, "cell_captioner", train, argv,
                   ap=arguments(__doc__.splitlines()[0], "cell_captioner"))


if __name__ == "__main__":
    raise SystemExit(main())
