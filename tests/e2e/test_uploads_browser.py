"""Odd uploads through a real browser: the uploader lets them through and the page explains.

The file chooser filters by name ending only, so a text file named .png reaches
the server; what happens next must be a sentence, not a traceback.
Screenshots: upload_not_an_image.png, upload_animated_gif.png.
"""

import io
import os

import pytest
from PIL import Image

from tests.e2e.test_browser import RUN_TIMEOUT_MS, full_page_screenshot, open_page, wait_until_idle
from tests.unit import test_bad_uploads as files

pytestmark = pytest.mark.e2e


def _one_pixel_png():
    out = io.BytesIO()
    Image.new("RGB", (1, 1), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def upload(page, name, data, mime):
    page.get_by_role("tab", name="Your own photo").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    # The upload starts a rerun: the caller waits for what it says.


@pytest.mark.parametrize(
    "name, data, mime, alert, words, shot",
    [
        ("homework.png", files.text_file(), "image/png", "stAlertContentError", "not an image", "upload_not_an_image"),
        (
            "animated.gif",
            files.animated("GIF"),
            "image/gif",
            "stAlertContentInfo",
            "only the first one is used",
            "upload_animated_gif",
        ),
        # Over aelab's 10 MB: the browser lets it through (up to 50 MB) so the page can say why.
        (
            "scan.png",
            b"\x89PNG\r\n\x1a\n" + bytes(11 * 2**20),
            "image/png",
            "stAlertContentError",
            "too large: expected at most 10 MB",
            "upload_too_large",
        ),
        ("dot.png", _one_pixel_png(), "image/png", "stAlertContentInfo", "only 1x1 pixels", "upload_one_pixel"),
    ],  # fmt: skip
)
def test_upload_message_in_the_browser(new_page, app_url, screenshot_dir, name, data, mime, alert, words, shot):
    page, errors = open_page(new_page, app_url, "colorization")
    caption = page.get_by_text("Accepted: PNG, JPEG or GIF, at most 10 MB and 25 megapixels")
    assert caption.count() == 1
    upload(page, name, data, mime)
    message = page.locator(f'[data-testid="{alert}"]')
    message.first.wait_for(timeout=RUN_TIMEOUT_MS)  # The upload's rerun has drawn its message ...
    wait_until_idle(page)  # ... and ended.
    assert words in message.first.inner_text()
    full_page_screenshot(page, os.path.join(screenshot_dir, f"{shot}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


@pytest.mark.parametrize("width, height", [(1920, 1080), (390, 844)], ids=["projector", "phone"])
def test_a_photo_is_coloured_at_its_own_size_within_the_column(new_page, app_url, screenshot_dir, width, height):
    import matplotlib.cbook

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:  # A real photo, 512 x 600.
        photo = f.read()
    page, errors = open_page(new_page, app_url, "colorization", width=width, height=height)
    upload(page, "portrait.jpg", photo, "image/jpeg")
    caption = page.get_by_text("at full size (512 × 600)")
    caption.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    picture = page.locator('[data-testid="stMain"] img[alt*="at full size"]')
    box = picture.bounding_box()
    column = page.locator('[data-testid="stMain"] [role="tabpanel"]:visible').bounding_box()
    # Shown whole, never wider than its column (nor than the photo: a phone shrinks it, a projector does not).
    assert box["x"] >= column["x"] - 1 and box["x"] + box["width"] <= column["x"] + column["width"] + 1, (box, column)
    assert box["width"] == pytest.approx(min(512, column["width"]), abs=2), (box, column)
    assert page.get_by_role("button", name="Download at full size (PNG)").count() == 1
    picture.scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(screenshot_dir, f"upload_full_size_{width}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors
