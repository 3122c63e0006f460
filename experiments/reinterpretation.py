"""Reinterpretation (Finke, Pinker & Farah 1989): `python -m experiments.reinterpretation`.

Each item is a short sequence of spoken instructions ('Imagine a capital D. Rotate it 90 degrees
to the left. Now put a capital J underneath it so that they touch.'); the agent builds the image
step by step and names what it looks like, a name never said (umbrella). Conditions:

  imagery          parts imagined upright by the shipped glyphs backbone, turned, joined and
                   moved in the visual buffer; named by the shipped objects joint embedding
  oracle-imagery   the same process on perfect part pictures (the glyphs renderer)
  oracle-whole     the whole composition redrawn after each instruction by the renderer (route a)
  whole            route a with a compositions backbone (--whole-weights; none is shipped)
  propositional    the composition only, no image: it can only guess among the lexicon's names

An ambiguous-figure condition (Chambers & Reisberg 1985) follows: the agent holds a duck/rabbit
figure seen as one animal and is asked for the other reading.

Writes items.csv (every item and condition: response, hit, score, the best readings, time in
steps and modelled ms, wall ms), summary.json, steps.png (the images of every step, one row per
item) and reinterpretation.png (hit rates beside people's and a language model's) into --out as
one set, and prints a short table.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from environments.reinterpretation import ReinterpretationEnv, respond
from experiments.common import check_out, run_and_report, whole_number
from imagery_agent.agent.reinterpretation import ObjectNamer, PropositionalReinterpreter, ReinterpretingAgent
from imagery_agent.backbones.imaginer import OracleImaginer, load_imaginer
from imagery_agent.imagery.clock import Clock
from imagery_agent.io import WeightsError, atomic_files, save_figure, write_csv, write_json
from imagery_agent.metrics.compositions import score_composition
from imagery_agent.scenes import SceneError, lexicon

HUMAN = {
    "finke_pinker_farah_1989": {"hit_rate": None, "range": [0.5, 0.67],
                                "source": "Finke, Pinker & Farah (1989): people found the intended figure on "
                                          "roughly half to two thirds of such items"},
    "mccarty_morales_2025_people": {"hit_rate": 0.63,
                                    "source": "McCarty & Morales (2025), 'Artificial Phantasia': people named the "
                                              "intended object on about 63% of Finke's items"},
    "mccarty_morales_2025_best_model": {"hit_rate": 0.77,
                                        "source": "the best language model in the same study, about 77%"},
    "chambers_reisberg_1985": {"source": "an ambiguous figure (duck/rabbit) held as an image is hard to reverse: "
                                         "none of 15 people reversed it from imagery; all did from their drawing"},
}
AGENTS = {"imagery": ("imagery",), "oracle-imagery": ("oracle-imagery",), "oracle-whole": ("oracle-whole",),
          "whole": ("whole",), "propositional": ("propositional",),
          "all": ("imagery", "oracle-imagery", "oracle-whole", "propositional")}
IMAGING = ("imagery", "oracle-imagery", "oracle-whole", "whole")
MAX_SEED = 2**31 - 1

@dataclass
class ReinterpretationConfig:
    items: str | None = None          # an item file; None: the built-in items
    agent: str = "all"                # imagery | oracle-imagery | oracle-whole | whole | propositional | all
    seed: int = 0
    out: str = "results/reinterpretation"
    weights: str | None = None        # a glyphs pipeline folder instead of the shipped weights
    clip: str | None = None           # an objects joint embedding folder instead of the shipped one
    whole_weights: str | None = None  # a compositions pipeline folder (route a with a backbone)
    look_further: bool = True         # turn and mirror the image when no reading is confident
    ambiguous: bool = True            # run the duck/rabbit condition
    skip_unreadable: bool = False     # count items whose instructions cannot be read as misses (else refuse the file)
    progress: bool = True


@dataclass
class Results:
    items: pd.DataFrame
    summary: dict
    files: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)   # condition -> item -> [(label, image)]


def run(config: ReinterpretationConfig | None = None, **overrides) -> Results:
    """Run the experiment; usable from Python and Jupyter. Settings, the item file and the output
    folder are checked before the first item (a bad input is a one-line SceneError naming it)."""
    cfg = _settings(config, overrides)
    if not isinstance(cfg.agent, str) or cfg.agent not in AGENTS:
        raise SceneError(f"unknown agent {cfg.agent!r}; choose from {', '.join(AGENTS)}")
    whole_number(cfg.seed, "--seed", 0, MAX_SEED)
    try:
        env = ReinterpretationEnv(cfg.items, skip_unreadable=cfg.skip_unreadable)  # the trial; it checks the items
    except FileNotFoundError as e:
        raise SceneError(str(e)) from None
    out = check_out(cfg.out)
    namer = _namer(cfg) if set(AGENTS[cfg.agent]) & set(IMAGING) else None
    rows, steps = [], {}
    for condition in AGENTS[cfg.agent]:
        agent, imager = _agent_for(condition, cfg, namer)
        steps[condition] = {}
        for k in tqdm(range(len(env.items)), desc=condition, disable=not cfg.progress, leave=False):
            if env.items[k].error:
                rows.append(_row(condition, imager, k, env.items[k]))
                continue
            obs, info = env.reset(seed=cfg.seed, options={"item": k})
            t0 = time.perf_counter()
            action, res = respond(agent, obs)
            wall_ms = (time.perf_counter() - t0) * 1000
            _, _, _, _, info = env.step(action)
            steps[condition][k] = [(s.label, s.image) for s in res.steps]
            rows.append(_row(condition, imager, k, env.items[k], res, info, wall_ms))
    items = pd.DataFrame(rows)
    ambiguous = _ambiguous(cfg, namer) if cfg.ambiguous and namer is not None else None
    summary = summarise(items, cfg, ambiguous)
    return Results(items, summary, write_results(out, items, summary, steps, env.items), steps)


def _settings(config, overrides: dict) -> ReinterpretationConfig:
    names = [f.name for f in dataclasses.fields(ReinterpretationConfig)]
    unknown = [k for k in overrides if k not in names]
    if unknown:
        raise SceneError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(names)}")
    return dataclasses.replace(config or ReinterpretationConfig(), **overrides)


def _namer(cfg: ReinterpretationConfig) -> ObjectNamer:
    from imagery_agent.perception.joint_embedding import load_joint_embedding
    try:
        return ObjectNamer(load_joint_embedding("objects", cfg.clip))
    except (WeightsError, OSError) as e:
        raise SceneError(f"cannot load the objects joint embedding: {e}\nThe propositional condition runs "
                         "without it: --agent propositional") from None


def _agent_for(condition: str, cfg: ReinterpretationConfig, namer):
    kw = {"look_further": cfg.look_further, "seed": cfg.seed}
    if condition == "propositional":
        return PropositionalReinterpreter(seed=cfg.seed), "none (composition only)"
    if condition == "oracle-imagery":
        return ReinterpretingAgent(namer, part_imaginer=OracleImaginer("glyphs", 32), **kw), "oracle parts (renderer)"
    if condition == "oracle-whole":
        return (ReinterpretingAgent(namer, whole_imaginer=OracleImaginer("compositions", 64), route="whole", **kw),
                "oracle whole (renderer)")
    try:
        if condition == "whole":
            if cfg.whole_weights is None:
                raise SceneError("the 'whole' condition needs a compositions pipeline (--whole-weights DIR); none "
                                 "is shipped: a short run drew only the style")
            imaginer = load_imaginer("compositions", cfg.whole_weights)
            return ReinterpretingAgent(namer, whole_imaginer=imaginer, route="whole", **kw), f"backbone ({imaginer.name})"
        imaginer = load_imaginer("glyphs", cfg.weights)
    except WeightsError as e:
        raise SceneError(f"{e}\nThe oracle and propositional conditions run without it: --agent oracle-imagery, "
                         "oracle-whole or propositional") from None
    return ReinterpretingAgent(namer, part_imaginer=imaginer, **kw), f"backbone ({imaginer.name})"


def _row(condition, imager, k, item, res=None, info=None, wall_ms=np.nan) -> dict:
    """One item's row; an item whose instructions were not read (res None) is a miss with no time."""
    row = {"condition": condition, "item": k, "line": item.line, "answer": item.answer,
           "alternatives": "; ".join(item.answers[1:]), "response": "", "hit": False, "score": np.nan, "look": "",
           "readings": "", "parts": 0, "parts_placed": np.nan, "steps": 0, "imagine": 0, "rotate": 0,
           "translate": 0, "looks": 0, "time_ms": np.nan, "wall_ms": wall_ms, "imager": imager,
           "instructions": item.instructions, "unreadable": item.error or ""}
    if res is None:
        return row
    clock, reading = res.clock, res.reading
    if res.steps:
        row["parts_placed"] = float(np.mean(score_composition(res.image, res.composition)["placed"]))
    row.update(response=info["response"], hit=bool(info["hit"]), score=reading.score, look=reading.look,
               readings="; ".join(f"{n} {p:.2f}" for n, p in reading.readings[:3]),
               parts=len(res.composition.parts), steps=clock.steps, imagine=clock.count("imagine"),
               rotate=clock.count("rotate"), translate=clock.count("translate"), looks=clock.count("caption"),
               time_ms=clock.ms)
    return row


def _ambiguous(cfg: ReinterpretationConfig, namer) -> dict:
    """Chambers & Reisberg (1985): hold the duck/rabbit figure as seen as one animal, then look
    for the other reading (the first one excluded), turning the image if needed."""
    out = {}
    agent = ReinterpretingAgent(namer, look_further=cfg.look_further)  # it only looks: no part to imagine
    for name, (_, readings) in lexicon.AMBIGUOUS.items():
        image = lexicon.render(name, 64)  # a picture held as seen, not imagined
        first = namer(image)[:3]
        for seen in readings:
            other = [r for r in readings if r != seen][0]
            clock = Clock()
            reading = agent.interpret(image, {seen}, clock)
            out[f"{name}: seen as {seen}"] = {
                "asked_for": other, "response": reading.name, "reversed": reading.name == other,
                "score": reading.score, "look": reading.look, "time_ms": clock.ms,
                "readings": [[n, p] for n, p in reading.readings[:3]]}
        out[f"{name}: first reading"] = {"readings": [[n, p] for n, p in first]}
    return out


def summarise(items: pd.DataFrame, cfg: ReinterpretationConfig, ambiguous: dict | None) -> dict:
    conditions = {}
    for cond, df in items.groupby("condition", sort=False):
        conditions[cond] = {
            "hit_rate": float(df.hit.mean()), "n_items": int(len(df)), "hits": int(df.hit.sum()),
            "unreadable": int((df.unreadable != "").sum()),
            "mean_time_ms": float(df.time_ms.mean()), "mean_steps": float(df.steps.mean()),
            "parts_placed": float(df.parts_placed.mean()) if df.parts_placed.notna().any() else None,
            "seen_after_turning": int((df.hit & (df.look != "as imagined")).sum()),
            "imager": str(df.imager.iloc[0]),
            "hit_by_item": {str(a): bool(h) for a, h in zip(df.answer + " (line " + df.line.astype(str) + ")", df.hit)},
        }
    main = next((c for c in ("imagery", "oracle-imagery", "oracle-whole", "whole", "propositional")
                 if c in conditions), None)
    return {"experiment": "reinterpretation", "config": asdict(cfg),
            "hit_rate": conditions[main]["hit_rate"] if main else None, "main_condition": main,
            "conditions": conditions, "ambiguous": ambiguous, "lexicon_size": len(lexicon.LEXICON),
            "chance": 1 / len(lexicon.LEXICON), "human_reference": HUMAN}


def write_results(out: Path, items: pd.DataFrame, summary: dict, steps: dict, item_list) -> dict:
    try:
        with atomic_files(out) as tmp:
            write_csv(tmp / "items.csv", items)
            write_json(tmp / "summary.json", summary)
            plot(summary, tmp / "reinterpretation.png")
            contact_sheet(steps, item_list, items, tmp / "steps.png")
    except OSError as e:
        raise SceneError(f"cannot write results to --out {out}: {e.strerror or e}") from None
    return {name: str(out / name) for name in ("items.csv", "summary.json", "reinterpretation.png", "steps.png")}


def contact_sheet(steps: dict, item_list, items: pd.DataFrame, path: Path) -> Path:
    """One row per item: the image after every step, then the answer (main imaging condition)."""
    from matplotlib.figure import Figure
    cond = next((c for c in ("imagery", "oracle-imagery", "oracle-whole", "whole") if steps.get(c)), None)
    width = max((len(v) for v in steps.get(cond, {}).values()), default=1) + 1 if cond else 1
    fig = Figure(figsize=(1.25 * width + 0.8, 1.25 * max(1, len(item_list))))
    if cond is None:
        fig.text(0.5, 0.5, "no imaging condition was run", ha="center")
        save_figure(path, fig, dpi=80)
        return path
    axes = fig.subplots(len(item_list), width, squeeze=False,
                        gridspec_kw={"width_ratios": [1] * (width - 1) + [1.6]})
    rows = items[items.condition == cond].set_index("item")
    for k, row_axes in enumerate(axes):
        for ax in row_axes:
            ax.axis("off")
        if k not in steps[cond]:
            row_axes[0].text(0, 0.5, f"line {item_list[k].line}: not read", fontsize=6, color="red", va="center")
            continue
        for j, (label, image) in enumerate(steps[cond][k]):
            row_axes[j].imshow(image)
            row_axes[j].set_title(label[:34], fontsize=4.5)
        r = rows.loc[k]
        row_axes[-1].text(0, 0.5, f"{'HIT' if r.hit else 'miss'}: {r.response}\n(intended: {r.answer})\n"
                                  f"line {r.line}", fontsize=6, color="green" if r.hit else "red", va="center")
    h = fig.get_figheight()
    fig.suptitle(f"reinterpretation, {cond}: the image after every step", fontsize=9, y=1 - 0.12 / h)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / h))  # room for the title
    save_figure(path, fig, dpi=90)
    return path


def plot(summary: dict, path: Path) -> Path:
    from matplotlib.figure import Figure
    conds = list(summary["conditions"])
    fig = Figure(figsize=(1.4 * len(conds) + 2.5, 3.4))
    ax = fig.subplots()
    rates = [summary["conditions"][c]["hit_rate"] for c in conds]
    ax.bar(range(len(conds)), rates, color="C0")
    ax.set_xticks(range(len(conds)), conds, fontsize=8, rotation=20)
    ax.axhline(0.63, color="k", ls="--", lw=0.8, label="people (McCarty & Morales 2025)")
    ax.axhline(0.77, color="C3", ls=":", lw=1.0, label="best language model (same study)")
    ax.axhline(summary["chance"], color="grey", ls="-.", lw=0.8, label="chance")
    ax.set_ylim(0, 1)
    ax.set_ylabel("items named as intended")
    ax.legend(fontsize=6, loc="upper right")
    ax.set_title("Reinterpretation: emergent recognition", fontsize=10)
    fig.tight_layout()
    save_figure(path, fig, dpi=110)
    return path


def print_table(summary: dict, file=None) -> None:
    file = file or sys.stdout
    print(f"{'condition':15s} {'hit rate':>8s} {'items':>5s} {'unread':>6s} {'parts placed':>12s} {'mean ms':>8s}",
          file=file)
    for cond, s in summary["conditions"].items():
        placed = "-" if s["parts_placed"] is None else f"{s['parts_placed']:.2f}"
        print(f"{cond:15s} {s['hit_rate']:8.0%} {s['n_items']:5d} {s['unreadable']:6d} {placed:>12s} "
              f"{s['mean_time_ms']:8.0f}", file=file)
    for key, a in (summary.get("ambiguous") or {}).items():
        if "asked_for" in a:
            print(f"{key}: asked for {a['asked_for']}, named {a['response']} ({'reversed' if a['reversed'] else 'not reversed'})",
                  file=file)
    print(f"people ~63%, best language model ~77% (McCarty & Morales 2025); chance {summary['chance']:.0%}", file=file)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.reinterpretation", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--items", help="an item file (instruction lines, then 'answer: name'); default: the built-in items")
    ap.add_argument("--agent", default="all", help=f"one of {', '.join(AGENTS)}")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="results/reinterpretation", help="results folder (checked before any item)")
    ap.add_argument("--weights", help="a glyphs pipeline folder (default: the shipped weights)")
    ap.add_argument("--clip", help="an objects joint embedding folder (default: the shipped one)")
    ap.add_argument("--whole-weights", dest="whole_weights", help="a compositions pipeline folder (the 'whole' route)")
    ap.add_argument("--no-look", dest="look_further", action="store_false",
                    help="name the image as imagined only (no turning or mirroring to look again)")
    ap.add_argument("--no-ambiguous", dest="ambiguous", action="store_false", help="skip the duck/rabbit condition")
    ap.add_argument("--skip-unreadable", dest="skip_unreadable", action="store_true",
                    help="run an item file whose instructions cannot all be read, counting those items as misses")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    cfg = ReinterpretationConfig(items=args.items, agent=args.agent, seed=args.seed, out=args.out,
                                 weights=args.weights, clip=args.clip, whole_weights=args.whole_weights,
                                 look_further=args.look_further, ambiguous=args.ambiguous,
                                 skip_unreadable=args.skip_unreadable, progress=not args.quiet)
    return run_and_report(run, cfg, print_table)


if __name__ == "__main__":
    sys.exit(main())
