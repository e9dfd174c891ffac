"""Unit tests for the robustness sweeps shipped beside the denoiser (aelab.lessons.robustness)."""

import json
import math
import os

import numpy as np
import pytest

from aelab import checkpoints, data
from aelab.lessons import robustness


def a_sweep(value=1.0):
    return {"sigma": list(robustness.SIGMAS), **{k: [value] * len(robustness.SIGMAS) for k in robustness.SERIES}}


def test_written_sweeps_read_back_only_for_the_same_weights(tmp_path):
    sweeps = {"tutorial": a_sweep(2.0), "gaussian": a_sweep(float("inf"))}
    path = robustness.write_sweeps("dae", str(tmp_path), "abc", sweeps)
    assert os.path.basename(path) == "dae.robustness.json" and os.listdir(tmp_path) == ["dae.robustness.json"]
    back = robustness.stored_sweeps("dae", str(tmp_path), "abc")
    assert back == sweeps and math.isinf(back["gaussian"]["psnr"][0])  # PSNR of an untouched input
    assert robustness.stored_sweeps("dae", str(tmp_path), "other weights") == {}
    assert robustness.stored_sweeps("missing", str(tmp_path), "abc") == {}


def test_stored_sweeps_ignore_a_broken_or_foreign_file(tmp_path):
    path = tmp_path / "dae.robustness.json"
    path.write_text("{not json")
    assert robustness.stored_sweeps("dae", str(tmp_path), "abc") == {}
    key = {"sha256": "abc", "digits": robustness.DIGITS + 1, "seed": robustness.SEED, "sigmas": list(robustness.SIGMAS)}
    path.write_text(json.dumps({"key": key, "sweeps": {"tutorial": a_sweep()}}))  # another subset size
    assert robustness.stored_sweeps("dae", str(tmp_path), "abc") == {}


def test_the_shipped_sweeps_are_of_the_shipped_denoiser():
    sha256 = checkpoints.read_sidecar("dae")["sha256"]
    stored = robustness.stored_sweeps("dae", checkpoints.resolve_dir(), sha256)
    assert set(stored) == set(data.NOISE_KINDS)
    for sweep in stored.values():
        assert sweep["sigma"] == list(robustness.SIGMAS)
        assert all(len(sweep[k]) == len(robustness.SIGMAS) for k in robustness.SERIES)


@pytest.mark.skipif(not os.environ.get("AELAB_DATA_DIR"), reason="needs the real MNIST test set (AELAB_DATA_DIR)")
def test_the_shipped_sweeps_match_a_fresh_measurement():
    # One noise level of one kind measured again: each level is scored on its own, with the
    # same seed, so it must give the stored numbers (the whole sweep is the page's cache miss).
    directory = checkpoints.resolve_dir()
    stored = robustness.stored_sweeps("dae", directory, checkpoints.read_sidecar("dae")["sha256"])
    model = checkpoints.load("dae", directory)
    (_, _), (x, _) = data.load_mnist()
    fresh = robustness.sigma_sweep(model, robustness.fixed_subset(x), "salt_pepper", sigmas=(0.5,))
    i = robustness.SIGMAS.index(0.5)
    for k in robustness.SERIES:
        np.testing.assert_allclose(fresh[k][0], stored["salt_pepper"][k][i], rtol=1e-4)
