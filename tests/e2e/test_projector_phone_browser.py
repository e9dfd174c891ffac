"""What a class sees on a projector and on a phone, in a real headless Chromium (issue 25, items 2, 3 and 9).

The manifold's grid fills the width it has (at least 700 px at 1920x1080, large at 1280x720, a phone's
width), its axes in latent units and the pinned point's cross where it belongs; on a phone the charts'
legends sit below the plot, clear of the plot area and of the axis titles; a 20-step interpolation wraps
into rows of readable digits; and the navigator's digit box says it is loading until the first digit.

Run: AELAB_DATA_DIR=../shared/data pytest tests/e2e/test_projector_phone_browser.py -q
Screenshots go to AELAB_SCREENSHOT_DIR (default /tmp/aelab-screenshots) as projector_phone_*.png.
"""

import json
import os

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from test_browser import MAIN, RUN_TIMEOUT_MS, SCROLL_BELOW_HEADER, wait_until_idle
from test_navigator_browser import NAV, nav

pytestmark = pytest.mark.e2e

SIZES = {"1920x1080": (1920, 1080), "1280x720": (1280, 720), "390x844": (390, 844)}
PHONE = "390x844"
CHART = f"{MAIN} .js-plotly-plot"

# The manifold's picture, its cross and the x tick "0", in page pixels (null until Plotly has drawn them).
MANIFOLD = """() => {
  const p = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  const img = p && p.querySelector('.imagelayer image');
  const cross = p && p.querySelector('.scatterlayer path.point');
  if (!img || !cross) return null;
  const box = e => { const r = e.getBoundingClientRect();
    return {x0: r.left, x1: r.right, y0: r.top, y1: r.bottom, w: r.width, h: r.height}; };
  const zero = [...p.querySelectorAll('g.xtick text')].find(t => t.textContent === '0');
  return {image: box(img), cross: box(cross), chart: box(p), zero: zero ? box(zero) : null,
          ticks: [...p.querySelectorAll('g.xtick text')].map(t => t.textContent)};
}"""
# Every drawn chart with a legend: the legend and its entries, the plot area, the axis titles and tick labels.
LEGENDS = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')]
  .filter(p => p.getBoundingClientRect().height > 0 && p.querySelector('g.legend') && p._fullLayout)
  .map(p => {
    const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
      return {x0: r.left, x1: r.right, y0: r.top, y1: r.bottom}; };
    const svg = p.querySelector('.main-svg').getBoundingClientRect(), s = p._fullLayout._size, l = p._fullLayout.legend;
    return {legend: box(p.querySelector('g.legend rect.bg')), figure: box(p.querySelector('.main-svg')),
            entries: [...p.querySelectorAll('g.legend g.traces')].map(box),
            names: [...p.querySelectorAll('g.legend text.legendtext')].map(t => t.textContent),
            area: {x0: svg.left + s.l, x1: svg.left + s.l + s.w, y0: svg.top + s.t, y1: svg.top + s.t + s.h},
            xtitle: box(p.querySelector('.g-xtitle text')), ytitle: box(p.querySelector('.g-ytitle text')),
            xticks: [...p.querySelectorAll('g.xtick text')].map(box).filter(b => b.x1 > b.x0),
            scrolls: l._height > l._effHeight + 1};
  })"""
# Each interpolation strip: how many steps, on how many rows, how wide each step is drawn, and where.
STRIPS = """() => [...document.querySelectorAll('[data-testid="stMain"] .aelab-steps')].map(s => {
  const r = [...s.querySelectorAll('img')].map(i => i.getBoundingClientRect());
  return {n: r.length, rows: new Set(r.map(b => Math.round(b.top))).size, widths: r.map(b => b.width),
          loaded: [...s.querySelectorAll('img')].every(i => i.complete && i.naturalWidth === 28),
          x0: Math.min(...r.map(b => b.left)), x1: Math.max(...r.map(b => b.right))};
})"""


def open_at(chromium, app_url, path, size, hold=None):
    """A page at a screen size (a phone: touch, mobile viewport); `hold`: a URL glob whose requests wait.

    Returns:
        `(page, context, held)`: `held` collects the held requests' routes, for the test to let go.
    """
    width, height = SIZES[size]
    phone = size == PHONE
    ctx = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    page = ctx.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    page.route(  # Only the local app may be reached.
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else route.abort()
        ),
    )
    held = []
    if hold:
        # Registered last, so asked first: the request waits in `held`.
        page.route(hold, lambda route: held.append(route))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(MAIN).locator("h1").first.wait_for()
    wait_until_idle(page)
    return page, ctx, held


def steady(page, expression):
    """The value of a JavaScript function once it is not null and the same on two polls in a row."""
    handle = page.wait_for_function(
        f"""() => {{ const v = JSON.stringify(({expression})());
             const same = v === window.__steady; window.__steady = v; return same && v !== 'null' && v; }}""",
        polling=400,
        timeout=RUN_TIMEOUT_MS,
    )
    return json.loads(handle.json_value())


def overlap(a, b):
    """Whether two boxes share more than a pixel each way."""
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 1 and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > 1


def shoot(page, screenshot_dir, name, scroll_to=None):
    if scroll_to:
        page.locator(scroll_to).first.evaluate(SCROLL_BELOW_HEADER)
        page.wait_for_timeout(300)  # The scroll has painted.
    page.screenshot(path=os.path.join(screenshot_dir, f"projector_phone_{name}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_the_manifold_grid_is_large_on_a_projector_and_as_wide_as_a_phone(chromium, app_url, screenshot_dir, size):
    width, height = SIZES[size]
    page, ctx, _held = open_at(chromium, app_url, "manifold?model=vae", size)
    try:
        if size == PHONE:  # The phone's smaller grid comes after one rerun (the navigator reports the width).
            from playwright.sync_api import expect

            grid_size = page.locator(MAIN).get_by_role("slider", name="Grid size (digits per side)")
            expect(grid_size).to_have_value("12", timeout=RUN_TIMEOUT_MS)
            wait_until_idle(page)
        m = steady(page, MANIFOLD)
        shoot(page, screenshot_dir, f"manifold_{size}")
        shoot(page, screenshot_dir, f"manifold_{size}_grid", scroll_to=CHART)
    finally:
        ctx.close()
    image, cross, chart = m["image"], m["cross"], m["chart"]
    assert abs(image["w"] - image["h"]) <= 2, f"square cells, a square grid: {image}"
    if size == "1920x1080":  # Readable from the back of a room, and all of it on the first screen.
        assert image["w"] >= 700, f"the grid is {image['w']:.0f} px wide at {size}"
        assert chart["y1"] <= height, f"the grid's chart ends below the first screen: {chart}"
    elif size == "1280x720":  # Once scrolled to, the grid fills most of the screen's height.
        assert image["w"] >= 450, f"the grid is {image['w']:.0f} px wide at {size}"
        assert chart["h"] <= height - 60, f"the grid's chart is taller than the window below its header: {chart}"
    else:  # As wide as the phone allows beside its z1 tick labels, and within the screen.
        assert image["x0"] >= 0 and image["x1"] <= width and chart["x1"] <= width, (image, chart)
        assert image["w"] >= 0.65 * width, f"the grid is {image['w']:.0f} px wide on a {width}-px phone"
    # Latent units: the tick "0" sits under the grid's middle, and so does the cross of the pinned (0, 0).
    assert m["zero"] is not None, m["ticks"]
    middle = (image["x0"] + image["x1"]) / 2
    assert abs((m["zero"]["x0"] + m["zero"]["x1"]) / 2 - middle) <= 2
    assert (
        abs((cross["x0"] + cross["x1"]) / 2 - middle) <= 2
        and abs((cross["y0"] + cross["y1"]) / 2 - (image["y0"] + image["y1"]) / 2) <= 2
    )
    assert not page.errors


# page -> (its link, how many charts with a legend it shows, an entry every one of them must show)
PHONE_CHARTS = {
    "interpolate": ("latent_space?tab=interpolate&steps=20", 2, "path"),
    "explore": ("latent_space?tab=explore", 2, "9"),
    "models": ("", 1, "validation"),
    "denoising": ("denoising", 1, "denoised"),
}


@pytest.mark.parametrize("name", list(PHONE_CHARTS))
def test_phone_legends_sit_below_the_plot_clear_of_it_and_of_the_axis_titles(chromium, app_url, screenshot_dir, name):
    link, count, entry = PHONE_CHARTS[name]
    page, ctx, _held = open_at(chromium, app_url, link, PHONE)
    try:
        charts = steady(page, f"() => {{ const c = ({LEGENDS})(); return c.length >= {count} ? c : null; }}")
        shoot(page, screenshot_dir, f"legend_{name}_{PHONE}", scroll_to=CHART)
    finally:
        ctx.close()
    for i, c in enumerate(charts):
        where = f"{name}, chart {i + 1}"
        assert not c["scrolls"], f"{where}: the legend scrolls, some entries are out of sight: {c['names']}"
        assert entry in c["names"], f"{where}: no {entry!r} in the legend: {c['names']}"
        assert c["area"]["y1"] - c["area"]["y0"] >= 100, f"{where}: the plot is squashed: {c['area']}"
        for box, what in [(c["legend"], "legend"), *((e, f"entry {n!r}") for e, n in zip(c["entries"], c["names"]))]:
            assert c["figure"]["x0"] - 1 <= box["x0"] and box["x1"] <= c["figure"]["x1"] + 1, f"{where}: {what}: {box}"
            assert box["y0"] >= c["area"]["y1"], f"{where}: the {what} is not below the plot area: {box}, {c['area']}"
            assert box["y1"] <= c["figure"]["y1"] + 1, f"{where}: the {what} runs out of the chart: {box}"
            for other, label in [(c["area"], "the plot area"), (c["xtitle"], "the x title"), (c["ytitle"], "the y title"),
                                 *((t, "an x tick label") for t in c["xticks"])]:  # fmt: skip
                assert other is None or not overlap(box, other), f"{where}: the {what} overlaps {label}: {box}, {other}"


@pytest.mark.parametrize("size", ["1920x1080", PHONE])
def test_a_20_step_interpolation_wraps_into_rows_of_readable_digits_on_a_phone(chromium, app_url, screenshot_dir, size):
    width = SIZES[size][0]
    page, ctx, _held = open_at(chromium, app_url, "latent_space?tab=interpolate&steps=20", size)
    # Waits for the rows it checks: on a loaded machine the strips were measured once while the page was
    # still settling (two rows at 1920 px), and the screenshot taken right after showed one.
    rows = "x.rows >= 3" if size == PHONE else "x.rows === 1"
    try:
        try:
            strips = steady(
                page, f"() => {{ const s = ({STRIPS})(); return s.length === 2 && s.every(x => x.loaded && {rows}) ? s : null; }}"
            )  # fmt: skip
        except PlaywrightTimeoutError:
            strips = page.evaluate(f"({STRIPS})()")  # What it shows instead, for the messages below.
        shoot(page, screenshot_dir, f"strip_{size}", scroll_to=f"{MAIN} .aelab-steps")
    finally:
        ctx.close()
    for s in strips:
        assert s["n"] == 20 and s["x0"] >= 0 and s["x1"] <= width, s
        if size == PHONE:  # Rows of a few digits each, every one at least twice MNIST's 28 px.
            assert s["rows"] >= 3 and min(s["widths"]) >= 56, s
        else:  # A wide screen keeps the whole path on one line.
            assert s["rows"] == 1 and min(s["widths"]) >= 56, s
    assert not page.errors


def test_the_digit_box_says_it_is_loading_until_the_first_digit(chromium, app_url, screenshot_dir):
    # The decoder's file waits until the test has seen the line; then the digit replaces it.
    page, ctx, held = open_at(chromium, app_url, "manifold?model=vae", "1280x720", hold="**/*.onnx*")
    try:
        page.wait_for_function(f"() => ({NAV})('VAE') && ({NAV})('VAE').dataset.status === 'loading'")
        nav(page, "VAE", "n.querySelector('.digit-box').scrollIntoView({block: 'center'})")
        line = nav(page, "VAE", """(() => { const l = n.querySelector('.loading'), c = n.querySelector('canvas.digit');
          const a = l.getBoundingClientRect(), b = c.getBoundingClientRect();
          return {text: l.textContent, hidden: l.hidden, visible: a.width > 0 && a.height > 0,
                  inside: a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1,
                  decodes: n.__nav.decodes}; })()""")  # fmt: skip
        shoot(page, screenshot_dir, "navigator_loading_1280x720")
        assert line == {"text": "Loading the model…", "hidden": False, "visible": True, "inside": True, "decodes": 0}
        # The runtime loads first; the decoder's request (its packed .onnx.planes.gz) comes after it, and waits.
        give_up = page.evaluate("performance.now()") + RUN_TIMEOUT_MS
        while not held:  # Playwright answers the routes while the page is waited on.
            assert page.evaluate("performance.now()") < give_up, "the decoder was never asked for"
            page.wait_for_timeout(100)
        assert nav(page, "VAE", "n.__nav.decodes") == 0 and not nav(page, "VAE", "n.querySelector('.loading').hidden")
        for route in held:
            route.continue_()
        page.unroute("**/*.onnx*")
        page.wait_for_function(
            f"() => {{ const n = ({NAV})('VAE'); return n.dataset.status === 'ready' && n.__nav.decodes > 0; }}"
        )
        assert nav(page, "VAE", "n.querySelector('.loading').hidden")
        shoot(page, screenshot_dir, "navigator_decoded_1280x720")
    finally:
        ctx.close()
    assert not page.errors
