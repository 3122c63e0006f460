"""Train a one-pass backbone: `python -m imagery_agent.training.train_onepass --family islands --backbone vae|gan --out DIR`.

The whole loop is here. Data are drawn fresh every step from the family's training split and
said in the canonical wording the imaginer draws from. As for the diffusion backbone, the word
reader first learns alone to read each object's facts (its grounding head, `pretrain_steps`),
then the decoder trains with it:
- vae: reconstruction (L1, salient pixels weighted up) + `kl_weight` x KL(posterior || prior);
- gan: the hinge loss of a projection discriminator that also sees real pictures with the wrong
  words (a matching-aware critic, Reed et al. 2016) + `reconstruction_weight` x L1.
The exponential moving average is evaluated on validation scenes every `eval_every` steps and the
best one is kept (`best/`); that is what gets shipped. Interrupted runs resume.
"""
from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..backbones.generative import pooled
from ..backbones.onepass import ConditionalVAE, ProjectionDiscriminator, TextConditionalGAN
from ..scenes import get_family
from .common import (EMA, TrainConfig, append_csv, arguments, keep_if_best, resume, run_cli, save_state, start_run,
                     step_seeds, validate_backbone, warm_start, warmup_cosine)
from .train import grounding_labels, grounding_loss, salient_weight

MODELS = {"vae": ConditionalVAE, "gan": TextConditionalGAN}


@dataclass(kw_only=True)
class OnePassConfig(TrainConfig):
    backbone: str                       # vae | gan
    image_size: int
    model: dict                         # the model's own settings (hidden, layers, latent_dim, grid, channels, ...)
    grounding: dict = field(default_factory=lambda: {"weight": 0.5, "pretrain_steps": 150, "learning_rate": 1e-3})
    salient_weight: float = 4.0
    kl_weight: float = 1.0              # vae
    reconstruction_weight: float = 10.0  # gan: L1 beside the adversarial loss
    discriminator: dict = field(default_factory=lambda: {"channels": [64, 128, 128], "learning_rate": 2e-4})
    ema_decay: float = 0.995
    weights: str | None = None          # written at export: which evaluation chose them
    training_minutes: float | None = None  # written at export: wall time to the shipped weights

    MODEL_FIELDS = ("family", "backbone", "image_size", "model")

    def check(self, where: str = "config") -> None:
        super().check(where)
        if self.backbone not in MODELS:
            raise ValueError(f"{where}: backbone must be one of {', '.join(MODELS)}, got {self.backbone!r}")


def build_model(cfg: OnePassConfig):
    fam = get_family(cfg.family)
    return MODELS[cfg.backbone](family=cfg.family, vocabulary=sorted(fam.vocabulary()), image_size=cfg.image_size,
                                grounding_classes=list(fam.grounding_classes), **cfg.model)


def make_batch(cfg: OnePassConfig, rng, n: int, render: bool = True):
    """(prompts, scenes, images in [-1, 1]) of fresh training-split scenes, in canonical wording."""
    fam = get_family(cfg.family)
    scenes = [fam.sample_split(rng, "train", **cfg.train_sample) for _ in range(n)]
    prompts = [fam.prompt(s) for s in scenes]
    if not render:
        return prompts, scenes, None
    images = np.stack([fam.render(s, cfg.image_size) for s in scenes])
    return prompts, scenes, torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1


def weighted_l1(pred, x, weight):
    return ((pred - x).abs() * weight).mean() / weight.mean()


def train(cfg: OnePassConfig, out: Path, quiet: bool = False, init_from: str | None = None) -> Path:
    fam = get_family(cfg.family)
    fam.check_training(grounding=True, frames=False)
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg)
    gan = cfg.backbone == "gan"
    disc = ProjectionDiscriminator(model.config.hidden, tuple(cfg.discriminator["channels"])) if gan else None
    groups = [{"params": list(model.parameters()), "lr": cfg.learning_rate}]
    if gan:
        groups.append({"params": list(disc.parameters()), "lr": cfg.discriminator["learning_rate"]})
    opt = torch.optim.AdamW(groups, betas=(0.5, 0.999) if gan else (0.9, 0.999), weight_decay=0.01)
    base = [g["lr"] for g in opt.param_groups]
    step, tensors = resume(out, opt)
    if tensors is None and init_from is not None:
        warm_start(model, Path(init_from))
    best, spent = -1.0, 0.0
    if tensors is not None:
        model.load_state_dict(tensors["model"])
        if gan:
            disc.load_state_dict(tensors["discriminator"])
        state = json.loads((out / "checkpoint" / "state.json").read_text())
        best, spent = float(state.get("best", -1.0)), float(state.get("wall_s", 0.0))
    ema = EMA(tensors["ema"] if tensors else model.state_dict())
    shadow = copy.deepcopy(model)
    classes = fam.grounding_classes
    pre = cfg.grounding["pretrain_steps"]
    total = pre + cfg.max_steps
    t0 = time.time() - spent
    bar = tqdm(range(step, total), initial=step, total=total, disable=quiet, desc=f"train {cfg.backbone} {cfg.family}")
    for step in bar:
        rng, gen = step_seeds(cfg.seed, step)
        scale = warmup_cosine(cfg, max(0, step - pre)) / cfg.learning_rate
        for g, lr in zip(opt.param_groups, base):
            g["lr"] = lr * scale
        if step < pre:  # the word reader learns to read places alone first, faster
            opt.param_groups[0]["lr"] = cfg.grounding["learning_rate"] * min(1.0, (step + 1) / 50)
        prompts, scenes, x = make_batch(cfg, rng, cfg.batch_size, render=step >= pre)
        batch = model.words.tokenize(prompts)
        hidden = model.words(batch["input_ids"], batch["attention_mask"])
        mask, embedded, roles = batch["attention_mask"], model.embedded(batch["input_ids"]), model.roles(batch["input_ids"])
        labels = grounding_labels(fam, model.words.tokenizer, batch, scenes)
        asked = cfg.grounding.get("facts", len(classes))  # with leaf words, only the first facts (where) are asked
        loss_ground = grounding_loss(model.words.grounding, hidden, labels[..., :asked], classes[:asked])
        logs = {"loss_grounding": loss_ground.item(), "loss_reconstruction": float("nan"),  # one set of columns
                **({"loss_discriminator": float("nan"), "loss_adversarial": float("nan")} if gan else
                   {"loss_kl": float("nan")})}
        if step < pre:
            loss = loss_ground
        else:
            weight = salient_weight(cfg, x)
            if gan:  # the critic's turn: real with its words, real with wrong words, and the generator's picture
                z = torch.randn(x.shape[0], model.config.latent_dim, generator=gen)
                fake = model.decode(hidden, mask, z, embedded, roles)
                words_vec = pooled(hidden, mask).detach()
                d_loss = (F.relu(1 - disc(x, words_vec)).mean() + 0.5 * F.relu(1 + disc(x, words_vec.roll(1, 0))).mean()
                          + 0.5 * F.relu(1 + disc(fake.detach(), words_vec)).mean())
                opt.zero_grad(set_to_none=True)
                d_loss.backward()
                opt.step()
                disc.requires_grad_(False)
                loss_adv = -disc(fake, words_vec).mean()
                disc.requires_grad_(True)
                loss_rec = weighted_l1(fake, x, weight)
                loss = loss_adv + cfg.reconstruction_weight * loss_rec
                logs.update(loss_discriminator=d_loss.item(), loss_adversarial=loss_adv.item())
            else:
                mean, logvar = model.encode(x, hidden, mask)
                z = mean + torch.randn(mean.shape, generator=gen) * (0.5 * logvar).exp()
                recon = model.decode(hidden, mask, z, embedded, roles)
                loss_rec = weighted_l1(recon, x, weight)
                kl = -0.5 * (1 + logvar - mean ** 2 - logvar.exp()).sum(1).mean() / x[0].numel()
                loss = loss_rec + cfg.kl_weight * kl
                logs["loss_kl"] = kl.item()
            loss = loss + cfg.grounding["weight"] * loss_ground
            logs["loss_reconstruction"] = loss_rec.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if gan:
            for p in disc.parameters():
                p.grad = None  # the generator's step leaves the critic alone
        opt.step()
        ema.update(model.state_dict(), cfg.ema_decay if step - pre > 100 else 0.0)
        done = step + 1
        if done % cfg.log_every == 0:
            bar.set_postfix({k.replace("loss_", ""): f"{v:.4f}" for k, v in logs.items()})
            append_csv(out / "log.csv", {"step": done, **logs, "wall_s": round(time.time() - t0, 1)})
        trained = done - pre
        if trained > 0 and (trained % cfg.eval_every == 0 or done == total):
            shadow.load_state_dict(ema.state)
            best = keep_if_best(cfg, out, shadow, validate_backbone(cfg, shadow, cfg.eval_scenes), best, done, trained, t0,
                                "ema, best validation")
        if trained > 0 and (trained % cfg.checkpoint_every == 0 or done == total):
            tensors = {"model": model.state_dict(), "ema": ema.state}
            if gan:
                tensors["discriminator"] = disc.state_dict()
            save_state(out / "checkpoint", done, tensors, opt,
                       {"family": cfg.family, "best": best, "wall_s": round(time.time() - t0, 1)})
    return out / "best"


def main(argv=None):
    ap = arguments(__doc__.splitlines()[0], "BACKBONE")
    ap.add_argument("--backbone", required=True, choices=list(MODELS))
    ap.add_argument("--init-from", dest="init_from", help="start from another run's (or a saved backbone's) weights")
    args, _ = ap.parse_known_args(argv)
    return run_cli(OnePassConfig, args.backbone, train, argv, ap=ap, overrides=("backbone",), passthrough=("init_from",))


if __name__ == "__main__":
    raise SystemExit(main())
