"""A digit someone drew or photographed, made to look like an MNIST digit.

MNIST's recipe (LeCun et al., 1998): each digit was scaled to fit a 20x20 box,
keeping its aspect ratio, and placed in a 28x28 field so that its centre of mass
sits at the centre. The models only know digits made that way, so a drawing or
an upload goes through the same steps before it is encoded.
"""

import base64
import binascii

import numpy as np
from PIL import Image

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


def ink(img):
    """The ink of a digit image as white-on-black in [0, 1], whatever its polarity.

    The background is the median of the image's border: a dark-on-light drawing
    (pen on paper) is inverted, and a gray background is taken out, so only the
    strokes are left.

    Args:
        img: float array of shape (H, W), (H, W, 1) or (H, W, 3) in [0, 1].

    Returns:
        float32 array of shape (H, W): 0 where there is no ink, 1 at the
        strongest stroke.

    Raises:
        DigitError: if the image is blank (no stroke stands out from the background).
    """
    g = _gray(img)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    background = float(np.median(border))
    if background > 0.5:
        g = 1.0 - g  # Dark strokes on a light ground.
        background = 1.0 - background
    strength = float(g.max()) - background
    if strength < MIN_CONTRAST:
        raise DigitError(
            _("No digit found: the image is blank. Draw or upload a digit, dark on light or light on dark.")
        )
    return np.clip((g - background) / strength, 0.0, 1.0).astype("float32")


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
    a = ink(img)
    rows = np.flatnonzero((a > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((a > INK_THRESHOLD).any(axis=0))
    a = a[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
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
    return out[..., None]


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
