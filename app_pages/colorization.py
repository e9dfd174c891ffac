"""Colorization: a colorizer that guesses a distribution of colours, beside one trained on MSE."""

import numpy as np
import streamlit as st

from aelab import checkpoints, data, links, metrics
from aelab.data import images
from aelab.figures import vividness as vivid_chart
from aelab.i18n import N_, _
from aelab.lessons import frames, full_size, robustness, vividness
from app_pages import _common, _pictures, _scrubber, _state, _urlstate

PANEL = 112  # Pixels of one photo in a row picture; the browser scales the row to its column.
GAP = 4  # White pixels between the photos of a row.
PIXELS = 4  # Scale of the pixel-exact view of an upload at 32x32.
ALL = N_("all classes")  # Shown as _(ALL), like the class names.

st.title(_("Colorization"))
st.markdown(
    _(
        "The colorizer only sees the gray version of a tiny 32x32 photo and has to guess its colours. "
        "For every pixel it gives a probability to each of ~300 colours, and the **vividness** slider "
        "turns that into one colour: T = 1 takes their average, a small T the most likely one. "
        "The MSE colorizer beside it was trained to be close on average, so where a thing could be red "
        "or blue it paints the average of the two: brown. PSNR says how close a guess is to the real "
        "photo (the gray copy's PSNR is the score of not guessing at all); M is its colourfulness."
    )
)

colorizer, meta = _common.checkpoint_model("colorizer")
if colorizer is None:
    st.stop()
mse_model, mse_meta = _common.checkpoint_model("colorizer_mse")  # Without it, the page shows the colorizer alone.
x, y = _common.cifar_test()


@st.cache_data(max_entries=4, show_spinner=False)
def shipped_curve(sha256, mse_sha256):
    """The sweep shipped beside the checkpoint (`python -m aelab.lessons.vividness`), if made from these weights."""
    return vividness.stored_sweep("colorizer", checkpoints.resolve_dir(), sha256, mse_sha256)


@st.cache_data(max_entries=4, show_spinner=False)  # Shared by sessions: English inside, translated where shown.
def measured_curve(_model, key, _mse, mse_key, measure_sweep=True):
    """What the shipped file lacks, measured on the same fixed test subset; the keys are the checkpoints' sha256."""
    del key, mse_key
    rgb = robustness.fixed_subset(x, vividness.IMAGES, vividness.SEED)
    refs = {vividness.GRAY: vividness.gray_scores(rgb)}
    if _mse is not None:
        refs[vividness.MSE] = vividness.mse_scores(_mse, rgb)
    return (vividness.temperature_sweep(_model, rgb) if measure_sweep else None), refs


def curve():
    """The temperature sweep and the scores of the MSE model and the gray copy.

    Shipped with the checkpoint (instant) while it matches the weights; otherwise
    (a retrained colorizer) measured once per server.
    """
    sha256 = meta.get("sha256", "")
    mse_sha256 = (mse_meta or {}).get("sha256", "") if mse_model is not None else None
    sweep, refs = shipped_curve(sha256, mse_sha256)
    wanted = {vividness.GRAY} | ({vividness.MSE} if mse_model is not None else set())
    if sweep is not None and wanted <= set(refs):
        return sweep, refs
    with st.spinner(_("Measuring the colorizer at 11 temperatures…")):
        measured, refs = measured_curve(colorizer, sha256, mse_model, mse_sha256, measure_sweep=sweep is None)
    return sweep or measured, refs


def guesses(gray, t, show_mse):
    """Name -> colorized images, for the colorizer at T = t and, when shown, the MSE model."""
    out = {_("colorized (T = {t:g})").format(t=t): metrics.colorize_all(colorizer, gray, t)}
    if show_mse:
        out[_("MSE")] = metrics.colorize_all(mse_model, gray)
    return out


STOPS = [f"{v:g}" for v in vividness.TEMPERATURES]  # Text options: a link reads ?t=0.3.
DEFAULT_STOP = f"{min(vividness.TEMPERATURES, key=lambda v: abs(v - colorizer.temperature)):g}"  # The model's own T.
CLASSES = ("all", *data.CIFAR10_CLASSES)


def new_sample():
    _state.get().seeds["colorize"] += 1


def _put_seed(seed):
    _state.get().seeds["colorize"] = seed


LINK = (  # The link's parameters (README, "Links"): `?class=ship&images=6&seed=2&t=0.3`.
    links.Param("t", links.choice(STOPS), DEFAULT_STOP, key="t", to_link=lambda v: None if v == DEFAULT_STOP else v),
    links.Param("mse", links.flag, mse_model is not None, key="mse", bound=True),
    links.Param("class", links.choice(CLASSES), "all", key="color_class"),
    links.Param("images", links.integer(1, 12), 6, key="color_count"),
    links.Param("seed", links.integer(0, 10**6), 0, get=lambda: _state.get().seeds["colorize"], put=_put_seed),
)


def controls():
    """The MSE switch; T is the scrubbers' (below), settled into `st.session_state["t"]` and the link."""
    show = st.toggle(
        _("The MSE colorizer beside it (why averaging gives sepia)"),
        value=mse_model is not None,
        disabled=mse_model is None,
        key="mse",
        bind="query-params",
    )
    return float(st.session_state["t"]), show and mse_model is not None


VIVIDNESS = N_("Vividness: the temperature T (1: the average colour; small: the most likely one)")


@st.cache_data(max_entries=64, show_spinner=False)  # Shared by the sessions that show the same photos.
def sample_frames(_model, key, _mse, mse_key, gray, rgb):
    """The colorizer's guesses at every T (`aelab.lessons.frames`), the MSE colorizer's (or None) and the
    scrubber's atlas; the keys are the weights' sha256 (None: no MSE colorizer shown)."""
    del key, mse_key
    f = frames.colorization_frames(_model, gray, rgb, vividness.TEMPERATURES)
    mse = None if _mse is None else np.asarray(metrics.colorize_all(_mse, gray))
    # The pictures that do not change: per photo its gray input, the MSE guess when shown, the original.
    fixed = [gray.repeat(3, -1), *([] if mse is None else [mse]), rgb]
    uri, tile = _scrubber.atlas(f.colorized, np.stack(fixed, axis=1).reshape(-1, *rgb.shape[1:]))
    return f, mse, uri, tile, len(fixed)


def _set_t(i):
    st.session_state["t"] = STOPS[i]


def scrubbed_rows(key, rgb, gray, titles, t, show_mse, chart=None):
    """The vividness scrubber: every row of photos at every T, switched in the browser.

    Args:
        key: the scrubber's widget key.
        rgb, gray: the photos and their gray inputs.
        titles: one line per photo.
        t: the settled T.
        show_mse: whether the MSE colorizer's guesses stand beside the colorizer's.
        chart: the `st.plotly_chart` key of the vividness chart whose marker follows, or None.
    """
    with st.spinner(_("Colorizing the photos at every vividness…")):
        f, mse, uri, tile, per = sample_frames(
            colorizer,
            meta.get("sha256", ""),
            mse_model if show_mse else None,
            (mse_meta or {}).get("sha256", "") if show_mse else None,
            gray,
            rgb,
        )
    copy_psnr = metrics.image_psnr(rgb, gray.repeat(3, -1))
    m_orig = metrics.colourfulness(rgb)
    mse_scores = (metrics.image_psnr(rgb, mse), metrics.colourfulness(mse)) if show_mse else None
    names = [_("colorized (T = {t:g})").format(t=v) for v in vividness.TEMPERATURES]
    rows = []
    for i, title in enumerate(titles):
        captions = []
        for s, name in enumerate(names):
            parts = [_("gray {psnr:.1f} dB").format(psnr=copy_psnr[i])]
            parts.append(f"{name} {f.psnr[s, i]:.1f} dB, M {f.colourfulness[s, i]:.0f}")
            if show_mse:
                parts.append(f"{_('MSE')} {mse_scores[0][i]:.1f} dB, M {mse_scores[1][i]:.0f}")
            parts.append(_("original M {m:.0f}").format(m=m_orig[i]))
            captions.append(f"{title} · " + " · ".join(parts))
        cells = [{"s": per * i, "alt": f"{title}: {_('gray copy')}"}, {"t": i, "alt": [f"{title}: {n}" for n in names]}]
        if show_mse:
            cells.append({"s": per * i + 1, "alt": f"{title}: {_('MSE colorizer')}"})
        cells.append({"s": per * i + per - 1, "alt": f"{title}: {_('original')}"})
        rows.append({"cells": cells, "caption": captions})
    notes = [header([n, *([_("MSE")] if show_mse else [])]) for n in names]
    lo, hi = min(vividness.TEMPERATURES), max(vividness.TEMPERATURES)
    _scrubber.scrubber(
        key,
        label=_(VIVIDNESS),
        stops=[f"T = {v}" for v in STOPS],
        value=STOPS.index(f"{t:g}"),
        atlas_uri=uri,
        tile=tile,
        rows=rows,
        note=notes,
        # The vividness chart's dotted line and note (figures/vividness.py: left of the line for a small T).
        marker=chart
        and {
            "chart": chart,
            "prefix": "T = ",
            "values": list(vividness.TEMPERATURES),
            "texts": [f"T = {v:.2f}" for v in vividness.TEMPERATURES],
            "right": [v < (lo + hi) / 2 for v in vividness.TEMPERATURES],
        },
        on_change=_set_t,
        layout="two",
        pixelated=False,
        cell_px=PANEL,
    )


def header(names):
    return _("Each row: the gray input · {guesses} · the original.").format(guesses=" · ".join(names))


def test_images(t, show_mse):
    c = st.columns([3, 3, 1], vertical_alignment="bottom")
    label = {"all": _(ALL)} | {name: _(name) for name in data.CIFAR10_CLASSES}  # English names behind them.
    name = c[0].selectbox(_("Class"), CLASSES, format_func=label.get, key="color_class")
    n = c[1].slider(_("Images"), 1, 12, key="color_count")
    c[2].button(_("New sample"), key="color_new", on_click=new_sample)
    seed = _state.get().seeds["colorize"]
    pool = np.arange(len(x)) if name == "all" else np.flatnonzero(y == data.CIFAR10_CLASSES.index(name))
    rows = np.random.default_rng(seed).choice(pool, min(n, len(pool)), replace=False)

    rgb = x[rows]
    gray = data.to_gray(rgb)
    left, right = st.columns([3, 2], gap="large")
    titles = [_("{label} #{row}").format(label=_(data.CIFAR10_CLASSES[y[r]]), row=r) for r in rows]
    with left:
        scrubbed_rows("t_scrub", rgb, gray, titles, t, show_mse, chart="color_curve")
    with right:
        sweep, refs = curve()
        refs = {_(name): scores for name, scores in refs.items()}
        st.plotly_chart(vivid_chart.vividness_chart(sweep, t, refs), key="color_curve", config={"displaylogo": False})
        st.caption(
            _(
                "On {n} test images: PSNR over the set (left) and the mean colourfulness as a share of the "
                "originals' (right), from the average colour (T = 1) to the most likely one. The dotted line is "
                "the slider's T. Averaging is close on PSNR and paints sepia (the MSE colorizer's line); the "
                "vivid end is more colourful, and puts some colours in the wrong places."
            ).format(n=vividness.IMAGES)
        )


def upload(t, show_mse):
    file = st.file_uploader(
        _("A photo of your own"),
        type=list(images.UPLOAD_TYPES),
        key="color_upload",  # Takes server.maxUploadSize: over 10 MB reaches the page, which says why.
    )
    st.caption(
        _(
            "Accepted: {accepted} The colorizer sees it shrunk to 32x32, the size it was trained on: the "
            "rows show its centre square at that size, and below them the whole photo is coloured at its own size."
        ).format(accepted=images.accepted_text())
    )
    if file is None:
        return
    try:
        up = images.read_upload(file.getvalue())
        notes = [images.check_aspect(up.rgb), images.check_small(up.rgb, 32)]
    except images.ImageError as e:
        st.error(str(e))  # Not the file's name: it is the uploader's text, rendered as Markdown.
        return
    for note in [*up.notes, *notes]:
        if note:
            st.info(note)
    small = images.square_crop_resize(up.rgb, 32)[None]
    gray = data.to_gray(small)
    guessed = guesses(gray, t, show_mse)
    left, right = st.columns([3, 2], gap="large")
    with left:
        scrubbed_rows("t_scrub_upload", small, gray, [_("your photo")], t, show_mse)
        st.caption(_("PSNR against your photo at 32x32."))
    with right:
        # Every one of the 32x32 pixels as a visible square: what the colorizers work with.
        views = [(gray[0], _("gray, 32x32")), (next(iter(guessed.values()))[0], _("colorized, 32x32"))]
        for col, (img, caption) in zip(st.columns(3), [*views, (small[0], _("your photo, 32x32"))]):
            with col:
                _pictures.image(images.enlarge(img, PIXELS), caption=caption)
    full_size_view(up.rgb, t)


def full_size_view(rgb, t):
    """The upload coloured at its own size (aelab.lessons.full_size), up to the column's width, downloadable."""
    full = full_size.colorize(colorizer, rgb, t)
    h, w = full.shape[:2]
    caption = _(
        "at full size ({w} × {h}): the colours guessed on your photo shrunk to {sides} px and mirrored, "
        "enlarged, on your photo's own brightness"
    )
    sides = ", ".join(str(s) for s in full_size.VIEW_SIDES)
    # Pixel for pixel where it fits (a long caption must not stretch it); wider photos fill the column.
    _pictures.image(full, caption=caption.format(w=w, h=h, sides=sides), width="stretch" if w > 700 else w)
    st.download_button(
        _("Download at full size (PNG)"), images.to_png(full), file_name="colorized.png", mime="image/png",
        key="color_full_download", on_click="ignore",
    )  # fmt: skip


@st.fragment
def lesson():
    # A fragment: moving the slider reruns only this part of the page.
    _urlstate.page(LINK)
    t, show_mse = controls()
    tab_test, tab_upload = st.tabs([_("CIFAR-10 test images"), _("Your own photo")])
    with tab_test:
        test_images(t, show_mse)
    with tab_upload:
        upload(t, show_mse)


lesson()
