"""The rooms captioner: a small convolutional network reads every cell's facts apart (what is
there, its colour, a door's state, the agent's heading; one classifier head each), and the family's
canonical words say the room those cells make.

Why not the language-model captioner of islands: trained on the training split, it never says a
colour-object pair it never said ("yellow key" came out "grey ball"; 0.44 of held-out rooms said
exactly). Read apart, an unseen pair is two facts each seen many times. The picture is drawn on
a fixed grid of 4-pixel cells (`rooms.CANVAS_CELLS` across), so the network ends in one output per
cell; the cells become a room as the template reader makes them (`room_reader.room_from_cells`).
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from ..backbones.tokenizer import build_tokenizer
from ..scenes import get_family, rooms
from ..scenes.rooms import COLOURS, DOOR_STATES, HEADINGS, ITEMS, Room
from .captioner import Caption, rerank_by_reading
from .images import to_pixel_values
from .room_reader import Cell, RoomReadError, room_from_cells
from .saved import SavedModel

KINDS = ("outside", "floor", "wall", "goal", "agent") + ITEMS + ("door",)
COLOUR_NAMES = tuple(COLOURS)
HEADS = {"kind": KINDS, "colour": COLOUR_NAMES, "state": DOOR_STATES, "heading": HEADINGS}
"""One classifier per fact; colour is asked only of keys, balls, boxes and doors, state only of
doors, heading only of the agent."""
IGNORE = -100


class CellNet(nn.Module):
    """Pixels -> per-cell logits of each head, in two branches that cannot mix shape and colour.
    Shape (kind, door state, heading): each pixel's brightness relative to the brightest in its
    cell (at least 0.3 of full: grid lines on the floor stay dim), so a grey door and a red one
    draw the same pattern; two convolutions at full resolution, one that folds each 4 x 4 cell
    into a vector, two over the grid of cells (what a cell is depends on its neighbours: outside
    the room or on its floor). Colour: each cell's mean colour over its ink, through a small
    per-cell network. Tried and dropped: one network over the colour pixels (it learnt that
    yellow things are balls: a yellow key, never seen, was read as a ball; 0.185 of validation
    rooms exact); shape from a soft ink mask (a grey door is dimmer than the doors seen in
    training and was read as a wall; 0.785); from sharp ink thresholds (the locked door's faint
    slot and a ball's round edge were lost; 0.55)."""

    FLOOR_OF_BRIGHTNESS, INK_LEVEL = 0.3, 0.3

    def __init__(self, width: int = 64, cell_pixels: int = 4):
        super().__init__()
        w, self.cell_pixels = width, cell_pixels
        self.pixels = nn.Sequential(nn.Conv2d(1, w // 2, 3, padding=1), nn.GELU(),
                                    nn.Conv2d(w // 2, w // 2, 3, padding=1), nn.GELU())
        self.fold = nn.Conv2d(w // 2, w, cell_pixels, stride=cell_pixels)
        self.grid = nn.Sequential(nn.GELU(), nn.Conv2d(w, w, 3, padding=1), nn.GELU(),
                                  nn.Conv2d(w, w, 3, padding=1), nn.GELU())
        self.colour = nn.Sequential(nn.Conv2d(3, w, 1), nn.GELU(), nn.Conv2d(w, w, 1), nn.GELU())
        self.heads = nn.ModuleDict({name: nn.Conv2d(w + (name != "colour"), len(classes), 1)
                                    for name, classes in HEADS.items()})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        p = self.cell_pixels
        rgb = (x + 1) / 2  # [-1, 1] -> [0, 1]
        bright = rgb.amax(1, keepdim=True)
        cell_max = F.interpolate(F.max_pool2d(bright, p), scale_factor=p, mode="nearest")
        relative = bright / cell_max.clamp(min=self.FLOOR_OF_BRIGHTNESS)
        ink = torch.sigmoid(20 * (bright - self.INK_LEVEL))
        mean_colour = F.avg_pool2d(rgb * ink, p) / F.avg_pool2d(ink, p).clamp(min=1e-3)
        # whether the cell's ink is grey or coloured (any hue alike): walls are grey, a locked
        # door is not, and in an imagined picture the door's faint slot is often lost
        saturation = (mean_colour.amax(1, keepdim=True) - mean_colour.amin(1, keepdim=True)) / \
            mean_colour.amax(1, keepdim=True).clamp(min=0.1)
        shape = torch.cat([self.grid(self.fold(self.pixels(relative))), saturation], 1)
        colour = self.colour(mean_colour)
        return {name: head(colour if name == "colour" else shape) for name, head in self.heads.items()}


def cell_targets(room: Room, cells: int = rooms.CANVAS_CELLS) -> dict[str, torch.Tensor]:
    """(cells, cells) class indices of each head for a room (IGNORE where a fact does not apply)."""
    t = {name: torch.full((cells, cells), IGNORE, dtype=torch.long) for name in HEADS}
    t["kind"].fill_(KINDS.index("outside"))
    walls = room.wall_cells()
    for x in range(room.width):
        for y in range(room.height):
            t["kind"][y, x] = KINDS.index("wall" if (x, y) in walls else "floor")
    for thing in room.things:
        t["kind"][thing.y, thing.x] = KINDS.index(thing.kind)
        if thing.colour is not None:
            t["colour"][thing.y, thing.x] = COLOUR_NAMES.index(thing.colour)
        if thing.state is not None:
            t["state"][thing.y, thing.x] = DOOR_STATES.index(thing.state)
    ax, ay = room.agent
    t["kind"][ay, ax] = KINDS.index("agent")  # drawn on top of whatever it stands on
    t["colour"][ay, ax] = t["state"][ay, ax] = IGNORE
    t["heading"][ay, ax] = HEADINGS.index(room.heading)
    return t


SINGLE = (KINDS.index("agent"), KINDS.index("goal"))
"""Kinds a room holds once: one agent, and at most one goal."""


def one_of_each(log_probs: torch.Tensor) -> torch.Tensor:
    """The kind of each cell (B, rows, cols) from its log-probabilities (B, kinds, rows, cols),
    read as one room rather than cell by cell: the agent stands in the one cell likeliest to hold
    it (even where no cell's best guess is the agent), a goal only where some cell's best guess is
    the goal (the likeliest such cell; when that is the agent's cell too, whichever of the two
    readings is likelier), and every other cell takes its likeliest other kind. On the VAE's
    pictures a dim green box read as a goal made 12 of 200 validation rooms unsayable."""
    agent, goal = SINGLE
    others = log_probs.clone()
    others[:, list(SINGLE)] = -torch.inf
    best_other, second = others.amax(1).flatten(1), others.argmax(1).flatten(1)
    kinds = log_probs.argmax(1).flatten(1)          # (B, cells)
    agent_lp, goal_lp = log_probs[:, agent].flatten(1), log_probs[:, goal].flatten(1)
    for i in range(len(kinds)):
        goals = (kinds[i] == goal).nonzero().flatten().tolist()
        single = (kinds[i] == agent) | (kinds[i] == goal)
        kinds[i, single] = second[i, single]
        order = agent_lp[i].argsort(descending=True).tolist()
        a = order[0]
        g = max((c for c in goals if c != a), key=lambda c: float(goal_lp[i, c]), default=None)
        if g is None and goals == [a] and len(order) > 1:  # the one goal-like cell is the agent's likeliest
            a2 = order[1]  # the goal stays there and the agent takes its next cell, if that is likelier
            if goal_lp[i, a] + agent_lp[i, a2] > agent_lp[i, a] + best_other[i, a2]:
                a, g = a2, order[0]
        kinds[i, a] = agent
        if g is not None:
            kinds[i, g] = goal
    return kinds.view(log_probs.shape[0], *log_probs.shape[2:])


class CellCaptioner(SavedModel):
    """Reads room pictures into the rooms family's canonical words (greedy: each fact's most
    likely class). `read(images)` gives one `Caption` per image, with the room it says."""

    kind, folder_name, label = "cell_captioner", "captioner", "captioner"

    def __init__(self, model: CellNet, family: str = "rooms", image_size: int = 32, width: int = 64):
        if get_family(family).name != "rooms":
            raise ValueError(f"the cell captioner reads rooms, not {family!r}")
        self.model, self.family, self.image_size, self.width = model.eval(), "rooms", image_size, width
        self.tokenizer = build_tokenizer(get_family("rooms").vocabulary(), 8)  # kept for the saved-model format

    @classmethod
    def from_config(cls, cfg) -> "CellCaptioner":
        return cls(CellNet(cfg.width, cfg.image_size // rooms.CANVAS_CELLS), cfg.family, cfg.image_size, cfg.width)

    def _meta(self) -> dict:
        return {"image_size": self.image_size, "width": self.width}

    def _save_weights(self, folder: Path, dtype) -> None:
        save_file({k: v.detach().to(dtype).contiguous() for k, v in self.model.state_dict().items()},
                  folder / "model.safetensors")

    @classmethod
    def _load(cls, folder: Path, meta: dict, tokenizer) -> "CellCaptioner":
        model = CellNet(meta["width"], meta["image_size"] // rooms.CANVAS_CELLS)
        model.load_state_dict({k: v.float() for k, v in load_file(folder / "model.safetensors").items()})
        return cls(model, meta["family"], meta["image_size"], meta["width"])

    def loss(self, x: torch.Tensor, targets: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = self.model(x)
        return sum(F.cross_entropy(logits[name], targets[name], ignore_index=IGNORE) for name in HEADS
                   if (targets[name] != IGNORE).any())

    @torch.no_grad()
    def read(self, images, **kw) -> list[Caption]:
        """The caption of each image: its cells read, made into a room and said canonically (a
        picture that makes no valid room gets an empty caption and the reason)."""
        if kw:
            raise ValueError(f"the cell captioner reads greedily and takes no options, not {sorted(kw)}")
        logits = self.model(to_pixel_values(images, self.image_size))
        best = {name: v.argmax(1) for name, v in logits.items()}
        best["kind"] = one_of_each(F.log_softmax(logits["kind"], 1))
        confidence = F.log_softmax(logits["kind"], 1).gather(1, best["kind"][:, None]).sum((1, 2, 3))
        out = []
        for i in range(len(best["kind"])):
            grid = [[self._cell(best, i, r, c) for c in range(best["kind"].shape[2])]
                    for r in range(best["kind"].shape[1])]
            try:
                room = room_from_cells(grid)
                out.append(Caption(rooms.canonical(room), float(confidence[i]), room))
            except RoomReadError as e:
                out.append(Caption("", float(confidence[i]), None, str(e)))
        return out

    def caption(self, images, strategy: str = "greedy", n: int = 1, **kw) -> list[list[Caption]]:
        """`read`, as lists of one (the captioner API's n-best shape); only greedy reading exists."""
        if strategy != "greedy" or n != 1:
            raise ValueError(f"the cell captioner reads each cell's most likely facts: strategy 'greedy', n=1 "
                             f"(got {strategy!r}, n={n})")
        return [[c] for c in self.read(images, **kw)]

    def rerank(self, text: str, images) -> list[int]:
        """Several imagined samples of `text`, best first, by reading each back (as `Captioner.rerank`)."""
        return rerank_by_reading(self, text, images)

    @staticmethod
    def _cell(best: dict, i: int, r: int, c: int) -> Cell:
        kind = KINDS[best["kind"][i, r, c]]
        if kind == "agent":
            return Cell("agent", heading=HEADINGS[best["heading"][i, r, c]])
        if kind in ITEMS:
            return Cell(kind, COLOUR_NAMES[best["colour"][i, r, c]])
        if kind == "door":
            return Cell("door", COLOUR_NAMES[best["colour"][i, r, c]], DOOR_STATES[best["state"][i, r, c]])
        return Cell(kind)
