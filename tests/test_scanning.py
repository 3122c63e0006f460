"""Mental scanning: the buffer, the agents, the environment and the experiment CLI."""
import itertools
import json
import math

import numpy as np
import pytest

from imagery_agent.agent import ImageryAgent, PropositionalAgent
from imagery_agent.agent.imagery_agent import LandmarkError
from imagery_agent.backbones.imaginer import OracleImaginer
from imagery_agent.imagery import operations as ops
from imagery_agent.imagery.clock import Clock
from imagery_agent.imagery.mental_image import MentalImage
from imagery_agent.metrics.regression import fit_line
from imagery_agent.scenes import SceneError, islands


@pytest.fixture
def kosslyn():
    m = islands.kosslyn_map()
    return m, islands.describe(m, np.random.default_rng(0))


def scan_times(agent, m):
    d, t = [], []
    for a, b in itertools.combinations(m.names, 2):
        r = agent.scan(a, b)
        assert r.found
        d.append(m.distance(a, b))
        t.append(r.time_ms)
    return np.array(d), np.array(t)


def test_imagery_agent_time_rises_with_distance_on_an_oracle_image(kosslyn):
    m, text = kosslyn
    agent = ImageryAgent(OracleImaginer("islands", 32))
    agent.learn(text)
    d, t = scan_times(agent, m)
    assert fit_line(d, t)["r"] > 0.97
    assert fit_line(d, t)["slope"] > 0


def test_scan_time_comes_from_the_steps_taken(kosslyn):
    m, text = kosslyn
    agent = ImageryAgent(OracleImaginer("islands", 32))
    agent.learn(text)
    r = agent.scan("tree", "sand")
    assert r.shifts > 10 and r.inspections == r.shifts + 1
    assert r.time_ms == pytest.approx(sum(s.ms for s in r.trace))
    assert [s.op for s in r.trace[:2]] == ["encode", "glance"] and r.trace[-1].op == "respond"


def test_scan_time_follows_a_planted_displacement(kosslyn):
    """Move the lake in the *image* (not in the words): the scan time must follow the image."""
    m, text = kosslyn
    agent = ImageryAgent(OracleImaginer("islands", 64))
    agent.learn(text)
    before = agent.scan("tree", "lake").time_ms
    moved = islands.IslandMap(tuple(lm if lm.name != "lake" else islands.Landmark("lake", 4, 4) for lm in m.landmarks))
    agent.use_image(MentalImage(islands.render(moved, 64), text, model="edited"), m.names)
    after = agent.scan("tree", "lake").time_ms
    assert after < before * 0.6  # the lake now lies much closer to the tree in the image
    from imagery_agent.metrics.scanning import imagined_distance
    assert imagined_distance(agent.image.pixels, "tree", "lake") == pytest.approx(math.dist((3, 2), (4, 4)), abs=0.5)


def test_no_scan_control_and_propositional_agent_show_no_distance_effect(kosslyn):
    m, text = kosslyn
    imagery = ImageryAgent(OracleImaginer("islands", 32))
    imagery.learn(text)
    no_scan = [imagery.find(b).time_ms for a, b in itertools.combinations(m.names, 2)]
    d = [m.distance(a, b) for a, b in itertools.combinations(m.names, 2)]
    assert np.ptp(no_scan) > 0 and abs(fit_line(d, no_scan)["r"]) < 0.5
    prop = PropositionalAgent()
    prop.learn(text)
    _, t = scan_times(prop, m)
    assert abs(fit_line(d, t)["r"]) < 0.5


def test_bad_scanning_requests_get_clear_errors(kosslyn):
    m, text = kosslyn
    agent = ImageryAgent(OracleImaginer("islands", 32))
    with pytest.raises(LandmarkError, match="no mental map"):
        agent.scan("hut", "tree")
    agent.learn(text)
    with pytest.raises(LandmarkError, match="unknown landmark 'castle'"):
        agent.scan("hut", "castle")
    with pytest.raises(LandmarkError, match="to itself"):
        agent.scan("hut", "hut")
    prop = PropositionalAgent()
    prop.learn(text)
    with pytest.raises(LandmarkError, match="to itself"):
        prop.scan("well", "well")


def test_buffer_operations_tick_the_clock_in_proportion():
    img = MentalImage(islands.render(islands.kosslyn_map(), 32), "kosslyn")
    small, big = Clock(), Clock()
    ops.rotate(img, 20, small)
    ops.rotate(img, 180, big)
    assert small.count("rotate") == 2 and big.count("rotate") == 18
    c = Clock()
    moved = ops.translate(img, 0.25, 0, c)
    assert c.count("translate") == 16 and moved.history == ["translate 0.25,0"]
    assert ops.compare(img, img, c) == pytest.approx(1.0)
    z = ops.zoom(img, 2.0, c)
    assert z.pixels.shape == img.pixels.shape and c.count("zoom") == 8
    with pytest.raises(ValueError, match="square RGB"):
        MentalImage(np.zeros((4, 5, 3)), "bad")


def test_timing_noise_varies_durations_not_steps(kosslyn):
    m, text = kosslyn
    agent = ImageryAgent(OracleImaginer("islands", 32), timing_noise=0.2, seed=1)
    agent.learn(text)
    a, b = agent.scan("tree", "sand"), agent.scan("tree", "sand")
    assert a.shifts == b.shifts and a.time_ms != b.time_ms


def test_environment_passes_the_gymnasium_checker():
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env

    import environments  # noqa: F401  (registers the environments)
    from environments.mental_scanning import act
    env = gym.make("imagery/MentalScanning-v0")
    check_env(env.unwrapped, skip_render_check=False)
    obs, info = env.reset(seed=3)
    action = act(ImageryAgent(OracleImaginer("islands", 32)), obs, info["names"])
    _, reward, terminated, _, info = env.step(action)
    assert terminated and reward == 1.0 and info["time_ms"] > 0 and info["true_distance"] > 0


TRIAL_COLUMNS = ["condition", "map", "start", "target", "true_distance", "imagined_distance", "response", "correct",
                 "shifts", "inspections", "steps", "time_ms", "wall_ms", "map_error_cells", "model"]


def test_experiment_cli_writes_its_three_files(tmp_path, capsys):
    import pandas as pd
    from PIL import Image

    from experiments import mental_scanning
    out = tmp_path / "run"
    code = mental_scanning.main(["--agent", "oracle-imagery", "--trials", "42", "--out", str(out), "--quiet"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["scanning.png", "summary.json", "trials.csv"]
    trials = pd.read_csv(out / "trials.csv")
    assert list(trials.columns) == TRIAL_COLUMNS and len(trials) == 42
    assert (trials.condition == "oracle-imagery").all() and trials.correct.all() and (trials.response == "found").all()
    assert len(set(zip(trials.start, trials.target))) == 42  # each ordered pair of the 7 landmarks once
    assert (trials.time_ms > 0).all() and (trials.shifts > 0).all()
    assert np.allclose(trials.imagined_distance, trials.true_distance, atol=1.0)  # a perfect picture
    summary = json.loads((out / "summary.json").read_text(), parse_constant=lambda c: pytest.fail(f"bare {c}"))
    s = summary["conditions"]["oracle-imagery"]
    assert s["n_trials"] == 42 and s["n_correct"] == 42 and s["n_distances"] == 21
    assert s["r"] > 0.95 and 0.9 < s["r_ci"][0] <= s["r_ci"][1] <= 1 and s["slope"] > 0
    assert summary["config"]["trials"] == 42 and summary["human_reference"]["r"] == 0.97
    assert Image.open(out / "scanning.png").size[0] > 100
    printed = capsys.readouterr().out
    assert f"{s['r']:.3f}" in printed and "oracle-imagery" in printed and f"wrote {out / 'trials.csv'}" in printed


def test_experiment_takes_a_user_map_with_new_names(tmp_path):
    from experiments import mental_scanning
    p = tmp_path / "map.json"
    p.write_text(json.dumps({"landmarks": {"castle": [2, 2], "harbour": [12, 12], "windmill": [3, 11], "tower": [12, 3]}}))
    res = mental_scanning.run(agent="oracle-imagery", map=str(p), trials=24, out=str(tmp_path / "o"), progress=False)
    assert res.trials.correct.all() and res.summary["conditions"]["oracle-imagery"]["r"] > 0.9
    assert set(res.trials.start) == {"castle", "harbour", "windmill", "tower"}
    res = mental_scanning.run(agent="propositional", map=str(p), trials=12, out=str(tmp_path / "p"), progress=False)
    assert len(res.trials) == 12 and res.trials.correct.all() and (res.trials.model == "graph").all()
    assert len(set(zip(res.trials.start, res.trials.target))) == 12 and res.trials.imagined_distance.isna().all()


def test_experiment_rejects_malformed_maps(tmp_path, capsys):
    from experiments import mental_scanning
    p = tmp_path / "bad.json"
    p.write_text("{\"landmarks\": [1, 2]}")
    assert mental_scanning.main(["--agent", "oracle-imagery", "--map", str(p), "--out", str(tmp_path / "x"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {p}: expected") and err.count("\n") == 1
    assert not (tmp_path / "x").exists()
    p.write_text(json.dumps({"landmarks": {"castle": [2, 2]}}))
    with pytest.raises(SceneError, match="at least two landmarks"):
        mental_scanning.run(agent="oracle-imagery", map=str(p), out=str(tmp_path / "y"), progress=False)
    with pytest.raises(SceneError, match="unknown agent"):
        mental_scanning.run(agent="telepathy", out=str(tmp_path / "y"), progress=False)


def test_results_are_written_atomically(tmp_path, monkeypatch):
    from imagery_agent import io
    target = tmp_path / "summary.json"
    io.write_json(target, {"ok": 1})

    class Boom(Exception):
        pass

    def explode(*a, **k):
        raise Boom

    monkeypatch.setattr(io.json, "dumps", explode)
    with pytest.raises(Boom):
        io.write_json(target, {"ok": 2})
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_agent_reimagines_when_its_image_lacks_a_landmark(kosslyn):
    """Dual-coding check: a landmark named in the words but absent from the image triggers a new image."""
    m, text = kosslyn
    without_well = islands.IslandMap(tuple(lm for lm in m.landmarks if lm.name != "well"))

    class FlakyImaginer:
        family = "islands"
        calls = 0

        def imagine(self, texts, *, seed=0):
            self.calls += 1
            scene = without_well if self.calls == 1 else m
            return [MentalImage(islands.render(scene, 32), text, seed, "flaky")]

    agent = ImageryAgent(FlakyImaginer())
    agent.learn(text)
    assert agent.attempts == 2 and agent.locate("well") is not None


def test_missing_weights_give_an_error_not_an_exit(tmp_path, capsys):
    """From Python or Jupyter, a bad --weights folder raises a SceneError that says what to do."""
    from experiments import mental_scanning
    with pytest.raises(SceneError, match="(?s)no weights.*--agent oracle-imagery"):
        mental_scanning.run(agent="imagery", weights=str(tmp_path / "nowhere"), trials=2, out=str(tmp_path / "o"),
                            progress=False)
    assert mental_scanning.main(["--weights", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no weights") and "--agent oracle-imagery" in err
