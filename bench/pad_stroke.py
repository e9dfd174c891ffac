"""The drawing pad's stroke after preprocessing against MNIST's own strokes.

    python bench/pad_stroke.py

Stroke width of a digit image: `aelab.data.digits.stroke_width` (2 x ink / |gradient| summed over the
image: a stroke of width w and length L has ink w·L and two edges of length L). Measured on MNIST's
10,000 test digits, and on five digits drawn on a 280-px pad (as app_pages/_canvas.py draws: round caps
and joins) at several pen widths, each sent through `aelab.data.digits.mnist_style` (which thins strokes
thicker than `digits.THICK_PEN`).
"""

import _common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from PIL import Image, ImageDraw

from aelab import data
from aelab.data import digits

width = digits.stroke_width


x = data.load_mnist()[1][0]
w_mnist = np.array([width(d) for d in x])
print(
    f"MNIST test digits: stroke width median {np.median(w_mnist):.2f} px (IQR {np.percentile(w_mnist, 25):.2f}-{np.percentile(w_mnist, 75):.2f})"
)


def pad(shapes, lw):
    im = Image.new("L", (280, 280), 0)
    d = ImageDraw.Draw(im)
    for kind, pts in shapes:
        if kind == "line":
            d.line(pts, fill=255, width=lw, joint="curve")
            for p in (pts[0], pts[-1]):
                d.ellipse([p[0] - lw / 2, p[1] - lw / 2, p[0] + lw / 2, p[1] + lw / 2], fill=255)
        else:
            d.ellipse(pts, outline=255, width=lw)
    return np.asarray(im, "float32") / 255


DIGITS = {
    "1": [("line", [(150, 50), (140, 230)])],
    "7": [("line", [(70, 60), (210, 60), (120, 235)])],
    "0": [("ellipse", [80, 45, 200, 235])],
    "4": [("line", [(160, 45), (75, 170), (215, 170)]), ("line", [(175, 100), (170, 240)])],
    "2": [("line", [(80, 90), (130, 50), (190, 80), (90, 230), (210, 230)])],
}
print(f"MNIST test digits: 90th percentile {np.percentile(w_mnist, 90):.2f} px (thicker strokes are thinned)")
for lw in (18, 22, 24, 26, 28, 40, 60):
    ws = [width(digits.mnist_style(pad(s, lw))) for s in DIGITS.values()]
    print(f"pad pen {lw} px: after preprocessing median {np.median(ws):.2f} px ({', '.join(f'{v:.2f}' for v in ws)})")
