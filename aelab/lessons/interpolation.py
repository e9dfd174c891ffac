"""Walking in a straight line between two codes, and what the decoder makes of each step.

Between two digits an AE's path often crosses empty latent space, where the
decoder was never trained and draws smudges; a VAE's prior fills that space,
so its path passes through digits. The strip and the animated GIF show it.
"""

import io

import numpy as np
from PIL import Image

from aelab.data import images
from aelab.inference import latent

MIN_STEPS, MAX_STEPS = 2, 50


def path(z_a, z_b, steps):
    """Evenly spaced points on the straight line from `z_a` to `z_b`, both included.

    Args:
        z_a, z_b: latent points of the same shape (latent_dim,).
        steps: number of points, in [2, 50].

    Returns:
        float32 array of shape (steps, latent_dim).
    """
    steps = int(steps)
    if not MIN_STEPS <= steps <= MAX_STEPS:
        raise ValueError(
            f"Invalid value for argument steps: expected an integer in [{MIN_STEPS}, {MAX_STEPS}]. Received: steps={steps}"
        )
    z_a = np.asarray(z_a, dtype="float32").ravel()
    z_b = np.asarray(z_b, dtype="float32").ravel()
    if z_a.shape != z_b.shape:
        raise ValueError(f"Expected two points of the same size. Received shapes {z_a.shape} and {z_b.shape}")
    t = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
    return (1.0 - t) * z_a + t * z_b


def decode_path(model, z_a, z_b, steps):
    """Decodes every step of the path from `z_a` to `z_b` in one batched call.

    Args:
        model: an AE or VAE with `.decoder`.
        z_a, z_b: the end points, shape (latent_dim,).
        steps: number of points, in [2, 50].

    Returns:
        `(points, digits)`: float32 arrays of shapes (steps, latent_dim) and
        (steps, 28, 28, 1).
    """
    z = path(z_a, z_b, steps)
    return z, latent.decode(model, z)


def strip(digits, scale=3, pad=2):
    """The decoded steps side by side, enlarged with visible pixels.

    Args:
        digits: array of shape (N, H, W) or (N, H, W, 1) in [0, 1].
        scale: integer enlargement.
        pad: pixels (before enlarging) between neighbours, white.

    Returns:
        uint8 array of shape (H * scale, (N * (W + pad) - pad) * scale).
    """
    digits = np.asarray(digits)
    if digits.ndim == 4:
        digits = digits[..., 0]
    return images.enlarge(images.tile(digits, n_cols=len(digits), pad=pad, pad_value=1.0), scale)


def gif_bytes(digits, scale=6, duration_ms=120, loop=0, bounce=True):
    """An animated GIF walking along the path (and back, when `bounce`).

    Args:
        digits: array of shape (N, H, W) or (N, H, W, 1) in [0, 1], N >= 1.
        scale: integer enlargement of each frame.
        duration_ms: how long each frame shows.
        loop: times the animation repeats; 0 repeats forever.
        bounce: whether to play the steps back from the end, so a looping
            GIF does not jump from the last digit to the first.

    Returns:
        The GIF file's bytes.
    """
    digits = np.asarray(digits)
    if digits.ndim == 4:
        digits = digits[..., 0]
    if len(digits) == 0:
        raise ValueError("gif_bytes expects at least one frame. Received: 0 frames")
    order = list(range(len(digits)))
    if bounce and len(digits) > 2:
        order += order[-2:0:-1]
    frames = [Image.fromarray(images.enlarge(digits[i], scale)).convert("P") for i in order]
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=int(duration_ms),
        loop=int(loop),
        disposal=1,
    )
    return buf.getvalue()
