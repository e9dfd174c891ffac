"""Pool jobs as the web server sees them: asked for by a session, run in the pool, watched by a page.

`PoolJob` is what the pool (`aelab.training.pool.TrainingPool`) needs of any
job: its place in the queue, its status, Stop, and the task a worker runs.
`Job` is one training of an AE or VAE (the Models page); a quick study is an
`aelab.experiments.jobs.StudyJob`. The pool fills a job in from its worker's
events and result; the page reads it. Nothing here knows Streamlit or Dask.
"""

import dataclasses
import os
import threading
import time
import uuid

import numpy as np

from aelab import checkpoints, shelf
from aelab.i18n import N_, _
from aelab.models import registry
from aelab.training import pipeline, worker
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
FINISHED = {"done": N_("done"), "stopped": N_("stopped"), "failed": N_("failed")}


def check_classroom_cap(cfg, models=1):
    """Raises a ValueError that says what to change when a job asks for more than the classroom cap.

    Args:
        cfg: the `TrainConfig` of the job's training (of each of its models).
        models: how many models the job trains that way (a quick study trains several, each counted).
    """
    cap, work = classroom_cap(), models * cfg.train_size * cfg.epochs
    if cap is None or work <= cap:
        return
    if models == 1:
        raise ValueError(
            _(
                "Classroom mode: one training job may use at most {cap:,} image-epochs (training images × epochs), "
                "so that the whole class gets its turn; {images:,} images × {epochs} epochs = {work:,}. "
                "Use fewer images or fewer epochs."
            ).format(cap=cap, images=cfg.train_size, epochs=cfg.epochs, work=work)
        )
    raise ValueError(
        _(
            "Classroom mode: one training job may use at most {cap:,} image-epochs (training images × epochs), "
            "so that the whole class gets its turn; this one trains {models} models on {images:,} images × "
            "{epochs} epochs = {work:,}."
        ).format(cap=cap, models=models, images=cfg.train_size, epochs=cfg.epochs, work=work)
    )


class PoolJob:
    """What the pool needs of any job: asked for by one session, run by a `TrainingPool`.

    The pool hands `task()` to a worker, passes the worker's events to
    `apply` and its result to `adopt`, and ends the job with `finish`; the
    page reads it. A kind of job says what its task is and how it reads
    events and results (`Job`, `aelab.experiments.jobs.StudyJob`).

    Args:
        owner: who asked (a browser session); one unfinished job per owner.
        data_dir: the data folder; see `aelab.data.resolve_data_dir`.
        alive: optional callable: False once the owner is gone for good (a
            closed browser tab), so the pool can stop the job.

    Attributes:
        id: a unique, unguessable string.
        status: "waiting", "running", "done", "stopped" or "failed".
        step: what it is doing: "waiting", then as its kind says ("preparing", "training", ...).
        error: one line, when `status` is "failed".
    """

    def __init__(self, owner, data_dir=None, alive=None):
        self.owner, self.data_dir, self.alive = owner, data_dir, alive
        self.id = uuid.uuid4().hex
        self.status, self.step = "waiting", "waiting"
        self.seconds, self.error, self.worker_pid = 0.0, None, None
        self.submitted_at, self.handed_at, self.started_at, self.finished_at = time.monotonic(), None, None, None
        self.stop_requested = self.dropped = False
        self.pool = None
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

    def stop(self):
        """Asks the pool to stop this job: a waiting one never starts, a running one ends between batches."""
        self.stop_requested = True
        if self.pool is not None:
            self.pool.stop(self)

    # What the pool asks of each kind of job.

    def task(self, topic, nice, threads):
        """`(function, args)`: the Dask task that runs this job in a worker (see `worker.prepare`)."""
        raise NotImplementedError

    def image_epochs(self):
        """The training it asks for, in training images × epochs (summed over its models): the pool's estimates."""
        raise NotImplementedError

    def remaining_s(self, duration_s):
        """Seconds until a running job frees its worker, given `duration_s`, the pool's estimate of the whole job."""
        return duration_s - (time.monotonic() - (self.started_at or time.monotonic()))

    def apply(self, msg):
        """Takes in one event from the job's worker."""
        raise NotImplementedError

    def adopt(self, result):
        """Takes in the worker's result (the task's return value)."""
        raise NotImplementedError

    def finish(self, status, error=None):
        """Marks the job finished ("done", "stopped" or "failed"; `error` in one line)."""
        with self._lock:
            if self._done.is_set():
                return
            self.status, self.error, self.finished_at = status, error, time.monotonic()
            self._forget_result_if(status == "failed")
        self._done.set()

    def _forget_result_if(self, failed):
        """Called under the lock when the job finishes; a failed job keeps no result."""


class Job(PoolJob):
    """One training of an AE or VAE as the server sees it (the Models page's Train).

    Args:
        cfg: the `TrainConfig`.
        owner, data_dir, alive: see `PoolJob`.

    Attributes:
        id: also the cache key for the trained model.
        step: "waiting", "starting", "preparing", "training" or "scoring".
        history: per-epoch logs so far, as in `History.history`.
        model: the trained model once done (the best epoch's weights).
        snapshot_labels: digit labels of the test digits in `snapshots()`.
        test_metrics: the scores on the fixed test digits, once done.
        partial_epoch: the epoch (from 1) a Stop cut short, once done; None when all ran in full.
    """

    def __init__(self, cfg, owner, data_dir=None, alive=None):
        super().__init__(owner, data_dir, alive)
        self.cfg = cfg
        self.history, self.epoch_seconds = {}, []
        self.epoch = self.batch = self.steps_per_epoch = 0
        self.train_images = 0
        self.model = self.test_metrics = self.snapshot_labels = None
        self.data_was_cached = self.partial_epoch = None
        self._snapshots = []  # (epoch, z) pairs, oldest first.

    def batch_fraction(self):
        """How far into the current epoch, in [0, 1)."""
        return min(self.batch / self.steps_per_epoch, 0.999) if self.steps_per_epoch else 0.0

    def progress(self):
        """Returns `(fraction done in [0, 1], short text)`."""
        with self._lock:
            epochs, done = self.cfg.epochs, len(self.history.get("loss", []))
            step, epoch, batch, steps = self.step, self.epoch, self.batch, self.steps_per_epoch
        if self.finished:
            status = _(FINISHED.get(self.status, self.status))
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

    # Asked by the pool.

    def task(self, topic, nice, threads):
        return worker.run, (self.id, dataclasses.asdict(self.cfg), self.data_dir, topic, nice, threads)

    def image_epochs(self):
        return self.cfg.train_size * self.cfg.epochs

    def remaining_s(self, duration_s):
        done = len(self.epoch_seconds)
        if not done:
            return super().remaining_s(duration_s)
        per_epoch = sum(self.epoch_seconds) / done
        return max(0.0, per_epoch * (self.cfg.epochs - done - self.batch_fraction()) + 2.0)

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
            self.partial_epoch = result.get("partial_epoch")

    def _forget_result_if(self, failed):
        if failed:
            self.model = None

    # The trained model.

    def metadata(self):
        """The sidecar contents of the trained model (see `pipeline.sidecar_metadata`)."""
        meta = pipeline.sidecar_metadata(self.cfg, self.history_copy(), self.test_metrics or {}, self.seconds)
        meta["train_images"] = self.train_images
        meta["stopped_early"] = self.status == "stopped"
        if self.partial_epoch:
            meta["partial_epoch"] = self.partial_epoch  # The history's last entry is that epoch, cut short.
        return meta

    def save(self, name, directory):
        """Saves the trained model through `aelab.shelf.save`, never over a saved name.

        Returns:
            The `.keras` path.

        Raises:
            aelab.checkpoints.NameTakenError: if `name` is already saved in `directory`.
        """
        if self.model is None:
            raise ValueError(_("Nothing to save: the training job is {status}.").format(status=_(self.status)))
        return shelf.save(self.model, name, self.metadata(), self.cfg.model, directory, exist_ok=False)


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
