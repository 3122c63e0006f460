"""Text-to-image diffusion with diffusers: a UNet2DConditionModel that cross-attends to a small
transformer text encoder, sampled with classifier-free guidance.

The UNet sees its pixel coordinates as extra input channels (CoordConv, Liu et al. 2018), so
cross-attention can match 'the hut is at column 8, row 2' to the right pixels: positions are the
hard part of a small text-to-image model, and coordinates make them learnable on a CPU budget.
"""
from __future__ import annotations

import math

import torch
from diffusers import DiffusionPipeline, ImagePipelineOutput

from .tokenizer import check_prompts

COORD_FREQUENCIES = (1, 2, 4, 8)
N_COORD_CHANNELS = 2 + 4 * len(COORD_FREQUENCIES)


def _features(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    chans = [x, y]
    for f in COORD_FREQUENCIES:
        for v in (x, y):
            chans += [torch.sin(math.pi * f * v), torch.cos(math.pi * f * v)]
    return torch.stack(chans, -3)


def _grid(size: int, device=None, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) of the pixel centres in [-1, 1], each (size, size)."""
    r = (torch.arange(size, device=device, dtype=dtype) + 0.5) / size * 2 - 1
    y, x = torch.meshgrid(r, r, indexing="ij")
    return x, y


def coordinate_channels(size: int, batch: int = 1, device=None, dtype=torch.float32) -> torch.Tensor:
    """(batch, N_COORD_CHANNELS, size, size): x, y in [-1, 1] and their sines and cosines."""
    return _features(*_grid(size, device, dtype))[None].expand(batch, -1, -1, -1)


N_FRAME_ANGLES = 36
"""Frame angles the text encoder can read, in steps of 360 / N_FRAME_ANGLES degrees."""


def frame_channels(size: int, angles: torch.Tensor, mirrors: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """Coordinate channels in each figure's own frame: the pixel's position mapped back through
    the figure's rotation (degrees clockwise, y pointing down) and its left-right mirroring. A
    figure is then always drawn at the same frame coordinates, whatever its orientation, so the
    UNet learns each shape once instead of once per angle. Angle 0, no mirror: the plain channels."""
    x, y = _grid(size, dtype=dtype)
    a = torch.deg2rad(angles.to(dtype))[:, None, None]
    c, s = torch.cos(a), torch.sin(a)
    u, v = c * x + s * y, -s * x + c * y  # rotate back by the figure's angle
    u = torch.where(mirrors.bool()[:, None, None], -u, u)
    return _features(u, v)


def sentence_ids(input_ids: torch.Tensor, tokenizer, max_sentences: int) -> torch.Tensor:
    """Each token's sentence number (0, 1, ...), given to the text encoder as its token type, so
    that a word can find the numbers of its own sentence ('the hut ... column 8, row 2')."""
    ends = torch.zeros_like(input_ids)
    for mark in (".", ";"):
        ends |= input_ids == tokenizer.convert_tokens_to_ids(mark)
    before = torch.cumsum(ends, 1) - ends  # a full stop belongs to the sentence it ends
    return before.clamp(max=max_sentences - 1)


def encode_tokens(text_encoder, tokenizer, ids: torch.Tensor, mask: torch.Tensor, return_logits: bool = False,
                  leaves: torch.Tensor | None = None):
    """Token states from the text encoder. Each token attends only within its own sentence (one
    sentence states one fact here), and gets its sentence number as its token type. NB: with
    transformers 5, RoFormer adds a prepared 4-D mask to its attention scores as it is, so this
    boolean mask is in practice a bias of +1 towards the token's own sentence (and padding is not
    masked, so every prompt is padded to one length); every shipped text encoder was trained that
    way and keeps it. `leaves`
    (B, T) marks tokens that no other token reads: each still reads its sentence (where it is),
    but its meaning reaches the image only through its own state. With `return_logits`, also
    the per-token frame logits of an encoder with a frame head (else None)."""
    config = getattr(text_encoder, "module", text_encoder).config  # also when wrapped for data-parallel training
    types = sentence_ids(ids, tokenizer, config.type_vocab_size)
    local = (types[:, :, None] == types[:, None, :]) & mask.bool()[:, None, :]
    if leaves is not None:  # a real mask: 0 where a token may look, the lowest float where it may not
        dtype = getattr(text_encoder, "module", text_encoder).get_input_embeddings().weight.dtype
        itself = torch.eye(ids.shape[1], dtype=torch.bool, device=ids.device)[None]
        local &= ~(leaves.bool()[:, None, :] & ~itself)
        local = torch.zeros(local.shape, dtype=dtype, device=ids.device).masked_fill(~local, torch.finfo(dtype).min)
    out = text_encoder(input_ids=ids, attention_mask=local[:, None], token_type_ids=types, output_hidden_states=True)
    hidden = out.hidden_states[-1]
    return (hidden, getattr(out, "logits", None)) if return_logits else hidden


def read_frames(logits: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(angles in degrees, mirrored) per prompt from the frame head's per-token logits, pooled
    over the prompt's tokens (every token of a figure's sentence is trained to know its frame)."""
    pooled = (logits * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
    angles = pooled[:, :N_FRAME_ANGLES].argmax(1) * (360 // N_FRAME_ANGLES)
    return angles, pooled[:, N_FRAME_ANGLES:N_FRAME_ANGLES + 2].argmax(1).bool()


def denoise(unet, inp: torch.Tensor, t, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """One UNet evaluation. With only_cross_attention, diffusers' first attention reads the text
    without the padding mask, so prompts are always padded to the same length (tokenize_prompts):
    the image of a prompt then never depends on the other prompts in its batch."""
    return unet(inp, t, encoder_hidden_states=hidden, encoder_attention_mask=mask).sample


def tokenize_prompts(tokenizer, prompts: list[str]):
    return tokenizer(prompts, padding="max_length", max_length=tokenizer.model_max_length, truncation=False,
                     return_tensors="pt")


class ImageryDiffusionPipeline(DiffusionPipeline):
    """prompts -> images. Every component is a diffusers or transformers object, so
    `save_pretrained` / `from_pretrained` round-trip the whole model (safetensors only)."""

    def __init__(self, unet, scheduler, text_encoder, tokenizer):
        super().__init__()
        self.register_modules(unet=unet, scheduler=scheduler, text_encoder=text_encoder, tokenizer=tokenizer)

    @property
    def has_frames(self) -> bool:
        """Whether the text encoder reads each figure's frame (a token-classification head)."""
        return hasattr(self.text_encoder, "classifier")

    def encode_prompts(self, prompts: list[str], return_frames: bool = False):
        """(token states, mask), plus the frames the text encoder reads when asked (None
        for encoders without a frame head)."""
        batch = tokenize_prompts(self.tokenizer, prompts)
        device = self.unet.device
        ids, mask = batch["input_ids"].to(device), batch["attention_mask"].to(device)
        hidden, logits = encode_tokens(self.text_encoder, self.tokenizer, ids, mask, return_logits=True)
        if not return_frames:
            return hidden, mask
        return hidden, mask, (read_frames(logits, mask) if logits is not None else None)

    def denoise_input(self, x: torch.Tensor, frames=None) -> torch.Tensor:
        """The noisy image with its coordinate channels: plain ones, or, given `frames` =
        (angles, mirrored) per image, each figure's own frame coordinates."""
        if frames is None:
            coords = coordinate_channels(x.shape[-1], x.shape[0], x.device, x.dtype)
        else:
            coords = frame_channels(x.shape[-1], frames[0], frames[1], x.dtype).to(x.device)
        return torch.cat([x, coords], 1)

    @torch.no_grad()
    def __call__(self, prompts, num_inference_steps: int = 20, guidance_scale: float = 2.0,
                 generator: torch.Generator | list[torch.Generator] | None = None, output_type: str = "np",
                 return_dict: bool = True, guidance_steps: int | None = None, frame_prompts=None):
        """`guidance_steps`: apply classifier-free guidance in the first k steps only (where the
        layout is decided) and run the conditional model alone after that; None = every step.
        `frame_prompts`: one text per prompt that the frame head reads each figure's frame from
        (the family's `frame_text`: the turn without the figure's name); None = the prompts."""
        prompts = check_prompts(prompts, self.tokenizer)
        if not 1 <= int(num_inference_steps) <= 1000:
            raise ValueError(f"num_inference_steps must be 1..1000, got {num_inference_steps}")
        n, size = len(prompts), self.unet.config.sample_size
        guided = guidance_scale != 1.0
        hidden, mask, frames = self.encode_prompts(([""] * n if guided else []) + prompts, return_frames=True)
        if frames is not None:  # the prompts' frames; the unconditional branch draws in the same frame
            frames = tuple(f[-n:] for f in frames)
            if frame_prompts is not None:
                frame_prompts = check_prompts(frame_prompts, self.tokenizer)
                if len(frame_prompts) != n:
                    raise ValueError(f"{len(frame_prompts)} frame prompts for {n} prompts")
                frames = self.encode_prompts(frame_prompts, return_frames=True)[2]
        shape = (n, self.unet.config.out_channels, size, size)
        if isinstance(generator, list):
            x = torch.stack([torch.randn(shape[1:], generator=g) for g in generator])
        else:
            x = torch.randn(shape, generator=generator)
        x = x.to(self.unet.device) * self.scheduler.init_noise_sigma
        self.scheduler.set_timesteps(int(num_inference_steps))
        for i, t in enumerate(self.progress_bar(self.scheduler.timesteps)):
            guide = guided and (guidance_steps is None or i < guidance_steps)
            inp = self.scheduler.scale_model_input(x, t)
            if guide:  # one batch: the unconditional half first, both halves in the prompts' frames
                doubled = None if frames is None else tuple(torch.cat([f, f]) for f in frames)
                uncond, cond = denoise(self.unet, self.denoise_input(torch.cat([inp, inp]), doubled), t,
                                       hidden, mask).chunk(2)
                out = uncond + guidance_scale * (cond - uncond)
            else:
                out = denoise(self.unet, self.denoise_input(inp, frames), t, hidden[-n:], mask[-n:])
            x = self.scheduler.step(out, t, x).prev_sample
        if not torch.isfinite(x).all():  # NaN weights give NaN images, which uint8 would hide
            from ..io import WeightsError
            raise WeightsError("the model drew non-finite values (NaN or infinity): its weights are damaged")
        images = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        if output_type == "pil":
            from PIL import Image
            images = [Image.fromarray(im) for im in images]
        return ImagePipelineOutput(images=images) if return_dict else (images,)
