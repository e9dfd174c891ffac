"""Every odd file a classroom can upload, made here, and what aelab.data.images does with it.

Each row is either refused with an `ImageError` whose message a student can
read, or decoded to a sensible RGB image (and, where something was dropped or
converted, a note that says so). tests/app/test_reliability.py sends a few of
the same files through the Colorization page.
"""

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from aelab.data import images


def encode(img, fmt="PNG", **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def noise_rgb(size=(64, 64), seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype="uint8"))


def text_file():
    return b"Dear class,\nthis is a text file that somebody renamed to photo.png.\n"


def zip_file():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("homework.txt", "not a picture")
    return buf.getvalue()


def truncated(fmt):
    data = encode(noise_rgb(), fmt)
    return data[: len(data) // 2]


def png_declaring(width, height):
    """A valid 1x1 PNG whose header then claims `width` x `height` (a decompression bomb's header)."""
    data = bytearray(encode(Image.new("L", (1, 1))))
    # Signature (8 bytes), then the IHDR chunk: length, b"IHDR", width, height, ..., CRC.
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_declaring(width, height):
    """A small JPEG whose start-of-frame header claims `width` x `height`."""
    data = bytearray(encode(Image.new("RGB", (8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def sixteen_bit_gray():
    return encode(Image.fromarray(np.array([[0, 16384], [32768, 65535]], dtype="uint16")))


def dark_sixteen_bit_gray():
    # Every level <= 255: still 16-bit, so nearly black, not mid-gray to white.
    return encode(Image.fromarray(np.full((4, 4), 255, dtype="uint16")))


def cmyk_jpeg():
    return encode(Image.new("CMYK", (16, 16), (255, 0, 0, 0)), "JPEG", quality=95)  # pure cyan ink


def palette_png():
    img = Image.new("P", (4, 4), 1)
    img.putpalette([0, 0, 0, 0, 200, 0] + [0, 0, 0] * 254)
    return encode(img)


def rgba_half_transparent():
    return encode(Image.new("RGBA", (4, 4), (255, 0, 0, 128)))


def gray_alpha_transparent():
    return encode(Image.new("LA", (4, 4), (0, 0)))


def animated(fmt):
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def other_format(fmt):
    return encode(Image.new("RGB", (4, 4)), fmt)


BOMB = "too large to decode safely: its header declares a huge picture"

# (id, the file's bytes, the words the refusal must contain)
REFUSED = [
    ("text renamed .png", text_file, "not an image"),
    ("zip renamed .png", zip_file, "not an image"),
    ("0 bytes", lambda: b"", "empty"),
    ("truncated PNG", lambda: truncated("PNG"), "damaged or incomplete"),
    ("truncated JPEG", lambda: truncated("JPEG"), "damaged or incomplete"),
    ("PNG bomb 50000x50000", lambda: png_declaring(50000, 50000), BOMB),
    ("JPEG bomb 50000x50000", lambda: jpeg_declaring(50000, 50000), BOMB),
    ("PNG declaring 6000x6000", lambda: png_declaring(6000, 6000), "Received: 6000x6000 = 36,000,000 pixels"),
    ("BMP", lambda: other_format("BMP"), "Unsupported image format: expected one of PNG, JPEG, GIF. Received: BMP"),
    ("TIFF", lambda: other_format("TIFF"), "Received: TIFF"),
]


@pytest.mark.parametrize("make, words", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_with_a_readable_message(make, words):
    data = make()
    assert len(data) < 10_000  # every bad file here is small; the bombs only declare a huge size
    with pytest.raises(images.ImageError) as e:
        images.read_upload(data)
    message = str(e.value)
    assert words in message
    assert "Traceback" not in message and "\n" not in message


def pixel(out, y=0, x=0):
    return np.round(out.rgb[y, x] * 255).astype(int).tolist()


# (id, the file's bytes, check of the decoded Upload)
DECODED = [
    (
        "16-bit gray, full range",
        sixteen_bit_gray,
        lambda u: np.testing.assert_allclose(u.rgb[..., 0], [[0, 0.25], [0.5, 1]], atol=1e-4),
    ),
    ("16-bit gray, dark", dark_sixteen_bit_gray, lambda u: np.testing.assert_allclose(u.rgb, 255 / 65535, atol=1e-6)),
    ("CMYK JPEG", cmyk_jpeg, lambda u: np.testing.assert_allclose(pixel(u), [0, 255, 255], atol=30)),
    ("palette PNG", palette_png, lambda u: np.testing.assert_array_equal(pixel(u), [0, 200, 0])),
    (
        "RGBA half transparent",
        rgba_half_transparent,
        lambda u: np.testing.assert_allclose(pixel(u), [255, 127, 127], atol=1),
    ),
    ("LA fully transparent", gray_alpha_transparent, lambda u: np.testing.assert_allclose(u.rgb, 1.0)),
    ("animated GIF", lambda: animated("GIF"), lambda u: np.testing.assert_array_equal(pixel(u), [255, 0, 0])),
    ("animated PNG", lambda: animated("PNG"), lambda u: np.testing.assert_array_equal(pixel(u), [255, 0, 0])),
    # Decodes; the page then refuses it with images.check_aspect (below).
    ("4000x10", lambda: encode(noise_rgb((4000, 10))), lambda u: np.testing.assert_equal(u.rgb.shape, (10, 4000, 3))),
]

NOTES = {
    "16-bit gray, full range": "16-bit",
    "16-bit gray, dark": "16-bit",
    "RGBA half transparent": "shown on white",
    "LA fully transparent": "shown on white",
    "animated GIF": "animated GIF with 3 frames: only the first one is used",
    "animated PNG": "animated PNG with 3 frames: only the first one is used",
}


@pytest.mark.parametrize("name, make, check", DECODED, ids=[r[0] for r in DECODED])
def test_decoded_sensibly_and_conversions_are_said(name, make, check):
    up = images.read_upload(make())
    assert up.rgb.dtype == np.float32 and up.rgb.ndim == 3 and up.rgb.shape[-1] == 3
    assert 0.0 <= up.rgb.min() and up.rgb.max() <= 1.0
    check(up)
    note = NOTES.get(name)
    if note:
        assert any(note in n for n in up.notes), up.notes
    else:
        assert up.notes == []
    # The older entry point gives the same pixels.
    np.testing.assert_array_equal(images.decode_upload(make()), up.rgb)


@pytest.mark.parametrize(
    "shape, outcome",
    [
        ((10, 4000, 3), "refused"),
        ((4000, 10, 3), "refused"),
        ((10, 250, 3), "refused"),
        ((10, 150, 3), "note"),  # 15:1, still usable: the note says only the centre is used
        ((30, 60, 3), None),  # 2:1, an ordinary landscape photo
        ((1, 1, 3), None),
    ],
)
def test_aspect_ratio(shape, outcome):
    rgb = np.zeros(shape, "float32")
    if outcome == "refused":
        with pytest.raises(images.ImageError, match=r"too long and thin to use: .* Received: \d+:1"):
            images.check_aspect(rgb)
        return
    note = images.check_aspect(rgb)
    if outcome == "note":
        assert "only its centre 10x10 square is used" in note
    else:
        assert note is None
    assert images.square_crop_resize(rgb, 32).shape == (32, 32, 3)


def test_accepted_text_matches_the_limits():
    text = images.accepted_text()
    assert "PNG, JPEG or GIF" in text and "10 MB" in text and "25 megapixels" in text
