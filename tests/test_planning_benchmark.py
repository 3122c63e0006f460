"""The planning benchmark: toy tasks and BabyAI levels, agents side by side, written as one set."""
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from experiments import planning
from imagery_agent.scenes import SceneError

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_runs_small_and_writes_its_set(tmp_path):
    res = planning.run(envs=("imagery/GridNavigation-v0", "BabyAI-GoToRedBall-v0"),
                       agents=("oracle-imagery", "propositional", "random", "bot"), episodes=4, out=tmp_path,
                       progress=False)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["envs"]) == {"imagery/GridNavigation-v0", "BabyAI-GoToRedBall-v0"}
    assert "bot" not in summary["envs"]["imagery/GridNavigation-v0"]  # the bot runs BabyAI levels only
    for env in summary["envs"].values():
        assert env["oracle-imagery"]["success"] == 1.0 and env["propositional"]["success"] == 1.0
        assert env["oracle-imagery"]["path_ratio"] == pytest.approx(1.0)  # shortest paths
        assert env["oracle-imagery"]["imagined_per_episode"] >= 1 and env["propositional"]["imagined_per_episode"] == 0
        assert set(env["random"]) >= {"success", "episodes", "path_ratio", "wall_ms_per_episode"}
    assert len(res.episodes) == 4 * 7 and (tmp_path / "planning.png").stat().st_size > 0


def test_cli_names_bad_inputs(tmp_path, capsys):
    assert planning.main(["--env", "BabyAI-NoSuchLevel-v0", "--agent", "random", "--out", str(tmp_path)]) == 2
    assert "unknown environment" in capsys.readouterr().err
    assert planning.main(["--agent", "dreamer", "--out", str(tmp_path)]) == 2
    assert "unknown agent" in capsys.readouterr().err
    assert planning.main(["--episodes", "0", "--out", str(tmp_path)]) == 2
    assert "--episodes" in capsys.readouterr().err
    assert planning.main(["--attempts", "0", "--out", str(tmp_path)]) == 2
    assert "--attempts" in capsys.readouterr().err
    assert planning.main(["--env", "MiniGrid-LavaCrossingS9N1-v0", "--agent", "random", "--out", str(tmp_path)]) == 2
    assert "lava" in capsys.readouterr().err
    assert planning.main(["--agent", "imagery", "--captioner", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "--reader captioner" in capsys.readouterr().err
    assert planning.main(["--agent", "imagery", "--reader", "captioner", "--captioner", str(tmp_path / "none"),
                          "--out", str(tmp_path)]) == 2
    assert "needs a rooms captioner" in capsys.readouterr().err
    assert planning.main(["--agent", "embedding-search", "--clip", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2
    assert "needs a rooms joint embedding" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written when a run is refused


def test_cli_runs_small(tmp_path, capsys):
    assert planning.main(["--env", "imagery/KeyDoor-v0", "--agent", "propositional", "--episodes", "3",
                          "--out", str(tmp_path), "--quiet"]) == 0
    assert "KeyDoor" in capsys.readouterr().out
    assert json.loads((tmp_path / "summary.json").read_text())["envs"]["imagery/KeyDoor-v0"]["propositional"][
        "success"] == 1.0


@pytest.mark.slow
def test_planning_notebook_runs():
    nb = nbformat.read(ROOT / "docs" / "planning.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'import json; print("CHECK", json.dumps({a: s["success"] for a, s in res.summary["envs"]["BabyAI-GoToRedBall-v0"].items()}))'))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "docs")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    line = next(o["text"] for o in outputs if o.output_type == "stream" and o["text"].startswith("CHECK"))
    check = json.loads(line.split(" ", 1)[1])
    assert check["oracle-imagery"] == 1.0 and check["propositional"] == 1.0
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2


@pytest.mark.slow
def test_shipped_rooms_backbone_solves_grid_navigation(tmp_path):
    """The imagery agent on the shipped weights: words -> its own image -> the room read there -> a plan."""
    res = planning.run(envs=("imagery/GridNavigation-v0",), agents=("imagery",), episodes=4, seed=100, out=tmp_path,
                       progress=False)
    s = res.summary["envs"]["imagery/GridNavigation-v0"]["imagery"]
    assert s["success"] >= 0.5, s  # 0.9 over 10 benchmark episodes (docs/results/planning_imagery)
    assert s["imagined_per_episode"] >= 1  # it did imagine: the plan came from its image
