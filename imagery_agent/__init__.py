"""imagery-agent: agents that think with mental images."""
from __future__ import annotations

__version__ = "0.1.0"


def load_imaginer(family: str, path=None, backbone: str = "diffusion", **options):
    """The shipped text-to-image backbone of a scene family: the diffusion model by default, or
    `backbone="dalle" | "vqvae" | "vae" | "gan" | "pixelcnn"` where one is shipped (see
    imagery_agent.backbones.registry)."""
    from .backbones.registry import load_backbone
    return load_backbone(family, backbone, path, **options)


def load_captioner(family: str, path=None):
    """The shipped captioner of a scene family (see imagery_agent.perception.captioner)."""
    from .perception.captioner import load_captioner as _load
    return _load(family, path)


def load_joint_embedding(family: str, path=None):
    """The shipped open_clip joint embedding of a scene family (see imagery_agent.perception.joint_embedding)."""
    from .perception.joint_embedding import load_joint_embedding as _load
    return _load(family, path)


__all__ = ["load_imaginer", "load_captioner", "load_joint_embedding", "__version__"]
