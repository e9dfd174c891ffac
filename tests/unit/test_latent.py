"""Unit tests for aelab.inference.latent: selections, grids, ranges, manifold decoding (tiny fake models)."""

import numpy as np
import pytest
import tensorflow as tf

from aelab.inference import latent
from aelab.models import contract


class FakeDecoder:
    """Decodes z to a 28x28 image filled with z0 (so cell placement is visible)."""

    # TensorFlow ops, not NumPy: aelab.inference.latent runs decoders inside a tf.function.
    def __call__(self, z, training=False):
        return tf.broadcast_to(z[:, 0, None, None, None], (tf.shape(z)[0], 28, 28, 1))


class FakeModel:
    def __init__(self, vae=False):
        self.vae = vae
        self.decoder = FakeDecoder()

    def encoder(self, x, training=False):
        mean = np.stack([x.mean(axis=(1, 2, 3)), -x.mean(axis=(1, 2, 3))], axis=1)
        if self.vae:
            return mean, np.zeros_like(mean), mean + 100.0  # The sample z must not be used.
        return mean

    def encode_mean(self, x):
        # The contract of aelab.models' Autoencoder and VAE (tested there on the real classes).
        out = self.encoder(x)
        return out[0] if self.vae else out

    def __call__(self, x, training=False):
        return x * 0.5


# selected_rows


def test_selected_rows_reads_customdata_in_every_shape():
    selection = {
        "points": [
            {"curve_number": 3, "point_index": 0, "customdata": 7},
            {"curve_number": 1, "point_index": 0, "customdata": [2]},
            {"curve_number": 1, "point_index": 5, "customdata": [7]},  # duplicate row
            {"curve_number": 10, "point_index": 0},  # the picked-point marker: no customdata
        ],
        "point_indices": [0, 0, 5, 0],
        "box": [{"x": [0, 1], "y": [0, 1]}],
        "lasso": [],
    }
    np.testing.assert_array_equal(latent.selected_rows(selection), [2, 7])
    # The whole event returned by st.plotly_chart works too.
    np.testing.assert_array_equal(latent.selected_rows({"selection": selection}), [2, 7])


@pytest.mark.parametrize("empty", [None, {}, {"selection": {"points": []}}, {"points": None}])
def test_selected_rows_empty(empty):
    out = latent.selected_rows(empty)
    assert out.dtype == np.int64 and out.size == 0


def test_selected_rows_drops_out_of_range_and_junk():
    points = [{"customdata": c} for c in (5, -1, 10, "3", None, True, "x", [])]
    np.testing.assert_array_equal(latent.selected_rows({"points": points}, n_rows=10), [3, 5])


# grids and ranges


def test_grid_axes_orientation():
    z0, z1 = latent.grid_axes(3, (-1, 1), (-2, 2))
    np.testing.assert_allclose(z0, [-1, 0, 1])
    np.testing.assert_allclose(z1, [2, 0, -2])  # top row is the largest z1
    with pytest.raises(ValueError, match="n"):
        latent.grid_axes(0, (0, 1), (0, 1))


def test_grid_points_row_major_from_top_left():
    pts = latent.grid_points(np.array([0.0, 1.0]), np.array([5.0, 4.0]))
    np.testing.assert_allclose(pts, [[0, 5], [1, 5], [0, 4], [1, 4]])


def test_manifold_places_cells_by_z0():
    mosaic, z0, z1 = latent.manifold(FakeModel(), n=3, z0_range=(0.0, 1.0), z1_range=(-1, 1))
    assert mosaic.shape == (84, 84)
    np.testing.assert_allclose(mosaic[0, ::28], [0.0, 0.5, 1.0])  # left to right: z0 grows
    np.testing.assert_allclose(z0, [0, 0.5, 1])
    np.testing.assert_allclose(z1, [1, 0, -1])


def test_percentile_range_rounds_outwards_and_ignores_outliers():
    z = np.stack([np.linspace(0.2, 9.8, 1000), np.linspace(-3.2, 3.2, 1000)], axis=1)
    z[0] = (1000.0, -1000.0)
    (a, b), (c, d) = latent.percentile_range(z, lo=1, hi=99, step=0.5)
    assert (a, b) == (0.0, 10.0)
    assert (c, d) == (-3.5, 3.5)


def test_slider_bounds_cover_data_and_prior():
    z = np.array([[0.0, 0.0], [1.0, 2.0]])
    (a, b), (c, d) = latent.slider_bounds(z, margin=0.25, step=0.5, at_least=(-4, 4))
    assert (a, b) == (-4.0, 4.0) and (c, d) == (-4.0, 4.0)
    (a, b), _ = latent.slider_bounds(z * 10, margin=0.25, step=0.5)
    assert a <= -2.5 and b >= 12.5


# models


def test_encode_uses_the_posterior_mean_of_a_vae():
    x = np.full((3, 28, 28, 1), 0.25, "float32")
    z = latent.encode(FakeModel(vae=True), x, batch_size=2)
    assert z.shape == (3, 2) and z.dtype == np.float32
    np.testing.assert_allclose(z, [[0.25, -0.25]] * 3)


def test_decode_and_reconstruct_shapes():
    img = latent.decode(FakeModel(), [0.5, 0.0])
    assert img.shape == (1, 28, 28, 1) and np.allclose(img, 0.5)
    rec = latent.reconstruct(FakeModel(), np.ones((2, 28, 28, 1)))
    assert rec.shape == (2, 28, 28, 1) and np.allclose(rec, 0.5)


def test_the_contract_check_accepts_and_rejects():
    contract.check(FakeModel(), "ae2d")
    contract.check(FakeModel(vae=True), "vae2d")
    with pytest.raises(ValueError, match="vae2d"):
        contract.check(FakeModel(), "vae2d")
    with pytest.raises(ValueError, match="encoder"):
        contract.check(object(), "ae2d")
    with pytest.raises(ValueError, match=r"Expected output images of shape \(32, 32, 3\)"):
        contract.check(FakeModel(), "colorizer")  # A digit model under a colorizer's name.


def test_rows_in_region_picks_the_classes_inside_the_box_ends_included():
    z = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [1.0, 1.5]])
    y = np.array([7, 7, 7, 1])
    np.testing.assert_array_equal(latent.rows_in_region(z, y, [7], (0.0, 1.0), (0.0, 1.0)), [0, 1])
    np.testing.assert_array_equal(latent.rows_in_region(z, y, [], None, (1.0, 2.0)), [1, 2, 3])  # every class
    assert latent.rows_in_region(z, y, [3]).dtype == np.int64 and not len(latent.rows_in_region(z, y, [3]))
