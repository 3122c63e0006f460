"""Retrieval metrics over a joint embedding: R-precision and an FID-style distance."""
from __future__ import annotations

import numpy as np
import torch
from scipy import linalg


def r_precision(image_emb: torch.Tensor, text_emb: torch.Tensor, distractors: int = 99, seed: int = 0) -> float:
    """Fraction of images whose own description (row i of `text_emb`) scores above `distractors`
    descriptions of other scenes drawn at random (R = 1: AttnGAN's R-precision, 1 true vs 99)."""
    n = image_emb.shape[0]
    if n <= distractors:
        raise ValueError(f"R-precision with {distractors} distractors needs more than {distractors} scenes, got {n}")
    rng = np.random.default_rng(seed)
    sims = (image_emb @ text_emb.T).numpy()
    hits = 0
    for i in range(n):
        others = rng.choice(np.delete(np.arange(n), i), size=distractors, replace=False)
        hits += bool(sims[i, i] > sims[i, others].max())
    return hits / n


def frechet_distance(features_a: torch.Tensor, features_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (FID's formula, with the
    project's own image encoder as the feature extractor instead of a downloaded Inception)."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))
