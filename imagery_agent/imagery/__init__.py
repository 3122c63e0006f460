"""The visual buffer: mental images, the clock, and the operations that run on them."""
from .clock import DEFAULT_COSTS_MS, Clock
from .mental_image import MentalImage

__all__ = ["Clock", "DEFAULT_COSTS_MS", "MentalImage"]
