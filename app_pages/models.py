"""Models: choose the AE and VAE the other pages use, train new ones, save and load them."""

import math
import time

import pandas as pd
import streamlit as st

from aelab import checkpoints, data, i18n, shelf
from aelab.figures import plots
from aelab.i18n import N_, _
from aelab.lessons import frames
from aelab.models import registry
from aelab.training import jobs
from aelab.training.config import OPTIMIZER_NAMES
from app_pages import _common, _scrubber, _state, _training, _urlstate

EPOCHS_MAX = 30
BATCH_SIZES = (32, 64, 128, 256, 512)
TRAIN_SIZES = (1000, 2000, 5000, 10000, 20000, 30000, 59000)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
# `--augment` strengths (aelab.training.augment.STRENGTHS) as the Models page names them.
AUGMENT_NAMES = {"mild": N_("mild"), "standard": N_("standard"), "strong": N_("strong")}
METRIC_NAMES = {  # Labels in English, shown as _(label).
    "psnr": ("PSNR", "{:.1f} dB"),
    "mse": (N_("MSE per pixel"), "{:.4f}"),
    "relative_error": (N_("Relative error"), "{:.3f}"),
    "bce": (N_("BCE per pixel"), "{:.4f}"),
    "neg_elbo": (N_("−ELBO (nats)"), "{:.1f}"),
    "kl": (N_("KL (nats)"), "{:.2f}"),
}

st.title(_("Models"))
st.markdown(
    _(
        "The other pages use one autoencoder (AE) and one variational autoencoder (VAE). "
        "Keep the ones shipped with the app, or train your own here and watch the loss fall epoch by epoch: "
        "try very few epochs, a tiny training set, or a learning rate that is far too large, then look at the "
        "Latent space and Manifold pages to see what changed."
    )
)

state = _state.get()
kinds = [k.name for k in registry.latent_kinds()]
_urlstate.page([_urlstate.kind_param("models_kind")])
titles = {k: _(registry.get(k).title) for k in kinds}  # Made here: AppTest may format outside the run.
kind = st.radio(_("Model"), kinds, format_func=titles.get, horizontal=True, key="models_kind")


def short(kind):
    return _(registry.get(kind).short)


def choose_active(kind):
    options = [shelf.Choice(kind)]
    if kind in state.trained:
        options.append(shelf.Choice(kind, shelf.SESSION))
    options += [shelf.Choice(kind, shelf.SAVED, name) for name in _common.saved_models(kind)]
    current = state.active[kind]
    if current not in options:
        options.append(current)
    # The key follows the active choice, so a change made elsewhere (a training
    # run that finished) shows up here instead of being overridden by the widget.
    labels = {c: _common.choice_label(c) for c in options}  # Made here: format_func may run outside the run.
    choice = st.selectbox(
        _("Use"), options, index=options.index(current), format_func=labels.get, key=f"use_{kind}_{current}"
    )
    if choice != current:
        state.active[kind] = choice
        st.rerun()


def train_images(meta):
    cfg = meta.get("config", {})
    if meta.get("train_images"):
        return meta["train_images"]
    size = cfg.get("train_size") or 60000 - cfg.get("val_size", 0)
    return min(size, 60000 - cfg.get("val_size", 0))


def summary(model, info):
    meta = info.meta
    cfg = meta.get("config", {})
    lr = cfg.get("learning_rate")
    epochs = str(meta.get("epochs", "?"))
    if meta.get("partial_epoch"):  # The last epoch of the history was cut short by a Stop.
        epochs = _("{epochs} (stopped during epoch {epoch})").format(
            epochs=_training.full_epochs(meta.get("history", {}), True), epoch=meta["partial_epoch"]
        )
    optimizer = cfg.get("optimizer", "?")
    rows = {
        _("Parameters"): f"{model.count_params():,}",
        _("Training data"): _("{n:,} {dataset} images").format(
            n=train_images(meta), dataset=meta.get("dataset", "mnist").upper().replace("CIFAR10", "CIFAR-10")
        ),
        _("Augmentation"): _("redrawn ({strength}): other pens, slants, sizes and wobbles").format(
            strength=_(AUGMENT_NAMES.get(cfg["augment"], cfg["augment"]))
        )
        if cfg.get("augment", "none") != "none"
        else _("none"),
        _("Epochs"): _("{epochs} (stopped early)").format(epochs=epochs)
        if meta.get("stopped_early") and not meta.get("partial_epoch")
        else epochs,
        _("Optimizer"): _("{optimizer}, learning rate {lr:g}").format(optimizer=optimizer, lr=lr) if lr else optimizer,
        _("Batch size"): str(cfg.get("batch_size", "?")),
        _("Seed"): str(meta.get("seed", "?")),
    }
    if meta.get("train_seconds"):
        rows[_("Training time")] = f"{meta['train_seconds']:.0f} s"
    if (meta.get("test_metrics") or {}).get("test_digits"):  # A session's model: a fixed subset, not all 10,000.
        rows[_("Scored on")] = _("{n:,} test digits").format(n=meta["test_metrics"]["test_digits"])
    for k, v in (meta.get("test_metrics") or {}).items():
        if k in METRIC_NAMES:
            label, fmt = METRIC_NAMES[k]
            rows[_("Test {metric}").format(metric=_(label))] = fmt.format(v) if math.isfinite(v) else str(v)
    st.table(pd.DataFrame({short(info.kind): list(rows.values())}, index=list(rows)))
    if meta.get("history", {}).get("loss"):
        st.plotly_chart(
            plots.loss_curve(
                meta["history"],
                title=_("Loss while it was trained"),
                height=280,
                partial_epoch=meta.get("partial_epoch"),
            ),
            key=f"history_{info.key}",
        )


def snapshot_figure(job, epoch, z, height=340, legend_below=False):
    """The fixed test digits where the encoder put them at one epoch (0: untrained)."""
    when = _("before training") if epoch == 0 else _("after epoch {epoch}").format(epoch=epoch)
    fig = plots.latent_scatter(z, job.snapshot_labels, height=height, marker_size=4)
    # The title sits just above the plot, below the row where Plotly's toolbar
    # appears on hover, so the toolbar never covers it in a narrow column.
    title = dict(
        text=_("{n:,} test digits {when}").format(n=len(z), when=when),
        x=0,
        xanchor="left",
        yref="paper",
        y=1,
        yanchor="bottom",
    )
    fig.update_layout(title=title, margin=dict(t=70))
    if legend_below:  # In a narrow column a legend at the side would squeeze the plot.
        fig.update_layout(legend=dict(orientation="h", y=-0.2, yanchor="top", x=0, xanchor="left", title=None))
    return fig


STEPS = {  # In English, shown as _(label).
    "waiting": N_("In the queue"),
    "preparing": N_("Loading the data, building the model"),
    "training": N_("Training"),
    "scoring": N_("Scoring on {n:,} test digits"),
}


def steps_text(job):
    """The job's steps in order: done ones ticked, the current one in bold."""
    now = list(STEPS).index(job.step)
    labels = [_(label).format(n=jobs.SCORE_DIGITS) for label in STEPS.values()]
    return " → ".join(
        f"✓ {label}" if i < now else f"**{label}**" if i == now else label for i, label in enumerate(labels)
    )


@st.fragment(run_every=2.0)
def waiting(job, pool):
    """A waiting job's place and estimated start, refreshed every 2 s without holding a script thread."""
    if job.queue_position() is None:
        st.rerun()  # It is going to a worker (or has ended): the whole page follows it from here.
    st.markdown(steps_text(job))
    st.info(_training.queue_text(job, pool.slots()))


def follow(job, kind):
    """Shows the steps, the progress, the loss curve and the latent scatter of a running job until it ends."""
    with st.status(_("Training a new {model}…").format(model=short(kind)), expanded=True) as status:
        steps, bar = st.empty(), st.empty()
        left, right = st.columns([2, 3])
        chart, scatter = left.empty(), right.empty()
        drawn = shown = said = None
        while not job.finished:
            fraction, text = job.progress()
            # Only what changed goes to the browser: ten pages following their
            # jobs must not load the server that thirty others are using.
            if (job.step, text) != said:
                said = (job.step, text)
                steps.markdown(steps_text(job))
                bar.progress(fraction, text=text)
            history = job.history_copy()
            if len(history.get("loss", [])) != drawn:
                drawn = len(history.get("loss", []))
                chart.plotly_chart(
                    plots.loss_curve(history, epochs=job.cfg.epochs, height=420),
                    key=f"live_{job.id}_{drawn}",
                    config=plots.png_config(f"loss_{kind}"),
                )
            snapshots = job.snapshots()
            # The same digits, placed again after every epoch: the clusters form as you watch.
            if snapshots and snapshots[-1][0] != shown:
                shown = snapshots[-1][0]
                scatter.plotly_chart(
                    snapshot_figure(job, *snapshots[-1], height=420, legend_below=True),
                    key=f"live_z_{job.id}_{shown}",
                    config=plots.png_config(f"latent_{kind}_epoch{shown}"),
                )
            # Each update is also where Streamlit can interrupt this loop (a Stop
            # click, another page); the job carries on in the pool regardless.
            time.sleep(0.5)
        bar.progress(1.0, text=job.progress()[1])
        state = "error" if job.status == "failed" else "complete"
        status.update(label=_(JOB_STATUS.get(job.status, job.status)), state=state, expanded=False)


# What a finished job's status box says ("done", "stopped", "failed": aelab.training.jobs.Job.status).
JOB_STATUS = {"done": N_("Training done"), "stopped": N_("Training stopped"), "failed": N_("Training failed")}
LIVE_STATUS = {"waiting": N_("waiting"), "running": N_("running")}  # "Your AE job is running".


# One entry per finished job a class has open (a 30-epoch atlas is about 0.7 MB): an evicted one is drawn again.
@st.cache_data(max_entries=40, show_spinner=False)
def replay_atlas(job_id, epochs, language, _snapshots, _labels):
    """A finished job's scatters, one picture per epoch, as the replay scrubber's atlas (drawn once per job)."""
    del job_id, epochs, language  # The key: a job's snapshots do not change once it has finished; the legend's words.
    f = frames.snapshot_frames(_snapshots, _labels)
    # A palette of 256 colours: a third of the bytes of true colour for these few-coloured charts.
    return _scrubber.atlas(f.pictures[:, None], colors=256)


def _when(epoch, n):
    when = _("before training") if epoch == 0 else _("after epoch {epoch}").format(epoch=epoch)
    return _("{n:,} test digits {when}").format(n=n, when=when)


def replay(job, kind):
    """After training: step through the latent snapshots, epoch by epoch, in the browser."""
    snapshots = job.snapshots()
    if len(snapshots) < 2:
        return
    st.markdown(_("**How the latent space formed**: the same test digits, encoded after each epoch."))
    epochs = [e for e, _z in snapshots]
    with st.spinner(_("Drawing the latent space after each of the {n} epochs…").format(n=len(epochs) - 1)):
        uri, tile = replay_atlas(job.id, tuple(epochs), i18n.language(), snapshots, job.snapshot_labels)
    key = f"replay_{job.id}"  # The settled epoch.
    epoch = st.session_state.get(key, epochs[-1])
    titles = [_when(e, len(z)) for e, z in snapshots]

    def settled(i):
        st.session_state[key] = epochs[i]

    _scrubber.scrubber(
        f"replay_scrub_{job.id}",
        label=_("Epoch shown"),
        group_label=_("the latent space epoch by epoch"),
        stops=[_("0 (untrained)") if e == 0 else str(e) for e in epochs],
        numbers=epochs,
        value=epochs.index(epoch) if epoch in epochs else len(epochs) - 1,
        atlas_uri=uri,
        tile=tile,
        rows=[
            {
                "cells": [
                    {"t": 0, "alt": [_("scatter of the {title}, coloured by digit").format(title=t) for t in titles]}
                ]
            }
        ],
        note=titles,
        on_change=settled,
        pixelated=False,
        cell_px=tile[0],
    )
    z = dict(snapshots).get(epoch, snapshots[-1][1])
    st.download_button(
        _("This epoch's latent space (PNG)"),
        # Drawn only when clicked, at the settled epoch, large enough for a slide.
        _common.in_this_language(lambda: frames.snapshot_png(z, job.snapshot_labels, 1200, 1000)),
        file_name=f"latent_{kind}_epoch{epoch}.png",
        mime="image/png",
        on_click="ignore",
        icon=":material/download:",
        key=f"replay_png_{job.id}",
    )


def start_job(kind, epochs, batch, size, optimizer, lr, pool):
    """Queues this session's job; None after an st.error saying why not."""
    try:
        cfg = jobs.make_config(kind, epochs, batch, size, optimizer, lr)
        jobs.check_classroom_cap(cfg)
        job = jobs.Job(cfg, state.owner, data.resolve_data_dir(), _training.session_alive())
        return pool.submit(job)
    except ValueError as e:
        st.error(str(e))
        return None


def train_panel(kind):
    # Not an st.fragment: Streamlit queues a fragment's own reruns behind its
    # running one, so a Stop click inside a fragment would only be seen once
    # training is over. A whole-page rerun interrupts the follow() loop at once.
    pool = _training.pool()
    if pool is None:
        return
    job = state.jobs.get(kind)
    # One job per session: while one waits or runs, of any kind, the form is locked.
    live = state.live_job()
    busy = live is not None
    c = st.columns(3)
    epochs = c[0].slider(_("Epochs"), 1, EPOCHS_MAX, 5, key=f"epochs_{kind}", disabled=busy)
    batch = c[1].select_slider(_("Batch size"), BATCH_SIZES, 128, key=f"batch_{kind}", disabled=busy)
    size = c[2].select_slider(
        _("Training images"), TRAIN_SIZES, 10000, format_func="{:,}".format, key=f"size_{kind}", disabled=busy
    )
    c = st.columns(3, vertical_alignment="bottom")
    optimizer = c[0].selectbox(_("Optimizer"), list(OPTIMIZER_NAMES), key=f"opt_{kind}", disabled=busy)
    lr = c[1].select_slider(
        _("Learning rate"), LEARNING_RATES, 1e-3, format_func="{:g}".format, key=f"lr_{kind}", disabled=busy
    )
    cap = jobs.classroom_cap()
    if cap:
        st.caption(_("Classroom mode: up to {cap:,} image-epochs per job (training images × epochs).").format(cap=cap))
    # A click sent just before the button was disabled must not start a second run.
    if c[2].button(_("Train"), type="primary", key=f"train_{kind}", disabled=busy) and not busy:
        job = start_job(kind, epochs, batch, size, optimizer, lr, pool)
        if job is None:
            return
        state.jobs[kind] = job
        st.rerun()  # The form again, locked while the job waits or runs.
    if busy and live is not state.jobs.get(kind):
        slot = next(k for k, j in state.jobs.items() if j is live)  # A kind, or "study:<name>".
        other = short(slot) if slot in registry.KINDS else _("quick study")
        st.info(
            _("Your {model} job is {status}: one job per session, so stop it (under {model}) to train here.").format(
                model=other, status=_(LIVE_STATUS.get(live.status, live.status))
            )
        )
    if job is None:
        return
    if not job.finished:
        if _training.stop_button(job, f"stop_{kind}"):  # Still in the queue.
            waiting(job, pool)
            return
        follow(job, kind)
        if job.model is not None:
            st.rerun()  # The whole app, which adopts the model: sidebar and summary show it.
    if job.status == "failed":
        st.error(_("Training failed: {error}").format(error=_(job.error)))  # A known reason is translated.
    elif job.model is None:
        st.info(_("Stopped before it started: nothing was trained."))
    else:
        scored = job.test_metrics.get("test_digits")
        trained = (
            _("Trained {epochs} in {seconds:.0f} s (stopped early)")
            if job.status == "stopped" and not job.partial_epoch  # Else epochs_text says where it stopped.
            else _("Trained {epochs} in {seconds:.0f} s")
        )
        st.success(
            trained.format(epochs=_training.epochs_text(job), seconds=job.seconds)
            + _(
                "; scored on {n:,} test digits. It lives in this browser session only: save it below to keep it."
            ).format(n=scored)
        )
    replay(job, kind)


def save_panel(kind):
    job = state.trained.get(kind)
    read_only = checkpoints.read_only()
    if read_only:
        # Classroom mode (AELAB_READ_ONLY): checkpoints.save would refuse anyway;
        # the disabled box says so before anyone types a name.
        st.info(
            _(
                "Classroom mode: saving is turned off on this server, so that no one can overwrite the models "
                "saved for the class. The model you train stays in this browser session until you close it."
            )
        )
    elif job is None:
        st.caption(_("Train a model above; you can then save it under a name of your choice."))
        return
    c = st.columns([3, 1], vertical_alignment="bottom")
    name = c[0].text_input(
        _("Name for the model trained in this session"),
        key=f"save_name_{kind}",
        placeholder="my_model",
        disabled=read_only,
    )
    # `or read_only` guards against a click sent before the button was disabled.
    if not c[1].button(_("Save"), key=f"save_{kind}", disabled=read_only) or read_only:
        return
    try:
        name = checkpoints.check_name(name)
    except ValueError as e:
        st.error(str(e))
        return
    if name in checkpoints.SHIPPED:
        st.error(_("A model named '{name}' already exists: choose another name.").format(name=name))
        return
    try:
        job.save(name, _common.user_dir())  # Never overwrites: a taken name raises NameTakenError.
    except checkpoints.NameTakenError:
        st.error(_("A model named '{name}' already exists: choose another name.").format(name=name))
        return
    except (OSError, ValueError, checkpoints.CheckpointError) as e:
        st.error(_("Could not save '{name}': {error}").format(name=name, error=e))
        return
    st.success(
        _("Saved as '{name}'. Choose it under “Use” to load it back, in this or any later session.").format(name=name)
    )


left, right = st.columns([2, 3], gap="large")
with left:
    st.subheader(_("In use"))
    choose_active(kind)
    model, info = _common.active_model(kind)
    if model is not None:
        summary(model, info)
with right:
    st.subheader(_("Train a new one"))
    train_panel(kind)
    st.subheader(_("Save it"))
    save_panel(kind)
