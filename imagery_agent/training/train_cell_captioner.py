"""Train the rooms cell captioner: `python -m imagery_agent.training.train_cell_captioner --family rooms --out DIR`.

Each step draws fresh rooms from the training split, renders them at the backbone's image size,
perturbs them like imagined images (noise, colour shift, contrast) and teaches every cell's facts
(kind, colour, door state, heading; `perception/cell_captioner.py`). Every `eval_every` steps it
reads renders of validation rooms and logs caption accuracy (metrics.csv). Interrupted runs
resume from the last checkpoint. The finished model is saved to DIR/captioner.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..metrics.captions import caption_accuracy
from ..perception.cell_captioner import HEADS, CellCaptioner, cell_targets
from ..perception.images import augment, to_pixel_values
from ..scenes import get_family
from ..scenes.corpus import build_corpus
from .common import CellCaptionerConfig, append_csv, arguments, resume, run_cli, save_state, start_run, step_seeds, \
    warmup_cosine


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


@torch.no_grad()
def evaluate_renders(captioner: CellCaptioner, n: int, size: int) -> dict:
    """Readings of renders of `n` validation rooms, scored against their truth."""
    fam = get_family(captioner.family)
    examples = build_corpus(captioner.family, n, seed=2024, split="val")  # decisions on val; reports on heldout
    captioner.model.eval()
    readings = [c.scene for c in captioner.read([fam.render(e.scene, size) for e in examples])]
    captioner.model.train()
    return caption_accuracy(captioner.family, [e.scene for e in examples], readings)


def train(cfg: CellCaptionerConfig, out: Path, quiet: bool = False) -> Path:
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    captioner = CellCaptioner.from_config(cfg)
    model = captioner.model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.01)
    step, tensors = resume(out, opt)
    if tensors is not None:
        model.load_state_dict(tensors["model"])
    pool = imagined_pool(cfg) if cfg.imagined_fraction else []
    t_start = time.time()
    bar = tqdm(range(step, cfg.max_steps), initial=step, total=cfg.max_steps, disable=quiet,
               desc=f"cell captioner {cfg.family}")
    for step in bar:
        rng, gen = step_seeds(cfg.seed, step)
        for g in opt.param_groups:
            g["lr"] = warmup_cosine(cfg, step)
        x, targets = make_batch(cfg, rng, gen, pool)
        loss = captioner.loss(x, targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        done = step + 1
        if done % cfg.log_every == 0:
            bar.set_postfix(loss=f"{loss.item():.4f}")
            append_csv(out / "log.csv", {"step": done, "loss": loss.item(), "wall_s": round(time.time() - t_start, 1)})
        if done % cfg.eval_every == 0 or done == cfg.max_steps:
            m = evaluate_renders(captioner, cfg.eval_scenes, cfg.image_size)
            append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **m})
            print(json.dumps({"step": done, **m}), flush=True)
        if done % cfg.checkpoint_every == 0 or done == cfg.max_steps:
            save_state(out / "checkpoint", done, {"model": model.state_dict()}, opt, {"family": cfg.family})
    model.eval()
    return captioner.save_pretrained(out / "captioner", cfg.replace(trained_steps=cfg.max_steps))


def main(argv=None):
    return run_cli(CellCaptionerConfig, "cell_captioner", train, argv,
                   ap=arguments(__doc__.splitlines()[0], "cell_captioner"))


if __name__ == "__main__":
    raise SystemExit(main())
