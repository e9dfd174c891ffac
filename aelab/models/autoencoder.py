"""Convolutional autoencoder: Conv2D 32/64 with stride 2, a Dense latent, a mirrored decoder."""

import keras
from keras import layers


def conv_encoder_trunk(inputs, filters=(32, 64), hidden_units=256):
    """The convolutional part of the encoder, shared by the AE, VAE and DAE.

    Args:
        inputs: a (28, 28, 1) Keras input.
        filters: filters of the stride-2 convolutions.
        hidden_units: width of a Dense layer before the latent; 0 for none
            (the tutorial's exact network).

    Returns:
        The flattened feature tensor.
    """
    x = inputs
    for f in filters:
        x = layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    if hidden_units:
        x = layers.Dense(hidden_units, activation="relu")(x)
    return x


def conv_decoder(latent_dim, filters=(32, 64), hidden_units=256, name="decoder"):
    """The mirrored decoder: latent (N, latent_dim) to images (N, 28, 28, 1) in [0, 1].

    Args:
        latent_dim: size of the latent code.
        filters: the encoder's filters; the decoder runs them in reverse.
        hidden_units: width of the Dense layer after the latent; 0 for none.
        name: model name.

    Returns:
        A functional `keras.Model`.
    """
    z = keras.Input((latent_dim,), name="z")
    x = z
    if hidden_units:
        x = layers.Dense(hidden_units, activation="relu")(x)
    x = layers.Dense(7 * 7 * filters[-1], activation="relu")(x)
    x = layers.Reshape((7, 7, filters[-1]))(x)
    for f in reversed(filters):
        x = layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu")(x)
    out = layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid", name="image")(x)
    return keras.Model(z, out, name=name)


@keras.saving.register_keras_serializable(package="aelab")
class Autoencoder(keras.Model):
    """An encoder and a decoder, each a model of its own so the app can call either.

    Args:
        encoder: model from images to latent codes.
        decoder: model from latent codes to images.
    """

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def encode_mean(self, x):
        """Where each image lives in the latent space: the encoder's output, shape (N, latent_dim)."""
        return self.encoder(x, training=False)

    def get_config(self):
        # Keras cannot rebuild sub-models from a subclass by itself; this is
        # what the keras.io VAE example lacks to be saved and reloaded.
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        model = cls(**config)
        model.build(config["encoder"].input_shape)
        return model


def build_conv_autoencoder(latent_dim=2, hidden_units=256, filters=(32, 64), name="ae"):
    """Builds the convolutional autoencoder of the tutorials, for MNIST.

    Args:
        latent_dim: size of the Dense latent (2 for the shipped `ae2d`).
        hidden_units: Dense width around the latent; 0 gives the tutorial's
            exact network, 256 (the default) the shipped one.
        filters: filters of the two stride-2 convolutions.
        name: model name.

    Returns:
        An `Autoencoder` with `.encoder` (N, 28, 28, 1) -> (N, latent_dim) and
        `.decoder` (N, latent_dim) -> (N, 28, 28, 1) in [0, 1].
    """
    if int(latent_dim) < 1:
        raise ValueError(
            f"Invalid value for argument latent_dim: expected an integer >= 1. Received: latent_dim={latent_dim}"
        )
    inputs = keras.Input((28, 28, 1), name="image")
    x = conv_encoder_trunk(inputs, filters, hidden_units)
    z = layers.Dense(latent_dim, name="z")(x)
    encoder = keras.Model(inputs, z, name="encoder")
    decoder = conv_decoder(latent_dim, filters, hidden_units)
    model = Autoencoder(encoder, decoder, name=name)
    model.build((None, 28, 28, 1))
    return model
