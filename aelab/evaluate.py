"""Evaluates the shipped checkpoints on the full test sets and prints one table.

python -m aelab.evaluate [--data-dir D] [--checkpoint-dir C] [--limit N] [--json OUT]
"""

import json
import sys

from aelab.cli import ArgumentParser, existing_dir, non_negative_int, quiet_tensorflow

DAE_SIGMAS = (0.25, 0.5, 0.75, 1.0)

# name -> (metric key, comparison, threshold): the foundation issue's bar.
THRESHOLDS = {
    "ae2d MSE": ("ae2d", "mse", "<=", 0.040),
    "vae2d -ELBO (nats)": ("vae2d", "neg_elbo", "<=", 150.0),
    "dae PSNR @ sigma 0.5 (dB)": ("dae", "psnr_0.5", ">=", 17.5),
    "dae SSIM @ sigma 0.5": ("dae", "ssim_0.5", ">=", 0.75),
    "dae PSNR @ sigma 1.0 (dB)": ("dae", "psnr_1.0", ">=", 14.0),
    "colorizer PSNR (dB)": ("colorizer", "psnr", ">=", 23.0),
}


def evaluate(data_dir=None, checkpoint_dir=None, limit=0, seed=0):
    """Computes every figure of the evaluation table.

    Args:
        data_dir: folder with the data sets (see `aelab.data`).
        checkpoint_dir: folder with the checkpoints (see `aelab.checkpoints`).
        limit: evaluate on the first `limit` test images only (0: all).
        seed: seed of the DAE's input noise.

    Returns:
        A nested dict: {"ae2d": {...}, "pca2": {...}, "pca16": {...},
        "vae2d": {...}, "dae": {...}, "colorizer": {...}}.
    """
    from aelab import checkpoints, data, metrics

    (x_train, _), (x_test, _) = data.load_mnist(data_dir)
    if limit:
        x_test = x_test[:limit]
    out = {}
    ae = checkpoints.load("ae2d", checkpoint_dir)
    out["ae2d"] = metrics.reconstruction_metrics(x_test, metrics.predict_all(ae, x_test))
    pca = metrics.PCA(x_train)  # One decomposition for both sizes.
    for k in (2, 16):
        out[f"pca{k}"] = metrics.reconstruction_metrics(x_test, pca.reconstruct(x_test, k))
    vae = checkpoints.load("vae2d", checkpoint_dir)
    out["vae2d"] = {
        **metrics.reconstruction_metrics(x_test, metrics.predict_all(vae, x_test)),
        **metrics.vae_elbo(vae, x_test),
    }
    dae = checkpoints.load("dae", checkpoint_dir)
    out["dae"] = {}
    for sigma in DAE_SIGMAS:
        for key, value in metrics.denoising_scores(dae, x_test, sigma, seed).items():
            out["dae"][f"{key}_{sigma}"] = value
    del x_train
    _, (c_test, _) = data.load_cifar10(data_dir)
    if limit:
        c_test = c_test[:limit]
    out["colorizer"] = metrics.colorization_scores(checkpoints.load("colorizer", checkpoint_dir), c_test)
    return out


def check_thresholds(results):
    """Returns rows `(label, value, comparison, threshold, passed)`."""
    rows = []
    for label, (model, key, op, bar) in THRESHOLDS.items():
        value = results[model][key]
        rows.append((label, value, op, bar, value <= bar if op == "<=" else value >= bar))
    return rows


def format_table(results, n_mnist, n_cifar):
    """Renders the results as a Markdown table (it reads well in a terminal too)."""
    lines = [f"MNIST test images: {n_mnist}, CIFAR-10 test images: {n_cifar}", ""]
    lines += ["| model | MSE | BCE | relative error | PSNR (dB) |", "|---|---|---|---|---|"]
    for name in ("ae2d", "pca2", "vae2d", "pca16"):
        r = results[name]
        lines.append(f"| {name} | {r['mse']:.4f} | {r['bce']:.4f} | {r['relative_error']:.3f} | {r['psnr']:.2f} |")
    v = results["vae2d"]
    lines += [
        "",
        f"VAE -ELBO {v['neg_elbo']:.2f} nats = reconstruction {v['reconstruction']:.2f} + KL {v['kl']:.2f}",
        "",
    ]
    lines += [
        "| DAE, tutorial noise | noisy PSNR | noisy SSIM | denoised PSNR | denoised SSIM |",
        "|---|---|---|---|---|",
    ]
    d = results["dae"]
    for s in DAE_SIGMAS:
        lines.append(
            f"| sigma {s} | {d[f'noisy_psnr_{s}']:.2f} | {d[f'noisy_ssim_{s}']:.3f} | {d[f'psnr_{s}']:.2f} | {d[f'ssim_{s}']:.3f} |"
        )
    c = results["colorizer"]
    lines += ["", "| colorizer | PSNR (dB) | SSIM |", "|---|---|---|"]
    lines.append(f"| colorizer | {c['psnr']:.2f} | {c['ssim']:.3f} |")
    lines.append(f"| gray copied to RGB | {c['gray_copy_psnr']:.2f} | {c['gray_copy_ssim']:.3f} |")
    lines += ["", "| threshold | value | target | met |", "|---|---|---|---|"]
    for label, value, op, bar, ok in check_thresholds(results):
        lines.append(f"| {label} | {value:.4g} | {op} {bar:g} | {'yes' if ok else 'NO'} |")
    return "\n".join(lines)


def main(argv=None, prog="python -m aelab.evaluate"):
    p = ArgumentParser(prog=prog, description="Evaluate the shipped checkpoints on the test sets.")
    p.add_argument("--data-dir", type=existing_dir, default=None, help="folder with mnist.npz / cifar10.npz")
    p.add_argument("--checkpoint-dir", type=existing_dir, default=None, help="folder with the checkpoints")
    p.add_argument("--limit", type=non_negative_int, default=0, help="use only the first N test images (0: all)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the DAE's input noise")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    quiet_tensorflow()
    from aelab.checkpoints import CheckpointError
    from aelab.data import DataError

    try:
        results = evaluate(args.data_dir, args.checkpoint_dir, args.limit, args.seed)
    except (CheckpointError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    n = args.limit or 10000
    print(format_table(results, n, n))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0 if all(row[-1] for row in check_thresholds(results)) else 1


if __name__ == "__main__":
    sys.exit(main())
