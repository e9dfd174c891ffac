"""A VAE's uncertainty: the posterior q(z|x) of each digit, and samples from the prior.

A VAE's encoder does not give one point per digit but a Gaussian with a diagonal
covariance, N(z_mean, exp(z_log_var)); its 1-sigma and 2-sigma ellipses show
where else the digit could have landed. The decoder was trained on such samples
and pulled towards the prior N(0, I), so points drawn from that prior decode to
digits too.
"""

import numpy as np

ELLIPSE_POINTS = 48  # Corners per ellipse: smooth at any zoom a lesson needs.


def posterior(model, x):
    """The posterior mean and log-variance of each image, in one direct call.

    Args:
        model: a VAE (`aelab.models.vae.VAE.posterior` says what its posterior is).
        x: images of shape (N, 28, 28, 1) in [0, 1].

    Returns:
        `(z_mean, z_log_var)`, float32 arrays of shape (N, latent_dim).

    Raises:
        ValueError: if the model has no posterior (an AE).
    """
    if not hasattr(model, "posterior"):
        raise ValueError(f"Expected a VAE, whose encoder gives a posterior. Received: {type(model).__name__}")
    z_mean, z_log_var = model.posterior(np.asarray(x, dtype="float32"))
    return np.asarray(z_mean, dtype="float32"), np.asarray(z_log_var, dtype="float32")


def ellipses(z_mean, z_log_var, n_sigma=1.0, n_points=ELLIPSE_POINTS):
    """Outlines of the n-sigma ellipses of diagonal 2-D Gaussians, as one polyline.

    The outlines are joined with NaN rows, which a plot draws as breaks, so all
    ellipses go into one trace.

    Args:
        z_mean: centres, shape (N, 2).
        z_log_var: log-variances per axis, shape (N, 2).
        n_sigma: how many standard deviations the ellipse reaches.
        n_points: points per outline; the first is repeated to close it.

    Returns:
        float32 array of shape (N * (n_points + 2), 2): each outline's
        n_points + 1 points, then a NaN row.
    """
    z_mean = np.asarray(z_mean, dtype="float32").reshape(-1, 2)
    std = np.exp(0.5 * np.asarray(z_log_var, dtype="float32").reshape(-1, 2))
    if len(z_mean) != len(std):
        raise ValueError(f"Expected as many means as log-variances. Received {len(z_mean)} and {len(std)}")
    t = np.linspace(0.0, 2.0 * np.pi, int(n_points) + 1, dtype="float32")
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)  # (n_points + 1, 2), closed.
    outlines = z_mean[:, None, :] + n_sigma * std[:, None, :] * circle[None]
    gaps = np.full((len(z_mean), 1, 2), np.nan, dtype="float32")
    return np.concatenate([outlines, gaps], axis=1).reshape(-1, 2)


def sample_prior(n, seed, latent_dim=2):
    """Draws points from the VAE's prior N(0, I), reproducibly.

    Args:
        n: number of points.
        seed: integer seed; the same seed gives the same points.
        latent_dim: size of each point.

    Returns:
        float32 array of shape (n, latent_dim).
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"Invalid value for argument n: expected an integer >= 1. Received: n={n}")
    return np.random.default_rng(int(seed)).standard_normal((n, int(latent_dim))).astype("float32")
