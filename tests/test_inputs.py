"""Every input works or gets a one-line error naming the problem; nothing runs to a confident
wrong result, and a failed call leaves the agent as it was."""
import json

import pytest

from imagery_agent.agent import ImageryAgent
from imagery_agent.backbones.imaginer import OracleImaginer
from imagery_agent.imagery.mental_image import MentalImage
from imagery_agent.scenes import ParseError, islands

KOSSLYN = islands.describe(islands.kosslyn_map())


@pytest.mark.parametrize("text, problem", [
    ("The hut is at column 3, row 2. The hut is at column 9, row 9.", "contradiction"),
    ("The hut is at column 30, row 2.", "outside the island"),
    ("", "empty"),
    ("The castle is at column 3, row 2.", "castle"),
])
def test_both_imaginers_refuse_what_the_parser_refuses(text, problem, tiny_islands_imaginer):
    for imaginer in (OracleImaginer("islands"), tiny_islands_imaginer):
        with pytest.raises(ParseError, match=problem):
            imaginer.imagine([text])


def test_a_batch_names_its_bad_text(tiny_islands_imaginer):
    texts = [KOSSLYN, KOSSLYN, "The hut is at column 3."]
    for imaginer in (OracleImaginer("islands"), tiny_islands_imaginer):
        with pytest.raises(ParseError, match="description 2 of 3: .*needs both a column and a row"):
            imaginer.imagine(texts)


def test_the_canonical_path_draws_any_wording_of_one_scene_alike(tiny_islands_imaginer):
    """The model draws the parsed scene in its canonical wording: two wordings of one map give the
    same image; the raw path (canonical=False) gives the words as written."""
    scene = islands.kosslyn_map()
    one, two = islands.describe(scene, __import__("numpy").random.default_rng(1)), islands.canonical(scene)
    a, b = tiny_islands_imaginer.imagine([one, two], seed=5)
    b = tiny_islands_imaginer.imagine([two], seed=5)[0]
    assert (a.pixels == b.pixels).all() and a.description == one  # the image keeps the words it was imagined from
    tiny_islands_imaginer.canonical = False
    try:
        raw = tiny_islands_imaginer.imagine([one], seed=5)[0]
    finally:
        tiny_islands_imaginer.canonical = True
    assert (raw.pixels != a.pixels).any()


def test_a_failed_learn_leaves_the_agent_as_it_was():
    class Broken:
        family = "islands"

        def imagine(self, texts, *, seed=0):
            raise RuntimeError("the imaginer broke")

    agent = ImageryAgent(OracleImaginer("islands"))
    agent.learn(KOSSLYN)
    before = (agent.image, agent.names, agent.description)
    agent.imaginer = Broken()
    other = islands.describe(islands.IslandMap((islands.Landmark("boat", 3, 3), islands.Landmark("flag", 9, 9))))
    with pytest.raises(RuntimeError):
        agent.learn(other)
    with pytest.raises(ParseError):
        agent.learn("The castle is at column 3, row 2.")
    assert (agent.image, agent.names, agent.description) == before
    assert agent.scan("tree", "sand").found  # still the old map, whole


def test_evaluate_refuses_bad_numbers_in_one_line(capsys):
    from imagery_agent.evaluate import main
    for argv, problem in [(["--n", "0"], "n must be a whole number >= 1"), (["--steps", "0"], "steps must be 1..1000"),
                          (["--batch", "-1"], "batch must be"), (["--guidance", "nan"], "guidance must be"),
                          (["--threads", "0"], "--threads must be at least 1"),
                          (["--n", "4", "--compare-ddpm", "9"], "compare_ddpm (9) is more than")]:
        assert main(["--family", "islands", "--json", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert problem in err and len(err.strip().splitlines()) == 1, err


@pytest.fixture(scope="module")
def tiny_islands_imaginer(tmp_path_factory):
    """A tiny, untrained islands pipeline saved and loaded like a user's own."""
    import torch

    from imagery_agent import load_imaginer
    from imagery_agent.backbones.models import build_pipeline
    from imagery_agent.training.common import BackboneConfig
    from imagery_agent.training.export import save_pipeline
    cfg = BackboneConfig.from_dict({
        "family": "islands", "image_size": 16, "text_encoder": {"hidden": 32, "layers": 1, "heads": 2, "max_length": 160},
        "unet": {"channels": [16, 32], "down_blocks": ["DownBlock2D", "CrossAttnDownBlock2D"],
                 "up_blocks": ["CrossAttnUpBlock2D", "UpBlock2D"], "layers_per_block": 1, "heads": 2, "groups": 8,
                 "only_cross_attention": True},
        "batch_size": 4, "learning_rate": 1e-3, "warmup_steps": 1, "max_steps": 1, "sampler_steps": 2})
    torch.manual_seed(0)
    folder = save_pipeline(build_pipeline(cfg), cfg.to_dict(), tmp_path_factory.mktemp("tiny") / "islands")
    assert json.loads((folder / "checksums.json").read_text())["sha256"]
    return load_imaginer("islands", folder)


def test_a_mental_image_keeps_what_it_was_imagined_from(tiny_islands_imaginer):
    image = tiny_islands_imaginer.imagine(KOSSLYN, seed=3)[0]
    assert isinstance(image, MentalImage) and image.description == KOSSLYN and image.seed == 3


# --- landmarks of a user's own, drawn and recognised by their look ---------------------------

def test_a_user_landmark_gets_the_look_the_words_give_it_or_one_of_its_own():
    m = islands.parse("The castle is at column 3, row 4. The castle is purple. The red fort lies at (9, 9). "
                      "The mill is at column 12, row 2. The hut is at column 6, row 11.",
                      extra_names=["castle", "fort", "mill"])
    looks = {lm.name: lm.look for lm in m.landmarks}
    assert looks["castle"] == "purple" and looks["fort"] == "red" and looks["hut"] == ""
    drawn = {lm.name: lm.drawn_as for lm in m.landmarks}
    assert drawn["castle"] == "bridge" and drawn["fort"] == "tower" and drawn["hut"] == "hut"
    assert drawn["mill"] not in ("bridge", "tower", "hut")  # a colour no other landmark has
    assert islands.parse(islands.describe(m, __import__("numpy").random.default_rng(4)),
                         extra_names=["castle", "fort", "mill"]) == m
    assert islands.load_map(m.to_json()) == m


@pytest.mark.parametrize("text, problem", [
    ("The castle is at column 3, row 4. The castle is red. The castle is blue.", "contradiction"),
    ("The castle is at column 3, row 4. The castle is red. The tower is at column 8, row 8.", "would look alike"),
    ("The castle is at column 3, row 4. The castle is mauve.", "mauve"),
    ("The castle and the tower are red. The castle is at (3, 4). The tower is at (8, 8).", "one landmark per sentence"),
])
def test_bad_looks_are_refused_by_name(text, problem):
    with pytest.raises(ParseError, match=problem):
        islands.parse(text, extra_names=["castle"])


def test_a_map_file_gives_looks_and_refuses_bad_ones(tmp_path):
    p = tmp_path / "m.json"
    p.write_text(json.dumps({"landmarks": {"castle": {"at": [2, 2], "colour": "pink"}, "mill": [9, 9]}}))
    m = islands.load_map(p)
    assert m.landmark("castle").drawn_as == "boat" and m.landmark("mill").look
    for bad, problem in [({"castle": {"at": [2, 2], "colour": "mauve"}}, "mauve"),
                         ({"castle": {"at": [2, 2], "hue": "red"}}, "takes"),
                         ({"castle": {"at": [2, 2], "colour": "red"}, "tower": [5, 5]}, "would look alike")]:
        p.write_text(json.dumps({"landmarks": bad}))
        with pytest.raises(islands.SceneError, match=problem):
            islands.load_map(p)


def test_the_oracle_and_the_agent_draw_and_find_user_landmarks_by_their_look():
    m = islands.load_map({"landmarks": {"castle": {"at": [2, 2], "colour": "purple"}, "mill": [12, 12],
                                        "hut": [3, 11]}})
    text = islands.describe(m)
    imaginer = OracleImaginer("islands")
    assert (imaginer.imagine(text, extra_names=["castle", "mill"])[0].pixels
            == islands.render(islands.drawable(m), 32)).all()  # drawn as the trained landmarks of those looks
    agent = ImageryAgent(imaginer)
    agent.learn(text, extra_names=["castle", "mill"])
    assert agent.scan("castle", "mill").found and agent.scan("mill", "hut").found
    near, far = agent.scan("castle", "hut"), agent.scan("castle", "mill")
    assert near.shifts < far.shifts  # time follows distance for names never trained


def test_the_backbone_is_asked_for_trained_names_standing_in(tiny_islands_imaginer):
    m = islands.load_map({"landmarks": {"castle": {"at": [2, 2], "colour": "purple"}, "hut": [3, 11]}})
    prompt = tiny_islands_imaginer.prompts([islands.describe(m)], extra_names=["castle"])[0]
    assert prompt == "This island has 2 landmarks. The bridge is at column 2, row 2. The hut is at column 3, row 11."
