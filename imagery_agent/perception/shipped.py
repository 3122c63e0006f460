"""Loading a family's shipped perception model (or one saved elsewhere), with plain errors."""
from __future__ import annotations

from pathlib import Path

from ..io import WeightsError
from ..scenes import get_family


def load_shipped(cls, family: str, kind: str, label: str, path: str | Path | None = None):
    """`cls.from_pretrained` on weights/perception/FAMILY/KIND (or `path`), checked to read `family`."""
    from ..backbones.imaginer import WEIGHTS_DIR
    get_family(family)
    folder = Path(path) if path is not None else WEIGHTS_DIR / "perception" / family / kind
    if not folder.exists():
        raise WeightsError(f"no {label} for {family!r} at {folder}")
    model = cls.from_pretrained(folder)
    if model.family != family:
        raise WeightsError(f"the {label} at {folder} reads {model.family!r} scenes, not {family!r}")
    return model
