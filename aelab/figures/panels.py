"""Pictures for slides and worksheets: image panels with their labels drawn in, as PNG.

What a page shows as several images with captions becomes one picture here,
so a downloaded file still says what each part is. `font` also serves the
scatter PNGs of `aelab.figures.scatter_png`.
"""

import functools
import logging
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from aelab import i18n
from aelab.data import images

INK = (40, 40, 40)
PAPER = (255, 255, 255)


# Fonts tried in turn (Pillow looks them up in the system's font folders).
# Pillow's own font, the fallback, has no Greek letters, and legends say "1σ".
FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf", "Helvetica.ttc")

# Fonts with Chinese glyphs, tried first when the interface is Chinese, as (file, face in a collection):
# Debian and Ubuntu's fonts-noto-cjk (its face 2 is Simplified Chinese), other Linux packages, then macOS's
# and Windows' own. Elsewhere, AELAB_CJK_FONT names a font file that has them.
CJK_FONT_ENV = "AELAB_CJK_FONT"
CJK_FONTS = (
    ("NotoSansCJK-Regular.ttc", 2),
    ("NotoSansCJKsc-Regular.otf", 0),
    ("NotoSansSC-Regular.otf", 0),
    ("wqy-microhei.ttc", 0),
    ("Hiragino Sans GB.ttc", 0),
    ("STHeiti Medium.ttc", 0),
    ("msyh.ttc", 0),
    ("simhei.ttf", 0),
)

_log = logging.getLogger(__name__)


# The same fonts by family name, for the pictures matplotlib draws (aelab/figures/scatter_png.py).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Hiragino Sans GB",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
)


@functools.lru_cache(maxsize=2)
def matplotlib_families(cjk_env=None):
    """The font families for matplotlib text: its own DejaVu Sans, then the first installed one with Chinese glyphs.

    matplotlib falls back glyph by glyph along the list, so English is drawn as before and Chinese with the
    CJK font, in any language and without changing its global settings (pages draw in parallel threads).

    Args:
        cjk_env: a font file with Chinese glyphs (`AELAB_CJK_FONT`); None reads the environment.

    Returns:
        A list of family names.
    """
    from matplotlib import font_manager

    path = os.environ.get(CJK_FONT_ENV, "") if cjk_env is None else cjk_env
    extra = []
    if path:
        try:
            font_manager.fontManager.addfont(path)
            extra = [font_manager.FontProperties(fname=path).get_name()]
        except (OSError, RuntimeError, ValueError) as e:
            _log.warning("aelab: %s=%s is not a font matplotlib can read (%s).", CJK_FONT_ENV, path, e)
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = extra + [name for name in CJK_FAMILIES if name in installed][:1]
    if not cjk:
        _log.warning(
            "aelab: no font with Chinese characters for charts (install fonts-noto-cjk, or set %s).", CJK_FONT_ENV
        )
    return ["DejaVu Sans", *cjk]


def _first_font(candidates):
    for name, face in candidates:
        try:
            return ImageFont.truetype(name, 12, index=face).path, face  # The path: later sizes skip the search.
        except OSError:
            continue
    return None


@functools.lru_cache(maxsize=4)
def _font_file(lang, cjk_env):
    """The (path, face) of the font for a language, or None for Pillow's own; looked up once per process."""
    if lang == "zh":
        found = _first_font([(cjk_env, 0)] * bool(cjk_env) + list(CJK_FONTS))
        if found:
            return found
        _log.warning(
            "aelab: no font with Chinese characters found (install fonts-noto-cjk, or set %s to a font "
            "file that has them): exported pictures will show boxes where Chinese should be.",
            CJK_FONT_ENV,
        )
    return _first_font([(name, 0) for name in FONTS])


def font(size):
    """A font of `size` pixels for text drawn into exported pictures, with glyphs for the interface's language.

    Args:
        size: text height in pixels.

    Returns:
        For Chinese, the first of `AELAB_CJK_FONT` and `CJK_FONTS` the system has; then the first of
        `FONTS`, else Pillow's bundled font (scaled with FreeType, always present in Pillow's wheels),
        else its small bitmap font.
    """
    found = _font_file(i18n.language(), os.environ.get(CJK_FONT_ENV, ""))
    if found is not None:
        try:
            return ImageFont.truetype(found[0], size, index=found[1])
        except OSError:
            _font_file.cache_clear()  # The file went away: look again next time.
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ValueError, ImportError):  # Pillow without FreeType.
        return ImageFont.load_default()


def _rgb(x):
    a = images.to_uint8(x)
    return np.repeat(a[..., None], 3, axis=-1) if a.ndim == 2 else a


def _text_size(draw, text, font):
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    return right - left, bottom - top


def labelled_panels(panels, title=None, footer=None, gap=16, margin=12, font_size=16):
    """Lays images out side by side, each with its label above it.

    Args:
        panels: a list of `(label, image)` (text in the interface's language:
            `font` picks one with its glyphs); images are arrays of shape
            (H, W), (H, W, 1) or (H, W, 3), floats in [0, 1] or uint8, and may
            differ in size (each is centred in its column, top-aligned).
        title: optional line of text above everything.
        footer: optional line of text below everything.
        gap: pixels between panels.
        margin: pixels around the whole picture.
        font_size: text height in pixels.

    Returns:
        uint8 RGB array of shape (height, width, 3).

    Raises:
        ValueError: if `panels` is empty.
    """
    if not panels:
        raise ValueError("labelled_panels expects at least one (label, image) panel. Received: []")
    pics = [(str(label), _rgb(img)) for label, img in panels]
    regular, small = font(font_size), font(max(10, font_size - 2))
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line = _text_size(probe, "Ág", regular)[1] + 10  # One line of text and its spacing.
    widths = [max(p.shape[1], _text_size(probe, label, regular)[0]) for label, p in pics]
    body_h = max(p.shape[0] for _, p in pics)
    width = sum(widths) + gap * (len(pics) - 1) + 2 * margin
    for text, f in ((title, regular), (footer, small)):
        if text:
            width = max(width, _text_size(probe, text, f)[0] + 2 * margin)
    height = margin + (line if title else 0) + line + body_h + (line if footer else 0) + margin

    canvas = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(canvas)
    y = margin
    if title:
        draw.text((margin, y), title, fill=INK, font=regular)
        y += line
    x = margin
    for (label, pic), w in zip(pics, widths, strict=True):
        tw = _text_size(draw, label, regular)[0]
        draw.text((x + (w - tw) // 2, y), label, fill=INK, font=regular)
        canvas.paste(Image.fromarray(pic), (x + (w - pic.shape[1]) // 2, y + line))
        x += w + gap
    if footer:
        draw.text((margin, y + line + body_h + 6), footer, fill=INK, font=small)
    return np.asarray(canvas)


def labelled_png(panels, title=None, footer=None, **kwargs):
    """`labelled_panels` encoded as PNG bytes (same arguments)."""
    return images.to_png(labelled_panels(panels, title, footer, **kwargs))
