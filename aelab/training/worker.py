"""What runs inside a pool worker process: one training job, reported as it goes.

`aelab.training.pool` hands `run` to a Dask worker (a quick study's task,
`aelab.experiments.jobs.run_in_worker`, starts with the same `prepare`). Everything the server sees
while the job runs arrives as Dask events (`Worker.log_event`) on the pool's own
topic, each a small dict naming the job; the trained weights, history and
snapshots come back once, as the task's result. `train` itself knows nothing
of Dask: it takes a `report` function and a `should_stop` function, so it can
be run and tested in any process.
"""

import math
import os
import threading
import time

import numpy as np

SNAPSHOT_DIGITS = 2000  # Test digits in the live latent scatter: clusters show, and encoding takes ~0.1 s.
SCORE_DIGITS = 1000  # Test digits a session's model is scored on: about a second, not 10-15 s for all 10,000.
SCORE_SEED = 0  # The same digits for every session, so that scores compare across the class.


def rows(n_total, n, seed):
    """`n` distinct row numbers out of `n_total`, sorted, from a seed."""
    return np.sort(np.random.default_rng(seed).choice(n_total, min(n, n_total), replace=False))


_datasets = {}  # (name, data_dir) -> the data set, for every job of this worker process.
_datasets_lock = threading.Lock()


def load_split(cfg, data_dir):
    """`(x_train, x_val, (x_test, y_test), was_cached)`: `pipeline.load_split`, with the file read once per process."""
    from aelab.models import registry
    from aelab.training import pipeline

    key = (registry.get(cfg.model).dataset, data_dir)
    with _datasets_lock:
        was_cached = key in _datasets
        if not was_cached:
            (x, _), (x_test, y_test) = pipeline.LOADERS[key[0]](data_dir)
            for a in (x, x_test, y_test):
                a.setflags(write=False)  # Shared by the jobs that follow.
            _datasets[key] = (x, (x_test, y_test))
        x, test = _datasets[key]
    train, val = pipeline.split(x, cfg.val_size, cfg.train_size)
    return train, val, test, was_cached


def bound_threads(threads):
    """Bounds TensorFlow's thread pools in this process (a no-op once TensorFlow has started them).

    The environment variables reach TensorFlow if it is not imported yet; the
    explicit calls cover a worker that imported it but has not run an op.
    """
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ[name] = str(threads)
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # Already initialised in this process, by an earlier job: it was bounded then.


def lower_priority(nice):
    """Raises this process's niceness to at least `nice`, every thread of it (Linux nice is per thread)."""
    if not hasattr(os, "setpriority"):
        return
    tids = os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else ["0"]
    for tid in tids:
        try:
            if os.getpriority(os.PRIO_PROCESS, int(tid)) < nice:
                os.setpriority(os.PRIO_PROCESS, int(tid), nice)
        except OSError:
            continue  # The thread ended meanwhile.


def train(cfg, data_dir, report, should_stop):
    """Trains one AE or VAE as the Models page asks, reporting as it goes.

    Args:
        cfg: the `TrainConfig`.
        data_dir: the data folder, or None; see `aelab.data.resolve_data_dir`.
        report: called with one small dict per event (`kind`: "step", "start",
            "batch", "snapshot", "epoch").
        should_stop: returns True when the job should stop; checked between
            batches, and the best epoch so far is kept.

    Returns:
        A dict: `weights` (the best epoch's, as `get_weights()`), `history`,
        `test_metrics` (on `SCORE_DIGITS` fixed test digits), `seconds`,
        `stopped`, `snapshots` (a list of `(epoch, z)`), `labels` (of the
        snapshot digits), `train_images`, `data_was_cached` and `pid`.
    """
    import keras  # Not at the top: TensorFlow must start after `bound_threads`.

    from aelab.training import callbacks, pipeline

    t0 = time.perf_counter()
    report({"kind": "step", "step": "preparing", "fraction": 0.0})
    x_train, x_val, (x_test, y_test), was_cached = load_split(cfg, data_dir)
    picked = rows(len(x_test), SNAPSHOT_DIGITS, cfg.seed)
    labels = np.asarray(y_test[picked], "int8")
    steps = math.ceil(len(x_train) / cfg.batch_size)
    report({"kind": "start", "train_images": len(x_train), "steps": steps, "labels": labels.tobytes(),
            "data_was_cached": was_cached, "pid": os.getpid()})  # fmt: skip
    snapshots = []

    def on_snapshot(epoch, z):
        snapshots.append((epoch, z))
        report({"kind": "snapshot", "epoch": epoch, "z": z.astype("float32").tobytes()})

    def on_epoch(epoch, epochs, logs, seconds):
        report({"kind": "epoch", "epoch": epoch, "logs": logs, "seconds": seconds})

    keras.utils.set_random_seed(cfg.seed)  # The same weights for the same config, whatever ran here before.
    model = pipeline.build_model(cfg)
    cbs = callbacks.build(
        on_epoch=on_epoch,
        on_batch=lambda epoch, batch, steps: report({"kind": "batch", "epoch": epoch, "batch": batch, "steps": steps}),
        should_stop=should_stop,
        snapshots=(x_test[picked], on_snapshot),
    )
    history = pipeline.fit(model, cfg, x_train, x_val, callbacks=cbs).history
    seconds = time.perf_counter() - t0
    report({"kind": "step", "step": "scoring", "fraction": 0.0})
    scored = x_test[rows(len(x_test), SCORE_DIGITS, SCORE_SEED)]
    test = pipeline.test_metrics(model, cfg.model, scored)
    report({"kind": "step", "step": "scoring", "fraction": 1.0})
    return {
        "weights": model.get_weights(),
        "history": {k: [float(v) for v in vals] for k, vals in history.items()},
        "test_metrics": {**test, "test_digits": len(scored)},
        "seconds": seconds,
        "stopped": callbacks.stopped(cbs),
        "partial_epoch": callbacks.partial_epoch(cbs),
        "snapshots": snapshots,
        "labels": labels,
        "train_images": len(x_train),
        "data_was_cached": was_cached,
        "pid": os.getpid(),
    }


def prepare(job_id, data_dir, topic, nice, threads):
    """Sets up this Dask worker for one job: priority, threads, its events and its stop flag.

    Every pool task (a training here, a quick study in `aelab.experiments.jobs`) starts with it.

    Args:
        job_id: the job's id, put in every event.
        data_dir: the server's data folder; where this machine has no such folder, its own
            `AELAB_DATA_DIR` (or Keras' download) is used.
        topic: the pool's event topic.
        nice: the niceness this worker runs at, at least.
        threads: TensorFlow threads for this job.

    Returns:
        `(report, should_stop, data_dir)`: `report(msg)` sends one event to the server,
        `should_stop()` reads the job's Dask `Event`, `data_dir` is this machine's folder.
    """
    import distributed

    lower_priority(nice)  # Also the threads TensorFlow starts from this one.
    bound_threads(threads)
    worker = distributed.get_worker()
    stop = distributed.Event(f"aelab-stop-{job_id}")

    def report(msg):
        worker.log_event(topic, {"job": job_id, **msg})

    # The server's folder if this machine has it (the local pool), else this machine's own setting.
    here = data_dir if data_dir and os.path.isdir(data_dir) else os.environ.get("AELAB_DATA_DIR") or None
    return report, stop.is_set, here


def run(job_id, cfg_fields, data_dir, topic, nice, threads):
    """The Dask task of a training job: `train` with events on `topic` and a stop flag in a Dask `Event`.

    Args:
        job_id: the job's id.
        cfg_fields: the `TrainConfig` as a dict (`dataclasses.asdict`).
        data_dir, topic, nice, threads: see `prepare`.
    """
    from aelab.training.config import TrainConfig

    report, should_stop, here = prepare(job_id, data_dir, topic, nice, threads)
    return train(TrainConfig(**cfg_fields), here, report, should_stop)
