"""The pages' access to the server's training pool (not a page).

Every training a page can start (the Models page's AE and VAE, the Studies
page's quick reruns) is a job in one pool shared by every session
(`aelab.training.pool`), never a fit on the web server's script thread: so
it queues, obeys the classroom cap, can be stopped, and reports progress.
"""

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from aelab.i18n import _, ngettext
from aelab.training import pool as training_pool

OWNER_GONE_S = 15  # A tab that stays disconnected this long (closed, reloaded) has its job stopped.


@st.cache_resource(show_spinner=False)  # Spinners are shown by the callers, in the session's language.
def _pool(settings):
    return training_pool.TrainingPool(settings, grace_s=OWNER_GONE_S)


def pool():
    """The server's training pool, started on first use and shared by every session; None after an st.error.

    Settings come from the environment (`aelab.training.pool.PoolSettings`);
    they are the cache key, so a changed `AELAB_POOL_ADDRESS` gets its own pool.
    """
    try:
        with st.spinner(_("Starting the training pool…")):
            return _pool(training_pool.PoolSettings.from_env())
    except (ValueError, OSError, TimeoutError) as e:
        st.error(_("Training is not available on this server: {error}").format(error=e))
        return None


def session_alive():
    """A function that says whether this browser session is still connected; None outside `streamlit run`."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None
    rt, session_id = runtime.get_instance(), ctx.session_id
    return lambda: rt.is_active_session(session_id)


def full_epochs(history, partial_epoch=None):
    """The epochs a run finished: the history's, less the last one when a Stop cut it short."""
    return len(history.get("loss", [])) - (1 if partial_epoch else 0)


def epochs_text(job):
    """'1 epoch', '5 epochs', '1 epoch (stopped during epoch 2)': how far a training job got."""
    n = full_epochs(job.history, job.partial_epoch)
    text = ngettext("{n} epoch", "{n} epochs", n).format(n=n)
    if job.partial_epoch:
        text += _(" (stopped during epoch {epoch})").format(epoch=job.partial_epoch)
    return text


def _when(seconds):
    if seconds is None or seconds == float("inf"):
        return _("once a worker joins the pool")
    if seconds < 10:
        return _("in a few seconds")
    minutes, secs = divmod(int(round(seconds / 5) * 5), 60)
    if minutes:
        return _("in about {minutes} min {seconds:02d} s").format(minutes=minutes, seconds=secs)
    return _("in about {seconds} s").format(seconds=secs)


def queue_text(job, slots):
    """Where a waiting job stands: its place in the queue and an estimated start."""
    place = job.queue_position()
    if place is None:
        return _("Starting on a worker…")
    ahead = _("you are next") if place == 1 else _("{n} jobs ahead of you")
    room = (
        ngettext("{n} job train at once on this server", "{n} jobs train at once on this server", slots)
        if slots
        else _("no worker connected yet")
    )
    return _(
        "Waiting for a free worker: **place {place} in the queue** ({ahead}; {room}). Estimated start: {when}."
    ).format(
        place=place, ahead=ahead.format(n=place - 1), room=room.format(n=slots), when=_when(job.estimated_start_s())
    )


def stop_button(job, key):
    """The job's Leave-the-queue / Stop button; its callback runs first thing in the next rerun.

    A waiting job leaves the queue, a running one stops between batches and keeps its best epoch.

    Returns:
        Whether the job is still in the queue (not yet handed to a worker).
    """
    queued = job.queue_position() is not None
    label = _("Leave the queue") if queued else _("Stop training")
    label = _("Stopping after this batch…") if job.stop_requested else label
    st.button(label, key=key, on_click=job.stop, disabled=job.stop_requested)
    return queued
