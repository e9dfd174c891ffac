"""Unit tests for aelab.training.jobs: in-browser training in a thread, with a stop flag."""

import keras
import numpy as np
import pytest

from aelab import checkpoints, data
from aelab.inference import latent
from aelab.training import jobs, pipeline

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
def test_job_trains_in_a_thread_and_saves(tmp_path):
    job = jobs.TrainingJob(tiny("vae2d", epochs=2)).start()
    assert job.join(timeout=300), job.progress()
    assert job.status == "done", job.error
    history = job.history_copy()
    assert len(history["loss"]) == 2 and len(history["val_loss"]) == 2
    assert job.progress()[0] == 1.0
    assert {"psnr", "neg_elbo"} <= set(job.test_metrics)
    assert job.metadata()["train_images"] == 256
    latent.check_latent_model(job.model, "vae2d")

    job.save("tiny_vae", tmp_path)
    back = checkpoints.load("tiny_vae", tmp_path)
    x = np.zeros((2, 28, 28, 1), "float32")
    np.testing.assert_allclose(latent.encode(back, x), latent.encode(job.model, x), atol=1e-6)
    assert checkpoints.read_sidecar("tiny_vae", tmp_path)["kind"] == "vae2d"

    # The live latent scatter: the untrained model's codes, then one snapshot per epoch.
    snaps = job.snapshots()
    assert [epoch for epoch, _ in snaps] == [0, 1, 2]
    assert all(z.shape == (jobs.SNAPSHOT_DIGITS, 2) and np.isfinite(z).all() for _, z in snaps)
    assert not np.allclose(snaps[0][1], snaps[-1][1])  # training moved the codes
    (_, _), (x_test, y_test) = data.load_mnist()
    rows = np.sort(np.random.default_rng(job.cfg.seed).choice(len(x_test), jobs.SNAPSHOT_DIGITS, replace=False))
    np.testing.assert_array_equal(job.snapshot_labels, y_test[rows])
    # The last one is the trained encoder's codes (posterior mean) of those very digits.
    np.testing.assert_allclose(snaps[-1][1], latent.encode(job.model, x_test[rows]), atol=1e-5)


@needs_data
def test_stop_flag_ends_training_after_a_batch_and_keeps_the_model():
    job = jobs.TrainingJob(tiny("ae2d", epochs=5))
    job.stop()  # Set before the first batch: the job must stop after it.
    job.run()
    assert job.status == "stopped"
    assert len(job.history["loss"]) == 1  # The interrupted epoch still reports.
    assert job.model is not None and job.metadata()["stopped_early"]


def test_failure_is_reported_not_raised(tmp_path):
    job = jobs.TrainingJob(tiny(), data_dir=str(tmp_path))  # no mnist.npz there
    job.run()
    assert job.status == "failed" and "mnist.npz" in job.error
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
        callbacks = [jobs.LatentSnapshots(x[:16], lambda e, z, seen=seen: seen.append(e))] if watch else []
        pipeline.fit(model, cfg, x, x[:0], callbacks=callbacks)
        weights.append(model.get_weights())
        assert seen == ([0, 1, 2] if watch else [])
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)
