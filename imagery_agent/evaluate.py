"""Evaluate a backbone on held-out scenes: `python -m imagery_agent.evaluate --family islands [--json]`.

Held-out scenes hold combinations never seen in training. Each description is imagined and the
image is scored against the scene's ground truth (per-object presence and localisation), with
images per second at the batch size used.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import torch
from tqdm.auto import tqdm

from .scenes.corpus import build_corpus


def score_family(family: str, pipe, examples, steps: int, guidance: float, batch: int = 32, seed: int = 0,
                 progress: bool = False) -> dict:
    if family == "islands":
        from .metrics.islands import score_island as score, summarise
    elif family == "figures":
        from .metrics.figures import score_figure as score, summarise
    else:
        raise NotImplementedError(f"image scoring for {family!r} is not written yet; islands and figures are scored")
    scores, t0, n = [], time.perf_counter(), 0
    for i in tqdm(range(0, len(examples), batch), disable=not progress, desc="imagine"):
        chunk = examples[i:i + batch]
        gens = [torch.Generator().manual_seed(seed + i + j) for j in range(len(chunk))]
        images = pipe([e.text for e in chunk], steps, guidance, generator=gens).images
        n += len(chunk)
        scores += [score(im, e.scene) for im, e in zip(images, chunk)]
    elapsed = time.perf_counter() - t0
    return {**summarise(scores), "images_per_second": n / elapsed, "batch_size": batch, "sampler_steps": steps,
            "n_scenes": len(examples)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True)
    ap.add_argument("--weights", help="a pipeline folder (default: the shipped weights)")
    ap.add_argument("--n", type=int, default=200, help="held-out scenes")
    ap.add_argument("--steps", type=int, default=None, help="sampler steps (default: the shipped setting)")
    ap.add_argument("--guidance", type=float, default=None)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--compare-ddpm", type=int, default=0, metavar="N",
                    help="also run diffusers' 1000-step DDPM sampler on the first N scenes, side by side")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from .backbones.imaginer import load_pipeline
    pipe, settings = load_pipeline(args.family, args.weights)
    steps = args.steps or settings["sampler_steps"]
    guidance = args.guidance if args.guidance is not None else settings["guidance_scale"]
    examples = build_corpus(args.family, args.n, seed=2024, split="heldout")
    result = {"family": args.family, **score_family(args.family, pipe, examples, steps, guidance, args.batch,
                                                    progress=not args.json)}
    result.setdefault("orientation_error_deg", None)  # figures only
    if args.compare_ddpm:
        from diffusers import DDPMScheduler
        fast = score_family(args.family, pipe, examples[:args.compare_ddpm], steps, guidance, args.batch)
        pipe.scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
        slow = score_family(args.family, pipe, examples[:args.compare_ddpm], 1000, guidance, args.batch,
                            progress=not args.json)
        result["sampler_comparison"] = {"default": {k: fast[k] for k in ("object_accuracy", "sampler_steps")},
                                        "ddpm_1000": {k: slow[k] for k in ("object_accuracy", "sampler_steps")},
                                        "n_scenes": args.compare_ddpm,
                                        "evaluation_ratio": 1000 / steps}
    if args.json:
        json.dump(result, sys.stdout)
        print()
    else:
        for k, v in result.items():
            print(f"{k:28s} {v}")


if __name__ == "__main__":
    main()
