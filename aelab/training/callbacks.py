"""The callbacks of every training run: progress and Stop, keep-the-best, latent snapshots.

The command line (`python -m aelab.train`), a pool worker (`aelab.training.worker`)
and the studies (`aelab.experiments`) each ask `build` for their list, so a run
reports, stops and keeps its best epoch the same way wherever it runs.
"""

import time

import keras
import numpy as np

from aelab.inference import latent

BATCH_REPORT_S = 1.0  # At most one batch-progress report a second: enough for a progress bar.
STOP_CHECK_S = 0.5  # How often a running fit asks whether it should stop.


class Stopped(Exception):
    """A run of several models (a study) was asked to stop: it ends between two batches or models, keeping nothing."""


class Progress(keras.callbacks.Callback):
    """Reports each epoch (and, throttled, each batch) and stops training when asked, between batches.

    Args:
        on_epoch: called as `on_epoch(epoch, epochs, logs, seconds)` after each epoch.
        on_batch: called as `on_batch(epoch, batch, steps)` when an epoch begins (batch 0) and then
            at most once every `BATCH_REPORT_S` seconds.
        should_stop: returns True when training should stop; asked at most every `STOP_CHECK_S`
            seconds between batches, and after every epoch.

    Attributes:
        stopped: whether `should_stop` ended training.
        partial_epoch: the epoch (from 1) that a stop cut short, None when every epoch ran in
            full. Keras still ends that epoch with its logs (and validation), so the history's
            last entry is then a partial epoch, which the pages say and mark.
    """

    def __init__(self, on_epoch=None, on_batch=None, should_stop=None):
        super().__init__()
        self.on_epoch, self.on_batch, self.should_stop = on_epoch, on_batch, should_stop
        self.stopped = False
        self.partial_epoch = None
        self.epoch = 0
        self._t0 = self._last_report = self._last_check = 0.0

    def _check(self):
        if self.should_stop is not None and self.should_stop():
            self.model.stop_training = self.stopped = True

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self._t0 = epoch, time.perf_counter()
        if self.on_batch:
            self.on_batch(epoch, 0, self.params.get("steps"))

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        if self.on_batch and now - self._last_report >= BATCH_REPORT_S:
            self._last_report = now
            self.on_batch(self.epoch, batch + 1, self.params.get("steps"))
        if now - self._last_check >= STOP_CHECK_S:
            self._last_check = now
            self._check()
            if self.stopped and batch + 1 < (self.params.get("steps") or 0):
                self.partial_epoch = self.epoch + 1

    def on_epoch_end(self, epoch, logs=None):
        if self.on_epoch:
            logs = {k: float(v) for k, v in (logs or {}).items()}
            self.on_epoch(epoch, self.params.get("epochs", 0), logs, time.perf_counter() - self._t0)
        self._check()


class KeepBest(keras.callbacks.Callback):
    """Keeps the weights of the best epoch (by `monitor`) and restores them at the end.

    With `save` given, every new best is also written as a checkpoint (atomically),
    so an interrupted run still leaves its best model behind.

    Args:
        monitor: the logged value to minimise.
        save: optional callable `save(model, epoch, logs)`.
    """

    def __init__(self, monitor="val_loss", save=None):
        super().__init__()
        self.monitor, self.save = monitor, save
        self.best, self.best_epoch, self.best_weights = np.inf, -1, None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not value < self.best:
            return
        self.best, self.best_epoch = float(value), epoch
        self.best_weights = self.model.get_weights()
        if self.save:
            self.save(self.model, epoch, logs)

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


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


def build(on_epoch=None, on_batch=None, should_stop=None, keep_best=True, save_best=None, snapshots=None):
    """The callbacks of one training run, in the order they must run.

    Args:
        on_epoch, on_batch, should_stop: see `Progress`.
        keep_best: restore the weights of the epoch with the lowest validation loss at the end
            (a no-op without validation data).
        save_best: optional `save(model, epoch, logs)`, called at every new best (an interim checkpoint).
        snapshots: optional `(x, on_snapshot)`: a `LatentSnapshots` of those images, first, so that
            an epoch's scatter is there by the time its loss is.

    Returns:
        A list of Keras callbacks; `stopped(callbacks)` says afterwards whether `should_stop` ended the run.
    """
    out = [LatentSnapshots(*snapshots)] if snapshots is not None else []
    out.append(Progress(on_epoch, on_batch, should_stop))
    if keep_best or save_best:
        out.append(KeepBest(save=save_best))
    return out


def stopped(callbacks):
    """Whether the stop flag ended the run these callbacks (from `build`) watched."""
    return any(isinstance(c, Progress) and c.stopped for c in callbacks)


def partial_epoch(callbacks):
    """The epoch (from 1) a stop cut short in the run these callbacks watched, or None."""
    return next((c.partial_epoch for c in callbacks if isinstance(c, Progress)), None)
