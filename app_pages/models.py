"""Models: choose the AE and VAE the other pages use, train new ones, save and load them."""

import math
import os
import time

import pandas as pd
import streamlit as st

from aelab import checkpoints, data
from aelab.figures import plots
from aelab.training import jobs
from aelab.training.config import OPTIMIZER_NAMES
from app_pages import _common, _urlstate

EPOCHS_MAX = 30
BATCH_SIZES = (32, 64, 128, 256, 512)
TRAIN_SIZES = (1000, 2000, 5000, 10000, 20000, 30000, 59000)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
METRIC_NAMES = {
    "psnr": ("PSNR", "{:.1f} dB"),
    "mse": ("MSE per pixel", "{:.4f}"),
    "relative_error": ("Relative error", "{:.3f}"),
    "bce": ("BCE per pixel", "{:.4f}"),
    "neg_elbo": ("−ELBO (nats)", "{:.1f}"),
    "kl": ("KL (nats)", "{:.2f}"),
}

st.title("Models")
st.markdown(
    "The other pages use one autoencoder (AE) and one variational autoencoder (VAE). "
    "Keep the ones shipped with the app, or train your own here and watch the loss fall epoch by epoch: "
    "try very few epochs, a tiny training set, or a learning rate that is far too large, then look at the "
    "Latent space and Manifold pages to see what changed."
)

labels = list(_common.KIND_BY_LABEL)
start = _urlstate.default("models_kind", "model", _urlstate.choice(_urlstate.KIND_PARAM), "ae")
kind = _common.KIND_BY_LABEL[
    st.radio(
        "Model", labels, index=labels.index(_common.KINDS[_urlstate.KIND_PARAM[start]]), horizontal=True,
        key="models_kind",
    )
]  # fmt: skip
_urlstate.sync({"model": _urlstate.KIND_NAME[kind]})


def choose_active(kind):
    options = ["shipped"]
    if kind in st.session_state.trained:
        options.append("session")
    options += [f"saved:{name}" for name in _common.saved_models(kind)]
    current = st.session_state.active[kind]
    if current not in options:
        options.append(current)
    # The key follows the active choice, so a change made elsewhere (a training
    # run that finished) shows up here instead of being overridden by the widget.
    by_label = {_common.choice_label(kind, c): c for c in options}
    label = st.selectbox("Use", list(by_label), index=options.index(current), key=f"use_{kind}_{current}")
    choice = by_label[label]
    if choice != current:
        st.session_state.active[kind] = choice
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
    rows = {
        "Parameters": f"{model.count_params():,}",
        "Training data": f"{train_images(meta):,} {meta.get('dataset', 'mnist').upper()} images",
        "Epochs": f"{meta.get('epochs', '?')}{' (stopped early)' if meta.get('stopped_early') else ''}",
        "Optimizer": f"{cfg.get('optimizer', '?')}, learning rate {lr:g}" if lr else cfg.get("optimizer", "?"),
        "Batch size": str(cfg.get("batch_size", "?")),
        "Seed": str(meta.get("seed", "?")),
    }
    if meta.get("train_seconds"):
        rows["Training time"] = f"{meta['train_seconds']:.0f} s"
    for k, v in (meta.get("test_metrics") or {}).items():
        if k in METRIC_NAMES:
            label, fmt = METRIC_NAMES[k]
            rows[f"Test {label}"] = fmt.format(v) if math.isfinite(v) else str(v)
    st.table(pd.DataFrame({_common.SHORT[info.kind]: list(rows.values())}, index=list(rows)))
    if meta.get("history", {}).get("loss"):
        st.plotly_chart(
            plots.loss_curve(meta["history"], title="Loss while it was trained", height=280), key=f"history_{info.key}"
        )


def snapshot_figure(job, epoch, z, height=340, legend_below=False):
    """The fixed test digits where the encoder put them at one epoch (0: untrained)."""
    when = "before training" if epoch == 0 else f"after epoch {epoch}"
    fig = plots.latent_scatter(z, job.snapshot_labels, height=height, marker_size=4)
    # The title sits just above the plot, below the row where Plotly's toolbar
    # appears on hover, so the toolbar never covers it in a narrow column.
    title = dict(text=f"{len(z):,} test digits {when}", x=0, xanchor="left", yref="paper", y=1, yanchor="bottom")
    fig.update_layout(title=title, margin=dict(t=70))
    if legend_below:  # In a narrow column a legend at the side would squeeze the plot.
        fig.update_layout(legend=dict(orientation="h", y=-0.2, yanchor="top", x=0, xanchor="left", title=None))
    return fig


def follow(job, kind):
    """Redraws the progress, the loss curve and the latent scatter until the job ends."""
    with st.status(f"Training a new {_common.SHORT[kind]}…", expanded=True) as status:
        bar = st.progress(0.0)
        left, right = st.columns([2, 3])
        chart, scatter = left.empty(), right.empty()
        drawn = shown = -1
        while not job.finished:
            fraction, text = job.progress()
            # Each update is also where Streamlit can interrupt this loop (a Stop
            # click, another page); the job carries on in its thread regardless.
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
            time.sleep(0.25)
        bar.progress(1.0, text=job.progress()[1])
        state = "error" if job.status == "failed" else "complete"
        status.update(label=f"Training {job.status}", state=state, expanded=False)


def replay(job, kind):
    """After training: step through the latent snapshots, epoch by epoch."""
    snapshots = dict(job.snapshots())
    if len(snapshots) < 2:
        return
    st.markdown("**How the latent space formed**: the same test digits, encoded after each epoch.")
    epochs = list(snapshots)
    epoch = st.select_slider(
        "Epoch shown",
        epochs,
        value=epochs[-1],
        format_func=lambda e: "0 (untrained)" if e == 0 else str(e),
        key=f"replay_{job.id}",
    )
    st.plotly_chart(
        snapshot_figure(job, epoch, snapshots[epoch], height=420),
        key=f"replay_z_{job.id}",
        config=plots.png_config(f"latent_{kind}_epoch{epoch}"),
    )


def train_panel(kind):
    # Not an st.fragment: Streamlit queues a fragment's own reruns behind its
    # running one, so a Stop click inside a fragment would only be seen once
    # training is over. A whole-page rerun interrupts the follow() loop at once.
    job = st.session_state.jobs.get(kind)
    busy = job is not None and not job.finished
    c = st.columns(3)
    epochs = c[0].slider("Epochs", 1, EPOCHS_MAX, 5, key=f"epochs_{kind}", disabled=busy)
    batch = c[1].select_slider("Batch size", BATCH_SIZES, 128, key=f"batch_{kind}", disabled=busy)
    size = c[2].select_slider(
        "Training images", TRAIN_SIZES, 10000, format_func="{:,}".format, key=f"size_{kind}", disabled=busy
    )
    c = st.columns(3, vertical_alignment="bottom")
    optimizer = c[0].selectbox("Optimizer", list(OPTIMIZER_NAMES), key=f"opt_{kind}", disabled=busy)
    lr = c[1].select_slider(
        "Learning rate", LEARNING_RATES, 1e-3, format_func="{:g}".format, key=f"lr_{kind}", disabled=busy
    )
    # A click sent just before the button was disabled must not start a second run.
    if c[2].button("Train", type="primary", key=f"train_{kind}", disabled=busy) and not busy:
        try:
            cfg = jobs.make_config(kind, epochs, batch, size, optimizer, lr)
        except ValueError as e:
            st.error(str(e))
            return
        job = st.session_state.jobs[kind] = jobs.TrainingJob(cfg, data.resolve_data_dir()).start()
    if job is None:
        return
    if not job.finished:
        label = "Stopping after this batch…" if job.stop_requested else "Stop training"
        # The callback runs first thing in the next rerun; the job's thread
        # reads the flag between batches and keeps the best epoch so far.
        st.button(label, key=f"stop_{kind}", on_click=job.stop, disabled=job.stop_requested)
        follow(job, kind)
        if job.model is not None:
            st.rerun()  # The whole app, which adopts the model: sidebar and summary show it.
    if job.status == "failed":
        st.error(f"Training failed: {job.error}")
    else:
        st.success(
            f"Trained {_common.epochs_text(job)} in {job.seconds:.0f} s"
            f"{' (stopped early)' if job.status == 'stopped' else ''}. "
            "It lives in this browser session only: save it below to keep it."
        )
    replay(job, kind)


def save_panel(kind):
    job = st.session_state.trained.get(kind)
    read_only = checkpoints.read_only()
    if read_only:
        # Classroom mode (AELAB_READ_ONLY): checkpoints.save would refuse anyway;
        # the disabled box says so before anyone types a name.
        st.info(
            "Classroom mode: saving is turned off on this server, so that no one can overwrite the models "
            "saved for the class. The model you train stays in this browser session until you close it."
        )
    elif job is None:
        st.caption("Train a model above; you can then save it under a name of your choice.")
        return
    c = st.columns([3, 1], vertical_alignment="bottom")
    name = c[0].text_input(
        "Name for the model trained in this session",
        key=f"save_name_{kind}",
        placeholder="my_model",
        disabled=read_only,
    )
    # `or read_only` guards against a click sent before the button was disabled.
    if not c[1].button("Save", key=f"save_{kind}", disabled=read_only) or read_only:
        return
    try:
        name = checkpoints.check_name(name)
    except ValueError as e:
        st.error(str(e))
        return
    if name in checkpoints.SHIPPED or any(os.path.exists(p) for p in checkpoints.paths(name, _common.user_dir())):
        st.error(f"A model named '{name}' already exists: choose another name.")
        return
    try:
        job.save(name, _common.user_dir())
    except (OSError, ValueError, checkpoints.CheckpointError) as e:
        st.error(f"Could not save '{name}': {e}")
        return
    st.success(f"Saved as '{name}'. Choose it under “Use” to load it back, in this or any later session.")


left, right = st.columns([2, 3], gap="large")
with left:
    st.subheader("In use")
    choose_active(kind)
    model, info = _common.active_model(kind)
    if model is not None:
        summary(model, info)
with right:
    st.subheader("Train a new one")
    train_panel(kind)
    st.subheader("Save it")
    save_panel(kind)
