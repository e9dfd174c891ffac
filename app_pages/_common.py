"""Streamlit-only helpers shared by the pages (not a page itself).

Cached loaders for the shipped models and the test sets, session defaults,
and the "active" AE and VAE: each session uses either the shipped checkpoint,
the model it trained itself, or one saved by name.
"""

import dataclasses
import glob
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # Before TensorFlow is first imported.

import sys  # noqa: E402
import uuid  # noqa: E402

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit import runtime  # noqa: E402
from streamlit.runtime.scriptrunner import get_script_run_ctx, script_runner  # noqa: E402

from aelab import checkpoints, data, i18n, locations  # noqa: E402
from aelab.data import images  # noqa: E402
from aelab.i18n import N_, _, ngettext  # noqa: E402
from aelab.inference import latent  # noqa: E402
from aelab.training import pool  # noqa: E402

KINDS = {"ae2d": N_("Autoencoder (AE)"), "vae2d": N_("Variational autoencoder (VAE)")}  # English: show _(label).
KIND_BY_LABEL = {label: kind for kind, label in KINDS.items()}
SHORT = {"ae2d": "AE", "vae2d": "VAE"}
USER_DIR_ENV = "AELAB_USER_DIR"

# Input shapes used to warm up the models that are not AEs or VAEs.
_WARM_UP_SHAPES = {"dae": (1, 28, 28, 1), "colorizer": (1, 32, 32, 1), "colorizer_mse": (1, 32, 32, 1)}
_WARM_UP_SHAPES.update(dict.fromkeys(checkpoints.SHIPPED_VARIANTS, (1, 28, 28, 1)))


@dataclasses.dataclass
class ModelInfo:
    """What the pages need to know about a model besides the model itself.

    Attributes:
        kind: "ae2d" or "vae2d" (or "dae", "colorizer").
        source: "shipped", "session" or "saved".
        label: one line for people.
        key: a string that changes whenever the weights do (cache key).
        meta: the sidecar dict (config, epochs, data set, test metrics, history).
    """

    kind: str
    source: str
    label: str
    key: str
    meta: dict


def user_dir():
    """The folder for models saved from the app, apart from the shipped ones (never inside an installed aelab)."""
    return os.environ.get(USER_DIR_ENV) or locations.user_models_dir(checkpoints.resolve_dir())


def _clean_problem_modules_except_keras():
    """Streamlit's after-run clean-up without `keras.backend.clear_session()`.

    Streamlit clears the Keras session after every script run; with models
    cached for the whole server that costs 70-110 ms per slider move here, and
    it would reset Keras' global state under a training run going on in
    another session's thread. Our models never rely on that reset, so only
    the matplotlib part of the clean-up is kept.
    """
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def keep_keras_state():
    """Installs `_clean_problem_modules_except_keras` in Streamlit's script runner (idempotent).

    tests/app/test_streamlit_patch.py fails if Streamlit renames or changes the
    function this replaces, so an upgrade cannot silently undo or break it.
    """
    script_runner._clean_problem_modules = _clean_problem_modules_except_keras


keep_keras_state()


@st.cache_resource(show_spinner=False)
def clean_checkpoint_folders():
    """Once per server: removes the temporary files of saves that were killed (see `checkpoints.save`)."""
    for folder in (checkpoints.resolve_dir(), user_dir()):
        if os.path.isdir(folder):
            checkpoints.clean_stale_temporaries(folder)


def init_session():
    """Sets the session defaults once per session, and adopts finished training runs.

    A run started on the Models page goes on in its thread when the user goes
    to another page; whichever page runs after it has finished puts the new
    model to use.
    """
    clean_checkpoint_folders()
    if "active" not in st.session_state:
        # Choice per kind: "shipped", "session" (trained here) or "saved:<name>".
        st.session_state.active = {"ae2d": "shipped", "vae2d": "shipped"}
    if "jobs" not in st.session_state:
        st.session_state.jobs = {}  # kind -> the latest training Job, waiting, running or finished.
    if "trained" not in st.session_state:
        st.session_state.trained = {}  # kind -> the latest finished job that has a model.
    if "sample_seed" not in st.session_state:
        st.session_state.sample_seed = {"denoise": 0, "colorize": 0}
    for kind, job in st.session_state.jobs.items():
        if job.finished and job.model is not None and st.session_state.trained.get(kind) is not job:
            st.session_state.trained[kind] = job
            st.session_state.active[kind] = "session"


# Training pool.

OWNER_GONE_S = 15  # A tab that stays disconnected this long (closed, reloaded) has its job stopped.


@st.cache_resource(show_spinner=False)  # Spinners are shown by the callers, in the session's language.
def _training_pool(settings):
    return pool.TrainingPool(settings, grace_s=OWNER_GONE_S)


def training_pool():
    """The server's training pool, started on first use and shared by every session; None after an st.error.

    Settings come from the environment (`aelab.training.pool.PoolSettings`);
    they are the cache key, so a changed `AELAB_POOL_ADDRESS` gets its own pool.
    """
    try:
        with st.spinner(_("Starting the training pool…")):
            return _training_pool(pool.PoolSettings.from_env())
    except (ValueError, OSError, TimeoutError) as e:
        st.error(_("Training is not available on this server: {error}").format(error=e))
        return None


def session_owner():
    """This browser session's owner key for the training pool (one job per session)."""
    return st.session_state.setdefault("owner", uuid.uuid4().hex)


def session_alive():
    """A function that says whether this browser session is still connected; None outside `streamlit run`."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None
    rt, session_id = runtime.get_instance(), ctx.session_id
    return lambda: rt.is_active_session(session_id)


def epochs_text(job):
    """'1 epoch', '5 epochs': how far a training job got."""
    n = len(job.history.get("loss", []))
    return ngettext("{n} epoch", "{n} epochs", n).format(n=n)


def choice_label(kind, choice):
    """A short label for an active-model choice, without loading anything."""
    if choice == "session":
        job = st.session_state.trained.get(kind)
        if job is None:
            return _("trained in this session")
        return _("trained in this session ({epochs})").format(epochs=epochs_text(job))
    if choice.startswith("saved:"):
        return _("saved model '{name}'").format(name=choice[len("saved:") :])
    return _("shipped checkpoint '{name}'").format(name=kind)


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


def sidebar():
    """The shared sidebar: which AE and VAE the pages are using."""
    with st.sidebar:
        st.caption(_("Models in use (change them on the Models page)"))
        for kind in KINDS:
            label = choice_label(kind, st.session_state.active[kind])
            st.markdown(_("**{model}**: {label}").format(model=SHORT[kind], label=label))


# Data.


@st.cache_resource(show_spinner=False)
def _mnist_test():
    _train, (x, y) = data.load_mnist()
    # Shared by every session: read-only, so no page can change it for others.
    # (st.cache_data would hand each rerun a fresh 31 MB copy instead.)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


@st.cache_resource(show_spinner=False)
def _cifar_test():
    _train, (x, y) = data.load_cifar10()
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


@st.cache_resource(max_entries=16, show_spinner=False)
def _load(name, directory, sha256, kind):
    # sha256 is only part of the cache key: a checkpoint saved again under the
    # same name is a new file and must be loaded again.
    del sha256
    model = checkpoints.load(name, directory)
    if kind in KINDS:
        latent.check_latent_model(model, kind)
    else:
        model(np.zeros(_WARM_UP_SHAPES[kind], "float32"), training=False)
    return model


def checkpoint_model(name, directory=None, kind=None):
    """Loads a checkpoint once per server (warmed up), or shows why it cannot.

    Args:
        name: checkpoint name.
        directory: folder; see `aelab.checkpoints.resolve_dir`.
        kind: what the model must be ("ae2d", "vae2d", "dae", "colorizer");
            defaults to `name`.

    Returns:
        `(model, sidecar)`, or `(None, None)` after an `st.error`.
    """
    directory = checkpoints.resolve_dir(directory)
    try:
        meta = checkpoints.read_sidecar(name, directory)
        with st.spinner(_("Loading the model…")):
            model = _load(name, directory, meta.get("sha256", ""), kind or name)
    except (checkpoints.CheckpointError, ValueError) as e:
        st.error(str(e))
        return None, None
    return model, meta


def active_model(kind):
    """The AE or VAE this session uses now.

    Args:
        kind: "ae2d" or "vae2d".

    Returns:
        `(model, ModelInfo)`, or `(None, None)` after an `st.error`.
    """
    choice = st.session_state.active[kind]
    if choice == "session":
        job = st.session_state.trained.get(kind)
        if job is not None and job.model is not None:
            info = ModelInfo(kind, "session", choice_label(kind, choice), f"session:{job.id}", job.metadata())
            return job.model, info
        choice = st.session_state.active[kind] = "shipped"
    if choice.startswith("saved:"):
        name, directory, source = choice[len("saved:") :], user_dir(), "saved"
    else:
        name, directory, source = kind, None, "shipped"
    model, meta = checkpoint_model(name, directory, kind)
    if model is None:
        return None, None
    key = f"{source}:{name}:{meta.get('sha256', '')}"
    return model, ModelInfo(kind, source, choice_label(kind, choice), key, meta)


def saved_models(kind):
    """Names of the models of one kind saved from the app, sorted."""
    names = []
    for path in glob.glob(os.path.join(user_dir(), "*.json")):
        try:
            with open(path) as f:
                meta = json.load(f)
        except (OSError, ValueError):
            continue  # A broken sidecar is not offered; loading it would only fail.
        if (meta.get("kind") or meta.get("config", {}).get("model")) == kind:
            names.append(os.path.splitext(os.path.basename(path))[0])
    return sorted(names)


def session_figure(slot, key, build):
    """A figure kept in this session while `key` stays the same, built by `build()` otherwise.

    A slider move that only shifts a cross need not rebuild a 10,000-point
    figure (about half the server's work per move). Figures are mutable, so
    they are kept per session, never in a cache shared between sessions.

    Args:
        slot: a name for the figure on its page.
        key: everything the figure's content depends on, hashable.
        build: makes the figure.

    Returns:
        The kept or new figure.
    """
    figures = st.session_state.setdefault("figures", {})
    key = (key, i18n.language())  # Titles, axes and legends are in the session's language.
    if slot not in figures or figures[slot][0] != key:
        figures[slot] = (key, build())
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
