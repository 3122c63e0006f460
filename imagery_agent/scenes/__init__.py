"""The verbal code: scene families that can be said, parsed, drawn and held as graphs.

A family is a module with `sample(rng)`, `describe(scene, rng)`, `parse(text)`,
`render(scene, size)`, `to_graph(scene)`, `vocabulary()` and `combinations(scene)`.
"""
from __future__ import annotations

from types import ModuleType

from . import compositions, figures, islands, lexicon, rooms
from .errors import ParseError, SceneError

FAMILIES: dict[str, ModuleType] = {
    "islands": islands, "figures": figures, "compositions": compositions, "rooms": rooms,
}


def get_family(name: str) -> ModuleType:
    if name not in FAMILIES:
        raise SceneError(f"unknown scene family {name!r}; choose from {', '.join(FAMILIES)}")
    return FAMILIES[name]


__all__ = ["FAMILIES", "get_family", "ParseError", "SceneError", "islands", "figures", "compositions",
           "rooms", "lexicon"]
