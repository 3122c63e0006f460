"""Mental rotation: the rotating agent turns its image step by step (time rises with angle), tells
mirror images apart, uses the image it holds; the controls show no angle effect; the environment
and the experiment's command line work and refuse bad input in one line."""
import json
import math
import warnings

import numpy as np
import pytest

from environments.mental_rotation import MentalRotationEnv, act
from experiments import mental_rotation as exp
from imagery_agent.agent.rotation import (HolisticMatcher, PropositionalRotationAgent, RotatingAgent,
                                          RotationError, estimated_turn)
from imagery_agent.backbones.imaginer import OracleImaginer
from imagery_agent.imagery.clock import DEFAULT_COSTS_MS
from imagery_agent.metrics.regression import fit_line
from imagery_agent.scenes import SceneError, figures
from imagery_agent.scenes.figures import Figure


def oracle_agent(**kw):
    return RotatingAgent(OracleImaginer("figures", 32), **kw)


def judge(agent, first: Figure, probe: Figure):
    agent.hold(figures.describe(first))
    return agent.judge(figures.render(probe, 32))


def test_time_rises_with_angle_on_oracle_images():
    agent = oracle_agent()
    angles = list(range(0, 181, 30))
    times = [judge(agent, Figure("letter", "R"), Figure("letter", "R", a)).time_ms for a in angles]
    assert all(judge(agent, Figure("letter", "R"), Figure("letter", "R", a)).same for a in angles)
    assert all(b > a for a, b in zip(times, times[1:]))
    assert fit_line(angles, times)["r"] > 0.99
    # an anticlockwise turn of 60 takes the time of a clockwise one (the shorter way round is found)
    cw = judge(agent, Figure("letter", "R"), Figure("letter", "R", 60))
    ccw = judge(agent, Figure("letter", "R"), Figure("letter", "R", 300))
    assert cw.time_ms == ccw.time_ms and cw.turned == 60 and ccw.turned == -60
    # 10-degree increments, one rotate and one compare tick each
    res = judge(agent, Figure("letter", "R"), Figure("letter", "R", 90))
    assert res.increments == 9 and res.comparisons == 10
    step = DEFAULT_COSTS_MS["rotate"] + DEFAULT_COSTS_MS["compare"]
    assert res.time_ms - judge(agent, Figure("letter", "R"), Figure("letter", "R", 80)).time_ms == step


@pytest.mark.parametrize("kind,ident", [("letter", "G"), ("digit", "5"), ("cube", "3")])
def test_mirror_pairs_are_answered_different_and_take_longer(kind, ident):
    agent = oracle_agent()
    for angle in (0, 40, 120, 180):
        mirrored = judge(agent, Figure(kind, ident), Figure(kind, ident, angle, True))
        same = judge(agent, Figure(kind, ident), Figure(kind, ident, angle))
        assert mirrored.response == "different" and same.response == "same"
        assert mirrored.time_ms > same.time_ms or angle == 180  # at 180 both have turned half a circle
        assert abs(mirrored.turned) == 180  # the search was exhausted


def test_a_polygon_used_nowhere_else_in_these_tests():
    agent = oracle_agent()
    for angle in (0, 70, 150, 250):
        assert judge(agent, Figure("polygon", "17"), Figure("polygon", "17", angle)).same
        assert not judge(agent, Figure("polygon", "17"), Figure("polygon", "17", angle, True)).same


def test_the_agent_uses_the_image_it_holds():
    agent = oracle_agent()
    probe = figures.render(Figure("letter", "R", 90), 32)
    agent.hold("The letter R, upright.")
    assert agent.judge(probe).same
    # a planted wrong image of the first figure (its mirror image), with the same words
    agent.hold("The letter R, upright.", image=figures.render(Figure("letter", "R", 0, True), 32))
    assert agent.judge(probe).response == "different"
    # a planted probe picture: the same words, a mirror picture
    agent.hold("The letter R, upright.")
    assert agent.judge(figures.render(Figure("letter", "R", 90, True), 32)).response == "different"


def test_direction_comes_from_the_pictures():
    a = figures.render(Figure("polygon", "11"), 32)
    assert estimated_turn(a, figures.render(Figure("polygon", "11", 40), 32)) == pytest.approx(40, abs=10)
    assert estimated_turn(a, figures.render(Figure("polygon", "11", 290), 32)) == pytest.approx(-70, abs=10)


def test_controls_show_no_angle_effect():
    prop, holistic = PropositionalRotationAgent(), HolisticMatcher(OracleImaginer("figures", 32))
    first = Figure("letter", "F")
    prop.hold(figures.describe(first))
    holistic.hold(figures.describe(first))
    for angle in (0, 60, 120, 180):
        for mirror in (False, True):
            probe = Figure("letter", "F", angle, mirror)
            p = prop.judge(figures.describe(probe))
            assert p.response == ("different" if mirror else "same") and p.increments == 0
            h = holistic.judge(figures.render(probe, 32))
            assert h.increments == 0 and h.comparisons == 1
    times = {prop.judge(figures.describe(Figure("letter", "F", a))).time_ms for a in (0, 90, 180)}
    assert len(times) == 1
    # the holistic features do not turn with the picture (nor do they see handedness)
    assert holistic.judge(figures.render(Figure("letter", "F", 130), 32)).same


def test_bad_inputs_are_one_line_errors():
    agent = oracle_agent()
    with pytest.raises(RotationError, match="holds no image"):
        agent.judge(np.zeros((32, 32, 3), np.uint8))
    agent.hold("The letter R, upright.")
    with pytest.raises(RotationError, match="32x32 but the probe is 64x64"):
        agent.judge(figures.render(Figure("letter", "R", 90), 64))
    with pytest.raises(RotationError, match="square RGB"):
        agent.judge(np.zeros((32, 16, 3), np.uint8))
    with pytest.raises(SceneError, match="unknown stimulus set 'shapes'"):
        exp.run(stimuli="shapes", out="unused")
    with pytest.raises(SceneError, match="unknown agent 'mental'"):
        exp.run(agent="mental", out="unused")
    with pytest.raises(SceneError, match="unknown route 'spin'"):
        exp.run(route="spin", out="unused")
    depth = RotatingAgent(OracleImaginer("figures", 32), axis="depth")  # a picture, no 3-D model
    depth.hold("Cube figure 3, upright.")
    with pytest.raises(RotationError, match="no 2-D rotation of a picture"):
        depth.judge(figures.render(Figure("cube", "3", 40, False, "depth"), 32))
    with pytest.raises(SceneError, match="only cube figures turn in depth"):
        exp.run(stimuli="letters", plane="depth", agent="holistic", out="unused")


@pytest.mark.parametrize("argv,message", [
    (["--stimuli", "shapes"], "error: unknown stimulus set 'shapes'; choose from letters, digits, polygons, cubes"),
    (["--agent", "mental"], "error: unknown agent 'mental'"),
    (["--trials", "0"], "error: --trials must be a whole number from 1"),
])
def test_cli_errors_are_one_line(argv, message, tmp_path, capsys):
    assert exp.main(argv + ["--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "r" / "summary.json").exists()


def test_env_passes_check_env_and_a_fixed_trial():
    from gymnasium.utils.env_checker import check_env
    import gymnasium as gym
    import environments  # noqa: F401  (registers imagery/)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(gym.make("imagery/MentalRotation-v0", stimuli="polygons").unwrapped)
        check_env(MentalRotationEnv("cubes", plane="depth"))
    env = MentalRotationEnv("letters")
    obs, info = env.reset(seed=3, options={"identity": "J", "angle": 140, "mirror": True})
    assert figures.parse(obs["description"]) == Figure("letter", "J")
    assert obs["probe"].shape == (32, 32, 3) and info["answer"] == "different"
    _, reward, terminated, _, info = env.step(act(oracle_agent(), obs))
    assert terminated and reward == 1.0 and info["response"] == "different"
    with pytest.raises(ValueError, match="not a multiple of 10"):
        env.reset(options={"angle": 45})
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"plane": "depth"})


def test_cli_runs_small(tmp_path, capsys):
    out = tmp_path / "rot"
    for agent in ("oracle-imagery", "propositional", "holistic"):
        assert exp.main(["--stimuli", "polygons", "--agent", agent, "--trials", "20", "--seed", "1",
                         "--out", str(out), "--quiet"]) == 0
        s = json.loads((out / "summary.json").read_text())["conditions"][agent]
        assert s["n_trials"] == 20 and set(s) >= {"r", "slope_ms_per_degree", "intercept_ms", "accuracy",
                                                  "accuracy_by_angle", "mean_same_ms_by_angle", "mean_different_ms"}
        if agent == "oracle-imagery":
            assert s["r"] > 0.95 and s["accuracy"] == 1.0 and s["mean_different_ms"] > s["mean_same_ms"]
        elif agent == "propositional":
            assert s["accuracy"] == 1.0 and (s["r"] is None or abs(s["r"]) < 0.9)
    assert (out / "rotation.png").stat().st_size > 0 and (out / "trials.csv").exists()
    assert "holistic" in capsys.readouterr().out


def test_cubes_turn_in_depth_in_the_experiment(tmp_path):
    res = exp.run(stimuli="cubes", agent="oracle-imagery", trials=20, out=str(tmp_path / "c"), progress=False,
                  angles="ganis-kievit")
    assert set(res.trials.angle) == {0, 50, 100, 150} and res.summary["config"]["image_size"] == 64
    res = exp.run(stimuli="cubes", agent="oracle-imagery", plane="depth", trials=20, out=str(tmp_path / "d"),
                  progress=False, timing_noise=0)
    s = res.summary["conditions"]["oracle-imagery"]
    assert "depth" in " ".join(res.summary["notes"]) and s["accuracy"] == 1 and s["r"] > 0.95
    assert s["mean_different_ms"] > s["mean_same_ms"] and (res.trials.plane == "depth").all()


# --- the shipped backbone and the notebook (slow) --------------------------------------------

@pytest.mark.slow
def test_backbone_letters_rotate():
    from imagery_agent.backbones.imaginer import load_imaginer
    agent = RotatingAgent(load_imaginer("figures"))
    agent.hold("The letter R, upright, not mirrored.", seed=0)
    times = []
    for angle in (0, 60, 120, 180):
        assert agent.judge(figures.render(Figure("letter", "R", angle), 32)).same
        assert not agent.judge(figures.render(Figure("letter", "R", angle, True), 32)).same
        times.append(agent.judge(figures.render(Figure("letter", "R", angle), 32)).time_ms)
    assert times == sorted(times) and times[-1] > times[0]


@pytest.mark.slow
def test_mental_rotation_notebook_shows_the_angle_effect():
    import nbformat
    from nbclient import NotebookClient
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    nb = nbformat.read(root / "docs" / "mental_rotation.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'import json; print("CHECK", json.dumps({c: s["r"] for c, s in res.summary["conditions"].items()}))'))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(root / "docs")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    line = next(o["text"] for o in outputs if o.output_type == "stream" and o["text"].startswith("CHECK"))
    check = json.loads(line.split(" ", 1)[1])
    assert check["oracle-imagery"] > 0.95
    assert check["holistic"] is None or math.isnan(check["holistic"]) or abs(check["holistic"]) < 0.5
    assert any("image/png" in o.get("data", {}) for o in outputs)
