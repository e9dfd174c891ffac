"""Where aelab's own files are, in a checkout and when installed with `pip install .`.

A checkout holds the app beside the library: `app.py`, `app_pages/`, `static/`, `.streamlit/config.toml`,
`checkpoints/` and `studies/` at the repository root. The wheel installs those same files, in the same
layout, into an `aelab_app/` folder next to the `aelab/` package (pyproject.toml, `[tool.hatch.build]`).
So either way `app.py` finds its pages at `app_pages/...`, and Streamlit finds `.streamlit/config.toml` and
`static/` beside the script, from any working directory; and `aelab/` stays a library without Streamlit.

aelab never writes its results into an installed package (it may be read-only, and an upgrade would replace
it); the one exception is the navigator's cache of content-addressed files in `static/navigator/`, which
Streamlit can serve only from beside `app.py` (a read-only install falls back to the sliders). What it
writes by default goes to the checkout's git-ignored folders, or, installed, to `~/.aelab` (as Keras keeps
its downloads in `~/.keras`).
"""

import os

_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INSTALLED_APP = os.path.join(_PARENT, "aelab_app")

# Installed: site-packages/aelab/ beside site-packages/aelab_app/. A checkout has no aelab_app/.
INSTALLED = os.path.isfile(os.path.join(_INSTALLED_APP, "app.py"))
APP_DIR = _INSTALLED_APP if INSTALLED else _PARENT
APP_SCRIPT = os.path.join(APP_DIR, "app.py")
SHIPPED_CHECKPOINTS = os.path.join(APP_DIR, "checkpoints")
STUDIES_DIR = os.path.join(APP_DIR, "studies")  # The committed results of the full study runs.

WORK_DIR = os.path.join(os.path.expanduser("~"), ".aelab") if INSTALLED else _PARENT
RUNS_DIR = os.path.join(WORK_DIR, "runs")  # Quick studies and the study cache; git-ignored in a checkout.


def inside_package(path):
    """Whether `path` lies inside the installed `aelab_app/` folder, which aelab never writes to.

    Args:
        path: a file or folder.

    Returns:
        True only when aelab is installed and `path` is in its app folder.
    """
    if not INSTALLED:
        return False
    app = os.path.realpath(APP_DIR)
    return os.path.commonpath([app, os.path.realpath(path)]) == app


def user_models_dir(checkpoint_dir):
    """The default folder of the models saved from the app (when `AELAB_USER_DIR` is not set).

    Args:
        checkpoint_dir: the checkpoint folder in use (see `aelab.checkpoints.resolve_dir`).

    Returns:
        `<checkpoint_dir>/user`, or `~/.aelab/models` when that would be inside the installed package.
    """
    if inside_package(checkpoint_dir):
        return os.path.join(WORK_DIR, "models")
    return os.path.join(checkpoint_dir, "user")


def package_write_error(path, flag):
    """The message for a default output that would land inside the installed package, else None.

    Args:
        path: where a command would write.
        flag: the option that chooses another place, e.g. "--out".

    Returns:
        A one-line message naming the folder and the option, or None when `path` may be written.
    """
    if not inside_package(path):
        return None
    return (
        f"{path} is inside the installed aelab package, which aelab never writes to: "
        f"pass {flag} DIR to choose where the result goes"
    )


def write_text_atomic(path, text):
    """Writes `text` to `path` through a temporary file in the same folder, renamed over it.

    A reader sees the old file or the new one, never half of one; a failed write leaves no temporary.

    Returns:
        `path`.
    """
    import tempfile

    folder, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path
