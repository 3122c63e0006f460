"""Agents: the imagery agent (depictive code) and the propositional control (scene graph only)."""
from .imagery_agent import ImageryAgent, ScanResult
from .propositional import PropositionalAgent

__all__ = ["ImageryAgent", "PropositionalAgent", "ScanResult"]
