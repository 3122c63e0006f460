"""A new paradigm is one family file: a tiny family defined in this file alone is registered,
then trained, saved, loaded, imagined and evaluated through the registry, with no change to any
generic module."""
import math
from dataclasses import dataclass

import numpy as np
import pytest

from imagery_agent.scenes import ParseError, SceneError, SceneFamily, get_family, register_family, unregister_family
from imagery_agent.scenes.drawing import Canvas
from imagery_agent.scenes.graph import GraphObject, relation_graph
from imagery_agent.scenes.text import check_vocabulary, read_number, sentences

COLOURS = {"red": (220, 0, 0), "blue": (0, 0, 220)}
WORDS = {"a", "dot", "at", "column"} | set(COLOURS)


@dataclass(frozen=True)
class Dot:
    colour: str
    column: int  # 1..4, left to right

    def __post_init__(self):
        if self.colour not in COLOURS or not 1 <= self.column <= 4:
            raise SceneError(f"no {self.colour} dot at column {self.column}")


def sample(rng):
    return Dot(list(COLOURS)[int(rng.integers(2))], int(rng.integers(1, 5)))


def describe(dot, rng=None):
    return f"A {dot.colour} dot at column {dot.column}."


def parse(text):
    toks = [t for s in sentences(text, "dots") for t in s if t != ","]
    check_vocabulary(toks, WORDS, "dots")
    colours = [t for t in toks if t in COLOURS]
    if len(colours) != 1 or "column" not in toks or toks.index("column") + 1 >= len(toks):
        raise ParseError(f"dots: cannot read {text!r}")
    try:
        return Dot(colours[0], read_number(toks[toks.index("column") + 1], text))
    except SceneError as e:
        raise ParseError(f"dots: {e}") from None


def centre(dot):
    return ((dot.column - 0.5) / 4, 0.5)


def render(dot, size=16):
    canvas = Canvas(size, (255, 255, 255))
    canvas.disc(centre(dot), 0.1, COLOURS[dot.colour])
    return canvas.to_array()


def to_graph(dot):
    return relation_graph([GraphObject("dot", *centre(dot), {"colour": dot.colour})], family="dots")


def score(image, dot):
    """Right when the dot's colour is the strongest at its place, as the truth's."""
    x = int(centre(dot)[0] * image.shape[1])
    pixel = image[image.shape[0] // 2, x].astype(float)
    return {"right": bool(np.argmin([np.abs(pixel - c).sum() for c in COLOURS.values()])
                          == list(COLOURS).index(dot.colour))}


def summarise(scores):
    return {"object_accuracy": float(np.mean([s["right"] for s in scores]))}


DOTS = SceneFamily(
    name="dots", sample=sample, describe=describe, parse_text=parse, render=render, to_graph=to_graph,
    words=lambda: set(WORDS), atoms=lambda d: {(d.colour, d.column)}, heldout_atom={("blue", 2)}.__contains__,
    score_image=score, summarise_scores=summarise,
    grounding_classes=(2, 5), grounding_targets=lambda d: [(None, (list(COLOURS).index(d.colour), d.column))],
    backgrounds=((255, 255, 255),),
)

TINY = {
    "family": "dots", "image_size": 16, "prediction_type": "v_prediction",
    "text_encoder": {"hidden": 32, "layers": 1, "heads": 2, "max_length": 16},
    "unet": {"channels": [16, 32], "down_blocks": ["DownBlock2D", "CrossAttnDownBlock2D"],
             "up_blocks": ["CrossAttnUpBlock2D", "UpBlock2D"], "layers_per_block": 1, "heads": 2, "groups": 8,
             "only_cross_attention": True},
    "grounding": {"weight": 0.5, "pretrain_steps": 2, "learning_rate": 0.001}, "salient_weight": 4,
    "batch_size": 4, "learning_rate": 0.002, "text_learning_rate": 0.001, "warmup_steps": 1, "max_steps": 2,
    "ema_decay": 0.9, "log_every": 1, "sample_every": 2, "checkpoint_every": 2, "eval_every": 2, "eval_scenes": 2,
    "sampler_steps": 2, "guidance_scale": 2.0,
}


@pytest.fixture
def dots():
    register_family(DOTS)
    yield DOTS
    unregister_family("dots")


def test_a_family_is_asked_not_named(dots):
    assert get_family("dots") is dots
    rng = np.random.default_rng(0)
    train = [dots.sample_split(rng, "train") for _ in range(30)]
    assert all(d != Dot("blue", 2) for d in train)
    assert dots.sample_split(rng, "heldout") == Dot("blue", 2)
    assert dots.parse("A red dot at column 3.") == Dot("red", 3)
    assert dots.canonical(Dot("red", 3)) == "A red dot at column 3."  # no canonical form: the describer's
    assert dots.object_names(Dot("red", 3)) == ("dot",)
    with pytest.raises(SceneError, match="no user-named objects"):
        dots.parse("A red dot at column 3.", extra_names=["castle"])
    with pytest.raises(SceneError, match="already registered"):
        register_family(SceneFamily(**{**DOTS.__dict__}))
    with pytest.raises(SceneError, match="no frame"):
        dots.check_training(frames=True)


def test_a_tiny_family_trains_saves_loads_imagines_and_evaluates_through_the_registry(dots, tmp_path):
    from imagery_agent import load_imaginer
    from imagery_agent.backbones.imaginer import OracleImaginer
    from imagery_agent.evaluate import EvalConfig, evaluate
    from imagery_agent.training.common import BackboneConfig
    from imagery_agent.training.train import train
    out = train(BackboneConfig.from_dict(TINY), tmp_path / "run", quiet=True)
    assert "object_accuracy" in (tmp_path / "run" / "metrics.csv").read_text()
    imaginer = load_imaginer("dots", out)
    images = imaginer.imagine(["A red dot at column 1.", "A blue dot at column 4."], seed=0)
    assert [m.pixels.shape for m in images] == [(16, 16, 3)] * 2
    again = imaginer.imagine(["A blue dot at column 4."], seed=1)[0]
    assert (again.pixels == images[1].pixels).all()  # text i is drawn from seed + i, in any batch
    with pytest.raises(ParseError, match="description 1 of 2"):
        imaginer.imagine(["A red dot at column 1.", "A red dot at column 9."])
    result = evaluate(EvalConfig(family="dots", weights=str(out), n=4, batch=2, perception=False))
    from imagery_agent.scenes.corpus import build_corpus
    examples = build_corpus("dots", 4, seed=2024, split="heldout")  # what evaluate imagined and scored
    drawn = imaginer.imagine([e.text for e in examples], seed=0)
    by_hand = DOTS.summarise_scores([score(m.pixels, e.scene) for m, e in zip(drawn, examples)])
    assert result["family"] == "dots" and result["n_scenes"] == 4
    assert result["object_accuracy"] == by_hand["object_accuracy"]
    assert math.isfinite(result["images_per_second"])
    oracle = OracleImaginer("dots", 16).imagine(["A blue dot at column 2."])[0]
    assert DOTS.score_image(oracle.pixels, Dot("blue", 2))["right"]
