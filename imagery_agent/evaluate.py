"""Evaluate a backbone on held-out scenes: `python -m imagery_agent.evaluate --family islands [--json]`.

Held-out scenes hold combinations never seen in training. Each description is imagined and the
image is scored against the scene's ground truth (per-object presence and localisation), with
images per second at the batch size used. Where the family has a captioner and a joint
embedding, they read the renders and the imagined images back (caption accuracy, round trip,
R-precision, CLIP score, FID-style distance).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch
from tqdm.auto import tqdm

from .scenes.corpus import build_corpus


def score_family(family: str, pipe, examples, steps: int, guidance: float, batch: int = 32, seed: int = 0,
                 progress: bool = False, keep_images: list | None = None, guidance_steps: int | None = None) -> dict:
    """Imagine each example's text and score the image against its scene; the images are
    appended to `keep_images` when a list is given (for the perception metrics)."""
    if family == "islands":
        from .metrics.islands import score_island as score, summarise
    elif family == "figures":
        from .metrics.figures import score_figure as score, summarise
    elif family == "rooms":
        from .metrics.rooms import score_room as score, summarise
    elif family == "compositions":
        from .metrics.compositions import score_composition as score, summarise
    else:
        from .scenes.errors import SceneError
        raise SceneError(f"no image scorer for family {family!r}")
    scores, t0, n = [], time.perf_counter(), 0
    for i in tqdm(range(0, len(examples), batch), disable=not progress, desc="imagine"):
        chunk = examples[i:i + batch]
        gens = [torch.Generator().manual_seed(seed + i + j) for j in range(len(chunk))]
        images = pipe([e.text for e in chunk], steps, guidance, generator=gens, guidance_steps=guidance_steps).images
        n += len(chunk)
        if keep_images is not None:
            keep_images.extend(images)
        scores += [score(im, e.scene) for im, e in zip(images, chunk)]
    elapsed = time.perf_counter() - t0
    return {**summarise(scores), "images_per_second": n / elapsed, "batch_size": batch, "sampler_steps": steps,
            "guidance_scale": guidance, "guidance_steps": guidance_steps, "n_scenes": len(examples)}


def frame_read_accuracy(pipe, examples, batch: int = 50) -> float:
    """How often the text encoder's frame head reads a description's frame (angle and handedness)
    right: the words' half of drawing a figure in the right orientation."""
    from .scenes.figures import frame
    right = 0
    with torch.no_grad():
        for i in range(0, len(examples), batch):
            chunk = examples[i:i + batch]
            _, _, (angles, mirrors) = pipe.encode_prompts([e.text for e in chunk], return_frames=True)
            right += sum((int(a), bool(m)) == frame(e.scene) for a, m, e in zip(angles, mirrors, chunk))
    return right / len(examples)


def perception_metrics(family: str, examples, imagined, captioner_path=None, clip_path=None,
                       progress: bool = False) -> dict:
    """Captions of renders and of the imagined images, read back into scenes (caption accuracy and
    the round trip text -> image -> caption -> scene), R-precision of renders and of imagined
    images, CLIP score, an FID-style distance between imagined images and renders, and the
    captioner's throughput."""
    from .metrics.captions import bleu, caption_accuracy
    from .metrics.retrieval import frechet_distance, r_precision
    from .perception.captioner import canonical_caption, load_captioner
    from .perception.joint_embedding import load_joint_embedding
    from .scenes import get_family
    fam = get_family(family)
    truths = [e.scene for e in examples]
    out = {}
    captioner = load_captioner(family, captioner_path)
    renders = [fam.render(s, captioner.image_size) for s in truths]
    t0 = time.perf_counter()
    read_renders = _read_all(captioner, renders, progress, "caption renders")
    out["captions_per_second"] = len(renders) / (time.perf_counter() - t0)
    out["caption_batch_size"] = 50
    latencies = []
    for image in renders[:5]:
        t0 = time.perf_counter()
        captioner.read([image])
        latencies.append(time.perf_counter() - t0)
    out["caption_latency_ms"] = 1000 * float(np.median(latencies))
    read_imagined = _read_all(captioner, imagined, progress, "caption imagined")
    acc = caption_accuracy(family, truths, [c.scene for c in read_renders])
    out.update(acc)
    out["bleu_renders"] = bleu([canonical_caption(family, s) for s in truths], [c.text for c in read_renders])
    trip = caption_accuracy(family, truths, [c.scene for c in read_imagined])
    out.update({"round_trip_exact": trip["caption_exact"], "round_trip_object": trip["caption_object"]})
    clip = load_joint_embedding(family, clip_path)
    texts = clip.encode_texts([e.text for e in examples])
    emb_renders, emb_imagined = clip.encode_images(renders), clip.encode_images(imagined)
    if len(examples) > 99:
        out["r_precision_renders"] = r_precision(emb_renders, texts)
        out["r_precision_imagined"] = r_precision(emb_imagined, texts)
    else:
        out["r_precision_renders"] = out["r_precision_imagined"] = None  # needs 100 scenes (1 true vs 99)
    out["clip_score_renders"] = float(100 * (emb_renders * texts).sum(-1).clamp(min=0).mean())
    out["clip_score_imagined"] = float(100 * (emb_imagined * texts).sum(-1).clamp(min=0).mean())
    out["fid_clip_imagined_vs_renders"] = frechet_distance(emb_imagined, emb_renders)
    if family == "islands":  # zero-shot naming: is each of the 16 landmarks on the map?
        from .scenes.islands import LANDMARKS
        said = clip.presence(renders, LANDMARKS).numpy() > 0.5
        truth = np.array([[n in s.names for n in LANDMARKS] for s in truths])
        out["naming_accuracy"] = float((said == truth).mean())
        out["naming_exact"] = float((said == truth).all(1).mean())
    return out


def _read_all(captioner, images, progress, desc, batch: int = 50):
    out = []
    for i in tqdm(range(0, len(images), batch), disable=not progress, desc=desc):
        out += captioner.read(images[i:i + batch])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True)
    ap.add_argument("--weights", help="a pipeline folder (default: the shipped weights)")
    ap.add_argument("--n", type=int, default=200, help="held-out scenes")
    ap.add_argument("--steps", type=int, default=None, help="sampler steps (default: the shipped setting)")
    ap.add_argument("--guidance", type=float, default=None)
    ap.add_argument("--guidance-steps", type=int, default=None, dest="guidance_steps",
                    help="guide only the first K sampler steps (default: all)")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--split", default="heldout", choices=["heldout", "train"],
                    help="score held-out combinations (default) or training-split scenes (to tell "
                         "what the model cannot draw from what it cannot generalise to)")
    ap.add_argument("--compare-ddpm", type=int, default=0, metavar="N",
                    help="also run diffusers' 1000-step DDPM sampler on the first N scenes, side by side")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--captioner", help="a captioner folder (default: the shipped one)")
    ap.add_argument("--clip", help="a joint-embedding folder (default: the shipped one)")
    ap.add_argument("--no-perception", action="store_true", help="skip the captioner and joint-embedding metrics")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from .io import WeightsError
    from .scenes.errors import SceneError
    try:
        result = evaluate(args)
    except (SceneError, WeightsError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(result, sys.stdout)
        print()
    else:
        for k, v in result.items():
            print(f"{k:28s} {v}")
    return 0


def evaluate(args) -> dict:
    """Everything `main` reports, as a dict."""
    from .backbones.imaginer import check_guidance, load_pipeline
    pipe, settings = load_pipeline(args.family, args.weights)
    steps = args.steps or settings["sampler_steps"]
    guidance = args.guidance if args.guidance is not None else settings["guidance_scale"]
    check_guidance(settings["teacher_guidance_scale"], guidance)
    examples = build_corpus(args.family, args.n, seed=2024, split=args.split)
    imagined = []
    result = {"family": args.family, "split": args.split, **score_family(args.family, pipe, examples, steps, guidance, args.batch,
                                                    progress=not args.json, keep_images=imagined,
                                                    guidance_steps=args.guidance_steps)}
    from .backbones.imaginer import WEIGHTS_DIR
    shipped = (WEIGHTS_DIR / "perception" / args.family).exists()
    if not args.no_perception and (shipped or (args.captioner and args.clip)):
        result.update(perception_metrics(args.family, examples, imagined, args.captioner, args.clip,
                                         progress=not args.json))
    elif not args.no_perception:
        result["perception"] = f"skipped: no captioner and joint embedding for {args.family} (pass --captioner and --clip)"
    result.setdefault("orientation_error_deg", None)  # figures only
    if getattr(pipe, "has_frames", False):
        result["frame_read_accuracy"] = frame_read_accuracy(pipe, examples)
    if settings["teacher_guidance_scale"] is not None:
        result["distilled_guidance_scale"] = settings["teacher_guidance_scale"]
    if args.compare_ddpm:
        from diffusers import DDPMScheduler
        fast = score_family(args.family, pipe, examples[:args.compare_ddpm], steps, guidance, args.batch,
                            guidance_steps=args.guidance_steps)
        pipe.scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
        slow = score_family(args.family, pipe, examples[:args.compare_ddpm], 1000, guidance, args.batch,
                            progress=not args.json)
        result["sampler_comparison"] = {"default": {k: fast[k] for k in ("object_accuracy", "sampler_steps")},
                                        "ddpm_1000": {k: slow[k] for k in ("object_accuracy", "sampler_steps")},
                                        "n_scenes": args.compare_ddpm,
                                        "evaluation_ratio": 1000 / steps}
    return result


if __name__ == "__main__":
    sys.exit(main())
