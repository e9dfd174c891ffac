"""One training epoch of the 2-D conv AE on the 60,000 MNIST training digits.

    python bench/train_epoch.py [--epochs 2]

Trains with aelab's own pipeline (`aelab.training.pipeline.fit`, batch 128, Adam, MSE)
and reports the median epoch time after the first, which also pays for tracing.
"""

import argparse
import statistics
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import keras
from _common import row

from aelab import data
from aelab.training import pipeline


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.t0)

    def on_train_begin(self, logs=None):
        self.seconds = []


def train_epoch_rows(epochs=2):
    (x, _), _ = data.load_mnist()
    cfg = pipeline.TrainConfig(model="ae2d", epochs=epochs, val_size=0)
    timer = EpochTimer()
    pipeline.fit(pipeline.build_model(cfg), cfg, x, x[:0], callbacks=[timer])
    steady = statistics.median(timer.seconds[1:] or timer.seconds)
    # The reference, in the same run: the tutorial's way, Keras' fit on the whole arrays
    # (same model, batch 128, Adam, MSE), without aelab's pipeline.
    model, ref_timer = pipeline.build_model(cfg), EpochTimer()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x, batch_size=cfg.batch_size, epochs=epochs, callbacks=[ref_timer], verbose=0)
    ref = statistics.median(ref_timer.seconds[1:] or ref_timer.seconds)
    return [
        row(
            f"one training epoch of the 2-D AE on {len(x):,} digits",
            f"Keras fit on the arrays {ref:.1f} s",
            f"{steady:.1f} s (×{steady / ref:.2f}; first epoch, with tracing: {timer.seconds[0]:.1f} s)",
            "≤ 1.2 × Keras fit",
            steady <= 1.2 * ref,
        )
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args()
    for r in train_epoch_rows(args.epochs):
        print(f"{r['measure']}: {r['aelab']} | reference {r['reference']} | target {r['target']}")


if __name__ == "__main__":
    main()
