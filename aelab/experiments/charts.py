"""A study's charts as one PNG with matplotlib (for the CLI and the README; the app uses Plotly).

matplotlib draws without a browser; Plotly's own PNG export (Kaleido) needs
Chrome at run time, which the CLI should not require.
"""

import math


def save_png(res, path, width_per_chart=5.2, height=4.8):
    """Draws every chart spec of a study result side by side and saves a PNG.

    Args:
        res: a study result (see `aelab.experiments.result`).
        path: the PNG path; written through a temporary file and renamed.
        width_per_chart: inches per chart.
        height: inches.

    Returns:
        The path.
    """
    import os

    import matplotlib

    matplotlib.use("Agg")  # No display: the CLI may run on a server.
    import matplotlib.pyplot as plt

    specs = res["charts"]
    n = len(specs)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    width = width_per_chart * cols if cols > 1 else 1.5 * width_per_chart  # Room for a lone chart's title.
    fig, axes = plt.subplots(rows, cols, figsize=(width, height * rows), squeeze=False)
    for ax, spec in zip(axes.flat, specs):
        _draw(ax, spec)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    title = res["title"] + (" (quick run)" if res.get("quick") else "")
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)
    return path


def _draw(ax, spec):
    series = spec["series"]
    if spec["kind"] == "bar":
        s = series[0]
        many = len(s["x"]) > 20
        labels = [str(v) for v in s["x"]]
        if many:  # Hundreds of bars (one per hidden unit): no per-bar labels.
            ax.bar(range(len(s["y"])), s["y"], width=1.0, color="#4C78A8")
        else:
            ax.bar(labels, s["y"], color="#4C78A8")
            ax.tick_params(axis="x", labelrotation=15 if max(map(len, labels)) > 12 else 0, labelsize=8)
            for i, v in enumerate(s["y"]):
                ax.annotate(f"{v:.3g}", (i, v), ha="center", va="bottom", fontsize=8)
            ax.set_ylim(0, max(s["y"]) * 1.12)  # Room for the value labels.
    else:
        for s in series:
            ax.plot(s["x"], s["y"], marker="o", markersize=4, label=s["name"])
        if spec.get("log_x"):
            ax.set_xscale("log", base=2)
            xs = sorted({x for s in series for x in s["x"]})
            ax.set_xticks(xs, [f"{x:g}" for x in xs], fontsize=8)
            ax.minorticks_off()
        else:
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # Whole epochs.
    if spec.get("hline"):
        h = spec["hline"]
        ax.axhline(h["y"], color="#E45756", linestyle="--", linewidth=1.2, label=h["name"])
    if spec["kind"] == "line" or spec.get("hline"):
        # Below the axes: with five runs a legend inside would hide some lines.
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    ax.set_title(spec["title"], fontsize=10)
    ax.set_xlabel(spec["x_title"])
    ax.set_ylabel(spec["y_title"])
    ax.grid(alpha=0.3)
