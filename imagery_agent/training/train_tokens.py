"""Train DALL-E or a VQ-VAE with its prior: `python -m imagery_agent.training.train_tokens --family islands --backbone dalle|vqvae --out DIR`.

Two stages, as in the papers, in one resumable loop:
1. `tokenizer_steps`: the image tokenizer learns to turn fresh renders into a grid of codes and
   back (dalle: Gumbel-softmax with its temperature annealed and a KL term to the uniform prior;
   vqvae: nearest codes, straight-through, codebook and commitment losses). At its end the
   round trip render -> tokens -> picture is scored on validation scenes: the ceiling of stage 2.
2. `max_steps`: with the tokenizer frozen, the transformer learns the stream of text tokens then
   image tokens. Every `eval_every` steps the whole backbone imagines validation scenes and the
   best is kept (`best/`), which is what gets shipped.
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

from ..backbones.dalle import DallE, VQVAEPrior
from ..backbones.generative import to_uint8
from ..backbones.image_tokens import gumbel_temperature
from ..scenes import get_family
from ..scenes.corpus import build_corpus
from .common import (TrainConfig, append_csv, arguments, keep_if_best, resume, run_cli, save_state, start_run,
                     step_seeds, validate_backbone, warm_start, warmup_cosine)
from .train import salient_weight
from .train_onepass import make_batch, weighted_l1

MODELS = {"dalle": DallE, "vqvae": VQVAEPrior}


@dataclass(kw_only=True)
class TokensConfig(TrainConfig):
    backbone: str                       # dalle | vqvae
    image_size: int
    model: dict                         # text_length, codebook_size, code_dim, channels, layers, heads, hidden
    tokenizer_steps: int
    tokenizer_learning_rate: float = 1e-3
    kl_weight: float = 1e-3             # dalle: KL(encoder || uniform prior) per cell
    commitment: float = 0.25            # vqvae
    restart_every: int = 0              # vqvae: move codes unused for this many steps onto encoder outputs (0: never)
    text_weight: float = 0.125          # DALL-E's weight of the text tokens' loss
    salient_weight: float = 4.0
    sampling: dict = field(default_factory=lambda: {"top_k": 32})  # how validation imagines
    weights: str | None = None
    training_minutes: float | None = None

    MODEL_FIELDS = ("family", "backbone", "image_size", "model")

    def check(self, where: str = "config") -> None:
        super().check(where)
        if self.backbone not in MODELS:
            raise ValueError(f"{where}: backbone must be one of {', '.join(MODELS)}, got {self.backbone!r}")
        if not isinstance(self.restart_every, int) or isinstance(self.restart_every, bool) or self.restart_every < 0:
            raise ValueError(f"{where}: restart_every must be a whole number >= 0, got {self.restart_every!r}")
        if self.restart_every and self.backbone != "vqvae":
            raise ValueError(f"{where}: restart_every restarts a VQ-VAE's dead codes; {self.backbone} has none")
        if not isinstance(self.tokenizer_steps, int) or isinstance(self.tokenizer_steps, bool) or self.tokenizer_steps < 0:
            raise ValueError(f"{where}: tokenizer_steps must be a whole number >= 0 (0: the tokenizer comes from "
                             f"--init-from), got {self.tokenizer_steps!r}")


def build_model(cfg: TokensConfig):
    fam = get_family(cfg.family)
    return MODELS[cfg.backbone](family=cfg.family, vocabulary=sorted(fam.vocabulary()), image_size=cfg.image_size,
                                **cfg.model)


@torch.no_grad()
def tokenizer_round_trip(cfg: TokensConfig, model, n: int) -> dict:
    """Validation renders -> tokens -> pictures, scored: what the prior can reach at best."""
    fam = get_family(cfg.family)
    examples = build_corpus(cfg.family, n, seed=12345, split="val")
    x = torch.from_numpy(np.stack([fam.render(e.scene, cfg.image_size) for e in examples])).permute(0, 3, 1, 2)
    x = x.float() / 127.5 - 1
    model.eval()
    pictures = to_uint8(model.image_tokens.decode_tokens(model.image_tokens.tokenize(x)))
    model.train()
    scores = [fam.score_image(im, e.scene) for im, e in zip(pictures, examples)]
    return {f"round_trip_{k}": v for k, v in fam.summarise_scores(scores).items() if not isinstance(v, dict)}


def train(cfg: TokensConfig, out: Path, quiet: bool = False, init_from: str | None = None) -> Path:
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg)
    tok, prior = model.image_tokens, model.transformer
    opt = torch.optim.AdamW([{"params": list(tok.parameters()), "lr": cfg.tokenizer_learning_rate},
                             {"params": list(prior.parameters()), "lr": cfg.learning_rate}],
                            betas=(0.9, 0.95), weight_decay=0.01)
    step, tensors = resume(out, opt)
    best, spent = -1.0, 0.0
    if tensors is None and init_from is not None:
        warm_start(model, Path(init_from))
    if tensors is not None:
        model.load_state_dict(tensors["model"])
        state = json.loads((out / "checkpoint" / "state.json").read_text())
        best, spent = float(state.get("best", -1.0)), float(state.get("wall_s", 0.0))
    pre, total = cfg.tokenizer_steps, cfg.tokenizer_steps + cfg.max_steps
    used = torch.zeros(tok.codebook_size, dtype=torch.bool)  # vqvae: codes chosen since the last restart
    t0 = time.time() - spent
    bar = tqdm(range(step, total), initial=step, total=total, disable=quiet, desc=f"train {cfg.backbone} {cfg.family}")
    for step in bar:
        rng, gen = step_seeds(cfg.seed, step)
        prompts, _, x = make_batch(cfg, rng, cfg.batch_size)
        logs = {}
        if step < pre:  # stage 1: the image tokenizer
            lr_scale = warmup_cosine(cfg.replace(max_steps=pre, learning_rate=1.0), step)
            opt.param_groups[0]["lr"], opt.param_groups[1]["lr"] = cfg.tokenizer_learning_rate * lr_scale, 0.0
            weight = salient_weight(cfg, x)
            if cfg.backbone == "dalle":
                tau = gumbel_temperature(step, pre)
                recon, kl = tok(x, tau, gen)
                extra = cfg.kl_weight * kl
                logs.update(temperature=tau, kl=kl.item())
            else:
                recon, extra, tokens = tok(x, cfg.commitment)
                used[tokens.flatten()] = True
                logs.update(vq=extra.item(), codes_used=int(used.sum()), codes_restarted=0)
            rec = weighted_l1(recon, x, weight) + F.mse_loss(recon, x)
            loss = rec + extra
            logs["reconstruction"] = rec.item()
        else:  # stage 2: the transformer prior over text then image tokens
            opt.param_groups[0]["lr"] = 0.0
            opt.param_groups[1]["lr"] = warmup_cosine(cfg, step - pre)
            with torch.no_grad():
                tok.eval()
                tokens = tok.tokenize(x)
            loss, image_loss = model.loss(prompts, tokens, cfg.text_weight)
            logs["image_tokens"] = image_loss.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        done = step + 1
        if cfg.backbone == "vqvae" and cfg.restart_every and done < pre and done % cfg.restart_every == 0:
            logs["codes_restarted"] = tok.restart_dead_codes(x, used, gen)
            used[:] = False
        if done % cfg.log_every == 0:
            bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
            append_csv(out / f"log_stage{1 if step < pre else 2}.csv",
                       {"step": done, **logs, "wall_s": round(time.time() - t0, 1)})
        if done < pre and done % cfg.eval_every == 0:  # the tokenizer's curve
            m = tokenizer_round_trip(cfg, model, cfg.eval_scenes)
            append_csv(out / "metrics_stage1.csv", {"step": done, "wall_s": round(time.time() - t0, 1), **m})
            print(json.dumps({"step": done, **m}), flush=True)
        if done == pre:
            m = tokenizer_round_trip(cfg, model, cfg.eval_scenes)
            (out / "tokenizer_eval.json").write_text(json.dumps(m, indent=1))
            print(json.dumps({"step": done, **m}), flush=True)
        trained = done - pre
        if trained > 0 and (trained % cfg.eval_every == 0 or done == total):
            best = keep_if_best(cfg, out, model, validate_backbone(cfg, model, cfg.eval_scenes, **cfg.sampling), best, done, trained, t0)
        if done % cfg.checkpoint_every == 0 or done == total or done == pre:
            save_state(out / "checkpoint", done, {"model": model.state_dict()}, opt,
                       {"family": cfg.family, "best": best, "wall_s": round(time.time() - t0, 1)})
    return out / "best"


def main(argv=None):
    ap = arguments(__doc__.splitlines()[0], "BACKBONE")
    ap.add_argument("--backbone", required=True, choices=list(MODELS))
    ap.add_argument("--init-from", dest="init_from", help="start from another run's (or a saved backbone's) weights")
    args, _ = ap.parse_known_args(argv)
    return run_cli(TokensConfig, args.backbone, train, argv, ap=ap, overrides=("backbone",), passthrough=("init_from",))


if __name__ == "__main__":
    raise SystemExit(main())
