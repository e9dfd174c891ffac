"""The Colorization page in Chromium: the vividness slider, the layout at 1920x1080 and 390x844.

Screenshots: colorization_1920.png, colorization_vivid_1920.png, colorization_390.png.
"""

import base64
import io
import os

import numpy as np
import pytest
from PIL import Image

from aelab import metrics
from tests.e2e.test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle

pytestmark = pytest.mark.e2e

ROWS = f'{MAIN} [data-testid="stImage"] img'
PANEL, GAP = 112, 4  # As app_pages/colorization.py lays out one image row.


def open_colorization(new_page, app_url, width, height, query="images=6&seed=3"):
    page = new_page(width, height)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/colorization?{query}", wait_until="domcontentloaded")
    page.locator(ROWS).first.wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(f"{MAIN} .js-plotly-plot").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    page.wait_for_timeout(500)  # Let the chart finish its layout before the picture.
    return page, errors


def row_pictures(page):
    """The image rows as the browser shows them (PNG data URIs, see app_pages/_pictures.py), as RGB arrays."""
    out = []
    for src in page.locator(ROWS).evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))"):
        assert src.startswith("data:image/png;base64,"), src[:40]
        png = base64.b64decode(src.split(",", 1)[1])
        out.append(np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), "float32") / 255)
    return out


def panel(row, i):
    """The i-th photo of a row (gray, colorized, MSE, original)."""
    x0 = i * (PANEL + GAP)
    return row[:, x0 : x0 + PANEL]


def test_vividness_in_the_browser_at_1920(new_page, app_url, screenshot_dir):
    page, errors = open_colorization(new_page, app_url, 1920, 1080)
    boxes = [b for b in page.locator(ROWS).evaluate_all("imgs => imgs.map(i => i.getBoundingClientRect().toJSON())")]
    assert len(boxes) == 6
    # Two image rows side by side and the chart beside them: the page's width is used.
    assert len({round(b["x"]) for b in boxes}) == 2
    chart = page.locator(f"{MAIN} .js-plotly-plot").first.bounding_box()
    assert chart["x"] > max(b["x"] + b["width"] for b in boxes) - 1 and chart["x"] + chart["width"] > 0.85 * 1920
    full_page_screenshot(page, os.path.join(screenshot_dir, "colorization_1920.png"))
    before = row_pictures(page)
    dull = np.mean([metrics.colourfulness(panel(r, 1)[None])[0] for r in before])

    slider = page.locator(MAIN).get_by_role("slider").first
    slider.focus()
    page.keyboard.press("End")  # The vivid end of the slider.
    page.wait_for_function(
        "(n) => { const l = document.querySelector('[data-testid=\"stMain\"] .js-plotly-plot');"
        " return l && l.innerText.includes('T = 0.05'); }",
        arg=0,
        timeout=RUN_TIMEOUT_MS,
    )
    wait_until_idle(page)
    page.wait_for_timeout(500)
    full_page_screenshot(page, os.path.join(screenshot_dir, "colorization_vivid_1920.png"))
    after = row_pictures(page)
    vivid = np.mean([metrics.colourfulness(panel(r, 1)[None])[0] for r in after])
    originals = np.mean([metrics.colourfulness(panel(r, 3)[None])[0] for r in after])
    # Colours that look like colours: as colourful as the photos themselves, not sepia.
    assert vivid > dull and vivid > 0.6 * originals, (dull, vivid, originals)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


def test_one_image_row_per_image_on_a_phone(new_page, app_url, screenshot_dir):
    page, errors = open_colorization(new_page, app_url, 390, 844, query="images=4&seed=3")
    boxes = page.locator(ROWS).evaluate_all("imgs => imgs.map(i => i.getBoundingClientRect().toJSON())")
    assert len(boxes) == 4
    # Stacked: one row per image, each as wide as the phone allows, none cut off.
    assert len({round(b["x"]) for b in boxes}) == 1
    assert all(b["width"] > 300 and b["x"] + b["width"] <= 390 for b in boxes)
    assert all(b2["y"] >= b1["y"] + b1["height"] - 1 for b1, b2 in zip(boxes, boxes[1:]))
    full_page_screenshot(page, os.path.join(screenshot_dir, "colorization_390.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors
