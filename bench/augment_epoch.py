"""A training epoch with on-the-fly augmentation against one without, in the same run.

    python bench/augment_epoch.py [--model ae2d] [--augment standard] [--train-size 0] [--epochs 2]

Trains the same model twice with aelab's pipeline (`aelab.training.pipeline.fit`): without
augmentation (Keras fit on the arrays, as the unaugmented checkpoints are trained) and with
`--augment` (each batch redrawn by `aelab.training.augment` in the `PairSequence`); reports each one's
median epoch time after the first (which also pays for tracing) and their ratio.
"""

import argparse
import statistics

import _common  # noqa: F401  (puts the repository on sys.path)
from train_epoch import EpochTimer

from aelab import data
from aelab.training import pipeline


def epoch_seconds(model, augment, x, epochs):
    cfg = pipeline.TrainConfig(model=model, epochs=epochs, val_size=0, augment=augment)
    timer = EpochTimer()
    pipeline.fit(pipeline.build_model(cfg), cfg, x, x[:0], callbacks=[timer])
    return statistics.median(timer.seconds[1:] or timer.seconds), timer.seconds[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="ae2d")
    p.add_argument("--augment", default="standard")
    p.add_argument("--train-size", type=int, default=0, help="training digits (0: all 60,000)")
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args()
    (x, _), _ = data.load_mnist()
    x = x[: args.train_size] if args.train_size else x
    plain, plain_first = epoch_seconds(args.model, "none", x, args.epochs)
    aug, aug_first = epoch_seconds(args.model, args.augment, x, args.epochs)
    print(
        f"one {args.model} epoch on {len(x):,} digits: without augmentation {plain:.1f} s (first {plain_first:.1f} s), "
        f"with --augment {args.augment} {aug:.1f} s (first {aug_first:.1f} s): x{aug / plain:.2f}"
    )


if __name__ == "__main__":
    main()
