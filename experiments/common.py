"""What every experiment's command line shares: checks of whole-number settings and of the results
folder, and the run-and-report end of `main`."""
from __future__ import annotations

import numbers
import os
import sys
from pathlib import Path

from imagery_agent.io import WeightsError, check_writable_folder
from imagery_agent.scenes import SceneError


def whole_number(value, flag: str, low: int, high: int, note: str = "") -> None:
    """Refuse a setting that is not a whole number in [low, high], naming the flag."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise SceneError(f"{flag} must be a whole number from {low} to {high}{note}, got {value!r}")


def check_out(out) -> Path:
    """The results folder, checked writable before any trial runs."""
    if not isinstance(out, (str, os.PathLike)) or not str(out).strip():
        raise SceneError(f"--out must name a folder, got {out!r}")
    if Path(out).exists() and not Path(out).is_dir():
        raise SceneError(f"--out {out} is a file, not a folder")
    try:
        check_writable_folder(out)
    except OSError as e:
        raise SceneError(f"cannot write results to --out {out}: {os_reason(e, out)}") from None
    return Path(out)


def os_reason(e: OSError, out) -> str:
    """The OS's reason, naming the file only when it is not `out` itself."""
    named = e.filename and Path(e.filename).absolute() != Path(out).absolute()
    return f"{e.strerror or e}" + (f" ({e.filename})" if named else "")


def run_and_report(run, cfg, print_table) -> int:
    """The end of every experiment's `main`: run, print the table and the files written, or one
    line naming the problem (exit status 2; a weights error included: weights that load but draw
    non-finite values)."""
    try:
        res = run(cfg)
    except (SceneError, WeightsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print_table(res.summary)
    for v in res.files.values():
        print(f"wrote {v}")
    return 0
