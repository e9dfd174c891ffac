"""Quantized chroma for the chroma colorizer: the bins, the soft and hard encodings, the rebalancing weights.

Chroma is the UV plane of YUV (the gray input is its Y). The bins are the cells
of a regular grid over UV that the CIFAR-10 training pixels fall in, as
Zhang, Isola & Efros ("Colorful Image Colorization", 2016) use the ab cells
seen in ImageNet; like them, we ship the bins and their frequencies as a file.
"""

import json
import os

import numpy as np
from keras import ops

from aelab.models.colorizer import _YUV_TO_RGB

RGB_TO_YUV = np.linalg.inv(_YUV_TO_RGB.astype("float64")).astype("float32")
GRID = 0.05  # Bin width in U and V: ~300 bins seen in CIFAR-10, as Zhang et al.'s 313 in ab.
UV_MIN = (-0.44, -0.62)  # Just below the smallest U and V any RGB colour has (-0.436, -0.615).
GAMUT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cifar10_gamut.json")


def rgb_to_uv(rgb):
    """Chroma (U, V) of RGB images in [0, 1], as float32 of shape (..., 2)."""
    rgb = np.asarray(rgb, "float32")
    return rgb @ RGB_TO_YUV[:, 1:]


def _cells(uv, grid):
    """Integer grid cell (iu, iv) of each chroma value."""
    return np.floor((np.asarray(uv) - np.asarray(UV_MIN)) / grid).astype("int64")


def fit_gamut(rgb, grid=GRID, min_count=1, chunk=2000):
    """The in-gamut chroma bins of a training set and how often each occurs.

    Args:
        rgb: training images (N, H, W, 3) in [0, 1].
        grid: bin width in U and V.
        min_count: a cell becomes a bin when at least this many pixels fall in it.
        chunk: images converted at a time (bounds the memory).

    Returns:
        `(centres, prior)`: float32 (Q, 2) bin centres in UV and float32 (Q,)
        the share of the training pixels nearest to each (sums to 1).
    """
    if grid <= 0:
        raise ValueError(f"Invalid value for argument grid: expected a positive bin width. Received: grid={grid}")
    size = _cells([[-UV_MIN[0], -UV_MIN[1]]], grid)[0] + 1
    counts = np.zeros(int(size[0] * size[1]), "int64")
    for i in range(0, len(rgb), chunk):
        c = _cells(rgb_to_uv(rgb[i : i + chunk]).reshape(-1, 2), grid)
        counts += np.bincount(c[:, 0] * size[1] + c[:, 1], minlength=len(counts))
    keep = np.flatnonzero(counts >= min_count)
    iu, iv = np.divmod(keep, size[1])
    centres = np.stack([iu, iv], axis=1) * grid + np.asarray(UV_MIN) + grid / 2
    return centres.astype("float32"), (counts[keep] / counts[keep].sum()).astype("float32")


def rebalance_weights(centres, prior, mix=0.5, sigma=GRID):
    """Zhang et al.'s per-bin loss weights, which make rare (saturated) colours count.

    w ∝ 1 / ((1 - mix) * p̃ + mix / Q), p̃ the prior smoothed by a Gaussian of
    width `sigma` over the bins, normalised so that the expected weight is 1.

    Args:
        centres: (Q, 2) bin centres.
        prior: (Q,) share of the training pixels in each bin.
        mix: Zhang et al.'s lambda: 1 weighs every pixel alike (no rebalancing),
            0 every colour alike (full inverse frequency); they use 0.5.
        sigma: smoothing width in UV units.

    Returns:
        float32 (Q,) weights.
    """
    if not 0.0 <= mix <= 1.0:
        raise ValueError(f"Invalid value for argument mix: expected a number in [0, 1]. Received: mix={mix}")
    c = np.asarray(centres, "float64")
    k = np.exp(-((c[:, None, :] - c[None, :, :]) ** 2).sum(-1) / (2 * sigma**2))
    smooth = k @ np.asarray(prior, "float64")
    smooth /= smooth.sum()
    w = 1.0 / ((1 - mix) * smooth + mix / len(c))
    return (w / (w * prior).sum()).astype("float32")  # A training pixel weighs 1 on average.


def soft_encode(uv, centres, sigma=GRID / 2):
    """Soft one-hot targets: a Gaussian of width `sigma` around each true colour, over the bins.

    With sigma half a bin, almost all of the mass sits on the 4-5 nearest bins,
    as in Zhang et al., without a nearest-neighbour search.

    Args:
        uv: tensor (..., 2) of chroma values.
        centres: (Q, 2) bin centres.
        sigma: width in UV units.

    Returns:
        Tensor (..., Q) summing to 1 over the last axis.
    """
    c = ops.convert_to_tensor(centres, "float32")
    d2 = ops.sum(ops.square(ops.expand_dims(uv, -2) - c), axis=-1)
    return ops.softmax(-d2 / (2 * sigma**2), axis=-1)


def hard_encode(uv, centres):
    """Index of the nearest bin of each chroma value, int (...,)."""
    c = ops.convert_to_tensor(centres, "float32")
    return ops.argmin(ops.sum(ops.square(ops.expand_dims(ops.convert_to_tensor(uv, "float32"), -2) - c), -1), -1)


def bins_to_uv(indices, centres):
    """The chroma of bin indices, float32 (..., 2)."""
    return ops.take(ops.convert_to_tensor(centres, "float32"), indices, axis=0)


def cifar10_gamut():
    """The shipped bins: `fit_gamut` of the CIFAR-10 training split (images 0-44,999), stored as JSON.

    Zhang et al. ship their gamut and prior as files too; building an untrained
    model then needs no data set. `tests/unit/test_chroma.py` recomputes them.

    Returns:
        `(centres, prior)` as `fit_gamut` returns them.
    """
    with open(GAMUT_FILE) as f:
        g = json.load(f)
    return np.asarray(g["centres"], "float32"), np.asarray(g["prior"], "float32")


def write_cifar10_gamut(rgb_train, path=GAMUT_FILE):
    """Recomputes the shipped bins from the training split and writes them (atomically)."""
    centres, prior = fit_gamut(rgb_train)
    body = {
        "grid": GRID,
        "uv_min": UV_MIN,
        "images": len(rgb_train),
        "centres": centres.tolist(),
        "prior": prior.tolist(),
    }
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(body, f)
    os.replace(tmp, path)
