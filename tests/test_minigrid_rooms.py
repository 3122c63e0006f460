"""MiniGrid and BabyAI states read into rooms, said in words, drawn, and stepped by our rules.

The step tests are the check that `room_actions` is MiniGrid's: every action taken in the real env
must give the Room that `room_actions.step` imagines from the Room before it.
"""
from __future__ import annotations

import warnings
from collections import deque

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from minigrid.core.constants import COLORS
from minigrid.core.world_object import Ball, Box, Door, Goal, Key, Lava

from environments.minigrid_rooms import (CHARSET, MiniGridWords, UnsupportedState, describe_minigrid,
                                         make_minigrid, room_from_minigrid, wall_segments)
from imagery_agent.scenes import room_actions, rooms
from imagery_agent.scenes.errors import SceneError
from imagery_agent.scenes.room_actions import ACTIONS
from imagery_agent.scenes.rooms import HEADINGS, WallSegment

ENVS = ["BabyAI-GoToRedBall-v0", "BabyAI-GoToLocal-v0", "BabyAI-GoToObj-v0", "BabyAI-PickupLoc-v0",
        "MiniGrid-DoorKey-8x8-v0", "MiniGrid-DoorKey-5x5-v0"]
SEEDS = range(6)


def reset(env_id: str, seed: int) -> gym.Env:
    env = gym.make(env_id)
    env.reset(seed=seed)
    return env


def check_matches_grid(env: gym.Env, room: rooms.Room) -> None:
    """The Room holds MiniGrid's grid cell by cell: walls, objects, agent, heading, carried object."""
    u = env.unwrapped
    assert (room.width, room.height) == (u.grid.width, u.grid.height)
    assert room.agent == tuple(int(v) for v in u.agent_pos) and HEADINGS.index(room.heading) == u.agent_dir
    cells = [(x, y, u.grid.get(x, y)) for y in range(u.grid.height) for x in range(u.grid.width)]
    assert room.wall_cells() == {(x, y) for x, y, o in cells if o is not None and o.type == "wall"}

    def state(o):
        return ("open" if o.is_open else "locked" if o.is_locked else "closed") if o.type == "door" else None

    expected = {(x, y): (o.type, None if o.type == "goal" else o.color, state(o))
                for x, y, o in cells if o is not None and o.type != "wall"}
    assert {(t.x, t.y): (t.kind, t.colour, t.state) for t in room.things} == expected
    carried = None if u.carrying is None else (u.carrying.type, u.carrying.color)
    assert (None if room.carrying is None else (room.carrying.kind, room.carrying.colour)) == carried


def check_picture(env: gym.Env, room: rooms.Room) -> None:
    """rooms.render draws MiniGrid's grid: each cell shows at a probe point the colour MiniGrid gives
    what stands there (walls grey, the goal green, objects and doors their colour, floor black)."""
    u = env.unwrapped
    cell = 32
    n = max(rooms.CANVAS_CELLS, room.width, room.height)
    img = rooms.render(room, cell * n)
    probes = {"goal": (0.5, 0.5), "ball": (0.5, 0.5), "key": (0.5, 0.3), "box": (0.5, 0.15),
              "locked": (0.3, 0.5), "closed": (0.06, 0.5), "open": (0.93, 0.5)}
    for y in range(room.height):
        for x in range(room.width):
            o = u.grid.get(x, y)
            if (x, y) == room.agent:
                px, want = (0.5, 0.5), rooms.AGENT
            elif o is None:
                px, want = (0.5, 0.5), rooms.FLOOR
            elif o.type == "wall":
                px, want = (0.5, 0.5), COLORS["grey"]
            else:
                kind = room_actions.thing_at(room, (x, y)).state or o.type
                px, want = probes[kind], COLORS[o.color]
            got = img[int((y + px[1]) * cell), int((x + px[0]) * cell)]
            assert np.abs(got.astype(int) - np.asarray(want)).max() <= 8, (x, y, o, got, want)


@pytest.mark.parametrize("env_id", ENVS)
def test_reads_says_and_draws_the_grid(env_id):
    for seed in SEEDS:
        env = reset(env_id, seed)
        room = room_from_minigrid(env)
        check_matches_grid(env, room)
        check_picture(env, room)
        assert rooms.parse(describe_minigrid(env)) == room
        assert rooms.parse(describe_minigrid(env, np.random.default_rng(seed))) == room


def plan(room: rooms.Room, reached, limit: int = 20000) -> list[str] | None:
    """The shortest actions (no drop, no done) after which `reached(room)`, by our rules; None
    when there are none."""
    seen, queue = {room: []}, deque([room])
    while queue and len(seen) < limit:
        r = queue.popleft()
        if reached(r):
            return seen[r]
        for a in ("left", "right", "forward", "pickup", "toggle"):
            nxt = room_actions.step(r, a)
            if nxt not in seen:
                seen[nxt] = seen[r] + [a]
                queue.append(nxt)
    return None


def act_and_compare(env: gym.Env, room: rooms.Room, actions) -> rooms.Room:
    """Take each action in the real env; our rules must predict the Room read afterwards."""
    for a in actions:
        i = ACTIONS.index(a)
        env.step(i)
        now = room_from_minigrid(env)
        assert room_actions.step(room, i) == now, (a, rooms.canonical(room), rooms.canonical(now))
        if now.carrying != room.carrying:  # 'You are carrying a red box.' reads back too
            assert rooms.parse(describe_minigrid(env)) == now
        room = now
    return room


def random_action(rng: np.random.Generator) -> str:
    return ACTIONS[int(rng.choice(7, p=[0.15, 0.15, 0.3, 0.12, 0.1, 0.13, 0.05]))]


@pytest.mark.parametrize("env_id", ENVS)
def test_our_rules_are_minigrids(env_id):
    rng = np.random.default_rng(1)
    for seed in SEEDS:
        env = reset(env_id, seed)
        room = room_from_minigrid(env)
        for _ in range(40):  # random walks: turns, bumps, pickups, drops, toggles of boxes and doors
            room = act_and_compare(env, room, [random_action(rng)])
        env = reset(env_id, seed)  # planned: pick up an object, drop it, open a door when there is one
        room = room_from_minigrid(env)
        room = act_and_compare(env, room, plan(room, lambda r: r.carrying is not None))
        if room.carrying.kind == "key" and any(t.kind == "door" for t in room.things):
            room = act_and_compare(env, room, plan(room, lambda r: any(t.state == "open" for t in r.things)))
            assert room.carrying is not None  # toggling keeps the key
        room = act_and_compare(env, room, ["left", "drop", "right", "drop", "right", "drop"])


def test_toggling_a_box_opens_it_away():
    """MiniGrid's Box.toggle puts the box's contents (here nothing) in its place."""
    env = reset("BabyAI-GoToLocal-v0", 1)
    room = room_from_minigrid(env)
    room = act_and_compare(env, room, plan(room, lambda r: getattr(
        room_actions.thing_at(r, room_actions.front(r)), "kind", None) == "box"))
    box = room_actions.thing_at(room, room_actions.front(room))
    room = act_and_compare(env, room, ["toggle"])
    assert box not in room.things


@pytest.mark.parametrize("env_id", ["MiniGrid-DoorKey-5x5-v0", "MiniGrid-DoorKey-8x8-v0"])
def test_doorkey_solved_by_our_rules_in_minigrid(env_id):
    """A plan made with our rules alone (key, door, through the doorway, onto the goal) does in
    MiniGrid what we imagined, step by step, and MiniGrid pays for it."""
    for seed in SEEDS:
        env = reset(env_id, seed)
        room = room_from_minigrid(env)
        actions = plan(room, lambda r: r.agent == r.goal)
        door = next(t for t in room.things if t.kind == "door")
        room = act_and_compare(env, room, actions[:-1])
        _, reward, terminated, _, _ = env.step(ACTIONS.index(actions[-1]))
        assert terminated and reward > 0 and room_actions.step(room, actions[-1]) == room_from_minigrid(env)
        assert room_actions.thing_at(room, (door.x, door.y)).state == "open" and room.carrying.kind == "key"


def facing(kind: str, carrying: bool):
    def reached(r: rooms.Room) -> bool:
        t = room_actions.thing_at(r, room_actions.front(r))
        return t is not None and t.kind == kind and (r.carrying is not None) == carrying
    return reached


def test_doors_lock_open_close_and_let_the_agent_stand_in_them():
    keyless = 0
    for seed in SEEDS:
        env = reset("MiniGrid-DoorKey-5x5-v0", seed)
        room = room_from_minigrid(env)
        to_door = plan(room, facing("door", carrying=False))  # None when the key blocks the way
        if to_door is not None:
            room = act_and_compare(env, room, to_door + ["toggle"])
            assert room_actions.thing_at(room, room_actions.front(room)).state == "locked"  # no key, no entry
            keyless += 1
        room = act_and_compare(env, room, plan(room, facing("door", carrying=True)))
        room = act_and_compare(env, room, ["toggle", "toggle"])  # opened, closed again
        assert room_actions.thing_at(room, room_actions.front(room)).state == "closed"
        check_picture(env, room)
        room = act_and_compare(env, room, ["toggle", "forward", "drop", "left", "left", "toggle"])
        door = room_actions.thing_at(room, room.agent)  # the agent stands in the open doorway
        assert door is not None and door.kind == "door" and door.state == "open"
        assert rooms.parse(describe_minigrid(env)) == room
        check_matches_grid(env, room)
        check_picture(env, room)
    assert keyless >= 2


def one_line(e: pytest.ExceptionInfo) -> str:
    """The message is one line, and no exception from deep inside is chained to it."""
    msg = str(e.value)
    assert "\n" not in msg and e.value.__cause__ is None
    assert e.value.__suppress_context__ or e.value.__context__ is None
    return msg


@pytest.mark.parametrize("env_id, words", [
    ("MiniGrid-LavaCrossingS9N1-v0", "MiniGrid-LavaCrossingS9N1-v0: the rooms family has no 'lava' (at column "),
    ("BabyAI-UnlockLocal-v0", "BabyAI-UnlockLocal-v0: the grid is 22 by 22; a room of the rooms family is 5 to 12"),
    ("MiniGrid-DoorKey-16x16-v0", "the grid is 16 by 16"),
])
def test_environments_the_family_cannot_say(env_id, words):
    env = reset(env_id, 0)
    with pytest.raises(UnsupportedState) as e:
        room_from_minigrid(env)
    assert words in one_line(e)
    with pytest.raises(UnsupportedState):
        make_minigrid(env_id).reset(seed=0)


@pytest.mark.parametrize("edit, words", [
    (lambda u: u.grid.set(0, 3, Door("red")), "there is a closed red door in it at column 0, row 3"),
    (lambda u: (u.grid.set(1, 1, Goal()), u.grid.set(3, 1, Goal())), "there are 3 goals (at column 1, row 1; "),
    (lambda u: u.grid.set(2, 2, Box("blue", Key("red"))), "the blue box at column 2, row 2 holds a red key"),
    (lambda u: setattr(u, "carrying", Box("green", Ball("red"))), "the green box the agent carries holds a red ball"),
    (lambda u: u.grid.set(2, 2, Lava()), "the rooms family has no 'lava' (at column 2, row 2)"),
    (lambda u: (u.grid.set(2, 1, Key("red")), setattr(u, "agent_pos", (2, 1))),
     "the agent stands on the red key at column 2, row 1, which a room of the rooms family refuses"),
])
def test_states_the_family_cannot_say(edit, words):
    env = reset("MiniGrid-Empty-6x6-v0", 0)
    edit(env.unwrapped)
    with pytest.raises(UnsupportedState) as e:
        room_from_minigrid(env)
    msg = one_line(e)
    assert msg.startswith("MiniGrid-Empty-6x6-v0: ") and words in msg


def test_a_state_before_reset_is_refused():
    assert issubclass(UnsupportedState, SceneError)
    with pytest.raises(UnsupportedState, match="reset it first"):
        room_from_minigrid(gym.make("MiniGrid-Empty-6x6-v0"))


def test_walls_are_cut_into_straight_segments():
    # a T: a vertical wall down column 3 and a horizontal wall along row 2 meeting it, and a lone cell
    cells = {(3, y) for y in range(1, 6)} | {(x, 2) for x in range(1, 7)} | {(6, 5)}
    segs = wall_segments(cells)
    assert sorted(segs) == sorted([WallSegment(3, 1, 3, 5), WallSegment(1, 2, 2, 2), WallSegment(4, 2, 6, 2),
                                   WallSegment(6, 5, 6, 5)])
    assert set().union(*(s.cells() for s in segs)) == cells


def test_wrapper_observations_are_in_its_space():
    env = make_minigrid("MiniGrid-DoorKey-8x8-v0", image=True)
    assert isinstance(env, MiniGridWords) and env.room is None
    assert env.action_space == env.unwrapped.action_space
    obs, _ = env.reset(seed=3)
    assert env.observation_space.contains(obs) and obs["image"].shape == (32, 32, 3)
    assert obs["description"] == describe_minigrid(env) and env.room == room_from_minigrid(env)
    assert np.array_equal(obs["image"], rooms.render(env.room, 32))
    assert obs["mission"] == "use the key to open the door and then get to the goal"
    room = env.room
    for a in plan(room, lambda r: r.carrying is not None):
        obs, reward, terminated, truncated, _ = env.step(ACTIONS.index(a))
        assert env.observation_space.contains(obs) and reward == 0 and not terminated
    assert "You are carrying a yellow key." in obs["description"]
    assert rooms.parse(obs["description"]) == env.room and env.room.carrying is not None


def test_the_wrapper_passes_minigrids_reward_on_the_goal():
    env = make_minigrid("MiniGrid-Empty-5x5-v0")
    env.reset(seed=0)
    for a in plan(env.room, lambda r: room_actions.front(r) == r.goal):
        env.step(ACTIONS.index(a))
    obs, reward, terminated, _, _ = env.step(ACTIONS.index("forward"))
    assert terminated and reward > 0 and env.room.agent == env.room.goal
    assert obs["description"].startswith("The room is 5 by 5. You are at column 3, row 3, facing ")


@pytest.mark.parametrize("env_id", ["BabyAI-GoToRedBall-v0", "BabyAI-PickupLoc-v0"])
def test_gymnasium_env_checker(env_id):
    env = make_minigrid(env_id, image=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # that the env is wrapped, and MiniGrid's own warnings
        check_env(env, skip_render_check=True)


def test_text_space_takes_every_wording():
    space = gym.spaces.Text(2000, charset=CHARSET)
    assert not gym.spaces.Text(2000).contains("The room is 8 by 8.")  # gymnasium's default charset has no space
    rng = np.random.default_rng(0)
    for _ in range(30):
        room = rooms.sample(rng, max_size=rooms.MAX_SIZE)
        assert space.contains(rooms.canonical(room)) and space.contains(rooms.describe(room, rng))
    assert space.contains("Pick up the red ball, then open a door (it's locked); go!")


def test_a_description_longer_than_the_space_is_refused():
    env = MiniGridWords(gym.make("BabyAI-GoToLocal-v0"), max_length=60)
    with pytest.raises(UnsupportedState, match=r"^BabyAI-GoToLocal-v0: the description has \d+ characters \(at most 60"):
        env.reset(seed=0)


def test_unknown_environment_is_named():
    with pytest.raises(ValueError) as e:
        make_minigrid("BabyAI-GoToRedBal-v0")
    assert "\n" not in str(e.value) and "'BabyAI-GoToRedBal-v0'" in str(e.value)
    assert "BabyAI-GoToRedBall-v0" in str(e.value)
