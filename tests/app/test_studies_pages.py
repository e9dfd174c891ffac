"""AppTest tests for the Variants and Studies pages."""

import json
import re

import pytest

from aelab import experiments


def test_variants_page(open_page):
    at = open_page("app_pages/variants.py")
    assert at.title[0].value == "Variants"
    assert not at.error, [e.value for e in at.error]
    summary = at.table[0].value
    assert list(summary.columns) == ["Dense AE", "Multi-layer AE", "Sparse AE"]
    assert summary.loc["parameters"].tolist() == ["101,200", "218,192", "308,308"]
    assert summary.loc["code / image"].tolist() == ["4/49 (784 ÷ 64 = 12.25)"] * 2 + ["1/4 (784 ÷ 196 = 4)"]
    # The reconstructions: an inline grid (app_pages/_pictures.py), a caption above each row of 6.
    (grid,) = [h for h in at.get("html") if 'class="aelab-grid"' in h.proto.body]
    captions = re.findall(r'<div class="aelab-caption">([^<]*)</div>', grid.proto.body)
    assert captions[0] == "original test digits" and at.image[-1].captions[0] == "196 hidden units"
    for label, caption in zip(("Dense AE", "Multi-layer AE", "Sparse AE"), captions[1:4], strict=True):
        assert caption.startswith(f"{label} (784-") and caption.endswith(" dB"), caption
    assert grid.proto.body.count("<img ") == 4 * 6
    digits = grid.proto.body
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(chart["data"][0]["y"]) == 196  # one bar per hidden unit
    target = next(t for t in chart["data"] if t["name"].startswith("target ρ"))  # in the legend, not on the bars
    assert target["y"] == [pytest.approx(0.1)] * 2
    at.button(key="variants_new").click().run()  # A new sample: other digits.
    grids = [h.proto.body for h in at.get("html") if 'class="aelab-grid"' in h.proto.body]
    assert not at.exception and grids != [digits]


def test_studies_page_shows_every_stored_result(open_page):
    at = open_page("app_pages/studies.py")
    assert at.title[0].value == "Studies"
    assert not at.error, [e.value for e in at.error]
    assert len(at.tabs) == len(experiments.STUDIES)
    stored = [s for s in experiments.STUDIES if experiments.load_result(s) is not None]
    assert stored, "the repository ships the studies' results"
    # One table per stored study (two for pca: reconstruction and accuracy).
    expected = sum(1 + len(experiments.load_result(s)["tables"]) for s in stored)
    assert len(at.table) == expected
    for s in stored:
        first = experiments.load_result(s)["table"]["columns"][0]
        assert any(first in df.value.columns for df in at.table), s
    assert len(at.get("plotly_chart")) >= len(stored)


def test_studies_quick_rerun_button(open_page):
    at = open_page("app_pages/studies.py")
    n_tables = len(at.table)
    at.button(key="rerun_variants").click().run(timeout=180)
    job = at.session_state["aelab"].jobs["study:variants"]  # A job in the training pool, not a fit on the page.
    assert job.wait(300) and job.status == "done", job.error
    at.run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert len(at.table) == n_tables + 1
    # In the Variants tab: the stored table, then the quick run's just below it.
    stored, quick = (df.value for df in at.table if "model" in df.value.columns)
    assert quick["model"].tolist() == stored["model"].tolist() == ["Dense AE", "Multi-layer AE", "Sparse AE"]
    assert quick["MSE"].tolist() != stored["MSE"].tolist()  # 2 epochs on 2,000 digits, not the stored run
    assert any("Quick rerun" in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compression_ratio_also_as_the_tutorials_fraction(open_page, lang):
    from aelab import i18n

    if experiments.load_result("compression") is None:
        pytest.skip("no stored compression result")
    at = open_page("app_pages/studies.py", {"lang": lang})
    assert not at.exception, [e.value for e in at.exception]
    with i18n.use(lang):
        ratio, fraction = i18n._("compression ratio"), i18n._("code / image")
    (table,) = [df.value for df in at.table if ratio in df.value.columns]
    columns = list(table.columns)
    assert columns.index(fraction) == columns.index(ratio) + 1  # beside 784 / latent size
    sizes = table[table.columns[0]].tolist()
    assert table[fraction].tolist()[sizes.index("2")] == "1/392"
