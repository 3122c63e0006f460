"""Train the 3-D code of cube figures: `python -m imagery_agent.training.train_model3d --family figures --out DIR`.

Fresh training-split cube figures every step (each figure's held-out quarter of the circle is
never seen), said in the canonical wording or with a random paraphrase. The model learns which
grid cells the figure's cubes fill (binary cross-entropy per cell; a mirror-reversed figure fills
the mirrored cells) and its pose (angle, axis, projection: cross-entropy). Every `eval_every`
steps: figures drawn right on validation figures (projected and scored by the family's scorer,
as a picture would be). Interrupted runs resume; the model is saved to DIR/model3d.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..backbones.model3d import AXES, PROJECTIONS, FigureModel3D, Model3DImaginer, save_model3d, target_occupancy
from ..scenes import get_family
from ..scenes.corpus import build_corpus
from ..scenes.figures import ANGLE_STEP
from .common import (TrainConfig, append_csv, arguments, resume, run_cli, save_state, scalars, start_run, step_seeds,
                     warmup_cosine)

KINDS = ("cube",)


@dataclass(kw_only=True)
class Model3DConfig(TrainConfig):
    hidden: int = 64
    layers: int = 2
    heads: int = 4
    max_length: int = 64
    canonical_fraction: float = 0.5     # texts in the canonical wording (what the imaginer reads); the rest paraphrased

    MODEL_FIELDS = ("family", "hidden", "layers", "heads", "max_length")


def make_batch(cfg: Model3DConfig, rng, tokenizer):
    fam = get_family(cfg.family)
    figs = [fam.sample_split(rng, "train", kinds=KINDS) for _ in range(cfg.batch_size)]
    texts = [fam.prompt(f) if rng.random() < cfg.canonical_fraction else fam.describe(f, rng) for f in figs]
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    targets = {"occupancy": torch.from_numpy(np.stack([target_occupancy(f) for f in figs])),
               "angle": torch.tensor([f.angle // ANGLE_STEP for f in figs]),
               "axis": torch.tensor([AXES.index(f.axis) for f in figs]),
               "projection": torch.tensor([PROJECTIONS.index(f.projection) for f in figs])}
    return batch, targets


def loss_of(out: dict, targets: dict) -> torch.Tensor:
    """Cross-entropy of every cell (summed over the grid: each cell is a fact of its own) and of the pose."""
    cells = F.binary_cross_entropy_with_logits(out["occupancy"], targets["occupancy"], reduction="sum")
    return (cells / len(targets["angle"])
            + sum(F.cross_entropy(out[k], targets[k]) for k in ("angle", "axis", "projection")))


def evaluate(model: FigureModel3D, family: str, n: int, split: str = "val", seed: int = 12345) -> dict:
    """Figures drawn right (the family's scorer on the projections) on `split` cube figures."""
    from ..evaluate import score_images
    imaginer = Model3DImaginer(model)
    return score_images(imaginer, build_corpus(family, n, seed=seed, split=split, kinds=KINDS))


def train(cfg: Model3DConfig, out: Path, quiet: bool = False) -> Path:
    fam = get_family(cfg.family)
    if cfg.family != "figures":
        raise ValueError("the 3-D code is for the figures family (cube figures)")
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    model = FigureModel3D(sorted(fam.vocabulary()), cfg.hidden, cfg.layers, cfg.heads, cfg.max_length)
    tokenizer = model.tokenizer()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.01)
    step, tensors = resume(out, opt)
    if tensors is not None:
        model.load_state_dict(tensors["model"])
    t_start = time.time()
    for step in tqdm(range(step, cfg.max_steps), initial=step, total=cfg.max_steps, disable=quiet, desc="train 3-D code"):
        rng, _ = step_seeds(cfg.seed, step)
        for g in opt.param_groups:
            g["lr"] = warmup_cosine(cfg, step)
        model.train()
        batch, targets = make_batch(cfg, rng, tokenizer)
        loss = loss_of(model(batch["input_ids"], batch["attention_mask"]), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        done = step + 1
        if done % cfg.log_every == 0:
            append_csv(out / "log.csv", {"step": done, "loss": loss.item(), "wall_s": round(time.time() - t_start, 1)})
        if done % cfg.eval_every == 0 or done == cfg.max_steps:
            m = evaluate(model, cfg.family, cfg.eval_scenes)
            append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **scalars(m)})
            if not quiet:
                tqdm.write(f"step {done}: loss {loss.item():.4f}, val figures right {m['object_accuracy']:.3f}")
        if done % cfg.checkpoint_every == 0 or done == cfg.max_steps:
            save_state(out / "checkpoint", done, {"model": model.state_dict()}, opt, {"family": cfg.family})
    return save_model3d(model, out / "model3d", cfg.to_dict())


def main(argv=None):
    ap = arguments(__doc__.splitlines()[0], "model3d")
    return run_cli(Model3DConfig, "model3d", train, argv, ap=ap)


if __name__ == "__main__":
    raise SystemExit(main())
