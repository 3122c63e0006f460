"""Every backbone by name, and the one way to load any of them as an imaginer.

`load_backbone("islands", "gan")` gives the shipped GAN of the islands family as an Imaginer;
`path=` loads a trained folder instead. Shipped weights live in `weights/FAMILY` (diffusion) and
`weights/FAMILY_BACKBONE` (the others); each folder's `training_config.json` may carry the
imagining settings chosen on validation scenes (`"sampling"`: top_k, top_p, temperature,
candidates).
"""
from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

from ..io import WeightsError
from ..scenes import get_family

BACKBONES = {
    "diffusion": None,  # imaginer.load_imaginer: a diffusers pipeline
    "dalle": "imagery_agent.backbones.dalle:DallE",
    "vqvae": "imagery_agent.backbones.dalle:VQVAEPrior",
    "vae": "imagery_agent.backbones.onepass:ConditionalVAE",
    "gan": "imagery_agent.backbones.onepass:TextConditionalGAN",
    "pixelcnn": "imagery_agent.backbones.pixelcnn:ConditionalPixelCNN",
}


def check_backbone(name: str) -> str:
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose from {', '.join(BACKBONES)}")
    return name


def backbone_class(name: str):
    module, cls = BACKBONES[check_backbone(name)].split(":")
    return getattr(importlib.import_module(module), cls)


def weights_folder(family: str, backbone: str) -> Path:
    from ..weights import WEIGHTS_DIR
    return WEIGHTS_DIR / (family if backbone == "diffusion" else f"{family}_{backbone}")


def shipped(family: str) -> list[str]:
    """The backbones with shipped weights for `family`."""
    out = []
    for name in BACKBONES:
        folder = weights_folder(family, name)
        if (folder / ("model_index.json" if name == "diffusion" else "config.json")).exists():
            out.append(name)
    return out


RERANKERS = ("embedding", "caption")
"""What picks the best of several samples: the joint embedding's similarity (DALL-E's CLIP
reranking) or the captioner's reading of each sample compared with the words (dual coding)."""


def load_reranker(family: str, name: str):
    """The family's shipped reranker `name` (one of RERANKERS)."""
    if name not in RERANKERS:
        raise ValueError(f"reranker must be one of {', '.join(RERANKERS)}, got {name!r}")
    if name == "caption":
        from ..perception.captioner import load_captioner
        return load_captioner(family)
    from ..perception.joint_embedding import load_joint_embedding
    return load_joint_embedding(family)


def load_backbone(family: str, backbone: str = "diffusion", path: str | Path | None = None, batch_size: int = 50,
                  **options):
    """An Imaginer of `family` drawn by `backbone` (shipped weights, or the folder `path`).
    `options` override the saved imagining settings (e.g. top_k, candidates for dalle)."""
    from .generative import GenerativeImaginer, check_candidates, load_backbone_model
    get_family(family)
    check_backbone(backbone)
    if backbone == "diffusion":
        if options:
            raise ValueError(f"the diffusion backbone takes its settings from its weights, not {sorted(options)}")
        from .imaginer import load_imaginer
        return load_imaginer(family, path)
    folder = Path(path) if path is not None else weights_folder(family, backbone)
    if path is None and not folder.exists():
        raise WeightsError(f"no shipped {backbone} backbone for {family!r}; shipped: {', '.join(shipped(family)) or 'none'}"
                           f" (train one with python -m imagery_agent.training.train --family {family} "
                           f"--backbone {backbone} --out DIR)")
    model = load_backbone_model(backbone_class(backbone), folder, required_manifest=path is None)
    if model.config.family != family:
        raise WeightsError(f"the {backbone} backbone at {folder} draws {model.config.family!r} scenes, not {family!r}")
    settings = {}
    cfg_file = folder / "training_config.json"
    if cfg_file.exists():
        settings = dict(json.loads(cfg_file.read_text()).get("sampling") or {})
    settings.update(options)
    allowed = [p for p in inspect.signature(model.draw).parameters if p not in ("prompts", "generators")]
    unknown = [k for k in settings if k not in allowed]
    if unknown:
        raise ValueError(f"the {backbone} backbone has no setting {unknown[0]!r}; its settings: "
                         f"{', '.join(allowed) or 'none'}")
    reranker = settings.get("reranker", "embedding" if check_candidates(settings.get("candidates", 1)) > 1 else None)
    if isinstance(reranker, str):
        settings["reranker"] = load_reranker(family, reranker)
    name = f"{backbone}-{family}" + ("" if path is None else f"@{folder.name}")
    return GenerativeImaginer(model, family, name=name, batch_size=batch_size, **settings)
