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

Two layouts: `grid` keeps its rows (a row shrinks to a phone's width, its pictures
side by side, to compare across), `steps` wraps (a sequence too long for one row at a
readable size goes on in balanced rows).
"""

import base64
import html
import math

import numpy as np
import streamlit as st

from aelab.data import images
from aelab.i18n import _


def data_uri(img):
    """An image array in [0, 1] (H, W) or (H, W, C), or PNG bytes, as a PNG data URI."""
    png = bytes(img) if isinstance(img, (bytes, bytearray)) else images.to_png(np.asarray(img))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image(img, caption=None, width="content", alt=None):
    """`st.image` of an array, sent as a data URI (see the module docstring).

    `alt` says what the picture shows to a screen reader (e.g. "a bird: gray, colorized, original");
    without one, the caption does, so no picture is left without a text alternative.
    """
    st.image(data_uri(img), caption=caption, width=width, alt=alt or caption or _("pictures"))


def digit_alt(digit, what):
    """The alt text of a picture of a handwritten digit, naming the digit first: "digit 7, original".

    Args:
        digit: the digit's class (0-9).
        what: which picture of it this is ("original", "noisy, σ = 0.30", "denoised", a model's name).
    """
    return _("digit {d}, {what}").format(d=int(digit), what=what)


def described(text, label=None):
    """A chart's text alternative (`aelab.figures.describe`), read out politely when it changes.

    Hidden from the eye (the chart above shows it) but not from a screen reader: a polite live
    region (`aria-live="polite"`) is read when the reader is idle, so a new selection or pin is
    said without cutting off what is being read (WCAG 1.1.1, 4.1.3).

    Args:
        text: what the chart shows, in words.
        label: optional name of the chart it describes, said before the text.
    """
    said = f"{label}: {text}" if label else text
    st.html(f'<div class="aelab-described" role="status" aria-live="polite">{html.escape(said)}</div>')


GAP_PX = 8  # Between the columns of a picture grid: the global style's `.aelab-grid` gap.


def grid(rows, cell_px, headers=None, label=None, alts=None):
    """Shows rows of small pictures in a grid that shrinks to its column, never past it.

    Each column is at most `cell_px` wide and narrower when the page is: a row
    stays one row on a phone, its pictures side by side, instead of wrapping.

    Args:
        rows: list of `(caption, pictures)`; `caption` (or None) is a line
            above its row, `pictures` a list of arrays, the same number in every row.
        cell_px: the largest width of a picture, in CSS pixels.
        headers: optional texts above the columns, one per picture of a row.
        label: what the grid shows, for screen readers (default: "pictures", translated).
        alts: optional alt texts, one list per row and one text per picture, naming what each shows
            ("digit 7, original"); by default a picture is named by its column's header and its row.
    """
    label = _("pictures") if label is None else label
    n = max((len(p) for _caption, p in rows), default=1)
    cells = [f'<div class="aelab-head">{html.escape(h)}</div>' for h in headers or ()]
    for r, (caption, pictures) in enumerate(rows):
        if caption:
            cells.append(f'<div class="aelab-caption">{html.escape(caption)}</div>')
        for c, picture in enumerate(pictures):
            if alts:
                alt = alts[r][c]
            elif headers:
                alt = _("{header}, row {n}").format(header=headers[c], n=r + 1)
            else:
                alt = f"{caption or label}, {c + 1}"
            cells.append(f'<img src="{data_uri(picture)}" alt="{html.escape(alt)}">')
    st.html(
        f'<div class="aelab-grid" role="group" aria-label="{html.escape(label)}" '
        f'style="grid-template-columns: repeat({n}, minmax(0, {int(cell_px)}px))">{"".join(cells)}</div>'
    )


def steps(pictures, caption=None, cell_px=84, min_px=56, label=None, alts=None):
    """Shows a sequence of small pictures in order, in as few balanced rows as keep each `min_px` wide.

    One row where the column has room for all of them at `min_px` or more (each at
    most `cell_px`), otherwise two rows of half, three of a third...: on a phone a
    20-step interpolation is four rows of five 70-px digits, not one row of 17-px ones.
    The browser picks the rows from the column's own width (CSS container queries),
    so the server need not know the screen.

    Args:
        pictures: list of arrays in [0, 1], in reading order.
        caption: optional line under the pictures.
        cell_px: the largest width of a picture, in CSS pixels.
        min_px: the smallest width of a picture before the sequence takes one more row.
        label: what the pictures show, for screen readers (default: the caption).
        alts: optional alt texts, one per picture ("step 3 of 10: looks like a 7"); by default the
            label and the picture's place.
    """
    n = max(1, len(pictures))
    label = label or caption or _("pictures")
    kind = f"aelab-steps-{n}-{int(cell_px)}-{int(min_px)}"  # The rules depend on these alone.

    def columns(k):
        return f"grid-template-columns: repeat({k}, minmax(0, {int(cell_px)}px))"

    def needs(k):  # The narrowest column that holds k pictures of min_px side by side.
        return k * min_px + (k - 1) * GAP_PX

    # Below the width that `cols` pictures need, one more row: a rule per distinct column count.
    rules, cols = [], n
    for rows in range(2, n + 1):
        fewer = math.ceil(n / rows)
        if fewer < cols:
            rules.append(f"@container (max-width: {needs(cols) - 0.02:.2f}px) {{ .{kind} {{ {columns(fewer)} }} }}")
            cols = fewer
    cells = [
        f'<img src="{data_uri(picture)}" alt="{html.escape(alts[i] if alts else f"{label}, {i + 1}")}">'
        for i, picture in enumerate(pictures)
    ]
    below = f'<div class="aelab-caption aelab-steps-caption">{html.escape(caption)}</div>' if caption else ""
    st.html(
        f"<style>.{kind} {{ {columns(n)} }} {' '.join(rules)}</style>"
        f'<div class="aelab-steps" style="container-type: inline-size">'
        f'<div class="aelab-grid {kind}" role="group" aria-label="{html.escape(label)}">{"".join(cells)}{below}</div>'
        "</div>"
    )
