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


def coordinate_channels(size: int, batch: int = 1, device=None, dtype=torch.float32) -> torch.Tensor:
    """(batch, N_COORD_CHANNELS, size, size): x, y in [-1, 1] and their sines and cosines."""
    r = (torch.arange(size, device=device, dtype=dtype) + 0.5) / size * 2 - 1
    y, x = torch.meshgrid(r, r, indexing="ij")
    chans = [x, y]
    for f in COORD_FREQUENCIES:
        for v in (x, y):
            chans += [torch.sin(math.pi * f * v), torch.cos(math.pi * f * v)]
    return torch.stack(chans)[None].expand(batch, -1, -1, -1)


def sentence_ids(input_ids: torch.Tensor, tokenizer, max_sentences: int) -> torch.Tensor:
    """Each token's sentence number (0, 1, ...), given to the text encoder as its token type, so
    that a word can find the numbers of its own sentence ('the hut ... column 8, row 2')."""
    ends = torch.zeros_like(input_ids)
    for mark in (".", ";"):
        ends |= input_ids == tokenizer.convert_tokens_to_ids(mark)
    before = torch.cumsum(ends, 1) - ends  # a full stop belongs to the sentence it ends
    return before.clamp(max=max_sentences - 1)


def encode_tokens(text_encoder, tokenizer, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Token states from the text encoder. Each token attends only within its own sentence (one
    sentence states one fact here), and gets its sentence number as its token type."""
    config = getattr(text_encoder, "module", text_encoder).config  # also when wrapped for data-parallel training
    types = sentence_ids(ids, tokenizer, config.type_vocab_size)
    local = (types[:, :, None] == types[:, None, :]) & mask.bool()[:, None, :]
    return text_encoder(input_ids=ids, attention_mask=local[:, None], token_type_ids=types).last_hidden_state


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

    def encode_prompts(self, prompts: list[str]):
        batch = tokenize_prompts(self.tokenizer, prompts)
        device = self.unet.device
        ids, mask = batch["input_ids"].to(device), batch["attention_mask"].to(device)
        return encode_tokens(self.text_encoder, self.tokenizer, ids, mask), mask

    def denoise_input(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, coordinate_channels(x.shape[-1], x.shape[0], x.device, x.dtype)], 1)

    @torch.no_grad()
    def __call__(self, prompts, num_inference_steps: int = 20, guidance_scale: float = 2.0,
                 generator: torch.Generator | list[torch.Generator] | None = None, output_type: str = "np",
                 return_dict: bool = True, guidance_steps: int | None = None):
        """`guidance_steps`: apply classifier-free guidance in the first k steps only (where the
        layout is decided) and run the conditional model alone after that; None = every step."""
        prompts = check_prompts(prompts, self.tokenizer)
        if not 1 <= int(num_inference_steps) <= 1000:
            raise ValueError(f"num_inference_steps must be 1..1000, got {num_inference_steps}")
        n, size = len(prompts), self.unet.config.sample_size
        guided = guidance_scale != 1.0
        hidden, mask = self.encode_prompts(([""] * n if guided else []) + prompts)
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
            inp = self.denoise_input(torch.cat([inp, inp]) if guide else inp)
            if guide:
                out = denoise(self.unet, inp, t, hidden, mask)
            else:
                out = denoise(self.unet, inp, t, hidden[-n:], mask[-n:])
            if guide:
                uncond, cond = out.chunk(2)
                out = uncond + guidance_scale * (cond - uncond)
            x = self.scheduler.step(out, t, x).prev_sample
        images = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        if output_type == "pil":
            from PIL import Image
            images = [Image.fromarray(im) for im in images]
        return ImagePipelineOutput(images=images) if return_dict else (images,)
