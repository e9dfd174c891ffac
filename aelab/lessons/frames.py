"""Every frame a lesson slider can show, computed at once for one sample, so a browser can scrub them.

A slider that moves over a handful of stops on a fixed sample (the Denoising noise
level, the Colorization vividness, the interpolation step, a training's epochs) shows nothing that cannot be computed ahead: the
page computes all its stops in one batched call, sends them once, and the browser
switches between them under the pointer with no rerun (`app_pages/_scrubber.py`).
The numbers are those the pages showed for one value (same noise seed, same metric
functions), so a stop's frame is what a rerun at that value would have drawn.
"""

import dataclasses
import io

import numpy as np
from PIL import Image

from aelab import data, metrics
from aelab.figures import epoch_scatters
from aelab.inference import latent
from aelab.lessons import interpolation, posterior


def sigma_stops(lo=0.0, hi=1.0, step=0.05):
    """The Denoising slider's noise levels, on its steps (0, 0.05, ..., 1), rounded as a slider shows them."""
    n = int(round((hi - lo) / step))
    return tuple(round(lo + i * step, 10) for i in range(n + 1))


@dataclasses.dataclass(frozen=True)
class DenoisingFrames:
    """The noisy and denoised digits of one sample at every noise level, with their scores.

    Attributes:
        sigmas: the noise levels, one per frame.
        noisy, denoised: float32 arrays (S, N, 28, 28, 1): frame s holds the N digits at `sigmas[s]`.
        psnr_noisy, psnr_denoised: PSNR over the N digits (dB; inf when identical), one per frame.
        ssim_noisy, ssim_denoised: mean SSIM of the N digits, one per frame.
    """

    sigmas: tuple
    noisy: np.ndarray
    denoised: np.ndarray
    psnr_noisy: tuple
    psnr_denoised: tuple
    ssim_noisy: tuple
    ssim_denoised: tuple


def denoising_frames(model, clean, kind, seed, sigmas=None):
    """Corrupts a sample at every noise level and denoises all of it in one call.

    Args:
        model: the denoising autoencoder (`aelab.inference.latent.reconstruct` runs it).
        clean: the clean digits (N, 28, 28, 1) in [0, 1].
        kind: the noise kind (see `aelab.data.add_noise`).
        seed: the noise seed; the same at every level, so only the strength changes.
        sigmas: the noise levels (default: `sigma_stops()`).

    Returns:
        A `DenoisingFrames`.
    """
    sigmas = tuple(float(s) for s in (sigma_stops() if sigmas is None else sigmas))
    clean = np.asarray(clean, "float32")
    noisy = np.stack([data.add_noise(clean, s, kind, seed) for s in sigmas])
    # One forward pass over every level's digits (21 x 10 at most), not one per level.
    denoised = np.asarray(latent.reconstruct(model, noisy.reshape(-1, *clean.shape[1:]))).reshape(noisy.shape)
    # The same scores, computed the same way, as the page shows for one level: PSNR over the
    # digits shown, SSIM their mean. SSIM of every level's digits in one call too.
    n = len(clean)
    ref = np.concatenate([clean] * len(sigmas))
    ssim_n = metrics.psnr_ssim(ref, noisy.reshape(ref.shape))[1].reshape(len(sigmas), n).mean(axis=1)
    ssim_d = metrics.psnr_ssim(ref, denoised.reshape(ref.shape))[1].reshape(len(sigmas), n).mean(axis=1)
    return DenoisingFrames(
        sigmas=sigmas,
        noisy=noisy,
        denoised=denoised,
        psnr_noisy=tuple(metrics.dataset_psnr(clean, v) for v in noisy),
        psnr_denoised=tuple(metrics.dataset_psnr(clean, v) for v in denoised),
        ssim_noisy=tuple(float(v) for v in ssim_n),
        ssim_denoised=tuple(float(v) for v in ssim_d),
    )


@dataclasses.dataclass(frozen=True)
class ColorizationFrames:
    """The colorizer's guesses for a few photos at every temperature, with their scores.

    Attributes:
        temperatures: the values of T, one per frame.
        colorized: float32 (S, N, H, W, 3): frame s holds the N guesses at `temperatures[s]`.
        psnr: per-image PSNR against the originals (S, N), dB.
        colourfulness: per-image colourfulness M of the guesses (S, N).
    """

    temperatures: tuple
    colorized: np.ndarray
    psnr: np.ndarray
    colourfulness: np.ndarray


def colorization_frames(model, gray, rgb, temperatures):
    """A chroma colorizer's guesses at every temperature, scored as the Colorization page scores one.

    Args:
        model: a `ChromaColorizer`.
        gray: the gray inputs (N, H, W, 1).
        rgb: the originals (N, H, W, 3) in [0, 1] (for an upload, the photo at 32x32).
        temperatures: the slider's values of T.

    Returns:
        A `ColorizationFrames`.
    """
    temperatures = tuple(float(t) for t in temperatures)
    if hasattr(model, "at_temperatures"):  # One pass of the net for every T (chroma.ChromaColorizer).
        colorized = np.stack([np.asarray(g, "float32") for g in model.at_temperatures(gray, temperatures)])
    else:
        colorized = np.stack([np.asarray(metrics.colorize_all(model, gray, t), "float32") for t in temperatures])
    return ColorizationFrames(
        temperatures=temperatures,
        colorized=colorized,
        psnr=np.stack([metrics.image_psnr(rgb, g) for g in colorized]),
        colourfulness=np.stack([metrics.colourfulness(g) for g in colorized]),
    )


@dataclasses.dataclass(frozen=True)
class InterpolationFrames:
    """Every step of the straight path from A to B, decoded by each model.

    Attributes:
        kinds: the models' kind names, in the order of the pictures.
        points: dict kind -> float32 (S, latent_dim): the path's points in that model's latent space.
        digits: float32 (S, K, 28, 28, 1): frame s holds the K models' digits at step s.
    """

    kinds: tuple
    points: dict
    digits: np.ndarray


def interpolation_frames(models, ends, steps):
    """Decodes every step of A → B for each model, one batched decode per model.

    Args:
        models: dict kind -> AE or VAE (with `.decoder`).
        ends: dict kind -> `(z_a, z_b)`, the two digits' codes in that model's latent space.
        steps: number of steps, in [2, 50] (`aelab.lessons.interpolation.path`).

    Returns:
        An `InterpolationFrames`.
    """
    kinds = tuple(models)
    points, decoded = {}, []
    for kind in kinds:
        points[kind], digits = interpolation.decode_path(models[kind], *ends[kind], steps)
        decoded.append(np.asarray(digits, "float32"))
    return InterpolationFrames(kinds=kinds, points=points, digits=np.stack(decoded, axis=1))


@dataclasses.dataclass(frozen=True)
class EllipseFrames:
    """The posterior ellipses of a few digits at every enlargement.

    Attributes:
        scales: the enlargements, one per frame.
        outlines: dict n_sigma -> float32 (S, M, 2): frame s holds `posterior.ellipses` at
            `n_sigma * scales[s]` (outlines joined by NaN rows).
    """

    scales: tuple
    outlines: dict


def ellipse_frames(z_mean, z_log_var, scales, sigmas=(1.0, 2.0)):
    """The n-sigma outlines of each posterior at every enlargement of the VAE tab's slider.

    Args:
        z_mean, z_log_var: the posteriors, (N, 2) (`aelab.lessons.posterior.posterior`).
        scales: the slider's enlargements.
        sigmas: the outlines drawn per posterior (`aelab.figures.overlays.ELLIPSE_SIGMAS`).

    Returns:
        An `EllipseFrames`.
    """
    scales = tuple(float(s) for s in scales)
    outlines = {n: np.stack([posterior.ellipses(z_mean, z_log_var, n * s) for s in scales]) for n in sigmas}
    return EllipseFrames(scales=scales, outlines=outlines)


# A training replay's pictures: the size of the chart they replace in a wide column, sharp
# on a 2x screen when shown at half width on a phone.
SNAPSHOT_SIZE = (640, 520)


def snapshot_png(z, labels, width=SNAPSHOT_SIZE[0], height=SNAPSHOT_SIZE[1]):
    """One epoch's latent scatter of the fixed test digits as a PNG (no title: the page says it).

    Args:
        z: the digits' codes at that epoch, (N, 2).
        labels: their digit labels, (N,).
        width, height: picture size in pixels.

    Returns:
        The PNG file's bytes: the picture `snapshot_frames` draws for that epoch.
    """
    buf = io.BytesIO()
    Image.fromarray(epoch_scatters.draw([z], labels, width, height)[0]).save(buf, "PNG")
    return buf.getvalue()


@dataclasses.dataclass(frozen=True)
class SnapshotFrames:
    """A finished training's latent scatters, one picture per epoch.

    Attributes:
        epochs: the epochs, 0 being the untrained model.
        pictures: uint8 (S, H, W, 3): frame s is the scatter after `epochs[s]`.
    """

    epochs: tuple
    pictures: np.ndarray


def snapshot_frames(snapshots, labels, width=SNAPSHOT_SIZE[0], height=SNAPSHOT_SIZE[1]):
    """Draws every epoch's scatter once, so the replay's slider switches pictures in the browser.

    Args:
        snapshots: list of `(epoch, z)` (`aelab.training.jobs.Job.snapshots`).
        labels: the digits' labels, (N,).
        width, height: picture size in pixels.

    Returns:
        A `SnapshotFrames`.
    """
    pictures = epoch_scatters.draw([z for _e, z in snapshots], labels, width, height)
    return SnapshotFrames(epochs=tuple(int(e) for e, _z in snapshots), pictures=pictures)
