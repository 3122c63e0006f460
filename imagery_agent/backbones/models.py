"""Builders for the backbone's components from its training config (`training.common.BackboneConfig`)."""
from __future__ import annotations

from diffusers import DDPMScheduler, DPMSolverMultistepScheduler, UNet2DConditionModel
from transformers import RoFormerConfig, RoFormerForTokenClassification, RoFormerModel

from ..scenes import get_family
from .pipeline import N_COORD_CHANNELS, N_FRAME_ANGLES, ImageryDiffusionPipeline
from .tokenizer import build_tokenizer


def build_text_encoder(cfg, vocab_size: int) -> RoFormerModel | RoFormerForTokenClassification:
    """A small bidirectional transformer with rotary (relative) positions: a landmark's name can
    read its own sentence's column and row whichever comes first, and a number can see the word
    next to it ('column 8', '8 columns'). With `"frames": true` (figures) it also carries a
    token-classification head that reads the figure's frame (angle, mirrored) from the words."""
    t = cfg.text_encoder
    head = {"num_labels": N_FRAME_ANGLES + 2, "classifier_dropout": 0.0} if cfg.frames else {}
    config = RoFormerConfig(vocab_size=vocab_size, embedding_size=t["hidden"], hidden_size=t["hidden"],
                            num_hidden_layers=t["layers"], num_attention_heads=t["heads"],
                            intermediate_size=2 * t["hidden"], max_position_embeddings=t["max_length"],
                            type_vocab_size=t.get("max_sentences", 16), hidden_dropout_prob=0.0,
                            attention_probs_dropout_prob=0.0, **head)
    return RoFormerForTokenClassification(config) if cfg.frames else RoFormerModel(config)


def build_unet(cfg) -> UNet2DConditionModel:
    u = cfg.unet
    chans = tuple(u["channels"])
    return UNet2DConditionModel(
        sample_size=cfg.image_size, in_channels=3 + N_COORD_CHANNELS, out_channels=3,
        down_block_types=tuple(u["down_blocks"]), up_block_types=tuple(u["up_blocks"]),
        block_out_channels=chans, layers_per_block=u["layers_per_block"],
        cross_attention_dim=cfg.text_encoder["hidden"], attention_head_dim=u["heads"],
        norm_num_groups=u["groups"], only_cross_attention=u.get("only_cross_attention", False))


def build_train_scheduler(cfg) -> DDPMScheduler:
    return DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
                         prediction_type=cfg.prediction_type, clip_sample=False)


def build_pipeline(cfg) -> ImageryDiffusionPipeline:
    family = get_family(cfg.family)
    tokenizer = build_tokenizer(family.vocabulary(), cfg.text_encoder["max_length"])
    text_encoder = build_text_encoder(cfg, len(tokenizer.get_vocab()))
    unet = build_unet(cfg)
    sampler = DPMSolverMultistepScheduler.from_config(build_train_scheduler(cfg).config)
    return ImageryDiffusionPipeline(unet=unet, scheduler=sampler, text_encoder=text_encoder, tokenizer=tokenizer)
