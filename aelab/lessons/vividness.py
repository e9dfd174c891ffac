"""The vividness trade-off of the chroma colorizer: closeness (PSNR) and colourfulness over its temperature."""

from aelab import data, metrics
from aelab.models.chroma import VIVID_TEMPERATURE

# The Colorization page's vividness stops, from the distribution's mean (T = 1) to nearly its mode.
TEMPERATURES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, VIVID_TEMPERATURE)
SERIES = ("psnr", "colourfulness_ratio", "beats_gray")


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
