"""Agents: the imagery agent (depictive code) and the propositional control (scene graph only)."""
from .imagery_agent import DualCode, ImageryAgent, ScanResult
from .propositional import PropositionalAgent

__all__ = ["DualCode", "ImageryAgent", "PropositionalAgent", "ScanResult"]
