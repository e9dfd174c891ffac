"""Server-side rerun of the Manifold page after a slider move (AppTest), and memory over many reruns.

    python bench/rerun_manifold.py [--runs 50] [--memory-reruns 200]

Prints the median rerun time with aelab's Streamlit settings (Keras session
kept, no post-run gc.collect) and with Streamlit's stock behaviour, measured
in alternation in one process, and the process's memory growth over N reruns.
"""

import argparse
import gc
import statistics
import time

import _common  # noqa: F401  (puts the repository on sys.path)
from _common import REPO, row, rss_mb
from streamlit import config
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

APP = f"{REPO}/app.py"
STOCK_CLEANUP = script_runner._clean_problem_modules


def _use(stock):
    """Switches between Streamlit's stock post-run clean-up and aelab's."""
    import app_pages._common as common

    if stock:
        script_runner._clean_problem_modules = STOCK_CLEANUP
        config.set_option("runner.postScriptGC", True)
    else:
        common.keep_keras_state()
        config.set_option("runner.postScriptGC", False)


def _manifold_app():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/manifold.py").run()
    assert not at.exception, at.exception
    return at


def _move(at, i):
    """Moves the 'Pick z0' slider to a new value and waits for the rerun."""
    slider = next(s for s in at.slider if s.label == "Pick z0")
    slider.set_value(round(-2.0 + (i % 40) * 0.1, 1)).run()
    assert not at.exception, at.exception


def rerun_rows(runs):
    ours_app, stock_app = _manifold_app(), _manifold_app()
    times = {"ours": [], "stock": []}
    for i in range(runs + 2):
        for name, at in (("ours", ours_app), ("stock", stock_app)):
            _use(stock=name == "stock")
            t = time.perf_counter()
            _move(at, i)
            if i >= 2:  # The first two moves warm up caches and traces.
                times[name].append((time.perf_counter() - t) * 1000)
    _use(stock=False)
    ours, stock = statistics.median(times["ours"]), statistics.median(times["stock"])
    return [
        row(
            f"Manifold page rerun after a slider move (AppTest, median of {runs})",
            f"stock Streamlit (clear_session + gc.collect) {stock:.0f} ms",
            f"{ours:.0f} ms (×{stock / ours:.1f})",
            "≤ 0.8 × stock (100 ms of 128)",
            ours <= 0.8 * stock,
        )
    ]


def memory_rows(reruns):
    _use(stock=False)
    at = _manifold_app()
    for i in range(20):  # Warm-up: caches, traced functions, allocator pools.
        _move(at, i)
    gc.collect()
    before = rss_mb()
    for i in range(reruns):
        _move(at, i)
    gc.collect()
    grown = rss_mb() - before
    return [
        row(
            f"memory growth over {reruns} slider reruns (process RSS)",
            f"{before:.0f} MB after warm-up",
            f"{grown:+.1f} MB ({100 * grown / before:+.1f}%)",
            "≤ 5% of the warm process (50 MB of 926)",
            grown <= 0.05 * before,
        )
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--memory-reruns", type=int, default=200)
    args = p.parse_args()
    for r in rerun_rows(args.runs) + memory_rows(args.memory_reruns):
        print(f"{r['measure']}: {r['aelab']} | reference {r['reference']} | target {r['target']}")


if __name__ == "__main__":
    main()
