"""Guards the one place aelab changes Streamlit's behaviour (see app_pages/_streamlit_patch.py)."""

import sys
import types

from streamlit.runtime.scriptrunner import script_runner


def test_running_the_app_never_clears_the_keras_session(open_page, monkeypatch):
    # Streamlit's own clean-up calls keras.backend.clear_session() after every run when Keras is
    # loaded; ours must not (it would cost 70-110 ms a move and reset a training run's state).
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append("clear_session"))
    at = open_page("app_pages/manifold.py")
    at.run()
    assert not at.exception and calls == []


def test_replacement_keeps_keras_and_closes_matplotlib(monkeypatch):
    from app_pages import _streamlit_patch

    assert script_runner._clean_problem_modules is _streamlit_patch._clean_problem_modules_except_keras
    calls = []
    fake_keras = types.SimpleNamespace(backend=types.SimpleNamespace(clear_session=lambda: calls.append("keras")))
    fake_plt = types.SimpleNamespace(close=lambda what: calls.append(("plt", what)))
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", fake_plt)
    script_runner._clean_problem_modules()
    assert calls == [("plt", "all")]
