"""aelab.inference: traced forward passes give the eager results and do not keep models alive."""

import gc
import logging
import weakref

import keras
import numpy as np
import pytest

from aelab import inference
from aelab.models.autoencoder import build_conv_autoencoder


def _tiny():
    return build_conv_autoencoder(latent_dim=2, hidden_units=8, filters=(4, 8))


def test_traced_matches_eager_call():
    model = _tiny()
    x = np.random.default_rng(0).random((5, 28, 28, 1), dtype="float32")
    np.testing.assert_allclose(inference.run(model, x), np.asarray(model(x, training=False)), atol=1e-5)
    z = np.array([[0.5, -1.0]], "float32")
    np.testing.assert_allclose(inference.run(model.decoder, z), np.asarray(model.decoder(z)), atol=1e-5)


def test_one_trace_serves_every_batch_size():
    model = _tiny()
    for n in (1, 7, 30, 900):
        assert inference.run(model.decoder, np.zeros((n, 2))).shape == (n, 28, 28, 1)
    # The first shape traces once, the second generalises the batch axis; no more after that.
    assert inference.traced(model.decoder).experimental_get_tracing_count() <= 2


def test_sees_weights_changed_after_tracing():
    model = _tiny()
    z = np.ones((2, 2), "float32")
    before = inference.run(model.decoder, z)
    for w in model.decoder.weights:
        w.assign(w + 0.1)
    assert not np.allclose(inference.run(model.decoder, z), before)


def test_returns_tuples_for_several_outputs():
    inp = keras.Input((3,))
    two = keras.Model(inp, [keras.layers.Dense(2)(inp), keras.layers.Dense(4)(inp)])
    a, b = inference.run(two, np.zeros((6, 3)))
    assert a.shape == (6, 2) and b.shape == (6, 4) and a.dtype == np.float32


def test_does_not_keep_a_dropped_model_alive():
    model = _tiny()
    inference.run(model.decoder, np.zeros((1, 2)))
    ref = weakref.ref(model.decoder)
    del model
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("n", [1, inference.CHUNK, inference.CHUNK + 1, 3 * inference.CHUNK - 7])
def test_chunked_matches_one_call(n):
    model = _tiny()
    z = np.random.default_rng(n).normal(size=(n, 2)).astype("float32")
    out = inference.run_chunked(model.decoder, z)
    assert out.shape == (n, 28, 28, 1)
    np.testing.assert_allclose(out, np.asarray(model.decoder(z, training=False)), atol=1e-5)


def test_models_each_traced_once_draw_no_retracing_warning(caplog):
    # TensorFlow counts traces per code object: one function shared by every model looked like retracing.
    models = [keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]) for _ in range(6)]
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for model in models:
            for n in (1, 2, 5):
                inference.run(model, np.zeros((n, 4), "float32"))
            inference.run_chunked(model, np.zeros((250, 4), "float32"))
    assert "retracing" not in caplog.text
