"""The scrubbed sliders (app_pages/_scrubber.py) in Chromium: every step drawn in the browser, no rerun until
the value settles, the link follows it, and the pictures at a stop are the server's.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_scrubber_browser.py -q
Screenshots: scrub_denoising_1400.png, scrub_denoising_390.png (touch), scrub_denoising_1920.png; the
Colorization's vividness: tests/e2e/test_colorization_browser.py.
"""

import os
import time
import urllib.parse

import numpy as np
import pytest

from aelab import checkpoints, data
from aelab.data import images
from aelab.inference import latent
from tests.e2e.test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle

pytestmark = pytest.mark.e2e

SIGMA = "Noise level σ"
# Every picture of a scrubber, row by row, as the browser drew it: RGBA bytes per canvas.
PIXELS = """root => [...root.querySelectorAll('.row')].filter(r => r.querySelector('canvas')).map(
    r => [...r.querySelectorAll('canvas')].map(c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)))"""
PICTURES = "root => [...root.querySelectorAll('canvas')].map(c => c.toDataURL()).join()"
# When the page saw each key and sent each websocket message, by the page's own clock.
TIMES = """window.__keys = []; window.__sends = [];
addEventListener("keydown", () => window.__keys.push(performance.now()), true);
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) { window.__sends.push(performance.now()); return send.call(this, data); };"""
SETTLE_MS = 500  # app_pages/_scrubber_assets/entry.js: a value settles this long after the last key.


def open_scrubbed(new_page, app_url, path, width=1400, height=900, touch=False):
    """Opens a page and waits for its scrubber's atlas; returns (page, sent, errors).

    `sent` lists the times of the websocket messages the browser sends: a rerun is one.
    """
    page = new_page(width, height, has_touch=True, is_mobile=True) if touch else new_page(width, height)
    sent, errors = [], []
    page.add_init_script(TIMES)
    page.on("websocket", lambda ws: ws.on("framesent", lambda _p: sent.append(time.monotonic())))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(".scrub[data-ready]").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page, sent, errors


def key_steps(page, n, root=None, key="ArrowRight"):
    """Presses `key` n times, reading the scrubber's pictures after each when `root` is given.

    Returns:
        `(pictures seen, messages sent meanwhile)`. A message may only come once a value settled, half a
        second after a key: on a loaded machine one press can come later than that, and the value then
        settles in between, as it should. One sooner would be a rerun while scrubbing, and fails here.
    """
    since = page.evaluate("() => [window.__keys.length, window.__sends.length]")
    shown = set()
    for _ in range(n):
        page.keyboard.press(key)
        if root is not None:
            shown.add(root.evaluate(PICTURES))
    keys, sends = page.evaluate("([k, s]) => [window.__keys.slice(k), window.__sends.slice(s)]", since)
    early = [t for t in sends if t - max([k for k in keys if k <= t], default=-1e9) < SETTLE_MS - 50]
    assert not early, f"messages {early} sooner than a settle after the keys {keys}: a rerun while scrubbing"
    return shown, len(sends)


def link(page):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def drawn(page, nth=0):
    """The scrubber's pictures as uint8 arrays: [row][cell] -> (H, W, 4)."""
    root = page.locator(".scrub").nth(nth)
    w, h = root.locator("canvas").first.evaluate("c => [c.width, c.height]")
    return [[np.asarray(c, "uint8").reshape(h, w, 4) for c in row] for row in root.evaluate(PIXELS)]


def test_denoising_steps_drags_settles_and_reloads_without_reruns(new_page, app_url, screenshot_dir):
    page, sent, errors = open_scrubbed(new_page, app_url, "denoising?sigma=0&digits=6&seed=2")
    slider = page.locator(MAIN).get_by_role("slider", name=SIGMA)
    assert slider.get_attribute("aria-valuenow") == "0" and slider.get_attribute("aria-valuetext") == "0.00"
    root = page.locator(".scrub").first
    slider.focus()
    quiet = len(sent)
    shown, settled = key_steps(page, 12, root)  # No message sooner than the half second that settles a value.
    assert len(shown) >= 8, f"{len(shown)} pictures"
    assert slider.get_attribute("aria-valuetext") == "0.60"
    # The chart's marker moved with it, in the browser.
    assert page.locator(f"{MAIN} .js-plotly-plot").first.get_by_text("σ = 0.60").count() == 1
    # Half a second after the last key the value settles: one message (one rerun), and the link has it.
    page.wait_for_function("() => new URLSearchParams(location.search).get('sigma') === '0.6'", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert len(sent) == quiet + settled + 1

    # The pictures at σ = 0.6 are the server's: the page's sample, corrupted and denoised as it does.
    x, labels = data.load_test_set("mnist")
    rows = np.random.default_rng(2).choice(len(x), 6, replace=False)
    noisy = data.add_noise(x[rows], 0.6, "tutorial", 2)
    denoised = np.asarray(latent.reconstruct(checkpoints.load("dae"), noisy))
    shown = drawn(page)
    assert len(shown) == 6
    for i, (original, noisy_px, denoised_px) in enumerate(shown):
        np.testing.assert_array_equal(original[..., 0], images.to_uint8(x[rows[i]]))
        np.testing.assert_array_equal(noisy_px[..., 0], images.to_uint8(noisy[i]))
        assert np.abs(denoised_px[..., 0].astype(int) - images.to_uint8(denoised[i])).max() <= 1
    assert root.locator("canvas").nth(1).get_attribute("aria-label") == f"digit {labels[rows[0]]}, noisy, σ = 0.60"

    # A reload opens at the settled value, with the same pictures.
    page.reload(wait_until="domcontentloaded")
    page.locator(".scrub[data-ready]").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    slider = page.locator(MAIN).get_by_role("slider", name=SIGMA)
    assert slider.get_attribute("aria-valuetext") == "0.60"
    assert all((a == b).all() for r1, r2 in zip(drawn(page), shown, strict=True) for a, b in zip(r1, r2, strict=True))

    # A mouse drag from one end to the other: new pictures under the pointer, still no message until release.
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    quiet, before = len(sent), page.locator(".scrub").first.evaluate(PICTURES)
    page.mouse.move(box["x"] + 11, y)
    page.mouse.down()
    seen = set()
    for k in range(21):
        page.mouse.move(box["x"] + 11 + (box["width"] - 22) * k / 20, y, steps=2)
        seen.add(page.locator(".scrub").first.evaluate(PICTURES))
    assert len(sent) == quiet and len(seen) >= 15 and slider.get_attribute("aria-valuetext") == "1.00"
    assert page.locator(".scrub").first.evaluate(PICTURES) != before
    page.mouse.up()
    page.wait_for_function("() => new URLSearchParams(location.search).get('sigma') === '1'", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert len(sent) == quiet + 1
    page.wait_for_timeout(300)  # The chart, redrawn by the rerun, finishes its layout before the picture.
    full_page_screenshot(page, os.path.join(screenshot_dir, "scrub_denoising_1400.png"))
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors, errors


@pytest.mark.parametrize("size", [(390, 844), (1920, 1080)], ids=["phone", "projector"])
def test_denoising_scrubber_on_a_phone_by_touch_and_on_a_projector(new_page, app_url, screenshot_dir, size):
    width, height = size
    phone = width < 500
    page, sent, errors = open_scrubbed(new_page, app_url, "denoising?digits=5&seed=1", width, height, touch=phone)
    slider = page.locator(MAIN).get_by_role("slider", name=SIGMA)
    box = slider.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= width  # A finger's target.
    canvases = page.locator(".scrub canvas").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().toJSON())")
    assert len(canvases) == 15 and all(c["x"] + c["width"] <= width + 0.5 for c in canvases)
    assert min(c["width"] for c in canvases) >= (80 if phone else 100)  # Digits readable from the back.
    quiet = len(sent)
    at = (box["x"] + 11 + (box["width"] - 22) * 0.9, box["y"] + box["height"] / 2)
    if phone:
        page.touchscreen.tap(*at)
    else:
        page.mouse.click(*at)
    assert slider.get_attribute("aria-valuetext") == "0.90"
    page.wait_for_function("() => new URLSearchParams(location.search).get('sigma') === '0.9'", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert len(sent) == quiet + 1
    page.wait_for_timeout(300)
    name = "scrub_denoising_390.png" if phone else "scrub_denoising_1920.png"
    full_page_screenshot(page, os.path.join(screenshot_dir, name))
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors, errors


STEP = "Step from A to B"


@pytest.mark.parametrize("size", [(1920, 1080), (390, 844)], ids=["projector", "phone"])
def test_interpolation_steps_under_the_keys_without_reruns(new_page, app_url, screenshot_dir, size):
    width, height = size
    phone = width < 500
    path = "latent_space?tab=interpolate&a=3&b=2&steps=20"
    page, sent, errors = open_scrubbed(new_page, app_url, path, width, height, touch=phone)
    slider = page.locator(MAIN).get_by_role("slider", name=STEP)
    assert slider.get_attribute("aria-valuenow") == "1" and slider.bounding_box()["height"] >= 44
    root = page.locator(".scrub").first
    slider.focus()
    quiet = len(sent)
    shown, settled = key_steps(page, 12, root)  # No message sooner than the half second that settles a value.
    assert len(shown) >= 8, f"{len(shown)} pictures"
    assert slider.get_attribute("aria-valuetext") == "13 of 20"
    page.wait_for_function("() => new URLSearchParams(location.search).get('step') === '13'", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert len(sent) == quiet + settled + 1  # One rerun, when the step settled.

    # The pictures at step 13 are each model's own decode of that point of the straight path.
    if not phone:
        x, _ = data.load_test_set("mnist")
        for k, kind in enumerate(("ae2d", "vae2d")):
            model = checkpoints.load(kind)
            ends = latent.encode(model, x[[3, 2]])
            digit = latent.decode(model, ends[:1] + 12 / 19 * (ends[1:] - ends[:1]))[0]
            assert np.abs(drawn(page)[0][k][..., 0].astype(int) - images.to_uint8(digit)).max() <= 1
    root.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # The scatters, redrawn by the rerun, finish their layout before the picture.
    name = "scrub_interpolation_390.png" if phone else "scrub_interpolation_1920.png"
    full_page_screenshot(page, os.path.join(screenshot_dir, name))
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors, errors


# The VAE chart's 1σ ellipses as the page shows them: the legend's name and the first outline's width in
# pixels, read from the SVG that plotly.js drew or the scrubber rewrote (its paths, not the figure's data).
ELLIPSES = """() => {
    const gd = document.querySelector('.st-key-vae_scatter_uncertainty .js-plotly-plot');
    const k = gd._fullData.findIndex(t => String(t.name).startsWith('q(z|x) 1σ'));
    const legend = [...gd.querySelectorAll('.legend .traces')].find(g => g.__data__[0].trace.index === k);
    const group = [...gd.querySelectorAll('.scatterlayer .trace')].find(g => g.__data__[0].trace.index === k);
    const first = group.querySelector('path.js-line').getAttribute('d').split('M').filter(Boolean)[0];
    const x = first.split('L').map(p => parseFloat(p));
    return [[legend.querySelector('text.legendtext').textContent, Math.max(...x) - Math.min(...x)]];
}"""


def test_the_ellipse_scale_moves_the_charts_ellipses_without_reruns(new_page, app_url, screenshot_dir):
    page, sent, errors = open_scrubbed(new_page, app_url, "latent_space?tab=vae&rows=3,10,13&scale=10", 1920, 1080)
    slider = page.locator(MAIN).get_by_role("slider", name="Draw the ellipses larger by")
    chart = page.locator(".st-key-vae_scatter_uncertainty .js-plotly-plot")
    chart.wait_for(timeout=RUN_TIMEOUT_MS)  # This scrubber has no pictures: it is ready before the chart.
    [(name, width)] = page.evaluate(ELLIPSES)
    assert name == "q(z|x) 1σ ×10" and slider.get_attribute("aria-valuenow") == "10"
    slider.focus()
    quiet = len(sent)
    _, settled = key_steps(page, 2)  # 50×: the outlines' paths rewritten in the browser.
    if not settled:  # Else the 20×'s rerun may redraw the chart first (a loaded machine); 50× follows below.
        [(name, wider)] = page.evaluate(ELLIPSES)
        assert name == "q(z|x) 1σ ×50" and wider == pytest.approx(5 * width, rel=0.02)
    assert page.locator(MAIN).get_by_text("The ellipses are drawn 50× larger than they are.").is_visible()
    page.wait_for_function("() => new URLSearchParams(location.search).get('scale') === '50'", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    chart.wait_for(timeout=RUN_TIMEOUT_MS)
    assert len(sent) == quiet + settled + 1 and page.evaluate(ELLIPSES)[0][0] == "q(z|x) 1σ ×50"  # The rerun's.
    page.wait_for_timeout(300)
    full_page_screenshot(page, os.path.join(screenshot_dir, "scrub_ellipses_1920.png"))
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors, errors
