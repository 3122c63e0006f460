"""Ship a training run's weights: `python -m imagery_agent.training.export --run DIR --out imagery_agent/weights/F`.

A diffusion run: reads its latest checkpoint (so a run stopped early can still be shipped) and
saves the pipeline. Any other backbone's run: its best validation model (`best/`). A captioner or
joint-embedding run (`train_captioner`, `train_clip`): its finished model (`captioner/`, `clip/`),
to be shipped in `imagery_agent/weights/perception/FAMILY/`. Each in half precision by default
(safetensors + JSON): half the size, and the loaders upcast to float32.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from ..backbones.models import build_pipeline
from ..checksums import write_manifest
from ..io import WeightsError, atomic_folder
from .common import BackboneConfig


def save_pipeline(pipe, cfg: dict, out: Path) -> Path:
    """Write the pipeline and its training config to a temporary folder, then rename it into place."""
    with atomic_folder(out) as tmp:
        pipe.save_pretrained(tmp, safe_serialization=True)
        (tmp / "training_config.json").write_text(json.dumps(cfg, indent=1))
        write_manifest(tmp)
    return Path(out)


def export_backbone_run(run: Path, out: Path, dtype: str = "float16") -> Path:
    """The best validation model of a dalle / vqvae / vae / gan / pixelcnn run."""
    from ..backbones.generative import load_backbone_model, save_backbone
    from ..backbones.registry import backbone_class
    best = Path(run) / "best"
    cfg = json.loads((best / "training_config.json").read_text())
    model = load_backbone_model(backbone_class(cfg.get("backbone", "pixelcnn")), best)
    for p in model.parameters():  # parameter by parameter (diffusers warns about a whole-model cast)
        p.data = p.data.to(getattr(torch, dtype))
    return save_backbone(model, out, cfg)


def export_perception_run(run: Path, out: Path, dtype: str = "float16") -> Path:
    """The finished captioner or joint embedding of a perception run."""
    from ..perception.captioner import Captioner, load_captioner
    from ..perception.joint_embedding import JointEmbedding
    kind = Captioner if (run / "captioner").is_dir() else JointEmbedding
    folder = run / kind.folder_name
    try:
        meta = json.loads((folder / kind.marker()).read_text())
    except (OSError, ValueError) as e:
        raise WeightsError(f"{folder} is not a finished {kind.label} ({kind.marker()}: {e})") from None
    model = load_captioner(meta["family"], folder) if kind is Captioner else kind.from_pretrained(folder)
    return model.save_pretrained(out, meta.get("training_config"), dtype=getattr(torch, dtype))


def export_run(run: Path, out: Path, dtype: str = "float16", weights: str = "ema") -> Path:
    run, out = Path(run), Path(out)
    if (run / "captioner").is_dir() or (run / "clip").is_dir():
        return export_perception_run(run, out, dtype)
    if (run / "best" / "config.json").is_file() and not (run / "checkpoint" / "unet.safetensors").exists():
        return export_backbone_run(run, out, dtype)
    ckpt = run / "checkpoint"
    if not (run / "config.json").is_file() or not (ckpt / "state.json").is_file():
        raise ValueError(f"{run} is not a training run with a checkpoint (config.json, checkpoint/state.json)")
    cfg = BackboneConfig.from_dict(json.loads((run / "config.json").read_text()), str(run / "config.json"))
    pipe = build_pipeline(cfg)
    step = json.loads((ckpt / "state.json").read_text())["step"]
    prefix = "ema_" if weights == "ema" else ""
    pipe.unet.load_state_dict(load_file(ckpt / f"{prefix}unet.safetensors"))
    pipe.text_encoder.load_state_dict(load_file(ckpt / f"{prefix}text_encoder.safetensors"))
    pipe.to(getattr(torch, dtype))
    save_pipeline(pipe, cfg.replace(trained_steps=step, weights=weights).to_dict(), out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    ap.add_argument("--weights", default="ema", choices=["ema", "live"],
                    help="the exponential moving average (default) or the last optimiser step")
    args = ap.parse_args(argv)
    try:
        print(export_run(Path(args.run), Path(args.out), args.dtype, args.weights))
    except (ValueError, WeightsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
