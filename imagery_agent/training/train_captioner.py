"""Train a family's captioner: `python -m imagery_agent.training.train_captioner --family islands --out DIR`.

Each step draws fresh scenes from the family's training split, renders them at the backbone's
image size, perturbs them like imagined images (noise, colour shift, contrast) and teaches the
model to say each scene in its canonical wording. Every `eval_every` steps it captions renders of
held-out scenes greedily and logs caption accuracy (metrics.csv: the time-to-quality curve).
Interrupted runs resume from the last checkpoint. The finished model is saved to DIR/captioner.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..metrics.captions import caption_accuracy
from ..perception.captioner import Captioner
from ..perception.images import augment, to_pixel_values
from ..scenes import get_family
from ..scenes.corpus import build_corpus
from .common import CaptionerConfig, append_csv, arguments, resume, run_cli, save_state, start_run, step_seeds, \
    warmup_cosine


def make_batch(cfg: CaptionerConfig, captioner: Captioner, rng: np.random.Generator, gen: torch.Generator):
    fam = get_family(cfg.family)
    scenes = [fam.sample_split(rng, "train") for _ in range(cfg.batch_size)]
    x = to_pixel_values([fam.render(s, cfg.image_size) for s in scenes], cfg.image_size)
    if cfg.augment:
        x = augment(x, gen, cfg.augment)
    return x, captioner.encode_targets([fam.canonical(s) for s in scenes])


@torch.no_grad()
def evaluate_renders(captioner: Captioner, family: str, n: int, size: int) -> dict:
    """Greedy captions of renders of `n` held-out scenes, scored against their truth."""
    fam = get_family(family)
    examples = build_corpus(family, n, seed=2024, split="val")  # decisions on val; reports on heldout
    captioner.model.eval()
    readings = []
    for i in range(0, n, 50):
        chunk = examples[i:i + 50]
        readings += [c.scene for c in captioner.read([fam.render(e.scene, size) for e in chunk])]
    captioner.model.train()
    return caption_accuracy(family, [e.scene for e in examples], readings)


def train(cfg: CaptionerConfig, out: Path, quiet: bool = False) -> Path:
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    captioner = Captioner.from_config(cfg)
    return fit(cfg, out, captioner, lambda rng, gen: make_batch(cfg, captioner, rng, gen), quiet=quiet,
               desc=f"captioner {cfg.family}", clip_grad=1.0)


def fit(cfg, out: Path, captioner, next_batch, *, quiet: bool, desc: str, clip_grad: float | None) -> Path:
    """The loop a captioner of any kind trains in: `next_batch(rng, gen)` gives (pixels, targets)
    for `captioner.loss`; it logs, scores validation renders, checkpoints and resumes, and saves
    the finished model to out/captioner."""
    model = captioner.model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.01)
    step, tensors = resume(out, opt)
    if tensors is not None:
        model.load_state_dict(tensors["model"])
    t_start = time.time()
    bar = tqdm(range(step, cfg.max_steps), initial=step, total=cfg.max_steps, disable=quiet, desc=desc)
    for step in bar:
        rng, gen = step_seeds(cfg.seed, step)
        for g in opt.param_groups:
            g["lr"] = warmup_cosine(cfg, step)
        x, targets = next_batch(rng, gen)
        loss = captioner.loss(x, targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip_grad is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
        opt.step()
        done = step + 1
        if done % cfg.log_every == 0:
            bar.set_postfix(loss=f"{loss.item():.4f}")
            append_csv(out / "log.csv", {"step": done, "loss": loss.item(), "wall_s": round(time.time() - t_start, 1)})
        if done % cfg.eval_every == 0 or done == cfg.max_steps:
            m = evaluate_renders(captioner, cfg.family, cfg.eval_scenes, cfg.image_size)
            append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **m})
            print(json.dumps({"step": done, **m}), flush=True)
        if done % cfg.checkpoint_every == 0 or done == cfg.max_steps:
            save_state(out / "checkpoint", done, {"model": model.state_dict()}, opt, {"family": cfg.family})
    model.eval()
    return captioner.save_pretrained(out / "captioner", cfg.replace(trained_steps=cfg.max_steps))


def main(argv=None):
    return run_cli(CaptionerConfig, "captioner", train, argv, ap=arguments(__doc__.splitlines()[0], "captioner"))


if __name__ == "__main__":
    raise SystemExit(main())
