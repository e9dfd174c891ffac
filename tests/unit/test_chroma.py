"""The chroma-classification colorizer: bins, encodings, annealed mean, saving, the shipped contract."""

import os

import keras
import numpy as np
import pytest

from aelab import checkpoints, data, metrics
from aelab.models import chroma, chroma_bins


@pytest.fixture(scope="module")
def training_split():
    if not os.environ.get(data.DATA_DIR_ENV):
        pytest.skip(f"{data.DATA_DIR_ENV} is not set; the bins come from the real CIFAR-10 training set")
    (x, _), _ = data.load_cifar10()
    return x[:45000]  # Without the 5,000 validation images that `python -m aelab.train` holds out.


@pytest.fixture(scope="module")
def cifar_train(training_split):
    return training_split[:5000]


@pytest.fixture(scope="module")
def gamut():
    return chroma_bins.cifar10_gamut()


def test_shipped_bins_are_those_of_the_training_split(training_split, gamut):
    centres, prior = chroma_bins.fit_gamut(training_split)
    np.testing.assert_allclose(gamut[0], centres, atol=1e-6)
    np.testing.assert_allclose(gamut[1], prior, rtol=1e-5)


def _yuv_to_rgb(y, uv):
    return np.concatenate([y, uv], axis=-1) @ np.linalg.inv(chroma_bins.RGB_TO_YUV)


def test_bins_to_colours_to_bins(gamut):
    centres, prior = gamut
    assert 150 <= len(centres) <= 400 and np.isclose(prior.sum(), 1.0)
    # Give each bin the brightness at which its colour is most inside the RGB cube,
    # make that pixel in RGB, and quantize the pixel again.
    ys = np.linspace(0.0, 1.0, 201, dtype="float32")[:, None, None]
    rgb = _yuv_to_rgb(np.broadcast_to(ys, (201, len(centres), 1)), np.broadcast_to(centres, (201, len(centres), 2)))
    margin = np.minimum(rgb, 1 - rgb).min(-1)  # < 0: outside the cube at that brightness.
    best = margin.argmax(0)
    colours = rgb[best, np.arange(len(centres))]
    inside = margin.max(0) >= 0
    # Only bins at the edge of the gamut, whose centre lies just outside it, have no RGB colour.
    assert inside.mean() > 0.85
    back = np.asarray(chroma_bins.hard_encode(chroma_bins.rgb_to_uv(colours[inside]), centres))
    np.testing.assert_array_equal(back, np.flatnonzero(inside))
    np.testing.assert_allclose(chroma_bins.bins_to_uv(back, centres), centres[inside])


def test_soft_encoding_peaks_on_the_nearest_bin(gamut):
    centres, _ = gamut
    uv = chroma_bins.rgb_to_uv(np.random.default_rng(0).random((50, 3), dtype="float32"))
    soft = np.asarray(chroma_bins.soft_encode(uv, centres))
    np.testing.assert_allclose(soft.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(soft.argmax(-1), np.asarray(chroma_bins.hard_encode(uv, centres)))


def test_rebalancing_favours_rare_colours(gamut):
    centres, prior = gamut
    w = chroma_bins.rebalance_weights(centres, prior, mix=0.5)
    assert np.isclose((w * prior).sum(), 1.0, rtol=1e-4)  # An average training pixel weighs 1.
    assert w[prior.argmin()] > 1 > w[prior.argmax()]
    np.testing.assert_allclose(
        chroma_bins.rebalance_weights(centres, prior, mix=1.0), 1.0, rtol=1e-5
    )  # No rebalancing.
    with pytest.raises(ValueError, match="Invalid value for argument mix"):
        chroma_bins.rebalance_weights(centres, prior, mix=1.5)


def test_annealed_mean_at_t1_is_the_mean_and_small_t_the_mode():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(30, 2)).astype("float32")
    logits = rng.normal(size=(2, 4, 4, 30)).astype("float32") * 3
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    layer = chroma.AnnealedMean(centres, temperature=1.0)
    np.testing.assert_allclose(layer(logits), p @ centres, rtol=1e-5, atol=1e-6)
    top2 = np.sort(logits, -1)[..., -2:]
    clear = top2[..., 1] - top2[..., 0] > 0.2  # Pixels with one most likely bin (not a near tie).
    mode = np.asarray(layer(logits, temperature=0.01))[clear]
    np.testing.assert_allclose(mode, centres[logits.argmax(-1)][clear], atol=1e-4)
    with pytest.raises(ValueError, match="Invalid value for argument temperature"):
        chroma.AnnealedMean(centres, temperature=0.0)


def test_loss_is_the_rebalanced_cross_entropy(cifar_train):
    model = chroma.build_chroma_colorizer(filters=(4, 8), head_stride=1)
    rgb = cifar_train[:2]
    gray = data.to_gray(rgb)
    logits = np.asarray(model.net(gray), "float64")
    uv = chroma_bins.rgb_to_uv(rgb)
    target = np.asarray(chroma_bins.soft_encode(uv, model.centres), "float64")
    w = model.class_weights[np.asarray(chroma_bins.hard_encode(uv, model.centres))]
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = np.mean(w * -(target * log_p).sum(-1))
    assert np.isclose(float(model._loss((gray, rgb), training=False)), expected, rtol=1e-4)


def test_safe_mode_round_trip(tmp_path, cifar_train):
    model = chroma.build_chroma_colorizer(chroma_bins.fit_gamut(cifar_train[:500]), filters=(4, 8, 16), temperature=0.3)
    path = tmp_path / "c.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    gray = data.to_gray(cifar_train[:3])
    assert isinstance(loaded, chroma.ChromaColorizer) and loaded.temperature == 0.3
    np.testing.assert_allclose(loaded(gray), model(gray), atol=1e-6)
    np.testing.assert_allclose(loaded(gray, temperature=0.9), model(gray, temperature=0.9), atol=1e-6)
    np.testing.assert_array_equal(loaded.centres, model.centres)


def test_shipped_colorizers_keep_the_contract():
    if not os.environ.get(data.DATA_DIR_ENV):
        pytest.skip(f"{data.DATA_DIR_ENV} is not set")
    gray = data.to_gray(data.load_cifar10()[1][0][:300])
    model = checkpoints.load("colorizer")
    assert isinstance(model, chroma.ChromaColorizer)
    rgb = np.asarray(model(gray))
    assert rgb.shape == (300, 32, 32, 3) and 0 <= rgb.min() and rgb.max() <= 1
    assert 0 < model.temperature <= 1
    # The page's vividness: another temperature, other colours (and more colourful ones).
    vivid = np.asarray(model(gray, temperature=0.05))
    assert metrics.colourfulness(vivid).mean() > metrics.colourfulness(rgb).mean()
    # The brightness is the input's: only the chroma is guessed.
    inside = (rgb.max(-1) < 0.999) & (rgb.min(-1) > 0.001)  # Not clipped to the RGB cube.
    np.testing.assert_allclose(data.to_gray(rgb)[inside], gray[inside], atol=2e-3)
    mse = checkpoints.load("colorizer_mse")
    assert np.asarray(mse(gray)).shape == (300, 32, 32, 3)
    assert checkpoints.read_sidecar("colorizer_mse")["name"] == "colorizer_mse"
    assert os.path.getsize(checkpoints.paths("colorizer")[0]) <= 2 * 1024 * 1024
