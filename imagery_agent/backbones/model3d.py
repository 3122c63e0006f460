"""The 3-D code: a cube figure held as a model in space, not as a picture.

Shepard & Metzler's figures turn in depth, and a turn in depth is no 2-D transformation of a
picture: what turns must be three-dimensional (Shepard & Metzler 1971; Marr & Nishihara's 3-D
model). `FigureModel3D` reads a cube figure's words (a small RoFormer) and says which cells of a
6 x 6 x 6 grid its cubes fill (a mirror-reversed figure fills the mirrored cells) and its pose:
the angle in tens of degrees, the axis (picture plane or depth) and the projection.
`Model3DImaginer` keeps the imaginer contract: it projects the model it holds with the family's
cube renderer (`figures.render_cubes`), and each MentalImage it makes carries its 3-D code
(`image.code`), so that the buffer can turn it in depth (`operations.turn_in_depth`).

What is learnt is the figure's structure and pose from the words; projection and turning are
the buffer's geometry, not learnt.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from torch import nn
from transformers import RoFormerConfig, RoFormerModel

from ..checksums import verify_manifest, write_manifest
from ..imagery.mental_image import MentalImage
from ..io import WeightsError, check_weights_folder
from ..scenes import get_family
from ..scenes.errors import ParseError, SceneError
from ..scenes.figures import ANGLE_STEP, cube_centres, cube_pose, cube_positions, render_cubes
from .imaginer import check_texts, quiet_loading
from .tokenizer import build_tokenizer, check_prompts

GRID = 6
"""Cells per side of the 3-D grid: every cube figure spans at most 6 cubes along an axis."""
AXES = ("picture", "depth")
PROJECTIONS = ("orthographic", "perspective")


@dataclass(frozen=True)
class CubeModel:
    """A 3-D code: cube centres (n x 3, about their mean, in the figure's own axes) and a pose."""

    cubes: np.ndarray
    angle: float = 0.0
    axis: str = "picture"
    projection: str = "orthographic"

    def turned(self, degrees: float, axis: str) -> "CubeModel":
        """The model turned a further `degrees` (clockwise) about `axis`; a turn about the other
        axis than the one it already stands turned about is refused (one pose, one axis)."""
        if axis not in AXES:
            raise SceneError(f"a cube model turns in the picture plane or in depth, not {axis!r}")
        if self.angle % 360 and axis != self.axis:
            raise SceneError(f"this model stands turned {self.angle:g} degrees in the {self.axis} plane; "
                             f"it cannot also turn in the {axis} plane")
        return replace(self, angle=(self.angle + degrees) % 360, axis=axis)

    def project(self, size: int) -> np.ndarray:
        """The picture of the model in its pose (blank paper if the model holds no cube)."""
        if not len(self.cubes):
            return np.full((size, size, 3), 255, np.uint8)
        return render_cubes(self.cubes, cube_pose(self.angle, self.axis), self.projection, size)


def occupancy(cubes: np.ndarray) -> np.ndarray:
    """The grid cells (GRID^3, flattened) that integer cube positions fill, placed at the grid's corner."""
    cells = np.asarray(np.round(cubes), int)
    cells = cells - cells.min(0)
    if cells.max() >= GRID:
        raise SceneError(f"a figure spanning {cells.max() + 1} cubes does not fit a {GRID}-cell grid")
    grid = np.zeros((GRID,) * 3, np.float32)
    grid[tuple(cells.T)] = 1
    return grid.ravel()


def target_occupancy(figure) -> np.ndarray:
    cubes = cube_positions(int(figure.identity)).astype(float)
    if figure.mirror:
        cubes[:, 0] *= -1
    return occupancy(cubes)


def cubes_from_occupancy(cells: np.ndarray) -> np.ndarray:
    """Cube centres (about their mean) of the filled cells of a flattened grid."""
    idx = np.argwhere(np.asarray(cells).reshape((GRID,) * 3) > 0).astype(float)
    return idx - idx.mean(0) if len(idx) else idx.reshape(0, 3)


class FigureModel3D(ModelMixin, ConfigMixin):
    """Words -> (occupancy logits over the grid, angle, axis and projection logits)."""

    config_name = "config.json"

    @register_to_config
    def __init__(self, vocabulary: list, hidden: int = 64, layers: int = 2, heads: int = 4, max_length: int = 64,
                 grid: int = GRID, n_angles: int = 360 // ANGLE_STEP):
        super().__init__()
        vocab_size = len(build_tokenizer(set(vocabulary), max_length).get_vocab())
        self.encoder = RoFormerModel(RoFormerConfig(
            vocab_size=vocab_size, embedding_size=hidden, hidden_size=hidden, num_hidden_layers=layers,
            num_attention_heads=heads, intermediate_size=2 * hidden, max_position_embeddings=max_length,
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0))
        self.occupancy = nn.Linear(hidden, grid ** 3)
        self.angle = nn.Linear(hidden, n_angles)
        self.axis = nn.Linear(hidden, len(AXES))
        self.projection = nn.Linear(hidden, len(PROJECTIONS))

    def tokenizer(self):
        return build_tokenizer(set(self.config.vocabulary), self.config.max_length)

    def forward(self, input_ids, attention_mask) -> dict:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)  # every word speaks for the whole figure
        return {"occupancy": self.occupancy(pooled), "angle": self.angle(pooled), "axis": self.axis(pooled),
                "projection": self.projection(pooled)}

    @torch.no_grad()
    def read(self, prompts: list[str], tokenizer=None) -> list[CubeModel]:
        """The 3-D code of each prompt (canonical wording of a cube figure)."""
        tokenizer = tokenizer or self.tokenizer()
        prompts = check_prompts(prompts, tokenizer)
        batch = tokenizer(prompts, padding=True, return_tensors="pt")
        self.eval()
        out = self(batch["input_ids"], batch["attention_mask"])
        models = []
        for i in range(len(prompts)):
            cubes = cubes_from_occupancy((out["occupancy"][i] > 0).numpy())
            models.append(CubeModel(cubes, float(out["angle"][i].argmax()) * ANGLE_STEP,
                                    AXES[int(out["axis"][i].argmax())],
                                    PROJECTIONS[int(out["projection"][i].argmax())]))
        return models


def save_model3d(model: FigureModel3D, folder: str | Path, training_config: dict | None = None) -> Path:
    folder = Path(folder)
    model.save_pretrained(folder, safe_serialization=True)
    if training_config is not None:
        (folder / "training_config.json").write_text(json.dumps(training_config, indent=1))
    write_manifest(folder)
    return folder


def load_model3d(folder: str | Path, *, required_manifest: bool = False) -> FigureModel3D:
    folder = Path(folder)
    if not folder.exists():
        raise WeightsError(f"no 3-D figure model at {folder}")
    check_weights_folder(folder, "config.json")
    verify_manifest(folder, required=required_manifest)
    try:
        with quiet_loading():
            model = FigureModel3D.from_pretrained(folder, use_safetensors=True)
    except Exception as e:  # noqa: BLE001
        raise WeightsError(f"could not load the 3-D figure model at {folder}: {e}") from None
    return model.eval()


class Model3DImaginer:
    """Cube figures imagined as 3-D models and projected into the visual buffer. Deterministic:
    the model holds one structure per description, whatever the seed."""

    family = "figures"
    kinds = ("cube",)
    batch_size, steps, guidance, guidance_steps = 64, None, None, None

    def __init__(self, model: FigureModel3D, size: int = 32, name: str = "model3d-figures"):
        self.model, self.size, self.name = model, size, name
        self._tokenizer = model.tokenizer()

    @classmethod
    def from_pretrained(cls, folder: str | Path | None = None, size: int = 32) -> "Model3DImaginer":
        from ..weights import WEIGHTS_DIR
        path = Path(folder) if folder is not None else WEIGHTS_DIR / "figures_model3d"
        return cls(load_model3d(path, required_manifest=folder is None), size,
                   "model3d-figures" + ("" if folder is None else f"@{path.name}"))

    def read(self, texts, extra_names=()) -> list[CubeModel]:
        """The 3-D code of each description (refused by the parser if unreadable, or if it is no cube figure)."""
        fam = get_family(self.family)
        texts = check_texts(fam, texts, extra_names)
        figs = [fam.parse(t) for t in texts]
        for t, f in zip(texts, figs):
            if f.kind not in self.kinds:
                raise ParseError(f"the 3-D model holds cube figures only, not a {f.kind} ({t!r}); the figures "
                                 "backbone draws letters, digits and polygons")
        models = []
        for i in range(0, len(figs), self.batch_size):
            models += self.model.read([fam.prompt(f) for f in figs[i:i + self.batch_size]], self._tokenizer)
        return models

    def imagine(self, texts, *, seed: int = 0, steps=None, guidance=None, progress: bool = False,
                extra_names=()) -> list[MentalImage]:
        texts = [texts] if isinstance(texts, str) else list(texts)
        models = self.read(texts, extra_names)
        out = []
        for i, (t, m) in enumerate(zip(texts, models)):
            out.append(MentalImage(m.project(self.size), t, seed + i, self.name, code=m))
        return out


class OracleModel3DImaginer(Model3DImaginer):
    """The control: the true 3-D structure and pose of what the words say (the family's own
    geometry), held and projected as the learnt 3-D code is."""

    def __init__(self, size: int = 32):
        self.size, self.name = size, "oracle-model3d-figures"

    def read(self, texts, extra_names=()) -> list[CubeModel]:
        fam = get_family(self.family)
        texts = check_texts(fam, texts, extra_names)
        out = []
        for t in texts:
            f = fam.parse(t)
            if f.kind not in self.kinds:
                raise ParseError(f"the 3-D model holds cube figures only, not a {f.kind} ({t!r})")
            out.append(CubeModel(cube_centres(int(f.identity), f.mirror), float(f.angle), f.axis, f.projection))
        return out
