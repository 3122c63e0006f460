"""Caption quality: per-object and exact-scene accuracy of captions read back into scenes, and
corpus BLEU-4 against the canonical wording."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..scenes.agreement import compare_scenes


def caption_accuracy(family: str, truths, readings) -> dict:
    """`readings` are the captions' parsed scenes (None where a caption did not parse).
    caption_object: named with the right attributes and placed within tolerance; caption_named:
    named at all; caption_exact: every object right and nothing extra."""
    agreements = [compare_scenes(family, t, r) for t, r in zip(truths, readings)]
    per_object = [ok for a in agreements for ok in a.objects.values()]
    named = [name in a.offsets for a in agreements for name in a.objects]  # named at all, wherever placed
    return {
        "caption_exact": float(np.mean([a.exact for a in agreements])) if agreements else 0.0,
        "caption_object": float(np.mean(per_object)) if per_object else 0.0,
        "caption_named": float(np.mean(named)) if named else 0.0,
        "caption_parsed": float(np.mean([r is not None for r in readings])) if readings else 0.0,
    }


def _ngrams(words, n):
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def bleu(references: list[str], hypotheses: list[str], max_n: int = 4) -> float:
    """Corpus BLEU (Papineni et al. 2002), one reference per hypothesis, no smoothing."""
    from ..scenes.text import tokenize
    matches, totals, ref_len, hyp_len = [0] * max_n, [0] * max_n, 0, 0
    for ref, hyp in zip(references, hypotheses):
        r, h = tokenize(ref), tokenize(hyp)
        ref_len, hyp_len = ref_len + len(r), hyp_len + len(h)
        for n in range(1, max_n + 1):
            hn, rn = _ngrams(h, n), _ngrams(r, n)
            matches[n - 1] += sum(min(c, rn[g]) for g, c in hn.items())
            totals[n - 1] += max(len(h) - n + 1, 0)
    if hyp_len == 0 or min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n
    brevity = min(0.0, 1 - ref_len / hyp_len)
    return math.exp(log_precision + brevity)
