import importlib
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from aelab import checkpoints
from aelab.training import callbacks, pipeline

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_cli(*args, env=None):
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["aelab.train", "gan"], "invalid choice: 'gan'"),
        (["aelab.train"], "the following arguments are required: model"),
        (["aelab.train", "ae2d", "--epochs", "-3"], "expected a positive integer, received '-3'"),
        (["aelab.train", "ae2d", "--epochs", "0"], "expected a positive integer, received '0'"),
        (["aelab.train", "ae2d", "--epochs", "two"], "expected a positive integer"),
        (["aelab.train", "ae2d", "--batch-size", "-1"], "expected a positive integer"),
        (["aelab.train", "ae2d", "--lr", "0"], "expected a positive number"),
        (["aelab.train", "ae2d", "--lr", "nan"], "expected a positive number"),
        (["aelab.train", "ae2d", "--optimizer", "lion"], "invalid choice: 'lion'"),
        (["aelab.train", "ae2d", "--data-dir", "/no/such/folder"], "no such directory"),
        (["aelab.train", "ae2d", "--name", "../up"], "Invalid checkpoint name"),
        (["aelab.train", "ae2d", "--bogus"], "unrecognized arguments: --bogus"),
        (["aelab.train", "ae2d", "--hidden-units", "-5"], "hidden_units: expected an integer >= -1"),
        (["aelab.evaluate", "--data-dir", "/no/such/folder"], "no such directory"),
        (["aelab.evaluate", "--checkpoint-dir", "/no/such/folder"], "no such directory"),
        (["aelab.evaluate", "--limit", "-5"], "expected an integer >= 0"),
    ],
)
def test_bad_flags_are_one_line_errors(flags, message, capsys):
    # In-process (a subprocess per row would import TensorFlow 15 times); the
    # test below runs a few through `python -m` for the real exit status.
    module = importlib.import_module(flags[0])
    with pytest.raises(SystemExit) as e:
        module.main(flags[1:])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"python -m {flags[0]}: error: ") and message in err, err


@pytest.mark.parametrize(
    "flags",
    [
        ["aelab.train", "gan"],
        ["aelab.train", "ae2d", "--epochs", "-3"],
        ["aelab.evaluate", "--data-dir", "/no"],
        ["aelab.experiments", "pca", "--limit", "-2"],
    ],
)
def test_bad_flags_exit_non_zero_through_python_m(flags):
    r = run_cli("-m", *flags)
    assert r.returncode == 2
    # Flags are read before TensorFlow starts, so its start-up notes never come first: one line, alone.
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"python -m {flags[0]}: error: "), r.stderr


def test_classroom_mode_refuses_to_train_before_starting(tmp_path):
    r = run_cli("-m", "aelab.train", "ae2d", "--out", str(tmp_path), env={"AELAB_READ_ONLY": "1"})
    assert r.returncode == 2 and "AELAB_READ_ONLY is set (classroom mode)" in r.stderr.strip().splitlines()[-1]
    assert not os.listdir(tmp_path)


def test_missing_data_file_is_one_line(tmp_path):
    r = run_cli("-m", "aelab.train", "ae2d", "--data-dir", str(tmp_path))
    # The last line is ours; TensorFlow may print start-up notes before it.
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("error: Data file not found")
    assert "Traceback" not in r.stderr


def test_short_training_run_through_cli(tmp_path, data_dir):
    r = run_cli(
        "-m",
        "aelab.train",
        "ae2d",
        "--epochs",
        "2",
        "--train-size",
        "2000",
        "--val-size",
        "500",
        "--data-dir",
        data_dir,
        "--out",
        str(tmp_path),
        "--seed",
        "3",
    )
    assert r.returncode == 0, r.stderr
    assert "epoch 2/2" in r.stdout and "saved" in r.stdout
    side = checkpoints.read_sidecar("ae2d", tmp_path)
    assert side["epochs"] == 2 and side["seed"] == 3 and side["dataset"] == "mnist"
    # Untrained, the decoder outputs ~0.5 everywhere (MSE ~0.2); two short epochs must beat that clearly.
    assert side["test_metrics"]["mse"] < 0.12
    assert side["history"]["val_loss"][-1] < side["history"]["val_loss"][0]
    checkpoints.load("ae2d", tmp_path)


def test_mirrored_strategy_on_two_logical_cpus(tmp_path, data_dir):
    r = run_cli(
        "-m",
        "aelab.train",
        "vae2d",
        "--epochs",
        "1",
        "--train-size",
        "256",
        "--val-size",
        "64",
        "--distribute",
        "mirrored",
        "--logical-cpus",
        "2",
        "--data-dir",
        data_dir,
        "--out",
        str(tmp_path),
    )
    assert r.returncode == 0, r.stderr
    assert "2 replicas" in r.stdout
    assert np.isfinite(checkpoints.read_sidecar("vae2d", tmp_path)["test_metrics"]["neg_elbo"])


def test_training_is_reproducible():
    x = np.random.default_rng(0).random((64, 28, 28, 1), dtype="float32")
    cfg = pipeline.TrainConfig(model="ae2d", epochs=1, batch_size=32, seed=5, hidden_units=8)
    losses = []
    for _ in range(2):
        keras.utils.set_random_seed(cfg.seed)
        model = pipeline.build_model(cfg)
        losses.append(pipeline.fit(model, cfg, x[:48], x[48:]).history["val_loss"][0])
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


def test_progress_callback_reports_and_stops():
    x = np.random.default_rng(0).random((64, 28, 28, 1), dtype="float32")
    cfg = pipeline.TrainConfig(model="ae2d", epochs=5, batch_size=32, hidden_units=8)
    seen = []
    cb = callbacks.Progress(
        on_epoch=lambda e, n, logs, s: seen.append((e, n, "val_loss" in logs)), should_stop=lambda: len(seen) >= 2
    )
    history = pipeline.fit(pipeline.build_model(cfg), cfg, x[:48], x[48:], [cb])
    assert seen == [(0, 5, True), (1, 5, True)] and len(history.history["loss"]) == 2


def test_keep_best_restores_best_weights():
    x = np.random.default_rng(0).random((64, 28, 28, 1), dtype="float32")
    cfg = pipeline.TrainConfig(model="ae2d", epochs=3, batch_size=32, hidden_units=8)
    keep = callbacks.KeepBest()
    model = pipeline.build_model(cfg)
    pipeline.fit(model, cfg, x[:48], x[48:], [keep])
    best = np.argmin(model.history.history["val_loss"])
    assert keep.best_epoch == best
    val = float(model.evaluate(x[48:], x[48:], verbose=0))
    assert val == pytest.approx(keep.best, rel=1e-4)


def test_noisy_pairs_are_seeded():
    x = np.random.default_rng(0).random((20, 28, 28, 1), dtype="float32")
    a = pipeline.PairSequence(x, 8, pipeline.noisy_pair, seed=1)
    b = pipeline.PairSequence(x, 8, pipeline.noisy_pair, seed=1)
    np.testing.assert_array_equal(a[0][0], b[0][0])
    first = a[0][0].copy()
    a.on_epoch_end()
    assert not np.array_equal(a[0][0], first), "a new epoch draws new noise"
    assert len(a) == 3 and a[2][0].shape == (4, 28, 28, 1)
