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


def test_the_decoding_split_in_two_gives_the_models_own_colours(checkpoint_dir):
    # chroma_of_views averages decoding_distribution over views, then anneals: for one view, the model.
    model = checkpoints.load("colorizer", checkpoint_dir)
    gray = data.to_gray(np.random.default_rng(1).uniform(0, 1, (2, 32, 32, 3)).astype("float32"))
    logits = model.net(gray, training=False)
    for t in (None, 1.0, 0.3, 0.05):
        uv = model.anneal(model.decoding_distribution(logits, t), t)
        ours = model.to_rgb([gray, model.upsample(uv)])
        np.testing.assert_allclose(ours, model(gray, temperature=t), atol=2e-5)


def test_a_mirrored_photo_is_coloured_as_the_mirror_image(checkpoint_dir):
    # Every view is also seen mirrored, so the colours cannot lean to one side of the photo.
    model = checkpoints.load("colorizer", checkpoint_dir)
    rng = np.random.default_rng(2)
    rgb = np.clip(rng.uniform(0, 1, (12, 20, 3)).repeat(6, 0).repeat(6, 1), 0, 1).astype("float32")
    out = full_size.colorize(model, rgb, 0.3)
    mirrored = full_size.colorize(model, rgb[:, ::-1], 0.3)
    np.testing.assert_allclose(mirrored, out[:, ::-1], atol=2e-3)
    assert np.abs(out - out.mean(axis=-1, keepdims=True)).mean() > 0.005
