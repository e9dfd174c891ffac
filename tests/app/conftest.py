"""Fixtures for the AppTest tests: open the app on a page, isolate saved models.

Models and data come from the environment, as in the app: AELAB_CHECKPOINT_DIR
(else the repository's checkpoints/) and AELAB_DATA_DIR.
"""

import base64
import io
import json
import pathlib
import time

import numpy as np
import pytest
from PIL import Image
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, app_test

APP = str(pathlib.Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60  # Seconds per script run; the first one imports TensorFlow and loads models.


@pytest.fixture(autouse=True)
def user_dir(tmp_path, monkeypatch):
    """Models saved during a test go to a temporary folder, never to checkpoints/."""
    folder = tmp_path / "user"
    monkeypatch.setenv("AELAB_USER_DIR", str(folder))
    return folder


@pytest.fixture
def open_page():
    """Returns `open_page(path=None, query=None)`: a fresh session that has run the app on that page.

    `query` is the link's query string as a dict (see app_pages/_urlstate.py).
    """

    def _open(path=None, query=None):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        # A browser sends the link's query string with the session's first run.
        at.query_params.update(query or {})
        at.run()
        if path:
            # AppTest must run the default page first; the browser would have
            # started on `path` with the link's parameters, so they are sent again.
            at.query_params.clear()
            at.query_params.update(query or {})
            at.switch_page(path).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


@pytest.fixture
def select_points():
    """Returns `select_points(at, chart, points)`: reruns as if the browser sent a box selection.

    AppTest has no API for chart selections, so this sends the same widget
    state the frontend does (a JSON string in `string_value`). It relies on
    AppTest internals and may need updating with Streamlit.
    """

    def _select(at, chart, points):
        # The Latent space charts select only in select mode (a swipe scrolls a phone otherwise):
        # turn it on as a user would, then find the same chart again.
        toggles = [t for t in at.toggle if t.key == "latent_select"]
        if toggles and not toggles[0].value:
            index = [c.proto.id for c in at.get("plotly_chart")].index(chart.proto.id)
            toggles[0].set_value(True).run()
            chart = at.get("plotly_chart")[index]
        states = at._tree.get_widget_states()
        state = WidgetState(id=chart.proto.id)
        state.string_value = json.dumps(
            {"selection": {"points": points, "point_indices": list(range(len(points))), "box": [{}], "lasso": []}}
        )
        states.widgets.append(state)
        return at._run(states)

    return _select


@pytest.fixture
def download(monkeypatch):
    """Returns `download(button)`: `(file name, bytes)` that a click on that download button gives.

    AppTest makes a fresh media file manager for each run and drops it after;
    this keeps the latest one, and runs a deferred (callable) download as a click would.
    """
    managers = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)

    def fetch(button):
        proto = getattr(button, "proto", button)
        mgr = managers[-1]
        url = proto.url or mgr.execute_deferred(proto.deferred_file_id)  # drawn on click
        f = mgr.read_file(url.rsplit("/", 1)[-1].split(".")[0])
        return f.filename, f.content

    return fetch


def finish_training(at, timeout):
    """Reruns the page until this session's training jobs have ended, then once more to show the result.

    A click on Train queues a job in the pool; while the pool is still starting (a fresh process)
    the job waits, and the page shows its place in the queue and ends its run. A browser's page
    then looks again (a fragment every 2 s); this does the same, waiting for the job, not for a
    fixed time.

    Returns:
        `at`, after the last run.
    """
    deadline = time.monotonic() + timeout
    while any(not job.finished for job in at.session_state["aelab"].jobs.values()):
        assert time.monotonic() < deadline, "the training job did not end in time"
        time.sleep(0.5)
        at.run(timeout=timeout)
    return at.run(timeout=timeout)


def train(at, epochs, images, timeout=180):
    """Trains the AE from the Models page (`epochs` over `images` training digits) until the job has ended.

    Returns:
        `at`, after the run, checked for exceptions.
    """
    at.slider(key="epochs_ae2d").set_value(epochs)
    at.select_slider(key="size_ae2d").set_value(images)
    at.button(key="train_ae2d").click().run(timeout=timeout)
    finish_training(at, timeout)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def stop_when(monkeypatch):
    """Returns `stop_when(condition)`: a job stops (as a Stop click would) at the first event `condition(msg)` holds for."""

    def patch(condition):
        from aelab.training import jobs

        apply = jobs.Job.apply

        def apply_then_stop(self, msg):
            apply(self, msg)
            if condition(msg):
                self.stop()

        monkeypatch.setattr(jobs.Job, "apply", apply_then_stop)

    return patch


@pytest.fixture
def app_pool(monkeypatch):
    """The app's training pool with one worker, so that a second job has to wait."""
    from aelab.training import pool
    from app_pages import _training

    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    monkeypatch.delenv(pool.ADDRESS_ENV, raising=False)
    return _training._pool(pool.PoolSettings.from_env())


def train_one_epoch(at, timeout):
    """Trains the AE for one epoch on 1,000 images from the Models page and checks the page said so.

    Args:
        at: an AppTest opened on the Models page.
        timeout: seconds the training run may take.

    Returns:
        `at`, after the run.
    """
    train(at, 1, 1000, timeout)
    assert not at.error, [e.value for e in at.error]
    assert "Trained 1 epoch in" in at.success[0].value
    return at


class Scrubber:
    """What a scrubbed slider (app_pages/_scrubber.py) sent the browser: its data and the pictures at each stop."""

    def __init__(self, at, key):
        found = [e for e in at.get("bidi_component") if e.proto.id.endswith(f"-{key}")]
        assert found, f"no scrubber {key!r}"
        self.data = json.loads(found[0].proto.json)
        self.sheet = None  # A scrubber that only moves a chart's traces has no pictures.
        if self.data["atlas"]:
            sheet = Image.open(io.BytesIO(base64.b64decode(self.data["atlas"].split(",", 1)[1])))
            self.sheet = np.asarray(sheet.convert("RGB") if sheet.mode == "P" else sheet)  # A chart's palette.

    def picture(self, stop, cell):
        """The uint8 picture `cell` (a row's `{"t": k}` or `{"s": k}`) shows at `stop`, as the browser draws it."""
        w, h = self.data["tile"]
        band, k = (stop, cell["t"]) if "t" in cell else (len(self.data["stops"]), cell["s"])
        return self.sheet[band * h : (band + 1) * h, k * w : (k + 1) * w]

    def text(self, value, stop):
        """A text the scrubber shows: the same at every stop, or the one of `stop`."""
        return value if isinstance(value, str) else value[stop]
