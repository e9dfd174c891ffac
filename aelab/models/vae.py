"""Variational autoencoder with a 2-D latent, as in keras.io's example, but saveable."""

import keras
import tensorflow as tf
from keras import layers, ops

from aelab.models.autoencoder import Autoencoder, conv_decoder, conv_encoder_trunk


@keras.saving.register_keras_serializable(package="aelab")
class Sampling(layers.Layer):
    """Draws z = z_mean + exp(z_log_var / 2) * eps with its own seed generator.

    Args:
        seed: int seed for the layer's `keras.random.SeedGenerator`.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def vae_loss_terms(x, reconstruction, z_mean, z_log_var):
    """The two parts of the negative ELBO, per example, in nats.

    Args:
        x: images in [0, 1], (N, 28, 28, 1).
        reconstruction: decoder output for z sampled from q(z|x).
        z_mean, z_log_var: parameters of q(z|x).

    Returns:
        `(reconstruction, kl)`: Bernoulli negative log-likelihood summed over
        the pixels, and the analytic KL(q(z|x) || N(0, I)); each of shape (N,).
    """
    bce = ops.binary_crossentropy(x, reconstruction)
    rec = ops.sum(ops.reshape(bce, (ops.shape(x)[0], -1)), axis=1)
    kl = -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1)
    return rec, kl


def iwae_terms(target, decoded, eps, z, z_log_var):
    """log w_k = log p(x | z_k) + log p(z_k) - log q(z_k | x) of each image's K samples, in nats.

    Args:
        target: images (N, 28, 28, 1) scored as Bernoulli pixels.
        decoded: the decoder's output for every z_k, (N * K, 28, 28, 1).
        eps: the standard normal draws behind z, (N, K, d).
        z: the samples z_k = mean + sigma * eps, (N, K, d).
        z_log_var: log sigma^2 of q(z|x), (N, d).

    Returns:
        (N, K) log-weights.
    """
    n, k = ops.shape(z)[0], ops.shape(z)[1]
    target = ops.reshape(target, (n, 1, -1))
    decoded = ops.reshape(decoded, (n, k, -1))
    log_px_z = -ops.sum(ops.binary_crossentropy(ops.broadcast_to(target, ops.shape(decoded)), decoded), axis=-1)
    log_2pi = 1.8378770664093453  # log(2 pi)
    log_pz = -0.5 * ops.sum(ops.square(z) + log_2pi, axis=-1)
    log_qz = -0.5 * ops.sum(ops.square(eps) + z_log_var[:, None, :] + log_2pi, axis=-1)
    return log_px_z + log_pz - log_qz


def _inputs_and_targets(data):
    """`(inputs, targets)` of a batch as Keras passes it: images alone are their own targets."""
    x = data[0] if isinstance(data, tuple) else data
    target = data[1] if isinstance(data, tuple) and len(data) > 1 and data[1] is not None else x
    return x, target


@keras.saving.register_keras_serializable(package="aelab")
class VAE(Autoencoder):
    """Encoder returns (z_mean, z_log_var, z); trained on the negative ELBO.

    `finish_with_iwae(k)` switches a trained VAE to the importance-weighted bound, for a fine-tune that
    keeps its map (see there).

    Args:
        encoder: model from images to `(z_mean, z_log_var, z)`.
        decoder: model from latent codes to images in [0, 1].
    """

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.iwae_k = 0  # Samples of the importance-weighted bound trained on; 0: the ELBO. Not saved.
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, x, training=False):
        # Reconstructions shown to people decode the posterior mean: sampling
        # would make the same digit flicker between reruns.
        z_mean, _, z = self.encoder(x, training=training)
        return self.decoder(z if training else z_mean, training=training)

    def encode_mean(self, x):
        """Where each image lives in the latent space: the posterior mean z_mean, shape (N, latent_dim).

        The mean, not a sample: a sample would make the scatter shimmer between reruns.
        """
        return self.encoder(x, training=False)[0]

    def posterior(self, x):
        """The Gaussian q(z|x) of each image: `(z_mean, z_log_var)`, each (N, latent_dim)."""
        z_mean, z_log_var, _ = self.encoder(x, training=False)
        return z_mean, z_log_var

    def loss_terms(self, data, training=False):
        """The batch's mean reconstruction loss and KL divergence (the evaluator's ELBO uses them too).

        Args:
            data: a batch of images, or `(images, targets)` as Keras passes it: the reconstruction is
                scored against the targets (the clean digit when the inputs were redrawn by augmentation).
            training: whether the layers run in training mode.

        Returns:
            `(reconstruction, kl)`, two scalar tensors.
        """
        x, target = _inputs_and_targets(data)
        z_mean, z_log_var, z = self.encoder(x, training=training)
        rec, kl = vae_loss_terms(target, self.decoder(z, training=training), z_mean, z_log_var)
        return ops.mean(rec), ops.mean(kl)

    def finish_with_iwae(self, k):
        """Trains from now on on the importance-weighted bound L_k, with the map kept.

        L_k (Burda et al. 2016) scores the decoder's likelihood with k samples of q(z|x) instead of one:
        a tighter bound on log p(x) than the ELBO, the one the literature reports (K = 500,
        `aelab.likelihood`), and it learns q(z|x) as a proposal, wider than the ELBO's. Every encoder layer
        but `z_log_var` is frozen, so the posterior means (where each digit lands on the map) stay exactly
        as they were; the decoder and the posterior's width learn. Used by `bench/vae_binarized.py`: it
        gains the bound several nats, and costs the grey-level -ELBO more than the evaluator's 150-nat
        threshold allows (docs/models.md). Call before `compile`.

        Args:
            k: importance samples per image (at least 2).
        """
        if k < 2:
            raise ValueError(f"Invalid value for argument k: expected an integer >= 2. Received: k={k}")
        self.iwae_k = int(k)
        for layer in self.encoder.layers:
            layer.trainable = layer.name == "z_log_var"

    def iwae_loss(self, data, k, training=False):
        """The batch's mean -L_k, in nats (see `finish_with_iwae`; `data` as for `loss_terms`)."""
        x, target = _inputs_and_targets(data)
        z_mean, z_log_var, _ = self.encoder(x, training=training)
        n, d = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        eps = tf.random.normal((n, k, d))  # Under keras.utils.set_random_seed, as the rest of a run.
        z = z_mean[:, None, :] + ops.exp(0.5 * z_log_var)[:, None, :] * eps
        decoded = self.decoder(ops.reshape(z, (n * k, d)), training=training)
        log_w = iwae_terms(target, decoded, eps, z, z_log_var)
        return -ops.mean(ops.logsumexp(log_w, axis=1) - ops.log(ops.cast(k, log_w.dtype)))

    def _update(self, rec, kl):
        self.total_loss_tracker.update_state(rec + kl)
        self.reconstruction_loss_tracker.update_state(rec)
        self.kl_loss_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            if self.iwae_k:
                loss = self.iwae_loss(data, self.iwae_k, training=True)
            else:
                rec, kl = self.loss_terms(data, training=True)
                loss = rec + kl
            # Under tf.distribute each replica's gradient is summed, so the
            # per-replica loss is scaled down to keep the step size the same.
            scaled = loss / tf.distribute.get_strategy().num_replicas_in_sync
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self._update_iwae(loss) if self.iwae_k else self._update(rec, kl)

    def _update_iwae(self, loss):
        self.total_loss_tracker.update_state(loss)  # -L_k: the reconstruction and KL parts have no meaning.
        return {"loss": self.total_loss_tracker.result()}

    def test_step(self, data):
        if self.iwae_k:  # Keep-best compares the epochs on what they train.
            return self._update_iwae(self.iwae_loss(data, self.iwae_k))
        rec, kl = self.loss_terms(data, training=False)
        return self._update(rec, kl)


def build_vae(latent_dim=2, hidden_units=256, filters=(32, 64), seed=1337):
    """Builds the convolutional VAE for MNIST.

    Args:
        latent_dim: size of the latent (2 for the shipped `vae2d`).
        hidden_units: Dense width around the latent (keras.io uses 16).
        filters: filters of the two stride-2 convolutions.
        seed: seed of the sampling layer.

    Returns:
        A `VAE` whose `.encoder` maps (N, 28, 28, 1) to `(z_mean, z_log_var, z)`,
        each (N, latent_dim), and whose `.decoder` maps (N, latent_dim) to
        (N, 28, 28, 1) in [0, 1].
    """
    inputs = keras.Input((28, 28, 1), name="image")
    x = conv_encoder_trunk(inputs, filters, hidden_units)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling(seed=seed, name="z")([z_mean, z_log_var])
    encoder = keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")
    decoder = conv_decoder(latent_dim, filters, hidden_units)
    model = VAE(encoder, decoder, name="vae")
    model.build((None, 28, 28, 1))
    return model
