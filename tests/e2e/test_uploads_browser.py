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
