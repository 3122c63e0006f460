"""DALL-E and VQ-VAE with a learned prior: a picture as a sentence of image tokens, written after
the words by a decoder-only transformer.

Ramesh et al. (2021): text tokens, then the picture's tokens (from a discrete VAE), modelled as
one stream by a transformer that predicts each token from the ones before it; every text
position has its own padding token, so a picture's tokens always sit at the same positions.
Imagining is sampling the image tokens one by one (top-k / top-p), decoding them with the
discrete VAE, and, with `candidates` > 1, keeping the sample the joint embedding (CLIP, trained
here) finds closest to the words. `VQVAEPrior` is the same prior over a VQ-VAE's codes
(van den Oord et al. 2017, with the PixelCNN prior replaced by the same transformer).

The transformer is transformers' GPT-2; sampling is a loop of our own with its key-value cache
so that each picture draws from its own seed (a picture never depends on its batch).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.generation.logits_process import TopKLogitsWarper, TopPLogitsWarper

from .generative import check_candidates, check_temperature
from .image_tokens import DiscreteVAE, VectorQuantizer
from .tokenizer import build_tokenizer, check_prompts


class _TokenPrior(ModelMixin, ConfigMixin):
    config_name = "config.json"

    def _build(self, vocabulary, image_size, text_length, codebook_size, code_dim, channels, layers, heads, hidden,
               image_positions=False):
        self._tokenizer = build_tokenizer(set(vocabulary), text_length)
        self.n_text = len(self._tokenizer.get_vocab())
        self.grid = image_size >> len(channels)
        self.n_image = self.grid * self.grid
        self.bos = self.n_text + codebook_size  # 'the picture starts here'
        self.transformer = GPT2LMHeadModel(GPT2Config(
            vocab_size=self.bos + 1 + text_length, n_positions=text_length + 1 + self.n_image, n_embd=hidden,
            n_layer=layers, n_head=heads, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
            bos_token_id=self.bos, eos_token_id=None, tie_word_embeddings=False))
        self.sampler_evaluations = self.n_image
        if image_positions:  # DALL-E's row and column embeddings of the image token being predicted
            self.image_rows = nn.Embedding(self.grid, hidden)
            self.image_cols = nn.Embedding(self.grid, hidden)
            nn.init.zeros_(self.image_rows.weight)
            nn.init.zeros_(self.image_cols.weight)

    def embed(self, ids: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Input embeddings of `ids`, which sit at positions `start`, `start + 1`, ... of the
        stream. With image positions, the input at position text_length + k (the picture's start
        token, then each image token) also carries the row and column of image token k, the one
        it predicts."""
        emb = self.transformer.transformer.wte(ids)
        if not self.config.image_positions:
            return emb
        k = torch.arange(start, start + ids.shape[1], device=ids.device) - self.config.text_length
        inside = ((k >= 0) & (k < self.n_image)).to(emb.dtype)[:, None]
        k = k.clamp(0, self.n_image - 1)
        return emb + inside * (self.image_rows(k // self.grid) + self.image_cols(k % self.grid))

    @property
    def tokenizer(self):
        return self._tokenizer

    @property
    def sequence_offset(self) -> int:
        return self.n_text

    def text_tokens(self, prompts: list[str]) -> torch.Tensor:
        """(B, text_length + 1): the words, each unused text position filled with its own padding
        token (DALL-E's), then the token that starts the picture."""
        prompts = check_prompts(prompts, self._tokenizer)
        t = self.config.text_length
        ids = self._tokenizer(prompts, padding="max_length", max_length=t, return_tensors="pt")
        pad = self.bos + 1 + torch.arange(t)
        out = torch.where(ids["attention_mask"].bool(), ids["input_ids"], pad)
        return torch.cat([out, torch.full((len(prompts), 1), self.bos)], 1).to(self.device)

    def loss(self, prompts: list[str], tokens: torch.Tensor, text_weight: float = 1 / 8) -> tuple:
        """(loss, image-token loss): next-token cross-entropy over the image tokens, plus
        `text_weight` of it over the words (not their padding), as DALL-E weights them."""
        text = self.text_tokens(prompts)
        seq = torch.cat([text, tokens.flatten(1) + self.n_text], 1)
        logits = self.transformer(inputs_embeds=self.embed(seq[:, :-1])).logits
        target = seq[:, 1:]
        t = self.config.text_length
        image_loss = F.cross_entropy(logits[:, t:].reshape(-1, logits.shape[-1]), target[:, t:].reshape(-1))
        words = target[:, :t - 1] < self.n_text
        text_loss = F.cross_entropy(logits[:, :t - 1][words], target[:, :t - 1][words])
        return image_loss + text_weight * text_loss, image_loss

    @torch.no_grad()
    def sample_tokens(self, prompts: list[str], generators: list[torch.Generator], top_k: int | None = None,
                      top_p: float | None = None, temperature: float = 1.0) -> torch.Tensor:
        """(B, grid, grid) image tokens, sampled one at a time with each picture's own generator."""
        temperature = check_temperature(temperature)
        seq = self.text_tokens(prompts)
        warpers = ([TopKLogitsWarper(top_k)] if top_k else []) + ([TopPLogitsWarper(top_p)] if top_p else [])
        out = self.transformer(inputs_embeds=self.embed(seq), use_cache=True)
        cache, logits = out.cache, out.logits[:, -1]
        picked = []
        for i in range(self.n_image):
            scores = logits[:, self.n_text:self.n_text + self.config.codebook_size] / temperature
            for w in warpers:
                scores = w(seq, scores)
            probs = F.softmax(scores, -1)
            nxt = torch.stack([torch.multinomial(p, 1, generator=g)[0] for p, g in zip(probs, generators)])
            picked.append(nxt)
            if i + 1 == self.n_image:
                break
            out = self.transformer(inputs_embeds=self.embed((nxt + self.n_text)[:, None], seq.shape[1] + i),
                                   cache=cache, use_cache=True)
            cache, logits = out.cache, out.logits[:, -1]
        return torch.stack(picked, 1).view(-1, self.grid, self.grid)

    @torch.no_grad()
    def draw(self, prompts: list[str], generators: list[torch.Generator], top_k: int | None = 32,
             top_p: float | None = None, temperature: float = 1.0, candidates: int = 1, reranker=None) -> torch.Tensor:
        """Pictures in [-1, 1]. With `candidates` > 1, each picture is the best of that many
        samples (drawn in turn from its own generator) by the `reranker`'s similarity to the words."""
        candidates = check_candidates(candidates)
        if candidates > 1 and reranker is None:
            raise ValueError("reranking several candidates needs a reranker (the family's joint embedding)")
        samples = [self.image_tokens.decode_tokens(self.sample_tokens(prompts, generators, top_k, top_p, temperature))
                   for _ in range(candidates)]
        if candidates == 1:
            return samples[0]
        stack = torch.stack(samples, 1)  # (B, candidates, 3, H, W)
        from .generative import to_uint8
        best = [reranker.rerank(p, list(to_uint8(stack[i])))[0] for i, p in enumerate(prompts)]
        return stack[torch.arange(len(prompts)), torch.tensor(best)]


class DallE(_TokenPrior):
    """DALL-E: a discrete VAE (Gumbel-softmax) and the transformer prior over its tokens."""

    backbone_name = "dalle"

    @register_to_config
    def __init__(self, family: str, vocabulary: list, image_size: int = 32, text_length: int = 96,
                 codebook_size: int = 256, code_dim: int = 64, channels: tuple = (64, 128), layers: int = 4,
                 heads: int = 4, hidden: int = 128, image_positions: bool = False):
        super().__init__()
        self.image_tokens = DiscreteVAE(codebook_size, code_dim, tuple(channels))
        self._build(vocabulary, image_size, text_length, codebook_size, code_dim, channels, layers, heads, hidden,
                    image_positions)


class VQVAEPrior(_TokenPrior):
    """A VQ-VAE and the same transformer prior over its codes."""

    backbone_name = "vqvae"

    @register_to_config
    def __init__(self, family: str, vocabulary: list, image_size: int = 32, text_length: int = 96,
                 codebook_size: int = 256, code_dim: int = 64, channels: tuple = (64, 128), layers: int = 4,
                 heads: int = 4, hidden: int = 128, image_positions: bool = False):
        super().__init__()
        self.image_tokens = VectorQuantizer(codebook_size, code_dim, tuple(channels))
        self._build(vocabulary, image_size, text_length, codebook_size, code_dim, channels, layers, heads, hidden,
                    image_positions)
