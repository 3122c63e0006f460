"""What every training loop shares, in one place: typed configs read from JSON, per-step seeds,
resumable checkpoints without pickles, CSV logs, the exponential moving average of weights, the
learning-rate schedule and the command line. Each `train_*.py` keeps its own loop and imports
only from here (and from the models it trains).
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
import numpy as np
import torch
from safetensors.torch import load_file, save_file

from ..io import atomic_folder

CONFIG_DIR = Path(__file__).parent / "configs"


# --- typed configs ---------------------------------------------------------------------------

@dataclass(kw_only=True)
class TrainConfig:
    """Settings every trainer has. Architecture blocks stay plain dicts: they go to the builders."""

    family: str
    seed: int = 0
    batch_size: int
    learning_rate: float
    warmup_steps: int
    max_steps: int
    log_every: int = 25
    eval_every: int = 250
    eval_scenes: int = 48
    checkpoint_every: int = 250
    train_sample: dict = field(default_factory=dict)  # options for the family's sample() (e.g. kinds, locked)
    trained_steps: int | None = None    # written at export: how far the shipped weights trained

    MODEL_FIELDS = ("family",)
    """Settings that fix the model's shape: a run resumes only with the same ones (the schedule,
    the step count and the loss weights may change between sessions)."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict, where: str = "config"):
        """Refuse unknown and missing settings with their names (a typo must not train silently)."""
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a JSON object of settings, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{where}: unknown setting(s) {', '.join(map(repr, unknown))} for a {cls.__name__}")
        missing = sorted(f.name for f in dataclasses.fields(cls) if f.name not in data
                         and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        if missing:
            raise ValueError(f"{where}: missing setting(s) {', '.join(map(repr, missing))}")
        cfg = cls(**data)
        cfg.check(where)
        return cfg

    def check(self, where: str = "config") -> None:
        for name in ("batch_size", "max_steps", "log_every", "eval_every", "eval_scenes", "checkpoint_every"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{where}: {name} must be a whole number >= 1, got {v!r}")
        if not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise ValueError(f"{where}: warmup_steps must be a whole number >= 0, got {self.warmup_steps!r}")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"{where}: learning_rate must be positive, got {self.learning_rate!r}")
        if self.train_sample:  # options of the family's sample(), named before any step
            import inspect

            from ..scenes import get_family
            if not isinstance(self.train_sample, dict):
                raise ValueError(f"{where}: train_sample must be an object of sample() options, got {self.train_sample!r}")
            try:
                inspect.signature(get_family(self.family).sample).bind_partial(None, **self.train_sample)
            except TypeError as e:
                raise ValueError(f"{where}: train_sample: {e}") from None


@dataclass(kw_only=True)
class BackboneConfig(TrainConfig):
    """The text-to-image backbone (train.py), and its guidance distillation (distill.py), whose
    settings are merged over the teacher's."""

    image_size: int
    prediction_type: str = "v_prediction"
    text_encoder: dict
    unet: dict
    grounding: dict | None = None       # {"weight", "pretrain_steps", "learning_rate"}
    frames: bool = False                # figures: the UNet draws in each figure's frame
    text_learning_rate: float = 2e-4
    condition_dropout: float = 0.1
    ema_decay: float = 0.995
    sample_every: int = 250
    sampler_steps: int = 20
    guidance_scale: float = 2.0
    guidance_steps: int | None = None
    salient_weight: float = 0
    weights: str | None = None          # 'ema' or 'live', written at export
    teacher: str | None = None          # distillation: the teacher pipeline folder (None: shipped)
    teacher_guidance_scale: float | None = None
    teacher_unet_sha256: str | None = None

    MODEL_FIELDS = ("family", "image_size", "prediction_type", "text_encoder", "unet", "grounding", "frames")


@dataclass(kw_only=True)
class CaptionerConfig(TrainConfig):
    image_size: int
    max_length: int
    encoder: dict
    decoder: dict
    augment: float = 0.0

    MODEL_FIELDS = ("family", "image_size", "max_length", "encoder", "decoder")


@dataclass(kw_only=True)
class CellCaptionerConfig(TrainConfig):
    image_size: int
    width: int
    augment: float = 0.0
    imagined_fraction: float = 0.0      # share of each batch drawn by the shipped backbone (`imagined_backbone`)
    imagined_backbone: str = "vae"
    imagined_pool: int = 3000           # training rooms imagined once, kept where the template reader reads them as their words

    MODEL_FIELDS = ("family", "image_size", "width")


@dataclass(kw_only=True)
class ClipConfig(TrainConfig):
    image_size: int
    context_length: int
    embed_dim: int
    vision: dict
    text: dict
    twin_fraction: float = 0.0
    mention_weight: float = 0.0
    augment: float = 0.0

    MODEL_FIELDS = ("family", "image_size", "context_length", "embed_dim", "vision", "text")


def read_config(cls, path: str | Path, **overrides):
    """A typed config from a JSON file, with the overrides that are not None."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no config file at {path}")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"config {path} is not valid JSON: {e}") from None
    if isinstance(data, dict):
        data.update({k: v for k, v in overrides.items() if v is not None})
    return cls.from_dict(data, str(path))


def default_config_path(family: str, kind: str | None) -> Path:
    """configs/FAMILY.json for the backbone, configs/FAMILY_KIND.json for the others."""
    return CONFIG_DIR / (f"{family}.json" if kind is None else f"{family}_{kind}.json")


# --- per-step randomness ---------------------------------------------------------------------

def step_seeds(seed: int, step: int, rank: int | None = None) -> tuple[np.random.Generator, torch.Generator]:
    """(numpy rng, torch generator) of one step, from the run's seed and the step alone, so a
    resumed run replays nothing; each process of a data-parallel run (`rank`) draws its own data."""
    extra = [] if rank is None else [rank]
    rng = np.random.default_rng([seed, step] + extra)
    gen = torch.Generator().manual_seed(seed * 1_000_003 + step + 7919 * (rank or 0))
    return rng, gen


def warmup_cosine(cfg: TrainConfig, step: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the learning rate."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    done = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
    return cfg.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(done, 1.0))))


# --- weights ---------------------------------------------------------------------------------

class EMA:
    """An exponential moving average of a module's weights, kept as a state dict."""

    def __init__(self, state: dict[str, torch.Tensor]):
        self.state = {k: v.detach().clone() for k, v in state.items()}

    @torch.no_grad()
    def update(self, state: dict[str, torch.Tensor], decay: float) -> None:
        for k, v in state.items():
            if v.dtype.is_floating_point:
                self.state[k].lerp_(v.detach(), 1 - decay)
            else:
                self.state[k].copy_(v)


# --- checkpoints: safetensors for tensors, JSON for the rest, written atomically --------------

def save_state(folder: Path, step: int, tensors: dict[str, dict[str, torch.Tensor]], optimizer, extra: dict):
    """Every save goes to a temporary folder first and is renamed into place, so an interrupted
    save never leaves half a checkpoint behind."""
    with atomic_folder(folder) as tmp:
        for name, sd in tensors.items():  # clones: tied weights share memory, which safetensors refuses
            save_file({k: v.detach().cpu().clone().contiguous() for k, v in sd.items()}, tmp / f"{name}.safetensors")
        opt = optimizer.state_dict()
        flat = {f"{i}.{k}": v for i, s in opt["state"].items() for k, v in s.items() if torch.is_tensor(v)}
        save_file({k: v.contiguous() for k, v in flat.items()}, tmp / "optimizer.safetensors")
        (tmp / "state.json").write_text(json.dumps({"step": step, "param_groups": opt["param_groups"], **extra}, indent=1))


def load_state(folder: Path, optimizer) -> tuple[int, dict[str, dict[str, torch.Tensor]], dict]:
    folder = Path(folder)
    state = json.loads((folder / "state.json").read_text())
    tensors = {p.stem: load_file(p) for p in folder.glob("*.safetensors") if p.stem != "optimizer"}
    flat = load_file(folder / "optimizer.safetensors")
    opt_state: dict[int, dict] = {}
    for key, v in flat.items():
        i, k = key.split(".", 1)
        opt_state.setdefault(int(i), {})[k] = v
    optimizer.load_state_dict({"state": opt_state, "param_groups": state.pop("param_groups")})
    return state.pop("step"), tensors, state


def recover_checkpoint(folder: Path) -> None:
    """A crash between the two renames of a checkpoint save leaves `checkpoint.old` (the last
    complete checkpoint) and `checkpoint.tmp` but no `checkpoint`: put the old one back."""
    folder = Path(folder)
    old, tmp = folder.with_name(folder.name + ".old"), folder.with_name(folder.name + ".tmp")
    if not folder.exists() and (old / "state.json").exists():
        os.replace(old, folder)
        print(f"recovered the checkpoint from {old} (a save was interrupted)")
    if tmp.exists():
        shutil.rmtree(tmp, ignore_errors=True)


def resume(out: Path, optimizer) -> tuple[int, dict[str, dict[str, torch.Tensor]] | None]:
    """(step, tensors) of the run's checkpoint, or (0, None) for a fresh run."""
    ckpt = Path(out) / "checkpoint"
    recover_checkpoint(ckpt)
    if not (ckpt / "state.json").exists():
        return 0, None
    step, tensors, _ = load_state(ckpt, optimizer)
    print(f"resumed from step {step}")
    return step, tensors


def start_run(cfg: TrainConfig, out: Path, write: bool = True) -> Path:
    """Make the run folder and record the config it trains with. A folder that already holds a
    run of another model (a different architecture or family) is refused before anything in it
    is overwritten."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    saved = out / "config.json"
    if saved.is_file() and ((out / "checkpoint").exists() or (out / "checkpoint.old").exists()):
        try:
            before = json.loads(saved.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            before = None
        now = cfg.to_dict()
        changed = [k for k in cfg.MODEL_FIELDS if not isinstance(before, dict) or before.get(k) != now.get(k)]
        if changed:
            raise ValueError(f"{out} holds a run of another model ({', '.join(changed)} differ from this config): "
                             "resume it with the config it was started with, or choose a new --out")
    out.mkdir(parents=True, exist_ok=True)
    if write:
        saved.write_text(json.dumps(cfg.to_dict(), indent=1))
    return out


# --- logs ------------------------------------------------------------------------------------

def append_csv(path: Path, row: dict) -> None:
    new = not Path(path).exists()
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        if new:
            w.writeheader()
        w.writerow(row)


def scalars(metrics: dict) -> dict:
    """The metrics a CSV column can hold (per-kind breakdowns stay in evaluate's JSON)."""
    return {k: v for k, v in metrics.items() if not isinstance(v, dict)}


def validate_backbone(cfg, model, n: int, **options) -> dict:
    """Score a backbone (any model with `draw`) on `n` validation scenes, held-out combinations
    that are not the test scenes; the model's training mode is restored after."""
    from ..backbones.generative import GenerativeImaginer
    from ..evaluate import score_images
    from ..scenes.corpus import build_corpus
    was_training = model.training
    try:
        return score_images(GenerativeImaginer(model, cfg.family, batch_size=50, **options),
                            build_corpus(cfg.family, n, seed=12345, split="val"))
    finally:
        model.train(was_training)


def keep_if_best(cfg, out: Path, model, metrics: dict, best: float, done: int, trained: int, t0: float,
                 note: str = "best validation") -> float:
    """Log one validation of a backbone run (metrics.csv, a JSON line) and save the model to
    `out/best` when its object accuracy is at least the best so far; returns the new best."""
    import time
    from ..backbones.generative import save_backbone
    append_csv(out / "metrics.csv", {"step": done, "wall_s": round(time.time() - t0, 1), **scalars(metrics)})
    print(json.dumps({"step": done, "object_accuracy": metrics["object_accuracy"],
                      "exact_scene_accuracy": metrics.get("exact_scene_accuracy")}), flush=True)
    if metrics["object_accuracy"] < best:
        return best
    save_backbone(model, out / "best", cfg.replace(trained_steps=trained, weights=f"{note} at step {trained}",
                                                   training_minutes=round((time.time() - t0) / 60, 1)).to_dict())
    return metrics["object_accuracy"]


# --- the command line ------------------------------------------------------------------------

def arguments(description: str, kind: str | None) -> argparse.ArgumentParser:
    """--family, --out, --config and the common overrides; a trainer may add its own."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--family", required=True)
    ap.add_argument("--out", required=True, help="folder for logs, checkpoints and the final model")
    name = "FAMILY.json" if kind is None else f"FAMILY_{kind}.json"
    ap.add_argument("--config", help=f"a JSON config (default: imagery_agent/training/configs/{name})")
    ap.add_argument("--max-steps", type=int, dest="max_steps")
    ap.add_argument("--batch-size", type=int, dest="batch_size")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    return ap


def warm_start(model, folder: Path) -> None:
    """Weights of another run (its checkpoint) or a saved backbone, for a run that continues it
    with added or reshaped parts (e.g. image positions, a new output layer), which start afresh."""
    from safetensors.torch import load_file
    folder = Path(folder)
    if (folder / "checkpoint" / "model.safetensors").exists():
        state = load_file(folder / "checkpoint" / "model.safetensors")
    elif (folder / "diffusion_pytorch_model.safetensors").exists():
        state = load_file(folder / "diffusion_pytorch_model.safetensors")
    else:
        raise ValueError(f"--init-from {folder}: neither a run (checkpoint/model.safetensors) nor a saved backbone")
    own = model.state_dict()
    reshaped = [k for k, v in state.items() if k in own and own[k].shape != v.shape]
    state = {k: v.float() for k, v in state.items() if k not in reshaped}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected:
        raise ValueError(f"--init-from {folder}: weights this model does not have: {', '.join(unexpected[:5])}")
    print(f"initialised from {folder}" + (f" (new: {', '.join(missing)})" if missing else ""), flush=True)


def run_cli(cls, kind: str | None, train, argv=None, *, ap: argparse.ArgumentParser, overrides=(),
            passthrough=()) -> int:
    """Parse the command line, read the typed config (with --max-steps, --batch-size and the
    `overrides` named) and train (given the `passthrough` arguments); errors are one line, exit 2."""
    from ..io import WeightsError
    from ..scenes import get_family
    from ..scenes.errors import SceneError
    args = ap.parse_args(argv)
    try:
        if args.threads is not None:
            if args.threads < 1:
                raise ValueError(f"--threads must be at least 1, got {args.threads}")
            torch.set_num_threads(args.threads)
        get_family(args.family)
        path = args.config or default_config_path(args.family, kind)
        cfg = read_config(cls, path, max_steps=args.max_steps, batch_size=args.batch_size,
                          **{k: getattr(args, k) for k in overrides})
        if cfg.family != args.family:
            raise ValueError(f"the config {path} trains {cfg.family!r}, not {args.family!r}")
        done = train(cfg, Path(args.out), **{k: getattr(args, k) for k in passthrough})
    except (ValueError, SceneError, WeightsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"saved to {done}")
    return 0


__all__ = ["TrainConfig", "BackboneConfig", "CaptionerConfig", "ClipConfig", "read_config", "default_config_path",
           "step_seeds", "warmup_cosine", "EMA", "validate_backbone", "keep_if_best", "save_state", "load_state", "resume", "start_run", "append_csv",
           "scalars", "arguments", "run_cli", "warm_start"]
