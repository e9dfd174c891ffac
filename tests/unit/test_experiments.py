"""aelab.experiments: budgets, PCA, the compression bar, and every study's CLI on a tiny slice."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from aelab import checkpoints, experiments, metrics
from aelab.experiments import __main__ as cli
from aelab.experiments import latent_sweep, optimization
from aelab.experiments.jobs import StudyJob
from aelab.training import jobs
from aelab.training.callbacks import Stopped

LIMIT = "200"  # Training, validation and test images per quick study in these tests.


def test_budgets():
    full = experiments.budget_for("variants")
    assert not full.quick and full.train_size == 0 and full.val_size == 5000 and full.test_size == 0
    quick = experiments.budget_for("pca", quick=True, limit=100, seed=3)
    assert quick.quick and (quick.train_size, quick.val_size, quick.test_size, quick.seed) == (100, 100, 100, 3)
    with pytest.raises(ValueError, match="expected one of"):
        experiments.budget_for("tsne")


def test_pca_matches_an_svd_of_the_training_set():
    rng = np.random.default_rng(0)
    x_train = rng.random((200, 28, 28, 1), dtype="float32")
    x_test = rng.random((20, 28, 28, 1), dtype="float32")
    pca = metrics.PCA(x_train)
    # An independent reference: the right singular vectors of the centred training set.
    a = x_train.reshape(200, -1).astype("float64")
    mean = a.mean(axis=0)
    vt = np.linalg.svd(a - mean, full_matrices=False)[2]
    for k in (2, 8):
        t = x_test.reshape(20, -1) - mean
        reference = np.clip(t @ vt[:k].T @ vt[:k] + mean, 0, 1).reshape(x_test.shape)
        np.testing.assert_allclose(pca.reconstruct(x_test, k), reference, rtol=1e-4, atol=1e-5)
    assert pca.encode(x_test, 8).shape == (20, 8)


def test_largest_ratio_under_the_bar():
    sweep = [{"latent": k, "ae": {"relative_error": e}} for k, e in ((1, 0.7), (2, 0.55), (4, 0.45), (8, 0.3))]
    assert latent_sweep.largest_ratio_under(sweep) == (196.0, 4)
    assert latent_sweep.largest_ratio_under(sweep, bar=0.2) == (None, None)


def test_format_table():
    text = experiments.format_table({"columns": ["a", "b"], "rows": [["x", 0.12345], ["y", 12000]]})
    assert text.splitlines() == ["| a | b |", "|---|---|", "| x | 0.1235 |", "| y | 12,000 |"]


@pytest.fixture(scope="module")
def quick_dir(tmp_path_factory, data_dir):
    return tmp_path_factory.mktemp("studies")


def run_cli(study, out, capsys):
    code = cli.main([study, "--quick", "--limit", LIMIT, "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    res = json.load(open(out / f"{study}.json"))
    png = Image.open(out / f"{study}.png")
    assert png.size[0] > 400 and png.size[1] > 300
    assert res["study"] == study and res["quick"] and res["budget"]["train_size"] == int(LIMIT)
    assert res["table"]["rows"] and res["charts"] and res["summary"] in printed
    return res, printed


def test_variants_cli(quick_dir, capsys):
    res, printed = run_cli("variants", quick_dir, capsys)
    assert [r[0] for r in res["table"]["rows"]] == ["Dense AE", "Multi-layer AE", "Sparse AE"]
    assert [r[2] for r in res["table"]["rows"]] == [101200, 218192, 308308]
    assert len(res["sparse"]["mean_activation_per_unit"]) == 196
    # A quick run saves its models beside its results, never over the shipped ones.
    assert sorted(os.listdir(quick_dir / "checkpoints"))[:2] == ["dense_ae.json", "dense_ae.keras"]
    assert "| Sparse AE |" in printed


def test_pca_and_compression_cli_share_models(quick_dir, capsys):
    pca, printed = run_cli("pca", quick_dir, capsys)
    rows = pca["table"]["rows"]
    assert [r[0] for r in rows] == list(latent_sweep.QUICK_LATENTS)
    pca_mse = [r[1] for r in rows]
    assert pca_mse == sorted(pca_mse, reverse=True)  # More components, smaller error.
    accuracy = {r[0]: r[2] for r in pca["tables"][0]["rows"]}
    assert accuracy["raw pixels"] > 0.5 and len(accuracy) == 3
    cached = sorted(os.listdir(quick_dir / "cache"))
    comp, _ = run_cli("compression", quick_dir, capsys)
    assert sorted(os.listdir(quick_dir / "cache")) == cached  # Reused, none retrained.
    assert all(s["train_seconds"] == 0 for s in comp["sweep"])
    for row, s in zip(comp["table"]["rows"], pca["sweep"], strict=True):
        assert row[1] == round(784 / row[0], 1) and row[2] == round(s["ae"]["relative_error"], 3)


def test_optimizer_and_loss_cli(quick_dir, capsys):
    opt, _ = run_cli("optimizers", quick_dir, capsys)
    assert [r[0] for r in opt["table"]["rows"]] == list(optimization.OPTIMIZERS)
    assert {r[1] for r in opt["table"]["rows"]} == {"MSE"}
    losses, _ = run_cli("losses", quick_dir, capsys)
    assert [(r[0], r[1]) for r in losses["table"]["rows"]] == [("Adam", "MSE"), ("Adam", "BCE"), ("Adam", "MAE")]
    assert losses["table"]["rows"][0] == opt["table"]["rows"][0]  # The shared run, from the cache.
    curves = losses["charts"][1]["series"]
    assert all(s["y"][0] == pytest.approx(1.0) for s in curves)  # Normalised to the first epoch.


@pytest.mark.parametrize(
    "argv, message",
    [
        (["tsne"], "invalid choice: 'tsne'"),
        (["pca", "--limit", "-3"], "expected an integer >= 0"),
        (["pca", "--data-dir", "/no/such/dir"], "no such directory"),
        (["pca", "--epochs", "3"], "unrecognized arguments: --epochs"),
    ],
)
def test_bad_flags_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and message in err and "Traceback" not in err


def test_missing_data_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    assert cli.main(["variants", "--quick", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Data file not found") and "mnist.npz" in err[0]
    assert not (tmp_path / "out").exists()


def test_replot_redraws_from_the_json(tmp_path, capsys):
    res = {
        "study": "compression",
        "title": experiments.TITLES["compression"],
        "quick": False,
        "charts": [{"kind": "line", "title": "t", "x_title": "x", "y_title": "y", "log_x": True,
                    "series": [{"name": "AE", "x": [1, 2, 4], "y": [0.7, 0.6, 0.4]}],
                    "hline": {"y": 0.5, "name": "bar"}}],
    }  # fmt: skip
    (tmp_path / "compression.json").write_text(json.dumps(res))
    assert cli.main(["compression", "--replot", "--out", str(tmp_path)]) == 0
    assert Image.open(tmp_path / "compression.png").size[0] > 400
    assert cli.main(["pca", "--replot", "--out", str(tmp_path)]) == 2
    assert "no readable result" in capsys.readouterr().err


def test_a_stop_ends_a_study_between_batches_or_models(data_dir):
    budget = experiments.budget_for("variants", quick=True, limit=int(LIMIT))
    said = []

    def progress(fraction, message):
        said.append((fraction, message))

    with pytest.raises(Stopped):  # Asked while the first model trains: it ends after a batch, keeping nothing.
        experiments.run_study("variants", budget, progress=progress, should_stop=lambda: len(said) >= 1)
    assert len(said) == 1 and said[0][0] == 0.0  # Only the first model's start was reported.


def test_a_quick_study_counts_each_of_its_models_against_the_classroom_cap(monkeypatch):
    monkeypatch.setenv(checkpoints.READ_ONLY_ENV, "1")
    job = StudyJob("optimizers", "me")
    assert job.models == len(optimization.OPTIMIZERS) == 5
    assert job.image_epochs() == 5 * 2000 * 2
    job.check_cap()  # 20,000 image-epochs: within the default 50,000.
    monkeypatch.setenv(jobs.CAP_ENV, "15000")
    with pytest.raises(ValueError, match=r"at most 15,000 .* trains 5 models on 2,000 images × 2 epochs = 20,000"):
        job.check_cap()
    assert StudyJob("pca", "me").models == len(latent_sweep.QUICK_LATENTS)
    monkeypatch.delenv(checkpoints.READ_ONLY_ENV)
    StudyJob("optimizers", "me").check_cap()  # No cap outside class.


def test_a_study_jobs_events_and_result_as_the_pool_applies_them():
    job = StudyJob("variants", "me", language="en")
    assert job.progress() == (0.0, "waiting for a free worker")
    job.apply({"kind": "start", "pid": 123})
    assert job.status == "running" and job.worker_pid == 123
    job.apply({"kind": "progress", "fraction": 0.5, "message": "Training the Sparse AE…"})
    job.apply({"kind": "progress", "fraction": 0.6, "message": None})  # An epoch: the model's line stays.
    assert job.progress() == (0.6, "Training the Sparse AE…") and job.step == "training"
    job.adopt({"result": {"study": "variants"}, "stopped": False, "seconds": 9.0})
    job.finish("done")
    assert job.result == {"study": "variants"} and job.progress() == (1.0, "done")
    failed = StudyJob("variants", "me")
    failed.adopt({"result": {"study": "variants"}, "stopped": False, "seconds": 1.0})
    failed.finish("failed", "DataError: no mnist.npz")
    assert failed.result is None


def test_the_compression_ratio_also_as_the_tutorials_fraction():
    from aelab.experiments import latent_sweep

    assert latent_sweep.code_fraction(2) == "1/392"
    assert latent_sweep.code_fraction(64) == "4/49"
    assert latent_sweep.code_fraction(784, locale="zh_CN") == "1/1"
    stored = {
        "columns": ["latent size", "compression ratio", "AE rel. error"],
        "rows": [[2, 392.0, 0.41], [16, 49.0, 0.2]],
    }
    shown = latent_sweep.with_fractions(stored)
    assert shown["columns"] == ["latent size", "compression ratio", "code / image", "AE rel. error"]
    assert shown["rows"] == [[2, 392.0, "1/392", 0.41], [16, 49.0, "1/49", 0.2]]
    assert latent_sweep.with_fractions(shown) == shown  # once only
    other = {"columns": ["optimizer", "test MSE"], "rows": [["adam", 0.01]]}
    assert latent_sweep.with_fractions(other) is other
