"""Every page in English and in 简体中文 (AppTest): it runs, and what a person reads is in the chosen language."""

import json
import re

import pytest
from test_pages import PAGES  # The pages app.py routes to, read from its st.Page calls.

from aelab import i18n

# Protobuf fields that hold text a person reads (labels, help, bodies, captions, options, tab names).
TEXT_FIELDS = {"label", "help", "placeholder", "body", "delta", "caption", "content", "text", "title"}
SELECTOR = {"Language · 语言", "English", "简体中文"}  # The language selector is the same in both.


def _proto_texts(message):
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for m in [value] if hasattr(value, "ListFields") else value:  # One message, or a repeated field.
                yield from _proto_texts(m)
        elif field.type == field.TYPE_STRING and field.name in TEXT_FIELDS | {"options"}:
            yield from [value] if isinstance(value, str) else value  # "options": a selectbox's, formatted.


def _html_texts(html):
    html = re.sub(r"(?s)<style.*?</style>|<script.*?</script>", " ", html)
    labels = re.findall(r'(?:aria-label|alt|title)="([^"]*)"', html)
    return [*labels, *(t.strip() for t in re.split(r"<[^>]*>", html) if t.strip())]


def _figure_texts(spec):
    """Titles, axis titles, legends, annotations, tick labels and trace names of a Plotly figure."""
    fig = json.loads(spec)
    layout = fig.get("layout", {})

    def title(obj):
        t = (obj or {}).get("title")
        return t.get("text") if isinstance(t, dict) else t

    out = [title(layout), title(layout.get("legend"))]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            out += [title(axis), *map(str, axis.get("ticktext") or [])]
    out += [a.get("text") for a in layout.get("annotations", [])]
    out += [t.get("name") for t in fig.get("data", []) if t.get("showlegend", True) is not False]
    return [t for t in out if t]


def page_texts(at):
    """Everything a person reads on the page and in its sidebar, as strings."""
    out = []

    def walk(node):
        children = getattr(node, "children", {})
        for child in children.values() if isinstance(children, dict) else children:
            proto = getattr(child, "proto", None)
            if proto is not None and hasattr(proto, "ListFields"):
                if getattr(child, "type", "") == "plotly_chart":
                    out.extend(_figure_texts(proto.spec))
                elif getattr(child, "type", "") == "html":  # st.html: its visible text and labels, not its markup.
                    out.extend(_html_texts(proto.body))
                else:
                    out.extend(_proto_texts(proto))
            walk(child)

    walk(at._tree)
    for table in [*at.table, *at.dataframe]:
        frame = table.value
        out += [str(c) for c in frame.columns] + [str(i) for i in frame.index]
        out += [v for v in frame.astype(str).to_numpy().ravel()]
    return [t for t in out if t and t not in SELECTOR]


def open_in(open_page, path, lang):
    at = open_page(path, {"lang": lang})
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lang"] == lang
    return at


@pytest.mark.parametrize("path", PAGES)
def test_page_in_english(open_page, path):
    at = open_in(open_page, path, "en")
    assert at.title[0].value == PAGES[path]
    texts = page_texts(at)
    assert len(texts) > 5
    assert [t for t in texts if any("\u3400" <= c <= "\u9fff" for c in t)] == []


@pytest.mark.parametrize("path", PAGES)
def test_page_in_chinese(open_page, path, untranslated):
    at = open_in(open_page, path, "zh")
    with i18n.use("zh"):
        title = i18n._(PAGES[path])
    assert title != PAGES[path] and at.title[0].value == title
    assert at.query_params["lang"] == "zh"  # The link carries the language.
    left = {t: untranslated(t) for t in page_texts(at)}
    assert {t: w for t, w in left.items() if w} == {}
    assert at.sidebar.caption[0].value == "正在使用的模型（可在“模型”页面更换）"


def test_the_browser_language_decides_without_a_link_parameter(open_page, monkeypatch):
    # AppTest has no browser: st.context.locale is what the page asks for.
    from app_pages import _common

    monkeypatch.setattr(_common, "browser_language", lambda: "zh")
    at = open_page()
    assert at.session_state["lang"] == "zh" and at.title[0].value == "模型"
    assert at.query_params["lang"] == "zh"  # Written into the link, so it opens in Chinese elsewhere too.


def test_english_without_a_parameter_leaves_the_link_alone(open_page):
    at = open_page("app_pages/denoising.py", {"sigma": "0.8"})
    assert at.session_state["lang"] == "en" and "lang" not in at.query_params
    assert at.query_params["sigma"] == "0.8"


def test_switching_the_language_translates_the_same_page(open_page):
    at = open_page("app_pages/denoising.py")
    assert at.title[0].value == "Denoising"
    at.session_state["lang"] = "zh"  # What a click on 简体中文 in the sidebar sends.
    at.run()
    assert not at.exception and at.title[0].value == "去噪"
    assert at.query_params["lang"] == "zh"


@pytest.mark.parametrize("lang, tag", [("en", "en"), ("zh", "zh-CN")])
def test_the_page_tells_the_browser_its_language(open_page, lang, tag):
    # app_pages/_style.label_page: <html lang> follows the interface, so a screen reader picks the right voice.
    at = open_in(open_page, "app_pages/manifold.py", lang)
    bodies = [h.proto.body for h in at.get("html") if "documentElement.lang" in h.proto.body]
    assert len(bodies) == 1 and f'document.documentElement.lang = "{tag}"' in bodies[0]
    assert all(h.proto.unsafe_allow_javascript for h in at.get("html") if "documentElement.lang" in h.proto.body)


def test_picture_alt_texts_name_the_digit_in_the_interface_language(monkeypatch):
    import numpy as np

    from app_pages import _pictures

    sent = []
    monkeypatch.setattr(_pictures.st, "html", sent.append)
    digits = np.zeros((2, 28, 28))
    with i18n.use("zh"):
        _ = i18n._
        alts = [[_pictures.digit_alt(d, _("original")), _pictures.digit_alt(d, _("denoised"))] for d in (7, 1)]
        _pictures.grid([(None, list(digits)), (None, list(digits))], 56, alts=alts)
        assert alts[0] == ["数字 7，原图", "数字 7，去噪结果"]
    assert 'alt="数字 7，原图"' in sent[0] and 'alt="数字 1，去噪结果"' in sent[0]
    with i18n.use("en"):
        assert _pictures.digit_alt(3.0, "noisy, σ = 0.30") == "digit 3, noisy, σ = 0.30"
