"""imagery-agent: agents that think with mental images."""
from __future__ import annotations

__version__ = "0.1.0"


def load_imaginer(family: str, path=None):
    """The shipped text-to-image backbone of a scene family (see imagery_agent.backbones.imaginer)."""
    from .backbones.imaginer import load_imaginer as _load
    return _load(family, path)


__all__ = ["load_imaginer", "__version__"]
