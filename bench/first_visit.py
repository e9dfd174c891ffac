"""The latent navigator's first visit and revisit, with float32 decoders (before) and float16 ones (today).

    flock /tmp/aelab-bench.lock .venv/bin/python bench/first_visit.py [--rounds 2] [--json FILE]

Two `streamlit run app.py` servers side by side: one on a copy of the shipped checkpoints whose AE and
VAE decoders are exported in float32 as they were before (`onnx_export.export_decoder(..., half=False)`),
one on the shipped checkpoints (float16 weights). For each, in alternation, a fresh Chromium profile
opens the Manifold with the VAE (bench/navigator.py's first_use_rows): the bytes of the app's static
files over the network (as the browser received them, compressed) and the time from page load to the
first digit decoded in the browser, then a revisit in the same profile; and the time to the first
picture in the digit's box (the server's digit, drawn while the runtime loads; none before). Each server
first shows the page once, not counted (its first page loads the models).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import load_sessions as ls
import navigator as nav
from _common import print_rows, row

# Something in the digit's box: the browser's own digit, or the server's one drawn under the loading line.
PICTURE = f"""() => {{ const n = {nav.NAV}; if (!n) return false;
  const c = n.querySelector('canvas.digit');
  return !!(c.dataset.decodes || n.querySelector('.loading.on-picture')); }}"""


def float32_checkpoints(folder):
    """A copy of the shipped checkpoints whose AE and VAE decoders are float32 ONNX (the old export)."""
    from aelab import checkpoints
    from aelab.inference import onnx_export

    src = checkpoints.resolve_dir()
    for name in os.listdir(src):
        shutil.copy(os.path.join(src, name), folder)
    for name in ("ae2d", "vae2d"):
        model = checkpoints.load(name, folder)
        path = os.path.join(folder, name + onnx_export.SUFFIX)
        digest = onnx_export.export_decoder(model, path, half=False)
        meta = checkpoints.read_sidecar(name, folder)
        meta["decoder_onnx"] = {"file": os.path.basename(path), "sha256": digest}
        with open(os.path.join(folder, f"{name}.json"), "w") as f:
            json.dump(meta, f, indent=1)
    return folder


def first_picture(browser, base):
    """Seconds from page load to a digit in the box (the server's or the browser's), fresh profile."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(180_000)
    t0 = time.perf_counter()
    page.goto(f"{base}/{nav.PAGE}", wait_until="commit")
    page.wait_for_function(PICTURE, polling="raf")
    seconds = time.perf_counter() - t0
    context.close()
    return seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds per server (default 2)")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    old_dir = float32_checkpoints(tempfile.mkdtemp(prefix="aelab-float32-"))
    servers, logs = {}, []
    try:
        for label, folder in (("float32", old_dir), ("float16", None)):
            if folder:
                os.environ["AELAB_CHECKPOINT_DIR"] = folder
            else:
                os.environ.pop("AELAB_CHECKPOINT_DIR", None)
            logs.append(tempfile.NamedTemporaryFile("w+", prefix=f"aelab-first-{label}-", suffix=".log", delete=False))
            servers[label] = ls.start_server(logs[-1])
        figures = {label: {"first_s": [], "revisit_s": [], "bytes_first": [], "bytes_revisit": [], "picture_s": []}
                   for label in servers}  # fmt: skip
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=nav.CHROMIUM, args=nav.ARGS)
            for _proc, base in servers.values():  # Not counted: each server's first page loads its models.
                first_picture(browser, base)
            for r in range(args.rounds):
                for label, (_proc, base) in servers.items():
                    print(f"… round {r + 1}: {label}", file=sys.stderr, flush=True)
                    _rows, f = nav.first_use_rows(browser, base)
                    fig = figures[label]
                    fig["first_s"].append(f["first_visit_s"])
                    fig["revisit_s"].append(f["revisit_s"])
                    fig["bytes_first"].append(f["bytes_first"])
                    fig["bytes_revisit"].append(f["bytes_revisit"])
                    fig["picture_s"].append(first_picture(browser, base))
            browser.close()
    finally:
        for proc, _base in servers.values():
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(old_dir, ignore_errors=True)
    med = {label: {k: statistics.median(v) for k, v in fig.items()} for label, fig in figures.items()}
    old, new = med["float32"], med["float16"]
    rows = [
        row(
            "navigator first visit: static bytes over the network (Manifold, VAE; runtime, decoder, points)",
            f"float32 decoders {old['bytes_first'] / 1e6:.2f} MB (×{new['bytes_first'] / old['bytes_first']:.2f})",
            f"{new['bytes_first'] / 1e6:.2f} MB",
            "≤ 3.5 MB",
            new["bytes_first"] <= 3.5e6,
        ),
        row(
            "navigator first visit: page load → first digit decoded in the browser",
            f"float32 decoders {old['first_s']:.2f} s (×{new['first_s'] / old['first_s']:.2f})",
            f"{new['first_s']:.2f} s",
            "faster than float32",
            new["first_s"] < old["first_s"],
        ),
        row(
            "navigator revisit: page load → first digit, bytes",
            f"float32 decoders {old['revisit_s']:.2f} s, {old['bytes_revisit'] / 1e3:.0f} kB",
            f"{new['revisit_s']:.2f} s, {new['bytes_revisit'] / 1e3:.0f} kB",
            "≤ 10% of the first visit's bytes",
            new["bytes_revisit"] <= 0.1 * new["bytes_first"],
        ),
        row(
            "navigator first visit: page load → a digit in the box (the server's while the runtime loads)",
            f"before the server's digit: the browser's first digit at {old['first_s']:.2f} s",
            f"{new['picture_s']:.2f} s",
            "before the runtime is ready",
            new["picture_s"] < new["first_s"],
        ),
    ]
    print_rows(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": figures, "medians": med}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
