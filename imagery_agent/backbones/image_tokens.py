"""Pictures as grids of discrete tokens: DALL-E's discrete VAE and the VQ-VAE.

Both turn a picture into a grid of codebook indices (a 32 x 32 picture into 8 x 8 tokens) and a
grid of indices back into a picture; they differ in how the encoder's choice of a code is made
differentiable while training:
- `DiscreteVAE` (Ramesh et al. 2021): the encoder gives logits over the codebook; training
  decodes a Gumbel-softmax relaxation of a sample, its temperature annealed towards one-hot
  (`gumbel_temperature`), with a KL term pulling the encoder's distribution to the uniform prior.
- `VectorQuantizer` (van den Oord et al. 2017): the encoder gives a vector, snapped to its
  nearest code; gradients pass straight through, and codebook and commitment losses keep codes
  and encoder outputs together.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .decoders import ConvEncoder, ResBlock


def gumbel_temperature(step: int, total: int, start: float = 1.0, end: float = 1 / 16) -> float:
    """DALL-E's schedule: exponential decay from `start` to `end` over the first 80% of `total`
    steps, then held at `end`."""
    done = min(1.0, step / max(1, 0.8 * total))
    return start * math.exp(done * math.log(end / start))


class TokenDecoder(nn.Module):
    """(B, dim, g, g) code vectors -> (B, 3, size, size) in [-1, 1]."""

    def __init__(self, dim: int, channels: tuple, groups: int = 8):
        super().__init__()
        layers = [nn.Conv2d(dim, channels[0], 3, padding=1), ResBlock(channels[0], groups)]
        for c_in, c_out in zip(channels, channels[1:] + (channels[-1],)):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1),
                       ResBlock(c_out, groups)]
        layers += [nn.GroupNorm(groups, channels[-1]), nn.SiLU(), nn.Conv2d(channels[-1], 3, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, codes):
        return torch.tanh(self.net(codes))


class _ImageTokenizer(nn.Module):
    def __init__(self, codebook_size: int, code_dim: int, channels: tuple):
        super().__init__()
        self.codebook_size = codebook_size
        self.encoder = ConvEncoder(tuple(channels))
        self.codebook = nn.Embedding(codebook_size, code_dim)
        self.decoder = TokenDecoder(code_dim, tuple(reversed(channels)))

    def decode_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, g, g) code indices -> pictures."""
        return self.decoder(self.codebook(tokens).permute(0, 3, 1, 2))


class DiscreteVAE(_ImageTokenizer):
    def __init__(self, codebook_size: int = 256, code_dim: int = 64, channels: tuple = (64, 128)):
        super().__init__(codebook_size, code_dim, channels)
        self.to_logits = nn.Conv2d(channels[-1], codebook_size, 1)

    def logits(self, x):
        return self.to_logits(self.encoder(x))

    def tokenize(self, x) -> torch.Tensor:
        """(B, g, g): each cell's most likely code."""
        return self.logits(x).argmax(1)

    def forward(self, x, temperature: float, generator: torch.Generator | None = None):
        """(reconstruction, KL to the uniform prior per cell) through a Gumbel-softmax sample."""
        logits = self.logits(x)
        u = torch.rand(logits.shape, generator=generator).clamp(1e-9, 1 - 1e-9)
        soft = F.softmax((logits - torch.log(-torch.log(u))) / temperature, dim=1)
        codes = torch.einsum("bkhw,kd->bdhw", soft, self.codebook.weight)
        q = F.log_softmax(logits, dim=1)
        kl = (q.exp() * (q + math.log(self.codebook_size))).sum(1).mean()
        return self.decoder(codes), kl


class VectorQuantizer(_ImageTokenizer):
    def __init__(self, codebook_size: int = 256, code_dim: int = 64, channels: tuple = (64, 128)):
        super().__init__(codebook_size, code_dim, channels)
        self.to_code = nn.Conv2d(channels[-1], code_dim, 1)

    def nearest(self, z):
        """Index of the nearest code of each cell of (B, dim, g, g)."""
        flat = z.permute(0, 2, 3, 1)
        d = (flat.pow(2).sum(-1, keepdim=True) - 2 * flat @ self.codebook.weight.T
             + self.codebook.weight.pow(2).sum(-1))
        return d.argmin(-1)

    def tokenize(self, x) -> torch.Tensor:
        return self.nearest(self.to_code(self.encoder(x)))

    @torch.no_grad()
    def restart_dead_codes(self, x, used: torch.Tensor, generator: torch.Generator | None = None) -> int:
        """Codes no picture chose since the last restart (`used`: a bool per code) are moved onto
        encoder outputs of the pictures `x` (Dhariwal et al. 2020's Jukebox; Zeghidour et al. 2021):
        a nearest-code quantizer gives an unchosen code no gradient, so without this it stays
        where it started and the picture is said with a few codes. Returns how many moved."""
        dead = (~used).nonzero().flatten()
        if not len(dead):
            return 0
        z = self.to_code(self.encoder(x)).permute(0, 2, 3, 1).reshape(-1, self.codebook.embedding_dim)
        picks = torch.randint(0, len(z), (len(dead),), generator=generator)
        noise = torch.randn(len(dead), z.shape[1], generator=generator).to(z)
        self.codebook.weight[dead] = z[picks.to(z.device)] + 0.01 * z.std() * noise
        return len(dead)

    def forward(self, x, beta: float = 0.25):
        """(reconstruction, codebook + beta * commitment loss, tokens); straight-through gradients."""
        z = self.to_code(self.encoder(x))
        tokens = self.nearest(z)
        q = self.codebook(tokens).permute(0, 3, 1, 2)
        loss = F.mse_loss(q, z.detach()) + beta * F.mse_loss(z, q.detach())
        return self.decoder(z + (q - z).detach()), loss, tokens
