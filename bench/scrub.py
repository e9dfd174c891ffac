"""The scrubbed lesson sliders (Denoising σ, Colorization vividness) in real Chromium, and their server cost.

    flock /tmp/aelab-bench.lock .venv/bin/python bench/scrub.py [--steps 40] [--seconds 5] [--json FILE]

Starts `streamlit run app.py` on 127.0.0.1 and drives Debian's Chromium (never downloaded), per page:

- step: arrow-key steps of the scrubber (app_pages/_scrubber.py) 60 ms apart, each timed from the
  key event to the new pictures drawn and to the next animation frame (the scrubber's own timers,
  `window.aelabScrubTimers`, which only a benchmark sets). Beside it, in the same tab, the
  server-driven step every value used to be: the one rerun a settled value costs, timed from the
  message the browser sends to the page idle again with its pictures.
- drag: the mouse pressed on the slider and moved across it at 60 Hz for --seconds; the reruns the
  page went through and the websocket messages the browser sent until the button is released.
- payload: the websocket bytes the browser received for a new sample (every stop's frames) and for
  a settled value's rerun; and, in this process, the server time to compute a sample's frames and
  atlas (`aelab.lessons.frames`) against one value's pictures and scores, as a rerun computed them.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import load_sessions as ls
import navigator as nav
from _common import print_rows, row

PAGES = {  # page -> (link, slider's accessible name)
    "denoising": ("denoising?digits=5&seed=1&sigma=0", "Noise level σ"),
    "colorization": (
        "colorization?images=6&seed=1&t=1",
        "Vividness: the temperature T (1: the average colour; small: the most likely one)",
    ),
}
INIT = nav.COUNT_RERUNS + "window.aelabScrubTimers = [];"


def pct(values, q):
    return ls.percentile(values, q)


class Tab:
    """A tab on one page, counting reruns, websocket messages sent and bytes received."""

    def __init__(self, browser, base, link):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(180_000)
        self.page.add_init_script(INIT)
        self.sent, self.received = [], []
        self.page.on("websocket", self._ws)
        self.page.goto(f"{base}/{link}", wait_until="commit")
        self.page.locator(".scrub[data-ready]").first.wait_for()
        self.page.wait_for_function(nav.IDLE)

    def _ws(self, ws):
        ws.on("framesent", lambda p: self.sent.append(time.perf_counter()))
        ws.on("framereceived", lambda p: self.received.append((time.perf_counter(), len(p))))

    def reruns(self):
        return self.page.evaluate("() => window.__reruns")

    def idle(self):
        self.page.wait_for_function(nav.IDLE, polling="raf")

    def steps(self, slider, n, span=None, first="ArrowRight"):
        """n key steps back and forth over the stops, 60 ms apart; the scrubber's timers, reruns, messages.

        Args:
            span: steps before turning back (default: from the slider's `aria-valuemax`, at most 10).
            first: the key of the first run of steps.
        """
        self.page.evaluate("() => { window.aelabScrubTimers.length = 0; }")
        slider.focus()
        sent, reruns = len(self.sent), self.reruns()
        stops = int(slider.get_attribute("aria-valuemax") or 0) or 20
        span = span or max(1, min(stops, 10))
        back = "ArrowLeft" if first == "ArrowRight" else "ArrowRight"
        for i in range(n):
            self.page.keyboard.press(first if (i // span) % 2 == 0 else back)
            self.page.wait_for_timeout(60)
        timers = self.page.evaluate("() => window.aelabScrubTimers.slice()")
        return timers, len(self.sent) - sent, self.reruns() - reruns

    def settle(self, slider, key):
        """One settled value: a key step, then the rerun it brings, timed from its message to the page idle."""
        slider.focus()
        sent, reruns = len(self.sent), self.reruns()
        self.page.keyboard.press(key)
        deadline = time.perf_counter() + 30
        while len(self.sent) == sent:
            if time.perf_counter() > deadline:
                raise SystemExit(f"error: no message {key} after the value settled")
            self.page.wait_for_timeout(10)
        t0 = self.sent[sent]
        received = len(self.received)
        # The rerun that message starts, then the page idle again (not the idle before it began).
        self.page.wait_for_function("n => window.__reruns > n", arg=reruns, polling="raf")
        self.page.wait_for_function(nav.IDLE, polling="raf")
        t1 = time.perf_counter()
        return (t1 - t0) * 1000, sum(n for t, n in self.received[received:] if t >= t0)

    def drag(self, slider, seconds):
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        x0, width = box["x"] + 11, box["width"] - 22
        sent, reruns = len(self.sent), self.reruns()
        self.page.mouse.move(x0, y)
        self.page.mouse.down()
        start, n = time.perf_counter(), 0
        while (t := time.perf_counter() - start) < seconds:
            phase = (t / 2.0) % 2  # Across and back every 4 s.
            self.page.mouse.move(x0 + width * (phase if phase <= 1 else 2 - phase), y)
            n += 1
            time.sleep(max(0.0, start + n / nav.HZ - time.perf_counter()))
        during = (len(self.sent) - sent, self.reruns() - reruns)
        self.page.mouse.up()
        self.idle()
        return n, during

    def new_sample(self):
        """Bytes received for a new sample (one rerun, every stop's frames)."""
        received = len(self.received)
        t0 = time.perf_counter()
        self.page.get_by_role("button", name="New sample").first.click()
        self.page.wait_for_timeout(200)
        self.idle()
        self.page.locator(".scrub[data-ready]").first.wait_for()
        return sum(n for t, n in self.received[received:] if t >= t0)


def browser_rows(steps, seconds):
    from playwright.sync_api import sync_playwright

    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-scrub-", suffix=".log", delete=False)
    proc, base = ls.start_server(log)
    rows, figures = [], {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=nav.CHROMIUM, args=nav.ARGS)
            for page_name, (link, label) in PAGES.items():
                print(f"… scrub: {page_name}", file=sys.stderr, flush=True)
                tab = Tab(browser, base, link)
                slider = tab.page.get_by_role("slider", name=label)
                timers, sent, reruns = tab.steps(slider, steps)
                tab.page.wait_for_timeout(700)  # The last step settles: one rerun.
                tab.idle()
                settles = [tab.settle(slider, "ArrowRight" if i % 2 == 0 else "ArrowLeft") for i in range(6)]
                moves, (drag_sent, drag_reruns) = tab.drag(slider, seconds)
                sample_bytes = tab.new_sample()
                tab.context.close()
                painted = [t["painted"] for t in timers]
                drawn = [t["drawn"] for t in timers]
                server_ms = [s[0] for s in settles]
                settle_bytes = statistics.median(s[1] for s in settles)
                f = {
                    "painted_ms": painted, "drawn_ms": drawn, "steps_sent": sent, "steps_reruns": reruns,
                    "settle_ms": server_ms, "settle_bytes": settle_bytes, "drag_moves": moves,
                    "drag_sent": drag_sent, "drag_reruns": drag_reruns, "sample_bytes": sample_bytes,
                }  # fmt: skip
                figures[page_name] = f
                rows += [
                    row(
                        f"{page_name}: key step → new pictures on screen (next frame), {len(painted)} steps",
                        f"one server rerun (a settled value) {statistics.median(server_ms):.0f} ms median,"
                        f" p90 {pct(server_ms, 0.9):.0f} ms",
                        f"median {statistics.median(painted):.1f} ms, p90 {pct(painted, 0.9):.1f} ms"
                        f" (drawn: p90 {pct(drawn, 0.9):.2f} ms); {reruns} reruns, {sent} messages",
                        "p90 ≤ 16 ms, 0 reruns during the steps",
                        pct(painted, 0.9) <= 16 and reruns == 0 and sent == 0,
                    ),
                    row(
                        f"{page_name}: {seconds:.0f}-s mouse drag over the slider ({moves} moves)",
                        "a Streamlit slider: one rerun per value let go",
                        f"{drag_reruns} reruns, {drag_sent} websocket messages until release",
                        "0",
                        drag_reruns == 0 and drag_sent == 0,
                    ),
                    row(
                        f"{page_name}: websocket bytes to the browser, new sample vs a settled value's rerun",
                        f"settled value's rerun {settle_bytes / 1e3:.0f} kB",
                        f"new sample (every stop) {sample_bytes / 1e3:.0f} kB",
                        "sent once per sample",
                        True,
                    ),
                ]
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
    return rows, figures


def server_rows(repeats=5):
    """Server time for a sample's frames and atlas vs one value's pictures and scores (as a rerun computed them)."""
    import numpy as np

    from aelab import checkpoints, data, metrics
    from aelab.inference import latent
    from aelab.lessons import frames, vividness
    from app_pages import _scrubber

    def best(fn):
        fn()  # Warm: traced functions, caches.
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    dae = checkpoints.load("dae")
    x, _ = data.load_test_set("mnist")
    clean = x[np.random.default_rng(1).choice(len(x), 5, replace=False)]

    def one_sigma():
        noisy = data.add_noise(clean, 0.5, "tutorial", 1)
        denoised = latent.reconstruct(dae, noisy)
        metrics.dataset_psnr(clean, noisy), metrics.dataset_psnr(clean, denoised)
        [np.mean(metrics.psnr_ssim(clean, v)[1]) for v in (noisy, denoised)]

    def all_sigmas():
        f = frames.denoising_frames(dae, clean, "tutorial", 1)
        _scrubber.atlas(np.concatenate([f.noisy, f.denoised], axis=1), clean)

    colorizer = checkpoints.load("colorizer")
    cx, _ = data.load_test_set("cifar10")
    rgb = cx[np.random.default_rng(1).choice(len(cx), 6, replace=False)]
    gray = data.to_gray(rgb)

    def one_t():
        g = metrics.colorize_all(colorizer, gray, 0.3)
        metrics.image_psnr(rgb, g), metrics.colourfulness(g)

    def all_t():
        f = frames.colorization_frames(colorizer, gray, rgb, vividness.TEMPERATURES)
        _scrubber.atlas(f.colorized, np.concatenate([gray.repeat(3, -1), rgb]))

    figures = {"one_sigma_ms": best(one_sigma), "all_sigmas_ms": best(all_sigmas),
               "one_t_ms": best(one_t), "all_t_ms": best(all_t)}  # fmt: skip
    rows = [
        row(
            "server: Denoising, a sample's 21 σ stops (5 digits) with scores and atlas",
            f"one σ as a rerun computed it {figures['one_sigma_ms']:.0f} ms",
            f"{figures['all_sigmas_ms']:.0f} ms (×{figures['all_sigmas_ms'] / figures['one_sigma_ms']:.1f})",
            "once per sample; 0 per step",
            True,
        ),
        row(
            "server: Colorization, a sample's 11 T stops (6 photos) with scores and atlas",
            f"one T as a rerun computed it {figures['one_t_ms']:.0f} ms",
            f"{figures['all_t_ms']:.0f} ms (×{figures['all_t_ms'] / figures['one_t_ms']:.1f})",
            "once per sample; 0 per step",
            True,
        ),
    ]
    return rows, figures


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40, help="key steps timed per page (default 40)")
    p.add_argument("--seconds", type=float, default=5, help="length of the drag (default 5)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args()
    if not (1 <= args.steps <= 400 and 0 < args.seconds <= 60):
        p.error("--steps 1 to 400, --seconds in (0, 60]")
    rows, figures = browser_rows(args.steps, args.seconds)
    r, f = server_rows()
    rows += r
    figures["server"] = f
    print_rows(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
