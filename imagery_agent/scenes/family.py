"""A scene family as one registered object: everything generic code may ask of a family.

Training, evaluation, perception and the agents never name a family; they look one up by name
(`get_family("islands")`) and ask it: sample a scene, say it, read it back, draw it, hold it as a
graph, say it in its one canonical wording, keep its held-out combinations apart, score an image
of it, and the hooks the trainers need (grounding facts, salient colours, figure frames, twins
and mention sentences). A new paradigm is one family file that builds a `SceneFamily` and calls
`register_family`, plus one experiment file.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx
import numpy as np

from .errors import SceneError

SPLITS = ("train", "heldout", "val")
"""train: no held-out combination. heldout (the test split) and val: at least one; the two are
drawn from separate random streams, so checkpoints and settings are chosen on val and results
reported on heldout."""

RGB = tuple[int, int, int]


def lazy(path: str) -> Callable:
    """A function named 'package.module:function', imported on first call: a family can point at
    its image scorer in `metrics/` without the scenes package importing the metrics package (which
    imports the scenes)."""
    module, _, name = path.partition(":")
    target: list[Callable] = []

    def call(*args, **kwargs):
        if not target:
            target.append(getattr(importlib.import_module(module), name))
        return target[0](*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{path} (imported on first use)"
    return call


@dataclass(frozen=True)
class SceneFamily:
    """What a family is, as data. The required fields are the verbal code and the picture; the
    optional ones are hooks that a trainer or a metric uses when the family provides them."""

    name: str
    sample: Callable[..., Any]                          # sample(rng, **kw) -> scene
    describe: Callable[..., str]                        # describe(scene, rng) -> a random paraphrase
    parse_text: Callable[..., Any]                      # parse(text[, extra_names]) -> scene, or ParseError
    render: Callable[..., np.ndarray]                   # render(scene, size) -> uint8 (size, size, 3)
    to_graph: Callable[[Any], nx.DiGraph]               # objects and their spatial relations
    words: Callable[..., set[str]]                      # the vocabulary a model of the family reads
    atoms: Callable[[Any], set]                         # the scene's combinations (held-out split)
    heldout_atom: Callable[[Any], bool]                 # whether one atom is kept out of training
    score_image: Callable[[np.ndarray, Any], dict]      # how well an image shows a scene
    summarise_scores: Callable[[list[dict]], dict]      # the scores of many images, summarised
    canonical_text: Callable[[Any], str] | None = None  # one fixed wording (what a captioner says)
    user_names: bool = False                            # parse() admits object names of a user's own
    train_sample_kw: dict = field(default_factory=dict)  # sample() options that avoid held-out atoms
    appearance: Callable[[Any], dict] | None = None     # what each named object looks like (its colour)
    drawable: Callable[[Any], Any] | None = None        # the same picture with names a backbone knows
    read_picture: Callable[[np.ndarray], Any] | None = None  # a built-in reader: picture -> scene (or SceneError)
    # --- training hooks (backbone) ---
    grounding_classes: tuple[int, ...] = ()             # class counts of the facts each token learns
    grounding_targets: Callable[[Any], list] | None = None  # [(anchor word(s) or None, facts)] per scene
    backgrounds: tuple[RGB, ...] = ()                   # colours that are not salient (loss weighting)
    frame: Callable[[Any], tuple[int, bool]] | None = None  # (angle, mirrored) a scene is drawn in
    frame_text: Callable[[Any], str] | None = None      # the words the frame is read from (no object names)
    # --- joint-embedding hooks ---
    twin: Callable[[Any, np.random.Generator], Any] | None = None  # the scene with one object moved
    mention: str | None = None                          # 'There is a {name}.': names one object
    nameable: tuple[str, ...] = ()                      # the names a mention can ask about

    # --- the verbal code ---------------------------------------------------------------------
    def parse(self, text: str, extra_names=()) -> Any:
        """The scene a description says; `extra_names` admits object names of a user's own where
        the family has named objects (islands' landmarks)."""
        if self.user_names:
            return self.parse_text(text, extra_names=tuple(extra_names))
        if tuple(extra_names):
            raise SceneError(f"{self.name} scenes have no user-named objects; got extra names "
                             f"{', '.join(map(repr, extra_names))}")
        return self.parse_text(text)

    def vocabulary(self, extra_names=()) -> set[str]:
        return self.words(extra_names) if self.user_names else self.words()

    def canonical(self, scene) -> str:
        """The one wording the captioner learns: the family's canonical form where it has one,
        else its describer with a fixed seed (one wording per scene, so the target is learnable)."""
        if self.canonical_text is not None:
            return self.canonical_text(scene)
        return self.describe(scene, np.random.default_rng(0))

    def prompt(self, scene) -> str:
        """What a backbone is asked to draw for `scene`: the canonical wording of the same picture
        said with names it was trained on (a user's own landmark becomes the trained landmark that
        looks like it)."""
        return self.canonical(self.drawable(scene) if self.drawable is not None else scene)

    def looks(self, scene) -> dict:
        """Each named object's appearance (empty where the family draws no named objects)."""
        return self.appearance(scene) if self.appearance is not None else {}

    def object_names(self, scene) -> tuple[str, ...]:
        """The scene's objects, as its graph names them, in the graph's order."""
        return tuple(self.to_graph(scene).nodes)

    # --- held-out split ----------------------------------------------------------------------
    def is_heldout(self, scene) -> bool:
        """Whether the scene holds a combination never seen in training."""
        return any(self.heldout_atom(a) for a in self.atoms(scene))

    def sample_split(self, rng: np.random.Generator, split: str = "train", max_tries: int = 10_000, **kw):
        """A random scene that belongs to `split`."""
        if split not in SPLITS:
            raise SceneError(f"split must be one of {SPLITS}, got {split!r}")
        if split == "train":
            kw = {**self.train_sample_kw, **kw}
        for _ in range(max_tries):
            scene = self.sample(rng, **kw)
            if self.is_heldout(scene) == (split != "train"):
                return scene
        raise SceneError(f"no {split} scene of {self.name} found in {max_tries} tries with {kw}")

    # --- training hooks ----------------------------------------------------------------------
    def check_training(self, *, grounding: bool = False, frames: bool = False) -> None:
        """Refuse a training config that asks for a hook this family lacks, before any step."""
        if grounding and (not self.grounding_classes or self.grounding_targets is None):
            raise SceneError(f"{self.name} has no grounding targets; set \"grounding\": null in its config")
        if frames and self.frame is None:
            raise SceneError(f"{self.name} scenes have no frame; set \"frames\": false in its config")


FAMILIES: dict[str, SceneFamily] = {}


def register_family(family: SceneFamily, *, replace: bool = False) -> SceneFamily:
    """Make a family known by its name to every generic part of the project."""
    if not isinstance(family, SceneFamily):
        raise TypeError(f"register_family takes a SceneFamily, got {type(family).__name__}")
    if family.name in FAMILIES and FAMILIES[family.name] is not family and not replace:
        raise SceneError(f"a scene family named {family.name!r} is already registered (pass replace=True)")
    FAMILIES[family.name] = family
    return family


def unregister_family(name: str) -> None:
    FAMILIES.pop(name, None)


def get_family(name: str | SceneFamily) -> SceneFamily:
    """The registered family of that name (a family object passes through)."""
    if isinstance(name, SceneFamily):
        return name
    if name not in FAMILIES:
        raise SceneError(f"unknown scene family {name!r}; choose from {', '.join(FAMILIES)}")
    return FAMILIES[name]
