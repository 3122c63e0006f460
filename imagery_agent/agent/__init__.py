"""Agents: the imagery agent (depictive code) and the propositional control (scene graph only);
for mental rotation, the rotating agent and its controls."""
from .imagery_agent import DualCode, ImageryAgent, ScanResult
from .propositional import PropositionalAgent
from .rotation import HolisticMatcher, PropositionalRotationAgent, RotatingAgent, RotationResult

__all__ = ["DualCode", "HolisticMatcher", "ImageryAgent", "PropositionalAgent", "PropositionalRotationAgent",
           "RotatingAgent", "RotationResult", "ScanResult"]
