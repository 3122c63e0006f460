"""The verbal code: every family says, reads back, draws and graphs its scenes."""
import itertools
import json
import math

import numpy as np
import pytest

from imagery_agent.scenes import FAMILIES, ParseError, SceneError, compositions, figures, get_family, islands, lexicon, rooms
from imagery_agent.scenes.corpus import build_corpus

FAMILY_NAMES = list(FAMILIES)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_parse_inverts_describe(family):
    fam = get_family(family)
    rng = np.random.default_rng(7)
    texts = set()
    for _ in range(300):
        scene = fam.sample(rng)
        text = fam.describe(scene, rng)
        texts.add(text)
        assert fam.parse(text) == scene, text


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_describe_varies_its_wording(family):
    fam = get_family(family)
    rng = np.random.default_rng(0)
    scene = fam.sample(rng)
    texts = {fam.describe(scene, rng) for _ in range(30)}
    assert len(texts) >= 5
    assert all(fam.parse(t) == scene for t in texts)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_render_is_deterministic_and_antialiased(family):
    fam = get_family(family)
    scene = fam.sample(np.random.default_rng(3))
    a, b = fam.render(scene, 64), fam.render(scene, 64)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert len(np.unique(a.reshape(-1, 3), axis=0)) > 4  # edges are blended, not two-tone


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_bad_text_gets_a_clear_error(family):
    fam = get_family(family)
    with pytest.raises(ParseError, match="empty"):
        fam.parse("   ")
    with pytest.raises(ParseError, match="characters"):
        fam.parse("the " * 2500)
    with pytest.raises(ParseError, match="'flibbertigibbet'"):
        fam.parse("the flibbertigibbet is at column 3, row 4.")
    with pytest.raises(ParseError):
        fam.parse(42)


def test_render_rejects_bad_sizes():
    with pytest.raises(SceneError, match="size"):
        islands.render(islands.kosslyn_map(), 3)
    with pytest.raises(SceneError, match="size"):
        islands.render(islands.kosslyn_map(), "64")


# --- islands -------------------------------------------------------------------------------

def test_islands_contradiction_and_range():
    with pytest.raises(ParseError, match="contradiction"):
        islands.parse("The hut is at column 3, row 4. The hut is at column 5, row 6.")
    with pytest.raises(ParseError, match="contradiction"):
        islands.parse("This island has 3 landmarks. The hut is at column 3, row 4.")
    with pytest.raises(ParseError, match="outside"):
        islands.parse("The hut is at column 30, row 4.")
    with pytest.raises(ParseError, match="both at"):
        islands.parse("The hut is at column 3, row 4. The well is at column 3, row 4.")
    with pytest.raises(ParseError, match="column and a row"):
        islands.parse("The hut is at column 3.")


def test_islands_text_redraws_the_map_within_a_sixteenth():
    rng = np.random.default_rng(1)
    for _ in range(50):
        m = islands.sample(rng)
        back = islands.parse(islands.describe(m, rng))
        for a, b in zip(m.landmarks, back.landmarks):
            assert math.dist(a.centre, b.centre) <= 1 / 16


def test_kosslyn_map_has_seven_landmarks_and_21_distinct_distances():
    m = islands.kosslyn_map()
    assert set(m.names) == {"hut", "tree", "rock", "well", "lake", "sand", "grass"}
    d = [m.distance(a, b) for a, b in itertools.combinations(m.names, 2)]
    assert len(d) == 21 and len({round(x, 6) for x in d}) == 21
    assert not get_family("islands").is_heldout(m)  # the experiment's map is not the evaluation's


def test_user_map_json(tmp_path):
    p = tmp_path / "map.json"
    p.write_text(json.dumps({"landmarks": {"castle": [3, 3], "harbour": [10, 12], "well": [7, 5]}}))
    m = islands.load_map(p)
    assert m.landmark("castle").x == 3
    text = islands.describe(m)
    assert islands.parse(text, extra_names=["castle", "harbour"]) == m
    assert islands.render(m, 32).shape == (32, 32, 3)
    p.write_text("{not json")
    with pytest.raises(SceneError, match="not valid JSON"):
        islands.load_map(p)
    with pytest.raises(SceneError, match="column, row"):
        islands.load_map({"landmarks": {"castle": [3]}})
    with pytest.raises(SceneError, match="does not exist"):
        islands.load_map(tmp_path / "missing.json")


def test_island_graph_matches_geometry():
    m = islands.kosslyn_map()
    g = islands.to_graph(m)
    for a, b in itertools.permutations(m.names, 2):
        la, lb = m.landmark(a), m.landmark(b)
        e = g.edges[a, b]
        assert e["distance"] == pytest.approx(m.distance(a, b) / islands.GRID)
        assert e["left_of"] == (la.x < lb.x)
        assert e["above"] == (la.y < lb.y)
        assert e["near"] == (e["distance"] < 0.25)


def test_island_landmarks_are_drawn_where_the_text_says():
    from imagery_agent.perception.landmarks import find_landmark
    m = islands.kosslyn_map()
    img = islands.render(m, 64)
    for lm in m.landmarks:
        s = find_landmark(img, lm.name)
        assert math.dist((s.x, s.y), lm.centre) < 1 / 32


# --- figures -------------------------------------------------------------------------------

def test_figures_paraphrases_of_the_same_rotation():
    a = figures.parse("The letter R, rotated 90 degrees clockwise.")
    b = figures.parse("A capital R, turned 270 degrees to the left, not mirrored.")
    assert a == b == figures.Figure("letter", "R", 90)
    assert figures.parse("Cube figure 3, rotated 40 degrees in depth, drawn in perspective, mirror-reversed.") == \
        figures.Figure("cube", "3", 40, True, "depth", "perspective")


def test_a_figures_frame_is_said_without_the_figures_name():
    """The frame head reads the turn alone, so the frame it reads cannot depend on which figure it is."""
    for f in (figures.Figure("letter", "F", 70, True), figures.Figure("polygon", "7", 0),
              figures.Figure("digit", "4", 200), figures.Figure("cube", "3", 40, False, "depth")):
        words = figures.frame_text(f)
        name = get_family("figures").prompt(f).split(",")[0]
        assert name not in words and words[0].isupper() and words.endswith(".")
        # the turn and form said alone still say the same turn and form
        assert figures.parse(f"{name}, {words[0].lower() + words[1:]}") == f
    assert get_family("figures").frame_text is figures.frame_text


def test_figures_errors():
    with pytest.raises(ParseError, match="contradiction"):
        figures.parse("The letter R, mirror-reversed, not mirrored.")
    with pytest.raises(ParseError, match="more than one orientation"):
        figures.parse("The letter R, rotated 90 degrees clockwise, rotated 20 degrees counterclockwise.")
    with pytest.raises(ParseError, match="does not exist"):
        figures.parse("Polygon number 99, upright.")
    with pytest.raises(ParseError, match="multiple of 10"):
        figures.parse("The letter R, rotated 45 degrees clockwise.")
    with pytest.raises(ParseError, match="only cube figures"):
        figures.parse("The letter R, rotated 40 degrees in depth.")


def test_mirror_image_is_no_rotation_of_the_figure():
    for kind, ident in (("letter", "R"), ("cube", "2"), ("polygon", "5")):
        mirrored = figures.render(figures.Figure(kind, ident, 0, True), 48).astype(int)
        best = min(np.abs(mirrored - figures.render(figures.Figure(kind, ident, a), 48).astype(int)).mean()
                   for a in range(0, 360, 10))
        assert best > 2.0, (kind, ident, best)


def test_rotation_turns_the_picture_clockwise():
    up = figures.render(figures.Figure("letter", "L", 0), 64)
    quarter = figures.render(figures.Figure("letter", "L", 90), 64)
    # an L's foot points right; turned 90 degrees clockwise it points down, and the stem lies along the top
    assert np.abs(np.rot90(up, k=-1).astype(int) - quarter.astype(int)).mean() < 6


def test_cube_figures_have_ten_face_adjacent_cubes():
    for i in range(1, figures.N_CUBE_FIGURES + 1):
        g = figures.to_graph(figures.Figure("cube", str(i), 0))
        assert g.number_of_nodes() == 10
        touching = sum(1 for _, _, e in g.edges(data=True) if e["touching"]) // 2
        assert touching >= 9  # a chain of ten cubes


# --- compositions --------------------------------------------------------------------------

def test_finke_umbrella_parts_touch_and_stack():
    text, target = compositions.FINKE_ITEMS[0]
    c = compositions.parse(text)
    assert target == "umbrella"
    assert c.parts[0] == compositions.Part("D", (("rotate", -90),))
    assert c.parts[1].relation == "below" and c.parts[1].anchor == 0
    g = compositions.to_graph(c)
    e = g.edges["part 2", "part 1"]
    assert e["touching"] and "below" in e["relations"]


def test_every_finke_item_parses_and_renders():
    for text, target in compositions.FINKE_ITEMS:
        assert target in lexicon.LEXICON
        img = compositions.render(compositions.parse(text), 64)
        assert img.min() < 50  # something is drawn


def test_compositions_errors():
    with pytest.raises(ParseError, match="no earlier"):
        compositions.parse("Take a circle. Put a square attached below the triangle.")
    with pytest.raises(ParseError, match="no part called"):
        compositions.parse("Take a capital I, without its crossbar.")
    with pytest.raises(ParseError, match="does not say where"):
        compositions.parse("Take a circle. Put a square.")
    with pytest.raises(ParseError, match="ambiguous"):
        compositions.parse("Take a circle. Put a circle attached below the circle. Put a square attached below the circle.")
    with pytest.raises(ParseError, match="contradiction"):
        compositions.parse("Take a circle. Put a square attached below the circle, attached above the circle.")


def test_removed_part_is_not_drawn():
    whole = compositions.render(compositions.parse("Take a capital I."), 64)
    no_top = compositions.render(compositions.parse("Take a capital I, without its top bar."), 64)
    assert (no_top < 128).sum() < (whole < 128).sum()


def test_placed_parts_touch_in_the_graph():
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(100):
        c = compositions.sample(rng, n_parts=2)
        p = c.parts[1]
        if p.relation == "inside" or p.move != (0, 0):
            continue
        e = compositions.to_graph(c).edges["part 2", "part 1"]
        assert e["touching"], compositions.describe(c)
        checked += 1
    assert checked > 50


def test_lexicon_draws_every_object():
    for name in lexicon.LEXICON:
        img = lexicon.render(name, 48)
        assert img.shape == (48, 48, 3) and img.min() < 60
    with pytest.raises(SceneError, match="no lexicon object"):
        lexicon.render("dragon")


# --- rooms ---------------------------------------------------------------------------------

def test_rooms_errors():
    with pytest.raises(ParseError, match="contradiction"):
        rooms.parse("The room is 6 by 6. The room is 7 by 7. You are at column 1, row 1, facing east.")
    with pytest.raises(ParseError, match="outside"):
        rooms.parse("The room is 6 by 6. You are at column 9, row 1, facing east.")
    with pytest.raises(ParseError, match="contradiction"):
        rooms.parse("The room is 6 by 6. You are at column 1, row 1, facing east. A red key is at column 1, row 1.")
    with pytest.raises(ParseError, match="not in a wall"):
        rooms.parse("The room is 6 by 6. You are at column 1, row 1, facing east. A locked red door is at column 3, row 2.")
    with pytest.raises(ParseError, match="where the agent"):
        rooms.parse("The room is 6 by 6.")


def test_room_graph_and_picture_agree():
    r = rooms.parse("The room is 7 by 7. You are at column 1, row 1, facing east. A red ball is at column 2, row 1. "
                    "The goal is at column 5, row 5.")
    g = rooms.to_graph(r)
    assert g.edges["agent", "red ball"]["touching"] and g.edges["agent", "red ball"]["left_of"]
    assert g.edges["agent", "goal"]["above"] and not g.edges["agent", "goal"]["near"]
    img = rooms.render(r, 80)
    assert rooms.cell_fraction(r) == 1 / 8  # rooms up to 8 x 8 share one scale: a cell is 10 of 80 pixels
    assert tuple(img[55, 55]) == (0, 255, 0)  # the goal cell (5, 5) is green
    assert tuple(img[75, 75]) == (0, 0, 0)  # beyond the 7 x 7 room


def test_training_rooms_cover_what_the_tasks_say():
    """The planning tasks split rooms along rows as well as down columns, and lock doors of every
    colour; a backbone that never saw those draws them wrong, so the training split holds both."""
    rng = np.random.default_rng(0)
    train = [get_family("rooms").sample_split(rng, "train") for _ in range(600)]
    walls = {"along a row" if w.y0 == w.y1 else "down a column" for r in train for w in r.walls}
    locked = {t.colour for r in train for t in r.things if t.kind == "door" and t.state == "locked"}
    assert walls == {"along a row", "down a column"}
    assert locked == set(rooms.COLOURS) - {c for c, kind in rooms.HELDOUT if kind == "door"}


def test_a_training_run_may_ask_for_more_locked_doors_and_grey_items():
    """The options only reweight what the split already holds: no grey door, and the default
    rooms are the same rooms as without the options."""
    fam = get_family("rooms")
    plain = [fam.sample_split(np.random.default_rng(1), "train") for _ in range(3)]
    assert plain == [fam.sample_split(np.random.default_rng(1), "train", locked=None, grey_items=None) for _ in range(3)]
    rng = np.random.default_rng(0)
    rs = [fam.sample_split(rng, "train", locked=0.9, grey_items=0.5) for _ in range(300)]
    doors = [t for r in rs for t in r.things if t.kind == "door"]
    items = [t for r in rs for t in r.things if t.kind in rooms.ITEMS]
    assert sum(t.state == "locked" for t in doors) > 0.8 * len(doors)
    assert sum(t.colour == "grey" for t in items) > 0.3 * len(items)
    assert not any(t.colour == "grey" for t in doors)


def test_room_twins_move_one_thing():
    rng = np.random.default_rng(1)
    for _ in range(50):
        r = rooms.sample(rng)
        t = rooms.twin(r, rng)
        if t is None:
            continue
        moved = len(set(r.things) ^ set(t.things)) // 2 + ((r.agent, r.heading) != (t.agent, t.heading))
        assert moved == 1 and (t.width, t.height, t.walls) == (r.width, r.height, r.walls)


# --- corpora -------------------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_heldout_split_holds_combinations_never_seen_in_training(family):
    train = build_corpus(family, 150, seed=0, split="train")
    held = build_corpus(family, 40, seed=0, split="heldout")
    fam = get_family(family)
    train_atoms = set().union(*(fam.atoms(e.scene) for e in train))
    for e in held:
        assert fam.is_heldout(e.scene)
        assert fam.atoms(e.scene) - train_atoms  # something in it was never trained on
    assert build_corpus(family, 5, seed=3)[0].text == build_corpus(family, 5, seed=3)[0].text


def test_figure_orientation_is_read_back_from_pictures():
    from imagery_agent.metrics.figures import score_figure
    f = figures.Figure("letter", "R", 120, True)
    assert score_figure(figures.render(f, 32), f)["correct"]
    wrong = figures.render(figures.Figure("letter", "R", 300, True), 32)
    s = score_figure(wrong, f)
    assert s["orientation_error"] == 180 and not s["correct"]
