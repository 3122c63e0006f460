"""imagery/Reinterpretation-v0: one episode is one item of Finke, Pinker & Farah (1989).

reset() gives an item's spoken instructions ('Imagine a capital D. Rotate it 90 degrees to the
left. Now put a capital J underneath it so that they touch.'); the agent answers with the name
of an everyday object (an index into the lexicon) and its response time. The reward is 1 when the
name is the item's intended object or one of its alternatives. info holds the answers, for the
experimenter only.

Items come from a file (`read_items`): instruction lines, then `answer: name[, alternative ...]`;
items are separated by a blank line and lines starting with '#' are comments. Without a file the
built-in items (`environments/data/reinterpretation_items.txt`) are used.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from imagery_agent.scenes import get_family
from imagery_agent.scenes.errors import ParseError, SceneError
from imagery_agent.scenes.lexicon import LEXICON

BUILTIN_ITEMS = Path(__file__).parent / "data" / "reinterpretation_items.txt"
CHARSET = string.ascii_letters + string.digits + " ,.;:-'\"()!?"
MAX_TEXT = 2000


@dataclass(frozen=True)
class Item:
    instructions: str              # the instruction lines, joined into one text
    answers: tuple[str, ...]       # the intended object first, then accepted alternatives
    line: int                      # where the item starts in its file (1-based)
    lines: tuple[str, ...] = ()    # the instruction lines as written
    error: str | None = None       # why the instructions cannot be read (read_items(skip_unreadable=True))

    @property
    def answer(self) -> str:
        return self.answers[0]


_TYPOGRAPHY = {"°": " degrees", "’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\t": " "}


def _sentence(line: str, n: int, where: str) -> str:
    """An instruction line as the environment says it: typography made plain ('90°', curly quotes),
    ended with a full stop; a character the observation space does not hold is refused by line."""
    for a, b in _TYPOGRAPHY.items():
        line = line.replace(a, b)
    line = line.strip()
    odd = sorted({c for c in line if c not in CHARSET})
    if odd:
        raise ParseError(f"{where}, line {n}: character(s) {' '.join(map(repr, odd))} cannot be read")
    return line if line[-1:] in ".!?" else line + "."


def read_items(source: str | Path | None = None, *, check: bool = True, skip_unreadable: bool = False) -> list[Item]:
    """Items from a file path (or the file's text when `source` holds newlines); the built-in
    items when None. Every answer must be a lexicon name and, with `check`, every item's
    instructions must read; what does not is refused with its line number (with
    `skip_unreadable`, the item is kept with its `error` instead, for a run that counts it a miss)."""
    if source is None:
        source = BUILTIN_ITEMS
    if isinstance(source, Path) or "\n" not in str(source):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"no item file at {path}")
        text, where = path.read_text(), str(path)
    else:
        text, where = str(source), "items"
    items, block, start = [], [], None
    for n, raw in enumerate(text.splitlines() + [""], start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if block:
                raise ParseError(f"{where}, line {start}: the item has no 'answer:' line")
            continue
        if line.lower().startswith("answer:"):
            if not block:
                raise ParseError(f"{where}, line {n}: an answer with no instructions before it")
            names = tuple(a.strip().lower() for a in line.split(":", 1)[1].split(",") if a.strip())
            if not names:
                raise ParseError(f"{where}, line {n}: 'answer:' names no object")
            unknown = [a for a in names if a not in LEXICON]
            if unknown:
                raise ParseError(f"{where}, line {n}: unknown object {unknown[0]!r}; the lexicon knows: "
                                 f"{', '.join(LEXICON)}")
            item = Item(" ".join(_sentence(b, k, where) for k, b in block), names, start, tuple(b for _, b in block))
            if check:
                try:
                    _check_item(item, block, where)
                except ParseError as e:
                    if not skip_unreadable:
                        raise
                    item = Item(item.instructions, item.answers, item.line, item.lines, str(e))
            items.append(item)
            block, start = [], None
            continue
        if start is None:
            start = n
        block.append((n, line))
    if not items:
        raise ParseError(f"{where}: no items (instruction lines followed by 'answer: name')")
    return items


def _check_item(item: Item, block: list[tuple[int, str]], where: str) -> None:
    """Read the instructions; an error names the line that holds the phrase it could not read."""
    try:
        get_family("compositions").parse(item.instructions)
    except ParseError as e:
        message = str(e).removeprefix("compositions: ")
        n = next((n for n, line in block if _quoted(message) and _quoted(message) in _words(line)), item.line)
        raise ParseError(f"{where}, line {n}: {message}") from None


def _quoted(message: str) -> str:
    """The phrase a parser error quotes ('...'), in plain words."""
    parts = message.split("'")
    return _words(parts[1]) if len(parts) >= 3 else ""


def _words(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


class ReinterpretationEnv(gym.Env):
    metadata = {"render_modes": [], "render_fps": 1}

    def __init__(self, items: str | Path | None = None, render_mode: str | None = None,
                 skip_unreadable: bool = False):
        if render_mode is not None:
            raise ValueError(f"render_mode must be None, got {render_mode!r}")
        self.items = read_items(items, skip_unreadable=skip_unreadable)
        self.names = LEXICON
        self.observation_space = spaces.Dict({
            "instructions": spaces.Text(max_length=MAX_TEXT, min_length=1, charset=CHARSET)})
        self.action_space = spaces.Dict({
            "name": spaces.Discrete(len(self.names)),
            "time_ms": spaces.Box(0.0, 1e7, shape=(1,), dtype=np.float32)})
        self._item = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """A random item, or the one `options={"item": index}` fixes."""
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"item"}
        if unknown:
            raise ValueError(f"unknown reset option(s) {', '.join(sorted(unknown))}; use item")
        k = options.get("item", int(self.np_random.integers(len(self.items))))
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < len(self.items):
            raise ValueError(f"reset option item must be an index from 0 to {len(self.items) - 1}, got {k!r}")
        self._item = self.items[int(k)]
        return {"instructions": self._item.instructions}, self._info(int(k))

    def _info(self, k: int | None = None) -> dict:
        return {"item": self.items.index(self._item) if k is None else k, "answers": self._item.answers,
                "line": self._item.line}

    def step(self, action):
        if self._item is None:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in the action space {self.action_space}")
        name = self.names[int(action["name"])]
        hit = name in self._item.answers
        info = {**self._info(), "response": name, "hit": hit,
                "time_ms": float(np.asarray(action["time_ms"]).ravel()[0])}
        return {"instructions": self._item.instructions}, float(hit), True, False, info


def respond(agent, observation: dict):
    """(action, the agent's Interpretation): the agent builds its image and names it."""
    result = agent.run(observation["instructions"])
    if result.answer not in LEXICON:
        raise SceneError(f"the agent answered {result.answer!r}, which is not a lexicon name")
    action = {"name": LEXICON.index(result.answer), "time_ms": np.array([result.clock.ms], dtype=np.float32)}
    return action, result
