"""An upload coloured at its own size, as Zhang et al. (2016) do: the model's chroma, the photo's luminance.

The colorizers were trained on 32x32 CIFAR-10 images and guess colour at that size. Colour varies slowly
in a photo, brightness does not: so the whole photo is shrunk to the model's 32x32 (as Zhang et al.
shrink theirs to 256x256), its chroma (U and V of YUV, whose Y is the gray the model sees) is predicted
there and enlarged back to the photo's size, and joined with the photo's own full-resolution luminance
Y. The result has every edge and texture of the upload and the model's colours. The evaluation's
numbers stay at 32x32 (`aelab.metrics`); this is for showing (and downloading) an upload.

Where an enlarged chroma would take a pixel out of the RGB cube, the chroma there is scaled down
rather than the RGB clipped, so the luminance stays exactly the photo's.
"""

import numpy as np
from PIL import Image

from aelab import data, metrics
from aelab.models.chroma_bins import RGB_TO_YUV
from aelab.models.colorizer import _YUV_TO_RGB

MODEL_SIDE = 32


def _resize(channel, size):
    # Bilinear resize of a float (H, W) channel to size = (width, height).
    return np.asarray(Image.fromarray(np.ascontiguousarray(channel, "float32"), mode="F").resize(size, Image.BILINEAR))


def model_input(rgb):
    """The whole photo shrunk to the model's 32x32, in gray: (1, 32, 32, 1)."""
    img = Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    small = np.asarray(img.resize((MODEL_SIDE, MODEL_SIDE), Image.Resampling.LANCZOS), "float32") / 255.0
    return data.to_gray(small[None])


def join(luma, uv):
    """RGB from a full-size luminance and chroma, keeping the luminance exactly.

    Args:
        luma: (H, W) in [0, 1].
        uv: (H, W, 2) chroma (YUV's U and V).

    Returns:
        float32 (H, W, 3) in [0, 1] whose luminance (`aelab.data.to_gray`) is `luma`.
    """
    luma = np.asarray(luma, "float64")
    m = _YUV_TO_RGB.astype("float64")
    offset = np.asarray(uv, "float64") @ m[1:]  # What the chroma adds to each of R, G, B (luminance 0).
    # The largest share s of the chroma that keeps luma + s * offset inside [0, 1] on every channel.
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(offset > 0, (1.0 - luma[..., None]) / offset, np.inf)
        down = np.where(offset < 0, -luma[..., None] / offset, np.inf)
    s = np.clip(np.minimum(up, down).min(axis=-1), 0.0, 1.0)
    rgb = luma[..., None] * m[0] + s[..., None] * offset
    return np.clip(rgb, 0.0, 1.0).astype("float32")


def colorize(model, rgb, temperature=None):
    """Colours a photo at its own size (see the module docstring).

    Args:
        model: a colorizer, (N, 32, 32, 1) gray to (N, 32, 32, 3) RGB.
        rgb: the upload, float (H, W, 3) in [0, 1].
        temperature: the chroma colorizer's decoding temperature (None: its default).

    Returns:
        float32 (H, W, 3) in [0, 1]: the model's colours on the photo's own luminance.
    """
    rgb = np.asarray(rgb, "float32")
    h, w = rgb.shape[:2]
    guess = np.asarray(metrics.colorize_all(model, model_input(rgb), temperature))[0]
    uv_small = guess.astype("float64") @ RGB_TO_YUV.astype("float64")[:, 1:]
    uv = np.stack([_resize(uv_small[..., i], (w, h)) for i in range(2)], axis=-1)
    return join(data.to_gray(rgb)[..., 0], uv)
