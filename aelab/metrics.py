"""Image-quality and reconstruction metrics: MSE, BCE, relative error, PSNR/SSIM, ELBO parts."""

import numpy as np
import tensorflow as tf

from aelab import data
from aelab.models.vae import vae_loss_terms


def run_batched(fn, x, batch_size=1000):
    """Applies `fn` to `x` in batches and concatenates the NumPy results.

    Args:
        fn: callable on a float32 batch returning a tensor or a tuple of tensors.
        x: the inputs.
        batch_size: items per call.

    Returns:
        An array, or a tuple of arrays when `fn` returns a tuple.
    """
    parts = []
    for i in range(0, len(x), batch_size):
        out = fn(np.asarray(x[i : i + batch_size], "float32"))
        parts.append(tuple(np.asarray(o) for o in out) if isinstance(out, (list, tuple)) else np.asarray(out))
    if parts and isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts))
    return np.concatenate(parts)


def predict_all(model, x, batch_size=1000):
    """The model's outputs for a whole set, in batches, with `training=False`."""
    return run_batched(lambda b: model(b, training=False), x, batch_size)


def dataset_psnr(x, y):
    """PSNR over a whole set: 10 * log10(1 / MSE over every pixel), in dB."""
    mse = float(np.mean((np.asarray(x, "float64") - np.asarray(y, "float64")) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def psnr_ssim(x, y):
    """Per-image PSNR and SSIM with `tf.image.psnr` and `tf.image.ssim` (max_val 1).

    Args:
        x, y: images of shape (N, H, W, C) in [0, 1].

    Returns:
        `(psnr, ssim)`, two float arrays of shape (N,).
    """
    x = tf.convert_to_tensor(np.asarray(x, "float32"))
    y = tf.convert_to_tensor(np.asarray(y, "float32"))
    # 28x28 digits are too small for the default 11-pixel window to say much
    # near the borders, but it is the standard setting and what tutorials use.
    return tf.image.psnr(x, y, max_val=1.0).numpy(), tf.image.ssim(x, y, max_val=1.0).numpy()


def reconstruction_metrics(x, x_hat):
    """Reconstruction quality over a set of images.

    Args:
        x: originals in [0, 1].
        x_hat: reconstructions in [0, 1].

    Returns:
        dict with `mse` (per pixel), `bce` (per pixel), `relative_error`
        (‖x − x̂‖ / ‖x‖ over the whole set, the tutorials' measure) and `psnr`
        (dataset PSNR in dB).
    """
    x = np.asarray(x, "float64")
    x_hat = np.asarray(x_hat, "float64")
    eps = 1e-7
    p = np.clip(x_hat, eps, 1 - eps)
    return {
        "mse": float(np.mean((x - x_hat) ** 2)),
        "bce": float(np.mean(-(x * np.log(p) + (1 - x) * np.log(1 - p)))),
        "relative_error": float(np.linalg.norm(x - x_hat) / np.linalg.norm(x)),
        "psnr": dataset_psnr(x, x_hat),
    }


def denoising_scores(model, x, sigma, seed=0, kind="tutorial"):
    """How much a denoiser improves images corrupted at one noise level.

    Args:
        model: callable from noisy to denoised images.
        x: clean images in [0, 1].
        sigma: noise level in [0, 1] (see `aelab.data.add_noise`).
        seed: noise seed.
        kind: noise kind.

    Returns:
        dict with dataset PSNR and mean SSIM of the noisy input
        (`noisy_psnr`, `noisy_ssim`) and of the denoised output (`psnr`, `ssim`).
    """
    noisy = data.add_noise(x, sigma, kind, seed)
    denoised = predict_all(model, noisy)
    return {
        "noisy_psnr": dataset_psnr(x, noisy),
        "noisy_ssim": float(np.mean(psnr_ssim(x, noisy)[1])),
        "psnr": dataset_psnr(x, denoised),
        "ssim": float(np.mean(psnr_ssim(x, denoised)[1])),
    }


def colorization_scores(model, rgb):
    """A colorizer's PSNR and SSIM beside the "gray copied to RGB" baseline.

    Args:
        model: callable from (N, H, W, 1) gray to (N, H, W, 3) RGB.
        rgb: the original colour images in [0, 1].

    Returns:
        dict with `psnr`, `ssim`, `gray_copy_psnr` and `gray_copy_ssim`.
    """
    gray = data.to_gray(rgb)
    guess = predict_all(model, gray)
    copy = np.repeat(gray, 3, axis=-1)
    return {
        "psnr": dataset_psnr(rgb, guess),
        "ssim": float(np.mean(psnr_ssim(rgb, guess)[1])),
        "gray_copy_psnr": dataset_psnr(rgb, copy),
        "gray_copy_ssim": float(np.mean(psnr_ssim(rgb, copy)[1])),
    }


def vae_elbo(vae, x, batch_size=1000):
    """The negative ELBO of a VAE on a set, with z sampled from q(z|x).

    Args:
        vae: a model with `.encoder` -> (z_mean, z_log_var, z) and `.decoder`.
        x: images in [0, 1].
        batch_size: items per call.

    Returns:
        dict with `neg_elbo`, `reconstruction` (BCE summed over the pixels) and
        `kl`, each a mean over the set, in nats.
    """

    def terms(b):
        z_mean, z_log_var, z = vae.encoder(b, training=False)
        return vae_loss_terms(b, vae.decoder(z, training=False), z_mean, z_log_var)

    rec, kl = run_batched(terms, x, batch_size)
    return {"neg_elbo": float(np.mean(rec + kl)), "reconstruction": float(np.mean(rec)), "kl": float(np.mean(kl))}


class PCA:
    """A PCA baseline, fitted once on a training set, then used at any number of components.

    Eigenvectors of the 784x784 covariance: cheaper than an SVD of 60k rows,
    and one decomposition serves a whole sweep of latent sizes.

    Args:
        x_train: images used to fit the components, shape (N, ...).
    """

    def __init__(self, x_train):
        a = np.asarray(x_train, "float64").reshape(len(x_train), -1)
        self.mean = a.mean(axis=0)
        cov = (a - self.mean).T @ (a - self.mean) / len(a)
        _, vecs = np.linalg.eigh(cov)
        self.components = vecs[:, ::-1]  # Columns by decreasing variance.

    def encode(self, x, k):
        """The first k principal coordinates of images, shape (N, k)."""
        return (np.asarray(x, "float64").reshape(len(x), -1) - self.mean) @ self.components[:, :k]

    def reconstruct(self, x, k):
        """Reconstructions from k components, clipped to [0, 1] like the AE's sigmoid, shaped like `x`."""
        rec = self.encode(x, k) @ self.components[:, :k].T + self.mean
        return np.clip(rec, 0, 1).reshape(np.shape(x)).astype("float32")

