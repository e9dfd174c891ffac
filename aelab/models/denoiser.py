"""Denoising autoencoder for MNIST: the conv autoencoder with a wider latent."""

from aelab.models.autoencoder import build_conv_autoencoder


def build_denoiser(latent_dim=32, hidden_units=256, filters=(32, 64)):
    """Builds the denoising autoencoder.

    It is the convolutional autoencoder trained on noisy -> clean pairs
    (`aelab.training.pipeline.noisy_pair`, one noise level and kind per batch); a 32-D latent keeps stroke detail that a
    2-D one cannot.

    Args:
        latent_dim: size of the Dense latent (at least 16).
        hidden_units: Dense width around the latent.
        filters: filters of the two stride-2 convolutions.

    Returns:
        An `Autoencoder`: (N, 28, 28, 1) noisy -> (N, 28, 28, 1) denoised in [0, 1].
    """
    if int(latent_dim) < 16:
        raise ValueError(
            f"Invalid value for argument latent_dim: expected an integer >= 16. Received: latent_dim={latent_dim}"
        )
    return build_conv_autoencoder(latent_dim, hidden_units, filters, name="dae")
