"""Checkpoints a classroom can break: code in a file, truncation, odd names, classroom mode.

tests/unit/test_checkpoints.py covers the save/load round trip, a sidecar that
does not match (sha256) and another architecture under a known name.
"""

import json
import os

import keras
import numpy as np
import pytest

from aelab import checkpoints
from aelab.models import build_conv_autoencoder

X = np.zeros((1, 28, 28, 1), "float32")


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def lambda_model(marker):
    """A model whose Lambda layer creates `marker` whenever it runs."""
    # Built from source text so that the marker's path is a constant inside the
    # lambda's own code, which Keras stores in the file.
    fn = eval(f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]")  # noqa: S307
    inputs = keras.Input((28, 28, 1))
    return keras.Model(inputs, keras.layers.Lambda(fn)(inputs))


@pytest.mark.parametrize("name", ["ae2d", "student_upload"])
def test_lambda_layer_is_refused_without_running(tmp_path, name):
    marker = tmp_path / "the_lambda_ran"
    checkpoints.save(lambda_model(marker), name, {}, tmp_path)
    marker.unlink()  # Building the model ran it once.

    with pytest.raises(checkpoints.CheckpointError) as e:
        checkpoints.load(name, tmp_path)
    assert "is refused: it contains Python code (a Lambda layer" in str(e.value)
    assert "safe mode" in str(e.value) and "safe_mode=False" not in str(e.value)
    assert not marker.exists()

    # The control: the same file outside safe mode does run the code.
    keras.saving.load_model(tmp_path / f"{name}.keras", safe_mode=False)
    assert marker.exists()


def test_truncated_keras_file(tmp_path, tiny_ae):
    path = checkpoints.save(tiny_ae, "mine", {}, tmp_path)
    raw = open(path, "rb").read()
    for cut in (0, 100, len(raw) // 2, len(raw) - 1):
        with open(path, "wb") as f:
            f.write(raw[:cut])
        with pytest.raises(checkpoints.CheckpointError, match="does not match its sidecar"):
            checkpoints.load("mine", tmp_path)
        # Even when the sidecar were rewritten to match, the zip is found broken.
        sidecar = checkpoints.read_sidecar("mine", tmp_path)
        sidecar["sha256"] = checkpoints.sha256_of(path)
        with open(tmp_path / "mine.json", "w") as f:
            json.dump(sidecar, f)
        with pytest.raises(checkpoints.CheckpointError, match="could not be loaded"):
            checkpoints.load("mine", tmp_path)


def test_missing_model_file_beside_its_sidecar(tmp_path, tiny_ae):
    path = checkpoints.save(tiny_ae, "dae", {}, tmp_path)
    os.remove(path)
    with pytest.raises(checkpoints.CheckpointError, match=r"Checkpoint not found: .*dae\.keras\. Rebuild it with"):
        checkpoints.load("dae", tmp_path)


BAD_NAMES = [
    ("a/b", "Invalid checkpoint name"),
    ("a\\b", "Invalid checkpoint name"),
    ("..", "Invalid checkpoint name"),
    ("../x", "Invalid checkpoint name"),
    ("/etc/passwd", "Invalid checkpoint name"),
    ("", "Invalid checkpoint name"),
    ("   ", "Invalid checkpoint name"),
    ("two words", "Invalid checkpoint name"),
    ("tab\tname", "Invalid checkpoint name"),
    ("name\n", None),  # stripped: becomes "name"
    ("x" * 65, "Invalid checkpoint name"),
    ("x" * 300, r"\(300 characters\)"),
    ("ünïcødé", "Invalid checkpoint name"),
    ("ＡＢＣ", "Invalid checkpoint name"),  # full-width letters are not ASCII
    ("con", "device name on Windows"),
    ("NUL", "device name on Windows"),
    ("com1", "device name on Windows"),
    (".hidden", "Invalid checkpoint name"),
    ("-dash", "Invalid checkpoint name"),
]


@pytest.mark.parametrize("name, error", BAD_NAMES, ids=[repr(n[:12]) for n, _ in BAD_NAMES])
def test_names_never_leave_the_folder(tmp_path, tiny_ae, name, error):
    folder = tmp_path / "checkpoints" / "user"
    folder.mkdir(parents=True)
    if error is None:
        checkpoints.save(tiny_ae, name, {}, folder)
        assert files_under(tmp_path) == [
            "checkpoints",
            "checkpoints/user",
            "checkpoints/user/name.json",
            "checkpoints/user/name.keras",
        ]
        return
    with pytest.raises(ValueError, match=error) as e:
        checkpoints.save(tiny_ae, name, {}, folder)
    assert "\n" not in str(e.value) and len(str(e.value)) < 300
    assert files_under(tmp_path) == ["checkpoints", "checkpoints/user"]


@pytest.mark.parametrize("name", ["my_model", "  padded  ", "A-1", "x" * 64, "console"])
def test_good_names_are_kept(name):
    assert checkpoints.check_name(name) == name.strip()


@pytest.mark.parametrize(
    "value, on", [("1", True), ("true", True), ("yes", True), ("typo", True), ("0", False), ("", False), ("off", False)]
)
def test_read_only_values(monkeypatch, value, on):
    monkeypatch.setenv(checkpoints.READ_ONLY_ENV, value)
    assert checkpoints.read_only() is on


def test_read_only_refuses_every_write(tmp_path, tiny_ae, monkeypatch):
    checkpoints.save(tiny_ae, "ae2d", {"generation": 1}, tmp_path)
    stale = tmp_path / ".ae2d.old.tmp.keras"
    stale.write_bytes(b"left by a killed save")
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}

    monkeypatch.setenv(checkpoints.READ_ONLY_ENV, "1")
    for name in ("ae2d", "new_one"):
        with pytest.raises(checkpoints.ReadOnlyError, match="classroom mode .*AELAB_READ_ONLY=1"):
            checkpoints.save(tiny_ae, name, {"generation": 2}, tmp_path)
    checkpoints.clean_stale_temporaries(tmp_path)
    checkpoints.load("ae2d", tmp_path)  # Reading still works.
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_read_only_loads_an_interrupted_save_without_renaming(
    tmp_path, tiny_ae, monkeypatch, save_killed_between_renames
):
    checkpoints.save(tiny_ae, "ae2d", {"generation": 1}, tmp_path)
    newer = build_conv_autoencoder(hidden_units=8, filters=(4, 8))
    save_killed_between_renames(newer, "ae2d", {"generation": 2}, tmp_path)

    monkeypatch.setenv(checkpoints.READ_ONLY_ENV, "1")
    before = sorted(os.listdir(tmp_path))
    loaded = checkpoints.load("ae2d", tmp_path)
    np.testing.assert_allclose(loaded(X), newer(X), rtol=1e-6)
    assert sorted(os.listdir(tmp_path)) == before  # The pending file is still pending.
