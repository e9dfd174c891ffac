"""The latent navigator in real Chromium: pointer move -> digit pixels, server work, first use, a classroom.

    flock /tmp/aelab-bench.lock .venv/bin/python bench/navigator.py [--seconds 5] [--slider-steps 12]
                                [--classroom 30] [--tabs 3] [--classroom-seconds 30] [--json FILE]

Starts `streamlit run app.py` on 127.0.0.1 and drives Debian's Chromium (never
downloaded) on the Manifold page with the VAE:

- drag: the mouse pressed and moved over the navigator's plane at 60 Hz for
  --seconds along a Lissajous path; for every move, the time from the pointer
  event to the new digit's pixels on the canvas (and to the next animation
  frame), the script reruns the page went through and the websocket messages
  the browser sent meanwhile. Beside it, in the same run and the same tab,
  today's path: one arrow-key step of the *Pick z0* slider until the server's
  new digit image has loaded.
- first use: page load -> first digit decoded in the browser, in a fresh
  browser profile and again on a revisit (browser cache), with the bytes the
  navigator's files cost over the network each time.
- classroom: --tabs real Chromium tabs dragging continuously plus
  websocket sessions of bench/load_sessions.py (--classroom in all) that pin
  a point every few seconds; server CPU while only the tabs drag, and with the
  pins, and the pins' p50/p95 (trigger sent -> the server's script_finished).

The tabs ask the navigator for its latency timers (`window.aelabNavigatorTimers`,
read by app_pages/_navigator_assets/modules/timers.js), which a student's browser
never loads.
"""

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import load_sessions as ls
from _common import print_rows, row
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState

CHROMIUM = os.environ.get("AELAB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PAGE = "manifold?model=vae"
HZ = 60

# The navigator's root element (inside its shadow root), by the label Python gives it.
NAV = """(() => { for (const e of document.querySelectorAll('*')) {
  const r = e.shadowRoot && e.shadowRoot.querySelector('.nav');
  if (r && (r.getAttribute('aria-label') || '').startsWith('VAE')) return r; } return null; })()"""
READY = f"() => {{ const n = {NAV}; return n && n.dataset.status === 'ready' && n.__nav.decodes > 0; }}"
# Asks the navigator for its latency timers (modules/timers.js), which a student's browser never loads.
TIMERS = "window.aelabNavigatorTimers = true;"
# Counts the page's script runs: Streamlit marks the app element while one goes on.
COUNT_RERUNS = """
window.__reruns = 0;
new MutationObserver((changes) => {
  for (const c of changes) if (c.target.getAttribute('data-test-script-state') === 'running') window.__reruns++;
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-test-script-state'] });
"""
# The pinned point's digit as the server decoded it (the page's only 224-px image).
SERVER_DIGIT = (
    """() => [...document.querySelectorAll('[data-testid="stMain"] img')].find(i => i.naturalWidth === 224)"""
)
IDLE = (
    '() => document.querySelector(\'[data-testid="stApp"][data-test-script-state="notRunning"]\')'
    " && !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
)


def pct(values, q):
    return ls.percentile(values, q)


class Tab:
    """One Chromium tab on the Manifold page, counting reruns, websocket frames sent and bytes loaded."""

    def __init__(self, context, base):
        self.page = context.new_page()
        self.page.set_default_timeout(180_000)
        self.page.add_init_script(COUNT_RERUNS)
        self.page.add_init_script(TIMERS)
        self.frames_sent = 0
        self.bytes = {}  # request id -> (url, encoded bytes received)
        self._urls = {}
        cdp = context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameSent", lambda e: setattr(self, "frames_sent", self.frames_sent + 1))
        cdp.on("Network.responseReceived", lambda e: self._urls.__setitem__(e["requestId"], e["response"]["url"]))
        cdp.on("Network.loadingFinished", self._finished)
        self.base = base

    def _finished(self, e):
        url = self._urls.get(e["requestId"], "")
        self.bytes[e["requestId"]] = (url, e.get("encodedDataLength", 0))

    def static_bytes(self):
        return sum(n for url, n in self.bytes.values() if "/app/static/" in url)

    def open(self):
        t0 = time.perf_counter()
        self.page.goto(f"{self.base}/{PAGE}", wait_until="commit")
        self.page.wait_for_function(READY, polling="raf")
        first_digit = time.perf_counter() - t0
        self.page.wait_for_function(IDLE)
        return first_digit

    def plane(self):
        """The plane's box on the screen, scrolled into view first (the pointer only reaches what is shown)."""
        self.page.evaluate(f"() => {NAV}.querySelector('canvas.plane').scrollIntoView({{block: 'center'}})")
        self.page.wait_for_timeout(200)
        return self.page.evaluate(
            f"() => {{ const r = {NAV}.querySelector('canvas.plane').getBoundingClientRect();"
            " return [r.x, r.y, r.width, r.height]; }"
        )

    def stats(self):
        return self.page.evaluate(
            f"() => {{ const n = {NAV}, s = n.__navStats; return {{decodes: n.__nav.decodes,"
            " latencies: s.latencies.slice(), frames: s.frameLatencies.slice(), input: s.inputDelays.slice()}; }"
        )

    def reruns(self):
        return self.page.evaluate("() => window.__reruns")

    def drag(self, seconds, phase=0.0):
        """Presses the mouse and moves it over the plane at 60 Hz; returns the number of moves."""
        x, y, w, h = self.plane()
        # Inside the plotting area (the canvas keeps margins for its tick labels).
        cx, cy, ax, ay = x + 0.55 * w, y + 0.45 * h, 0.35 * w, 0.35 * h

        def at(t):
            return cx + ax * math.sin(2 * math.pi * 0.31 * t + phase), cy + ay * math.sin(2 * math.pi * 0.43 * t)

        self.page.mouse.move(*at(0))
        self.page.mouse.down()
        start, n = time.perf_counter(), 0
        while (t := time.perf_counter() - start) < seconds:
            self.page.mouse.move(*at(t))
            n += 1
            time.sleep(max(0.0, start + n / HZ - time.perf_counter()))
        self.page.mouse.up()  # Far from where it went down: a drag, not a tap, so nothing is pinned.
        return n

    def slider_steps(self, n):
        """Today's path: arrow-key steps of 'Pick z0', each timed until the server's new digit has loaded."""
        slider = self.page.locator('[data-testid="stMain"]').get_by_role("slider", name="Pick z0")
        times = []
        for i in range(n):
            old = self.page.evaluate(f"() => ({SERVER_DIGIT})().src")
            slider.focus()
            t0 = time.perf_counter()
            self.page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            self.page.wait_for_function(
                f"old => {{ const i = ({SERVER_DIGIT})(); return i && i.src !== old && i.complete; }}",
                arg=old,
                polling="raf",
            )
            times.append((time.perf_counter() - t0) * 1000)
            self.page.wait_for_function(IDLE)
        return times


def drag_rows(browser, base, seconds, steps):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    tab = Tab(context, base)
    tab.open()
    tab.page.mouse.move(5, 5)
    before = tab.stats()["decodes"], tab.reruns(), tab.frames_sent
    moves = tab.drag(seconds)
    time.sleep(0.3)
    s = tab.stats()
    decodes, reruns, frames = s["decodes"] - before[0], tab.reruns() - before[1], tab.frames_sent - before[2]
    lat, frame, inp = s["latencies"][-moves:], s["frames"][-moves:], s["input"][-moves:]
    slider = tab.slider_steps(steps)
    # One pin, to see it is one rerun.
    x, y, w, h = tab.plane()
    r0 = tab.reruns()
    tab.page.mouse.click(x + 0.6 * w, y + 0.4 * h)
    tab.page.wait_for_function("n => window.__reruns > n", arg=r0)
    tab.page.wait_for_function(IDLE)
    pin_reruns = tab.reruns() - r0
    url = tab.page.url
    context.close()
    med, p90 = statistics.median(lat), pct(lat, 0.9)
    smed, sp90 = statistics.median(slider), pct(slider, 0.9)
    figures = {
        "moves": moves, "decodes": decodes, "reruns_during_drag": reruns, "ws_frames_during_drag": frames,
        "move_to_pixels_ms": {"median": med, "p90": p90, "max": max(lat)},
        "move_to_next_frame_ms": {"median": statistics.median(frame), "p90": pct(frame, 0.9)},
        "input_delay_ms": {"median": statistics.median(inp), "p90": pct(inp, 0.9)},
        "slider_step_ms": {"median": smed, "p90": sp90, "n": steps},
        "pin_reruns": pin_reruns, "url_after_pin": url,
    }  # fmt: skip
    rows = [
        row(
            f"pointer move → new digit pixels, {seconds:g} s drag at 60 Hz in Chromium ({moves} moves, p90)",
            f"today's Pick z0 slider step → server's digit: median {smed:.0f} ms, p90 {sp90:.0f} ms",
            f"median {med:.1f} ms, p90 {p90:.1f} ms (×{sp90 / p90:.0f} faster at p90; next frame p90 "
            f"{pct(frame, 0.9):.1f} ms; {decodes} digits drawn)",
            "p90 ≤ 16 ms (one frame at 60 Hz)",
            p90 <= 16,
        ),
        row(
            "server work during the drag: script reruns, websocket messages from the browser",
            f"the slider: 1 rerun per step ({steps} steps)",
            f"{reruns} reruns, {frames} messages; then 1 click → {pin_reruns} rerun, "
            f"pick= in the URL: {'pick=' in url}",
            "0 reruns until the pin",
            reruns == 0 and pin_reruns == 1 and "pick=" in url,
        ),
    ]
    return rows, figures


def first_use_rows(browser, base):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    first = Tab(context, base)
    t_first = first.open()
    bytes_first = first.static_bytes()
    first.page.close()
    again = Tab(context, base)  # Same profile: the browser's cache is warm.
    t_again = again.open()
    bytes_again = again.static_bytes()
    context.close()
    figures = {"first_visit_s": t_first, "revisit_s": t_again, "bytes_first": bytes_first, "bytes_revisit": bytes_again}
    rows = [
        row(
            "first use: page load → first digit decoded in the browser (Manifold, VAE)",
            f"first visit {t_first:.2f} s, {bytes_first / 1e6:.1f} MB of runtime, model and points",
            f"revisit {t_again:.2f} s (×{t_first / t_again:.1f}), {bytes_again / 1e3:.0f} kB over the network",
            "revisit faster than the first visit, ≤ 10% of its bytes",
            t_again < t_first and bytes_again <= 0.1 * bytes_first,
        )
    ]
    return rows, figures


class PinSession(ls.Session):
    """A student who pins a point on the VAE navigator every few seconds: one trigger value, one rerun."""

    nav_id = None

    def _look_at(self, fwd, problems):
        super()._look_at(fwd, problems)
        if fwd.delta.WhichOneof("type") == "new_element":
            el = fwd.delta.new_element
            if el.WhichOneof("type") == "bidi_component" and el.bidi_component.component_name.endswith("navigator"):
                self.nav_id = el.bidi_component.id

    async def run(self, deadline, think, started):
        import websockets

        try:
            async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None) as ws:
                seconds, problems = await self._run(ws, timeout=ls.FIRST_LOAD_TIMEOUT)
                self.errors += problems
                if self.nav_id is None:
                    self.errors.append("no navigator on the page")
                    return
                while time.monotonic() < deadline:
                    state = WidgetState(id=_make_trigger_id(self.nav_id, "events"))
                    pin = [round(self.rng.uniform(-3, 3), 2), round(self.rng.uniform(-3, 3), 2)]
                    state.json_trigger_value = json.dumps([{"event": "pin", "value": pin}])
                    seconds, problems = await self._run(ws, [state], self.slider[4] if self.slider else "")
                    self.times.append(seconds)
                    self.errors += problems
                    await asyncio.sleep(think * self.rng.uniform(0.5, 1.5))
        except (TimeoutError, asyncio.TimeoutError):
            self.errors.append(f"no answer within {self.timeout:g} s")
        except OSError as e:
            self.errors.append(f"connection lost: {e}")


def classroom_rows(browser, base, pid, sessions, tabs, seconds, think=4.0):
    import threading

    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(tabs)]
    pages = [Tab(c, base) for c in contexts]
    for p in pages:
        p.open()
    # Tabs only: what thirty pointers cost the server.
    time.sleep(1)
    before = sum(p.reruns() for p in pages)
    cpu0, t0 = ls.cpu_seconds(pid), time.monotonic()
    for i, p in enumerate(pages):  # One after another: the playwright driver is one thread.
        p.drag(seconds / tabs, phase=i)
    drag_cpu = (ls.cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
    reruns = sum(p.reruns() for p in pages) - before
    # Pins from the websocket sessions while the tabs go on dragging.
    students = [PinSession(base, "manifold", "Pick z0", 30, random.Random(i)) for i in range(max(0, sessions - tabs))]
    deadline = time.monotonic() + seconds
    done = threading.Event()

    def pins():
        async def all_():
            await asyncio.gather(*(s.run(deadline, think, asyncio.Event()) for s in students))

        asyncio.run(all_())
        done.set()

    thread = threading.Thread(target=pins)
    cpu0, t0 = ls.cpu_seconds(pid), time.monotonic()
    thread.start()
    i = 0
    while not done.is_set():
        pages[i % tabs].drag(1.0, phase=i)
        i += 1
    thread.join()
    pin_cpu = (ls.cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
    for c in contexts:
        c.close()
    times = [t for s in students for t in s.times]
    errors = [e for s in students for e in s.errors]
    p50, p95 = pct(times, 0.5), pct(times, 0.95)
    figures = {"drag_cpu_cores": drag_cpu, "reruns_during_tab_drags": reruns, "pins": len(times),
               "pin_p50_s": p50, "pin_p95_s": p95, "errors": errors[:5], "cpu_with_pins_cores": pin_cpu}  # fmt: skip
    rows = [
        row(
            f"classroom: {tabs} Chromium tabs dragging + {len(students)} websocket sessions pinning every "
            f"~{think:g} s ({seconds:g} s)",
            f"server CPU {pin_cpu:.2f} cores with the pins ({len(times)} pins)",
            f"{drag_cpu:.2f} cores while only the tabs drag ({reruns} reruns); pins p50 {p50:.2f} s, "
            f"p95 {p95:.2f} s, {len(errors)} errors",
            "≈ 0 server CPU per pointer move; pins p95 ≤ 1 s",
            drag_cpu < 0.1 and p95 <= 1.0 and not errors,
        )
    ]
    return rows, figures


def navigator_rows(seconds=5, steps=12, sessions=30, tabs=3, classroom_seconds=30):
    """All the navigator's rows, with one server and one browser."""
    from playwright.sync_api import sync_playwright

    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-navigator-", suffix=".log", delete=False)
    proc, base = ls.start_server(log)
    rows, figures = [], {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, step in (
                ("drag", lambda: drag_rows(browser, base, seconds, steps)),
                ("first_use", lambda: first_use_rows(browser, base)),
                ("classroom", lambda: classroom_rows(browser, base, proc.pid, sessions, tabs, classroom_seconds)),
            ):
                print(f"… navigator: {name}", file=sys.stderr, flush=True)
                r, f = step()
                rows += r
                figures[name] = f
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
    return rows, figures


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5, help="length of the scripted drag (default 5)")
    p.add_argument("--slider-steps", type=int, default=12, help="slider steps timed beside it (default 12)")
    p.add_argument("--classroom", type=int, default=30, help="sessions in the classroom run, tabs included")
    p.add_argument("--tabs", type=int, default=3, help="real Chromium tabs among them (default 3)")
    p.add_argument("--classroom-seconds", type=float, default=30)
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args()
    if not (0 < args.seconds <= 60 and 1 <= args.tabs <= 5 and args.tabs <= args.classroom <= 40):
        p.error("--seconds in (0, 60], --tabs 1 to 5, --classroom from --tabs to 40 (load tests stay bounded)")
    rows, figures = navigator_rows(args.seconds, args.slider_steps, args.classroom, args.tabs, args.classroom_seconds)
    print_rows(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
