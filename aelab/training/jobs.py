"""Training jobs as the web server sees them: asked for by a session, run in the pool, watched by a page.

`Job` is the server's record of one job; `aelab.training.pool.TrainingPool`
runs it in a worker process and fills it in from the worker's events, and the
Models page reads it. `LatentSnapshots` is the Keras callback that, in the
worker, encodes the same test digits after every epoch. Nothing here knows
Streamlit or Dask.
"""

import os
import threading
import time
import uuid

import keras
import numpy as np

from aelab import checkpoints
from aelab.i18n import N_, _
from aelab.inference import latent
from aelab.models import registry
from aelab.training import pipeline
from aelab.training.config import TrainConfig
from aelab.training.worker import SCORE_DIGITS, SNAPSHOT_DIGITS  # noqa: F401  (part of this module's API)

MNIST_TRAIN_IMAGES = 60000  # The AE and VAE train on MNIST's training set.

CAP_ENV = "AELAB_MAX_IMAGE_EPOCHS"
DEFAULT_CAP = 50_000  # Image-epochs per job in classroom mode: the Models page's defaults (10,000 x 5) fit.


def classroom_cap():
    """The most training images x epochs one job may ask for, or None outside classroom mode.

    Classroom mode is `AELAB_READ_ONLY` (see `aelab.checkpoints.read_only`);
    `AELAB_MAX_IMAGE_EPOCHS` sets the cap (default 50,000).
    """
    if not checkpoints.read_only():
        return None
    raw = os.environ.get(CAP_ENV, "").strip()
    if not raw:
        return DEFAULT_CAP
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"Invalid value for {CAP_ENV}: expected an integer >= 1. Received: {CAP_ENV}={raw!r}")
    return int(raw)


# A finished job's status, as `progress` says it ("done: 5 of 5 epochs").
_FINISHED = {"done": N_("done"), "stopped": N_("stopped"), "failed": N_("failed")}


def check_classroom_cap(cfg):
    """Raises a ValueError that says what to change when a job asks for more than the classroom cap."""
    cap, work = classroom_cap(), cfg.train_size * cfg.epochs
    if cap is not None and work > cap:
        raise ValueError(
            _(
                "Classroom mode: one training job may use at most {cap:,} image-epochs (training images × epochs), "
                "so that the whole class gets its turn; {images:,} images × {epochs} epochs = {work:,}. "
                "Use fewer images or fewer epochs."
            ).format(cap=cap, images=cfg.train_size, epochs=cfg.epochs, work=work)
        )


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


class Job:
    """One training job as the server sees it: asked for by one session, run by a `TrainingPool`.

    The pool updates it from its worker's events (`apply`) and its result
    (`adopt`, `finish`); the page reads it. It knows nothing of Streamlit.

    Args:
        cfg: the `TrainConfig`.
        owner: who asked (a browser session); one unfinished job per owner.
        data_dir: the data folder; see `aelab.data.resolve_data_dir`.
        alive: optional callable: False once the owner is gone for good (a
            closed browser tab), so the pool can stop the job.

    Attributes:
        id: a unique, unguessable string, also the cache key for the trained model.
        status: "waiting", "running", "done", "stopped" or "failed".
        step: what a running job is doing: "starting", "preparing", "training" or "scoring".
        history: per-epoch logs so far, as in `History.history`.
        model: the trained model once done (the best epoch's weights).
        snapshot_labels: digit labels of the test digits in `snapshots()`.
        test_metrics: the scores on the fixed test digits, once done.
        error: one line, when `status` is "failed".
    """

    def __init__(self, cfg, owner, data_dir=None, alive=None):
        self.cfg, self.owner, self.data_dir, self.alive = cfg, owner, data_dir, alive
        self.id = uuid.uuid4().hex
        self.status, self.step = "waiting", "waiting"
        self.history, self.epoch_seconds = {}, []
        self.epoch = self.batch = self.steps_per_epoch = 0
        self.seconds, self.train_images = 0.0, 0
        self.model = self.test_metrics = self.error = self.snapshot_labels = None
        self.data_was_cached = self.worker_pid = None
        self.submitted_at, self.handed_at, self.started_at, self.finished_at = time.monotonic(), None, None, None
        self.stop_requested = self.dropped = False
        self.pool = None
        self._snapshots = []  # (epoch, z) pairs, oldest first.
        self._lock = threading.Lock()
        self._done = threading.Event()

    # Reading, from any thread.

    @property
    def finished(self):
        """True once the job is done, stopped or failed."""
        return self._done.is_set()

    def wait(self, timeout=None):
        """Waits until the job has finished; returns `finished`."""
        return self._done.wait(timeout)

    def queue_position(self):
        """1 if this job starts next, 2 after that one...; None once it has left the queue."""
        return self.pool.queue_position(self) if self.pool else None

    def estimated_start_s(self):
        """Seconds until this waiting job should start; None once it has left the queue."""
        return self.pool.estimated_start_s(self) if self.pool else None

    def batch_fraction(self):
        """How far into the current epoch, in [0, 1)."""
        return min(self.batch / self.steps_per_epoch, 0.999) if self.steps_per_epoch else 0.0

    def progress(self):
        """Returns `(fraction done in [0, 1], short text)`."""
        with self._lock:
            epochs, done = self.cfg.epochs, len(self.history.get("loss", []))
            step, epoch, batch, steps = self.step, self.epoch, self.batch, self.steps_per_epoch
        if self.finished:
            status = _(_FINISHED.get(self.status, self.status))
            return 1.0, _("{status}: {done} of {epochs} epochs").format(status=status, done=done, epochs=epochs)
        if step == "waiting":
            return 0.0, _("starting on a worker") if self.handed_at else _("waiting for a free worker")
        if step in ("starting", "preparing"):
            return 0.0, _("starting: loading the data and building the model")
        if step == "scoring":
            return 1.0, _("scoring the model on {n:,} test digits").format(n=SCORE_DIGITS)
        text = _("epoch {epoch} of {epochs}, batch {batch} of {steps}").format(
            epoch=epoch + 1, epochs=epochs, batch=batch, steps=steps
        )
        return min(1.0, (epoch + batch / max(1, steps)) / epochs), text

    def history_copy(self):
        """A copy of the per-epoch logs, safe to plot while training goes on."""
        with self._lock:
            return {k: list(v) for k, v in self.history.items()}

    def snapshots(self):
        """The latent snapshots so far: a list of `(epoch, z)`, epoch 0 being the untrained model."""
        with self._lock:
            return list(self._snapshots)

    def stop(self):
        """Asks the pool to stop this job: a waiting one never starts, a running one keeps its best epoch."""
        self.stop_requested = True
        if self.pool is not None:
            self.pool.stop(self)

    # Written by the pool.

    def apply(self, msg):
        """Takes in one event from the job's worker (see `aelab.training.worker.train`)."""
        kind = msg.get("kind")
        with self._lock:
            if kind == "step":
                self.step = msg["step"]
            elif kind == "start":
                self.started_at, self.step = time.monotonic(), "preparing"
                self.train_images, self.steps_per_epoch = msg["train_images"], msg["steps"]
                self.snapshot_labels = np.frombuffer(msg["labels"], "int8").astype("int64")
                self.data_was_cached, self.worker_pid = msg["data_was_cached"], msg["pid"]
                self.status = "running"
            elif kind == "batch":
                self.step, self.epoch, self.batch = "training", msg["epoch"], msg["batch"]
            elif kind == "snapshot":
                z = np.frombuffer(msg["z"], "float32").reshape(-1, 2)
                self._snapshots.append((msg["epoch"], z))
            elif kind == "epoch":
                for k, v in msg["logs"].items():
                    self.history.setdefault(k, []).append(float(v))
                self.epoch_seconds.append(float(msg["seconds"]))

    def adopt(self, result):
        """Rebuilds the trained model from a worker's result and takes its history, scores and snapshots."""
        model = pipeline.build_model(self.cfg)
        model.set_weights(result["weights"])
        snapshots = [(e, np.asarray(z, "float32")) for e, z in result["snapshots"]]
        for _epoch, z in snapshots:
            z.setflags(write=False)  # Handed to other threads as is.
        with self._lock:
            self.model, self.history, self._snapshots = model, result["history"], snapshots
            self.test_metrics, self.seconds = result["test_metrics"], result["seconds"]
            self.train_images, self.snapshot_labels = result["train_images"], np.asarray(result["labels"], "int64")

    def finish(self, status, error=None):
        """Marks the job finished ("done", "stopped" or "failed"; `error` in one line)."""
        with self._lock:
            if self._done.is_set():
                return
            self.status, self.error, self.finished_at = status, error, time.monotonic()
            if status == "failed":
                self.model = None
        self._done.set()

    # The trained model.

    def metadata(self):
        """The sidecar contents of the trained model (see `pipeline.sidecar_metadata`)."""
        meta = pipeline.sidecar_metadata(self.cfg, self.history_copy(), self.test_metrics or {}, self.seconds)
        meta["train_images"] = self.train_images
        meta["stopped_early"] = self.status == "stopped"
        return meta

    def save(self, name, directory):
        """Saves the trained model with `metadata()` as its sidecar, atomically, never over a saved name.

        Returns:
            The `.keras` path.

        Raises:
            aelab.checkpoints.NameTakenError: if `name` is already saved in `directory`.
        """
        if self.model is None:
            raise ValueError(_("Nothing to save: the training job has status {status!r}.").format(status=self.status))
        return checkpoints.save(self.model, name, self.metadata(), directory, exist_ok=False)


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
