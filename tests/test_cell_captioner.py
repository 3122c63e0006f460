"""The rooms cell captioner: its targets say every room exactly, it trains, saves and loads
through load_captioner, and refuses what it cannot do."""
import numpy as np
import pytest
import torch

from imagery_agent.perception.captioner import load_captioner
from imagery_agent.perception.cell_captioner import HEADS, IGNORE, KINDS, CellCaptioner, CellNet, cell_targets
from imagery_agent.perception.room_reader import Cell, room_from_cells
from imagery_agent.scenes import rooms
from imagery_agent.training import train_cell_captioner
from imagery_agent.training.common import CellCaptionerConfig

TINY = {"family": "rooms", "image_size": 32, "width": 16, "batch_size": 4, "learning_rate": 0.002,
        "warmup_steps": 1, "max_steps": 3, "augment": 1.0, "log_every": 1, "eval_every": 3, "eval_scenes": 4,
        "checkpoint_every": 3}


def _cells(t, heads=HEADS):
    """The cells a set of targets names (what a perfect network would read)."""
    from imagery_agent.perception.cell_captioner import COLOUR_NAMES
    n = t["kind"].shape[0]
    out = []
    for r in range(n):
        row = []
        for c in range(n):
            kind = KINDS[t["kind"][r, c]]
            colour = COLOUR_NAMES[t["colour"][r, c]] if t["colour"][r, c] != IGNORE else None
            state = rooms.DOOR_STATES[t["state"][r, c]] if t["state"][r, c] != IGNORE else None
            heading = rooms.HEADINGS[t["heading"][r, c]] if t["heading"][r, c] != IGNORE else None
            row.append(Cell(kind, colour, state, heading))
        out.append(row)
    return out


def test_cell_targets_make_the_room_again():
    rng = np.random.default_rng(0)
    for _ in range(50):
        r = rooms.sample(rng)
        assert room_from_cells(_cells(cell_targets(r))) == r


def test_colour_is_read_apart_from_shape():
    """The kind, state and heading heads see the picture's ink only: recolouring a picture's
    objects leaves them unchanged."""
    net = CellNet(16).eval()
    r = rooms.Room(6, 6, (1, 1), "east", (rooms.Thing("key", 3, 3, "red"), rooms.Thing("ball", 4, 2, "green")))
    recoloured = rooms.Room(6, 6, (1, 1), "east", (rooms.Thing("key", 3, 3, "yellow"), rooms.Thing("ball", 4, 2, "blue")))
    from imagery_agent.perception.images import to_pixel_values
    with torch.no_grad():
        a, b = (net(to_pixel_values([rooms.render(room, 32)], 32)) for room in (r, recoloured))
    assert torch.allclose(a["kind"], b["kind"], atol=1e-4) and not torch.allclose(a["colour"], b["colour"])


def test_tiny_cell_captioner_trains_saves_loads_and_refuses(tmp_path):
    out = train_cell_captioner.train(CellCaptionerConfig.from_dict(TINY), tmp_path / "run", quiet=True)
    assert (tmp_path / "run" / "metrics.csv").exists()
    cap = load_captioner("rooms", out)
    assert isinstance(cap, CellCaptioner)
    image = rooms.render(rooms.sample(np.random.default_rng(1)), 32)
    again = CellCaptioner.from_pretrained(out)
    assert again.read([image])[0].text == cap.read([image])[0].text
    with pytest.raises(ValueError, match="greedy"):
        cap.caption([image], "beam", n=2)
    with pytest.raises(ValueError, match="wrong image size"):
        cap.read([np.zeros((64, 64, 3), np.uint8)])
    assert not cap.read([np.zeros((32, 32, 3), np.uint8)])[0].ok  # no room in a black picture: said, not guessed


def test_imagined_pool_keeps_only_pictures_read_as_their_words():
    from imagery_agent.perception.room_reader import read_room
    cfg = CellCaptionerConfig.from_dict(dict(TINY, imagined_fraction=0.5, imagined_pool=12))
    pool = train_cell_captioner.imagined_pool(cfg)
    assert 0 < len(pool) <= 12 and all(read_room(picture) == room for room, picture in pool)
    x, targets = train_cell_captioner.make_batch(cfg, np.random.default_rng(0), torch.Generator().manual_seed(0), pool)
    assert x.shape == (4, 3, 32, 32) and targets["kind"].shape == (4, 8, 8)


def test_shipped_cell_captioner_reranks_samples_by_reading_them():
    r = rooms.sample(np.random.default_rng(3))
    wrong = rooms.Room(r.width, r.height, r.agent, r.heading, (), r.walls)  # every object missing
    images = [rooms.render(wrong, 32), rooms.render(r, 32)]
    assert load_captioner("rooms").rerank(rooms.canonical(r), images)[0] == 1


def test_a_room_is_read_with_one_agent_and_at_most_one_goal():
    """Cell by cell, two cells may look most like a goal and none most like the agent; read as one
    room, the likeliest goal stays, the other takes its next kind, and the agent stands where it
    is likeliest."""
    from imagery_agent.perception.cell_captioner import one_of_each
    goal, agent, floor, box = (KINDS.index(k) for k in ("goal", "agent", "floor", "box"))
    lp = torch.full((1, len(KINDS), 2, 3), -9.0)
    lp[0, floor] = -1.0
    lp[0, goal, 0, 0], lp[0, goal, 1, 2] = -0.1, -0.2   # two goal-like cells
    lp[0, box, 1, 2] = -0.5                              # the weaker one is next most like a box
    lp[0, agent, 0, 1] = -2.0                            # no cell's best guess is the agent
    kinds = one_of_each(lp)[0]
    assert kinds[0, 0] == goal and kinds[1, 2] == box and kinds[0, 1] == agent
    assert (kinds == goal).sum() == 1 and (kinds == agent).sum() == 1
    lp[0, goal] = -9.0
    assert (one_of_each(lp)[0] == goal).sum() == 0  # no goal seen: none is made up


def test_the_goal_is_not_made_up_where_the_agent_takes_the_one_goal_cell():
    """The clear goal cell is also the agent's likeliest; no other cell looks like a goal."""
    from imagery_agent.perception.cell_captioner import one_of_each
    goal, agent, floor = (KINDS.index(k) for k in ("goal", "agent", "floor"))
    lp = torch.full((1, len(KINDS), 1, 3), -9.0)
    lp[0, floor] = -1.0
    lp[0, goal, 0, 0], lp[0, goal, 0, 2] = -0.05, -8.0
    lp[0, agent, 0, 0], lp[0, agent, 0, 1] = -3.0, -3.5
    kinds = one_of_each(lp)[0, 0].tolist()
    assert kinds == [goal, agent, floor]  # the goal stays, the agent takes its next cell
    lp[0, agent, 0, 1] = -20.0  # nowhere else looks like the agent: it stands on the goal's cell, no goal made up
    assert one_of_each(lp)[0, 0].tolist() == [agent, floor, floor]
