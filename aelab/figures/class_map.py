"""The Classroom page's maps: MNIST's test digits as one faded picture, the class's digits as live dots.

A map that changes with every digit a class sends must be cheap to send and to draw: the 10,000 test
digits do not change, so they are drawn once into a PNG placed in data units under the axes (a Plotly
layout image), and only the class's few hundred dots travel with each redraw. The same map as a
10,000-point WebGL scatter is about 1 MB of JSON per redraw, and a phone or a projector's laptop
re-renders all of it.
"""

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from aelab.figures import plots
from aelab.i18n import _

BACKGROUND_PX = (900, 640)  # Width, height of the faded picture: finer than the plot area it fills.
FADE = 0.35  # Opacity of the test digits: the class's dots stand out on a projector.


def bounds(z, lo=0.5, hi=99.5, margin=0.06):
    """`((x0, x1), (y0, y1))`: the test digits' range (percentiles) with a margin, where the map is drawn."""
    z = np.asarray(z, dtype="float64")
    (x0, y0), (x1, y1) = np.percentile(z, lo, axis=0), np.percentile(z, hi, axis=0)
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    return (float(x0 - dx), float(x1 + dx)), (float(y0 - dy), float(y1 + dy))


def background_png(z, labels, box, size=BACKGROUND_PX, fade=FADE):
    """The test digits as 3-px dots in their digit's colour on a transparent PNG spanning `box`.

    Args:
        z: points (N, 2).
        labels: digits (N,).
        box: `((x0, x1), (y0, y1))` from `bounds`.
        size: `(width, height)` in pixels.
        fade: the dots' opacity.

    Returns:
        PNG bytes.
    """
    (x0, x1), (y0, y1) = box
    w, h = size
    z = np.asarray(z, dtype="float64")
    px = np.round((z[:, 0] - x0) / (x1 - x0) * (w - 1)).astype(int)
    py = np.round((y1 - z[:, 1]) / (y1 - y0) * (h - 1)).astype(int)
    rgba = np.zeros((h, w, 4), np.uint8)
    colors = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in plots.DIGIT_COLORS], np.uint8)
    labels = np.asarray(labels, dtype=int)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            x, y = px + dx, py + dy
            keep = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            rgba[y[keep], x[keep], :3] = colors[labels[keep]]
            rgba[y[keep], x[keep], 3] = int(round(255 * fade))
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def class_map(background, box, points, meant, hover, title=None, height=560):
    """The map: the faded test digits under the class's digits, dots coloured by the digit meant.

    Args:
        background: PNG bytes from `background_png` for `box`.
        box: `((x0, x1), (y0, y1))`; the class's points outside it are drawn on its edge.
        points: the class's points (M, 2).
        meant: the digits their students meant (M,).
        hover: the hover text of each point (already HTML-escaped).
        title: the figure's title.
        height: in pixels.

    Returns:
        A `go.Figure`.
    """
    (x0, x1), (y0, y1) = box
    uri = "data:image/png;base64," + base64.b64encode(background).decode("ascii")
    fig = go.Figure()
    fig.add_layout_image(
        source=uri, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
        sizing="stretch", layer="below", opacity=1,
    )  # fmt: skip
    p = np.asarray(points, dtype="float64").reshape(-1, 2)
    p = np.stack([np.clip(p[:, 0], x0, x1), np.clip(p[:, 1], y0, y1)], axis=1)
    meant = np.asarray(meant, dtype=int)
    hover = np.asarray(hover, dtype=object)
    for d in range(10):
        m = meant == d
        if not m.any():
            continue
        fig.add_scatter(
            x=p[m, 0], y=p[m, 1], mode="markers", name=str(d), text=hover[m],
            marker=dict(size=15, color=plots.DIGIT_COLORS[d], line=dict(width=2, color="#111")),
            hovertemplate="%{text}<br>z0 %{x:.2f}, z1 %{y:.2f}<extra></extra>",
        )  # fmt: skip
    fig.update_xaxes(range=[x0, x1], title="z0", showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], title="z1", showgrid=False, zeroline=False)
    fig.update_layout(
        title=title, height=height, dragmode=False, plot_bgcolor="white", showlegend=True,
        legend=plots.legend_below(title=_("digit"), itemsizing="constant"),
        margin=dict(l=10, r=10, t=plots.TOOLBAR_MARGIN + (30 if title else 0), b=10),
    )  # fmt: skip
    return plots.legible(fig)
