"""Does the imagined picture depend on the wording? `python -m experiments.wording`.

For each family with a shipped backbone, the paraphrase set of `tests/paraphrases/` (sentence
frames the describer never writes, each description with the scene it says) is read and imagined
three ways, and every image is scored against the true scene with the family's scorer:

  describer    the same scenes in the describer's own random wordings, given to the backbone
               as written (what it was trained on: its accuracy without the canonical path)
  canonical    the paraphrase, parsed and drawn from its canonical wording (the default path)
  raw          the paraphrase's words given to the backbone as written (`canonical=False`);
               a description with a word the model never read is refused and scores 0

Writes wording.csv (one row per description and way) and wording.json (per family and way:
parse rate, object accuracy, exact scenes, refused) into --out.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from imagery_agent import load_imaginer
from imagery_agent.io import atomic_files, write_csv, write_json
from imagery_agent.scenes import ParseError, get_family
from imagery_agent.weights import shipped_backbones

ROOT = Path(__file__).resolve().parent.parent
PARAPHRASES = ROOT / "tests" / "paraphrases"


def _paraphrase_tools():
    """The paraphrase sets' own reader of scenes (tests/paraphrases/make_paraphrases.py)."""
    spec = importlib.util.spec_from_file_location("make_paraphrases", PARAPHRASES / "make_paraphrases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score(fam, imaginer, texts, scenes, seed):
    """Per description: (object accuracy, exact) of its image, or None where the model refused it.
    Description i is drawn from seed + i whichever way it is imagined (all at once, or one by one
    when some are refused)."""
    try:
        images = [m.pixels for m in imaginer.imagine(texts, seed=seed)]
    except ParseError:
        images = []
        for i, text in enumerate(texts):
            try:
                images.append(imaginer.imagine([text], seed=seed + i)[0].pixels)
            except ParseError:
                images.append(None)
    out = []
    for image, scene in zip(images, scenes):
        if image is None:
            out.append(None)
            continue
        s = fam.summarise_scores([fam.score_image(image, scene)])
        out.append((s["object_accuracy"], s.get("exact_scene_accuracy", s["object_accuracy"])))
    return out


def measure(family: str, seed: int = 0, progress: bool = True) -> pd.DataFrame:
    tools = _paraphrase_tools()
    items = json.loads((PARAPHRASES / f"{family}.json").read_text())["items"]
    fam = get_family(family)
    scenes = [tools.scene_from_json(family, it["scene"]) for it in items]
    texts = [it["text"] for it in items]
    parsed = []
    for t, s in zip(texts, scenes):
        try:
            parsed.append(fam.parse(t) == s)
        except ParseError:
            parsed.append(False)
    imaginer = load_imaginer(family)
    rng = np.random.default_rng(seed)
    ways = {"describer": [fam.describe(s, rng) for s in scenes], "canonical": texts, "raw": texts}
    rows = []
    for way, way_texts in tqdm(ways.items(), desc=family, disable=not progress):
        imaginer.canonical = way == "canonical"
        for i, r in enumerate(_score(fam, imaginer, way_texts, scenes, seed)):
            rows.append({"family": family, "way": way, "item": i, "split": items[i]["split"],
                         "frames": " ".join(items[i]["frames"]), "parsed_right": parsed[i], "refused": r is None,
                         "object_accuracy": 0.0 if r is None else r[0], "exact": False if r is None else bool(r[1] == 1)})
    imaginer.canonical = True
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> dict:
    out = {}
    for (family, way), df in table.groupby(["family", "way"], sort=False):
        out.setdefault(family, {"descriptions": int(len(df)), "parse_rate": float(df.parsed_right.mean())})
        out[family][way] = {"object_accuracy": float(df.object_accuracy.mean()), "exact_scenes": float(df.exact.mean()),
                            "refused": float(df.refused.mean())}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.wording", description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", action="append", help="a family with a shipped backbone (default: all of them)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="results/wording")
    args = ap.parse_args(argv)
    families = args.family or [f for f in shipped_backbones() if (PARAPHRASES / f"{f}.json").exists()]
    bad = [f for f in families if f not in shipped_backbones() or not (PARAPHRASES / f"{f}.json").exists()]
    if bad:
        print(f"error: no shipped backbone or paraphrase set for {', '.join(bad)}", file=sys.stderr)
        return 2
    table = pd.concat([measure(f, args.seed) for f in families], ignore_index=True)
    summary = summarise(table)
    with atomic_files(args.out) as tmp:
        write_csv(tmp / "wording.csv", table)
        write_json(tmp / "wording.json", summary)
    for family, s in summary.items():
        print(f"{family}: {s['descriptions']} paraphrases, parsed right {s['parse_rate']:.1%}")
        for way in ("describer", "canonical", "raw"):
            w = s[way]
            print(f"  {way:10s} object accuracy {w['object_accuracy']:.3f}  exact {w['exact_scenes']:.3f}  "
                  f"refused {w['refused']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
