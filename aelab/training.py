"""Training: data pipelines, callbacks (progress, keep-the-best, LR schedule), seeds, strategy."""

import dataclasses
import time

import keras
import numpy as np

from aelab import checkpoints, data, metrics
from aelab.config import MODEL_KINDS, OPTIMIZER_NAMES, TrainConfig  # noqa: F401  (part of this module's API)
from aelab.models import build_colorizer, build_conv_autoencoder, build_denoiser, build_vae

OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adagrad": keras.optimizers.Adagrad,
}
assert tuple(OPTIMIZERS) == OPTIMIZER_NAMES

# Noise kinds the DAE sees while training, with their odds: mostly the
# tutorial recipe the thresholds are measured on, but the app also offers the
# other two, so the model must know them.
DAE_NOISE_MIX = (("tutorial", 0.6), ("gaussian", 0.2), ("salt_pepper", 0.2))


def build_model(cfg):
    """Builds the untrained model a config describes."""
    kw = {}
    if cfg.latent_dim:
        kw["latent_dim"] = cfg.latent_dim
    if cfg.hidden_units >= 0:
        kw["hidden_units"] = cfg.hidden_units
    if cfg.model == "ae2d":
        return build_conv_autoencoder(**kw)
    if cfg.model == "vae2d":
        return build_vae(seed=cfg.seed, **kw)
    if cfg.model == "dae":
        return build_denoiser(**kw)
    if cfg.model == "colorizer":
        return build_colorizer(cfg.arch)
    raise ValueError(f"Invalid value for argument model: expected one of {MODEL_KINDS}. Received: model={cfg.model!r}")


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


def gray_pair(batch, rng):
    """A colorizer training pair, flipped left-right half of the time."""
    if rng.random() < 0.5:
        batch = batch[:, :, ::-1, :]
    return data.to_gray(batch), batch


class ProgressCallback(keras.callbacks.Callback):
    """Reports each finished epoch and lets a caller stop training between batches.

    Args:
        on_epoch: called as `on_epoch(epoch, epochs, logs, seconds)` after each epoch.
        should_stop: optional callable; when it returns True, training stops.
    """

    def __init__(self, on_epoch=None, should_stop=None):
        super().__init__()
        self.on_epoch, self.should_stop = on_epoch, should_stop
        self.epochs = 0

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs", 0)

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.should_stop and self.should_stop():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.on_epoch:
            self.on_epoch(epoch, self.epochs, dict(logs or {}), time.perf_counter() - self._t0)
        if self.should_stop and self.should_stop():
            self.model.stop_training = True


class KeepBest(keras.callbacks.Callback):
    """Keeps the weights of the best epoch (by `monitor`) and restores them at the end.

    With `save` given, every new best is also written as a checkpoint (atomically),
    so an interrupted run still leaves its best model behind.

    Args:
        monitor: the logged value to minimise.
        save: optional callable `save(model, epoch, logs)`.
    """

    def __init__(self, monitor="val_loss", save=None):
        super().__init__()
        self.monitor, self.save = monitor, save
        self.best, self.best_epoch, self.best_weights = np.inf, -1, None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not value < self.best:
            return
        self.best, self.best_epoch = float(value), epoch
        self.best_weights = self.model.get_weights()
        if self.save:
            self.save(self.model, epoch, logs)

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def load_split(cfg, data_dir=None):
    """Loads the data set for a model and splits off the validation hold-out.

    Returns:
        `(x_train, x_val, (x_test, y_test))` with images in [0, 1].
    """
    loader = data.load_cifar10 if cfg.model == "colorizer" else data.load_mnist
    (x, _), test = loader(data_dir)
    val = x[len(x) - cfg.val_size :] if cfg.val_size else x[:0]
    train = x[: len(x) - cfg.val_size] if cfg.val_size else x
    if cfg.train_size:
        train = train[: cfg.train_size]
    return train, val, test


def make_inputs(cfg, x, shuffle=True):
    """Returns what `fit` takes for a model kind: arrays or a `PairSequence`."""
    if cfg.model == "dae":
        return PairSequence(x, cfg.batch_size, noisy_pair, cfg.seed, shuffle)
    if cfg.model == "colorizer":
        if not shuffle:
            return data.to_gray(x), x
        return PairSequence(x, cfg.batch_size, gray_pair, cfg.seed, shuffle)
    return x, x


def compile_model(model, cfg, steps_per_epoch):
    """Compiles with the config's optimizer and schedule; the VAE brings its own loss."""
    lr = cfg.learning_rate
    if cfg.schedule == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps=max(1, cfg.epochs * steps_per_epoch))
    opt = OPTIMIZERS[cfg.optimizer](learning_rate=lr)
    if cfg.model == "vae2d":
        model.compile(optimizer=opt)
    else:
        model.compile(optimizer=opt, loss="mse")


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
        kw = dict(x=train[0], y=None if cfg.model == "vae2d" else train[1], batch_size=cfg.batch_size, shuffle=True)
    else:
        kw = dict(x=train)
    if isinstance(val, tuple):
        val = val[0] if cfg.model == "vae2d" else val
    return model.fit(**kw, validation_data=val, epochs=cfg.epochs, callbacks=cbs, verbose=verbose)


def test_metrics(model, kind, x_test, seed=0):
    """The headline test metrics stored in a checkpoint's sidecar.

    Args:
        model: the trained model.
        kind: one of MODEL_KINDS.
        x_test: test images of the model's data set.
        seed: noise seed for the DAE.

    Returns:
        A flat dict of floats.
    """
    if kind == "ae2d":
        return metrics.reconstruction_metrics(x_test, metrics.predict_all(model, x_test))
    if kind == "vae2d":
        out = metrics.reconstruction_metrics(x_test, metrics.predict_all(model, x_test))
        return {**out, **metrics.vae_elbo(model, x_test)}
    if kind == "dae":
        out = {}
        for sigma in (0.5, 1.0):
            scores = metrics.denoising_scores(model, x_test, sigma, seed)
            out[f"psnr_sigma{sigma}"] = scores["psnr"]
            out[f"ssim_sigma{sigma}"] = scores["ssim"]
        return out
    scores = metrics.colorization_scores(model, x_test)
    return {"psnr": scores["psnr"], "psnr_gray_copy": scores["gray_copy_psnr"]}


def sidecar_metadata(cfg, history, test, seconds, dataset, epochs=None):
    """The sidecar contents for a trained model (the `checkpoints.save` metadata)."""
    return {
        "kind": cfg.model,
        "config": dataclasses.asdict(cfg),
        "seed": cfg.seed,
        "epochs": len(history.get("loss", [])) if epochs is None else epochs,
        "dataset": dataset,
        "test_metrics": test,
        "history": {k: [float(v) for v in vals] for k, vals in history.items()},
        "train_seconds": round(seconds, 1),
    }


def save_trained(model, name, cfg, history, test, seconds, directory=None, epochs=None):
    """Saves a trained model with its sidecar; returns the `.keras` path."""
    dataset = "cifar10" if cfg.model == "colorizer" else "mnist"
    meta = sidecar_metadata(cfg, history, test, seconds, dataset, epochs)
    return checkpoints.save(model, name, meta, directory)
