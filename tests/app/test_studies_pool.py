"""The Studies page's quick rerun as a job of the training pool: its queue place, Stop, and its result.

The pool is the app's own (one worker process here), shared by the sessions
of this test process as by a server's, so a job of another session can hold
the worker while this session's rerun waits.
"""

import time

import pytest

from aelab import data
from aelab.training import jobs
from aelab.training.config import TrainConfig
from app_pages import _state

pytestmark = pytest.mark.skipif(data.resolve_data_dir() is None, reason="set AELAB_DATA_DIR")


@pytest.fixture
def blocker(app_pool):
    """Another session's long training, running on the only worker."""
    job = app_pool.submit(
        jobs.Job(TrainConfig(model="ae2d", epochs=30, train_size=2000, val_size=500), "another-session")
    )
    deadline = time.monotonic() + 180
    while job.status != "running":
        assert time.monotonic() < deadline and not job.finished, job.error
        time.sleep(0.1)
    yield job
    job.stop()
    job.wait(60)


def texts(elements):
    return " ".join(e.value for e in elements)


def rerun(at, study):
    at.button(key=f"rerun_{study}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at.session_state[_state.KEY].jobs[f"study:{study}"]


def test_a_quick_rerun_queues_in_the_pool_and_its_result_appears_beside_the_stored_one(open_page, blocker):
    at = open_page("app_pages/studies.py")
    n_tables = len(at.table)
    job = rerun(at, "variants")
    assert job.owner == at.session_state[_state.KEY].owner and job.queue_position() == 1
    waiting = texts(at.info)
    assert "place 1 in the queue" in waiting and "you are next" in waiting and "Estimated start: in" in waiting
    assert at.button(key="stop_variants").label == "Leave the queue"
    # One job per session: every rerun button is locked, and the other tabs say why.
    assert all(at.button(key=f"rerun_{s}").disabled for s in ("variants", "pca", "losses"))
    assert "one job per session" in texts(at.info)

    blocker.stop()  # The worker frees; the rerun runs there, not on the page's thread.
    assert job.wait(300), job.progress()
    assert job.status == "done", job.error
    assert job.worker_pid is not None and job.result["quick"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Quick run finished in" in texts(at.success)
    assert len(at.table) == n_tables + 1
    stored, quick = (df.value for df in at.table if "model" in df.value.columns)
    assert quick["model"].tolist() == stored["model"].tolist() == ["Dense AE", "Multi-layer AE", "Sparse AE"]
    assert quick["MSE"].tolist() != stored["MSE"].tolist()  # 2 epochs on 2,000 digits, not the stored run.
    assert any("Quick rerun (this session)" in m.value for m in at.markdown)
    assert not at.button(key="rerun_variants").disabled  # The session may start another job.


def test_a_waiting_rerun_leaves_the_queue_and_a_running_one_stops(open_page, blocker):
    at = open_page("app_pages/studies.py")
    waiting = rerun(at, "losses")
    at.button(key="stop_losses").click().run()
    assert waiting.finished and waiting.status == "stopped"
    assert "Quick run stopped: nothing to show." in texts(at.info)
    assert not at.button(key="rerun_losses").disabled

    blocker.stop()
    blocker.wait(60)
    running = rerun(at, "losses")
    deadline = time.monotonic() + 240
    while running.step != "training":  # Past TensorFlow's start and the data: a model is training.
        assert time.monotonic() < deadline and not running.finished, running.error
        time.sleep(0.1)
    at.run()
    assert at.button(key="stop_losses").label == "Stop training"
    at.button(key="stop_losses").click().run()
    assert running.wait(60) and running.status == "stopped" and running.result is None
    at.run()
    assert "Quick run stopped: nothing to show." in texts(at.info)
    assert "losses" not in at.session_state[_state.KEY].study_results
