"""Shared helpers for the controlled-English describers and parsers."""
from __future__ import annotations

import re

from .errors import ParseError

MAX_TEXT_CHARS = 4000
"""Longest description a parser accepts: longer texts are rejected instead of parsed slowly."""

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20,
}

_TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)*|\d+|[.,;]")


def check_text(text: object, family: str) -> str:
    """Reject what is not a description at all: not a string, empty, or absurdly long."""
    if not isinstance(text, str):
        raise ParseError(f"{family}: a description must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ParseError(f"{family}: the description is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ParseError(
            f"{family}: the description has {len(text)} characters; at most {MAX_TEXT_CHARS} are read"
        )
    return text


def tokenize(text: str) -> list[str]:
    """Lower-case word, number and punctuation tokens; any other character is an error."""
    lowered = text.lower()
    leftover = _TOKEN.sub(" ", lowered)
    bad = [c for c in leftover if not c.isspace()]
    if bad:
        raise ParseError(f"unexpected character {bad[0]!r} in the description")
    return _TOKEN.findall(lowered)


def sentences(text: str, family: str) -> list[list[str]]:
    """Split a description into sentences of tokens ('.' and ';' end a sentence)."""
    out, current = [], []
    for tok in tokenize(check_text(text, family)):
        if tok in (".", ";"):
            if current:
                out.append(current)
            current = []
        else:
            current.append(tok)
    if current:
        out.append(current)
    if not out:
        raise ParseError(f"{family}: the description has no words")
    return out


def read_number(tok: str, phrase: str) -> int:
    """A number written in digits or as an English word."""
    if tok.isdigit():
        return int(tok)
    if tok in NUMBER_WORDS:
        return NUMBER_WORDS[tok]
    raise ParseError(f"expected a number but found {tok!r} in {phrase!r}")


def unknown_words(tokens: list[str], vocabulary: set[str]) -> list[str]:
    """Words outside the vocabulary, in order of first appearance (numbers always pass)."""
    seen, out = set(), []
    for t in tokens:
        if t.isdigit() or t in (",", ".", ";") or t in vocabulary or t in seen:
            continue
        seen.add(t)
        out.append(t)
    return out


def check_vocabulary(tokens: list[str], vocabulary: set[str], family: str) -> None:
    bad = unknown_words(tokens, vocabulary)
    if bad:
        raise ParseError(f"{family}: unknown word(s) {', '.join(repr(w) for w in bad)}")


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
