"""Manifold: what the decoder draws at every point of a grid over the latent plane."""

import streamlit as st

from aelab import images, latent, plots
from app_pages import _common

STEP = 0.1

st.title("Manifold")
st.markdown(
    "The decoder can draw a digit from any two numbers, not only from those of real digits. "
    "Here it draws one for every point of a grid over the latent plane, so you can watch one "
    "digit morph into another. Move the two *pick* sliders to walk through the plane: the "
    "cross marks the point on the grid and among the encoded test digits."
)

kind = _common.KIND_BY_LABEL[st.radio("Model", list(_common.KIND_BY_LABEL), index=1, horizontal=True)]
model, info = _common.active_model(kind)
if model is None:
    st.stop()
st.caption(info.label)
_, y = _common.mnist_test()
z = _common.test_encodings(model, info.key)

if kind == "vae2d":
    # The VAE is pulled towards a standard normal prior: [-4, 4] holds nearly all of it.
    default = ((-4.0, 4.0), (-4.0, 4.0))
    bounds = latent.slider_bounds(z, at_least=(-4.0, 4.0))
else:
    # An AE's latent has no prior: draw where its digits actually are.
    default = latent.percentile_range(z)
    bounds = latent.slider_bounds(z)

# Keys carry the model's key, so a newly trained model starts from its own ranges.
c = st.columns(3)
n = c[0].slider("Grid size (digits per side)", 5, 30, 30, key=f"grid_{kind}")
r0 = c[1].slider("z0 range", *bounds[0], value=default[0], step=STEP, key=f"z0_range_{info.key}")
r1 = c[2].slider("z1 range", *bounds[1], value=default[1], step=STEP, key=f"z1_range_{info.key}")
c = st.columns(3)
c[0].markdown("**Pick a point** in the latent plane: its digit is drawn large on the right.")
p0 = c[1].slider("Pick z0", *bounds[0], value=round(sum(default[0]) / 2, 1), step=STEP, key=f"pick_z0_{info.key}")
p1 = c[2].slider("Pick z1", *bounds[1], value=round(sum(default[1]) / 2, 1), step=STEP, key=f"pick_z1_{info.key}")

png, z0_values, z1_values = _common.manifold_png(model, info.key, n, tuple(r0), tuple(r1))
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(plots.manifold_figure(png, z0_values, z1_values, point=(p0, p1)), key="manifold")
    st.download_button(
        "Download the manifold (PNG)",
        png,
        file_name=f"manifold_{kind}_{n}x{n}.png",
        mime="image/png",
        on_click="ignore",
    )
with right:
    digit = latent.decode(model, [[p0, p1]])[0]
    st.image(images.enlarge(digit, 8), caption=f"decoded from z = ({p0:.1f}, {p1:.1f})", width=224)
    st.plotly_chart(plots.latent_scatter(z, y, point=(p0, p1), height=420), key="manifold_scatter")
