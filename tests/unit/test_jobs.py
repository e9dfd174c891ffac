"""Unit tests for aelab.training.jobs and .worker: a job's events and result, without the pool (see test_pool.py)."""

import keras
import numpy as np
import pytest

from aelab import checkpoints, data
from aelab.inference import latent
from aelab.training import callbacks, jobs, pipeline, worker

needs_data = pytest.mark.skipif(data.resolve_data_dir() is None, reason="set AELAB_DATA_DIR to a folder with mnist.npz")


def tiny(model="ae2d", epochs=1):
    return jobs.make_config(
        model, epochs=epochs, batch_size=128, train_size=256, optimizer="adam", learning_rate=1e-3, val_size=128
    )


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(model="dae"), "model"),
        (dict(epochs=0), "epochs"),
        (dict(train_size=60000), "train_size"),
        (dict(optimizer="lbfgs"), "optimizer"),
        (dict(learning_rate=0), "learning_rate"),
    ],
)
def test_make_config_rejects_bad_values(kw, match):
    args = dict(model="ae2d", epochs=1, batch_size=32, train_size=100, optimizer="adam", learning_rate=1e-3)
    with pytest.raises(ValueError, match=match):
        jobs.make_config(**{**args, **kw})


@needs_data
def test_the_workers_events_rebuild_the_job_here(tmp_path):
    # What a pool worker runs, run in this process: its events, applied to a
    # Job as the pool applies them, and its result, adopted.
    events = []
    result = worker.train(tiny("vae2d", epochs=2), data.resolve_data_dir(), events.append, lambda: False)
    job = jobs.Job(tiny("vae2d", epochs=2), owner="me")
    for msg in events:
        job.apply(msg)
    kinds = [m["kind"] for m in events]
    assert kinds[:2] == ["step", "start"] and kinds[-2:] == ["step", "step"]  # Preparing ... scoring, its own step.
    assert [m["epoch"] for m in events if m["kind"] == "snapshot"] == [0, 1, 2]
    # The live curves are the result's (the learning rate is logged after the events go).
    assert {k: result["history"][k] for k in job.history} == job.history and len(job.history["loss"]) == 2
    assert job.train_images == 256 and job.steps_per_epoch == 2 and job.step == "scoring"
    live = job.snapshots()
    job.adopt(result)
    job.finish("done")
    assert job.progress() == (1.0, "done: 2 of 2 epochs")
    for (e1, z1), (e2, z2) in zip(live, job.snapshots(), strict=True):
        assert e1 == e2 and np.array_equal(z1, z2)  # The live scatter showed what the result holds.
    (_, _), (x_test, y_test) = data.load_mnist()
    rows = worker.rows(len(x_test), jobs.SNAPSHOT_DIGITS, job.cfg.seed)
    np.testing.assert_array_equal(job.snapshot_labels, y_test[rows])
    np.testing.assert_allclose(live[-1][1], latent.encode(job.model, x_test[rows]), atol=1e-4)
    assert not np.allclose(live[0][1], live[-1][1])  # Training moved the codes.
    assert job.test_metrics["test_digits"] == jobs.SCORE_DIGITS and "neg_elbo" in job.test_metrics

    job.save("tiny_vae", tmp_path)
    back = checkpoints.load("tiny_vae", tmp_path)
    x = np.zeros((2, 28, 28, 1), "float32")
    np.testing.assert_allclose(latent.encode(back, x), latent.encode(job.model, x), atol=1e-6)
    meta = checkpoints.read_sidecar("tiny_vae", tmp_path)
    assert meta["kind"] == "vae2d" and meta["train_images"] == 256 and not meta["stopped_early"]


@needs_data
def test_the_stop_flag_ends_training_after_a_batch_and_keeps_the_best_epoch():
    result = worker.train(tiny("ae2d", epochs=5), data.resolve_data_dir(), lambda msg: None, lambda: True)
    assert result["stopped"]
    assert len(result["history"]["loss"]) == 1  # The interrupted epoch still reports.
    assert len(result["weights"]) > 0


def test_a_failed_job_has_nothing_to_save(tmp_path):
    job = jobs.Job(tiny(), owner="me")
    job.finish("failed", "DataError: no mnist.npz")
    assert job.finished and job.progress() == (1.0, "failed: 0 of 1 epochs")
    with pytest.raises(ValueError, match="Nothing to save"):
        job.save("x", tmp_path)


def test_snapshots_do_not_change_what_a_vae_learns():
    # Encoding runs the VAE's sampling layer, which advances its seed generator;
    # the callback must put it back, or watching would change the training run.
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1)).astype("float32")
    cfg = tiny("vae2d", epochs=2)
    cfg.batch_size = 32
    weights = []
    for watch in (False, True):
        keras.utils.set_random_seed(cfg.seed)  # The same initial weights both times.
        model = pipeline.build_model(cfg)
        seen = []
        cbs = [callbacks.LatentSnapshots(x[:16], lambda e, z, seen=seen: seen.append(e))] if watch else []
        pipeline.fit(model, cfg, x, x[:0], callbacks=cbs)
        weights.append(model.get_weights())
        assert seen == ([0, 1, 2] if watch else [])
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)
