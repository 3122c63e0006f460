"""The shipped default weights: one folder per family backbone (diffusers pipeline), and
perception/FAMILY/{captioner,clip}. safetensors and JSON only."""
from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent
"""Where the shipped weights live (this folder)."""


def shipped_backbones() -> list[str]:
    """Families with a shipped backbone."""
    return sorted(p.parent.name for p in WEIGHTS_DIR.glob("*/model_index.json"))
