"""Train a family's text-to-image backbone: `python -m imagery_agent.training.train --family islands --out DIR`.

The whole loop is here to read in one sitting. Data are drawn fresh every step from the family's
training split (scenes with no held-out combination), described with random paraphrases and
rendered. For islands, the text encoder first learns to read each landmark's column and row
(a grounding head on the landmark's token), so the UNet's cross-attention has positions to match;
for figures it learns to read the figure's identity, angle and handedness the same way.
Runs on CPU or GPU; `accelerate launch` spreads it over several GPUs. Interrupted runs resume.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from accelerate import Accelerator
from tqdm.auto import tqdm

from ..backbones.models import build_pipeline, build_train_scheduler
from ..backbones.pipeline import denoise, encode_tokens, sentence_ids, tokenize_prompts
from ..scenes import get_family
from ..scenes.corpus import build_corpus, sample_split
from .checkpoint import load_state, save_state

CONFIG_DIR = Path(__file__).parent / "configs"


def load_config(family: str, path: str | None = None, **overrides) -> dict:
    cfg = json.loads(Path(path or CONFIG_DIR / f"{family}.json").read_text())
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    return cfg


def make_batch(cfg, rng, n, render=True):
    """Fresh (texts, scenes, images in [-1, 1]) from the training split."""
    fam = get_family(cfg["family"])
    scenes = [sample_split(cfg["family"], rng, "train") for _ in range(n)]
    texts = [fam.describe(s, rng) for s in scenes]
    if not render:
        return texts, scenes, None
    images = np.stack([fam.render(s, cfg["image_size"]) for s in scenes])
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1
    return texts, scenes, x


N_GRID, N_NAMES = 16, 16


def _figure_classes():
    from ..scenes import figures
    idents = [(k, i) for k in figures.KINDS for i in figures.identities(k)]
    return idents, (len(idents), 360 // figures.ANGLE_STEP, 2, 2, 2)


def grounding_classes(family: str) -> tuple[int, ...]:
    """Class counts of the facts the text encoder learns to read off each token: for islands a
    landmark's (column, row, name); for figures the figure's (identity, angle, mirror, axis,
    projection)."""
    if family == "islands":
        return (N_GRID, N_GRID, N_NAMES)
    if family == "figures":
        return _figure_classes()[1]
    raise ValueError(f"no grounding targets for family {family!r}; set \"grounding\": null in its config")


def grounding_labels(cfg, tokenizer, batch, scenes):
    """Per token, the facts of its sentence (-100, ignored, elsewhere). For islands every token
    of a landmark's sentence gets that landmark's (column, row, name): whichever of its tokens
    the UNet attends to, it reads the same place and the same landmark. A figure is one sentence,
    so every token gets the whole figure."""
    ids, real = batch["input_ids"], batch["attention_mask"] > 0
    labels = torch.full(ids.shape + (len(grounding_classes(cfg["family"])),), -100, dtype=torch.long)
    if cfg["family"] == "figures":
        from ..scenes import figures
        idents = _figure_classes()[0]
        for b, f in enumerate(scenes):
            labels[b, real[b]] = torch.tensor([idents.index((f.kind, f.identity)), f.angle // figures.ANGLE_STEP,
                                               int(f.mirror), int(f.axis == "depth"),
                                               int(f.projection == "perspective")])
        return labels
    from ..scenes.islands import LANDMARKS
    sent = sentence_ids(ids, tokenizer, 1 << 30)
    vocab = tokenizer.get_vocab()
    for b, scene in enumerate(scenes):
        for lm in scene.landmarks:
            pos = (ids[b] == vocab[lm.name]).nonzero().flatten()
            for p in pos:
                same = (sent[b] == sent[b, p]) & real[b]
                labels[b, same] = torch.tensor([lm.x, lm.y, LANDMARKS.index(lm.name)])
    return labels


def grounding_loss(head, hidden, labels, classes):
    logits, start, losses = head(hidden), 0, []
    for i, n in enumerate(classes):
        part = logits[..., start:start + n]
        losses.append(F.cross_entropy(part.reshape(-1, n), labels[..., i].reshape(-1), ignore_index=-100))
        start += n
    return sum(losses) / len(losses)


def scene_frames(cfg, scenes):
    """(angles, mirrored) of each figure's frame, for the UNet's coordinate channels; None for
    families drawn in the picture's own frame."""
    if not cfg.get("frames"):
        return None
    from ..scenes.figures import frame
    fr = [frame(f) for f in scenes]
    return torch.tensor([a for a, _ in fr]), torch.tensor([m for _, m in fr])


def frame_loss(logits, frames, texts, mask):
    """The text encoder's frame head, asked on every token of a prompt for the figure's frame
    angle and handedness (dropped, empty prompts are not asked)."""
    from ..backbones.pipeline import N_FRAME_ANGLES
    asked = mask.bool() & torch.tensor([t != "" for t in texts])[:, None]
    if not asked.any():  # every prompt dropped: nothing to ask (and no NaN from an empty mean)
        return logits.sum() * 0
    angle = (frames[0] // (360 // N_FRAME_ANGLES))[:, None].expand_as(mask)[asked]
    mirror = frames[1].long()[:, None].expand_as(mask)[asked]
    return (F.cross_entropy(logits[asked][:, :N_FRAME_ANGLES], angle)
            + F.cross_entropy(logits[asked][:, N_FRAME_ANGLES:N_FRAME_ANGLES + 2], mirror)) / 2


BACKGROUNDS = {"islands": ("LAND", "WATER"), "figures": ((255, 255, 255),)}


def salient_weight(cfg, x):
    """Loss weight per pixel: pixels away from the family's background colours (landmarks,
    strokes) count `salient_weight` times more: small objects and thin strokes carry the
    positions and orientations, and plain MSE would spend the budget on sea, sand and paper."""
    w = cfg.get("salient_weight", 0)
    if not w or cfg["family"] not in BACKGROUNDS:
        return torch.ones_like(x[:, :1])
    from ..scenes import islands
    colours = [getattr(islands, c) if isinstance(c, str) else c for c in BACKGROUNDS[cfg["family"]]]
    rgb = (x + 1) * 127.5
    far = torch.ones_like(x[:, :1], dtype=torch.bool)
    for c in colours:
        far &= (rgb - torch.tensor(c, dtype=rgb.dtype)[None, :, None, None]).pow(2).sum(1, keepdim=True).sqrt() > 40
    return 1 + w * far.float()


@torch.no_grad()
def evaluate_ema(cfg, pipe, ema_unet, ema_text, n):
    """Generate held-out maps with the EMA weights and score them (time-to-quality curve)."""
    from ..evaluate import score_family
    live_u, live_t = pipe.unet.state_dict(), pipe.text_encoder.state_dict()
    saved_u = {k: v.clone() for k, v in live_u.items()}
    saved_t = {k: v.clone() for k, v in live_t.items()}
    pipe.unet.load_state_dict(ema_unet)
    pipe.text_encoder.load_state_dict(ema_text)
    pipe.unet.eval(), pipe.text_encoder.eval()
    try:
        examples = build_corpus(cfg["family"], n, seed=12345, split="heldout")
        return score_family(cfg["family"], pipe, examples, cfg["sampler_steps"], cfg["guidance_scale"], batch=48)
    finally:
        pipe.unet.load_state_dict(saved_u)
        pipe.text_encoder.load_state_dict(saved_t)
        pipe.unet.train(), pipe.text_encoder.train()


def save_sample_grid(cfg, pipe, path):
    from PIL import Image
    fam = get_family(cfg["family"])
    ex = build_corpus(cfg["family"], 8, seed=999, split="heldout")
    gen = pipe([e.text for e in ex], cfg["sampler_steps"], cfg["guidance_scale"],
               generator=torch.Generator().manual_seed(0)).images
    truth = np.stack([fam.render(e.scene, cfg["image_size"]) for e in ex])
    grid = np.concatenate([np.concatenate(list(truth), 1), np.concatenate(list(gen), 1)], 0)
    Image.fromarray(grid).resize((grid.shape[1] * 4, grid.shape[0] * 4), Image.NEAREST).save(path)


def train(cfg: dict, out: Path, quiet: bool = False, init_from: str | None = None) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # several processes and no GPU (torchrun / `accelerate launch --multi_gpu` on CPUs): data-parallel
    # over gloo, which accelerate only sets up when asked for the CPU
    accelerator = Accelerator(cpu=not torch.cuda.is_available() and int(os.environ.get("WORLD_SIZE", 1)) > 1)
    if accelerator.is_main_process:
        (out / "config.json").write_text(json.dumps(cfg, indent=1))
        if accelerator.num_processes > 1:
            print(f"data-parallel over {accelerator.num_processes} processes", flush=True)
    torch.manual_seed(cfg["seed"])
    pipe = build_pipeline(cfg)
    tokenizer, unet, text = pipe.tokenizer, pipe.unet, pipe.text_encoder
    noise_sched = build_train_scheduler(cfg)
    if cfg.get("frames") and not cfg.get("grounding"):
        raise ValueError("a config with \"frames\": true needs \"grounding\" (the frame head learns with it)")
    classes = grounding_classes(cfg["family"]) if cfg.get("grounding") else ()
    ground = torch.nn.Linear(cfg["text_encoder"]["hidden"], sum(classes)) if classes else None
    params = [{"params": unet.parameters(), "lr": cfg["learning_rate"]},
              {"params": list(text.parameters()) + (list(ground.parameters()) if ground else []),
               "lr": cfg["text_learning_rate"]}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    base_lrs = [g["lr"] for g in opt.param_groups]
    step, ckpt = 0, out / "checkpoint"
    if (ckpt / "state.json").exists():
        step, tensors, _ = load_state(ckpt, opt)
        unet.load_state_dict(tensors["unet"]), text.load_state_dict(tensors["text_encoder"])
        if ground is not None:
            ground.load_state_dict(tensors["grounding"])
        ema_unet, ema_text = tensors["ema_unet"], tensors["ema_text_encoder"]
        print(f"resumed from step {step}")
    else:
        if init_from is not None:  # warm start: weights of another run, fresh optimiser and heads
            from safetensors.torch import load_file
            unet.load_state_dict(load_file(Path(init_from) / "checkpoint" / "unet.safetensors"))
            text.load_state_dict(load_file(Path(init_from) / "checkpoint" / "text_encoder.safetensors"))
            print(f"initialised from {init_from}")
        ema_unet = {k: v.detach().clone() for k, v in unet.state_dict().items()}
        ema_text = {k: v.detach().clone() for k, v in text.state_dict().items()}
    unet, text, opt = accelerator.prepare(unet, text, opt)
    if ground is not None:
        ground = accelerator.prepare(ground)

    pre = cfg["grounding"]["pretrain_steps"] if ground is not None else 0
    total = pre + cfg["max_steps"]
    log_path, metrics_path = out / "log.csv", out / "metrics.csv"
    t_start = time.time()
    bar = tqdm(range(step, total), initial=step, total=total, disable=quiet or not accelerator.is_main_process, desc=f"train {cfg['family']}")
    for step in bar:
        # per-step seeds, so resuming replays nothing; each process of a multi-GPU run draws its own data
        rank = [accelerator.process_index] if accelerator.num_processes > 1 else []
        rng = np.random.default_rng([cfg["seed"], step] + rank)
        gen = torch.Generator().manual_seed(cfg["seed"] * 1_000_003 + step + 7919 * sum(rank))
        warm = min(1.0, (step + 1) / cfg["warmup_steps"])
        for g, lr in zip(opt.param_groups, base_lrs):
            g["lr"] = lr * warm
        if step < pre:  # the text encoder learns to read positions faster alone, at a higher rate
            opt.param_groups[1]["lr"] = cfg["grounding"]["learning_rate"] * warm
        texts, scenes, x0 = make_batch(cfg, rng, cfg["batch_size"] * (2 if step < pre else 1), render=step >= pre)
        if step >= pre:  # condition dropout teaches the unconditional model for guidance
            texts = ["" if rng.random() < cfg["condition_dropout"] else t for t in texts]
        # alone, the text encoder masks padding exactly, so it trains on short batches; the UNet
        # always sees prompts padded to the full length (see pipeline.denoise)
        batch = tokenizer(texts, padding=True, return_tensors="pt") if step < pre else tokenize_prompts(tokenizer, texts)
        hidden, frame_logits = encode_tokens(text, tokenizer, batch["input_ids"], batch["attention_mask"],
                                             return_logits=True)
        frames = scene_frames(cfg, scenes)
        loss_ground = torch.zeros(())
        if ground is not None:
            loss_ground = grounding_loss(ground, hidden, grounding_labels(cfg, tokenizer, batch, scenes), classes)
        if frames is not None:
            loss_ground = loss_ground + frame_loss(frame_logits, frames, texts, batch["attention_mask"])
        if step < pre:
            loss_diff = torch.zeros(())
            loss = loss_ground
        else:
            noise = torch.randn(x0.shape, generator=gen)
            t = torch.randint(0, noise_sched.config.num_train_timesteps, (x0.shape[0],), generator=gen)
            noisy = noise_sched.add_noise(x0, noise, t)
            target = noise_sched.get_velocity(x0, noise, t) if cfg["prediction_type"] == "v_prediction" else x0
            inp = pipe.denoise_input(noisy, frames)  # training draws in the true frame; sampling in the one read
            pred = denoise(unet, inp, t, hidden, batch["attention_mask"])
            weight = salient_weight(cfg, x0)
            loss_diff = ((pred - target) ** 2 * weight).mean() / weight.mean()
            loss = loss_diff + (cfg["grounding"]["weight"] * loss_ground if ground is not None else 0)
        opt.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(list(unet.parameters()) + list(text.parameters()), 1.0)
        opt.step()
        if step >= pre:
            d = cfg["ema_decay"] if step - pre > 100 else 0.0  # start the average once training is under way
            with torch.no_grad():
                for ema, live in ((ema_unet, accelerator.unwrap_model(unet)), (ema_text, accelerator.unwrap_model(text))):
                    for k, v in live.state_dict().items():
                        ema[k].lerp_(v.detach(), 1 - d) if v.dtype.is_floating_point else ema[k].copy_(v)
        else:
            ema_text = {k: v.detach().clone() for k, v in accelerator.unwrap_model(text).state_dict().items()}
        done = step + 1
        if done % cfg["log_every"] == 0 and accelerator.is_main_process:
            bar.set_postfix(diff=f"{loss_diff.item():.4f}", ground=f"{loss_ground.item():.3f}")
            _append_csv(log_path, {"step": done, "loss_diffusion": loss_diff.item(), "loss_grounding": loss_ground.item(),
                                   "wall_s": round(time.time() - t_start, 1)})
        trained = done - pre
        if accelerator.is_main_process and trained > 0:
            if (trained % cfg["eval_every"] == 0 or done == total):
                m = evaluate_ema(cfg, pipe, ema_unet, ema_text, cfg["eval_scenes"])
                _append_csv(metrics_path, {"step": done, "wall_s": round(time.time() - t_start, 1), **scalars(m)})
                print(json.dumps({"step": done, **m}), flush=True)
            if trained % cfg["sample_every"] == 0 or done == total:
                save_sample_grid(cfg, pipe, out / f"samples_{done:06d}.png")
            if trained % cfg["checkpoint_every"] == 0 or done == total:
                tensors = {"unet": accelerator.unwrap_model(unet).state_dict(),
                           "text_encoder": accelerator.unwrap_model(text).state_dict(),
                           "ema_unet": ema_unet, "ema_text_encoder": ema_text}
                if ground is not None:
                    tensors["grounding"] = accelerator.unwrap_model(ground).state_dict()
                save_state(ckpt, done, tensors, opt, {"family": cfg["family"]})
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:  # every process holds the same weights; one writes them
        export(cfg, pipe, ema_unet, ema_text, out / "pipeline")
    return out / "pipeline"


def export(cfg, pipe, ema_unet, ema_text, folder: Path):
    """Save the EMA weights as a pipeline (safetensors + JSON) that `from_pretrained` loads."""
    from .export import save_pipeline
    pipe.unet.load_state_dict(ema_unet)
    pipe.text_encoder.load_state_dict(ema_text)
    save_pipeline(pipe, cfg, folder)


def scalars(metrics: dict) -> dict:
    """The metrics a CSV column can hold (per-kind breakdowns stay in evaluate's JSON)."""
    return {k: v for k, v in metrics.items() if not isinstance(v, dict)}


def _append_csv(path: Path, row: dict):
    new = not path.exists()
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        if new:
            w.writeheader()
        w.writerow(row)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True)
    ap.add_argument("--out", required=True, help="folder for logs, samples, checkpoints and the final pipeline")
    ap.add_argument("--config", help="a JSON config (default: imagery_agent/training/configs/FAMILY.json)")
    ap.add_argument("--max-steps", type=int, dest="max_steps")
    ap.add_argument("--batch-size", type=int, dest="batch_size")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    ap.add_argument("--init-from", dest="init_from", help="start from the weights of another run's checkpoint")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config(args.family, args.config, max_steps=args.max_steps, batch_size=args.batch_size)
    path = train(cfg, Path(args.out), init_from=args.init_from)
    print(f"saved pipeline to {path}")


if __name__ == "__main__":
    main()
