"""Reinterpretation: instructions read, images built part by part, names found in the image."""
from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import environments  # noqa: F401  (registers the environments)
from environments.reinterpretation import ReinterpretationEnv, read_items
from imagery_agent.agent.reinterpretation import (PropositionalReinterpreter, ReinterpretingAgent, Step,
                                                  part_names)
from imagery_agent.backbones.imaginer import OracleImaginer
from imagery_agent.imagery.clock import Clock
from imagery_agent.imagery.composing import INK, PartBuffer, middles
from imagery_agent.metrics.compositions import score_composition
from imagery_agent.scenes import ParseError, SceneError, compositions, lexicon
from imagery_agent.scenes.compositions import Composition, Part
from imagery_agent.scenes.strokes import bounds


def parse(text):
    return compositions.parse(text)


# --- reading the instructions ----------------------------------------------------------------

@pytest.mark.parametrize("text, part", [
    ("Imagine a capital D. Rotate it 90 degrees to the left.", Part("D", (("rotate", -90),))),
    ("Imagine a D. Turn it a quarter turn counterclockwise.", Part("D", (("rotate", -90),))),
    ("Picture the letter D and rotate it 90 degrees clockwise.", Part("D", (("rotate", 90),))),
    ("Imagine a capital D. Give it a quarter turn to the right.", Part("D", (("rotate", 90),))),
    ("Imagine a D. Mirror it.", Part("D", (("mirror", 0),))),
    ("Imagine a D. Turn it upside down.", Part("D", (("flip", 0),))),
    ("Imagine an upside-down V.", Part("V", (("flip", 0),))),
    ("Imagine a small circle.", Part("circle", (("scale", 50),))),
    ("Imagine a circle. Make it twice as big.", Part("circle", (("scale", 200),))),
    ("Imagine a capital B. Take away its stem.", Part("B", (), ("stem",))),
    ("Imagine a triangle pointing down.", Part("triangle", (("flip", 0),))),
    ("Imagine a triangle pointing to the right.", Part("triangle", (("rotate", 90),))),
    ("Imagine a vertical line.", Part("line", (("rotate", 90),))),
    ("Imagine a line and rotate it 90 degrees.", Part("line", (("rotate", 90),))),
])
def test_parser_reads_paraphrases_of_each_operation(text, part):
    assert parse(text).parts[0] == part


@pytest.mark.parametrize("text, relation", [
    ("Imagine a D. Now put a J underneath it so that they touch.", "below"),
    ("Imagine a D. Put a J on top of the D.", "above"),
    ("Imagine a D. Attach a J to its left.", "left-of"),
    ("Imagine a D. Place a J to the right of the D, touching it.", "right-of"),
    ("Imagine a circle. Put a U inside it.", "inside"),
    ("Imagine a triangle. Put another triangle below it, so that the two points touch.", "below"),
])
def test_parser_reads_places(text, relation):
    assert parse(text).parts[1].relation == relation


def test_whole_figure_turns_apply_to_every_part_so_far():
    c = parse("Imagine a capital D. Put a J below it. Now rotate the whole figure 90 degrees to the right. "
              "Put a circle above the D.")
    assert c.figure_ops == ((1, "rotate", 90),)
    assert len(c.parts) == 3
    turned = compositions.render(c, 64)
    plain = compositions.render(Composition(c.parts), 64)
    assert not np.array_equal(turned, plain)
    assert compositions.parse(compositions.describe(c, np.random.default_rng(3))) == c


@pytest.mark.parametrize("text, named", [
    ("Imagine a capital D. Wobble it.", "wobble"),
    ("Imagine a D. Rotate it 90 degrees.", "which way"),           # a D looks different turned left or right
    ("Imagine a capital V pointing up.", "triangles only"),
    ("Imagine a D. Put a J next to it.", "which side"),
    ("Imagine a D. Now turn the whole figure 90 degrees.", "which way"),
])
def test_parser_names_what_it_cannot_read(text, named):
    with pytest.raises(ParseError, match=named):
        parse(text)


def test_lexicon_names_never_enter_the_parse():
    for name in lexicon.LEXICON:
        with pytest.raises(ParseError):
            parse(f"Imagine a {name}.")


# --- item files ------------------------------------------------------------------------------

def test_builtin_items_read_and_answer_lexicon_names():
    items = read_items()
    assert len(items) >= 30
    assert all(a in lexicon.LEXICON for it in items for a in it.answers)
    classic = {"umbrella", "heart", "ice-cream cone", "sailboat", "house", "pine tree"}
    assert classic <= {it.answer for it in items}


def test_item_file_errors_name_the_line(tmp_path):
    f = tmp_path / "items.txt"
    f.write_text("# a comment\nImagine a capital D.\nRotate it 90 degrees to the left.\nanswer: umbrella\n\n"
                 "Imagine a circle.\nSquish it flat.\nanswer: sun\n")
    with pytest.raises(ParseError, match=r"line 7: .*'squish'"):
        read_items(f)
    f.write_text("Imagine a circle.\nanswer: spaceship\n")
    with pytest.raises(ParseError, match=r"line 2: unknown object 'spaceship'"):
        read_items(f)
    f.write_text("Imagine a circle.\n\nanswer: sun\n")
    with pytest.raises(ParseError, match=r"line 1: the item has no 'answer:' line"):
        read_items(f)
    f.write_text("Imagine a circle.\nPut a line below it.\nanswer: Lollipop, balloon\n")
    (item,) = read_items(f)
    assert item.answers == ("lollipop", "balloon") and item.line == 1


# --- building the image part by part ---------------------------------------------------------

def _fixed_namer(name):
    return lambda image, exclude=(): [(name, 0.9)] + [(n, 0.0) for n in lexicon.LEXICON if n != name]


def test_step_images_follow_the_instructions():
    agent = ReinterpretingAgent(_fixed_namer("umbrella"), part_imaginer=OracleImaginer("glyphs", 32))
    for text, _ in compositions.FINKE_ITEMS:
        res = agent.run(text)
        score = score_composition(res.image, res.composition)
        assert all(score["placed"]), (text, score)
        assert len(res.steps) == len(res.composition.parts) + len(res.composition.figure_ops)


def test_a_part_slides_until_its_ink_meets_the_anchor():
    glyphs = OracleImaginer("glyphs", 32)
    clock = Clock()
    buf = PartBuffer(clock)
    d = buf.add(glyphs.imagine(["A capital D."])[0])
    j = buf.add(glyphs.imagine(["A capital J."])[0])
    slid = buf.place(j, "below", d)
    assert slid >= 1 and clock.count("translate") == slid
    a, b = buf.layers[d] > INK, buf.layers[j] > INK
    ys_a, ys_b = np.nonzero(a)[0], np.nonzero(b)[0]
    assert ys_b.min() > ys_a.min()                      # the J is below the D
    grown = a | np.roll(a, 1, 0) | np.roll(a, -1, 0) | np.roll(a, 1, 1) | np.roll(a, -1, 1)
    assert (grown & b).any()                            # and their inks meet


def test_touching_parts_share_their_strokes_middles():
    """As the renderer's stroke lines touch: the inks overlap by about a pen's width, not just meet."""
    glyphs = OracleImaginer("glyphs", 32)
    buf = PartBuffer(Clock())
    top = buf.add(glyphs.imagine(["A square."])[0])
    low = buf.add(glyphs.imagine(["A square."])[0])
    buf.place(low, "below", top)
    a, b = buf.layers[top] > INK, buf.layers[low] > INK
    assert np.nonzero(b)[0].min() <= np.nonzero(a)[0].max()   # rows of ink shared, not merely adjacent
    assert (middles(buf.layers[top]) & middles(buf.layers[low])).any()


@pytest.mark.parametrize("percent", [50, 200])
def test_scaling_keeps_the_pen_width(percent):
    """The renderer draws every part with one pen: a part's ink grows with its strokes' length (as
    the scale), not with its area (as the scale squared), so a half-size part does not fade to hairlines."""
    glyphs = OracleImaginer("glyphs", 32)
    buf = PartBuffer(Clock())
    k = buf.add(glyphs.imagine(["A circle."])[0])
    before = (buf.layers[k] > INK).sum()
    buf.transform([k], "scale", percent)
    ratio = (buf.layers[k] > INK).sum() / before / (percent / 100)
    assert 0.7 < ratio < 1.5 and buf.layers[k].max() > 0.5


def test_larger_turns_take_more_steps():
    glyphs = OracleImaginer("glyphs", 32)
    counts = []
    for angle in (45, 90, 180):
        clock = Clock()
        buf = PartBuffer(clock)
        buf.transform([buf.add(glyphs.imagine(["A capital F."])[0])], "rotate", angle)
        counts.append(clock.count("rotate"))
    assert counts[0] < counts[1] < counts[2]


def test_the_answer_comes_from_the_image():
    """A namer that reads the image (nearest lexicon drawing): a planted picture changes the answer."""
    renders = {n: lexicon.render(n, 64).astype(float).ravel() for n in lexicon.LEXICON}

    def nearest(image, exclude=()):
        x = image.astype(float).ravel()
        scores = {n: -float(np.abs(x - r).mean()) / 255 + 1 for n, r in renders.items() if n not in exclude}
        return sorted(scores.items(), key=lambda kv: -kv[1])

    agent = ReinterpretingAgent(nearest, part_imaginer=OracleImaginer("glyphs", 32), look_further=False)
    text = compositions.FINKE_ITEMS[0][0]
    honest = agent.run(text).answer
    planted = lexicon.render("star", 64)
    agent.build = lambda instructions, clock: (compositions.parse(instructions), [Step("planted", planted)])
    assert agent.run(text).answer == "star" != honest


def test_told_part_names_are_excluded():
    c = parse("Imagine a circle. Put a capital U inside it.")
    assert {"circle", "u"} <= part_names(c)


def test_looking_again_turns_the_image_and_ticks():
    calls = []

    def namer(image, exclude=()):
        calls.append(image.copy())
        return [("umbrella", 0.9 if len(calls) == 3 else 0.01)]

    agent = ReinterpretingAgent(namer, part_imaginer=OracleImaginer("glyphs", 32))
    clock = Clock()
    reading = agent.interpret(compositions.render(parse("Imagine a capital D."), 64), set(), clock)
    assert reading.look == "rotate -90" and reading.score == 0.9
    assert clock.count("caption") == 3 and clock.count("rotate") == 18
    assert not np.array_equal(calls[0], calls[1])


def test_propositional_control_has_no_image():
    res = PropositionalReinterpreter(seed=1).run(compositions.FINKE_ITEMS[0][0])
    assert res.steps == [] and res.answer in lexicon.LEXICON


# --- environment and experiment --------------------------------------------------------------

def test_environment_passes_the_checker_and_scores_names():
    env = gym.make("imagery/Reinterpretation-v0")
    check_env(env.unwrapped, skip_render_check=True)
    obs, info = env.reset(seed=0, options={"item": 0})
    assert "D" in obs["instructions"] and info["answers"][0] == "umbrella"
    name = lexicon.LEXICON.index("umbrella")
    _, reward, done, _, info = env.step({"name": name, "time_ms": np.array([1000.0], np.float32)})
    assert reward == 1.0 and done and info["hit"]
    env.reset(options={"item": 0})
    _, reward, *_ = env.step({"name": lexicon.LEXICON.index("star"), "time_ms": np.array([1.0], np.float32)})
    assert reward == 0.0
    with pytest.raises(ValueError, match="item must be an index"):
        env.reset(options={"item": 999})


def test_environment_reads_a_users_item_file(tmp_path):
    f = tmp_path / "mine.txt"
    f.write_text("Imagine a square.\nPut a triangle on top of it.\nanswer: house\n")
    env = ReinterpretationEnv(str(f))
    obs, info = env.reset(seed=0)
    assert info["answers"] == ("house",) and obs["instructions"].startswith("Imagine a square.")


def test_cli_runs_small(tmp_path):
    from experiments import reinterpretation
    f = tmp_path / "mine.txt"
    f.write_text("Imagine a square.\nPut a triangle on top of it.\nanswer: house\n\n"
                 "Imagine a circle.\nPut a vertical line below it.\nanswer: lollipop\n")
    out = tmp_path / "out"
    assert reinterpretation.main(["--items", str(f), "--agent", "propositional", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["conditions"]["propositional"]["n_items"] == 2
    assert {"items.csv", "summary.json", "steps.png", "reinterpretation.png"} <= {p.name for p in out.iterdir()}
    assert reinterpretation.main(["--items", str(tmp_path / "none.txt"), "--out", str(out)]) == 2
    assert reinterpretation.main(["--agent", "psychic", "--out", str(out)]) == 2


# --- the shipped models (slow) ---------------------------------------------------------------

@pytest.mark.slow
def test_shipped_glyphs_backbone_draws_upright_parts():
    from imagery_agent.backbones.imaginer import load_imaginer
    from imagery_agent.metrics.glyphs import score_glyph
    from imagery_agent.scenes import glyphs
    imaginer = load_imaginer("glyphs")
    wanted = [glyphs.Glyph(s) for s in ("D", "J", "B", "T", "circle", "triangle", "square", "line", "7", "H")]
    images = imaginer.imagine([glyphs.canonical(g) for g in wanted], seed=0)
    right = [score_glyph(im.pixels, g)["exact"] for im, g in zip(images, wanted)]
    assert sum(right) >= 9, right


@pytest.mark.slow
def test_shipped_objects_embedding_names_held_out_drawings():
    from imagery_agent.perception.joint_embedding import load_joint_embedding
    from imagery_agent.scenes import get_family
    clip = load_joint_embedding("objects")
    fam = get_family("objects")
    rng = np.random.default_rng(5)
    drawings = [fam.sample_split(rng, "heldout") for _ in range(60)]
    p = clip.presence([fam.render(d, 64) for d in drawings], list(lexicon.LEXICON))
    named = [lexicon.LEXICON[int(i)] for i in p.argmax(1)]
    assert np.mean([n == d.name for n, d in zip(named, drawings)]) >= 0.8


@pytest.mark.slow
def test_reinterpretation_notebook_runs():
    from test_notebooks import run_notebook, CHECKS
    CHECKS["reinterpretation.ipynb"] = ('import json; print("CHECK", json.dumps({c: s["hit_rate"] for c, s in '
                                        '{**res.summary["conditions"], **control.summary["conditions"]}.items()}))')
    check, outputs = run_notebook("reinterpretation.ipynb")
    assert check["imagery"] > check["propositional"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2


@pytest.mark.parametrize("text, ops", [
    ("Imagine a half-circle. Flip it upside down, so that the curved side is at the bottom and the flat side is on top.",
     (("flip", 0),)),
    ("Imagine a half-circle with the curve facing down.", (("flip", 0),)),                  # the state turns it
    ("Imagine a half-circle. Give it a quarter turn clockwise, so the curve faces to the right.", (("rotate", 90),)),
    ("Imagine a triangle. Flip it upside down so that its point is at the bottom.", (("flip", 0),)),
    ("Start by picturing a half-circle, curved side up like a dome.", ()),
])
def test_states_said_to_make_sure_are_checked_or_done(text, ops):
    assert parse(text).parts[0].ops == ops


def test_a_state_that_contradicts_the_turn_is_named():
    with pytest.raises(ParseError, match="contradiction"):
        parse("Imagine a half-circle. Give it a quarter turn clockwise, so the curve faces to the left.")


def test_parts_are_named_by_how_they_look_and_what_they_look_like():
    c = parse("Take a triangle. Put a large triangle below it. Put a triangle above the first triangle. "
              "Finally, put a small square under the large triangle.")
    assert c.parts[3].anchor == 1
    c = parse("Imagine a half-circle. Turn it upside down so that it looks like a bowl. "
              "Now put a triangle on top of the bowl so that they touch.")
    assert c.parts[1].relation == "above" and c.parts[1].anchor == 0
    c = parse("Take a large circle. Put a U inside the large circle, and move it down a little.")
    assert c.parts[1].relation == "inside" and c.parts[1].move == (0, 1)
    c = parse("Imagine a capital L. Take a capital U and turn it upside down. "
              "Put the upside-down U directly beneath the L, so that they touch.")
    assert c.parts[1].ops == (("flip", 0),) and c.parts[1].relation == "below"


def test_item_files_with_typography_read_and_odd_characters_are_named(tmp_path):
    f = tmp_path / "items.txt"
    f.write_text("Imagine a capital D turned 90° to the left.\nPut a capital J underneath it.\nanswer: umbrella\n")
    (item,) = read_items(f)
    assert "90 degrees" in item.instructions
    assert ReinterpretationEnv(str(f)).observation_space["instructions"].contains(item.instructions)
    f.write_text("Imagine a circle.\nanswer: sun\n\nImagine a \u2603.\nanswer: snowman\n")
    with pytest.raises(ParseError, match="line 4: character"):
        read_items(f)


def test_a_part_imagined_blank_is_named_not_placed():
    from imagery_agent.imagery.mental_image import MentalImage

    class BlankGlyphs:
        family, name = "glyphs", "blank"

        def imagine(self, texts, *, seed=0, **kw):
            return [MentalImage(np.full((32, 32, 3), 255, np.uint8), t, seed + i, "blank") for i, t in enumerate(texts)]

    agent = ReinterpretingAgent(_fixed_namer("umbrella"), part_imaginer=BlankGlyphs())
    with pytest.raises(SceneError, match="part 1 .* was imagined blank"):
        agent.run(compositions.FINKE_ITEMS[0][0])


def test_an_agent_without_an_imager_can_look_but_not_build():
    agent = ReinterpretingAgent(_fixed_namer("duck"))
    assert agent.interpret(lexicon.render("duck-rabbit", 64), set(), Clock()).name == "duck"
    with pytest.raises(SceneError, match="needs a part imaginer"):
        agent.run(compositions.FINKE_ITEMS[0][0])


# --- wording of new authors, read as families of phrasings (docs/items_heldout.txt) -------------

@pytest.mark.parametrize("text, index, ops, relation", [
    # flat sides meeting: each faces the other (done where nothing else turned the part, else checked)
    ("Imagine a triangle. Put a half-circle below it so that their flat edges meet.", 1, (("flip", 0),), "below"),
    ("Picture a half-circle. Flip it upside down. Set a triangle on top of it, so that the triangle stands on the "
     "flat side.", 1, (), "above"),
    ("Picture a square. Take a half-circle and turn it a quarter turn clockwise. Attach it to the right side of the "
     "square, flat side against the square.", 1, (("rotate", 90),), "right-of"),
    # plurals and filler in the contact clause
    ("Think of a capital H. Put a second capital H directly on top of it, so that the two letters touch.", 1, (), "above"),
    ("Imagine a circle. Put a square below it so that both shapes touch.", 1, (), "below"),
    # 'across' / 'along' / 'against' a side of a part
    ("Picture a capital X. Lay a line across the top of the X, so that it touches both upper tips.", 1, (), "above"),
    ("Picture a capital X. Lay a line along the bottom of the X.", 1, (), "below"),
    ("Imagine a circle. Put a line against the left side of the circle.", 1, (), "left-of"),
    # sizes said as lengths or by another part
    ("Imagine a circle. Take a line, make it twice as long, and attach it to the right side of the circle.", 1,
     (("scale", 200),), "right-of"),
    ("Imagine a circle. Take a line, make it half as long, and put it below the circle.", 1, (("scale", 50),), "below"),
    ("Imagine a large circle. Put a circle of the same size below it.", 1, (("scale", 200),), "below"),
    ("Imagine a triangle. Now picture a half-circle turned upside down, the same width as the triangle. "
     "Put the half-circle directly below the triangle.", 1, (("flip", 0),), "below"),
    # sequencing and filler words
    ("Imagine a capital I. Last, put a small capital V on top of the I.", 1, (("scale", 50),), "above"),
    ("Imagine a half-circle. Turn it upside down. Next, think of a capital T and turn that upside down as well. "
     "Attach the upside-down T to the bottom of the curve, so that they touch.", 1, (("flip", 0),), "below"),
    # 'centred on each other' is what 'inside' is
    ("Imagine a large circle. Put a circle inside it, so that they are centred on each other.", 1, (), "inside"),
    # what is left after a stroke is taken; an opening, prongs or bumps said to make sure
    ("Picture a capital E. Take away its middle bar. Rotate what is left a quarter turn clockwise, so that the open "
     "side faces down.", 0, (("rotate", 90),), None),
    ("Imagine a capital E and rotate it a quarter turn clockwise, so that its three prongs point down.", 0,
     (("rotate", 90),), None),
    ("Imagine a capital B. Rotate it 90 degrees counterclockwise, so that its two bumps point upward.", 0,
     (("rotate", -90),), None),
    ("Imagine a capital C with its opening facing left.", 0, (("mirror", 0),), None),
])
def test_new_authors_wording_is_read(text, index, ops, relation):
    part = parse(text).parts[index]
    assert (part.ops, part.relation) == (ops, relation)


def test_the_nth_one_and_the_curve_name_earlier_parts():
    c = parse("Think of a capital H. Put a second capital H on top of it. Then add a third capital H on top of the "
              "second one.")
    assert [p.anchor for p in c.parts] == [None, 0, 1]
    c = parse("Picture a triangle. Imagine a second triangle below it. Put a circle to the right of the first one.")
    assert c.parts[2].anchor == 0
    with pytest.raises(ParseError, match="the curve.* 2 earlier parts"):
        parse("Imagine a circle. Put a half-circle below it. Put a T below the curve.")


def test_moves_with_no_amount_leave_the_middle_of_the_part_they_are_in():
    c = parse("Imagine a large circle. Now put a small circle inside the large circle, and move it up and to the left.")
    dx, dy = c.parts[1].move
    assert dx < -1 and dy < -1                     # a fifth of the large circle, not a quarter of the eye
    c = parse("Take a large circle. Put a U inside the large circle, and move it down a little.")
    assert c.parts[1].move == (0, 1)               # 'a little' stays one step


def test_slide_until_lines_up_the_named_edges():
    c = parse("Imagine a circle. Take a line, make it twice as long, and attach it to the right side of the circle. "
              "Take a small capital E and put it below the line. Slide the E to the right until it sits under the "
              "far end of the line.")
    placed = compositions.layout(c)
    step = compositions.MOVE_STEP * (bounds(placed[2])[3] - bounds(placed[2])[1])
    assert c.parts[2].move[0] > 0
    assert abs(bounds(placed[2])[2] - bounds(placed[1])[2]) <= step / 2 + 1e-9
    c = parse("Imagine a vertical line. Put a circle to the right of it, and move it 4 steps to the right. "
              "Slide the circle to the left until it touches the line.")
    assert c.parts[1].move == (0, 0)               # back where it touched
    c = parse("Picture a capital U. Take a large capital T and put it on top of the U. "
              "Slide the T downward until the bottom of its stem touches the bottom of the U.")
    placed = compositions.layout(c)
    assert abs(max(y for _, y in placed[1]["stem"]) - bounds(placed[0])[3]) < 0.1


@pytest.mark.parametrize("text, named", [
    ("Imagine a circle. Put a line against the circle.", "which side"),
    ("Imagine a circle. Lay a line across the circle.", "across"),
    ("Imagine a half-circle. Put another half-circle to the right of it. Put a triangle under the two half-circles.",
     "several parts"),
    ("Imagine a circle. Put a square below it. Put a line between the circle and the square.", "several parts"),
    ("Imagine a circle. Put a square below it so that they are centred on each other.", "centres"),
    ("Picture a triangle. Now imagine a second triangle of exactly the same size, turned upside down. Place the "
     "second triangle inside the first one, so that they are centred on each other.", "same size"),
    ("Imagine a line. Put a circle the same height as the line below it.", "same height"),
    ("Picture a square. Take a half-circle and turn it a quarter turn counterclockwise. Attach it to the right side "
     "of the square, flat side against the square.", "contradiction"),
    ("Imagine a capital E. Rotate it 90 degrees counterclockwise, so that its prongs point down.", "contradiction"),
    ("Imagine a line. Put a small circle below it. Slide the circle to the right until its bottom reaches the top "
     "of the line.", "until"),
    ("Imagine a capital D. Put a J below it so that their flat edges meet.", "flat side"),
])
def test_new_wording_the_model_cannot_keep_is_refused_by_name(text, named):
    with pytest.raises(ParseError, match=named):
        parse(text)


def test_the_third_authors_items_read_but_the_star():
    items = read_items(Path(__file__).parents[1] / "docs" / "items_heldout.txt", skip_unreadable=True)
    refused = [it for it in items if it.error]
    assert len(items) == 20 and len(refused) == 1 and "same size" in refused[0].error
