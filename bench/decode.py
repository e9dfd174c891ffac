"""Decoding and denoising at slider speed: the tutorial's `predict` calls against aelab's traced calls.

    python bench/decode.py [--runs 30] [--full-reference]

Prints three rows: a 30x30 manifold (reference: 900 single-point `predict`
calls, estimated from their median unless --full-reference runs all 900, and
one batched `predict`), one latent point, and denoising 16 digits after a
noise change (noise, model and PSNR/SSIM, as the Denoising page does).
"""

import argparse
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from _common import medians_ms, row

from aelab import checkpoints, data, metrics
from aelab.inference import latent


def manifold_rows(runs, full_reference=False):
    vae = checkpoints.load("vae2d")
    dec = vae.decoder
    z0, z1 = latent.grid_axes(30, (-4.0, 4.0), (-4.0, 4.0))
    grid = latent.grid_points(z0, z1)
    one = grid[:1]
    t = medians_ms(
        {
            "predict_one": lambda: dec.predict(one, verbose=0),
            "predict_900": lambda: dec.predict(grid, batch_size=900, verbose=0),
            "ours_900": lambda: latent.manifold(vae, 30, (-4.0, 4.0), (-4.0, 4.0)),
            "ours_one": lambda: latent.decode(vae, one),
        },
        runs,
    )
    if full_reference:
        start = time.perf_counter()
        for z in grid:
            dec.predict(z[None], verbose=0)
        loop = f"900 × predict: {time.perf_counter() - start:.1f} s"
    else:
        loop = f"900 × predict ≈ {900 * t['predict_one'] / 1000:.1f} s"
    return [
        row(
            "decode a 30×30 manifold (median)",
            f"{loop}; one batched predict {t['predict_900']:.0f} ms",
            f"{t['ours_900']:.0f} ms (×{t['predict_900'] / t['ours_900']:.1f} vs batched predict)",
            "≤ 0.65 × batched predict (80 ms of 125 on the README's host)",
            t["ours_900"] <= 0.65 * t["predict_900"],
        ),
        row(
            "decode one latent point (median)",
            f"predict {t['predict_one']:.1f} ms",
            f"{t['ours_one']:.2f} ms (×{t['predict_one'] / t['ours_one']:.0f})",
            "≤ 1/8 of predict (5 ms of 41)",
            t["ours_one"] <= t["predict_one"] / 8,
        ),
    ]


def denoise_row(runs):
    dae = checkpoints.load("dae")
    (_, _), (x, _) = data.load_mnist()
    clean = x[np.random.default_rng(0).choice(len(x), 16, replace=False)]
    sigma = iter(np.tile(np.arange(0.05, 1.0, 0.05), 1000))

    def step(run):
        # What the Denoising fragment does after a σ change: new noise, denoise, score.
        noisy = data.add_noise(clean, float(next(sigma)), "tutorial", seed=0)
        denoised = run(noisy)
        metrics.psnr_ssim(clean, noisy), metrics.psnr_ssim(clean, denoised)

    t = medians_ms(
        {
            "predict": lambda: step(lambda v: dae.predict(v, verbose=0)),
            "eager": lambda: step(lambda v: np.asarray(dae(v, training=False))),
            "ours": lambda: step(lambda v: latent.reconstruct(dae, v)),
        },
        runs,
    )
    return [
        row(
            "denoise 16 digits after a σ change (noise + DAE + PSNR/SSIM, median)",
            f"with predict {t['predict']:.0f} ms; eager call {t['eager']:.0f} ms",
            f"{t['ours']:.1f} ms (×{t['predict'] / t['ours']:.1f} vs predict)",
            "≤ 0.55 × predict (30 ms of 56)",
            t["ours"] <= 0.55 * t["predict"],
        )
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--full-reference", action="store_true", help="run the 900 predict calls (about 40 s)")
    args = p.parse_args()
    for r in manifold_rows(args.runs, args.full_reference) + denoise_row(args.runs):
        print(f"{r['measure']}: {r['aelab']} | reference {r['reference']} | target {r['target']}")


if __name__ == "__main__":
    main()
