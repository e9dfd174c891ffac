"""Every performance figure of aelab in one table, measured in one run.

    python bench/run_all.py [--quick] [--markdown]

Each row quotes the reference it is measured against (the tutorial's way,
stock Streamlit, a one-line Streamlit app, or today's slider path, timed side
by side in the same run), and its target is a ratio to that reference: these
machines differ by 2x from one host to the next, so an absolute target would
pass or fail with the host. (Each ratio is the performance issue's absolute
target over the reference on the host the README's table comes from.) The
browser rows (latent navigator) keep the one absolute target that is the
display's own: a frame at 60 Hz. The exit code is 1 when any row misses its
target. Needs the MNIST files (AELAB_DATA_DIR or Keras' cache) and Chromium at
/usr/bin/chromium. Takes about 10 minutes; --quick about 5. Run it alone:
`flock /tmp/aelab-bench.lock python bench/run_all.py`, with no training going on.
"""

import argparse
import sys
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import cold_start
import decode
import navigator
import rerun_manifold
import scatter
import scrub
import train_epoch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (figures are noisier)")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["decode", "rerun", "cold", "scatter", "memory", "train", "navigator", "scrub"],
    )
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
        ("navigator", lambda: navigator.navigator_rows(classroom_seconds=15 if args.quick else 30)[0]),
        # The scrubbed lesson sliders (Denoising sigma, Colorization T): a step in Chromium, a drag's reruns.
        ("scrub", lambda: scrub.browser_rows(20 if args.quick else 40, 5)[0] + scrub.server_rows()[0]),
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
        _common.print_rows(rows)
    print(f"\n{sum(r['ok'] for r in rows)}/{len(rows)} at or under target; {time.perf_counter() - start:.0f} s in all.")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
