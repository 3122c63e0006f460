"""Guidance distillation: `python -m imagery_agent.training.distill --family islands --out DIR`.

Classifier-free guidance runs the UNet twice per step (with and without the text). A student
UNet, started from the teacher's weights, learns to predict the guided output
`uncond + w * (cond - uncond)` in one pass (Meng et al. 2023, stage one), so sampling needs half
the network evaluations and the student samples with `guidance_scale = 1`. The teacher's text
encoder is kept as it is. Training data are fresh training-split scenes, forward-noised at
uniform timesteps, as in `train.py`; the loop logs, evaluates, checkpoints and resumes the same way.
"""
from __future__ import annotations

import copy
import hashlib
import json
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..backbones.imaginer import load_pipeline
from ..backbones.models import build_train_scheduler
from ..backbones.pipeline import ImageryDiffusionPipeline, denoise
from ..io import WeightsError
from ..weights import WEIGHTS_DIR
from .common import (EMA, BackboneConfig, append_csv, arguments, resume, run_cli, save_state, scalars, start_run,
                     step_seeds)
from .train import evaluate_ema, export, make_batch, salient_weight, scene_frames


def merge_teacher(cfg: dict) -> BackboneConfig:
    """The distillation settings merged over the teacher's training config (architecture, data),
    with the teacher's UNet hash recorded: which teacher, exactly."""
    teacher_dir = Path(cfg.get("teacher") or WEIGHTS_DIR / str(cfg.get("family")))
    if not teacher_dir.exists():
        raise WeightsError(f"no weights for {cfg.get('family')!r} at {teacher_dir}: the teacher must be a pipeline folder")
    if not (teacher_dir / "training_config.json").exists():
        raise WeightsError(f"the teacher at {teacher_dir} has no training_config.json: distillation needs the "
                           "teacher's training config (image size, prediction type); export it with "
                           "`python -m imagery_agent.training.export`")
    teacher_cfg = json.loads((teacher_dir / "training_config.json").read_text())
    unet_file = next((teacher_dir / "unet").glob("*.safetensors"))
    merged = {**{k: v for k, v in teacher_cfg.items() if k not in ("trained_steps", "weights")}, **cfg,
              "teacher": str(teacher_dir) if cfg.get("teacher") else None,
              "teacher_unet_sha256": hashlib.sha256(unet_file.read_bytes()).hexdigest()}
    return BackboneConfig.from_dict(merged, f"distillation config over {teacher_dir}")


def distill(cfg: BackboneConfig, out: Path, quiet: bool = False) -> Path:
    if cfg.teacher_guidance_scale is None:
        raise ValueError("a distillation config needs teacher_guidance_scale (the guidance to build in)")
    teacher_dir = Path(cfg.teacher or WEIGHTS_DIR / cfg.family)
    teacher, _ = load_pipeline(cfg.family, teacher_dir)
    out = start_run(cfg, out)
    torch.manual_seed(cfg.seed)
    tokenizer, text = teacher.tokenizer, teacher.text_encoder.eval().requires_grad_(False)
    teacher.unet.eval().requires_grad_(False)
    unet = copy.deepcopy(teacher.unet).train().requires_grad_(True)
    student = ImageryDiffusionPipeline(unet=unet, scheduler=copy.deepcopy(teacher.scheduler),
                                       text_encoder=text, tokenizer=tokenizer)
    student.set_progress_bar_config(disable=True)
    opt = torch.optim.AdamW(unet.parameters(), lr=cfg.learning_rate, weight_decay=0.0)
    step, tensors = resume(out, opt)
    if tensors is not None:
        unet.load_state_dict(tensors["unet"])
    ema_unet = EMA(tensors["ema_unet"] if tensors else unet.state_dict())
    ema_text = text.state_dict()
    noise_sched = build_train_scheduler(cfg)
    with torch.no_grad():
        blank_hidden, blank_mask = teacher.encode_prompts([""])
    w = cfg.teacher_guidance_scale
    t_start = time.time()
    bar = tqdm(range(step, cfg.max_steps), initial=step, total=cfg.max_steps, disable=quiet,
               desc=f"distill {cfg.family}")
    for step in bar:
        rng, gen = step_seeds(cfg.seed, step)
        opt.param_groups[0]["lr"] = cfg.learning_rate * min(1.0, (step + 1) / cfg.warmup_steps)
        texts, scenes, x0 = make_batch(cfg, rng, cfg.batch_size)
        n = x0.shape[0]
        with torch.no_grad():
            hidden, mask = teacher.encode_prompts(texts)
            noise = torch.randn(x0.shape, generator=gen)
            t = torch.randint(0, noise_sched.config.num_train_timesteps, (n,), generator=gen)
            frames = scene_frames(cfg, scenes)  # framed families: teacher and student draw in each scene's frame
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
        ema_unet.update(unet.state_dict(), cfg.ema_decay)
        done = step + 1
        if done % cfg.log_every == 0:
            bar.set_postfix(loss=f"{loss.item():.5f}")
            append_csv(out / "log.csv", {"step": done, "loss_distill": loss.item(),
                                         "wall_s": round(time.time() - t_start, 1)})
        if done % cfg.eval_every == 0 or done == cfg.max_steps:
            m = evaluate_ema(cfg, student, ema_unet.state, ema_text, cfg.eval_scenes)
            append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t_start, 1), **scalars(m)})
            print(json.dumps({"step": done, **m}), flush=True)
        if done % cfg.checkpoint_every == 0 or done == cfg.max_steps:
            save_state(out / "checkpoint", done, {"unet": unet.state_dict(), "ema_unet": ema_unet.state,
                                                  "text_encoder": ema_text, "ema_text_encoder": ema_text},
                       opt, {"family": cfg.family})
    export(cfg, student, ema_unet.state, ema_text, out / "pipeline")
    return out / "pipeline"


class DistillConfig:
    """Reads a distillation config (FAMILY_distill.json) merged over its teacher's."""

    @staticmethod
    def from_dict(data: dict, where: str = "config") -> BackboneConfig:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a JSON object of settings")
        return merge_teacher(data)


def main(argv=None):
    ap = arguments(__doc__.splitlines()[0], "distill")
    ap.add_argument("--teacher", help="the teacher pipeline folder (default: the shipped weights)")
    return run_cli(DistillConfig, "distill", distill, argv, ap=ap, overrides=("teacher",))


if __name__ == "__main__":
    raise SystemExit(main())
