"""Guards the one place aelab changes Streamlit's behaviour (see app_pages/_common.py)."""

import inspect
import sys
import types

from streamlit.runtime.scriptrunner import script_runner


def test_streamlit_still_has_the_function_we_replace():
    # If Streamlit renames or rewrites its clean-up, revisit keep_keras_state().
    import app_pages._common  # noqa: F401  (installs the replacement)

    original = script_runner.ScriptRunner._run_script
    assert "_clean_problem_modules" in inspect.getsource(original)


def test_replacement_keeps_keras_and_closes_matplotlib(monkeypatch):
    from app_pages import _common

    assert script_runner._clean_problem_modules is _common._clean_problem_modules_except_keras
    calls = []
    fake_keras = types.SimpleNamespace(backend=types.SimpleNamespace(clear_session=lambda: calls.append("keras")))
    fake_plt = types.SimpleNamespace(close=lambda what: calls.append(("plt", what)))
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", fake_plt)
    script_runner._clean_problem_modules()
    assert calls == [("plt", "all")]
