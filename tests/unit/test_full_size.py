"""An upload coloured at its own size keeps its luminance exactly (aelab.lessons.full_size)."""

import numpy as np

from aelab import checkpoints, data
from aelab.lessons import full_size


def test_full_size_colorization_keeps_the_uploads_luminance_exactly(checkpoint_dir):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:90, :150] / 150
    rgb = np.clip(np.stack([xx, yy, 1 - xx], -1) + rng.normal(0, 0.1, (90, 150, 3)), 0, 1).astype("float32")
    out = full_size.colorize(checkpoints.load("colorizer", checkpoint_dir), rgb)
    assert out.shape == rgb.shape and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(data.to_gray(out), data.to_gray(rgb), atol=1e-5)
    assert np.abs(out - out.mean(axis=-1, keepdims=True)).mean() > 0.005  # It is coloured, not gray.


def test_chroma_out_of_gamut_is_scaled_down_not_clipped():
    luma = np.array([[0.02, 0.5, 0.98]])
    uv = np.full((1, 3, 2), 0.4)  # Far out of the RGB cube at both dark and light ends.
    out = full_size.join(luma, uv)
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(data.to_gray(out)[..., 0], luma, atol=1e-6)
