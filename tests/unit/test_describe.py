"""Unit tests for aelab.figures.describe: the charts' words say what the picture shows."""

import numpy as np
import pytest

from aelab import i18n
from aelab.figures import describe


def blobs():
    """Four digit clouds at known places: 0 top left, 1 bottom right, 4 and 9 on top of each other."""
    rng = np.random.default_rng(0)
    places = {0: (-2.0, 2.0), 1: (2.0, -2.0), 4: (0.0, 0.1), 9: (0.1, 0.0)}
    z = np.concatenate([rng.normal(c, 0.3, (200, 2)) for c in places.values()])
    y = np.repeat(list(places), 200)
    return z, y


def test_clusters_says_where_each_digit_lies_and_which_overlap():
    z, y = blobs()
    text = describe.clusters(z, y)
    assert "0s lie at the top left around (−2.0, 2.0)" in text
    assert "1s lie at the bottom right around (2.0, −2.0)" in text
    assert "4s lie in the centre around (0.0, 0.1)" in text
    assert "4s and 9s overlap near (0.1, 0.0)" in text
    assert "0s and" not in text and "and 1s" not in text  # far apart clouds are not said to overlap


def test_clusters_in_the_view_a_plane_shows():
    z, y = blobs()
    # On a plane that reaches far to the right, the 1s' cloud at (2, −2) is no longer at its right.
    assert "1s lie at the bottom around (2.0, −2.0)" in describe.clusters(z, y, view=((-2.5, 10), (-3, 3)))


def test_manifold_names_the_digit_of_each_region():
    z, y = blobs()
    text = describe.manifold(z, y, (-3.0, 3.0), (-3.0, 3.0))
    assert text.startswith("The grid spans z0 −3.0 to 3.0 and z1 −3.0 to 3.0; by the nearest test digits it draws:")
    assert "at the top left 0s" in text and "at the bottom right 1s" in text and "in the centre 4s" in text


def test_clusters_of_nothing():
    assert describe.clusters(np.zeros((0, 2)), np.zeros(0, "int64")) == "No digits are drawn."


def test_decoded_is_the_vote_of_the_nearest_test_digits():
    z, y = blobs()
    assert describe.looks_like((2.1, -1.9), z, y) == (1, 10, 10)
    text = describe.decoded((1.96, -2.04), z, y)
    assert text == "decoded from (2.0, −2.0): looks like a 1 (10 of the 10 nearest test digits are 1s)"


def test_numbers_use_a_true_minus_and_no_negative_zero():
    assert describe.point((-0.04, 1.26)) == "(0.0, 1.3)"
    assert describe.number(-2.14) == "−2.1"


def test_selection_counts_each_class():
    y = np.array([4, 4, 9, 1])
    assert describe.selection([0, 1, 2], y) == "3 digits selected: 2 × 4, 1 × 9."
    assert describe.selection([], y) == "No digits selected."


@pytest.mark.parametrize("fn", ["clusters", "decoded", "path", "yours"])
def test_descriptions_are_in_chinese_with_chinese_punctuation(fn):
    z, y = blobs()
    said = {
        "clusters": lambda: describe.clusters(z, y),
        "decoded": lambda: describe.decoded((2.0, -2.0), z, y),
        "path": lambda: describe.path([(-2.0, 2.0), (2.0, -2.0)], z, y),
        "yours": lambda: describe.yours((2.0, -2.0), z, y),
    }
    with i18n.use("zh"):
        text = said[fn]()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert ":" not in text and ";" not in text, text


def test_a_path_says_where_it_runs_and_what_its_steps_look_like():
    z, y = blobs()
    text = describe.path(np.linspace((-2.0, 2.0), (2.0, -2.0), 5), z, y)
    head = "The path runs from (−2.0, 2.0) to (2.0, −2.0) in 5 steps; by the nearest test digits its steps look like "
    assert text.startswith(head) and text.endswith(".")
    steps = text[len(head) : -1].split(", ")
    assert len(steps) == 5 and steps[0] == "0" and steps[-1] == "1" and steps[2] in {"4", "9"}  # 4, 9 overlap.


def test_your_digit_says_where_it_landed():
    z, y = blobs()
    assert describe.yours((1.96, -2.04), z, y) == (
        "Your digit is the cross at (2.0, −2.0), among test digits that look like a 1."
    )
