"""Unit tests for the "draw larger" hint: how much of the pad a drawn digit spans (aelab.data.digits)."""

import base64

import numpy as np

from aelab.data import digits, images


def pad_drawing(size):
    """A 280 x 280 pad, dark ink on white, with a stroke `size` pixels tall."""
    pad = np.ones((280, 280), "float32")
    pad[100 : 100 + size, 130:140] = 0.0
    return pad


def as_data_url(img):
    return digits.DATA_URL_PREFIX + base64.b64encode(images.to_png(img)).decode("ascii")


def test_ink_extent_is_the_inks_longer_side_over_the_pictures():
    assert digits.ink_extent(pad_drawing(140)) == 0.5
    assert digits.ink_extent(pad_drawing(28)) == 0.1


def test_a_tiny_drawing_is_small_and_a_large_one_is_not():
    assert digits.drawing_is_small(as_data_url(pad_drawing(40)))
    assert not digits.drawing_is_small(as_data_url(pad_drawing(200)))
    # Unreadable or blank drawings get their own message from from_data_url, not this hint.
    assert not digits.drawing_is_small("data:image/png;base64,@@@")
    assert not digits.drawing_is_small(as_data_url(np.ones((280, 280), "float32")))
