"""Latent space: the 10,000 MNIST test digits as points, AE and VAE side by side.

Four tabs, each a part of a lesson: explore (linked selection), your own digit,
interpolation between two digits, and the VAE's uncertainty and prior samples.
Only the open tab runs. Widget keys are stable (see the README) so a link can
bring a class to the same view.
"""

import numpy as np
import streamlit as st

from aelab import links
from aelab.classroom import landing
from aelab.data import digits, images
from aelab.figures import describe, plots, scatter_png
from aelab.figures import overlays as lf
from aelab.i18n import N_, _
from aelab.inference import latent
from aelab.lessons import frames, interpolation, posterior
from aelab.models import registry
from app_pages import _canvas, _classroom, _common, _navigator, _pictures, _scrubber, _state, _urlstate

MAX_SHOWN = 16  # Selected digits drawn; enough to judge a region, small enough to see.
PER_ROW = 4  # Pairs per row; four pairs at 2x fit half of a wide page.
MAX_ELLIPSES = 12  # Posteriors drawn at once; more would hide each other.
NEIGHBOURS = 10  # Test digits nearest to a drawn digit's point, to say where it landed.
TABS = (N_("Explore"), N_("Navigate"), N_("Your digit"), N_("Interpolate"), N_("VAE: uncertainty and sampling"))
TAB_PARAM = dict(zip(("explore", "navigate", "digit", "interpolate", "vae"), TABS, strict=True))  # ?tab=... in a link
PICK_STEP = 0.1  # Pins on the navigators are rounded to this, as the Manifold's pick sliders.
LINKED_PIN = "link"  # A pin's model key while it is the link's, not yet put on a model's plane.
MAX_LINKED_ROWS = 200  # Selected rows a link carries; a larger selection is shared as its first 200.
ELLIPSE_SCALES = [1, 2, 5, 10, 20, 50]

st.title(_("Latent space"))
st.markdown(
    _(
        "Each dot is one handwritten digit from the MNIST test set, placed at the two numbers "
        "(z0, z1) its encoder squeezed it into; the colour says which digit it really is. "
        "Turn on the select mode and drag a box or a lasso around a group of dots to see those digits next to what "
        "the decoder rebuilds from just their two numbers; the same digits light up on the other model's chart."
    )
)

x, y = _common.mnist_test()
state = _state.get()
KINDS = [k.name for k in registry.latent_kinds()]


def short(kind):
    return _(registry.get(kind).short)


def title(kind):
    return _(registry.get(kind).title)


def selected():
    return np.asarray(state.rows, dtype="int64")


def remember_selection(chart_key):
    """on_select callback: the selection made on one chart becomes everyone's."""
    state.rows = latent.selected_rows(st.session_state.get(chart_key), len(x)).tolist()
    state.rows_from = chart_key


def clear_selection():
    state.rows, state.rows_from = [], None


def highlighted(chart_key, rows):
    """The rows a chart marks itself: none on the chart whose own box or lasso still shows them.

    That chart's figure then stays what it was, and Streamlit does not send it again: the
    browser only redraws the other chart (a selection's wait 1.02 -> 0.7 s in bench/waits.py's
    way, headless Chromium). When its widget has lost the selection (another page in between,
    the select mode switched), the chart marks the rows like any other.
    """
    own = latent.selected_rows(st.session_state.get(chart_key), len(x))
    return [] if state.rows_from == chart_key and np.array_equal(own, np.unique(rows)) else rows


def _tab_name(label):
    return {_(shown): name for name, shown in TAB_PARAM.items()}.get(label, "explore")


def _pin_param(kind):
    # The link's pin waits in the state until navigate() knows the plane's bounds to clamp it to.
    def put(point):
        if point is not None:
            state.pins[kind] = (LINKED_PIN, point)

    return links.Param(
        f"pick_{registry.get(kind).link}", links.point((-1e6, 1e6), (-1e6, 1e6)), None,
        get=lambda: state.pins.get(kind, (None, None))[1], put=put, when={"tab": "navigate"},
    )  # fmt: skip


def _put_rows(rows):
    state.rows, state.rows_from = rows, None


def _put_prior_seed(seed):
    state.prior_seed = seed


ROW = links.integer(0, len(x) - 1)
LINK = (  # The link's parameters (README, "Links"): `?tab=interpolate&a=3&b=2&steps=10`.
    links.Param("tab", links.choice(TAB_PARAM), "explore", key="latent_tab",
                to_widget=lambda name: _(TAB_PARAM[name]), to_link=_tab_name),
    # Without them (a change of page clears the URL) the selection made before stays.
    links.Param("rows", links.rows(len(x), MAX_LINKED_ROWS), None, get=lambda: state.rows or None,
                put=lambda rows: rows is not None and _put_rows(rows),
                to_link=lambda rows: rows[:MAX_LINKED_ROWS]),
    links.Param("a", ROW, 3, key="interp_a", when={"tab": "interpolate"}),
    links.Param("b", ROW, 2, key="interp_b", when={"tab": "interpolate"}),
    links.Param("steps", links.integer(2, 20), 10, key="steps", bound=True),
    # Not bound by Streamlit: the step scrubber is no st.slider; the link follows its settled step.
    links.Param("step", links.integer(1, 20), 1, key="interp_step", when={"tab": "interpolate"}),
    # Not bound by Streamlit: the ellipse scrubber is no st.slider; the link follows its settled scale.
    links.Param("scale", links.choice(ELLIPSE_SCALES), 10, key="scale", when={"tab": "vae"}),
    links.Param("samples", links.integer(1, 32), 12, key="samples", bound=True),
    links.Param("prior_seed", links.integer(0, 2**31 - 1), None, get=lambda: state.prior_seed,
                put=lambda seed: seed is not None and _put_prior_seed(seed), when={"tab": "vae"}),
    *(_pin_param(kind) for kind in KINDS),
)  # fmt: skip


def link():
    """Puts this view in the URL: tab, selection, and the open tab's settings (see LINK)."""
    _urlstate.sync(LINK)


def model_or_none(kind):
    model, info = _common.active_model(kind)
    return (model, info, _common.test_encodings(model, info.key)) if model is not None else (None, None, None)


def kept_scatter(kind, info, z, select=False):
    """The test digits' scatter of a model, kept in this session and bare of the last run's overlays.

    Building 10,000 points is most of a selection's or a drawing's work on the
    server; the figure is built once per model (and select mode) and its
    overlays (highlight, rings, your digit) are taken off and drawn anew.
    One slot per kind: Explore and Your digit share it.
    """
    fig = _common.session_figure(
        f"latent_{kind}", (info.key, select), lambda: plots.latent_scatter(z, y, select=select)
    )
    fig.data = lf.digit_traces(fig)
    fig.update_traces(selectedpoints=None, unselected=None)
    fig.update_annotations(visible=True)  # Labels hidden under the last run's cross (lf.uncover).
    return fig


def scatter(fig, key, png_name, title, selectable=False):
    """Shows a latent scatter with a PNG download under it.

    The download is drawn by aelab.figures.scatter_png only when clicked (a deferred
    download), so an unclicked button costs nothing; the chart's camera button
    saves what the browser shows.
    """
    kwargs = {}
    if selectable and st.session_state.get("latent_select"):
        # Only in select mode: Streamlit makes any chart it listens to a box-select chart,
        # and then a finger swiping over it on a phone selects instead of scrolling.
        kwargs = dict(on_select=lambda: remember_selection(key), selection_mode=("box", "lasso"))
    st.plotly_chart(fig, key=key, config=plots.png_config(png_name), **kwargs)
    st.download_button(
        _("Download chart (PNG)"),
        data=_common.in_this_language(lambda: scatter_png.scatter_png(fig, title=title)),
        file_name=f"{png_name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
    )


def select_toggle():
    """The explicit select mode of the Explore and VAE charts; returns whether it is on."""
    return st.toggle(
        _("Select digits by dragging a box or lasso on the charts"),
        key="latent_select",
        help=_("Off, a swipe over a chart scrolls the page (on a phone) and the toolbar zooms."),
    )


def select_by_keys():
    """The keyboard's (and a single pointer's) way to select digits: by class and by a region of a chart.

    Sets the same selection as a box or lasso drawn over that region (WCAG 2.1.1, 2.5.7), so the
    mosaics, the other chart and the link follow it.
    """
    charts = {kind: found[1:] for kind in KINDS if (found := model_or_none(kind))[0] is not None}
    if not charts:
        return
    with st.expander(_("Select digits by class and region, without dragging")):
        left, right = st.columns(2)
        kind = left.radio(_("Region on the chart of"), list(charts), format_func=short, horizontal=True,
                          key="select_kind")  # fmt: skip
        classes = right.multiselect(_("Digits of class"), list(range(10)), key="select_classes",
                                    placeholder=_("every class"))  # fmt: skip
        info, z = charts[kind]
        (a0, b0), (a1, b1) = latent.slider_bounds(z, margin=0.0, step=0.1)
        r0 = left.slider(_("z0 from … to …"), a0, b0, (a0, b0), step=0.1, key=f"select_z0_{info.key}")
        r1 = right.slider(_("z1 from … to …"), a1, b1, (a1, b1), step=0.1, key=f"select_z1_{info.key}")
        rows = latent.rows_in_region(z, y, classes, r0, r1)
        st.button(
            _("Select these {n:,} digits").format(n=len(rows)), key="select_region", disabled=not len(rows),
            on_click=_put_rows, args=(rows.tolist(),),
        )  # fmt: skip


def reconstruct_few(model, digits):
    """`latent.reconstruct` of at most MAX_SHOWN digits, padded to MAX_SHOWN.

    One batch shape for every selection and drawing: the model's traced call is
    traced once, not again (a second or two on a busy server) for a new count.
    """
    padded = np.zeros((MAX_SHOWN, *digits.shape[1:]), "float32")
    padded[: len(digits)] = digits
    return latent.reconstruct(model, padded)[: len(digits)]


def pairs_mosaic(model, rows):
    rebuilt = reconstruct_few(model, x[rows])
    pairs = [images.tile(np.stack([a, b]), 2, pad=1) for a, b in zip(x[rows], rebuilt, strict=True)]
    return images.enlarge(images.tile(np.stack(pairs), PER_ROW, pad=6), 2)


# Explore: the two scatters, one selection.


@st.fragment
def explore():
    # A fragment: a selection reruns only this tab, and the charts (kept per session) only get their highlight.
    rows = selected()
    selecting = select_toggle()
    select_by_keys()
    columns = st.columns(2)
    for kind, column in zip(KINDS, columns, strict=True):
        with column:
            st.subheader(title(kind))
            model, info, z = model_or_none(kind)
            if model is None:
                continue
            st.caption(info.label)
            key = f"latent_scatter_{kind}"
            fig = lf.highlight_rows(kept_scatter(kind, info, z, selecting), z, highlighted(key, rows))
            heading = (
                _("{model}: MNIST test digits, {n} selected").format(model=short(kind), n=len(rows))
                if len(rows)
                else _("{model}: MNIST test digits").format(model=short(kind))
            )
            name = registry.get(kind).link
            scatter(fig, key, f"latent_{name}", heading, selectable=True)
            _pictures.described(f"{describe.clusters(z, y)} {describe.selection(rows, y)}", label=heading)
            if not len(rows):
                st.info(_("Turn on the select mode above, then drag a box or lasso on either chart to select digits."))
                continue
            shown = rows[:MAX_SHOWN]
            counts = np.bincount(y[rows], minlength=10)
            mix = _(", ").join(f"{c} × {d}" for d, c in sorted(enumerate(counts), key=lambda t: -t[1]) if c)
            st.markdown(
                _("**{n} digits selected** ({mix}); the first {shown} are shown.").format(
                    n=len(rows), mix=mix, shown=len(shown)
                )
            )
            mosaic = pairs_mosaic(model, shown)  # Some 20 ms (traced at load): no spinner, whose thread costs more.
            _pictures.image(mosaic, caption=_("each pair: original | decoded from its (z0, z1)"), width=mosaic.shape[1])
    if len(rows) > MAX_LINKED_ROWS:
        st.caption(
            _("The page's link carries the first {most} of the {n} selected digits.").format(
                most=MAX_LINKED_ROWS, n=len(rows)
            )
        )
    if len(rows):
        st.button(_("Clear the selection"), key="latent_clear", on_click=clear_selection)
    link()  # A fragment: its reruns skip the page's own link() at the end.


# Navigate: the digit under the pointer, decoded in the browser.


@st.fragment
def navigate():
    st.markdown(
        _(
            "Move the pointer, a pen or a finger over either plane: the digit its decoder draws at that point "
            "appears at once, decoded in your browser, and a short trail follows the pointer. Click or tap to pin "
            "a point: the page decodes it too, and the link keeps it. With a plane focused, arrow keys walk and "
            "Enter pins."
        )
    )
    picks = state.pins  # kind -> (model key, pinned point or None)
    for kind, column in zip(KINDS, st.columns(2, gap="medium"), strict=True):
        with column:
            model, info, z = model_or_none(kind)
            if model is None:
                continue
            st.subheader(title(kind))
            st.caption(info.label)
            # Nearly all test digits (and the VAE's prior): the plane around the Manifold's view.
            bounds = latent.plane_view(registry.get(kind), z, 0.5, 99.5)[0]
            key, point = picks.get(kind, (None, None))
            if key != info.key:  # The link's pin goes on this plane; another model's pin is dropped.
                point = (
                    None if key != LINKED_PIN else tuple(links.snap(v, *b, PICK_STEP) for v, b in zip(point, bounds))
                )
                picks[kind] = (info.key, point)

            def pin(point, kind=kind, key=info.key):
                picks[kind] = (key, point)

            point = picks[kind][1]
            _navigator.navigator(f"latent_navigator_{kind}", model, info, z, y, bounds, point, PICK_STEP, pin)
            if point is not None:
                digit = latent.decode(model, [point])[0]
                caption = _("pinned: decoded from z = ({z0:.1f}, {z1:.1f}) on the server").format(
                    z0=point[0], z1=point[1]
                )
                _pictures.image(images.enlarge(digit, 8), caption=caption, width=224, alt=describe.decoded(point, z, y))
                _classroom.pin_for_class(kind, info, point, "latent_space", key=f"class_pin_{kind}")
            else:
                st.info(_("Click or tap the {model}'s plane to pin a point.").format(model=short(kind)))
    link()  # A fragment: its reruns skip the page's own link() at the end.


# Your digit: draw or upload, see where it lands.


def read_digit():
    """The digit to place, MNIST-style (28, 28, 1), or None; shows why when it cannot."""
    by_label = {_(N_("Draw")): "Draw", _(N_("Upload")): "Upload"}  # Translated options.
    source = by_label.get(st.segmented_control(_("Digit from"), list(by_label), default=_("Draw"), key="digit_source"))
    if source == "Upload":
        upload = st.file_uploader(
            _("A PNG or JPEG of one digit"),
            type=list(images.UPLOAD_TYPES),
            key="digit_upload",  # Takes server.maxUploadSize: over 10 MB reaches the page, which says why.
        )
        st.caption(images.accepted_text())
        if upload is None:
            st.info(_("Upload a photo or scan of one digit: dark on light or light on dark, any size."))
            return None
        load, raw = digits.from_upload_with_notes, upload.getvalue()
    else:
        st.caption(
            _(
                "Draw one digit, large, with the mouse, a finger or the keyboard (focus the pad: arrow keys "
                "move the pen, Space lowers or lifts it, Enter sends). Or choose Upload above for a photo or scan."
            )
        )
        raw = _canvas.digit_pad("digit_pad")
        if raw is None:
            return None
        load = digits.from_data_url
        if digits.drawing_is_small(raw):
            st.warning(
                _("Your digit is small on the pad: draw it larger, filling most of the square, for a clearer result.")
            )
    try:
        got = load(raw)
    except (images.ImageError, digits.DigitError) as e:
        st.error(str(e))
        return None
    if source != "Upload":
        return got
    digit, notes = got
    for note in notes:  # Other marks left out, or a marker's strokes thinned: say what was done.
        st.info(note)
    return digit


def where_it_lands(kind, digit):
    model, info, z = model_or_none(kind)
    if model is None:
        return
    st.subheader(title(kind))
    point = latent.encode(model, digit[None])[0]
    fig = lf.uncover(lf.add_points(kept_scatter(kind, info, z), point, _("your digit")), point)
    heading = _("{model}: your digit at ({z0:.2f}, {z1:.2f})").format(model=short(kind), z0=point[0], z1=point[1])
    scatter(fig, f"digit_scatter_{kind}", f"your_digit_{registry.get(kind).link}", heading)
    _pictures.described(describe.yours(point, z, y), label=heading)
    votes = landing.votes(z, y, point[None], NEIGHBOURS)[0]
    rebuilt = reconstruct_few(model, digit[None])[0]
    _pictures.image(
        images.enlarge(images.tile(np.stack([digit, rebuilt]), 2, pad=1), 5),
        caption=_("yours | decoded from z = ({z0:.2f}, {z1:.2f})").format(z0=point[0], z1=point[1]),
    )
    st.markdown(landing.describe_vote(votes))  # The top three, and whether the vote is split.


@st.fragment
def your_digit():
    left, right = st.columns([3, 2])
    with left:
        digit = read_digit()
    with right:
        if digit is not None:
            _pictures.image(images.enlarge(digit, 6), caption=_("what the models see: 28 × 28, centred like MNIST"))
    if digit is None:
        return
    columns = st.columns(2)
    for kind, column in zip(KINDS, columns, strict=True):
        with column:
            where_it_lands(kind, digit)


# Interpolate: a straight path between two codes.


def use_selection_as_ends():
    rows = selected()
    st.session_state.interp_a, st.session_state.interp_b = int(rows[0]), int(rows[1])  # Widget keys.


def _set_step(i):
    st.session_state["interp_step"] = i + 1


def step_scrubber(f, a, b, steps):
    """The step scrubber: each model's digit at every step of A → B, switched in the browser."""
    step = st.session_state["interp_step"] = min(int(st.session_state.get("interp_step", 1)), steps)  # Fewer steps.
    names = [short(kind) for kind in f.kinds]
    where = [
        [_("{model}: z = ({z0:.2f}, {z1:.2f})").format(model=name, z0=p[0], z1=p[1]) for p in f.points[kind]]
        for kind, name in zip(f.kinds, names, strict=True)
    ]
    uri, tile = _scrubber.atlas(f.digits)
    _scrubber.scrubber(
        "interp_step_scrub",
        label=_("Step from A to B"),
        group_label=_("each model's digit at one step of the path"),
        stops=[_("{step} of {n}").format(step=i + 1, n=steps) for i in range(steps)],
        numbers=list(range(1, steps + 1)),
        value=step - 1,
        atlas_uri=uri,
        tile=tile,
        rows=[
            {
                "cells": [
                    {
                        "t": k,
                        "alt": [
                            _("{model}: the digit decoded at step {step} of {n}").format(
                                model=name, step=i + 1, n=steps
                            )
                            for i in range(steps)
                        ],
                    }
                    for k, name in enumerate(names)
                ]
            }
        ],
        heads=where,
        note=[
            _("Step {step} of {n}: {share:.0%} of the way from A (row {a}) to B (row {b})").format(
                step=i + 1, n=steps, share=i / (steps - 1), a=a, b=b
            )
            for i in range(steps)
        ],
        on_change=_set_step,
        cell_px=28 * 5,
    )


@st.fragment
def interpolate():
    st.markdown(
        _(
            "Pick two test digits, A and B. The straight line between their codes is cut into steps and each "
            "step is decoded. Where the AE's line crosses empty space its digits smudge; the VAE was trained "
            "to fill that space, so its steps stay digits."
        )
    )
    c1, c2, c3, c4 = st.columns([1, 1, 2, 2], vertical_alignment="bottom")
    a = c1.number_input(_("Digit A (test row)"), 0, len(x) - 1, key="interp_a")
    b = c2.number_input(_("Digit B (test row)"), 0, len(x) - 1, key="interp_b")
    steps = c3.slider(_("Steps"), 2, 20, 10, key="steps", bind="query-params")
    c4.button(
        _("Use the first two selected digits"),
        key="interp_use_selection",
        on_click=use_selection_as_ends,
        disabled=len(selected()) < 2,
        help=_("Select digits with the box or lasso on the Explore tab."),
    )
    _pictures.image(
        images.enlarge(images.tile(x[[a, b]], 2, pad=2), 3),
        caption=_("A: row {a}, a {digit_a} | B: row {b}, a {digit_b}").format(a=a, digit_a=y[a], b=b, digit_b=y[b]),
    )
    loaded = {kind: model_or_none(kind) for kind in KINDS}
    loaded = {kind: m for kind, m in loaded.items() if m[0] is not None}
    # Every step of both paths at once, one batched decode per model: the step scrubber below
    # switches them in the browser, and the strips show them side by side.
    f = frames.interpolation_frames(
        {kind: m[0] for kind, m in loaded.items()}, {kind: (m[2][a], m[2][b]) for kind, m in loaded.items()}, steps
    )
    if f.kinds:
        step_scrubber(f, a, b, steps)
    strips = {}
    columns = st.columns(2)
    for kind, column in zip(KINDS, columns, strict=True):
        with column:
            if kind not in loaded:
                continue
            z = loaded[kind][2]
            st.subheader(short(kind))
            points, strips[kind] = f.points[kind], f.digits[:, f.kinds.index(kind)]
            fig = lf.add_path(plots.latent_scatter(z, y), points, about=_("path A → B, {n} steps").format(n=steps))
            lf.uncover(fig, np.asarray(points)[[0, -1]])  # A and B stay readable at their clouds' centres.
            heading = _("{model}: from row {a} (a {digit_a}) to row {b} (a {digit_b})").format(
                model=short(kind), a=a, digit_a=y[a], b=b, digit_b=y[b]
            )
            name = registry.get(kind).link
            scatter(fig, f"interp_scatter_{kind}", f"interpolation_{name}_{a}_to_{b}", heading)
            _pictures.described(describe.path(points, z, y), label=heading)
    # The strips go one above the other across the page, step under step, to compare: each in one row
    # where the page is wide enough, in as many rows as keep the digits readable where it is not (a phone).
    for kind, decoded in strips.items():
        model_name = short(kind)
        _pictures.steps(list(decoded), caption=_("{model}: A → B in {n} steps").format(model=model_name, n=steps))
        name = f"interpolation_{registry.get(kind).link}_{a}_to_{b}_{steps}steps"
        row = st.container(horizontal=True)
        png = images.to_png(interpolation.strip(decoded))  # For slides: one row, three times MNIST's size.
        row.download_button(_("{model} strip (PNG)").format(model=model_name), png, f"{name}.png", "image/png",
                            key=f"interp_png_{kind}", on_click="ignore")  # fmt: skip
        row.download_button(_("{model} animation (GIF)").format(model=model_name), interpolation.gif_bytes(decoded), f"{name}.gif",
                            "image/gif", key=f"interp_gif_{kind}", on_click="ignore")  # fmt: skip
    link()  # A fragment: its reruns skip the page's own link() at the end.


# VAE: posterior ellipses and samples from the prior.


def draw_prior_samples():
    state.prior_seed = int(np.random.default_rng().integers(2**31))


def _set_scale(i):
    st.session_state["scale"] = ELLIPSE_SCALES[i]


def _plain(values):
    """Coordinates as the browser's Plotly takes them: None where a line breaks (JSON has no NaN)."""
    return [round(float(v), 5) if np.isfinite(v) else None for v in values]


def ellipse_scrubber(posteriors, scale):
    """The ellipse scale's scrubber: the outlines at every scale, moved on the chart in the browser."""
    traces = None
    if posteriors is not None:
        f = frames.ellipse_frames(*posteriors, ELLIPSE_SCALES, lf.ELLIPSE_SIGMAS)
        traces = {
            "chart": "vae_scatter_uncertainty",
            "items": [
                {
                    "match": lf.ellipse_name(n_sigma, 1),  # "q(z|x) 1σ": every scale's name starts so.
                    "x": [_plain(o[:, 0]) for o in f.outlines[n_sigma]],
                    "y": [_plain(o[:, 1]) for o in f.outlines[n_sigma]],
                    "names": [lf.ellipse_name(n_sigma, s) for s in ELLIPSE_SCALES],
                }
                for n_sigma in lf.ELLIPSE_SIGMAS
            ],
        }
    _scrubber.scrubber(
        "scale_scrub",
        label=_("Draw the ellipses larger by"),
        stops=[f"{s}×" for s in ELLIPSE_SCALES],
        numbers=ELLIPSE_SCALES,
        value=ELLIPSE_SCALES.index(scale),
        note=[
            _("The ellipses are drawn {scale}× larger than they are.").format(scale=s)
            if s != 1
            else _("The ellipses are drawn at their true size.")
            for s in ELLIPSE_SCALES
        ],
        traces=traces,
        on_change=_set_scale,
    )


@st.fragment
def vae_uncertainty():
    model, info, z = model_or_none(next(k for k in KINDS if registry.get(k).posterior))
    if model is None:
        return
    st.markdown(
        _(
            "The VAE's encoder gives each digit not a point but a small cloud: a Gaussian with mean z_mean and "
            "spread exp(z_log_var / 2). Its 1σ (solid) and 2σ (dotted) ellipses are drawn for the selected "
            "digits. The decoder learned to read points from the prior N(0, I), so points drawn from it decode "
            "to digits too."
        )
    )
    rows = selected()
    selecting = select_toggle()
    select_by_keys()
    shown = rows[:MAX_ELLIPSES]
    posteriors = posterior.posterior(model, x[shown]) if len(rows) else None
    scale = st.session_state["scale"]  # The scrubber's settled scale (from the link on a fresh visit).
    c1, c2, c3 = st.columns([2, 2, 2], vertical_alignment="bottom")
    with c1:
        ellipse_scrubber(posteriors, scale)
    n = c2.slider(_("Samples"), 1, 32, 12, key="samples", bind="query-params")
    c3.button(_("Sample from the prior"), key="prior_sample", on_click=draw_prior_samples, type="primary")
    left, right = st.columns([3, 2])
    # The ellipses mark the digits; rings would hide them, so the others only fade.
    fig = lf.highlight_rows(plots.latent_scatter(z, y, select=selecting), z, shown, rings=False)
    with right:
        if len(rows):
            mean, log_var = posteriors
            lf.add_ellipses(fig, mean, log_var, scale=scale)
            sd = np.exp(0.5 * log_var)
            spread = z.std(axis=0)
            facts = dict(
                n=len(shown), selected=len(rows), spread0=spread[0], spread1=spread[1],
                lo0=sd[:, 0].min(), hi0=sd[:, 0].max(), lo1=sd[:, 1].min(), hi1=sd[:, 1].max(),
            )  # fmt: skip
            heading = (
                _("**Posterior σ of the {n} digits drawn** (the first {n} of {selected} selected)")
                if len(rows) > len(shown)
                else _("**Posterior σ of the {n} digits drawn**")
            )
            body = _(
                ": z0 {lo0:.3f}–{hi0:.3f}, z1 {lo1:.3f}–{hi1:.3f}, against a spread of {spread0:.2f} and "
                "{spread1:.2f} for all test digits"
            )
            st.markdown((heading + body + _(".")).format(**facts))  # The scale: the scrubber's note says it.
        else:
            st.info(_("Select digits on this chart or on the Explore tab to see their posterior ellipses."))
        seed = state.prior_seed
        if seed is not None:
            samples = posterior.sample_prior(n, seed)
            lf.add_points(fig, samples, _("prior samples"), color=lf.SAMPLE_COLOR, symbol="diamond", size=11)
            decoded = latent.decode(model, samples)[..., 0]
            grid = images.enlarge(images.tile(decoded, min(n, 6), pad=2), 3)
            _pictures.image(grid, caption=_("{n} points from N(0, I), decoded (seed {seed})").format(n=n, seed=seed))
            st.download_button(_("Samples (PNG)"), images.to_png(grid), f"prior_samples_{seed}.png", "image/png",
                               key="prior_png", on_click="ignore")  # fmt: skip
    with left:
        heading = _("VAE: posteriors and prior samples")
        scatter(fig, "vae_scatter_uncertainty", "vae_uncertainty", heading, selectable=True)
        _pictures.described(f"{describe.clusters(z, y)} {describe.selection(rows, y)}", label=heading)
    link()


_urlstate.page(LINK)
tabs = st.tabs([_(t) for t in TABS], key="latent_tab", on_change="rerun")
for tab, show in zip(tabs, (explore, navigate, your_digit, interpolate, vae_uncertainty), strict=True):
    if tab.open:
        with tab:
            show()
link()
