"""Train a family's text-to-image backbone: `python -m imagery_agent.training.train --family islands --out DIR [--backbone NAME]`.

This is the diffusion backbone's loop; `--backbone dalle|vqvae|vae|gan|pixelcnn` hands the same
command line to that model's own loop (`train_tokens`, `train_onepass`, `train_pixelcnn`).

The whole loop is here to read in one sitting. Data are drawn fresh every step from the family's
training split (scenes with no held-out combination), described with random paraphrases and
rendered. For islands, the text encoder first learns to read each landmark's column and row
(a grounding head on the landmark's token), so the UNet's cross-attention has positions to match;
for figures it learns to read the figure's identity, angle and handedness the same way.
Runs on CPU or GPU; `accelerate launch` spreads it over several GPUs. Interrupted runs resume.
"""
from __future__ import annotations

import argparse
import hashlib
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
from ..scenes.corpus import build_corpus
from .common import (EMA, BackboneConfig, append_csv, arguments, resume, run_cli, save_state, scalars, start_run,
                     step_seeds)


def make_batch(cfg: BackboneConfig, rng, n, render=True):
    """Fresh (texts, scenes, images in [-1, 1]) from the training split."""
    fam = get_family(cfg.family)
    scenes = [fam.sample_split(rng, "train", **cfg.train_sample) for _ in range(n)]
    texts = [fam.describe(s, rng) for s in scenes]
    if not render:
        return texts, scenes, None
    images = np.stack([fam.render(s, cfg.image_size) for s in scenes])
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1
    return texts, scenes, x


def grounding_labels(family, tokenizer, batch, scenes):
    """Per token, the facts the family says it should read (-100, ignored, elsewhere). A fact
    anchored on a word (an island's landmark), or on a tuple of words (a room's 'red key'), labels
    every token of each sentence that holds them all; an unanchored fact (a figure) labels every
    token of the prompt."""
    fam = get_family(family)
    ids, real = batch["input_ids"], batch["attention_mask"] > 0
    labels = torch.full(ids.shape + (len(fam.grounding_classes),), -100, dtype=torch.long)
    sent = sentence_ids(ids, tokenizer, 1 << 30)
    vocab = tokenizer.get_vocab()
    for b, scene in enumerate(scenes):
        for anchor, facts in fam.grounding_targets(scene):
            if anchor is None:
                labels[b, real[b]] = torch.tensor(facts)
                continue
            words = (anchor,) if isinstance(anchor, str) else tuple(anchor)
            holding = set.intersection(*(set(sent[b, ids[b] == vocab[w]].tolist()) for w in words))
            for s in holding:
                labels[b, (sent[b] == s) & real[b]] = torch.tensor(facts)
    return labels


def grounding_loss(head, hidden, labels, classes):
    logits, start, losses = head(hidden), 0, []
    for i, n in enumerate(classes):
        part = logits[..., start:start + n]
        losses.append(F.cross_entropy(part.reshape(-1, n), labels[..., i].reshape(-1), ignore_index=-100))
        start += n
    return sum(losses) / len(losses)


def scene_frames(cfg: BackboneConfig, scenes):
    """(angles, mirrored) of each scene's frame, for the UNet's coordinate channels; None for
    configs that draw in the picture's own frame."""
    if not cfg.frames:
        return None
    fr = [get_family(cfg.family).frame(s) for s in scenes]
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


def salient_weight(cfg: BackboneConfig, x):
    """Loss weight per pixel: pixels away from the family's background colours (landmarks,
    strokes) count `salient_weight` times more: small objects and thin strokes carry the
    positions and orientations, and plain MSE would spend the budget on sea, sand and paper."""
    colours = get_family(cfg.family).backgrounds
    if not cfg.salient_weight or not colours:
        return torch.ones_like(x[:, :1])
    rgb = (x + 1) * 127.5
    far = torch.ones_like(x[:, :1], dtype=torch.bool)
    for c in colours:
        far &= (rgb - torch.tensor(c, dtype=rgb.dtype)[None, :, None, None]).pow(2).sum(1, keepdim=True).sqrt() > 40
    return 1 + cfg.salient_weight * far.float()


@torch.no_grad()
def warm_start_weights(family: str, folder: Path):
    """(UNet, text encoder) state dicts from a run folder (its checkpoint) or an exported pipeline
    (e.g. the shipped weights), so a run can continue what another one learnt."""
    if (folder / "model_index.json").exists():
        from ..backbones.imaginer import load_pipeline
        pipe, _ = load_pipeline(family, folder)
        return pipe.unet.state_dict(), pipe.text_encoder.state_dict()
    from safetensors.torch import load_file
    ckpt = folder / "checkpoint"
    if not (ckpt / "unet.safetensors").exists():
        raise ValueError(f"--init-from {folder}: neither a run (checkpoint/unet.safetensors) nor a pipeline (model_index.json)")
    return load_file(ckpt / "unet.safetensors"), load_file(ckpt / "text_encoder.safetensors")


def evaluate_ema(cfg: BackboneConfig, pipe, ema_unet, ema_text, n):
    """Imagine validation scenes (held-out combinations, not the test scenes) with the EMA
    weights and score them: the time-to-quality curve that checkpoints are chosen by."""
    from ..backbones.imaginer import DiffusionImaginer
    from ..evaluate import score_images
    live_u, live_t = pipe.unet.state_dict(), pipe.text_encoder.state_dict()
    saved_u = {k: v.clone() for k, v in live_u.items()}
    saved_t = {k: v.clone() for k, v in live_t.items()}
    pipe.unet.load_state_dict(ema_unet)
    pipe.text_encoder.load_state_dict(ema_text)
    pipe.unet.eval(), pipe.text_encoder.eval()
    try:
        imaginer = DiffusionImaginer(pipe, cfg.family, cfg.sampler_steps, cfg.guidance_scale, batch_size=48)
        return score_images(imaginer, build_corpus(cfg.family, n, seed=12345, split="val"))  # decisions on val
    finally:
        pipe.unet.load_state_dict(saved_u)
        pipe.text_encoder.load_state_dict(saved_t)
        pipe.unet.train(), pipe.text_encoder.train()


def save_sample_grid(cfg: BackboneConfig, pipe, path):
    from PIL import Image
    fam = get_family(cfg.family)
    ex = build_corpus(cfg.family, 8, seed=999, split="val")
    gen = pipe([e.text for e in ex], cfg.sampler_steps, cfg.guidance_scale,
               generator=torch.Generator().manual_seed(0)).images
    truth = np.stack([fam.render(e.scene, cfg.image_size) for e in ex])
    grid = np.concatenate([np.concatenate(list(truth), 1), np.concatenate(list(gen), 1)], 0)
    Image.fromarray(grid).resize((grid.shape[1] * 4, grid.shape[0] * 4), Image.NEAREST).save(path)


def train(cfg: BackboneConfig, out: Path, quiet: bool = False, init_from: str | None = None) -> Path:
    fam = get_family(cfg.family)
    fam.check_training(grounding=cfg.grounding is not None, frames=cfg.frames)
    if cfg.frames and not cfg.grounding:
        raise ValueError("a config with \"frames\": true needs \"grounding\" (the frame head learns with it)")
    # several processes and no GPU (torchrun / `accelerate launch --multi_gpu` on CPUs): data-parallel
    # over gloo, which accelerate only sets up when asked for the CPU
    accelerator = Accelerator(cpu=not torch.cuda.is_available() and int(os.environ.get("WORLD_SIZE", 1)) > 1)
    out = start_run(cfg, out, write=accelerator.is_main_process)
    if accelerator.is_main_process and accelerator.num_processes > 1:
        print(f"data-parallel over {accelerator.num_processes} processes", flush=True)
    torch.manual_seed(cfg.seed)
    pipe = build_pipeline(cfg)
    tokenizer, unet, text = pipe.tokenizer, pipe.unet, pipe.text_encoder
    noise_sched = build_train_scheduler(cfg)
    classes = fam.grounding_classes if cfg.grounding else ()
    ground = torch.nn.Linear(cfg.text_encoder["hidden"], sum(classes)) if classes else None
    params = [{"params": unet.parameters(), "lr": cfg.learning_rate},
              {"params": list(text.parameters()) + (list(ground.parameters()) if ground else []),
               "lr": cfg.text_learning_rate}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    base_lrs = [g["lr"] for g in opt.param_groups]
    step, tensors = resume(out, opt)
    if tensors is not None:
        unet.load_state_dict(tensors["unet"]), text.load_state_dict(tensors["text_encoder"])
        if ground is not None:
            ground.load_state_dict(tensors["grounding"])
    elif init_from is not None:  # warm start: weights of another run or a pipeline, fresh optimiser and heads
        unet_w, text_w = warm_start_weights(cfg.family, Path(init_from))
        unet.load_state_dict(unet_w)
        text.load_state_dict(text_w)
        print(f"initialised from {init_from}")
    ema_unet = EMA(tensors["ema_unet"] if tensors else unet.state_dict())
    ema_text = EMA(tensors["ema_text_encoder"] if tensors else text.state_dict())
    unet, text, opt = accelerator.prepare(unet, text, opt)
    if ground is not None:
        ground = accelerator.prepare(ground)

    pre = cfg.grounding["pretrain_steps"] if ground is not None else 0
    total = pre + cfg.max_steps
    t_start, seen = time.time(), hashlib.sha256()
    bar = tqdm(range(step, total), initial=step, total=total, disable=quiet or not accelerator.is_main_process,
               desc=f"train {cfg.family}")
    for step in bar:
        rank = accelerator.process_index if accelerator.num_processes > 1 else None
        rng, gen = step_seeds(cfg.seed, step, rank)
        warm = min(1.0, (step + 1) / cfg.warmup_steps)
        for g, lr in zip(opt.param_groups, base_lrs):
            g["lr"] = lr * warm
        if step < pre:  # the text encoder learns to read positions faster alone, at a higher rate
            opt.param_groups[1]["lr"] = cfg.grounding["learning_rate"] * warm
        texts, scenes, x0 = make_batch(cfg, rng, cfg.batch_size * (2 if step < pre else 1), render=step >= pre)
        seen.update("|".join(texts).encode())
        if step >= pre:  # condition dropout teaches the unconditional model for guidance
            texts = ["" if rng.random() < cfg.condition_dropout else t for t in texts]
        # alone, the text encoder trains on short batches (padding is attended with no bias, see
        # pipeline.encode_tokens); the UNet always sees prompts padded to the full length (pipeline.denoise)
        batch = tokenizer(texts, padding=True, return_tensors="pt") if step < pre else tokenize_prompts(tokenizer, texts)
        hidden, frame_logits = encode_tokens(text, tokenizer, batch["input_ids"], batch["attention_mask"],
                                             return_logits=True)
        frames = scene_frames(cfg, scenes)
        loss_ground = torch.zeros(())
        if ground is not None:
            loss_ground = grounding_loss(ground, hidden, grounding_labels(fam, tokenizer, batch, scenes), classes)
        if frames is not None:
            loss_ground = loss_ground + frame_loss(frame_logits, frames, texts, batch["attention_mask"])
        if step < pre:
            loss_diff = torch.zeros(())
            loss = loss_ground
        else:
            noise = torch.randn(x0.shape, generator=gen)
            t = torch.randint(0, noise_sched.config.num_train_timesteps, (x0.shape[0],), generator=gen)
            noisy = noise_sched.add_noise(x0, noise, t)
            target = noise_sched.get_velocity(x0, noise, t) if cfg.prediction_type == "v_prediction" else x0
            inp = pipe.denoise_input(noisy, frames)  # training draws in the true frame; sampling in the one read
            pred = denoise(unet, inp, t, hidden, batch["attention_mask"])
            weight = salient_weight(cfg, x0)
            loss_diff = ((pred - target) ** 2 * weight).mean() / weight.mean()
            loss = loss_diff + (cfg.grounding["weight"] * loss_ground if ground is not None else 0)
        opt.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(list(unet.parameters()) + list(text.parameters()), 1.0)
        opt.step()
        if step >= pre:  # start the average once training is under way
            decay = cfg.ema_decay if step - pre > 100 else 0.0
            ema_unet.update(accelerator.unwrap_model(unet).state_dict(), decay)
            ema_text.update(accelerator.unwrap_model(text).state_dict(), decay)
        else:
            ema_text = EMA(accelerator.unwrap_model(text).state_dict())
        done = step + 1
        if done % cfg.log_every == 0 and accelerator.is_main_process:
            bar.set_postfix(diff=f"{loss_diff.item():.4f}", ground=f"{loss_ground.item():.3f}")
            append_csv(out / "log.csv", {"step": done, "loss_diffusion": loss_diff.item(),
                                         "loss_grounding": loss_ground.item(), "wall_s": round(time.time() - t_start, 1)})
        trained = done - pre
        if accelerator.is_main_process and trained > 0:
            if trained % cfg.eval_every == 0 or done == total:
                m = evaluate_ema(cfg, pipe, ema_unet.state, ema_text.state, cfg.eval_scenes)
                append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **scalars(m)})
                print(json.dumps({"step": done, **m}), flush=True)
            if trained % cfg.sample_every == 0 or done == total:
                save_sample_grid(cfg, pipe, out / f"samples_{done:06d}.png")
            if trained % cfg.checkpoint_every == 0 or done == total:
                tensors = {"unet": accelerator.unwrap_model(unet).state_dict(),
                           "text_encoder": accelerator.unwrap_model(text).state_dict(),
                           "ema_unet": ema_unet.state, "ema_text_encoder": ema_text.state}
                if ground is not None:
                    tensors["grounding"] = accelerator.unwrap_model(ground).state_dict()
                save_state(out / "checkpoint", done, tensors, opt, {"family": cfg.family})
    accelerator.wait_for_everyone()
    if accelerator.num_processes > 1:  # each process saw its own data and holds the same weights
        weights = hashlib.sha256(b"".join(v.cpu().numpy().tobytes() for v in accelerator.unwrap_model(unet).state_dict().values()))
        print(f"process {accelerator.process_index}: data {seen.hexdigest()[:16]} weights {weights.hexdigest()[:16]}",
              flush=True)
    if accelerator.is_main_process:  # every process holds the same weights; one writes them
        export(cfg, pipe, ema_unet.state, ema_text.state, out / "pipeline")
    return out / "pipeline"


def export(cfg: BackboneConfig, pipe, ema_unet, ema_text, folder: Path):
    """Save the EMA weights as a pipeline (safetensors + JSON) that `from_pretrained` loads."""
    from .export import save_pipeline
    pipe.unet.load_state_dict(ema_unet)
    pipe.text_encoder.load_state_dict(ema_text)
    save_pipeline(pipe, cfg.to_dict(), folder)


TRAINERS = {"dalle": "train_tokens", "vqvae": "train_tokens", "vae": "train_onepass", "gan": "train_onepass",
            "pixelcnn": "train_pixelcnn"}
"""The other backbones' training loops, one module per kind of model (`--backbone NAME`)."""


def main(argv=None):
    import importlib
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    pick = argparse.ArgumentParser(add_help=False)
    pick.add_argument("--backbone", default="diffusion", choices=["diffusion", *TRAINERS])
    known, rest = pick.parse_known_args(argv)
    if known.backbone != "diffusion":  # the same command line, handed to that model's own loop
        trainer = importlib.import_module(f"{__package__}.{TRAINERS[known.backbone]}")
        return trainer.main(argv if known.backbone != "pixelcnn" else rest)
    argv = rest
    ap = arguments(__doc__.splitlines()[0], None)
    ap.add_argument("--backbone", default="diffusion", choices=["diffusion", *TRAINERS],
                    help="which text-to-image model to train (default: diffusion, this loop)")
    ap.add_argument("--init-from", dest="init_from", help="start from the weights of another run's checkpoint")
    return run_cli(BackboneConfig, None, train, argv, ap=ap, passthrough=("init_from",))


if __name__ == "__main__":
    raise SystemExit(main())
