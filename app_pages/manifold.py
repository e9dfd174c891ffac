"""Manifold: what the decoder draws at every point of a grid over the latent plane.

Two rows, each a control beside its result: the grid's size and ranges beside
the decoded grid, then the latent navigator (the digit under the pointer,
decoded in the browser) beside the pinned point's digit, decoded here, and the
pick sliders, which also work where the browser cannot run the decoder.
"""

import streamlit as st

from aelab import i18n, links
from aelab.data import images
from aelab.figures import describe, plots
from aelab.i18n import _
from aelab.inference import latent
from aelab.models import registry
from app_pages import _common, _navigator, _pictures, _state, _urlstate

STEP = 0.1
NARROW_PX = 640  # A window narrower than this is a phone: smaller default grid, static chart.
NARROW_GRID = 12  # 30 digits across 360 px would be 12 px each.
# The grid's chart is as wide as its column and a little taller (the square plot plus its tick labels,
# axis titles and toolbar), but never taller than the window: on a tall screen the whole of it shows
# below the page's title, on a 720-px projector it fills the screen once scrolled to. A server cannot
# know the window, so the browser sizes it (st.plotly_chart(height="stretch") fills this box).
GRID_BOX = "manifold_grid"
GRID_CSS = f"""<style>
.st-key-{GRID_BOX} {{ aspect-ratio: 0.92; max-height: calc(100vh - 6rem); min-height: 300px; }}
@media (min-height: 900px) {{ .st-key-{GRID_BOX} {{ max-height: calc(100vh - 15rem); }} }}
</style>"""

st.title(_("Manifold"))
st.markdown(
    _(
        "The decoder can draw a digit from any two numbers (z0, z1), not only from those of real digits: "
        "here it draws one for every point of a grid, so you can watch one digit morph into another."
    )
)

state = _state.get()
controls, result = st.columns([2, 5], gap="medium")
kinds = [k.name for k in registry.latent_kinds()]
# It opens on a model with a prior (the VAE): its grid is digits nearly everywhere.
opening = next(k.name for k in registry.latent_kinds() if k.prior_extent is not None)
KIND_PARAM = _urlstate.kind_param("manifold_kind", default=opening)
_urlstate.page([KIND_PARAM], write=False)  # The rest of the table needs the model.
titles = {k: _(registry.get(k).title) for k in kinds}  # Made here: AppTest may format outside the run.
kind = controls.radio(_("Model"), kinds, format_func=titles.get, key="manifold_kind")
model, info = _common.active_model(kind)
if model is None:
    st.stop()
_images, y = _common.mnist_test()
z = _common.test_encodings(model, info.key)
default, bounds = latent.plane_view(registry.get(kind), z)  # The VAE around its prior, the AE where its digits are.
centre = (round(sum(default[0]) / 2, 1), round(sum(default[1]) / 2, 1))

# Keys carry the model's key, so a newly trained model starts from its own ranges.
keys = {"grid": f"grid_{kind}", "z0": f"z0_range_{info.key}", "z1": f"z1_range_{info.key}", "pick": f"pick_{info.key}"}
# A link's ranges and point are in the units of the model it was made with: they apply only while the
# page shows that kind of model.
in_units = {"model": registry.get(kind).link}


LINK = (
    KIND_PARAM,
    links.Param("grid", links.integer(5, 30), NARROW_GRID if state.narrow else 30, key=keys["grid"], when=in_units),
    links.Param("z0", links.pair(*bounds[0], STEP), default[0], key=keys["z0"], when=in_units),
    links.Param("z1", links.pair(*bounds[1], STEP), default[1], key=keys["z1"], when=in_units),
    links.Param(
        "pick", links.point(bounds[0], bounds[1], STEP), centre, when=in_units,
        get=lambda: (st.session_state[f"{keys['pick']}_0"], st.session_state[f"{keys['pick']}_1"]),
    ),
)  # fmt: skip
for i in range(2):  # Both pick sliders start from one link parameter, pick=z0,z1.
    if f"{keys['pick']}_{i}" not in st.session_state:
        st.session_state[f"{keys['pick']}_{i}"] = LINK[-1].read(_urlstate.query())[i]
_urlstate.page(LINK, fresh_key=keys["grid"])


def pin(point):
    """The navigator's pin becomes the pick sliders' value (before they are drawn again)."""
    for i, (v, (lo, hi)) in enumerate(zip(point, bounds, strict=True)):
        st.session_state[f"{keys['pick']}_{i}"] = links.snap(v, lo, hi)


def phone_sized():
    """The navigator saw a phone-sized window: a smaller grid, unless the user or a link chose one."""
    state.narrow = True
    if st.session_state.get(keys["grid"]) == 30 and not state.linked.get(keys["grid"]):
        st.session_state[keys["grid"]] = NARROW_GRID


with controls:
    st.caption(info.label)
    # Every value starts in the session state (from the link or the default): a phone-sized window
    # may change the grid (phone_sized), a pin the pick sliders.
    n = st.slider(_("Grid size (digits per side)"), 5, 30, key=keys["grid"])
    r0 = st.slider(_("z0 range"), *bounds[0], step=STEP, key=keys["z0"])
    r1 = st.slider(_("z1 range"), *bounds[1], step=STEP, key=keys["z1"])
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
    p0 = st.slider(_("Pick z0"), *bounds[0], step=STEP, key=f"{keys['pick']}_0")
    p1 = st.slider(_("Pick z1"), *bounds[1], step=STEP, key=f"{keys['pick']}_1")
    digit = latent.decode(model, [[p0, p1]])[0]
    _pictures.image(
        images.enlarge(digit, 8),
        caption=_("decoded from z = ({z0:.1f}, {z1:.1f}) on the server").format(z0=p0, z1=p1),
        width=224,
        alt=describe.decoded((p0, p1), z, y),
    )
    if not (r0[0] <= p0 <= r0[1] and r1[0] <= p1 <= r1[1]):
        st.caption(_("The pinned point lies outside the grid's range (z0 {a0:g} to {b0:g}, z1 {a1:g} to {b1:g}): "
                     "its cross is off the grid and off the plane.").format(a0=r0[0], b0=r0[1], a1=r1[0], b1=r1[1]))  # fmt: skip
_urlstate.sync(LINK)

png, z0_values, z1_values = _common.manifold_png(model, info.key, n, tuple(r0), tuple(r1))
with result:
    grid = _common.session_figure(
        "manifold",
        (info.key, n, tuple(r0), tuple(r1)),
        lambda: plots.manifold_figure(png, z0_values, z1_values, (p0, p1)),
    )
    config = plots.png_config(f"manifold_{kind}_{n}x{n}_with_axes")
    st.html(GRID_CSS)
    # On a phone a swipe over the grid must scroll the page, not zoom it.
    st.container(key=GRID_BOX).plotly_chart(plots.move_point(grid, (p0, p1)), key="manifold", height="stretch",
                                            config=config | {"staticPlot": True} if state.narrow else config)  # fmt: skip
    words = _common.manifold_words(info.key, z, y, tuple(r0), tuple(r1), i18n.language())
    _pictures.described(words, label=_("Manifold"))
download.download_button(
    _("Download the manifold (PNG)"), png, file_name=f"manifold_{kind}_{n}x{n}.png", mime="image/png", on_click="ignore"
)
with plane:
    # The plane spans the grid's range, so a pin always lands on the grid.
    _navigator.navigator(
        f"navigator_{kind}", model, info, z, y, (tuple(r0), tuple(r1)), (p0, p1), STEP, pin,
        report_narrow=None if state.narrow else (NARROW_PX, phone_sized),
    )  # fmt: skip
