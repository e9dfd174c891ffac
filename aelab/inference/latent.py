"""The 2-D latent space: encoding a set, decoding grids, slider ranges, plot selections.

Whether a model can play a latent kind at all is `aelab.models.contract.check`.
"""

import numpy as np

from aelab import inference
from aelab.data import images


def encode(model, x, batch_size=1000):
    """Encodes images to latent points (the posterior mean for a VAE).

    Args:
        model: an AE or VAE with `.encoder`.
        x: images of shape (N, 28, 28, 1) in [0, 1].
        batch_size: images per call.

    Returns:
        float32 array of shape (N, latent_dim).
    """
    return inference.run_batched(model.encode_mean, x, batch_size).astype("float32")


def decode(model, z):
    """Decodes latent points in one traced call (no `predict`: it is slow for few points).

    Args:
        model: an AE or VAE with `.decoder`.
        z: array of shape (N, latent_dim).

    Returns:
        float32 images of shape (N, 28, 28, 1) in [0, 1].
    """
    z = np.asarray(z, dtype="float32").reshape(-1, np.shape(z)[-1])
    return inference.run_chunked(model.decoder, z)


def reconstruct(model, x):
    """Encodes and decodes images (a VAE decodes its posterior mean).

    Args:
        model: an AE or VAE.
        x: images of shape (N, 28, 28, 1).

    Returns:
        float32 reconstructions shaped like `x`.
    """
    return inference.run(model, x)


def grid_axes(n, z0_range, z1_range):
    """The latent values at the centres of an n x n manifold's cells.

    Args:
        n: cells per side.
        z0_range: `(low, high)` of the horizontal axis.
        z1_range: `(low, high)` of the vertical axis.

    Returns:
        `(z0_values, z1_values)`: z0 ascending left to right, z1 descending
        top to bottom (so that up means larger z1, as on a plot).
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"Invalid value for argument n: expected an integer >= 1. Received: n={n}")
    z0 = np.linspace(z0_range[0], z0_range[1], n, dtype="float32")
    z1 = np.linspace(z1_range[1], z1_range[0], n, dtype="float32")
    return z0, z1


def grid_points(z0_values, z1_values):
    """All latent points of a grid, row by row from the top left.

    Returns:
        float32 array of shape (len(z1_values) * len(z0_values), 2).
    """
    zz0, zz1 = np.meshgrid(z0_values, z1_values)
    return np.stack([zz0.ravel(), zz1.ravel()], axis=1).astype("float32")


def manifold(model, n=30, z0_range=(-4.0, 4.0), z1_range=(-4.0, 4.0), pad=0):
    """Decodes an n x n grid of latent points into one mosaic, in one batched call.

    Args:
        model: an AE or VAE with a 2-D latent.
        n: cells per side.
        z0_range, z1_range: `(low, high)` of each latent axis.
        pad: pixels between cells.

    Returns:
        `(mosaic, z0_values, z1_values)`: a float32 (n*28, n*28) image in
        [0, 1] (when `pad` is 0) and the axes from `grid_axes`.
    """
    z0, z1 = grid_axes(n, z0_range, z1_range)
    digits = decode(model, grid_points(z0, z1))[..., 0]
    return images.tile(digits, n_cols=len(z0), pad=pad, pad_value=1.0), z0, z1


def _round_out(lo, hi, step):
    return float(np.floor(lo / step) * step), float(np.ceil(hi / step) * step)


def percentile_range(z, lo=1.0, hi=99.0, step=0.5):
    """A latent range that holds most of a set, without its far outliers.

    An AE's latent is unbounded and off-centre, so its manifold must be drawn
    where its digits actually are.

    Args:
        z: encoded points of shape (N, 2).
        lo, hi: percentiles kept on each axis.
        step: the limits are rounded outwards to multiples of this.

    Returns:
        `((z0_low, z0_high), (z1_low, z1_high))`.
    """
    p = np.percentile(np.asarray(z, "float64"), [lo, hi], axis=0)
    return tuple(_round_out(p[0, d], p[1, d], step) for d in range(2))


def slider_bounds(z, margin=0.25, step=0.5, at_least=None):
    """Outer limits for latent sliders: the set's extremes, widened by a margin.

    Args:
        z: encoded points of shape (N, 2).
        margin: fraction of each axis' extent added on both sides.
        step: the limits are rounded outwards to multiples of this.
        at_least: optional `(low, high)` the bounds always include (the
            VAE's prior lives in [-4, 4] whatever the data).

    Returns:
        `((z0_low, z0_high), (z1_low, z1_high))`.
    """
    z = np.asarray(z, "float64")
    out = []
    for d in range(2):
        a, b = float(z[:, d].min()), float(z[:, d].max())
        extra = margin * max(b - a, 1e-6)
        a, b = a - extra, b + extra
        if at_least is not None:
            a, b = min(a, at_least[0]), max(b, at_least[1])
        out.append(_round_out(a, b, step))
    return tuple(out)


def selected_rows(selection, n_rows=None):
    """Maps a Plotly box/lasso selection back to data rows through `customdata`.

    Each point of a scatter made by `aelab.figures.plots.latent_scatter` carries its
    row index as customdata; traces without customdata (markers, highlights)
    are ignored, so this does not depend on trace order or point indices.

    Args:
        selection: the selection from `st.plotly_chart(..., on_select="rerun")`
            (either the whole event or its `selection`), or None.
        n_rows: optional number of rows; indices outside [0, n_rows) are dropped.

    Returns:
        Sorted, unique int64 array of row indices (empty if nothing is selected).
    """
    if not selection:
        return np.zeros(0, dtype="int64")
    if "selection" in selection:
        selection = selection["selection"]
    rows = []
    for point in selection.get("points", None) or []:
        custom = point.get("customdata") if isinstance(point, dict) else None
        if isinstance(custom, (list, tuple)):
            custom = custom[0] if custom else None
        if custom is None or isinstance(custom, bool):
            continue
        try:
            rows.append(int(custom))
        except (TypeError, ValueError):
            continue
    out = np.unique(np.asarray(rows, dtype="int64"))
    if n_rows is not None:
        out = out[(out >= 0) & (out < n_rows)]
    return out


def rows_in_region(z, labels, digits=(), z0=None, z1=None):
    """The rows a keyboard's selection picks: digits of some classes inside a box of the plane.

    The same rows a box drawn over that region of the scatter selects (`selected_rows`), for
    whoever cannot drag one (WCAG 2.1.1 keyboard, 2.5.7 dragging movements).

    Args:
        z: encoded points of shape (N, 2).
        labels: their digit labels, (N,).
        digits: the classes to keep; empty keeps every class.
        z0: optional `(low, high)` of z0, ends included; None for the whole axis.
        z1: optional `(low, high)` of z1, likewise.

    Returns:
        Sorted int64 array of row indices.
    """
    z, labels = np.asarray(z), np.asarray(labels)
    keep = np.isin(labels, list(digits)) if len(digits) else np.ones(len(z), bool)
    for d, bounds in enumerate((z0, z1)):
        if bounds is not None:
            keep &= (z[:, d] >= bounds[0]) & (z[:, d] <= bounds[1])
    return np.flatnonzero(keep).astype("int64")


def plane_view(kind, z, lo=1.0, hi=99.0):
    """Where a kind's latent plane is looked at, and how far sliders over it reach: the app's one rule.

    A kind without a prior is looked at where its digits are (percentiles `lo` to `hi` on each
    axis); one with a prior over the prior's extent, widened where its digits reach further.

    Args:
        kind: its `aelab.models.registry.ModelKind` (`prior_extent`).
        z: its encodings of the test digits, shape (N, 2).
        lo, hi: the percentiles of the digits the view holds.

    Returns:
        `(view, bounds)`: two `(low, high)` ranges each, for z0 and z1.
    """
    view = percentile_range(z, lo, hi)
    if kind.prior_extent is None:
        return view, slider_bounds(z)
    e = kind.prior_extent
    view = tuple((min(a, -e), max(b, e)) for a, b in view)
    return view, slider_bounds(z, at_least=(-e, e))
