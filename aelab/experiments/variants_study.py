"""Study `variants`: the dense, multi-layer and sparse autoencoders of tutorials 000 and 003.

Each is trained with binary cross-entropy and Adam, as in the tutorials, keeping
the best epoch on the validation hold-out; the full run saves them as the shipped
checkpoints `dense_ae`, `multilayer_ae` and `sparse_ae`.
"""

import time

import keras
import numpy as np

from aelab import inference, metrics, shelf
from aelab.experiments import epoch_progress, load_mnist_split, result, texts
from aelab.i18n import N_, _
from aelab.models import registry
from aelab.models.dense import sparsity_target
from aelab.training import callbacks, pipeline

# The variants are registry kinds (name, title, architecture, builder); the sparse AE's
# rho and beta are its builder's defaults (rho 0.1, beta 0.01, weight decay 1e-5).
VARIANTS = registry.VARIANTS


def fit_variant(model, budget, x_train, x_val, progress=None, should_stop=None):
    """Trains one variant (BCE, Adam, keep-the-best on the hold-out).

    Args:
        model: an untrained variant.
        budget: the study's `Budget`.
        x_train, x_val: images in [0, 1].
        progress: optional callable `progress(epoch_fraction)`.
        should_stop: optional callable; True stops training between batches.

    Returns:
        The `History.history` dict.
    """
    keras.utils.set_random_seed(budget.seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    hist = model.fit(
        x_train,
        x_train,
        batch_size=budget.batch_size,
        epochs=budget.epochs,
        validation_data=(x_val, x_val),
        callbacks=callbacks.build(on_epoch=epoch_progress(progress), should_stop=should_stop),
        verbose=0,
    )
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def mean_activations(model, x):
    """Each code unit's mean activation over a set of images, shape (units,)."""
    return inference.predict_all(model.encoder, x).mean(axis=0)


def run(budget, data_dir=None, checkpoint_dir=None, cache_dir=None, progress=None, should_stop=None):
    """Trains the three variants and compares their test reconstructions. See `run_study`."""
    del cache_dir  # Nothing to share with another study.
    t0 = time.perf_counter()
    (x_train, _y_train), (x_val, _y_val), (x_test, _y_test) = load_mnist_split(budget, data_dir)
    rows, histories, details = [], {}, {}
    for i, (name, kind) in enumerate(VARIANTS.items()):
        label, arch = kind.title, kind.architecture
        progress(
            i / len(VARIANTS), _("Training the {model} ({architecture})…").format(model=_(label), architecture=_(arch))
        )
        t = time.perf_counter()
        model = kind.build()
        share = lambda f, i=i: progress((i + f) / len(VARIANTS), None)  # noqa: E731
        hist = fit_variant(model, budget, x_train, x_val, share, should_stop)
        seconds = time.perf_counter() - t
        test = metrics.reconstruction_metrics(x_test, inference.predict_all(model, x_test))
        histories[name] = hist
        if name == "sparse_ae":
            rho, beta = sparsity_target(model)
            act = mean_activations(model, x_test)
            test["mean_activation"] = float(act.mean())
            details["sparse"] = {"rho": rho, "beta": beta, "mean_activation_per_unit": act.round(4).tolist()}
        rows.append(
            [label, arch, model.count_params()]
            + [round(test[k], 4) for k in ("mse", "bce", "relative_error")]
            + [round(test["psnr"], 2), round(seconds, 1)]
        )
        if checkpoint_dir:
            cfg = budget.train_config("ae2d")  # An MNIST autoencoder; its own kind and architecture below.
            meta = pipeline.sidecar_metadata(
                cfg, hist, test, seconds, kind=name, architecture=arch, loss="binary_crossentropy"
            )
            shelf.save(model, name, meta, name, checkpoint_dir)
    progress(1.0, _("Done."))
    table = {
        "columns": [
            N_("model"),
            N_("architecture"),
            N_("parameters"),
            "MSE",
            "BCE",
            N_("relative error"),
            N_("PSNR (dB)"),
            N_("train s"),
        ],
        "rows": rows,
    }
    labels = [r[0] for r in rows]
    charts = [
        {
            "kind": "bar",
            "title": N_("Test reconstruction error"),
            "x_title": N_("model"),
            "y_title": N_("relative error ‖x−x̂‖/‖x‖"),
            "series": [{"name": N_("relative error"), "x": labels, "y": [r[5] for r in rows]}],
        },
        {
            "kind": "line",
            "title": N_("Validation loss per epoch (BCE; sparse AE: + KL penalty + weight decay)"),
            "x_title": N_("epoch"),
            "y_title": N_("validation loss"),
            "series": [
                {"name": VARIANTS[n].title, "x": list(range(1, len(h["val_loss"]) + 1)), "y": h["val_loss"]}
                for n, h in histories.items()
            ],
        },
    ]
    sparse = details.get("sparse")
    if sparse:
        act = sparse["mean_activation_per_unit"]
        charts.append(
            {
                "kind": "bar",
                "title": N_("Sparse AE: mean activation per hidden unit (test set)"),
                "x_title": N_("hidden unit"),
                "y_title": N_("mean activation"),
                "series": [{"name": N_("mean activation"), "x": list(range(len(act))), "y": act}],
                "hline": {"y": sparse["rho"], "name": texts.TARGET_RHO.format(rho=sparse["rho"])},
            }
        )
    best = min(rows, key=lambda r: r[5])
    summary = (
        texts.VARIANTS_SPARSE_SUMMARY.format(
            model=best[0], error=best[5], mean=np.mean(sparse["mean_activation_per_unit"]), rho=sparse["rho"]
        )
        if sparse
        else texts.VARIANTS_SUMMARY.format(model=best[0], error=best[5])
    )
    return result("variants", budget, table, charts, summary, time.perf_counter() - t0, histories=histories, **details)
