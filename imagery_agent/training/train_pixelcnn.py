"""Train the text-conditional gated PixelCNN: `python -m imagery_agent.training.train_pixelcnn --family islands --out DIR`.

The whole loop is here. The palette is fixed before the first step from the family's own
colours: its backgrounds, the blends of the first two (a coast's anti-aliased edge), and every
object colour its scenes show. As for the other backbones, the word reader first learns alone to
read each object's facts (`pretrain_steps`); then every step draws fresh training scenes, snaps
their renders to the palette and trains the next-pixel cross-entropy (salient pixels weighted
up), with the grounding loss beside it. The best validation model is kept (`best/`).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..backbones.pixelcnn import ConditionalPixelCNN
from ..scenes import get_family
from .common import (TrainConfig, append_csv, arguments, keep_if_best, resume, run_cli, save_state, start_run,
                     step_seeds, validate_backbone, warmup_cosine)
from .train import grounding_labels, grounding_loss, salient_weight
from .train_onepass import make_batch


@dataclass(kw_only=True)
class PixelCNNConfig(TrainConfig):
    backbone: str = "pixelcnn"
    image_size: int
    model: dict
    grounding: dict = field(default_factory=lambda: {"weight": 0.5, "pretrain_steps": 150, "learning_rate": 1e-3})
    salient_weight: float = 4.0
    sampling: dict = field(default_factory=dict)
    weights: str | None = None
    training_minutes: float | None = None

    MODEL_FIELDS = ("family", "image_size", "model")


def family_palette(family: str, n_scenes: int = 512, blends: int = 3) -> list[list[int]]:
    """The colours a picture of the family is made of (see the module docstring)."""
    fam = get_family(family)
    colours = [tuple(c) for c in fam.backgrounds]
    if len(colours) >= 2:
        a, b = np.array(colours[0], float), np.array(colours[1], float)
        colours += [tuple(np.round(a + (b - a) * (i + 1) / (blends + 1)).astype(int)) for i in range(blends)]
    rng = np.random.default_rng(0)
    for _ in range(n_scenes):
        colours += [tuple(c) for c in fam.looks(fam.sample_split(rng, "train")).values()]
    return [list(map(int, c)) for c in dict.fromkeys(colours)]


def build_model(cfg: PixelCNNConfig) -> ConditionalPixelCNN:
    fam = get_family(cfg.family)
    return ConditionalPixelCNN(family=cfg.family, vocabulary=sorted(fam.vocabulary()), palette=family_palette(cfg.family),
                               image_size=cfg.image_size, grounding_classes=list(fam.grounding_classes), **cfg.model)


def train(cfg: PixelCNNConfig, out: Path, quiet: bool = False) -> Path:
    fam = get_family(cfg.family)
    fam.check_training(grounding=True)
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.01)
    step, tensors = resume(out, opt)
    best, spent = -1.0, 0.0
    if tensors is not None:
        model.load_state_dict(tensors["model"])
        state = json.loads((out / "checkpoint" / "state.json").read_text())
        best, spent = float(state.get("best", -1.0)), float(state.get("wall_s", 0.0))
    pre = cfg.grounding["pretrain_steps"]
    total = pre + cfg.max_steps
    t0 = time.time() - spent
    bar = tqdm(range(step, total), initial=step, total=total, disable=quiet, desc=f"train pixelcnn {cfg.family}")
    for step in bar:
        rng, _ = step_seeds(cfg.seed, step)
        if step < pre:
            opt.param_groups[0]["lr"] = cfg.grounding["learning_rate"] * min(1.0, (step + 1) / 50)
        else:
            opt.param_groups[0]["lr"] = warmup_cosine(cfg, step - pre)
        prompts, scenes, x = make_batch(cfg, rng, cfg.batch_size, render=step >= pre)
        hidden, mask = model.read(prompts)
        batch = model.words.tokenize(prompts)
        loss_ground = grounding_loss(model.words.grounding, hidden,
                                     grounding_labels(fam, model.words.tokenizer, batch, scenes), fam.grounding_classes)
        logs = {"grounding": loss_ground.item(), "pixels": float("nan")}  # one set of columns from the first row
        if step < pre:
            loss = loss_ground
        else:
            target = model.snap(x)
            snapped = model.colours[target].permute(0, 3, 1, 2)
            logits = model.logits(snapped, model.conditioning(hidden, mask))
            weight = salient_weight(cfg, snapped)[:, 0]
            loss_pixels = (F.cross_entropy(logits, target, reduction="none") * weight).mean() / weight.mean()
            loss = loss_pixels + cfg.grounding["weight"] * loss_ground
            logs["pixels"] = loss_pixels.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        done = step + 1
        if done % cfg.log_every == 0:
            bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
            append_csv(out / "log.csv", {"step": done, **logs, "wall_s": round(time.time() - t0, 1)})
        trained = done - pre
        if trained > 0 and (trained % cfg.eval_every == 0 or done == total):
            best = keep_if_best(cfg, out, model, validate_backbone(cfg, model, cfg.eval_scenes, **cfg.sampling), best, done, trained, t0)
        if trained > 0 and (trained % cfg.checkpoint_every == 0 or done == total):
            save_state(out / "checkpoint", done, {"model": model.state_dict()}, opt,
                       {"family": cfg.family, "best": best, "wall_s": round(time.time() - t0, 1)})
    return out / "best"


def main(argv=None):
    ap = arguments(__doc__.splitlines()[0], "pixelcnn")
    return run_cli(PixelCNNConfig, "pixelcnn", train, argv, ap=ap)


if __name__ == "__main__":
    raise SystemExit(main())
