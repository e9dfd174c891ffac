"""How far binarized training digits move vae2d's importance-weighted bound (issue 22, item 5).

    python bench/vae_binarized.py [--epochs 12] [--lr 3e-4] [--every 4] [--digits 1000] [--iwae-k K] [--save FILE]

The papers' VAEs are trained on stochastically binarized MNIST; the shipped vae2d on grey levels (with
redrawn digits). This fine-tunes a copy of the shipped vae2d on dynamically binarized training digits (a
fresh Bernoulli draw per batch, the same one as input and target; Adam with cosine decay, batches of 128,
MNIST's first 55,000 training digits, no redrawing) and prints, before and every `--every` epochs, the bound
L_K (K = 500) on the first `--digits` binarized test digits as `python -m aelab.evaluate` reports it
(`aelab.likelihood.binarized_test_bound`, seed 0), and the grey-level -ELBO of the 10,000 test digits
(the shipped threshold: <= 150). The shipped checkpoint is never written; `--save` keeps the copy.

With `--iwae-k K` the copy trains on the importance-weighted bound L_K instead of the ELBO, the map kept
(`aelab.models.vae.VAE.finish_with_iwae`: the decoder and the posterior's width learn, the posterior
means stay); it also prints the posterior's median width, which L_K widens.
"""

import argparse
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import keras
import numpy as np

from aelab import checkpoints, likelihood, metrics
from aelab.data import datasets

BATCH, TRAIN = 128, 55_000


class Binarized(keras.utils.PyDataset):
    """Training digits, binarized anew in every batch (input = target), shuffled every epoch."""

    def __init__(self, x, seed):
        super().__init__()
        self.x, self.rng = x, np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self):
        return len(self.x) // BATCH

    def __getitem__(self, i):
        batch = self.x[self.order[i * BATCH : (i + 1) * BATCH]]
        binary = (self.rng.random(batch.shape, dtype=np.float32) < batch).astype("float32")
        return binary, binary

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))


def report(vae, x_test, digits, label):
    bound = likelihood.binarized_test_bound(vae, x_test[:digits])
    elbo = metrics.vae_elbo(vae, x_test)["neg_elbo"]  # The evaluator's, whatever the copy trains on.
    width = np.median(np.exp(0.5 * np.asarray(vae.posterior(x_test[:digits])[1])))
    print(
        f"| {label} | {bound['iwae_bound']:.2f} ± {bound['iwae_stderr']:.2f} | {elbo:.2f} | {width:.3f} |", flush=True
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--every", type=int, default=4, help="epochs between two measurements")
    p.add_argument("--digits", type=int, default=1000, help="binarized test digits of the bound")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--iwae-k", type=int, default=0, help="train on the bound L_K, the map kept (0: the ELBO)")
    p.add_argument("--save", help="write the fine-tuned copy here (.keras)")
    args = p.parse_args()
    (x_train, _), (x_test, _) = datasets.load_mnist()
    vae = checkpoints.load("vae2d")
    if args.iwae_k:
        vae.finish_with_iwae(args.iwae_k)
    steps = args.epochs * (TRAIN // BATCH)
    vae.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(args.lr, steps)))
    batches = Binarized(x_train[:TRAIN], args.seed)
    objective = f"L_{args.iwae_k}" if args.iwae_k else "the ELBO"
    print(f"| vae2d, fine-tuned on binarized digits ({objective}) | L_K, K = {likelihood.K} (nats) | grey-level "
          "-ELBO | posterior's median width |")  # fmt: skip
    print("|---|---|---|---|")
    report(vae, x_test, args.digits, "shipped")
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        loss = vae.fit(batches, epochs=1, verbose=0).history["loss"][-1]
        print(f"epoch {epoch}: {time.perf_counter() - start:.0f} s, training loss {loss:.2f}", flush=True)
        if epoch % args.every == 0 or epoch == args.epochs:
            report(vae, x_test, args.digits, f"after {epoch} epochs")
    if args.save:
        vae.save(args.save)


if __name__ == "__main__":
    main()
