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
import math
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from .scenes import SPLITS, get_family
from .scenes.corpus import build_corpus

from .backbones.registry import BACKBONES as GENERATIVE

BACKBONES = tuple(GENERATIVE) + ("model3d", "all")
"""Every text-to-image backbone, the 3-D code of cube figures, and `all` (every backbone shipped for the family)."""


def score_images(imaginer, examples, *, seed: int = 0, progress: bool = False,
                 keep_images: list | None = None) -> dict:
    """Imagine each example's text through the imaginer (its sampler settings and batching) and
    score the image against the example's scene with the family's scorer; the images are appended
    to `keep_images` when a list is given (for the perception metrics). Images per second count
    the imagining alone."""
    fam = get_family(imaginer.family)
    t0 = time.perf_counter()
    images = [m.pixels for m in imaginer.imagine([e.text for e in examples], seed=seed, progress=progress)]
    elapsed = time.perf_counter() - t0
    if keep_images is not None:
        keep_images.extend(images)
    scores = [fam.score_image(im, e.scene) for im, e in zip(images, examples)]
    return {**fam.summarise_scores(scores), "images_per_second": len(images) / elapsed,
            "batch_size": imaginer.batch_size, "sampler_steps": imaginer.steps, "guidance_scale": imaginer.guidance,
            "guidance_steps": imaginer.guidance_steps, "n_scenes": len(examples)}


def frame_read_accuracy(family: str, pipe, examples, batch: int = 50) -> float:
    """How often the text encoder's frame head reads a description's frame (angle and handedness)
    right, from the words it reads them from when drawing (the family's `frame_text`): the words'
    half of drawing a figure in the right orientation."""
    fam = get_family(family)
    frame = fam.frame
    words = (lambda e: fam.frame_text(e.scene)) if fam.frame_text is not None else (lambda e: e.text)
    right = 0
    with torch.no_grad():
        for i in range(0, len(examples), batch):
            chunk = examples[i:i + batch]
            _, _, (angles, mirrors) = pipe.encode_prompts([words(e) for e in chunk], return_frames=True)
            right += sum((int(a), bool(m)) == frame(e.scene) for a, m, e in zip(angles, mirrors, chunk))
    return right / len(examples)


def perception_metrics(family: str, examples, imagined, captioner_path=None, clip_path=None,
                       progress: bool = False) -> dict:
    """Captions of renders and of the imagined images, read back into scenes (caption accuracy and
    the round trip text -> image -> caption -> scene), R-precision of renders and of imagined
    images, CLIP score, an FID-style distance between imagined images and renders, and the
    captioner's throughput. A family with only one of the two models shipped (and none named)
    gets that model's metrics."""
    from .perception.captioner import load_captioner
    from .perception.joint_embedding import load_joint_embedding
    out = {}
    if captioner_path is not None or _shipped(family, "captioner"):
        out.update(_caption_metrics(family, examples, imagined, load_captioner(family, captioner_path), progress))
    if clip_path is not None or _shipped(family, "clip"):
        out.update(_embedding_metrics(family, examples, imagined, load_joint_embedding(family, clip_path)))
    return out


def _shipped(family: str, folder: str) -> bool:
    from .weights import WEIGHTS_DIR
    return (WEIGHTS_DIR / "perception" / family / folder).exists()


def _caption_metrics(family: str, examples, imagined, captioner, progress: bool) -> dict:
    from .metrics.captions import bleu, caption_accuracy
    fam = get_family(family)
    truths = [e.scene for e in examples]
    out = {}
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
    out["bleu_renders"] = bleu([fam.canonical(s) for s in truths], [c.text for c in read_renders])
    trip = caption_accuracy(family, truths, [c.scene for c in read_imagined])
    out.update({"round_trip_exact": trip["caption_exact"], "round_trip_object": trip["caption_object"]})
    return out


def _embedding_metrics(family: str, examples, imagined, clip) -> dict:
    from .metrics.retrieval import frechet_distance, r_precision
    fam = get_family(family)
    truths = [e.scene for e in examples]
    out = {}
    renders = [fam.render(s, clip.image_size) for s in truths]
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
    if fam.mention and fam.nameable:  # zero-shot naming: is each nameable object in the image?
        said = clip.presence(renders, fam.nameable).numpy() > 0.5
        truth = np.array([[n in fam.object_names(s) for n in fam.nameable] for s in truths])
        out["naming_accuracy"] = float((said == truth).mean())
        out["naming_exact"] = float((said == truth).all(1).mean())
    return out


def reader_metrics(family: str, examples, imagined) -> dict:
    """For a family with a built-in picture reader (rooms): the renders and the imagined images
    read back into scenes. reader_renders_exact: the reader on perfect pictures;
    reader_round_trip_exact: words -> imagined image -> scene equal to the words' scene (what the
    planning agent's caption check asks); reader_round_trip_object: objects read right and in
    place. (Named apart from the trained captioner's round trip, which a family may have too.)"""
    from .metrics.captions import caption_accuracy
    from .scenes.errors import SceneError
    fam = get_family(family)

    def read(image):
        try:
            return fam.read_picture(image)
        except SceneError:
            return None

    truths = [e.scene for e in examples]
    size = np.asarray(imagined[0]).shape[0] if imagined else 32
    from_renders = [read(fam.render(s, size)) for s in truths]
    from_imagined = [read(im) for im in imagined]
    trip = caption_accuracy(family, truths, from_imagined)
    return {"reader_renders_exact": float(np.mean([r == t for r, t in zip(from_renders, truths)])),
            "reader_round_trip_exact": float(np.mean([r == t for r, t in zip(from_imagined, truths)])),
            "reader_round_trip_object": trip["caption_object"], "reader_round_trip_read": trip["caption_parsed"]}


def _read_all(captioner, images, progress, desc, batch: int = 50):
    out = []
    for i in tqdm(range(0, len(images), batch), disable=not progress, desc=desc):
        out += captioner.read(images[i:i + batch])
    return out


@dataclass
class EvalConfig:
    """What `evaluate` measures, as data (the command line fills one in)."""

    family: str
    weights: str | None = None          # a pipeline folder (default: the shipped weights)
    n: int = 200                        # held-out scenes
    steps: int | None = None            # sampler steps (default: the weights' own setting)
    guidance: float | None = None
    guidance_steps: int | None = None   # guide only the first K sampler steps
    batch: int = 50
    split: str = "heldout"
    compare_ddpm: int = 0               # also run 1000-step DDPM on the first N scenes
    captioner: str | None = None
    clip: str | None = None
    perception: bool = True
    seed: int = 2024                    # which held-out scenes
    wording: str = "canonical"          # draw from the canonical wording of the parsed text, or "raw" words
    backbone: str = "diffusion"         # diffusion | dalle | vqvae | vae | gan | pixelcnn | model3d | all
    kinds: tuple | None = None          # figures: only these kinds (polygon, letter, digit, cube)
    options: dict | None = None         # imagining settings of a non-diffusion backbone (top_k, candidates, ...)
    progress: bool = False

    def check(self) -> None:
        get_family(self.family)
        for name, low in (("n", 1), ("batch", 1), ("compare_ddpm", 0)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < low:
                raise ValueError(f"{name} must be a whole number >= {low}, got {v!r}")
        if self.steps is not None and not 1 <= self.steps <= 1000:
            raise ValueError(f"steps must be 1..1000, got {self.steps}")
        if self.guidance is not None and not (math.isfinite(self.guidance) and self.guidance >= 0):
            raise ValueError(f"guidance must be a finite number >= 0, got {self.guidance}")
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        if self.wording not in ("canonical", "raw"):
            raise ValueError(f"wording must be 'canonical' or 'raw', got {self.wording!r}")
        if self.backbone not in BACKBONES:
            raise ValueError(f"unknown backbone {self.backbone!r}; choose from {', '.join(BACKBONES)}")
        if self.backbone == "model3d" and self.family != "figures":
            raise ValueError("the model3d backbone holds cube figures: use it with --family figures")
        if self.kinds is not None:
            from .scenes.figures import KINDS
            if self.family != "figures" or not self.kinds or set(self.kinds) - set(KINDS):
                raise ValueError(f"--kinds names figure kinds ({', '.join(KINDS)}) of --family figures")
        if self.compare_ddpm > self.n:
            raise ValueError(f"compare_ddpm ({self.compare_ddpm}) is more than the {self.n} scenes evaluated")


def evaluate_all(cfg: EvalConfig) -> dict:
    """`{"backbones": {NAME: evaluate(...)}}`: one backbone, or with `backbone="all"` every one
    shipped for the family, each scored on the same held-out scenes."""
    from dataclasses import replace
    from .backbones.registry import shipped
    cfg.check()
    if cfg.backbone != "all":
        return {"backbones": {cfg.backbone: evaluate(cfg)}}
    if cfg.weights is not None:
        raise ValueError("--backbone all evaluates the shipped weights; --weights names one backbone's folder")
    names = shipped(cfg.family)
    if not names:
        raise ValueError(f"no backbone is shipped for {cfg.family!r}")
    return {"backbones": {name: evaluate(replace(cfg, backbone=name)) for name in names}}


def evaluate(cfg: EvalConfig) -> dict:
    """Everything `main` reports for one backbone, as a dict."""
    from .backbones.imaginer import DiffusionImaginer, check_guidance, load_pipeline
    from .weights import WEIGHTS_DIR
    cfg.check()
    if cfg.backbone == "all":
        raise ValueError("evaluate() scores one backbone; evaluate_all() scores them all")
    if cfg.backbone == "model3d":
        return evaluate_model3d(cfg)
    if cfg.backbone != "diffusion":
        return evaluate_generative(cfg)
    pipe, settings = load_pipeline(cfg.family, cfg.weights)
    steps = cfg.steps or settings["sampler_steps"]
    guidance = cfg.guidance if cfg.guidance is not None else settings["guidance_scale"]
    check_guidance(settings["teacher_guidance_scale"], guidance)
    imaginer = DiffusionImaginer(pipe, cfg.family, steps, guidance, batch_size=cfg.batch,
                                 guidance_steps=cfg.guidance_steps, canonical=cfg.wording == "canonical")
    examples = build_corpus(cfg.family, cfg.n, seed=cfg.seed, split=cfg.split,
                            **({"kinds": tuple(cfg.kinds)} if cfg.kinds else {}))
    imagined = []
    result = {"family": cfg.family, "backbone": "diffusion", "split": cfg.split,
              **score_images(imaginer, examples, progress=cfg.progress, keep_images=imagined)}
    guided = min(steps, steps if cfg.guidance_steps is None else cfg.guidance_steps) if guidance != 1.0 else 0
    result.update(ms_per_image=1000 / result["images_per_second"], sampler_evaluations=steps + guided,
                  params=sum(p.numel() for p in pipe.unet.parameters()) + sum(p.numel() for p in pipe.text_encoder.parameters()))
    shipped = (WEIGHTS_DIR / "perception" / cfg.family).exists()
    if cfg.perception and (shipped or cfg.captioner or cfg.clip):
        result.update(perception_metrics(cfg.family, examples, imagined, cfg.captioner, cfg.clip,
                                         progress=cfg.progress))
    elif cfg.perception:
        result["perception"] = f"skipped: no captioner and joint embedding for {cfg.family} (pass --captioner or --clip)"
    if get_family(cfg.family).read_picture is not None:
        result.update(reader_metrics(cfg.family, examples, imagined))
    result.setdefault("orientation_error_deg", None)  # framed families (figures) only
    if getattr(pipe, "has_frames", False) and get_family(cfg.family).frame is not None:
        result["frame_read_accuracy"] = frame_read_accuracy(cfg.family, pipe, examples)
    if settings["teacher_guidance_scale"] is not None:
        result["distilled_guidance_scale"] = settings["teacher_guidance_scale"]
    if cfg.compare_ddpm:
        from diffusers import DDPMScheduler
        fast = score_images(imaginer, examples[:cfg.compare_ddpm])
        pipe.scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
        imaginer.steps, imaginer.guidance_steps = 1000, None
        slow = score_images(imaginer, examples[:cfg.compare_ddpm], progress=cfg.progress)
        result["sampler_comparison"] = {"default": {k: fast[k] for k in ("object_accuracy", "sampler_steps")},
                                        "ddpm_1000": {k: slow[k] for k in ("object_accuracy", "sampler_steps")},
                                        "n_scenes": cfg.compare_ddpm, "evaluation_ratio": 1000 / steps}
    result["config"] = asdict(cfg)
    return result


def evaluate_generative(cfg: EvalConfig) -> dict:
    """A non-diffusion backbone on the same held-out scenes and with the same metrics, plus its
    size, its sampler evaluations per image and its training time."""
    from .backbones.registry import load_backbone, weights_folder
    from .weights import WEIGHTS_DIR
    from pathlib import Path
    if cfg.steps is not None or cfg.guidance is not None or cfg.guidance_steps is not None or cfg.compare_ddpm:
        raise ValueError(f"--steps, --guidance, --guidance-steps and --compare-ddpm are diffusion settings, "
                         f"not {cfg.backbone}'s")
    if cfg.wording != "canonical":
        raise ValueError(f"the {cfg.backbone} backbone draws from the canonical wording only")
    imaginer = load_backbone(cfg.family, cfg.backbone, cfg.weights, batch_size=cfg.batch, **(cfg.options or {}))
    examples = build_corpus(cfg.family, cfg.n, seed=cfg.seed, split=cfg.split)
    imagined = []
    result = {"family": cfg.family, "backbone": cfg.backbone, "split": cfg.split,
              **score_images(imaginer, examples, progress=cfg.progress, keep_images=imagined)}
    result["ms_per_image"] = 1000 / result["images_per_second"]
    result["sampler_evaluations"] = imaginer.steps
    result["params"] = sum(p.numel() for p in imaginer.model.parameters())
    folder = Path(cfg.weights) if cfg.weights else weights_folder(cfg.family, cfg.backbone)
    trained = json.loads((folder / "training_config.json").read_text()) if (folder / "training_config.json").exists() else {}
    result["training_minutes"] = trained.get("training_minutes")
    result["imagining_settings"] = {k: v for k, v in imaginer.options.items() if k != "reranker"}
    if imaginer.options.get("reranker") is not None:  # which model picked the best candidate
        kind = type(imaginer.options["reranker"]).__name__
        result["imagining_settings"]["reranker"] = {"Captioner": "caption", "JointEmbedding": "embedding"}.get(kind, kind)
    shipped = (WEIGHTS_DIR / "perception" / cfg.family).exists()
    if cfg.perception and (shipped or cfg.captioner or cfg.clip):
        result.update(perception_metrics(cfg.family, examples, imagined, cfg.captioner, cfg.clip,
                                         progress=cfg.progress))
    if get_family(cfg.family).read_picture is not None:
        result.update(reader_metrics(cfg.family, examples, imagined))
    result["config"] = asdict(cfg)
    return result


def evaluate_model3d(cfg: EvalConfig) -> dict:
    """The 3-D code of cube figures, projected and scored as any figure picture is, on held-out
    cube figures (each at an angle in the quarter of the circle its figure never showed in training)."""
    from .backbones.model3d import Model3DImaginer
    fam = get_family(cfg.family)
    imaginer = Model3DImaginer.from_pretrained(cfg.weights)
    imaginer.batch_size = cfg.batch
    examples = build_corpus(cfg.family, cfg.n, seed=cfg.seed, split=cfg.split, kinds=imaginer.kinds)
    t0 = time.perf_counter()
    images = imaginer.imagine([e.text for e in examples])
    elapsed = time.perf_counter() - t0
    scores = [fam.score_image(im.pixels, e.scene) for im, e in zip(images, examples)]
    poses = [(im.code.angle, im.code.axis, im.code.projection) for im in images]
    return {"family": cfg.family, "backbone": "model3d", "split": cfg.split, **fam.summarise_scores(scores),
            "accuracy_by_axis": {axis: float(np.mean([s["correct"] for s, e in zip(scores, examples)
                                                      if e.scene.axis == axis])) for axis in ("picture", "depth")},
            "pose_read_accuracy": float(np.mean([p == (e.scene.angle, e.scene.axis, e.scene.projection)
                                                 for p, e in zip(poses, examples)])),
            "images_per_second": len(images) / elapsed, "n_scenes": len(examples),
            "params": sum(p.numel() for p in imaginer.model.parameters()), "config": asdict(cfg)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", required=True)
    ap.add_argument("--weights", help="a pipeline folder (default: the shipped weights)")
    ap.add_argument("--backbone", default="diffusion", choices=list(BACKBONES),
                    help="diffusion (the default), dalle, vqvae, vae, gan, pixelcnn, model3d (figures: the 3-D "
                         "code of cube figures), or all (every backbone shipped for the family, side by side)")
    ap.add_argument("--n", type=int, default=200, help="held-out scenes")
    ap.add_argument("--steps", type=int, default=None, help="sampler steps (default: the shipped setting)")
    ap.add_argument("--guidance", type=float, default=None)
    ap.add_argument("--guidance-steps", type=int, default=None, dest="guidance_steps",
                    help="guide only the first K sampler steps (default: all)")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--split", default="heldout", choices=list(SPLITS),
                    help="score held-out combinations (default) or training-split scenes (to tell "
                         "what the model cannot draw from what it cannot generalise to)")
    ap.add_argument("--compare-ddpm", type=int, default=0, metavar="N", dest="compare_ddpm",
                    help="also run diffusers' 1000-step DDPM sampler on the first N scenes, side by side")
    ap.add_argument("--wording", default="canonical", choices=["canonical", "raw"],
                    help="draw each description's canonical wording (default) or its words as written")
    ap.add_argument("--kinds", nargs="+", help="figures only: evaluate these kinds (polygon, letter, digit, cube)")
    ap.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                    help="an imagining setting of a non-diffusion backbone, e.g. top_k=8, candidates=4 (repeatable)")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--captioner", help="a captioner folder (default: the shipped one)")
    ap.add_argument("--clip", help="a joint-embedding folder (default: the shipped one)")
    ap.add_argument("--no-perception", action="store_true", help="skip the captioner and joint-embedding metrics")
    args = ap.parse_args(argv)
    from .io import WeightsError, json_safe
    from .scenes.errors import SceneError
    try:
        if args.threads is not None:
            if args.threads < 1:
                raise ValueError(f"--threads must be at least 1, got {args.threads}")
            torch.set_num_threads(args.threads)
        options = {}
        for item in args.option:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ValueError(f"--option takes KEY=VALUE, got {item!r}")
            try:
                options[key] = json.loads(value)
            except json.JSONDecodeError:
                if not value.isidentifier():
                    raise ValueError(f"--option {key}: {value!r} is not a number, true/false, null or a name") from None
                options[key] = value  # a name, e.g. reranker=caption
        cfg = EvalConfig(family=args.family, options=options or None, weights=args.weights, n=args.n, steps=args.steps,
                         guidance=args.guidance, guidance_steps=args.guidance_steps, batch=args.batch,
                         split=args.split, compare_ddpm=args.compare_ddpm, captioner=args.captioner,
                         clip=args.clip, perception=not args.no_perception, wording=args.wording, backbone=args.backbone,
                         kinds=tuple(args.kinds) if args.kinds else None,
                         progress=not args.json)
        result = evaluate_all(cfg)
    except (SceneError, WeightsError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:  # strict JSON: a metric that is not finite (nothing found) is null
        print(json.dumps(json_safe(result), allow_nan=False))
    else:
        for name, one in result["backbones"].items():
            print(f"== {name}")
            for k, v in one.items():
                print(f"{k:28s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
