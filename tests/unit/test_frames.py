"""The frames a scrubbed slider switches between: every stop present, each what the page computes at that value."""

import base64
import io
import os

import numpy as np
import pytest
from PIL import Image

from aelab import checkpoints, data, metrics
from aelab.figures import plots
from aelab.inference import latent
from aelab.lessons import frames, interpolation, posterior, vividness


def _needs_data():
    if not os.environ.get(data.DATA_DIR_ENV):
        pytest.skip(f"{data.DATA_DIR_ENV} is not set")


def test_sigma_stops_are_the_sliders_steps():
    stops = frames.sigma_stops()
    assert len(stops) == 21 and stops[0] == 0.0 and stops[-1] == 1.0
    assert stops[6] == 0.3 and stops[7] == 0.35  # As a slider shows them, not 0.30000000000000004.


def test_denoising_frames_equal_the_one_value_computation_at_every_stop():
    _needs_data()
    model = checkpoints.load("dae")
    x, _ = data.load_test_set("mnist")
    clean = x[np.random.default_rng(3).choice(len(x), 4, replace=False)]
    f = frames.denoising_frames(model, clean, "gaussian", seed=3)
    assert f.sigmas == frames.sigma_stops() and f.noisy.shape == f.denoised.shape == (21, 4, 28, 28, 1)
    for s in (0, 7, 20):
        # What app_pages/denoising.py computed for one σ before the scrubber, call for call.
        noisy = data.add_noise(clean, f.sigmas[s], "gaussian", 3)
        denoised = latent.reconstruct(model, noisy)
        np.testing.assert_array_equal(f.noisy[s], noisy)
        np.testing.assert_allclose(f.denoised[s], denoised, atol=1e-5)  # One batch of 84, not of 4.
        assert f.psnr_noisy[s] == metrics.dataset_psnr(clean, noisy)
        assert f.psnr_denoised[s] == pytest.approx(metrics.dataset_psnr(clean, denoised), abs=1e-3)
        assert f.ssim_noisy[s] == pytest.approx(float(np.mean(metrics.psnr_ssim(clean, noisy)[1])), abs=1e-6)
        assert f.ssim_denoised[s] == pytest.approx(float(np.mean(metrics.psnr_ssim(clean, denoised)[1])), abs=1e-4)
    assert f.psnr_noisy[0] == float("inf")  # Zero-mean noise of strength 0: the digits untouched.
    assert f.psnr_denoised[-1] < f.psnr_denoised[4]


def test_colorization_frames_equal_the_one_value_computation_at_every_stop():
    _needs_data()
    model = checkpoints.load("colorizer")
    x, _ = data.load_test_set("cifar10")
    rgb = x[[5, 50, 500]]
    gray = data.to_gray(rgb)
    f = frames.colorization_frames(model, gray, rgb, vividness.TEMPERATURES)
    assert f.temperatures == vividness.TEMPERATURES and f.colorized.shape == (11, 3, 32, 32, 3)
    for s, t in enumerate(vividness.TEMPERATURES):
        guess = metrics.colorize_all(model, gray, t)
        np.testing.assert_allclose(f.colorized[s], guess, atol=1e-6)
        np.testing.assert_allclose(f.psnr[s], metrics.image_psnr(rgb, guess), atol=1e-4)
        np.testing.assert_allclose(f.colourfulness[s], metrics.colourfulness(guess), atol=1e-3)
    assert f.colourfulness[-1].mean() > f.colourfulness[0].mean()  # The vivid end is more colourful.


def test_the_atlas_puts_stop_s_in_band_s_and_the_fixed_pictures_last():
    from app_pages import _scrubber

    rng = np.random.default_rng(0)
    moving = rng.random((5, 3, 4, 6, 3), dtype="float32")  # 5 stops, 3 pictures of 6x4 px.
    fixed = rng.random((2, 4, 6, 3), dtype="float32")
    uri, tile = _scrubber.atlas(moving, fixed)
    assert tile == (6, 4) and uri.startswith("data:image/png;base64,")
    sheet = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
    assert sheet.shape == (6 * 4, 3 * 6, 3)
    # The browser draws band s, tile k from (k * w, s * h): exactly the frame's picture in uint8.
    np.testing.assert_array_equal(sheet[2 * 4 : 3 * 4, 1 * 6 : 2 * 6], data.images.to_uint8(moving[2, 1]))
    np.testing.assert_array_equal(sheet[5 * 4 :, 6:12], data.images.to_uint8(fixed[1]))


def test_interpolation_frames_hold_every_step_of_each_models_path():
    models = {kind: checkpoints.load(kind) for kind in ("ae2d", "vae2d")}
    ends = {
        "ae2d": (np.array([-1.0, 2.0]), np.array([3.0, -0.5])),
        "vae2d": (np.array([0.5, 0.5]), np.array([-1.5, 1.0])),
    }
    f = frames.interpolation_frames(models, ends, 7)
    assert f.kinds == ("ae2d", "vae2d") and f.digits.shape == (7, 2, 28, 28, 1)
    for k, kind in enumerate(f.kinds):
        # What the page's strips computed for one model before the scrubber: the same path, the same decode.
        points, digits = interpolation.decode_path(models[kind], *ends[kind], 7)
        np.testing.assert_array_equal(f.points[kind], points)
        np.testing.assert_allclose(f.digits[:, k], digits, atol=1e-6)
        np.testing.assert_allclose(f.points[kind][[0, -1]], np.stack(ends[kind]), atol=1e-6)
    assert not np.allclose(f.digits[0], f.digits[-1])  # The ends decode to different digits.


def test_snapshot_frames_are_each_epochs_own_scatter():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 300)
    snapshots = [(e, rng.normal(size=(300, 2)).astype("float32") * (e + 1)) for e in range(3)]
    f = frames.snapshot_frames(snapshots, labels, width=320, height=260)
    assert f.epochs == (0, 1, 2) and f.pictures.shape == (3, 260, 320, 3) and f.pictures.dtype == np.uint8
    for s, (_epoch, z) in enumerate(snapshots):
        own = np.asarray(Image.open(io.BytesIO(frames.snapshot_png(z, labels, 320, 260))).convert("RGB"))
        np.testing.assert_array_equal(f.pictures[s], own)
    assert (f.pictures[0] != f.pictures[2]).any()
    # Each digit's points in its own colour, as the page's Plotly scatter draws them.
    for d in np.unique(labels):
        rgb = np.array([int(plots.DIGIT_COLORS[d][i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(f.pictures[2].astype(int) - rgb).sum(axis=-1) == 0).sum() > 10, d


def test_ellipse_frames_hold_every_scale_as_the_chart_draws_it():
    mean = np.array([[0.5, -1.0], [2.0, 0.3]], "float32")
    log_var = np.log(np.array([[0.02, 0.03], [0.01, 0.05]], "float32") ** 2)
    scales = (1, 2, 5, 10, 20, 50)
    f = frames.ellipse_frames(mean, log_var, scales)
    assert f.scales == scales and set(f.outlines) == {1.0, 2.0} and f.outlines[1.0].shape[0] == 6
    for s, scale in enumerate(scales):
        for n_sigma, outline in f.outlines.items():
            # The outlines overlays.add_ellipses puts in the chart at that scale, point for point.
            np.testing.assert_array_equal(outline[s], posterior.ellipses(mean, log_var, n_sigma * scale))
    assert f.outlines[1.0][-1][:49, 0].max() - 0.5 == pytest.approx(50 * 0.02, rel=1e-4)  # The first digit, at 50x.
