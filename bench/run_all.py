"""Every performance figure of aelab in one table, measured in one run.

    python bench/run_all.py [--quick] [--markdown]

Each row quotes the reference it is measured against (the tutorial's way or
stock Streamlit, timed side by side in the same run) and the target from the
performance issue. The exit code is 1 when any row misses its target. Needs
the MNIST files (AELAB_DATA_DIR or Keras' cache) and, for the cold start,
Chromium at /usr/bin/chromium. Takes about 5 minutes; --quick about 2.
"""

import argparse
import sys
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import cold_start
import decode
import rerun_manifold
import scatter
import train_epoch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (figures are noisier)")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--skip", nargs="*", default=[], choices=["decode", "rerun", "cold", "scatter", "memory", "train"])
    args = p.parse_args()
    runs = 10 if args.quick else 30
    steps = [
        ("decode", lambda: decode.manifold_rows(runs)),
        ("rerun", lambda: rerun_manifold.rerun_rows(20 if args.quick else 50)),
        ("decode", lambda: decode.denoise_row(runs)),
        ("cold", lambda: cold_start.cold_start_rows(1 if args.quick else 3)),
        ("scatter", lambda: scatter.scatter_rows(runs)),
        ("memory", lambda: rerun_manifold.memory_rows(50 if args.quick else 200)),
        ("train", lambda: train_epoch.train_epoch_rows(2)),
    ]
    rows = []
    start = time.perf_counter()
    for name, step in steps:
        if name not in args.skip:
            print(f"… {name}", file=sys.stderr, flush=True)
            rows += step()
    if args.markdown:
        print("| measure | reference (same run) | aelab | target | met |")
        print("|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['measure']} | {r['reference']} | {r['aelab']} | {r['target']} | {'yes' if r['ok'] else 'NO'} |"
            )
    else:
        for r in rows:
            mark = "ok  " if r["ok"] else "MISS"
            print(
                f"{mark} {r['measure']}\n     aelab: {r['aelab']}  (target {r['target']})\n     reference: {r['reference']}"
            )
    print(f"\n{sum(r['ok'] for r in rows)}/{len(rows)} at or under target; {time.perf_counter() - start:.0f} s in all.")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
