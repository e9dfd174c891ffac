"""A Plotly scatter figure drawn as a PNG with Pillow, for a download button.

Plotly's own image export needs kaleido and a headless Chrome on the server;
this draws the few things our latent scatters use (markers, lines with gaps,
text, selected points, axes, legend, title) with nothing but Pillow, so the
PNG is made on the server in about a tenth of a second, only when asked for.
"""

import io
import math

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from aelab.figures import panels, plots

BACKGROUND = (255, 255, 255)
AXIS = (60, 60, 60)
GRID = (228, 228, 228)


def _rgb(color, default=(0, 0, 0)):
    """(r, g, b, a) from a CSS colour; a is 0-255. Transparent stays transparent."""
    if color is None:
        return (*default, 255)
    color = str(color).strip()
    if color.startswith("rgba("):
        r, g, b, a = (float(v) for v in color[5:-1].split(","))
        return int(r), int(g), int(b), int(round(a * 255))
    try:
        rgb = ImageColor.getrgb(color)
    except ValueError:
        return (*default, 255)
    return (*rgb[:3], 255 if len(rgb) == 3 else rgb[3])


def _per_point(value, n, default):
    if value is None:
        return [default] * n
    if isinstance(value, (str, int, float)):
        return [value] * n
    values = list(value)
    return values if len(values) == n else [default] * n


def _with_alpha(rgba, opacity):
    return (*rgba[:3], int(rgba[3] * opacity))


def _range(axis, values):
    if axis.range is not None:
        lo, hi = (float(v) for v in axis.range)
        return min(lo, hi), max(lo, hi)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.05 * max(hi - lo, 1e-6)
    return lo - pad, hi + pad


def _title(obj):
    title = getattr(obj, "title", None)
    return getattr(title, "text", None) if title is not None else None


def scatter_png(fig, width=1200, height=1000, legend=True, title=None):
    """Draws a figure of scatter traces (`Scatter`/`Scattergl`) as a PNG.

    Markers (circles, or crosses for symbol "x"; hollow when the fill is
    transparent), lines broken at NaN, dotted or dashed lines, text labels,
    dimmed unselected points (`selectedpoints`), axes with round ticks, axis
    titles, the figure title and a legend of the named traces. Other trace
    types are skipped.

    Args:
        fig: a `go.Figure`, such as `aelab.figures.plots.latent_scatter`'s.
        width, height: picture size in pixels.
        legend: whether to draw the legend at the right.
        title: a title for the picture, in place of the figure's own (a page
            often shows the title above the chart, not in it).

    Returns:
        The PNG file's bytes.
    """
    traces = [t for t in fig.data if t.type in ("scatter", "scattergl") and t.x is not None and t.y is not None]
    all_x = np.concatenate([np.asarray(t.x, dtype="float64") for t in traces] or [np.zeros(0)])
    all_y = np.concatenate([np.asarray(t.y, dtype="float64") for t in traces] or [np.zeros(0)])
    x0, x1 = _range(fig.layout.xaxis, all_x)
    y0, y1 = _range(fig.layout.yaxis, all_y)

    s = width / 1200  # Text and margins grow with the picture.
    small, big = panels.font(round(22 * s)), panels.font(round(28 * s))
    title = title or _title(fig.layout)
    left, right = round(110 * s), round((210 if legend else 40) * s)
    top, bottom = round((80 if title else 30) * s), round(100 * s)
    pw, ph = width - left - right, height - top - bottom

    def px(x, y):
        return left + (x - x0) / (x1 - x0) * pw, top + (1.0 - (y - y0) / (y1 - y0)) * ph

    img = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(img, "RGBA")  # RGBA drawing blends, so faded points show what lies below.

    # Grid, ticks and tick labels.
    for t in plots.nice_ticks(x0, x1):
        u, _ = px(t, y0)
        draw.line([(u, top), (u, top + ph)], fill=GRID, width=1)
        draw.text((u, top + ph + 8 * s), f"{t:g}", fill=AXIS, font=small, anchor="mt")
    for t in plots.nice_ticks(y0, y1):
        _, v = px(x0, t)
        draw.line([(left, v), (left + pw, v)], fill=GRID, width=1)
        draw.text((left - 8 * s, v), f"{t:g}", fill=AXIS, font=small, anchor="rm")

    # Traces, clipped to the plot area by drawing on a layer of its size.
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ld = ImageDraw.Draw(layer, "RGBA")
    for trace in traces:
        _draw_trace(ld, trace, px, s, small)
    box = (left, top, left + pw + 1, top + ph + 1)
    clipped = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    clipped.paste(layer.crop(box), box[:2])
    img = Image.alpha_composite(img.convert("RGBA"), clipped).convert("RGB")
    draw = ImageDraw.Draw(img, "RGBA")

    draw.rectangle([left, top, left + pw, top + ph], outline=AXIS, width=max(1, round(2 * s)))
    if _title(fig.layout.xaxis):
        draw.text((left + pw / 2, height - 30 * s), _title(fig.layout.xaxis), fill=AXIS, font=big, anchor="mm")
    if _title(fig.layout.yaxis):
        label = Image.new("RGBA", (round(200 * s), round(40 * s)), (0, 0, 0, 0))
        ImageDraw.Draw(label).text((label.width / 2, label.height / 2), _title(fig.layout.yaxis), fill=AXIS,
                                   font=big, anchor="mm")  # fmt: skip
        label = label.rotate(90, expand=True)
        img.paste(label, (round(8 * s), round(top + ph / 2 - label.height / 2)), label)
    if title:
        draw.text((left + pw / 2, 35 * s), title, fill=(0, 0, 0), font=big, anchor="mm")
    if legend:
        _draw_legend(draw, traces, left + pw + 20 * s, top, s, small)

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _draw_trace(draw, trace, px, s, font):
    x = np.asarray(trace.x, dtype="float64")
    y = np.asarray(trace.y, dtype="float64")
    n = len(x)
    mode = trace.mode or "markers"
    marker = trace.marker
    line = trace.line
    opacity = [1.0] * n
    if trace.selectedpoints is not None:
        chosen = set(int(i) for i in trace.selectedpoints)
        faded = getattr(getattr(getattr(trace, "unselected", None), "marker", None), "opacity", None) or 0.2
        opacity = [1.0 if i in chosen else faded for i in range(n)]
    if "lines" in mode:
        color = _rgb(line.color if line is not None else None)
        width = max(1, round((line.width or 2) * s))
        dashed = line is not None and line.dash not in (None, "solid")
        for seg in range(n - 1):
            a, b = (x[seg], y[seg]), (x[seg + 1], y[seg + 1])
            if not all(math.isfinite(v) for v in (*a, *b)) or (dashed and seg % 2):
                continue  # A gap between outlines, or the "off" part of a dash.
            draw.line([px(*a), px(*b)], fill=color, width=width)
    if "markers" in mode and marker is not None:
        sizes = _per_point(marker.size, n, 6)
        colors = _per_point(marker.color, n, "#444444")
        symbol = marker.symbol or "circle"
        edge = _rgb(marker.line.color) if marker.line is not None and marker.line.color else None
        edge_w = max(1, round((marker.line.width or 0) * s)) if edge else 0
        for i in range(n):
            if not (math.isfinite(x[i]) and math.isfinite(y[i])):
                continue
            u, v = px(x[i], y[i])
            r = max(1.0, float(sizes[i]) * s / 2)
            fill = _with_alpha(_rgb(colors[i]), opacity[i])
            if symbol == "x":
                if edge:
                    _cross(draw, u, v, r, edge, 3 * r / 4 + edge_w)
                _cross(draw, u, v, r, fill, r / 2)
            else:
                outline = _with_alpha(edge, opacity[i]) if edge and edge_w else None
                draw.ellipse([u - r, v - r, u + r, v + r], fill=fill if fill[3] else None, outline=outline,
                             width=edge_w)  # fmt: skip
    if "text" in mode and trace.text is not None:
        texts = _per_point(trace.text, n, "")
        color = _rgb(getattr(trace.textfont, "color", None) if trace.textfont is not None else None)
        for i in range(n):
            if texts[i] and math.isfinite(x[i]) and math.isfinite(y[i]):
                u, v = px(x[i], y[i])
                draw.text((u, v - 14 * s), str(texts[i]), fill=color, font=font, anchor="mb")


def _cross(draw, u, v, r, color, width):
    w = max(1, round(width))
    draw.line([(u - r, v - r), (u + r, v + r)], fill=color, width=w)
    draw.line([(u - r, v + r), (u + r, v - r)], fill=color, width=w)


def _draw_legend(draw, traces, x, y, s, font):
    row = 34 * s
    for trace in traces:
        if not trace.name or trace.showlegend is False:
            continue
        mode = trace.mode or "markers"
        if "markers" in mode and trace.marker is not None:
            color = trace.marker.color
            color = color if isinstance(color, str) else "#444444"
            fill = _rgb(color)
            if not fill[3] and trace.marker.line is not None:  # Hollow marker: show its outline.
                draw.ellipse([x, y + 6 * s, x + 20 * s, y + 26 * s], outline=_rgb(trace.marker.line.color),
                             width=max(1, round(2 * s)))  # fmt: skip
            elif trace.marker.symbol == "x":
                _cross(draw, x + 10 * s, y + 16 * s, 9 * s, fill, 4 * s)
            else:
                draw.ellipse([x + 2 * s, y + 8 * s, x + 18 * s, y + 24 * s], fill=fill)
        else:
            color = _rgb(trace.line.color if trace.line is not None else None)
            draw.line([(x, y + 16 * s), (x + 22 * s, y + 16 * s)], fill=color, width=max(1, round(3 * s)))
        draw.text((x + 30 * s, y + 16 * s), str(trace.name), fill=AXIS, font=font, anchor="lm")
        y += row
