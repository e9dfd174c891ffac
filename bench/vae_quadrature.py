"""How much of vae2d's likelihood the importance-weighted bound misses: log p(x) by quadrature (issue 22, item 5).

    python bench/vae_quadrature.py [--digits 1000] [--grid 300 600] [--extent 6] [--checkpoint-dir DIR]

With a 2-D code the decoder's marginal likelihood p(x) = ∫ p(x|z) p(z) dz can be summed on a grid: decode
every grid point once, score every binarized test digit against all of them (one matrix product), and add
up prior x likelihood x cell area. This prints that log p(x) for each `--grid` size (points per axis over
[-extent, extent]^2; two sizes show whether the grid is fine enough) beside the K = 500 bound of
`python -m aelab.evaluate` on the same digits (`aelab.likelihood.binarized_test_bound`, seed 0), and the
posterior's median width. The gap is what q(z|x), the encoder's proposal, costs the bound: no decoder
change is needed to win it back, only a better proposal.
"""

import argparse

import _common  # noqa: F401  (puts the repository on sys.path)
import numpy as np

from aelab import checkpoints, inference, likelihood
from aelab.data import datasets

EPS = 1e-7  # As Keras' binary cross-entropy clips its probabilities.


def grid_log_px(vae, xb, points, extent, chunk=20_000):
    """log p(x) of each binary image (N, 784) by the midpoint rule on a `points` x `points` grid."""
    axis = np.linspace(-extent, extent, points)
    cell = np.log((axis[1] - axis[0]) ** 2)
    z = np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2).astype("float32")
    decode = inference.traced(vae.decoder)
    total = np.full(len(xb), -np.inf)
    for i in range(0, len(z), chunk):  # A running log-sum-exp over the grid, one slice at a time.
        zc = z[i : i + chunk]
        p = np.clip(np.asarray(decode(zc), dtype=np.float64).reshape(len(zc), -1), EPS, 1 - EPS)
        log_pz = -0.5 * np.sum(zc.astype(np.float64) ** 2, axis=1) - np.log(2 * np.pi)
        terms = xb @ np.log(p).T + (1 - xb) @ np.log1p(-p).T + log_pz + cell
        total = np.logaddexp(total, np.logaddexp.reduce(terms, axis=1))
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--digits", type=int, default=1000, help="the first N test digits, binarized (seed 0)")
    p.add_argument("--grid", type=int, nargs="+", default=[300, 600], help="points per axis")
    p.add_argument("--extent", type=float, default=6.0, help="the grid covers [-extent, extent]^2")
    p.add_argument("--checkpoint-dir", default=None)
    args = p.parse_args()
    x_test = datasets.load_mnist()[1][0][: args.digits]
    vae = checkpoints.load("vae2d", args.checkpoint_dir)
    xb = likelihood.binarize(x_test, seed=0)
    bound = likelihood.binarized_test_bound(vae, x_test)
    width = np.median(np.exp(0.5 * np.asarray(vae.posterior(xb)[1])))
    print(f"vae2d on the first {len(xb)} binarized test digits; q(z|x)'s median width {width:.3f}")
    print("| estimate | nats |")
    print("|---|---|")
    print(
        f"| L_K, K = {likelihood.K} (the evaluator's bound) | {bound['iwae_bound']:.2f} ± {bound['iwae_stderr']:.2f} |"
    )
    flat = xb.reshape(len(xb), -1).astype(np.float64)
    for points in args.grid:
        log_px = grid_log_px(vae, flat, points, args.extent)
        spacing = 2 * args.extent / (points - 1)
        print(f"| log p(x), {points}x{points} grid (spacing {spacing:.3f}) | {log_px.mean():.2f} |", flush=True)


if __name__ == "__main__":
    main()
