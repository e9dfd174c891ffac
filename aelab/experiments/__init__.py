"""The tutorials' studies: autoencoder variants, AE vs PCA, optimizers, losses, compression ratio.

Each study is a function `run(budget, data_dir, checkpoint_dir, cache_dir, progress)`
returning a JSON-ready dict (see `result`): a table and charts described as data,
which the app draws with Plotly (`figures.py`) and the CLI as a PNG (`charts.py`).

    python -m aelab.experiments {variants,pca,optimizers,losses,compression} [--quick]
"""

import dataclasses
import json
import os
import time

from aelab import locations
from aelab.i18n import N_

STUDIES_DIR = locations.STUDIES_DIR  # The committed results of the full runs.
QUICK_DIR = os.path.join(locations.RUNS_DIR, "studies-quick")  # --quick results (git-ignored).
CACHE_DIR = os.path.join(locations.RUNS_DIR, "study-cache")  # Conv AEs shared by `pca` and `compression`.

TITLES = {  # In English (the study PNGs, the command line); the Studies page shows _(title).
    "variants": N_("Autoencoder variants: dense, multi-layer, sparse"),
    "pca": N_("Autoencoder vs PCA, and the encoder as a feature extractor"),
    "optimizers": N_("Optimizers: Adam, Adagrad and SGD on the denoising AE"),
    "losses": N_("Losses: MSE, BCE and MAE on the denoising AE"),
    "compression": N_("Compression ratio: relative error as the latent shrinks"),
}
STUDIES = tuple(TITLES)


@dataclasses.dataclass
class Budget:
    """How much data and training a study gets; `quick` is a small slice for tests and the app."""

    quick: bool = False  # A short run on a slice (CI tests, the app's rerun button).
    train_size: int = 0  # Training images; 0 for all but the validation hold-out.
    val_size: int = 5000  # Held out from the end of the training set (the project's split).
    test_size: int = 0  # Test images; 0 for all 10,000.
    epochs: int = 10  # Epochs per model.
    seed: int = 1337  # Seeds weights, shuffling and noise.
    batch_size: int = 128  # Images per step.

    def train_config(self, model, **overrides):
        """The `TrainConfig` of one run of a study under this budget (validated there).

        Args:
            model: the registry kind it trains as.
            **overrides: other `TrainConfig` fields (latent size, optimizer, schedule).
        """
        from aelab.training.config import TrainConfig

        fields = dict(epochs=self.epochs, batch_size=self.batch_size, seed=self.seed)
        return TrainConfig(model=model, train_size=self.train_size, val_size=self.val_size, **fields, **overrides)


# Per study: (full budget, quick budget). The full budgets fit about 40 minutes of
# the project's 2-core CPU machine in all; quick ones take seconds.
BUDGETS = {
    "variants": (Budget(epochs=20), Budget(True, 2000, 500, 500, 2)),
    "pca": (Budget(epochs=5), Budget(True, 2000, 500, 500, 2)),
    "compression": (Budget(epochs=5), Budget(True, 2000, 500, 500, 2)),
    "optimizers": (Budget(train_size=20000, epochs=8), Budget(True, 2000, 500, 500, 2)),
    "losses": (Budget(train_size=20000, epochs=8), Budget(True, 2000, 500, 500, 2)),
}


def budget_for(study, quick=False, limit=0, seed=None):
    """The budget of a study run.

    Args:
        study: one of STUDIES.
        quick: the quick budget instead of the full one.
        limit: if > 0, at most this many training, validation and test images.
        seed: overrides the default seed.

    Returns:
        A `Budget`.
    """
    check_study(study)
    b = dataclasses.replace(BUDGETS[study][1 if quick else 0])
    if limit:
        b.train_size = min(b.train_size or limit, limit)
        b.val_size = min(b.val_size, limit)
        b.test_size = min(b.test_size or limit, limit)
    if seed is not None:
        b.seed = int(seed)
    return b


def check_study(study):
    if study not in TITLES:
        raise ValueError(f"Invalid value for argument study: expected one of {STUDIES}. Received: study={study!r}")
    return study


def load_mnist_split(budget, data_dir=None):
    """MNIST as the project splits it: the last `val_size` training images are held out.

    Returns:
        `(x_train, y_train), (x_val, y_val), (x_test, y_test)`.
    """
    from aelab import data
    from aelab.training.pipeline import split

    (x, y), (xt, yt) = data.load_mnist(data_dir)
    (x_train, x_val), (y_train, y_val) = (
        split(x, budget.val_size, budget.train_size),
        split(y, budget.val_size, budget.train_size),
    )
    train, val = (x_train, y_train), (x_val, y_val)
    if budget.test_size:
        xt, yt = xt[: budget.test_size], yt[: budget.test_size]
    return train, val, (xt, yt)


def result(study, budget, table, charts, summary, seconds, extra_tables=(), **details):
    """The JSON-ready result of a study.

    Args:
        study: the study name.
        budget: its `Budget`.
        table: `{"columns": [...], "rows": [[...], ...]}`, the main table.
        charts: list of chart specs: `{"kind": "line"|"bar", "title", "x_title",
            "y_title", "log_x", "series": [{"name", "x", "y"}], "hline": {"y", "name"}}`.
        summary: one sentence with the headline figure.
        seconds: wall-clock time of the run.
        extra_tables: more tables, each with a `"title"`.
        **details: anything else worth keeping (per-run histories, settings).

    Returns:
        A dict.
    """
    from aelab.checkpoints import library_versions

    return {
        "study": study,
        "title": TITLES[study],
        "quick": budget.quick,
        "budget": dataclasses.asdict(budget),
        "summary": summary,
        "table": table,
        "tables": list(extra_tables),
        "charts": charts,
        "seconds": round(seconds, 1),
        "created": time.strftime("%Y-%m-%d %H:%M"),
        "versions": library_versions(),
        **details,
    }


def run_study(study, budget=None, data_dir=None, checkpoint_dir=None, cache_dir=None, progress=None, should_stop=None):
    """Runs one study.

    Args:
        study: one of STUDIES.
        budget: a `Budget`; default the study's full budget.
        data_dir: the data folder (see `aelab.data`).
        checkpoint_dir: where `variants` saves its three models; None to save nothing.
        cache_dir: where `pca` and `compression` keep the conv AEs they train, so
            that the second study reuses the first one's models; None for no cache.
        progress: optional callable `progress(fraction, message)`.
        should_stop: optional callable; once it returns True the run ends, between two
            batches or two models, with `aelab.training.callbacks.Stopped`.

    Returns:
        The result dict (see `result`).

    Raises:
        aelab.training.callbacks.Stopped: when `should_stop` ended the run.
    """
    from aelab.experiments import latent_sweep, optimization, variants_study
    from aelab.training.callbacks import Stopped

    check_study(study)
    budget = budget or budget_for(study)
    runner = {
        "variants": variants_study.run,
        "pca": latent_sweep.run_pca,
        "compression": latent_sweep.run_compression,
        "optimizers": optimization.run_optimizers,
        "losses": optimization.run_losses,
    }[study]
    report = progress or (lambda fraction, message: None)

    def checked(fraction, message):
        # Every model's start and every epoch's end pass here: the places where a study can stop
        # (a model's fit itself stops between batches, then its epoch ends here).
        if should_stop is not None and should_stop():
            raise Stopped(study)
        report(fraction, message)

    return runner(budget, data_dir, checkpoint_dir, cache_dir, checked, should_stop)


def epoch_progress(progress):
    """A `Progress` callback's `on_epoch` that reports the share of a model's epochs done to `progress(fraction)`."""
    return lambda epoch, epochs, logs, seconds: progress and progress((epoch + 1) / epochs)


def models_trained(study, budget):
    """How many autoencoders one run of a study trains under a budget.

    A quick rerun from the app counts against the classroom cap as that many
    trainings of `budget.train_size` images × `budget.epochs` epochs (see
    `aelab.training.jobs.check_classroom_cap`). The `pca` study's softmax
    regressions on frozen features are left out: a single Dense layer on a few
    dozen numbers per image, they cost little next to one conv AE.
    """
    from aelab.experiments import latent_sweep, optimization
    from aelab.models import registry

    check_study(study)
    if study == "variants":
        return len(registry.VARIANTS)
    if study in ("pca", "compression"):
        full = latent_sweep.PCA_LATENTS if study == "pca" else latent_sweep.COMPRESSION_LATENTS
        return len(latent_sweep._latents(budget, full))
    return len(optimization.OPTIMIZERS if study == "optimizers" else optimization.LOSSES)


def result_paths(study, directory=None):
    """Returns `(json_path, png_path)` of a study's stored result."""
    d = directory or STUDIES_DIR
    return os.path.join(d, f"{check_study(study)}.json"), os.path.join(d, f"{study}.png")


def save_result(res, directory=None, png=True):
    """Writes a result as JSON (atomically) and its charts as a PNG.

    Returns:
        `(json_path, png_path or None)`.
    """
    json_path, png_path = result_paths(res["study"], directory)
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    tmp = json_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
    os.replace(tmp, json_path)
    if not png:
        return json_path, None
    from aelab.experiments import charts

    charts.save_png(res, png_path)
    return json_path, png_path


def load_result(study, directory=None):
    """Reads a stored result; None when there is none or it is unreadable."""
    json_path, _ = result_paths(study, directory)
    try:
        with open(json_path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def format_table(table):
    """A table dict as Markdown (it reads well in a terminal too)."""
    lines = ["| " + " | ".join(table["columns"]) + " |", "|" + "---|" * len(table["columns"])]
    for row in table["rows"]:
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(v):
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
