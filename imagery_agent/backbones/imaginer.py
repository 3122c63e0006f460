"""Imaginers: words in, mental images out.

`DiffusionImaginer` draws with a trained text-to-image pipeline (the agent's imagination);
`OracleImaginer` draws with the family's renderer (an ideal imager, the control condition).
Both reject what they cannot draw with an error that names the problem.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..checksums import verify_manifest
from ..imagery.mental_image import MentalImage
from ..io import WeightsError, check_weights_folder
from ..scenes import get_family
from ..scenes.errors import ParseError
from ..weights import WEIGHTS_DIR, shipped_backbones


def check_texts(family, texts, extra_names=()) -> list[str]:
    """The texts as a list, each read by the family's parser first: what the words cannot say
    (an unknown word, a contradiction, a cell off the map) is refused before anything is drawn,
    naming the text of a batch that failed."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts:
        raise ParseError("no description given")
    for i, t in enumerate(texts):
        try:
            family.parse(t, extra_names=extra_names)
        except ParseError as e:
            raise ParseError(str(e) if len(texts) == 1 else f"description {i} of {len(texts)}: {e}") from None
    return texts


class OracleImaginer:
    """The renderer as an imager: a perfect picture of what the words say."""

    def __init__(self, family: str, size: int = 32, extra_names=()):
        self.family, self.size, self.extra_names = family, size, tuple(extra_names)
        self.name = f"oracle-{family}"
        self._fam = get_family(family)

    def imagine(self, texts, *, seed: int = 0, steps=None, guidance=None, progress: bool = False,
                extra_names=()) -> list[MentalImage]:
        names = tuple(self.extra_names) + tuple(extra_names)
        texts = check_texts(self._fam, texts, names)
        return [MentalImage(self._fam.render(self._fam.parse(t, extra_names=names), self.size), t,
                            seed + i, self.name) for i, t in enumerate(texts)]


class DiffusionImaginer:
    """A trained ImageryDiffusionPipeline behind the Imaginer interface.

    With `canonical=True` (the default) the model draws from the parsed verbal code said in the
    family's one canonical wording, not from the words as heard: the picture then depends on what
    a description says, not on how it says it (clause order, synonyms, punctuation), and any
    wording the parser reads can be imagined, although the text encoder was trained on the
    describer's templates only. `canonical=False` draws the words as given (the model's own
    vocabulary then applies)."""

    def __init__(self, pipeline, family: str, sampler_steps: int = 20, guidance_scale: float = 2.0,
                 name: str | None = None, batch_size: int = 32, guidance_steps: int | None = None,
                 teacher_guidance_scale: float | None = None, canonical: bool = True):
        self.pipe, self.family, self.canonical = pipeline, family, canonical
        self.teacher_guidance_scale = teacher_guidance_scale
        self.guidance_steps = guidance_steps
        self.steps, self.guidance, self.batch_size = sampler_steps, guidance_scale, batch_size
        self.size = pipeline.unet.config.sample_size
        self.name = name or f"diffusion-{family}"

    def imagine(self, texts, *, seed: int = 0, steps: int | None = None, guidance: float | None = None,
                progress: bool = False, extra_names=()) -> list[MentalImage]:
        """One image per text; text i is drawn from seed `seed + i`, so a batch is reproducible
        and the same (text, seed) gives the same image in any batch. `extra_names` admits a user
        map's own landmark names (drawn by their appearance, on the canonical path)."""
        texts = check_texts(get_family(self.family), texts, extra_names)
        prompts = self.prompts(texts, extra_names)
        frame_prompts = self.frame_prompts(texts)
        steps = steps or self.steps
        guidance = self.guidance if guidance is None else guidance
        check_guidance(self.teacher_guidance_scale, guidance)
        out = []
        for i in tqdm(range(0, len(texts), self.batch_size), disable=not progress, desc="imagine"):
            chunk = texts[i:i + self.batch_size]
            gens = [torch.Generator().manual_seed(seed + i + j) for j in range(len(chunk))]
            images = self.pipe(prompts[i:i + self.batch_size], steps, guidance, generator=gens,
                               guidance_steps=self.guidance_steps,
                               frame_prompts=frame_prompts and frame_prompts[i:i + self.batch_size]).images
            out += [MentalImage(im, t, seed + i + j, self.name) for j, (im, t) in enumerate(zip(images, chunk))]
        return out

    def prompts(self, texts: list[str], extra_names=()) -> list[str]:
        """What the model is given for each (checked) text: the canonical wording of what it
        says (with trained names standing in for a user's own), or the text as written."""
        if not self.canonical:
            if tuple(extra_names):
                raise ParseError("a backbone draws a user's own landmark names only on the canonical path")
            return list(texts)
        fam = get_family(self.family)
        return [fam.prompt(fam.parse(t, extra_names=extra_names)) for t in texts]


    def frame_prompts(self, texts: list[str]) -> list[str] | None:
        """On the canonical path, the words each figure's frame is read from: its turn and form
        without its name (`SceneFamily.frame_text`), so the frame cannot depend on which figure it
        is. None where the family or the text encoder has no frames (the prompts are read then)."""
        fam = get_family(self.family)
        if not self.canonical or fam.frame_text is None or not getattr(self.pipe, "has_frames", False):
            return None
        return [fam.frame_text(fam.parse(t)) for t in texts]


def load_pipeline(family: str, path: str | Path | None = None):
    """(pipeline, settings) from a saved folder, by default the shipped weights of `family`."""
    from .pipeline import ImageryDiffusionPipeline
    get_family(family)
    folder = Path(path) if path is not None else WEIGHTS_DIR / family
    if not folder.exists():
        raise WeightsError(f"no weights for {family!r} at {folder}; shipped: "
                           f"{', '.join(shipped_backbones()) or 'none'}")
    check_weights_folder(folder, "model_index.json")
    verify_manifest(folder, required=path is None)
    settings = {"sampler_steps": 20, "guidance_scale": 2.0, "guidance_steps": None, "teacher_guidance_scale": None}
    cfg_file = folder / "training_config.json"
    if cfg_file.exists():
        cfg = json.loads(cfg_file.read_text())
        if cfg.get("family", family) != family:
            raise WeightsError(f"the pipeline at {folder} draws {cfg['family']!r} scenes, not {family!r}")
        settings.update({k: cfg[k] for k in settings if k in cfg})
    try:
        with quiet_loading():
            pipe = ImageryDiffusionPipeline.from_pretrained(folder, use_safetensors=True, dtype=torch.float32)
    except Exception as e:  # noqa: BLE001
        raise WeightsError(f"could not load the pipeline at {folder}: {e}") from None
    pipe.set_progress_bar_config(disable=True)
    return pipe, settings


@contextmanager
def quiet_loading():
    """No 'Loading pipeline components' / 'Loading weights' bars for a model of a few MB."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging
    shown = diffusers_logging.is_progress_bar_enabled(), transformers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown[0]:
            diffusers_logging.enable_progress_bar()
        if shown[1]:
            transformers_logging.enable_progress_bar()


def check_guidance(built_in: float | None, guidance: float) -> None:
    """A guidance-distilled UNet has its teacher's guidance (`built_in`) built in: guiding it
    again would extrapolate from an unconditional branch it was never trained on, so that is refused."""
    if built_in is not None and guidance != 1.0:
        raise ValueError(f"these weights are guidance-distilled (guidance {built_in} built in): sample them "
                         f"with guidance 1.0, not {guidance}")


def load_imaginer(family: str, path: str | Path | None = None) -> DiffusionImaginer:
    """The shipped text-to-image backbone of a family (or the pipeline saved at `path`)."""
    pipe, settings = load_pipeline(family, path)
    return DiffusionImaginer(pipe, family, settings["sampler_steps"], settings["guidance_scale"],
                             name=f"diffusion-{family}" + ("" if path is None else f"@{Path(path).name}"),
                             guidance_steps=settings["guidance_steps"],
                             teacher_guidance_scale=settings["teacher_guidance_scale"])
