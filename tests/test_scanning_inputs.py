"""The scanning experiment refuses bad input before any trial, in one line, and writes its three
result files as one set (imagery_agent.io.atomic_files) in strict JSON."""
import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from experiments import mental_scanning
from imagery_agent import io
from imagery_agent.scenes import SceneError

RESULTS = ["scanning.png", "summary.json", "trials.csv"]


@pytest.fixture
def no_trials(monkeypatch):
    """Make any trial plan an error, so a test fails if work starts before the inputs are checked
    (and a huge --trials cannot eat the machine's memory if the bound is lost)."""
    calls = []

    def plan(*args):
        calls.append(args)
        raise AssertionError("trials started before the inputs were checked")

    monkeypatch.setattr(mental_scanning, "_trial_plan", plan)
    return calls


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def strict_json(path: Path):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(path.read_text(), parse_constant=refuse)


# --- the output folder is checked before the first trial -----------------------------------

@pytest.mark.parametrize("case", ["file", "under a file", "empty", "proc"])
def test_an_unusable_out_fails_before_any_trial(case, tmp_path, no_trials, capsys):
    a_file = tmp_path / "results.txt"
    a_file.write_text("mine")
    if case == "proc" and not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    out = {"file": str(a_file), "under a file": str(a_file / "run"), "empty": "", "proc": "/proc/x"}[case]
    code = mental_scanning.main(["--agent", "oracle-imagery", "--trials", "2", "--out", out, "--quiet"])
    assert code == 2 and not no_trials
    err = one_line_error(capsys)
    assert ("--out" in err) and (out in err)
    assert a_file.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["results.txt"]


def test_checking_out_leaves_nothing_when_the_run_then_fails(tmp_path, capsys):
    """A bad --weights is found after --out was checked: the check must not leave empty folders."""
    code = mental_scanning.main(["--weights", str(tmp_path / "nowhere"), "--out", str(tmp_path / "a" / "b"),
                                 "--quiet"])
    assert code == 2 and "no weights" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_check_writable_folder_creates_nothing_and_refuses_a_file(tmp_path):
    io.check_writable_folder(tmp_path / "new" / "deeper")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError):
        io.check_writable_folder(tmp_path / "f")
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


# --- the three files are one set -------------------------------------------------------------

@pytest.mark.parametrize("interrupt", [RuntimeError, KeyboardInterrupt])
def test_a_failure_between_writes_leaves_the_old_set_whole(interrupt, tmp_path, monkeypatch):
    """Stand-in for a kill between files: trials.csv is written, then summary.json fails."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("a user's file")
    mental_scanning.run(agent="oracle-imagery", trials=42, out=str(out), progress=False)
    old = {name: (out / name).read_bytes() for name in RESULTS}

    def fail(*args, **kwargs):
        raise interrupt("killed")

    monkeypatch.setattr(mental_scanning, "write_json", fail)
    with pytest.raises(interrupt):
        mental_scanning.run(agent="oracle-imagery", trials=12, seed=3, out=str(out), progress=False)
    assert {name: (out / name).read_bytes() for name in RESULTS} == old
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", *RESULTS]  # no temporary files
    assert [p.name for p in tmp_path.iterdir()] == ["run"]                    # nor beside the folder
    assert (out / "notes.txt").read_text() == "a user's file"


def test_a_new_run_replaces_the_whole_set_and_keeps_other_files(tmp_path):
    out = tmp_path / "run"
    mental_scanning.run(agent="oracle-imagery", trials=42, out=str(out), progress=False)
    (out / "notes.txt").write_text("a user's file")
    res = mental_scanning.run(agent="propositional", trials=12, out=str(out), progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", *RESULTS]
    assert list(strict_json(out / "summary.json")["conditions"]) == ["propositional"]
    assert (out / "trials.csv").read_text().count("\n") == 13 and len(res.trials) == 12
    assert (out / "notes.txt").read_text() == "a user's file" and [p.name for p in tmp_path.iterdir()] == ["run"]


def test_atomic_files_moves_a_set_in_only_after_the_block_succeeds(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old a")
    (out / "b.txt").write_text("old b")
    (out / "keep.txt").write_text("keep")
    with pytest.raises(RuntimeError):
        with io.atomic_files(out) as staging:
            assert staging.is_dir() and not any(staging.iterdir()) and staging.parent in (tmp_path, out)
            (staging / "a.txt").write_text("new a")
            raise RuntimeError
    assert [(out / n).read_text() for n in ("a.txt", "b.txt")] == ["old a", "old b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with io.atomic_files(out) as staging:
        (staging / "a.txt").write_text("new a")
        (staging / "b.txt").write_text("new b")
        assert (out / "a.txt").read_text() == "old a"  # nothing moves before the block ends
    assert [(out / n).read_text() for n in ("a.txt", "b.txt", "keep.txt")] == ["new a", "new b", "keep"]
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_files_removes_the_folders_it_created_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError):
        with io.atomic_files(tmp_path / "new" / "out") as staging:
            (staging / "a.txt").write_text("new a")
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_atomic_files_refuses_before_moving_anything_when_a_folder_is_in_the_way(tmp_path):
    out = tmp_path / "out"
    (out / "b.txt").mkdir(parents=True)
    (out / "a.txt").write_text("old a")
    with pytest.raises(IsADirectoryError):
        with io.atomic_files(out) as staging:
            (staging / "a.txt").write_text("new a")
            (staging / "b.txt").write_text("new b")
    assert (out / "a.txt").read_text() == "old a" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_result_files_get_the_usual_permissions(tmp_path):
    """Written through a temporary name, results must still be readable by others (not 0600)."""
    import os
    umask = os.umask(0o022)
    try:
        io.write_json(tmp_path / "s.json", {"a": 1})
    finally:
        os.umask(umask)
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == 0o644


# --- strict JSON -----------------------------------------------------------------------------

def test_a_two_landmark_map_writes_strict_json(tmp_path):
    """One distance: r is undefined. summary.json must say null, not a bare NaN."""
    p = tmp_path / "map.json"
    p.write_text(json.dumps({"landmarks": {"tree": [2, 2], "hut": [10, 10]}}))
    res = mental_scanning.run(agent="oracle-imagery", map=str(p), trials=4, out=str(tmp_path / "o"), progress=False)
    assert math.isnan(res.summary["conditions"]["oracle-imagery"]["r"])  # in memory, still a number
    s = strict_json(tmp_path / "o" / "summary.json")["conditions"]["oracle-imagery"]
    assert s["r"] is None and s["slope"] is None and s["r_ci"] == [None, None] and s["n_distances"] == 1


def test_write_json_turns_non_finite_numbers_into_null_at_any_depth(tmp_path):
    obj = {"a": math.nan, "b": [math.inf, -math.inf, (np.float32("nan"), 1.5)], "c": {"d": np.float64(2.0)},
           "e": np.array([1.0, np.nan]), "f": np.int64(3), "g": "NaN"}
    io.write_json(tmp_path / "x.json", obj)
    assert strict_json(tmp_path / "x.json") == {"a": None, "b": [None, None, [None, 1.5]], "c": {"d": 2.0},
                                                "e": [1.0, None], "f": 3, "g": "NaN"}


def test_write_json_fails_loudly_on_a_non_finite_number_it_cannot_see(tmp_path):
    with pytest.raises(ValueError):
        io.write_json(tmp_path / "x.json", {"a": Decimal("NaN")})
    assert list(tmp_path.iterdir()) == []


# --- numbers are bounded, from the command line and from Python --------------------------------

@pytest.mark.parametrize("args, words", [
    (["--trials", "0"], "--trials must be a whole number from 1 to 100000 per condition"),
    (["--trials", "1000000000"], "--trials must be a whole number from 1 to 100000 per condition"),
    (["--seed", "-1"], "--seed must be a whole number from 0"),
    (["--timing-noise", "-1"], "--timing-noise must be a number from 0 to 5"),
    (["--timing-noise", "nan"], "--timing-noise must be a number from 0 to 5"),
    (["--timing-noise", "6"], "--timing-noise must be a number from 0 to 5"),
])
def test_the_cli_refuses_numbers_out_of_range(args, words, tmp_path, no_trials, capsys):
    out = tmp_path / "o"
    assert mental_scanning.main(["--agent", "oracle-imagery", "--out", str(out), "--quiet", *args]) == 2
    assert words in one_line_error(capsys)
    assert not no_trials and not out.exists()


@pytest.mark.parametrize("setting, value", [
    ("trials", 0), ("trials", -5), ("trials", 100_001), ("trials", 2.5), ("trials", True), ("trials", "42"),
    ("seed", -1), ("seed", 2**32), ("seed", 1.5), ("seed", None),
    ("timing_noise", -0.1), ("timing_noise", math.inf), ("timing_noise", math.nan), ("timing_noise", 5.5),
    ("timing_noise", "0.1"), ("agent", ["oracle-imagery"]), ("out", ""), ("out", None),
])
def test_run_refuses_bad_settings_with_one_line(setting, value, tmp_path, no_trials):
    kwargs = {"agent": "oracle-imagery", "trials": 2, "out": str(tmp_path / "o"), "progress": False}
    kwargs[setting] = value
    with pytest.raises(SceneError) as e:
        mental_scanning.run(**kwargs)
    assert "\n" not in str(e.value) and not no_trials and not (tmp_path / "o").exists()


def test_run_accepts_the_edges_of_each_range(tmp_path):
    res = mental_scanning.run(agent="propositional", trials=1, seed=2**32 - 1, timing_noise=5, out=str(tmp_path / "o"),
                              progress=False)
    assert len(res.trials) == 1
    res = mental_scanning.run(agent="propositional", trials=2, seed=np.int64(0), timing_noise=0,
                              out=str(tmp_path / "o"), progress=False)
    assert len(res.trials) == 2 and res.trials.correct.all()


def test_run_refuses_a_misspelt_setting_and_leaves_the_callers_config_alone(tmp_path, no_trials):
    with pytest.raises(SceneError, match="unknown setting 'trails'"):
        mental_scanning.run(trails=5, out=str(tmp_path / "o"))
    cfg = mental_scanning.ScanningConfig(agent="propositional", trials=3, out=str(tmp_path / "o"), progress=False)
    with pytest.raises(SceneError, match="--seed"):
        mental_scanning.run(cfg, seed=-1)
    assert cfg.seed == 0


# --- a map file that cannot be read ----------------------------------------------------------

@pytest.mark.parametrize("kind", ["folder", "not utf-8"])
def test_an_unreadable_map_file_is_a_one_line_error(kind, tmp_path, no_trials, capsys):
    p = tmp_path / "map.json"
    if kind == "folder":
        p.mkdir()
    else:
        p.write_bytes(b'\xff\xfe{"landmarks": {}}')
    assert mental_scanning.main(["--agent", "oracle-imagery", "--map", str(p), "--out", str(tmp_path / "o"),
                                 "--quiet"]) == 2
    assert str(p) in one_line_error(capsys) and not no_trials


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied", "m.json"),
                                   UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")])
def test_os_and_decoding_errors_from_the_map_loader_become_scene_errors(error, monkeypatch, tmp_path):
    """Whatever the loader lets escape as OSError or UnicodeDecodeError, run() names the file."""
    def load(source):
        raise error
    monkeypatch.setattr(mental_scanning.islands, "load_map", load)
    with pytest.raises(SceneError, match="m.json"):
        mental_scanning.run(agent="oracle-imagery", map="m.json", out=str(tmp_path / "o"), progress=False)
