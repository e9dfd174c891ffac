"""Model families, one per module. Builders return `keras.Model`s."""

from aelab.models.autoencoder import Autoencoder, build_conv_autoencoder
from aelab.models.colorizer import YUVToRGB, build_colorizer
from aelab.models.denoiser import build_denoiser
from aelab.models.vae import VAE, Sampling, build_vae
from aelab.models.variants import (
    KLSparsity,
    build_dense_autoencoder,
    build_multilayer_autoencoder,
    build_sparse_autoencoder,
)

__all__ = [
    "Autoencoder",
    "KLSparsity",
    "VAE",
    "Sampling",
    "YUVToRGB",
    "build_colorizer",
    "build_conv_autoencoder",
    "build_dense_autoencoder",
    "build_denoiser",
    "build_multilayer_autoencoder",
    "build_sparse_autoencoder",
    "build_vae",
]
