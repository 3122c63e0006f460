"""What every non-diffusion backbone shares: reading the words, the imaginer, saving and loading.

The seeds' generative models (DALL-E, VQ-VAE, a conditional VAE, a text-conditional GAN, a
conditional PixelCNN) are each a different account of how a picture is made from words; here
they all read the words the same way, with a small RoFormer over the family's controlled English
(sentence-local attention and a grounding head, as the diffusion backbone does), so that a
comparison between them is a comparison of the image models. Each model is a diffusers
`ModelMixin` + `ConfigMixin` (config JSON + safetensors, `save_pretrained` / `from_pretrained`),
and `GenerativeImaginer` puts any of them behind the Imaginer contract.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm
from transformers import RoFormerConfig, RoFormerModel

from ..checksums import verify_manifest, write_manifest
from ..imagery.mental_image import MentalImage
from ..io import WeightsError, atomic_folder, check_weights_folder
from ..scenes import get_family
from .imaginer import check_texts, quiet_loading
from .pipeline import encode_tokens
from .tokenizer import build_tokenizer, check_prompts


class WordReader(nn.Module):
    """Words -> token states: a RoFormer whose tokens attend within their own sentence (one
    sentence states one fact), with the family's grounding head trained beside it; every prompt is
    padded to `pad_to` tokens (default `max_length`). `leaf_words`
    (e.g. a room's colours, kinds and door states) are read by no other token, so that 'grey'
    means the same beside 'door' as beside 'key' and a pair never seen is two words each seen."""

    def __init__(self, vocabulary, hidden: int, layers: int, heads: int, max_length: int,
                 grounding_classes=(), max_sentences: int = 16, leaf_words=(), pad_to: int | None = None):
        super().__init__()
        if pad_to is not None and (isinstance(pad_to, bool) or not isinstance(pad_to, int) or not 1 <= pad_to <= max_length):
            raise ValueError(f"pad_to must be a whole number from 1 to max_length ({max_length}), got {pad_to!r}")
        self.max_length, self.pad_to = max_length, pad_to or max_length
        self._tokenizer = build_tokenizer(set(vocabulary), max_length)
        unknown = sorted(set(leaf_words) - set(vocabulary))
        if unknown:
            raise ValueError(f"leaf words not in the vocabulary: {', '.join(unknown)}")
        vocab = self._tokenizer.get_vocab()
        self.register_buffer("leaf_ids", torch.tensor(sorted(vocab[w] for w in leaf_words), dtype=torch.long),
                             persistent=False)
        self.encoder = RoFormerModel(RoFormerConfig(
            vocab_size=len(self._tokenizer.get_vocab()), embedding_size=hidden, hidden_size=hidden,
            num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=2 * hidden,
            max_position_embeddings=max_length, type_vocab_size=max_sentences, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0))
        self.grounding = nn.Linear(hidden, sum(grounding_classes)) if grounding_classes else None

    @property
    def tokenizer(self):
        return self._tokenizer

    def tokenize(self, prompts: list[str], length: int | None = None) -> dict:
        """The prompts padded to `length` tokens (default: the batch's longest and at least `pad_to`)."""
        prompts = check_prompts(prompts, self._tokenizer)
        device = self.encoder.embeddings.word_embeddings.weight.device
        longest = max(len(ids) for ids in self._tokenizer(prompts)["input_ids"])
        batch = self._tokenizer(prompts, padding="max_length", max_length=max(length or self.pad_to, longest),
                                return_tensors="pt")
        return {k: v.to(device) for k, v in batch.items()}

    def encode(self, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(token states, mask, token ids) of prompts each read at its own length, `pad_to` or its
        own if longer: padding is attended (encode_tokens), so padding to the batch's longest made a
        prompt's picture depend on the other prompts of its batch. Prompts of one length are read
        together; the states are then padded with zeros, masked, to the batch's longest. The shipped
        islands models pad to 78, the longest islands prompt, as every training batch did (padded to
        128 their maps were 0.91 right, not 1.00)."""
        lengths = [max(self.pad_to, len(ids)) for ids in self._tokenizer(check_prompts(prompts, self._tokenizer))["input_ids"]]
        width = max(lengths)
        device = self.encoder.embeddings.word_embeddings.weight.device
        states = torch.zeros(len(prompts), width, self.encoder.config.hidden_size, device=device)
        mask = torch.zeros(len(prompts), width, dtype=torch.long, device=device)
        ids = torch.full((len(prompts), width), self._tokenizer.pad_token_id, dtype=torch.long, device=device)
        for n in sorted(set(lengths)):
            rows = [i for i, l in enumerate(lengths) if l == n]
            batch = self.tokenize([prompts[i] for i in rows], n)
            states[rows, :n] = self(batch["input_ids"], batch["attention_mask"])
            mask[rows, :n], ids[rows, :n] = batch["attention_mask"], batch["input_ids"]
        return states, mask, ids

    def leaves(self, input_ids) -> torch.Tensor | None:
        """Which tokens are leaf words (read by no other token), or None when there are none."""
        return torch.isin(input_ids, self.leaf_ids) if len(self.leaf_ids) else None

    def forward(self, input_ids, attention_mask) -> torch.Tensor:
        return encode_tokens(self.encoder, self._tokenizer, input_ids, attention_mask, leaves=self.leaves(input_ids))


def pooled(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean token state of each prompt (padding left out)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(B, 3, H, W) in [-1, 1] -> (B, H, W, 3) uint8; non-finite values mean damaged weights."""
    if not torch.isfinite(x).all():
        raise WeightsError("the model drew non-finite values (NaN or infinity): its weights are damaged")
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def check_temperature(temperature) -> float:
    """A sampling temperature is a positive number; 0 or less would invert or break the sampling."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f"temperature must be a number above 0, got {temperature!r}")
    return float(temperature)


def check_candidates(candidates) -> int:
    """How many samples reranking draws: a whole number, at least 1 (1: no reranking)."""
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise ValueError(f"candidates must be a whole number of at least 1, got {candidates!r}")
    return candidates


def seeded_normal(generators: list[torch.Generator], shape: tuple) -> torch.Tensor:
    """One draw per image from its own generator: an image never depends on its batch."""
    return torch.stack([torch.randn(shape, generator=g) for g in generators])


class GenerativeImaginer:
    """Any backbone with `draw(prompts, generators, **options) -> (B, 3, H, W) in [-1, 1]`
    behind the Imaginer contract: descriptions read by the family's parser first (unknown words
    refused by name), drawn from their canonical wording, text i from seed `seed + i`."""

    def __init__(self, model, family: str, name: str | None = None, batch_size: int = 50, **options):
        self.model, self.family, self.options = model.eval(), family, options
        self.name = name or f"{model.backbone_name}-{family}"
        self.batch_size = batch_size
        self.size = model.config.image_size
        # network evaluations per image: each of several reranked candidates is sampled in full
        self.steps = getattr(model, "sampler_evaluations", 1) * options.get("candidates", 1)
        self.guidance, self.guidance_steps = None, None

    def imagine(self, texts, *, seed: int = 0, steps: int | None = None, guidance: float | None = None,
                progress: bool = False, extra_names=()) -> list[MentalImage]:
        if steps not in (None, self.steps) or guidance not in (None, 1.0):
            raise ValueError(f"the {self.model.backbone_name} backbone has no sampler steps or guidance to set "
                             f"(got steps={steps}, guidance={guidance})")
        fam = get_family(self.family)
        texts = check_texts(fam, texts, extra_names)
        prompts = [fam.prompt(fam.parse(t, extra_names=extra_names)) for t in texts]
        out = []
        with torch.no_grad():
            for i in tqdm(range(0, len(texts), self.batch_size), disable=not progress, desc="imagine"):
                chunk = prompts[i:i + self.batch_size]
                gens = [torch.Generator().manual_seed(seed + i + j) for j in range(len(chunk))]
                images = to_uint8(self.model.draw(chunk, gens, **self.options))
                out += [MentalImage(im, t, seed + i + j, self.name)
                        for j, (im, t) in enumerate(zip(images, texts[i:i + len(chunk)]))]
        return out


def save_backbone(model, folder: str | Path, training_config: dict | None = None) -> Path:
    """config.json + safetensors (+ the training config), with a checksum manifest, atomically."""
    with atomic_folder(Path(folder)) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        if training_config is not None:
            (tmp / "training_config.json").write_text(json.dumps(training_config, indent=1))
        write_manifest(tmp)
    return Path(folder)


def load_backbone_model(cls, folder: str | Path, *, required_manifest: bool = False):
    """A saved model of class `cls`, checked (files present, checksums) before torch reads it."""
    folder = Path(folder)
    if not folder.exists():
        raise WeightsError(f"no {cls.backbone_name} backbone at {folder}")
    check_weights_folder(folder, "config.json")
    verify_manifest(folder, required=required_manifest)
    try:
        saved = json.loads((folder / "config.json").read_text()).get("_class_name")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise WeightsError(f"{folder / 'config.json'} is not valid JSON: {e}") from None
    if saved != cls.__name__:
        raise WeightsError(f"{folder} holds a {saved!r} model, not a {cls.__name__} ({cls.backbone_name})")
    try:
        with quiet_loading():
            model = cls.from_pretrained(folder, use_safetensors=True)
    except Exception as e:  # noqa: BLE001
        raise WeightsError(f"could not load the {cls.backbone_name} backbone at {folder}: {e}") from None
    return model.float().eval()


__all__ = ["WordReader", "pooled", "to_uint8", "check_candidates", "seeded_normal", "GenerativeImaginer", "save_backbone",
           "load_backbone_model"]
