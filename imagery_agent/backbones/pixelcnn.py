"""A text-conditional gated PixelCNN (van den Oord et al. 2016): the picture written pixel by
pixel, each pixel's colour drawn given the pixels above and to its left and the words.

- Gated units: each layer's output is tanh(W_f * x + V_f c) . sigmoid(W_g * x + V_g c), where
  c is the conditioning: here a location-dependent map made from the words by the same
  `WordAttentionDecoder` the one-pass backbones use (the paper's "deconvolutional" m(h)).
- Two stacks, vertical (the rows above) and horizontal (the pixels to the left in the row),
  so the receptive field has no blind spot.
- Each pixel is one of the family's palette colours (the most frequent colours of its renders,
  saved with the model); training targets are renders snapped to the palette.

Sampling runs the network 32 x 32 times per picture; each pass sees only the window of rows and
columns within the receptive field of the pixel being drawn, which gives the same result as the
whole picture (a test checks it).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn

from .decoders import WordAttentionDecoder
from .generative import WordReader, check_temperature


class GatedLayer(nn.Module):
    def __init__(self, channels: int, cond_channels: int, kernel: int = 3, first: bool = False):
        super().__init__()
        self.k, self.first = kernel, first
        c_in = 3 if first else channels
        self.v_conv = nn.Conv2d(c_in, 2 * channels, (kernel // 2 + 1, kernel))
        self.h_conv = nn.Conv2d(c_in, 2 * channels, (1, kernel // 2 + 1))
        self.v_to_h = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.v_cond = nn.Conv2d(cond_channels, 2 * channels, 1)
        self.h_cond = nn.Conv2d(cond_channels, 2 * channels, 1)
        self.h_out = nn.Conv2d(channels, channels, 1)

    @staticmethod
    def gate(x):
        a, b = x.chunk(2, dim=1)
        return torch.tanh(a) * torch.sigmoid(b)

    def forward(self, v, h, cond):
        k = self.k
        v_feat = self.v_conv(F.pad(v, (k // 2, k // 2, k // 2, 0)))  # rows i - k//2 .. i
        shifted = F.pad(v_feat, (0, 0, 1, 0))[:, :, :-1]  # what the row above knows, for the row below
        if self.first:  # the pixel itself is not seen: columns j - k//2 - 1 .. j - 1
            h_in = F.pad(h, (k // 2 + 1, 0))[..., :-1]
        else:
            h_in = F.pad(h, (k // 2, 0))
        h_feat = self.h_conv(h_in) + self.v_to_h(shifted)
        v_new = self.gate(v_feat + self.v_cond(cond))
        h_new = self.h_out(self.gate(h_feat + self.h_cond(cond)))
        return v_new, h_new if self.first else h + h_new


class ConditionalPixelCNN(ModelMixin, ConfigMixin):
    config_name = "config.json"
    backbone_name = "pixelcnn"

    @register_to_config
    def __init__(self, family: str, vocabulary: list, palette: list, image_size: int = 32, hidden: int = 128,
                 layers: int = 4, heads: int = 4, max_length: int = 128, grid: int = 16, channels: tuple = (96, 48),
                 decoder_layers: int = 2, cond_channels: int = 32, pixel_channels: int = 48, pixel_layers: int = 5,
                 grounding_classes: tuple = (), pad_to: int | None = None):
        super().__init__()
        self.words = WordReader(vocabulary, hidden, layers, heads, max_length, tuple(grounding_classes), pad_to=pad_to)
        self.condition = WordAttentionDecoder(hidden, 0, image_size, grid, tuple(channels), decoder_layers, heads,
                                              out_channels=cond_channels)
        self.pixel_stack = nn.ModuleList([GatedLayer(pixel_channels, cond_channels, first=i == 0)
                                     for i in range(pixel_layers)])
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(pixel_channels, 2 * pixel_channels, 1), nn.ReLU(),
                                  nn.Conv2d(2 * pixel_channels, len(palette), 1))
        self.register_buffer("colours", torch.tensor(palette, dtype=torch.float32) / 127.5 - 1, persistent=False)
        self.sampler_evaluations = image_size * image_size

    @property
    def receptive_rows(self) -> int:
        """Rows above a pixel that can reach it (each layer's vertical kernel, plus the shift)."""
        return len(self.pixel_stack) + 1

    def read(self, prompts):
        hidden, mask, _ = self.words.encode(prompts)
        return hidden, mask

    def conditioning(self, hidden, mask):
        return self.condition(hidden, mask)

    def snap(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] -> (B, H, W) palette indices of the nearest colours."""
        d = ((x.permute(0, 2, 3, 1)[..., None, :] - self.colours) ** 2).sum(-1)
        return d.argmin(-1)

    def logits(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """(B, palette, H, W): each pixel's colour given the pixels before it (raster order)."""
        v = h = x
        for layer in self.pixel_stack:
            v, h = layer(v, h, cond)
        return self.head(h)

    @torch.no_grad()
    def draw(self, prompts: list[str], generators: list[torch.Generator], temperature: float = 1.0) -> torch.Tensor:
        """Pictures in [-1, 1], pixel by pixel in raster order. Each picture's generator draws all
        its Gumbel noise first, so a picture never depends on its batch."""
        temperature = check_temperature(temperature)
        hidden, mask = self.read(prompts)
        cond = self.conditioning(hidden, mask)
        b, size, k = len(prompts), self.config.image_size, len(self.config.palette)
        gumbel = torch.stack([-torch.log(-torch.log(torch.rand(size, size, k, generator=g).clamp(1e-9, 1 - 1e-9)))
                              for g in generators])
        x = torch.zeros(b, 3, size, size)
        reach = self.receptive_rows
        for r in range(size):
            top = max(0, r - reach)
            for c in range(size):
                left, right = max(0, c - reach - 1), min(size, c + reach + 2)
                logits = self.logits(x[:, :, top:r + 1, left:right], cond[:, :, top:r + 1, left:right])
                logits = logits[:, :, r - top, c - left]
                idx = (logits / temperature + gumbel[:, r, c]).argmax(-1)
                x[:, :, r, c] = self.colours[idx]
        return x
