"""The teaching features of Models, Manifold and Denoising in a real headless Chromium.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_teaching_browser.py -q
Screenshots go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots) as teach_*.png.
"""

import io
import os
import urllib.parse

import pytest
from PIL import Image
from playwright.sync_api import expect
from test_browser import (
    MAIN,
    RUN_TIMEOUT_MS,
    SCROLL_BELOW_HEADER,
    charts_settled,
    full_page_screenshot,
    wait_until_idle,
)

pytestmark = pytest.mark.e2e

TRAIN_TIMEOUT_MS = 240_000


def goto(new_page, app_url, path, title, width=1400, height=900):
    """Opens a link (path and query string) in a fresh session and waits for the page to settle."""
    page = new_page(width, height)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name=title).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page, errors


def shoot(page, errors, screenshot_dir, name):
    charts_settled(page)
    full_page_screenshot(page, os.path.join(screenshot_dir, f"{name}.png"))
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert not errors, f"JavaScript errors: {errors}"


def query(page):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def download(page, click):
    with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
        click()
    with open(info.value.path(), "rb") as f:
        return info.value.suggested_filename, f.read()


def modebar_png(page, chart):
    """Clicks a Plotly chart's camera button; returns the PNG it downloads."""
    chart.hover()
    button = chart.locator('.modebar-btn[data-title="Download plot as a PNG"]').first
    button.wait_for(timeout=RUN_TIMEOUT_MS)
    return download(page, button.click)


def slider_value(page, label):
    return float(page.locator(MAIN).get_by_role("slider", name=label).first.input_value())


def test_denoising_link_robustness_chart_and_png_exports(new_page, app_url, screenshot_dir):
    page, errors = goto(new_page, app_url, "denoising?noise=salt_pepper&sigma=0.3&digits=4&seed=2", "Denoising")
    # The link set the widgets...
    sigma = page.locator(MAIN).get_by_role("slider", name="Noise level σ")  # The scrubber (app_pages/_scrubber.py).
    assert sigma.get_attribute("aria-valuenow") == "0.3" and slider_value(page, "Digits") == 4
    assert page.locator(MAIN).get_by_role("combobox", name="Noise kind").input_value() == "Salt and pepper"
    assert query(page) == {"noise": "salt_pepper", "sigma": "0.3", "digits": "4", "seed": "2"}
    # ...and the robustness chart shows two panels with two lines each, marked at σ 0.3.
    chart = page.locator(f"{MAIN} .js-plotly-plot").first
    chart.locator("g.scatterlayer .trace").nth(3).wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    assert chart.locator("g.scatterlayer .trace").count() == 4
    assert chart.get_by_text("σ = 0.30").count() == 1
    shoot(page, errors, screenshot_dir, "teach_denoising_link")

    # A settled slider move goes into the address bar (and moves the marker).
    slider = page.locator(MAIN).get_by_role("slider", name="Noise level σ")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('sigma=0.35')", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    chart.get_by_text("σ = 0.35").wait_for(timeout=RUN_TIMEOUT_MS)

    # The rows as one labelled PNG, and the chart through Plotly's camera button.
    name, png = download(page, page.locator(MAIN).get_by_role("button", name="Download these rows (PNG)").click)
    rows = Image.open(io.BytesIO(png))
    assert name == "denoising_salt_pepper_sigma0.35_seed2.png" and rows.format == "PNG"
    assert rows.height > 4 * 112 and rows.width > 3 * 112
    rows.save(os.path.join(screenshot_dir, "teach_denoising_rows_download.png"))
    name, png = modebar_png(page, chart)
    picture = Image.open(io.BytesIO(png))
    assert name == "denoising_robustness_salt_pepper.png" and picture.format == "PNG"
    assert picture.width >= 2 * 500  # drawn at scale 2 for slides
    picture.save(os.path.join(screenshot_dir, "teach_denoising_robustness_download.png"))


def test_manifold_link_opens_that_point(new_page, app_url, screenshot_dir):
    page, errors = goto(new_page, app_url, "manifold?model=vae&grid=12&z0=-2,2&z1=-2,2&pick=1.5,-1", "Manifold")
    assert slider_value(page, "Pick z0") == 1.5 and slider_value(page, "Pick z1") == -1.0
    assert slider_value(page, "Grid size (digits per side)") == 12
    page.locator(MAIN).get_by_text("decoded from z = (1.5, -1.0)").wait_for(timeout=RUN_TIMEOUT_MS)
    shoot(page, errors, screenshot_dir, "teach_manifold_link")
    name, png = modebar_png(page, page.locator(f"{MAIN} .js-plotly-plot").first)
    assert name == "manifold_vae2d_12x12_with_axes.png" and Image.open(io.BytesIO(png)).format == "PNG"
    Image.open(io.BytesIO(png)).save(os.path.join(screenshot_dir, "teach_manifold_download.png"))


def test_training_draws_the_latent_scatter_every_epoch(new_page, app_url, screenshot_dir):
    page, errors = goto(new_page, app_url, "?model=ae", "Models")
    # Three epochs on 5,000 images: a few seconds each here, and the digits start to part.
    epochs = page.locator(MAIN).get_by_role("slider", name="Epochs")
    epochs.focus()
    for _ in range(2):
        page.keyboard.press("ArrowLeft")
    wait_until_idle(page)
    page.locator(MAIN).get_by_role("slider", name="Training images").focus()
    page.keyboard.press("ArrowLeft")
    wait_until_idle(page)
    assert slider_value(page, "Epochs") == 3
    page.locator(MAIN).get_by_role("button", name="Train", exact=True).click()

    # While it trains: the loss curve and the scatter of the same 2,000 test digits, redrawn per epoch.
    live = page.locator(MAIN).get_by_text("2,000 test digits after epoch 1")
    live.wait_for(timeout=TRAIN_TIMEOUT_MS)
    page.locator(f'{MAIN} [data-testid="stExpander"]').first.evaluate(SCROLL_BELOW_HEADER)
    page.wait_for_timeout(500)
    page.screenshot(path=os.path.join(screenshot_dir, "teach_training_live.png"))
    page.locator(MAIN).get_by_text("How the latent space formed").wait_for(timeout=TRAIN_TIMEOUT_MS)
    wait_until_idle(page)
    # The replay scrubber writes its stop's note in the browser, once its atlas has been drawn: wait for it.
    expect(page.locator(MAIN).get_by_text("2,000 test digits after epoch 3")).to_have_count(1)
    shoot(page, errors, screenshot_dir, "teach_training_replay")

    # Back to the untrained model's codes with the replay slider.
    replay = page.locator(MAIN).get_by_role("slider", name="Epoch shown")
    replay.focus()
    page.keyboard.press("Home")
    page.locator(MAIN).get_by_text("2,000 test digits before training").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    shoot(page, errors, screenshot_dir, "teach_training_replay_epoch0")


def test_latent_space_link_opens_the_vae_tab_with_a_selection(new_page, app_url, screenshot_dir):
    link = "latent_space?tab=vae&rows=3,10,13,25,61&scale=20&samples=6&prior_seed=42"
    page, errors = goto(new_page, app_url, link, "Latent space")
    assert page.get_by_role("tab", name="VAE: uncertainty and sampling").get_attribute("aria-selected") == "true"
    page.locator(MAIN).get_by_text("Posterior σ of the 5 digits drawn").wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(MAIN).get_by_text("6 points from N(0, I), decoded (seed 42)").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    shoot(page, errors, screenshot_dir, "teach_latent_link")
    assert query(page) == {"tab": "vae", "rows": "3,10,13,25,61", "scale": "20", "samples": "6", "prior_seed": "42"}
