"""WCAG 2.0-2.2 A/AA on every page and Latent space tab: English on a projector and a phone, Chinese on a phone.

Injects the vendored axe-core (tests/e2e/vendor/axe-core/, pinned, checked against its SHA256SUMS) into each
view once it has run, and fails on any violation of the wcag2a/wcag2aa/wcag21a/wcag21aa/wcag22aa rules that
is not listed in KNOWN (each with the file that has to change and why). Every view also says its language
in `<html lang>` and has a title of its own, in that language.

Each view's findings go to AELAB_SCREENSHOT_DIR as axe_<view>_<lang>_<width>.json (rule, impact, nodes),
with a screenshot beside it; `python -m tests.e2e.test_accessibility_browser` totals them, which is how the
counts in the commit messages were made.
"""

import hashlib
import json
import os
import sys

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle

from aelab import i18n
from tests.app.test_pages import PAGES, URL_PATHS  # {app_pages/x.py: English title, URL path}, from app.py.

pytestmark = pytest.mark.e2e

AXE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor", "axe-core")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SIZES = [(1920, 1080), (390, 844)]
LANGS = {"en": "en", "zh": "zh-CN"}
# English on both screens; Chinese on the phone, where its labels are narrowest. The markup, colours and
# roles are the same in both languages: what Chinese adds is its own names and <html lang>, which one size
# shows. (The Chinese projector views, dropped to keep CI short, never found anything the others did not.)
CASES = [("en", *SIZES[0]), ("en", *SIZES[1]), ("zh", *SIZES[1])]
LATENT_TABS = ["explore", "navigate", "digit", "interpolate", "vae"]


def _views():
    """(id, URL path and query, page file): every page, and Latent space once per tab."""
    out = []
    for page_file in PAGES:
        name = os.path.splitext(os.path.basename(page_file))[0]
        path = URL_PATHS[page_file]  # "" for the default page, served at "/".
        if name == "latent_space":
            out += [(f"latent_{tab}", f"{path}?tab={tab}", page_file) for tab in LATENT_TABS]
        else:
            out.append((name, f"{path}?", page_file))
    return out


VIEWS = _views()

# Violations that need an edit outside this test's reach, by (view or "*", rule id): why, and where.
# Only these rules are let through, and only on these views; anything else fails the test.
KNOWN = {}  # (view, rule) -> the file that has to change and why; none are left.


def _axe_source():
    sums = {}
    with open(os.path.join(AXE_DIR, "SHA256SUMS")) as f:
        for line in f:
            digest, name = line.split()
            sums[name] = digest
    with open(os.path.join(AXE_DIR, "axe.min.js"), "rb") as f:
        source = f.read()
    got = hashlib.sha256(source).hexdigest()
    assert got == sums["axe.min.js"], (
        f"axe.min.js does not match its SHA256SUMS: expected {sums['axe.min.js']}, got {got}"
    )
    return source.decode("utf-8")


@pytest.fixture(scope="module")
def axe_source():
    return _axe_source()


def run_axe(page, axe_source):
    """axe-core's WCAG A/AA violations on the page as it is: [{id, impact, help, nodes: [target, summary]}]."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async tags => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => [n.target.join(' '), n.failureSummary])}));
        }""",
        TAGS,
    )
    return result


def settled(page, expression, want, timeout_ms=20_000):
    """The value of a JavaScript expression once it equals `want`, or as it is after `timeout_ms`."""
    try:
        page.wait_for_function(f"() => ({expression}) === {json.dumps(want)}", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        pass
    return page.evaluate(f"() => {expression}")


def open_view(new_page, app_url, query, page_file, lang, width, height):
    page = new_page(width, height)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{query}&lang={lang}", wait_until="domcontentloaded")
    with i18n.use(lang):
        heading = i18n._(PAGES[page_file])
    page.locator(MAIN).get_by_role("heading", name=heading).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    # What axe judges is the page as drawn: the global style in effect (its contrast rules, _style.CSS) and
    # no element left stale by a run. On a loaded machine the idle state came once before both (a CI run
    # judged Denoising with Streamlit's own faded captions, 3.88:1).
    page.wait_for_function(
        """() => getComputedStyle(document.documentElement).getPropertyValue('--aelab-faded').trim() !== ''
            && !document.querySelector('[data-testid="stMain"] [data-stale="true"]')""",
        timeout=RUN_TIMEOUT_MS,
    )
    return page, errors, heading


@pytest.mark.parametrize("lang, width, height", CASES, ids=[f"{lang}-{w}" for lang, w, _h in CASES])
@pytest.mark.parametrize("view, query, page_file", VIEWS, ids=[v[0] for v in VIEWS])
def test_no_wcag_violations(new_page, app_url, screenshot_dir, axe_source, view, query, page_file, lang, width, height):
    page, errors, heading = open_view(new_page, app_url, query, page_file, lang, width, height)
    violations = run_axe(page, axe_source)
    name = f"axe_{view}_{lang}_{width}"
    with open(os.path.join(screenshot_dir, f"{name}.json"), "w") as f:
        json.dump(violations, f, ensure_ascii=False, indent=1)
    full_page_screenshot(page, os.path.join(screenshot_dir, f"{name}.png"))
    assert not errors, errors
    # Item 5 of the issue: the document's language, and a title of its own in that language.
    assert settled(page, "document.documentElement.lang", LANGS[lang]) == LANGS[lang]
    title = settled(page, "document.title", f"{heading} · aelab")
    assert title == f"{heading} · aelab"

    known = {v["id"]: KNOWN.get((view, v["id"])) or KNOWN.get(("*", v["id"])) for v in violations}
    unexpected = [v for v in violations if not known[v["id"]]]
    assert unexpected == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}; {len(v['nodes'])} node(s): "
        + "; ".join(f"{t} -> {s}" for t, s in v["nodes"][:5])
        for v in unexpected
    )
    if violations:
        pytest.xfail("known, needs an edit elsewhere: " + "; ".join(sorted({known[v["id"]] for v in violations})))


def test_each_page_has_a_title_of_its_own_in_each_language():
    # Each view's browser test above checks that the tab's title is its page's heading in the view's
    # language; that the headings differ from page to page needs no browser.
    for lang in LANGS:
        with i18n.use(lang):
            titles = {i18n._(title) for title in PAGES.values()}
        assert len(titles) == len(PAGES), (lang, titles)


def totals(folder):
    """{(lang, width): (violations, nodes)} and {rule: nodes} over the axe_*.json files in `folder`."""
    by_case, by_rule = {}, {}
    for file in sorted(os.listdir(folder)):
        if not (file.startswith("axe_") and file.endswith(".json")):
            continue
        *_view, lang, width = file[4:-5].split("_")
        with open(os.path.join(folder, file)) as f:
            violations = json.load(f)
        n, nodes = by_case.get((lang, width), (0, 0))
        by_case[(lang, width)] = (n + len(violations), nodes + sum(len(v["nodes"]) for v in violations))
        for v in violations:
            by_rule[v["id"]] = by_rule.get(v["id"], 0) + len(v["nodes"])
    return by_case, by_rule


if __name__ == "__main__":
    folder = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AELAB_SCREENSHOT_DIR", "/tmp/aelab-screenshots")
    cases, rules = totals(folder)
    for (lang, width), (n, nodes) in sorted(cases.items()):
        print(f"{lang} {width}: {n} violations, {nodes} nodes")
    print(f"all: {sum(n for n, _ in cases.values())} violations, {sum(x for _, x in cases.values())} nodes")
    for rule, nodes in sorted(rules.items(), key=lambda kv: -kv[1]):
        print(f"  {rule}: {nodes} nodes")
