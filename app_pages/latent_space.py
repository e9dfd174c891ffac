"""Latent space: the 10,000 MNIST test digits as points, AE and VAE side by side."""

import numpy as np
import streamlit as st

from aelab import images, latent, plots
from app_pages import _common

MAX_SHOWN = 16  # Selected digits drawn; enough to judge a region, small enough to see.
PER_ROW = 4  # Pairs per row; four pairs at 2x fit half of a wide page.

st.title("Latent space")
st.markdown(
    "Each dot is one handwritten digit from the MNIST test set, placed at the two numbers "
    "(z0, z1) its encoder squeezed it into; the colour says which digit it really is. "
    "Drag a box or a lasso around a group of dots to see those digits next to what the "
    "decoder rebuilds from just their two numbers. Compare how the AE and the VAE arrange the same digits."
)

x, y = _common.mnist_test()


def show(kind):
    st.subheader(_common.KINDS[kind])
    model, info = _common.active_model(kind)
    if model is None:
        return
    st.caption(info.label)
    z = _common.test_encodings(model, info.key)
    event = st.plotly_chart(
        plots.latent_scatter(z, y),
        key=f"scatter_{kind}_{info.key}",  # A new model starts with a fresh selection.
        on_select="rerun",
        selection_mode=("box", "lasso"),
    )
    rows = latent.selected_rows(event, len(x))
    if not len(rows):
        st.info("Use the box or lasso tool on the chart to select some digits.")
        return
    shown = rows[:MAX_SHOWN]
    counts = np.bincount(y[rows], minlength=10)
    mix = ", ".join(f"{c} × {d}" for d, c in sorted(enumerate(counts), key=lambda t: -t[1]) if c)
    st.markdown(f"**{len(rows)} digits selected** ({mix}); the first {len(shown)} are shown.")
    rebuilt = latent.reconstruct(model, x[shown])
    pairs = [images.tile(np.stack([a, b]), 2, pad=1) for a, b in zip(x[shown], rebuilt, strict=True)]
    mosaic = images.enlarge(images.tile(np.stack(pairs), PER_ROW, pad=6), 2)
    st.image(mosaic, caption="each pair: original | decoded from its (z0, z1)", width=mosaic.shape[1])


left, right = st.columns(2)
with left:
    show("ae2d")
with right:
    show("vae2d")
