"""Unit tests for the Denoising page's teaching tools: the σ sweep, labelled PNG panels, their figures."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from aelab import checkpoints, data
from aelab.figures import panels, plots
from aelab.lessons import robustness


class Identity:
    """A "denoiser" that changes nothing: its output scores exactly as its input."""

    def __call__(self, x, training=False):
        return x


def digits(n=40):
    rng = np.random.default_rng(0)
    x = np.zeros((n, 28, 28, 1), "float32")
    x[:, 8:20, 10:18] = rng.random((n, 12, 8, 1))  # a bright blob on black, like a digit
    return x


def test_fixed_subset_is_seeded_and_ordered():
    x = np.arange(1000)
    a, b = robustness.fixed_subset(x, 50, seed=3), robustness.fixed_subset(x, 50, seed=3)
    np.testing.assert_array_equal(a, b)
    assert len(a) == 50 and np.all(np.diff(a) > 0)
    assert not np.array_equal(a, robustness.fixed_subset(x, 50, seed=4))
    assert len(robustness.fixed_subset(x[:10], 50)) == 10


@pytest.mark.parametrize("kind", data.NOISE_KINDS)
def test_sigma_sweep_of_an_identity_scores_the_noise_itself(kind):
    x = digits()
    sweep = robustness.sigma_sweep(Identity(), x, kind, sigmas=(0.0, 0.5, 1.0))
    assert sweep["sigma"] == [0.0, 0.5, 1.0]
    np.testing.assert_allclose(sweep["psnr"], sweep["noisy_psnr"])  # nothing denoised
    np.testing.assert_allclose(sweep["ssim"], sweep["noisy_ssim"], atol=1e-6)
    finite = [v for v in sweep["noisy_psnr"] if np.isfinite(v)]
    assert finite == sorted(finite, reverse=True)  # more noise, lower PSNR
    assert sweep["noisy_ssim"][-1] < sweep["noisy_ssim"][0]
    if kind != "tutorial":  # zero-mean noise of strength 0 leaves the images as they are
        assert sweep["noisy_psnr"][0] == float("inf") and sweep["noisy_ssim"][0] == pytest.approx(1.0)


def test_sigma_sweep_rejects_an_unknown_noise_kind():
    with pytest.raises(ValueError, match="kind"):
        robustness.sigma_sweep(Identity(), digits(2), "speckle")


@pytest.mark.skipif(data.resolve_data_dir() is None, reason="set AELAB_DATA_DIR to a folder with mnist.npz")
def test_sigma_sweep_of_the_shipped_dae_beats_its_noisy_input():
    dae = checkpoints.load("dae")
    x = robustness.fixed_subset(data.load_mnist()[1][0], 200)
    sweep = robustness.sigma_sweep(dae, x, "tutorial", sigmas=(0.25, 0.5, 1.0))
    assert all(d > n + 5 for d, n in zip(sweep["psnr"], sweep["noisy_psnr"], strict=True))  # dB gained
    assert sweep["psnr"] == sorted(sweep["psnr"], reverse=True)
    assert 17.0 < sweep["psnr"][1] < 20.0  # the README's 18.3 dB at σ 0.5 on the full test set


def test_robustness_chart_marks_sigma_and_skips_infinite_psnr():
    sweep = robustness.sigma_sweep(Identity(), digits(), "gaussian", sigmas=(0.0, 0.5, 1.0))
    fig = plots.robustness_chart(sweep, sigma=0.35)
    spec = json.loads(fig.to_json())  # what the browser gets: must be valid JSON, no Infinity
    names = [(t["name"], t["xaxis"]) for t in spec["data"]]
    assert names == [("noisy input", "x"), ("denoised", "x"), ("noisy input", "x2"), ("denoised", "x2")]
    assert spec["data"][0]["y"][0] is None and spec["data"][0]["y"][1] == pytest.approx(sweep["noisy_psnr"][1])
    lines = [s for s in spec["layout"]["shapes"] if s["type"] == "line"]
    assert len(lines) == 2 and all(s["x0"] == s["x1"] == 0.35 for s in lines)  # one per panel
    assert "σ = 0.35" in [a["text"] for a in spec["layout"]["annotations"]]
    assert not plots.robustness_chart(sweep).layout.shapes


def test_png_config_names_the_download():
    cfg = plots.png_config("manifold_vae2d", scale=3)
    assert cfg["toImageButtonOptions"] == {"format": "png", "filename": "manifold_vae2d", "scale": 3}


def test_labelled_panels_draw_labels_above_the_images():
    a = np.zeros((50, 30), "float32")  # black
    b = np.ones((40, 30, 3), "float32") * np.array([1, 0, 0], "float32")  # red
    out = panels.labelled_panels([("original", a), ("noisy", b)], title="Title", footer="PSNR 4.8 dB -> 18.2 dB")
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    # Both pictures are in there, whole...
    assert np.sum(np.all(out == 0, axis=-1)) >= 50 * 30
    assert np.sum(np.all(out == (255, 0, 0), axis=-1)) == 40 * 30
    # ...below some dark text (the labels), and the text is not on the pictures.
    black_rows = np.flatnonzero(np.all(out == 0, axis=-1).sum(axis=1) >= 30)
    ink_above = out[: black_rows[0]][np.all(out[: black_rows[0]] < 128, axis=-1)]
    assert len(ink_above) > 50
    png = panels.labelled_png([("original", a)])
    assert Image.open(io.BytesIO(png)).format == "PNG"
    with pytest.raises(ValueError, match="at least one"):
        panels.labelled_panels([])
