"""How well compositions are drawn: `python -m experiments.composition_drawing [--n N] [--json]`.

Route (b) of reinterpretation, generation part by part (each part imagined upright by the glyphs
backbone, then turned, joined and moved in the visual buffer), scored on held-out compositions
(part-relation-part triples never seen by any compositions model) and on the reinterpretation
items: the fraction of parts present and placed (within 1/16 of the width of where the words
put them), exact compositions, stray ink. Beside it, the same process on perfect part pictures
(the glyphs renderer), and route (a), a compositions backbone redrawing the whole composition,
when --whole-weights names one (none is shipped).
"""
from __future__ import annotations

import argparse
import json
import sys

from environments.reinterpretation import read_items
from experiments.common import whole_number
from imagery_agent.backbones.imaginer import OracleImaginer, load_imaginer
from imagery_agent.backbones.parts import PartsImaginer
from imagery_agent.evaluate import score_images
from imagery_agent.io import WeightsError, write_json
from imagery_agent.scenes import SceneError, get_family
from imagery_agent.scenes.corpus import Example, build_corpus


def measure(n: int = 100, seed: int = 2025, weights: str | None = None, whole_weights: str | None = None,
            split: str = "heldout", progress: bool = True) -> dict:
    whole_number(n, "--n", 1, 10_000)
    fam = get_family("compositions")
    scenes = build_corpus("compositions", n, seed=seed, split=split)
    items = [Example(text=it.instructions, scene=fam.parse(it.instructions)) for it in read_items()]
    imagers = {"parts (oracle glyphs)": PartsImaginer(OracleImaginer("glyphs", 32))}
    try:
        imagers["parts (glyphs backbone)"] = PartsImaginer(load_imaginer("glyphs", weights))
    except WeightsError as e:
        raise SceneError(f"{e}") from None
    if whole_weights:
        imagers["whole (compositions backbone)"] = load_imaginer("compositions", whole_weights)
    out = {"split": split, "n": n, "seed": seed, "imagers": {}}
    for name, imager in imagers.items():
        out["imagers"][name] = {f"{split}_compositions": score_images(imager, scenes, progress=progress),
                                "reinterpretation_items": score_images(imager, items)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.composition_drawing", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100, help="held-out compositions to draw")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--split", default="heldout", help="heldout (report) or val (choose settings)")
    ap.add_argument("--weights", help="a glyphs pipeline folder (default: the shipped weights)")
    ap.add_argument("--whole-weights", dest="whole_weights", help="a compositions pipeline folder (route a)")
    ap.add_argument("--out", help="also write the result to this JSON file")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    try:
        res = measure(args.n, args.seed, args.weights, args.whole_weights, args.split, progress=not args.json)
    except SceneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.out:
        write_json(args.out, res)
    if args.json:
        print(json.dumps(res))
    else:
        for name, r in res["imagers"].items():
            for part, m in r.items():
                print(f"{name:30s} {part:26s} parts placed {m['object_accuracy']:.3f}  present {m['object_presence']:.3f}"
                      f"  exact {m['exact_scene_accuracy']:.2f}  ({m['n_scenes']} compositions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
