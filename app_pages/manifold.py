"""Manifold: what the decoder draws at every point of a grid over the latent plane.

Two rows, each a control beside its result: the grid's size and ranges beside
the decoded grid, then the latent navigator (the digit under the pointer,
decoded in the browser) beside the pinned point's digit, decoded here, and the
pick sliders, which also work where the browser cannot run the decoder.
"""

import streamlit as st

from aelab.data import images
from aelab.figures import plots
from aelab.i18n import _
from aelab.inference import latent
from app_pages import _common, _navigator, _urlstate

STEP = 0.1
GRID_HEIGHT = 430  # px: with the title and the controls beside it, one 1280x720 screen.
NARROW_PX = 640  # A window narrower than this is a phone: smaller default grid, static chart.
GRID_HEIGHT_NARROW = 380  # px: a phone's column is ~360 px wide, the grid square.
NARROW_GRID = 12  # 30 digits across 360 px would be 12 px each.

st.title(_("Manifold"))
st.markdown(
    _(
        "The decoder can draw a digit from any two numbers (z0, z1), not only from those of real digits: "
        "here it draws one for every point of a grid, so you can watch one digit morph into another."
    )
)

controls, result = st.columns([2, 3], gap="medium")
by_label = {_(label): kind for label, kind in _common.KIND_BY_LABEL.items()}  # Translated options.
labels = list(by_label)
start = _urlstate.default("manifold_kind", "model", _urlstate.choice(_urlstate.KIND_PARAM), "vae")
kind = by_label[
    controls.radio(_("Model"), labels, index=labels.index(_(_common.KINDS[_urlstate.KIND_PARAM[start]])),
                   key="manifold_kind")
]  # fmt: skip
model, info = _common.active_model(kind)
if model is None:
    st.stop()
_images, y = _common.mnist_test()
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
narrow = st.session_state.get("manifold_narrow", False)
if _urlstate.first_visit(keys["grid"]):  # Before this page puts its own grid= in the URL.
    st.session_state[f"{keys['grid']}_linked"] = "grid" in st.query_params


def pin(point):
    """The navigator's pin becomes the pick sliders' value (before they are drawn again)."""
    for key, v, (lo, hi) in zip((keys["p0"], keys["p1"]), point, bounds, strict=True):
        st.session_state[key] = min(max(v, lo), hi)


def phone_sized():
    """The navigator saw a phone-sized window: a smaller grid, unless the user or a link chose one."""
    st.session_state.manifold_narrow = True
    if st.session_state.get(keys["grid"]) == 30 and not st.session_state.get(f"{keys['grid']}_linked"):
        st.session_state[keys["grid"]] = NARROW_GRID


with controls:
    st.caption(info.label)
    # Starts in the session state, not `value=`: a phone-sized window may set it (phone_sized).
    st.session_state.setdefault(keys["grid"], start(keys["grid"], "grid", _urlstate.integer(5, 30),
                                                    NARROW_GRID if narrow else 30))  # fmt: skip
    n = st.slider(_("Grid size (digits per side)"), 5, 30, key=keys["grid"])
    r0 = st.slider(
        _("z0 range"), *bounds[0], value=start(keys["z0"], "z0", _urlstate.pair(*bounds[0], STEP), default[0]),
        step=STEP, key=keys["z0"],
    )  # fmt: skip
    r1 = st.slider(
        _("z1 range"), *bounds[1], value=start(keys["z1"], "z1", _urlstate.pair(*bounds[1], STEP), default[1]),
        step=STEP, key=keys["z1"],
    )  # fmt: skip
    download = st.empty()

st.markdown(
    _(
        "**Walk through the plane** below: the digit under the pointer (or your finger) is decoded in your "
        "browser at every move, the trail shows where it has just been. Click or tap to pin a point; the cross "
        "on the grid and the page's link follow it. With the plane focused, arrow keys walk and Enter pins."
    )
)
plane, pinned = st.columns([5, 2], gap="medium")
with pinned:
    # Both coordinates come from one link parameter, pick=z0,z1. The start goes into the
    # session state, not `value=`, because a pin (above) also sets it there.
    for i, key in enumerate((keys["p0"], keys["p1"])):
        st.session_state.setdefault(key, start(key, "pick", _urlstate.point(bounds[0], bounds[1], STEP), centre)[i])
    p0 = st.slider(_("Pick z0"), *bounds[0], step=STEP, key=keys["p0"])
    p1 = st.slider(_("Pick z1"), *bounds[1], step=STEP, key=keys["p1"])
    digit = latent.decode(model, [[p0, p1]])[0]
    st.image(
        images.enlarge(digit, 8),
        caption=_("decoded from z = ({z0:.1f}, {z1:.1f}) on the server").format(z0=p0, z1=p1),
        width=224,
    )
    if not (r0[0] <= p0 <= r0[1] and r1[0] <= p1 <= r1[1]):
        st.caption(_("The pinned point lies outside the grid's range (z0 {a0:g} to {b0:g}, z1 {a1:g} to {b1:g}): "
                     "its cross is off the grid and off the plane.").format(a0=r0[0], b0=r0[1], a1=r1[0], b1=r1[1]))  # fmt: skip
_urlstate.sync({"model": _urlstate.KIND_NAME[kind], "grid": n, "z0": r0, "z1": r1, "pick": (p0, p1)})

png, z0_values, z1_values = _common.manifold_png(model, info.key, n, tuple(r0), tuple(r1))
with result:
    grid = _common.session_figure(
        "manifold",
        (info.key, n, tuple(r0), tuple(r1), narrow),
        lambda: plots.manifold_figure(png, z0_values, z1_values, (p0, p1), height=GRID_HEIGHT_NARROW if narrow
                                      else GRID_HEIGHT),
    )  # fmt: skip
    config = plots.png_config(f"manifold_{kind}_{n}x{n}_with_axes")
    # On a phone a swipe over the grid must scroll the page, not zoom it.
    st.plotly_chart(plots.move_point(grid, (p0, p1)), key="manifold",
                    config=config | {"staticPlot": True} if narrow else config)  # fmt: skip
download.download_button(
    _("Download the manifold (PNG)"), png, file_name=f"manifold_{kind}_{n}x{n}.png", mime="image/png", on_click="ignore"
)
with plane:
    # The plane spans the grid's range, so a pin always lands on the grid.
    _navigator.navigator(
        f"navigator_{kind}", model, info, z, y, (tuple(r0), tuple(r1)), (p0, p1), STEP, pin,
        report_narrow=None if narrow else (NARROW_PX, phone_sized),
    )  # fmt: skip
