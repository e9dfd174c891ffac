"""Every page with ?lang=zh in a real headless Chromium: Chinese throughout, and the exported PNGs too.

Screenshots (1920x1080 and 390x844) and the downloaded PNGs go to AELAB_SCREENSHOT_DIR as zh_*.png.
"""

import io
import os

import pytest
from PIL import Image
from test_browser import MAIN, RUN_TIMEOUT_MS, charts_settled, full_page_screenshot, wait_until_idle

from aelab import i18n
from tests.app.test_pages import PAGES, URL_PATHS  # {app_pages/x.py: English title, URL path}, from app.py.

pytestmark = pytest.mark.e2e

SIDEBAR = '[data-testid="stSidebarContent"]'
# Text a person reads: the page, the sidebar (navigation included), and what Plotly draws in its SVG.
# Code (commands in backticks) and the language selector, which is the same in both languages, are left out.
VISIBLE_TEXT = """() => {
    const parts = [];
    for (const sel of ['[data-testid="stMain"]', '[data-testid="stSidebarContent"]'])
        for (const e of document.querySelectorAll(sel)) {
            let text = e.innerText;
            for (const skip of e.querySelectorAll('code, .st-key-lang')) text = text.split(skip.innerText).join(' ');
            parts.push(text);
        }
    for (const t of document.querySelectorAll('.js-plotly-plot svg text')) parts.push(t.textContent);
    return parts.join('\\n');
}"""
# Material icons are ligatures: their names are in the DOM as text ("download"), drawn as pictures.
ICON_TEXT = """() => Array.from(document.querySelectorAll('[data-testid="stIconMaterial"], .material-symbols-rounded'))
    .map(e => e.textContent.trim())"""


def url_path(page_file):
    return URL_PATHS[page_file]  # "" for the default page, served at "/"; the Classroom's "class".


def chinese(title):
    with i18n.use("zh"):
        return i18n._(title)


def open_chinese(new_page, app_url, page_file, width, height):
    page = new_page(width, height)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{url_path(page_file)}?lang=zh", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name=chinese(PAGES[page_file])).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    charts_settled(page)
    return page, errors


@pytest.mark.parametrize("page_file", list(PAGES), ids=[url_path(p) or "models" for p in PAGES])
def test_page_in_chinese(new_page, app_url, screenshot_dir, untranslated, page_file):
    name = url_path(page_file) or "models"
    page, errors = open_chinese(new_page, app_url, page_file, 1920, 1080)
    full_page_screenshot(page, os.path.join(screenshot_dir, f"zh_{name}_1920.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors
    text = page.evaluate(VISIBLE_TEXT)
    for icon in set(page.evaluate(ICON_TEXT)):
        text = text.replace(icon, " ")
    assert sum("\u3400" <= c <= "\u9fff" for c in text) > 40, text[:500]
    left = [line for line in text.splitlines() if untranslated(line)]
    assert left == [], left
    # Every page of the navigation, in Chinese; the link keeps the language.
    nav = page.locator('[data-testid="stSidebarNav"]')
    for title in PAGES.values():
        assert nav.get_by_text(chinese(title), exact=True).count() == 1, title
    assert "lang=zh" in page.url

    phone, _ = open_chinese(new_page, app_url, page_file, 390, 844)
    full_page_screenshot(phone, os.path.join(screenshot_dir, f"zh_{name}_390.png"))
    assert phone.locator('[data-testid="stException"]').count() == 0


def _download(page, button_name):
    with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
        page.locator(MAIN).get_by_role("button", name=button_name).first.click()
    return open(info.value.path(), "rb").read()


def test_exported_denoising_png_is_labelled_in_chinese(new_page, app_url, screenshot_dir):
    page_file = "app_pages/denoising.py"
    page, _ = open_chinese(new_page, app_url, page_file, 1920, 1080)
    png = _download(page, chinese("Download these rows (PNG)"))
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.width > 300
    img.save(os.path.join(screenshot_dir, "zh_export_denoising.png"))

    english = new_page(1920, 1080)
    english.goto(f"{app_url}/denoising?lang=en", wait_until="domcontentloaded")
    english.locator(MAIN).get_by_role("heading", name="Denoising").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(english)
    png_en = _download(english, "Download these rows (PNG)")
    # Same digits, same scores: only the labels differ, and they were drawn with glyphs (not boxes).
    assert png_en != png
    Image.open(io.BytesIO(png_en)).save(os.path.join(screenshot_dir, "en_export_denoising.png"))


def test_exported_scatter_png_is_labelled_in_chinese(new_page, app_url, screenshot_dir):
    page, _errors = open_chinese(new_page, app_url, "app_pages/latent_space.py", 1920, 1080)
    png = _download(page, chinese("Download chart (PNG)"))
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.width > 600
    img.save(os.path.join(screenshot_dir, "zh_export_latent_scatter.png"))


def _local_only(route):
    local = route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
    route.continue_() if local else route.abort()


def test_a_chinese_browser_gets_chinese_without_a_link_parameter(chromium, app_url):
    # navigator.language is what st.context.locale reports; the link then carries lang=zh for others.
    ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        page.route("**/*", _local_only)  # Only the local app may be reached.
        page.set_default_timeout(60_000)
        page.goto(f"{app_url}/", wait_until="domcontentloaded")
        page.locator(MAIN).get_by_role("heading", name=chinese("Models")).first.wait_for(timeout=RUN_TIMEOUT_MS)
        wait_until_idle(page)
        page.wait_for_function("() => location.search.includes('lang=zh')", timeout=RUN_TIMEOUT_MS)
    finally:
        ctx.close()
    english = chromium.new_context(locale="en-GB")
    try:
        page = english.new_page()
        page.route("**/*", _local_only)
        page.goto(f"{app_url}/denoising", wait_until="domcontentloaded")
        page.locator(MAIN).get_by_role("heading", name="Denoising").first.wait_for(timeout=RUN_TIMEOUT_MS)
        wait_until_idle(page)
        assert "lang=" not in page.url  # English in an English browser: the link stays as it was.
    finally:
        english.close()
