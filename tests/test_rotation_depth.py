"""Turns in depth and re-imagining: the 3-D code (a cube figure held as a model in space) turns
about the vertical axis increment by increment; re-imagining each increment from the words gives
the answers the buffer's transformation gives, at the cost of an 'imagine' each; the 3-D model
trains, saves, loads exactly and refuses what it cannot hold."""
import json

import numpy as np
import pytest
import torch

from imagery_agent.agent.rotation import RotatingAgent, RotationError
from imagery_agent.backbones.imaginer import OracleImaginer
from imagery_agent.backbones.model3d import (FigureModel3D, Model3DImaginer, OracleModel3DImaginer, load_model3d,
                                             save_model3d, target_occupancy, cubes_from_occupancy)
from imagery_agent.imagery.clock import DEFAULT_COSTS_MS
from imagery_agent.io import WeightsError
from imagery_agent.metrics.regression import fit_line
from imagery_agent.scenes import ParseError, figures, get_family
from imagery_agent.scenes.figures import Figure
from imagery_agent.training.common import CONFIG_DIR

SIZE = 64


def cube_probe(angle, mirror=False, ident="3"):
    return figures.render(Figure("cube", ident, angle, mirror, "depth" if angle else "picture"), SIZE)


def test_the_oracle_3d_code_projects_to_the_render():
    f = Figure("cube", "5", 70, True, "depth", "perspective")
    image = OracleModel3DImaginer(SIZE).imagine(figures.describe(f))[0]
    assert (image.pixels == figures.render(f, SIZE)).all() and image.code.axis == "depth"
    # the occupancy grid holds the figure's cubes (the mirror image its mirrored cubes)
    cubes = cubes_from_occupancy(target_occupancy(f))
    assert len(cubes) == 10 and np.allclose(np.sort(cubes, 0), np.sort(figures.cube_centres(5, True), 0))


def test_time_rises_with_angle_in_depth_and_mirror_figures_are_different():
    agent = RotatingAgent(OracleModel3DImaginer(SIZE), axis="depth")
    agent.hold("Cube figure 3, upright.")
    angles = [0, 40, 80, 120, 160]
    results = [agent.judge(cube_probe(a)) for a in angles]
    assert all(r.same for r in results)
    times = [r.time_ms for r in results]
    assert all(b > a for a, b in zip(times, times[1:])) and fit_line(angles, times)["r"] > 0.99
    # no glance in depth: a copy turns each way in alternation (clockwise first), so either way round
    # takes the same time but for the one increment
    step = DEFAULT_COSTS_MS["rotate"] + DEFAULT_COSTS_MS["compare"]
    assert agent.judge(cube_probe(280)).time_ms - agent.judge(cube_probe(80)).time_ms == step
    assert agent.judge(cube_probe(280)).turned < 0 < agent.judge(cube_probe(80)).turned
    for a in (0, 60, 140):
        mirrored = agent.judge(cube_probe(a, mirror=True))
        assert mirrored.response == "different" and mirrored.increments == 36


def test_reimagining_answers_as_the_buffer_does_at_an_imagine_per_increment():
    for axis, first, probe in (("picture", "The letter R, upright.", figures.render(Figure("letter", "R", 60), 32)),
                               ("depth", "Cube figure 3, upright.", cube_probe(60))):
        imaginer = OracleModel3DImaginer(SIZE) if axis == "depth" else OracleImaginer("figures", 32)
        results = {}
        for route in ("transform", "reimagine"):
            agent = RotatingAgent(imaginer, axis=axis, route=route)
            agent.hold(first)
            results[route] = agent.judge(probe)
        t, r = results["transform"], results["reimagine"]
        assert t.same and r.same and t.turned == r.turned and t.increments == r.increments > 0
        imagined = sum(s.op == "imagine" for s in r.trace)
        assert imagined == r.increments and not any(s.op == "rotate" for s in r.trace)
        assert r.time_ms - t.time_ms == pytest.approx(
            r.increments * (DEFAULT_COSTS_MS["imagine"] - DEFAULT_COSTS_MS["rotate"]))
    agent = RotatingAgent(OracleImaginer("figures", 32), route="reimagine")
    agent.hold("Take the letter R. Rotate it 90 degrees to the right.")
    assert figures.parse(agent.turned_description(30)) == Figure("letter", "R", 120)


def tiny_model():
    torch.manual_seed(0)
    return FigureModel3D(sorted(get_family("figures").vocabulary()), hidden=16, layers=1, heads=2, max_length=48)


def test_a_tiny_3d_model_trains_saves_and_loads_exactly(tmp_path):
    from imagery_agent.training.train_model3d import main
    out = tmp_path / "run"
    cfg = json.loads((CONFIG_DIR / "figures_model3d.json").read_text())
    cfg.update(hidden=16, layers=1, heads=2, max_steps=6, batch_size=8, eval_every=6, eval_scenes=4, log_every=2,
               checkpoint_every=3, warmup_steps=2)
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    assert main(["--family", "figures", "--out", str(out), "--config", str(tmp_path / "c.json")]) == 0
    log = (out / "log.csv").read_text()
    assert (out / "metrics.csv").exists() and log.startswith("step,loss")
    a = load_model3d(out / "model3d")
    b = load_model3d(out / "model3d")
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    text = "Cube figure 7, mirror-reversed, turned 130 degrees about its vertical axis."
    im1, im2 = Model3DImaginer(a).imagine(text, seed=0)[0], Model3DImaginer(b).imagine(text, seed=5)[0]
    assert (im1.pixels == im2.pixels).all() and im1.pixels.shape == (32, 32, 3)


def test_the_3d_model_refuses_what_it_cannot_hold(tmp_path):
    imaginer = Model3DImaginer(tiny_model())
    with pytest.raises(ParseError, match="cube figures only"):
        imaginer.imagine("The letter R, upright.")
    with pytest.raises(ParseError, match="unknown word|cannot read|not understood|word"):
        imaginer.imagine("Cube figure 3 wobbling.")
    folder = save_model3d(tiny_model(), tmp_path / "m")
    weights = next(folder.glob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-8:] = b"\x00" * 8
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="does not match the checksum"):
        load_model3d(folder)
    with pytest.raises(WeightsError, match="no 3-D figure model"):
        load_model3d(tmp_path / "nothing")


@pytest.mark.slow
def test_shipped_3d_code_draws_held_out_cube_figures_and_turns_them():
    from imagery_agent.evaluate import score_images
    from imagery_agent.scenes.corpus import build_corpus
    imaginer = Model3DImaginer.from_pretrained(size=SIZE)
    held_out = build_corpus("figures", 24, seed=7, split="heldout", kinds=("cube",))
    assert score_images(imaginer, held_out)["object_accuracy"] >= 0.9
    agent = RotatingAgent(imaginer, axis="depth")
    agent.hold("Cube figure 11, upright, not mirrored.")
    assert agent.judge(cube_probe(100, ident="11")).same
    assert not agent.judge(cube_probe(100, mirror=True, ident="11")).same
    # the agent uses its 3-D model: plant another figure's model and the same probe is 'different'
    agent.hold("Cube figure 11, upright.", image=imaginer.imagine("Cube figure 12, upright.")[0])
    assert not agent.judge(cube_probe(100, ident="11")).same
    with pytest.raises(RotationError, match="the agent holds no image"):
        RotatingAgent(imaginer, axis="depth").judge(cube_probe(0))


@pytest.mark.slow
def test_evaluate_scores_the_3d_code_and_figure_kinds_and_refuses_bad_ones(capsys):
    from imagery_agent.evaluate import EvalConfig, evaluate, main
    r = evaluate(EvalConfig(family="figures", backbone="model3d", n=6, split="val"))
    assert r["accuracy_by_kind"] == {"cube": 1.0} and r["n_scenes"] == 6 and r["pose_read_accuracy"] == 1.0
    assert main(["--family", "islands", "--backbone", "model3d", "--n", "2"]) == 2
    assert "holds cube figures" in capsys.readouterr().err
    assert main(["--family", "figures", "--kinds", "hexagon", "--n", "2"]) == 2
    assert "--kinds names figure kinds" in capsys.readouterr().err
