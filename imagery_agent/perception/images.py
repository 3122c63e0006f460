"""Images as the perception models read them: square uint8 RGB arrays of one size, checked,
batched and scaled to [-1, 1] (the scale the diffusion backbone draws in)."""
from __future__ import annotations

import numpy as np
import torch

from ..imagery.mental_image import MentalImage


def pixels_of(image) -> np.ndarray:
    """The pixel array of a MentalImage, PIL image or array."""
    if isinstance(image, MentalImage):
        return image.pixels
    return np.asarray(image)


def to_pixel_values(images, size: int) -> torch.Tensor:
    """(B, 3, size, size) float tensor in [-1, 1]; a wrong shape or size is named, not resized:
    a model trained at one size silently misreads another."""
    if isinstance(images, (np.ndarray, MentalImage)) and pixels_of(images).ndim == 3:
        images = [images]
    arrays = [pixels_of(im) for im in images]
    if not arrays:
        raise ValueError("no images given")
    for i, a in enumerate(arrays):
        if a.ndim != 3 or a.shape[2] != 3:
            raise ValueError(f"image {i}: expected an RGB array of shape ({size}, {size}, 3), got {a.shape}")
        if a.dtype != np.uint8:
            raise ValueError(f"image {i}: expected uint8 pixels (0..255), got {a.dtype}; "
                             f"convert with (x * 255).round().astype('uint8') if it holds 0..1 floats")
        if a.shape[:2] != (size, size):
            raise ValueError(f"image {i}: wrong image size {a.shape[0]}x{a.shape[1]}; this model reads "
                             f"{size}x{size} images (render or imagine at size={size})")
    x = torch.from_numpy(np.stack(arrays).astype(np.float32))
    return x.permute(0, 3, 1, 2) / 127.5 - 1


def augment(x: torch.Tensor, generator: torch.Generator, strength: float = 1.0) -> torch.Tensor:
    """Render-to-imagination augmentation: per-image Gaussian noise, colour shift and contrast, so
    models trained on clean renders also read the backbone's slightly noisy drawings."""
    b = x.shape[0]
    sigma = strength * 0.08 * torch.rand(b, 1, 1, 1, generator=generator)
    shift = strength * 0.06 * (torch.rand(b, 3, 1, 1, generator=generator) * 2 - 1)
    gain = 1 + strength * 0.1 * (torch.rand(b, 1, 1, 1, generator=generator) * 2 - 1)
    noisy = x * gain + shift + sigma * torch.randn(x.shape, generator=generator)
    return noisy.clamp(-1, 1)
