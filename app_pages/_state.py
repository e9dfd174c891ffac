"""The session's state, in one typed object (not a page).

Everything a browser session keeps that is not a widget's own value lives in
one `AppState` under one key, created once by `app.py` (`init`). Pages read
and change its fields; none invents session keys of its own, so a newcomer
finds every piece of state, with its type and meaning, here.
"""

import dataclasses
import uuid

import streamlit as st

from aelab import shelf
from aelab.models import registry

KEY = "aelab"  # The one session-state key that is not a widget's.


@dataclasses.dataclass
class AppState:
    """What one browser session keeps between reruns.

    Attributes:
        active: kind -> the `aelab.shelf.Choice` of the AE and the VAE in use.
        jobs: slot -> the latest training `Job` of this session, waiting, running or finished;
            the slot is a kind ("ae2d") for the Models page, "study:<name>" for a quick rerun.
        trained: kind -> the latest finished job that has a model (what "session" resolves to).
        owner: this session's owner key in the training pool (one job per session).
        seeds: page -> the seed of the sample it shows ("denoise", "colorize", "variants").
        rows: the test rows selected on any Latent space chart, shared by all of them.
        rows_from: the key of the chart whose own box or lasso made `rows`, else None (a link,
            the keyboard's selection, Clear).
        prior_seed: the seed of the VAE's prior samples shown, None before the first draw.
        pins: kind -> (model key, pinned point or None) on Latent space's navigators.
        narrow: whether a navigator saw a phone-sized window (smaller manifold, static chart).
        linked: widget key -> whether the link that opened the page set it.
        link_defaults: widget key -> its starting value, read from the link once (see _urlstate).
        link_models_read: whether the link's saved models have been put to use.
        figures: slot -> (key, figure) kept while the key stays the same (see _common.session_figure).
        study_results: study -> the result of its finished quick rerun.
        drawings: drawing pad key -> its digit as a PNG data URL (kept while its tab is closed).
        seat: the `ClassSeat` of the class this session started or joined (Class page), else None.
    """

    active: dict = dataclasses.field(
        default_factory=lambda: {k.name: shelf.Choice(k.name) for k in registry.latent_kinds()}
    )
    jobs: dict = dataclasses.field(default_factory=dict)
    trained: dict = dataclasses.field(default_factory=dict)
    owner: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    seeds: dict = dataclasses.field(default_factory=lambda: {"denoise": 0, "colorize": 0, "variants": 0})
    rows: list = dataclasses.field(default_factory=list)
    rows_from: str | None = None
    prior_seed: int | None = None
    pins: dict = dataclasses.field(default_factory=dict)
    narrow: bool = False
    linked: dict = dataclasses.field(default_factory=dict)
    link_defaults: dict = dataclasses.field(default_factory=dict)
    link_models_read: bool = False
    figures: dict = dataclasses.field(default_factory=dict)
    study_results: dict = dataclasses.field(default_factory=dict)
    drawings: dict = dataclasses.field(default_factory=dict)
    seat: "ClassSeat | None" = None

    def adopt_finished(self):
        """Puts to use the models of training runs that finished since the last rerun.

        A run started on the Models page goes on in the pool when the user goes
        to another page; whichever page runs after it has finished puts the new
        model to use.
        """
        for slot, job in self.jobs.items():
            if slot in self.active and job.finished and job.model is not None and self.trained.get(slot) is not job:
                self.trained[slot] = job
                self.active[slot] = shelf.Choice(slot, shelf.SESSION)

    def live_job(self):
        """This session's job that is waiting or running (one per session), or None."""
        return next((job for job in self.jobs.values() if not job.finished), None)


@dataclasses.dataclass
class ClassSeat:
    """This session's place in a class (the Class page).

    Attributes:
        code: the class's join code.
        teacher: whether this session is the class's teacher.
        token: the teacher's secret token (teachers only); the store keeps only its hash.
        nickname: the student's optional nickname.
        follow: whether the student follows the teacher's pin.
        seen: what the page last drew, `(version, pin_seq, closed)` from the store's `poll`.
        sent: `(drawing, digit)` this student last sent, the pad's data URL and the digit meant: its
            acknowledgement stays on the page while that drawing is on the pad, through other runs.
        said: `(drawing, digit, message)`: why this student's last Send stored nothing, shown while that
            drawing and digit are still chosen.
        training: the class's fine-tuning job in the pool (teachers only), else None.
    """

    code: str
    teacher: bool = False
    token: str | None = None
    nickname: str | None = None
    follow: bool = False
    seen: tuple | None = None
    sent: tuple | None = None
    said: tuple | None = None
    training: object = None


def init():
    """Creates the session's state on its first run and adopts finished training runs (app.py, every run)."""
    if KEY not in st.session_state:
        st.session_state[KEY] = AppState()
    get().adopt_finished()


def get():
    """This session's `AppState`."""
    return st.session_state[KEY]
