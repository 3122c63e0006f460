"""A word-level tokenizer over a scene family's controlled English, saved with the model.

Words outside the vocabulary are refused with the list of them: a text-to-image model must not
silently draw '[UNK]'.
"""
from __future__ import annotations

from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers
from tokenizers.processors import TemplateProcessing
from transformers import PreTrainedTokenizerFast

from ..scenes.errors import ParseError
from ..scenes.text import check_text, tokenize, unknown_words

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
MAX_NUMBER = 360
"""Numbers 0..360 are single tokens: columns, rows, sizes and angles."""


def build_tokenizer(words: set[str], max_length: int = 160) -> PreTrainedTokenizerFast:
    vocab = {w: i for i, w in enumerate(SPECIALS)}
    for w in sorted(set(words) | {str(n) for n in range(MAX_NUMBER + 1)} | {",", ".", ";"}):
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex(r"[.,;]"), behavior="isolated")])
    tok.post_processor = TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   cls_token="[CLS]", sep_token="[SEP]", model_max_length=max_length)


def check_prompts(prompts, tokenizer: PreTrainedTokenizerFast) -> list[str]:
    """Validate prompts: strings, not too long, every word known to the model."""
    if isinstance(prompts, str):
        prompts = [prompts]
    prompts = list(prompts)
    if not prompts:
        raise ParseError("no prompt given")
    vocab = set(tokenizer.get_vocab())
    for p in prompts:
        if p == "":
            continue  # the unconditional prompt of classifier-free guidance
        words = tokenize(check_text(p, "prompt"))
        bad = unknown_words(words, vocab)
        if bad:
            raise ParseError(f"unknown word(s) for this model: {', '.join(repr(w) for w in bad)}")
        if len(words) + 2 > tokenizer.model_max_length:
            raise ParseError(f"prompt has {len(words)} tokens; this model reads at most "
                             f"{tokenizer.model_max_length - 2}")
    return prompts
