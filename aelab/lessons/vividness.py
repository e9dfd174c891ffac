"""The vividness trade-off of the chroma colorizer: closeness (PSNR) and colourfulness over its temperature.

The sweep of the shipped colorizer (and the scores of the MSE colorizer and of
the gray copy drawn beside it) is computed once and shipped beside its
checkpoint (`checkpoints/colorizer.vividness.json`, keyed by the checkpoints'
sha256), so the Colorization page never makes a class wait for it:

    python -m aelab.lessons.vividness [--data-dir DIR] [--checkpoint-dir DIR]
"""

import json
import os

import numpy as np

from aelab import data, locations, metrics
from aelab.i18n import N_
from aelab.models.chroma import VIVID_TEMPERATURE

# The Colorization page's vividness stops, from the distribution's mean (T = 1) to nearly its mode.
TEMPERATURES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, VIVID_TEMPERATURE)
SERIES = ("psnr", "colourfulness_ratio", "beats_gray")
IMAGES = 500  # Test images behind the chart (`robustness.fixed_subset`): steady curves.
SEED = 0  # Of the subset.
STORE_SUFFIX = ".vividness.json"
GRAY = N_("gray copy")  # The references' names: English inside, translated where shown.
MSE = N_("MSE colorizer")


def temperature_sweep(model, rgb, temperatures=TEMPERATURES):
    """Scores a chroma colorizer at every temperature of a sweep.

    Args:
        model: a `ChromaColorizer` (called as `model(gray, temperature=t)`).
        rgb: original images in [0, 1], e.g. `aelab.lessons.robustness.fixed_subset` of the test set.
        temperatures: values of T in (0, 1].

    Returns:
        dict of lists, one value per temperature: `temperature`, `psnr`
        (dataset, dB), `colourfulness_ratio` (mean colourfulness over the
        originals'), `beats_gray` (share of images closer than their gray copy).
    """
    gray = data.to_gray(rgb)
    out = {"temperature": [float(t) for t in temperatures], **{k: [] for k in SERIES}}
    for t in out["temperature"]:
        scores = metrics.colour_scores(rgb, metrics.colorize_all(model, gray, t), gray)
        for key in SERIES:
            out[key].append(float(scores[key]))
    return out


def gray_scores(rgb):
    """The scores of not guessing at all (the gray copy in RGB): the chart's floor."""
    return metrics.colour_scores(rgb, np.repeat(data.to_gray(rgb), 3, axis=-1))


def mse_scores(model, rgb):
    """The scores of a colorizer trained on MSE, drawn beside the sweep."""
    return metrics.colorization_scores(model, rgb)


def _store_path(name, directory):
    return os.path.join(directory, f"{name}{STORE_SUFFIX}")


def _store_key(sha256):
    # Everything the numbers depend on besides the code: the weights and the sweep's settings.
    return {"sha256": sha256, "images": IMAGES, "seed": SEED, "temperatures": [float(t) for t in TEMPERATURES]}


def stored_sweep(name, directory, sha256, mse_sha256=None):
    """The sweep and references shipped beside a checkpoint, when made from these very weights.

    Args:
        name: checkpoint name, e.g. "colorizer".
        directory: the checkpoint folder.
        sha256: the colorizer's sha256 (from its sidecar).
        mse_sha256: the MSE colorizer's sha256, or None without one.

    Returns:
        `(sweep, references)`: the sweep as from `temperature_sweep`, or None when the
        file is missing, unreadable, or made from other weights or settings; and
        reference name (`GRAY`, `MSE`) -> scores, holding only those still valid
        (the gray copy's with the sweep, the MSE colorizer's when its sha256 matches too).
    """
    try:
        with open(_store_path(name, directory)) as f:
            stored = json.load(f)
    except (OSError, ValueError):
        return None, {}
    if not isinstance(stored, dict) or stored.get("key") != _store_key(sha256):
        return None, {}
    sweep, refs = stored.get("sweep"), {}
    if not (isinstance(sweep, dict) and all(len(sweep.get(k, ())) == len(TEMPERATURES) for k in SERIES)):
        return None, {}
    if isinstance(stored.get("gray"), dict):
        refs[GRAY] = stored["gray"]
    mse = stored.get("mse")
    if mse_sha256 and isinstance(mse, dict) and mse.get("sha256") == mse_sha256 and isinstance(mse.get("scores"), dict):
        refs[MSE] = mse["scores"]
    return sweep, refs


def write_sweep(name, directory, sha256, sweep, gray, mse=None):
    """Writes a sweep and its references beside a checkpoint, atomically (a temporary file renamed).

    Args:
        name, directory, sha256: as for `stored_sweep`.
        sweep: as from `temperature_sweep`.
        gray: the gray copy's scores (`gray_scores`).
        mse: optional `(mse_sha256, scores)` of the MSE colorizer (`mse_scores`).

    Returns:
        The path written.
    """
    path = _store_path(name, directory)
    stored = {"key": _store_key(sha256), "sweep": sweep, "gray": gray}
    if mse is not None:
        stored["mse"] = {"sha256": mse[0], "scores": mse[1]}
    return locations.write_text_atomic(path, json.dumps(stored, indent=1) + "\n")


def main(argv=None):
    """Measures the shipped colorizer over its temperatures (and the MSE colorizer beside it) and writes it beside it."""
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m aelab.lessons.vividness", description=main.__doc__)
    parser.add_argument("--name", default="colorizer", help="checkpoint name (default: colorizer)")
    parser.add_argument("--mse-name", default="colorizer_mse", help="the MSE colorizer's (default: colorizer_mse)")
    parser.add_argument("--data-dir", help="folder holding CIFAR-10 (default: AELAB_DATA_DIR or Keras' cache)")
    parser.add_argument("--checkpoint-dir", help="checkpoint folder (default: the shipped one)")
    args = parser.parse_args(argv)
    from aelab import checkpoints
    from aelab.lessons import robustness

    directory = checkpoints.resolve_dir(args.checkpoint_dir)
    sha256 = checkpoints.read_sidecar(args.name, directory)["sha256"]
    x, _labels = data.load_test_set("cifar10", args.data_dir)  # The sweep uses test images only.
    rgb = robustness.fixed_subset(x, IMAGES, SEED)
    start = time.perf_counter()
    sweep = temperature_sweep(checkpoints.load(args.name, directory), rgb)
    print(f"{args.name}: {len(TEMPERATURES)} temperatures in {time.perf_counter() - start:.1f} s")
    mse = None
    if os.path.isfile(os.path.join(directory, f"{args.mse_name}.keras")):
        mse_sha256 = checkpoints.read_sidecar(args.mse_name, directory)["sha256"]
        mse = (mse_sha256, mse_scores(checkpoints.load(args.mse_name, directory), rgb))
    print(write_sweep(args.name, directory, sha256, sweep, gray_scores(rgb), mse))


if __name__ == "__main__":
    main()
