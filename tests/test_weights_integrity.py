"""Damaged or misplaced weights are refused with a one-line error naming the problem, never run
to a confident result (a zeroed UNet once scored 100% 'correct' with landmarks 7.5 cells off)."""
import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from imagery_agent import load_captioner, load_imaginer
from imagery_agent.checksums import MANIFEST, verify_manifest
from imagery_agent.io import WeightsError
from imagery_agent.weights import WEIGHTS_DIR

UNET = "unet/diffusion_pytorch_model.safetensors"


@pytest.fixture
def islands_copy(tmp_path):
    folder = tmp_path / "islands"
    shutil.copytree(WEIGHTS_DIR / "islands", folder)
    return folder


def rewrite(path, change):
    tensors = load_file(path)
    save_file({k: change(v) for k, v in tensors.items()}, path)


def test_every_shipped_model_folder_has_a_matching_checksum_manifest():
    folders = [p.parent for p in WEIGHTS_DIR.rglob("model_index.json")]
    folders += [p.parent for p in WEIGHTS_DIR.rglob("captioner.json")] + [p.parent for p in WEIGHTS_DIR.rglob("clip.json")]
    assert len(folders) >= 4
    for folder in folders:
        assert verify_manifest(folder, required=True), folder


def test_a_zeroed_unet_is_refused_by_its_checksum(islands_copy):
    rewrite(islands_copy / UNET, torch.zeros_like)
    with pytest.raises(WeightsError, match="does not match the checksum"):
        load_imaginer("islands", islands_copy)


def test_a_flipped_bit_is_refused(islands_copy):
    f = islands_copy / UNET
    data = bytearray(f.read_bytes())
    data[-5] ^= 0x10  # inside the last tensor's data: the file still opens
    f.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="does not match the checksum"):
        load_imaginer("islands", islands_copy)


def test_nan_weights_without_a_manifest_give_an_error_not_an_image(islands_copy):
    (islands_copy / MANIFEST).unlink()  # a user's own folder may have none: the output check still holds
    rewrite(islands_copy / UNET, lambda v: torch.full_like(v, float("nan")))
    imaginer = load_imaginer("islands", islands_copy)
    with pytest.raises(WeightsError, match="non-finite"):
        imaginer.imagine("The hut is at column 8, row 2.")


def test_a_weights_folder_of_another_family_is_named(tmp_path):
    folder = tmp_path / "figures"
    shutil.copytree(WEIGHTS_DIR / "figures", folder)
    with pytest.raises(WeightsError, match="draws 'figures' scenes, not 'islands'"):
        load_imaginer("islands", folder)


def test_an_added_or_missing_tensor_file_is_named(islands_copy):
    shutil.copy(islands_copy / UNET, islands_copy / "unet" / "extra.safetensors")
    with pytest.raises(WeightsError, match="not in checksums.json"):
        load_imaginer("islands", islands_copy)
    sums = json.loads((islands_copy / MANIFEST).read_text())
    sums["sha256"]["unet/gone.safetensors"] = "0" * 64
    (islands_copy / MANIFEST).write_text(json.dumps(sums))
    with pytest.raises(WeightsError, match="missing"):
        load_imaginer("islands", islands_copy)


def test_the_captioner_loads_safetensors_only_and_checks_them(tmp_path):
    """A pickle beside the safetensors file is never read; a changed tensor file is refused."""
    folder = tmp_path / "captioner"
    shutil.copytree(WEIGHTS_DIR / "perception" / "islands" / "captioner", folder)
    (folder / "pytorch_model.bin").write_bytes(b"not a pickle anyone should load")
    assert load_captioner("islands", folder).family == "islands"  # the .bin is ignored, not unpickled
    rewrite(folder / "model.safetensors", torch.zeros_like)
    with pytest.raises(WeightsError, match="does not match the checksum"):
        load_captioner("islands", folder)
    (folder / "model.safetensors").unlink()
    (folder / MANIFEST).unlink()
    with pytest.raises(WeightsError, match="no safetensors"):  # a pickle alone is never loaded
        load_captioner("islands", folder)
