"""Unit tests for aelab.jobs: in-browser training in a thread, with a stop flag."""

import numpy as np
import pytest

from aelab import checkpoints, data, jobs, latent

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
