"""What a session keeps stays bounded: its figures (app_pages/_common.py session_figure) across selections and pages."""

import json

from streamlit.testing.v1 import AppTest

PAGE = "app_pages/latent_space.py"


def kept_figures(at):
    return at.session_state["aelab"].figures


def select(select_points, at, rows):
    points = [{"curve_number": 0, "point_index": i, "customdata": row} for i, row in enumerate(rows)]
    select_points(at, at.get("plotly_chart")[0], points)
    assert not at.exception, [e.value for e in at.exception]


def ring_traces(chart):
    return [t for t in json.loads(chart.proto.spec)["data"] if t.get("name") == "selected"]


def test_selections_keep_one_scatter_per_model_and_draw_only_the_last_highlight(open_page, select_points):
    at = open_page(PAGE)
    select(select_points, at, [3, 10, 13])
    figures = {slot: fig for slot, (_key, fig) in kept_figures(at).items()}
    assert set(figures) == {"latent_ae2d", "latent_vae2d"}
    select(select_points, at, [5, 6])
    assert {slot: fig for slot, (_key, fig) in kept_figures(at).items()} == figures  # The same figures, kept.
    source, other = at.get("plotly_chart")  # Selected on the AE's chart, which shows it itself.
    rings = ring_traces(other)
    assert len(rings) == 1 and len(rings[0]["text"]) == 2  # The new selection's rings only.
    assert not ring_traces(source)
    at.button(key="latent_clear").click().run()
    assert all(not ring_traces(chart) for chart in at.get("plotly_chart"))
    assert all(len(fig.data) == 10 for fig in figures.values())  # Back to the ten digit traces.


def _many_slots():
    from app_pages import _common, _state

    _state.init()
    for i in range(10):
        _common.session_figure(f"slot{i}", i, lambda i=i: f"figure {i}")
    _common.session_figure("slot7", 7, lambda: "built again")  # Kept: the same key.
    _common.session_figure("slot9", "new key", lambda: "figure 9b")  # Replaced in its slot.


def test_a_session_keeps_at_most_max_figures_the_least_recently_used_going_first():
    from app_pages import _common

    at = AppTest.from_function(_many_slots, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    figures = kept_figures(at)
    assert len(figures) == _common.MAX_FIGURES == 4
    assert list(figures) == ["slot6", "slot8", "slot7", "slot9"]
    assert figures["slot7"][1] == "figure 7" and figures["slot9"][1] == "figure 9b"
