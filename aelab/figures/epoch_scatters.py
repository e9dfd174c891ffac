"""A training's latent scatters, one picture per epoch, drawn by matplotlib into one reused figure.

The Models page replays how the latent space formed by switching these pictures in the
browser (`aelab.lessons.frames.snapshot_frames`). Building a Plotly figure and laying a
matplotlib one out for every epoch costs about half a second each on a loaded 2-core
server, 15 s for a 30-epoch run; one figure whose points, limits and digit labels move
from epoch to epoch draws a picture in a few tens of milliseconds. It draws what
`aelab.figures.plots.latent_scatter` shows: the digits' colours and edges, each digit
written on its cloud or beside it with a leader (`digit_names`; colour is not the only cue), the legend, z0 and z1.
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from aelab.figures import digit_names, panels, plots
from aelab.i18n import _

DPI = 100
PAD = 0.05  # Of the data's range, around the points (as Plotly's autorange leaves).


def _limits(values):
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo if hi > lo else max(abs(lo), 1.0)
    return lo - PAD * span, hi + PAD * span


def draw(zs, labels, width=640, height=520):
    """Draws each set of codes as the latent scatter of the same digits.

    Args:
        zs: a sequence of (N, 2) arrays, the same N digits in each (one per epoch).
        labels: the digits' labels, (N,).
        width, height: picture size in pixels.

    Returns:
        uint8 array (len(zs), height, width, 3).
    """
    labels = np.asarray(labels)
    digits = [int(d) for d in np.unique(labels)]
    family = panels.matplotlib_families()
    k = width / 640  # Text, markers and margins grow with the picture (a download for slides is larger).
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    # A fixed frame (no layout pass per picture): room for the ticks at the left and below, the legend at the right.
    fig.subplots_adjust(left=92 * k / width, right=1 - 84 * k / width, bottom=58 * k / height, top=1 - 12 * k / height)
    ax = fig.add_subplot()
    # One line of markers per digit, digit 9's on top, as Plotly draws its ten traces: Agg stamps a
    # marker of one colour (a few ms for 2,000 points) where a scatter of many colours draws each.
    clouds = {
        d: ax.plot([], [], linestyle="", marker="o", markersize=5 * k * 72 / DPI, markerfacecolor=plots.DIGIT_COLORS[d],
                   markeredgecolor=plots.DIGIT_EDGES[d], markeredgewidth=0.75 * k)[0]
        for d in digits
    }  # fmt: skip
    names = {}  # Each digit's name, with a leader drawn when it sits beside a crowd (`digit_names`).
    for d in digits:
        names[d] = ax.annotate(str(d), (0, 0), xytext=(0, 0), ha="center", va="center", fontsize=14 * k,
                               fontweight="bold", color="#111111", zorder=5, bbox=dict(boxstyle="square,pad=0.15",
                               facecolor=(1, 1, 1, 0.8), edgecolor="none"),
                               arrowprops=dict(arrowstyle="-", color=plots.TEXT_COLOR, linewidth=1.2 * k))  # fmt: skip
    ax.set_xlabel("z0", fontsize=15 * k, color=plots.TEXT_COLOR)
    ax.set_ylabel("z1", fontsize=15 * k, color=plots.TEXT_COLOR)
    ax.tick_params(labelsize=13 * k, colors=plots.TEXT_COLOR)
    ax.grid(color="#E4E4E4", linewidth=1)
    ax.set_axisbelow(True)
    for spine in ax.spines.values():
        spine.set_color("#C8C8C8")
    handles = [Line2D([], [], linestyle="", marker="o", markersize=9 * k, markerfacecolor=plots.DIGIT_COLORS[d],
                      markeredgecolor=plots.DIGIT_EDGES[d], label=str(d)) for d in range(10)]  # fmt: skip
    text = {"family": family, "size": 14 * k}
    ax.legend(handles=handles, title=_("digit"), loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0,
              prop=text, title_fontproperties=text, frameon=False)  # fmt: skip
    out = np.empty((len(zs), height, width, 3), "uint8")
    for i, z in enumerate(zs):
        z = np.asarray(z, "float64")
        for d, line in clouds.items():
            line.set_data(z[labels == d, 0], z[labels == d, 1])
        (x0, x1), (y0, y1) = _limits(z[:, 0]), _limits(z[:, 1])
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        for d, (spot, anchor) in digit_names.spots(z, labels, extent=(x1 - x0, y1 - y0)).items():
            names[d].set_position(spot)
            names[d].xy = spot if anchor is None else anchor
            names[d].arrow_patch.set_visible(anchor is not None)
        canvas.draw()
        out[i] = np.asarray(canvas.buffer_rgba())[..., :3]
    return out
