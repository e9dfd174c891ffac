"""Every page in a real headless Chromium against `streamlit run app.py`.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e -q
Full-page screenshots go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots).
With AELAB_DOCS_SCREENSHOTS=1 each page is also shot at 1280x800 into docs/<page>.png
for the README.
"""

import io
import os
import time

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS_DIR = os.path.join(REPO, "docs")
RUN_TIMEOUT_MS = 120_000  # First TensorFlow import and model load: ~10-20 s here, more under load.

# URL path -> (screenshot name, page title). Streamlit derives the paths from the
# st.Page file names in app.py; the default page (models.py) is served at "/".
PAGES = {
    "": ("models", "Models"),
    "latent_space": ("latent_space", "Latent space"),
    "manifold": ("manifold", "Manifold"),
    "denoising": ("denoising", "Denoising"),
    "colorization": ("colorization", "Colorization"),
}

MAIN = '[data-testid="stMain"]'
# Scrolls an element to the top of Streamlit's scroll container, just below its header bar.
SCROLL_BELOW_HEADER = """e => {
    e.scrollIntoView({block: 'start'});
    for (let a = e.parentElement; a; a = a.parentElement) if (a.scrollTop > 0) a.scrollTop -= 70;
}"""
DOCS_SCROLL_TO = {"manifold": f'{MAIN} [data-testid="stCaptionContainer"]'}


def wait_until_idle(page, timeout=RUN_TIMEOUT_MS):
    """Waits until the script has run and stopped, no element is still loading and none is stale."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]',
                           state="detached", timeout=timeout)  # fmt: skip
    # Every picture decoded and no element left stale by a run: a loaded machine can show an idle moment
    # between two runs (a selection's rerun, then the link's), with the last run's copies still on screen.
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[data-testid="stMain"] img')).every(img => img.complete)
              && !document.querySelector('[data-testid="stMain"] [data-stale="true"]')""",
        timeout=timeout,
    )


# A fingerprint of every chart and canvas on the page: each one's box, in page order.
_CHART_BOXES = """Array.from(document.querySelectorAll('.js-plotly-plot .main-svg, [data-testid="stMain"] canvas'))
    .map(e => { const r = e.getBoundingClientRect(); return `${r.x},${r.y},${r.width},${r.height}`; }).join('|')"""


def charts_settled(page, timeout=10_000):
    """Waits until the charts have their final layout: every chart's box unchanged for 3 checks, 100 ms apart.

    Plotly lays a chart out again after Streamlit gives it its width (a new viewport, a tab opened), a few
    frames after the run; a picture or a position read before then catches it half-way.
    """
    page.evaluate("() => { window.__aelabCharts = {last: null, same: 0}; }")
    page.wait_for_function(
        f"""() => {{
            const now = {_CHART_BOXES};
            const w = window.__aelabCharts;
            w.same = now === w.last ? w.same + 1 : 0;
            w.last = now;
            return w.same >= 3;
        }}""",
        polling=100,
        timeout=timeout,
    )


SELECT_SWITCH = "Select digits by dragging a box or lasso on the charts"


def turn_on_select_mode(page, chart, timeout=RUN_TIMEOUT_MS):
    """Turns the Latent space's select mode on and waits until `chart` listens for a box or lasso.

    The switch's rerun draws the charts again in Plotly's select drag mode; a drag or swipe sent before that
    run has reached the chart (its start can come after a first idle check on a loaded machine) would pan
    or scroll instead. Polled on the chart's own layout, so a chart drawn anew is found too.
    """
    toggle = page.locator(MAIN).get_by_role("switch", name=SELECT_SWITCH)
    if not toggle.is_checked():
        toggle.click(force=True)
    deadline = time.monotonic() + timeout / 1000
    while chart.evaluate("p => p._fullLayout && p._fullLayout.dragmode") not in ("select", "lasso"):
        assert time.monotonic() < deadline, (
            f"the chart never went into select mode: switch checked {toggle.is_checked()}, "
            f"drag mode {chart.evaluate('p => p._fullLayout && p._fullLayout.dragmode')}, "
            f"{page.locator(f'{MAIN} .js-plotly-plot').count()} charts"
        )
        page.wait_for_timeout(100)
    wait_until_idle(page)


def full_page_screenshot(page, path):
    """A screenshot of the whole page.

    Streamlit scrolls inside its main section, not the document, so Playwright's
    full_page=True would only give the viewport: the viewport is stretched to the
    content's height for the shot instead, then put back.
    """
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight,
              ...Array.from(document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]'))
                 .map(e => e.scrollHeight))"""
    )
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(height, 8000)})
        charts_settled(page)  # Charts resize to the new viewport.
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)


def open_page(new_page, app_url, path, width=1400, height=900):
    page = new_page(width, height)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    title = PAGES[path][1]
    page.locator(MAIN).get_by_role("heading", name=title).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page, errors


def check_and_shoot(page, errors, path, screenshot_dir):
    name = PAGES[path][0]
    charts_settled(page)
    full_page_screenshot(page, os.path.join(screenshot_dir, f"{name}.png"))
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert not errors, f"JavaScript errors on /{path}: {errors}"
    if os.environ.get("AELAB_DOCS_SCREENSHOTS") == "1":
        page.set_viewport_size({"width": 1280, "height": 800})
        page.wait_for_timeout(1000)
        if name in DOCS_SCROLL_TO:  # Show the page's main picture rather than its intro.
            page.locator(DOCS_SCROLL_TO[name]).first.evaluate(SCROLL_BELOW_HEADER)
            page.wait_for_timeout(500)
        os.makedirs(DOCS_DIR, exist_ok=True)
        page.screenshot(path=os.path.join(DOCS_DIR, f"{name}.png"))


@pytest.mark.parametrize("path", list(PAGES), ids=[v[0] for v in PAGES.values()])
def test_page_renders_without_exception(new_page, app_url, screenshot_dir, path):
    page, errors = open_page(new_page, app_url, path)
    check_and_shoot(page, errors, path, screenshot_dir)
    # The sidebar navigation lists all five pages.
    nav = page.locator('[data-testid="stSidebarNav"]')
    for _, title in PAGES.values():
        assert nav.get_by_text(title, exact=True).count() == 1, title


def test_latent_scatter_draws_webgl(new_page, app_url):
    page, _ = open_page(new_page, app_url, "latent_space")
    charts = page.locator(f"{MAIN} .js-plotly-plot")
    charts.first.wait_for(timeout=RUN_TIMEOUT_MS)
    assert charts.count() == 2  # AE and VAE side by side.
    for i in range(2):
        gl = charts.nth(i).locator("canvas.gl-canvas, canvas")
        gl.first.wait_for(timeout=RUN_TIMEOUT_MS)
        box = gl.first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    # The scattergl traces drew through WebGL: Plotly's context canvas holds a WebGL context...
    assert (
        page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-testid="stMain"] canvas.gl-canvas-context'))
              .filter(c => c.width > 0 && (c.getContext('webgl2') || c.getContext('webgl'))).length"""
        )
        == 2
    )
    # ...and the charts show thousands of coloured dots, not a blank plot.
    for i in range(2):
        shot = Image.open(io.BytesIO(charts.nth(i).screenshot())).convert("RGB")
        colourful = sum(1 for r, g, b in shot.getdata() if max(r, g, b) - min(r, g, b) > 60)
        assert colourful > 2000, f"chart {i} looks empty ({colourful} coloured pixels)"
    # Selecting is an explicit mode (a swipe must scroll on a phone): each chart says how to turn it on.
    assert page.locator(MAIN).get_by_text("Turn on the select mode above").count() == 2


def test_manifold_image_appears(new_page, app_url):
    page, _ = open_page(new_page, app_url, "manifold")
    img = page.locator(f'{MAIN} [data-testid="stImage"] img').first
    img.wait_for(timeout=RUN_TIMEOUT_MS)
    assert img.evaluate("i => i.complete && i.naturalWidth") > 0
    # The manifold itself is a PNG inside the Plotly figure (an SVG <image>).
    mosaic = page.locator(f"{MAIN} .js-plotly-plot image").first
    mosaic.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    assert (mosaic.get_attribute("href") or mosaic.get_attribute("xlink:href") or "").startswith("data:image/png")
    box = mosaic.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200


DENOISED = f'{MAIN} .scrub canvas[aria-label$=", denoised"]'


def test_denoising_sigma_slider_changes_output(new_page, app_url):
    page, _ = open_page(new_page, app_url, "denoising")
    page.locator(f"{MAIN} .scrub[data-ready]").wait_for(timeout=RUN_TIMEOUT_MS)
    before = page.locator(DENOISED).first.evaluate("c => c.toDataURL()")
    # The σ scrubber (app_pages/_scrubber.py): an ARIA slider named by its label, stepped in the browser.
    slider = page.locator(MAIN).get_by_role("slider", name="Noise level σ")
    assert float(slider.get_attribute("aria-valuenow")) == 0.5
    slider.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    assert float(slider.get_attribute("aria-valuenow")) == 0.8
    assert page.locator(DENOISED).first.evaluate("c => c.toDataURL()") != before
    page.wait_for_function("() => location.search.includes('sigma=0.8')", timeout=RUN_TIMEOUT_MS)  # Settled.
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
