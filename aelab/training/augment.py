"""On-the-fly augmentation of handwritten digits: other writers' pens, slants and sizes.

MNIST's writers are few and their digits were normalised the same way; a student's digit is written
with another pen (thicker or thinner), slanted, rotated, bigger or smaller, off-centre, wobblier. Each
training batch is changed here, image by image, before it reaches the model (inside `PairSequence`, the
training data pipeline), so an encoder sees every digit in many hands and learns to place them together.

Everything is drawn from one NumPy generator (the pipeline's per-batch `default_rng([seed, epoch,
batch])`), so a run is reproducible under its seed. Images keep their shape and stay in [0, 1].

The operations, each applied to a random share of the images:
- stroke thickness: grey-level erosion (thinner) or dilation (thicker) with a 3x3 cross or square,
  blended by a random amount;
- one affine warp: slant (shear), small rotation, scale (per axis) and translation, about the centre;
- elastic distortion: a smooth random displacement field (a coarse grid upsampled bilinearly);
- blur: a blend towards a 3x3 Gaussian blur.
"""

import numpy as np

# Named strengths for `--augment` (a multiplier of the ranges below); "none" leaves the data as it was.
STRENGTHS = {"none": 0.0, "mild": 0.5, "standard": 1.0, "strong": 1.5}

# The ranges at strength 1.0 (chosen to cover the variation between MNIST's own writers and a
# classroom's: pens from a fine liner to a marker, italic slants, digits a bit off-centre).
ROTATION_DEG = 12.0
SHEAR = 0.3  # x += shear * (y - centre): a slant of about 17 degrees.
SCALE = 0.12  # Each axis scaled by 1 +- this.
SHIFT_PX = 2.0
ELASTIC_PX = 1.2  # Standard deviation of the displacement at the coarse grid's nodes.
ELASTIC_GRID = 5  # Nodes per side of the coarse displacement grid.
THICKNESS = (-0.8, 1.6)  # <0: towards erosion; 0..1: towards a cross dilation; 1..2: towards a square one.
BLUR = 0.6  # Largest blend towards the blurred image.
# Share of images each operation touches (at any strength > 0): the rest stay as MNIST drew them, so
# the model still sees MNIST's own digits as they are.
P_AFFINE, P_ELASTIC, P_THICKNESS, P_BLUR = 0.8, 0.5, 0.6, 0.3


def strength_of(name):
    """The multiplier a named strength stands for.

    Raises:
        ValueError: for an unknown name.
    """
    if name not in STRENGTHS:
        raise ValueError(f"Invalid value for argument augment: expected one of {tuple(STRENGTHS)}. Received: {name!r}")
    return STRENGTHS[name]


def _shifted(x, dy, dx):
    # x shifted by (dy, dx) with zero (paper) coming in at the edges; x is (N, H, W).
    out = np.zeros_like(x)
    h, w = x.shape[1:]
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[:, yd, xd] = x[:, ys, xs]
    return out


_CROSS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))
_SQUARE = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def dilate(x, square=False):
    """Grey-level dilation of (N, H, W) images with a 3x3 cross (or square): strokes get thicker."""
    return np.max([_shifted(x, dy, dx) for dy, dx in (_SQUARE if square else _CROSS)], axis=0)


def erode(x):
    """Grey-level erosion of (N, H, W) images with a 3x3 cross: strokes get thinner."""
    return np.min([_shifted(x, dy, dx) for dy, dx in _CROSS], axis=0)


def blur(x):
    """A 3x3 Gaussian blur (binomial 1-2-1 weights) of (N, H, W) images."""
    k = {-1: 0.25, 0: 0.5, 1: 0.25}
    rows = sum(k[d] * _shifted(x, d, 0) for d in k)
    return sum(k[d] * _shifted(rows, 0, d) for d in k)


def _thickness(x, t):
    # t per image (N,): 0 leaves it, -1 is a full erosion, 1 a cross dilation, 2 a square dilation.
    t = t[:, None, None]
    thin, cross, square = erode(x), dilate(x), dilate(x, square=True)
    out = np.where(t < 0, x + (-t) * (thin - x), x + np.minimum(t, 1) * (cross - x))
    return np.where(t > 1, cross + (t - 1) * (square - cross), out)


def _upsample(grid, size):
    # Bilinear upsampling of (N, g, g) to (N, size, size), corners aligned.
    g = grid.shape[1]
    pos = np.linspace(0, g - 1, size)
    i0 = np.clip(np.floor(pos).astype(int), 0, g - 2)
    f = pos - i0
    rows = grid[:, i0, :] * (1 - f)[None, :, None] + grid[:, i0 + 1, :] * f[None, :, None]
    return rows[:, :, i0] * (1 - f)[None, None, :] + rows[:, :, i0 + 1] * f[None, None, :]


def sample_bilinear(x, ys, xs):
    """Samples (N, H, W) images at real-valued positions (N, H, W) each; outside the image is 0."""
    n, h, w = x.shape
    padded = np.zeros((n, h + 2, w + 2), x.dtype)
    padded[:, 1:-1, 1:-1] = x
    ys = np.clip(ys + 1, 0, h + 1 - 1e-4)  # Index into the padded image; beyond it reads the zero border.
    xs = np.clip(xs + 1, 0, w + 1 - 1e-4)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h + 1), np.minimum(x0 + 1, w + 1)
    fy, fx = ys - y0, xs - x0
    b = np.arange(n)[:, None, None]
    top = padded[b, y0, x0] * (1 - fx) + padded[b, y0, x1] * fx
    bottom = padded[b, y1, x0] * (1 - fx) + padded[b, y1, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(x.dtype)


def _warp(x, rng, s):
    n, h, w = x.shape
    c = np.array([(h - 1) / 2, (w - 1) / 2])
    on = rng.random(n) < P_AFFINE
    angle = np.deg2rad(rng.uniform(-1, 1, n) * ROTATION_DEG * s) * on
    shear = rng.uniform(-1, 1, n) * SHEAR * s * on
    scale = 1 + rng.uniform(-1, 1, (n, 2)) * SCALE * s * on[:, None]
    shift = rng.uniform(-1, 1, (n, 2)) * SHIFT_PX * s * on[:, None]
    # The forward map (input -> output) is T + R @ Shear @ S; sampling needs its inverse at each output pixel.
    cos, sin = np.cos(angle), np.sin(angle)
    # Rows are (y, x). S = diag(sy, sx); Shear: x' = x + shear * y; R rotates by angle.
    sy, sx = scale[:, 0], scale[:, 1]
    m = np.stack([np.stack([sy, np.zeros(n)], 1), np.stack([shear * sy, sx], 1)], 1)  # Shear @ S
    r = np.stack([np.stack([cos, -sin], 1), np.stack([sin, cos], 1)], 1)
    fwd = r @ m
    inv = np.linalg.inv(fwd).astype(np.float32)
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32), indexing="ij")
    out = np.stack([yy - c[0], xx - c[1]], -1)[None] - shift[:, None, None, :].astype(np.float32)  # (N, H, W, 2)
    src = (np.einsum("nij,nhwj->nhwi", inv, out.astype(np.float32)) + c).astype(np.float32)
    el = (rng.random(n) < P_ELASTIC) * ELASTIC_PX * s
    if s > 0:
        field = (rng.normal(size=(n, 2, ELASTIC_GRID, ELASTIC_GRID)) * el[:, None, None, None]).astype(np.float32)
        src[..., 0] += _upsample(field[:, 0], h)
        src[..., 1] += _upsample(field[:, 1], w)
    return sample_bilinear(x, src[..., 0], src[..., 1])


def augment(images, rng, strength=1.0):
    """Augments a batch of digits as other writers and pens would have drawn them.

    Args:
        images: float array (N, H, W, 1) or (N, H, W) in [0, 1], white ink on black.
        rng: a `numpy.random.Generator`; the same generator state gives the same batch.
        strength: multiplier of the ranges (`STRENGTHS`); 0 returns the images unchanged.

    Returns:
        A new float32 array of the same shape, in [0, 1].
    """
    x = np.asarray(images, dtype=np.float32)
    if strength <= 0 or len(x) == 0:
        return x.copy()
    shape = x.shape
    x = x.reshape(shape[:3])
    n = len(x)
    t = rng.uniform(THICKNESS[0], THICKNESS[1], n) * min(strength, 1.0) * (rng.random(n) < P_THICKNESS)
    x = _thickness(x, t)
    x = _warp(x, rng, strength)
    amount = rng.uniform(0, BLUR, n) * min(strength, 1.0) * (rng.random(n) < P_BLUR)
    x = x + amount[:, None, None] * (blur(x) - x)
    return np.clip(x, 0.0, 1.0).astype(np.float32).reshape(shape)
