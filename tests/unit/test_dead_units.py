"""Dead units: proved zero for every latent point, and the decoder without them decodes the same digits."""

import numpy as np
import pytest

from aelab import checkpoints
from aelab.inference import dead_units


def _second_layer_inputs(w1, b1, w2, b2, z):
    return np.maximum(z @ w1 + b1, 0.0) @ w2 + b2


def test_a_unit_that_wakes_up_only_far_away_is_not_dead():
    # Layer 1: h = relu(z0 - 1000). Unit 0 = relu(h - 1): 0 until z0 > 1001, so any grid a
    # page would sample calls it dead. Unit 1 = relu(-h - 1): dead everywhere. Unit 2 = relu(1): alive.
    w1, b1 = np.array([[1.0], [0.0]]), np.array([-1000.0])
    w2, b2 = np.array([[1.0, -1.0, 0.0]]), np.array([-1.0, -1.0, 1.0])
    g = np.linspace(-100, 100, 101)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    assert (_second_layer_inputs(w1, b1, w2, b2, grid)[:, 0] <= 0).all()  # The grid's verdict, wrong.
    # With one line only there is no crossing; a second, crossing line makes the plane's cells.
    w1, b1 = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([-1000.0, 0.0])
    w2, b2 = np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]), np.array([-1.0, -1.0, 1.0])
    assert dead_units.dead_units(w1, b1, w2, b2).tolist() == [False, True, False]


def test_a_unit_that_grows_in_one_direction_only_is_not_dead():
    # Unit 0 = relu(relu(z0) - relu(z1) - 5): negative at every crossing (the lines cross at 0, 0)
    # but it grows without end along +z0.
    w1, b1 = np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2)
    w2, b2 = np.array([[1.0], [-1.0]]), np.array([-5.0])
    assert dead_units.dead_units(w1, b1, w2, b2).tolist() == [False]
    assert dead_units.dead_units(w1, b1, -np.abs(w2), b2).tolist() == [True]


def test_on_random_layers_every_unit_called_dead_is_zero_near_and_far():
    rng = np.random.default_rng(3)
    w1, b1 = rng.normal(size=(2, 40)), rng.normal(size=40)
    w2, b2 = rng.normal(size=(40, 500)) * 0.3, rng.normal(size=500) - 2.5
    dead = dead_units.dead_units(w1, b1, w2, b2)
    assert 0 < dead.sum() < 500  # Both kinds occur, so the check below is not vacuous.
    z = np.concatenate([rng.uniform(-20, 20, (20000, 2)), rng.normal(size=(20000, 2)) * 1e4])
    seen = _second_layer_inputs(w1, b1, w2, b2, z).max(axis=0)
    assert (seen[dead] <= 1e-9).all()
    # The proof misses few units that look dead over that many points (it is exact up to rounding).
    assert dead.sum() >= 0.95 * (seen <= 0).sum()


def test_a_first_layer_too_wide_to_prove_in_a_moment_proves_nothing():
    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(2, 1024)), rng.normal(size=1024)
    w2, b2 = rng.normal(size=(1024, 3136)), np.full(3136, -1e9)  # Dead for any input, but 5e11 multiply-adds.
    assert not dead_units.dead_units(w1, b1, w2, b2).any()


def test_a_first_layer_that_is_not_2d_is_refused():
    with pytest.raises(ValueError, match=r"Expected a first-layer kernel of shape \(2, H\)\. Received: shape=\(3, 4\)"):
        dead_units.dead_units(np.zeros((3, 4)), np.zeros(4), np.zeros((4, 5)), np.zeros(5))


@pytest.mark.parametrize("name", ["ae2d", "vae2d"])
def test_the_shipped_decoders_lose_their_dead_units_and_decode_the_same_digits(name):
    decoder = checkpoints.load(name).decoder
    slim, removed = dead_units.without_dead_units(decoder)
    assert removed > 1000  # About half of the 3,136 units (docs/performance.md)
    assert slim.count_params() < 0.6 * decoder.count_params()
    z = np.random.default_rng(0).uniform(-500, 500, (500, 2)).astype("float32")
    z[:250] /= 100  # Where the digits are, and far beyond.
    assert np.abs(np.asarray(slim(z)) - np.asarray(decoder(z))).max() <= 1e-6


def test_a_decoder_of_another_shape_is_left_as_it_is(tiny_ae):
    import keras

    z = keras.Input((2,))
    other = keras.Model(z, keras.layers.Dense(4, activation="tanh")(keras.layers.Dense(3, activation="relu")(z)))
    assert dead_units.without_dead_units(other) == (other, 0)
    slim, removed = dead_units.without_dead_units(tiny_ae.decoder)
    assert (slim is tiny_ae.decoder) == (removed == 0)
