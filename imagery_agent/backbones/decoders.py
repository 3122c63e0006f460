"""Layers the one-pass backbones share: a decoder whose pixels ask the words what they show.

`WordAttentionDecoder` is AttnGAN's idea (each image region attends to the words) in its
simplest form: every cell of a coarse grid is a query made of its coordinates (the same Fourier
features the diffusion UNet sees) and a latent code; it cross-attends to the token states, and
convolutions upsample the grid into the picture. One forward pass draws an image.

With `palette` set (an experiment, not yet a working recipe: see the README's rooms VAE notes), the
decoder binds colour to shape the way object-centric decoders do: the convolutions draw only grey
levels and a mask, and every cell's colour is read apart, where the last block read the words but
from the words' own embeddings (not their states in context), as a mix of a small learned palette.
"purple" would then mean the same colour whatever it qualifies, so a colour-object pair never seen
in training would be drawn from a colour and a shape each seen many times (the plain decoder draws
such pairs dim).
"""
from __future__ import annotations

import torch
from torch import nn

from .pipeline import N_COORD_CHANNELS, coordinate_channels


PALETTE_GAIN = 8.0


class ResBlock(nn.Module):
    def __init__(self, channels: int, groups: int = 8):
        super().__init__()
        self.body = nn.Sequential(nn.GroupNorm(groups, channels), nn.SiLU(), nn.Conv2d(channels, channels, 3, padding=1),
                                  nn.GroupNorm(groups, channels), nn.SiLU(), nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x):
        return x + self.body(x)


class CrossAttentionBlock(nn.Module):
    """Queries read the words (padding masked), then think alone (an MLP)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm_mlp = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, q, words, mask, need_weights: bool = False):
        """The new queries (and, with `need_weights`, where each looked: (B, queries, tokens))."""
        read, weights = self.attn(self.norm(q), words, words, key_padding_mask=~mask.bool(), need_weights=need_weights)
        q = q + read
        q = q + self.mlp(self.norm_mlp(q))
        return (q, weights) if need_weights else q


class WordAttentionDecoder(nn.Module):
    """(token states, mask, latent) -> (B, out_channels, size, size). The grid of queries is
    `grid` x `grid`; each doubling up to `size` has its own channel count in `channels`."""

    def __init__(self, words_dim: int, latent_dim: int, size: int, grid: int, channels: tuple, layers: int = 2,
                 heads: int = 4, out_channels: int = 3, groups: int = 8, palette: int = 0, colour_apart: bool = False):
        super().__init__()
        self.colour_apart = colour_apart
        if colour_apart:  # shape from every word but the colours; each cell's colour from every word but the kinds
            self.colour_block = CrossAttentionBlock(words_dim, heads)
            self.to_colour = nn.Linear(words_dim, 3)
            self.colour_upsample = nn.Upsample(scale_factor=size // grid, mode="nearest")
        if size % grid or (size // grid) & (size // grid - 1):
            raise ValueError(f"the image size {size} must be the grid {grid} times a power of two")
        n_up = (size // grid).bit_length() - 1
        if len(channels) != n_up + 1:
            raise ValueError(f"{n_up + 1} channel counts needed (grid {grid} -> size {size}), got {len(channels)}")
        self.grid, self.latent_dim, self.palette = grid, latent_dim, palette
        self.bounded = bool(palette) or colour_apart  # the picture comes out in [-1, 1]; else the caller squashes it
        if palette:
            if out_channels != 3:
                raise ValueError(f"a palette decoder draws RGB pictures (3 channels), got {out_channels}")
            out_channels = 2  # grey level and mask
            self.colour_values = nn.Linear(words_dim, words_dim)  # read where the last block read the words
            self.colour_logits = nn.Sequential(nn.LayerNorm(words_dim), nn.Linear(words_dim, palette))
            # colours are tanh(PALETTE_GAIN x parameter): the gain lets Adam's small steps reach any hue in a
            # few hundred steps (a plain parameter moves about the learning rate a step)
            self.palette_rgb = nn.Parameter(torch.empty(palette, 3).uniform_(-0.3, 0.3))
            self.upsample = nn.Upsample(scale_factor=size // grid, mode="nearest")
        self.query = nn.Linear(N_COORD_CHANNELS + latent_dim, words_dim)
        self.blocks = nn.ModuleList(CrossAttentionBlock(words_dim, heads) for _ in range(layers))
        convs = [nn.Conv2d(words_dim, channels[0], 3, padding=1), ResBlock(channels[0], groups)]
        for c_in, c_out in zip(channels, channels[1:]):
            convs += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1),
                      ResBlock(c_out, groups)]
        convs += [nn.GroupNorm(groups, channels[-1]), nn.SiLU(), nn.Conv2d(channels[-1], out_channels, 3, padding=1)]
        self.convs = nn.Sequential(*convs)

    def colours(self) -> torch.Tensor:
        """The palette, (palette, 3) in [-1, 1]."""
        return torch.tanh(PALETTE_GAIN * self.palette_rgb)

    def forward(self, words: torch.Tensor, mask: torch.Tensor, latent: torch.Tensor | None = None,
                 embedded: torch.Tensor | None = None, roles: torch.Tensor | None = None) -> torch.Tensor:
        """`embedded`: the tokens' own embeddings (B, T, words_dim), needed with a palette. `roles`
        (B, T): 1 for a colour word, 2 for a kind or state word, 0 otherwise, needed with
        `colour_apart`: the shape path then never reads a colour word (so a green box is drawn as
        boxes are, whatever colours boxes were seen in), and each cell's colour is read from every
        word but the kinds (a colour word, or the goal's and the agent's own sentences)."""
        b, g = words.shape[0], self.grid
        q = coordinate_channels(g, b, words.device, words.dtype).flatten(2).transpose(1, 2)  # (B, g*g, C)
        if self.latent_dim:
            q = torch.cat([q, latent[:, None].expand(-1, g * g, -1)], -1)
        q = self.query(q)
        if self.palette and embedded is None:
            raise ValueError("a palette decoder needs the words' own embeddings (embedded=...)")
        shape_mask = mask
        if self.colour_apart:
            if roles is None:
                raise ValueError("a colour-apart decoder needs each word's role (roles=...)")
            colour_q = self.colour_block(q, words, mask.bool() & (roles != 2))
            shape_mask = mask.bool() & (roles != 1)
        for i, block in enumerate(self.blocks):
            if self.palette and i == len(self.blocks) - 1:
                q, looked = block(q, words, shape_mask, need_weights=True)
            else:
                q = block(q, words, shape_mask)
        out = self.convs(q.transpose(1, 2).reshape(b, -1, g, g))
        if self.colour_apart:
            colour = torch.tanh(self.to_colour(colour_q)).transpose(1, 2).reshape(b, 3, g, g)
            grey, alpha = torch.tanh(out[:, :1]), torch.sigmoid(out[:, 1:2])
            return alpha * self.colour_upsample(colour) + (1 - alpha) * grey
        if not self.palette:
            return out
        read = looked @ self.colour_values(embedded)
        colour = self.colour_logits(read).softmax(-1) @ self.colours()  # (B, g*g, 3)
        colour = self.upsample(colour.transpose(1, 2).reshape(b, 3, g, g))
        grey, alpha = torch.tanh(out[:, :1]), torch.sigmoid(out[:, 1:])
        return alpha * colour + (1 - alpha) * grey


class ConvEncoder(nn.Module):
    """An image (with its coordinate channels) -> a feature grid, halving `len(channels)` times."""

    def __init__(self, channels: tuple, in_channels: int = 3, groups: int = 8):
        super().__init__()
        layers, c_prev = [], in_channels + N_COORD_CHANNELS
        for c in channels:
            layers += [nn.Conv2d(c_prev, c, 4, stride=2, padding=1), ResBlock(c, groups)]
            c_prev = c
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        coords = coordinate_channels(x.shape[-1], x.shape[0], x.device, x.dtype)
        return self.net(torch.cat([x, coords], 1))
