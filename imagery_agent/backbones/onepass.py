"""Backbones that draw a picture in one forward pass: a conditional VAE and a text-conditional GAN.

Both decode (words, latent) with the same `WordAttentionDecoder`, so what differs is the
account of the latent and the training objective:
- `ConditionalVAE` (Kingma & Welling 2014; Sohn et al. 2015): an encoder reads the picture and
  the words into a posterior over the latent; training pays for reconstruction and for the
  posterior's distance from the prior; imagining draws the latent from the prior.
- `TextConditionalGAN` (Reed et al. 2016; AttnGAN, Xu et al. 2018): the latent is noise, and a
  discriminator that sees the picture and the words (a projection discriminator, Miyato &
  Koyama 2018) is the critic; a reconstruction term beside the adversarial one (as pix2pix)
  teaches the places, which an adversary alone learns too slowly on a CPU budget.
"""
from __future__ import annotations

import torch
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn

from .decoders import ConvEncoder, WordAttentionDecoder
from .generative import WordReader, pooled, seeded_normal


class _OnePass(ModelMixin, ConfigMixin):
    config_name = "config.json"
    sampler_evaluations = 1

    def _build(self, vocabulary, image_size, hidden, layers, heads, max_length, latent_dim, grid, channels,
               decoder_layers, grounding_classes, palette=0, leaf_words=(), pad_to=None, colour_words=()):
        self.words = WordReader(vocabulary, hidden, layers, heads, max_length, tuple(grounding_classes),
                                leaf_words=tuple(leaf_words), pad_to=pad_to)
        self.decoder = WordAttentionDecoder(hidden, latent_dim, image_size, grid, tuple(channels), decoder_layers, heads,
                                            palette=palette, colour_apart=bool(colour_words))
        if set(colour_words) - set(leaf_words):
            raise ValueError("colour words must be leaf words (read by no other word), else the shape path "
                             f"would read them through other words: {sorted(set(colour_words) - set(leaf_words))}")
        vocab = self.words.tokenizer.get_vocab()
        self.register_buffer("colour_ids", torch.tensor(sorted(vocab[w] for w in colour_words), dtype=torch.long),
                             persistent=False)

    def read(self, prompts: list[str]):
        """(token states, mask, the tokens' own embeddings, each word's role) of the prompts."""
        hidden, mask, ids = self.words.encode(prompts)
        return hidden, mask, self.embedded(ids), self.roles(ids)

    def roles(self, input_ids) -> torch.Tensor | None:
        """1 for a colour word, 2 for another leaf word (a kind, a door state), 0 otherwise; None
        for a decoder that reads colour and shape together."""
        if not len(self.colour_ids):
            return None
        leaves = self.words.leaves(input_ids)
        colour = torch.isin(input_ids, self.colour_ids)
        return colour.long() + 2 * (leaves & ~colour).long()

    def embedded(self, input_ids) -> torch.Tensor:
        """Each token's embedding before any context (what a palette decoder reads colours from)."""
        return self.words.encoder.embeddings.word_embeddings(input_ids)

    def decode(self, hidden, mask, latent, embedded=None, roles=None) -> torch.Tensor:
        out = self.decoder(hidden, mask, latent, embedded, roles)
        return out if self.decoder.bounded else torch.tanh(out)

    @torch.no_grad()
    def draw(self, prompts: list[str], generators: list[torch.Generator]) -> torch.Tensor:
        """Pictures in [-1, 1], the latent of image i drawn from the prior with `generators[i]`."""
        hidden, mask, embedded, roles = self.read(prompts)
        z = seeded_normal(generators, (self.config.latent_dim,)).to(hidden.device, hidden.dtype)
        return self.decode(hidden, mask, z, embedded, roles)


class ConditionalVAE(_OnePass):
    backbone_name = "vae"

    @register_to_config
    def __init__(self, family: str, vocabulary: list, image_size: int = 32, hidden: int = 128, layers: int = 4,
                 heads: int = 4, max_length: int = 128, latent_dim: int = 8, grid: int = 16,
                 channels: tuple = (128, 64), decoder_layers: int = 2, encoder_channels: tuple = (64, 128),
                 grounding_classes: tuple = (), palette: int = 0, leaf_words: tuple = (), pad_to: int | None = None,
                 colour_words: tuple = ()):
        super().__init__()
        self._build(vocabulary, image_size, hidden, layers, heads, max_length, latent_dim, grid, channels,
                    decoder_layers, grounding_classes, palette, leaf_words, pad_to, colour_words)
        self.encoder = ConvEncoder(tuple(encoder_channels))
        side = image_size >> len(encoder_channels)
        self.posterior = nn.Linear(encoder_channels[-1] * side * side + hidden, 2 * latent_dim)

    def encode(self, x, hidden, mask):
        """(mean, log-variance) of the posterior over the latent, given the picture and its words."""
        feats = torch.cat([self.encoder(x).flatten(1), pooled(hidden, mask)], 1)
        return self.posterior(feats).chunk(2, dim=1)


class TextConditionalGAN(_OnePass):
    """The generator (the part that imagines); `ProjectionDiscriminator` trains beside it."""

    backbone_name = "gan"

    @register_to_config
    def __init__(self, family: str, vocabulary: list, image_size: int = 32, hidden: int = 128, layers: int = 4,
                 heads: int = 4, max_length: int = 128, latent_dim: int = 16, grid: int = 16,
                 channels: tuple = (128, 64), decoder_layers: int = 2, grounding_classes: tuple = (),
                 palette: int = 0, pad_to: int | None = None):
        super().__init__()
        self._build(vocabulary, image_size, hidden, layers, heads, max_length, latent_dim, grid, channels,
                    decoder_layers, grounding_classes, palette, pad_to=pad_to)


class ProjectionDiscriminator(nn.Module):
    """Is this a real picture of these words? A score per image: conv features, plus their inner
    product with the words' pooled state (the projection that makes it conditional)."""

    def __init__(self, words_dim: int, channels: tuple = (64, 128, 128)):
        super().__init__()
        self.features = ConvEncoder(tuple(channels))
        self.real = nn.Linear(channels[-1], 1)
        self.embed = nn.Linear(words_dim, channels[-1])

    def forward(self, x, words_vector):
        f = self.features(x).mean((2, 3))
        return self.real(f).squeeze(-1) + (f * self.embed(words_vector)).sum(-1)
