"""A study's chart specs as interactive Plotly figures (the app's Studies and Variants pages)."""

import unicodedata

import plotly.graph_objects as go

from aelab.figures.plots import DIGIT_COLORS, TITLE_FONT, TOOLBAR_MARGIN, legible
from aelab.i18n import _

# The conv AE and PCA are compared in two studies (AE vs PCA, compression) and appear in
# other orders there: each keeps its own colour on every chart, whatever its position.
FAMILY_COLORS = {"PCA": DIGIT_COLORS[1], "conv AE": DIGIT_COLORS[0]}
TARGET_COLOR = "#BD1F01"
TITLE_WIDTH = 44  # Columns of a half-width chart's title line at 1280x720: a Chinese character takes two.


def _columns(char):
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def wrap_title(text, width=TITLE_WIDTH):
    """Breaks a chart title into lines of at most `width` columns (a CJK character is two).

    Latin text breaks at spaces; Chinese, which has none, between any two characters. Plotly
    never wraps a title itself, so a long one would be cut at the chart's edge.

    Returns:
        The title with `<br>` between its lines.
    """
    lines, line, used, space = [], "", 0, -1
    for char in text:
        line += char
        used += _columns(char)
        if char == " ":
            space = len(line)
        if used > width:
            cut = space if space > 0 and _columns(char) == 1 else len(line) - 1
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
            used, space = sum(_columns(c) for c in line), -1
    return "<br>".join([*lines, line] if line else lines)


def family_color(name):
    """The colour of the model family a series or bar is named for ("PCA, 16 components"), or None."""
    if "PCA" in name:
        return FAMILY_COLORS["PCA"]
    if name.startswith(("conv AE", "conv-AE", _("conv AE"))):  # The Studies page shows names translated.
        return FAMILY_COLORS["conv AE"]
    return None


def _bar_colors(categories, color):
    """One colour for all bars, unless some bars are named for a model family."""
    colors = [family_color(str(c)) for c in categories]
    return [c or color for c in colors] if any(colors) else color


def study_figure(spec, height=380):
    """One chart spec of a study result as a Plotly figure.

    Args:
        spec: `{"kind": "line"|"bar", "title", "x_title", "y_title", "log_x",
            "series": [{"name", "x", "y"}], "hline": {"y", "name"}}` (see
            `aelab.experiments.result`).
        height: figure height in pixels.

    Returns:
        A `go.Figure`.
    """
    fig = go.Figure()
    for i, s in enumerate(spec["series"]):
        color = family_color(s["name"]) or DIGIT_COLORS[i % len(DIGIT_COLORS)]
        if spec["kind"] == "bar":
            many = len(s["x"]) > 20
            fig.add_trace(
                go.Bar(
                    x=s["x"],
                    y=s["y"],
                    name=s["name"],
                    marker_color=_bar_colors(s["x"], color),
                    text=None if many else [f"{v:.3g}" for v in s["y"]],
                    textposition="outside",
                    hovertemplate="%{x}: %{y:.4g}<extra></extra>",
                )
            )
        else:
            fig.add_trace(
                go.Scatter(
                    x=s["x"],
                    y=s["y"],
                    name=s["name"],
                    mode="lines+markers",
                    line=dict(color=color, width=2.5),
                    hovertemplate=f"{s['name']}<br>%{{x}}: %{{y:.4g}}<extra></extra>",
                )
            )
    if spec.get("hline"):
        # A line with its name in the legend, below the chart: a label on the line itself
        # would sit among the bars.
        h = spec["hline"]
        xs = [x for s in spec["series"] for x in s["x"]]
        fig.add_trace(
            go.Scatter(
                x=[min(xs), max(xs)] if spec["kind"] == "line" else [-0.5, len(xs) - 0.5],
                y=[h["y"], h["y"]],
                xaxis="x" if spec["kind"] == "line" else "x2",
                mode="lines",
                name=h["name"],
                line=dict(color=TARGET_COLOR, dash="dash", width=2.5),
                hovertemplate=f"{h['name']}<extra></extra>",
            )
        )
        if spec["kind"] == "bar":  # An invisible linear axis over the categories, for the line's ends.
            fig.update_layout(xaxis2=dict(overlaying="x", range=[-0.5, len(xs) - 0.5], visible=False))
    xaxis = dict(title=spec["x_title"])
    if spec.get("log_x"):
        xs = sorted({x for s in spec["series"] for x in s["x"]})
        xaxis.update(type="log", tickvals=xs, ticktext=[f"{x:g}" for x in xs])
    if (
        spec["kind"] == "line"
        and all(isinstance(x, int) for s in spec["series"] for x in s["x"])
        and not spec.get("log_x")
    ):
        xaxis.update(dtick=1 if max((len(s["x"]) for s in spec["series"]), default=0) <= 12 else None)
    # Half-width charts cut long titles off: wrap them instead.
    title = wrap_title(spec["title"])
    fig.update_layout(
        title=dict(text=title, font=dict(size=TITLE_FONT)),
        height=height,
        margin=dict(l=10, r=10, t=TOOLBAR_MARGIN + 24 * (title.count("<br>") + 1), b=10),
        xaxis=xaxis,
        yaxis_title=spec["y_title"],
        showlegend=spec["kind"] == "line" or bool(spec.get("hline")),
        legend=dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left"),
        bargap=0.05 if any(len(s["x"]) > 20 for s in spec["series"]) else 0.3,
        dragmode=False,  # A swipe over the chart scrolls the page on a phone; zoom is in the toolbar.
    )
    return legible(fig)
