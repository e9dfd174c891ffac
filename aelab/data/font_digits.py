"""Digits MNIST did not provide: rendered from installed fonts in many pens, slants, sizes and angles.

Each digit is drawn dark on white paper at a photo-like size (a 160-pixel square), as a student's upload
or a drawing from the pad would arrive, and encoded as PNG bytes for `aelab.data.digits.from_upload`,
so it meets the models through the app's own upload path. Used by the out-of-MNIST evaluation
(`aelab.out_of_mnist`), never for training.

The fonts are Debian's DejaVu and Liberation families (packages fonts-dejavu-core, fonts-liberation),
looked up in the usual font folders; missing ones are skipped.
"""

import io
import itertools
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
# Regular, bold and italic faces of sans, serif, narrow and monospaced designs: the 1s, 4s, 7s and 9s
# differ most between them (a flag and a foot on the 1, an open or closed 4, a straight or curled 9).
FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-ExtraLight.ttf", "DejaVuSerif.ttf",
    "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf", "DejaVuSansCondensed-Oblique.ttf",
    "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSerif-Regular.ttf",
    "LiberationSerif-BoldItalic.ttf", "LiberationSansNarrow-Regular.ttf", "LiberationMono-Regular.ttf",
)  # fmt: skip
CANVAS = 160
SIZES = (70, 110)  # Font sizes in pixels on the canvas: a small and a large digit.
PENS = (0, 4)  # Extra outline width in pixels (Pillow's stroke_width): the font's own pen, a marker.
SLANTS = (-0.25, 0.0, 0.3)  # Horizontal shear: leaning left, upright, italic-like.
ROTATIONS = (-12, 0, 10)  # Degrees.


def font_paths():
    """The installed fonts of `FONTS`, in order."""
    found = []
    for name in FONTS:
        for folder in FONT_DIRS:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                found.append(path)
                break
    return found


def variants():
    """Every `(size, pen, slant, rotation)` combination rendered per font and digit."""
    return list(itertools.product(SIZES, PENS, SLANTS, ROTATIONS))


def render(digit, font_path, size, pen=0, slant=0.0, rotation=0.0):
    """Draws one digit dark on white paper.

    Args:
        digit: 0 to 9.
        font_path: a TrueType font file.
        size: font size in pixels.
        pen: extra outline width in pixels (a thicker pen).
        slant: horizontal shear (x += slant * (centre - y)): positive leans right.
        rotation: degrees, counter-clockwise.

    Returns:
        uint8 array (CANVAS, CANVAS): the page, 255 paper and 0 ink.
    """
    font = ImageFont.truetype(font_path, size)
    img = Image.new("L", (CANVAS, CANVAS), 0)  # Drawn white on black, inverted at the end.
    ImageDraw.Draw(img).text(
        (CANVAS / 2, CANVAS / 2), str(digit), fill=255, font=font, anchor="mm", stroke_width=pen, stroke_fill=255
    )
    if slant:
        c = CANVAS / 2
        # Pillow's affine maps output (x, y) to input (a x + b y + c, d x + e y + f).
        img = img.transform(img.size, Image.Transform.AFFINE, (1, slant, -slant * c, 0, 1, 0), Image.BILINEAR)
    if rotation:
        img = img.rotate(rotation, resample=Image.BILINEAR)
    return 255 - np.asarray(img, dtype=np.uint8)


def png(page):
    """PNG bytes of a uint8 page, as a browser would upload it."""
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, format="PNG")
    return buf.getvalue()


def balanced_sample(cases, limit=0, seed=0):
    """`limit` of the cases (each a tuple starting with its digit), drawn at random but balanced over digits.

    Args:
        cases: tuples `(digit, ...)`.
        limit: how many to keep (0, or at least as many as there are: all of them, in order).
        seed: the draw's seed.

    Returns:
        A list of cases: digit `i % 10` at place i, each drawn from that digit's cases.
    """
    if not limit or limit >= len(cases):
        return list(cases)
    rng = np.random.default_rng(seed)
    per_digit = {d: [c for c in cases if c[0] == d] for d in range(10)}
    return [per_digit[i % 10][rng.integers(len(per_digit[i % 10]))] for i in range(limit)]


def font_set(limit=0, seed=0):
    """The out-of-MNIST font digits: every installed font x digit x variant, as uploads.

    Args:
        limit: keep this many (0: all), drawn at random under `seed` but balanced over digits.
        seed: the draw's seed.

    Returns:
        `(uploads, labels, names)`: a list of PNG bytes, an int64 array of digits, and a list of
        "font size/pen/slant/rotation" descriptions.

    Raises:
        FileNotFoundError: if none of the fonts is installed (the message names the packages).
    """
    paths = font_paths()
    if not paths:
        raise FileNotFoundError(
            f"No font of {FONTS[0]}... found in {FONT_DIRS}: install Debian's fonts-dejavu-core and fonts-liberation"
        )
    cases = balanced_sample([(d, p, v) for p in paths for d in range(10) for v in variants()], limit, seed)
    uploads = [png(render(d, p, *v)) for d, p, v in cases]
    labels = np.array([d for d, _, _ in cases], dtype="int64")
    names = [f"{os.path.basename(p)} {v[0]}px pen {v[1]} slant {v[2]:+g} rot {v[3]:+g}" for _, p, v in cases]
    return uploads, labels, names
