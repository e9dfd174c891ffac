"""Links in a real browser: values out of range are clamped (the README's rule), and a selection the
link cannot carry whole is said where it is shown (issue 25, items 4 and 6).

Screenshots: link_clamped_denoising.png, selection_note.png in AELAB_SCREENSHOT_DIR.
"""

import os
import re
from urllib.parse import parse_qs, urlparse

import pytest
from test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, turn_on_select_mode, wait_until_idle

pytestmark = pytest.mark.e2e


def _open(new_page, app_url, path, heading, width=1400, height=900):
    page = new_page(width, height)
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name=heading).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page


def _slider(page, label):
    return page.locator(f'{MAIN} [data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")


def _link(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_out_of_range_values_are_clamped_and_the_link_follows(new_page, app_url, screenshot_dir):
    page = _open(new_page, app_url, "denoising?sigma=7&digits=-3&seed=-5", "Denoising")
    assert page.locator(MAIN).get_by_role("slider", name="Noise level σ").get_attribute("aria-valuenow") == "1"
    assert int(_slider(page, "Digits").input_value()) == 1
    page.wait_for_function("() => new URLSearchParams(location.search).get('seed') === '0'", timeout=RUN_TIMEOUT_MS)
    # The link no longer carries the values the page could not show (Streamlit writes the bound ones
    # again, clamped, with the next run).
    assert _link(page).get("sigma") == "1" and _link(page).get("digits") in (None, "1")
    full_page_screenshot(page, os.path.join(screenshot_dir, "link_clamped_denoising.png"))

    page = _open(new_page, app_url, "latent_space?tab=interpolate&steps=0&a=-4", "Latent space")
    assert int(_slider(page, "Steps").input_value()) == 2
    page.wait_for_function("() => new URLSearchParams(location.search).get('a') === '0'", timeout=RUN_TIMEOUT_MS)


def test_a_selection_larger_than_the_link_says_so(new_page, app_url, screenshot_dir):
    page = _open(new_page, app_url, "latent_space", "Latent space")
    turn_on_select_mode(page, page.locator(f"{MAIN} .js-plotly-plot").first)
    plot = page.locator(f"{MAIN} .js-plotly-plot .nsewdrag").first
    plot.wait_for(timeout=RUN_TIMEOUT_MS)
    box = plot.bounding_box()
    # A box over most of the AE's plane: thousands of digits.
    page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.05)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.95, box["y"] + box["height"] * 0.95, steps=5)
    page.mouse.up()
    note = page.locator(MAIN).get_by_text(re.compile(r"The page's link carries the first 200 of the [\d,]+ selected"))
    note.first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert len(_link(page)["rows"].split(",")) == 200
    full_page_screenshot(page, os.path.join(screenshot_dir, "selection_note.png"))
