"""A study's chart specs as interactive Plotly figures (the app's Studies and Variants pages)."""

import textwrap

import plotly.graph_objects as go

from aelab.figures.plots import DIGIT_COLORS, PROJECTOR_FONT


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
        color = DIGIT_COLORS[i % len(DIGIT_COLORS)]
        if spec["kind"] == "bar":
            many = len(s["x"]) > 20
            fig.add_trace(
                go.Bar(
                    x=s["x"],
                    y=s["y"],
                    name=s["name"],
                    marker_color=color,
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
        h = spec["hline"]
        fig.add_hline(
            y=h["y"],
            line=dict(color="#E45756", dash="dash", width=2),
            annotation_text=h["name"],
            annotation_position="top left",
        )
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
    title = "<br>".join(textwrap.wrap(spec["title"], 52))
    fig.update_layout(
        title=dict(text=title, font=dict(size=PROJECTOR_FONT + 1)),
        height=height,
        margin=dict(l=10, r=10, t=30 + 22 * (title.count("<br>") + 1), b=10),
        xaxis=xaxis,
        yaxis_title=spec["y_title"],
        showlegend=spec["kind"] == "line",
        legend=dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left"),
        font=dict(size=PROJECTOR_FONT),
        bargap=0.05 if any(len(s["x"]) > 20 for s in spec["series"]) else 0.3,
    )
    return fig
