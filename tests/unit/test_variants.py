"""The dense, multi-layer and sparse autoencoders: shapes, the KL penalty, saving, shipped files."""

import math

import numpy as np
import pytest

from aelab import checkpoints
from aelab.models import (
    KLSparsity,
    build_dense_autoencoder,
    build_multilayer_autoencoder,
    build_sparse_autoencoder,
)
from aelab.models.dense import hidden_unit_images, kl_sparsity, sparsity_target

X = np.random.default_rng(0).random((3, 28, 28, 1), dtype="float32")


@pytest.mark.parametrize(
    "build, code",
    [
        (build_dense_autoencoder, 64),
        (build_multilayer_autoencoder, 64),
        (lambda: build_sparse_autoencoder(hidden_units=49), 49),
    ],
)
def test_shapes_and_output_range(build, code):
    m = build()
    assert m.encoder(X).shape == (3, code)
    out = np.asarray(m(X))
    assert out.shape == (3, 28, 28, 1) and 0 <= out.min() and out.max() <= 1


def test_architectures_match_the_tutorials():
    dense = [layer.units for layer in build_dense_autoencoder().encoder.layers if hasattr(layer, "units")]
    multi = build_multilayer_autoencoder()
    widths = [
        layer.units for part in (multi.encoder, multi.decoder) for layer in part.layers if hasattr(layer, "units")
    ]
    assert dense == [64] and widths == [128, 64, 128, 784]
    assert build_multilayer_autoencoder(units=(256, 32)).encoder.output_shape == (None, 32)


def test_kl_penalty_matches_a_hand_computation():
    h = np.array([[0.2, 0.5], [0.4, 0.1]], "float32")  # unit means 0.3 and 0.3
    per_unit = 0.1 * math.log(0.1 / 0.3) + 0.9 * math.log(0.9 / 0.7)
    assert float(kl_sparsity(h, 0.1)) == pytest.approx(2 * per_unit, rel=1e-5)
    # At the target the penalty vanishes.
    assert float(kl_sparsity(np.full((4, 3), 0.1, "float32"), 0.1)) == pytest.approx(0.0, abs=1e-6)


def test_sparse_model_adds_beta_times_kl_to_its_losses():
    m = build_sparse_autoencoder(hidden_units=4, rho=0.05, beta=0.5, weight_decay=0)
    m(X, training=True)
    h = np.asarray(m.encoder(X), "float64")
    rho_hat = h.mean(axis=0)
    kl = np.sum(0.05 * np.log(0.05 / rho_hat) + 0.95 * np.log(0.95 / (1 - rho_hat)))
    assert sum(float(v) for v in m.losses) == pytest.approx(0.5 * kl, rel=1e-4)
    assert sparsity_target(m) == (0.05, 0.5)
    assert sparsity_target(build_dense_autoencoder()) is None


@pytest.mark.parametrize("kwargs", [{"rho": 0.0}, {"rho": 1.0}, {"beta": -1.0}])
def test_bad_sparsity_settings_are_refused(kwargs):
    with pytest.raises(ValueError, match="Invalid value for argument"):
        KLSparsity(**kwargs)


@pytest.mark.parametrize("build", [build_dense_autoencoder, build_multilayer_autoencoder, build_sparse_autoencoder])
def test_save_load_round_trip(tmp_path, build):
    m = build()
    checkpoints.save(m, "variant", {"seed": 0}, tmp_path)
    back = checkpoints.load("variant", tmp_path)  # safe_mode: no Lambda layers anywhere
    np.testing.assert_allclose(np.asarray(back(X)), np.asarray(m(X)), rtol=1e-5, atol=1e-6)
    assert sparsity_target(back) == sparsity_target(m)


def test_hidden_unit_images_are_unit_norm_weights():
    m = build_sparse_autoencoder(hidden_units=9)
    w = hidden_unit_images(m)
    assert w.shape == (9, 28, 28)
    np.testing.assert_allclose(np.linalg.norm(w.reshape(9, -1), axis=1), 1.0, rtol=1e-5)
    kernel = np.asarray(m.encoder.get_layer("hidden").kernel)
    np.testing.assert_allclose(w[3].ravel() * np.linalg.norm(kernel[:, 3]), kernel[:, 3], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("name", sorted(checkpoints.SHIPPED_VARIANTS))
def test_shipped_variant_checkpoints(name, checkpoint_dir):
    m = checkpoints.load(name, checkpoint_dir)
    side = checkpoints.read_sidecar(name, checkpoint_dir)
    assert side["dataset"] == "mnist" and side["epochs"] >= 1 and side["test_metrics"]["relative_error"] < 0.6
    out = np.asarray(m(X))
    assert out.shape == (3, 28, 28, 1) and 0 <= out.min() and out.max() <= 1
    if name == "sparse_ae":
        rho, _ = sparsity_target(m)
        # The penalty did its job: units are far less active than the 0.5 of an untrained sigmoid.
        assert side["test_metrics"]["mean_activation"] < 2 * rho
