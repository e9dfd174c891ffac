"""The dense autoencoders of the first tutorials: single-layer, multi-layer and sparse.

All three take (N, 28, 28, 1) images like the conv models (the first layer
flattens them), so the app and `aelab.metrics` treat every model alike, and all
three are `Autoencoder`s with an `.encoder` and a `.decoder`.
"""

import keras
import numpy as np
from keras import layers, ops

from aelab.models.autoencoder import Autoencoder

PIXELS = 28 * 28


def kl_sparsity(activations, rho):
    """The sparsity penalty sum_j KL(rho || rho_hat_j), without its weight.

    Args:
        activations: hidden activations in (0, 1), shape (N, units).
        rho: target mean activation in (0, 1).

    Returns:
        A scalar tensor; rho_hat_j is unit j's mean activation over the N rows.
    """
    # Clipped so that a dead or saturated unit gives a large, finite penalty, not inf.
    rho_hat = ops.clip(ops.mean(activations, axis=0), 1e-6, 1.0 - 1e-6)
    kl = rho * ops.log(rho / rho_hat) + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat))
    return ops.sum(kl)


def _check_rho(rho):
    if not 0.0 < float(rho) < 1.0:
        raise ValueError(f"Invalid value for argument rho: expected a number in (0, 1). Received: rho={rho}")


@keras.saving.register_keras_serializable(package="aelab")
class KLSparsity(layers.Layer):
    """Passes activations through and adds beta * sum_j KL(rho || rho_hat_j) to the model's loss.

    A layer rather than an `activity_regularizer`: Keras divides activity
    penalties by the batch size, which would make this batch-mean penalty
    depend on the batch size.

    Args:
        rho: target mean activation of each hidden unit, in (0, 1).
        beta: weight of the penalty, relative to the per-pixel reconstruction loss.
    """

    def __init__(self, rho=0.1, beta=0.01, **kwargs):
        super().__init__(**kwargs)
        _check_rho(rho)
        if float(beta) < 0:
            raise ValueError(f"Invalid value for argument beta: expected a number >= 0. Received: beta={beta}")
        self.rho, self.beta = float(rho), float(beta)

    def call(self, x):
        self.add_loss(self.beta * kl_sparsity(x, self.rho))
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "beta": self.beta}


def _decoder(latent_dim, units, name="decoder"):
    z = keras.Input((latent_dim,), name="z")
    x = z
    for u in units:
        x = layers.Dense(u, activation="relu")(x)
    x = layers.Dense(PIXELS, activation="sigmoid")(x)
    out = layers.Reshape((28, 28, 1), name="image")(x)
    return keras.Model(z, out, name=name)


def _assemble(encoder, decoder, name):
    model = Autoencoder(encoder, decoder, name=name)
    model.build((None, 28, 28, 1))
    return model


def build_dense_autoencoder(latent_dim=64, name="dense_ae"):
    """The single-layer autoencoder of tutorial 000: 784-64-784.

    Args:
        latent_dim: width of the one hidden (code) layer.
        name: model name.

    Returns:
        An `Autoencoder`: ReLU code layer, sigmoid output.
    """
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten()(inputs)
    z = layers.Dense(latent_dim, activation="relu", name="z")(x)
    return _assemble(keras.Model(inputs, z, name="encoder"), _decoder(latent_dim, ()), name)


def build_multilayer_autoencoder(units=(128, 64), name="multilayer_ae"):
    """The stacked autoencoder of tutorial 000: 784-128-64-128-784.

    Args:
        units: encoder widths; the last is the code, the decoder mirrors the rest.
        name: model name.

    Returns:
        An `Autoencoder` with ReLU hidden layers and a sigmoid output.
    """
    units = tuple(int(u) for u in units)
    if not units or min(units) < 1:
        raise ValueError(f"Invalid value for argument units: expected widths >= 1. Received: units={units}")
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten()(inputs)
    for u in units[:-1]:
        x = layers.Dense(u, activation="relu")(x)
    z = layers.Dense(units[-1], activation="relu", name="z")(x)
    decoder = _decoder(units[-1], tuple(reversed(units[:-1])))
    return _assemble(keras.Model(inputs, z, name="encoder"), decoder, name)


def build_sparse_autoencoder(hidden_units=196, rho=0.1, beta=0.01, weight_decay=1e-5, name="sparse_ae"):
    """The sparse autoencoder of tutorial 003: sigmoid hidden units held near a mean activation rho.

    The loss is the reconstruction loss plus beta * sum_j KL(rho || rho_hat_j)
    (the `KLSparsity` layer) plus an L2 weight decay, as in Ng's notes: the
    decay keeps the features smooth strokes rather than pixel noise.

    Args:
        hidden_units: number of hidden units (196 shows as a 14 x 14 grid).
        rho: target mean activation, in (0, 1).
        beta: weight of the sparsity penalty.
        weight_decay: L2 factor on the encoder and decoder weights; 0 for none.
        name: model name.

    Returns:
        An `Autoencoder` whose encoder outputs the hidden activations in (0, 1).
    """
    _check_rho(rho)
    reg = keras.regularizers.L2(weight_decay) if weight_decay else None
    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten()(inputs)
    h = layers.Dense(hidden_units, activation="sigmoid", kernel_regularizer=reg, name="hidden")(x)
    z = KLSparsity(rho, beta, name="z")(h)
    encoder = keras.Model(inputs, z, name="encoder")
    code = keras.Input((hidden_units,), name="z")
    y = layers.Dense(PIXELS, activation="sigmoid", kernel_regularizer=reg)(code)
    decoder = keras.Model(code, layers.Reshape((28, 28, 1), name="image")(y), name="decoder")
    return _assemble(encoder, decoder, name)


def hidden_unit_images(model):
    """The input that maximally activates each hidden unit: its normalised weight vector.

    For a unit with weights w, the input of norm 1 that maximises w . x is
    x = w / ||w|| (Ng's sparse-autoencoder notes).

    Args:
        model: an autoencoder whose encoder's first Dense layer is the hidden layer.

    Returns:
        float32 array (units, 28, 28) of unit-norm weight images.
    """
    dense = next(layer for layer in model.encoder.layers if isinstance(layer, layers.Dense))
    w = np.asarray(dense.kernel, "float32").T  # (units, 784)
    w = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    return w.reshape(-1, 28, 28)


def sparsity_target(model):
    """Returns `(rho, beta)` of a sparse autoencoder, or None for other models."""
    for layer in model.encoder.layers:
        if isinstance(layer, KLSparsity):
            return layer.rho, layer.beta
    return None
