"""Colorization autoencoder for CIFAR-10: 32x32 gray in, RGB out."""

import keras
import numpy as np
from keras import layers, ops

# Inverse of the ITU-R 601 RGB -> YUV matrix (the same as tf.image.yuv_to_rgb).
_YUV_TO_RGB = np.array(
    [[1.0, 1.0, 1.0], [0.0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0.0]],
    dtype="float32",
)


@keras.saving.register_keras_serializable(package="aelab")
class YUVToRGB(layers.Layer):
    """Joins the gray input (Y) with predicted chroma (U, V) into RGB in [0, 1].

    Predicting only chroma means the network never has to reproduce the
    brightness it was given, so its whole capacity goes to colour.
    """

    def call(self, inputs):
        y, uv = inputs
        yuv = ops.concatenate([y, uv], axis=-1)
        rgb = ops.einsum("...c,cd->...d", yuv, ops.convert_to_tensor(_YUV_TO_RGB))
        return ops.clip(rgb, 0.0, 1.0)


def _tutorial(inputs, latent_dim=256, filters=(64, 128, 256)):
    x = inputs
    for f in filters:
        x = layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(latent_dim, name="latent")(x)
    x = layers.Dense(4 * 4 * filters[-1])(x)
    x = layers.Reshape((4, 4, filters[-1]))(x)
    for f in reversed(filters):
        x = layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu")(x)
    return layers.Conv2DTranspose(3, 3, padding="same", activation="sigmoid", name="rgb")(x)


def conv_block(x, filters):
    """Two 3x3 convolutions, each with batch norm and ReLU: a U-Net level (shared by both colorizers)."""
    for _ in range(2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    return x


def _unet(inputs, filters=(32, 64, 128, 256)):
    skips, x = [], inputs
    for f in filters[:-1]:
        x = conv_block(x, f)
        skips.append(x)
        x = layers.MaxPooling2D()(x)
    x = conv_block(x, filters[-1])  # 2x2 bottleneck: sees the whole image.
    for f, skip in zip(reversed(filters[:-1]), reversed(skips)):
        x = layers.Conv2DTranspose(f, 2, strides=2, padding="same")(x)
        x = layers.Concatenate()([x, skip])
        x = conv_block(x, f)
    uv = layers.Conv2D(2, 1, name="uv")(x)
    return YUVToRGB(name="rgb")([inputs, uv])


def build_colorizer(arch="unet", filters=None):
    """Builds the colorization autoencoder.

    Args:
        arch: "unet" (the shipped model: a U-Net predicting chroma) or
            "tutorial" (Conv 64/128/256, Dense latent 256, predicting RGB).
        filters: optional filters per level, overriding the architecture's.

    Returns:
        A functional `keras.Model`: (N, 32, 32, 1) gray -> (N, 32, 32, 3) RGB in [0, 1].
    """
    inputs = keras.Input((32, 32, 1), name="gray")
    if arch == "unet":
        outputs = _unet(inputs, tuple(filters or (16, 32, 64, 128, 256)))
    elif arch == "tutorial":
        outputs = _tutorial(inputs, filters=tuple(filters or (64, 128, 256)))
    else:
        raise ValueError(f"Invalid value for argument arch: expected 'unet' or 'tutorial'. Received: arch={arch!r}")
    return keras.Model(inputs, outputs, name=f"colorizer_{arch}")
