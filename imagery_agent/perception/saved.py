"""One save/load path for the perception models (captioner, joint embedding).

A saved model is a folder: its weights (safetensors, nothing else is ever read), its tokenizer,
and KIND.json saying what it is (kind, family, sizes, the training config). Saving writes a
temporary folder and renames it into place; loading opens every file first, so a damaged one is
named in one line, and checks the folder holds the kind and family asked for.

(huggingface_hub's `ModelHubMixin` was the library candidate: it writes its own `config.json`,
which collides with the transformers model config in the same folder, and it does not write
atomically, so the few lines here do the job instead.)
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import PreTrainedTokenizerFast

from ..backbones.imaginer import quiet_loading
from ..checksums import verify_manifest, write_manifest
from ..io import WeightsError, atomic_folder, check_weights_folder
from ..scenes import get_family
from ..weights import WEIGHTS_DIR


class SavedModel:
    """Base of the perception models. Subclasses set `kind`, `folder_name`, `label` and write
    their weights in `_save_weights(folder)` and read them in `_load(folder, meta, tokenizer)`;
    `_meta()` adds their sizes to KIND.json."""

    kind: str
    folder_name: str            # the folder under weights/perception/FAMILY/
    label: str                  # how error messages name it
    family: str
    tokenizer: PreTrainedTokenizerFast

    @classmethod
    def marker(cls) -> str:
        return f"{cls.folder_name}.json"

    def _meta(self) -> dict:
        return {}

    def _save_weights(self, folder: Path, dtype) -> None:
        raise NotImplementedError

    @classmethod
    def _load(cls, folder: Path, meta: dict, tokenizer: PreTrainedTokenizerFast):
        raise NotImplementedError

    def save_pretrained(self, folder: str | Path, cfg=None, dtype: torch.dtype = torch.float32) -> Path:
        """safetensors + JSON, written to a temporary folder and renamed into place. `dtype`
        float16 halves the file (for shipping); loading always gives float32."""
        if dtype not in (torch.float32, torch.float16):
            raise ValueError(f"perception weights are saved in float32 or float16, not {dtype}")
        cfg = cfg.to_dict() if hasattr(cfg, "to_dict") else cfg
        with atomic_folder(folder) as tmp:
            self._save_weights(tmp, dtype)
            self.tokenizer.save_pretrained(tmp)
            meta = {"kind": self.kind, "family": self.family, **self._meta(), "training_config": cfg}
            (tmp / self.marker()).write_text(json.dumps(meta, indent=1))
            write_manifest(tmp)
        return Path(folder)

    @classmethod
    def from_pretrained(cls, folder: str | Path, *, shipped: bool = False):
        folder = check_weights_folder(folder, cls.marker())
        verify_manifest(folder, required=shipped)
        meta = json.loads((folder / cls.marker()).read_text())
        if not isinstance(meta, dict) or meta.get("kind") != cls.kind:
            raise WeightsError(f"{folder} does not hold a {cls.label} ({cls.marker()} says kind "
                               f"{meta.get('kind') if isinstance(meta, dict) else meta!r})")
        try:
            with quiet_loading():
                tokenizer = PreTrainedTokenizerFast.from_pretrained(folder)
                return cls._load(folder, meta, tokenizer)
        except WeightsError:
            raise
        except Exception as e:  # noqa: BLE001 - any failure here means the folder is not a usable model
            raise WeightsError(f"could not load the {cls.label} at {folder}: {e}") from None

    @classmethod
    def load(cls, family: str, path: str | Path | None = None):
        """The shipped model of a family (weights/perception/FAMILY/...), or the one saved at
        `path`, checked to read `family`."""
        get_family(family)
        folder = Path(path) if path is not None else WEIGHTS_DIR / "perception" / family / cls.folder_name
        if not folder.exists():
            raise WeightsError(f"no {cls.label} for {family!r} at {folder}")
        model = cls.from_pretrained(folder, shipped=path is None)
        if model.family != family:
            raise WeightsError(f"the {cls.label} at {folder} reads {model.family!r} scenes, not {family!r}")
        return model
