"""Train on our class: the shipped AE and VAE fine-tuned on a class's digits mixed with MNIST, as a pool job.

The class's few hundred digits alone would drag the whole map towards them; mixed with MNIST's own
training digits (the class's repeated so they are about a quarter of what the models see) the map keeps
its shape and the class's digits move to where their own digit lies. Like every training, it runs in the
server's training pool (`aelab.training.pool`), never on the web server's thread.
"""

import io
import os
import tempfile
import time

import numpy as np

from aelab import checkpoints, data
from aelab.i18n import _
from aelab.inference import latent
from aelab.models import registry
from aelab.training import jobs, worker

EPOCHS = 3
MNIST_MIX = 6000  # MNIST training digits mixed in: the map's shape.
CLASS_SHARE = 0.25  # The class's share of the images seen per epoch (by repeating them).
LEARNING_RATE = 3e-4  # A tenth of a fresh run's: the shipped map moves, it is not redrawn.
BATCH_SIZE = 128
SEED = 1337


def to_model_input(images):
    """uint8 digits (N, 28, 28) as the models take them: float32 (N, 28, 28, 1) in [0, 1]."""
    return (np.asarray(images, dtype="float32") / 255.0)[..., None]


def repeats(n_class, n_mnist=MNIST_MIX, share=CLASS_SHARE):
    """How often each of the class's `n_class` digits is repeated so they are about `share` of the mix."""
    return max(1, int(round(share / (1 - share) * n_mnist / max(1, n_class))))


def redraw_error(model, x):
    """How far a model's redrawing of digits is from them: the mean squared error per pixel.

    What the fine-tuning lowers (it trains the models to redraw the class's digits); where the digits
    land among MNIST's is not trained (an autoencoder never sees which digit was meant) and may move
    either way.

    Args:
        model: an AE or VAE (a VAE redraws from its posterior mean).
        x: digits as the models take them, float32 (N, 28, 28, 1) in [0, 1].

    Returns:
        A float.
    """
    return float(np.mean(np.square(latent.reconstruct(model, x) - x)))


def mix(x_class, x_mnist, share=CLASS_SHARE):
    """The class's digits repeated to about `share` of the mix, with MNIST's, in one array (not shuffled)."""
    return np.concatenate([x_mnist, np.repeat(x_class, repeats(len(x_class), len(x_mnist), share), axis=0)])


class ClassTrainingJob(jobs.PoolJob):
    """Fine-tuning the shipped AE and VAE on one class's digits.

    Args:
        images: the class's digits, uint8 (N, 28, 28).
        labels: the digits the students meant, (N,).
        owner, data_dir, alive: see `aelab.training.jobs.PoolJob`.
        epochs: passes over the mix (default EPOCHS).
        mnist_mix: MNIST training digits mixed in (default MNIST_MIX).

    Attributes:
        fraction: how far it got, in [0, 1].
        models: kind name -> the fine-tuned model, once done.
    """

    def __init__(self, images, labels, owner, data_dir=None, alive=None, epochs=None, mnist_mix=None):
        super().__init__(owner, data_dir, alive)
        self.images = np.asarray(images, np.uint8)
        self.labels = np.asarray(labels, np.int64)
        if self.images.ndim != 3 or self.images.shape[1:] != (28, 28) or not len(self.images):
            raise ValueError(_("There are no digits in the class to train on yet."))
        self.epochs = int(epochs or EPOCHS)
        self.mnist_mix = int(mnist_mix or MNIST_MIX)
        self.fraction, self.models = 0.0, {}
        self.kinds = [k.name for k in registry.latent_kinds()]

    def progress(self):
        """`(fraction in [0, 1], short text)`."""
        with self._lock:
            fraction, step = self.fraction, self.step
        if self.finished:
            return 1.0, _(jobs.FINISHED.get(self.status, self.status))
        if step == "waiting":
            return 0.0, _("starting on a worker") if self.handed_at else _("waiting for a free worker")
        return fraction, _("fine-tuning on the class's digits")

    def task(self, topic, nice, threads):
        args = (
            self.id,
            self.images.tobytes(),
            self.kinds,
            self.epochs,
            self.mnist_mix,
            self.data_dir,
            topic,
            nice,
            threads,
        )
        return run_in_worker, args

    def image_epochs(self):
        n = self.mnist_mix + len(self.images) * repeats(len(self.images), self.mnist_mix)
        return len(self.kinds) * n * self.epochs

    def apply(self, msg):
        with self._lock:
            if msg.get("kind") == "start":
                self.started_at, self.step, self.status, self.worker_pid = (
                    time.monotonic(),
                    "training",
                    "running",
                    msg["pid"],
                )
            elif msg.get("kind") == "progress":
                self.fraction = float(msg["fraction"])

    def adopt(self, result):
        """Rebuilds the fine-tuned models from the worker's weights (the shipped models' architecture)."""
        models = {}
        for kind, weights in (result.get("weights") or {}).items():
            model = checkpoints.load(kind)
            model.set_weights(weights)
            models[kind] = model
        with self._lock:
            self.models, self.seconds = models, result["seconds"]

    def _forget_result_if(self, failed):
        if failed or self.dropped:
            self.models = {}


def run_in_worker(job_id, image_bytes, kinds, epochs, mnist_mix, data_dir, topic, nice, threads):
    """The Dask task: each kind's shipped model fine-tuned on the class's digits mixed with MNIST.

    Returns:
        `{"weights": {kind: list of arrays}, "stopped": bool, "seconds": float}`; no weights when stopped.
    """
    import keras

    from aelab.training import callbacks

    report, should_stop, here = worker.prepare(job_id, data_dir, topic, nice, threads)
    report({"kind": "start", "pid": os.getpid()})
    t0 = time.perf_counter()
    x_class = to_model_input(np.frombuffer(image_bytes, np.uint8).reshape(-1, 28, 28))
    (x_train, _y), _test = data.load_mnist(here)
    rows = np.random.default_rng(SEED).choice(len(x_train), mnist_mix, replace=False)
    x = mix(x_class, np.asarray(x_train[rows], "float32"))
    weights = {}
    for i, kind in enumerate(kinds):
        keras.utils.set_random_seed(SEED)
        model = checkpoints.load(kind)
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss=registry.get(kind).loss)

        def on_epoch(epoch, total, logs, seconds, i=i):
            report({"kind": "progress", "fraction": (i + (epoch + 1) / total) / len(kinds)})

        progress = callbacks.Progress(on_epoch=on_epoch, should_stop=should_stop)
        model.fit(x, x, batch_size=BATCH_SIZE, epochs=epochs, shuffle=True, verbose=0, callbacks=[progress])
        if progress.stopped:
            return {"weights": None, "stopped": True, "seconds": time.perf_counter() - t0}
        weights[kind] = model.get_weights()
    return {"weights": weights, "stopped": False, "seconds": time.perf_counter() - t0}


def export_digits(images, labels):
    """The class's digits as an `.npz` in MNIST's layout: `x` uint8 (N, 28, 28), `y` uint8 labels.

    Returns:
        The file's bytes.
    """
    buf = io.BytesIO()
    np.savez_compressed(buf, x=np.asarray(images, np.uint8), y=np.asarray(labels, np.uint8))
    return buf.getvalue()


def model_bytes(model):
    """A model as the bytes of a `.keras` file (for a download)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()
