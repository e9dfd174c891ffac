"""An upload coloured at its own size, as Zhang et al. (2016) do: the model's chroma, the photo's luminance.

The colorizers were trained on 32x32 CIFAR-10 images. Colour varies slowly in a photo, brightness does
not: so the whole photo is shrunk (as Zhang et al. shrink theirs to 256x256), its chroma (U and V of YUV,
whose Y is the gray the model sees) is predicted there and enlarged back to the photo's size, and joined
with the photo's own full-resolution luminance Y. The result has every edge and texture of the upload and
the model's colours. The evaluation's numbers stay at 32x32 (`aelab.metrics`); this is for showing (and
downloading) an upload.

The chroma colorizer's net is convolutional, so it can look at a photo larger than it was trained on.
Shrunk to 32x32, a whole photo is one small CIFAR-like scene and the model paints it in one guess: a
night sky red, a wooden table green. Seen at 64 and 96 px (and mirrored), with the four views'
probabilities averaged before decoding, each part is coloured from what is around it: on six real photos
the colours came closer to the originals at every temperature and the red night sky turned blue (the
figures are in docs/models.md). The regression colorizer keeps the plain 32x32 guess.

Where an enlarged chroma would take a pixel out of the RGB cube, the chroma there is scaled down
rather than the RGB clipped, so the luminance stays exactly the photo's.
"""

import weakref

import keras
import numpy as np
from keras import ops
from PIL import Image

from aelab import data, metrics
from aelab.models.chroma import ChromaColorizer
from aelab.models.chroma_bins import RGB_TO_YUV
from aelab.models.colorizer import _YUV_TO_RGB

MODEL_SIDE = 32
# The sides the chroma colorizer sees a photo at, each also mirrored (the module docstring says why).
VIEW_SIDES = (64, 96)


def _resize(channel, size):
    # Bilinear resize of a float (H, W) channel to size = (width, height).
    return np.asarray(Image.fromarray(np.ascontiguousarray(channel, "float32"), mode="F").resize(size, Image.BILINEAR))


def model_input(rgb, side=MODEL_SIDE):
    """The whole photo shrunk to side x side, in gray: (1, side, side, 1)."""
    img = Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    small = np.asarray(img.resize((side, side), Image.Resampling.LANCZOS), "float32") / 255.0
    return data.to_gray(small[None])


# One copy per colorizer of its net for inputs of any size (same weights); dropped with the colorizer.
_ANY_SIZE = weakref.WeakKeyDictionary()


def any_size_net(model):
    """The chroma colorizer's net rebuilt for gray inputs of any size (multiples of 8), same weights."""
    net = _ANY_SIZE.get(model)
    if net is None:
        net = keras.models.clone_model(model.net, input_tensors=keras.Input((None, None, 1)))
        net.set_weights(model.net.get_weights())
        _ANY_SIZE[model] = net
    return net


def chroma_of_views(model, rgb, temperature=None, sides=VIEW_SIDES, mirrored=True):
    """The chroma colorizer's chroma for a photo seen at several sizes, each also mirrored.

    Args:
        model: a `ChromaColorizer`.
        rgb: float (H, W, 3) in [0, 1].
        temperature: decoding temperature (None: the model's default).
        sides: the square sizes the photo is shrunk to.
        mirrored: also see each size mirrored (False: `bench/full_size_photos.py`'s plain 32x32 view).

    Returns:
        float (h, w, 2) chroma at the largest view's output size.
    """
    net = any_size_net(model)
    views = []
    for side in sides:
        gray = model_input(rgb, side)
        for flip in (False, True) if mirrored else (False,):
            seen = gray[:, :, ::-1] if flip else gray
            p = model.decoding_distribution(net(seen, training=False), temperature)
            views.append(p[:, :, ::-1] if flip else p)
    grid = max(tuple(int(n) for n in v.shape[1:3]) for v in views)
    p = ops.mean(ops.stack([ops.image.resize(v, grid, interpolation="bilinear") for v in views]), axis=0)
    return np.asarray(model.anneal(p, temperature), "float64")[0]


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


def colorize(model, rgb, temperature=None, **views):
    """Colours a photo at its own size (see the module docstring).

    Args:
        model: a colorizer, (N, 32, 32, 1) gray to (N, 32, 32, 3) RGB.
        rgb: the upload, float (H, W, 3) in [0, 1].
        temperature: the chroma colorizer's decoding temperature (None: its default).
        **views: `sides` and `mirrored` for a chroma colorizer (see `chroma_of_views`).

    Returns:
        float32 (H, W, 3) in [0, 1]: the model's colours on the photo's own luminance.
    """
    rgb = np.asarray(rgb, "float32")
    h, w = rgb.shape[:2]
    if isinstance(model, ChromaColorizer):
        uv_small = chroma_of_views(model, rgb, temperature, **views)
    else:
        guess = np.asarray(metrics.colorize_all(model, model_input(rgb), temperature))[0]
        uv_small = guess.astype("float64") @ RGB_TO_YUV.astype("float64")[:, 1:]
    uv = np.stack([_resize(uv_small[..., i], (w, h)) for i in range(2)], axis=-1)
    return join(data.to_gray(rgb)[..., 0], uv)
