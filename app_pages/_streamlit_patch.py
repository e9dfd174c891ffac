"""The one place aelab changes Streamlit's behaviour (not a page); app.py applies it.

Streamlit clears the Keras session after every script run; with models cached
for the whole server that costs 70-110 ms per slider move here, and it would
reset Keras' global state under work going on in another session's thread.
Our models never rely on that reset, so only the matplotlib part of the
clean-up is kept.
"""

import sys

from streamlit.runtime.scriptrunner import script_runner


def _clean_problem_modules_except_keras():
    """Streamlit's after-run clean-up without `keras.backend.clear_session()`."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def keep_keras_state():
    """Installs `_clean_problem_modules_except_keras` in Streamlit's script runner (idempotent).

    tests/app/test_streamlit_patch.py fails if Streamlit renames or changes the
    function this replaces, so an upgrade cannot silently undo or break it.
    """
    script_runner._clean_problem_modules = _clean_problem_modules_except_keras
