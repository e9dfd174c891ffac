"""The VAE ellipse scale's scrubber in real Chromium: a step's new outlines, against plotly.js's restyle.

    flock /tmp/aelab-bench.lock .venv/bin/python bench/scrub_ellipses.py [--steps 40] [--json FILE]

Starts `streamlit run app.py` on 127.0.0.1 and opens Latent space's VAE tab with three digits selected
(`?tab=vae&rows=3,10,13&scale=10`: the 10,000 test digits in WebGL and the digits' 1σ and 2σ ellipses).
Then, in the same tab:

- step: arrow-key steps of the scrubber, 60 ms apart, each timed from the key event to the new outlines
  drawn and to the next animation frame (the scrubber's own timers, `window.aelabScrubTimers`); the
  reruns and websocket messages during the steps.
- reference: what a step cost before the scrubber rewrote the outlines' SVG paths itself: one
  `Plotly.restyle` of the same two traces (their points and names), which redraws the whole chart,
  timed the same way (to its return, and to the next animation frame), as many times.
"""

import argparse
import json
import sys
import tempfile

import _common  # noqa: F401  (puts the repository on sys.path)
import load_sessions as ls
import navigator as nav
from _common import print_rows, row
from scrub import Tab

LINK = "latent_space?tab=vae&rows=3,10,13&scale=10"
LABEL = "Draw the ellipses larger by"

# n restyles of the chart's ellipse traces, alternately twice and half as large about their centres,
# 60 ms apart like the key steps: [drawn, painted] in ms for each.
RESTYLE = """async (n) => {
    const gd = document.querySelector('.st-key-vae_scatter_uncertainty .js-plotly-plot');
    const k = gd.data.map((t, i) => String(t.name).startsWith('q(z|x)') ? i : -1).filter(i => i >= 0);
    const base = k.map(i => [Array.from(gd.data[i].x), Array.from(gd.data[i].y), gd.data[i].name]);
    const scaled = (v, f) => { const ok = v.filter(a => a !== null); const c = (Math.max(...ok) + Math.min(...ok)) / 2;
                               return v.map(a => a === null ? null : c + (a - c) * f); };
    const out = [];
    for (let s = 0; s < n; s++) {
        const f = s % 2 ? 0.5 : 2;
        const t0 = performance.now();
        Plotly.restyle(gd, {x: base.map(b => scaled(b[0], f)), y: base.map(b => scaled(b[1], f)),
                            name: base.map(b => b[2] + ' ')}, k);
        const drawn = performance.now() - t0;
        const painted = await new Promise(r => requestAnimationFrame(() => r(performance.now() - t0)));
        out.push([drawn, painted]);
        await new Promise(r => setTimeout(r, 60));
    }
    Plotly.restyle(gd, {x: base.map(b => b[0]), y: base.map(b => b[1]), name: base.map(b => b[2])}, k);
    return out;
}"""


def stops(tab, slider):
    """The slider's stops, counted by stepping from its first to its last (which then settles)."""
    tab.page.keyboard.press("Home")
    count = 1
    while slider.get_attribute("aria-valuenow") != slider.get_attribute("aria-valuemax") and count < 100:
        tab.page.keyboard.press("ArrowRight")
        count += 1
    tab.page.wait_for_timeout(700)  # That value settles: one rerun, before the timed steps.
    tab.idle()
    return count


def stats(values):
    return f"median {ls.percentile(values, 0.5):.1f} ms, p90 {ls.percentile(values, 0.9):.1f} ms"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40, help="key steps and restyles timed (default 40)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args()
    if not 1 <= args.steps <= 400:
        p.error("--steps 1 to 400")
    from playwright.sync_api import sync_playwright

    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-scrub-ellipses-", suffix=".log", delete=False)
    proc, base = ls.start_server(log)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=nav.CHROMIUM, args=nav.ARGS)
            tab = Tab(browser, base, LINK)
            tab.page.locator(".st-key-vae_scatter_uncertainty .js-plotly-plot .scatterlayer").wait_for()
            slider = tab.page.get_by_role("slider", name=LABEL)
            slider.focus()
            span = stops(tab, slider) - 1  # Every step moves: back and forth between the ends.
            timers, sent, reruns = tab.steps(slider, args.steps, span=span, first="ArrowLeft")
            tab.page.wait_for_timeout(700)  # The last step settles: one rerun, the figure redrawn there.
            tab.idle()
            restyles = tab.page.evaluate(RESTYLE, args.steps)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    drawn, painted = [t["drawn"] for t in timers], [t["painted"] for t in timers]
    ref_drawn, ref_painted = [r[0] for r in restyles], [r[1] for r in restyles]
    p90 = ls.percentile(drawn, 0.9)
    ratio = ls.percentile(painted, 0.5) / ls.percentile(ref_painted, 0.5)
    rows = [
        row(
            f"ellipse scale: key step -> new outlines drawn ({len(timers)} steps)",
            f"Plotly.restyle of the two traces, same tab: drawn {stats(ref_drawn)}",
            f"drawn {stats(drawn)}",
            "p90 <= 16 ms",
            p90 <= 16,
        ),
        row(
            "... to the next animation frame",
            f"restyle: {stats(ref_painted)}",
            f"{stats(painted)} (x{ratio:.2f} of the restyle's median)",
            "one frame",
            ls.percentile(painted, 0.9) <= 2 * 16.7,
        ),
        row(
            "reruns and messages during the steps",
            "-",
            f"{reruns} reruns, {sent} messages",
            "0 (the settled value: one, after)",
            reruns == 0 and sent == 0,
        ),
    ]
    print_rows(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"drawn_ms": drawn, "painted_ms": painted, "restyle_ms": restyles}, f, indent=2)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
