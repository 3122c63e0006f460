"""How well a room image shows its room: each object's kind, colour (and door state) and place,
read by nearest-template matching against renders.

For every object the image's cell is compared with renders of the same room in which that object
is swapped for each alternative (other kinds, colours, door states, or nothing at all): the object
counts as present with the right attributes when the true render's cell matches best. Its place
is the cell where the true render's cell content matches the image best.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..scenes import rooms
from ..scenes.agreement import TOLERANCE
from ..scenes.errors import SceneError


def _cell_box(room: rooms.Room, x: int, y: int, size: int) -> tuple[slice, slice]:
    c = size * rooms.cell_fraction(room)
    return slice(int(round(y * c)), int(round((y + 1) * c))), slice(int(round(x * c)), int(round((x + 1) * c)))


def _crop(image: np.ndarray, box) -> np.ndarray:
    return np.asarray(image, np.float32)[box[0], box[1]]


def _alternatives(room: rooms.Room, i: int) -> list[rooms.Room]:
    """The room with thing i replaced by each other valid object, and without it."""
    t = room.things[i]
    others = list(room.things[:i]) + list(room.things[i + 1:])
    if t.kind == "door":
        options = [dataclasses.replace(t, colour=c, state=s) for c in rooms.COLOURS for s in rooms.DOOR_STATES]
    elif t.kind == "goal":
        options = [rooms.Thing(k, t.x, t.y, c) for k in rooms.ITEMS for c in rooms.COLOURS]
    else:
        options = [rooms.Thing(k, t.x, t.y, c) for k in rooms.ITEMS for c in rooms.COLOURS]
        options.append(rooms.Thing("goal", t.x, t.y))
    out = []
    for o in options:
        if o == t:
            continue
        try:
            out.append(dataclasses.replace(room, things=tuple(others + [o])))
        except SceneError:
            continue  # e.g. a second goal
    if t.kind != "door":
        out.append(dataclasses.replace(room, things=tuple(others)))
    return out


def score_room(image: np.ndarray, room: rooms.Room) -> dict:
    size = np.asarray(image).shape[0]
    truth = rooms.render(room, size)
    present, placed, errors = [], [], []
    free_cells = [(x, y) for x in range(1, room.width - 1) for y in range(1, room.height - 1)]
    for i, t in enumerate(room.things):
        box = _cell_box(room, t.x, t.y, size)
        seen = _crop(image, box)
        d_true = float(((seen - _crop(truth, box)) ** 2).mean())
        d_alt = min(float(((seen - _crop(rooms.render(a, size), box)) ** 2).mean()) for a in _alternatives(room, i))
        present.append(d_true < d_alt)
        template = _crop(truth, box)
        best, best_d = (t.x, t.y), math.inf
        for x, y in [(t.x, t.y)] + free_cells:  # the true cell first: an exact tie is a match there
            crop = _crop(image, _cell_box(room, x, y, size))
            if crop.shape != template.shape:
                continue
            d = float(((crop - template) ** 2).mean())
            if d < best_d:
                best, best_d = (x, y), d
        err = math.hypot(best[0] - t.x, best[1] - t.y) / max(room.width, room.height)
        errors.append(err)
        placed.append(present[-1] and err <= TOLERANCE)
    unseen = [(t.colour, t.kind) in rooms.HELDOUT for t in room.things]
    pairs = [f"{t.colour} {t.kind}" if u else None for t, u in zip(room.things, unseen)]
    return {"present": present, "errors": errors, "placed": placed, "exact": all(placed), "unseen": unseen,
            "pairs": pairs}

