"""Digits MNIST did not provide: written by a scripted pen, stroke by stroke, as a student draws them.

Fonts (`aelab.data.font_digits`) give printed shapes; students write. Here each digit is one or more
strokes through a few points, in the shapes people are taught (a 1 with or without a flag and a foot, a
7 with or without a bar, an open or closed 4, a 9 with a straight or curled tail, a 2 with a loop, ...),
and each is written in many hands: the points wobble (a seeded draw), the digit leans, is wide or narrow,
and the pen is thin, the app's own or a marker, slow (smooth curves) or fast (a few straight segments).

The strokes are drawn as the app's drawing pad draws them (`app_pages/_canvas.py`: white on a black
280-pixel canvas, round caps and joins) and encoded as PNG bytes for `aelab.data.digits.from_upload`, so
they meet the models through the app's own path. Used by the out-of-MNIST evaluation
(`aelab.out_of_mnist`), never for training.
"""

import itertools

import numpy as np
from PIL import Image, ImageDraw

from aelab.data import font_digits

CANVAS = 280  # The drawing pad's size in pixels.
PENS = (14, 26, 40)  # Pen widths in pixels: a fine liner, the pad's own pen, a marker.
SLANTS = (-0.2, 0.0, 0.3)  # Horizontal shear: leaning left, upright, leaning right.
SPEEDS = ("slow", "fast")  # Slow: smooth curves through the points; fast: straight segments between them.
HANDS = 2  # Wobbly copies of each (template, pen, slant, speed), each its own seeded draw.
WOBBLE = 0.025  # Standard deviation of each point's shift, as a share of the digit's height.

# Strokes through points in a unit box (x to the right, y down), in the order a pen would go.
TEMPLATES = {
    0: (
        [[(0.5, 0.04), (0.25, 0.2), (0.2, 0.55), (0.35, 0.92), (0.65, 0.92), (0.8, 0.55), (0.72, 0.18), (0.48, 0.06)]],
        [[(0.6, 0.06), (0.3, 0.15), (0.22, 0.6), (0.45, 0.95), (0.75, 0.75), (0.78, 0.3), (0.55, 0.04), (0.4, 0.1)]],
    ),
    1: (
        [[(0.52, 0.04), (0.5, 0.96)]],
        [[(0.3, 0.25), (0.56, 0.04), (0.54, 0.96)]],
        [[(0.32, 0.22), (0.55, 0.04), (0.55, 0.95)], [(0.3, 0.96), (0.8, 0.96)]],
    ),
    2: (
        [[(0.2, 0.25), (0.4, 0.06), (0.68, 0.06), (0.8, 0.28), (0.6, 0.55), (0.2, 0.94), (0.85, 0.93)]],
        [[(0.22, 0.2), (0.5, 0.04), (0.78, 0.2), (0.7, 0.45), (0.25, 0.9), (0.4, 0.78), (0.45, 0.92), (0.85, 0.92)]],
    ),
    3: (
        [[(0.2, 0.14), (0.5, 0.03), (0.78, 0.16), (0.72, 0.38), (0.45, 0.48), (0.76, 0.6), (0.8, 0.82),
          (0.52, 0.96), (0.2, 0.86)]],
        [[(0.2, 0.05), (0.8, 0.05), (0.45, 0.42), (0.76, 0.56), (0.8, 0.8), (0.5, 0.96), (0.2, 0.85)]],
    ),
    4: (
        [[(0.6, 0.04), (0.15, 0.64), (0.85, 0.64)], [(0.64, 0.3), (0.64, 0.97)]],
        [[(0.28, 0.04), (0.22, 0.56), (0.82, 0.56)], [(0.7, 0.04), (0.7, 0.97)]],
    ),
    5: (
        [[(0.76, 0.05), (0.32, 0.05), (0.27, 0.45), (0.55, 0.4), (0.8, 0.58), (0.78, 0.84), (0.5, 0.96),
          (0.2, 0.86)]],
        [[(0.32, 0.05), (0.27, 0.46), (0.58, 0.42), (0.8, 0.62), (0.7, 0.9), (0.45, 0.96), (0.2, 0.86)],
         [(0.32, 0.05), (0.78, 0.05)]],
    ),
    6: (
        [[(0.7, 0.05), (0.42, 0.24), (0.24, 0.6), (0.3, 0.9), (0.55, 0.96), (0.76, 0.78), (0.66, 0.55),
          (0.42, 0.54), (0.26, 0.7)]],
        [[(0.62, 0.04), (0.3, 0.4), (0.25, 0.8), (0.5, 0.96), (0.75, 0.8), (0.55, 0.58), (0.3, 0.7)]],
    ),
    7: (
        [[(0.15, 0.08), (0.85, 0.08), (0.42, 0.96)]],
        [[(0.15, 0.1), (0.82, 0.06), (0.5, 0.5), (0.4, 0.96)], [(0.35, 0.52), (0.72, 0.5)]],
    ),
    8: (
        [[(0.74, 0.16), (0.5, 0.04), (0.27, 0.17), (0.32, 0.36), (0.5, 0.48), (0.73, 0.63), (0.72, 0.86),
          (0.5, 0.96), (0.27, 0.85), (0.28, 0.63), (0.5, 0.48), (0.7, 0.34), (0.72, 0.14), (0.55, 0.05)]],
        [[(0.5, 0.48), (0.28, 0.3), (0.5, 0.04), (0.72, 0.3), (0.5, 0.48), (0.25, 0.72), (0.5, 0.96),
          (0.75, 0.72), (0.5, 0.48)]],
    ),
    9: (
        [[(0.72, 0.2), (0.5, 0.05), (0.28, 0.2), (0.3, 0.4), (0.5, 0.48), (0.72, 0.36), (0.73, 0.12),
          (0.72, 0.55), (0.68, 0.96)]],
        [[(0.7, 0.22), (0.48, 0.05), (0.27, 0.22), (0.35, 0.44), (0.7, 0.36), (0.72, 0.2), (0.7, 0.7),
          (0.55, 0.95), (0.35, 0.9)]],
    ),
}  # fmt: skip


def variants():
    """Every `(pen, slant, speed, hand)` combination written per digit and shape."""
    return list(itertools.product(PENS, SLANTS, SPEEDS, range(HANDS)))


def _catmull_rom(points, per_segment=12):
    # A smooth curve through the points (a uniform Catmull-Rom spline), as a slow pen draws.
    p = np.asarray(points, dtype=float)
    if len(p) < 3:
        return p
    padded = np.vstack([p[:1], p, p[-1:]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    out = []
    for i in range(len(p) - 1):
        p0, p1, p2, p3 = padded[i : i + 4]
        out.append(
            0.5
            * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)
        )
    return np.vstack([*out, p[-1:]])


def strokes(digit, template=0, slant=0.0, speed="slow", seed=0):
    """The pen's path for one digit on the 280-pixel pad: what `render` draws, and a browser test draws.

    Args:
        digit: 0 to 9.
        template: which of the digit's shapes (`TEMPLATES[digit]`).
        slant: horizontal shear (x += slant * (centre - y)): positive leans right.
        speed: "slow" (smooth curves) or "fast" (straight segments between the points).
        seed: the hand's seed: how the points wobble and how tall and wide the digit is.

    Returns:
        A list of float arrays (M, 2), one per stroke: (x, y) in pad pixels, in the pen's order.
    """
    rng = np.random.default_rng([digit, template, seed])
    height = CANVAS * rng.uniform(0.55, 0.8)
    width = height * rng.uniform(0.6, 0.85)
    top = (CANVAS - height) / 2 + rng.uniform(-0.05, 0.05) * CANVAS
    left = (CANVAS - width) / 2 + rng.uniform(-0.05, 0.05) * CANVAS
    out = []
    for stroke in TEMPLATES[digit][template]:
        unit = np.asarray(stroke, dtype=float) + rng.normal(0, WOBBLE, (len(stroke), 2))
        line = _catmull_rom(unit) if speed == "slow" else unit
        x = left + line[:, 0] * width + slant * (0.5 - line[:, 1]) * height
        out.append(np.stack([x, top + line[:, 1] * height], axis=1))
    return out


def render(digit, template=0, pen=26, slant=0.0, speed="slow", seed=0):
    """Writes one digit as the pad would show it (see `strokes` for the arguments).

    Args:
        pen: pen width in pixels on the 280-pixel pad.

    Returns:
        uint8 array (CANVAS, CANVAS): white strokes (255) on black (0), as the pad sends them.
    """
    img = Image.new("L", (CANVAS, CANVAS), 0)
    draw = ImageDraw.Draw(img)
    for line in strokes(digit, template, slant, speed, seed):
        xy = [tuple(p) for p in line.tolist()]
        draw.line(xy, fill=255, width=pen, joint="curve")
        r = pen / 2  # Round caps, as the pad's lineCap = "round".
        for cx, cy in (xy[0], xy[-1]):
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    return np.asarray(img, dtype=np.uint8)


def pen_set(limit=0, seed=0):
    """The out-of-MNIST pen digits: every digit x shape x pen x slant x speed x hand, as PNG uploads.

    Args:
        limit: keep this many (0: all), drawn at random under `seed` but balanced over digits.
        seed: the draw's seed (the hands' own seeds are fixed: the full set is always the same).

    Returns:
        `(uploads, labels, names)`: a list of PNG bytes, an int64 array of digits, and a list of
        "shape/pen/slant/speed/hand" descriptions.
    """
    cases = [(d, t, *v) for d in range(10) for t in range(len(TEMPLATES[d])) for v in variants()]
    cases = font_digits.balanced_sample(cases, limit, seed)
    uploads = [font_digits.png(render(d, t, p, s, v, h)) for d, t, p, s, v, h in cases]
    labels = np.array([c[0] for c in cases], dtype="int64")
    names = [f"{d} shape {t} pen {p}px slant {s:+g} {v} hand {h}" for d, t, p, s, v, h in cases]
    return uploads, labels, names
