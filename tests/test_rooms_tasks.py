import dataclasses
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import environments  # noqa: F401  (registers the environments)
from environments.rooms_tasks import (KEY_DOOR_MISSION, GridNavigationEnv, KeyDoorEnv, _shortest_length,
                                      _shortest_path, mission_test)
from imagery_agent.scenes import room_actions, rooms

ENVS = {"imagery/GridNavigation-v0": GridNavigationEnv, "imagery/KeyDoor-v0": KeyDoorEnv}


@pytest.mark.parametrize("env_id", ENVS)
def test_environments_pass_the_gymnasium_checker(env_id):
    env = gym.make(env_id, image=True)
    assert isinstance(env.unwrapped, ENVS[env_id])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker only warns about some faults
        check_env(env.unwrapped, skip_render_check=False)
    env = gym.make(env_id, render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    assert set(obs) == {"description", "mission"} and obs in env.observation_space
    assert env.render().shape == (64, 64, 3)


@pytest.mark.parametrize("cls", ENVS.values())
def test_seeding_is_reproducible(cls):
    a, b = cls(image=True), cls(image=True)
    for seed in (0, 1, 2):
        (oa, ia), (ob, ib) = a.reset(seed=seed), b.reset(seed=seed)
        assert oa["description"] == ob["description"] and ia["room"] == ib["room"]
        assert np.array_equal(oa["image"], ob["image"])
        assert np.array_equal(oa["image"], rooms.render(a.unwrapped.room, 32))
        for action in (2, 0, 2):
            sa, sb = a.step(action), b.step(action)
            assert sa[0]["description"] == sb[0]["description"] and sa[1:4] == sb[1:4]
    rooms_drawn = {a.reset(seed=s)[1]["room"] for s in range(10)}
    assert len(rooms_drawn) > 5


@pytest.mark.parametrize("cls", ENVS.values())
def test_descriptions_parse_back_to_the_true_room(cls):
    env = cls()
    for seed in range(5):
        obs, info = env.reset(seed=seed)
        path = _shortest_path(info["room"], mission_test(obs["mission"]))
        for action in path:
            assert rooms.parse(obs["description"]) == info["room"] == env.room
            obs, _, _, _, info = env.step(action)
        assert rooms.parse(obs["description"]) == info["room"]


@pytest.mark.parametrize("cls", ENVS.values())
def test_the_searched_shortest_path_solves_every_episode(cls):
    env, kinds = cls(), set()
    for seed in range(20):
        obs, info = env.reset(seed=seed)
        kinds.add(obs["mission"].split(" the ")[0])
        path = _shortest_path(info["room"], mission_test(obs["mission"]))
        assert len(path) == info["shortest"] > 0
        for i, action in enumerate(path):
            assert not info["success"]
            obs, reward, terminated, truncated, info = env.step(action)
            assert terminated == (i == len(path) - 1) and not truncated
        assert info["success"] and info["steps"] == info["shortest"]
        assert reward == pytest.approx(1 - 0.9 * len(path) / (4 * env.room.width * env.room.height)) and reward > 0
    if cls is GridNavigationEnv:
        assert kinds == {"get to", "go to"}  # both mission kinds are drawn
    else:
        assert kinds == {"use"}


def test_go_to_succeeds_by_facing_the_object():
    env = GridNavigationEnv(mission_kinds=["object"], size=7)
    obs, info = env.reset(seed=4)
    colour, kind = obs["mission"].split()[-2:]
    path = _shortest_path(info["room"], mission_test(obs["mission"]))
    for action in path:
        obs, *_, info = env.step(action)
    t = room_actions.thing_at(env.room, room_actions.front(env.room))
    assert info["success"] and (t.colour, t.kind) == (colour, kind)
    with pytest.raises(RuntimeError, match="episode is over"):
        env.step(0)


def test_the_locked_door_does_not_open_without_the_key():
    env = KeyDoorEnv(size=6)
    obs, info = env.reset(seed=3)
    room = info["room"]
    door = next(t for t in room.things if t.kind == "door")
    assert door.state == "locked" and obs["mission"] == KEY_DOOR_MISSION
    # walk up to the door without the key and toggle: it stays locked and the agent cannot pass
    faces_door = lambda r: room_actions.front(r) == (door.x, door.y) and r.carrying is None  # noqa: E731
    for action in _shortest_path(room, faces_door) + [5, 2]:
        obs, reward, terminated, _, info = env.step(action)
    assert info["room"].carrying is None and reward == 0 and not terminated
    assert room_actions.thing_at(env.room, (door.x, door.y)).state == "locked"
    assert room_actions.front(env.room) == (door.x, door.y)
    # with the key gone, no sequence of actions reaches the goal
    keyless = dataclasses.replace(room, things=tuple(t for t in room.things if t.kind != "key"))
    assert _shortest_length(keyless, mission_test(KEY_DOOR_MISSION)) is None
    assert _shortest_length(room, mission_test(KEY_DOOR_MISSION)) == info["shortest"]
    # with the key carried, toggling opens it
    env.reset(seed=3)
    path = _shortest_path(env.room, mission_test(KEY_DOOR_MISSION))
    assert room_actions.ACTIONS.index("pickup") in path and room_actions.ACTIONS.index("toggle") in path


def test_reset_options_fix_the_draw():
    env = GridNavigationEnv()
    for size in (5, 8):
        for kind, start in (("goal", "get to the goal"), ("object", "go to the ")):
            obs, info = env.reset(seed=size, options={"size": size, "mission_kind": kind})
            assert (info["room"].width, info["room"].height) == (size, size) and obs["mission"].startswith(start)
    obs, info = KeyDoorEnv().reset(seed=0, options={"size": 5})
    assert info["room"].width == 5 and info["room"].carrying is None


@pytest.mark.parametrize("make, message", [
    (lambda: GridNavigationEnv(size=4), "size must be a whole number from 5 to 8"),
    (lambda: KeyDoorEnv(size=9), "size must be a whole number from 5 to 8"),
    (lambda: GridNavigationEnv(mission_kinds=["goal", "fetch"]), "unknown mission kind 'fetch'"),
    (lambda: GridNavigationEnv(mission_kinds=[]), "mission_kinds must name at least one"),
    (lambda: GridNavigationEnv(render_mode="human"), "render_mode must be None or 'rgb_array'"),
    (lambda: KeyDoorEnv(max_steps=0), "max_steps must be a positive whole number"),
    (lambda: KeyDoorEnv(image="yes"), "image must be True or False"),
    (lambda: GridNavigationEnv().reset(options={"size": 12}), "reset option size must be"),
    (lambda: GridNavigationEnv().reset(options={"mission_kind": "fetch"}), "unknown reset option mission_kind"),
    (lambda: KeyDoorEnv().reset(options={"mission_kind": "goal"}), "unknown reset option.*'mission_kind'; use size"),
    (lambda: KeyDoorEnv().step(0), r"call reset\(\) before step\(\)"),
    (lambda: mission_test("fetch the ball"), "unknown mission 'fetch the ball'"),
])
def test_bad_options_get_clear_errors(make, message):
    with pytest.raises((ValueError, RuntimeError), match=message):
        make()


def test_bad_actions_are_refused():
    env = GridNavigationEnv()
    env.reset(seed=0)
    for action in (7, -1, "forward"):
        with pytest.raises(ValueError, match="not in the action space"):
            env.step(action)
