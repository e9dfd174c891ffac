"""Overlays on the latent scatter from `aelab.figures.plots.latent_scatter`.

Highlights linked between the AE and VAE charts, an interpolation path, a
drawn digit's point, prior samples and posterior ellipses. Each function adds
traces to a figure and returns it. Overlay traces carry no customdata, so
`aelab.inference.latent.selected_rows` never mistakes them for test digits; they are
WebGL traces too, because WebGL is drawn above SVG and the digit clouds would
hide anything else.
"""

import numpy as np
import plotly.graph_objects as go

from aelab.figures import digit_names
from aelab.i18n import _
from aelab.lessons import posterior

HIGHLIGHT_COLOR = "#111111"
PATH_COLOR = "#000000"  # Black: no digit of the palette is, so the path never hides in a cluster.
SAMPLE_COLOR = "#7B2CBF"
ELLIPSE_COLOR = "#111111"
DIMMED_OPACITY = 0.15  # Unselected digits fade so the highlighted ones stand out on a projector.


def digit_traces(fig):
    """The traces of a latent scatter that hold test digits (those with row customdata)."""
    return [t for t in fig.data if getattr(t, "customdata", None) is not None]


def highlight_rows(fig, z, rows, name=None, rings=True):
    """Marks some test digits on a latent scatter and fades the others.

    The digit traces get `selectedpoints` (Plotly dims the rest), and the rows
    are drawn again on top with outlined rings, so the same digits can be
    found at a glance on the other model's chart.

    Args:
        fig: a figure from `aelab.figures.plots.latent_scatter`.
        z: the latent points it was drawn from, shape (N, 2).
        rows: the rows to highlight (empty: the figure is returned unchanged).
        name: legend entry of the ring trace (default: "selected", translated).
        rings: whether to draw the rings (without them, the others only fade).

    Returns:
        `fig`.
    """
    rows = np.unique(np.asarray(rows, dtype="int64"))
    if not len(rows):
        return fig
    for trace in digit_traces(fig):
        custom = np.asarray(trace.customdata).reshape(len(trace.customdata), -1)[:, 0].astype("int64")
        trace.selectedpoints = np.flatnonzero(np.isin(custom, rows)).tolist()
        trace.unselected = dict(marker=dict(opacity=DIMMED_OPACITY))
    if not rings:
        return fig
    name = _("selected") if name is None else name
    z = np.asarray(z, dtype="float32")
    # A few rings can be large; hundreds must be small, or they hide the digits they mark.
    size, width = (11, 2) if len(rows) <= 50 else (6, 1)
    fig.add_trace(
        go.Scattergl(
            x=z[rows, 0],
            y=z[rows, 1],
            mode="markers",
            name=name,
            marker=dict(size=size, color="rgba(0,0,0,0)", line=dict(width=width, color=HIGHLIGHT_COLOR)),
            text=[str(int(r)) for r in rows],
            hovertemplate=_("selected row %{text}") + "<br>z0 %{x:.2f}, z1 %{y:.2f}<extra></extra>",
        )
    )
    return fig


def add_path(fig, points, name=None, color=PATH_COLOR, labels=("A", "B"), about=None):
    """Draws an interpolation path: a line through its steps, the ends labelled.

    Args:
        fig: a latent scatter.
        points: the steps, shape (steps, 2), from `aelab.lessons.interpolation.path`.
        name: legend entry (default: "path", translated). Short: a horizontal legend
            gives every entry the width of its longest when it wraps.
        color: line and marker colour.
        labels: texts at the first and last step.
        about: optional first line of each step's hover label, to say more than the name.

    Returns:
        `fig`.
    """
    name = _("path") if name is None else name
    first = f"{about}<br>" if about else ""
    p = np.asarray(points, dtype="float32")
    text = [""] * len(p)
    text[0], text[-1] = labels
    fig.add_trace(
        go.Scattergl(
            x=p[:, 0],
            y=p[:, 1],
            mode="lines+markers+text",
            name=name,
            text=text,
            textposition="top center",
            textfont=dict(size=18, color=color),
            line=dict(width=3, color=color),
            marker=dict(size=8, color=color, line=dict(width=1, color="white")),
            hovertemplate=first + _("step %{pointNumber}") + "<br>z0 %{x:.2f}, z1 %{y:.2f}<extra></extra>",
        )
    )
    return fig


def add_points(fig, points, name, color=PATH_COLOR, symbol="x", size=16):
    """Marks latent points (a drawn digit, prior samples) with large symbols.

    Args:
        fig: a latent scatter.
        points: shape (N, 2) or (2,).
        name: legend entry.
        color: marker colour.
        symbol: Plotly marker symbol.
        size: marker size in pixels.

    Returns:
        `fig`.
    """
    p = np.asarray(points, dtype="float32").reshape(-1, 2)
    fig.add_trace(
        go.Scattergl(
            x=p[:, 0],
            y=p[:, 1],
            mode="markers",
            name=name,
            marker=dict(symbol=symbol, size=size, color=color, line=dict(width=2, color="white")),
            hovertemplate=f"{name}<br>z0 %{{x:.2f}}, z1 %{{y:.2f}}<extra></extra>",
        )
    )
    return fig


# How near a marked point may come to a digit's name before the name is hidden, as a share of the digit
# clouds' extent along (z0, z1): half a name's box (`digit_names.HALF_BOX`) and half the 16-px cross on a
# 300-px plot.
UNCOVER_SHARE = tuple(half + 0.027 for half in digit_names.HALF_BOX)


def uncover(fig, points, share=UNCOVER_SHARE):
    """Hides the digit labels of a latent scatter that would cover marked points.

    The labels (`plots.latent_scatter`) are annotations, which Plotly draws above every trace: a
    student's cross that lands where a digit's name is written would be hidden under it.
    A figure kept between reruns shows its labels again with `fig.update_annotations(visible=True)`.

    Args:
        fig: a latent scatter.
        points: the marked points, shape (N, 2) or (2,).
        share: reach around each point, as a share of the digit clouds' extent along (z0, z1).

    Returns:
        `fig`.
    """
    p = np.asarray(points, dtype="float64").reshape(-1, 2)
    clouds = digit_traces(fig)
    xs = np.concatenate([np.asarray(t.x, "float64") for t in clouds])
    ys = np.concatenate([np.asarray(t.y, "float64") for t in clouds])
    reach = np.asarray(share) * np.array([np.ptp(xs), np.ptp(ys)])
    for note in fig.layout.annotations:
        name = (note.ax, note.ay) if note.axref == "x" else (note.x, note.y)  # A leader's name is at its tail.
        if (np.abs(p - name) < reach).all(axis=1).any():
            note.visible = False
    return fig


ELLIPSE_SIGMAS = (1.0, 2.0)  # The outlines drawn for each posterior: 1σ solid, 2σ dotted.


def ellipse_name(n_sigma, scale):
    """The legend's name of the n-sigma outlines drawn `scale` times larger ("q(z|x) 1σ ×10")."""
    scale = float(scale)
    larger = "" if scale == 1 else f" ×{scale:g}"  # Short: the legend is narrow; the page says more.
    return f"q(z|x) {n_sigma:.0f}σ{larger}"


def add_ellipses(fig, z_mean, z_log_var, color=ELLIPSE_COLOR, scale=1.0):
    """Draws each digit's posterior q(z|x) as its 1-sigma (solid) and 2-sigma (dotted) ellipse.

    Args:
        fig: a latent scatter.
        z_mean, z_log_var: the posteriors, shape (N, 2), from `aelab.lessons.posterior.posterior`.
        color: line colour.
        scale: enlargement of the ellipses, said in the legend. A well-trained
            2-D VAE is so sure of each digit (sigma about 0.02 where the digits
            spread over about 6) that true-size ellipses are dots on a full chart.

    Returns:
        `fig`.
    """
    for n_sigma, dash, width in zip(ELLIPSE_SIGMAS, ("solid", "dot"), (2, 1.5), strict=True):
        outline = posterior.ellipses(z_mean, z_log_var, n_sigma * float(scale))
        # SVG, not WebGL, unlike the other overlays: a few hundred points, drawn above the digits, whose
        # paths the ellipse scale's scrubber rewrites in the browser without plotly.js redrawing the
        # 10,000 points (app_pages/_scrubber_assets/entry.js, moveTraces).
        fig.add_trace(
            go.Scatter(
                x=outline[:, 0],
                y=outline[:, 1],
                mode="lines",
                name=ellipse_name(n_sigma, scale),
                line=dict(color=color, width=width, dash=dash),
                connectgaps=False,
                hoverinfo="skip",
            )
        )
    return fig
