"""A training run in a background thread that a web page can watch and stop.

The app's script thread must stay free to redraw progress and to notice a Stop
click, so `TrainingJob` runs `aelab.training.pipeline.fit` in a thread of its own and
publishes what it has done under a lock. It knows nothing of Streamlit.
"""

import math
import threading
import time
import uuid

import keras
import numpy as np

from aelab.inference import latent
from aelab.models import registry
from aelab.training import pipeline
from aelab.training.config import TrainConfig

MNIST_TRAIN_IMAGES = 60000  # The AE and VAE train on MNIST's training set.

SNAPSHOT_DIGITS = 2000  # Test digits in the live latent scatter: clusters show, and encoding takes ~0.1 s.


class _BatchCounter(keras.callbacks.Callback):
    def __init__(self, job):
        super().__init__()
        self.job = job

    def on_epoch_begin(self, epoch, logs=None):
        with self.job._lock:
            self.job.epoch, self.job.batch = epoch, 0

    def on_train_batch_end(self, batch, logs=None):
        with self.job._lock:
            self.job.batch = batch + 1


class LatentSnapshots(keras.callbacks.Callback):
    """Encodes a fixed set of images before training and after every epoch.

    This is what lets a class watch the clusters form: the same digits, placed
    again by the encoder as it learns. Encoding goes through the encoder
    directly (no `predict`), and the seed generators of the model (a VAE's
    sampling layer) are put back afterwards, so watching does not change what
    the model learns.

    Args:
        x: the images, shape (N, 28, 28, 1).
        on_snapshot: called as `on_snapshot(epoch, z)`: epoch 0 for the
            untrained model, `e + 1` after epoch `e`; `z` has shape (N, 2).
    """

    def __init__(self, x, on_snapshot):
        super().__init__()
        self.x, self.on_snapshot = np.asarray(x, "float32"), on_snapshot

    def _snapshot(self, epoch):
        seeds = [v for v in self.model.non_trainable_variables if "seed_generator" in v.path]
        states = [v.numpy() for v in seeds]
        z = latent.encode(self.model, self.x)
        for v, state in zip(seeds, states, strict=True):
            v.assign(state)
        self.on_snapshot(epoch, z)

    def on_train_begin(self, logs=None):
        self._snapshot(0)

    def on_epoch_end(self, epoch, logs=None):
        self._snapshot(epoch + 1)


class TrainingJob:
    """Trains one AE or VAE from a `TrainConfig`, in a thread, with a stop flag.

    Args:
        cfg: the `aelab.training.config.TrainConfig`.
        data_dir: the data folder; see `aelab.data.resolve_data_dir`.

    Attributes:
        id: a unique string, usable as a cache key for the trained model.
        status: "pending", "running", "done", "stopped" or "failed".
        history: per-epoch logs so far, as in `History.history`.
        model: the trained model once finished (best epoch's weights).
        snapshot_labels: digit labels of the test digits in `snapshots()`.
        test_metrics: the test-set metrics once finished.
        error: the error message when `status` is "failed".
    """

    def __init__(self, cfg, data_dir=None):
        self.cfg = cfg
        self.data_dir = data_dir
        self.id = uuid.uuid4().hex
        self.status = "pending"
        self.history = {}
        self.epoch = 0
        self.batch = 0
        self.seconds = 0.0
        self.model = None
        self.test_metrics = None
        self.error = None
        self.train_images = 0
        self.steps_per_epoch = 0
        self.snapshot_labels = None
        self._snapshots = []  # (epoch, z) pairs, oldest first.
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None

    # Reading and controlling from another thread.

    @property
    def finished(self):
        """True once the job is done, stopped or failed."""
        return self.status in ("done", "stopped", "failed")

    def stop(self):
        """Asks the job to stop after the current batch; the best epoch so far is kept."""
        self._stop.set()

    @property
    def stop_requested(self):
        return self._stop.is_set()

    def progress(self):
        """Returns `(fraction done in [0, 1], short text)`."""
        with self._lock:
            epochs, epoch, batch, steps = self.cfg.epochs, self.epoch, self.batch, self.steps_per_epoch
            done = len(self.history.get("loss", []))
        if self.finished:
            return 1.0, f"{self.status}: {done} of {epochs} epochs"
        if not steps:
            return 0.0, "loading data and building the model"
        frac = min(1.0, (epoch + batch / steps) / epochs)
        return frac, f"epoch {epoch + 1} of {epochs}, batch {batch} of {steps}"

    def history_copy(self):
        """A snapshot of the per-epoch logs, safe to plot while training goes on."""
        with self._lock:
            return {k: list(v) for k, v in self.history.items()}

    def snapshots(self):
        """The latent snapshots so far: a list of `(epoch, z)`, epoch 0 being the untrained model.

        Each `z` holds the fixed test digits' codes, shape (N, 2), matching
        `snapshot_labels`; the list is a copy, safe to read while training goes on.
        """
        with self._lock:
            return list(self._snapshots)

    def _on_snapshot(self, epoch, z):
        z.setflags(write=False)  # Handed to other threads as is.
        with self._lock:
            self._snapshots.append((epoch, z))

    def start(self):
        """Starts training in a daemon thread and returns at once."""
        self._thread = threading.Thread(target=self.run, name=f"aelab-train-{self.id[:8]}", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout=None):
        """Waits for the thread; returns True when the job has finished."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished

    # The work itself.

    def _on_epoch(self, epoch, epochs, logs, seconds):
        with self._lock:
            for k, v in logs.items():
                self.history.setdefault(k, []).append(float(v))

    def run(self):
        """Loads the data, trains, and measures the test set (in the calling thread)."""
        self.status = "running"
        t0 = time.perf_counter()
        try:
            x_train, x_val, (x_test, y_test) = pipeline.load_split(self.cfg, self.data_dir)
            self.train_images = len(x_train)
            rows = np.sort(np.random.default_rng(self.cfg.seed).choice(len(x_test), SNAPSHOT_DIGITS, replace=False))
            self.snapshot_labels = np.asarray(y_test[rows])
            self.steps_per_epoch = math.ceil(len(x_train) / self.cfg.batch_size)
            model = pipeline.build_model(self.cfg)
            callbacks = [
                # First, so that an epoch's snapshot is there by the time its loss is.
                LatentSnapshots(x_test[rows], self._on_snapshot),
                pipeline.ProgressCallback(on_epoch=self._on_epoch, should_stop=self._stop.is_set),
                _BatchCounter(self),
                pipeline.KeepBest(),
            ]
            pipeline.fit(model, self.cfg, x_train, x_val, callbacks=callbacks)
            self.seconds = time.perf_counter() - t0
            self.test_metrics = pipeline.test_metrics(model, self.cfg.model, x_test)
            self.model = model
            self.status = "stopped" if self._stop.is_set() else "done"
        except Exception as e:  # Shown to the user; the thread must not die silently.
            self.error = f"{type(e).__name__}: {e}"
            self.status = "failed"

    def metadata(self):
        """The sidecar contents of the trained model (see `pipeline.sidecar_metadata`)."""
        meta = pipeline.sidecar_metadata(self.cfg, self.history_copy(), self.test_metrics or {}, self.seconds, "mnist")
        meta["train_images"] = self.train_images
        meta["stopped_early"] = self.status == "stopped"
        return meta

    def save(self, name, directory):
        """Saves the trained model and its sidecar atomically; returns the `.keras` path."""
        if self.model is None:
            raise ValueError(f"Nothing to save: the training job has status {self.status!r}.")
        return pipeline.save_trained(
            self.model, name, self.cfg, self.history_copy(), self.test_metrics or {}, self.seconds, directory
        )


def make_config(model, epochs, batch_size, train_size, optimizer, learning_rate, seed=1337, val_size=1000):
    """A `TrainConfig` for in-browser training (the AE or the VAE), validated with clear messages.

    Args:
        model: a latent kind of the registry ("ae2d" or "vae2d").
        epochs: passes over the training set (>= 1).
        batch_size: images per step (>= 1).
        train_size: training images (>= 1; at most 60,000 minus `val_size`).
        optimizer: one of `aelab.training.config.OPTIMIZER_NAMES`.
        learning_rate: a positive float.
        seed: seeds weights and shuffling.
        val_size: held-out images for the validation curve and keep-best.

    Returns:
        The `TrainConfig`.

    Raises:
        ValueError: if a value is out of range.
    """
    latent = [k.name for k in registry.latent_kinds()]
    if model not in latent:
        raise ValueError(f"Invalid value for argument model: expected one of {latent}. Received: model={model!r}")
    if int(train_size) < 1:
        raise ValueError(
            f"Invalid value for argument train_size: expected an integer >= 1. Received: train_size={train_size}"
        )
    cfg = TrainConfig(
        model=model,
        epochs=int(epochs),
        batch_size=int(batch_size),
        train_size=int(train_size),
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        seed=int(seed),
        val_size=int(val_size),
    )
    cfg.check_data_size(MNIST_TRAIN_IMAGES)
    return cfg
