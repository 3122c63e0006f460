"""Train a family's captioner: `python -m imagery_agent.training.train_captioner --family islands --out DIR`.

Each step draws fresh scenes from the family's training split, renders them at the backbone's
image size, perturbs them like imagined images (noise, colour shift, contrast) and teaches the
model to say each scene in its canonical wording. Every `eval_every` steps it captions renders of
held-out scenes greedily and logs caption accuracy (metrics.csv: the time-to-quality curve).
Interrupted runs resume from the last checkpoint. The finished model is saved to DIR/captioner.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..metrics.captions import caption_accuracy
from ..perception.captioner import Captioner, canonical_caption
from ..perception.images import augment, to_pixel_values
from ..scenes import get_family
from ..scenes.corpus import build_corpus, sample_split
from . import cli
from .checkpoint import load_state, save_state
from .train import _append_csv


def learning_rate(cfg: dict, step: int) -> float:
    """Linear warm-up, then cosine decay to a tenth."""
    if step < cfg["warmup_steps"]:
        return cfg["learning_rate"] * (step + 1) / cfg["warmup_steps"]
    done = (step - cfg["warmup_steps"]) / max(1, cfg["max_steps"] - cfg["warmup_steps"])
    return cfg["learning_rate"] * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(done, 1.0))))


def make_batch(cfg: dict, captioner: Captioner, rng: np.random.Generator, gen: torch.Generator):
    fam = get_family(cfg["family"])
    scenes = [sample_split(cfg["family"], rng, "train") for _ in range(cfg["batch_size"])]
    x = to_pixel_values([fam.render(s, cfg["image_size"]) for s in scenes], cfg["image_size"])
    if cfg.get("augment", 0):
        x = augment(x, gen, cfg["augment"])
    return x, captioner.encode_targets([canonical_caption(cfg["family"], s) for s in scenes])


@torch.no_grad()
def evaluate_renders(captioner: Captioner, family: str, n: int, size: int) -> dict:
    """Greedy captions of renders of `n` held-out scenes, scored against their truth."""
    fam = get_family(family)
    examples = build_corpus(family, n, seed=2024, split="heldout")
    captioner.model.eval()
    readings = []
    for i in range(0, n, 50):
        chunk = examples[i:i + 50]
        readings += [c.scene for c in captioner.read([fam.render(e.scene, size) for e in chunk])]
    captioner.model.train()
    return caption_accuracy(family, [e.scene for e in examples], readings)


def train(cfg: dict, out: Path, quiet: bool = False) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg, indent=1))
    torch.manual_seed(cfg["seed"])
    captioner = Captioner.from_config(cfg)
    model = captioner.model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["learning_rate"], weight_decay=0.01)
    step, ckpt = 0, out / "checkpoint"
    if (ckpt / "state.json").exists():
        step, tensors, _ = load_state(ckpt, opt)
        model.load_state_dict(tensors["model"])
        print(f"resumed from step {step}")
    t_start = time.time()
    bar = tqdm(range(step, cfg["max_steps"]), initial=step, total=cfg["max_steps"], disable=quiet,
               desc=f"captioner {cfg['family']}")
    for step in bar:
        rng = np.random.default_rng([cfg["seed"], step])  # per-step seeds: resuming replays nothing
        gen = torch.Generator().manual_seed(cfg["seed"] * 1_000_003 + step)
        for g in opt.param_groups:
            g["lr"] = learning_rate(cfg, step)
        x, labels = make_batch(cfg, captioner, rng, gen)
        loss = captioner.loss(x, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        done = step + 1
        if done % cfg["log_every"] == 0:
            bar.set_postfix(loss=f"{loss.item():.4f}")
            _append_csv(out / "log.csv", {"step": done, "loss": loss.item(), "wall_s": round(time.time() - t_start, 1)})
        if done % cfg["eval_every"] == 0 or done == cfg["max_steps"]:
            m = evaluate_renders(captioner, cfg["family"], cfg["eval_scenes"], cfg["image_size"])
            _append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **m})
            print(json.dumps({"step": done, **m}), flush=True)
        if done % cfg["checkpoint_every"] == 0 or done == cfg["max_steps"]:
            save_state(ckpt, done, {"model": model.state_dict()}, opt, {"family": cfg["family"]})
    model.eval()
    return captioner.save_pretrained(out / "captioner", {**cfg, "trained_steps": cfg["max_steps"]})


def main(argv=None):
    cli.main("captioner", train, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
