"""Server-side rerun time of the Manifold page after a slider move (AppTest), median of N.

    python bench/rerun_manifold.py [--runs 50]

Prints the median with aelab's Streamlit settings (Keras session kept, no
post-run gc.collect) and with Streamlit's stock behaviour, measured side by side.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from streamlit import config  # noqa: E402
from streamlit.runtime.scriptrunner import script_runner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
STOCK_CLEANUP = script_runner._clean_problem_modules


def median_rerun_ms(runs, stock):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/manifold.py").run()
    import app_pages._common as common

    if stock:
        script_runner._clean_problem_modules = STOCK_CLEANUP
        config.set_option("runner.postScriptGC", True)
    else:
        common.keep_keras_state()
        config.set_option("runner.postScriptGC", False)
    slider = next(s for s in at.slider if s.label == "Pick z0")
    times = []
    for i in range(runs):
        value = round(-2.0 + (i % 40) * 0.1, 1)
        t = time.perf_counter()
        slider.set_value(value).run()
        times.append((time.perf_counter() - t) * 1000)
        assert not at.exception, at.exception
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    args = p.parse_args()
    ours = median_rerun_ms(args.runs, stock=False)
    stock = median_rerun_ms(args.runs, stock=True)
    print(
        f"manifold rerun, median of {args.runs}: aelab {ours:.0f} ms, stock Streamlit {stock:.0f} ms, ratio {stock / ours:.2f}x"
    )


if __name__ == "__main__":
    main()
