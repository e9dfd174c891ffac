"""Fixtures for the AppTest tests: open the app on a page, isolate saved models.

Models and data come from the environment, as in the app: AELAB_CHECKPOINT_DIR
(else the repository's checkpoints/) and AELAB_DATA_DIR.
"""

import json
import pathlib

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

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
        states = at._tree.get_widget_states()
        state = WidgetState(id=chart.proto.id)
        state.string_value = json.dumps(
            {"selection": {"points": points, "point_indices": list(range(len(points))), "box": [{}], "lasso": []}}
        )
        states.widgets.append(state)
        return at._run(states)

    return _select
