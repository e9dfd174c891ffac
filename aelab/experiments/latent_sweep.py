"""Studies `pca` and `compression`: the conv AE and PCA at shrinking latent sizes (tutorials 002, 004).

Both train the project's conv autoencoder (`build_conv_autoencoder`, MSE, Adam,
keep-the-best) once per latent size; with a cache folder the models are kept as
checkpoints there, so whichever study runs second reuses the first one's models.
"""

import fractions
import time

import keras
import numpy as np

from aelab import checkpoints, inference, metrics
from aelab.experiments import epoch_progress, load_mnist_split, result, texts
from aelab.i18n import N_, _
from aelab.models import build_conv_autoencoder
from aelab.training import callbacks, pipeline

PCA_LATENTS = (2, 4, 8, 16, 32)
COMPRESSION_LATENTS = (1, 2, 4, 8, 16, 32, 64)
QUICK_LATENTS = (2, 8, 32)
FEATURE_LATENT = 16  # The codes the feature-extractor comparison uses.
MAX_RELATIVE_ERROR = 0.5  # The compression study's bar.
PIXELS = 28 * 28
RATIO_COLUMN = N_("compression ratio")  # 784 / latent size, in the compression study's table.
FRACTION_COLUMN = N_("code / image")  # The same as the tutorials write it: latent size / 784, reduced.


def _cache_name(k, budget):
    return f"conv_ae_k{k}_e{budget.epochs}_n{budget.train_size or 'all'}_v{budget.val_size}_s{budget.seed}"


def conv_autoencoder(k, budget, x_train, x_val, cache_dir=None, progress=None, should_stop=None):
    """The conv AE with a k-D latent, trained under the budget (or read from the cache).

    Args:
        k: latent size.
        budget: the study's `Budget`.
        x_train, x_val: training and hold-out images.
        cache_dir: a folder of trained models keyed by size and budget; None for none.
        progress: optional callable `progress(epoch_fraction)`.
        should_stop: optional callable; True stops training between batches.

    Returns:
        `(model, seconds_spent_training)`; 0 seconds when it came from the cache.
    """
    name = _cache_name(k, budget)
    if cache_dir:
        try:
            return checkpoints.load(name, cache_dir), 0.0
        except checkpoints.CheckpointError:
            pass  # Not trained yet (or a broken file): train it.
    cfg = budget.train_config("ae2d", latent_dim=k)
    t0 = time.perf_counter()
    model = build_conv_autoencoder(latent_dim=k)
    cbs = callbacks.build(on_epoch=epoch_progress(progress), should_stop=should_stop)
    hist = pipeline.fit(model, cfg, x_train, x_val, cbs)
    seconds = time.perf_counter() - t0
    if cache_dir:
        meta = pipeline.sidecar_metadata(cfg, hist.history, {}, seconds, kind="conv_ae")
        checkpoints.save(model, name, meta, cache_dir)
    return model, seconds


def _sweep(latents, budget, data, cache_dir, progress, share, should_stop=None):
    """Trains (or loads) the conv AE at each size and measures it and PCA on the test set."""
    (x_train, _y_train), (x_val, _y_val), (x_test, _y_test) = data
    pca = metrics.PCA(x_train)
    out, models = [], {}
    for i, k in enumerate(latents):
        progress(share * i / len(latents), _("Conv AE with a {k}-D latent…").format(k=k))
        part = lambda f, i=i: progress(share * (i + f) / len(latents), None)  # noqa: E731
        model, seconds = conv_autoencoder(k, budget, x_train, x_val, cache_dir, part, should_stop)
        models[k] = model
        ae = metrics.reconstruction_metrics(x_test, inference.predict_all(model, x_test))
        pc = metrics.reconstruction_metrics(x_test, pca.reconstruct(x_test, k))
        out.append({"latent": k, "ae": ae, "pca": pc, "train_seconds": round(seconds, 1)})
    return out, models, pca


def _latents(budget, full):
    return QUICK_LATENTS if budget.quick else full


def logistic_regression_accuracy(f_train, y_train, f_test, y_test, seed, epochs=30):
    """Test accuracy of a softmax regression (one Dense layer) on fixed features.

    Features are centred and divided by one scale per feature set (the training
    set's overall deviation), so the same optimizer settings suit pixels, PCA
    coordinates and AE codes alike. Not per feature: a border pixel that is
    almost always 0 would be blown up to hundreds wherever a test digit touches it.

    Returns:
        The test accuracy in [0, 1].
    """
    f_train = np.asarray(f_train, "float32").reshape(len(f_train), -1)
    f_test = np.asarray(f_test, "float32").reshape(len(f_test), -1)
    mu = f_train.mean(axis=0)
    sd = float((f_train - mu).std()) + 1e-6
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((f_train.shape[1],))
    clf = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(inputs), name="logistic_regression")
    clf.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    clf.fit((f_train - mu) / sd, y_train, batch_size=256, epochs=epochs, verbose=0)
    return float(clf.evaluate((f_test - mu) / sd, y_test, verbose=0, return_dict=True)["accuracy"])


def run_pca(budget, data_dir=None, checkpoint_dir=None, cache_dir=None, progress=None, should_stop=None):
    """AE vs PCA over latent sizes, and frozen codes as classifier features. See `run_study`."""
    del checkpoint_dir
    t0 = time.perf_counter()
    data = load_mnist_split(budget, data_dir)
    latents = _latents(budget, PCA_LATENTS)
    sweep, models, pca = _sweep(latents, budget, data, cache_dir, progress, 0.8, should_stop)

    progress(0.8, _("Softmax regression on pixels, PCA coordinates and frozen AE codes…"))
    (x_train, y_train), _val, (x_test, y_test) = data
    k = FEATURE_LATENT if FEATURE_LATENT in models else max(models)
    encoder = models[k].encoder
    epochs = 30  # Cheap even on all 55,000 images; fewer leave the low-dimensional features underfitted.
    features = {
        N_("raw pixels"): (x_train, x_test, PIXELS),
        texts.PCA_FEATURES.format(k=k): (pca.encode(x_train, k), pca.encode(x_test, k), k),
        texts.AE_FEATURES.format(k=k): (
            inference.predict_all(encoder, x_train),
            inference.predict_all(encoder, x_test),
            k,
        ),
    }
    acc_rows = []
    for name, (f_train, f_test, dims) in features.items():
        acc = logistic_regression_accuracy(f_train, y_train, f_test, y_test, budget.seed, epochs)
        acc_rows.append([name, dims, round(acc, 4)])
    progress(1.0, _("Done."))

    rows = [
        [s["latent"], round(s["pca"]["mse"], 4), round(s["ae"]["mse"], 4)]
        + [round(s["pca"]["relative_error"], 3), round(s["ae"]["relative_error"], 3)]
        + [round(s["pca"]["psnr"], 2), round(s["ae"]["psnr"], 2)]
        for s in sweep
    ]
    table = {
        "columns": [
            N_("latent size"),
            "PCA MSE",
            "AE MSE",
            N_("PCA rel. error"),
            N_("AE rel. error"),
            "PCA PSNR",
            "AE PSNR",
        ],
        "rows": rows,
    }
    accuracy = {
        "title": texts.ACCURACY_TITLE.format(epochs=epochs),
        "columns": [N_("features"), N_("dimensions"), N_("test accuracy")],
        "rows": acc_rows,
    }
    charts = [
        {
            "kind": "line",
            "title": N_("Test reconstruction MSE against latent size"),
            "x_title": N_("latent size (components)"),
            "y_title": N_("MSE per pixel"),
            "log_x": True,
            "series": [
                {"name": "PCA", "x": list(latents), "y": [r[1] for r in rows]},
                {"name": N_("conv AE"), "x": list(latents), "y": [r[2] for r in rows]},
            ],
        },
        {
            "kind": "bar",
            "title": N_("Softmax-regression test accuracy"),
            "x_title": N_("features"),
            "y_title": N_("accuracy"),
            "series": [{"name": N_("accuracy"), "x": [r[0] for r in acc_rows], "y": [r[2] for r in acc_rows]}],
        },
    ]
    wins = [r[0] for r in rows if r[2] < r[1]]
    summary = texts.PCA_SUMMARY.format(
        wins=", ".join(map(str, wins)) or texts.NO_SIZE,
        latents=", ".join(map(str, latents)),
        k=k,
        ae_accuracy=acc_rows[2][2],
        pixel_accuracy=acc_rows[0][2],
    )
    return result("pca", budget, table, charts, summary, time.perf_counter() - t0, extra_tables=[accuracy], sweep=sweep)


def largest_ratio_under(sweep, bar=MAX_RELATIVE_ERROR, model="ae"):
    """The largest compression ratio 784 / k whose relative error stays under `bar`.

    Args:
        sweep: entries `{"latent": k, model: {"relative_error": e}}`.
        bar: the highest relative error allowed.
        model: "ae" or "pca".

    Returns:
        `(ratio, latent)`, or `(None, None)` if no size meets the bar.
    """
    ok = [s["latent"] for s in sweep if s[model]["relative_error"] < bar]
    if not ok:
        return None, None
    k = min(ok)
    return PIXELS / k, k


def code_fraction(k, locale="en"):
    """The code's share of the image as the tutorials write it: 2 numbers for 784 pixels is "1/392".

    Args:
        k: the latent size.
        locale: Babel's locale for the numbers ("en", "zh_CN").

    Returns:
        The reduced fraction k / 784, its numbers written as the locale writes them.
    """
    from babel.numbers import format_decimal

    share = fractions.Fraction(int(k), PIXELS)
    return f"{format_decimal(share.numerator, locale=locale)}/{format_decimal(share.denominator, locale=locale)}"


def with_fractions(table, locale="en"):
    """The compression study's table with the code's share as a fraction beside the ratio 784 / k.

    Done where the table is shown, so results stored before this column existed show it too.

    Args:
        table: `{"columns", "rows"}` of `run_compression`, whose first column is the latent size.
        locale: Babel's locale for the numbers.

    Returns:
        A new table; the same one if it has no ratio column or already has the fractions.
    """
    columns = list(table["columns"])
    if FRACTION_COLUMN in columns or RATIO_COLUMN not in columns:
        return table
    at = columns.index(RATIO_COLUMN) + 1
    rows = [[*row[:at], code_fraction(row[0], locale), *row[at:]] for row in table["rows"]]
    return {**table, "columns": [*columns[:at], FRACTION_COLUMN, *columns[at:]], "rows": rows}


def run_compression(budget, data_dir=None, checkpoint_dir=None, cache_dir=None, progress=None, should_stop=None):
    """Relative error against compression ratio for the conv AE (and PCA). See `run_study`."""
    del checkpoint_dir
    t0 = time.perf_counter()
    sweep = _sweep(
        _latents(budget, COMPRESSION_LATENTS),
        budget,
        load_mnist_split(budget, data_dir),
        cache_dir,
        progress,
        1.0,
        should_stop,
    )[0]
    progress(1.0, _("Done."))
    rows = [
        [s["latent"], round(PIXELS / s["latent"], 1), round(s["ae"]["relative_error"], 3)]
        + [
            round(s["pca"]["relative_error"], 3),
            N_("yes") if s["ae"]["relative_error"] < MAX_RELATIVE_ERROR else N_("no"),
        ]
        for s in sweep
    ]
    table = {
        "columns": [
            N_("latent size"),
            RATIO_COLUMN,
            N_("AE rel. error"),
            N_("PCA rel. error"),
            N_("AE under 50 %"),
        ],
        "rows": rows,
    }
    ratio, k = largest_ratio_under(sweep)
    pca_ratio, pca_k = largest_ratio_under(sweep, model="pca")
    charts = [
        {
            "kind": "line",
            "title": N_("Relative error ‖x−x̂‖/‖x‖ against compression ratio 784 / latent size"),
            "x_title": N_("compression ratio"),
            "y_title": N_("relative error"),
            "log_x": True,
            "series": [
                {"name": N_("conv AE"), "x": [r[1] for r in rows], "y": [r[2] for r in rows]},
                {"name": "PCA", "x": [r[1] for r in rows], "y": [r[3] for r in rows]},
            ],
            "hline": {"y": MAX_RELATIVE_ERROR, "name": texts.ERROR_LINE.format(limit=f"{MAX_RELATIVE_ERROR:.0%}")},
        }
    ]
    if ratio is None:
        summary = texts.COMPRESSION_NONE
    elif pca_ratio:
        summary = texts.COMPRESSION_SUMMARY.format(ratio=ratio, k=k, pca_ratio=pca_ratio, pca_k=pca_k)
    else:
        summary = texts.COMPRESSION_NO_PCA.format(ratio=ratio, k=k)
    return result(
        "compression",
        budget,
        table,
        charts,
        summary,
        time.perf_counter() - t0,
        sweep=sweep,
        largest_ratio=ratio,
        largest_ratio_latent=k,
        pca_largest_ratio=pca_ratio,
    )
