"""Reading a room picture back into a room: what stands in each cell, by nearest template.

A room is drawn on a fixed grid of cells (`rooms.CANVAS_CELLS` across for rooms up to 8 x 8), so
each cell's pixels can be compared with what every possible content looks like drawn alone in a
cell: floor, wall, the goal, the agent facing each way, each key, ball and box in each colour,
and each door in each colour and state, or nothing at all beyond the room. The nearest content
wins. The room's size is where the walls end; inner wall cells become straight segments. The
result is a `Room` (or a RoomReadError naming what the picture does not make into a valid room:
no agent, two goals, ...): the agent's occupancy map and its caption (`rooms.canonical`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..scenes import rooms
from ..scenes.errors import SceneError
from ..scenes.rooms import COLOURS, DOOR_STATES, HEADINGS, ITEMS, Room, Thing, WallSegment
from .images import pixels_of


class RoomReadError(SceneError):
    """The picture does not show a valid room (what is wrong is named)."""


@dataclass(frozen=True)
class Cell:
    """One cell's content: 'outside', 'floor', 'wall', 'goal', 'agent', an item or a door."""
    kind: str
    colour: str | None = None
    state: str | None = None
    heading: str | None = None


def _contents() -> list[Cell]:
    out = [Cell("outside"), Cell("floor"), Cell("wall"), Cell("goal")]
    out += [Cell("agent", heading=h) for h in HEADINGS]
    out += [Cell(k, c) for k in ITEMS for c in COLOURS]
    out += [Cell("door", c, s) for s in DOOR_STATES for c in COLOURS]
    return out


CONTENTS = tuple(_contents())
_PROBE = (3, 3)  # where a content is drawn to take its template: an inside cell of an 8 x 8 room


def _probe_room(cell: Cell) -> Room:
    x, y = _PROBE
    far = (1, 1)
    if cell.kind == "agent":
        return Room(8, 8, (x, y), cell.heading)
    if cell.kind in ("floor", "outside"):
        return Room(8, 8, far, "east")
    if cell.kind == "wall":
        return Room(8, 8, far, "east", (), (WallSegment(x, 1, x, 6),))
    if cell.kind == "door":
        return Room(8, 8, far, "east", (Thing("door", x, y, cell.colour, cell.state),), (WallSegment(x, 1, x, 6),))
    return Room(8, 8, far, "east", (Thing(cell.kind, x, y, cell.colour),))


@functools.lru_cache(maxsize=4)
def templates(size: int, cells: int) -> np.ndarray:
    """(contents, p, p, 3) float pixels of each content drawn in one cell, at `cells` cells across
    a `size`-pixel picture."""
    p = size // cells
    out = []
    for cell in CONTENTS:
        if cell.kind == "outside":
            out.append(np.zeros((p, p, 3), np.float32))
            continue
        room = _probe_room(cell)
        scale = max(cells, 8)
        big = rooms.render(room, size * 8 // scale) if scale != 8 else rooms.render(room, size)
        x, y = _PROBE
        out.append(big[y * p:(y + 1) * p, x * p:(x + 1) * p].astype(np.float32))
    return np.stack(out)


def read_cells(image, cells: int = rooms.CANVAS_CELLS) -> list[list[Cell]]:
    """The nearest content of every cell of the picture, row by row."""
    img = np.asarray(pixels_of(image))
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] != img.shape[1]:
        raise RoomReadError(f"a room picture is a square RGB image (size, size, 3), got shape {img.shape}")
    img = img.astype(np.float32)
    size = img.shape[0]
    if size % cells:
        raise RoomReadError(f"a {size}-pixel picture does not split into {cells} cells; use a multiple of {cells}")
    p = size // cells
    tpl = templates(size, cells)
    grid = img.reshape(cells, p, cells, p, 3).transpose(0, 2, 1, 3, 4)  # (row, col, p, p, 3)
    d = ((grid[:, :, None] - tpl[None, None]) ** 2).mean(axis=(3, 4, 5))  # (row, col, contents)
    best = d.argmin(-1)
    return [[CONTENTS[best[r, c]] for c in range(cells)] for r in range(cells)]


def _segments(cells: set[tuple[int, int]]) -> list[WallSegment]:
    """Inner wall cells as straight segments: vertical runs of two or more first, then the rest
    as horizontal runs (a lone cell is a one-cell segment)."""
    left, out = set(cells), []
    for x, y in sorted(cells):
        if (x, y) in left and (x, y + 1) in left and (x, y - 1) not in left:
            y1 = y
            while (x, y1 + 1) in left:
                y1 += 1
            out.append(WallSegment(x, y, x, y1))
            left -= {(x, v) for v in range(y, y1 + 1)}
    for y, x in sorted((y, x) for x, y in left):
        if (x, y) in left:
            x1 = x
            while (x1 + 1, y) in left:
                x1 += 1
            out.append(WallSegment(x, y, x1, y))
            left -= {(u, y) for u in range(x, x1 + 1)}
    return out


def read_room(image, cells: int = rooms.CANVAS_CELLS) -> Room:
    """The room a picture shows, read cell by cell."""
    return room_from_cells(read_cells(image, cells))


def room_from_cells(grid: list[list[Cell]]) -> Room:
    """The room a grid of cell contents (row by row) makes: its size where the outer walls run,
    inner walls as segments; RoomReadError when it makes no valid room."""
    cells = len(grid)
    walled = np.array([[cell.kind in ("wall", "door") for cell in row] for row in grid])
    cols = [c for c in range(cells) if walled[:, c].sum() >= rooms.MIN_SIZE]  # the outer walls run the
    rows = [r for r in range(cells) if walled[r, :].sum() >= rooms.MIN_SIZE]  # room's length or width
    if not cols or not rows:
        raise RoomReadError("the picture shows no room (no outer walls)")
    width, height = max(cols) + 1, max(rows) + 1
    if width < rooms.MIN_SIZE or height < rooms.MIN_SIZE:
        raise RoomReadError(f"the walls seen make a {width} by {height} room, smaller than {rooms.MIN_SIZE} by {rooms.MIN_SIZE}")
    agents, things, inner_walls = [], [], set()
    for r in range(height):
        for c in range(width):
            cell = grid[r][c]
            border = c in (0, width - 1) or r in (0, height - 1)
            if border:
                continue  # outer walls are the room's edge
            if cell.kind == "wall":
                inner_walls.add((c, r))
            elif cell.kind == "agent":
                agents.append((c, r, cell.heading))
            elif cell.kind == "goal":
                things.append(Thing("goal", c, r))
            elif cell.kind == "door":
                things.append(Thing("door", c, r, cell.colour, cell.state))
                inner_walls.add((c, r))
            elif cell.kind in ITEMS:
                things.append(Thing(cell.kind, c, r, cell.colour))
    if len(agents) != 1:
        raise RoomReadError(f"the picture shows {len(agents)} agents, not one")
    ax, ay, heading = agents[0]
    try:
        return Room(width, height, (ax, ay), heading, tuple(things), tuple(_segments(inner_walls)))
    except SceneError as e:
        raise RoomReadError(f"the picture does not make a valid room: {e}") from None
