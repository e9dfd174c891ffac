"""Variants: the dense, multi-layer and sparse autoencoders of the first tutorials, side by side."""

import math

import numpy as np
import streamlit as st

from aelab import i18n, metrics
from aelab.data import images
from aelab.experiments import latent_sweep
from aelab.experiments import variants_study as study
from aelab.experiments.figures import study_figure
from aelab.i18n import _
from aelab.inference import latent
from aelab.models import registry
from aelab.models.dense import hidden_unit_images, sparsity_target
from app_pages import _common, _pictures, _state

SCALE = 3  # 28 px digits shown at 84 px.
UNIT_SCALE = 2  # Drawn at the column's width; 2x keeps the pixels sharp when shrunk.

st.title(_("Variants"))
st.markdown(
    _(
        "Three autoencoders from the first tutorials, each trained on the 55,000 MNIST training digits: "
        "a **dense** one with a single 64-unit code layer (784-64-784), a **multi-layer** one "
        "(784-128-64-128-784), and a **sparse** one whose 196 sigmoid units are pushed, by a KL penalty, "
        "to be active only a fraction ρ of the time. Compare their reconstructions of the same test digits."
    )
)

models = {}
for name, kind in registry.VARIANTS.items():
    model, meta = _common.checkpoint_model(name)
    if model is None:
        st.stop()
    models[name] = (kind.title, kind.architecture, model, meta)
x, labels = _common.mnist_test()

LOCALE = i18n.CATALOGUES.get(i18n.language(), "en")  # Babel's, for the numbers.


def compression(model):
    """The code's share of the image, as the tutorials write it (4/49), and as 784 ÷ code size."""
    k = int(model.encoder.output_shape[-1])
    return _("{fraction} (784 ÷ {k} = {ratio})").format(
        fraction=latent_sweep.code_fraction(k, LOCALE), k=k, ratio=f"{latent_sweep.PIXELS / k:g}"
    )


summary = {
    _(label): {
        _("architecture"): _(arch),
        _("code / image"): compression(model),
        _("parameters"): f"{model.count_params():,}",
        _("epochs"): str(meta.get("epochs", "")),
        _("test MSE"): f"{meta['test_metrics']['mse']:.4f}",
        _("relative error"): f"{meta['test_metrics']['relative_error']:.3f}",
        "PSNR": f"{meta['test_metrics']['psnr']:.2f} dB",
    }
    for label, arch, model, meta in models.values()
}
st.table(summary)
st.caption(
    _(
        "On the 10,000 test digits. Relative error is ‖x−x̂‖/‖x‖ over the whole set. "
        "Rebuild these models with `python -m aelab.experiments variants`."
    )
)


def _db(v):
    return _("identical") if math.isinf(v) else f"{v:.1f} dB"


def new_sample():
    _state.get().seeds["variants"] += 1


@st.fragment
def reconstructions():
    # A fragment: a new sample redraws only this part, not the unit images below.
    st.subheader(_("Reconstructions"))
    c = st.columns([4, 2], vertical_alignment="bottom")
    n = c[0].slider(_("Digits"), 1, 12, 6, key="variants_digits")
    c[1].button(_("New sample"), key="variants_new", on_click=new_sample)
    seed = _state.get().seeds["variants"]
    shown = np.random.default_rng(1000 + seed).choice(len(x), n, replace=False)
    clean = x[shown]
    # One row per model, the same digits in the same columns: differences line up.
    rows = [(_("original test digits"), clean)]
    for label, arch, model, _meta in models.values():
        rec = latent.reconstruct(model, clean)
        rows.append((f"{_(label)} ({_(arch)}): {_db(metrics.dataset_psnr(clean, rec))}", rec))
    # Inline pictures in a grid that shrinks to the page (app_pages/_pictures.py): a row
    # of 12 digits stays one row on a phone, and no picture outlives its run as a /media file.
    names = [_("original")] + [_(label) for label, _arch, _model, _meta in models.values()]
    _pictures.grid(
        [(caption, list(stack[..., 0])) for caption, stack in rows],
        cell_px=28 * SCALE,
        label=_("test digits and each model's reconstructions"),
        alts=[[_pictures.digit_alt(d, name) for d in labels[shown]] for name in names],
    )


reconstructions()


@st.cache_data(max_entries=4, show_spinner=False)  # The caller's spinner speaks the session's language.
def _mean_activations(_model, key):
    del key  # Only the cache key: the sha256 of the checkpoint.
    return study.mean_activations(_model, _common.mnist_test()[0])


def _unit_mosaic(model):
    w = hidden_unit_images(model)
    # Each unit scaled to its own range for display: grey is 0 weight only roughly.
    lo, hi = w.min(axis=(1, 2), keepdims=True), w.max(axis=(1, 2), keepdims=True)
    tiles = (w - lo) / np.maximum(hi - lo, 1e-12)
    cols = int(round(math.sqrt(len(tiles))))
    return images.enlarge(images.tile(tiles[..., None], cols, pad=1, pad_value=1.0), UNIT_SCALE)


label, _arch, sparse, meta = models["sparse_ae"]
rho, beta = sparsity_target(sparse)
st.subheader(_("What the sparse AE's hidden units look for"))
st.markdown(
    _(
        "Target mean activation ρ = {rho:g}, penalty weight β = {beta:g}. Each tile is the input of unit norm "
        "that activates one hidden unit most: its weight vector w / ‖w‖, drawn as a 28×28 image "
        "(light = positive weight, dark = negative). Sparse units tend to learn strokes and digit-like templates."
    ).format(rho=rho, beta=beta)
)
left, right = st.columns([5, 6])
mosaic = _unit_mosaic(sparse)
with left:
    _pictures.image(mosaic, caption=_("{n} hidden units").format(n=len(hidden_unit_images(sparse))), width="stretch")
with st.spinner(_("Measuring the sparse AE's activations on the test set…")):
    act = _mean_activations(sparse, meta.get("sha256", ""))
spec = {
    "kind": "bar",
    "title": _("Mean activation per hidden unit (test set)"),
    "x_title": _("hidden unit"),
    "y_title": _("mean activation"),
    "series": [{"name": _("mean activation"), "x": list(range(len(act))), "y": [float(v) for v in act]}],
    "hline": {"y": rho, "name": _("target ρ = {rho:g}").format(rho=rho)},
}
right.plotly_chart(study_figure(spec, height=420), key="variants_activation")
right.metric(
    _("Mean over all units"),
    f"{float(np.mean(act)):.3f}",
    delta=_("{change} vs ρ").format(change=f"{float(np.mean(act)) - rho:+.3f}"),
    delta_color="off",
)
