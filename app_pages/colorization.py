"""Colorization: an autoencoder guesses the colours of small gray photos."""

import numpy as np
import streamlit as st

from aelab import data, metrics
from aelab.data import images
from aelab.i18n import N_, _
from aelab.inference import latent
from app_pages import _common, _urlstate

# Display size of a 32x32 image: smooth enlargement suits photos. Widths are
# given explicitly because st.image otherwise widens an image to its caption.
SHOW = 192
PIXELS = 4  # Scale of the pixel-exact view of an upload at 32x32.
ALL = N_("all classes")  # Shown as _(ALL), like the class names.

st.title(_("Colorization"))
st.markdown(
    _(
        "The colorizer only sees the gray version of a tiny 32x32 photo and has to guess its colours. "
        "Compare its guess with the real photo: PSNR says how close it is, and the gray copy's PSNR is "
        "the score of not guessing at all. Then try a photo of your own."
    )
)

colorizer, _meta = _common.checkpoint_model("colorizer")
if colorizer is None:
    st.stop()


def colorize(rgb):
    """Gray versions and colorized guesses for RGB images of shape (N, 32, 32, 3)."""
    gray = data.to_gray(rgb)
    return gray, latent.reconstruct(colorizer, gray)


def big(img):
    return images.resize(img, (SHOW, SHOW), smooth=True)


@st.fragment
def test_images():
    x, y = _common.cifar_test()
    c = st.columns([3, 3, 1], vertical_alignment="bottom")
    # A shared link sets these (app_pages/_urlstate.py): ?class=ship&images=6&seed=2
    by_label = {_(o): o for o in (ALL, *data.CIFAR10_CLASSES)}  # Translated options, English names behind them.
    options = list(by_label)
    start = _urlstate.default("color_class", "class", _urlstate.choice(("all", *data.CIFAR10_CLASSES)), "all")
    first = ALL if start == "all" else start
    name = by_label[c[0].selectbox(_("Class"), options, index=options.index(_(first)), key="color_class")]
    n = c[1].slider(
        _("Images"), 1, 12, _urlstate.default("color_count", "images", _urlstate.integer(1, 12), 4), key="color_count"
    )
    seeds = st.session_state.sample_seed
    if _urlstate.first_visit("color_new"):
        seeds["colorize"] = _urlstate.value("seed", _urlstate.integer(0, 10**6), seeds["colorize"])
    if c[2].button(_("New sample"), key="color_new"):
        st.session_state.sample_seed["colorize"] += 1
    _urlstate.sync({"class": "all" if name == ALL else name, "images": n, "seed": seeds["colorize"]})
    pool = np.arange(len(x)) if name == ALL else np.flatnonzero(y == data.CIFAR10_CLASSES.index(name))
    rows = np.random.default_rng(st.session_state.sample_seed["colorize"]).choice(
        pool, min(n, len(pool)), replace=False
    )

    rgb = x[rows]
    gray, guess = colorize(rgb)
    psnr_guess = metrics.psnr_ssim(rgb, guess)[0]
    psnr_gray = metrics.psnr_ssim(rgb, np.repeat(gray, 3, axis=-1))[0]
    for i, row in enumerate(rows):
        cols = st.columns(3)
        # The gray copy's PSNR is the score of not colouring at all: the baseline.
        cols[0].image(big(gray[i]), caption=_("gray: PSNR {psnr:.1f} dB").format(psnr=psnr_gray[i]), width=SHOW)
        cols[1].image(big(guess[i]), caption=_("colorized: PSNR {psnr:.1f} dB").format(psnr=psnr_guess[i]), width=SHOW)
        cols[2].image(
            big(rgb[i]),
            caption=_("original: {label} #{row}").format(label=_(data.CIFAR10_CLASSES[y[row]]), row=row),
            width=SHOW,
        )


def upload():
    file = st.file_uploader(_("A photo of your own"), type=list(images.UPLOAD_TYPES), key="color_upload")
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
        crop_note = images.check_aspect(up.rgb)
    except images.ImageError as e:
        st.error(str(e))  # Not the file's name: it is the uploader's text, rendered as Markdown.
        return
    for note in [*up.notes, crop_note]:
        if note:
            st.info(note)
    small = images.square_crop_resize(up.rgb, 32)
    gray, guess = colorize(small[None])
    cols = st.columns(4)
    # Every one of the 32x32 pixels as a visible square: what the colorizer works with.
    # (At its real size the image would be narrower than its caption, which then wraps letter by letter.)
    cols[0].image(images.enlarge(gray[0], PIXELS), caption=_("gray, 32x32"), width=32 * PIXELS)
    cols[1].image(images.enlarge(guess[0], PIXELS), caption=_("colorized, 32x32"), width=32 * PIXELS)
    cols[2].image(big(gray[0]), caption=_("gray, enlarged"), width=SHOW)
    cols[3].image(big(guess[0]), caption=_("colorized, enlarged"), width=SHOW)
    st.image(big(small), caption=_("your photo at 32x32, enlarged, for comparison"), width=SHOW)


tab_test, tab_upload = st.tabs([_("CIFAR-10 test images"), _("Your own photo")])
with tab_test:
    test_images()
with tab_upload:
    upload()
