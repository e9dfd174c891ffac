"""Cold start: `streamlit run app.py` to the first page fully rendered in headless Chromium.

    python bench/cold_start.py [--runs 3]

Chromium is launched before the clock starts (a browser is already open in a
classroom); the clock runs from starting the server process to the Models page
having run to the end with every image loaded. Only 127.0.0.1 is contacted.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import _common  # noqa: F401  (puts the repository on sys.path)
from _common import REPO, row

CHROMIUM = os.environ.get("AELAB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
RENDERED = (
    '() => document.querySelector(\'[data-testid="stApp"][data-test-script-state="notRunning"]\')'
    " && !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
    " && document.querySelector('[data-testid=\"stMain\"] h1')"
    " && Array.from(document.querySelectorAll('[data-testid=\"stMain\"] img')).every(i => i.complete)"
)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def one_cold_start(browser, folder=REPO):
    """Seconds from `streamlit run` to the server answering and to the first page rendered, and its title.

    Args:
        browser: a Playwright browser.
        folder: where `app.py` is: the repository, or the reference's one-line app.
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, AELAB_USER_DIR=tempfile.mkdtemp(prefix="aelab-bench-"), TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not _healthy(f"{base}/_stcore/health"):
            if proc.poll() is not None or time.perf_counter() - t0 > 120:
                raise RuntimeError("streamlit did not start")
            time.sleep(0.05)
        healthy = time.perf_counter() - t0
        page = browser.new_page()
        page.goto(base)
        page.wait_for_function(RENDERED, timeout=120_000, polling=50)
        seconds = time.perf_counter() - t0
        title = page.locator('[data-testid="stMain"] h1').first.inner_text()
        page.close()
        return seconds, healthy, title
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cold_start_rows(runs):
    from playwright.sync_api import sync_playwright

    # The reference: a one-line Streamlit app, started and rendered the same way, in the same
    # run (what Streamlit, Chromium and this machine cost before aelab loads anything).
    bare = tempfile.mkdtemp(prefix="aelab-bench-bare-")
    with open(os.path.join(bare, "app.py"), "w") as f:
        f.write('import streamlit as st\n\nst.title("Models")\n')
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        results, reference = [], []
        for _ in range(runs):  # Interleaved, so the machine's noise hits both alike.
            reference.append(one_cold_start(browser, bare)[0])
            results.append(one_cold_start(browser))
        browser.close()
    seconds = statistics.median(s for s, _, _ in results)
    healthy = statistics.median(h for _, h, _ in results)
    ref = statistics.median(reference)
    return [
        row(
            f"cold start: streamlit run → first page rendered in Chromium (median of {runs})",
            f"a one-line Streamlit app {ref:.1f} s",
            f"{seconds:.1f} s (×{seconds / ref:.1f}; server up after {healthy:.1f} s; page '{results[0][2]}'; "
            f"runs {', '.join(f'{s:.1f}' for s, _, _ in results)} s)",
            "≤ 4 × the one-line app",
            seconds <= 4 * ref,
        )
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    for r in cold_start_rows(args.runs):
        print(f"{r['measure']}: {r['aelab']} | reference {r['reference']} | target {r['target']}")


if __name__ == "__main__":
    main()
