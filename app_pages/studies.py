"""Studies: the tutorials' experiments, their stored results, and a quick rerun in the training pool."""

import pandas as pd
import streamlit as st

from aelab import data, experiments, i18n
from aelab.experiments import jobs as study_jobs
from aelab.experiments import latent_sweep, texts
from aelab.experiments.figures import study_figure
from aelab.i18n import N_, _
from aelab.models import registry
from app_pages import _state, _training

# Parameter counts read better with thousands separators (101,200).
TAB_LABELS = {  # In English, shown as _(label).
    "variants": N_("Variants"),
    "pca": N_("AE vs PCA"),
    "optimizers": N_("Optimizers"),
    "losses": N_("Losses"),
    "compression": N_("Compression ratio"),
}

st.title(_("Studies"))
st.markdown(
    _(
        "The experiments of the tutorials this app grew from, run in full on MNIST and stored with the app: "
        "which autoencoder variant reconstructs best, how an autoencoder compares with PCA at the same latent size "
        "(and whether its codes make good features), how the optimizer and the loss change training, and how far "
        "an image can be compressed. Each tab shows the stored result; **Rerun a quick version** repeats the study "
        "here on a small slice (2,000 training images, 2 epochs), so expect rougher numbers."
    )
)


def _cell(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return texts.shown(v)
    return f"{v:,}" if isinstance(v, int) else f"{v:g}"  # Parameter counts with separators (101,200).


def shown_table(table):
    """A stored table in the session's language (results are stored in English: aelab.experiments.texts).

    Shown with st.table, whose headers and cells wrap, so that every column of a result fits a
    720p projector's column without sideways scrolling.
    """
    columns = [texts.shown(c) for c in table["columns"]]
    return pd.DataFrame([[_cell(v) for v in row] for row in table["rows"]], columns=columns)


def shown_chart(spec):
    """A stored chart spec with its title, axes, legend and categories in the session's language."""
    out = {**spec, **{k: texts.shown(spec[k]) for k in ("title", "x_title", "y_title") if k in spec}}
    out["series"] = [
        {**s, "name": texts.shown(s["name"]), "x": [texts.shown(v) for v in s["x"]]} for s in spec["series"]
    ]
    if "hline" in spec:
        out["hline"] = {**spec["hline"], "name": texts.shown(spec["hline"]["name"])}
    return out


def show_result(res, key, charts_per_row=2):
    """Renders one study result: summary, tables, charts (`charts_per_row` side by side)."""
    st.markdown(f"**{texts.shown(res['summary'])}**")
    # The compression study's ratios also as the tutorials write them (1/392); other tables are unchanged.
    locale = i18n.CATALOGUES.get(i18n.language(), "en")
    st.table(shown_table(latent_sweep.with_fractions(res["table"], locale)), hide_index=True)
    for extra in res.get("tables", []):
        st.markdown(f"*{texts.shown(extra['title'])}*")
        st.table(shown_table(extra), hide_index=True)
    specs = res["charts"]
    for start in range(0, len(specs), charts_per_row):
        cols = st.columns(charts_per_row)
        for j, spec in enumerate(specs[start : start + charts_per_row]):
            cols[j].plotly_chart(study_figure(shown_chart(spec)), key=f"{key}_chart{start + j}")
    b = res["budget"]
    st.caption(
        _(
            "{train:,} training images, {test:,} test images, {epochs} epochs per model, seed {seed}; "
            "ran {created} in {seconds:.0f} s (TensorFlow {tensorflow}, Keras {keras})."
        ).format(
            train=b["train_size"] or 55000, test=b["test_size"] or 10000, epochs=b["epochs"], seed=b["seed"],
            created=res["created"], seconds=res["seconds"], **res["versions"],
        )
    )  # fmt: skip


def start_rerun(study, pool):
    """Queues this session's quick rerun of a study in the training pool; None after an st.error saying why not."""
    try:
        job = study_jobs.StudyJob(study, state.owner, data.resolve_data_dir(), _training.session_alive())
        job.check_cap()  # Each of its models counts as one training (aelab.experiments.models_trained).
        return pool.submit(job)
    except ValueError as e:
        st.error(str(e))
        return None


@st.fragment(run_every=1.0)
def watch(job, queued):
    """A queued or running rerun's place or progress, refreshed every second without holding a script thread.

    Args:
        job: the `StudyJob`.
        queued: whether it was in the queue when the page ran (its button said "Leave the queue").
    """
    if job.finished or (job.queue_position() is not None) != queued:
        st.rerun()  # Its button and the result change: the whole page follows.
    if queued:
        st.info(_training.queue_text(job, job.pool.slots()))
    else:
        fraction, text = job.progress()
        st.progress(fraction, text=text)


def rerun_panel(study):
    """The study's "Rerun a quick version": one pool job per session, its queue place, progress and Stop."""
    slot = f"study:{study}"
    job = state.jobs.get(slot)
    live = state.live_job()  # One job per session, whichever page started it.
    busy = live is not None
    # A click sent just before the button was disabled must not start a second job.
    if st.button(_("Rerun a quick version"), key=f"rerun_{study}", disabled=busy) and not busy:
        pool = _training.pool()
        job = start_rerun(study, pool) if pool is not None else None
        if job is None:
            return
        state.jobs[slot] = job
        st.rerun()  # The page again, the button locked while the job waits or runs.
    if busy and live is not job:
        st.info(
            _("Your {job} job is {status}: one job per session, so a quick rerun can start once it has ended.").format(
                job=job_name(live), status=_(live_status(live))
            )
        )
    if job is None:
        return
    if not job.finished:
        with st.status(_("Quick run of '{study}'…").format(study=_(TAB_LABELS[study])), expanded=True):
            queued = _training.stop_button(job, f"stop_{study}")
            watch(job, queued)
        return
    if job.status == "failed":
        st.error(_("Training failed: {error}").format(error=_(job.error)))  # A known reason is translated.
    elif job.result is None:
        st.info(_("Quick run stopped: nothing to show."))
    else:
        st.success(_("Quick run finished in {seconds:.0f} s").format(seconds=job.result["seconds"]))


def job_name(job):
    """What a session's job is, in a sentence: "AE", "quick study"."""
    slot = next(k for k, j in state.jobs.items() if j is job)  # A kind, or "study:<name>".
    return _(registry.get(slot).short) if slot in registry.KINDS else _("quick study")


def live_status(job):
    """A live job's status as the Models page says it ("waiting", "running"), to translate."""
    return {"waiting": N_("waiting"), "running": N_("running")}.get(job.status, job.status)


def adopt_results():
    """Keeps the results of this session's quick reruns that finished, whichever page was open then."""
    for slot, job in state.jobs.items():
        study = slot.removeprefix("study:")
        if slot.startswith("study:") and job.finished and job.result is not None:
            state.study_results[study] = job.result


state = _state.get()
adopt_results()
tabs = st.tabs([_(label) for label in TAB_LABELS.values()])
for study, tab in zip(TAB_LABELS, tabs, strict=True):
    with tab:
        st.subheader(_(experiments.TITLES[study]))
        # First, so that a finished run shows at once beside the stored result below.
        rerun_panel(study)
        stored = experiments.load_result(study)
        quick = state.study_results.get(study)
        # With a quick rerun, the two side by side on a wide screen (one above the other on a
        # phone, where columns stack), each chart the width of its half.
        here, beside = st.columns(2, gap="large") if quick else (st.container(), None)
        with here:
            if quick:
                st.markdown("#### " + _("Stored result (full run)"))
            if stored is None:
                st.info(
                    _("No stored result yet: run `python -m aelab.experiments {study}` to make one.").format(
                        study=study
                    )
                )
            else:
                show_result(stored, f"stored_{study}", charts_per_row=1 if quick else 2)
        if quick:
            with beside:
                st.markdown("#### " + _("Quick rerun (this session)"))
                show_result(quick, f"quick_{study}", charts_per_row=1)
        st.caption(
            _("Command line: `python -m aelab.experiments {study}` (add `--quick` for the short version).").format(
                study=study
            )
        )
