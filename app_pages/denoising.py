"""Denoising: a denoising autoencoder cleans up digits as the noise grows."""

import math

import numpy as np
import streamlit as st

from aelab import data, images, latent, metrics
from app_pages import _common

NOISE_KINDS = {  # label -> aelab.data noise kind
    "Gaussian around grey (the tutorial's)": "tutorial",
    "Gaussian": "gaussian",
    "Salt and pepper": "salt_pepper",
}
SCALE = 4  # 28 px digits become 112 px: big enough to see from the back of a room.

st.title("Denoising")
st.markdown(
    "A denoising autoencoder was trained to turn noisy digits back into clean ones. "
    "Raise the noise level and watch when it starts to fail; try the three kinds of noise. "
    "PSNR (in decibels) and SSIM (1 is perfect) measure how close each row is to the original."
)

dae, _ = _common.checkpoint_model("dae")
if dae is None:
    st.stop()
x, _ = _common.mnist_test()


def _db(v):
    return "identical" if math.isinf(v) else f"{v:.1f} dB"


def _delta(after, before, unit=""):
    if not (math.isfinite(after) and math.isfinite(before)):
        return None
    return f"{after - before:+.{1 if unit else 3}f}{unit} vs noisy"


def _column(stack):
    return images.enlarge(images.tile(stack, 1, pad=2), SCALE)


@st.fragment
def denoise_panel():
    # A fragment: moving a slider reruns only this panel, not the whole page.
    c = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    kind = NOISE_KINDS[c[0].selectbox("Noise kind", list(NOISE_KINDS), key="noise_kind")]
    sigma = c[1].slider("Noise level σ", 0.0, 1.0, 0.5, 0.05, key="noise_sigma")
    n = c[2].slider("Digits", 1, 10, 5, key="noise_digits")
    if c[3].button("New sample", key="noise_new"):
        st.session_state.sample_seed["denoise"] += 1
    seed = st.session_state.sample_seed["denoise"]

    clean = x[np.random.default_rng(seed).choice(len(x), n, replace=False)]
    noisy = data.add_noise(clean, sigma, kind, seed)
    denoised = latent.reconstruct(dae, noisy)
    psnr_n, ssim_n = (float(np.mean(v)) for v in metrics.psnr_ssim(clean, noisy))
    psnr_d, ssim_d = (float(np.mean(v)) for v in metrics.psnr_ssim(clean, denoised))

    m = st.columns(4)
    m[0].metric("PSNR noisy", _db(psnr_n))
    m[1].metric("PSNR denoised", _db(psnr_d), delta=_delta(psnr_d, psnr_n, " dB"))
    m[2].metric("SSIM noisy", f"{ssim_n:.3f}")
    m[3].metric("SSIM denoised", f"{ssim_d:.3f}", delta=_delta(ssim_d, ssim_n))

    cols = st.columns(3)
    for col, stack, caption in zip(cols, (clean, noisy, denoised), ("original", "noisy", "denoised"), strict=True):
        picture = _column(stack)
        col.image(picture, caption=caption, width=picture.shape[1])


denoise_panel()
