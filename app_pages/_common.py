"""Streamlit-only helpers shared by the pages (not a page itself).

Cached loaders (the test sets, checkpoints, the AE and VAE in use, encodings,
manifolds), the shared sidebar and the language selector. The session's state
is `app_pages/_state.py`'s; which model is in use is `aelab.shelf`'s.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # Before TensorFlow is first imported.

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: E402

from aelab import checkpoints, data, i18n, locations, shelf  # noqa: E402
from aelab.data import images  # noqa: E402
from aelab.figures import describe, digit_names  # noqa: E402
from aelab.i18n import _  # noqa: E402
from aelab.inference import latent  # noqa: E402
from aelab.models import registry  # noqa: E402
from app_pages import _state, _training  # noqa: E402

USER_DIR_ENV = "AELAB_USER_DIR"


def user_dir():
    """The folder for models saved from the app, apart from the shipped ones (never inside an installed aelab)."""
    return os.environ.get(USER_DIR_ENV) or locations.user_models_dir(checkpoints.resolve_dir())


@st.cache_resource(show_spinner=False)
def clean_checkpoint_folders():
    """Once per server: removes the temporary files of saves that were killed (see `checkpoints.save`)."""
    for folder in (checkpoints.resolve_dir(), user_dir()):
        if os.path.isdir(folder):
            checkpoints.clean_stale_temporaries(folder)


# Language.

LANGUAGE_KEY = "lang"  # The sidebar selector's key (the link's parameter is app_pages/_urlstate.py's).


def _session_language():
    """The session's chosen language inside a script run (a fragment's rerun), else None."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(LANGUAGE_KEY)


i18n.set_fallback(_session_language)


def browser_language():
    """The interface language for the browser's own (`st.context.locale`): "zh", "en", or None if neither."""
    return i18n.from_locale(st.context.locale)


def choose_language(link_language=None):
    """The sidebar's language selector; makes its choice the language of this run, before any text is shown.

    Args:
        link_language: "en" or "zh" when the link names one (`lang=`), else None. On the session's first
            run it decides; without it, the browser's language does when aelab has it, else English.

    Returns:
        "en" or "zh".
    """
    if st.session_state.get(LANGUAGE_KEY) not in i18n.LANGUAGES:
        st.session_state[LANGUAGE_KEY] = link_language or browser_language() or i18n.DEFAULT
    with st.sidebar:
        lang = st.segmented_control(
            "Language · 语言",  # In both languages: whoever reads only one of them finds it.
            list(i18n.LANGUAGES),
            format_func=i18n.LANGUAGES.get,
            required=True,
            key=LANGUAGE_KEY,
        )
    lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT
    i18n.set_language(lang)
    return lang


def in_this_language(build):
    """`build` made to run in this run's language, for work Streamlit does later in another thread.

    A deferred download (`st.download_button(data=callable)`) is drawn when it is clicked, outside the
    script run, where `_()` would not know the session's language.

    Args:
        build: a function of no arguments (e.g. one that draws a labelled PNG).

    Returns:
        A function of no arguments returning what `build` returns.
    """
    lang = i18n.language()

    def run():
        with i18n.use(lang):
            return build()

    return run


def choice_label(choice):
    """A short label for a `shelf.Choice` of this session, without loading anything."""
    trained = _state.get().trained.get(choice.kind) if choice.source == shelf.SESSION else None
    return choice.label(epochs=_training.full_epochs(trained.history, trained.partial_epoch) if trained else None)


def sidebar():
    """The shared sidebar: which AE and VAE the pages are using."""
    with st.sidebar:
        st.caption(_("Models in use (change them on the Models page)"))
        for kind, choice in _state.get().active.items():
            short = _(registry.get(kind).short)
            st.markdown(_("**{model}**: {label}").format(model=short, label=choice_label(choice)))


# Data.


@st.cache_resource(show_spinner=False)
def _mnist_test():
    x, y = data.load_test_set("mnist")
    # Shared by every session: read-only, so no page can change it for others.
    # (st.cache_data would hand each rerun a fresh 31 MB copy instead.)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


@st.cache_resource(show_spinner=False)
def _cifar_test():
    x, y = data.load_test_set("cifar10")
    x.setflags(write=False)  # As above; a copy would be 123 MB per rerun.
    y.setflags(write=False)
    return x, y


def _or_stop(loader, message):
    try:
        with st.spinner(message):
            return loader()
    except data.DataError as e:
        st.error(str(e))
        st.stop()


def mnist_test():
    """The MNIST test set `(x, y)`, read-only; stops the page with an error if missing."""
    return _or_stop(_mnist_test, _("Loading the MNIST test set…"))


def cifar_test():
    """The CIFAR-10 test set `(x, y)`, read-only; stops the page with an error if missing."""
    return _or_stop(_cifar_test, _("Loading the CIFAR-10 test set…"))


# Models.


_LOADED = set()  # `_load` keys this server loaded once: later calls are cache hits (or a quick reload).


@st.cache_resource(max_entries=16, show_spinner=False)
def _load(name, directory, sha256, kind):
    # sha256 is only part of the cache key: a checkpoint saved again under the
    # same name is a new file and must be loaded again.
    del sha256
    return shelf.load(name, directory, kind)


def _cached_load(name, directory, kind):
    meta = checkpoints.read_sidecar(name, directory)
    with st.spinner(_("Loading the model…")):
        return _load(name, directory, meta.get("sha256", ""), kind)


def checkpoint_model(name, directory=None, kind=None):
    """Loads a checkpoint once per server (checked and warmed up), or shows why it cannot.

    Args:
        name: checkpoint name.
        directory: folder; see `aelab.checkpoints.resolve_dir`.
        kind: the registry kind the model must be; defaults to `name`.

    Returns:
        `(model, sidecar)`, or `(None, None)` after an `st.error`.
    """
    directory = checkpoints.resolve_dir(directory)
    try:
        meta = checkpoints.read_sidecar(name, directory)
        key = (name, directory, meta.get("sha256", ""), kind or name)
        if key in _LOADED:  # Cached: a spinner's element and timer thread would cost more than the call.
            return _load(*key), meta
        with st.spinner(_("Loading the model…")):
            model = _load(*key)
        _LOADED.add(key)
        return model, meta
    except (checkpoints.CheckpointError, ValueError) as e:
        st.error(str(e))
        return None, None


def active_model(kind):
    """The AE or VAE this session uses now (`aelab.shelf.resolve` with the cached loader).

    Args:
        kind: a latent kind's name.

    Returns:
        `(model, aelab.shelf.ModelInfo)`, or `(None, None)` after an `st.error`.
    """
    state = _state.get()
    try:
        model, info, used = shelf.resolve(state.active[kind], user_dir(), state.trained.get(kind), _cached_load)
    except (checkpoints.CheckpointError, ValueError) as e:
        st.error(str(e))
        return None, None
    state.active[kind] = used  # A session's model that is gone falls back to the shipped one.
    return model, info


def saved_models(kind):
    """Names of the models of one kind saved from the app, sorted."""
    return shelf.saved_names(kind, user_dir())


MAX_FIGURES = 4  # Figures a session keeps: the Manifold's and a scatter per latent kind, with one to spare.


def session_figure(slot, key, build):
    """A figure kept in this session while `key` stays the same, built by `build()` otherwise.

    A slider move that only shifts a cross need not rebuild a 10,000-point
    figure (about half the server's work per move). Figures are mutable, so
    they are kept per session, never in a cache shared between sessions. A
    slot keeps only its current figure, and a session at most `MAX_FIGURES`
    slots, the least recently used going first: what a session holds stays
    bounded however many models and views it goes through.

    Args:
        slot: a name for the figure on its page.
        key: everything the figure's content depends on, hashable.
        build: makes the figure.

    Returns:
        The kept or new figure.
    """
    figures = _state.get().figures
    key = (key, i18n.language())  # Titles, axes and legends are in the session's language.
    kept = figures.pop(slot, None)  # Put back last: the most recently used.
    figures[slot] = kept if kept is not None and kept[0] == key else (key, build())
    while len(figures) > MAX_FIGURES:
        del figures[next(iter(figures))]
    return figures[slot][1]


@st.cache_data(max_entries=16, show_spinner=False)
def _test_encodings(_model, key):
    x, _unused = _mnist_test()
    return latent.encode(_model, x)


def test_encodings(model, key):
    """The MNIST test set encoded by a model (posterior mean for a VAE), once per model.

    Args:
        model: the AE or VAE.
        key: `ModelInfo.key`, which identifies the weights (the cache key).

    Returns:
        float32 array of shape (10000, 2).
    """
    with st.spinner(_("Encoding the 10,000 test digits…")):
        return _test_encodings(model, key)


# The planes in words for a screen reader (aelab.figures.describe) and where their digits are written, once per
# model, view and language: worked out on every run they were ~8 ms of numpy per move of Manifold's Pick slider,
# a fifth of the server's time (py-spy under bench/load_sessions.py). `_z` and `_y` are not hashed: `key` names
# the test encodings.


@st.cache_data(max_entries=64, show_spinner=False)
def plane_words(key, _z, _y, view, language):
    """Where each digit's name goes on the plane, and the plane's paragraph (`digit_names.spots`,
    `describe.clusters`).

    Args:
        key: `ModelInfo.key` of the model whose test encodings `_z` are.
        _z: those encodings, (N, 2); `_y` their labels.
        view: `((z0_low, z0_high), (z1_low, z1_high))` the plane shows, as tuples.
        language: `i18n.language()`, which the paragraph is written in.

    Returns:
        `(spots, paragraph)`: `digit_names.spots`' `{digit: (spot, anchor)}` and a string.
    """
    extent = tuple(hi - lo for lo, hi in view)
    return digit_names.spots(_z, _y, extent), describe.clusters(_z, _y, view=view)


@st.cache_data(max_entries=64, show_spinner=False)
def manifold_words(key, _z, _y, z0_range, z1_range, language):
    """`describe.manifold` of a grid (arguments as `plane_words`; the grid's ranges as tuples)."""
    return describe.manifold(_z, _y, z0_range, z1_range)


@st.cache_data(max_entries=64, show_spinner=False)
def manifold_png(_model, key, n, z0_range, z1_range):
    """A decoded n x n manifold as PNG bytes, with its axes.

    Args:
        _model: the AE or VAE (not hashed).
        key: `ModelInfo.key`.
        n: cells per side.
        z0_range, z1_range: `(low, high)` tuples.

    Returns:
        `(png_bytes, z0_values, z1_values)`.
    """
    mosaic, z0, z1 = latent.manifold(_model, n, z0_range, z1_range)
    return images.to_png(mosaic), z0, z1
