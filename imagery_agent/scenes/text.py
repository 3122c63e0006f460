"""Shared helpers for the describers and parsers: the controlled English the describers write,
and the looser English people write, brought to the same tokens.

Two readings of a text live here. `tokenize` is the model's split (words, numbers and ', . ;'),
kept strict because a model's tokenizer must split a prompt exactly the same way. `sentences`
is the parsers' reading: it also takes the ordinary punctuation of hand-written English
(apostrophes and contractions, colons, parentheses, quotes, dashes, '!' and '?', the degree sign)
and hands the families tokens that their phrase rules (`rewrite`) turn into controlled English.
"""
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
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}
NUMBER_READING = set(NUMBER_WORDS) | set(TENS) | {"hundred"}
"""Words `join_numbers` reads as (parts of) numbers."""

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
    """The model's split: lower-case word, number and ', . ;' tokens; any other character is an
    error (a model's tokenizer splits exactly so)."""
    lowered = text.lower()
    leftover = _TOKEN.sub(" ", lowered)
    bad = [c for c in leftover if not c.isspace()]
    if bad:
        raise ParseError(f"unexpected character {bad[0]!r} in the description")
    return _TOKEN.findall(lowered)


# --- the parsers' reading of hand-written English -----------------------------------------

_UNICODE = [  # typographic characters and their plain forms, replaced first
    ("\u2019\u2018\u02bc\u00b4`", "'"), ("\u201c\u201d\u201e\u00ab\u00bb", '"'),
    ("\u2013\u2014\u2012\u2015", " -- "), ("\u2212", "-"), ("\u00d7", " x "), ("\u00b0", " degrees "),
    ("\u00a0\t\r\n", " "),
]
_PUNCTUATION_WORDS = [  # after the numerals: what other punctuation means to a parser
    ("%", " percent "), ("&", " and "), ("#", " number "), ("!?", " . "), (":", " , "), ("=", " "),
    ("([", " ( "), (")]", " ) "), ('"', " "),
]
_CONTRACTIONS = [  # (pattern, replacement), in order; "'s" after a noun stays a token of its own
    (r"(?<![a-z0-9])'", " "),  # an opening quotation mark
    (r"\b(there|here|it|that|what|where|who|he|she|this)'s\b", r"\1 is"),
    (r"\blet's\b", "let us"), (r"\bcan't\b", "can not"), (r"\bwon't\b", "will not"),
    (r"\b([a-z]+)n't\b", r"\1 not"), (r"'ll\b", " will"), (r"'re\b", " are"), (r"'ve\b", " have"),
    (r"'m\b", " am"), (r"'d\b", " would"), (r"\b([a-z]+)'s\b", r"\1 's"), (r"\b([a-z]+s)'(?=\s|$)", r"\1"),
    (r"'(?!s\b)", " "),  # any other apostrophe is a quotation mark
]
_NUMERALS = [
    (r"\bn(?:o|r)\.\s*(?=\d)", "number "),       # 'no. 7'
    (r"(\d)\s*-\s*(?=\d)", r"\1 to "),           # '1-5': a range
    (r"(\d)\s*x\s*(?=\d)", r"\1 by "),           # '7x9', '7 x 9': a size
    (r"(?<![\w.-])-\s*(?=\d)", " minus "),       # '-90': a sign the parsers refuse by name
    (r"(\d)-(?=[a-z])", r"\1 "), (r"(?<=[a-z])-(?=\d)", " "),  # '90-degree', 'figure-3'
    (r"(?<=\s)-+(?=\s)|(?<=\s)-+$|^-+(?=\s)", " -- "),      # a spaced hyphen is a dash
    (r"(?<!\d)/|/(?!\d)", " , "),                 # 'column 5/row 9' ('5/9' stays unreadable)
    (r"(\d+)(st|nd|rd|th)\b", lambda m: _ordinal_word(int(m.group(1))) or m.group(0)),
]
_READ_TOKEN = re.compile(r"--|'s|[a-z]+(?:-[a-z]+)*|\d+\.\d+|\d+(?:st|nd|rd|th)|\d+|[.,;()]")


def _ordinal_word(n: int) -> str | None:
    return next((w for w, v in ORDINALS.items() if v == n), None)


def _replace(s: str, table) -> str:
    for chars, to in table:
        for c in chars:
            s = s.replace(c, to)
    return s


def normalise(text: str) -> str:
    """Lower case, with ordinary punctuation turned into what the parsers read: contractions
    spelled out, quotes dropped, ':' and dashes as commas, '!' and '?' as full stops, '(' and ')'
    kept as tokens (families read '(5, 9)' as a cell), '90°' as '90 degrees'."""
    s = _replace(text.lower(), _UNICODE)
    for pattern, to in _NUMERALS:
        s = re.sub(pattern, to, s)
    s = _replace(s, _PUNCTUATION_WORDS)
    for pattern, to in _CONTRACTIONS:
        s = re.sub(pattern, to, s)
    return s.replace("--", ",")


def read_tokens(text: str) -> list[str]:
    """The parsers' tokens of a text (see `normalise`); a character no English punctuation
    explains is an error that names it."""
    s = normalise(text)
    leftover = _READ_TOKEN.sub(" ", s)
    bad = [c for c in leftover if not c.isspace()]
    if bad:
        raise ParseError(f"unexpected character {bad[0]!r} in the description")
    return _READ_TOKEN.findall(s)


def sentences(text: str, family: str) -> list[list[str]]:
    """Split a description into sentences of tokens ('.', ';', '!' and '?' end a sentence).
    Controlled English comes out exactly as `tokenize` splits it."""
    out, current = [], []
    for tok in read_tokens(check_text(text, family)):
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


def join_numbers(tokens: list[str]) -> list[str]:
    """Numbers written in words become digits: 'three' -> '3', 'twenty-one' -> '21',
    'one hundred and eighty' -> '180'. Other tokens pass unchanged."""
    out, i = [], 0
    while i < len(tokens):
        value, j = _number_phrase(tokens, i)
        if value is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(str(value))
            i = j
    return out


def _small(tokens: list[str], i: int) -> tuple[int | None, int]:
    """1..99 in words at tokens[i]: 'seven', 'forty', 'forty-five', 'forty five'."""
    if i >= len(tokens):
        return None, i
    t = tokens[i]
    if "-" in t:
        head, _, tail = t.partition("-")
        if head in TENS and tail in NUMBER_WORDS and 1 <= NUMBER_WORDS[tail] <= 9:
            return TENS[head] + NUMBER_WORDS[tail], i + 1
        return None, i
    if t in TENS:
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt in NUMBER_WORDS and 1 <= NUMBER_WORDS[nxt] <= 9:
            return TENS[t] + NUMBER_WORDS[nxt], i + 2
        return TENS[t], i + 1
    if t in NUMBER_WORDS:
        return NUMBER_WORDS[t], i + 1
    return None, i


def _number_phrase(tokens: list[str], i: int) -> tuple[int | None, int]:
    first, j = (1, i + 1) if tokens[i] == "a" else _small(tokens, i)
    if j < len(tokens) and tokens[j] == "hundred" and (first or 0) in range(1, 10):
        value, k = first * 100, j + 1
        rest, m = _small(tokens, k + 1 if k < len(tokens) and tokens[k] == "and" else k)
        return (value + rest, m) if rest is not None else (value, k)
    if tokens[i] == "a":
        return None, i
    return first, j


def coordinate_pairs(tokens: list[str]) -> list[str]:
    """'(5, 9)' is column 5, row 9 (the (x, y) convention, columns counted from the left and rows
    from the top); any other parenthesis is a comma."""
    out, i = [], 0
    while i < len(tokens):
        t = tokens[i]
        if t == "(":
            inner = tokens[i + 1: i + 5]
            if len(inner) == 4 and inner[0].isdigit() and inner[1] == "," and inner[2].isdigit() and inner[3] == ")":
                out += ["column", inner[0], ",", "row", inner[2]]
                i += 5
                continue
        out.append("," if t in ("(", ")") else t)
        i += 1
    return out


def phrase_of(tokens: list[str]) -> str:
    """Tokens as a phrase for an error message: 'the tree is at (5, 9)'."""
    s = " ".join(tokens)
    return re.sub(r" (?=[,)]|'s\b)|(?<=\() ", "", s)


def rule(pattern: str, replacement) -> tuple[re.Pattern, object]:
    """A phrase rule: `pattern` is a regular expression over space-separated tokens that must
    start and end at token boundaries; `replacement` as in re.sub."""
    return re.compile(r"(?<= )(?:" + pattern + r")(?= )"), replacement


def rewrite(tokens: list[str], rules) -> list[str]:
    """Apply phrase rules in order to a token list (see `rule`)."""
    s = " " + " ".join(tokens) + " "
    for pattern, replacement in rules:
        s = pattern.sub(replacement, s)
        s = re.sub("  +", " ", s)
    return s.split()


def alternatives(words) -> str:
    """A regex group matching any of the phrases, longest first."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def words_in(rules) -> set[str]:
    """The words phrase rules mention: a parser knows them (they are not 'unknown words'), but
    outside the phrases that read them they are refused by `check_read`."""
    out = set()
    for pattern, _ in rules:
        source = re.sub(r"\\[a-zA-Z]|\(\?[:=!<]+|\[[^]]*\]|\{[^}]*\}", " ", pattern.pattern)
        source = re.sub(r"\\(.)", r"\1", source)
        out |= set(re.findall(r"[a-z]+(?:-[a-z]+)*", source))
    return out


CLOCKWISE = ("clockwise", "cw", "clock-wise")
COUNTERCLOCKWISE = ("counterclockwise", "counter-clockwise", "anticlockwise", "anti-clockwise", "ccw",
                    "counter clockwise", "anti clockwise")
_SIDE = r"(?:to the |towards the |toward the |to )?"


def _turn_mark(side: str) -> str:
    return "@cw" if side == "right" else "@ccw"


TURN_RULES = [
    rule(r"(?:a |1 )?quarter(?: of a)? turn|(?:a |1 )?quarter-turn", "90 degrees"),
    rule(r"(?:a |1 )?half(?: a)? turn|(?:a |1 )?half-turn", "180 degrees"),
    rule(r"(?:3 quarters (?:of a )?|(?:a )?three-quarter )turn", "270 degrees"),
    rule(r"(?:a |1 )?full (?:turn|circle|rotation)", "360 degrees"),
    rule(r"(\d+) (?:degrees|degree|deg|degs)", r"@deg:\1"),
    rule(r"(@deg:\d+) " + _SIDE + r"(right|left)(?:wards?)?", lambda m: f"{m.group(1)} {_turn_mark(m.group(2))}"),
    rule(_SIDE + r"(right|left)(?:wards?)? (?:by |through )?(@deg:\d+)",
         lambda m: f"{_turn_mark(m.group(1))} {m.group(2)}"),
    rule(alternatives(COUNTERCLOCKWISE), "@ccw"), rule(alternatives(CLOCKWISE), "@cw"),
    rule(r"in an? (@c?cw) (?:direction|sense|manner)", r"\1"),
    rule(r"(\d+) (@c?cw)", r"@deg:\1 \2"),  # 'rotated 90 clockwise'
]
"""Turns however said: '@deg:N' for the amount, '@cw' / '@ccw' for the direction ('to the right'
and 'to the left' only next to an amount, where they cannot mean a place)."""
ROTATION_VERBS = {"rotated", "rotate", "rotating", "rotation", "turned", "turn", "turning", "spun", "spin",
                  "spinning", "tilted", "tilt", "tilting", "twisted", "twist", "twisting", "revolved", "revolve"}


def read_number(tok: str, phrase: str) -> int:
    """A number written in digits or as an English word."""
    if tok.isdigit():
        return int(tok)
    if tok in NUMBER_WORDS:
        return NUMBER_WORDS[tok]
    raise ParseError(f"expected a number but found {tok!r} in {phrase!r}")


_PUNCTUATION = {",", ".", ";", "(", ")"}


def unknown_words(tokens: list[str], vocabulary: set[str]) -> list[str]:
    """Words outside the vocabulary, in order of first appearance (whole numbers always pass)."""
    seen, out = set(), []
    for t in tokens:
        if t.isdigit() or t in _PUNCTUATION or t in vocabulary or t in seen:
            continue
        seen.add(t)
        out.append(t)
    return out


def check_vocabulary(tokens: list[str], vocabulary: set[str], family: str) -> None:
    bad = unknown_words(tokens, vocabulary)
    if bad:
        raise ParseError(f"{family}: unknown word(s) {', '.join(repr(w) for w in bad)}")


def leftovers(tokens: list[str], allowed: set[str]) -> list[str]:
    """Tokens a parser has not read: neither a marker ('@...'), punctuation nor an allowed word."""
    return [t for t in tokens if not t.startswith("@") and t not in _PUNCTUATION and t not in allowed]


def check_read(tokens: list[str], allowed: set[str], family: str, phrase: str) -> None:
    """Refuse a sentence with known words in a place the parser does not understand, naming them
    as the phrases they stand in ('to the right of')."""
    bad = [i for i, t in enumerate(tokens) if not t.startswith("@") and t not in _PUNCTUATION and t not in allowed]
    if not bad:
        return
    spans, start = [], bad[0]
    for a, b in zip(bad, bad[1:] + [None]):
        gap = tokens[a + 1:b] if b is not None else []
        if b is None or b - a > 3 or any(t.startswith("@") or t in _PUNCTUATION for t in gap):
            spans.append(" ".join(tokens[start:a + 1]))
            start = b
    words = ", ".join(repr(w) for w in dict.fromkeys(spans))
    raise ParseError(f"{family}: cannot read {words} in {phrase!r}")


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
