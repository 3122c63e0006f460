"""The visual code: a tiny backbone trains, saves and loads exactly, and refuses bad input."""
import json

import numpy as np
import pytest
import torch

from imagery_agent.backbones.imaginer import DiffusionImaginer, WeightsError, load_pipeline
from imagery_agent.backbones.models import build_pipeline, build_train_scheduler
from imagery_agent.backbones.pipeline import denoise, encode_tokens, tokenize_prompts
from imagery_agent.scenes import ParseError, islands
from imagery_agent.training.common import BackboneConfig
from imagery_agent.training.train import make_batch, train

TINY = {
    "family": "islands", "image_size": 16, "prediction_type": "v_prediction",
    "text_encoder": {"hidden": 32, "layers": 1, "heads": 2, "max_length": 160},
    "unet": {"channels": [16, 32], "down_blocks": ["DownBlock2D", "CrossAttnDownBlock2D"],
             "up_blocks": ["CrossAttnUpBlock2D", "UpBlock2D"], "layers_per_block": 1, "heads": 2, "groups": 8,
             "only_cross_attention": True},
    "grounding": {"weight": 0.5, "pretrain_steps": 2, "learning_rate": 0.001}, "salient_weight": 4,
    "batch_size": 4, "learning_rate": 0.002, "text_learning_rate": 0.001, "warmup_steps": 1, "max_steps": 4,
    "condition_dropout": 0.1, "ema_decay": 0.9, "seed": 0, "log_every": 2, "sample_every": 4,
    "checkpoint_every": 2, "eval_every": 4, "eval_scenes": 2, "sampler_steps": 2, "guidance_scale": 2.0,
}


def tiny(**changes) -> BackboneConfig:
    return BackboneConfig.from_dict({**TINY, **changes})


def test_tiny_backbone_loss_falls():
    torch.manual_seed(0)
    pipe = build_pipeline(tiny())
    sched = build_train_scheduler(tiny())
    texts, _, x0 = make_batch(tiny(), np.random.default_rng(0), 8)
    batch = tokenize_prompts(pipe.tokenizer, texts)
    g = torch.Generator().manual_seed(0)
    noise, t = torch.randn(x0.shape, generator=g), torch.randint(0, 1000, (8,), generator=g)
    noisy, target = sched.add_noise(x0, noise, t), sched.get_velocity(x0, noise, t)
    opt = torch.optim.AdamW(list(pipe.unet.parameters()) + list(pipe.text_encoder.parameters()), 3e-3)

    def loss():
        h = encode_tokens(pipe.text_encoder, pipe.tokenizer, batch["input_ids"], batch["attention_mask"])
        pred = denoise(pipe.unet, pipe.denoise_input(noisy), t, h, batch["attention_mask"])
        return ((pred - target) ** 2).mean()

    first = loss().item()
    for _ in range(30):
        opt.zero_grad()
        l = loss()
        l.backward()
        opt.step()
    assert loss().item() < 0.5 * first


def test_training_cli_writes_a_loadable_pipeline_and_resumes(tmp_path):
    out = train(tiny(), tmp_path / "run", quiet=True)
    assert (out / "model_index.json").exists() and (tmp_path / "run" / "metrics.csv").exists()
    assert list((tmp_path / "run").glob("samples_*.png"))
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["step"] == 6
    more = tiny(max_steps=6)
    train(more, tmp_path / "run", quiet=True)
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 8
    pipe, settings = load_pipeline("islands", out)
    assert settings["sampler_steps"] == 2


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    torch.manual_seed(1)
    pipe = build_pipeline(tiny())
    folder = tmp_path_factory.mktemp("pipe") / "islands"
    pipe.save_pretrained(folder, safe_serialization=True)
    return pipe, folder


def test_pipeline_round_trips_bit_identically(saved):
    pipe, folder = saved
    loaded, _ = load_pipeline("islands", folder)
    text = islands.describe(islands.kosslyn_map())
    a = pipe([text], 3, 2.0, generator=torch.Generator().manual_seed(5)).images
    b = loaded([text], 3, 2.0, generator=torch.Generator().manual_seed(5)).images
    assert np.array_equal(a, b)
    for (k, v), (k2, v2) in zip(pipe.unet.state_dict().items(), loaded.unet.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)


def test_imaginer_is_deterministic_per_seed_and_batch(saved):
    pipe, _ = saved
    im = DiffusionImaginer(pipe, "islands", sampler_steps=2)
    texts = [islands.describe(islands.sample(np.random.default_rng(i))) for i in range(3)]
    batch = im.imagine(texts, seed=10)
    alone = im.imagine(texts[1], seed=11)[0]
    # the same seed gives the same image in any batch (up to float rounding of batched matmuls)
    assert np.abs(batch[1].pixels.astype(int) - alone.pixels.astype(int)).max() <= 1 and batch[1].seed == 11
    assert np.abs(batch[0].pixels.astype(int) - batch[1].pixels.astype(int)).mean() > 5


def test_unknown_words_are_listed(saved):
    pipe, _ = saved
    with pytest.raises(ParseError, match="'dragon'.*'castle'"):
        pipe(["the dragon is at column 3, row 4. the castle is at column 5, row 5"], 2)
    with pytest.raises(ParseError, match="empty|string"):
        pipe([None], 2)


def test_corrupt_or_missing_weights_get_a_clear_error(saved, tmp_path):
    import shutil
    _, folder = saved
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    f = next(broken.rglob("diffusion_pytorch_model*.safetensors"))
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        load_pipeline("islands", broken)
    with pytest.raises(WeightsError, match="no weights"):
        load_pipeline("islands", tmp_path / "nowhere")
    (broken / "model_index.json").unlink()
    with pytest.raises(WeightsError, match="model_index.json"):
        load_pipeline("islands", broken)


def test_tokenizer_reads_every_word_of_every_family():
    """The model's tokenizer must split text exactly as the parsers do: no word becomes [UNK]."""
    from imagery_agent.backbones.tokenizer import build_tokenizer
    from imagery_agent.scenes import FAMILIES
    from imagery_agent.scenes.text import tokenize
    for name, fam in FAMILIES.items():
        tok = build_tokenizer(fam.vocabulary())
        rng = np.random.default_rng(0)
        for _ in range(50):
            text = fam.describe(fam.sample(rng), rng)
            pieces = tok.convert_ids_to_tokens(tok(text)["input_ids"])[1:-1]
            assert pieces == tokenize(text), (name, text)


@pytest.mark.parametrize("family", ["figures", "compositions", "rooms"])
def test_the_recipe_trains_on_every_family(family, tmp_path):
    """The same loop trains any family (without the islands-only grounding head), and scores it."""
    cfg = tiny(family=family, grounding=None, max_steps=2)
    out = train(cfg, tmp_path / family, quiet=True)
    pipe, _ = load_pipeline(family, out)
    from imagery_agent.scenes import get_family
    fam = get_family(family)
    text = fam.describe(fam.sample(np.random.default_rng(0)))
    assert pipe([text], 2).images[0].shape == (16, 16, 3)
    assert "object_accuracy" in (tmp_path / family / "metrics.csv").read_text()


def test_guidance_can_be_limited_to_the_first_steps(saved):
    pipe, _ = saved
    text = [islands.describe(islands.kosslyn_map())]
    g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    unguided = pipe(text, 3, 1.0, generator=g()).images[0].astype(int)
    none_guided = pipe(text, 3, 2.0, generator=g(), guidance_steps=0).images[0].astype(int)
    assert abs(unguided - none_guided).max() <= 1
    all_guided = pipe(text, 3, 2.0, generator=g()).images[0]
    assert (pipe(text, 3, 2.0, generator=g(), guidance_steps=3).images[0] == all_guided).all()
    assert abs(pipe(text, 3, 2.0, generator=g(), guidance_steps=1).images[0].astype(int) - unguided).max() > 0


def test_the_text_encoder_learns_to_read_a_figures_angle():
    """Grounding for figures: every token of the sentence is asked for the figure's identity,
    angle, handedness, axis and projection, and the encoder learns to answer."""
    from imagery_agent.scenes import get_family
    from imagery_agent.training.train import grounding_labels, grounding_loss
    cfg = tiny(family="figures")
    torch.manual_seed(0)
    pipe = build_pipeline(cfg)
    classes = get_family("figures").grounding_classes
    head = torch.nn.Linear(cfg.text_encoder["hidden"], sum(classes))
    texts, scenes, _ = make_batch(cfg, np.random.default_rng(0), 16, render=False)
    batch = pipe.tokenizer(texts, padding=True, return_tensors="pt")
    labels = grounding_labels("figures", pipe.tokenizer, batch, scenes)
    real = batch["attention_mask"][0] > 0
    assert (labels[0, real, 1] == scenes[0].angle // 10).all() and (labels[0, ~real] == -100).all()
    opt = torch.optim.AdamW(list(pipe.text_encoder.parameters()) + list(head.parameters()), 3e-3)

    def loss():
        h = encode_tokens(pipe.text_encoder, pipe.tokenizer, batch["input_ids"], batch["attention_mask"])
        return grounding_loss(head, h, labels, classes)

    first = loss().item()
    for _ in range(40):
        opt.zero_grad()
        l = loss()
        l.backward()
        opt.step()
    assert loss().item() < 0.5 * first


@pytest.fixture(scope="module")
def trained_teacher(tmp_path_factory):
    return train(tiny(max_steps=4), tmp_path_factory.mktemp("teacher") / "run", quiet=True)


def test_guidance_distillation_learns_the_guided_output(trained_teacher, tmp_path):
    """The student starts as the teacher's conditional model and moves toward the guided output
    uncond + w (cond - uncond); its pipeline samples without guidance and keeps the teacher's
    text encoder."""
    from imagery_agent.training.distill import distill, merge_teacher
    cfg = {"family": "islands", "teacher": str(trained_teacher), "teacher_guidance_scale": 10.0, "batch_size": 8,
           "learning_rate": 0.001, "warmup_steps": 1, "max_steps": 40, "ema_decay": 0.0, "seed": 0,
           "log_every": 20, "checkpoint_every": 20, "eval_every": 40, "eval_scenes": 2, "sampler_steps": 2,
           "guidance_scale": 1.0, "salient_weight": 0}
    teacher, _ = load_pipeline("islands", trained_teacher)
    texts, _, x0 = make_batch(tiny(), np.random.default_rng(99), 8)
    g = torch.Generator().manual_seed(0)
    t = torch.randint(0, 1000, (8,), generator=g)
    inp = teacher.denoise_input(build_train_scheduler(tiny()).add_noise(x0, torch.randn(x0.shape, generator=g), t))

    def outputs(unet):
        with torch.no_grad():
            h, m = teacher.encode_prompts(texts)
            hb, mb = teacher.encode_prompts([""] * 8)
            return denoise(unet, inp, t, h, m), denoise(unet, inp, t, hb, mb)

    cond, uncond = outputs(teacher.unet)
    guided = uncond + 10.0 * (cond - uncond)
    out = distill(merge_teacher(cfg), tmp_path / "distill", quiet=True)
    student, settings = load_pipeline("islands", out)
    assert settings["guidance_scale"] == 1.0 and settings["sampler_steps"] == 2
    after = ((outputs(student.unet)[0] - guided) ** 2).mean()
    assert after < 0.5 * ((cond - guided) ** 2).mean()
    for (k, v), (_, v2) in zip(teacher.text_encoder.state_dict().items(), student.text_encoder.state_dict().items()):
        assert torch.equal(v, v2), k
    assert "object_accuracy" in (tmp_path / "distill" / "metrics.csv").read_text()
    assert len(json.loads((out / "training_config.json").read_text())["teacher_unet_sha256"]) == 64
    from imagery_agent.backbones.imaginer import load_imaginer
    with pytest.raises(ValueError, match="guidance-distilled"):
        load_imaginer("islands", out).imagine(texts[0], guidance=2.0)


def test_distillation_needs_the_teachers_training_config(saved, tmp_path):
    from imagery_agent.training.distill import merge_teacher
    _, folder = saved
    with pytest.raises(WeightsError, match="training_config.json"):
        merge_teacher({"family": "islands", "teacher": str(folder)})


@pytest.mark.slow
def test_training_runs_under_accelerate_launch_with_two_processes(tmp_path):
    """The multi-GPU path (`accelerate launch --multi_gpu`, i.e. torchrun), run here as two CPU
    processes over gloo: data-parallel training reaches the end, one process writes the logs,
    checkpoint and pipeline, and the pipeline loads."""
    import subprocess
    import sys
    cfg = tmp_path / "tiny.json"
    cfg.write_text(json.dumps(dict(TINY, max_steps=2, eval_every=100, sample_every=100)))
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "imagery_agent.training.train",
           "--family", "islands", "--config", str(cfg), "--out", str(tmp_path / "run"), "--threads", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "data-parallel over 2 processes" in done.stdout
    import re
    seen = dict(re.findall(r"process (\d): data (\w+) weights", done.stdout))
    weights = set(re.findall(r"process \d: data \w+ weights (\w+)", done.stdout))
    assert len(seen) == 2 and seen["0"] != seen["1"]  # each process trained on its own data ...
    assert len(weights) == 1  # ... and the gradients were averaged: one set of weights
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 4
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert len(log) == 1 + 2  # header + steps 2 and 4, written once
    load_pipeline("islands", tmp_path / "run" / "pipeline")


def test_frame_channels_put_a_figure_at_fixed_frame_coordinates():
    """A point of a figure, turned and mirrored as the renderer does it, lands on pixels whose
    frame coordinates are the point's unturned coordinates; angle 0 gives the plain channels."""
    from imagery_agent.backbones.pipeline import coordinate_channels, frame_channels
    from imagery_agent.scenes.strokes import transform
    size, q = 32, (0.7, 0.4)
    assert torch.allclose(frame_channels(size, torch.tensor([0]), torch.tensor([False]))[0], coordinate_channels(size)[0])
    for angle, mirror in [(30, False), (130, True), (270, False)]:
        p = transform({"s": [q]}, angle=angle, mirror=mirror)["s"][0]
        ch = frame_channels(size, torch.tensor([angle]), torch.tensor([mirror]))[0]
        u, v = ch[0, int(p[1] * size), int(p[0] * size)], ch[1, int(p[1] * size), int(p[0] * size)]
        assert abs((u + 1) / 2 - q[0]) < 1.5 / size and abs((v + 1) / 2 - q[1]) < 1.5 / size


def test_the_frame_head_learns_to_read_angle_and_handedness():
    from imagery_agent.training.train import frame_loss, scene_frames
    cfg = tiny(family="figures", frames=True)
    torch.manual_seed(0)
    pipe = build_pipeline(cfg)
    assert pipe.has_frames
    texts, scenes, _ = make_batch(cfg, np.random.default_rng(1), 16, render=False)
    frames = scene_frames(cfg, scenes)
    batch = tokenize_prompts(pipe.tokenizer, texts)
    opt = torch.optim.AdamW(pipe.text_encoder.parameters(), 3e-3)
    for _ in range(80):
        _, logits = encode_tokens(pipe.text_encoder, pipe.tokenizer, batch["input_ids"], batch["attention_mask"], True)
        opt.zero_grad()
        frame_loss(logits, frames, texts, batch["attention_mask"]).backward()
        opt.step()
    _, _, (angles, mirrors) = pipe.encode_prompts(texts, return_frames=True)
    assert (angles == frames[0]).float().mean() >= 0.8 and (mirrors == frames[1].bool()).float().mean() >= 0.8


def test_a_figures_pipeline_with_frames_trains_saves_and_draws(tmp_path):
    cfg = tiny(family="figures", frames=True, max_steps=2)
    out = train(cfg, tmp_path / "figures", quiet=True)
    pipe, _ = load_pipeline("figures", out)
    assert pipe.has_frames and type(pipe.text_encoder).__name__ == "RoFormerForTokenClassification"
    text = "The letter F, rotated 30 degrees clockwise."
    assert pipe([text], 2, generator=torch.Generator().manual_seed(0)).images.shape == (1, 16, 16, 3)
    assert not build_pipeline(tiny()).has_frames  # islands: plain coordinate channels
    from imagery_agent.evaluate import frame_read_accuracy
    from imagery_agent.scenes import get_family
    from imagery_agent.scenes.corpus import build_corpus
    examples = build_corpus("figures", 6, seed=0, split="heldout")
    true = [get_family("figures").frame(e.scene) for e in examples]
    asked = []
    pipe.encode_prompts = lambda texts, return_frames: (asked.extend(texts), (None, None, (
        torch.tensor([a for a, _ in true]), torch.tensor([m for _, m in true]))))[1]
    assert frame_read_accuracy("figures", pipe, examples) == 1.0  # the frames read are compared with the truth
    assert asked == [get_family("figures").frame_text(e.scene) for e in examples]  # read from the turn alone
    pipe.encode_prompts = lambda texts, return_frames: (None, None, (torch.tensor([(a + 90) % 360 for a, _ in true]),
                                                                    torch.tensor([m for _, m in true])))
    assert frame_read_accuracy("figures", pipe, examples) == 0.0
    with pytest.raises(ValueError, match="grounding"):
        train(cfg.replace(grounding=None), tmp_path / "bad", quiet=True)


def test_the_imaginer_reads_a_figures_frame_from_its_turn_alone(tmp_path):
    """The frame head is given the turn without the figure's name; the UNet still reads the whole prompt."""
    from imagery_agent.backbones.imaginer import DiffusionImaginer
    pipe = build_pipeline(tiny(family="figures", frames=True))
    read = []
    encode = pipe.encode_prompts
    pipe.encode_prompts = lambda texts, return_frames=False: (read.append(list(texts)), encode(texts, return_frames))[1]
    im = DiffusionImaginer(pipe, "figures", sampler_steps=1)
    assert im.frame_prompts(["A capital F, turned 70 degrees to the right."]) == \
        ["Turned 70 degrees to the right, in its normal form."]
    im.imagine(["A capital F, turned 70 degrees to the right."])
    assert any("upper-case F" in t for texts in read for t in texts)  # the prompt, for the UNet
    assert ["Turned 70 degrees to the right, in its normal form."] in read  # the turn, for the frame
    assert DiffusionImaginer(pipe, "figures", canonical=False).frame_prompts(["A capital F."]) is None
    with pytest.raises(ValueError, match="frame prompts"):
        pipe(["The letter F, upright."], 1, frame_prompts=["Upright.", "Upright."])


def test_distill_cli_names_a_missing_teacher_or_config(tmp_path, capsys):
    from imagery_agent.training.distill import main
    assert main(["--family", "islands", "--out", str(tmp_path / "d"), "--teacher", str(tmp_path / "nowhere")]) == 2
    assert main(["--family", "figures", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "no weights for 'islands'" in err and "no config file" in err


def test_frame_loss_of_a_batch_of_dropped_prompts_is_zero_not_nan():
    from imagery_agent.training.train import frame_loss
    loss = frame_loss(torch.randn(2, 5, 38), (torch.tensor([30, 40]), torch.tensor([0, 1])), ["", ""], torch.ones(2, 5))
    assert loss.item() == 0


def test_a_figures_teacher_with_frames_distills_into_a_student_with_frames(tmp_path):
    """Smoke test of the figures path: the student keeps the frame-reading text encoder and its
    metrics CSV keeps scalar columns (the per-kind breakdown is a dict)."""
    from imagery_agent.training.distill import distill, merge_teacher
    teacher = train(tiny(family="figures", frames=True, max_steps=2), tmp_path / "teacher", quiet=True)
    cfg = {"family": "figures", "teacher": str(teacher), "teacher_guidance_scale": 2.0, "batch_size": 4,
           "learning_rate": 0.001, "warmup_steps": 1, "max_steps": 2, "ema_decay": 0.0, "seed": 0, "log_every": 1,
           "checkpoint_every": 2, "eval_every": 2, "eval_scenes": 2, "sampler_steps": 2, "guidance_scale": 1.0,
           "salient_weight": 4}
    student, _ = load_pipeline("figures", distill(merge_teacher(cfg), tmp_path / "distill", quiet=True))
    assert student.has_frames
    header = (tmp_path / "distill" / "metrics.csv").read_text().splitlines()[0]
    assert "orientation_error_deg" in header and "accuracy_by_kind" not in header


def test_a_checkpoint_left_half_renamed_by_a_crash_is_recovered(tmp_path):
    """A crash between the two renames of a save leaves checkpoint.old and checkpoint.tmp: the
    next run resumes from the old checkpoint instead of starting again from step 0."""
    import os
    run = tmp_path / "run"
    train(tiny(max_steps=2), run, quiet=True)
    os.replace(run / "checkpoint", run / "checkpoint.old")
    (run / "checkpoint.tmp").mkdir()
    (run / "checkpoint.tmp" / "unet.safetensors").write_bytes(b"half written")
    train(tiny(max_steps=4), run, quiet=True)
    log = (run / "log.csv").read_text().splitlines()
    assert [int(r.split(",")[0]) for r in log[1:]] == [2, 4, 6]  # resumed at step 4 (2 grounding + 2), no restart
    assert not (run / "checkpoint.tmp").exists() and not (run / "checkpoint.old").exists()


def test_resuming_with_another_architecture_is_refused_before_anything_is_overwritten(tmp_path):
    run = tmp_path / "run"
    train(tiny(max_steps=2), run, quiet=True)
    before = (run / "config.json").read_text()
    bigger = tiny(max_steps=4, unet={**TINY["unet"], "channels": [32, 64]})
    with pytest.raises(ValueError, match="another model \\(unet differ"):
        train(bigger, run, quiet=True)
    assert (run / "config.json").read_text() == before
    train(tiny(max_steps=4, learning_rate=0.001), run, quiet=True)  # a new schedule is fine


def test_training_refuses_bad_numbers_and_unknown_settings(tmp_path, capsys):
    from imagery_agent.training.train import main
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(TINY))
    assert main(["--family", "islands", "--config", str(cfg), "--out", str(tmp_path / "r"), "--max-steps", "-5"]) == 2
    assert "max_steps must be a whole number >= 1" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
    cfg.write_text(json.dumps(dict(TINY, learnig_rate=0.1)))
    assert main(["--family", "islands", "--config", str(cfg), "--out", str(tmp_path / "r")]) == 2
    assert "unknown setting(s) 'learnig_rate'" in capsys.readouterr().err
    cfg.write_text(json.dumps(TINY))
    assert main(["--family", "figures", "--config", str(cfg), "--out", str(tmp_path / "r")]) == 2
    assert "trains 'islands', not 'figures'" in capsys.readouterr().err


def test_a_run_warm_starts_from_an_exported_pipeline_and_draws_only_the_kinds_asked(tmp_path, capsys):
    from imagery_agent.training.train import main, warm_start_weights
    first = train(tiny(), tmp_path / "first", quiet=True)  # an exported pipeline (what is shipped)
    pipe, _ = load_pipeline("islands", first)
    unet_w, text_w = warm_start_weights("islands", first)
    assert all(torch.equal(unet_w[k], v) for k, v in pipe.unet.state_dict().items())
    cfg = tiny(max_steps=2, learning_rate=1e-9, text_learning_rate=0.0, grounding={**TINY["grounding"], "pretrain_steps": 0})
    second = train(cfg, tmp_path / "second", quiet=True, init_from=str(first))
    after, _ = load_pipeline("islands", second)
    assert all(torch.allclose(after.unet.state_dict()[k], v, atol=1e-4) for k, v in pipe.unet.state_dict().items())
    (tmp_path / "c.json").write_text(json.dumps(TINY))
    assert main(["--family", "islands", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "third"),
                 "--init-from", str(tmp_path / "nothing")]) == 2
    assert "neither a run" in capsys.readouterr().err
    # a fine-tune may draw its data from part of the family (figures: polygons twice as often)
    from imagery_agent.training.common import BackboneConfig
    figs = BackboneConfig.from_dict({**TINY, "family": "figures", "train_sample": {"kinds": ["polygon", "letter"]}})
    _, scenes, _ = make_batch(figs, np.random.default_rng(0), 12, render=False)
    assert {s.kind for s in scenes} <= {"polygon", "letter"}
