"""The verbal code: scene families that can be said, parsed, drawn and held as graphs.

Each family is one registered `SceneFamily` object (see `family.py`), built at the end of its
module (`islands.FAMILY`, ...). Generic code asks `get_family(name)` and never names a family.
"""
from __future__ import annotations

from . import compositions, figures, glyphs, islands, lexicon, objects, rooms
from .errors import ParseError, SceneError
from .family import FAMILIES, SPLITS, SceneFamily, get_family, lazy, register_family, unregister_family

__all__ = ["FAMILIES", "SPLITS", "SceneFamily", "get_family", "lazy", "register_family", "unregister_family",
           "ParseError", "SceneError", "islands", "figures", "compositions", "glyphs", "objects", "rooms", "lexicon"]
