"""Unit tests for the temperature sweep shipped beside the colorizer (aelab.lessons.vividness)."""

import json
import os

import numpy as np
import pytest

from aelab import checkpoints, data
from aelab.lessons import robustness, vividness

SCORES = {"psnr": 21.0, "ssim": 0.9, "colourfulness": 1.0, "original_colourfulness": 2.0, "colourfulness_ratio": 0.5,
          "beats_gray": 0.0}  # fmt: skip


def a_sweep(value=1.0):
    n = len(vividness.TEMPERATURES)
    return {"temperature": list(vividness.TEMPERATURES), **{k: [value] * n for k in vividness.SERIES}}


def test_a_written_sweep_reads_back_only_for_the_same_weights(tmp_path):
    path = vividness.write_sweep("colorizer", str(tmp_path), "abc", a_sweep(2.0), SCORES, ("mse1", SCORES))
    assert os.path.basename(path) == "colorizer.vividness.json" and os.listdir(tmp_path) == ["colorizer.vividness.json"]
    sweep, refs = vividness.stored_sweep("colorizer", str(tmp_path), "abc", "mse1")
    assert sweep == a_sweep(2.0) and refs == {vividness.GRAY: SCORES, vividness.MSE: SCORES}
    assert vividness.stored_sweep("colorizer", str(tmp_path), "retrained", "mse1") == (None, {})
    assert vividness.stored_sweep("missing", str(tmp_path), "abc", "mse1") == (None, {})


def test_a_retrained_or_missing_mse_colorizer_keeps_the_sweep_without_its_scores(tmp_path):
    vividness.write_sweep("colorizer", str(tmp_path), "abc", a_sweep(), SCORES, ("mse1", SCORES))
    assert vividness.stored_sweep("colorizer", str(tmp_path), "abc", "mse2") == (a_sweep(), {vividness.GRAY: SCORES})
    assert vividness.stored_sweep("colorizer", str(tmp_path), "abc", None) == (a_sweep(), {vividness.GRAY: SCORES})


def test_the_stored_sweep_ignores_a_broken_or_foreign_file(tmp_path):
    path = tmp_path / "colorizer.vividness.json"
    path.write_text("{not json")
    assert vividness.stored_sweep("colorizer", str(tmp_path), "abc") == (None, {})
    key = {"sha256": "abc", "images": vividness.IMAGES + 1, "seed": vividness.SEED,
           "temperatures": list(vividness.TEMPERATURES)}  # fmt: skip
    path.write_text(json.dumps({"key": key, "sweep": a_sweep(), "gray": SCORES}))  # another subset size
    assert vividness.stored_sweep("colorizer", str(tmp_path), "abc") == (None, {})
    key["images"] = vividness.IMAGES
    path.write_text(json.dumps({"key": key, "sweep": {"psnr": [1.0]}, "gray": SCORES}))  # a short sweep
    assert vividness.stored_sweep("colorizer", str(tmp_path), "abc") == (None, {})


def test_the_shipped_sweep_is_of_the_shipped_colorizers():
    directory = checkpoints.resolve_dir()
    sha256 = checkpoints.read_sidecar("colorizer", directory)["sha256"]
    mse_sha256 = checkpoints.read_sidecar("colorizer_mse", directory)["sha256"]
    sweep, refs = vividness.stored_sweep("colorizer", directory, sha256, mse_sha256)
    assert sweep["temperature"] == list(vividness.TEMPERATURES)
    assert all(len(sweep[k]) == len(vividness.TEMPERATURES) for k in vividness.SERIES)
    assert set(refs) == {vividness.GRAY, vividness.MSE}


@pytest.mark.skipif(not os.environ.get("AELAB_DATA_DIR"), reason="needs the real CIFAR-10 test set (AELAB_DATA_DIR)")
def test_the_shipped_sweep_matches_a_fresh_measurement():
    # One temperature measured again: each is scored on its own, so it must give the stored numbers.
    directory = checkpoints.resolve_dir()
    sweep, refs = vividness.stored_sweep("colorizer", directory, checkpoints.read_sidecar("colorizer")["sha256"])
    (_, _), (x, _) = data.load_cifar10()
    rgb = robustness.fixed_subset(x, vividness.IMAGES, vividness.SEED)
    fresh = vividness.temperature_sweep(checkpoints.load("colorizer", directory), rgb, temperatures=(0.5,))
    i = vividness.TEMPERATURES.index(0.5)
    for k in vividness.SERIES:
        np.testing.assert_allclose(fresh[k][0], sweep[k][i], rtol=1e-4, atol=1e-6)
    for k, v in vividness.gray_scores(rgb).items():
        np.testing.assert_allclose(v, refs[vividness.GRAY][k], rtol=1e-6)
