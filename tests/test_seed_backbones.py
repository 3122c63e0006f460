"""The seeds' generative models behind the one Imaginer contract: each trains a few steps on a tiny
config, saves, loads bit-identically and draws deterministically per seed; the parts that make
each model what it is (the dVAE's annealed temperature, reranking, the PixelCNN's causal
windows) do what they say."""
import json

import numpy as np
import pytest
import torch

from imagery_agent.backbones.generative import GenerativeImaginer, load_backbone_model, save_backbone
from imagery_agent.backbones.image_tokens import gumbel_temperature
from imagery_agent.backbones.registry import backbone_class, load_backbone
from imagery_agent.io import WeightsError
from imagery_agent.scenes.corpus import build_corpus
from imagery_agent.scenes.errors import ParseError, SceneError

TINY_WORDS = {"hidden": 32, "layers": 1, "heads": 2, "max_length": 128, "grid": 16, "channels": [16, 8],
              "decoder_layers": 1}
COMMON = {"family": "islands", "image_size": 32, "batch_size": 4, "learning_rate": 1e-3, "warmup_steps": 1,
          "max_steps": 2, "log_every": 1, "eval_every": 2, "eval_scenes": 2, "checkpoint_every": 2}
GROUNDING = {"weight": 0.5, "pretrain_steps": 1, "learning_rate": 1e-3}
TOKENS = {"text_length": 96, "codebook_size": 16, "code_dim": 8, "channels": [8, 16], "layers": 1, "heads": 2,
          "hidden": 16}


def tiny(name):
    """(trainer module, config) of a tiny run of backbone `name`."""
    if name in ("vae", "gan"):
        from imagery_agent.training import train_onepass as t
        model = dict(TINY_WORDS, latent_dim=4)
        extra = {"discriminator": {"channels": [8, 8, 8], "learning_rate": 2e-4}} if name == "gan" else {}
        return t, t.OnePassConfig(**COMMON, backbone=name, model=model, grounding=GROUNDING, **extra)
    if name in ("dalle", "vqvae"):
        from imagery_agent.training import train_tokens as t
        return t, t.TokensConfig(**COMMON, backbone=name, model=TOKENS, tokenizer_steps=2)
    from imagery_agent.training import train_pixelcnn as t
    model = dict(TINY_WORDS, cond_channels=8, pixel_channels=8, pixel_layers=2)
    return t, t.PixelCNNConfig(**COMMON, model=model, grounding=GROUNDING)


NAMES = ("vae", "gan", "dalle", "vqvae", "pixelcnn")
TEXTS = ["The hut is at column 3, row 4. The well is at column 9, row 10.",
         "There is a tree at column 5, row 5, and a rock at column 12, row 2."]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n != "gan" else n for n in NAMES])
def test_backbone_trains_saves_loads_and_keeps_the_imaginer_contract(name, tmp_path):
    trainer, cfg = tiny(name)
    best = trainer.train(cfg, tmp_path / "run", quiet=True)
    assert (tmp_path / "run" / "metrics.csv").exists() and (best / "checksums.json").exists()
    saved = json.loads((best / "training_config.json").read_text())
    assert saved["training_minutes"] is not None and saved["trained_steps"] == 2
    # bit-identical round trip
    model = trainer.build_model(cfg)
    save_backbone(model, tmp_path / "saved")
    loaded = load_backbone_model(backbone_class(name), tmp_path / "saved")
    before, after = model.state_dict(), loaded.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    # the contract: deterministic per seed, independent of the batch, unknown words refused by name
    imaginer = load_backbone("islands", name, best)
    a = imaginer.imagine(TEXTS, seed=7)
    b = imaginer.imagine(TEXTS[1:], seed=8)
    assert a[0].pixels.shape == (32, 32, 3) and a[0].pixels.dtype == np.uint8
    def same(x, y):  # the same picture in any batch, up to float rounding (a batch's size changes the
        return np.abs(x.astype(int) - y).max() <= 1  # order of a matrix product's sums: one level at most)
    assert same(a[1].pixels, b[0].pixels)
    assert np.array_equal(imaginer.imagine(TEXTS, seed=7)[0].pixels, a[0].pixels)
    short = "The hut is at column 3, row 4."  # beside longer prompts, as alone (padding is attended)
    assert same(imaginer.imagine([TEXTS[0], short], seed=7)[1].pixels, imaginer.imagine([short], seed=8)[0].pixels)
    with pytest.raises(ParseError, match="castle"):
        imaginer.imagine(["The castle is at column 3, row 4."])
    with pytest.raises(ValueError, match="no sampler steps"):
        imaginer.imagine(TEXTS, steps=50)


def test_a_palette_vae_colours_from_the_words_own_embeddings_and_warm_starts_from_a_plain_one(tmp_path, capsys):
    """The palette decoder's colours come from each word's embedding (not its state in context),
    mixed from the palette: changing only the palette's colours changes the picture, and a plain
    VAE's weights start it (the reshaped output layer and the colour parts start afresh)."""
    from imagery_agent.training.common import warm_start
    trainer, plain_cfg = tiny("vae")
    plain = trainer.train(plain_cfg, tmp_path / "plain", quiet=True)
    _, cfg = tiny("vae")
    cfg.model = dict(cfg.model, palette=4)
    model = trainer.build_model(cfg)
    warm_start(model, plain)
    said = capsys.readouterr().out
    assert "decoder.palette_rgb" in said and "decoder.convs" in said and "words.encoder" not in said
    best = trainer.train(cfg, tmp_path / "palette", quiet=True, init_from=str(plain))
    imaginer = load_backbone("islands", "vae", best)
    before = imaginer.imagine(TEXTS, seed=3)[0].pixels
    with torch.no_grad():
        imaginer.model.decoder.palette_rgb.mul_(-1)
    after = imaginer.imagine(TEXTS, seed=3)[0].pixels
    assert not np.array_equal(before, after)
    with pytest.raises(ValueError, match="own embeddings"):
        imaginer.model.decoder(*imaginer.model.read(TEXTS[:1])[:2], torch.zeros(1, 4))


def test_the_word_reader_reads_a_prompt_the_same_beside_longer_ones():
    """Padding is attended (pipeline.encode_tokens), so every prompt is padded to one length: the
    shipped rooms VAE drew a short room up to 12 levels apart when a longer one shared its batch."""
    from imagery_agent.backbones.generative import WordReader
    from imagery_agent.scenes import get_family
    torch.manual_seed(0)
    reader = WordReader(sorted(get_family("islands").vocabulary()), 16, 1, 2, 96)
    short, long = "The hut is at column 3, row 4.", TEXTS[0] + " " + TEXTS[1]
    both, alone = reader.tokenize([long, short]), reader.tokenize([short])
    states = reader(both["input_ids"], both["attention_mask"])[1]
    assert torch.equal(states, reader(alone["input_ids"], alone["attention_mask"])[0])


def test_a_prompt_longer_than_pad_to_leaves_the_others_as_they_were():
    """The shipped islands VAE reads every prompt at 78 tokens, as it trained; a longer map in the
    batch is read at its own length and changes no other prompt's picture."""
    imaginer = load_backbone("islands", "vae")
    words = imaginer.model.words
    assert words.pad_to == 78
    short = "The hut is at column 3, row 4. The lake is at column 10, row 10."
    names = ["hut", "lake", "tree", "rock", "well", "tower", "cave", "bridge", "mill", "farm", "shrine", "lighthouse"]
    known = [n for n in names if n in words.tokenizer.get_vocab()]
    long = " ".join(f"The {n} is at column {1 + i}, row {1 + i}." for i, n in enumerate(known))
    assert len(words.tokenizer(long)["input_ids"]) > 78
    alone = imaginer.imagine([short], seed=3)[0].pixels
    beside = imaginer.imagine([long, short], seed=2)[1].pixels
    assert np.abs(alone.astype(int) - beside).max() <= 1


def test_leaf_words_are_read_by_no_other_word():
    """A room's colours, kinds and door states are leaves: 'grey' reads the same beside 'key' as
    beside 'ball', and no other word's state changes with the leaf beside it."""
    from imagery_agent.backbones.generative import WordReader
    from imagery_agent.scenes import get_family, rooms
    torch.manual_seed(0)
    leaves = tuple(rooms.COLOURS) + rooms.ITEMS
    reader = WordReader(sorted(get_family("rooms").vocabulary()), 16, 2, 2, 64, leaf_words=leaves)
    batch = reader.tokenize(["The room is 8 by 8. A grey key is at column 4, row 3.",
                             "The room is 8 by 8. A grey ball is at column 4, row 3."])
    states = reader(batch["input_ids"], batch["attention_mask"])
    differs = (states[0] - states[1]).abs().amax(-1) > 0
    kind_at = batch["input_ids"][0] != batch["input_ids"][1]
    assert torch.equal(differs, kind_at) and kind_at.sum() == 1
    with pytest.raises(ValueError, match="castle"):
        WordReader(sorted(get_family("rooms").vocabulary()), 16, 1, 2, 64, leaf_words=("castle",))


def test_a_colour_apart_decoder_draws_shape_without_the_colour_words():
    """With colour words apart, the shape path (grey level and coverage) of a green box is that
    of a red box: only each cell's colour reads the colour word."""
    from imagery_agent.backbones.onepass import ConditionalVAE
    from imagery_agent.scenes import get_family, rooms
    torch.manual_seed(0)
    leaves = sorted(set(rooms.COLOURS) | set(rooms.ITEMS) | {"door"} | set(rooms.DOOR_STATES))
    model = ConditionalVAE("rooms", sorted(get_family("rooms").vocabulary()), hidden=16, layers=1, heads=2,
                           max_length=64, grid=16, channels=(16, 16), encoder_channels=(16, 16),
                           grounding_classes=list(get_family("rooms").grounding_classes), leaf_words=leaves,
                           colour_words=sorted(rooms.COLOURS))
    shapes = []
    model.decoder.convs.register_forward_hook(lambda module, args, out: shapes.append(out))
    gens = [torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)]
    pictures = model.draw(["The room is 8 by 8. A green box is at column 4, row 3.",
                           "The room is 8 by 8. A red box is at column 4, row 3."], gens)
    assert torch.equal(shapes[0][0], shapes[0][1]) and not torch.equal(pictures[0], pictures[1])
    with pytest.raises(ValueError, match="leaf words"):
        ConditionalVAE("rooms", sorted(get_family("rooms").vocabulary()), hidden=16, layers=1, heads=2, max_length=64,
                       grounding_classes=list(get_family("rooms").grounding_classes), colour_words=("red",))


def test_the_dvae_temperature_anneals_towards_one_hot():
    taus = [gumbel_temperature(s, 100) for s in range(0, 101, 10)]
    assert taus[0] == pytest.approx(1.0) and all(a > b for a, b in zip(taus[:8], taus[1:9]))
    assert taus[8] == pytest.approx(1 / 16) and taus[10] == pytest.approx(1 / 16)


def test_vq_codes_no_picture_chose_are_moved_onto_encoder_outputs(tmp_path):
    from imagery_agent.backbones.image_tokens import VectorQuantizer
    torch.manual_seed(0)
    vq = VectorQuantizer(codebook_size=16, code_dim=8, channels=(8, 16))
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    used = torch.zeros(16, dtype=torch.bool)
    used[vq.tokenize(x).flatten()] = True
    before = vq.codebook.weight.detach().clone()
    moved = vq.restart_dead_codes(x, used, torch.Generator().manual_seed(0))
    assert moved == int((~used).sum()) > 0
    assert torch.equal(vq.codebook.weight[used], before[used])  # codes in use stay
    z = vq.to_code(vq.encoder(x)).permute(0, 2, 3, 1).reshape(-1, 8)
    nearest = torch.cdist(vq.codebook.weight[~used].detach(), z).min(1).values
    assert (nearest < 0.05 * z.std()).all()  # the others now sit on encoder outputs
    assert vq.restart_dead_codes(x, torch.ones(16, dtype=torch.bool)) == 0
    trainer, cfg = tiny("vqvae")  # and a run restarts codes between its tokenizer steps
    trainer.train(cfg.replace(tokenizer_steps=4, max_steps=1, restart_every=2, eval_every=100), tmp_path / "r", quiet=True)
    log = (tmp_path / "r" / "log_stage1.csv").read_text()
    assert "codes_restarted" in log.splitlines()[0] and "codes_used" in log.splitlines()[0]


def test_dalle_loss_trains_the_image_tokens_after_the_words():
    _, cfg = tiny("dalle")
    from imagery_agent.training.train_tokens import build_model
    model = build_model(cfg)
    tokens = torch.randint(0, 16, (2, 8, 8))
    seq = model.text_tokens(TEXTS)
    assert seq.shape == (2, 97) and (seq[:, -1] == model.bos).all()
    pads = seq[0, :-1][seq[0, :-1] > model.bos]
    assert len(set(pads.tolist())) == len(pads)  # every padded position has its own padding token
    loss, image_loss = model.loss(TEXTS, tokens)
    assert loss > image_loss > 0


def test_reranking_keeps_the_sample_the_joint_embedding_prefers():
    _, cfg = tiny("dalle")
    from imagery_agent.training.train_tokens import build_model
    model = build_model(cfg).eval()

    class Brightest:  # stands in for the joint embedding: prefers the brightest picture
        def rerank(self, text, images):
            return list(np.argsort([-np.asarray(im).mean() for im in images]))

    gens = lambda: [torch.Generator().manual_seed(s) for s in (3, 4)]  # noqa: E731
    chosen = model.draw(TEXTS, gens(), candidates=3, reranker=Brightest())
    g = gens()
    with torch.no_grad():
        samples = torch.stack([model.image_tokens.decode_tokens(model.sample_tokens(TEXTS, g, top_k=32))
                               for _ in range(3)], 1)
    for i in range(2):
        best = int(np.argmax([float(((samples[i, j].clamp(-1, 1) + 1) * 127.5).round().mean()) for j in range(3)]))
        assert torch.equal(chosen[i], samples[i, best])
    with pytest.raises(ValueError, match="reranker"):
        model.draw(TEXTS, gens(), candidates=2)


@pytest.mark.slow
def test_the_captioner_reranks_by_reading_each_sample_back():
    """The shipped islands captioner puts the render of the words first, then a render with one
    landmark moved, then one with it missing; a reranker is chosen by name and refused otherwise."""
    import dataclasses

    from imagery_agent.backbones.registry import load_reranker
    from imagery_agent.scenes import get_family
    fam = get_family("islands")
    scene = build_corpus("islands", 1, seed=4, split="heldout")[0].scene
    first, rest = scene.landmarks[0], tuple(scene.landmarks[1:])
    moved = None
    for shift in range(6, 16):
        try:
            moved = dataclasses.replace(scene, landmarks=(dataclasses.replace(first, x=(first.x + shift) % 16),) + rest)
            break
        except SceneError:
            continue
    missing = dataclasses.replace(scene, landmarks=rest)
    images = [fam.render(s, 32) for s in (missing, scene, moved)]
    assert load_reranker("islands", "caption").rerank(fam.prompt(scene), images)[0] == 1
    with pytest.raises(ValueError, match="reranker must be one of"):
        load_reranker("islands", "beauty")


def test_pixelcnn_windows_give_the_whole_pictures_logits_and_stay_causal():
    _, cfg = tiny("pixelcnn")
    from imagery_agent.training.train_pixelcnn import build_model
    model = build_model(cfg).eval()
    x, cond = torch.rand(2, 3, 32, 32) * 2 - 1, torch.randn(2, 8, 32, 32)
    reach = model.receptive_rows
    with torch.no_grad():
        full = model.logits(x, cond)
        for r, c in ((0, 0), (9, 31), (20, 14), (31, 3)):
            top, left, right = max(0, r - reach), max(0, c - reach - 1), min(32, c + reach + 2)
            window = model.logits(x[:, :, top:r + 1, left:right], cond[:, :, top:r + 1, left:right])
            assert torch.allclose(window[:, :, r - top, c - left], full[:, :, r, c], atol=1e-5)
        later = x.clone()
        later[:, :, 20, 14:] = 0
        later[:, :, 21:] = 0
        changed = model.logits(later, cond)
    assert torch.allclose(changed[:, :, 20, 14], full[:, :, 20, 14], atol=1e-5)  # the pixel and after: unseen
    assert not torch.allclose(changed[:, :, 20, 15], full[:, :, 20, 15], atol=1e-5)  # the pixel to the left: seen
    assert len(model.config.palette) >= 18  # sea, land, their blends and every landmark colour


def test_evaluate_compares_backbones_and_refuses_what_does_not_apply(tmp_path, capsys):
    from imagery_agent.evaluate import main
    trainer, cfg = tiny("gan")
    best = trainer.train(cfg, tmp_path / "gan", quiet=True)
    capsys.readouterr()
    assert main(["--family", "islands", "--backbone", "gan", "--weights", str(best), "--n", "3", "--json",
                 "--no-perception"]) == 0
    out = json.loads(capsys.readouterr().out)["backbones"]["gan"]
    assert out["sampler_evaluations"] == 1 and out["params"] > 0 and out["ms_per_image"] > 0
    assert out["n_scenes"] == 3 and 0 <= out["object_accuracy"] <= 1
    assert main(["--family", "islands", "--backbone", "gan", "--weights", str(best), "--steps", "4", "--n", "2"]) == 2
    assert "diffusion settings" in capsys.readouterr().err
    assert main(["--family", "islands", "--backbone", "vae", "--weights", str(best), "--n", "2"]) == 2
    assert "not a ConditionalVAE" in capsys.readouterr().err
    assert main(["--family", "islands", "--backbone", "dalle", "--weights", str(tmp_path / "nothing"), "--n", "2"]) == 2
    assert "no dalle backbone" in capsys.readouterr().err


@pytest.mark.slow
def test_train_hands_other_backbones_to_their_own_loop(tmp_path):
    from imagery_agent.training.train import main
    _, cfg = tiny("vae")
    path = tmp_path / "vae.json"
    path.write_text(json.dumps(cfg.to_dict()))
    assert main(["--family", "islands", "--backbone", "vae", "--config", str(path), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "best" / "config.json").exists()
    assert main(["--family", "rooms", "--backbone", "vae", "--config", str(path), "--out", str(tmp_path / "s")]) == 2


def test_a_damaged_or_foreign_folder_is_refused_in_one_line(tmp_path):
    trainer, cfg = tiny("vae")
    save_backbone(trainer.build_model(cfg), tmp_path / "m")
    blob = tmp_path / "m" / "diffusion_pytorch_model.safetensors"
    data = bytearray(blob.read_bytes())
    data[-3] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="checksum|damaged|SHA"):
        load_backbone("islands", "vae", tmp_path / "m")
    with pytest.raises(ValueError, match="unknown backbone"):
        load_backbone("islands", "stylegan")


def test_examples_exist_for_the_canonical_prompts():
    # the backbones draw the canonical wording: every held-out description has one the models can read
    ex = build_corpus("islands", 20, seed=1, split="heldout")
    model = tiny("vae")[0].build_model(tiny("vae")[1])
    from imagery_agent.scenes import get_family
    fam = get_family("islands")
    assert GenerativeImaginer(model, "islands").imagine([e.text for e in ex[:2]])
    assert all(len(model.words.tokenize([fam.prompt(e.scene)])["input_ids"][0]) <= 128 for e in ex)


@pytest.mark.slow
def test_the_comparison_runs_small_and_writes_its_set(tmp_path, capsys):
    from experiments.backbone_comparison import main
    curve = tmp_path / "metrics.csv"
    curve.write_text("step,wall_s,object_accuracy\n100,60,0.5\n200,120,0.9\n")
    out = tmp_path / "cmp"
    trainer, cfg = tiny("gan")
    gan = trainer.train(cfg, tmp_path / "gan", quiet=True)
    assert main(["--backbones", "diffusion", "gan", "--n", "3", "--scanning-trials", "3", "--curves",
                 f"diffusion={curve}", "--weights", f"gan={gan}", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "comparison.json").read_text())
    row = summary["backbones"]["diffusion"]
    assert row["n_scenes"] == 3 and "scanning_r" in row and (out / "comparison.png").stat().st_size > 0
    assert row["shipped"] and not summary["backbones"]["gan"]["shipped"]
    assert main(["--backbones", "stylegan", "--out", str(out)]) == 2
    assert "unknown backbone" in capsys.readouterr().err


def test_imagining_settings_are_checked_by_name(tmp_path):
    trainer, cfg = tiny("dalle")
    best = trainer.train(cfg, tmp_path / "d", quiet=True)
    assert load_backbone("islands", "dalle", best, top_k=4).options["top_k"] == 4
    with pytest.raises(ValueError, match="no setting 'colour'.*top_k"):
        load_backbone("islands", "dalle", best, colour=3)
    for bad in (0, 2.5, "abc", True):  # refused when loading, before any sample
        with pytest.raises(ValueError, match="candidates must be a whole number of at least 1"):
            load_backbone("islands", "dalle", best, candidates=bad)
    with pytest.raises(ValueError, match="candidates must be a whole number of at least 1"):
        load_backbone("islands", "dalle", best).model.draw(TEXTS[:1], [torch.Generator()], candidates=0)
    for bad in (0, -1.0, "hot"):
        with pytest.raises(ValueError, match="temperature must be a number above 0"):
            load_backbone("islands", "dalle", best, temperature=bad).imagine(TEXTS[:1])


@pytest.mark.slow
@pytest.mark.parametrize("name,n", [("vae", 24), ("gan", 24), ("pixelcnn", 4)])
def test_shipped_seed_backbones_meet_a_floor_on_held_out_maps(name, n):
    from imagery_agent.evaluate import score_images
    imaginer = load_backbone("islands", name)
    scores = score_images(imaginer, build_corpus("islands", n, seed=77, split="heldout"))
    assert scores["object_accuracy"] >= 0.9, scores


@pytest.mark.slow
def test_the_shipped_rooms_vae_draws_rooms_the_reader_reads():
    from imagery_agent.evaluate import score_images
    scores = score_images(load_backbone("rooms", "vae"), build_corpus("rooms", 24, seed=77, split="heldout"))
    assert scores["object_accuracy"] >= 0.8, scores
