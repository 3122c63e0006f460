"""The image scorers of `imagery_agent.evaluate`: a perfect picture scores full marks, a picture
of another scene (or a blank one) does not, for every family."""
import numpy as np
import pytest

from imagery_agent.metrics import rooms as score_rooms
from imagery_agent.scenes import get_family
from imagery_agent.scenes.corpus import build_corpus
from imagery_agent.scenes.errors import SceneError


@pytest.mark.parametrize("family", ["compositions", "islands", "rooms"])
def test_renders_score_full_marks_and_other_scenes_do_not(family):
    """Each family's own scorer, asked through the family object."""
    fam = get_family(family)
    examples = build_corpus(family, 20, seed=5, split="heldout")
    score, summarise = fam.score_image, fam.summarise_scores
    right = summarise([score(fam.render(e.scene, 32), e.scene) for e in examples])
    assert right["object_accuracy"] == 1.0 and right["exact_scene_accuracy"] == 1.0, right
    assert right["localisation_error_frac"] <= 1 / 32
    wrong = summarise([score(fam.render(examples[(i + 1) % 20].scene, 32), e.scene) for i, e in enumerate(examples)])
    assert wrong["object_accuracy"] < 0.3 and wrong["exact_scene_accuracy"] < 0.1, wrong


def test_noise_lowers_the_room_score_gracefully():
    fam = get_family("rooms")
    rng = np.random.default_rng(0)
    examples = build_corpus("rooms", 20, seed=5, split="heldout")
    noisy = [np.clip(fam.render(e.scene, 32) + rng.normal(0, 20, (32, 32, 3)), 0, 255) for e in examples]
    m = fam.summarise_scores([score_rooms.score_room(im, e.scene) for im, e in zip(noisy, examples)])
    assert m["object_accuracy"] >= 0.9


def test_room_scores_tell_unseen_colour_object_pairs_apart():
    """Held-out rooms hold pairs never seen in training; their objects are scored apart."""
    fam = get_family("rooms")
    examples = build_corpus("rooms", 20, seed=5, split="heldout")
    right = fam.summarise_scores([fam.score_image(fam.render(e.scene, 32), e.scene) for e in examples])
    assert right["unseen_pair_object_accuracy"] == 1.0 and right["seen_pair_object_accuracy"] == 1.0
    blanked = []  # the unseen pairs' cells painted as floor: only those objects are lost
    for e in examples:
        im = fam.render(e.scene, 32).copy()
        c = 32 * score_rooms.rooms.cell_fraction(e.scene)
        for t in e.scene.things:
            if (t.colour, t.kind) in score_rooms.rooms.HELDOUT:
                im[int(round(t.y * c)):int(round((t.y + 1) * c)), int(round(t.x * c)):int(round((t.x + 1) * c))] = 0
        blanked.append(fam.score_image(im, e.scene))
    m = fam.summarise_scores(blanked)
    assert m["unseen_pair_object_accuracy"] == 0.0 and m["seen_pair_object_accuracy"] == 1.0
    assert set(right["unseen_pair_accuracy_by_pair"]) <= {f"{c} {k}" for c, k in score_rooms.rooms.HELDOUT}
    assert set(right["unseen_pair_accuracy_by_pair"].values()) == {1.0}
    assert set(m["unseen_pair_accuracy_by_pair"].values()) == {0.0}


def test_unknown_family_is_named():
    with pytest.raises(SceneError, match="unknown scene family 'castles'"):
        build_corpus("castles", 2)


def test_evaluate_cli_names_an_unknown_family(capsys):
    from imagery_agent.evaluate import main
    assert main(["--family", "castles", "--json"]) == 2
    assert "unknown scene family 'castles'" in capsys.readouterr().err


def test_figure_renders_score_full_marks_by_kind_and_turned_ones_do_not():
    import dataclasses

    from imagery_agent.metrics import figures as score_figures
    from imagery_agent.scenes import figures
    examples = build_corpus("figures", 16, seed=5, split="heldout")
    right = score_figures.summarise([score_figures.score_figure(figures.render(e.scene, 32), e.scene) for e in examples])
    assert right["object_accuracy"] == 1.0 and right["orientation_error_deg"] == 0
    assert set(right["accuracy_by_kind"].values()) == {1.0}
    turned = [dataclasses.replace(e.scene, angle=(e.scene.angle + 90) % 360, axis="picture") for e in examples]
    wrong = score_figures.summarise([score_figures.score_figure(figures.render(t, 32), e.scene)
                                     for t, e in zip(turned, examples)])
    assert wrong["object_accuracy"] < 0.3 and wrong["orientation_error_deg"] >= 45
