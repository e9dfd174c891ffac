"""The latent navigator in a real headless Chromium: the decoder runs in the page.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_navigator_browser.py -q
Screenshots go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots) as navigator_*.png.
"""

import os
import re

import pytest
from test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle

from tests.e2e.runs import count_runs

pytestmark = pytest.mark.e2e

# The navigator's root element in its shadow root, by the label Python gives it ("VAE latent plane").
NAV = """label => { for (const e of document.querySelectorAll('*')) {
  const r = e.shadowRoot && e.shadowRoot.querySelector('.nav');
  if (r && (r.getAttribute('aria-label') || '').startsWith(label)) return r; } return null; }"""
KEEP_TIMINGS = "performance.setResourceTimingBufferSize(10000);"  # Every file the page loads stays listed.
# Whether the page loaded the navigator's latency timers (modules/timers.js).
LOADED_TIMERS = "performance.getEntriesByType('resource').some(e => new URL(e.name).pathname.endsWith('/timers.js'))"
MARGIN = {"left": 46, "right": 10, "top": 10, "bottom": 38}  # modules/layout.js: room for the tick labels.
# The navigator's big files the page fetched, by the ends of their paths.
FETCHED = """[...new Set(performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)
  .filter(p => /[.](wasm|zst|onnx|gz|points)$/.test(p)).map(p => p.replace(/^.*\\/[0-9a-f]{64}/, '<sha256>')
  .replace(/^.*\\//, '')))].sort()"""
PACKED = re.compile(r"[.](zst|planes[.]gz)([?]|$)")  # The packed runtime and decoders (modules/unpack.js).


def nav(page, label, expr):
    """Evaluates `expr` (JavaScript, with `n` the navigator's root) in the page."""
    return page.evaluate(f"label => {{ const n = ({NAV})(label); return {expr}; }}", label)


def wait_ready(page, label="VAE"):
    page.wait_for_function(
        f"label => {{ const n = ({NAV})(label); return n && n.dataset.status && n.dataset.status !== 'loading'"
        " && (n.dataset.status === 'fallback' || n.__nav.decodes > 0); }",
        arg=label,
        timeout=RUN_TIMEOUT_MS,
    )
    return nav(page, label, "n.dataset.status")


def open_page(chromium, app_url, path, width, height, touch=False, init=None, refuse=None):
    ctx = chromium.new_context(viewport={"width": width, "height": height}, has_touch=touch, is_mobile=touch)
    page = ctx.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1",
               "data:", "blob:")) else r.abort())  # fmt: skip
    if refuse:  # Requests the server answers with an error, as a proxy or a broken download would.
        page.route(refuse, lambda r: r.fulfill(status=503, body="refused"))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(KEEP_TIMINGS)
    count_runs(page)  # page.ended: every run of the script the server finished for this page.
    if init:
        page.add_init_script(init)
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(MAIN).locator("h1").first.wait_for()
    wait_until_idle(page)
    return ctx, page, errors


@pytest.fixture
def pages(chromium):
    contexts = []

    def make(*args, **kwargs):
        ctx, page, errors = open_page(chromium, *args, **kwargs)
        contexts.append(ctx)
        return page, errors

    yield make
    for ctx in contexts:
        ctx.close()


def show_plane(page, label="VAE"):
    """Scrolls the navigator's plane to the middle of the screen (the pointer only reaches what is shown)."""
    nav(page, label, "n.querySelector('canvas.plane').scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)


def plane_rect(page, label="VAE"):
    return nav(page, label, "(() => { const r = n.querySelector('canvas.plane').getBoundingClientRect();"
               " return {x: r.x, y: r.y, w: r.width, h: r.height}; })()")  # fmt: skip


def at_latent(page, z, label="VAE"):
    """The page coordinates of a latent point on a navigator's plane."""
    r, (b0, b1) = plane_rect(page, label), nav(page, label, "n.__nav.data.bounds")
    w, h = r["w"] - MARGIN["left"] - MARGIN["right"], r["h"] - MARGIN["top"] - MARGIN["bottom"]
    return (
        r["x"] + MARGIN["left"] + (z[0] - b0[0]) / (b0[1] - b0[0]) * w,
        r["y"] + MARGIN["top"] + (1 - (z[1] - b1[0]) / (b1[1] - b1[0])) * h,
    )


def browser_digit(page, label="VAE"):
    """The 28 x 28 grey values the navigator drew (its digit canvas is 28 x 28, shown enlarged)."""
    return nav(page, label, "Array.from(n.querySelector('canvas.digit').getContext('2d')"
               ".getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0))")  # fmt: skip


def server_digit(page):
    """The 28 x 28 grey values of the digit the server decoded (a 224 px PNG, 8 px per pixel)."""
    return page.evaluate(
        """() => { const img = [...document.querySelectorAll('[data-testid="stMain"] img')]
             .find(i => i.naturalWidth === 224);
           const c = document.createElement('canvas'); c.width = c.height = 224;
           const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
           const d = ctx.getImageData(0, 0, 224, 224).data, out = [];
           for (let r = 0; r < 28; r++) for (let k = 0; k < 28; k++) out.push(d[4 * ((8 * r + 4) * 224 + 8 * k + 4)]);
           return out; }"""
    )


def test_a_mouse_sweep_redraws_the_digit_with_no_rerun(pages, app_url):
    page, errors = pages(app_url, "manifold?model=vae", 1280, 720)
    assert wait_ready(page) == "ready"
    show_plane(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    sent = []
    cdp.on("Network.webSocketFrameSent", lambda e: sent.append(e))
    before, reruns = nav(page, "VAE", "n.__nav.decodes"), page.ended
    shown = []
    for i in range(40):  # Across the plane, left to right, with a wobble.
        page.mouse.move(*at_latent(page, (-3.5 + 7 * i / 39, 2.5 * (-1) ** i)))
        page.wait_for_timeout(20)
        shown.append(tuple(browser_digit(page)[::37]))
    page.wait_for_timeout(300)
    assert nav(page, "VAE", "n.__nav.decodes") - before >= 20
    assert len(set(shown)) >= 20  # the large digit really changed under the pointer
    assert page.ended == reruns and not sent  # nothing reached the server
    # A student's browser never loads the benchmark's latency timers.
    assert not page.evaluate(LOADED_TIMERS) and nav(page, "VAE", "n.__navStats === undefined")
    assert not errors


def test_the_latency_timers_load_when_a_benchmark_asks(pages, app_url):
    page, errors = pages(app_url, "manifold?model=vae", 1280, 720, init="window.aelabNavigatorTimers = true;")
    assert wait_ready(page) == "ready" and page.evaluate(LOADED_TIMERS)
    show_plane(page)
    for i in range(10):
        page.mouse.move(*at_latent(page, (-2.0 + 0.4 * i, 1.0)))
        page.wait_for_timeout(30)
    page.wait_for_timeout(300)
    latencies, frames, delays = nav(page, "VAE", "['latencies', 'frameLatencies', 'inputDelays']"
                                    ".map(k => n.__navStats[k])")  # fmt: skip
    assert len(delays) >= 5 and len(latencies) >= 5 and len(frames) >= 5
    # Pointer event -> pixels: positive, and within what a page can take (a few hundred ms at worst here).
    assert all(0 <= t < 2000 for t in latencies + frames + delays)
    assert not errors


def test_a_click_pins_the_point_and_the_browser_draws_what_the_server_decodes(pages, app_url, screenshot_dir):
    page, errors = pages(app_url, "manifold?model=vae", 1280, 720)
    wait_ready(page)
    show_plane(page)
    reruns = page.ended
    page.mouse.click(*at_latent(page, (1.5, -1.0)))
    page.locator(MAIN).get_by_text("decoded from z = (1.5, -1.0) on the server").wait_for()
    wait_until_idle(page)
    assert page.ended == reruns + 1  # one rerun per pin
    assert "pick=1.5%2C-1" in page.url or "pick=1.5,-1" in page.url, page.url
    assert page.locator(MAIN).get_by_text("decoded from z = (1.5, -1.0) on the server").count() == 1
    page.mouse.move(2, 2)  # The pointer leaves: the navigator shows the pinned point again.
    page.wait_for_function(f"() => ({NAV})('VAE').__nav.data.point[0] === 1.5")
    page.wait_for_timeout(300)
    ours, theirs = browser_digit(page), server_digit(page)
    assert len(ours) == len(theirs) == 784
    # ONNX in the browser (float16 weights) and TensorFlow on the server differ by < 1/255: one grey level at most.
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) <= 1
    assert sum(ours) > 784 * 10  # a digit, not a blank canvas
    # What decoded it came packed: the runtime's .wasm as zstd, the decoder as gzipped byte planes.
    assert page.evaluate(FETCHED) == [
        "<sha256>.onnx.planes.gz",
        "<sha256>.points",
        "ort-wasm-simd-threaded.wasm.zst",
    ]
    full_page_screenshot(page, os.path.join(screenshot_dir, "navigator_manifold_pinned_1280.png"))
    assert not errors


def test_when_the_packed_files_fail_the_plain_ones_decode_the_same_digit(pages, app_url):
    page, errors = pages(app_url, "manifold?model=vae&pick=1.5,-1", 1280, 720, refuse=PACKED)
    assert wait_ready(page) == "ready"  # and a digit drawn: the pinned point's, nothing under the pointer
    ours, theirs = browser_digit(page), server_digit(page)
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) <= 1 and sum(ours) > 784 * 10
    assert page.evaluate(FETCHED) == [
        "<sha256>.onnx",
        "<sha256>.onnx.planes.gz",  # asked for, refused
        "<sha256>.points",
        "ort-wasm-simd-threaded.wasm",
        "ort-wasm-simd-threaded.wasm.zst",  # asked for, refused
    ]
    assert not errors


def test_without_webassembly_the_page_says_so_and_the_sliders_still_work(pages, app_url, screenshot_dir):
    page, errors = pages(app_url, "manifold?model=vae", 1280, 720, init="delete window.WebAssembly;")
    assert wait_ready(page) == "fallback"
    status = nav(page, "VAE", "n.querySelector('.status').textContent")
    assert "This browser cannot run the decoder" in status and "use the Pick sliders" in status
    assert nav(page, "VAE", "n.querySelector('.digit-box').hidden")
    caption = page.locator(MAIN).get_by_text("decoded from z = (0.0, 0.0) on the server")
    assert caption.count() == 1
    slider = page.locator(MAIN).get_by_role("slider", name="Pick z0")
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_until_idle(page)
    page.locator(MAIN).get_by_text("decoded from z = (0.1, 0.0) on the server").wait_for()
    # The plane still pins: the server decodes.
    show_plane(page)
    page.mouse.click(*at_latent(page, (-2.0, 2.0)))
    page.locator(MAIN).get_by_text("decoded from z = (-2.0, 2.0) on the server").wait_for()
    full_page_screenshot(page, os.path.join(screenshot_dir, "navigator_fallback_1280.png"))
    assert not errors


def boxes(page, label):
    return nav(page, label, "['canvas.plane', 'canvas.digit'].map(s => { const r = n.querySelector(s)"
               ".getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })")  # fmt: skip


def overlap(a, b):
    return (
        a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    )


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720), (390, 844)])
def test_manifold_layout_fits_the_screen(pages, app_url, screenshot_dir, width, height):
    phone = width < 600
    page, errors = pages(app_url, "manifold?model=vae", width, height, touch=phone)
    wait_ready(page)
    wait_until_idle(page)
    b = page.locator(MAIN).locator(".js-plotly-plot").first.bounding_box()
    grid = {"x": b["x"], "y": b["y"], "w": b["width"], "h": b["height"]}
    # The last of the grid's controls; the sliders above it.
    controls = page.locator(MAIN).get_by_role("button", name="Download the manifold (PNG)").bounding_box()
    if not phone:  # Controls beside the grid, within the first screen, and the grid too where the window is tall;
        # on a 720-px projector the grid is as tall as the window (tests/e2e/test_projector_phone_browser.py).
        assert controls["y"] + controls["height"] <= height
        assert grid["y"] + grid["h"] <= height if height >= 900 else grid["h"] <= height
        assert controls["x"] + controls["width"] <= grid["x"]
    else:  # A phone gets a smaller grid (a link may still ask for 30), after one rerun.
        from playwright.sync_api import expect

        grid_size = page.locator(MAIN).get_by_role("slider", name="Grid size (digits per side)")
        expect(grid_size).to_have_value("12", timeout=RUN_TIMEOUT_MS)
        wait_until_idle(page)
    plane, digit = boxes(page, "VAE")
    assert not overlap(plane, digit)
    assert digit["w"] >= 224 and digit["h"] >= 224  # readable from the back of a room
    for box in (plane, digit, grid):
        assert box["x"] >= 0 and box["x"] + box["w"] <= width, box
    if not phone:
        assert abs(plane["y"] - digit["y"]) < 20 and digit["x"] > plane["x"]  # the digit beside the plane
    else:
        show_plane(page)
        page.touchscreen.tap(*at_latent(page, (2.0, 1.0)))  # a finger pins
        page.locator(MAIN).get_by_text("decoded from z = (2.0, 1.0) on the server").wait_for()
    full_page_screenshot(page, os.path.join(screenshot_dir, f"navigator_manifold_{width}x{height}.png"))
    assert not errors


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720), (390, 844)])
def test_latent_space_navigators_side_by_side_where_they_fit(pages, app_url, screenshot_dir, width, height):
    page, errors = pages(app_url, "latent_space?tab=navigate", width, height, touch=width < 600)
    assert wait_ready(page, "AE") == "ready" and wait_ready(page, "VAE") == "ready"
    ae, vae = boxes(page, "AE"), boxes(page, "VAE")
    for plane, digit in (ae, vae):
        assert not overlap(plane, digit) and digit["w"] >= 224
        assert plane["x"] >= 0 and max(plane["x"] + plane["w"], digit["x"] + digit["w"]) <= width
    if width >= 1280:
        assert vae[0]["x"] > ae[1]["x"] + ae[1]["w"] and abs(vae[0]["y"] - ae[0]["y"]) < 5  # side by side
    else:
        assert vae[0]["y"] > ae[1]["y"] + ae[1]["h"]  # one above the other
    full_page_screenshot(page, os.path.join(screenshot_dir, f"navigator_latent_{width}x{height}.png"))
    assert not errors


def test_the_keyboard_walks_the_plane_and_enter_pins(pages, app_url):
    page, errors = pages(app_url, "manifold?model=vae", 1280, 720)
    wait_ready(page)
    show_plane(page)
    # Tab from the control before it, as a keyboard user gets there.
    page.locator(MAIN).get_by_role("button", name="Download the manifold (PNG)").focus()
    focused = "n.getRootNode().activeElement === n.querySelector('canvas.plane')"
    for _ in range(20):  # past the grid chart's own controls
        page.keyboard.press("Tab")
        if nav(page, "VAE", focused):
            break
    assert nav(page, "VAE", focused)
    ring = nav(page, "VAE", "getComputedStyle(n.querySelector('canvas.plane')).boxShadow")
    assert ring != "none"  # a visible focus ring
    before, reruns = nav(page, "VAE", "n.__nav.decodes"), page.ended
    for key in ("ArrowRight", "ArrowRight", "Shift+ArrowUp"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert nav(page, "VAE", "n.__nav.decodes") - before >= 3 and page.ended == reruns
    page.keyboard.press("Enter")
    page.locator(MAIN).get_by_text("decoded from z = (0.2, 1.0) on the server").wait_for()
    assert not errors
