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
    assert fig.layout.dragmode is False  # a swipe scrolls the page on a phone
    # Each digit written on its cloud, a second cue beside colour (where: tests/unit/test_digit_names.py).
    said = {a.text: (a.x, a.y) for a in fig.layout.annotations}
    assert set(said) == {f"<b>{d}</b>" for d in np.unique(y)}
    alone = plots.latent_scatter(z[y == 3], y[y == 3]).layout.annotations[0]
    assert (alone.x, alone.y) == pytest.approx(tuple(np.median(z[y == 3], axis=0)))  # Uncrowded: at its median.
    assert plots.latent_scatter(z, y, select=True).layout.dragmode == "select"


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


def test_manifold_figure_places_the_mosaic_in_latent_units():
    mosaic = np.zeros((5 * 28, 5 * 28), "float32")
    z0, z1 = latent.grid_axes(5, (-4, 4), (-2, 2))
    fig = plots.manifold_figure(mosaic, z0, z1, point=(-4.0, -2.0))
    (img,) = fig.layout.images
    assert img.source.startswith("data:image/png;base64,")
    assert base64.b64decode(img.source.split(",", 1)[1]) == images.to_png(mosaic)
    # Cells are 2 (z0) by 1 (z1) apart: the image reaches half a cell beyond the outer centres,
    # so each cell's centre sits on the value it was decoded from.
    assert (img.xref, img.yref, img.xanchor, img.yanchor) == ("x", "y", "left", "top")
    assert (img.x, img.y, img.sizex, img.sizey) == (-5.0, 2.5, 10.0, 5.0)
    assert tuple(fig.layout.xaxis.range) == (-5.0, 5.0) and tuple(fig.layout.yaxis.range) == (-2.5, 2.5)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 2.0  # square cells
    assert fig.layout.xaxis.tickvals is None  # Plotly draws the z ticks itself
    # The cross is at the latent point itself.
    (marker,) = fig.data
    assert (marker.x[0], marker.y[0]) == (-4.0, -2.0)


def test_manifold_figure_accepts_png_bytes_and_caps_ticks():
    png = images.to_png(np.zeros((30 * 28, 30 * 28)))
    z0, z1 = latent.grid_axes(30, (-4, 4), (-4, 4))
    fig = plots.manifold_figure(png, z0, z1, max_ticks=7)
    assert fig.layout.images[0].source.endswith(base64.b64encode(png).decode()[-20:])
    assert fig.layout.xaxis.nticks == 7 and len(fig.data) == 0


def test_manifold_figure_of_a_single_value_range():
    z0, z1 = latent.grid_axes(3, (1.0, 1.0), (-1.0, 1.0))  # z0 does not vary: cells one unit wide
    fig = plots.manifold_figure(np.zeros((84, 84)), z0, z1)
    assert tuple(fig.layout.xaxis.range) == (0.5, 1.5) and fig.layout.yaxis.scaleratio == 1.0


def test_loss_curve_has_train_and_validation():
    fig = plots.loss_curve({"loss": [3.0, 2.0, 1.5], "val_loss": [3.1, 2.2, 1.9], "learning_rate": [1e-3] * 3})
    assert [t.name for t in fig.data] == ["train", "validation"]
    assert list(fig.data[0].x) == [1, 2, 3]
    assert fig.layout.xaxis.dtick == 1  # whole epochs
    assert plots.loss_curve({"loss": list(range(30))}).layout.xaxis.dtick == 3
    assert list(plots.loss_curve({"loss": [1.0]}, epochs=5).layout.xaxis.range) == [0.5, 5.5]
    assert len(plots.loss_curve({}).data) == 0


def test_move_point_matches_a_figure_built_at_the_new_point():
    rng = np.random.default_rng(0)
    z, labels = rng.normal(size=(50, 2)), rng.integers(0, 10, 50)
    moved = plots.move_point(plots.latent_scatter(z, labels, point=(0.0, 0.0)), (1.5, -2.0))
    built = plots.latent_scatter(z, labels, point=(1.5, -2.0))
    assert (moved.data[-1].x, moved.data[-1].y) == (built.data[-1].x, built.data[-1].y) == ((1.5,), (-2.0,))

    z0, z1 = latent.grid_axes(10, (-3.0, 3.0), (-2.0, 2.0))
    mosaic = np.zeros((280, 280), "float32")
    moved = plots.move_point(plots.manifold_figure(mosaic, z0, z1, point=(0.0, 0.0)), (3.0, -2.0))
    built = plots.manifold_figure(mosaic, z0, z1, point=(3.0, -2.0))
    assert moved.data[-1].x == built.data[-1].x == (3.0,) and moved.data[-1].y == built.data[-1].y == (-2.0,)


def _cvd_views():
    from colorspacious import cspace_convert

    rgb = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in plots.DIGIT_COLORS])
    views = {"normal vision": rgb}
    for kind in ("deuteranomaly", "protanomaly", "tritanomaly"):
        cvd = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
        views[kind] = np.clip(cspace_convert(rgb, cvd, "sRGB1"), 0, 1)
    return views


def test_the_ten_digit_colours_stay_apart_in_colour_deficient_vision():
    from colorspacious import deltaE

    assert len(set(plots.DIGIT_COLORS)) == 10
    for view, rgb in _cvd_views().items():
        # CAM02-UCS distance of the closest pair, under Machado et al.'s full-severity simulations.
        closest = min(deltaE(rgb[i], rgb[j], input_space="sRGB1") for i in range(10) for j in range(i + 1, 10))
        assert closest > 14, f"two digits look alike in {view}: ΔE {closest:.1f}"


def test_digit_colours_are_matplotlibs_petroff10():
    import matplotlib.style

    cycle = matplotlib.style.library["petroff10"]["axes.prop_cycle"].by_key()["color"]
    assert [c.upper().lstrip("#") for c in cycle] == [c.lstrip("#") for c in plots.DIGIT_COLORS]


def _contrast(a, b):
    """WCAG's contrast ratio of two "#RRGGBB" colours."""

    def luminance(c):
        rgb = np.array([int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        rgb = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return rgb @ [0.2126, 0.7152, 0.0722]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_digits_dots_have_an_edge_of_3_to_1_on_the_white_plane():
    # The scatter and the navigator's plane are white; a dot's edge is what meets it (WCAG 1.4.11).
    for d, edge in enumerate(plots.DIGIT_EDGES):
        assert _contrast(edge, "#FFFFFF") >= 3.0, f"digit {d}: {_contrast(edge, '#FFFFFF'):.2f}:1"
        if _contrast(plots.DIGIT_COLORS[d], "#FFFFFF") >= 3.0:
            assert edge == plots.DIGIT_COLORS[d]  # only the light fills get a darker edge
    z, y = sample()
    assert [t.marker.line.color for t in plots.latent_scatter(z, y).data] == list(plots.DIGIT_EDGES)


def _figures():
    z, y = sample()
    z0, z1 = latent.grid_axes(5, (-4, 4), (-4, 4))
    sweep = {"sigma": [0.0, 0.5, 1.0], **{k: [1.0, 0.5, 0.2] for k in ("noisy_psnr", "noisy_ssim", "psnr", "ssim")}}
    return {
        "scatter": plots.latent_scatter(z, y, title="AE"),
        "manifold": plots.manifold_figure(np.zeros((140, 140)), z0, z1, point=(0, 0)),
        "loss": plots.loss_curve({"loss": [2.0, 1.0], "val_loss": [2.1, 1.2]}),
        "robustness": plots.robustness_chart(sweep, sigma=0.5, title="t"),
    }


@pytest.mark.parametrize("name", ["scatter", "manifold", "loss", "robustness"])
def test_figures_set_projector_fonts_on_every_axis_and_do_not_capture_touch(name):
    fig = _figures()[name]
    axes = [fig.layout[k] for k in fig.layout if k.startswith(("xaxis", "yaxis")) and fig.layout[k] is not None]
    assert axes
    for axis in axes:  # Per axis: Streamlit's theme sets every axis' tick font, which outranks layout.font.
        assert axis.tickfont.size >= 16 and axis.tickfont.color == plots.TEXT_COLOR
        assert axis.title.font.size >= 16
    assert fig.layout.legend.font.size >= 16
    assert fig.layout.margin.t >= plots.TOOLBAR_MARGIN  # The toolbar sits above the plot, clear of the legend.
    assert fig.layout.dragmode is False


@pytest.mark.parametrize("name", ["scatter", "loss", "robustness"])
def test_legends_sit_at_the_foot_of_the_figure_below_the_x_axis(name):
    # In the figure's own coordinates, Plotly keeps room for the legend under the tick labels and the
    # axis title, however many rows it wraps to; at a fraction of the plot's height it ran into them.
    legend = _figures()[name].layout.legend
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "container", 0, "bottom")
    assert (legend.x, legend.xanchor) == (0, "left")


def test_a_cut_short_epoch_is_drawn_hollow_and_named():
    from aelab.figures import plots

    fig = plots.loss_curve({"loss": [0.3, 0.2], "val_loss": [0.31, 0.22]}, partial_epoch=2)
    for trace in fig.data:
        assert list(trace.marker.symbol) == ["circle", "circle-open"]
        assert "stopped part-way" in trace.hovertext[-1]
    whole = plots.loss_curve({"loss": [0.3, 0.2]})
    assert whole.data[0].marker.symbol is None
