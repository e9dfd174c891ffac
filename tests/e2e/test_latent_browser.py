"""The Latent space page's teaching features in a real headless Chromium.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_latent_browser.py -q
Screenshots go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots) as latent_*.png.
"""

import io
import os

import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from test_browser import (
    DOCS_DIR,
    MAIN,
    RUN_TIMEOUT_MS,
    SCROLL_BELOW_HEADER,
    charts_settled,
    full_page_screenshot,
    open_page,
    turn_on_select_mode,
    wait_until_idle,
)

from aelab.data import pen_digits

pytestmark = pytest.mark.e2e


def shoot(page, screenshot_dir, name):
    charts_settled(page)
    full_page_screenshot(page, os.path.join(screenshot_dir, f"{name}.png"))
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()


def open_tab(page, name):
    page.get_by_role("tab", name=name).click()
    wait_until_idle(page)


def charts(page):
    return page.locator(f"{MAIN} .js-plotly-plot")


def box_select(page, chart, fraction=0.12):
    """Drags a box around the middle of a chart, as a teacher would with the mouse (select mode first)."""
    turn_on_select_mode(page, chart)
    drag = chart.locator(".nsewdrag").first
    box = drag.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    dx, dy = box["width"] * fraction, box["height"] * fraction
    page.mouse.move(cx - dx, cy - dy)
    page.mouse.down()
    page.mouse.move(cx, cy, steps=5)
    page.mouse.move(cx + dx, cy + dy, steps=5)
    page.mouse.up()


def download(page, locator):
    with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
        locator.click()
    path = info.value.path()
    with open(path, "rb") as f:
        return info.value.suggested_filename, f.read()


def legend_names(chart):
    return chart.locator(".legendtext").all_text_contents()  # SVG text has no innerText


def test_linked_selection_and_scatter_png(new_page, app_url, screenshot_dir):
    page, errors = open_page(new_page, app_url, "latent_space")
    charts(page).nth(1).locator(".nsewdrag").first.wait_for(timeout=RUN_TIMEOUT_MS)
    box_select(page, charts(page).nth(1))  # on the VAE chart
    # The bold line above each model's mosaic (the charts' words for screen readers say it too, off screen).
    selected = page.locator(f"{MAIN} [data-testid='stMarkdownContainer'] strong", has_text="digits selected")
    selected.nth(1).wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    expect(selected).to_have_count(2)  # the AE column shows them too
    # The AE's chart rings the same digits; the VAE's shows the box it was given (Plotly's own
    # selection, its figure unchanged: only one chart is redrawn).
    charts(page).nth(0).locator(".legendtext", has_text="selected").wait_for(timeout=RUN_TIMEOUT_MS)
    assert "selected" not in legend_names(charts(page).nth(1))
    assert charts(page).nth(1).locator(".selectionlayer path").count() > 0
    shoot(page, screenshot_dir, "latent_explore_linked")

    name, png = download(page, page.locator(MAIN).get_by_role("button", name="Download chart (PNG)").first)
    img = Image.open(io.BytesIO(png))
    assert name == "latent_ae.png" and img.format == "PNG" and img.size == (1200, 1000)
    img.save(os.path.join(screenshot_dir, "latent_explore_download_ae.png"))
    assert not errors, errors


def test_draw_a_digit_and_see_where_it_lands(new_page, app_url, screenshot_dir):
    """The out-of-MNIST evaluation's scripted pen (aelab.data.pen_digits) writes a 7 on the pad: the pad shows
    what the evaluation's renderer draws, and the page says where it landed."""
    page, errors = open_page(new_page, app_url, "latent_space")
    open_tab(page, "Your digit")
    canvas = page.locator(f"{MAIN} canvas[aria-label^='Drawing pad']")
    canvas.wait_for(timeout=RUN_TIMEOUT_MS)
    box = canvas.bounding_box()
    x0, y0, s = box["x"], box["y"], box["width"] / pen_digits.CANVAS
    (line,) = pen_digits.strokes(7, template=0, speed="slow", seed=0)  # One stroke: a bar, then down.
    page.mouse.move(x0 + line[0, 0] * s, y0 + line[0, 1] * s)
    page.mouse.down()
    for x, y in line[1:]:
        page.mouse.move(x0 + x * s, y0 + y * s, steps=2)
    page.mouse.up()
    page.locator(MAIN).get_by_text("Landed among").nth(1).wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    expect(page.locator(MAIN).get_by_text("what the models see")).to_have_count(1)
    for i in range(2):
        assert "your digit" in legend_names(charts(page).nth(i))
    shoot(page, screenshot_dir, "latent_your_digit")
    # The drawing stays on the pad after the rerun, and it is the evaluation's digit (26-px pen, round caps).
    size = (pen_digits.CANVAS,) * 2
    pad = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("L").resize(size)) > 128
    ours = pen_digits.render(7, template=0, pen=26, speed="slow", seed=0) > 128
    assert (pad & ours).sum() / (pad | ours).sum() > 0.8, "the pad and pen_digits.render draw different digits"
    assert not errors, errors


def marker_photo():
    """A 1,200 x 900 JPEG of a 4 written with a thick marker (a stroke a fifth of its height) on paper lit from one side."""
    yy, xx = np.mgrid[:900, :1200].astype("float32")
    paper = 0.93 - 0.25 * xx / 1200
    ink = Image.new("L", (1200, 900), 0)
    pen = ImageDraw.Draw(ink)
    pen.line([(580, 300), (510, 520), (720, 520)], fill=255, width=80, joint="curve")
    pen.line([(660, 340), (650, 640)], fill=255, width=80)
    photo = paper * (1 - 0.8 * np.asarray(ink, "float32") / 255)
    out = io.BytesIO()
    Image.fromarray(np.round(photo * 255).astype("uint8")).save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_a_marker_photo_is_thinned_and_the_page_says_so(new_page, app_url, screenshot_dir):
    """A digit written with a marker is thinned to MNIST's pen before the models read it, and the page says so."""
    page, errors = open_page(new_page, app_url, "latent_space", width=1280, height=720)
    open_tab(page, "Your digit")
    page.locator(MAIN).get_by_role("radio", name="Upload").or_(
        page.locator(MAIN).get_by_role("button", name="Upload")
    ).first.click()
    dropzone = page.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]')
    dropzone.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    dropzone.set_input_files({"name": "marker.jpg", "mimeType": "image/jpeg", "buffer": marker_photo()})
    note = page.locator(MAIN).get_by_text("thinned to its width for the models")
    note.wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(MAIN).get_by_text("Landed among").nth(1).wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    shoot(page, screenshot_dir, "latent_marker_photo")
    assert not errors, errors


def test_interpolation_strips_and_gif(new_page, app_url, screenshot_dir):
    page, errors = open_page(new_page, app_url, "latent_space")
    open_tab(page, "Interpolate")
    page.locator(MAIN).get_by_text("VAE: A → B in 10 steps").wait_for(timeout=RUN_TIMEOUT_MS)
    for i in range(2):  # Short; its hover says "path A → B, 10 steps". Waited for: Plotly draws it after the caption.
        expect(charts(page).nth(i).locator(".legendtext", has_text="path")).to_have_count(1)
    shoot(page, screenshot_dir, "latent_interpolate")
    if os.environ.get("AELAB_DOCS_SCREENSHOTS") == "1":  # The README's picture of the teaching features.
        page.set_viewport_size({"width": 1280, "height": 1150})  # Both charts and both strips.
        page.wait_for_timeout(1000)
        page.locator(MAIN).get_by_role("heading", name="AE", exact=True).evaluate(SCROLL_BELOW_HEADER)
        page.wait_for_timeout(500)
        page.screenshot(path=os.path.join(DOCS_DIR, "latent_interpolate.png"))
    name, gif = download(page, page.locator(MAIN).get_by_role("button", name="VAE animation (GIF)"))
    img = Image.open(io.BytesIO(gif))
    assert name == "interpolation_vae_3_to_2_10steps.gif" and img.format == "GIF" and img.n_frames == 18
    name, png = download(page, page.locator(MAIN).get_by_role("button", name="VAE strip (PNG)"))
    assert Image.open(io.BytesIO(png)).size == ((10 * 30 - 2) * 3, 84)
    assert not errors, errors


def test_vae_ellipses_and_prior_samples(new_page, app_url, screenshot_dir):
    page, errors = open_page(new_page, app_url, "latent_space")
    open_tab(page, "VAE: uncertainty and sampling")
    page.locator(MAIN).get_by_role("button", name="Sample from the prior").click()
    page.locator(MAIN).get_by_text("points from N(0, I), decoded").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    box_select(page, charts(page).first, fraction=0.05)
    page.locator(MAIN).get_by_text("Posterior σ of the").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    names = legend_names(charts(page).first)
    assert {"prior samples", "q(z|x) 1σ ×10", "q(z|x) 2σ ×10"} <= set(names), names
    shoot(page, screenshot_dir, "latent_vae_uncertainty")
    assert not errors, errors
