"""Plotly figures: latent scatter, manifold with latent-valued axes, loss curves."""

import base64
import math
import textwrap

import numpy as np
import plotly.graph_objects as go

from aelab.data import images
from aelab.figures import digit_names
from aelab.i18n import _

# One colour per digit (also the browser navigator's): Petroff's ten-colour sequence (2021,
# matplotlib's "petroff10"), made to tell ten classes apart in normal and colour-deficient
# vision. Closest pair, CAM02-UCS: 18.7 in normal vision, 14.5 under simulated protanomaly,
# against 17.3 and 11.8 for Plotly's "Safe" used before (tests/unit/test_plots.py measures).
DIGIT_COLORS = ("#3F90DA", "#FFA90E", "#BD1F01", "#94A4A2", "#832DB6", "#A96B59", "#E76300", "#B9AC70", "#717581",
                "#92DADD")  # fmt: skip
# Each dot's edge: its fill where that has 3:1 against white (WCAG 1.4.11), else the same hue darkened
# (CAM02-UCS lightness only) until it has: 1, 3, 7 and 9 are 1.6-2.6:1 as filled. A whole darker
# palette would not do: ten colours of 3:1 or more on white come no further apart than ΔE 8 in
# colour-deficient vision (a search over them), against 14.5 for Petroff's fills, which stay inside.
DIGIT_EDGES = ("#3F90DA", "#CE8000", "#BD1F01", "#869694", "#832DB6", "#A96B59", "#E76300", "#9F9359", "#717581",
               "#559DA1")  # fmt: skip
POINT_STYLE = dict(symbol="x", size=16, color="#FF2B2B", line=dict(width=2, color="white"))

# Text sizes in CSS pixels: Plotly's (and Streamlit's theme's) 12 px is unreadable from the back
# of a room. Set per axis, because the theme's axis fonts outrank the figure's global font.
PROJECTOR_FONT = 16
TITLE_FONT = 18
TEXT_COLOR = "#31333F"  # Streamlit's text colour: 12.6:1 against white, where the theme's grey is 3.9:1.
# Room above the plot area for Plotly's toolbar, so it never covers a legend or a panel title.
TOOLBAR_MARGIN = 44
LEGEND_ROW = 36  # px: one row of a legend at PROJECTOR_FONT, below the x axis (legend_below).


def legend_below(**style):
    """A horizontal legend at the foot of a figure, under the x axis's tick labels and title.

    Placed in the figure's own coordinates (`yref="container"`), Plotly keeps room for
    it below the axis however many rows it wraps to. Placed at a fraction of the plot's
    height (`y=-0.12`), it ran into the axis title wherever the plot was short (a phone).

    Args:
        **style: more legend attributes (a title, `itemsizing`...).

    Returns:
        A dict for `fig.update_layout(legend=...)`.
    """
    return dict(orientation="h", x=0, xanchor="left", y=0, yanchor="bottom", yref="container", **style)


def legible(fig, size=PROJECTOR_FONT, title_size=TITLE_FONT):
    """Sets every text of a figure to projector sizes in dark grey, in place.

    Args:
        fig: a `go.Figure`, one or more axes.
        size: tick, legend and annotation text, in pixels.
        title_size: axis and figure titles, in pixels.

    Returns:
        `fig`.
    """
    text = dict(size=size, color=TEXT_COLOR)
    titles = dict(size=title_size, color=TEXT_COLOR)
    fig.update_xaxes(tickfont=text, title_font=titles)
    fig.update_yaxes(tickfont=text, title_font=titles)
    fig.update_annotations(font_size=size)
    fig.update_layout(
        font=text,
        title_font=titles,
        legend=dict(font=text, title_font=text),
        hoverlabel=dict(font_size=size),
    )
    return fig


def latent_scatter(z, labels, title=None, point=None, height=520, marker_size=3, select=False):
    """A WebGL scatter of encoded digits, one trace (and legend entry) per digit.

    Every marker carries its row in `z` as customdata, which is how
    `aelab.inference.latent.selected_rows` maps a box or lasso selection back to images.
    Dragging selects only when asked for: otherwise a finger swiping over the chart
    scrolls the page on a phone (Plotly holds on to every touch in any other drag mode).

    Args:
        z: latent points of shape (N, 2).
        labels: digit labels of shape (N,).
        title: optional figure title.
        point: optional `(z0, z1)` marked with a cross (not selectable).
        height: figure height in pixels.
        marker_size: marker diameter in pixels.
        select: whether dragging draws a selection box; pass it together with
            `st.plotly_chart(on_select=...)` (Streamlit turns any chart it
            listens to into a box-select chart).

    Returns:
        A `go.Figure`.
    """
    z = np.asarray(z, dtype="float32")
    labels = np.asarray(labels)
    rows = np.arange(len(z))
    fig = go.Figure()
    for d in range(10):
        m = labels == d
        fig.add_trace(
            go.Scattergl(
                x=z[m, 0],
                y=z[m, 1],
                mode="markers",
                name=str(d),
                customdata=rows[m],
                marker=dict(size=marker_size, color=DIGIT_COLORS[d], line=dict(width=1, color=DIGIT_EDGES[d])),
                hovertemplate=_("digit {d}").format(d=d)
                + "<br>z0 %{x:.2f}, z1 %{y:.2f}<br>"
                + _("row %{customdata}")
                + "<extra></extra>",
            )
        )
    if point is not None:
        fig.add_trace(_point_trace(point))
    # Each digit written on its cloud, dark on white: colour is not the only cue (WCAG 1.4.1), as on the
    # navigator's plane; beside a crowd, with a leader to its median (`digit_names`). Annotations, not a
    # trace: selections and overlays see the digits alone.
    for d, (spot, anchor) in digit_names.spots(z, labels).items():
        where = dict(x=float(spot[0]), y=float(spot[1]), showarrow=False)
        if anchor is not None:  # The arrow's tail (ax, ay) is where the name is written, in data units.
            where = dict(x=float(anchor[0]), y=float(anchor[1]), ax=float(spot[0]), ay=float(spot[1]), axref="x",
                         ayref="y", showarrow=True, arrowhead=0, arrowwidth=1.5, arrowcolor=TEXT_COLOR, standoff=0)  # fmt: skip
        fig.add_annotation(text=f"<b>{d}</b>", font=dict(color="#111111"), bgcolor="rgba(255, 255, 255, 0.8)",
                           borderpad=1, **where)  # fmt: skip
    fig.update_layout(
        title=title,
        height=height,
        dragmode="select" if select else False,
        # Below the chart: a legend at the right takes a third of a phone's width.
        legend=legend_below(title=_("digit"), itemsizing="constant"),
        margin=dict(l=10, r=10, t=TOOLBAR_MARGIN + (30 if title else 0), b=10),
        xaxis_title="z0",
        yaxis_title="z1",
    )  # fmt: skip
    return legible(fig)


def move_point(fig, point):
    """Moves the "picked point" cross of a figure in place.

    Building a 10,000-point scatter costs more than the rest of a slider move;
    a page that keeps its figure can move the cross instead of building anew.
    Both figures are in latent units, so the cross goes to `point` as it is.

    Args:
        fig: a figure from `latent_scatter` or `manifold_figure` made with a point.
        point: the new `(z0, z1)`.

    Returns:
        The same figure.
    """
    trace = next(t for t in fig.data if t.name == _("picked point"))  # Figures are kept per language.
    x, y = float(point[0]), float(point[1])
    trace.update(x=[x], y=[y], hovertemplate=f"z = ({x:.2f}, {y:.2f})<extra></extra>")
    return fig


def _point_trace(point):
    # WebGL traces are drawn above SVG ones, so an SVG marker would hide under
    # the dense digit clouds; the cross must be WebGL too, and come last.
    return go.Scattergl(
        x=[float(point[0])],
        y=[float(point[1])],
        mode="markers",
        name=_("picked point"),
        marker=POINT_STYLE,
        hovertemplate=_("picked z = (%{x:.2f}, %{y:.2f})") + "<extra></extra>",
    )


def _data_uri(x):
    png = bytes(x) if isinstance(x, (bytes, bytearray)) else images.to_png(x)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _cell_step(values):
    """Latent distance between neighbouring cells of a grid axis (1 for a one-cell or empty range)."""
    step = abs(float(values[-1]) - float(values[0])) / max(1, len(values) - 1)
    return step if step > 1e-9 else 1.0


def manifold_figure(mosaic, z0_values, z1_values, point=None, max_ticks=9, height=640):
    """Shows a decoded manifold on axes in latent units.

    The mosaic is a layout image placed in data coordinates: each cell's centre
    sits at the latent value it was decoded from, so Plotly draws the z0/z1
    ticks itself and the cross goes at `(z0, z1)` as it is. It travels as one PNG
    (a few hundred kB at 30x30) rather than as 700,000 numbers in the JSON.

    Args:
        mosaic: the image from `aelab.inference.latent.manifold`, or its PNG bytes.
        z0_values, z1_values: its axes from `aelab.inference.latent.grid_axes`
            (z1 from the top row down).
        point: optional `(z0, z1)` to mark with a cross.
        max_ticks: most tick labels per axis.
        height: figure height in pixels.

    Returns:
        A `go.Figure`.
    """
    s0, s1 = _cell_step(z0_values), _cell_step(z1_values)
    # The image's outer edges are half a cell beyond the outer cells' centres.
    x_lo, x_hi = float(z0_values[0]) - s0 / 2, float(z0_values[-1]) + s0 / 2
    y_lo, y_hi = float(z1_values[-1]) - s1 / 2, float(z1_values[0]) + s1 / 2
    fig = go.Figure()
    fig.add_layout_image(
        source=_data_uri(mosaic), xref="x", yref="y", x=x_lo, y=y_hi, sizex=x_hi - x_lo, sizey=y_hi - y_lo,
        xanchor="left", yanchor="top", sizing="stretch", layer="below",
    )  # fmt: skip
    if point is not None:
        # SVG, not WebGL: with no digit cloud to rise above, a WebGL context would be wasted.
        fig.add_trace(go.Scatter(mode="markers", marker=POINT_STYLE, name=_("picked point")))
        move_point(fig, point)
    axis = dict(showgrid=False, zeroline=False, nticks=max_ticks, ticks="outside")
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=TOOLBAR_MARGIN, b=10),
        showlegend=False,
        dragmode=False,
        plot_bgcolor="white",
        xaxis=dict(title="z0", range=[x_lo, x_hi], constrain="domain", **axis),
        # Square cells whatever the two ranges: one z1 unit is s0 / s1 z0 units long.
        yaxis=dict(title="z1", range=[y_lo, y_hi], scaleanchor="x", scaleratio=s0 / s1, constrain="domain", **axis),
    )
    return legible(fig)


def loss_curve(history, title=None, height=320, epochs=None, partial_epoch=None):
    """Training and validation loss per epoch.

    Args:
        history: dict of lists as in `keras.callbacks.History.history`.
        title: optional figure title.
        height: figure height in pixels, not counting the legend's row below the axis.
        epochs: optional planned number of epochs: the x axis spans them all
            from the start, so a live curve grows into a fixed frame.
        partial_epoch: the epoch (from 1) a Stop cut short, if any: its points are drawn
            hollow and named as such, since they are not a full epoch's.

    Returns:
        A `go.Figure` with one line per available series (`loss`, `val_loss`).
    """
    fig = go.Figure()
    for key, name, dash in (("loss", _("train"), "solid"), ("val_loss", _("validation"), "dash")):
        values = list(history.get(key, []))
        if values:
            fig.add_trace(
                go.Scatter(
                    x=list(range(1, len(values) + 1)),
                    y=values,
                    mode="lines+markers",
                    name=name,
                    line=dict(dash=dash),
                )
            )
    if partial_epoch:
        for trace in fig.data:
            # Hollow marker on the cut-short epoch; the hover says what it is.
            n = len(trace.x)
            trace.marker = dict(symbol=["circle"] * (n - 1) + ["circle-open"], size=[6] * (n - 1) + [11])
            trace.hovertext = [""] * (n - 1) + [_("epoch {epoch}, stopped part-way").format(epoch=partial_epoch)]
    epochs = max([len(t.x) for t in fig.data] + [epochs or 1])
    fig.update_layout(
        title=title,
        height=height + LEGEND_ROW,
        margin=dict(l=10, r=10, t=TOOLBAR_MARGIN + (30 if title else 0), b=10),
        # Whole epochs only, about ten ticks at most.
        xaxis=dict(title=_("epoch"), tick0=1, dtick=max(1, math.ceil(epochs / 10)), range=[0.5, epochs + 0.5]),
        yaxis_title=_("loss"),
        # Below the plot, so it never runs into the title.
        legend=legend_below(),
        dragmode=False,
    )
    return legible(fig)


def png_config(filename, scale=2):
    """A `st.plotly_chart` config whose camera button downloads the chart as a PNG.

    The picture is drawn by Plotly in the viewer's browser, exactly as shown,
    so no server-side renderer (kaleido and a headless Chrome) is needed.

    Args:
        filename: file name without extension.
        scale: pixels per CSS pixel; 2 gives a sharp picture for slides.

    Returns:
        A dict for `st.plotly_chart(..., config=...)`.
    """
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": str(filename), "scale": scale},
    }


def _finite_or_none(values):
    # PSNR is infinite where the input is untouched (no noise at all); Plotly
    # cannot draw infinity, so the line starts at the first finite value.
    return [v if math.isfinite(v) else None for v in values]


def robustness_chart(sweep, sigma=None, height=370, title=None):
    """PSNR and SSIM of noisy and denoised images over a sweep of noise levels.

    Args:
        sweep: dict from `aelab.lessons.robustness.sigma_sweep`.
        sigma: optional noise level to mark with a vertical line (the slider's).
        height: figure height in pixels.
        title: optional figure title.

    Returns:
        A `go.Figure` with two panels side by side (PSNR in dB, SSIM), each
        with a "noisy input" and a "denoised" line.
    """
    # Two panels laid out by hand: make_subplots and add_vline(row=, col=) cost
    # ~40 ms per call, and this figure is rebuilt on every move of the σ slider.
    styles = {
        "noisy": dict(name=_("noisy input"), line=dict(color="#888888", dash="dash", width=2)),
        "": dict(name=_("denoised"), line=dict(color="#1F77B4", width=3)),
    }
    traces = []
    for axis, metric in (("", "psnr"), ("2", "ssim")):
        for prefix, style in styles.items():
            key = f"{prefix}_{metric}" if prefix else metric
            unit = " dB" if metric == "psnr" else ""
            traces.append(
                dict(
                    type="scatter",
                    x=list(sweep["sigma"]),
                    y=_finite_or_none(sweep[key]),
                    xaxis=f"x{axis}",
                    yaxis=f"y{axis}",
                    mode="lines+markers",
                    legendgroup=style["name"],
                    showlegend=not axis,
                    hovertemplate=f"{style['name']}<br>σ %{{x:.2f}}: %{{y:.{2 if unit else 3}f}}{unit}<extra></extra>",
                    **style,
                )
            )
    # Plotly picks the tick step from the panel's width: 0.2 on a projector, 0.5 on a phone.
    x_axis = dict(title=dict(text=_("noise level σ")), range=[-0.03, 1.03])
    titles = [
        dict(text=text, x=x, xref="paper", xanchor="center", y=1, yref="paper", yanchor="bottom", showarrow=False)
        # Two short lines each: side by side they fit a phone's half-width panels at 16 px.
        for text, x in ((_("PSNR (dB)<br>higher is better"), 0.225), (_("SSIM<br>1 is perfect"), 0.775))
    ]
    shapes = []
    if sigma is not None:
        for axis in ("", "2"):
            shapes.append(
                dict(type="line", x0=float(sigma), x1=float(sigma), xref=f"x{axis}", y0=0, y1=1,
                     yref=f"y{axis} domain", line=dict(color="#FF2B2B", width=2, dash="dot"))
            )  # fmt: skip
        # Low in the PSNR panel, on the side of the line away from the edge: the
        # panel title sits above, and the curves are high where σ is small.
        right = float(sigma) > 0.6
        titles.append(
            dict(x=float(sigma), y=0.02, xref="x", yref="y domain", text=f"σ = {float(sigma):.2f}", showarrow=False,
                 xanchor="right" if right else "left", xshift=-4 if right else 4, yanchor="bottom",
                 font=dict(color="#FF2B2B"))
        )  # fmt: skip
    # A long title is wrapped rather than cut off at the right on a narrow screen.
    title = "<br>".join(textwrap.wrap(title, 44)) if title else None
    lines = title.count("<br>") + 1 if title else 0
    layout = dict(
        title=title,
        height=height + 24 * lines,
        xaxis=dict(domain=[0, 0.45], anchor="y", **x_axis),
        xaxis2=dict(domain=[0.55, 1], anchor="y2", **x_axis),
        yaxis=dict(anchor="x", title=dict(text="dB"), rangemode="tozero"),
        yaxis2=dict(anchor="x2", range=[0, 1.02]),
        annotations=titles,
        shapes=shapes,
        # Room at the top for the toolbar Plotly shows on hover, above the panel titles.
        margin=dict(l=10, r=10, t=TOOLBAR_MARGIN + 44 + 26 * lines, b=10),
        legend=legend_below(),
        hovermode="closest",
        dragmode=False,
    )
    return legible(go.Figure(data=traces, layout=layout))
