"""Unit tests for aelab.data.images: upload decoding and validation, resizing, mosaics, PNG."""

import io

import numpy as np
import pytest
from PIL import Image

from aelab.data import images


def encode(img, fmt="PNG", **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_decode_png_rgb_exactly():
    a = np.zeros((3, 4, 3), "uint8")
    a[0, 0] = (255, 0, 0)
    out = images.decode_upload(encode(Image.fromarray(a)))
    assert out.shape == (3, 4, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    assert out[1:].max() == 0


def test_decode_jpeg():
    out = images.decode_upload(encode(Image.new("RGB", (8, 6), (0, 0, 255)), "JPEG"))
    assert out.shape == (6, 8, 3)
    assert out[..., 2].mean() > 0.9 and out[..., 0].mean() < 0.1


def test_transparency_is_laid_over_white():
    rgba = Image.new("RGBA", (2, 2), (0, 0, 0, 0))
    np.testing.assert_allclose(images.decode_upload(encode(rgba)), 1.0)
    p = Image.new("P", (2, 2), 0)
    p.putpalette([0, 0, 0] * 256)
    p.info["transparency"] = 0
    np.testing.assert_allclose(images.decode_upload(encode(p, transparency=0)), 1.0)


@pytest.mark.parametrize("mode, value, expected", [("L", 128, 128 / 255), ("1", 1, 1.0), ("CMYK", (0, 0, 0, 0), 1.0)])
def test_other_modes_become_rgb(mode, value, expected):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = images.decode_upload(encode(Image.new(mode, (4, 4), value), fmt))
    assert out.shape == (4, 4, 3)
    np.testing.assert_allclose(out, expected, atol=0.02)


def test_sixteen_bit_gray_keeps_its_range():
    img = Image.fromarray(np.full((4, 4), 65535, dtype="uint16"))
    out = images.decode_upload(encode(img))
    np.testing.assert_allclose(out, 1.0)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"", "empty"),
        (b"hello, I am a text file\n", "not an image"),
        (b"%PDF-1.4 not really", "not an image"),
    ],
)
def test_non_images_are_refused_clearly(payload, message):
    with pytest.raises(images.ImageError, match=message):
        images.decode_upload(payload)


def test_other_formats_are_refused():
    with pytest.raises(images.ImageError, match="Unsupported image format.*WEBP"):
        images.decode_upload(encode(Image.new("RGB", (4, 4)), "WEBP"))


def test_truncated_file_is_refused():
    rng = np.random.default_rng(0)
    png = encode(Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype="uint8")))
    with pytest.raises(images.ImageError, match="damaged"):
        images.decode_upload(png[: len(png) // 2])


def test_size_limits():
    png = encode(Image.new("RGB", (100, 100)))
    with pytest.raises(images.ImageError, match="too large"):
        images.decode_upload(png, max_bytes=10)
    with pytest.raises(images.ImageError, match="10,000 pixels"):
        images.decode_upload(png, max_pixels=9999)


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(images.ImageError, match="too large"):
        images.decode_upload(encode(Image.new("RGB", (20, 20))))


def test_to_uint8_rounds_clips_and_squeezes():
    out = images.to_uint8(np.array([[[-1.0], [0.5], [2.0]]]))
    assert out.dtype == np.uint8 and out.shape == (1, 3)
    np.testing.assert_array_equal(out, [[0, 128, 255]])


def test_enlarge_nearest_repeats_pixels():
    x = np.array([[0.0, 1.0]])
    out = images.enlarge(x, 3, smooth=False)
    assert out.shape == (3, 6)
    np.testing.assert_array_equal(out, np.repeat(np.repeat([[0, 255]], 3, 0), 3, 1))


def test_resize_smooth_rgb():
    out = images.resize(np.ones((32, 32, 3)) * 0.5, (128, 96), smooth=True)
    assert out.shape == (96, 128, 3) and abs(int(out.mean()) - 128) <= 1


def test_square_crop_resize_keeps_the_centre():
    a = np.zeros((10, 30, 3), "float32")
    a[:, 10:20] = 1.0  # only the centre square is white
    out = images.square_crop_resize(a, 4)
    assert out.shape == (4, 4, 3)
    np.testing.assert_allclose(out, 1.0, atol=1e-6)


def test_tile_layout_padding_and_fill():
    x = np.stack([np.full((2, 2), v, "float32") for v in (0.1, 0.2, 0.3)])
    out = images.tile(x, n_cols=2, pad=1, pad_value=9.0)
    assert out.shape == (5, 5)
    assert out[0, 0] == np.float32(0.1) and out[0, 3] == np.float32(0.2) and out[3, 0] == np.float32(0.3)
    assert out[2, 0] == 9.0 and out[3, 3] == 9.0  # gap and empty cell
    with pytest.raises(ValueError, match="n_cols"):
        images.tile(x, 0)
    with pytest.raises(ValueError, match="non-empty"):
        images.tile(np.zeros((0, 2, 2)), 2)


def test_to_png_round_trip():
    a = np.random.default_rng(1).integers(0, 256, (5, 7, 3), dtype="uint8")
    back = np.asarray(Image.open(io.BytesIO(images.to_png(a))))
    np.testing.assert_array_equal(back, a)


def test_pillow_limit_holds_even_where_pillow_only_warns(monkeypatch):
    # Between Pillow's MAX_IMAGE_PIXELS and twice that, Image.open only warns.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(images.ImageError, match="too large to decode safely"):
        images.decode_upload(encode(Image.new("RGB", (12, 12))))
