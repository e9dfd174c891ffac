"""Image-quality and reconstruction metrics: MSE, BCE, relative error, PSNR/SSIM, ELBO parts."""

import numpy as np
import tensorflow as tf

from aelab import data
from aelab.inference import predict_all, run_batched  # noqa: F401  (part of this module's API)


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


def colourfulness(rgb):
    """Hasler & Süsstrunk's (2003) colourfulness of each image, on 0-255 RGB.

    M = sqrt(σ²_rg + σ²_yb) + 0.3 · sqrt(μ²_rg + μ²_yb), with rg = R − G and
    yb = (R + G) / 2 − B over the pixels of one image: 0 for a gray image; on
    their scale 33 is "moderately colourful" (an average CIFAR-10 photo: about 30).

    Args:
        rgb: images (N, H, W, 3) in [0, 1].

    Returns:
        float64 array (N,).
    """
    x = np.asarray(rgb, "float64") * 255.0
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    axes = tuple(range(1, rg.ndim))
    spread = np.sqrt(rg.var(axis=axes) + yb.var(axis=axes))
    return spread + 0.3 * np.sqrt(rg.mean(axis=axes) ** 2 + yb.mean(axis=axes) ** 2)


def image_psnr(x, y):
    """Per-image PSNR in dB (max 1), float64 (N,); inf for an identical pair."""
    err = (np.asarray(x, "float64") - np.asarray(y, "float64")) ** 2
    mse = err.reshape(len(err), -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(1.0 / mse)


def colour_scores(rgb, guess, gray=None):
    """How close and how colourful colorized images are, beside the originals and the gray copy.

    Args:
        rgb: the originals (N, H, W, 3) in [0, 1].
        guess: the colorized images, same shape.
        gray: their gray versions (N, H, W, 1); computed when not given.

    Returns:
        dict with `psnr` (dataset, dB), `ssim` (mean), `colourfulness` and
        `original_colourfulness` (means over the images), `colourfulness_ratio`
        (the first mean over the second) and `beats_gray` (the share of images
        whose PSNR beats their gray copy's).
    """
    gray = data.to_gray(rgb) if gray is None else gray
    psnr, ssim = psnr_ssim(rgb, guess)
    copy_psnr, _ = psnr_ssim(rgb, np.repeat(gray, 3, axis=-1))
    m, m0 = float(np.mean(colourfulness(guess))), float(np.mean(colourfulness(rgb)))
    return {
        "psnr": dataset_psnr(rgb, guess),
        "ssim": float(np.mean(ssim)),
        "colourfulness": m,
        "original_colourfulness": m0,
        "colourfulness_ratio": m / m0,
        "beats_gray": float(np.mean(psnr > copy_psnr)),
    }


def colorize_all(model, gray, temperature=None, batch_size=1000):
    """A colorizer's guesses for a whole set; `temperature` for a chroma colorizer's decoding."""
    kw = {} if temperature is None else {"temperature": temperature}
    return run_batched(lambda b: model(b, training=False, **kw), gray, batch_size)


def colorization_scores(model, rgb, temperature=None):
    """A colorizer's closeness and colourfulness beside the "gray copied to RGB" baseline.

    Args:
        model: callable from (N, H, W, 1) gray to (N, H, W, 3) RGB.
        rgb: the original colour images in [0, 1].
        temperature: optional decoding temperature (chroma colorizers only).

    Returns:
        The `colour_scores` of its guesses, with `gray_copy_psnr` and `gray_copy_ssim`.
    """
    gray = data.to_gray(rgb)
    copy = np.repeat(gray, 3, axis=-1)
    return {
        **colour_scores(rgb, colorize_all(model, gray, temperature), gray),
        "gray_copy_psnr": dataset_psnr(rgb, copy),
        "gray_copy_ssim": float(np.mean(psnr_ssim(rgb, copy)[1])),
    }


def vae_elbo(vae, x, batch_size=1000):
    """The negative ELBO of a VAE on a set, with z sampled from q(z|x): the VAE's own loss, on other images.

    Args:
        vae: an `aelab.models.vae.VAE`; its loss terms are its own (the model owns its loss),
            so this module needs nothing from the model families.
        x: images in [0, 1].
        batch_size: items per call.

    Returns:
        dict with `neg_elbo`, `reconstruction` (BCE summed over the pixels) and
        `kl`, each a mean over the set, in nats.
    """

    # The VAE's own loss terms (batch means), as its test_step computes them, weighted by batch size.
    sums, n = np.zeros(2), 0
    for i in range(0, len(x), batch_size):
        batch = np.asarray(x[i : i + batch_size], "float32")
        sums += len(batch) * np.asarray([float(t) for t in vae.loss_terms(batch, training=False)])
        n += len(batch)
    rec, kl = sums / max(1, n)
    return {"neg_elbo": float(rec + kl), "reconstruction": float(rec), "kl": float(kl)}


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
