"""Manifold: what the decoder draws at every point of a grid over the latent plane."""

import streamlit as st

from aelab.data import images
from aelab.figures import plots
from aelab.inference import latent
from app_pages import _common, _urlstate

STEP = 0.1

st.title("Manifold")
st.markdown(
    "The decoder can draw a digit from any two numbers, not only from those of real digits. "
    "Here it draws one for every point of a grid over the latent plane, so you can watch one "
    "digit morph into another. Move the two *pick* sliders to walk through the plane: the "
    "cross marks the point on the grid and among the encoded test digits."
)

labels = list(_common.KIND_BY_LABEL)
start = _urlstate.default("manifold_kind", "model", _urlstate.choice(_urlstate.KIND_PARAM), "vae")
kind = _common.KIND_BY_LABEL[
    st.radio("Model", labels, index=labels.index(_common.KINDS[_urlstate.KIND_PARAM[start]]), horizontal=True,
             key="manifold_kind")
]  # fmt: skip
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


def start(key, param, parse, fallback):
    # A link's ranges and point are in the units of the model it was made with:
    # they apply only while the page shows that kind of model.
    return _urlstate.default(key, param, parse, fallback, when={"model": _urlstate.KIND_NAME[kind]})


# Keys carry the model's key, so a newly trained model starts from its own ranges.
keys = {"grid": f"grid_{kind}", "z0": f"z0_range_{info.key}", "z1": f"z1_range_{info.key}"}
keys |= {"p0": f"pick_z0_{info.key}", "p1": f"pick_z1_{info.key}"}
centre = (round(sum(default[0]) / 2, 1), round(sum(default[1]) / 2, 1))
c = st.columns(3)
n = c[0].slider(
    "Grid size (digits per side)", 5, 30, start(keys["grid"], "grid", _urlstate.integer(5, 30), 30), key=keys["grid"]
)
r0 = c[1].slider(
    "z0 range", *bounds[0], value=start(keys["z0"], "z0", _urlstate.pair(*bounds[0], STEP), default[0]), step=STEP,
    key=keys["z0"],
)  # fmt: skip
r1 = c[2].slider(
    "z1 range", *bounds[1], value=start(keys["z1"], "z1", _urlstate.pair(*bounds[1], STEP), default[1]), step=STEP,
    key=keys["z1"],
)  # fmt: skip
c = st.columns(3)
c[0].markdown("**Pick a point** in the latent plane: its digit is drawn large on the right.")
pick = start(keys["p0"], "pick", _urlstate.point(bounds[0], bounds[1], STEP), centre)
# Both coordinates come from one link parameter, pick=z0,z1.
p0 = c[1].slider("Pick z0", *bounds[0], value=pick[0], step=STEP, key=keys["p0"])
pick = start(keys["p1"], "pick", _urlstate.point(bounds[0], bounds[1], STEP), centre)
p1 = c[2].slider("Pick z1", *bounds[1], value=pick[1], step=STEP, key=keys["p1"])
_urlstate.sync({"model": _urlstate.KIND_NAME[kind], "grid": n, "z0": r0, "z1": r1, "pick": (p0, p1)})

png, z0_values, z1_values = _common.manifold_png(model, info.key, n, tuple(r0), tuple(r1))
left, right = st.columns([3, 2])
with left:
    grid = _common.session_figure(
        "manifold",
        (info.key, n, tuple(r0), tuple(r1)),
        lambda: plots.manifold_figure(png, z0_values, z1_values, (p0, p1)),
    )
    st.plotly_chart(
        plots.move_point(grid, (p0, p1), manifold_axes=(z0_values, z1_values)),
        key="manifold",
        config=plots.png_config(f"manifold_{kind}_{n}x{n}_with_axes"),
    )
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
    scatter = _common.session_figure(
        "manifold_scatter", info.key, lambda: plots.latent_scatter(z, y, point=(p0, p1), height=420)
    )
    st.plotly_chart(
        plots.move_point(scatter, (p0, p1)),
        key="manifold_scatter",
        config=plots.png_config(f"latent_{kind}_picked_point"),
    )
