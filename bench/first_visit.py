"""The latent navigator's first visit and revisit: the plain files (before) and the packed ones (today).

    flock /tmp/aelab-bench.lock .venv/bin/python bench/first_visit.py [--rounds 3] [--json FILE]

One `streamlit run app.py` server. In alternation, a fresh Chromium profile opens the Manifold with
the VAE (bench/navigator.py's Tab) in two ways:
- plain (before, the path every page took until the packed files): the page's fetch of a packed file
  (`.wasm.zst`, `.onnx.planes.gz`) fails at once, so files.js falls back to the plain ones, as it
  does in a browser that cannot unpack them: the 14 MB `.wasm` and the `.onnx` gzipped by Streamlit;
- packed (after): the `.wasm.zst` unpacked by fzstd, the decoder's byte planes by the browser's gunzip.
Each measures the bytes of the app's static files over the network (as the browser received them,
compressed) by kind, the server's CPU seconds meanwhile, and the time from page load to the first digit decoded in the browser; then a
revisit in the same profile, then Latent space in the same profile (its VAE navigator needs nothing
new: the runtime and the VAE's decoder are in the browser's store; only the AE's decoder is new);
and, in another fresh profile, the time to the first picture in the digit's box (the server's digit,
drawn while the runtime loads). The server first shows both pages once, not counted (the first
page loads the models and publishes the files).
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

# The plain visit: the page's fetch of a packed file fails, so files.js fetches the plain one. In the page,
# not with Playwright's routing, which would turn the browser's HTTP cache off for that profile.
REFUSE_PACKED = """{ const fetch0 = window.fetch;
  window.fetch = (url, ...rest) => /[.](zst|planes[.]gz)([?]|$)/.test(String(url))
    ? Promise.reject(new TypeError('refused by bench/first_visit.py')) : fetch0(url, ...rest); }"""
LATENT = "latent_space?tab=navigate"
# Both navigators of Latent space decoding (the AE's and the VAE's).
BOTH_READY = """() => { const ns = [...document.querySelectorAll('*')].map((e) => e.shadowRoot
  && e.shadowRoot.querySelector('.nav')).filter(Boolean);
  return ns.length === 2 && ns.every((n) => n.dataset.status === 'ready' && n.__nav.decodes > 0); }"""
# Something in the digit's box: the browser's own digit, or the server's one drawn under the loading line.
PICTURE = f"""() => {{ const n = {nav.NAV}; if (!n) return false;
  const c = n.querySelector('canvas.digit');
  return !!(c.dataset.decodes || n.querySelector('.loading.on-picture')); }}"""
KINDS = (  # (name, what a static URL has in it), first match wins.
    ("runtime .wasm", "simd-threaded.wasm"),  # and its .zst
    ("decoders", ".onnx"),
    ("points", ".points"),
    ("runtime .mjs", "ort.wasm.bundle"),
    ("fzstd", "fzstd"),
    ("modules", ".modules/"),
)


def by_kind(tab):
    """The static bytes a tab received, by kind of file."""
    out = {name: 0 for name, _ in KINDS} | {"other": 0}
    for url, n in tab.bytes.values():
        if "/app/static/" in url:
            out[next((name for name, part in KINDS if part in url), "other")] += n
    return out


def context_for(browser, variant):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    if variant == "plain":
        context.add_init_script(REFUSE_PACKED)
    return context


def visits(browser, base, pid, variant):
    """First visit, revisit and Latent space in one fresh profile: seconds to the first digit, bytes, server CPU."""
    context = context_for(browser, variant)
    figures = {}
    for step in ("first", "revisit", "latent"):
        tab = nav.Tab(context, base)
        cpu0 = ls.cpu_seconds(pid)
        t0 = time.perf_counter()
        if step == "latent":
            tab.page.goto(f"{base}/{LATENT}", wait_until="commit")
            tab.page.wait_for_function(BOTH_READY, polling="raf")
            figures[f"{step}_s"] = time.perf_counter() - t0
        else:
            figures[f"{step}_s"] = tab.open()
        figures[f"cpu_{step}_s"] = ls.cpu_seconds(pid) - cpu0  # the page's runs, and serving its files
        kinds = by_kind(tab)
        figures[f"bytes_{step}"] = sum(kinds.values())
        if step != "revisit":
            figures[f"kinds_{step}"] = kinds
        tab.page.close()
    context.close()
    return figures


def first_picture(browser, base, variant):
    """Seconds from page load to a digit in the box (the server's or the browser's), fresh profile."""
    context = context_for(browser, variant)
    page = context.new_page()
    page.set_default_timeout(180_000)
    t0 = time.perf_counter()
    page.goto(f"{base}/{nav.PAGE}", wait_until="commit")
    page.wait_for_function(PICTURE, polling="raf")
    seconds = time.perf_counter() - t0
    context.close()
    return seconds


def mb(n):
    return f"{n / 1e6:.2f} MB"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds of each way (default 3)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-first-visit-", suffix=".log", delete=False)
    proc, base = ls.start_server(log)
    runs = {"plain": [], "packed": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=nav.CHROMIUM, args=nav.ARGS)
            visits(browser, base, proc.pid, "packed")  # Not counted: the server loads the models, publishes the files.
            for r in range(args.rounds):
                for variant in runs:
                    print(f"… round {r + 1}: {variant}", file=sys.stderr, flush=True)
                    figures = visits(browser, base, proc.pid, variant)
                    figures["picture_s"] = first_picture(browser, base, variant)
                    runs[variant].append(figures)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)

    def median(variant, key, kind=None):
        return statistics.median(f[key][kind] if kind else f[key] for f in runs[variant])

    old, new = ({k: median(v, k) for k in runs[v][0] if not k.startswith("kinds")} for v in ("plain", "packed"))
    kinds = {v: {name: median(v, "kinds_first", name) for name in runs[v][0]["kinds_first"]} for v in runs}
    runtime_again = {v: median(v, "kinds_latent", "runtime .wasm") + median(v, "kinds_latent", "fzstd") for v in runs}
    rows = [
        row(
            "navigator first visit: static bytes over the network (Manifold, VAE; runtime, decoder, points, code)",
            f"plain files {mb(old['bytes_first'])}",
            f"{mb(new['bytes_first'])} (×{new['bytes_first'] / old['bytes_first']:.2f})",
            "≤ 3.5 MB",
            new["bytes_first"] <= 3.5e6,
        ),
        row(
            "  of which the runtime's .wasm / the VAE's decoder",
            f"{mb(kinds['plain']['runtime .wasm'])} / {mb(kinds['plain']['decoders'])}",
            f"{mb(kinds['packed']['runtime .wasm'])} / {mb(kinds['packed']['decoders'])}"
            f" (+ fzstd {kinds['packed']['fzstd'] / 1e3:.0f} kB)",
            "smaller",
            kinds["packed"]["runtime .wasm"] < kinds["plain"]["runtime .wasm"]
            and kinds["packed"]["decoders"] < kinds["plain"]["decoders"],
        ),
        row(
            "navigator first visit: page load → first digit decoded in the browser",
            f"plain files {old['first_s']:.2f} s",
            f"{new['first_s']:.2f} s (×{new['first_s'] / old['first_s']:.2f})",
            "not slower on this server's loopback (bytes cost ~nothing here; unpacking does)",
            new["first_s"] <= old["first_s"] * 1.1,
        ),
        row(
            "server CPU for a first visit (the page's runs, and gzipping what it serves on the fly)",
            f"{old['cpu_first_s']:.2f} s",
            f"{new['cpu_first_s']:.2f} s (×{new['cpu_first_s'] / old['cpu_first_s']:.2f})",
            "less: the packed files are compressed once, not per student",
            new["cpu_first_s"] < old["cpu_first_s"],
        ),
        row(
            "navigator revisit (same profile): page load → first digit, bytes",
            f"{old['revisit_s']:.2f} s, {old['bytes_revisit'] / 1e3:.0f} kB",
            f"{new['revisit_s']:.2f} s, {new['bytes_revisit'] / 1e3:.0f} kB",
            "0 bytes again",
            new["bytes_revisit"] == 0,
        ),
        row(
            "then Latent space (same profile): its two navigators decoding; bytes (runtime again)",
            f"{old['latent_s']:.2f} s, {mb(old['bytes_latent'])} ({runtime_again['plain'] / 1e3:.0f} kB)",
            f"{new['latent_s']:.2f} s, {mb(new['bytes_latent'])} ({runtime_again['packed'] / 1e3:.0f} kB)",
            "nothing fetched twice: only the AE's decoder is new",
            runtime_again["packed"] == 0 and median("packed", "kinds_latent", "decoders") < 1.6e6,
        ),
        row(
            "navigator first visit: page load → a digit in the box (the server's while the runtime loads)",
            f"{old['picture_s']:.2f} s",
            f"{new['picture_s']:.2f} s",
            "before the runtime is ready",
            new["picture_s"] < new["first_s"],
        ),
    ]
    print_rows(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "medians": {"plain": old, "packed": new}, "kinds_first": kinds}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
