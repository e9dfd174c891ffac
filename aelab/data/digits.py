"""A digit someone drew or photographed, made to look like an MNIST digit.

MNIST's recipe (LeCun et al., 1998): each digit was scaled to fit a 20x20 box,
keeping its aspect ratio, and placed in a 28x28 field so that its centre of mass
sits at the centre. The models only know digits made that way, so a drawing or
an upload goes through the same steps before it is encoded. A photo is also
cleaned first (its paper's light, ruled lines, other marks: see `_ink`, `marks`),
and a digit written with a pen much thicker than MNIST's is thinned into MNIST's
range (`THICK_PEN`).
"""

import base64
import binascii

import numpy as np
from PIL import Image, ImageFilter

from aelab import data
from aelab.data import images
from aelab.i18n import _

SIZE = 28  # MNIST's field.
BOX = 20  # The longer side of every MNIST digit.
MIN_CONTRAST = 0.15  # Ink must differ this much from the background (of 1.0).
INK_THRESHOLD = 0.1  # Pixels above this fraction of the ink's strength count for the bounding box.
DATA_URL_PREFIX = "data:image/png;base64,"
SMALL_INK = 0.3  # A drawing whose ink spans less than this share of the pad's side is "small".


class DigitError(ValueError):
    """An image holds no digit we can use; the message says why, for the user."""


def _gray(img):
    img = np.asarray(img, dtype="float32")
    if img.ndim == 3 and img.shape[-1] == 3:
        img = data.to_gray(img)  # ITU-R 601 luma, as Pillow's convert("L").
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim != 2 or min(img.shape) < 1:
        raise ValueError(f"Expected an image of shape (H, W), (H, W, 1) or (H, W, 3). Received shape {img.shape}")
    return img


# Paper photos (uneven light, a hand's shadow, ruled or squared paper, a second mark): see `ink`.
LOW_CONTRAST = 0.04  # Below this the image is blank; between it and MIN_CONTRAST, too faint to read.
WORK_SIDE = 128  # Side the background and the marks are looked at on (a photo is shrunk to it first).
BACKGROUND_WINDOW = 1 / 12  # The background filter's window, as a share of the working side: wider than a stroke.
FLAT_BACKGROUND = 0.06  # A background varying less than this is taken as flat (the border's median, as before).
LINE_COVER = 0.8  # A row or column inked over more than this share of its length is a ruled line, not a digit.
MARK_THRESHOLD = 0.3  # Ink above this (of its strength) makes up a mark.
NEAR_MARK = 0.15  # Marks within this share of the main mark's size of its box belong to the digit.
# Stroke widths in MNIST's field (`stroke_width`; `python bench/pad_stroke.py`): MNIST's test digits have a
# median of 2.6 px and 90 % are under 3.5 px. A photo's or a drawing's thicker strokes (a marker, a bold
# font) are thinned to 3.5 px, into MNIST's range: the 2-D maps put thick round digits among the 5s and 8s,
# and the denoiser reads them as other digits. Thinning further (to the median) keeps less of the pen's
# digits through the denoiser (docs/models.md).
THICK_PEN = 3.5
THIN_SCALE = 4  # The thinning works on a copy this many times the field's box (quarter-pixel steps).


def _rank_filter(a, size, kind):
    # Grey-level min or max filter of a float image with a size x size window (Pillow's, in C).
    f = ImageFilter.MinFilter(size) if kind == "min" else ImageFilter.MaxFilter(size)
    return np.asarray(Image.fromarray(np.ascontiguousarray(a, "float32"), mode="F").filter(f), "float32")


def _resize(a, shape, method=Image.Resampling.BILINEAR):
    if a.shape == tuple(shape):
        return a
    img = Image.fromarray(np.ascontiguousarray(a, "float32"), mode="F")
    return np.asarray(img.resize((shape[1], shape[0]), method), "float32")


def _work_shape(shape):
    scale = min(1.0, WORK_SIDE / max(shape))
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def _background(g):
    """The paper's level under every pixel of a light-ink-on-dark image: an opening wider than a stroke.

    Strokes are narrower than the window and vanish from it; light falling off, a shadow and the
    paper's tint are wider and stay. Looked at on a shrunk copy and brought back to size.
    Returns None when the background is flat (a scan, a drawing, an MNIST digit): then one level serves.
    """
    if max(g.shape) < WORK_SIDE // 2:
        return None  # Too small to be a photo (an MNIST-sized image): one level serves.
    small = _resize(g, _work_shape(g.shape), Image.Resampling.BOX)
    # Not blurred: an opening keeps a shadow's edge where it is, and a blurred edge would be read as ink.
    b = _opening(small)
    if float(np.percentile(b, 99) - np.percentile(b, 1)) < FLAT_BACKGROUND:
        return None
    # Brought back to size, a step (a shadow's edge) is smeared over a few pixels, and its dark side
    # would be read as a line of ink: a max filter as wide as the smear pushes it onto the light side.
    up = _resize(b, g.shape)
    reach = int(np.ceil(max(g.shape) / max(small.shape)))
    if reach > 1:
        up = _rank_filter(up, 2 * reach + 1, "max")
    return np.minimum(up, g.max())


def _opening(small):
    size = max(3, int(round(max(small.shape) * BACKGROUND_WINDOW)) | 1)
    # Edges repeated around it first, so the window is whole at the picture's borders too.
    padded = np.pad(small, size, mode="edge")
    return _rank_filter(_rank_filter(padded, size, "min"), size, "max")[size:-size, size:-size]


def _dark_ink(g):
    """Whether a photo's ink is darker than its paper: the side whose strokes stand out more locally."""
    small = _resize(g, _work_shape(g.shape), Image.Resampling.BOX)
    dark = (1 - small) - _opening(1 - small)
    light = small - _opening(small)
    return float(np.percentile(dark, 99.5)) >= float(np.percentile(light, 99.5))


def _without_lines(a):
    # Ruled or squared paper: a row (column) inked over most of its length is a line across the page;
    # its level is taken off that row (column). A digit never spans that much of a row, MNIST's
    # included (its 20-pixel box in a 28-pixel field covers at most 71 %).
    # A line also runs off the picture at both ends; a tall 1 drawn on the pad covers as much of its
    # column but stops short of the edges, and is kept.
    q = 1.0 - LINE_COVER
    rows = np.minimum(np.quantile(a, q, axis=1), np.minimum(a[:, :2].max(axis=1), a[:, -2:].max(axis=1)))
    cols = np.minimum(np.quantile(a, q, axis=0), np.minimum(a[:2].max(axis=0), a[-2:].max(axis=0)))
    if rows.max() <= 0 and cols.max() <= 0:
        return a
    return np.clip(a - rows[:, None] - cols[None, :], 0.0, None)


def ink(img):
    """The ink of a digit image as white-on-black in [0, 1] (see `_ink`)."""
    return _ink(img)[0]


def _ink(img):
    """The ink of a digit image as white-on-black in [0, 1], whatever its polarity and light.

    The polarity comes from the median of the image's border: a dark-on-light drawing (pen on paper)
    is inverted. The background is then estimated locally (`_background`: uneven light, a shadow,
    tinted paper) or, when it is flat, as that border median; ruled or squared lines are taken off;
    what is left is scaled so the strongest stroke is 1.

    Args:
        img: float array of shape (H, W), (H, W, 1) or (H, W, 3) in [0, 1].

    Returns:
        `(a, photo)`: float32 array of shape (H, W), 0 where there is no ink and 1 at the strongest
        stroke; and whether the picture is photo-sized (not MNIST-sized), so read as a photo.

    Raises:
        DigitError: if the image is blank, or its marks are too faint to read.
    """
    g = _gray(img)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    background = float(np.median(border))
    photo_sized = max(g.shape) >= WORK_SIDE // 2  # Not an MNIST-sized image, which keeps the plain recipe.
    # Which way the ink goes: an even border is the background. A photo's uneven border can mislead
    # (paper in a shadow or dim light is darker than 0.5): there the ink is the way with the stronger
    # strokes against the local background.
    even = float(np.percentile(border, 95) - np.percentile(border, 5)) < FLAT_BACKGROUND  # A drawing, a scan.
    on_paper = _dark_ink(g) if photo_sized and not even else background > 0.5
    if on_paper:
        g = 1.0 - g  # Dark strokes on a light ground.
        background = 1.0 - background
    # An even border (a drawing, a scan, a cropped digit) has one background level; thick strokes
    # there must not be taken for background.
    local = _background(g) if photo_sized and not even else None
    if local is None:
        d = g - background
    elif on_paper:
        # On paper, ink absorbs a share of the light that falls on it: in a shadow a stroke is as much
        # darker *relatively* as in full light, so the difference is divided by the paper's brightness.
        d = (g - local) / np.maximum(1.0 - local, 0.1)
    else:
        d = g - local
    if photo_sized:
        # Paper grain and sensor noise left after the background are not ink: the residual's typical
        # level and 4 robust standard deviations of it are taken off (nothing, for a clean drawing).
        mid = float(np.median(d))
        sigma = 1.4826 * float(np.median(np.abs(d - mid)))
        d = d - mid - 4 * sigma
    a = _without_lines(np.clip(d, 0.0, None))
    strength = float(a.max())
    # A photo's grain can leave single bright pixels; a stroke is wider than one, and keeps its level
    # when the picture is shrunk, where grain averages away: the blank test looks at the shrunk copy.
    seen = float(_resize(a, _work_shape(a.shape), Image.Resampling.BOX).max()) if photo_sized else strength
    if seen < (LOW_CONTRAST if photo_sized else MIN_CONTRAST):
        raise DigitError(
            _("No digit found: the image is blank. Draw or upload a digit, dark on light or light on dark.")
        )
    if seen < MIN_CONTRAST:
        raise DigitError(
            _(
                "The marks are too faint to read: the darkest one differs from the paper by only {pct:.0%}. "
                "Take the photo in brighter, even light, or write with a darker pen."
            ).format(pct=seen)
        )
    return np.clip(a / strength, 0.0, 1.0).astype("float32"), photo_sized


def _label(mask):
    # Connected components (8-neighbours) of a small boolean mask: each pixel takes the largest id among its
    # neighbours, then the id held by the pixel that id names (pointer jumping), so a long stroke is labelled
    # in a few dozen passes rather than one per pixel of its length. Ids end as each component's largest.
    ids = np.where(mask, np.arange(1, mask.size + 1).reshape(mask.shape), 0)
    h, w = ids.shape
    while True:
        p = np.pad(ids, 1)
        grown = np.max([p[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)
        grown = np.where(mask, np.concatenate([[0], grown.ravel()])[grown], 0)
        if np.array_equal(grown, ids):
            return ids
        ids = grown


def marks(a, tight=False):
    """The separate marks of an ink map and which of them make up the digit.

    Marks are found on a shrunk copy, their strokes thickened a little so the pieces of one
    handwritten digit (a 5's flag, a broken pencil line) join. The digit is the mark with the most ink,
    with every mark that lies in or near its box; the others are left out.

    Args:
        a: ink map (H, W) from `ink`.
        tight: keep only the digit's marks (thickened) even when nothing is left out: a photo's faint
            leftovers (the rest of a ruled line, paper grain) then cannot widen the digit's box.

    Returns:
        `(keep, dropped)`: a float32 mask (H, W) of what belongs to the digit (1) and the number of
        marks left out that hold at least 5 % of the digit's ink.
    """
    shape = _work_shape(a.shape)
    small = _resize(a, shape, Image.Resampling.BOX)
    mask = small > MARK_THRESHOLD * max(float(small.max()), 1e-6)
    grow = max(1, int(round(max(shape) / 40)))
    joined_ids = _label(_rank_filter(mask.astype("float32"), 2 * grow + 1, "max") > 0.5)
    ids = joined_ids * mask  # Boxes and ink are measured on the strokes, not on their thickened copy.
    mass = {int(k): float(small[ids == k].sum()) for k in np.unique(ids[ids > 0])}
    main = max(mass, key=mass.get)
    rows, cols = np.nonzero(ids == main)
    pad_r = NEAR_MARK * (rows.max() - rows.min() + 1)
    pad_c = NEAR_MARK * (cols.max() - cols.min() + 1)
    kept, dropped = [], 0
    for k in mass:
        r, c = np.nonzero(ids == k)
        near = (
            r.max() >= rows.min() - pad_r and r.min() <= rows.max() + pad_r
            and c.max() >= cols.min() - pad_c and c.min() <= cols.max() + pad_c
        )  # fmt: skip
        if k == main or near and mass[k] >= 0.02 * mass[main]:  # Specks near the digit are grain.
            kept.append(k)
        elif mass[k] >= 0.05 * mass[main]:
            dropped += 1
    if len(kept) == len(mass) and not tight:
        return np.ones_like(a), 0
    keep = np.isin(joined_ids, kept).astype("float32")
    return (_resize(keep, a.shape, Image.Resampling.BILINEAR) > 0.01).astype("float32"), dropped


def _centre_of_mass(a):
    total = float(a.sum())
    rows, cols = np.indices(a.shape)
    return float((rows * a).sum() / total), float((cols * a).sum() / total)


def mnist_style(img):
    """Makes an image of one digit look like an MNIST digit (see the module docstring).

    Args:
        img: float array of shape (H, W), (H, W, 1) or (H, W, 3) in [0, 1],
            light on dark or dark on light.

    Returns:
        float32 array of shape (28, 28, 1) in [0, 1], white digit on black.

    Raises:
        DigitError: if the image is blank.
    """
    return read(img)[0]


def read(img):
    """`mnist_style`, and what the page should tell about the picture.

    Args:
        img: as `mnist_style`.

    Returns:
        `(digit, notes)`: the (28, 28, 1) digit and a list of messages for the user (several
        marks were found and the largest was used; the strokes were thinned to MNIST's pen).

    Raises:
        DigitError: if the image is blank or too faint.
    """
    a, photo = _ink(img)
    keep, dropped = marks(a, tight=photo)
    a = a * keep
    a = a / max(float(a.max()), 1e-6)  # The digit's strongest stroke is 1, whatever was left out.
    notes = []
    if dropped:
        notes.append(_("The picture has other marks besides the digit: the largest mark was used as the digit."))
    # A photo's box is the strokes', not its faint leftovers' (a grid line's trace beside the digit).
    edge = MARK_THRESHOLD if photo else INK_THRESHOLD
    rows = np.flatnonzero((a > edge).any(axis=1))
    cols = np.flatnonzero((a > edge).any(axis=0))
    a = a[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    out = _in_field(a)
    width = stroke_width(out)
    # A marker's or a bold font's strokes: the models saw MNIST's pen only (an MNIST-sized image keeps
    # the plain recipe, so MNIST's own digits come through unchanged).
    thin = _thinned(a, width, edge) if photo and width > THICK_PEN else None
    if thin is not None:
        out = _in_field(thin)
        notes.append(_("The strokes are thicker than MNIST's pen: they were thinned to its width for the models."))
    return out[..., None], notes


def _in_field(a):
    # MNIST's recipe on a cropped ink map: the longer side scaled to the 20-pixel box, placed by mass.
    h, w = a.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # Pillow's "F" mode keeps the floats; Lanczos anti-aliases as MNIST's normalisation did.
    small = np.asarray(Image.fromarray(a, mode="F").resize(size, Image.Resampling.LANCZOS), dtype="float32")
    small = np.clip(small, 0.0, 1.0)
    cy, cx = _centre_of_mass(small)
    h, w = small.shape
    # Shift so the centre of mass lands on pixel (14, 14), where MNIST's digits
    # have it (measured: 13.99 and 14.00 on average), without pushing ink out.
    top = int(np.clip(round(SIZE / 2 - cy), 0, SIZE - h))
    left = int(np.clip(round(SIZE / 2 - cx), 0, SIZE - w))
    out = np.zeros((SIZE, SIZE), dtype="float32")
    out[top : top + h, left : left + w] = small
    return out


def stroke_width(a):
    """The typical stroke width of a digit image, in pixels: 2 x its ink over its edges' length.

    A stroke of width w and length L holds w·L of ink and has two edges of length L; the edges are
    summed as the image's gradient magnitude, so anti-aliased strokes count too.

    Args:
        a: float array (H, W) or (H, W, 1), ink in [0, 1] on 0.

    Returns:
        A float (0.0 for an empty image).
    """
    a = a[..., 0] if a.ndim == 3 else a
    gy, gx = np.gradient(np.asarray(a, "float32"))
    edges = float(np.hypot(gx, gy).sum())
    return 2 * float(a.sum()) / edges if edges else 0.0


def _thinned(a, width, edge):
    """A cropped ink map whose strokes are `width` pixels wide in MNIST's field, brought to `THICK_PEN`.

    The strokes are eroded (a grey-level min filter) on a copy `THIN_SCALE` times the field's box, where
    a pixel is a quarter of a field pixel, then cropped again.

    Args:
        a: the digit's ink map, cropped to its box (as `read` has it).
        width: its stroke width once in MNIST's field (`stroke_width` of `_in_field(a)`).
        edge: the ink level that bounds the box (as `read` crops).

    Returns:
        The thinned map, or None where there is nothing to take off or the erosion would take the digit
        away (a blob, not strokes of one width).
    """
    h, w = a.shape
    scale = THIN_SCALE * BOX / max(h, w)
    big = _resize(a, (max(1, round(h * scale)), max(1, round(w * scale))), Image.Resampling.BOX)
    # Taken off each side of a stroke. The thinned digit is cropped and scaled to the box again, and its
    # box shrinks by the same 2 x reach: (side x width / BOX - 2 x reach) / (side - 2 x reach) x BOX = THICK_PEN.
    side = THIN_SCALE * BOX
    reach = int(round(side * (width - THICK_PEN) / (BOX - THICK_PEN) / 2))
    if reach < 1:
        return None
    thin = _rank_filter(np.pad(big, reach), 2 * reach + 1, "min")
    if float(thin.max()) < MARK_THRESHOLD * float(big.max()):
        return None
    thin = thin / float(thin.max())
    rows = np.flatnonzero((thin > edge).any(axis=1))
    cols = np.flatnonzero((thin > edge).any(axis=0))
    return thin[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def ink_extent(img):
    """How much of a picture its digit spans: the ink's longer side over the picture's longer side.

    A digit drawn tiny in a corner of the pad is scaled up many times to MNIST's
    20 px and comes out blocky; the page asks for a larger drawing below `SMALL_INK`.

    Args:
        img: float array of shape (H, W), (H, W, 1) or (H, W, 3) in [0, 1].

    Returns:
        A float in (0, 1].

    Raises:
        DigitError: if the image is blank.
    """
    a = ink(img)
    rows = np.flatnonzero((a > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((a > INK_THRESHOLD).any(axis=0))
    return max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) / max(a.shape)


def drawing_is_small(url):
    """Whether a drawing from the pad (a PNG data URL) holds a digit too small to read well.

    False for anything that cannot be read: `from_data_url` says what is wrong with it.
    """
    try:
        data = base64.b64decode(str(url)[len(DATA_URL_PREFIX) :], validate=True)
        return ink_extent(images.decode_upload(data)) < SMALL_INK
    except (binascii.Error, ValueError):  # ImageError and DigitError are ValueErrors too.
        return False


def from_upload(data):
    """Decodes an uploaded PNG or JPEG and makes it an MNIST-style digit.

    Args:
        data: the file's bytes.

    Returns:
        float32 array of shape (28, 28, 1) in [0, 1].

    Raises:
        aelab.data.images.ImageError: if the bytes are not a usable image.
        DigitError: if the image is blank.
    """
    return mnist_style(images.decode_upload(data))


def from_upload_with_notes(data):
    """`from_upload`, with what the page should tell about the picture.

    Args:
        data: the file's bytes.

    Returns:
        `(digit, notes)`: as `read` (several marks, the largest used; strokes thinned).

    Raises:
        aelab.data.images.ImageError, DigitError: as `from_upload`.
    """
    return read(images.decode_upload(data))


def from_data_url(url):
    """Decodes a drawing sent by the browser as a PNG data URL (`canvas.toDataURL()`).

    The bytes go through the same checks as an upload.

    Args:
        url: a string starting with "data:image/png;base64,".

    Returns:
        float32 array of shape (28, 28, 1) in [0, 1].

    Raises:
        aelab.data.images.ImageError: if the URL does not hold a usable PNG.
        DigitError: if the drawing is blank.
    """
    if not isinstance(url, str) or not url.startswith(DATA_URL_PREFIX):
        shown = url[:40] if isinstance(url, str) else type(url).__name__
        raise images.ImageError(
            _("Expected a drawing as a PNG data URL ({prefix}...). Received: {received}").format(
                prefix=DATA_URL_PREFIX, received=repr(shown)
            )
        )
    try:
        data = base64.b64decode(url[len(DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise images.ImageError(_("The drawing could not be read: its data URL is not valid base64.")) from None
    return from_upload(data)
