"""Train a family's joint embedding: `python -m imagery_agent.training.train_clip --family islands --out DIR`.

Contrastive training (CLIP's symmetric loss, from open_clip) on (description, render) pairs drawn
fresh each step from the training split. Two additions make it useful for imagery rather than
for telling unrelated scenes apart: *twins* (a copy of a scene with one object moved, in the same
batch) force it to read positions, and *mentions* ('There is a hut.') are scored against every
image of the batch with a per-pair sigmoid loss (SigLIP's), the exact multi-label truth of which
images contain the object, so that it can name what an image holds. Every `eval_every` steps it
logs the R-precision of held-out renders. Interrupted runs resume; the model is saved to DIR/clip.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..metrics.retrieval import r_precision
from ..perception.images import augment, to_pixel_values
from ..perception.joint_embedding import JointEmbedding
from ..scenes import get_family
from ..scenes.corpus import build_corpus
from .common import ClipConfig, append_csv, arguments, resume, run_cli, save_state, start_run, step_seeds, warmup_cosine


def twins(family, scenes, rng: np.random.Generator, tries: int = 20) -> list:
    """For each scene, a twin (the family's hook: the scene with one object moved) that is still
    a training-split scene; scenes for which none turns up in `tries` draws have none."""
    fam = get_family(family)
    if fam.twin is None:
        return []
    out = []
    for s in scenes:
        for _ in range(tries):
            t = fam.twin(s, rng)
            if t is not None and not fam.is_heldout(t):
                out.append(t)
                break
    return out


def make_batch(cfg: ClipConfig, rng):
    fam = get_family(cfg.family)
    scenes = [fam.sample_split(rng, "train") for _ in range(cfg.batch_size)]
    scenes += twins(fam, scenes[:int(cfg.twin_fraction * len(scenes))], rng)
    texts = [fam.describe(s, rng) for s in scenes]
    images = [fam.render(s, cfg.image_size) for s in scenes]
    return scenes, texts, images


@torch.no_grad()
def evaluate_renders(clip: JointEmbedding, family: str, n: int) -> dict:
    fam = get_family(family)
    examples = build_corpus(family, n, seed=2024, split="val")  # decisions on val; reports on heldout
    clip.model.eval()
    img = clip.encode_images([fam.render(e.scene, clip.image_size) for e in examples])
    txt = clip.encode_texts([e.text for e in examples])
    clip.model.train()
    return {"r_precision_renders": r_precision(img, txt)}


def train(cfg: ClipConfig, out: Path, quiet: bool = False) -> Path:
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    fam = get_family(cfg.family)
    clip = JointEmbedding.from_config(cfg, out)
    model = clip.model.train()
    mention_bias = torch.nn.Parameter(torch.tensor(-5.0))
    opt = torch.optim.AdamW(list(model.parameters()) + [mention_bias], lr=cfg.learning_rate, weight_decay=0.05)
    contrastive = open_clip.ClipLoss()
    mention = fam.mention if cfg.mention_weight and fam.nameable else None
    names = sorted(fam.nameable) if mention else []
    step, tensors = resume(out, opt)
    if tensors is not None:
        model.load_state_dict(tensors["model"])
        mention_bias.data.copy_(tensors["extra"]["mention_bias"])
    mention_ids = clip.tokens([mention.format(name=n) for n in names]) if mention else None
    t_start = time.time()
    bar = tqdm(range(step, cfg.max_steps), initial=step, total=cfg.max_steps, disable=quiet,
               desc=f"clip {cfg.family}")
    for step in bar:
        rng, gen = step_seeds(cfg.seed, step)
        for g in opt.param_groups:
            g["lr"] = warmup_cosine(cfg, step)
        scenes, texts, images = make_batch(cfg, rng)
        x = augment(to_pixel_values(images, cfg.image_size), gen, cfg.augment)
        img = clip.image_features(x)
        txt = clip.text_features(clip.tokens(texts))
        loss_clip = contrastive(img, txt, model.logit_scale.exp())
        loss_mention = torch.zeros(())
        if mention:
            present = [set(fam.object_names(s)) for s in scenes]
            held = torch.tensor([[n in p for n in names] for p in present], dtype=torch.float32)
            logits = model.logit_scale.exp() * img @ clip.text_features(mention_ids).T + mention_bias
            loss_mention = F.binary_cross_entropy_with_logits(logits, held)
        loss = loss_clip + cfg.mention_weight * loss_mention
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, np.log(100))
        done = step + 1
        if done % cfg.log_every == 0:
            bar.set_postfix(clip=f"{loss_clip.item():.3f}", mention=f"{loss_mention.item():.3f}")
            append_csv(out / "log.csv", {"step": done, "loss_clip": loss_clip.item(),
                                         "loss_mention": loss_mention.item(), "wall_s": round(time.time() - t_start, 1)})
        if done % cfg.eval_every == 0 or done == cfg.max_steps:
            m = evaluate_renders(clip, cfg.family, cfg.eval_scenes)
            append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **m})
            print(json.dumps({"step": done, **m}), flush=True)
        if done % cfg.checkpoint_every == 0 or done == cfg.max_steps:
            save_state(out / "checkpoint", done, {"model": model.state_dict(),
                                                  "extra": {"mention_bias": mention_bias.detach()}},
                       opt, {"family": cfg.family})
    model.eval()
    clip.mention_bias = float(mention_bias.detach()) if mention else None
    return clip.save_pretrained(out / "clip", cfg.replace(trained_steps=cfg.max_steps))


def main(argv=None):
    return run_cli(ClipConfig, "clip", train, argv, ap=arguments(__doc__.splitlines()[0], "clip"))


if __name__ == "__main__":
    raise SystemExit(main())
