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
from ..perception.joint_embedding import MENTION, JointEmbedding
from ..scenes import get_family
from ..scenes.corpus import build_corpus, is_heldout, sample_split
from . import cli
from .checkpoint import load_state, save_state
from .train import _append_csv
from .train_captioner import learning_rate


def twin(family: str, scene, rng: np.random.Generator):
    """The scene with one object moved elsewhere (islands), still in the training split; None if
    the family has no twin maker or no such move was found."""
    if family != "islands":
        return None
    from ..scenes.islands import MAX_POS, MIN_POS, IslandMap, Landmark
    from ..scenes.errors import SceneError
    for _ in range(20):
        marks = list(scene.landmarks)
        i = int(rng.integers(len(marks)))
        x, y = (int(v) for v in rng.integers(MIN_POS, MAX_POS + 1, size=2))
        marks[i] = Landmark(marks[i].name, x, y)
        try:
            new = IslandMap(tuple(marks))
        except SceneError:
            continue
        if new != scene and not is_heldout(family, new):
            return new
    return None


def make_batch(cfg, rng):
    fam = get_family(cfg["family"])
    scenes = [sample_split(cfg["family"], rng, "train") for _ in range(cfg["batch_size"])]
    n_twins = int(cfg.get("twin_fraction", 0) * len(scenes))
    scenes += [t for t in (twin(cfg["family"], s, rng) for s in scenes[:n_twins]) if t is not None]
    texts = [fam.describe(s, rng) for s in scenes]
    images = [fam.render(s, cfg["image_size"]) for s in scenes]
    return scenes, texts, images


def object_names(family: str, scene) -> set[str]:
    names = getattr(scene, "names", None)  # islands keep their names; other families via the graph
    return set(names) if names is not None else set(get_family(family).to_graph(scene).nodes)


@torch.no_grad()
def evaluate_renders(clip: JointEmbedding, family: str, n: int) -> dict:
    fam = get_family(family)
    examples = build_corpus(family, n, seed=2024, split="heldout")
    clip.model.eval()
    img = clip.encode_images([fam.render(e.scene, clip.image_size) for e in examples])
    txt = clip.encode_texts([e.text for e in examples])
    clip.model.train()
    return {"r_precision_renders": r_precision(img, txt)}


def train(cfg: dict, out: Path, quiet: bool = False) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg, indent=1))
    torch.manual_seed(cfg["seed"])
    clip = JointEmbedding.from_config(cfg, out)
    model = clip.model.train()
    mention_bias = torch.nn.Parameter(torch.tensor(-5.0))
    opt = torch.optim.AdamW(list(model.parameters()) + [mention_bias], lr=cfg["learning_rate"], weight_decay=0.05)
    contrastive = open_clip.ClipLoss()
    family = cfg["family"]
    mention = MENTION.get(family) if cfg.get("mention_weight", 0) else None
    names = sorted(get_family(family).LANDMARKS) if mention else []
    step, ckpt = 0, out / "checkpoint"
    if (ckpt / "state.json").exists():
        step, tensors, _ = load_state(ckpt, opt)
        model.load_state_dict(tensors["model"])
        mention_bias.data.copy_(tensors["extra"]["mention_bias"])
        print(f"resumed from step {step}")
    mention_ids = clip.tokens([mention.format(name=n) for n in names]) if mention else None
    t_start = time.time()
    bar = tqdm(range(step, cfg["max_steps"]), initial=step, total=cfg["max_steps"], disable=quiet,
               desc=f"clip {family}")
    for step in bar:
        rng = np.random.default_rng([cfg["seed"], step])
        gen = torch.Generator().manual_seed(cfg["seed"] * 1_000_003 + step)
        for g in opt.param_groups:
            g["lr"] = learning_rate(cfg, step)
        scenes, texts, images = make_batch(cfg, rng)
        x = augment(to_pixel_values(images, cfg["image_size"]), gen, cfg.get("augment", 0))
        img = clip.image_features(x)
        txt = clip.text_features(clip.tokens(texts))
        loss_clip = contrastive(img, txt, model.logit_scale.exp())
        loss_mention = torch.zeros(())
        if mention:
            present = [object_names(family, s) for s in scenes]
            held = torch.tensor([[n in p for n in names] for p in present], dtype=torch.float32)
            logits = model.logit_scale.exp() * img @ clip.text_features(mention_ids).T + mention_bias
            loss_mention = F.binary_cross_entropy_with_logits(logits, held)
        loss = loss_clip + cfg.get("mention_weight", 0) * loss_mention
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, np.log(100))
        done = step + 1
        if done % cfg["log_every"] == 0:
            bar.set_postfix(clip=f"{loss_clip.item():.3f}", mention=f"{loss_mention.item():.3f}")
            _append_csv(out / "log.csv", {"step": done, "loss_clip": loss_clip.item(),
                                          "loss_mention": loss_mention.item(), "wall_s": round(time.time() - t_start, 1)})
        if done % cfg["eval_every"] == 0 or done == cfg["max_steps"]:
            m = evaluate_renders(clip, family, cfg["eval_scenes"])
            _append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **m})
            print(json.dumps({"step": done, **m}), flush=True)
        if done % cfg["checkpoint_every"] == 0 or done == cfg["max_steps"]:
            save_state(ckpt, done, {"model": model.state_dict(), "extra": {"mention_bias": mention_bias.detach()}},
                       opt, {"family": family})
    model.eval()
    clip.mention_bias = float(mention_bias.detach()) if mention else None
    return clip.save_pretrained(out / "clip", {**cfg, "trained_steps": cfg["max_steps"]})


def main(argv=None):
    cli.main("clip", train, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
