"""Colorization as classification (Zhang, Isola & Efros, "Colorful Image Colorization", 2016).

The regression colorizer (`aelab.models.colorizer`) is trained on MSE, so where
a shirt could be red or blue it paints the mean: brown. This one predicts, per
pixel, a distribution over a few hundred quantized chroma bins (the UV plane of
YUV; the gray input is Y, so brightness is kept exactly), trained with a
cross-entropy reweighted towards rare colours, and decodes it with the
annealed mean at a temperature T: T = 1 is the distribution's mean (what MSE
gives), a small T moves towards the most likely colour (vivid).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from aelab.models.chroma_bins import GRID, RGB_TO_YUV, cifar10_gamut, hard_encode, rebalance_weights, soft_encode
from aelab.models.colorizer import YUVToRGB, conv_block

# Decoding, chosen after training on the 5,000 validation images (a grid over T and the boost; see
# the README): the largest boost whose mean (T = 1) keeps 22.5 dB. With it, T = 1 is both the closest
# guess and 0.8 of the originals' colourfulness; a smaller T trades closeness for colour.
DEFAULT_TEMPERATURE = 1.0
COLOUR_BOOST = 0.1
VIVID_TEMPERATURE = 0.05  # The vivid end of the Colorization page's slider: nearly the most likely colour.
# The vividness slider turns two knobs: T, and the boost, from COLOUR_BOOST at T = 1 up to twice that
# at the vivid end (linear in T). On the validation images no single boost gave both the default's
# 22.5 dB and 0.9 of the originals' colourfulness at the vivid end; boost 0.2 there gives 0.93.
VIVID_EXTRA_BOOST = 0.1


def extra_boost(t):
    """The boost added to `COLOUR_BOOST` at temperature t: 0 at T = 1, `VIVID_EXTRA_BOOST` at the vivid end."""
    return VIVID_EXTRA_BOOST * min(1.0, max(0.0, (1.0 - t) / (1.0 - VIVID_TEMPERATURE)))


@keras.saving.register_keras_serializable(package="aelab")
class AnnealedMean(layers.Layer):
    """Decodes per-pixel bin logits into chroma: the mean of the distribution sharpened by T.

    p_T ∝ exp(log p / T) = softmax(logits / T); the output is Σ p_T(q) · centre(q).
    With `bias`, p is first multiplied by exp(bias) (a prior over the bins).

    Args:
        centres: (Q, 2) bin centres, stored in the config.
        temperature: the default T in (0, 1].
        bias: optional (Q,) log-factors added to the logits before annealing.
    """

    def __init__(self, centres, temperature=DEFAULT_TEMPERATURE, bias=None, **kwargs):
        super().__init__(**kwargs)
        self.centres = np.asarray(centres, "float32")
        self.temperature = check_temperature(temperature)
        self.bias = None if bias is None else np.asarray(bias, "float32")

    def call(self, logits, temperature=None):
        t = self.temperature if temperature is None else temperature
        if self.bias is not None:
            logits = logits + ops.convert_to_tensor(self.bias)
        p = ops.softmax(logits / ops.cast(t, logits.dtype), axis=-1)
        return ops.einsum("...q,qc->...c", p, ops.convert_to_tensor(self.centres))

    def get_config(self):
        bias = None if self.bias is None else _rounded(self.bias)
        return {
            **super().get_config(),
            "centres": _rounded(self.centres),
            "temperature": self.temperature,
            "bias": bias,
        }


def _rounded(a):
    # float32's own precision: -0.415, not -0.41499999165534973, keeps the config (and the file) small.
    return np.vectorize(lambda v: float(f"{v:.7g}"), otypes=[float])(a).tolist()


def check_temperature(t):
    """Returns T as a float, or raises the project's message for a bad one."""
    if isinstance(t, bool) or not isinstance(t, (int, float, np.floating, np.integer)) or not 0 < float(t) <= 1:
        raise ValueError(
            f"Invalid value for argument temperature: expected a number in (0, 1]. Received: temperature={t!r}"
        )
    return float(t)


def chroma_unet(n_bins, filters=(16, 32, 64, 112), head_stride=2):
    """A small U-Net from gray (N, 32, 32, 1) to per-pixel bin logits.

    Args:
        n_bins: Q, the number of chroma bins.
        filters: filters per level; each level halves the resolution.
        head_stride: 1 predicts at 32x32; 2 at 16x16 (upsampled by the model),
            as Zhang et al. predict at a quarter of the resolution: chroma is smooth.

    Returns:
        A functional `keras.Model` to logits (N, 32 / head_stride, 32 / head_stride, Q).
    """
    inputs = keras.Input((32, 32, 1), name="gray")
    x = layers.Rescaling(2.0, offset=-1.0)(inputs)
    skips = []
    for f in filters[:-1]:
        x = conv_block(x, f)
        skips.append(x)
        x = layers.MaxPooling2D()(x)
    x = conv_block(x, filters[-1])
    levels = list(zip(reversed(filters[:-1]), reversed(skips)))
    if head_stride == 2:
        levels = levels[:-1]
    for f, skip in levels:
        x = layers.Conv2DTranspose(f, 2, strides=2, padding="same")(x)
        x = layers.Concatenate()([x, skip])
        x = conv_block(x, f)
    logits = layers.Conv2D(n_bins, 1, name="logits")(x)
    return keras.Model(inputs, logits, name="chroma_unet")


@keras.saving.register_keras_serializable(package="aelab")
class ChromaColorizer(keras.Model):
    """Gray to RGB through a per-pixel distribution over chroma bins; owns its weighted cross-entropy.

    Called on (N, 32, 32, 1) gray in [0, 1] it returns (N, 32, 32, 3) RGB at
    `temperature`; `model(gray, temperature=0.1)` decodes more vividly.
    Trained on `(gray, rgb)` pairs, as the regression colorizer is.

    Args:
        net: model from gray to bin logits (see `chroma_unet`).
        centres: (Q, 2) UV bin centres.
        class_weights: (Q,) loss weight of a pixel whose true colour is in each bin.
        temperature: the default annealing temperature T in (0, 1].
        sigma: width of the soft targets in UV units.
        colour_boost: β: decoding multiplies the predicted distribution by
            `class_weights ** β`. Training with the weights w makes the network
            predict ∝ w · p(colour | gray); the boost takes that to w^(1 + β),
            as if trained with stronger rebalancing, at no training cost.
    """

    def __init__(
        self, net, centres, class_weights, temperature=DEFAULT_TEMPERATURE, sigma=GRID / 2, colour_boost=0.0, **kwargs
    ):
        super().__init__(**kwargs)
        self.net = net
        self.centres = np.asarray(centres, "float32")
        self.class_weights = np.asarray(class_weights, "float32")
        self.sigma = float(sigma)
        self.decode = AnnealedMean(self.centres, temperature, name="annealed_mean")
        self.colour_boost = colour_boost
        self.to_rgb = YUVToRGB(name="rgb")
        scale = 32 // int(net.output_shape[1])
        # Chroma is smooth: a head at 16x16 loses ~0.1 dB (37 dB PSNR for true chroma at 16x16).
        self.upsample = layers.UpSampling2D(scale, interpolation="bilinear", name="upsample") if scale > 1 else None
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def temperature(self):
        return self.decode.temperature

    @temperature.setter
    def temperature(self, t):
        self.decode.temperature = check_temperature(t)

    @property
    def colour_boost(self):
        return self._colour_boost

    @colour_boost.setter
    def colour_boost(self, beta):
        self._colour_boost = float(beta)
        self.decode.bias = self._colour_boost * np.log(self.class_weights) if beta else None

    @property
    def metrics(self):
        return [self.loss_tracker]

    def compile(self, *args, jit_compile=True, **kwargs):
        # XLA fuses the soft encoding and the cross-entropy over ~300 bins per
        # pixel: a quarter faster per step on CPU, where Keras' "auto" leaves it off.
        super().compile(*args, jit_compile=jit_compile, **kwargs)

    def distribution(self, gray):
        """Per-pixel probabilities over the bins, (N, h, w, Q) at the net's resolution."""
        return ops.softmax(self.net(gray, training=False), axis=-1)

    def call(self, gray, training=False, temperature=None):
        return self._colours(gray, self.net(gray, training=training), temperature)

    def decoding_distribution(self, logits, temperature=None):
        """The probabilities decoding anneals: the net's, with the colour boosts at `temperature`.

        `anneal(p, temperature)` of these is `model(gray, temperature=...)`'s chroma; an average of them
        over several views of a photo (`aelab.lessons.full_size`) is annealed the same way.

        Args:
            logits: the net's bin logits (..., Q), from gray of any size.
            temperature: as for calling the model (None: its default).

        Returns:
            (..., Q) probabilities.
        """
        logits = self._vivid_logits(logits, temperature)
        if self.decode.bias is not None:
            logits = logits + ops.convert_to_tensor(self.decode.bias)
        return ops.softmax(logits)

    def anneal(self, p, temperature=None):
        """Chroma (..., 2): the mean of probabilities (..., Q) sharpened by T, as decoding does."""
        t = self.temperature if temperature is None else check_temperature(temperature)
        log_p = ops.log(ops.maximum(ops.convert_to_tensor(p, "float32"), 1e-30))
        return AnnealedMean(self.centres, t)(log_p)

    def at_temperatures(self, gray, temperatures):
        """The colorizations at several temperatures from one pass of the net.

        What `model(gray, temperature=t)` gives for each t (the same operations on the same logits),
        for a slider that shows every stop at once (`aelab.lessons.frames`).

        Args:
            gray: the gray inputs (N, 32, 32, 1).
            temperatures: values of T in (0, 1].

        Returns:
            A list of (N, 32, 32, 3) RGB tensors, one per temperature.
        """
        logits = self.net(gray, training=False)
        return [self._colours(gray, logits, t) for t in temperatures]

    def _vivid_logits(self, logits, temperature):
        # A more vivid T also leans harder on the rarer, more colourful bins (the decode layer adds the
        # default boost, COLOUR_BOOST, as its bias).
        if temperature is not None:
            extra = extra_boost(check_temperature(temperature))
            if extra:
                logits = logits + ops.convert_to_tensor(extra * np.log(self.class_weights))
        return logits

    def _colours(self, gray, logits, temperature):
        uv = self.decode(self._vivid_logits(logits, temperature), temperature=temperature)
        if self.upsample is not None:
            uv = self.upsample(uv)
        return self.to_rgb([gray, uv])

    def _loss(self, data, training):
        gray, rgb = data[0], data[1]
        logits = self.net(gray, training=training)
        uv = ops.einsum("...c,cd->...d", rgb, ops.convert_to_tensor(RGB_TO_YUV[:, 1:]))
        if logits.shape[1] != 32:  # Targets at the head's resolution: the mean chroma of each block.
            uv = layers.AveragePooling2D(32 // logits.shape[1])(uv)
        target = soft_encode(uv, self.centres, self.sigma)
        w = ops.take(ops.convert_to_tensor(self.class_weights), hard_encode(uv, self.centres))
        ce = -ops.sum(target * ops.log_softmax(logits, axis=-1), axis=-1)
        return ops.mean(w * ce)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = self._loss(data, training=True)
            # Under tf.distribute each replica's gradient is summed (see the VAE).
            scaled = loss / tf.distribute.get_strategy().num_replicas_in_sync
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        self.loss_tracker.update_state(self._loss(data, training=False))
        return {"loss": self.loss_tracker.result()}

    def build(self, input_shape):
        # The net arrives built; the decoding layers have no weights.
        self.built = True

    def get_config(self):
        return {
            **super().get_config(),
            "net": keras.saving.serialize_keras_object(self.net),
            "centres": _rounded(self.centres),
            "class_weights": _rounded(self.class_weights),
            "temperature": self.temperature,
            "sigma": self.sigma,
            "colour_boost": self.colour_boost,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["net"] = keras.saving.deserialize_keras_object(config["net"])
        model = cls(**config)
        model.build((None, 32, 32, 1))
        return model


def build_chroma_colorizer(
    gamut=None,
    mix=0.7,
    filters=(16, 32, 64, 112),
    head_stride=2,
    temperature=DEFAULT_TEMPERATURE,
    colour_boost=COLOUR_BOOST,
):
    """Builds the chroma-classification colorizer (436k parameters with the defaults: a 1.9 MB file).

    Args:
        gamut: `(centres, prior)` from `fit_gamut`; the shipped CIFAR-10 ones by default.
        mix: the rebalancing's lambda (see `rebalance_weights`). 0.7, milder than
            Zhang et al.'s 0.5 (27x the weight for the rarest colour over the
            commonest, gray): 12x still lifts the colours, and costs less PSNR.
        filters: U-Net filters per level.
        head_stride: 1 or 2 (see `chroma_unet`).
        temperature: the default T.
        colour_boost: see `ChromaColorizer`; it changes the decoding only.

    Returns:
        A built `ChromaColorizer`.
    """
    centres, prior = cifar10_gamut() if gamut is None else gamut
    model = ChromaColorizer(
        chroma_unet(len(centres), filters, head_stride),
        centres,
        rebalance_weights(centres, prior, mix),
        temperature,
        colour_boost=colour_boost,
        name="colorizer_chroma",
    )
    model.build((None, 32, 32, 1))
    return model
