"""How a denoiser holds up as the noise grows: PSNR and SSIM over a sweep of noise levels.

The sweeps of the shipped denoiser are computed once and shipped beside its
checkpoint (`checkpoints/dae.robustness.json`, keyed by the checkpoint's sha256),
so the Denoising page never makes a class wait for them:

    python -m aelab.lessons.robustness [--data-dir DIR] [--checkpoint-dir DIR]
"""

import json
import os

import numpy as np

from aelab import data, locations, metrics

SIGMAS = tuple(round(0.1 * i, 1) for i in range(11))  # 0, 0.1, ..., 1.0: the Denoising slider's range.
SERIES = ("noisy_psnr", "noisy_ssim", "psnr", "ssim")
DIGITS = 500  # Test digits behind the chart (`fixed_subset`): steady curves.
SEED = 0  # Of the subset and of the noise.
STORE_SUFFIX = ".robustness.json"


def fixed_subset(x, n=DIGITS, seed=SEED):
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


def sigma_sweep(model, x, kind="tutorial", sigmas=SIGMAS, seed=SEED):
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


def _store_path(name, directory):
    return os.path.join(directory, f"{name}{STORE_SUFFIX}")


def _store_key(sha256):
    # Everything the numbers depend on besides the code: the weights and the sweep's settings.
    return {"sha256": sha256, "digits": DIGITS, "seed": SEED, "sigmas": list(SIGMAS)}


def stored_sweeps(name, directory, sha256):
    """The sweeps shipped beside a checkpoint, when they were made from these very weights.

    Args:
        name: checkpoint name, e.g. "dae".
        directory: the checkpoint folder.
        sha256: the checkpoint's sha256 (from its sidecar).

    Returns:
        dict noise kind -> sweep (as from `sigma_sweep`); empty when the file is
        missing, unreadable, or made from other weights or settings.
    """
    try:
        with open(_store_path(name, directory)) as f:
            stored = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("key") != _store_key(sha256):
        return {}
    sweeps = stored.get("sweeps")
    return {k: v for k, v in sweeps.items() if k in data.NOISE_KINDS} if isinstance(sweeps, dict) else {}


def write_sweeps(name, directory, sha256, sweeps):
    """Writes sweeps beside a checkpoint, atomically (a temporary file renamed over the old one).

    Args:
        name, directory, sha256: as for `stored_sweeps`.
        sweeps: dict noise kind -> sweep.

    Returns:
        The path written.
    """
    path = _store_path(name, directory)
    # JSON has no infinity; Python's json writes and reads it as Infinity, which is all we need.
    text = json.dumps({"key": _store_key(sha256), "sweeps": sweeps}, indent=1)
    return locations.write_text_atomic(path, text + "\n")


def main(argv=None):
    """Computes the shipped denoiser's sweeps for every noise kind and writes them beside it."""
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m aelab.lessons.robustness", description=main.__doc__)
    parser.add_argument("--name", default="dae", help="checkpoint name (default: dae)")
    parser.add_argument("--data-dir", help="folder holding mnist.npz (default: AELAB_DATA_DIR or Keras' cache)")
    parser.add_argument("--checkpoint-dir", help="checkpoint folder (default: the shipped one)")
    args = parser.parse_args(argv)
    from aelab import checkpoints

    directory = checkpoints.resolve_dir(args.checkpoint_dir)
    sha256 = checkpoints.read_sidecar(args.name, directory)["sha256"]
    model = checkpoints.load(args.name, directory)
    x, _labels = data.load_test_set("mnist", args.data_dir)  # The sweeps use test digits only.
    subset = fixed_subset(x, DIGITS, SEED)
    sweeps = {}
    for kind in data.NOISE_KINDS:
        start = time.perf_counter()
        sweeps[kind] = sigma_sweep(model, subset, kind, seed=SEED)
        print(f"{kind}: {time.perf_counter() - start:.1f} s")
    print(write_sweeps(args.name, directory, sha256, sweeps))


if __name__ == "__main__":
    main()
