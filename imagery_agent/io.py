"""Files in and out: atomic writing (a crash leaves the old file or the new one, never half of
one) and a plain-language check of model folders before a library reads them."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path next to `path`; on success it replaces `path` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, obj) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, default=float) + "\n")
    return Path(path)


def write_csv(path, frame) -> Path:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
    return Path(path)


def save_figure(path, fig, **kw) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", **kw)
    return Path(path)


@contextmanager
def atomic_folder(path: str | Path):
    """Yield a temporary folder next to `path`; on success it replaces the folder `path`."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = path.with_name(path.name + ".old")
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


class WeightsError(RuntimeError):
    """Missing, corrupt or truncated model weights."""


def check_weights_folder(folder: str | Path, marker: str) -> Path:
    """Open every safetensors and JSON file under `folder` (which must hold `marker`) before a
    library does, so a damaged file gets a message that names it instead of a deep traceback."""
    from safetensors import safe_open
    folder = Path(folder)
    if not (folder / marker).exists():
        raise WeightsError(f"no model at {folder}: {marker} is missing")
    files = list(folder.rglob("*.safetensors"))
    if not files:
        raise WeightsError(f"no safetensors weights under {folder}")
    for f in files:
        try:
            with safe_open(str(f), framework="pt") as h:
                for k in h.keys():
                    h.get_slice(k)
        except Exception as e:  # noqa: BLE001 - any failure here means the file is damaged
            raise WeightsError(f"corrupt or truncated weights file {f}: {e}") from None
    for j in folder.rglob("*.json"):
        try:
            json.loads(j.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise WeightsError(f"corrupt config file {j}: {e}") from None
    return folder
