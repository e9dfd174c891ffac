"""Keyboard only, in a real headless Chromium (WCAG 2.1.1): select digits, draw, pin, train; charts said in words.

Each control is reached by Tab or focused once, then worked by keys alone: no click, no drag.
The words for screen readers (the polite live regions of aelab.figures.describe) must follow.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_keyboard_browser.py -q
Screenshots of the focus rings go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots) as keyboard_*.png.
"""

import os
import re

import pytest
from test_browser import MAIN, RUN_TIMEOUT_MS, wait_until_idle
from test_training_pool_browser import set_slider

pytestmark = pytest.mark.e2e

# The element with focus, through open shadow roots (components v2 draw inside one).
ACTIVE = "() => { let e = document.activeElement; while (e && e.shadowRoot && e.shadowRoot.activeElement) " \
    "e = e.shadowRoot.activeElement; return e; }"  # fmt: skip
PAD = "canvas[aria-label^='Drawing pad']"


def open_page(new_page, app_url, path, heading):
    page = new_page(1280, 720)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name=heading).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page, errors


def active(page, expr):
    """Evaluates `expr` with `e` the element that has focus."""
    return page.evaluate(f"() => {{ const e = ({ACTIVE})(); return {expr}; }}")


def tab_to(page, test, most=40):
    """Presses Tab until `test` (JavaScript over `e`, the focused element) holds; fails if it never does."""
    for _ in range(most):
        if active(page, test):
            return
        page.keyboard.press("Tab")
    assert active(page, test), f"Tab never reached {test}"


def focus_ring(page):
    return active(page, "getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")


def shoot(page, screenshot_dir, name):
    page.screenshot(path=os.path.join(screenshot_dir, f"keyboard_{name}.png"))


def described(page, n=0):
    return page.locator(f"{MAIN} .aelab-described").nth(n).text_content()


def test_select_digits_of_a_class_by_keyboard(new_page, app_url, screenshot_dir):
    page, errors = open_page(new_page, app_url, "latent_space", "Latent space")
    before = described(page)
    assert "MNIST test digits: " in before and "No digits selected." in before
    page.locator(MAIN).get_by_role("switch").first.focus()
    tab_to(page, "e.tagName === 'SUMMARY'")  # the expander that selects without dragging
    page.keyboard.press("Enter")
    tab_to(page, "e.getAttribute('role') === 'radio'")  # the chart whose region: AE
    tab_to(page, "e.getAttribute('role') === 'combobox'")  # the classes
    # A select's ring is drawn around a box that holds the focused input (app_pages/_style.py).
    ringed = "(() => { for (let a = e; a; a = a.parentElement) if (getComputedStyle(a).outlineStyle === 'solid') " \
        "return getComputedStyle(a).outlineWidth; return null; })()"  # fmt: skip
    assert active(page, ringed) == "3px"
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_until_idle(page)
    shoot(page, screenshot_dir, "select_classes_1280")
    tab_to(page, "e.tagName === 'BUTTON' && e.innerText.startsWith('Select these')")
    assert focus_ring(page).startswith("solid 3px")
    label = active(page, "e.innerText")
    n = int(re.search(r"Select these ([\d,]+) digits", label).group(1).replace(",", ""))
    page.keyboard.press("Enter")
    page.locator(MAIN).get_by_text(re.compile(rf"{n:,} digits selected|{n} digits selected")).first.wait_for()
    wait_until_idle(page)
    after = described(page)
    assert after != before and f"{n:,} digits selected: {n:,} × 7." in after
    assert page.locator(f"{MAIN} .aelab-described[aria-live='polite']").count() == 2
    assert not errors


def test_draw_a_digit_by_keyboard_and_leave_the_pad(new_page, app_url, screenshot_dir):
    page, errors = open_page(new_page, app_url, "latent_space?tab=digit", "Latent space")
    caption = page.locator(MAIN).get_by_text("Or choose Upload above")
    assert caption.count() == 1  # the upload route, named beside the pad
    page.locator(MAIN).get_by_role("radio", name="Draw").focus()
    tab_to(page, "e.tagName === 'CANVAS'")
    page.locator(PAD).wait_for()
    assert focus_ring(page) == "solid 3px"
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Space")  # pen down
    for _ in range(12):
        page.keyboard.press("ArrowDown")  # a "1", 120 px long
    shoot(page, screenshot_dir, "pad_focused_1280")
    page.keyboard.press("Enter")
    page.locator(MAIN).get_by_text(re.compile(r"Landed among \*?\*?\d")).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    # No focus trap: Tab goes on to the pad's Clear button, then out of the pad.
    page.locator(PAD).focus()
    page.keyboard.press("Tab")
    assert active(page, "e.tagName === 'BUTTON' && e.innerText === 'Clear'")
    page.keyboard.press("Tab")
    assert active(page, "!e.closest || !e.closest('.pad')")
    assert not errors


def test_pin_on_the_navigator_by_keyboard_is_said_politely(new_page, app_url, screenshot_dir):
    page, errors = open_page(new_page, app_url, "latent_space?tab=navigate", "Latent space")
    plane = page.locator("canvas.plane[aria-label^='VAE']")
    plane.wait_for(timeout=RUN_TIMEOUT_MS)
    words = page.locator(".nav[aria-label^='VAE'] .described")
    page.wait_for_function("e => e.textContent.includes('lie')", arg=words.element_handle(), timeout=RUN_TIMEOUT_MS)
    assert "Nothing pinned yet." in words.text_content() and words.get_attribute("aria-live") == "polite"
    assert page.locator(".nav[aria-label^='VAE'] .legend li").all_text_contents() == [str(d) for d in range(10)]
    page.locator(".nav[aria-label^='AE'] canvas.plane").focus()
    tab_to(page, "e.tagName === 'CANVAS' && e.getAttribute('aria-label').startsWith('VAE')")
    assert active(page, "getComputedStyle(e).boxShadow") != "none"  # the plane's own focus ring
    for key in ("ArrowRight", "ArrowRight", "ArrowUp"):
        page.keyboard.press(key)
    shoot(page, screenshot_dir, "navigator_focused_1280")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "e => e.textContent.includes('Pinned point: decoded from')", arg=words.element_handle(), timeout=RUN_TIMEOUT_MS
    )
    assert re.search(r"looks like a \d \(\d+ of the 10 nearest", words.text_content())
    assert page.get_by_role("img", name=re.compile(r"^decoded from \(.*\): looks like a \d")).count() >= 1
    assert not errors


def test_start_and_stop_a_training_by_keyboard(new_page, app_url):
    page, errors = open_page(new_page, app_url, "?model=ae", "Models")
    set_slider(page, "Epochs", value=15)  # by arrow keys; 15 short epochs of 1,000 images: time to stop one
    set_slider(page, "Training images", -3)
    tab_to(page, "e.tagName === 'BUTTON' && e.innerText === 'Train'")
    assert focus_ring(page).startswith("solid 3px")
    page.keyboard.press("Enter")
    stop = page.locator(MAIN).get_by_role("button", name="Stop training")
    stop.wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(MAIN).get_by_text(re.compile(r"after epoch 1\b")).first.wait_for(timeout=240_000)
    stop.focus()
    page.keyboard.press("Enter")
    stopped = r"Trained \d+ epochs? (in .*\(stopped early\)|\(stopped during epoch \d+\) in)"
    page.locator(MAIN).get_by_text(re.compile(stopped)).wait_for(timeout=240_000)
    assert not errors
