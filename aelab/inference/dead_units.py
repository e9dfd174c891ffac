"""Units of a decoder that are zero wherever the latent point is, and the same decoder without them.

The AE's and VAE's decoders start with two ReLU Dense layers (2 -> 256 -> 3136). After training,
about half of the second layer's 3,136 units are "dead": their input is negative for every point of
the plane, so they are always 0. Their weights are half of the decoder's file, which is most of what
a first visit to the navigator downloads. `without_dead_units` builds the same function without them
(the live units, then the dead ones put back as zeros before the Reshape), so the browser downloads
about half as many weights and decodes the very same digits.

"For every point of the plane" is proved, not sampled: a grid would miss a unit that wakes up only
far away (a student's AE can put its digits at |z| = 500). With a 2-D input, the first layer's
units cut the plane along 256 lines; between those lines the second layer's input is linear in z, so
it is largest at a crossing of two lines, or it grows without end along some direction. A unit is
dead when it is <= 0 at every crossing and does not grow in any direction (`dead_units`).
"""

import keras
import numpy as np

_CHUNK = 2048  # Crossings evaluated at once: 2048 x 3136 float64 values, about 50 MB.
# "<= 0" up to rounding: a sum that is 0 in exact arithmetic (cos(pi/2) times a weight) can come out
# as 1e-17. The tolerance is relative to the sizes of the terms summed, so a unit let through by it
# could wake up only ~1e9 times farther away than the digits, and then by ~1e-9 of its scale.
_RELATIVE = 1e-9
# The proof's multiply-adds (crossings x first-layer units x second-layer units) it may spend: the shipped
# decoders need 2.6e10 (1-2 s here). A much wider first layer (`python -m aelab.train --hidden-units 2048`)
# would take minutes at every export, so beyond this nothing is proved and every unit is exported.
_BUDGET = 5e10


def _crossings(w1, b1):
    """The points where two of the first layer's lines `w1[:, i] . z + b1[i] = 0` cross, shape (P, 2)."""
    i, k = np.triu_indices(w1.shape[1], 1)
    a, b, c, d = w1[0, i], w1[1, i], w1[0, k], w1[1, k]
    det = a * d - b * c
    ok = np.abs(det) > 1e-12 * (np.hypot(a, b) * np.hypot(c, d) + 1e-300)  # Parallel lines never cross.
    a, b, c, d, det, ri, rk = a[ok], b[ok], c[ok], d[ok], det[ok], -b1[i[ok]], -b1[k[ok]]
    # Cramer's rule on [[a, b], [c, d]] z = [ri, rk].
    return np.stack([(ri * d - b * rk) / det, (a * rk - ri * c) / det], axis=1)


def _largest_at_crossings(w1, b1, w2, b2):
    """Each second-layer unit's largest input over the crossings, and the size of its terms, each (U,)."""
    points = _crossings(w1, b1)
    top, size = np.full(w2.shape[1], -np.inf), np.abs(b2)
    for start in range(0, len(points), _CHUNK):
        h = np.maximum(points[start : start + _CHUNK] @ w1 + b1, 0.0)
        top = np.maximum(top, (h @ w2 + b2).max(axis=0))
        size = np.maximum(size, (h @ np.abs(w2) + np.abs(b2)).max(axis=0))
    return top, size


def _largest_slope(w1, w2):
    """Each unit's largest growth rate along a ray over all directions, and the largest it could be, each (U,).

    Far along the direction d, the first layer's unit i is on exactly when `w1[:, i] . d > 0`, so
    the unit's input grows like `t * d . A(d)` with `A(d) = sum over those i of w2[i] * w1[:, i]`.
    A(d) changes only where d crosses a line's normal's perpendicular; on each arc between two such
    directions it is fixed, and `d . A` is largest at an end of the arc or where d points along A.
    """
    moving = np.hypot(w1[0], w1[1]) > 0  # A unit with no weights does not change along any ray.
    w1, w2 = w1[:, moving], w2[moving]
    if w1.shape[1] == 0:
        return np.zeros(w2.shape[1]), np.zeros(w2.shape[1])
    normal = np.arctan2(w1[1], w1[0])
    ends = np.sort(np.mod(np.concatenate([normal + np.pi / 2, normal - np.pi / 2]), 2 * np.pi))
    starts, stops = ends, np.append(ends[1:], ends[0] + 2 * np.pi)
    middle = (starts + stops) / 2
    on = (np.cos(middle)[:, None] * w1[0] + np.sin(middle)[:, None] * w1[1]) > 0  # (arcs, units of layer 1)
    ax, ay = (on * w1[0]) @ w2, (on * w1[1]) @ w2  # A for each arc and unit: (arcs, U) each.
    top = np.maximum(
        np.cos(starts)[:, None] * ax + np.sin(starts)[:, None] * ay,
        np.cos(stops)[:, None] * ax + np.sin(stops)[:, None] * ay,
    )
    # Where A itself points into the arc, the largest is |A|.
    along = np.mod(np.arctan2(ay, ax) - starts[:, None], 2 * np.pi) <= (stops - starts)[:, None]
    top = np.where(along, np.maximum(top, np.hypot(ax, ay)), top)
    return top.max(axis=0), np.hypot(w1[0], w1[1]) @ np.abs(w2)


def dead_units(w1, b1, w2, b2):
    """Which units of a second ReLU layer are zero for every 2-D input.

    The network is `relu(relu(z @ w1 + b1) @ w2 + b2)` with z anywhere in the plane.

    Args:
        w1, b1: the first layer's kernel (2, H) and bias (H,).
        w2, b2: the second layer's kernel (H, U) and bias (U,).

    Returns:
        A boolean array (U,): True where the unit's input is <= 0 everywhere, so its output is 0; all
        False when the proof would cost more than `_BUDGET` multiply-adds (a first layer much wider than 256).

    Raises:
        ValueError: if the input is not 2-D.
    """
    w1, b1, w2, b2 = (np.asarray(a, "float64") for a in (w1, b1, w2, b2))
    if w1.ndim != 2 or w1.shape[0] != 2:
        raise ValueError(f"Expected a first-layer kernel of shape (2, H). Received: shape={w1.shape}")
    h = w1.shape[1]
    if h * (h - 1) / 2 * h * w2.shape[1] > _BUDGET or _crossings(w1, b1).shape[0] == 0:
        return np.zeros(w2.shape[1], bool)  # Too costly to prove, or all lines parallel: nothing proved.
    top, size = _largest_at_crossings(w1, b1, w2, b2)
    slope, steepest = _largest_slope(w1, w2)
    return (top <= _RELATIVE * size) & (slope <= _RELATIVE * steepest)


class PutBack(keras.layers.Layer):
    """The live units' values spread back to their places among `width` units, zeros elsewhere.

    Args:
        live: the indices of the live units, in order.
        width: how many units there were.
    """

    def __init__(self, live, width, **kwargs):
        super().__init__(**kwargs)
        self.live, self.width = [int(i) for i in live], int(width)
        where = np.full(self.width, len(self.live), "int32")  # The dead read the zero appended last.
        where[self.live] = np.arange(len(self.live), dtype="int32")
        self._where = where

    def call(self, x):
        padded = keras.ops.pad(x, [[0, 0], [0, 1]])  # One zero column after the live ones.
        return keras.ops.take(padded, self._where, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.width)

    def get_config(self):
        return {**super().get_config(), "live": self.live, "width": self.width}


def _is_relu_dense(layer):
    return (
        isinstance(layer, keras.layers.Dense)
        and layer.use_bias
        and layer.activation in (keras.activations.relu, keras.activations.get("relu"))
    )


def without_dead_units(decoder, check_points=256, seed=0):
    """The decoder without its second Dense layer's dead units, or the decoder itself.

    Args:
        decoder: a functional Keras model from a 2-D latent point, a chain of layers that starts with
            two ReLU Dense layers (`aelab.models.autoencoder.conv_decoder`).
        check_points: latent points (standard normal, times 1, 10 and 100) on which the new model
            must give the decoder's own output; if it does not, the decoder is returned unchanged.
        seed: seed of those points.

    Returns:
        `(model, dead)`: a new functional model (sharing the decoder's other layers) and the number of
        units removed; `(decoder, 0)` when its shape is not that chain or no unit is dead.
    """
    chain = [layer for layer in decoder.layers if not isinstance(layer, keras.layers.InputLayer)]
    if (
        len(decoder.inputs) != 1
        or tuple(decoder.inputs[0].shape[1:]) != (2,)
        or len(chain) < 3
        or not (_is_relu_dense(chain[0]) and _is_relu_dense(chain[1]))
    ):
        return decoder, 0
    first, second, rest = chain[0], chain[1], chain[2:]
    w1, b1 = first.get_weights()
    w2, b2 = second.get_weights()
    dead = dead_units(w1, b1, w2, b2)
    if not dead.any():
        return decoder, 0
    live = np.flatnonzero(~dead)
    z = keras.Input((2,), name=decoder.inputs[0].name)
    slim = keras.layers.Dense(len(live), activation="relu", name=f"{second.name}_live")
    x = slim(first(z))
    slim.set_weights([w2[:, live], b2[live]])
    x = PutBack(live, second.units, name=f"{second.name}_put_back")(x)
    for layer in rest:
        x = layer(x)
    model = keras.Model(z, x, name=decoder.name)
    # The chain above assumed one path through the layers; a decoder that branches would differ here.
    rng = np.random.default_rng(seed)
    points = np.concatenate([rng.standard_normal((check_points, 2)) * s for s in (1, 10, 100)]).astype("float32")
    same = np.allclose(np.asarray(model(points)), np.asarray(decoder(points)), atol=1e-5)
    return (model, int(dead.sum())) if same else (decoder, 0)
