"""The everyday-object lexicon: names, canonical drawings, random variants and the duck-rabbit."""
import inspect
import re

import numpy as np
import pytest

from imagery_agent.scenes import SceneError, lexicon

REQUIRED = (
    "umbrella", "ice-cream cone", "heart", "sailboat", "pine tree", "house", "glasses", "ladder", "goblet",
    "broom", "clock", "flag", "balloon", "fish", "chair", "mug", "television", "butterfly", "lollipop",
    "hourglass", "bow tie", "stick figure", "music note", "tree", "snowman", "face", "arrow", "star", "kite",
    # look-alike distractors
    "mushroom", "lamp", "bell", "apple", "boat", "anchor", "key", "candle", "table", "bed", "fork", "spoon",
    "hat", "rocket", "envelope", "sun", "moon", "cup", "bird", "dumbbell", "tent", "light bulb", "hammer",
    "shovel", "duck", "rabbit", "cherry", "sword", "window", "bottle",
)


def _variants(name, n=3, seed=0):
    rng = np.random.default_rng(seed)
    return [lexicon.strokes(name, rng) for _ in range(n)]


def test_names():
    assert len(lexicon.LEXICON) >= 48
    assert lexicon.LEXICON == tuple(lexicon.DRAWINGS)
    missing = set(REQUIRED) - set(lexicon.LEXICON)
    assert not missing, missing
    for name in lexicon.LEXICON:
        assert re.fullmatch(r"[a-z]+(?:[ -][a-z]+)*", name), name


@pytest.mark.parametrize("size", [32, 64])
def test_every_object_renders_canonical_and_variants(size):
    for name in lexicon.LEXICON:
        rng = np.random.default_rng(1)
        for r in (None, rng, rng, rng):
            img = lexicon.render(name, size, rng=r)
            assert img.shape == (size, size, 3) and img.dtype == np.uint8, name
            assert img.min() < 60 and (img < 128).mean() > 0.01, name  # some ink
            assert img.max() == 255, name  # white paper around it


def test_canonical_is_deterministic_and_variants_differ():
    for name in lexicon.LEXICON:
        canon = lexicon.strokes(name)
        assert canon == lexicon.strokes(name, None), name
        assert all(isinstance(v, float) for s in canon for p in s for v in p), name
        for var in _variants(name):
            assert var != canon, name
        assert _variants(name, seed=5) == _variants(name, seed=5), name  # reproducible from the seed


def test_drawings_fill_and_stay_inside_the_box():
    names = lexicon.LEXICON + tuple(lexicon.AMBIGUOUS)
    for name in names:
        for strokes in [lexicon.strokes(name)] + _variants(name, 10):
            pts = np.concatenate([np.asarray(s) for s in strokes])
            lo, hi = pts.min(0), pts.max(0)
            assert lo.min() >= 0.05 and hi.max() <= 0.95, name
            assert (hi - lo).max() >= 0.6, name  # uses most of the box
            assert np.abs((lo + hi) / 2 - 0.5).max() <= 0.05, name  # roughly centred


def test_drawing_callables_take_an_rng():
    rng = np.random.default_rng(2)
    for name, draw in lexicon.DRAWINGS.items():
        assert draw(None) and draw(rng), name
        assert draw.__doc__ and draw.__doc__.strip(), name


def test_unknown_name():
    with pytest.raises(SceneError, match="dragon") as err:
        lexicon.strokes("dragon")
    assert "umbrella" in str(err.value)  # names the known ones
    with pytest.raises(SceneError, match="no lexicon object"):
        lexicon.render("dragon")


def test_module_draws_with_its_own_geometry():
    source = inspect.getsource(lexicon)
    assert not re.search(r"^\s*(from|import)\s+.*\b(strokes|glyphs)\b", source, re.M)


def test_duck_rabbit():
    draw, readings = lexicon.AMBIGUOUS["duck-rabbit"]
    assert readings == ("duck", "rabbit") and set(readings) <= set(lexicon.LEXICON)
    assert "duck-rabbit" not in lexicon.LEXICON
    rng = np.random.default_rng(3)
    assert draw(None) != draw(rng)
    for r in (None, rng):
        img = lexicon.render("duck-rabbit", 64, rng=r)
        assert img.shape == (64, 64, 3) and img.min() < 60
    # the two long lobes stretch the head sideways (to the left, where the duck's bill points)
    pts = np.concatenate([np.asarray(s) for s in draw(None)])
    assert pts[:, 0].max() - pts[:, 0].min() > pts[:, 1].max() - pts[:, 1].min()
    eye = np.asarray(draw(None)[-1]).mean(0)
    assert eye[0] > 0.5  # the head, with its eye, is on the right
