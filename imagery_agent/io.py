"""Files in and out: atomic writing (a crash leaves the old file or the new one, never half of
one; a set of files is staged whole before any of it moves in) and a plain-language check of
model folders before a library reads them."""
from __future__ import annotations

import errno
import json
import math
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path):
    """Yield an unused temporary path next to `path` for the caller to create; on success it
    replaces `path` in one rename. The caller creates the file itself, so it gets the usual
    permissions (a mkstemp file would be private to its owner)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def json_safe(obj):
    """`obj` with numpy scalars and arrays as plain Python and every NaN or infinity as None:
    JSON has no such numbers, and json.dumps would write a bare NaN that strict readers reject."""
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        obj = obj.tolist()  # numpy and pandas values
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(path, obj) -> Path:
    """Strict JSON (non-finite numbers become null; anything missed fails here, not in a reader)."""
    text = json.dumps(json_safe(obj), indent=2, default=float, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n")
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


def _make_folder(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; return the ones created, deepest first (to undo)."""
    folder = folder.absolute()
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Undo _make_folder, deepest first, stopping at the first folder that is no longer empty."""
    for f in folders:
        try:
            f.rmdir()
        except OSError:  # no longer empty (someone wrote into it) or already gone: leave it
            return


def _new_staging(folder: Path) -> Path:
    """A new private folder on the same filesystem as `folder`, so its files can be renamed into
    `folder`: beside it (.NAME.tmp-XXXX) or, where the parent is another filesystem (`folder` is a
    mount point) or not writable, inside it (.tmp-XXXX)."""
    folder = folder.absolute()
    parent = folder.parent
    if parent != folder and parent.stat().st_dev == folder.stat().st_dev:
        try:
            return Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.tmp-"))
        except PermissionError:
            pass
    return Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))


def _stage(folder: Path) -> tuple[list[Path], Path]:
    """Create `folder` if missing and a staging folder for it: (the folders created, staging)."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(folder))
    created = _make_folder(folder)
    try:
        return created, _new_staging(folder)
    except BaseException:
        _remove_empty(created)
        raise


def check_writable_folder(folder: str | Path) -> None:
    """Raise OSError unless `folder` can be created and `atomic_files` can stage and move files
    into it. Leaves nothing behind. Call it before long work, so that a bad output path fails at
    once instead of after the work is done."""
    folder = Path(folder)
    created, staging = _stage(folder)
    try:
        probe = staging / f".probe-{uuid.uuid4().hex[:12]}"
        probe.write_bytes(b"")
        os.replace(probe, folder / probe.name)  # the move atomic_files makes
        (folder / probe.name).unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)


def _move_in(staging: Path, folder: Path) -> None:
    """Rename every file of `staging` into `folder` (each rename is atomic on POSIX). Checks first
    that none would land on a folder, so the renames themselves have no expected way to fail."""
    files = sorted(staging.iterdir())
    for f in files:
        if not f.is_file() or f.is_symlink():
            raise IsADirectoryError(errno.EISDIR, "atomic_files moves plain files only", str(f))
        if (folder / f.name).is_dir() and not (folder / f.name).is_symlink():
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a file", str(folder / f.name))
    for f in files:
        os.replace(f, folder / f.name)


@contextmanager
def atomic_files(folder: str | Path):
    """Yield an empty staging folder; when the block succeeds, move every file written there
    into `folder` (created if missing), replacing files of the same name and keeping the others.

    Nothing in `folder` changes until the block has written the whole set, so an exception or a
    kill while writing leaves the old set complete and untouched. POSIX has no rename of several
    files at once that keeps a folder's other files, so the set then moves in with one atomic
    os.replace per file, back to back: a reader could see a mix only in that instant. The staging
    folder is removed after success and after any exception (a SIGKILL can leave an empty or
    part-filled .NAME.tmp-XXXX beside `folder`, never a partial file in it)."""
    folder = Path(folder)
    created, staging = _stage(folder)
    try:
        yield staging
        _move_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)
        raise
    shutil.rmtree(staging, ignore_errors=True)


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
