"""The way back: tiny captioners and joint embeddings learn, decode, save and refuse bad input;
the scene-agreement, retrieval and caption metrics compute what they say."""
import json

import numpy as np
import pytest
import torch

from imagery_agent.io import WeightsError
from imagery_agent.scenes.agreement import compare_scenes
from imagery_agent.metrics.captions import bleu, caption_accuracy
from imagery_agent.metrics.retrieval import frechet_distance, r_precision
from imagery_agent.perception.captioner import Captioner
from imagery_agent.perception.images import to_pixel_values
from imagery_agent.perception.joint_embedding import JointEmbedding
from imagery_agent.scenes import ParseError, islands
from imagery_agent.training import train_captioner, train_clip
from imagery_agent.training.common import CaptionerConfig, ClipConfig

TINY_CAPTIONER = {
    "family": "islands", "image_size": 16, "max_length": 96,
    "encoder": {"patch_size": 4, "hidden": 32, "layers": 1, "heads": 2},
    "decoder": {"hidden": 32, "layers": 1, "heads": 2},
    "batch_size": 8, "learning_rate": 0.003, "warmup_steps": 1, "max_steps": 4, "augment": 1.0, "seed": 0,
    "log_every": 2, "eval_every": 4, "eval_scenes": 4, "checkpoint_every": 2,
}
TINY_CLIP = {
    "family": "islands", "image_size": 16, "context_length": 128, "embed_dim": 16,
    "vision": {"patch_size": 4, "width": 32, "layers": 1, "heads": 2},
    "text": {"width": 32, "layers": 1, "heads": 2},
    "batch_size": 8, "twin_fraction": 0.5, "mention_weight": 0.5, "learning_rate": 0.003, "warmup_steps": 1,
    "max_steps": 4, "augment": 1.0, "seed": 0, "log_every": 2, "eval_every": 4, "eval_scenes": 101,
    "checkpoint_every": 2,
}


@pytest.fixture(scope="module")
def scenes():
    rng = np.random.default_rng(3)
    return [islands.sample(rng, 3) for _ in range(6)]


@pytest.fixture(scope="module")
def tiny_captioner(scenes):
    """A tiny captioner fitted for a few dozen steps on six maps."""
    torch.manual_seed(0)
    cap = Captioner.from_config(CaptionerConfig.from_dict(TINY_CAPTIONER))
    x = to_pixel_values([islands.render(s, 16) for s in scenes], 16)
    labels = cap.encode_targets([islands.canonical(s) for s in scenes])
    opt = torch.optim.AdamW(cap.model.parameters(), 3e-3)
    cap.model.train()
    losses = []
    for _ in range(40):
        loss = cap.loss(x, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    cap.model.eval()
    cap.losses = losses
    return cap


def test_canonical_caption_parses_back_to_its_scene(scenes):
    for s in scenes + [islands.kosslyn_map()]:
        assert islands.parse(islands.canonical(s)) == s


def test_tiny_captioner_loss_falls(tiny_captioner):
    assert tiny_captioner.losses[-1] < 0.5 * tiny_captioner.losses[0]


def test_every_decoding_strategy_runs_and_beam_is_at_least_greedy(tiny_captioner, scenes):
    images = [islands.render(s, 16) for s in scenes[:3]]
    greedy = tiny_captioner.caption(images, "greedy")
    beam = tiny_captioner.caption(images, "beam", n=3, num_beams=4)
    for strategy in ("top_k", "top_p"):
        sampled = tiny_captioner.caption(images, strategy, n=2, temperature=0.8, seed=1)
        assert [len(c) for c in sampled] == [2, 2, 2]
        assert sampled == tiny_captioner.caption(images, strategy, n=2, temperature=0.8, seed=1)  # seeded
    assert [len(c) for c in beam] == [3, 3, 3]
    for g, b in zip(greedy, beam):
        assert b[0].log_prob >= g[0].log_prob - 1e-4          # beam search finds at least greedy's likelihood
        assert [c.log_prob for c in b] == sorted((c.log_prob for c in b), reverse=True)  # n-best, best first
        # the reported likelihood is the model's own: rescoring the text gives the same number
        rescored = tiny_captioner.log_likelihood([images[greedy.index(g)]], [g[0].text])
        assert abs(float(rescored[0]) - g[0].log_prob) < 1e-3


def test_captions_that_do_not_parse_say_why(tiny_captioner):
    cap = tiny_captioner._read("The hut is at column 3.", -1.0)
    assert cap.scene is None and "row" in cap.error
    assert tiny_captioner._read(islands.canonical(islands.kosslyn_map()), -1.0).ok


def test_bad_decoding_requests_and_images_are_named(tiny_captioner):
    image = islands.render(islands.kosslyn_map(), 16)
    with pytest.raises(ValueError, match="unknown decoding strategy"):
        tiny_captioner.caption([image], "viterbi")
    with pytest.raises(ValueError, match="n-best"):
        tiny_captioner.caption([image], "greedy", n=3)
    with pytest.raises(ValueError, match="wrong image size 32x32"):
        tiny_captioner.caption([islands.render(islands.kosslyn_map(), 32)])
    with pytest.raises(ValueError, match="RGB"):
        tiny_captioner.caption([np.zeros((16, 16), np.uint8)])
    with pytest.raises(ValueError, match="uint8"):
        tiny_captioner.caption([image / 255.0])


def test_captioner_saves_and_loads_exactly_and_refuses_damage(tiny_captioner, tmp_path):
    image = islands.render(islands.kosslyn_map(), 16)
    folder = tiny_captioner.save_pretrained(tmp_path / "cap")
    again = Captioner.from_pretrained(folder)
    assert again.caption([image], "beam", n=2) == tiny_captioner.caption([image], "beam", n=2)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        Captioner.from_pretrained(folder)
    with pytest.raises(WeightsError, match="captioner.json"):
        Captioner.from_pretrained(tmp_path)


def test_captioner_training_cli_evaluates_checkpoints_and_resumes(tmp_path):
    out = train_captioner.train(CaptionerConfig.from_dict(TINY_CAPTIONER), tmp_path / "run", quiet=True)
    assert (out / "captioner.json").exists() and (tmp_path / "run" / "metrics.csv").exists()
    train_captioner.train(CaptionerConfig.from_dict(dict(TINY_CAPTIONER, max_steps=6)), tmp_path / "run", quiet=True)
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 6
    assert Captioner.from_pretrained(out).family == "islands"


def test_a_perception_run_exports_in_half_precision(tmp_path):
    from imagery_agent.training.export import main as export
    out = train_captioner.train(CaptionerConfig.from_dict(TINY_CAPTIONER), tmp_path / "run", quiet=True)
    assert export(["--run", str(tmp_path / "run"), "--out", str(tmp_path / "shipped")]) == 0
    full, half = Captioner.from_pretrained(out), Captioner.from_pretrained(tmp_path / "shipped")
    size = lambda folder: (folder / "model.safetensors").stat().st_size  # noqa: E731
    assert size(tmp_path / "shipped") < 0.6 * size(out)
    assert next(half.model.parameters()).dtype == torch.float32  # upcast on loading
    image = islands.render(islands.kosslyn_map(), 16)
    assert half.read([image])[0].text == full.read([image])[0].text


def test_tiny_joint_embedding_learns_saves_and_loads(tmp_path):
    out = train_clip.train(ClipConfig.from_dict(TINY_CLIP), tmp_path / "run", quiet=True)
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert len(log) == 3 and "r_precision_renders" in (tmp_path / "run" / "metrics.csv").read_text()
    clip = JointEmbedding.from_pretrained(out)
    m = islands.kosslyn_map()
    text = islands.describe(m)
    image = islands.render(m, 16)
    sim = clip.similarity([image], [text, islands.describe(islands.sample(np.random.default_rng(1)))])
    assert sim.shape == (1, 2) and torch.all(sim.abs() <= 1 + 1e-5)
    others = [islands.describe(islands.sample(np.random.default_rng(k))) for k in range(2, 6)]
    sims = clip.similarity([image], [text] + others)[0]
    best = clip.retrieve([image], [text] + others, k=3)[0]  # the k most similar, best first, with their scores
    assert [t for t, _ in best] == [([text] + others)[i] for i in sims.argsort(descending=True)[:3].tolist()]
    assert [s for _, s in best] == pytest.approx(sims.sort(descending=True).values[:3].tolist(), abs=1e-6)
    candidates = [image, islands.render(islands.sample(np.random.default_rng(9)), 16), np.full((16, 16, 3), 255, np.uint8)]
    order = clip.rerank(text, candidates)
    cand_sims = clip.similarity(candidates, [text])[:, 0]
    assert sorted(order) == [0, 1, 2] and (cand_sims[order].diff() <= 1e-6).all()  # best match first
    names = clip.name_objects(image, ["hut", "boat", "tree"])
    assert list(names.values()) == sorted(names.values(), reverse=True)
    with pytest.raises(ParseError, match="unknown word"):
        clip.encode_texts(["The castle is at column 3, row 4."])
    with pytest.raises(ValueError, match="wrong image size"):
        clip.encode_images([islands.render(m, 32)])
    weights = out / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        JointEmbedding.from_pretrained(out)


def test_missing_shipped_perception_weights_are_named(tmp_path):
    from imagery_agent import load_captioner, load_joint_embedding
    with pytest.raises(WeightsError, match="no captioner for 'figures'"):
        load_captioner("figures")
    with pytest.raises(WeightsError, match="no joint embedding"):
        load_joint_embedding("islands", tmp_path / "nothing")


def test_clip_twins_move_exactly_one_landmark():
    from imagery_agent.scenes import get_family
    fam = get_family("islands")
    rng = np.random.default_rng(0)
    for _ in range(20):
        s = fam.sample_split(rng, "train")
        t = train_clip.twins(fam, [s], rng)[0]
        moved = [a for a, b in zip(sorted(s.landmarks), sorted(t.landmarks)) if a != b]
        assert t.names == s.names and len(moved) == 1 and not fam.is_heldout(t)


def test_scene_agreement_counts_missing_misplaced_and_extra_objects():
    m = islands.kosslyn_map()
    assert compare_scenes("islands", m, m).exact
    moved = islands.IslandMap(tuple(islands.Landmark(l.name, l.x, l.y + (3 if l.name == "hut" else 0))
                                    for l in m.landmarks))
    a = compare_scenes("islands", m, moved)
    assert not a.exact and a.disagreements() == ["hut"] and abs(a.object_accuracy - 6 / 7) < 1e-9
    one_cell = islands.IslandMap(tuple(islands.Landmark(l.name, l.x + (l.name == "hut"), l.y) for l in m.landmarks))
    assert compare_scenes("islands", m, one_cell).exact  # within 1/16 of the width
    fewer = islands.IslandMap(m.landmarks[:3])
    assert compare_scenes("islands", fewer, m).extra == sorted(set(m.names) - set(fewer.names))
    assert compare_scenes("islands", m, None).object_accuracy == 0


def test_caption_metrics():
    m = islands.kosslyn_map()
    t = islands.canonical(m)
    assert bleu([t], [t]) == pytest.approx(1.0)
    assert bleu([t], ["The hut is at row 4."]) < 0.5
    acc = caption_accuracy("islands", [m, m], [m, None])
    assert acc == {"caption_exact": 0.5, "caption_object": 0.5, "caption_named": 0.5, "caption_parsed": 0.5}


def test_r_precision_and_frechet_distance():
    g = torch.Generator().manual_seed(0)
    texts = torch.nn.functional.normalize(torch.randn(120, 8, generator=g), dim=-1)
    assert r_precision(texts, texts) == 1.0                    # each image is its own text
    shuffled = texts[torch.randperm(120, generator=g)]
    assert r_precision(shuffled, texts) < 0.1                  # chance is 1 in 100
    with pytest.raises(ValueError, match="99 distractors"):
        r_precision(texts[:50], texts[:50])
    a = torch.randn(500, 4, generator=g)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, a + 2) == pytest.approx(16.0, rel=1e-6)


def test_a_joint_embedding_with_a_resnet_tower_trains_saves_and_loads_exactly(tmp_path):
    """A config that lists blocks per stage builds open_clip's ResNet (the objects namer's tower)."""
    cfg = {**TINY_CLIP, "family": "objects", "image_size": 32, "context_length": 16, "twin_fraction": 0.0,
           "vision": {"layers": [1, 1, 1, 1], "width": 8, "heads": 2}, "max_steps": 2, "eval_every": 2,
           "eval_scenes": 101}
    out = train_clip.train(ClipConfig.from_dict(cfg), tmp_path / "run", quiet=True)
    clip = JointEmbedding.from_pretrained(out)
    assert type(clip.model.visual).__name__ == "ModifiedResNet"
    from imagery_agent.scenes import get_family
    fam = get_family("objects")
    images = [fam.render(fam.sample(np.random.default_rng(k)), 32) for k in range(3)]
    again = JointEmbedding.from_pretrained(out)
    assert torch.equal(clip.encode_images(images), again.encode_images(images))  # eval mode: BatchNorm's saved stats
    assert clip.presence(images, ["umbrella", "heart"]).shape == (3, 2)
