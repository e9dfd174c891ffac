"""Plotly figures: latent scatter, manifold with latent-valued axes, loss curves."""

import base64
import math

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from aelab.data import images
from aelab.inference import latent

# Ten colours that stay apart for the common colour-vision deficiencies
# (Plotly's "Safe" qualitative set is 11 long; the grey one is dropped).
DIGIT_COLORS = tuple(plotly.colors.qualitative.Safe[:10])
POINT_STYLE = dict(symbol="x", size=16, color="#FF2B2B", line=dict(width=2, color="white"))


# Plotly's default 12 px text is hard to read from the back of a classroom.
PROJECTOR_FONT = 15


def latent_scatter(z, labels, title=None, point=None, height=520, marker_size=3):
    """A WebGL scatter of encoded digits, one trace (and legend entry) per digit.

    Every marker carries its row in `z` as customdata, which is how
    `aelab.inference.latent.selected_rows` maps a box or lasso selection back to images.

    Args:
        z: latent points of shape (N, 2).
        labels: digit labels of shape (N,).
        title: optional figure title.
        point: optional `(z0, z1)` marked with a cross (not selectable).
        height: figure height in pixels.
        marker_size: marker diameter in pixels.

    Returns:
        A `go.Figure` whose drag mode is box selection.
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
                marker=dict(size=marker_size, color=DIGIT_COLORS[d]),
                hovertemplate=f"digit {d}<br>z0 %{{x:.2f}}, z1 %{{y:.2f}}<br>row %{{customdata}}<extra></extra>",
            )
        )
    if point is not None:
        fig.add_trace(_point_trace(point))
    fig.update_layout(
        title=title,
        height=height,
        dragmode="select",
        legend=dict(title="digit", itemsizing="constant"),
        font=dict(size=PROJECTOR_FONT),
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        xaxis_title="z0",
        yaxis_title="z1",
    )
    return fig


def move_point(fig, point, manifold_axes=None, cell=28):
    """Moves the "picked point" cross of a figure in place.

    Building a 10,000-point scatter costs more than the rest of a slider move;
    a page that keeps its figure can move the cross instead of building anew.

    Args:
        fig: a figure from `latent_scatter` or `manifold_figure` made with a point.
        point: the new `(z0, z1)`.
        manifold_axes: for a `manifold_figure`, its `(z0_values, z1_values)`:
            the cross goes to the pixel showing that latent value.
        cell: for a `manifold_figure`, its pixels per cell.

    Returns:
        The same figure.
    """
    trace = next(t for t in fig.data if t.name == "picked point")
    x, y = float(point[0]), float(point[1])
    if manifold_axes is not None:
        z0, z1 = manifold_axes
        x, y = latent.to_pixel(point, (z0[0], z0[-1]), (z1[-1], z1[0]), len(z0), cell)
    trace.update(x=[x], y=[y], hovertemplate=f"z = ({point[0]:.2f}, {point[1]:.2f})<extra></extra>")
    return fig


def _point_trace(point):
    # WebGL traces are drawn above SVG ones, so an SVG marker would hide under
    # the dense digit clouds; the cross must be WebGL too, and come last.
    return go.Scattergl(
        x=[float(point[0])],
        y=[float(point[1])],
        mode="markers",
        name="picked point",
        marker=POINT_STYLE,
        hovertemplate="picked z = (%{x:.2f}, %{y:.2f})<extra></extra>",
    )


def _data_uri(x):
    png = bytes(x) if isinstance(x, (bytes, bytearray)) else images.to_png(x)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def nice_ticks(lo, hi, max_ticks=9):
    """Round values between lo and hi (steps of 1, 2, 2.5 or 5 times a power of ten).

    Args:
        lo, hi: the axis range, in either order.
        max_ticks: the most values returned.

    Returns:
        A list of floats, ascending; `[lo]` when the range is empty.
    """
    lo, hi = sorted((float(lo), float(hi)))
    if hi - lo < 1e-9:
        return [lo]
    raw = (hi - lo) / max(1, max_ticks - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
    return [round(t, 10) + 0.0 for t in ticks]  # + 0.0 turns -0.0 into 0.0


def _format(value, step):
    """A tick label with as many decimals as the step needs (2.5 needs one, 0.25 two)."""
    decimals = 0
    while abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6 and decimals < 6:
        decimals += 1
    return f"{value:.{decimals}f}"


def _ticks(values, cell, max_ticks, axis):
    """Tick positions (pixels) and labels (latent values) for one manifold axis."""
    lo, hi = float(min(values[0], values[-1])), float(max(values[0], values[-1]))
    ticks = nice_ticks(lo, hi, max_ticks)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    n = len(values)
    pos = [latent.to_pixel((t, t), (lo, hi), (lo, hi), n, cell)[axis] for t in ticks]
    return pos, [_format(t, step) for t in ticks]


def manifold_figure(mosaic, z0_values, z1_values, point=None, cell=28, max_ticks=9, height=640):
    """Shows a decoded manifold with axes labelled in latent values.

    The mosaic travels as one PNG (a few hundred kB at 30x30) rather than as
    700,000 numbers in the figure's JSON.

    Args:
        mosaic: the image from `aelab.inference.latent.manifold`, or its PNG bytes.
        z0_values, z1_values: its axes from `aelab.inference.latent.grid_axes`.
        point: optional `(z0, z1)` to mark with a cross.
        cell: pixels per cell.
        max_ticks: most tick labels per axis.
        height: figure height in pixels.

    Returns:
        A `go.Figure`.
    """
    n0, n1 = len(z0_values), len(z1_values)
    fig = go.Figure(go.Image(source=_data_uri(mosaic), hoverinfo="skip"))
    xt, xl = _ticks(z0_values, cell, max_ticks, axis=0)
    yt, yl = _ticks(z1_values, cell, max_ticks, axis=1)
    if point is not None:
        fig.add_trace(go.Scatter(mode="markers", marker=POINT_STYLE, name="picked point"))
        move_point(fig, point, manifold_axes=(z0_values, z1_values), cell=cell)
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        showlegend=False,
        dragmode="zoom",
        xaxis=dict(title="z0", tickvals=xt, ticktext=xl, range=[-0.5, n0 * cell - 0.5], showgrid=False),
        yaxis=dict(
            title="z1",
            tickvals=yt,
            ticktext=yl,
            range=[n1 * cell - 0.5, -0.5],
            showgrid=False,
            scaleanchor="x",
        ),
    )
    return fig


def loss_curve(history, title=None, height=320, epochs=None):
    """Training and validation loss per epoch.

    Args:
        history: dict of lists as in `keras.callbacks.History.history`.
        title: optional figure title.
        height: figure height in pixels.
        epochs: optional planned number of epochs: the x axis spans them all
            from the start, so a live curve grows into a fixed frame.

    Returns:
        A `go.Figure` with one line per available series (`loss`, `val_loss`).
    """
    fig = go.Figure()
    for key, name, dash in (("loss", "train", "solid"), ("val_loss", "validation", "dash")):
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
    epochs = max([len(t.x) for t in fig.data] + [epochs or 1])
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=60),
        # Whole epochs only, about ten ticks at most.
        xaxis=dict(title="epoch", tick0=1, dtick=max(1, math.ceil(epochs / 10)), range=[0.5, epochs + 0.5]),
        yaxis_title="loss",
        # Below the plot, so it never runs into the title.
        legend=dict(orientation="h", y=-0.3, yanchor="top", x=0, xanchor="left"),
        font=dict(size=PROJECTOR_FONT),
    )
    return fig


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
        "noisy": dict(name="noisy input", line=dict(color="#888888", dash="dash", width=2)),
        "": dict(name="denoised", line=dict(color="#1F77B4", width=3)),
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
    x_axis = dict(title=dict(text="noise level σ"), range=[-0.03, 1.03], dtick=0.2)
    titles = [
        dict(text=text, x=x, xref="paper", xanchor="center", y=1, yref="paper", yanchor="bottom", showarrow=False)
        for text, x in (("PSNR (dB), higher is better", 0.225), ("SSIM, 1 is perfect", 0.775))
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
    layout = dict(
        title=title,
        height=height,
        xaxis=dict(domain=[0, 0.45], anchor="y", **x_axis),
        xaxis2=dict(domain=[0.55, 1], anchor="y2", **x_axis),
        yaxis=dict(anchor="x", title=dict(text="dB"), rangemode="tozero"),
        yaxis2=dict(anchor="x2", range=[0, 1.02]),
        annotations=titles,
        shapes=shapes,
        # Room at the top for the toolbar Plotly shows on hover, above the panel titles.
        margin=dict(l=10, r=10, t=100 if title else 70, b=10),
        legend=dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left"),
        font=dict(size=PROJECTOR_FONT),
        hovermode="closest",
    )
    return go.Figure(data=traces, layout=layout)
