"""Training through the pool in a real headless Chromium: watch it, stop it, queue behind another tab.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_training_pool_browser.py -q
Screenshots go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots) as pool_*.png.
"""

import os
import re

import pytest
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


def open_models(new_page, app_url, width, height, query="?model=ae"):
    page = new_page(width, height)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{query}", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name="Models").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page, errors


def set_slider(page, label, presses=0, value=None):
    """Moves a slider by keyboard: `presses` steps (negative: left), or until it shows `value`.

    A key press sent while the page reruns can be lost, so a target value is
    approached one checked step at a time.
    """
    slider = page.locator(MAIN).get_by_role("slider", name=label).first
    for _ in range(abs(presses) if value is None else 60):
        now = float(slider.input_value())
        if value is not None and now == value:
            break
        slider.focus()
        page.keyboard.press("ArrowRight" if (presses > 0 if value is None else now < value) else "ArrowLeft")
        wait_until_idle(page)
    if value is not None:
        assert float(slider.input_value()) == value, (label, slider.input_value())


def shoot(page, errors, screenshot_dir, name, full=True):
    charts_settled(page)
    path = os.path.join(screenshot_dir, f"{name}.png")
    if full:
        full_page_screenshot(page, path)
    else:
        page.screenshot(path=path)
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert not errors, f"JavaScript errors: {errors}"


def progress_text(page):
    return page.locator(f'{MAIN} [data-testid="stProgress"]').first.inner_text()


def test_train_watch_the_scatter_redraw_and_stop(new_page, app_url, screenshot_dir):
    page, errors = open_models(new_page, app_url, 1920, 1080, "?model=vae")
    set_slider(page, "Epochs", value=15)  # Long enough to stop in the middle.
    set_slider(page, "Training images", -2)  # 10,000 -> 2,000.
    page.locator(MAIN).get_by_role("button", name="Train", exact=True).click()

    # The steps, then the live progress, loss curve and the scatter of 2,000 test digits, redrawn per epoch.
    page.locator(MAIN).get_by_text("2,000 test digits after epoch 1").wait_for(timeout=TRAIN_TIMEOUT_MS)
    assert page.locator(MAIN).get_by_text(re.compile(r"✓ In the queue → ✓ Loading the data")).count() >= 1
    page.locator(MAIN).get_by_text("2,000 test digits after epoch 2").wait_for(timeout=TRAIN_TIMEOUT_MS)
    assert re.match(r"epoch \d+ of 15, batch \d+ of 16", progress_text(page)), progress_text(page)
    page.locator(f'{MAIN} [data-testid="stExpander"]').first.evaluate(SCROLL_BELOW_HEADER)
    shoot(page, errors, screenshot_dir, "pool_training_live_1920", full=False)

    page.locator(MAIN).get_by_role("button", name="Stop training").click()
    # Between two epochs the page says "(stopped early)"; during one, which epoch the Stop cut short.
    stopped = r"Trained \d+ epochs? (in .*\(stopped early\)|\(stopped during epoch \d+\) in)"
    page.locator(MAIN).get_by_text(re.compile(stopped)).wait_for(timeout=TRAIN_TIMEOUT_MS)
    wait_until_idle(page)
    done = page.locator(f'{MAIN} [data-testid="stAlertContentSuccess"]').first.inner_text()
    epochs = int(re.search(r"Trained (\d+) epoch", done).group(1))
    assert 2 <= epochs < 15 and "scored on 1,000 test digits" in done
    assert page.locator(MAIN).get_by_text("How the latent space formed").count() == 1
    shoot(page, errors, screenshot_dir, "pool_training_stopped_1920")


@pytest.mark.skipif((os.cpu_count() or 1) > 2, reason="the app's pool has room for more than one job here")
def test_a_second_tab_waits_its_turn_and_starts_when_the_first_tab_closes(new_page, app_url, screenshot_dir):
    first, first_errors = open_models(new_page, app_url, 1920, 1080)
    set_slider(first, "Epochs", value=30)  # It would hold the worker for minutes.
    set_slider(first, "Training images", -2)
    first.locator(MAIN).get_by_role("button", name="Train", exact=True).click()
    first.locator(MAIN).get_by_text("2,000 test digits after epoch 1").wait_for(timeout=TRAIN_TIMEOUT_MS)

    phone, errors = open_models(new_page, app_url, 390, 844)
    set_slider(phone, "Epochs", value=2)
    set_slider(phone, "Training images", -3)  # 1,000 images.
    phone.locator(MAIN).get_by_role("button", name="Train", exact=True).click()
    queue = phone.locator(MAIN).get_by_text("place 1 in the queue")
    queue.wait_for(timeout=RUN_TIMEOUT_MS)
    assert "Estimated start: in" in phone.locator(f'{MAIN} [data-testid="stAlertContentInfo"]').first.inner_text()
    assert phone.locator(MAIN).get_by_role("button", name="Leave the queue").count() == 1
    queue.evaluate(SCROLL_BELOW_HEADER)
    shoot(phone, errors, screenshot_dir, "pool_queue_390", full=False)

    # The first student closes the tab: the pool stops that job, and the waiting one starts.
    first.context.close()
    # The epoch-1 scatter's title is in the page (on a phone Plotly may keep that <tspan> "hidden" while the
    # chart re-lays itself out), then the finished run is said in words.
    phone.locator(MAIN).get_by_text("2,000 test digits after epoch 1").wait_for(
        state="attached", timeout=TRAIN_TIMEOUT_MS
    )
    phone.locator(MAIN).get_by_text("Trained 2 epochs in").wait_for(timeout=TRAIN_TIMEOUT_MS)
    wait_until_idle(phone)
    shoot(phone, errors, screenshot_dir, "pool_queue_done_390")
