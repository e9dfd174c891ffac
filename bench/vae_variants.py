"""vae2d trained from scratch with its training step changed, to see what moves the map and the bound.

    BETA=0.5 python bench/vae_variants.py vae2d --epochs 30 --augment mild --out DIR
    BINARIZE=0.25 python bench/vae_variants.py vae2d --epochs 30 --augment mild --out DIR

Runs `python -m aelab.train` (same flags, writes DIR/vae2d.keras, never the shipped checkpoint) with
`VAE.train_step` replaced: BETA weighs the KL term in the gradient only (keep-best and every score use the
true -ELBO), so the code may carry more about each digit (a beta-VAE with beta < 1); BINARIZE is the share
of each batch's inputs replaced by a Bernoulli draw of their grey levels (the targets stay grey), so the
encoder also learns the black-and-white digits the importance-weighted bound is scored on. Then, with
ae2d and dae copied beside it: `python -m aelab.out_of_mnist --checkpoint-dir DIR` for the votes and
`python -m aelab.evaluate --checkpoint-dir DIR` for the -ELBO and the bound. Figures: docs/models.md.
"""

import os
import runpy
import sys

import _common  # noqa: F401  (puts the repository on sys.path)
import tensorflow as tf

from aelab.models import vae

BETA = float(os.environ.get("BETA", "1"))
BINARIZE = float(os.environ.get("BINARIZE", "0"))


def train_step(self, data):
    x, target = vae._inputs_and_targets(data)
    if BINARIZE:
        pick = tf.random.uniform((tf.shape(x)[0], 1, 1, 1)) < BINARIZE
        x = tf.where(pick, tf.cast(tf.random.uniform(tf.shape(x)) < x, x.dtype), x)
    with tf.GradientTape() as tape:
        rec, kl = self.loss_terms((x, target), training=True)
        loss = rec + BETA * kl
    grads = tape.gradient(loss, self.trainable_weights)
    self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
    return self._update(rec, kl)


if __name__ == "__main__":
    vae.VAE.train_step = train_step
    print(f"vae2d variant: KL weight {BETA}, binarized share of the inputs {BINARIZE}", flush=True)
    sys.argv = ["python -m aelab.train", *sys.argv[1:]]
    runpy.run_module("aelab.train", run_name="__main__")
