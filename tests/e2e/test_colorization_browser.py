"""The Colorization page in Chromium: the vividness scrubber (app_pages/_scrubber.py) at 1920x1080 and 390x844.

Screenshots: scrub_colorization_1920.png, scrub_colorization_390.png.
"""

import os

import numpy as np
import pytest

from aelab import checkpoints, data, metrics
from aelab.data import images
from aelab.lessons import vividness
from tests.e2e.test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle
from tests.e2e.test_scrubber_browser import drawn, open_scrubbed

pytestmark = pytest.mark.e2e

VIVIDNESS = "Vividness: the temperature T (1: the average colour; small: the most likely one)"


@pytest.mark.parametrize("size", [(1920, 1080), (390, 844)], ids=["projector", "phone"])
def test_colorization_vividness_scrubs_and_equals_the_server(new_page, app_url, screenshot_dir, size):
    width, height = size
    page, sent, errors = open_scrubbed(new_page, app_url, "colorization?images=4&seed=3&t=1", width, height)
    slider = page.locator(MAIN).get_by_role("slider", name=VIVIDNESS)
    assert slider.get_attribute("aria-valuetext") == "T = 1"
    rows = page.locator(".scrub .row").evaluate_all("rs => rs.map(r => r.getBoundingClientRect().toJSON())")
    assert len(rows) == 4 and all(r["x"] + r["width"] <= width + 0.5 for r in rows)
    # Two rows side by side on a projector, one under another on a phone.
    assert len({round(r["x"]) for r in rows}) == (2 if width > 1000 else 1)
    if width > 1000:  # And the chart beside them: the page's width is used.
        chart = page.locator(f"{MAIN} .js-plotly-plot").first.bounding_box()
        assert chart["x"] > max(r["x"] + r["width"] for r in rows) - 1 and chart["x"] + chart["width"] > 0.85 * width
    else:
        assert all(r["width"] > 300 for r in rows)
    dull = drawn(page)
    quiet = len(sent)
    slider.focus()
    page.keyboard.press("End")  # The vivid end.
    assert slider.get_attribute("aria-valuetext") == "T = 0.05" and len(sent) == quiet
    if width > 1000:
        assert page.locator(f"{MAIN} .js-plotly-plot").first.get_by_text("T = 0.05").count() == 1
    vivid = drawn(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('t') === '0.05'", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert len(sent) == quiet + 1

    # The colorized photos at T = 0.05 are the server's, and more colourful than at T = 1.
    x, _ = data.load_test_set("cifar10")
    chosen = np.random.default_rng(3).choice(len(x), 4, replace=False)
    guess = metrics.colorize_all(checkpoints.load("colorizer"), data.to_gray(x[chosen]), vividness.TEMPERATURES[-1])
    for i, row in enumerate(vivid):
        assert np.abs(row[1][..., :3].astype(int) - images.to_uint8(guess[i]).astype(int)).max() <= 1
    m = [metrics.colourfulness(np.stack([r[1][..., :3] for r in shots]) / 255).mean() for shots in (dull, vivid)]
    assert m[1] > m[0], m
    page.wait_for_timeout(300)
    full_page_screenshot(page, os.path.join(screenshot_dir, f"scrub_colorization_{width}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors, errors
