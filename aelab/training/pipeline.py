"""Training: data pipelines, the optimizer and its schedule, seeds, sidecars (callbacks: `aelab.training.callbacks`)."""

import dataclasses
import functools

import keras
import numpy as np

from aelab import data, shelf
from aelab.models import registry
from aelab.training import augment
from aelab.training.config import TrainConfig  # noqa: F401  (part of this module's API)

# Noise kinds the DAE sees while training, with their odds: mostly the
# tutorial recipe the thresholds are measured on, but the app also offers the
# other two, so the model must know them.
DAE_NOISE_MIX = (("tutorial", 0.6), ("gaussian", 0.2), ("salt_pepper", 0.2))


def build_model(cfg):
    """Builds the untrained model a config describes (the registry's builder for its kind)."""
    return registry.get(cfg.model).build(cfg)


class PairSequence(keras.utils.PyDataset):
    """Batches of (input, target) pairs made on the fly, seeded per epoch and batch.

    Args:
        x: the clean images.
        batch_size: images per batch.
        make_pair: function `(batch, rng) -> (inputs, targets)`.
        seed: base seed; batch i of epoch e uses `default_rng([seed, e, i])`.
        shuffle: reshuffle every epoch (off for validation, which stays fixed).
    """

    def __init__(self, x, batch_size, make_pair, seed=0, shuffle=True, **kwargs):
        super().__init__(**kwargs)
        self.x, self.batch_size, self.make_pair = x, batch_size, make_pair
        self.seed, self.shuffle, self.epoch = seed, shuffle, 0
        self._order = self._permutation()

    def _permutation(self):
        if not self.shuffle:
            return np.arange(len(self.x))
        return np.random.default_rng([self.seed, self.epoch, 2**31]).permutation(len(self.x))

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, i):
        idx = np.sort(self._order[i * self.batch_size : (i + 1) * self.batch_size])
        rng = np.random.default_rng([self.seed, self.epoch if self.shuffle else 0, i])
        return self.make_pair(self.x[idx], rng)

    def on_epoch_end(self):
        if self.shuffle:
            self.epoch += 1
            self._order = self._permutation()


def noisy_pair(batch, rng):
    """A DAE training pair: one sigma ~ U[0, 1] and one noise kind per batch."""
    kinds, odds = zip(*DAE_NOISE_MIX)
    kind = kinds[rng.choice(len(kinds), p=odds)]
    return data.add_noise(batch, float(rng.uniform(0.0, 1.0)), kind, rng), batch


def augmented_pair(batch, rng, strength, then=None):
    """A training pair from a batch redrawn by `augment.augment`.

    An AE or VAE gets `(x', x)`: the redrawn digit in, the digit as MNIST drew it out, so the encoder
    learns to place another pen's or writer's digit where MNIST's own one is, instead of spending its
    two numbers on the pen (a denoising criterion, Vincent et al. 2008; for the VAE, Im et al. 2017).
    The DAE gets `then(x', rng)`: its noise on top of the redrawn digit, which is also its target.
    """
    redrawn = augment.augment(batch, rng, strength)
    return then(redrawn, rng) if then else (redrawn, batch)


def gray_pair(batch, rng):
    """A colorizer training pair, flipped left-right half of the time."""
    if rng.random() < 0.5:
        batch = batch[:, :, ::-1, :]
    return data.to_gray(batch), batch


LOADERS = {"mnist": data.load_mnist, "cifar10": data.load_cifar10}


def split(x, val_size, train_size=0):
    """Splits off the last `val_size` images for validation; keeps the first `train_size` (0: all) of the rest.

    Returns:
        `(train, val)`.
    """
    val = x[len(x) - val_size :] if val_size else x[:0]
    train = x[: len(x) - val_size] if val_size else x
    return (train[:train_size] if train_size else train), val


def load_split(cfg, data_dir=None):
    """Loads the data set for a model and splits off the validation hold-out.

    Returns:
        `(x_train, x_val, (x_test, y_test))` with images in [0, 1].
    """
    (x, _), test = LOADERS[registry.get(cfg.model).dataset](data_dir)
    train, val = split(x, cfg.val_size, cfg.train_size)
    return train, val, test


# How each registry kind's training pairs are made from a batch of clean images.
PAIRS = {"noisy": noisy_pair, "gray": gray_pair}


def make_inputs(cfg, x, shuffle=True):
    """Returns what `fit` takes for a model kind: `(inputs, targets)` arrays or a `PairSequence`."""
    pairs = registry.get(cfg.model).pairs
    strength = augment.strength_of(cfg.augment) if shuffle else 0.0  # Validation stays MNIST's own digits.
    if strength and pairs in ("same", "noisy"):
        then = PAIRS.get(pairs)
        return PairSequence(
            x, cfg.batch_size, functools.partial(augmented_pair, strength=strength, then=then), cfg.seed, shuffle
        )
    if pairs == "same":
        return x, x
    if pairs == "gray" and not shuffle:
        return data.to_gray(x), x  # Validation: fixed, never flipped.
    return PairSequence(x, cfg.batch_size, PAIRS[pairs], cfg.seed, shuffle)


def compile_model(model, cfg, steps_per_epoch):
    """Compiles with the config's optimizer and schedule and its kind's loss (None: the model owns it)."""
    lr = cfg.learning_rate
    if cfg.schedule == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps=max(1, cfg.epochs * steps_per_epoch))
    opt = keras.optimizers.get({"class_name": cfg.optimizer, "config": {"learning_rate": lr}})
    model.compile(optimizer=opt, loss=registry.get(cfg.model).loss)


def fit(model, cfg, x_train, x_val, callbacks=(), verbose=0):
    """Trains a compiled-or-not model on clean images with the config's pipeline.

    Args:
        model: from `build_model`.
        cfg: the `TrainConfig`.
        x_train, x_val: clean training and validation images.
        callbacks: extra Keras callbacks (progress, keep-best saving).
        verbose: Keras verbosity.

    Returns:
        The `keras.callbacks.History`.
    """
    keras.utils.set_random_seed(cfg.seed)
    train = make_inputs(cfg, x_train, shuffle=True)
    val = make_inputs(cfg, x_val, shuffle=False) if len(x_val) else None
    steps = len(train) if isinstance(train, keras.utils.PyDataset) else int(np.ceil(len(x_train) / cfg.batch_size))
    if not getattr(model, "compiled", False):
        compile_model(model, cfg, steps)
    cbs = list(callbacks)
    if cfg.schedule == "plateau" and val is not None:
        cbs.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-5))
    if isinstance(train, tuple):
        kw = dict(x=train[0], y=train[1], batch_size=cfg.batch_size, shuffle=True)
    else:
        kw = dict(x=train)
    return model.fit(**kw, validation_data=val, epochs=cfg.epochs, callbacks=cbs, verbose=verbose)


def test_metrics(model, kind, x_test, seed=0):
    """The headline test metrics stored in a checkpoint's sidecar (the registry's, for the kind).

    Args:
        model: the trained model.
        kind: a kind name of `aelab.models.registry`.
        x_test: test images of the model's data set.
        seed: noise seed for the DAE.

    Returns:
        A flat dict of floats.
    """
    return registry.get(kind).test_metrics(model, x_test, seed)


def sidecar_metadata(cfg, history, test, seconds, epochs=None, kind=None, **config):
    """The sidecar contents of a trained model (the `checkpoints.save` metadata); every sidecar is made here.

    Args:
        cfg: the run's `TrainConfig`.
        history: Keras' history dict (loss per epoch, ...).
        test: the test metrics (see `test_metrics`).
        seconds: training time.
        epochs: epochs run, if not the length of the history.
        kind: what the sidecar calls the model, if not `cfg.model` (a study's variant).
        **config: what the run used beyond its `TrainConfig` (a study's loss, an architecture).
    """
    return {
        "kind": kind or cfg.model,
        "config": {**dataclasses.asdict(cfg), **config},
        "seed": cfg.seed,
        "epochs": len(history.get("loss", [])) if epochs is None else epochs,
        "dataset": registry.get(cfg.model).dataset,
        "test_metrics": test,
        "history": {k: [float(v) for v in vals] for k, vals in history.items()},
        "train_seconds": round(seconds, 1),
    }


def save_trained(model, name, cfg, history, test, seconds, directory=None, epochs=None):
    """Saves a trained model with its sidecar through `aelab.shelf.save`; returns the `.keras` path.

    An AE or VAE with a 2-D latent gets its decoder as ONNX beside it, for the
    browser's latent navigator, sha256 in the sidecar.
    """
    return shelf.save(model, name, sidecar_metadata(cfg, history, test, seconds, epochs), cfg.model, directory)
