"""The VAE's importance-weighted bound on binarized digits (aelab.likelihood)."""

import numpy as np

from aelab import checkpoints, data, likelihood, metrics


def test_binarize_is_seeded_and_keeps_the_grey_levels_on_average():
    x = np.full((200, 28, 28, 1), 0.3, "float32")
    b = likelihood.binarize(x, seed=4)
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    np.testing.assert_array_equal(b, likelihood.binarize(x, seed=4))


def test_the_bound_tightens_with_k_and_k1_is_the_elbo(data_dir, checkpoint_dir):
    vae = checkpoints.load("vae2d", checkpoint_dir)
    xb = likelihood.binarize(data.load_mnist(data_dir)[1][0][:20], seed=0)
    one = likelihood.iwae_bound(vae, xb, k=1, seed=0)
    many = likelihood.iwae_bound(vae, xb, k=100, seed=0)
    elbo = -metrics.vae_elbo(vae, xb)["neg_elbo"]
    assert abs(one.mean() - elbo) < 3.0  # One sample: the ELBO, up to its sampling noise.
    assert many.mean() > one.mean() + 1.0  # More samples: a tighter (higher) bound.
    assert np.isfinite(many).all() and (many < 0).all()
