"""What a class waits for: a box selection, a drawn digit, a first page after a start, in headless Chromium.

    python bench/waits.py [--repeats 5] [--starts 2] [--before DIR] [--json FILE]

Each figure is timed in a real browser against `streamlit run app.py` on
127.0.0.1, from the user's action to the page being complete (the script has
stopped and every picture has decoded):

- selection: from releasing a box dragged on the Explore tab's AE chart (select
  mode on) to both columns showing the new selection and their mosaics;
- digit: from lifting the pen on the Your digit tab's pad to both columns
  saying where the new drawing landed;
- start: from starting the server to its first page complete (Models, the
  default page; and Colorization as the first page, timed from its request);
- selection_server: the server's part of a selection alone, a rerun of the
  Latent space page in AppTest after the widget state a box sends (as
  tests/app/conftest.py's `select_points` does), in a process of each checkout.

With --before DIR (a checkout of an older version, e.g. `git worktree add
/tmp/old HEAD~3`) the same is measured on both, interleaved round by round on
the same machine, and the ratios printed: these 2-core machines are too noisy
for figures taken minutes apart. Needs AELAB_DATA_DIR and Debian's Chromium
(AELAB_CHROMIUM overrides /usr/bin/chromium).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))

from load_sessions import free_port, healthy  # noqa: E402

CHROMIUM = os.environ.get("AELAB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
MAIN = '[data-testid="stMain"]'
TIMEOUT_MS = 240_000
SWITCH = "Select digits by dragging a box or lasso on the charts"
# The page is complete: the script has stopped and every picture on it has decoded.
IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.dataset.testScriptState === 'notRunning'
        && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
        && Array.from(document.querySelectorAll('[data-testid="stMain"] img')).every(i => i.complete);
}"""
# The texts of the elements matching a selector inside the main section, joined.
TEXTS = """([sel]) => Array.from(document.querySelectorAll('[data-testid="stMain"] ' + sel))
    .filter(e => !e.closest('[data-stale="true"]')).map(e => e.innerText).join('|')"""


def start(repo, log):
    """Starts `streamlit run app.py` in `repo`; returns (process, base URL, the time it was started)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "AELAB_USER_DIR": tempfile.mkdtemp(prefix="aelab-waits-")}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    while not healthy(base):
        if proc.poll() is not None or time.perf_counter() - t0 > 180:
            proc.kill()
            raise SystemExit(f"error: streamlit did not start in {repo}; see {log.name}")
        time.sleep(0.1)
    return proc, base, t0


def stop(proc):
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def complete(page):
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS, polling="raf")


def texts(page, selector):
    return page.evaluate(TEXTS, [selector])


def until_changed(page, selector, before, parts=2):
    """Waits until the texts of `selector` differ from `before`, in `parts` elements, and the page is complete."""
    page.wait_for_function(
        """([sel, before, parts]) => {
            const t = Array.from(document.querySelectorAll('[data-testid="stMain"] ' + sel))
                .filter(e => !e.closest('[data-stale="true"]')).map(e => e.innerText);
            return t.length >= parts && t.join('|') !== before;
        }""",
        arg=[selector, before, parts],
        timeout=TIMEOUT_MS,
        polling="raf",
    )
    complete(page)


def open_page(browser, base, path=""):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    page.locator(f"{MAIN} h1").first.wait_for(timeout=TIMEOUT_MS)
    complete(page)
    return page


def first_pages(browser, repo, log):
    """Seconds from a server's start to its first page complete: Models, and Colorization as the first page."""
    out = {}
    for name, path in (("start_to_models", ""), ("colorization_first", "colorization")):
        proc, base, t0 = start(repo, log)
        try:
            t1 = time.perf_counter()
            page = open_page(browser, base, path)
            page.locator(f"{MAIN} .js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS) if path else None
            complete(page)
            t2 = time.perf_counter()
            out[name] = t2 - t0 if not path else t2 - t1
            if path:
                out["start_to_colorization"] = t2 - t0
            page.close()
        finally:
            stop(proc)
    return out


def selections(browser, base, repeats):
    """Seconds from releasing a box on the AE chart to both columns showing the new selection, complete."""
    page = open_page(browser, base, "latent_space")
    page.locator(MAIN).get_by_role("switch", name=SWITCH).click(force=True)
    page.wait_for_timeout(300)
    complete(page)
    times = []
    for i in range(repeats + 1):  # The first one warms the chart's selection layer up; not counted.
        drag = page.locator(f"{MAIN} .js-plotly-plot").first.locator(".nsewdrag").first
        box = None
        while box is None:  # A chart drawn again (select mode, a rerun) has no box for a moment.
            drag.wait_for(state="visible", timeout=TIMEOUT_MS)
            box = drag.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        f = 0.10 + 0.03 * (i % 4)  # A different box each time: a different selection.
        before = texts(page, '[data-testid="stMarkdownContainer"] strong')
        page.mouse.move(cx - box["width"] * f, cy - box["height"] * f)
        page.mouse.down()
        page.mouse.move(cx, cy, steps=4)
        page.mouse.move(cx + box["width"] * f, cy + box["height"] * f * 0.8, steps=4)
        t = time.perf_counter()
        page.mouse.up()
        until_changed(page, '[data-testid="stMarkdownContainer"] strong', before)
        times.append(time.perf_counter() - t)
    page.close()
    return times[1:]


def drawings(browser, base, repeats):
    """Seconds from lifting the pen on the Your digit pad to both columns placing the new drawing, complete."""
    page = open_page(browser, base, "latent_space")
    page.get_by_role("tab", name="Your digit").click()
    canvas = page.locator(f"{MAIN} canvas[aria-label^='Drawing pad']")
    canvas.wait_for(timeout=TIMEOUT_MS)
    complete(page)
    times = []
    for i in range(repeats + 1):  # The first one loads the pictures' layout; not counted.
        box = canvas.bounding_box()
        x0, y0, s = box["x"], box["y"], box["width"] / 280
        before = texts(page, '[data-testid="stImageCaption"]')
        dx = 6 * i  # Each stroke adds to the drawing, somewhere new: a new digit every time.
        page.mouse.move(x0 + (70 + dx) * s, y0 + 60 * s)
        page.mouse.down()
        page.mouse.move(x0 + (200 - dx) * s, y0 + (60 + dx) * s, steps=8)
        page.mouse.move(x0 + (110 + dx) * s, y0 + 230 * s, steps=8)
        t = time.perf_counter()
        page.mouse.up()
        until_changed(page, '[data-testid="stImageCaption"]', before, parts=3)
        times.append(time.perf_counter() - t)
    page.close()
    return times[1:]


# The server's part of a selection, run in the checkout's own directory (its app, its aelab).
SERVER_SIDE = """
import json, sys, time
import numpy as np
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=300)
at.run()
at.switch_page("app_pages/latent_space.py").run()
at.toggle(key="latent_select").set_value(True).run()
rng, times = np.random.default_rng(0), []
for i in range(int(sys.argv[1]) + 2):  # A different selection each time; the first two warm up.
    rows = rng.choice(10000, int(rng.integers(1, 400)), replace=False)
    points = [{"curve_number": 0, "point_index": j, "customdata": int(r)} for j, r in enumerate(rows)]
    states = at._tree.get_widget_states()
    state = WidgetState(id=at.get("plotly_chart")[0].proto.id)
    state.string_value = json.dumps({"selection": {"points": points, "point_indices": list(range(len(points))),
                                                   "box": [{}], "lasso": []}})
    states.widgets.append(state)
    t = time.perf_counter()
    at._run(states)
    times.append(time.perf_counter() - t)
    assert not at.exception, at.exception
print(json.dumps(times[2:]))
"""


def server_side(repo, repeats):
    """Seconds of the server's selection reruns (AppTest) in `repo`."""
    out = subprocess.run([sys.executable, "-c", SERVER_SIDE, str(repeats)], cwd=repo, capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=900)  # fmt: skip
    if out.returncode:
        raise SystemExit(f"error: the AppTest selection failed in {repo}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(browser, repo, log, repeats, starts):
    res = {"selection": [], "digit": [], "selection_server": server_side(repo, 2 * repeats)}
    for _ in range(starts):
        for k, v in first_pages(browser, repo, log).items():
            res.setdefault(k, []).append(v)
    proc, base, _t0 = start(repo, log)
    try:
        open_page(browser, base, "latent_space").close()  # Loads the models and encodings once.
        res["selection"] += selections(browser, base, repeats)
        res["digit"] += drawings(browser, base, repeats)
    finally:
        stop(proc)
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--repeats", type=int, default=5, help="selections and drawings timed per server, up to 10 (default 5)"
    )
    p.add_argument("--starts", type=int, default=2, help="fresh servers per first-page figure (default 2)")
    p.add_argument("--before", help="a checkout of the version to compare with (measured interleaved)")
    p.add_argument("--rounds", type=int, default=1, help="rounds, each measuring before and after (default 1)")
    p.add_argument("--json", help="also write the figures to this JSON file")
    args = p.parse_args()
    if not 1 <= args.repeats <= 10 or args.starts < 1 or args.rounds < 1:
        p.error("--repeats from 1 to 10, --starts and --rounds at least 1")
    if not os.environ.get("AELAB_DATA_DIR"):
        p.error("set AELAB_DATA_DIR to the folder holding the MNIST and CIFAR-10 files")
    from playwright.sync_api import sync_playwright

    repos = {"before": os.path.abspath(args.before)} if args.before else {}
    repos["after"] = REPO
    results = {name: {} for name in repos}
    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-waits-", suffix=".log", delete=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.rounds):
            for name, repo in repos.items():
                for k, v in measure(browser, repo, log, args.repeats, args.starts).items():
                    results[name].setdefault(k, []).extend(v)
        browser.close()
    medians = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
    print(f"waits in headless Chromium, medians in seconds ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    for k in medians["after"]:
        line = f"  {k:24s}"
        for name in repos:
            vals = results[name][k]
            line += f"  {name} {medians[name][k]:6.2f} (n={len(vals)}, {min(vals):.2f}-{max(vals):.2f})"
        if "before" in medians:
            line += f"  after/before {medians['after'][k] / medians['before'][k]:.2f}"
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "medians": medians}, f, indent=2)


if __name__ == "__main__":
    main()
