"""The link rules (aelab.links): parsers, the one snapping function, parameter tables."""

import math

import pytest

from aelab import links


def test_snap_clamps_and_puts_on_the_slider_steps():
    assert links.snap(0.33, 0.0, 1.0, 0.05) == 0.35
    assert links.snap(7, 0.0, 1.0, 0.05) == 1.0
    assert links.snap(-3, 1, 10) == 1
    assert links.snap(0.1 + 0.2, 0.0, 1.0, 0.1) == 0.3  # not 0.30000000000000004
    assert links.snap(2.26, -4.0, 4.0, 0.1) == 2.3  # steps start at lo


@pytest.mark.parametrize(
    ("parser", "text", "expected"),
    [
        (links.number(0.0, 1.0, 0.05), "0.8", 0.8),
        (links.number(0.0, 1.0, 0.05), "7", 1.0),  # clamped
        (links.integer(1, 10), "-3", 1),
        (links.integer(1, 10), "99", 10),
        (links.pair(-4.0, 4.0, 0.1), "3,-1", (-1.0, 3.0)),  # put in order
        (links.point((-4, 4), (-2, 2), 0.1), "9,0.04", (4, 0.0)),
        (links.rows(100, 3), "5,3,3,500,1,2", [1, 2, 3]),  # distinct, in range, at most 3
        (links.choice(("all", "ship")), "ship", "ship"),
        (links.flag, "True", True),
    ],
)
def test_parsers_clamp_what_they_can(parser, text, expected):
    assert links.parse(text, parser, "fallback") == expected


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (links.number(0.0, 1.0), "nan"),
        (links.number(0.0, 1.0), "inf"),
        (links.integer(1, 10), "1e9"),
        (links.integer(1, 10), "two"),
        (links.pair(0, 1), "0.5"),
        (links.rows(100, 3), "1,x"),
        (links.choice(("all", "ship")), "<script>"),
        (links.flag, "maybe"),
    ],
)
def test_a_value_that_does_not_parse_gives_the_fallback(parser, text):
    assert links.parse(text, parser, "fallback") == "fallback"


def test_absent_or_overlong_values_are_not_read():
    assert links.parse(None, links.integer(0, 9), 4) == 4
    assert links.parse("1," * links.MAX_TEXT, links.rows(10, 5), []) == []


def test_text_writes_what_the_parsers_read_back():
    for parser, value in [
        (links.number(0.0, 1.0, 0.05), 0.35),
        (links.pair(-4.0, 4.0, 0.1), (-1.5, 2.0)),
        (links.rows(10_000, 200), [3, 10, 13]),
        (links.integer(0, 10**6), 7),
    ]:
        assert parser(links.text(value)) == value
    assert links.text(0.1 + 0.2) == "0.3" and links.text(math.pi) == "3.14159"


def test_a_parameter_applies_only_with_the_parameters_it_goes_with():
    table = [
        links.Param("tab", links.choice(("explore", "interpolate")), "explore", key="tab"),
        links.Param("a", links.integer(0, 9999), 3, key="a", when={"tab": "interpolate"}),
    ]
    assert table[1].read({"tab": "interpolate", "a": "12"}) == 12
    assert table[1].read({"tab": "explore", "a": "12"}) == 3  # not this tab's
    assert links.link_text(table, {"tab": "interpolate", "a": 12}) == {"tab": "interpolate", "a": "12"}
    assert links.link_text(table, {"tab": "explore", "a": 12}) == {"tab": "explore"}


def test_to_link_writes_english_and_can_leave_a_default_out():
    t = links.Param("t", links.choice(("1", "0.3")), "1", key="t", to_link=lambda v: None if v == "1" else v)
    model = links.Param("model", lambda s: {"ae": "ae2d"}[s], "ae2d", key="k", to_link=lambda k: {"ae2d": "ae"}[k])
    assert links.link_text([t, model], {"t": "1", "model": "ae2d"}) == {"model": "ae"}
    assert links.link_text([t], {"t": "0.3"}) == {"t": "0.3"}
    assert model.read({"model": "vae"}) == "ae2d"  # a parser's KeyError is not a valid value either
