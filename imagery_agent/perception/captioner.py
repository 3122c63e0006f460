"""The captioner: a mental image in, the family's controlled English out (the verbal code).

A transformers `VisionEncoderDecoderModel`: a small ViT reads the image (with coordinate channels), a GPT-2 decoder with
cross-attention writes the caption word by word. It is trained (see
`imagery_agent.training.train_captioner`) to say each scene in its *canonical* wording, so that
the family's `parse()` reads the caption back into a scene. Decoding strategies: greedy, beam
search, top-k, top-p (nucleus) and temperature sampling, each able to return an n-best list of
alternative readings, every caption with its log-likelihood under the model.
"""
from __future__ import annotations

import copy

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import GPT2Config, PreTrainedTokenizerFast, ViTConfig, VisionEncoderDecoderConfig, \
    VisionEncoderDecoderModel

from ..backbones.pipeline import N_COORD_CHANNELS, coordinate_channels
from ..backbones.tokenizer import build_tokenizer
from ..scenes import get_family
from ..scenes.errors import SceneError
from .images import to_pixel_values
from .saved import SavedModel

STRATEGIES = ("greedy", "beam", "top_k", "top_p")


@dataclass
class Caption:
    text: str
    log_prob: float               # sum of the token log-probabilities under the captioner
    scene: object | None = None   # the caption parsed back into a scene (None if it does not parse)
    error: str | None = None      # why it did not parse

    @property
    def ok(self) -> bool:
        return self.scene is not None


def build_captioner_model(cfg, tokenizer: PreTrainedTokenizerFast) -> VisionEncoderDecoderModel:
    """The model a `CaptionerConfig` describes."""
    e, d = cfg.encoder, cfg.decoder
    enc = ViTConfig(image_size=cfg.image_size, patch_size=e["patch_size"], num_channels=3 + N_COORD_CHANNELS,
                    hidden_size=e["hidden"], num_hidden_layers=e["layers"], num_attention_heads=e["heads"],
                    intermediate_size=2 * e["hidden"], hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    vocab = tokenizer.get_vocab()
    dec = GPT2Config(vocab_size=len(vocab), n_positions=cfg.max_length, n_embd=d["hidden"], n_layer=d["layers"],
                     n_head=d["heads"], add_cross_attention=True, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
                     pad_token_id=tokenizer.pad_token_id)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    config.decoder_start_token_id = tokenizer.cls_token_id
    config.pad_token_id = tokenizer.pad_token_id
    config.eos_token_id = tokenizer.sep_token_id
    return VisionEncoderDecoderModel(config=config)


class Captioner(SavedModel):
    """Images in, captions (parsed into scenes) out."""

    kind, folder_name, label = "captioner", "captioner", "captioner"

    def __init__(self, model: VisionEncoderDecoderModel, tokenizer: PreTrainedTokenizerFast, family: str,
                 image_size: int, max_length: int):
        self.model, self.tokenizer, self.family = model.eval(), tokenizer, family
        self.image_size, self.max_length = image_size, max_length
        self._fam = get_family(family)

    @classmethod
    def from_config(cls, cfg) -> "Captioner":
        """A fresh, untrained captioner of a `CaptionerConfig`."""
        tok = build_tokenizer(get_family(cfg.family).vocabulary(), cfg.max_length + 2)
        return cls(build_captioner_model(cfg, tok), tok, cfg.family, cfg.image_size, cfg.max_length)

    # --- saving and loading (SavedModel) ---------------------------------------------------
    def _meta(self) -> dict:
        return {"image_size": self.image_size, "max_length": self.max_length}

    def _save_weights(self, folder: Path, dtype) -> None:
        model = self.model if dtype == torch.float32 else copy.deepcopy(self.model).to(dtype)
        model.save_pretrained(folder, safe_serialization=True)

    @classmethod
    def _load(cls, folder: Path, meta: dict, tokenizer) -> "Captioner":
        model = VisionEncoderDecoderModel.from_pretrained(folder, dtype=torch.float32, use_safetensors=True)
        return cls(model, tokenizer, meta["family"], meta["image_size"], meta["max_length"])

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Pixels plus coordinate channels (as the backbone's UNet gets them): each patch then
        carries where it is, so the decoder reads columns and rows without first having to learn
        position embeddings that say so."""
        return torch.cat([x, coordinate_channels(x.shape[-1], x.shape[0], dtype=x.dtype)], 1)

    # --- words <-> token ids ---------------------------------------------------------------
    def encode_targets(self, texts: list[str]) -> torch.Tensor:
        """Labels for teacher forcing: the caption's tokens then [SEP]; padding is -100."""
        batch = self.tokenizer(texts, padding=True, return_tensors="pt")
        ids = batch["input_ids"][:, 1:]            # drop [CLS]: it is the decoder's start token
        mask = batch["attention_mask"][:, 1:]
        if ids.shape[1] > self.max_length:
            raise SceneError(f"a caption of {ids.shape[1]} tokens is longer than this captioner writes "
                             f"({self.max_length})")
        return ids.masked_fill(mask == 0, -100)

    def loss(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Teacher-forced cross-entropy of the labels given the pixel values (training)."""
        return self.model(pixel_values=self.inputs(x), labels=labels, decoder_attention_mask=decoder_mask(labels)).loss

    def decode(self, ids) -> str:
        words = []
        for i in ids:
            i = int(i)
            if i == self.tokenizer.sep_token_id:
                break
            if i in (self.tokenizer.cls_token_id, self.tokenizer.pad_token_id, self.tokenizer.unk_token_id):
                continue
            words.append(self.tokenizer.convert_ids_to_tokens(i))
        text = " ".join(words).replace(" ,", ",").replace(" .", ".").replace(" ;", ";")
        return ". ".join(s[:1].upper() + s[1:] for s in text.split(". "))

    # --- reading images --------------------------------------------------------------------
    @torch.no_grad()
    def log_likelihood(self, images, texts: list[str]) -> torch.Tensor:
        """log p(text | image) summed over the text's tokens (and its end)."""
        return self._log_likelihood(to_pixel_values(images, self.image_size), list(texts))

    def _log_likelihood(self, x: torch.Tensor, texts: list[str]) -> torch.Tensor:
        labels = self.encode_targets(texts)
        logits = self.model(pixel_values=self.inputs(x), labels=labels, decoder_attention_mask=decoder_mask(labels)).logits
        logp = F.log_softmax(logits.float(), -1)
        picked = logp.gather(-1, labels.clamp(min=0)[..., None])[..., 0]
        return (picked * (labels != -100)).sum(-1)

    @torch.no_grad()
    def caption(self, images, strategy: str = "greedy", n: int = 1, *, num_beams: int = 4, top_k: int = 10,
                top_p: float = 0.9, temperature: float = 1.0, seed: int = 0) -> list[list[Caption]]:
        """For each image, `n` captions, best first by log-likelihood.

        greedy: the most likely word at each step (n must be 1); beam: beam search with
        `num_beams` (>= n) beams; top_k / top_p: sampling from the k most likely words or from
        the smallest set holding probability `top_p`, at `temperature`, from `seed`."""
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown decoding strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
        if n < 1 or (strategy == "greedy" and n != 1) or (strategy == "beam" and n > num_beams):
            raise ValueError(f"{strategy} decoding cannot return {n} captions"
                             + (" (use beam or sampling for n-best lists)" if strategy == "greedy" else
                                f" with {num_beams} beams" if strategy == "beam" else ""))
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        x = to_pixel_values(images, self.image_size)
        kw = dict(max_new_tokens=self.max_length - 1, num_return_sequences=n, pad_token_id=self.tokenizer.pad_token_id,
                  eos_token_id=self.tokenizer.sep_token_id, decoder_start_token_id=self.tokenizer.cls_token_id)
        if strategy == "greedy":
            kw.update(do_sample=False, num_beams=1)
        elif strategy == "beam":
            kw.update(do_sample=False, num_beams=num_beams, length_penalty=0.0, early_stopping=True)
        else:
            torch.manual_seed(seed)
            kw.update(do_sample=True, num_beams=1, temperature=temperature,
                      top_k=top_k if strategy == "top_k" else 0, top_p=top_p if strategy == "top_p" else 1.0)
        with _quiet_transformers():
            seqs = self.model.generate(pixel_values=self.inputs(x), **kw)
        texts = [self.decode(s) for s in seqs]
        scores = self._log_likelihood(x.repeat_interleave(n, 0), texts).tolist()
        out = []
        for b in range(x.shape[0]):
            caps = [self._read(texts[b * n + j], scores[b * n + j]) for j in range(n)]
            out.append(sorted(caps, key=lambda c: -c.log_prob))
        return out

    def read(self, images, **kw) -> list[Caption]:
        """The best caption of each image (see `caption` for the strategies)."""
        return [c[0] for c in self.caption(images, **kw)]

    def rerank(self, text: str, images) -> list[int]:
        return rerank_by_reading(self, text, images)

    def _read(self, text: str, log_prob: float) -> Caption:
        try:
            return Caption(text, log_prob, self._fam.parse(text))
        except SceneError as e:
            return Caption(text, log_prob, None, str(e))


@contextmanager
def _quiet_transformers():
    """generate() warns that the decoder's own inputs have no attention mask: they need none."""
    from transformers.utils import logging
    level = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)


def decoder_mask(labels: torch.Tensor) -> torch.Tensor:
    """Attention mask of the decoder's inputs (the start token, then the labels shifted right)."""
    real = (labels != -100).long()
    return torch.cat([torch.ones_like(real[:, :1]), real[:, :-1]], 1)


def rerank_by_reading(captioner, text: str, images) -> list[int]:
    """Indices of `images` (several imagined samples of `text`), best first, by reading each
    back: the share of the words' objects its caption puts in the right place (the dual-coding
    check), then the caption's likelihood; an image whose caption does not parse comes last."""
    from ..scenes.agreement import compare_scenes
    wanted = get_family(captioner.family).parse(text)
    captions = captioner.read(images)
    score = [(compare_scenes(captioner.family, wanted, c.scene).object_accuracy if c.ok else -1.0, c.log_prob)
             for c in captions]
    return sorted(range(len(captions)), key=lambda i: score[i], reverse=True)


def load_captioner(family: str, path: str | Path | None = None):
    """The shipped captioner of a family (or the one saved at `path`): the language-model
    `Captioner`, or the rooms `CellCaptioner`, whichever the folder's captioner.json names."""
    import json

    from ..weights import WEIGHTS_DIR
    folder = Path(path) if path is not None else WEIGHTS_DIR / "perception" / family / Captioner.folder_name
    try:
        kind = json.loads((folder / Captioner.marker()).read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        kind = None  # missing or damaged: Captioner.load names the problem
    if kind == "cell_captioner":
        from .cell_captioner import CellCaptioner
        return CellCaptioner.load(family, path)
    return Captioner.load(family, path)
