"""How the models do on digits MNIST did not provide, sent through the app's own upload path.

"Draw a 7 and see where it lands" is measured here on digits from other hands than MNIST's writers:
digits rendered from installed fonts in many pens, slants, sizes and angles (`aelab.data.font_digits`)
and digits written stroke by stroke by a scripted pen as the drawing pad draws them, in several shapes,
pens, slants and speeds (`aelab.data.pen_digits`), each one encoded as a PNG upload and read back by
`aelab.data.digits.from_upload`, as the page does.

For each latent model (AE, VAE) the score is the Latent space page's "landed among" vote
(`aelab.classroom.landing.votes`: the digit most common among the 10 nearest MNIST test digits on the
model's map) against the digit that was drawn, beside the same score for MNIST's own test digits sent the
same way (each one left out of its own neighbours). For the denoiser the score is the share of digits
it keeps as the same digit: tutorial noise at sigma 0.5 is added, the DAE denoises, and a small
classifier trained on MNIST's training set (for this evaluation only, cached) reads the result; only
digits the classifier reads right when clean count, so its own mistakes on fonts do not.
"""

import os
import sys

import numpy as np

from aelab import data, locations
from aelab.classroom import landing
from aelab.data import digits, font_digits, pen_digits

DAE_SIGMA = 0.5  # The tutorial noise level of the DAE's identity check.
CLASSIFIER_EPOCHS = 2
CLASSIFIER_CACHE = os.path.join(locations.RUNS_DIR, "cache")


def through_upload(uploads):
    """Sends uploads (PNG bytes) through `digits.from_upload`, as the page does.

    Returns:
        `(images, kept)`: float32 (M, 28, 28, 1) and the indices of the uploads read (a blank
        one raises on the page; none of ours should).
    """
    out, kept = [], []
    for i, raw in enumerate(uploads):
        try:
            out.append(digits.from_upload(raw))
            kept.append(i)
        except ValueError:
            continue
    return np.stack(out).astype("float32"), np.array(kept, dtype="int64")


def mnist_as_uploads(x):
    """MNIST digits as uploads: dark on white PNGs of their 28x28 pixels, as a photo of one would be."""
    return [font_digits.png((255 - np.round(img[..., 0] * 255)).astype(np.uint8)) for img in x]


def build_classifier(seed=1337):
    """A small CNN that reads MNIST digits (the judge of the DAE's identity check)."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    return model


def classifier(data_dir=None, train_size=0, cache_dir=CLASSIFIER_CACHE, seed=1337):
    """The digit classifier trained on MNIST's training set, loaded from its cache when there is one.

    Args:
        data_dir: folder with mnist.npz (see `aelab.data`).
        train_size: training digits (0: all 60,000); a smaller one is for quick tests.
        cache_dir: where the trained classifier is kept (None: not kept).
        seed: weights' and shuffling's seed.

    Returns:
        A Keras model returning logits.
    """
    import keras

    name = f"mnist_classifier_s{seed}_n{train_size}_e{CLASSIFIER_EPOCHS}.keras"
    path = os.path.join(cache_dir, name) if cache_dir else None
    if path and os.path.isfile(path):
        return keras.models.load_model(path)
    (x, y), _ = data.load_mnist(data_dir)
    if train_size:
        x, y = x[:train_size], y[:train_size]
    model = build_classifier(seed)
    model.fit(x, y, batch_size=128, epochs=CLASSIFIER_EPOCHS, verbose=0)
    if path:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = path + ".tmp.keras"
        model.save(tmp)
        os.replace(tmp, path)  # Atomic: a reader never sees half a file.
    return model


def read_digits(clf, x):
    """The classifier's reading of images (N, 28, 28, 1)."""
    from aelab import inference

    return inference.predict_all(clf, x).argmax(axis=-1)


def dae_identity(dae, clf, x, y, seed=0):
    """The share of digits the DAE keeps as the same digit at sigma `DAE_SIGMA` (see the module docstring).

    Returns:
        `(share, counted)`: the share among the digits the classifier reads right when clean, and their number.
    """
    from aelab import inference

    readable = read_digits(clf, x) == y
    if not readable.any():
        return float("nan"), 0
    xr, yr = x[readable], y[readable]
    noisy = data.add_noise(xr, DAE_SIGMA, "tutorial", np.random.default_rng(seed))
    denoised = inference.predict_all(dae, noisy, 500)
    return float(np.mean(read_digits(clf, denoised) == yr)), int(readable.sum())


# The populations MNIST did not provide, by their name in the results: printed and handwritten shapes.
SETS = {"fonts": font_digits.font_set, "pen": pen_digits.pen_set}


def evaluate(models, data_dir=None, limit=0, seed=0, clf=None):
    """The out-of-MNIST table's numbers.

    Args:
        models: `{"ae2d": model, "vae2d": model, "dae": model}` (any subset).
        data_dir: folder with mnist.npz.
        limit: use this many font digits, pen digits and MNIST test digits (0: all font and pen digits
            and 2,000 test digits; the map the votes are taken on is always the whole test set).
        seed: seed of the font and pen samples (with `limit`) and of the DAE's noise.
        clf: the judge for the DAE (default: `classifier(data_dir)`).

    Returns:
        A dict: per latent model `{"fonts": share, "pen": share, "mnist": share, "per_digit_fonts": [10
        shares], "per_digit_pen": [10 shares]}`, for "dae" `{"fonts": share, "pen": share, "mnist": share,
        "fonts_counted": n, "pen_counted": n, "mnist_counted": n}`, and "n_fonts", "n_pen", "n_mnist".
    """
    from aelab.inference import latent

    sets = {}
    for name, make in SETS.items():
        uploads, labels, _ = make(limit, seed)
        x, kept = through_upload(uploads)
        sets[name] = (x, labels[kept])
    (x_test, y_test) = data.load_mnist(data_dir)[1]
    n_mnist = min(limit or 2000, len(x_test))
    x_mnist, kept_m = through_upload(mnist_as_uploads(x_test[:n_mnist]))
    y_mnist = y_test[:n_mnist][kept_m]
    out = {f"n_{name}": int(len(y)) for name, (_, y) in sets.items()} | {"n_mnist": int(len(y_mnist))}
    for kind in ("ae2d", "vae2d"):
        if kind not in models:
            continue
        model = models[kind]
        z_map = latent.encode(model, x_test)
        mnist_vote = landing.votes(z_map, y_test, latent.encode(model, x_mnist), exclude=kept_m).argmax(axis=1)
        out[kind] = {"mnist": float(np.mean(mnist_vote == y_mnist))}
        for name, (x, y) in sets.items():
            vote = landing.votes(z_map, y_test, latent.encode(model, x)).argmax(axis=1)
            out[kind][name] = float(np.mean(vote == y))
            out[kind][f"per_digit_{name}"] = [float(np.mean(vote[y == d] == d)) if (y == d).any() else None
                                              for d in range(10)]  # fmt: skip
    if "dae" in models:
        clf = clf if clf is not None else classifier(data_dir)
        out["dae"] = {}
        for name, (x, y) in [*sets.items(), ("mnist", (x_mnist, y_mnist))]:
            out["dae"][name], out["dae"][f"{name}_counted"] = dae_identity(models["dae"], clf, x, y, seed)
    return out


def format_rows(results):
    """The out-of-MNIST table as Markdown lines."""
    lines = [
        f"Out of MNIST: {results['n_fonts']} font digits, {results['n_pen']} pen digits, "
        f"{results['n_mnist']} MNIST test digits, all as uploads",
        "",
        "| model | score | font digits | pen digits | MNIST test digits | gap, fonts / pen (points) |",
        "|---|---|---|---|---|---|",
    ]
    for name, score in (("ae2d", "landed among"), ("vae2d", "landed among"), ("dae", "kept as the same digit")):
        if name in results:
            r = results[name]
            gaps = " / ".join(f"{100 * (r['mnist'] - r[s]):.1f}" for s in SETS)
            lines.append(f"| {name} | {score} | {r['fonts']:.1%} | {r['pen']:.1%} | {r['mnist']:.1%} | {gaps} |")
    return lines


def main(argv=None, prog="python -m aelab.out_of_mnist"):
    """Prints the out-of-MNIST table of the checkpoints in a folder (also part of `python -m aelab.evaluate`)."""
    import json

    from aelab.cli import ArgumentParser, existing_dir, non_negative_int, quiet_tensorflow

    p = ArgumentParser(prog=prog, description="Score the AE, VAE and DAE on digits MNIST did not provide.")
    p.add_argument("--data-dir", type=existing_dir, default=None, help="folder with mnist.npz")
    p.add_argument("--checkpoint-dir", type=existing_dir, default=None, help="folder with the checkpoints")
    p.add_argument(
        "--limit", type=non_negative_int, default=0, help="font, pen and MNIST digits to use (0: all, 2,000)"
    )
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of the font and pen samples and the DAE's noise"
    )
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    quiet_tensorflow()
    from aelab import checkpoints

    models = {name: checkpoints.load(name, args.checkpoint_dir) for name in ("ae2d", "vae2d", "dae")}
    results = evaluate(models, args.data_dir, args.limit, args.seed)
    print("\n".join(format_rows(results)))
    if args.json:
        locations.write_text_atomic(args.json, json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
