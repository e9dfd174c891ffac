"""Runs one study, prints its tables, writes `<study>.json` and `<study>.png`.

python -m aelab.experiments {variants,pca,optimizers,losses,compression} [--quick] [--limit N]
"""

import sys
import time

from aelab.cli import ArgumentParser, existing_dir, non_negative_int, quiet_tensorflow
from aelab.experiments import CACHE_DIR, QUICK_DIR, STUDIES, STUDIES_DIR


def parse_args(argv=None, prog="python -m aelab.experiments"):
    p = ArgumentParser(
        prog=prog,
        description="Run one of the tutorials' studies and save its result (JSON) and charts (PNG).",
    )
    p.add_argument("study", choices=STUDIES, help="which study to run")
    p.add_argument("--quick", action="store_true", help="a short run on a slice of the data (seconds)")
    p.add_argument("--limit", type=non_negative_int, default=0, help="at most N training/validation/test images")
    p.add_argument("--seed", type=non_negative_int, default=None, help="default 1337")
    p.add_argument("--data-dir", type=existing_dir, default=None, help="folder with mnist.npz (else $AELAB_DATA_DIR)")
    p.add_argument("--out", default=None, help=f"result folder (default studies/, with --quick {QUICK_DIR})")
    p.add_argument(
        "--checkpoint-dir",
        default=None,
        help="where `variants` saves dense_ae, multilayer_ae, sparse_ae (default checkpoints/; "
        "with --quick or --limit, <out>/checkpoints)",
    )
    p.add_argument("--replot", action="store_true", help="only redraw <study>.png from the stored <study>.json")
    p.add_argument("--no-cache", action="store_true", help=f"retrain the models kept in {CACHE_DIR}")
    return p.parse_args(argv)


def main(argv=None, prog="python -m aelab.experiments"):
    args = parse_args(argv, prog)
    quiet_tensorflow()
    import os

    from aelab import experiments

    small = args.quick or args.limit
    out = args.out or (QUICK_DIR if small else STUDIES_DIR)
    from aelab import locations

    # Installed with pip, the stored results and the shipped checkpoints are package files.
    problem = locations.package_write_error(out, "--out")
    if problem:
        print(f"{prog}: error: {problem} (--help lists the options)", file=sys.stderr)
        return 2
    if args.replot:  # No TensorFlow needed.
        json_path, png_path = experiments.result_paths(args.study, out)
        res = experiments.load_result(args.study, out)
        if res is None:
            print(f"error: no readable result {json_path} to redraw", file=sys.stderr)
            return 2
        from aelab.experiments import charts

        print(f"wrote {charts.save_png(res, png_path)}")
        return 0

    from aelab import checkpoints, data

    # A quick or sliced run must never replace the shipped checkpoints.
    ckpt = args.checkpoint_dir or (os.path.join(out, "checkpoints") if small else checkpoints.resolve_dir())
    problem = args.study == "variants" and locations.package_write_error(ckpt, "--checkpoint-dir")
    if problem:  # Only variants saves models.
        print(f"{prog}: error: {problem} (--help lists the options)", file=sys.stderr)
        return 2
    cache = None if args.no_cache else (os.path.join(out, "cache") if small else CACHE_DIR)
    budget = experiments.budget_for(args.study, args.quick, args.limit, args.seed)

    last = [None]

    def progress(fraction, message):
        if message and message != last[0]:
            last[0] = message
            print(f"[{time.strftime('%H:%M:%S')}] {fraction:4.0%} {message}", flush=True)

    try:
        res = experiments.run_study(args.study, budget, args.data_dir, ckpt, cache, progress)
    except data.DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    json_path, png_path = experiments.save_result(res, out)
    print()
    print(experiments.format_table(res["table"]))
    for t in res["tables"]:
        print(f"\n{t['title']}\n")
        print(experiments.format_table(t))
    print(f"\n{res['summary']}")
    print(f"({res['seconds']:.0f} s) wrote {json_path} and {png_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
