"""Latent scatter of the 10,000 test digits: figure build time and the bytes Streamlit sends.

    python bench/scatter.py [--runs 20]

Reference: `plotly.express.scatter` with one colour group per digit. aelab builds
ten `Scattergl` traces from NumPy arrays, which Plotly ships as base64 typed
arrays rather than as lists of decimal numbers.
"""

import argparse

import _common  # noqa: F401  (puts the repository on sys.path)
import plotly.express as px
import plotly.io
from _common import medians_ms, row

from aelab import checkpoints, data
from aelab.figures import plots
from aelab.inference import latent


def _sent(fig):
    # What st.plotly_chart puts in its message (streamlit/elements/plotly_chart.py).
    return plotly.io.to_json(fig, validate=False)


def scatter_rows(runs):
    (_, _), (x, y) = data.load_mnist()
    z = latent.encode(checkpoints.load("ae2d"), x)
    labels = [str(d) for d in y]

    def reference():
        return px.scatter(x=z[:, 0], y=z[:, 1], color=labels, render_mode="webgl")

    def ours():
        return plots.latent_scatter(z, y)

    t = medians_ms({"reference": reference, "ours": ours}, runs)
    ref_kb, our_kb = len(_sent(reference())) / 1024, len(_sent(ours())) / 1024
    return [
        row(
            "latent scatter of 10k points: build time and bytes sent (median)",
            f"plotly.express.scatter {t['reference']:.0f} ms, {ref_kb:.0f} KB",
            f"{t['ours']:.1f} ms, {our_kb:.0f} KB (×{t['reference'] / t['ours']:.1f} faster)",
            "≤ 2 × plotly.express's time and ≤ 2.3 × its bytes (50 ms, 300 KB of 24 ms, 129 KB)",
            t["ours"] <= 2 * t["reference"] and our_kb <= 2.3 * ref_kb,
        )
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    for r in scatter_rows(args.runs):
        print(f"{r['measure']}: {r['aelab']} | reference {r['reference']} | target {r['target']}")


if __name__ == "__main__":
    main()
