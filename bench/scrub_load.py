"""A class scrubbing at once: the server's CPU per scrub step, against a server-driven slider's rerun.

    AELAB_DATA_DIR=... flock /tmp/aelab-bench.lock .venv/bin/python bench/scrub_load.py
        [--sessions 30] [--tabs 3] [--seconds 30]

One `streamlit run app.py` on 127.0.0.1. The class: --sessions in all on the Denoising page, of which
--tabs are headless Chromium tabs (1280x720) and the rest speak Streamlit's websocket protocol
(bench/load_sessions.py's Session: the page's messages, without a browser's CPU). Three windows of
--seconds each, the server's CPU (its process tree) measured over each:

1. idle: everyone has the page open, nobody touches anything;
2. scrub: the tabs scrub the noise level sigma with the keyboard (arrow keys, bouncing between the ends,
   a pause of 0.8 s after every 12 steps so the value settles and the link follows it), round-robin,
   while the websocket sessions keep the page open;
3. reference, today's server-driven path: the websocket sessions move the page's "Digits" slider (an
   `st.slider`: every value is a rerun), a think time of 0.5 s between moves.

Prints the scrub steps, the websocket messages the tabs sent meanwhile (reruns), and the server's CPU per
scrub step over the idle window against its CPU per rerun in the reference window (target: about 0).
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import threading
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import load_sessions as ls
from playwright.sync_api import sync_playwright

from tests.e2e import servers
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

PAGE = "denoising"
SIGMA = "Noise level σ"
SETTLE_EVERY, SETTLE_S = 12, 0.8


class Holder(ls.Session):
    """A session that opens the page and keeps it open until told to go."""

    async def hold(self, go):
        async with ls.websockets.connect(self.url, subprotocols=["streamlit"], max_size=None) as ws:
            self.first_load, problems = await self._run(ws, timeout=ls.FIRST_LOAD_TIMEOUT)
            self.errors += problems
            await go.wait()


def in_thread(coro_fn):
    """Runs an asyncio coroutine function in a thread of its own; returns (thread, loop)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=lambda: loop.run_until_complete(coro_fn()), daemon=True)
    thread.start()
    return thread, loop


def cpu_over(pid, seconds, during=None):
    """Server CPU over a window of `seconds`, running `during(deadline)` meanwhile if given.

    Returns:
        `(cpu seconds, wall seconds, what during returned)`.
    """
    c0, t0 = ls.cpu_seconds(pid), time.monotonic()
    got = during(t0 + seconds) if during else None
    left = t0 + seconds - time.monotonic()
    if left > 0:
        time.sleep(left)
    return ls.cpu_seconds(pid) - c0, time.monotonic() - t0, got


def scrub(tabs, deadline):
    """The tabs scrub sigma with the keyboard until the deadline; returns the steps taken."""
    sliders = [t.get_by_role("slider", name=SIGMA).first for t in tabs]
    for s in sliders:
        s.focus()
    steps, key, burst = 0, ["ArrowRight"] * len(tabs), 0
    while time.monotonic() < deadline:
        for i, (tab, s) in enumerate(zip(tabs, sliders, strict=True)):
            now = s.get_attribute("aria-valuenow")
            if now in ("1", "1.0"):
                key[i] = "ArrowLeft"
            elif now in ("0", "0.0"):
                key[i] = "ArrowRight"
            tab.keyboard.press(key[i])
            steps += 1
        burst += 1
        if burst % SETTLE_EVERY == 0:
            time.sleep(SETTLE_S)
    return steps


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=30, help="sessions in all (default 30)")
    p.add_argument("--tabs", type=int, default=3, help="of which Chromium tabs that scrub (default 3)")
    p.add_argument("--seconds", type=float, default=30, help="length of each window (default 30)")
    args = p.parse_args()
    n_ws = args.sessions - args.tabs
    log = tempfile.NamedTemporaryFile(prefix="aelab-scrub-load-", suffix=".log", delete=False)
    proc, base = ls.start_server(log)
    try:
        warm = ls.Session(base, PAGE, "Digits", 120, random.Random(-1))  # Loads the models, not counted.
        asyncio.run(warm.run(time.monotonic() + 1, 0, asyncio.Event()))
        if warm.errors:
            raise SystemExit(f"error: the page does not work with one session: {warm.errors[0]}")
        holders = [Holder(base, PAGE, "Digits", 120, random.Random(i)) for i in range(n_ws)]
        go = None

        async def hold_all():
            nonlocal go
            go = asyncio.Event()
            await asyncio.gather(*(h.hold(go) for h in holders))

        thread, loop = in_thread(hold_all)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tabs, sent = [], []
            for _ in range(args.tabs):
                tab = browser.new_page(viewport={"width": 1280, "height": 720})
                tab.set_default_timeout(180_000)
                tab.on("websocket", lambda ws: ws.on("framesent", lambda _p: sent.append(time.monotonic())))
                tab.goto(f"{base}/{PAGE}?sigma=0")
                tab.locator(".scrub[data-ready]").first.wait_for()
                tabs.append(tab)
            deadline = time.monotonic() + ls.FIRST_LOAD_TIMEOUT
            while any(h.first_load is None and not h.errors for h in holders) and time.monotonic() < deadline:
                time.sleep(0.5)  # Every websocket session has its page.
            time.sleep(3)
            pid = proc.pid
            idle_cpu, idle_t, _ = cpu_over(pid, args.seconds)
            n_sent = len(sent)
            scrub_cpu, scrub_t, steps = cpu_over(pid, args.seconds, lambda d: scrub(tabs, d))
            reruns = len(sent) - n_sent
            time.sleep(2)  # The last settle's link write, if any, before the tabs close.
            browser.close()
        loop.call_soon_threadsafe(go.set)
        thread.join(timeout=30)
        errors = [e for h in holders for e in h.errors]

        movers = [ls.Session(base, PAGE, "Digits", 60, random.Random(100 + i)) for i in range(n_ws)]

        async def move_all(deadline):
            await asyncio.gather(*(m.run(deadline, 0.5, asyncio.Event()) for m in movers))

        ref_cpu, ref_t, _ = cpu_over(pid, args.seconds, lambda d: asyncio.run(move_all(d)))
        moves = [t for m in movers for t in m.times]
        errors += [e for m in movers for e in m.errors]
    finally:
        servers.stop(proc)
    idle_cores = idle_cpu / idle_t
    per_step = (scrub_cpu - idle_cores * scrub_t) / max(steps, 1) * 1000
    per_rerun = (ref_cpu - idle_cores * ref_t) / max(len(moves), 1) * 1000
    print(f"{args.sessions} sessions on {PAGE}: {args.tabs} Chromium tabs, {n_ws} websocket sessions; "
          f"windows of {args.seconds:.0f} s")  # fmt: skip
    print(f"  idle: server {idle_cores:.3f} cores")
    print(f"  scrub: {steps} sigma steps in the tabs, {reruns} websocket messages from the tabs; server "
          f"{scrub_cpu / scrub_t:.3f} cores: {per_step:.2f} ms of CPU per step over idle")  # fmt: skip
    print(f"  reference: {len(moves)} 'Digits' slider reruns (median {statistics.median(moves) * 1000:.0f} ms); "
          f"server {ref_cpu / ref_t:.3f} cores: {per_rerun:.1f} ms of CPU per rerun over idle")  # fmt: skip
    print(f"  scrub step / rerun, server CPU: {per_step / per_rerun:.4f}")
    if errors:
        print(f"  errors: {len(errors)}, first: {errors[0]}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
