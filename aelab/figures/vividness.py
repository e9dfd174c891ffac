"""The Colorization page's chart: closeness and colourfulness of the chroma colorizer over its temperature."""

import plotly.graph_objects as go

from aelab.figures.plots import TOOLBAR_MARGIN, legible
from aelab.i18n import _

MARK = "#FF2B2B"  # The slider's colour, as on the other pages' markers.
REFERENCE_STYLES = (
    dict(color="#888888", dash="dash", width=2),
    dict(color="#6F4E7C", dash="dashdot", width=2),
)


def vividness_chart(sweep, temperature=None, references=None, height=370):
    """Dataset PSNR and colourfulness over the temperature T, with the slider's T marked.

    Args:
        sweep: dict from `aelab.lessons.vividness.temperature_sweep`.
        temperature: optional T to mark with a vertical line (the slider's).
        references: optional dict name -> scores with `psnr` and `colourfulness_ratio`
            (the MSE colorizer, the gray copy), drawn as flat lines.
        height: figure height in pixels.

    Returns:
        A `go.Figure` with two panels side by side. T runs from 1 (the average
        colour) on the left to small values (vivid) on the right, as the slider does.
    """
    t = list(sweep["temperature"])
    lo, hi = min(t), max(t)
    x_axis = dict(title=dict(text=_("temperature T")), range=[hi + 0.04, lo - 0.04])  # Reversed: vivid to the right.
    traces = []
    for axis, key, fmt in (("", "psnr", ".2f} dB"), ("2", "colourfulness_ratio", ".2f}")):
        traces.append(
            dict(type="scatter", x=t, y=list(sweep[key]), xaxis=f"x{axis}", yaxis=f"y{axis}", mode="lines+markers",
                 name=_("colorizer"), legendgroup="colorizer", showlegend=not axis, line=dict(color="#1F77B4", width=3),
                 hovertemplate=_("colorizer") + f"<br>T %{{x:.2f}}: %{{y:{fmt}<extra></extra>")
        )  # fmt: skip
        for (name, ref), style in zip((references or {}).items(), REFERENCE_STYLES):
            traces.append(
                dict(type="scatter", x=[hi, lo], y=[ref[key]] * 2, xaxis=f"x{axis}", yaxis=f"y{axis}", mode="lines",
                     name=name, legendgroup=name, showlegend=not axis, line=style,
                     hovertemplate=f"{name}: %{{y:{fmt}<extra></extra>")
            )  # fmt: skip
    notes = [
        dict(text=text, x=x, xref="paper", xanchor="center", y=1, yref="paper", yanchor="bottom", showarrow=False)
        for text, x in ((_("PSNR (dB)<br>higher is closer"), 0.225), (_("colourfulness<br>1 = the originals'"), 0.775))
    ]
    shapes = []
    if temperature is not None:
        t0 = float(temperature)
        for axis in ("", "2"):
            shapes.append(
                dict(type="line", x0=t0, x1=t0, xref=f"x{axis}", y0=0, y1=1, yref=f"y{axis} domain",
                     line=dict(color=MARK, width=2, dash="dot"))
            )  # fmt: skip
        right = t0 < (lo + hi) / 2  # The axis is reversed: a small T sits on the right.
        notes.append(
            dict(x=t0, y=0.02, xref="x2", yref="y2 domain", text=f"T = {t0:.2f}", showarrow=False,
                 xanchor="right" if right else "left", xshift=-4 if right else 4, yanchor="bottom",
                 font=dict(color=MARK))
        )  # fmt: skip
    layout = dict(
        height=height,
        xaxis=dict(domain=[0, 0.45], anchor="y", **x_axis),
        xaxis2=dict(domain=[0.55, 1], anchor="y2", **x_axis),
        yaxis=dict(anchor="x", title=dict(text="dB")),
        yaxis2=dict(anchor="x2", rangemode="tozero"),
        annotations=notes,
        shapes=shapes,
        margin=dict(l=10, r=10, t=TOOLBAR_MARGIN + 44, b=10),
        legend=dict(orientation="h", y=-0.32, yanchor="top", x=0, xanchor="left"),
        hovermode="closest",
        dragmode=False,
    )
    return legible(go.Figure(data=traces, layout=layout))
