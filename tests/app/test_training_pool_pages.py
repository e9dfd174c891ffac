"""The Models page with the training pool: the queue, Stop while waiting, and two sessions at once.

The pool is the app's own (one worker process, from the environment's
settings), shared by the sessions of this test process as by a server's.
"""

import time

import pytest
from test_pages import summary

from aelab import data
from aelab.training import jobs
from aelab.training.config import TrainConfig

pytestmark = pytest.mark.skipif(data.resolve_data_dir() is None, reason="set AELAB_DATA_DIR")


def wait_until(condition, timeout=180):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def texts(elements):
    return " ".join(e.value for e in elements)


def test_a_waiting_job_shows_its_place_and_estimated_start_and_stops(open_page, app_pool):
    # Someone else's job holds the only worker.
    other = app_pool.submit(
        jobs.Job(TrainConfig(model="ae2d", epochs=30, train_size=2000, val_size=500), "another-session")
    )
    try:
        wait_until(lambda: other.status == "running")
        at = open_page()
        at.slider(key="epochs_ae2d").set_value(1)
        at.select_slider(key="size_ae2d").set_value(1000)
        at.button(key="train_ae2d").click().run()
        assert not at.exception, [e.value for e in at.exception]
        waiting = texts(at.info)
        assert "place 1 in the queue" in waiting and "you are next" in waiting and "Estimated start: in" in waiting
        assert "1 job train at once on this server" in waiting
        assert "**In the queue** → Loading the data" in texts(at.markdown)
        assert at.button(key="train_ae2d").disabled  # One job per session.
        assert at.button(key="stop_ae2d").label == "Leave the queue"

        at.button(key="stop_ae2d").click().run()
        assert "Stopped before it started" in texts(at.info)
        assert not at.button(key="train_ae2d").disabled
        assert str(at.session_state["aelab"].active["ae2d"]) == "shipped"
    finally:
        other.stop()
        other.wait(60)


def test_two_sessions_queue_in_order_and_each_gets_its_own_model(open_page, app_pool):
    blocker = app_pool.submit(
        jobs.Job(TrainConfig(model="ae2d", epochs=30, train_size=2000, val_size=500), "another-session")
    )
    try:
        wait_until(lambda: blocker.status == "running")
        first, second = open_page(), open_page()
        for at, epochs, size in ((first, 2, 2000), (second, 1, 1000)):
            at.slider(key="epochs_ae2d").set_value(epochs)
            at.select_slider(key="size_ae2d").set_value(size)
            at.button(key="train_ae2d").click().run()
            assert not at.exception, [e.value for e in at.exception]
        assert "place 1 in the queue" in texts(first.info) and "place 2 in the queue" in texts(second.info)
        assert "1 jobs ahead of you" in texts(second.info)
    finally:
        blocker.stop()
    a, b = first.session_state["aelab"].jobs["ae2d"], second.session_state["aelab"].jobs["ae2d"]
    assert a.wait(240) and b.wait(240), (a.error, b.error)
    assert b.started_at > a.started_at  # First in, first out.
    for at in (first, second):
        at.run(timeout=120)  # The page's next run adopts the finished job.
        assert not at.exception, [e.value for e in at.exception]
        assert "Trained" in texts(at.success), texts(at.error)
    # Each session got the model it asked for, and only that one.
    assert a.owner != b.owner and a.model is not b.model
    assert first.session_state["aelab"].trained["ae2d"] is a and second.session_state["aelab"].trained["ae2d"] is b
    assert summary(first, "Training data") == "2,000 MNIST images" and summary(first, "Epochs") == "2"
    assert summary(second, "Training data") == "1,000 MNIST images" and summary(second, "Epochs") == "1"
