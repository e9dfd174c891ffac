"""The VAE's importance-weighted fine-tune (bench/vae_binarized.py): the bound it trains on, the map it keeps."""

import keras
import numpy as np
import pytest

from aelab import likelihood
from aelab.models.vae import build_vae, iwae_terms


def _digits(n, seed=0):
    x = np.zeros((n, 28, 28, 1), "float32")
    x[:, 6:22, 12:16] = np.random.default_rng(seed).uniform(0.5, 1.0, (n, 1, 1, 1))  # Bars of varied ink.
    return x


def test_the_log_weights_are_the_likelihood_formula():
    rng = np.random.default_rng(0)
    n, k = 3, 5
    target = (rng.random((n, 28, 28, 1)) < 0.3).astype("float32")
    decoded = rng.uniform(0.05, 0.95, (n * k, 28, 28, 1)).astype("float32")
    eps = rng.standard_normal((n, k, 2)).astype("float32")
    mean, log_var = rng.normal(size=(n, 2)).astype("float32"), rng.normal(size=(n, 2)).astype("float32") - 2
    z = mean[:, None] + np.exp(0.5 * log_var)[:, None] * eps
    p = decoded.reshape(n, k, -1).astype("float64")
    t = target.reshape(n, 1, -1)
    log_px_z = np.sum(t * np.log(p) + (1 - t) * np.log(1 - p), axis=-1)
    normal = lambda v, m, lv: -0.5 * np.sum(np.log(2 * np.pi) + lv + (v - m) ** 2 / np.exp(lv), axis=-1)  # noqa: E731
    expected = log_px_z + normal(z, 0, 0) - normal(z, mean[:, None], log_var[:, None])
    np.testing.assert_allclose(np.asarray(iwae_terms(target, decoded, eps, z, log_var)), expected, rtol=1e-4)


def test_the_finish_keeps_the_map_and_trains_the_decoder_and_the_posterior_width():
    keras.utils.set_random_seed(0)
    vae = build_vae(hidden_units=8, filters=(4, 8), seed=1)
    x = _digits(64)
    means = np.asarray(vae.encode_mean(x))
    layers = {layer.name: [w.numpy().copy() for w in layer.weights] for layer in vae.encoder.layers}
    decoder = [w.numpy().copy() for w in vae.decoder.weights]
    xb = likelihood.binarize(x, seed=0)
    vae.finish_with_iwae(4)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = vae.fit(xb[:48], xb[:48], validation_data=(x[48:], x[48:]), batch_size=16, epochs=1, verbose=0).history
    assert set(history) - {"learning_rate"} == {"loss", "val_loss"} and np.isfinite(history["loss"]).all()
    moved = {
        layer.name
        for layer in vae.encoder.layers
        if any(not np.array_equal(a, w.numpy()) for a, w in zip(layers[layer.name], layer.weights))
    }
    assert moved == {"z_log_var"}, moved  # Only the posterior's width learns in the encoder:
    np.testing.assert_array_equal(np.asarray(vae.encode_mean(x)), means)  # every digit stays on its spot.
    assert any(not np.array_equal(a, w.numpy()) for a, w in zip(decoder, vae.decoder.weights))


def test_the_finish_refuses_one_sample():
    vae = build_vae(hidden_units=8, filters=(4, 8), seed=1)
    with pytest.raises(ValueError, match="k: expected an integer >= 2"):
        vae.finish_with_iwae(1)


def test_more_samples_train_on_a_tighter_bound():
    keras.utils.set_random_seed(0)
    vae = build_vae(hidden_units=8, filters=(4, 8), seed=1)
    xb = likelihood.binarize(_digits(64), seed=0)
    one = np.mean([float(vae.iwae_loss(xb, 1)) for _ in range(5)])
    many = np.mean([float(vae.iwae_loss(xb, 64)) for _ in range(5)])
    assert many < one  # -L_64 <= -L_1: a tighter bound.
