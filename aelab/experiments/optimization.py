"""Studies `optimizers` and `losses`: the conv denoising AE under one budget and seed (tutorial 002).

Every run starts from the same initial weights and sees the same noisy batches
(the DAE's own pipeline, `aelab.training.pipeline.noisy_pair`); only the optimizer or the
loss changes. The losses live on different scales, so the runs are compared on
common measures: validation MSE after each epoch, and test PSNR/SSIM/MSE on the
tutorial's noise at sigma 0.5.
"""

import re
import time

import keras

from aelab import checkpoints, metrics
from aelab.experiments import epoch_progress, load_mnist_split, result, texts
from aelab.i18n import N_, _
from aelab.models import build_denoiser
from aelab.training import callbacks, pipeline

# Each optimizer at Keras' default learning rate, as the tutorial used them, and
# Adagrad and SGD once more with a larger step: at their defaults (0.001, 0.01)
# they barely move in this budget, which says more about the step than the method.
# Each is a `keras.optimizers.get` spec: (name, its config beyond the defaults).
OPTIMIZERS = {  # Labels in English (results, file names); the Studies page shows them translated.
    "Adam": ("adam", {}),
    "Adagrad": ("adagrad", {}),
    "SGD": ("sgd", {}),
    N_("Adagrad, lr 0.05"): ("adagrad", {"learning_rate": 0.05}),
    N_("SGD, lr 0.05, momentum 0.9"): ("sgd", {"learning_rate": 0.05, "momentum": 0.9}),
}
LOSSES = {"MSE": "mean_squared_error", "BCE": "binary_crossentropy", "MAE": "mean_absolute_error"}
TEST_SIGMA = 0.5


def _slug(label):
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _cache_name(optimizer, loss, budget):
    n = budget.train_size or "all"
    return f"dae_{_slug(optimizer)}_{_slug(loss)}_e{budget.epochs}_n{n}_v{budget.val_size}_s{budget.seed}"


def train_denoiser(optimizer, loss, budget, x_train, x_val, cache_dir=None, progress=None, should_stop=None):
    """Trains the DAE with one optimizer and loss (or reads it from the cache).

    Args:
        optimizer: a key of OPTIMIZERS.
        loss: a key of LOSSES.
        budget: the study's `Budget`.
        x_train, x_val: clean images; noisy inputs are made per batch.
        cache_dir: folder of trained runs (Adam + MSE is in both studies); None for none.
        progress: optional callable `progress(epoch_fraction)`.
        should_stop: optional callable; True stops training between batches.

    Returns:
        `(model, history, seconds)`; history has `loss`, `val_loss`, `mse`, `val_mse`.
    """
    name = _cache_name(optimizer, loss, budget)
    if cache_dir:
        try:
            model = checkpoints.load(name, cache_dir)
            meta = checkpoints.read_sidecar(name, cache_dir)
            return model, meta["history"], meta["train_seconds"]
        except (checkpoints.CheckpointError, KeyError):
            pass
    name_, config = OPTIMIZERS[optimizer]
    opt = keras.optimizers.get({"class_name": name_, "config": config})
    cfg = budget.train_config(
        "dae",
        optimizer=name_,
        learning_rate=float(opt.learning_rate.numpy()),
        schedule="constant",  # No plateau schedule: it would act differently per run.
    )
    keras.utils.set_random_seed(budget.seed)  # The same initial weights for every run.
    model = build_denoiser()
    model.compile(optimizer=opt, loss=LOSSES[loss], metrics=["mse"])
    # The last epoch, not the best: the study compares how far each optimizer gets in the budget.
    cbs = callbacks.build(on_epoch=epoch_progress(progress), should_stop=should_stop, keep_best=False)
    t0 = time.perf_counter()
    hist = pipeline.fit(model, cfg, x_train, x_val, cbs)
    seconds = round(time.perf_counter() - t0, 1)
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    if cache_dir:
        checkpoints.save(model, name, pipeline.sidecar_metadata(cfg, history, {}, seconds, loss=loss), cache_dir)
    return model, history, seconds


def _study(study, runs, budget, data_dir, cache_dir, progress, should_stop):
    t0 = time.perf_counter()
    (x_train, _y_train), (x_val, _y_val), (x_test, _y_test) = load_mnist_split(budget, data_dir)
    rows, histories = [], {}
    for i, (optimizer, loss) in enumerate(runs):
        label = texts.RUN.format(optimizer=optimizer, loss=loss)
        progress(i / len(runs), _("Training the denoising AE with {run}…").format(run=texts.shown(label)))
        share = lambda f, i=i: progress((i + f) / len(runs), None)  # noqa: E731
        model, hist, seconds = train_denoiser(optimizer, loss, budget, x_train, x_val, cache_dir, share, should_stop)
        scores = metrics.denoising_scores(model, x_test, TEST_SIGMA, seed=budget.seed)
        mse = 10 ** (-scores["psnr"] / 10)  # Dataset PSNR is 10 log10(1 / MSE).
        histories[label] = hist
        rows.append(
            [optimizer, loss, round(mse, 4), round(scores["psnr"], 2), round(scores["ssim"], 3)]
            + [round(hist["val_mse"][-1], 4), round(hist["loss"][-1], 4), seconds]
        )
    progress(1.0, _("Done."))
    table = {
        "columns": [
            N_("optimizer"),
            N_("loss"),
            texts.TEST_MSE.format(sigma=TEST_SIGMA),
            N_("test PSNR (dB)"),
            N_("test SSIM"),
            N_("final val MSE"),
            N_("final train loss"),
            N_("train s"),
        ],
        "rows": rows,
    }
    epochs = lambda h: list(range(1, len(h["loss"]) + 1))  # noqa: E731
    charts = [
        {
            "kind": "line",
            "title": N_("Validation MSE per epoch (one scale for every run)"),
            "x_title": N_("epoch"),
            "y_title": N_("validation MSE"),
            "series": [{"name": k, "x": epochs(h), "y": h["val_mse"]} for k, h in histories.items()],
        },
        {
            "kind": "line",
            "title": N_("Training loss, each run divided by its first epoch's value"),
            "x_title": N_("epoch"),
            "y_title": N_("loss / first-epoch loss"),
            "series": [
                {"name": k, "x": epochs(h), "y": [v / h["loss"][0] for v in h["loss"]]} for k, h in histories.items()
            ],
        },
    ]
    best, worst = max(rows, key=lambda r: r[3]), min(rows, key=lambda r: r[3])
    summary = texts.OPTIMIZATION_SUMMARY.format(
        sigma=TEST_SIGMA,
        best=texts.RUN.format(optimizer=best[0], loss=best[1]),
        psnr=best[3],
        ssim=best[4],
        worst=texts.RUN.format(optimizer=worst[0], loss=worst[1]),
        worst_psnr=worst[3],
    )
    return result(study, budget, table, charts, summary, time.perf_counter() - t0, histories=histories)


def run_optimizers(budget, data_dir=None, checkpoint_dir=None, cache_dir=None, progress=None, should_stop=None):
    """Adam, Adagrad and SGD (at Keras' defaults, then Adagrad and SGD with larger steps), MSE loss. See `run_study`."""
    del checkpoint_dir
    runs = [(o, "MSE") for o in OPTIMIZERS]
    return _study("optimizers", runs, budget, data_dir, cache_dir, progress, should_stop)


def run_losses(budget, data_dir=None, checkpoint_dir=None, cache_dir=None, progress=None, should_stop=None):
    """MSE, BCE and MAE with Adam. See `run_study`."""
    del checkpoint_dir
    runs = [("Adam", loss) for loss in LOSSES]
    return _study("losses", runs, budget, data_dir, cache_dir, progress, should_stop)
