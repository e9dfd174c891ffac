"""ONNX export of the AE/VAE decoders: what the browser decodes is what Keras decodes."""

import json
import os
import shutil

import numpy as np
import pytest

from aelab import checkpoints
from aelab.inference import onnx_export
from aelab.training import pipeline
from aelab.training.config import TrainConfig

TOLERANCE = 1 / 255  # Max absolute pixel difference (pixels in [0, 1]): the weights are stored in float16.


@pytest.mark.parametrize("name", ["ae2d", "vae2d"])
def test_shipped_decoder_onnx_matches_keras_on_1000_points_and_its_sidecar(name):
    meta = checkpoints.read_sidecar(name)
    entry = meta["decoder_onnx"]
    path = os.path.join(checkpoints.resolve_dir(), entry["file"])
    assert entry["file"] == f"{name}.decoder.onnx"
    assert checkpoints.sha256_of(path) == entry["sha256"]
    model = checkpoints.load(name)
    # Points over the whole plane the pages show, well beyond the encoded digits.
    assert onnx_export.max_abs_difference(model, path, n=1000, low=-8.0, high=8.0) <= TOLERANCE


def test_training_save_writes_the_onnx_beside_the_keras_with_its_sha256(tmp_path, tiny_ae):
    cfg = TrainConfig(model="ae2d", epochs=1)
    keras_path = pipeline.save_trained(tiny_ae, "mine", cfg, {"loss": [0.1]}, {}, 1.0, str(tmp_path))
    meta = checkpoints.read_sidecar("mine", str(tmp_path))
    onnx_path = tmp_path / "mine.decoder.onnx"
    assert keras_path == str(tmp_path / "mine.keras")
    assert meta["decoder_onnx"] == {"file": "mine.decoder.onnx", "sha256": checkpoints.sha256_of(onnx_path)}
    assert onnx_export.max_abs_difference(tiny_ae, str(onnx_path), n=1000) <= TOLERANCE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.decoder.onnx", "mine.json", "mine.keras"]


def test_models_without_a_2d_latent_get_no_onnx(tmp_path):
    from aelab.models import build_denoiser

    cfg = TrainConfig(model="dae", epochs=1)
    pipeline.save_trained(build_denoiser(), "dae", cfg, {"loss": [0.1]}, {}, 1.0, str(tmp_path))
    assert "decoder_onnx" not in checkpoints.read_sidecar("dae", str(tmp_path))
    assert not list(tmp_path.glob("*.onnx"))


def test_attach_exports_an_existing_checkpoint_without_touching_its_model(tmp_path):
    for suffix in (".keras", ".json"):
        shutil.copy(os.path.join(checkpoints.resolve_dir(), "vae2d" + suffix), tmp_path)
    before = json.loads((tmp_path / "vae2d.json").read_text())
    before.pop("decoder_onnx", None)
    (tmp_path / "vae2d.json").write_text(json.dumps(before))
    keras_sha = checkpoints.sha256_of(tmp_path / "vae2d.keras")
    _, path = checkpoints.attach_decoder_onnx("vae2d", str(tmp_path))
    after = checkpoints.read_sidecar("vae2d", str(tmp_path))
    assert after == {**before, "decoder_onnx": {"file": "vae2d.decoder.onnx", "sha256": checkpoints.sha256_of(path)}}
    assert checkpoints.sha256_of(tmp_path / "vae2d.keras") == keras_sha
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporary file left


def test_failed_export_leaves_no_file(tmp_path, tiny_ae, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("converter crashed")

    monkeypatch.setattr(type(tiny_ae.decoder), "export", broken)
    with pytest.raises(RuntimeError, match="converter crashed"):
        onnx_export.export_decoder(tiny_ae, str(tmp_path / "x.onnx"))
    assert os.listdir(tmp_path) == []


def test_export_refuses_a_model_without_a_decoder(tmp_path):
    with pytest.raises(ValueError, match=r"expected an AE or VAE with a \.decoder\. Received: model=ndarray"):
        onnx_export.export_decoder(np.zeros(3), str(tmp_path / "x.onnx"))


def test_attach_refuses_in_classroom_mode(monkeypatch):
    monkeypatch.setenv(checkpoints.READ_ONLY_ENV, "1")
    with pytest.raises(checkpoints.ReadOnlyError, match="classroom mode"):
        checkpoints.attach_decoder_onnx("vae2d")


def test_the_command_attaches_and_checks_each_decoder(tmp_path, capsys):
    for suffix in (".keras", ".json"):
        shutil.copy(os.path.join(checkpoints.resolve_dir(), "ae2d" + suffix), tmp_path)
    assert checkpoints.main(["attach-onnx", "ae2d", "--dir", str(tmp_path)]) == 0
    assert "ae2d.decoder.onnx" in capsys.readouterr().out and (tmp_path / "ae2d.decoder.onnx").is_file()
