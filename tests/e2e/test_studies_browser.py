"""The Variants and Studies pages in a real headless Chromium against `streamlit run app.py`.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_studies_browser.py -q
Screenshots: variants.png, studies_<tab>.png, studies_quick_rerun.png in AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots);
with AELAB_DOCS_SCREENSHOTS=1 also docs/variants.png and docs/studies.png at 1280x800.
"""

import os
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from test_browser import DOCS_DIR, MAIN, RUN_TIMEOUT_MS, charts_settled, full_page_screenshot, wait_until_idle

from aelab import experiments

pytestmark = pytest.mark.e2e

TABS = ["Variants", "AE vs PCA", "Optimizers", "Losses", "Compression ratio"]
QUICK_RUN_TIMEOUT_MS = 300_000  # The pool starts, then three small AEs train for 2 epochs each.


def _open(new_page, app_url, path, title):
    page = new_page(1400, 900)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name=title).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    charts_settled(page)
    return page, errors


def _no_errors(page, errors, path):
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert not errors, f"JavaScript errors on /{path}: {errors}"


def _docs_shot(page, name):
    if os.environ.get("AELAB_DOCS_SCREENSHOTS") == "1":
        page.set_viewport_size({"width": 1280, "height": 800})
        page.wait_for_timeout(1000)
        os.makedirs(DOCS_DIR, exist_ok=True)
        page.screenshot(path=os.path.join(DOCS_DIR, f"{name}.png"))


def test_variants_page_in_chromium(new_page, app_url, screenshot_dir):
    page, errors = _open(new_page, app_url, "variants", "Variants")
    full_page_screenshot(page, os.path.join(screenshot_dir, "variants.png"))
    _no_errors(page, errors, "variants")
    imgs = page.locator(f"{MAIN} .aelab-grid img, {MAIN} [data-testid='stImage'] img")
    assert imgs.count() == 4 * 6 + 1  # 6 originals, three rows of reconstructions, the hidden units
    assert all(imgs.nth(i).evaluate("i => i.complete && i.naturalWidth > 0") for i in range(imgs.count()))
    bars = page.locator(f"{MAIN} .js-plotly-plot .bars path")
    bars.first.wait_for(timeout=RUN_TIMEOUT_MS)
    assert bars.count() >= 150  # one bar per hidden unit (empty ones may draw nothing)
    units = imgs.nth(4 * 6).bounding_box()
    assert units and units["width"] > 300 and units["height"] > 300
    _docs_shot(page, "variants")


def test_studies_page_every_tab_in_chromium(new_page, app_url, screenshot_dir):
    page, errors = _open(new_page, app_url, "studies", "Studies")
    _docs_shot(page, "studies")
    page.set_viewport_size({"width": 1400, "height": 900})
    for study, label in zip(experiments.STUDIES, TABS, strict=True):
        page.locator(MAIN).get_by_role("tab", name=label).click()
        panel = page.locator(f'{MAIN} [role="tabpanel"]:visible')
        panel.get_by_role("heading", name=experiments.TITLES[study]).wait_for(timeout=RUN_TIMEOUT_MS)
        charts_settled(page)  # Plotly lays out charts that were hidden.
        full_page_screenshot(page, os.path.join(screenshot_dir, f"studies_{study}.png"))
        if experiments.load_result(study) is not None:
            assert panel.locator('[data-testid="stTable"]').count() >= 1, study
            charts = panel.locator(".js-plotly-plot")
            assert charts.count() >= 1, study
            box = charts.first.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 250, study
        assert panel.get_by_role("button", name="Rerun a quick version").count() == 1
    _no_errors(page, errors, "studies")


def test_a_quick_rerun_runs_in_the_pool_shows_its_progress_and_then_its_result(new_page, app_url, screenshot_dir):
    page, errors = _open(new_page, app_url, "studies", "Studies")
    panel = page.locator(f'{MAIN} [role="tabpanel"]:visible')
    rerun = panel.get_by_role("button", name="Rerun a quick version")
    rerun.click()
    # The job is in the pool: its Stop (or Leave the queue) button; or, when the worker was warm and the
    # machine quiet, already its result: a quick run can start and end between two of the progress's
    # 1-s refreshes ("Quick run finished in 4 s" in one CI run, which never showed a Stop button).
    # In CI a job an earlier test left running can hold the worker for minutes, so both are waited for
    # as long as the run itself.
    stop = panel.get_by_role("button", name=re.compile("Stop training|Leave the queue"))
    result = panel.get_by_role("heading", name="Quick rerun (this session)")
    try:
        stop.or_(result).first.wait_for(timeout=QUICK_RUN_TIMEOUT_MS)
    except PlaywrightTimeoutError:  # Say what the page showed instead (an error, the button, a spinner).
        full_page_screenshot(page, os.path.join(screenshot_dir, "studies_quick_rerun_no_job.png"))
        pytest.fail(f"no job after the press; the tab showed: {panel.inner_text()[:2000]!r}")
    # While a job's progress reruns the panel, Streamlit can show a stale copy of the tab strip: click the
    # live one.
    live_tabs = page.locator(f'{MAIN} [role="tab"]:not([data-stale="true"] *)')
    if stop.count():
        # While it runs the page stays usable: the tabs switch, and its progress refreshes on its own.
        # A visible bar: on a loaded machine the first one found was still hidden (an empty bar, before its
        # job reported), and `.first` waited on it for two minutes.
        bar = panel.locator('[data-testid="stProgress"]:visible')
        bar.or_(result).first.wait_for(timeout=QUICK_RUN_TIMEOUT_MS)
        live_tabs.filter(has_text="Losses").first.click()
        losses = page.locator(f'{MAIN} [role="tabpanel"]:visible')
        busy = losses.get_by_role("button", name="Rerun a quick version")
        if result.count() == 0 and busy.is_disabled():  # One job per session, said in words,
            assert "one job per session" in losses.inner_text()  # unless it has just ended.
    else:
        print("the quick run ended before the page's progress refreshed: no Stop button to see")
    live_tabs.filter(has_text="Variants").first.click()
    panel.get_by_role("heading", name="Quick rerun (this session)").wait_for(timeout=QUICK_RUN_TIMEOUT_MS)
    wait_until_idle(page)
    panel.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=RUN_TIMEOUT_MS)  # Charts laid out.
    full_page_screenshot(page, os.path.join(screenshot_dir, "studies_quick_rerun.png"))
    assert "Quick run finished in" in panel.inner_text()
    assert panel.locator('[data-testid="stTable"]').count() >= 2  # The stored table and the quick one.
    assert panel.get_by_role("button", name="Rerun a quick version").is_enabled()
    _no_errors(page, errors, "studies")


def test_studies_fit_a_720p_projector_in_chinese(new_page, app_url, screenshot_dir):
    # Issue 25 (7): on a 1280x720 projector in Chinese every results table shows all its columns without
    # sideways scrolling, and no chart title runs past its chart.
    page = new_page(1280, 720)
    page.goto(f"{app_url}/studies?lang=zh", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", name="实验").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    tabs = page.locator(f"{MAIN} [role='tab']")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        panel = page.locator(f"{MAIN} [role='tabpanel']:visible")
        panel.locator('[data-testid="stTable"]').first.wait_for(timeout=RUN_TIMEOUT_MS)
        panel.locator(".js-plotly-plot .gtitle").first.wait_for(timeout=RUN_TIMEOUT_MS)
        for table in panel.locator('[data-testid="stTable"]').all():
            wide = table.evaluate("t => [t.scrollWidth, t.clientWidth, t.getBoundingClientRect().right]")
            assert wide[0] <= wide[1] + 1 and wide[2] <= 1280, (tabs.nth(i).inner_text(), wide)
        for plot in panel.locator(".js-plotly-plot").all():
            box, title = plot.bounding_box(), plot.locator(".gtitle").bounding_box()
            assert title is None or title["x"] + title["width"] <= box["x"] + box["width"] + 1, tabs.nth(i).inner_text()
        full_page_screenshot(page, os.path.join(screenshot_dir, f"studies_zh_720p_{i}.png"))
