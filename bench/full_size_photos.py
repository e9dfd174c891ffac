"""Full-size colorization of real photos: one 32x32 view of the photo against the views the app uses.

    python bench/full_size_photos.py PHOTO [PHOTO ...] [--out grid.png]

For each photo (shrunk to at most 400x300 first) and each vividness stop (T = 1, 0.3, 0.05) it colours the
photo's gray (`aelab.lessons.full_size.colorize`) seen once at 32x32, as the app did until 2026-12-04,
and seen at `full_size.VIEW_SIDES`, each mirrored too (the app now), and prints the PSNR against the
photo's own colours and the colourfulness ratio (`aelab.metrics.colourfulness`, colorized / original).
`--out` writes the photos side by side (original, then each T: one view, the app's views) to look at.

Photos used in docs/models.md: scikit-image's sample photos coffee.png, rocket.jpg, chelsea.png,
motorcycle_left.png and astronaut.png (`skimage/data/` in its package) and matplotlib's grace_hopper.jpg
(`matplotlib/mpl-data/sample_data/`): real colour photos that CIFAR-10 did not provide.
"""

import argparse
import os

import _common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from PIL import Image

from aelab import checkpoints, metrics
from aelab.lessons import full_size

TEMPERATURES = (1.0, 0.3, 0.05)
WAYS = {"one 32x32 view": {"sides": (32,), "mirrored": False}, "the app's views": {}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", nargs="+")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    model = checkpoints.load("colorizer")
    rows, table = [], {(t, way): [] for t in TEMPERATURES for way in WAYS}
    for path in args.photos:
        im = Image.open(path).convert("RGB")
        im.thumbnail((400, 300))
        rgb = np.asarray(im, "float32") / 255
        row = [rgb]
        for t in TEMPERATURES:
            for way, views in WAYS.items():
                out = full_size.colorize(model, rgb, t, **views)
                ratio = float(metrics.colourfulness(out[None])[0] / metrics.colourfulness(rgb[None])[0])
                table[t, way].append((os.path.basename(path), metrics.dataset_psnr(out, rgb), ratio))
                row.append(out)
        rows.append(np.concatenate([np.pad(r, ((0, 4), (0, 4), (0, 0))) for r in row], 1))
    for (t, way), results in table.items():
        each = ", ".join(f"{name} {p:.2f}" for name, p, _ in results)
        print(
            f"T = {t:g}, {way}: PSNR mean {np.mean([p for _, p, _ in results]):.2f} dB ({each}); "
            f"colourfulness ratio median {np.median([r for _, _, r in results]):.2f}"
        )
    if args.out:
        width = max(r.shape[1] for r in rows)
        grid = np.concatenate([np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows], 0)
        Image.fromarray(np.round(grid * 255).astype(np.uint8)).save(args.out)
        print("wrote", args.out)


if __name__ == "__main__":
    main()
