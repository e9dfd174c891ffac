"""Unit tests for aelab.figures.plots: the figures carry what the app and selections rely on."""

import base64

import numpy as np
import plotly.graph_objects as go
import pytest

from aelab.data import images
from aelab.figures import plots
from aelab.inference import latent


def sample(n=50):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 2)).astype("float32"), rng.integers(0, 10, n)


def test_latent_scatter_one_webgl_trace_per_digit_with_row_customdata():
    z, y = sample()
    fig = plots.latent_scatter(z, y, title="AE")
    assert [t.name for t in fig.data] == [str(d) for d in range(10)]
    assert all(isinstance(t, go.Scattergl) for t in fig.data)
    rows = np.concatenate([np.asarray(t.customdata) for t in fig.data])
    np.testing.assert_array_equal(np.sort(rows), np.arange(len(z)))
    for t in fig.data:  # each point sits where its row was encoded
        np.testing.assert_allclose(np.asarray(t.x), z[np.asarray(t.customdata), 0])
    assert fig.layout.dragmode == "select"


def test_selection_of_scatter_points_maps_back_to_rows():
    z, y = sample()
    fig = plots.latent_scatter(z, y, point=(0.0, 0.0))
    # What the browser sends for a box around trace 3's first two points and the marker.
    t = fig.data[3]
    points = [{"curve_number": 3, "point_index": i, "customdata": int(t.customdata[i])} for i in range(2)]
    points.append({"curve_number": 10, "point_index": 0})
    rows = latent.selected_rows({"selection": {"points": points}}, len(z))
    np.testing.assert_array_equal(rows, np.sort(np.asarray(t.customdata[:2])))
    assert np.all(y[rows] == 3)


def test_latent_scatter_marks_the_point_without_customdata():
    z, y = sample()
    fig = plots.latent_scatter(z, y, point=(1.5, -2.0))
    marker = fig.data[-1]
    assert len(fig.data) == 11 and marker.customdata is None
    assert (marker.x[0], marker.y[0]) == (1.5, -2.0)


def test_manifold_figure_axes_in_latent_units_and_point():
    mosaic = np.zeros((5 * 28, 5 * 28), "float32")
    z0, z1 = latent.grid_axes(5, (-4, 4), (-2, 2))
    fig = plots.manifold_figure(mosaic, z0, z1, point=(-4.0, -2.0))
    img, marker = fig.data
    assert isinstance(img, go.Image) and img.source.startswith("data:image/png;base64,")
    png = base64.b64decode(img.source.split(",", 1)[1])
    assert png == images.to_png(mosaic)
    assert list(fig.layout.xaxis.ticktext) == ["-4", "-3", "-2", "-1", "0", "1", "2", "3", "4"]
    assert list(fig.layout.yaxis.ticktext) == ["-2.0", "-1.5", "-1.0", "-0.5", "0.0", "0.5", "1.0", "1.5", "2.0"]
    # Ticks sit where their value is decoded: -4 and 4 at the outer cells' centres, 0 in the middle.
    assert fig.layout.xaxis.tickvals[0] == 13.5 and fig.layout.xaxis.tickvals[-1] == 4 * 28 + 13.5
    assert fig.layout.yaxis.tickvals[0] == 4 * 28 + 13.5  # z1 = -2 is at the bottom
    assert fig.layout.xaxis.tickvals[4] == 2 * 28 + 13.5
    # (-4, -2) is the bottom-left cell's centre.
    assert (marker.x[0], marker.y[0]) == (13.5, 4 * 28 + 13.5)


def test_manifold_figure_accepts_png_bytes_and_caps_ticks():
    png = images.to_png(np.zeros((30 * 28, 30 * 28)))
    z0, z1 = latent.grid_axes(30, (-4, 4), (-4, 4))
    fig = plots.manifold_figure(png, z0, z1, max_ticks=7)
    assert fig.data[0].source.endswith(base64.b64encode(png).decode()[-20:])
    assert list(fig.layout.xaxis.ticktext) == ["-4", "-2", "0", "2", "4"] and len(fig.data) == 1


def test_loss_curve_has_train_and_validation():
    fig = plots.loss_curve({"loss": [3.0, 2.0, 1.5], "val_loss": [3.1, 2.2, 1.9], "learning_rate": [1e-3] * 3})
    assert [t.name for t in fig.data] == ["train", "validation"]
    assert list(fig.data[0].x) == [1, 2, 3]
    assert fig.layout.xaxis.dtick == 1  # whole epochs
    assert plots.loss_curve({"loss": list(range(30))}).layout.xaxis.dtick == 3
    assert list(plots.loss_curve({"loss": [1.0]}, epochs=5).layout.xaxis.range) == [0.5, 5.5]
    assert len(plots.loss_curve({}).data) == 0


@pytest.mark.parametrize(
    "lo, hi, expected",
    [
        (-4, 4, [-4, -3, -2, -1, 0, 1, 2, 3, 4]),
        (8.5, 24.5, [10, 12, 14, 16, 18, 20, 22, 24]),
        (-0.3, 0.35, [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]),
        (1, -1, [-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1]),
        (3, 3, [3]),
    ],
)
def test_nice_ticks(lo, hi, expected):
    np.testing.assert_allclose(plots.nice_ticks(lo, hi, 9), expected)


def test_move_point_matches_a_figure_built_at_the_new_point():
    rng = np.random.default_rng(0)
    z, labels = rng.normal(size=(50, 2)), rng.integers(0, 10, 50)
    moved = plots.move_point(plots.latent_scatter(z, labels, point=(0.0, 0.0)), (1.5, -2.0))
    built = plots.latent_scatter(z, labels, point=(1.5, -2.0))
    assert (moved.data[-1].x, moved.data[-1].y) == (built.data[-1].x, built.data[-1].y) == ((1.5,), (-2.0,))

    z0, z1 = latent.grid_axes(10, (-3.0, 3.0), (-2.0, 2.0))
    mosaic = np.zeros((280, 280), "float32")
    moved = plots.move_point(
        plots.manifold_figure(mosaic, z0, z1, point=(0.0, 0.0)), (3.0, -2.0), manifold_axes=(z0, z1)
    )
    built = plots.manifold_figure(mosaic, z0, z1, point=(3.0, -2.0))
    assert moved.data[-1].x == built.data[-1].x and moved.data[-1].y == built.data[-1].y
    assert moved.data[-1].x[0] > 250 and moved.data[-1].y[0] > 250  # Bottom-right cell centre.
