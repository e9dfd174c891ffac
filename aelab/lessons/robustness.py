"""How a denoiser holds up as the noise grows: PSNR and SSIM over a sweep of noise levels."""

import numpy as np

from aelab import data, metrics

SIGMAS = tuple(round(0.1 * i, 1) for i in range(11))  # 0, 0.1, ..., 1.0: the Denoising slider's range.
SERIES = ("noisy_psnr", "noisy_ssim", "psnr", "ssim")


def fixed_subset(x, n=500, seed=0):
    """A fixed, seeded sample of images, in their original order.

    Args:
        x: the images.
        n: how many (all of them when `n >= len(x)`).
        seed: which sample.

    Returns:
        The chosen images, shape `(min(n, len(x)), ...)`.
    """
    if n >= len(x):
        return np.asarray(x)
    rows = np.sort(np.random.default_rng(seed).choice(len(x), int(n), replace=False))
    return np.asarray(x)[rows]


def sigma_sweep(model, x, kind="tutorial", sigmas=SIGMAS, seed=0):
    """Scores a denoiser at every noise level of a sweep.

    Every level uses the same noise seed, so from one level to the next only
    the strength changes, not the pattern: the curves are smooth enough to read
    at a glance.

    Args:
        model: callable from noisy to denoised images.
        x: clean images in [0, 1], e.g. from `fixed_subset`.
        kind: noise kind (see `aelab.data.add_noise`).
        sigmas: noise levels in [0, 1].
        seed: noise seed.

    Returns:
        dict with `sigma` and, per level, `noisy_psnr` and `noisy_ssim` (the
        corrupted input against the original) and `psnr` and `ssim` (the
        denoised output against the original): lists of floats. PSNR is over
        the whole set, in dB; `inf` where the input is untouched.
    """
    if kind not in data.NOISE_KINDS:
        raise ValueError(
            f"Invalid value for argument kind: expected one of {data.NOISE_KINDS}. Received: kind={kind!r}"
        )
    out = {"sigma": [float(s) for s in sigmas], **{k: [] for k in SERIES}}
    for sigma in out["sigma"]:
        scores = metrics.denoising_scores(model, x, sigma, seed, kind)
        for k in SERIES:
            out[k].append(float(scores[k]))
    return out
