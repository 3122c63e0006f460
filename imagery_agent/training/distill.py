"""Guidance distillation: `python -m imagery_agent.training.distill --family islands --out DIR`.

Classifier-free guidance runs the UNet twice per step (with and without the text). A student
UNet, started from the teacher's weights, learns to predict the guided output
`uncond + w * (cond - uncond)` in one pass (Meng et al. 2023, stage one), so sampling needs half
the network evaluations and the student samples with `guidance_scale = 1`. The teacher's text
encoder is kept as it is. Training data are fresh training-split scenes, forward-noised at
uniform timesteps, as in `train.py`; the loop logs, evaluates, checkpoints and resumes the same way.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..backbones.imaginer import WEIGHTS_DIR, load_pipeline
from ..backbones.models import build_train_scheduler
from ..backbones.pipeline import ImageryDiffusionPipeline, denoise
from ..io import WeightsError
from ..scenes.errors import SceneError
from .checkpoint import load_state, save_state
from .train import CONFIG_DIR, _append_csv, evaluate_ema, export, make_batch, salient_weight, scalars, scene_frames


def load_distill_config(family: str, path: str | None = None, **overrides) -> dict:
    """The distillation settings merged over the teacher's training config (architecture, data)."""
    path = Path(path or CONFIG_DIR / f"{family}_distill.json")
    if not path.exists():
        raise FileNotFoundError(f"no distillation config at {path}; give one with --config")
    cfg = json.loads(path.read_text())
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    return cfg


def distill(cfg: dict, out: Path, quiet: bool = False) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    teacher_dir = Path(cfg.get("teacher") or WEIGHTS_DIR / cfg["family"])
    teacher, _ = load_pipeline(cfg["family"], teacher_dir)
    if not (teacher_dir / "training_config.json").exists():
        raise WeightsError(f"the teacher at {teacher_dir} has no training_config.json: distillation needs the "
                           "teacher's training config (image size, prediction type); export it with "
                           "`python -m imagery_agent.training.export`")
    teacher_cfg = json.loads((teacher_dir / "training_config.json").read_text())
    unet_file = next((teacher_dir / "unet").glob("*.safetensors"))
    cfg = {**{k: v for k, v in teacher_cfg.items() if k not in ("trained_steps", "weights")}, **cfg,
           "teacher": str(cfg.get("teacher") or f"shipped weights ({cfg['family']})"),
           "teacher_unet_sha256": hashlib.sha256(unet_file.read_bytes()).hexdigest()}  # which teacher, exactly
    (out / "config.json").write_text(json.dumps(cfg, indent=1))
    torch.manual_seed(cfg["seed"])
    tokenizer, text = teacher.tokenizer, teacher.text_encoder.eval().requires_grad_(False)
    teacher.unet.eval().requires_grad_(False)
    unet = copy.deepcopy(teacher.unet).train().requires_grad_(True)
    student = ImageryDiffusionPipeline(unet=unet, scheduler=copy.deepcopy(teacher.scheduler),
                                       text_encoder=text, tokenizer=tokenizer)
    student.set_progress_bar_config(disable=True)
    opt = torch.optim.AdamW(unet.parameters(), lr=cfg["learning_rate"], weight_decay=0.0)
    step, ckpt = 0, out / "checkpoint"
    if (ckpt / "state.json").exists():
        step, tensors, _ = load_state(ckpt, opt)
        unet.load_state_dict(tensors["unet"])
        ema_unet = tensors["ema_unet"]
        print(f"resumed from step {step}")
    else:
        ema_unet = {k: v.detach().clone() for k, v in unet.state_dict().items()}
    ema_text = text.state_dict()
    noise_sched = build_train_scheduler(cfg)
    with torch.no_grad():
        blank_hidden, blank_mask = teacher.encode_prompts([""])
    w = cfg["teacher_guidance_scale"]
    t_start = time.time()
    bar = tqdm(range(step, cfg["max_steps"]), initial=step, total=cfg["max_steps"], disable=quiet,
               desc=f"distill {cfg['family']}")
    for step in bar:
        rng = np.random.default_rng([cfg["seed"], step])
        gen = torch.Generator().manual_seed(cfg["seed"] * 1_000_003 + step)
        opt.param_groups[0]["lr"] = cfg["learning_rate"] * min(1.0, (step + 1) / cfg["warmup_steps"])
        texts, scenes, x0 = make_batch(cfg, rng, cfg["batch_size"])
        n = x0.shape[0]
        with torch.no_grad():
            hidden, mask = teacher.encode_prompts(texts)
            noise = torch.randn(x0.shape, generator=gen)
            t = torch.randint(0, noise_sched.config.num_train_timesteps, (n,), generator=gen)
            frames = scene_frames(cfg, scenes)  # figures: teacher and student draw in each figure's frame
            inp = teacher.denoise_input(noise_sched.add_noise(x0, noise, t), frames)
            both = denoise(teacher.unet, torch.cat([inp, inp]), torch.cat([t, t]),
                           torch.cat([blank_hidden.expand(n, -1, -1), hidden]),
                           torch.cat([blank_mask.expand(n, -1), mask]))
            uncond, cond = both.chunk(2)
            target = uncond + w * (cond - uncond)
        pred = denoise(unet, inp, t, hidden, mask)
        weight = salient_weight(cfg, x0)
        loss = ((pred - target) ** 2 * weight).mean() / weight.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for k, v in unet.state_dict().items():
                ema_unet[k].lerp_(v.detach(), 1 - cfg["ema_decay"]) if v.dtype.is_floating_point else ema_unet[k].copy_(v)
        done = step + 1
        if done % cfg["log_every"] == 0:
            bar.set_postfix(loss=f"{loss.item():.5f}")
            _append_csv(out / "log.csv", {"step": done, "loss_distill": loss.item(),
                                          "wall_s": round(time.time() - t_start, 1)})
        if done % cfg["eval_every"] == 0 or done == cfg["max_steps"]:
            m = evaluate_ema(cfg, student, ema_unet, ema_text, cfg["eval_scenes"])
            _append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **scalars(m)})
            print(json.dumps({"step": done, **m}), flush=True)
        if done % cfg["checkpoint_every"] == 0 or done == cfg["max_steps"]:
            save_state(ckpt, done, {"unet": unet.state_dict(), "ema_unet": ema_unet, "text_encoder": ema_text,
                                    "ema_text_encoder": ema_text}, opt, {"family": cfg["family"]})
    export(cfg, student, ema_unet, ema_text, out / "pipeline")
    return out / "pipeline"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True)
    ap.add_argument("--out", required=True, help="folder for logs, checkpoints and the distilled pipeline")
    ap.add_argument("--config", help="a JSON config (default: imagery_agent/training/configs/FAMILY_distill.json)")
    ap.add_argument("--teacher", help="the teacher pipeline folder (default: the shipped weights)")
    ap.add_argument("--max-steps", type=int, dest="max_steps")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        cfg = load_distill_config(args.family, args.config, teacher=args.teacher, max_steps=args.max_steps)
        print(f"saved pipeline to {distill(cfg, Path(args.out))}")
    except (WeightsError, SceneError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
