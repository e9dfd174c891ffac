"""A slider scrubbed in the browser over frames the server computed at once (not a page).

A lesson slider that moves over a handful of stops on a fixed sample (the Denoising
noise level, the Colorization vividness) is drawn by this `st.components.v2`
component (no iframe), not by `st.slider`: the page computes every stop's pictures
and numbers in one batched call (`aelab.lessons.frames`), they travel once, as one
PNG atlas in the component's data, and the browser switches them under the pointer,
a finger or the keys, and moves the chart's marker itself. A step costs the server
nothing; the value reaches Python when it settles (the pointer released, or half a
second after the last key): one state value, one rerun, and the page puts it in the
link. A new sample, noise kind or upload is a new atlas (one rerun).

The control is a slider in the ARIA sense (`role="slider"`, the label as its name,
`aria-valuenow` and `aria-valuetext`), 44 px high for a finger, with a focus ring.
"""

import base64
import io
import pathlib

import numpy as np
import streamlit as st
from PIL import Image

from aelab.data import images
from aelab.i18n import _

_ASSETS = pathlib.Path(__file__).with_name("_scrubber_assets")
_COMPONENT = st.components.v2.component(
    "aelab.scrubber",
    html=(_ASSETS / "scrubber.html").read_text(),
    css=(_ASSETS / "scrubber.css").read_text(),
    js=(_ASSETS / "entry.js").read_text(),
    # In the page's own DOM, not a shadow root: its rules are all under .scrub, and the page's tests and
    # tools (picture widths, axe) find its pictures as they find the others.
    isolate_styles=False,
)


def atlas(frames, static=None, colors=None):
    """Packs a sample's frames into one PNG data URI, the way the browser reads them.

    Band `s` (a row of tiles, top to bottom) holds frame `s`'s pictures side by side;
    one more band at the bottom holds the pictures that do not change.

    Args:
        frames: array (S, K, H, W, C) in [0, 1] or uint8: K pictures per stop, C 1 (gray) or 3 (RGB).
        static: optional array (M, H, W, C) of the pictures every stop shares.
        colors: for charts only: a palette of at most this many colours (a third of the bytes of
            true colour for a scatter, which has few); None keeps every pixel exact (digits, photos).

    Returns:
        `(uri, (W, H))`: the PNG data URI and one tile's size in pixels.
    """
    # Charts come as uint8 (a chart's 31 frames are 30 MB so, 120 MB as floats); pictures as floats.
    dtype = "uint8" if np.asarray(frames).dtype == np.uint8 else "float32"
    frames = np.asarray(frames, dtype)
    n_stops, k, h, w, c = frames.shape
    static = np.zeros((0, h, w, c), dtype) if static is None else np.asarray(static, dtype)
    width = max(k, len(static), 1)
    sheet = np.zeros(((n_stops + 1) * h, width * w, c), dtype)
    for s in range(n_stops):
        sheet[s * h : (s + 1) * h, : k * w] = frames[s].transpose(1, 0, 2, 3).reshape(h, k * w, c)
    if len(static):
        sheet[n_stops * h :, : len(static) * w] = static.transpose(1, 0, 2, 3).reshape(h, len(static) * w, c)
    sheet = sheet[..., 0] if c == 1 else sheet
    if colors is None:
        png = images.to_png(sheet)
    else:
        buf = io.BytesIO()
        Image.fromarray(images.to_uint8(sheet)).quantize(colors, method=Image.Quantize.FASTOCTREE).save(buf, "PNG")
        png = buf.getvalue()
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii"), (w, h)


def scrubber(key, *, label, stops, value, on_change, atlas_uri=None, tile=(0, 0), rows=(), heads=None, note=None, group_label=None,
             metrics=None, marker=None, traces=None, numbers=None, layout="grid", pixelated=True, cell_px=112):  # fmt: skip
    """Shows a scrubbed slider and its pictures.

    Args:
        key: widget key (the component's state: the settled stop's index).
        label: what the slider sets, translated ("Noise level σ"): its accessible name.
        group_label: what the whole shows, for screen readers (default: `label`).
        stops: the text of each stop ("σ = 0.30"), in slider order.
        value: the index of the stop shown first (the page's settled value).
        atlas_uri, tile: from `atlas`; none for a scrubber that only moves a chart's traces.
        rows: list of dicts: `cells`, a list of `{"t": k}` (the k-th picture of the stop's band)
            or `{"s": k}` (the k-th unchanging picture), each with `alt`, a text or one text per
            stop; optional `caption`, a text or one per stop.
        on_change: called with the settled stop's index (in the callback phase).
        heads: optional column headers, each a text or one text per stop.
        note: optional line above the pictures, a text or one text per stop.
        metrics: optional, per stop, a list of `(label, value, delta, "up"|"down"|"")`.
        marker: optional dict: `chart` (the `st.plotly_chart` key), `prefix` (the start of the marker's
            note, "σ = "), and per stop `values` (x on the chart), `texts` (the note), `right` (the note
            left of the line).
        traces: optional dict: `chart` (the `st.plotly_chart` key) and `items`, a list of
            `{"match": the start of a trace's name, "x", "y", "names": one per stop}`: the browser puts
            stop s's points and name in the first trace whose name starts with `match` (plotly.js's own
            `restyle`). x and y hold None where a line breaks.
        numbers: optional numeric value of each stop, ascending, for `aria-valuenow` (indices otherwise).
        layout: "grid" (rows under each other, as `_pictures.grid`) or "two" (rows side by side where they fit).
        pixelated: draw pictures with square pixels (digits); False scales them smoothly (photos).
        cell_px: the largest width of a picture in CSS pixels.
    """

    def settled():
        state = st.session_state.get(key)
        i = state.get("value") if hasattr(state, "get") else None
        # What a browser sends is checked like any input: a stop's index.
        if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(stops):
            on_change(i)

    data = {
        "label": label,
        "group_label": group_label,
        "stops": list(stops),
        "value": int(value),
        "numbers": None if numbers is None else [float(v) for v in numbers],
        "atlas": atlas_uri,
        "tile": list(tile),
        "rows": list(rows),
        "heads": heads,
        "note": note,
        "metrics": metrics,
        "marker": marker,
        "traces": traces,
        "layout": layout,
        "pixelated": pixelated,
        "cell_px": int(cell_px),
        "failed": _("The pictures could not be drawn"),
    }
    _COMPONENT(key=key, data=data, on_value_change=settled)
