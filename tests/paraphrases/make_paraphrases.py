"""Paraphrase test sets: descriptions in wordings the describers never write, each with the scene
it must parse to.

The sentence frames below were written from how people describe such scenes, not from the
describers' templates; `tests/test_paraphrases.py` checks that no frame's sentence is one the
describer produces. Each family's set is drawn from scenes of both splits ('train' and
'heldout'), 75 each, with a fixed seed, so the JSON files are reproducible:

    python tests/paraphrases/make_paraphrases.py        # rewrites tests/paraphrases/*.json

Run it from the repository root (so that this checkout's package is imported).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # this checkout's package, not an installed one

from imagery_agent.scenes import compositions, figures, get_family, islands, rooms  # noqa: E402
from imagery_agent.scenes.strokes import DIGITS, LETTERS  # noqa: E402

FAMILIES = ("islands", "figures", "rooms", "compositions")
PER_SPLIT = 75
NUMBER_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen"]
ORDINAL_NAMES = ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                 "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth"]


def pick(rng, options):
    return options[int(rng.integers(len(options)))]


def number(rng, n: int) -> str:
    """A whole number in digits or (a third of the time) in words."""
    return NUMBER_NAMES[n] if n < len(NUMBER_NAMES) and rng.random() < 0.33 else str(n)


def ordinal(rng, n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return ORDINAL_NAMES[n] if rng.random() < 0.5 else f"{n}{suffix}"


def sentence(s: str) -> str:
    return s[0].upper() + s[1:]


# --- islands -------------------------------------------------------------------------------

ISLAND_FRAMES = {
    "there-s": "There's {a} {n} at column {x}, row {y}.",
    "colon": "The {n}: column {x}, row {y}.",
    "pair": "The {n} is at ({x}, {y}).",
    "fronted": "At column {x}, row {y} lies the {n}.",
    "row-first-colon": "Row {y}, column {x}: the {n}.",
    "across-then-down": "The {n} sits {x} {cols} across and {y} {rows} down.",
    "ordinals": "The {n} is located in the {xo} column and the {yo} row.",
    "look-for": "Look for the {n} at column {x}, row {y}.",
    "you-will-find": "You'll find the {n} in column {x} and row {y}.",
    "imperative": "Place the {n} at column {x}, row {y}.",
    "can-be-seen": "The {n} can be seen in row {y}, column {x}!",
    "x-marks": "X marks the {n} at ({x},{y}).",
    "possessive-cells": "The island's {n} is situated {x} cells from the left and {y} cells from the top.",
    "is-where": "Column {x}, row {y} is where the {n} is.",
    "xy-labels": "The {n}'s position is x = {x}, y = {y}.",
    "crossword": "The {n} is {x} across and {y} down.",
    "pronoun": "There is {a} {n}. It's positioned at column {x}, row {y}.",
}
ISLAND_HEADERS = {
    "count-shows": "The map shows {k} landmarks.",
    "count-total": "{K} landmarks in total!",
    "count-here-are": "Here are the {k} landmarks of the island.",
}
ISLAND_PAIR = ("pair-sentence", "The {n1} is at column {x1}, row {y1}, and the {n2} is at column {x2}, row {y2}.")


def island_text(scene: islands.IslandMap, rng) -> tuple[str, list[str]]:
    parts, used = [], []
    if rng.random() < 0.4:
        key = pick(rng, list(ISLAND_HEADERS))
        k = number(rng, len(scene.landmarks))
        parts.append(ISLAND_HEADERS[key].format(k=k, K=sentence(k)))
        used.append(key)
    marks = [scene.landmarks[i] for i in rng.permutation(len(scene.landmarks))]
    if len(marks) >= 2 and rng.random() < 0.3:
        a, b = marks[:2]
        marks = marks[2:]
        parts.append(ISLAND_PAIR[1].format(n1=a.name, x1=a.x, y1=a.y, n2=b.name, x2=b.x, y2=b.y))
        used.append(ISLAND_PAIR[0])
    for lm in marks:
        key = pick(rng, list(ISLAND_FRAMES))
        art = "an" if lm.name[0] in "aeiou" else "a"
        parts.append(ISLAND_FRAMES[key].format(
            n=lm.name, a=art, x=number(rng, lm.x), y=number(rng, lm.y), xo=ordinal(rng, lm.x), yo=ordinal(rng, lm.y),
            cols="column" if lm.x == 1 else "columns", rows="row" if lm.y == 1 else "rows"))
        used.append(key)
    return " ".join(sentence(p) for p in parts), used


# --- figures -------------------------------------------------------------------------------

FIGURE_FRAMES = {
    "name-turn-and-form": "{Name}, {turn} and {form}{proj}.",
    "it-is": "It's {name}, {form}, {turn}{proj}.",
    "no-comma": "{Name} {turn}, {form}{proj}.",
    "here-is-colon": "Here is {name}: {turn}; {form}{proj}.",
    "show-me": "Show me {name}, {turn}, {form}{proj}.",
    "we-see": "We see {name} {form} and {turn}{proj}.",
    "take-then-imperative": "Take {name}{proj}. {Form_do}Rotate it {imperative}.",
    "is-passive": "{Name} is {turn} and is {form}{proj}.",
    "parenthesis": "{Name} ({form}), {turn}{proj}.",
    "rotation-of": "A {rotation} of {name}, {form}{proj}.",
    "mirror-image-of": "A mirror image of {name}, {turn}{proj}.",
}
_FIG_NAMES = {
    "letter": ("an upper-case {i}", "the letter '{i}'", "the capital letter {i}", "{i}"),
    "digit": ("the numeral {i}", "the digit '{i}'", "the number {i}"),
    "polygon": ("polygon #{i}", "polygon no. {i}", "random polygon {i}"),
    "cube": ("block figure {i}", "Shepard-Metzler figure #{i}", "cube figure no. {i}"),
}


def _figure_turn(f: figures.Figure, rng) -> tuple[str, str, str | None]:
    """(participle phrase, imperative amount, '{a}-degree ... rotation' or None)."""
    if f.angle == 0:
        return pick(rng, ("upright", "unrotated", "not rotated", "in its usual orientation")), "0 degrees", None
    if f.axis == "depth":
        a = f.angle
        phrase = pick(rng, ("rotated {a}° about the vertical axis", "turned {a} degrees in depth",
                            "spun {a} degrees around its vertical axis")).format(a=a)
        return phrase, f"{a} degrees in depth", f"{a}-degree rotation in depth"
    if rng.random() < 0.5:
        a = f.angle
        phrase = pick(rng, ("rotated {a}° clockwise", "turned by {a} degrees to the right",
                            "spun {a} degrees clockwise", "tilted {a} degrees CW")).format(a=a)
        return phrase, f"{a} degrees clockwise", f"{a}-degree clockwise rotation"
    b = 360 - f.angle
    phrase = pick(rng, ("rotated {b}° anticlockwise", "turned {b} degrees counter-clockwise",
                        "spun {b} degrees to the left", "tilted {b} degrees CCW")).format(b=b)
    return phrase, f"{b} degrees anticlockwise", f"{b}-degree anticlockwise rotation"


def figure_text(f: figures.Figure, rng) -> tuple[str, list[str]]:
    name = pick(rng, _FIG_NAMES[f.kind]).format(i=f.identity)
    turn, imperative, rotation = _figure_turn(f, rng)
    form = pick(rng, ("mirrored", "reflected", "flipped horizontally", "as a mirror image") if f.mirror else
                ("not mirrored", "the right way round", "unmirrored", "not reversed"))
    proj = ""
    if f.kind == "cube":
        proj = ", " + pick(rng, ("in perspective", "viewed in perspective") if f.projection == "perspective" else
                           ("in orthographic projection", "without perspective", "with no perspective"))
    keys = [k for k in FIGURE_FRAMES
            if not (k in ("rotation-of", "take-then-imperative") and rotation is None)
            and not (k == "mirror-image-of" and not f.mirror)]
    key = pick(rng, keys)
    text = FIGURE_FRAMES[key].format(
        name=name, Name=sentence(name), turn=turn, form=form, proj=proj, imperative=imperative, rotation=rotation,
        Form_do="Mirror it. " if f.mirror else "")
    return text, [key]


# --- rooms ---------------------------------------------------------------------------------

ROOM_FRAMES = {
    "size-x": "It's a {w}x{h} room.",
    "size-wide-tall": "The room is {w} cells wide and {h} cells tall.",
    "size-colon": "Room size: {w} x {h}.",
    "size-columns-rows": "The grid has {w} columns and {h} rows.",
    "agent-standing-pair": "You're standing at ({x}, {y}), facing {d}.",
    "agent-cell-heading": "The agent is in cell ({x}, {y}) and is heading {d}.",
    "agent-which-faces": "The agent, which faces {d}, is located at row {y}, column {x}.",
    "agent-start-looking": "You start in column {x}, row {y}, looking toward the {d}.",
    "agent-two-sentences": "You are at column {x}, row {y}. You face {d}.",
    "wall-vertical-rows": "A wall runs vertically down column {c}, rows {a} to {b}.",
    "wall-pairs": "There's a wall from ({x0}, {y0}) to ({x1}, {y1}).",
    "wall-column-has": "Column {c} has a wall from row {a} to row {b}.",
    "wall-horizontal-columns": "A wall runs horizontally along row {r}, columns {a} to {b}.",
    "wall-row-has": "Row {r} has a wall from column {a} to column {b}.",
    "thing-there-s-pair": "There's a {t} at ({x}, {y}).",
    "thing-fronted-find": "At column {x}, row {y} you'll find a {t}.",
    "thing-lies-row-first": "A {t} lies in row {y}, column {x}.",
    "thing-definite-located": "The {t} is located at ({x}, {y}).",
    "door-sits": "A {state} {colour} door sits at column {x}, row {y}.",
    "door-is-colour-and-state": "The door at ({x}, {y}) is {colour} and {state}.",
    "goal-square-pair": "The goal square is at ({x}, {y}).",
    "goal-located": "The goal is located in column {x}, row {y}.",
    "goal-colon": "Your goal: column {x}, row {y}.",
    "things-two": "There is a {t1} at ({x1}, {y1}) and a {t2} at ({x2}, {y2}).",
}


def room_text(r: rooms.Room, rng) -> tuple[str, list[str]]:
    used, body = [], []

    def say(key, **kw):
        used.append(key)
        return ROOM_FRAMES[key].format(**kw)

    head = say(pick(rng, [k for k in ROOM_FRAMES if k.startswith("size")]), w=r.width, h=r.height)
    ax, ay = r.agent
    body.append(say(pick(rng, [k for k in ROOM_FRAMES if k.startswith("agent")]), x=ax, y=ay, d=r.heading))
    for w in r.walls:
        if w.x0 == w.x1:  # down a column
            key = pick(rng, ("wall-vertical-rows", "wall-pairs", "wall-column-has"))
            body.append(say(key, c=w.x0, a=min(w.y0, w.y1), b=max(w.y0, w.y1), x0=w.x0, y0=w.y0, x1=w.x1, y1=w.y1))
        else:  # along a row
            key = pick(rng, ("wall-horizontal-columns", "wall-pairs", "wall-row-has"))
            body.append(say(key, r=w.y0, a=min(w.x0, w.x1), b=max(w.x0, w.x1), x0=w.x0, y0=w.y0, x1=w.x1, y1=w.y1))
    names = [rooms.thing_name(t) for t in r.things]
    items = [t for t in r.things if t.kind in rooms.ITEMS]
    for t in r.things:
        if t.kind == "goal":
            body.append(say(pick(rng, [k for k in ROOM_FRAMES if k.startswith("goal")]), x=t.x, y=t.y))
        elif t.kind == "door":
            key = pick(rng, ("door-sits", "door-is-colour-and-state"))
            body.append(say(key, x=t.x, y=t.y, colour=t.colour, state=t.state))
    while items:
        t = items.pop(0)
        if items and rng.random() < 0.3:
            u = items.pop(0)
            body.append(say("things-two", t1=rooms.thing_name(t), x1=t.x, y1=t.y,
                            t2=rooms.thing_name(u), x2=u.x, y2=u.y))
            continue
        keys = [k for k in ROOM_FRAMES if k.startswith("thing-")]
        if names.count(rooms.thing_name(t)) > 1:  # 'the red key' means the red key already named
            keys.remove("thing-definite-located")
        body.append(say(pick(rng, keys), t=rooms.thing_name(t), x=t.x, y=t.y))
    order = rng.permutation(len(body))
    return " ".join([head] + [body[i] for i in order]), used


# --- compositions --------------------------------------------------------------------------

_PLACE_FRAMES = {
    "attach-underneath": ("below", "Now attach {sym} underneath {ref}."),
    "stick-on-top": ("above", "Stick {sym} on top of {ref}."),
    "put-left-side": ("left-of", "Put {sym} on the left side of {ref}."),
    "add-to-right": ("right-of", "Add {sym} to the right of {ref}."),
    "put-in-middle": ("inside", "Put {sym} in the middle of {ref}."),
    "fronted-below": ("below", "Below {ref}, place {sym}."),
    "fronted-above": ("above", "On top of {ref}, put {sym}."),
    "fronted-left": ("left-of", "To the left of {ref}, add {sym}."),
    "fronted-right": ("right-of", "To the right of {ref}, draw {sym}."),
    "fronted-inside": ("inside", "Inside {ref}, draw {sym}."),
    "goes-under": ("below", "Then {sym} goes directly under {ref}."),
    "glue-beneath": ("below", "Next, glue {sym} beneath {ref} so they touch."),
    "sits-above": ("above", "{Sym} sits right above {ref}."),
}
COMPOSITION_FRAMES = {
    "to-start-draw": "To start, draw {sym}.",
    "begin-with": "Begin with {sym}.",
    "first-draw": "First, draw {sym}.",
    "we-take": "We take {sym}.",
    **{k: v for k, (_, v) in _PLACE_FRAMES.items()},
    "rotate-it-cw": "Rotate it {n}° clockwise.",
    "turn-it-anticlockwise": "Turn it {n} degrees anticlockwise.",
    "spin-it-right": "Spin it {n} degrees to the right.",
    "then-rotate-left": "Then rotate it to the left by {n} degrees.",
    "mirror-it": "Mirror it.",
    "flip-horizontally": "Flip it horizontally.",
    "reflect-left-right": "Reflect it from left to right.",
    "turn-upside-down": "Turn it upside down.",
    "flip-vertically": "Flip it vertically.",
    "shrink-half": "Shrink it to half its size.",
    "scale-50": "Scale it to 50%.",
    "twice-as-big": "Make it twice as big.",
    "double-size": "Double its size.",
    "remove-its": "Remove its {stroke}.",
    "erase-the": "Erase the {stroke}.",
    "move-left-right": "Move it {k} steps to the {side}.",
    "shift": "Shift it {side} by {k} steps.",
}


def _symbol_phrase(symbol: str, rng, definite_ok: bool) -> str:
    if symbol in LETTERS:
        options = ["a capital {s}", "an upper-case {s}"] + (["the letter {s}"] if definite_ok else [])
    elif symbol in DIGITS:
        options = ["a digit {s}"] + (["the numeral {s}", "the digit {s}"] if definite_ok else [])
    else:
        options = {"half-circle": ["a semicircle", "a half circle"], "line": ["a horizontal line", "a line"]}.get(
            symbol, ["a {s}"])
    return pick(rng, options).format(s=symbol)


def _reference(c: compositions.Composition, i: int, anchor: int, rng) -> str:
    if anchor == i - 1 and rng.random() < 0.4:
        return "it"
    sym = c.parts[anchor].symbol
    same = [k for k in range(i) if c.parts[k].symbol == sym]
    if len(same) > 1:
        return f"the {compositions.ORDINALS[same.index(anchor)]} {sym}"
    return f"the {sym}" if rng.random() < 0.7 else f"the {compositions.ORDINALS[anchor]} part"


def _op_sentence(op, rng) -> tuple[str, str]:
    name, v = op
    if name == "rotate":
        if v > 0:
            key = pick(rng, ("rotate-it-cw", "spin-it-right"))
        else:
            key = pick(rng, ("turn-it-anticlockwise", "then-rotate-left"))
        return key, COMPOSITION_FRAMES[key].format(n=abs(v))
    key = pick(rng, {"mirror": ("mirror-it", "flip-horizontally", "reflect-left-right"),
                     "flip": ("turn-upside-down", "flip-vertically"),
                     "scale": ("shrink-half", "scale-50") if v == 50 else ("twice-as-big", "double-size")}[name])
    return key, COMPOSITION_FRAMES[key]


def composition_text(c: compositions.Composition, rng) -> tuple[str, list[str]]:
    out, used = [], []
    for i, p in enumerate(c.parts):
        if i == 0:
            key = pick(rng, ("to-start-draw", "begin-with", "first-draw", "we-take"))
            out.append(COMPOSITION_FRAMES[key].format(sym=_symbol_phrase(p.symbol, rng, True)))
        else:
            key = pick(rng, [k for k, (rel, _) in _PLACE_FRAMES.items() if rel == p.relation])
            sym = _symbol_phrase(p.symbol, rng, definite_ok=key not in ("goes-under", "sits-above"))
            ref = _reference(c, i, p.anchor, rng)
            out.append(sentence(COMPOSITION_FRAMES[key].format(sym=sym, Sym=sentence(sym), ref=ref)))
        used.append(key)
        for r in p.removed:
            key = pick(rng, ("remove-its", "erase-the"))
            out.append(COMPOSITION_FRAMES[key].format(stroke=r))
            used.append(key)
        for op in p.ops:
            key, s = _op_sentence(op, rng)
            out.append(s)
            used.append(key)
        dx = p.move[0]
        if dx:
            key = pick(rng, ("move-left-right", "shift"))
            out.append(COMPOSITION_FRAMES[key].format(k=abs(dx), side="right" if dx > 0 else "left"))
            used.append(key)
    return " ".join(out), used


# --- scenes as JSON ------------------------------------------------------------------------

def scene_to_json(family: str, scene) -> dict:
    if family == "islands":
        return scene.to_json()
    if family == "figures":
        return {"kind": scene.kind, "identity": scene.identity, "angle": scene.angle, "mirror": scene.mirror,
                "axis": scene.axis, "projection": scene.projection}
    if family == "rooms":
        return {"width": scene.width, "height": scene.height, "agent": list(scene.agent), "heading": scene.heading,
                "things": [[t.kind, t.x, t.y, t.colour, t.state] for t in scene.things],
                "walls": [[w.x0, w.y0, w.x1, w.y1] for w in scene.walls]}
    return {"parts": [{"symbol": p.symbol, "ops": [list(o) for o in p.ops], "removed": list(p.removed),
                       "relation": p.relation, "anchor": p.anchor, "move": list(p.move)} for p in scene.parts]}


def scene_from_json(family: str, d: dict):
    if family == "islands":
        return islands.load_map(d)
    if family == "figures":
        return figures.Figure(**d)
    if family == "rooms":
        return rooms.Room(d["width"], d["height"], tuple(d["agent"]), d["heading"],
                          tuple(rooms.Thing(*t) for t in d["things"]), tuple(rooms.WallSegment(*w) for w in d["walls"]))
    return compositions.Composition(tuple(
        compositions.Part(p["symbol"], tuple(tuple(o) for o in p["ops"]), tuple(p["removed"]), p["relation"],
                          p["anchor"], tuple(p["move"])) for p in d["parts"]))


WRITERS = {"islands": (island_text, ISLAND_FRAMES | ISLAND_HEADERS | dict([ISLAND_PAIR])),
           "figures": (figure_text, FIGURE_FRAMES), "rooms": (room_text, ROOM_FRAMES),
           "compositions": (composition_text, COMPOSITION_FRAMES)}


def make(family: str, seed: int = 2024) -> dict:
    fam = get_family(family)
    write, frames = WRITERS[family]
    rng = np.random.default_rng(seed)
    items = []
    for split in ("train", "heldout"):
        for _ in range(PER_SPLIT):
            scene = fam.sample_split(rng, split)
            text, used = write(scene, rng)
            items.append({"text": text, "scene": scene_to_json(family, scene), "split": split, "frames": used})
    return {"family": family, "frames": frames, "items": items}


def dumps(data: dict) -> str:
    """JSON with one description a line, so that a changed description is a one-line diff."""
    items = ",\n  ".join(json.dumps(item) for item in data["items"])
    return (f'{{"family": {json.dumps(data["family"])},\n "frames": {json.dumps(data["frames"], indent=1)},\n'
            f' "items": [\n  {items}\n ]\n}}\n')


def main() -> None:
    for family in FAMILIES:
        data = make(family)
        path = HERE / f"{family}.json"
        path.write_text(dumps(data))
        print(f"{path}: {len(data['items'])} descriptions, {len(data['frames'])} frames")


if __name__ == "__main__":
    main()
