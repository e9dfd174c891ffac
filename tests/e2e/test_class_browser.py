"""A class in real headless Chromium: a teacher at 1920x1080 and three phones (390x844, touch).

The teacher starts a class; the phones join by the link, draw a digit on the pad, choose it and send
it; the teacher's page shows the count and the points without the teacher doing anything; the teacher
hides one; a phone has no moderation controls; a phone follows the teacher's pin; a wrong code gets its message.
Screenshots: class_teacher_projector.png (what the back of the room sees), class_teacher.png, class_phone.png.
"""

import os
import re

import pytest
from playwright.sync_api import expect
from test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle

pytestmark = pytest.mark.e2e

LIVE_MS = 15_000  # A sent digit or a pin must reach an idle page well within this (news is asked every 0.3 s).


def open_class(new_page, app_url, query="", **size):
    page = new_page(**size)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/class{query}", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name="Classroom").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page, errors


def draw_stroke(page):
    """Draws a "7" on the pad: a bar across the top, then a stroke down to the lower left (pointer events)."""
    canvas = page.locator(f"{MAIN} canvas[aria-label^='Drawing pad']")
    canvas.wait_for(timeout=RUN_TIMEOUT_MS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0, s = box["x"], box["y"], box["width"] / 280
    page.mouse.move(x0 + 70 * s, y0 + 60 * s)
    page.mouse.down()
    page.mouse.move(x0 + 200 * s, y0 + 60 * s, steps=10)
    page.mouse.move(x0 + 110 * s, y0 + 230 * s, steps=12)
    page.mouse.up()
    wait_until_idle(page)


def draw_and_send(page, digit):
    draw_stroke(page)
    page.locator(f'{MAIN} [data-testid="stButtonGroup"]').get_by_role("radio", name=str(digit), exact=True).click()
    wait_until_idle(page)
    page.locator(MAIN).get_by_role("button", name="Send", exact=True).click()
    page.locator(MAIN).get_by_text(f"Sent: your {digit}").wait_for(timeout=RUN_TIMEOUT_MS)


def hide_first(page):
    """Puts the first drawing in the teacher's Hidden drawings (a rerun may close the list: open it again)."""
    combo = page.locator(MAIN).get_by_role("combobox", name="Hidden drawings")
    for _attempt in range(5):
        wait_until_idle(page)
        combo.click()
        option = page.get_by_role("option", name=re.compile(r"^#\d+")).first  # Not "Select all".
        try:
            option.wait_for(timeout=5_000)
            option.click()
            page.keyboard.press("Escape")  # The choice is sent when the list closes.
            return
        except Exception:  # noqa: BLE001 - closed by a rerun; try again unless it was chosen
            page.keyboard.press("Escape")
            if page.locator(f'{MAIN} [data-testid="stMultiSelect"] [data-baseweb="tag"]').count():
                return
    raise AssertionError("the Hidden drawings list never opened")


def count(page, n):
    return page.locator(MAIN).get_by_role("heading", name=re.compile(rf"^{n} digits? from {n} students?"))


def test_a_class_with_three_phones(new_page, app_url, screenshot_dir):
    teacher, teacher_errors = open_class(new_page, app_url, width=1920, height=1080)
    teacher.locator(MAIN).get_by_role("button", name="Start a class").click()
    code_box = teacher.locator(f"{MAIN} .aelab-class-code")
    code_box.wait_for(timeout=RUN_TIMEOUT_MS)
    code = code_box.inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6,}", code), code
    count(teacher, 0).wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(teacher)
    teacher.wait_for_timeout(500)
    teacher.screenshot(path=os.path.join(screenshot_dir, "class_teacher_projector.png"))
    qr = teacher.locator(f'{MAIN} [data-testid="stImage"] img').first
    assert qr.bounding_box()["width"] >= 300  # Scannable from a few rows back.
    assert teacher.locator(MAIN).get_by_text("Teacher link (keep it to yourself)").count() == 1

    phones = []
    for _ in range(3):
        phone, errors = open_class(new_page, app_url, f"?join={code}", width=390, height=844, has_touch=True)
        phone.locator(MAIN).get_by_text(f"You are in class {code}").wait_for(timeout=RUN_TIMEOUT_MS)
        phones.append((phone, errors))
    for phone, _errors in phones:
        draw_and_send(phone, 7)

    count(teacher, 3).wait_for(timeout=LIVE_MS)  # The teacher did nothing: the page polled.
    wait_until_idle(teacher)
    charts = teacher.locator(f"{MAIN} .js-plotly-plot")
    expect(charts).to_have_count(2)
    for i in range(2):
        assert "7" in charts.nth(i).locator(".legendtext").all_text_contents()  # The class's 7s,
        expect(charts.nth(i).locator(".scatterlayer path.point")).to_have_count(3)  # as three points.
    expect(teacher.locator(f"{MAIN} .aelab-class-wall figure")).to_have_count(3)

    phone, _errors = phones[0]
    assert phone.locator(MAIN).get_by_role("button", name="Clear the class's digits").count() == 0
    assert phone.locator(MAIN).get_by_text("Moderate: hide, clear, close").count() == 0
    assert phone.locator(MAIN).get_by_text("Teacher link").count() == 0
    phone.locator(MAIN).get_by_text("you meant 7").first.wait_for()
    full_page_screenshot(phone, os.path.join(screenshot_dir, "class_phone.png"))

    teacher.locator(MAIN).get_by_text("Moderate: hide, clear, close").click()
    hide_first(teacher)
    try:
        count(teacher, 2).wait_for(timeout=RUN_TIMEOUT_MS)
    except Exception:
        full_page_screenshot(teacher, os.path.join(screenshot_dir, "class_teacher_failed.png"))
        raise
    wait_until_idle(teacher)
    expect(teacher.locator(f"{MAIN} .aelab-class-wall figure")).to_have_count(2)
    full_page_screenshot(teacher, os.path.join(screenshot_dir, "class_teacher.png"))

    # A phone follows the teacher; the teacher pins a point; the phone shows it without being touched.
    follower, _errors = phones[1]
    follower.locator(MAIN).get_by_text("Follow the teacher").click()
    follower.locator(MAIN).get_by_text("has not pinned a point yet").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(follower)
    teacher.locator(MAIN).get_by_text("Pin a point for the class").click()
    for name, value in (("z0", "1.5"), ("z1", "-0.5")):
        field = teacher.locator(MAIN).get_by_role("spinbutton", name=name)
        field.fill(value)
        field.press("Tab")
    teacher.locator(MAIN).get_by_role("button", name="Pin for the class").click()
    follower.locator(MAIN).get_by_text("AE at (1.50, -0.50)").wait_for(timeout=LIVE_MS)
    # It waited on the class's news file (a static file), not on a rerun per poll.
    assert follower.evaluate("() => document.querySelector('.aelab-news').__news.polls") > 0
    wait_until_idle(follower)
    # The map's legend: its one entry, "the teacher's pin", under no "digit" title (nothing else is drawn).
    expect(follower.locator(f"{MAIN} .legend")).to_contain_text("the teacher's pin")
    expect(follower.locator(f"{MAIN} .legend .legendtitletext")).to_have_count(0)
    full_page_screenshot(follower, os.path.join(screenshot_dir, "class_follower_pin.png"))

    stranger, stranger_errors = open_class(new_page, app_url, "?join=ZZZZZZ", width=390, height=844, has_touch=True)
    stranger.locator(MAIN).get_by_text("There is no class with the code ZZZZZZ").wait_for(timeout=RUN_TIMEOUT_MS)

    for page in [teacher, stranger] + [p for p, _e in phones]:
        exceptions = page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, exceptions.first.inner_text()
    assert not teacher_errors and not stranger_errors and not any(e for _p, e in phones)


def test_a_send_pressed_right_before_the_next_stroke_is_kept(new_page, app_url):
    """A student presses Send and starts the next digit at once: the digit is stored all the same.

    Send stores the digit in its callback (app_pages/class_page.py, `press_send`), before the page's script
    runs, where the stroke's rerun cannot stop it. When the store was written from the script, a rerun that
    arrived early in the press's run could stop it before the store; here that window is a few ms, so the
    old code passed this test too: it guards the callback's behaviour, the race needs a loaded server.
    """
    teacher, teacher_errors = open_class(new_page, app_url, width=1280, height=720)
    teacher.locator(MAIN).get_by_role("button", name="Start a class").click()
    code_box = teacher.locator(f"{MAIN} .aelab-class-code")
    code_box.wait_for(timeout=RUN_TIMEOUT_MS)
    code = code_box.inner_text().strip()
    phone, errors = open_class(new_page, app_url, f"?join={code}", width=390, height=844, has_touch=True)
    phone.locator(MAIN).get_by_text(f"You are in class {code}").wait_for(timeout=RUN_TIMEOUT_MS)
    draw_stroke(phone)
    phone.locator(f'{MAIN} [data-testid="stButtonGroup"]').get_by_role("radio", name="7", exact=True).click()
    wait_until_idle(phone)
    phone.locator(MAIN).get_by_role("button", name="Send", exact=True).click()
    draw_stroke(phone)  # At once: the next digit, while the press's run may still be going.
    count(teacher, 1).wait_for(timeout=LIVE_MS)
    phone.locator(MAIN).get_by_text("you meant 7").wait_for(timeout=RUN_TIMEOUT_MS)  # Under "Your digits".
    for page in (teacher, phone):
        assert page.locator('[data-testid="stException"]').count() == 0
    assert not teacher_errors and not errors
