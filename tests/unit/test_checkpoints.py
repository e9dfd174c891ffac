import json
import os
import zipfile

import keras
import numpy as np
import pytest

from aelab import checkpoints
from aelab.models import build_conv_autoencoder, build_vae

X = np.random.default_rng(0).random((2, 28, 28, 1), dtype="float32")


def test_save_writes_model_and_sidecar(tmp_path, tiny_ae):
    path = checkpoints.save(tiny_ae, "ae2d", {"seed": 1, "epochs": 3}, tmp_path)
    sidecar = checkpoints.read_sidecar("ae2d", tmp_path)
    assert sidecar["sha256"] == checkpoints.sha256_of(path)
    assert sidecar["seed"] == 1 and sidecar["epochs"] == 3 and "keras" in sidecar["versions"]
    back = checkpoints.load("ae2d", tmp_path)
    np.testing.assert_allclose(back(X), tiny_ae(X), rtol=1e-6)
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]


def test_save_drops_optimizer_state(tmp_path, tiny_ae):
    tiny_ae.compile(optimizer="adam", loss="mse")
    tiny_ae.fit(X, X, epochs=1, verbose=0)
    path = checkpoints.save(tiny_ae, "ae2d", {}, tmp_path)
    with zipfile.ZipFile(path) as z, z.open("model.weights.h5") as f:
        assert b"optimizer" not in f.read()


def test_directory_from_environment(tmp_path, tiny_ae, monkeypatch):
    monkeypatch.setenv(checkpoints.CHECKPOINT_DIR_ENV, str(tmp_path))
    checkpoints.save(tiny_ae, "ae2d", {})
    assert (tmp_path / "ae2d.keras").exists()
    checkpoints.load("ae2d")


def test_missing_checkpoint_names_file_and_command(tmp_path):
    with pytest.raises(checkpoints.CheckpointError) as e:
        checkpoints.load("vae2d", tmp_path)
    assert "vae2d.json" in str(e.value) and "python -m aelab.train vae2d" in str(e.value)


def test_corrupt_checkpoint_is_a_clear_error(tmp_path, tiny_ae):
    path = checkpoints.save(tiny_ae, "ae2d", {}, tmp_path)
    raw = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(raw[: len(raw) // 3])
    with pytest.raises(checkpoints.CheckpointError, match="sha256 differs"):
        checkpoints.load("ae2d", tmp_path)
    # With the sidecar check off, the zip itself is found broken.
    with pytest.raises(checkpoints.CheckpointError, match="could not be loaded"):
        checkpoints.load("ae2d", tmp_path, verify=False)


def test_other_architecture_under_known_name(tmp_path, tiny_ae):
    checkpoints.save(tiny_ae, "colorizer", {}, tmp_path)
    with pytest.raises(checkpoints.CheckpointError, match="another architecture"):
        checkpoints.load("colorizer", tmp_path)


@pytest.mark.parametrize("name", ["", "../evil", "a/b", "x" * 65, "tëst", ".hidden", "a b"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError, match="Invalid checkpoint name"):
        checkpoints.check_name(name)


def test_crash_while_writing_keeps_previous(tmp_path, tiny_ae, monkeypatch):
    checkpoints.save(tiny_ae, "ae2d", {"generation": 1}, tmp_path)
    before = tiny_ae(X)
    other = build_conv_autoencoder(hidden_units=8, filters=(4, 8))

    def half_written_then_crash(self, filepath, *a, **k):
        with open(filepath, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(keras.Model, "save", half_written_then_crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save(other, "ae2d", {"generation": 2}, tmp_path)
    monkeypatch.undo()
    assert checkpoints.read_sidecar("ae2d", tmp_path)["generation"] == 1
    np.testing.assert_allclose(checkpoints.load("ae2d", tmp_path)(X), before, rtol=1e-6)
    assert sorted(os.listdir(tmp_path)) == ["ae2d.json", "ae2d.keras"]


def test_crash_between_renames_is_rolled_forward(tmp_path, tiny_ae, save_killed_between_renames):
    checkpoints.save(tiny_ae, "ae2d", {"generation": 1}, tmp_path)
    other = build_conv_autoencoder(hidden_units=8, filters=(4, 8))
    save_killed_between_renames(other, "ae2d", {"generation": 2}, tmp_path)
    # The sidecar already names the new model; load finishes the save.
    loaded = checkpoints.load("ae2d", tmp_path)
    assert checkpoints.read_sidecar("ae2d", tmp_path)["generation"] == 2
    np.testing.assert_allclose(loaded(X), other(X), rtol=1e-6)


def test_clean_stale_temporaries(tmp_path, tiny_ae):
    checkpoints.save(tiny_ae, "ae2d", {}, tmp_path)
    (tmp_path / ".ae2d.abc.tmp.keras").write_bytes(b"junk")
    checkpoints.clean_stale_temporaries(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["ae2d.json", "ae2d.keras"]


def test_vae_checkpoint_round_trip(tmp_path):
    vae = build_vae(hidden_units=8, filters=(4, 8))
    checkpoints.save(vae, "vae2d", {}, tmp_path)
    back = checkpoints.load("vae2d", tmp_path)
    np.testing.assert_allclose(back.encoder(X)[0], vae.encoder(X)[0], rtol=1e-6)


# The public contract on the shipped files.
@pytest.mark.parametrize("name", sorted(checkpoints.SHIPPED))
def test_shipped_checkpoint_contract(name, checkpoint_dir):
    m = checkpoints.load(name, checkpoint_dir)
    side = checkpoints.read_sidecar(name, checkpoint_dir)
    for key in ("config", "seed", "epochs", "dataset", "test_metrics", "versions", "sha256"):
        assert key in side, key
    assert side["test_metrics"], "sidecar carries the final test metrics"
    digits = np.random.default_rng(0).random((5, 28, 28, 1), dtype="float32")
    if name in ("ae2d", "vae2d"):
        enc = m.encoder(digits, training=False)
        if name == "vae2d":
            assert len(enc) == 3 and all(t.shape == (5, 2) for t in enc)
            enc = enc[2]
        assert enc.shape == (5, 2)
        out = np.asarray(m.decoder(np.zeros((5, 2), "float32")))
        assert out.shape == (5, 28, 28, 1) and 0 <= out.min() and out.max() <= 1
    elif name == "dae":
        out = np.asarray(m(digits))
        assert out.shape == (5, 28, 28, 1) and 0 <= out.min() and out.max() <= 1
    else:
        out = np.asarray(m(np.random.default_rng(0).random((5, 32, 32, 1), dtype="float32")))
        assert out.shape == (5, 32, 32, 3) and 0 <= out.min() and out.max() <= 1
    assert json.load(open(os.path.join(checkpoint_dir, f"{name}.json")))["name"] == name


def test_shipped_checkpoints_are_small():
    total = sum(
        os.path.getsize(os.path.join(checkpoints.REPO_CHECKPOINTS, f)) for f in os.listdir(checkpoints.REPO_CHECKPOINTS)
    )
    assert total < 40 * 2**20
