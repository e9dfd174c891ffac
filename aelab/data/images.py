"""Images for people: decoding and validating uploads, mosaics, resizing, PNG export.

Everything here works on NumPy arrays in [0, 1] (what the models take and give)
and hands back arrays or bytes, so the app only renders.
"""

import dataclasses
import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from aelab.i18n import _

# Formats the app accepts. Pillow could open many more, but each extra decoder
# is extra attack surface for files typed by strangers. GIF is here because
# phones and chat apps hand people GIFs; only its first frame is used.
ALLOWED_FORMATS = ("PNG", "JPEG", "GIF")

# File name endings for `st.file_uploader(type=...)`, matching ALLOWED_FORMATS.
UPLOAD_TYPES = ("png", "jpg", "jpeg", "gif")

# An upload larger than this is refused before Pillow looks at it. The app's
# `server.maxUploadSize` (in MB) is the first line; this one also protects
# callers outside Streamlit.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What the app's server and uploaders take (MB, `server.maxUploadSize` in .streamlit/config.toml): more than
# MAX_UPLOAD_BYTES, so that a file a little too large reaches the page and gets a sentence saying why,
# instead of only a red mark in the browser.
SERVER_UPLOAD_MB = 50

# A small file can still decode to a huge bitmap (a "decompression bomb"). 25
# megapixels is a 5000x5000 photo: about 100 MB as RGBA while we convert it.
MAX_PIXELS = 25_000_000

# Pillow modes holding gray levels in more than 8 bits (16-bit PNGs open as "I;16").
_DEEP_GRAY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N")


class ImageError(ValueError):
    """An upload is not an image we can use; the message says why, for the user."""


@dataclasses.dataclass
class Upload:
    """A decoded upload and what was done to it on the way.

    Attributes:
        rgb: float32 array of shape (H, W, 3) in [0, 1].
        format: "PNG", "JPEG" or "GIF".
        notes: sentences for the user about conversions that change what they
            see (first frame of an animation, transparency, 16-bit depth).
    """

    rgb: np.ndarray
    format: str
    notes: list


def accepted_text(max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_PIXELS):
    """One sentence saying what an upload may be, for the page beside the uploader."""
    return _(
        "PNG, JPEG or GIF, at most {mb:.0f} MB and {megapixels:.0f} megapixels; "
        "animations use their first frame, and transparent parts are shown on white."
    ).format(mb=max_bytes / 2**20, megapixels=max_pixels / 1e6)


def decode_upload(data, max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_PIXELS):
    """Decodes an uploaded PNG, JPEG or GIF into RGB floats.

    Transparent pixels are laid over white, EXIF rotation is applied, only the
    first frame of an animation is kept, and 16-bit, palette, CMYK and gray
    images are converted. `read_upload` also says what was converted.

    Args:
        data: the file's bytes.
        max_bytes: largest accepted file size.
        max_pixels: largest accepted width * height.

    Returns:
        float32 array of shape (H, W, 3) in [0, 1].

    Raises:
        ImageError: if the bytes are not a readable image within the limits.
    """
    return read_upload(data, max_bytes, max_pixels).rgb


def read_upload(data, max_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_PIXELS):
    """Decodes an upload like `decode_upload`, and notes what it converted.

    Args:
        data: the file's bytes.
        max_bytes: largest accepted file size.
        max_pixels: largest accepted width * height.

    Returns:
        An `Upload`.

    Raises:
        ImageError: if the bytes are not a readable image within the limits.
    """
    data = bytes(data or b"")
    if not data:
        raise ImageError(_("The uploaded file is empty (0 bytes): expected a PNG, JPEG or GIF image."))
    if len(data) > max_bytes:
        raise ImageError(
            _("The uploaded file is too large: expected at most {limit:.0f} MB. Received: {size:.1f} MB.").format(
                limit=max_bytes / 2**20, size=len(data) / 2**20
            )
        )
    try:
        # No warnings.catch_warnings() here: it changes process-wide state, and
        # sessions decode in parallel threads. Pillow raises
        # DecompressionBombError itself above twice its MAX_IMAGE_PIXELS and
        # only warns below; the size check here refuses both before decoding.
        img = Image.open(io.BytesIO(data))
        if img.format not in ALLOWED_FORMATS:
            raise ImageError(
                _("Unsupported image format: expected one of {formats}. Received: {format}.").format(
                    formats=", ".join(ALLOWED_FORMATS), format=img.format
                )
            )
        w, h = img.size
        if w < 1 or h < 1 or w * h > max_pixels:
            raise ImageError(
                _(
                    "The image is too large: expected at most {limit:,} pixels. Received: {w}x{h} = {n:,} pixels."
                ).format(limit=max_pixels, w=w, h=h, n=w * h)
            )
        if Image.MAX_IMAGE_PIXELS and w * h > Image.MAX_IMAGE_PIXELS:
            raise Image.DecompressionBombError(f"{w}x{h}")  # Only with max_pixels above Pillow's own limit.
        fmt, notes = img.format, []
        frames = getattr(img, "n_frames", 1)
        if frames > 1:
            notes.append(
                _("This is an animated {format} with {frames} frames: only the first one is used.").format(
                    format=img.format, frames=frames
                )
            )
        img.load()  # Decodes now (the first frame), so a truncated file fails here and not later.
        img = ImageOps.exif_transpose(img)
        rgb = _to_rgb_float(img, notes)
        return Upload(rgb, fmt, notes)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(
            _(
                "The uploaded file is not an image: expected a PNG, JPEG or GIF file "
                "(renaming a file does not change what is inside it)."
            )
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # The warning when warnings are errors.
        # Pillow's own message talks of "DOS attacks"; ours says what to do.
        raise ImageError(
            _(
                "The image is too large to decode safely: its header declares a huge picture, so it is not "
                "decoded. Expected at most {limit:,} pixels; shrink the photo and upload it again."
            ).format(limit=max_pixels)
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        # Pillow reports truncated and corrupt files as OSError, and some
        # broken headers as SyntaxError or ValueError.
        raise ImageError(
            _("The image file is damaged or incomplete and cannot be decoded ({error}).").format(error=e)
        ) from None


def _to_rgb_float(img, notes=None):
    notes = [] if notes is None else notes
    if img.mode in _DEEP_GRAY_MODES:
        # 16-bit gray: Pillow's convert("RGB") would clip every level above 255
        # to white. PNG, the only accepted format with such modes, stores them
        # on a 0..65535 scale.
        a = np.asarray(img, dtype="float32")
        notes.append(_("This is a 16-bit gray image: its levels are scaled to 8 bits."))
        return np.repeat(np.clip(a / 65535.0, 0, 1)[..., None], 3, axis=-1)
    if img.mode == "F":
        a = np.asarray(img, dtype="float32")
        return np.repeat(np.clip(a, 0, 1)[..., None], 3, axis=-1)
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        if np.asarray(rgba)[..., 3].min() < 255:
            notes.append(_("The image has transparent parts: they are shown on white."))
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    a = np.asarray(img.convert("RGB"), dtype="float32") / 255.0
    return a


# A photo wider or taller than this ratio is refused for square models: the
# centre square would be a thin sliver of it.
MAX_ASPECT = 20


def check_aspect(rgb, max_ratio=MAX_ASPECT):
    """Refuses images so long and thin that a centre square says nothing about them.

    Args:
        rgb: array of shape (H, W[, C]).
        max_ratio: largest accepted long side / short side.

    Returns:
        A note for the user when the crop drops much of the image (ratio
        above 2), else None.

    Raises:
        ImageError: if the ratio exceeds `max_ratio`.
    """
    h, w = np.shape(rgb)[:2]
    ratio = max(h, w) / min(h, w)
    if ratio > max_ratio:
        raise ImageError(
            _(
                "The image is {w}x{h} pixels, too long and thin to use: expected a width-to-height ratio "
                "of at most {limit}:1. Received: {ratio:.0f}:1. Crop it closer to a square first."
            ).format(w=w, h=h, limit=max_ratio, ratio=ratio)
        )
    if ratio > 2:
        side = min(h, w)
        return _("Your {w}x{h} image is far from square: only its centre {side}x{side} square is used.").format(
            w=w, h=h, side=side
        )
    return None


def check_small(rgb, side):
    """A note when an image is smaller than the model's input, so the result says little.

    Args:
        rgb: array of shape (H, W[, C]).
        side: the model's input side (32 for the colorizers).

    Returns:
        A note for the user when the image's short side is under `side` pixels, else None.
    """
    h, w = np.shape(rgb)[:2]
    if min(h, w) >= side:
        return None
    return _(
        "Your image is only {w}x{h} pixels, smaller than the {side}x{side} the model works at: it is enlarged, "
        "so the model sees a few flat blocks and its guess says little. Try a larger photo."
    ).format(w=w, h=h, side=side)


def to_uint8(x):
    """Converts [0, 1] floats to uint8, dropping a trailing single channel.

    Args:
        x: array of shape (H, W), (H, W, 1) or (H, W, 3).

    Returns:
        uint8 array of shape (H, W) or (H, W, 3).
    """
    x = np.asarray(x)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.dtype == np.uint8:
        return x
    return (np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype("uint8")


def resize(x, size, smooth=True):
    """Resizes one image.

    Args:
        x: array of shape (H, W), (H, W, 1) or (H, W, 3), floats in [0, 1] or uint8.
        size: `(width, height)` in pixels.
        smooth: Lanczos when True (photos); nearest neighbour when False, which
            keeps every pixel a visible square (digits shown to a room).

    Returns:
        uint8 array of shape (height, width) or (height, width, 3).
    """
    img = Image.fromarray(to_uint8(x))
    method = Image.Resampling.LANCZOS if smooth else Image.Resampling.NEAREST
    return np.asarray(img.resize(tuple(int(s) for s in size), method))


def enlarge(x, scale, smooth=False):
    """Enlarges one image by an integer factor; see `resize` for `smooth`."""
    h, w = np.shape(x)[:2]
    return resize(x, (w * int(scale), h * int(scale)), smooth)


def square_crop_resize(rgb, size=32):
    """Centre-crops an image to a square and shrinks it to `size` x `size`.

    CIFAR-10 images are square; squeezing a wide photo instead would distort
    every shape the colorizer has learned.

    Args:
        rgb: float array of shape (H, W, 3) in [0, 1].
        size: output side in pixels.

    Returns:
        float32 array of shape (size, size, 3) in [0, 1].
    """
    h, w = np.shape(rgb)[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = np.asarray(rgb)[top : top + side, left : left + side]
    return resize(square, (size, size), smooth=True).astype("float32") / 255.0


def tile(images, n_cols, pad=0, pad_value=1.0):
    """Lays out equally sized images in a grid, row by row.

    Args:
        images: array of shape (N, H, W) or (N, H, W, C).
        n_cols: images per row; rows are added as needed (the last one is
            filled with `pad_value`).
        pad: pixels between neighbours.
        pad_value: value of the gaps and empty cells.

    Returns:
        Array of shape (rows * (H + pad) - pad, n_cols * (W + pad) - pad[, C]),
        with the dtype of `images`.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"tile expects a non-empty array of shape (N, H, W[, C]). Received shape {images.shape}")
    if int(n_cols) < 1:
        raise ValueError(f"Invalid value for argument n_cols: expected an integer >= 1. Received: n_cols={n_cols}")
    n, h, w = images.shape[:3]
    rest = images.shape[3:]
    n_rows = -(-n // n_cols)
    out = np.full((n_rows * (h + pad) - pad, n_cols * (w + pad) - pad, *rest), pad_value, dtype=images.dtype)
    for i in range(n):
        r, c = divmod(i, n_cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = images[i]
    return out


def to_png(x):
    """Encodes one image as PNG bytes.

    Args:
        x: array of shape (H, W), (H, W, 1) or (H, W, 3), floats in [0, 1] or uint8.

    Returns:
        The PNG file's bytes.
    """
    buf = io.BytesIO()
    Image.fromarray(to_uint8(x)).save(buf, format="PNG", optimize=False)
    return buf.getvalue()
