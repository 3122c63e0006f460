"""A joint image-text embedding (CLIP) built with open_clip and trained here from scratch.

The architecture is a small custom open_clip config (a ViT over 4 x 4 patches, or a small ResNet
where the config lists blocks per stage, and a causal text transformer pooled at its [SEP] token) registered with `open_clip.add_model_config` and created
with `pretrained=None`; the text side reads the family's word-level tokenizer, the same
vocabulary as the backbone. Trained by `imagery_agent.training.train_clip`. Uses: retrieval
captioning, CLIP score, R-precision, naming the objects in an image, and re-ranking imagined
samples.
"""
from __future__ import annotations

import json
from pathlib import Path

import open_clip
import torch
from safetensors.torch import load_file, save_file
from transformers import PreTrainedTokenizerFast

from ..backbones.tokenizer import build_tokenizer, check_prompts
from ..scenes import get_family
from .images import to_pixel_values
from .saved import SavedModel


def model_name(family: str) -> str:
    return f"imagery-clip-{family}"


def open_clip_config(cfg, vocab_size: int) -> dict:
    """The open_clip model config (the JSON that `add_model_config` registers) of a `ClipConfig`."""
    v, t = cfg.vision, cfg.text
    if isinstance(v["layers"], (list, tuple)):  # a ResNet (open_clip's ModifiedResNet): blocks per stage
        vision = {"image_size": cfg.image_size, "width": v["width"], "layers": list(v["layers"]),
                  "head_width": v["width"] * 32 // v["heads"]}
    else:  # a ViT over patch_size patches
        vision = {"image_size": cfg.image_size, "patch_size": v["patch_size"], "width": v["width"],
                  "layers": v["layers"], "head_width": v["width"] // v["heads"], "mlp_ratio": 2.0}
    return {
        "embed_dim": cfg.embed_dim,
        "vision_cfg": vision,
        "text_cfg": {"context_length": cfg.context_length, "vocab_size": vocab_size, "width": t["width"],
                     "heads": t["heads"], "layers": t["layers"], "mlp_ratio": 2.0,
                     "pad_id": 0, "eos_id": 3, "pool_type": "eos"},  # [PAD] = 0, [SEP] = 3 (tokenizer.SPECIALS)
    }


def create_open_clip(name: str, config: dict, folder: Path) -> torch.nn.Module:
    """Write the config as `folder/<name>.json`, register it with open_clip and build the model."""
    path = Path(folder) / f"{name}.json"
    path.write_text(json.dumps(config, indent=1))
    open_clip.add_model_config(path)
    return _create(name)


def _create(name: str) -> torch.nn.Module:
    """open_clip.create_model(name, pretrained=None), without its warning that no pretrained
    weights were loaded: none exist, by design; trained weights are loaded right after."""
    import logging
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        return open_clip.create_model(name, pretrained=None)
    finally:
        root.setLevel(level)


class JointEmbedding(SavedModel):
    """Images and descriptions in one space, compared by cosine similarity."""

    kind, folder_name, label = "joint_embedding", "clip", "joint embedding"

    def __init__(self, model, tokenizer: PreTrainedTokenizerFast, family: str, image_size: int,
                 context_length: int, config: dict, mention_bias: float | None = None):
        self.model, self.tokenizer, self.family = model.eval(), tokenizer, family
        self.image_size, self.context_length, self.config = image_size, context_length, config
        self.mention_bias = mention_bias  # the sigmoid bias the mention loss learned (see name_objects)

    @classmethod
    def from_config(cls, cfg, workdir: Path) -> "JointEmbedding":
        """A fresh, untrained joint embedding of a `ClipConfig`."""
        tok = build_tokenizer(get_family(cfg.family).vocabulary(), cfg.context_length)
        config = open_clip_config(cfg, len(tok.get_vocab()))
        model = create_open_clip(model_name(cfg.family), config, workdir)
        return cls(model, tok, cfg.family, cfg.image_size, cfg.context_length, config)

    # --- saving and loading (SavedModel) ---------------------------------------------------
    def _meta(self) -> dict:
        return {"image_size": self.image_size, "context_length": self.context_length,
                "mention_bias": self.mention_bias}

    def _save_weights(self, folder: Path, dtype) -> None:
        save_file({k: v.detach().to(dtype if v.is_floating_point() else v.dtype).contiguous()
                   for k, v in self.model.state_dict().items()}, folder / "model.safetensors")
        (folder / f"{model_name(self.family)}.json").write_text(json.dumps(self.config, indent=1))

    @classmethod
    def _load(cls, folder: Path, meta: dict, tokenizer) -> "JointEmbedding":
        name = model_name(meta["family"])
        config = json.loads((folder / f"{name}.json").read_text())
        open_clip.add_model_config(folder / f"{name}.json")
        model = _create(name)
        model.load_state_dict(load_file(folder / "model.safetensors"))
        return cls(model.float(), tokenizer, meta["family"], meta["image_size"], meta["context_length"], config,
                   meta.get("mention_bias"))

    # --- encoders --------------------------------------------------------------------------
    def tokens(self, texts) -> torch.Tensor:
        texts = check_prompts(texts, self.tokenizer)
        return self.tokenizer(texts, padding="max_length", max_length=self.context_length,
                              return_tensors="pt")["input_ids"]

    def image_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(x, normalize=True)

    def text_features(self, ids: torch.Tensor) -> torch.Tensor:
        return self.model.encode_text(ids, normalize=True)

    @torch.no_grad()
    def encode_images(self, images, batch: int = 256) -> torch.Tensor:
        """Unit-length embeddings, one row per image."""
        x = to_pixel_values(images, self.image_size)
        return torch.cat([self.image_features(x[i:i + batch]) for i in range(0, len(x), batch)])

    @torch.no_grad()
    def encode_texts(self, texts, batch: int = 256) -> torch.Tensor:
        ids = self.tokens(texts)
        return torch.cat([self.text_features(ids[i:i + batch]) for i in range(0, len(ids), batch)])

    # --- uses ------------------------------------------------------------------------------
    def similarity(self, images, texts) -> torch.Tensor:
        """Cosine similarity, images x texts."""
        return self.encode_images(images) @ self.encode_texts(texts).T

    def clip_score(self, images, texts) -> torch.Tensor:
        """CLIP score of each (image, text) pair: 100 x max(cosine, 0), as torchmetrics reports it."""
        img, txt = self.encode_images(images), self.encode_texts(texts)
        return 100 * (img * txt).sum(-1).clamp(min=0)

    def retrieve(self, images, candidates: list[str], k: int = 1) -> list[list[tuple[str, float]]]:
        """Retrieval captioning: for each image the `k` best of the candidate descriptions."""
        sims = self.similarity(images, candidates)
        top = sims.topk(min(k, len(candidates)), dim=1)
        return [[(candidates[j], float(s)) for s, j in zip(row_s, row_i)] for row_s, row_i in zip(top.values, top.indices)]

    def presence(self, images, names) -> torch.Tensor:
        """images x names: the probability that each image holds each named object, from its
        similarity with 'There is a NAME.' through the sigmoid the mention loss trained (the plain
        cosine where the model has no saved bias)."""
        mention = get_family(self.family).mention
        if mention is None:
            raise NotImplementedError(f"the {self.family} family has no naming sentence (SceneFamily.mention)")
        sims = self.similarity(images, [mention.format(name=n) for n in names])
        if self.mention_bias is None:
            return sims
        return torch.sigmoid(self.model.logit_scale.detach().exp() * sims + self.mention_bias)

    def name_objects(self, image, names) -> dict[str, float]:
        """Zero-shot naming: each name's `presence` in one image, best first (> 0.5: present)."""
        names = list(names)
        return dict(sorted(zip(names, self.presence([image], names)[0].tolist()), key=lambda kv: -kv[1]))

    def rerank(self, text: str, images) -> list[int]:
        """Indices of `images` (several imagined samples of `text`), best match first."""
        sims = self.similarity(images, [text])[:, 0]
        return sims.argsort(descending=True).tolist()


def load_joint_embedding(family: str, path: str | Path | None = None) -> JointEmbedding:
    """The shipped joint embedding of a family (or the one saved at `path`)."""
    return JointEmbedding.load(family, path)
