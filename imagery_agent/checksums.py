"""Checksums of saved weights: written at export, checked on every load.

A file that still opens can still be wrong (zeroed, NaN, a flipped bit): a zeroed UNet once scored
100% "correct" with every landmark 7.5 cells off. So each saved model folder holds
`checksums.json`, the SHA-256 of every safetensors file under it, and a loader refuses a folder
whose files no longer match, naming the file.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .io import WeightsError

MANIFEST = "checksums.json"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tensor_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.safetensors") if p.is_file())


def write_manifest(folder: str | Path) -> Path:
    """Record the SHA-256 of every safetensors file under `folder` (paths relative to it)."""
    folder = Path(folder)
    sums = {p.relative_to(folder).as_posix(): sha256(p) for p in tensor_files(folder)}
    path = folder / MANIFEST
    path.write_text(json.dumps({"sha256": sums}, indent=1, sort_keys=True) + "\n")
    return path


def verify_manifest(folder: str | Path, required: bool = False) -> bool:
    """Check every file the manifest names (and that no tensor file is unlisted). A folder
    without a manifest passes unless `required` (shipped weights always have one); returns
    whether a manifest was checked."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        if required:
            raise WeightsError(f"{folder} has no {MANIFEST}: its weights cannot be checked")
        return False
    try:
        sums = json.loads(path.read_text())["sha256"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as e:
        raise WeightsError(f"corrupt checksum file {path}: {e}") from None
    for rel, digest in sums.items():
        f = folder / rel
        if not f.is_file():
            raise WeightsError(f"weights file {f} named in {MANIFEST} is missing")
        if sha256(f) != digest:
            raise WeightsError(f"weights file {f} does not match the checksum recorded when it was saved: "
                               "it is damaged or was changed after export")
    unlisted = [p for p in tensor_files(folder) if p.relative_to(folder).as_posix() not in sums]
    if unlisted:
        raise WeightsError(f"weights file {unlisted[0]} is not in {MANIFEST}: it was added after export")
    return True
