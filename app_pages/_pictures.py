"""Small pictures sent inside the page itself, as data URIs (not a page).

Why not `st.image(array)`: Streamlit keeps each picture as a file under /media/,
one per element, only as long as the session's latest run shows it. When a
slider is held down, every run replaces the picture of the run before and
deletes its file at the end of the run; a browser that had the older URL and
had not fetched it yet (it was busy drawing, or the request was in flight) gets
a 404 and shows a broken-image icon until the next picture arrives. Seen with
20 quick key presses on the Denoising σ slider: four 404s on /media/...jpg and
broken images on screen. A data URI travels in the same message as the element
that shows it, so there is nothing left to fetch and nothing to expire.

The digits go at their own 28 px and the browser enlarges them (`pixelated`, so
pixels stay square, as `aelab.data.images.enlarge` does): a row of three digits
is about 1.5 kB instead of 50 kB.
"""

import base64
import html

import numpy as np
import streamlit as st

from aelab.data import images
from aelab.i18n import _


def data_uri(img):
    """An image array in [0, 1] (H, W) or (H, W, C), or PNG bytes, as a PNG data URI."""
    png = bytes(img) if isinstance(img, (bytes, bytearray)) else images.to_png(np.asarray(img))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image(img, caption=None, width="content"):
    """`st.image` of an array, sent as a data URI (see the module docstring)."""
    st.image(data_uri(img), caption=caption, width=width)


def grid(rows, cell_px, headers=None, label=None):
    """Shows rows of small pictures in a grid that shrinks to its column, never past it.

    Each column is at most `cell_px` wide and narrower when the page is: a row
    stays one row on a phone, its pictures side by side, instead of wrapping.

    Args:
        rows: list of `(caption, pictures)`; `caption` (or None) is a line
            above its row, `pictures` a list of arrays, the same number in every row.
        cell_px: the largest width of a picture, in CSS pixels.
        headers: optional texts above the columns, one per picture of a row.
        label: what the grid shows, for screen readers (default: "pictures", translated).
    """
    label = _("pictures") if label is None else label
    n = max((len(p) for _caption, p in rows), default=1)
    cells = [f'<div class="aelab-head">{html.escape(h)}</div>' for h in headers or ()]
    for r, (caption, pictures) in enumerate(rows):
        if caption:
            cells.append(f'<div class="aelab-caption">{html.escape(caption)}</div>')
        for c, picture in enumerate(pictures):
            alt = (
                _("{header}, row {n}").format(header=headers[c], n=r + 1) if headers else f"{caption or label}, {c + 1}"
            )
            cells.append(f'<img src="{data_uri(picture)}" alt="{html.escape(alt)}">')
    st.html(
        f'<div class="aelab-grid" role="group" aria-label="{html.escape(label)}" '
        f'style="grid-template-columns: repeat({n}, minmax(0, {int(cell_px)}px))">{"".join(cells)}</div>'
    )
