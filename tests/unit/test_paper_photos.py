"""Photos of a digit on paper (uneven light, a shadow, ruled or squared paper, a second mark, blank, faint)
come out as the centred digit, or with the right message (aelab.data.digits)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aelab.data import digits

H, W = 360, 480


def pen_digit():
    """Ink (1) of a handwritten-looking 4 on a (H, W) page, a bit left of centre."""
    img = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(img)
    d.line([(200, 90), (160, 220), (280, 220)], fill=255, width=16, joint="curve")
    d.line([(250, 120), (240, 300)], fill=255, width=16)
    return np.asarray(img, "float32") / 255


def photo(kind, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:H, :W].astype("float32")
    paper = np.full((H, W), 0.88, "float32")
    if kind in ("gradient", "all"):
        paper = 0.95 - 0.45 * (xx / W) * (0.5 + 0.5 * yy / H)  # Light falling off to one corner.
    if kind in ("shadow", "all"):
        # A hand's shadow across the digit, its edge soft over some 30 pixels (a hard edge running along
        # a stroke leaves a sliver the background filter cannot tell from ink: docs/models.md).
        paper = paper * (1 - 0.45 / (1 + np.exp(-(xx + 0.6 * yy - 0.6 * W) / 8)))
    if kind in ("ruled", "all"):
        for r in range(20, H, 34):
            paper[r : r + 2] *= 0.75
    if kind == "squared":
        for r in range(15, H, 28):
            paper[r : r + 2] *= 0.8
        for c in range(15, W, 28):
            paper[:, c : c + 2] *= 0.8
    ink = pen_digit()
    if kind == "two marks":
        ink[30:60, 380:460] = 1.0  # A crossed-out scribble in the corner.
    contrast = {"blank": 0.0, "faint": 0.14}.get(kind, 0.85)
    return np.clip(paper * (1 - contrast * ink) + rng.normal(0, 0.015, (H, W)), 0, 1).astype("float32")


@pytest.fixture(scope="module")
def clean():
    return digits.mnist_style(pen_digit())


@pytest.mark.parametrize("kind", ["plain", "gradient", "shadow", "ruled", "squared", "all", "two marks"])
def test_a_photo_gives_the_centred_digit(kind, clean):
    out, notes = digits.read(photo(kind))
    assert out.shape == (28, 28, 1) and out.max() > 0.9
    assert np.abs(out - clean).mean() < 0.06, np.abs(out - clean).mean()  # The same digit, as if scanned.
    r, c = np.indices((28, 28))
    a = out[..., 0]
    assert abs((r * a).sum() / a.sum() - 14) < 1 and abs((c * a).sum() / a.sum() - 14) < 1
    assert bool(notes) == (kind == "two marks")
    if notes:
        assert "largest mark" in notes[0]


def test_a_blank_page_and_a_faint_digit_get_their_own_messages():
    with pytest.raises(digits.DigitError, match="blank"):
        digits.read(photo("blank"))
    with pytest.raises(digits.DigitError, match="too faint"):
        digits.read(photo("faint"))


def test_mnist_test_digits_come_through_unchanged(data_dir):
    from aelab import data

    x = data.load_mnist(data_dir)[1][0][:1000]
    out = np.stack([digits.mnist_style(d) for d in x])
    assert np.mean(np.abs(out - x) <= 1 / 255 + 1e-6) >= 0.99  # All 10,000: 99.80 % (docs/models.md).


def test_an_upload_says_when_the_largest_of_several_marks_was_used():
    import io

    def upload(kind):
        buf = io.BytesIO()
        Image.fromarray(np.round(photo(kind) * 255).astype("uint8")).save(buf, format="JPEG", quality=90)
        return buf.getvalue()

    digit, notes = digits.from_upload_with_notes(upload("two marks"))
    assert digit.shape == (28, 28, 1) and len(notes) == 1 and "largest mark" in notes[0]
    assert digits.from_upload_with_notes(upload("plain"))[1] == []


def test_marks_are_labelled_as_whole_strokes_however_long():
    # A one-pixel serpentine (one mark some 450 pixels long), a block apart from it, and two pixels that
    # touch the block only at a corner: each mark gets one id, the largest of its pixels', and they differ.
    mask = np.zeros((40, 40), bool)
    mask[0:30:2, :30] = True
    mask[1:30:4, 29] = mask[3:30:4, 0] = True  # Each row joined to the next at alternate ends.
    mask[34:38, 34:38] = True
    mask[38, 33] = mask[39, 32] = True  # Joined to the block by corners only (8-neighbours).
    ids = digits._label(mask)
    spiral, block = ids[0, 0], ids[35, 35]
    assert set(np.unique(ids[mask])) == {spiral, block} and spiral != block
    assert ids[39, 32] == block and (ids[~mask] == 0).all()
    flat = np.arange(1, mask.size + 1).reshape(mask.shape)
    assert spiral == flat[ids == spiral].max() and block == flat[ids == block].max()


@pytest.mark.parametrize("bottom_x", [140, 130], ids=["straight", "leaning"])
def test_a_tall_one_on_the_pad_is_a_stroke_not_a_ruled_line(bottom_x):
    # A 1 drawn down 95 % of the pad covers more of its column than LINE_COVER, as a ruled line would; only a
    # line runs off the picture at both ends. Before, the straight 1 was erased ("the image is blank") and
    # the leaning one hollowed out to its edges (a quarter of the ink).
    img = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(img).line([(140, 20), (bottom_x, 260)], fill=255, width=26)
    out = digits.mnist_style(np.asarray(img, "float32") / 255)[..., 0]
    assert out.max() > 0.99 and out[4:24].max(axis=1).min() > 0.9  # Inked from top to bottom of the box.
    assert out.sum() > 30  # A whole stroke (40-44), not two faint edges (10.6).
    assert 1.5 < digits.stroke_width(out) < digits.THICK_PEN


def marker_digit(width):
    img = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(img)
    d.line([(200, 90), (160, 220), (280, 220)], fill=255, width=width, joint="curve")
    d.line([(250, 120), (240, 300)], fill=255, width=width)
    return np.asarray(img, "float32") / 255


def test_a_markers_strokes_are_thinned_into_mnists_range_and_a_pens_are_kept(clean):
    ink = marker_digit(48)
    rows, cols = np.nonzero(ink > 0.1)
    as_drawn = digits._in_field(ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1])
    assert digits.stroke_width(as_drawn) > digits.THICK_PEN  # The plain recipe alone keeps it thick.
    thick, notes = digits.read(ink)
    assert len(notes) == 1 and "thinned" in notes[0]  # The page says what was done to the upload.
    assert abs(digits.stroke_width(thick) - digits.THICK_PEN) < 0.5, digits.stroke_width(thick)
    # Nearer the same 4 drawn with a fine pen than the plain recipe leaves it (0.090 against 0.121).
    assert np.abs(thick - clean).mean() < 0.8 * np.abs(as_drawn[..., None] - clean).mean()
    # A pen within MNIST's range and an MNIST-sized image keep the plain recipe.
    assert digits.stroke_width(clean) < digits.THICK_PEN
    small = np.asarray(Image.fromarray((ink * 255).astype("uint8")).resize((37, 28)), "float32") / 255
    assert digits.stroke_width(digits.mnist_style(small)) > digits.THICK_PEN
