"""Colorization: a colorizer that guesses a distribution of colours, beside one trained on MSE."""

import numpy as np
import streamlit as st

from aelab import checkpoints, data, links, metrics
from aelab.data import images
from aelab.figures import vividness as vivid_chart
from aelab.i18n import N_, _
from aelab.lessons import robustness, vividness
from app_pages import _common, _pictures, _state, _urlstate

PANEL = 112  # Pixels of one photo in a row picture; the browser scales the row to its column.
GAP = 4  # White pixels between the photos of a row.
SIDE_BY_SIDE = 2  # Image rows per line on a wide screen; a phone stacks the columns.
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


def row_picture(photos):
    """One image row: its photos side by side, enlarged smoothly, with white gaps."""
    big = [images.resize(np.repeat(p, 3, -1) if p.shape[-1] == 1 else p, (PANEL, PANEL)) for p in photos]
    return images.tile(np.stack(big), len(big), pad=GAP, pad_value=255)


def show_rows(rgb, gray, guessed, titles, columns):
    """The image rows, spread over `columns`, each with its scores underneath."""
    copy_psnr = metrics.image_psnr(rgb, np.repeat(gray, 3, axis=-1))
    scores = {name: (metrics.image_psnr(rgb, g), metrics.colourfulness(g)) for name, g in guessed.items()}
    m_orig = metrics.colourfulness(rgb)
    for i, title in enumerate(titles):
        parts = [_("gray {psnr:.1f} dB").format(psnr=copy_psnr[i])]
        parts += [f"{name} {p[i]:.1f} dB, M {m[i]:.0f}" for name, (p, m) in scores.items()]
        parts.append(_("original M {m:.0f}").format(m=m_orig[i]))
        photos = [gray[i], *(g[i] for g in guessed.values()), rgb[i]]
        with columns[i % len(columns)]:
            _pictures.image(row_picture(photos), caption=f"{title} · " + " · ".join(parts), width="stretch")


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
    c = st.columns([3, 2], vertical_alignment="bottom")
    t = c[0].select_slider(
        _("Vividness: the temperature T (1: the average colour; small: the most likely one)"),
        options=STOPS,
        format_func=lambda v: f"T = {v}",
        key="t",
    )
    show = c[1].toggle(
        _("The MSE colorizer beside it (why averaging gives sepia)"),
        value=mse_model is not None,
        disabled=mse_model is None,
        key="mse",
        bind="query-params",
    )
    return float(t), show and mse_model is not None


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
    guessed = guesses(gray, t, show_mse)
    left, right = st.columns([3, 2], gap="large")
    left.caption(header(guessed))
    titles = [_("{label} #{row}").format(label=_(data.CIFAR10_CLASSES[y[r]]), row=r) for r in rows]
    show_rows(rgb, gray, guessed, titles, left.columns(SIDE_BY_SIDE))
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
            "Accepted: {accepted} It is cropped to its centre square and shrunk to 32x32, "
            "the size the colorizer was trained on."
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
    left.caption(header(guessed) + " " + _("PSNR against your photo at 32x32."))
    show_rows(small, gray, guessed, [_("your photo")], [left])
    with right:
        # Every one of the 32x32 pixels as a visible square: what the colorizers work with.
        views = [(gray[0], _("gray, 32x32")), (next(iter(guessed.values()))[0], _("colorized, 32x32"))]
        for col, (img, caption) in zip(st.columns(3), [*views, (small[0], _("your photo, 32x32"))]):
            with col:
                _pictures.image(images.enlarge(img, PIXELS), caption=caption)


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
