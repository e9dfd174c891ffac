"""Denoising: a denoising autoencoder cleans up digits as the noise grows."""

import math

import numpy as np
import streamlit as st

from aelab import checkpoints, links
from aelab.data import images
from aelab.figures import panels, plots
from aelab.i18n import N_, _
from aelab.lessons import frames, robustness
from app_pages import _common, _pictures, _scrubber, _state, _urlstate

NOISE_KINDS = {  # label (English; shown translated) -> aelab.data noise kind
    N_("Gaussian around grey (the tutorial's)"): "tutorial",
    N_("Gaussian"): "gaussian",
    N_("Salt and pepper"): "salt_pepper",
}
LABEL_BY_KIND = {kind: label for label, kind in NOISE_KINDS.items()}
SCALE = 4  # 28 px digits up to 112 px: big enough to see from the back of a room.
MAX_SEED = 10**6
SIGMAS = frames.sigma_stops(0.0, 1.0, 0.05)  # The scrubber's stops: the link's `sigma` steps.

st.title(_("Denoising"))
st.markdown(
    _(
        "A denoising autoencoder was trained to turn noisy digits back into clean ones. "
        "Raise the noise level and watch when it starts to fail; try the three kinds of noise. "
        "PSNR (in decibels, over all the digits shown) and SSIM (1 is perfect, their mean) measure how close "
        "the noisy and the denoised digits are to the originals."
    )
)

dae, dae_meta = _common.checkpoint_model("dae")
if dae is None:
    st.stop()
x, labels = _common.mnist_test()


@st.cache_data(max_entries=4, show_spinner=False)
def shipped_sweeps(sha256):
    """The sweeps shipped beside the checkpoint (`python -m aelab.lessons.robustness`), if made from these weights."""
    return robustness.stored_sweeps("dae", checkpoints.resolve_dir(), sha256)


@st.cache_data(
    max_entries=8,
    show_spinner=False,  # robustness_sweep's spinner speaks the session's language.
)
def measured_sweep(_model, key, kind):
    """The σ sweep of `aelab.lessons.robustness` on a fixed test subset; `key` identifies the weights."""
    del key
    return robustness.sigma_sweep(_model, robustness.fixed_subset(x), kind)


def robustness_sweep(kind):
    """The shipped sweep when it matches the checkpoint (instant: every noise kind answers alike), else measured."""
    sha256 = dae_meta.get("sha256", "")
    stored = shipped_sweeps(sha256).get(kind)
    if stored:
        return stored
    with st.spinner(
        _("Measuring this denoiser at 11 noise levels on 500 test digits (a few seconds, once per noise kind)…")
    ):
        return measured_sweep(dae, sha256, kind)


def _db(v):
    return _("identical") if math.isinf(v) else f"{v:.1f} dB"


def _delta(after, before, unit=""):
    if not (math.isfinite(after) and math.isfinite(before)):
        return None
    return _("{change} vs noisy").format(change=f"{after - before:+.{1 if unit else 3}f}{unit}")


def _column(stack):
    # For the downloaded PNG; the page itself shows the digits at 28 px and lets the browser enlarge them.
    return images.enlarge(images.tile(stack, 1, pad=2), SCALE)


def rows_png(stacks, kind, sigma, psnr, ssim):
    """The three columns as one PNG, labelled, with the scores underneath."""
    return panels.labelled_png(
        [
            (_("noisy, sigma {sigma:.2f}").format(sigma=sigma) if k == "noisy" else _(k), _column(s))
            for k, s in stacks.items()
        ],
        title=_("Denoising autoencoder: {noise} noise").format(noise=_(LABEL_BY_KIND[kind]).lower()),
        footer=_(
            "PSNR {psnr_before} -> {psnr_after}, SSIM {ssim_before:.3f} -> {ssim_after:.3f} (noisy -> denoised)"
        ).format(psnr_before=_db(psnr[0]), psnr_after=_db(psnr[1]), ssim_before=ssim[0], ssim_after=ssim[1]),
    )


def new_sample():
    _state.get().seeds["denoise"] += 1


def _put_seed(seed):
    _state.get().seeds["denoise"] = seed


LINK = (  # The link's parameters (README, "Links"): `?noise=gaussian&sigma=0.8&digits=10&seed=3`.
    links.Param("noise", links.choice(NOISE_KINDS.values()), "tutorial", key="noise_kind"),
    # Not bound by Streamlit: the scrubber is no st.slider; the link follows its settled value.
    links.Param("sigma", links.number(0.0, 1.0, 0.05), 0.5, key="sigma"),
    links.Param("digits", links.integer(1, 10), 5, key="digits", bound=True),
    links.Param("seed", links.integer(0, MAX_SEED), 0, get=lambda: _state.get().seeds["denoise"], put=_put_seed),
)


def controls():
    """The widgets, starting from the link's values when there are any (σ is the scrubber's, below)."""
    _urlstate.page(LINK)
    c = st.columns([3, 2, 2], vertical_alignment="bottom")
    kinds = list(NOISE_KINDS.values())
    shown = {k: _(LABEL_BY_KIND[k]) for k in kinds}  # Made here: AppTest may format outside the run.
    kind = c[0].selectbox(_("Noise kind"), kinds, format_func=shown.get, key="noise_kind")
    # Bound to the link by Streamlit itself (bind="query-params": the key is the parameter's name).
    n = c[1].slider(_("Digits"), 1, 10, 5, key="digits", bind="query-params")
    c[2].button(_("New sample"), key="noise_new", on_click=new_sample)
    return kind, float(st.session_state["sigma"]), n, _state.get().seeds["denoise"]


@st.cache_data(max_entries=64, show_spinner=False)  # A sample's frames, shared by the sessions that show it.
def sample_frames(_model, key, rows, kind, seed):
    """Every σ stop of one sample (`aelab.lessons.frames`) and its atlas for the scrubber; `key`: the weights."""
    del key
    clean = x[list(rows)]
    f = frames.denoising_frames(_model, clean, kind, seed, SIGMAS)
    # Band s: the noisy then the denoised digits at σ = SIGMAS[s]; the originals do not change.
    uri, tile = _scrubber.atlas(np.concatenate([f.noisy, f.denoised], axis=1), clean)
    return f, uri, tile


def _set_sigma(i):
    st.session_state["sigma"] = SIGMAS[i]


def _metrics(f, s):
    """The four numbers above the digits at stop `s`, as the scrubber shows them."""
    psnr_n, psnr_d, ssim_n, ssim_d = f.psnr_noisy[s], f.psnr_denoised[s], f.ssim_noisy[s], f.ssim_denoised[s]

    def way(after, before):
        return "" if not (math.isfinite(after) and math.isfinite(before)) or after == before else (
            "up" if after > before else "down"
        )  # fmt: skip

    return [
        (_("PSNR noisy"), _db(psnr_n), None, ""),
        (_("PSNR denoised"), _db(psnr_d), _delta(psnr_d, psnr_n, " dB"), way(psnr_d, psnr_n)),
        (_("SSIM noisy"), f"{ssim_n:.3f}", None, ""),
        (_("SSIM denoised"), f"{ssim_d:.3f}", _delta(ssim_d, ssim_n), way(ssim_d, ssim_n)),
    ]


def scrubbed_digits(f, uri, tile, sigma, digits):
    """The σ scrubber: its pictures and numbers at every stop, switched in the browser."""
    n = len(digits)
    noisy_head = [_("noisy, σ = {sigma:.2f}").format(sigma=s) for s in SIGMAS]
    rows = [
        {
            "cells": [
                {"s": i, "alt": _pictures.digit_alt(d, _("original"))},
                {"t": i, "alt": [_pictures.digit_alt(d, h) for h in noisy_head]},
                {"t": n + i, "alt": _pictures.digit_alt(d, _("denoised"))},
            ]
        }
        for i, d in enumerate(digits)
    ]
    marks = [f"σ = {s:.2f}" for s in SIGMAS]
    _scrubber.scrubber(
        "sigma_scrub",
        label=_("Noise level σ"),
        group_label=_("digits: original, noisy and denoised"),
        stops=[f"{s:.2f}" for s in SIGMAS],
        numbers=SIGMAS,
        value=SIGMAS.index(links.snap(sigma, 0.0, 1.0, 0.05)),
        atlas_uri=uri,
        tile=tile,
        rows=rows,
        heads=[_("original"), noisy_head, _("denoised")],
        metrics=[_metrics(f, s) for s in range(len(SIGMAS))],
        # The robustness chart's dotted line and its note (plots.robustness_chart puts it right of the line
        # below σ = 0.6, left of it above).
        marker={
            "chart": "noise_robustness",
            "prefix": "σ = ",
            "values": list(SIGMAS),
            "texts": marks,
            "right": [s > 0.6 for s in SIGMAS],
        },  # fmt: skip
        on_change=_set_sigma,
        cell_px=28 * SCALE,
    )


@st.fragment
def denoise_panel():
    # A fragment: a new sample or noise kind reruns only this panel, not the whole page.
    kind, sigma, n, seed = controls()
    shown = np.random.default_rng(seed).choice(len(x), n, replace=False)
    with st.spinner(_("Computing the digits at every noise level…")):
        f, uri, tile = sample_frames(dae, dae_meta.get("sha256", ""), tuple(int(r) for r in shown), kind, seed)
    s = SIGMAS.index(links.snap(sigma, 0.0, 1.0, 0.05))
    clean, noisy, denoised = x[shown], f.noisy[s], f.denoised[s]

    left, right = st.columns([2, 3], gap="large")
    stacks = {N_("original"): clean, N_("noisy"): noisy, N_("denoised"): denoised}  # Labels shown as _(label).
    with left:
        # One row per digit, original | noisy | denoised, at every width: the columns shrink
        # with the page instead of stacking; every σ is in the browser already.
        scrubbed_digits(f, uri, tile, sigma, labels[shown])
        psnr = (f.psnr_noisy[s], f.psnr_denoised[s])
        ssim = (f.ssim_noisy[s], f.ssim_denoised[s])
        st.download_button(
            _("Download these rows (PNG)"),
            # Drawn only when clicked (a deferred download), at the settled σ, in this run's language.
            _common.in_this_language(lambda: rows_png(stacks, kind, sigma, psnr, ssim)),
            file_name=f"denoising_{kind}_sigma{sigma:.2f}_seed{seed}.png",
            mime="image/png",
            on_click="ignore",
            icon=":material/download:",
            key="noise_png",
        )
    with right:
        sweep = robustness_sweep(kind)
        # The title is in the figure, so a downloaded picture still says what it shows.
        title = _("How the denoiser holds up: {noise} noise").format(noise=_(LABEL_BY_KIND[kind]).lower())
        st.plotly_chart(
            plots.robustness_chart(sweep, sigma=sigma, title=title),
            key="noise_robustness",
            config=plots.png_config(f"denoising_robustness_{kind}"),
        )
        st.caption(
            _(
                "PSNR and SSIM of the noisy input and of the denoiser's output on {n} test digits, "
                "σ from 0 to 1; the dotted line is the slider's σ. Where the grey line lies above the blue one, "
                "the denoiser makes the digits worse. The camera icon above the chart saves it as a PNG."
            ).format(n=robustness.DIGITS)
        )


denoise_panel()
