"""Unit tests for aelab.training.pool: training jobs in a local Dask pool of worker processes.

One real pool (one worker process, as on a 2-core machine) serves the whole
module; the jobs are real trainings on 256 MNIST digits.
"""

import os
import signal
import time

import numpy as np
import pytest

from aelab import checkpoints, data
from aelab.inference import latent
from aelab.models import contract
from aelab.training import jobs, pool, worker
from aelab.training.config import TrainConfig

pytestmark = pytest.mark.skipif(data.resolve_data_dir() is None, reason="set AELAB_DATA_DIR to a folder with mnist.npz")


def tiny(model="ae2d", epochs=1, **kw):
    return TrainConfig(model=model, epochs=epochs, batch_size=128, train_size=256, val_size=128, **kw)


def slow(epochs=30):
    # Long enough to be caught while it runs: about a second per epoch here.
    return TrainConfig(model="ae2d", epochs=epochs, batch_size=32, train_size=2000, val_size=128)


@pytest.fixture(scope="module")
def training_pool():
    p = pool.TrainingPool(pool.PoolSettings(workers=1, threads=1, nice=10), grace_s=1.0)
    yield p
    p.close()


def submit(training_pool, cfg, owner, data_dir=None, alive=None):
    return training_pool.submit(jobs.Job(cfg, owner, data_dir or data.resolve_data_dir(), alive))


def wait_until(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_job_trains_in_a_worker_process_and_comes_back(training_pool, tmp_path):
    job = submit(training_pool, tiny("vae2d", epochs=2), "session-a")
    assert job.wait(180), job.progress()
    assert job.status == "done", job.error
    assert job.worker_pid != os.getpid()  # Not in this (the server's) process.
    assert len(job.history["loss"]) == 2 and len(job.history["val_loss"]) == 2
    assert job.train_images == 256 and job.progress()[0] == 1.0
    # Scored on the fixed test subset, not the whole test set.
    assert job.test_metrics["test_digits"] == worker.SCORE_DIGITS and "neg_elbo" in job.test_metrics

    # The live scatter: the untrained model's codes, then one per epoch, of the same digits.
    snaps = job.snapshots()
    assert [e for e, _ in snaps] == [0, 1, 2]
    assert all(z.shape == (worker.SNAPSHOT_DIGITS, 2) and np.isfinite(z).all() for _, z in snaps)
    (_, _), (x_test, y_test) = data.load_mnist()
    rows = worker.rows(len(x_test), worker.SNAPSHOT_DIGITS, job.cfg.seed)
    np.testing.assert_array_equal(job.snapshot_labels, y_test[rows])
    # The model rebuilt here from the worker's weights is the one that made the last snapshot.
    contract.check(job.model, "vae2d")
    np.testing.assert_allclose(snaps[-1][1], latent.encode(job.model, x_test[rows]), atol=1e-4)

    job.save("pool_vae", tmp_path)
    meta = checkpoints.read_sidecar("pool_vae", tmp_path)
    assert meta["kind"] == "vae2d" and meta["train_images"] == 256


def test_data_is_loaded_once_per_worker(training_pool):
    first = submit(training_pool, tiny(), "session-a")
    second = submit(training_pool, tiny(), "session-b")  # Waits behind the first, FIFO.
    assert second.queue_position() == 1 and second.estimated_start_s() > 0
    assert first.wait(120) and second.wait(120), (first.error, second.error)
    assert first.worker_pid == second.worker_pid and second.data_was_cached


def test_stop_while_waiting_and_while_running(training_pool):
    running = submit(training_pool, slow(), "session-a")
    waiting = submit(training_pool, tiny(), "session-b")
    after = submit(training_pool, tiny(), "session-c")
    assert (waiting.queue_position(), after.queue_position()) == (1, 2)
    assert after.estimated_start_s() > waiting.estimated_start_s() > 0

    waiting.stop()
    assert waiting.finished and waiting.status == "stopped" and waiting.model is None
    assert after.queue_position() == 1  # Moved up.

    wait_until(lambda: len(running.history.get("loss", [])) >= 1)
    running.stop()
    assert running.wait(30)
    assert running.status == "stopped" and 1 <= len(running.history["loss"]) < running.cfg.epochs
    assert running.model is not None and running.metadata()["stopped_early"]  # The best epoch so far is kept.
    assert after.wait(120) and after.status == "done"


def test_a_raising_job_fails_in_one_line_and_the_pool_goes_on(training_pool, tmp_path):
    broken = submit(training_pool, tiny(), "session-a", data_dir=str(tmp_path))  # No mnist.npz there.
    assert broken.wait(60)
    assert broken.status == "failed" and "mnist.npz" in broken.error and "\n" not in broken.error
    assert broken.model is None
    fine = submit(training_pool, tiny(), "session-a")  # The same session may train again.
    assert fine.wait(120) and fine.status == "done"


def test_kill_9_of_a_worker_fails_its_job_and_the_pool_replaces_the_worker(training_pool):
    victim = submit(training_pool, slow(), "session-a")
    next_one = submit(training_pool, tiny(), "session-b")
    wait_until(lambda: victim.step == "training")
    os.kill(victim.worker_pid, signal.SIGKILL)
    assert victim.wait(30)
    assert victim.status == "failed" and victim.error == pool.LOST_WORKER
    assert next_one.wait(180) and next_one.status == "done", next_one.error
    assert next_one.worker_pid != victim.worker_pid  # A new worker process.


def test_results_go_to_the_session_that_asked(training_pool):
    a = submit(training_pool, tiny(seed=1), "session-a")
    b = submit(
        training_pool,
        TrainConfig(model="ae2d", epochs=2, batch_size=128, train_size=384, val_size=128, seed=2),
        "session-b",
    )
    with pytest.raises(ValueError, match="already has a training job"):
        submit(training_pool, tiny(), "session-a")  # One job per session.
    assert a.wait(120) and b.wait(120), (a.error, b.error)
    assert (a.train_images, len(a.history["loss"])) == (256, 1)
    assert (b.train_images, len(b.history["loss"])) == (384, 2)
    assert [e for e, _ in a.snapshots()] == [0, 1] and [e for e, _ in b.snapshots()] == [0, 1, 2]
    assert not np.allclose(a.snapshots()[0][1], b.snapshots()[0][1])  # Different seeds, different codes.
    assert a.model is not b.model and a.id != b.id


def test_a_closed_browser_frees_its_job(training_pool):
    gone = submit(training_pool, slow(), "session-a", alive=lambda: False)
    assert gone.wait(60)  # Within the pool's grace (1 s here) plus a batch.
    assert gone.status == "stopped" and gone.model is None  # Stopped, and its result dropped.
    waiting_gone = submit(training_pool, slow(), "session-b")
    queued = submit(training_pool, tiny(), "session-c", alive=lambda: False)
    assert queued.wait(30) and queued.status == "stopped"  # Never started.
    waiting_gone.stop()
    assert waiting_gone.wait(30)


def test_settings_come_from_the_environment_with_clear_messages(monkeypatch):
    monkeypatch.delenv(pool.WORKERS_ENV, raising=False)
    monkeypatch.delenv(pool.ADDRESS_ENV, raising=False)
    cores = len(os.sched_getaffinity(0))
    settings = pool.PoolSettings.from_env()
    assert settings.workers == max(1, cores - 1) and settings.address == "" and settings.nice > 0
    monkeypatch.setenv(pool.WORKERS_ENV, "0")
    with pytest.raises(ValueError, match="Invalid value for AELAB_POOL_WORKERS: expected an integer >= 1"):
        pool.PoolSettings.from_env()
    monkeypatch.setenv(pool.WORKERS_ENV, "3")
    monkeypatch.setenv(pool.ADDRESS_ENV, " tcp://10.0.0.5:8786 ")
    assert pool.PoolSettings.from_env() == pool.PoolSettings("tcp://10.0.0.5:8786", 3, settings.threads, 19)


def test_classroom_mode_caps_images_times_epochs(monkeypatch):
    monkeypatch.delenv(checkpoints.READ_ONLY_ENV, raising=False)
    jobs.check_classroom_cap(TrainConfig(model="ae2d", epochs=30, train_size=59000))  # No cap outside class.
    monkeypatch.setenv(checkpoints.READ_ONLY_ENV, "1")
    jobs.check_classroom_cap(TrainConfig(model="ae2d", epochs=5, train_size=10000))  # The page's defaults fit.
    with pytest.raises(ValueError, match=r"at most 50,000 .*20,000 images × 5 epochs = 100,000"):
        jobs.check_classroom_cap(TrainConfig(model="ae2d", epochs=5, train_size=20000))
    monkeypatch.setenv(jobs.CAP_ENV, "200000")
    jobs.check_classroom_cap(TrainConfig(model="ae2d", epochs=5, train_size=20000))
