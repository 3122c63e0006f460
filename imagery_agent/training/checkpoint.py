"""Training state on disk without pickles: safetensors for tensors, JSON for the rest.

Every save goes to a temporary folder first and is renamed into place, so an interrupted save
never leaves a half checkpoint behind.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..io import atomic_folder


def save_state(folder: Path, step: int, tensors: dict[str, dict[str, torch.Tensor]], optimizer, extra: dict):
    with atomic_folder(folder) as tmp:
        for name, sd in tensors.items():  # clones: tied weights share memory, which safetensors refuses
            save_file({k: v.detach().cpu().clone().contiguous() for k, v in sd.items()}, tmp / f"{name}.safetensors")
        opt = optimizer.state_dict()
        flat = {f"{i}.{k}": v for i, s in opt["state"].items() for k, v in s.items() if torch.is_tensor(v)}
        save_file({k: v.contiguous() for k, v in flat.items()}, tmp / "optimizer.safetensors")
        (tmp / "state.json").write_text(json.dumps({"step": step, "param_groups": opt["param_groups"], **extra}, indent=1))


def load_state(folder: Path, optimizer) -> tuple[int, dict[str, dict[str, torch.Tensor]], dict]:
    folder = Path(folder)
    state = json.loads((folder / "state.json").read_text())
    tensors = {p.stem: load_file(p) for p in folder.glob("*.safetensors") if p.stem != "optimizer"}
    flat = load_file(folder / "optimizer.safetensors")
    opt_state: dict[int, dict] = {}
    for key, v in flat.items():
        i, k = key.split(".", 1)
        opt_state.setdefault(int(i), {})[k] = v
    optimizer.load_state_dict({"state": opt_state, "param_groups": state.pop("param_groups")})
    return state.pop("step"), tensors, state
