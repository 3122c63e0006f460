"""The analysis notebooks run from top to bottom (CI executes them here) and show what they are
for: a check cell appended to each reads the notebook's own results back."""
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent

CHECKS = {
    # the scanning notebook's run: r of each condition
    "mental_scanning.ipynb": 'import json; print("CHECK", json.dumps({c: s["r"] for c, s in res.summary["conditions"].items()}))',
    # the dual-coding notebook: the loop agrees on the heard map and catches the planted one
    "dual_coding.ipynb": 'import json; print("CHECK", json.dumps({"agree": result.agree, "wrong": wrong.agree, '
                         '"sand_found": locate(agent.captioner, image, "sand") is not None}))',
    # the backbone comparison: each fast backbone's accuracy and scanning r
    "backbone_comparison.ipynb": 'import json; print("CHECK", json.dumps({n: [r["object_accuracy"], r["scanning_r"]] '
                                 'for n, r in res.summary["backbones"].items()}))',
}


def run_notebook(name: str) -> tuple[dict, list]:
    nb = nbformat.read(ROOT / "docs" / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CHECKS[name]))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "docs")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    line = next(o["text"] for o in outputs if o.output_type == "stream" and o["text"].startswith("CHECK"))
    return json.loads(line.split(" ", 1)[1]), outputs


@pytest.mark.slow
def test_mental_scanning_notebook_shows_the_distance_effect():
    check, outputs = run_notebook("mental_scanning.ipynb")
    assert check["imagery"] > 0.95 and check["oracle-imagery"] > 0.95 and check["imagery-no-scan"] < 0.5
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2  # the two plots were drawn


@pytest.mark.slow
def test_dual_coding_notebook_agrees_and_catches_the_planted_mismatch():
    check, outputs = run_notebook("dual_coding.ipynb")
    assert check == {"agree": True, "wrong": False, "sand_found": True}
    assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.slow
def test_backbone_comparison_notebook_compares_the_fast_backbones():
    check, outputs = run_notebook("backbone_comparison.ipynb")
    assert "diffusion" in check and len(check) >= 2  # the diffusion model and at least one seed model
    assert all(acc > 0.9 and r > 0.9 for acc, r in check.values())
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2
