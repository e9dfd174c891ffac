"""Pictures never wider than their column, at any window width, in a real headless Chromium.

Issue 21, item 8: at 1280x720 with 40 digits selected on Latent space → Explore, the AE's
492 px "original | decoded" mosaic ran past its 402 px column, under the VAE's, which ran off
the right edge of the screen. Here every picture of the page (st.image and the inline grids of
app_pages/_pictures.py) must sit inside its column and the window, keeping its aspect.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_picture_widths_browser.py -q
Screenshots go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots) as widths_<page>_<size>.png.
"""

import os

import pytest
from playwright.sync_api import expect
from test_browser import MAIN, RUN_TIMEOUT_MS, SCROLL_BELOW_HEADER, charts_settled, wait_until_idle

pytestmark = pytest.mark.e2e

# Two projectors, a full-HD screen and a phone.
SIZES = {"1280x720": (1280, 720), "1366x768": (1366, 768), "1920x1080": (1920, 1080), "390x844": (390, 844)}
SELECTED = 40
EXPLORE = "latent_space?tab=explore&rows=" + ",".join(str(r) for r in range(SELECTED))
# page -> (link, its pictures, how many to wait for (visible and loaded), what to scroll to for the screenshot)
PAGES = {
    "explore": (EXPLORE, '[data-testid="stImage"] img', 2, '[data-testid="stImage"]'),  # The AE's and VAE's mosaics.
    # A | B and the two 20-step strips, each a grid of its steps that wraps (app_pages/_pictures.py, steps).
    "interpolate": ("latent_space?tab=interpolate&steps=20", "img", 1 + 2 * 20, ".aelab-steps"),
    # 5 digits × original | noisy | denoised, drawn by the σ scrubber (app_pages/_scrubber.py) on canvases.
    "denoising": ("denoising", ".scrub canvas", 15, ".scrub"),
    "variants": ("variants", ".aelab-grid img", 12, ".aelab-grid"),  # A row of 12 test digits, then each model's.
    "colorization": ("colorization", ".scrub canvas", 6 * 4, ".scrub"),  # 6 rows: gray | colorized | MSE | original.
}

# Every visible picture of the main block (and every picture grid): its box, its column's box,
# its natural size. A picture outside any column belongs to the main block.
BOXES = """() => [...document.querySelectorAll('[data-testid="stMain"] img, [data-testid="stMain"] .aelab-grid, ' +
                                               '[data-testid="stMain"] .scrub canvas')]
  .filter(e => e.getBoundingClientRect().width > 0)
  .map(e => {
    const r = e.getBoundingClientRect();
    const col = e.closest('[data-testid="stColumn"]') || e.closest('[data-testid="stMainBlockContainer"]');
    const c = col.getBoundingClientRect();
    const canvas = e.tagName === 'CANVAS';  // A scrubber's picture: its size is the canvas's.
    return {what: e.tagName === 'IMG' ? (e.alt || e.src.slice(0, 40)) :
                  canvas ? e.getAttribute('aria-label') : 'grid ' + e.getAttribute('aria-label'),
            img: e.tagName === 'IMG' || canvas, stImage: !!e.closest('[data-testid="stImage"]'),
            x0: r.left, x1: r.right, w: r.width, h: r.height, c0: c.left, c1: c.right,
            nw: (canvas ? e.width : e.naturalWidth) || 0, nh: (canvas ? e.height : e.naturalHeight) || 0};
  })"""
# The loaded, visible pictures matching a selector under the main block.
LOADED = """(sel) => [...document.querySelectorAll('[data-testid="stMain"] ' + sel)]
  .filter(i => i.getBoundingClientRect().width > 0 &&
    (i.tagName === 'CANVAS' ? !!i.closest('.scrub[data-ready]') : i.complete && i.naturalWidth > 0)).length"""
VISIBLE = """(sel) => [...document.querySelectorAll('[data-testid="stMain"] ' + sel)]
  .filter(i => i.getBoundingClientRect().width > 0).length"""
# Streamlit scrolls stMain; anything too wide would give it a horizontal scroll.
SIDEWAYS = """() => { const m = document.querySelector('[data-testid="stMain"]');
  return {scroll: m.scrollWidth, client: m.clientWidth, window: document.documentElement.clientWidth}; }"""


def open_at(chromium, app_url, link, size):
    width, height = SIZES[size]
    phone = size == "390x844"  # Touch, no hover, a mobile viewport.
    ctx = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.route(  # Only the local app may be reached.
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else route.abort()
        ),
    )
    page.failed = []  # Pictures the server did not send: named when a picture turns out broken.
    page.on("response", lambda r: page.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: page.failed.append(f"{r.failure} {r.url}"))
    page.goto(f"{app_url}/{link}", wait_until="domcontentloaded")
    return page, ctx


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_picture_fits_its_column(chromium, app_url, screenshot_dir, name, size):
    link, selector, count, shown = PAGES[name]
    page, ctx = open_at(chromium, app_url, link, size)
    try:
        page.wait_for_function(f"(sel) => ({LOADED})(sel) >= {count}", arg=selector, timeout=RUN_TIMEOUT_MS)
        wait_until_idle(page)
        if name == "explore":
            # The link's 40 rows are the selection of both charts.
            # The bold line above each mosaic (the charts' words for screen readers say it too, off screen).
            selected = page.locator(
                f'{MAIN} [data-testid="stMarkdownContainer"] strong', has_text=f"{SELECTED} digits selected"
            )
            expect(selected).to_have_count(2, timeout=RUN_TIMEOUT_MS)
        # Every picture on screen decoded (a run that began after the idle wait may still be sending one);
        # a broken one never is, and is named by the checks below.
        give_up = page.evaluate("performance.now()") + 30_000
        page.wait_for_function(f"(t) => ({LOADED})('img') === ({VISIBLE})('img') || performance.now() > t", arg=give_up)
        boxes = page.evaluate(BOXES)
        viewport = page.evaluate(SIDEWAYS)
        page.locator(f"{MAIN} {shown}").first.evaluate(SCROLL_BELOW_HEADER)
        charts_settled(page)  # A shot right after the scroll caught the charts above unpainted.
        page.screenshot(path=os.path.join(screenshot_dir, f"widths_{name}_{size}.png"))
        if page.locator(f"{MAIN} {shown}").count() > 1:  # The last one: the VAE's mosaic on a phone, a strip.
            page.locator(f"{MAIN} {shown}").last.evaluate(SCROLL_BELOW_HEADER)
            charts_settled(page)
            page.screenshot(path=os.path.join(screenshot_dir, f"widths_{name}_{size}_last.png"))
    except Exception:
        page.screenshot(path=os.path.join(screenshot_dir, f"widths_{name}_{size}_failed.png"))
        raise
    finally:
        ctx.close()

    where = f"{name} at {size}"
    assert len([b for b in boxes if b["img"]]) >= count, f"{where}: pictures missing: {boxes}"
    for b in boxes:
        assert b["x0"] >= b["c0"] - 1 and b["x1"] <= b["c1"] + 1, f"{where}: {b['what']} runs past its column: {b}"
        assert b["x0"] >= -1 and b["x1"] <= viewport["window"] + 1, f"{where}: {b['what']} runs off the screen: {b}"
        if b["img"]:  # Loaded; shrunk, not squeezed: the aspect of the picture itself.
            assert b["nw"] > 0 and b["h"] > 0, f"{where}: {b['what']} is broken or empty: {b}; failed: {page.failed}"
            assert abs(b["w"] / b["h"] - b["nw"] / b["nh"]) < 0.02 * b["nw"] / b["nh"], f"{where}: {b['what']}: {b}"
    assert viewport["scroll"] <= viewport["client"] + 1, f"{where}: the page scrolls sideways: {viewport}"
    if name == "explore":
        # Each mosaic shows whole: at its own width where the column has room, else exactly the column's.
        mosaics = [b for b in boxes if b["stImage"]]
        assert len(mosaics) == 2, mosaics
        for b in mosaics:
            assert b["w"] >= min(b["nw"], b["c1"] - b["c0"]) - 1, f"{where}: a mosaic narrower than it need be: {b}"
