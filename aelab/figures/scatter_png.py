"""A Plotly latent scatter drawn again by matplotlib as a PNG, for a download button.

Plotly's own image export needs kaleido and a headless Chrome on the server, and
the chart's camera button saves only what the browser shows at its size. This
download is a picture for a slide or a worksheet: 1200 x 1000 px, the title, the
full legend beside the axes (never cut off), selections and overlays drawn with
a white halo so a path stays visible on a cluster of its own colour. It reads
the figure's traces, so it shows exactly the points and overlays of the chart.
"""

import io

import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure

from aelab.figures import panels, plots

DPI = 100
# Plotly symbols -> matplotlib markers; anything else is drawn as a circle.
MARKERS = {"circle": "o", "x": "X", "diamond": "D", "square": "s", "cross": "P"}
DASHES = {None: "-", "solid": "-", "dash": "--", "dot": ":", "dashdot": "-."}
HALO = [patheffects.withStroke(linewidth=4, foreground="white")]


def _area(size_px, scale):
    # Plotly's marker size is a diameter in CSS pixels; matplotlib wants an area in points².
    points = np.asarray(size_px, dtype="float64") * scale * 72.0 / DPI
    return points**2


def _title(obj):
    title = getattr(obj, "title", None)
    return getattr(title, "text", None) if title is not None else None


def _opacity(trace, n):
    """Per-point opacity: Plotly's `selectedpoints` fade the others."""
    if trace.selectedpoints is None:
        return np.ones(n)
    faded = getattr(getattr(getattr(trace, "unselected", None), "marker", None), "opacity", None) or 0.2
    alpha = np.full(n, float(faded))
    alpha[np.asarray(list(trace.selectedpoints), dtype="int64")] = 1.0
    return alpha


def _draw(ax, trace, scale, is_digits):
    x = np.asarray(trace.x, dtype="float64")
    y = np.asarray(trace.y, dtype="float64")
    mode = trace.mode or "markers"
    label = trace.name if trace.name and trace.showlegend is not False else None
    effects = None if is_digits else HALO  # Overlays stand out whatever lies beneath them.
    if "lines" in mode and trace.line is not None:
        ax.plot(x, y, color=trace.line.color or plots.TEXT_COLOR, linewidth=(trace.line.width or 2) * scale * 0.75,
                linestyle=DASHES.get(trace.line.dash, "-"), label=None if "markers" in mode else label,
                path_effects=effects, zorder=3)  # fmt: skip
    if "markers" in mode and trace.marker is not None:
        m = trace.marker
        size = m.size if m.size is not None else 6
        color = m.color if isinstance(m.color, str) else plots.TEXT_COLOR
        hollow = color.replace(" ", "") in ("rgba(0,0,0,0)", "transparent")
        edge = m.line.color if m.line is not None and m.line.color else None
        rgba = np.tile(np.array(_rgba(edge if hollow else color)), (len(x), 1))
        rgba[:, 3] *= _opacity(trace, len(x))
        kwargs = dict(s=_area(size, scale), marker=MARKERS.get(m.symbol or "circle", "o"), label=label,
                      zorder=2 if is_digits else 4, rasterized=is_digits)  # fmt: skip
        if hollow:
            ax.scatter(x, y, facecolors="none", edgecolors=rgba, linewidths=(m.line.width or 1) * scale, **kwargs)
        else:
            ax.scatter(x, y, c=rgba, edgecolors="white" if edge and not is_digits else "none",
                       linewidths=0.8 * scale, **kwargs)  # fmt: skip
    if "text" in mode and trace.text is not None:
        color = getattr(trace.textfont, "color", None) or plots.TEXT_COLOR
        for xi, yi, t in zip(x, y, trace.text, strict=False):
            if t and np.isfinite(xi) and np.isfinite(yi):
                ax.annotate(str(t), (xi, yi), xytext=(0, 9 * scale), textcoords="offset points", ha="center",
                            va="bottom", fontsize=16 * scale, fontweight="bold", color=color, path_effects=HALO,
                            zorder=5, fontfamily=panels.matplotlib_families())  # fmt: skip


def _rgba(color):
    from matplotlib.colors import to_rgba

    color = str(color).replace(" ", "")
    if color.startswith("rgba("):
        r, g, b, a = (float(v) for v in color[5:-1].split(","))
        return r / 255, g / 255, b / 255, a
    try:
        return to_rgba(color)
    except ValueError:
        return to_rgba(plots.TEXT_COLOR)


def scatter_png(fig, width=1200, height=1000, legend=True, title=None):
    """Draws a figure of scatter traces (`Scatter`/`Scattergl`) as a PNG with matplotlib.

    Markers (hollow when their fill is transparent), dimmed unselected points
    (`selectedpoints`), lines with their dashes, text labels, the axis titles
    and the figure's axis ranges when it sets them. Other trace types are skipped.

    Args:
        fig: a `go.Figure`, such as `aelab.figures.plots.latent_scatter`'s.
        width, height: picture size in pixels.
        legend: whether to draw the legend (beside the axes, at the right).
        title: a title for the picture, in place of the figure's own (a page
            often shows the title above the chart, not in it).

    Returns:
        The PNG file's bytes, `width` x `height` pixels.
    """
    scale = width / 1200  # Text, markers and lines grow with the picture.
    family = panels.matplotlib_families()  # Chinese glyphs too, whatever the language.
    out = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    ax = out.add_subplot()
    traces = [t for t in fig.data if t.type in ("scatter", "scattergl") and t.x is not None and t.y is not None]
    for trace in traces:
        # Test digits carry their rows as customdata (see plots.latent_scatter); overlays do not.
        _draw(ax, trace, scale, is_digits=trace.customdata is not None)
    for axis, set_range, set_label in ((fig.layout.xaxis, ax.set_xlim, ax.set_xlabel),
                                       (fig.layout.yaxis, ax.set_ylim, ax.set_ylabel)):  # fmt: skip
        if axis.range is not None:
            set_range(*sorted(float(v) for v in axis.range))
        if _title(axis):
            set_label(_title(axis), fontsize=22 * scale, color=plots.TEXT_COLOR, fontfamily=family)
    ax.tick_params(labelsize=18 * scale, colors=plots.TEXT_COLOR)
    ax.grid(color="#E4E4E4", linewidth=1)
    ax.set_axisbelow(True)
    title = title or _title(fig.layout)
    if title:
        ax.set_title(title, fontsize=24 * scale, color="black", pad=12 * scale, fontfamily=family)
    if legend and ax.get_legend_handles_labels()[0]:
        text = {"family": family, "size": 17 * scale}
        leg = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, prop=text,
                        title=_title(fig.layout.legend), title_fontproperties=text, markerscale=1.0, frameon=False)  # fmt: skip
        for handle in leg.legend_handles:  # Legend markers at a readable size, fully opaque.
            if hasattr(handle, "set_sizes"):
                handle.set_sizes([(12 * scale * 72 / DPI) ** 2])
            if hasattr(handle, "set_alpha"):
                handle.set_alpha(1)
    buf = io.BytesIO()
    out.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()
