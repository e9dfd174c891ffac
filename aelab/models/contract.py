"""What a model of a kind must look like to play that kind in aelab: its shapes, and for a latent kind its parts.

One check, used wherever a model comes from outside the code that built it:
`aelab.checkpoints.load` (a shipped name), `aelab.shelf.load` (what a page
shows). It runs the model once on zeros, which also builds its graph, so the
first person to move a slider does not wait for that.
"""

import numpy as np

from aelab.i18n import _
from aelab.models import registry

LATENT_DIMS = 2  # The latent pages draw a plane.


def check(model, kind):
    """Checks that `model` can play `kind`, and warms it up.

    Args:
        model: the loaded Keras model.
        kind: a registry kind's name ("ae2d", "vae2d", "dae", ...).

    Raises:
        ValueError: saying what was expected and what was received (for example a DAE
            saved under a VAE's name, or a colorizer of another size).
    """
    spec = registry.get(kind)
    if spec.latent_2d:
        _check_latent_parts(model, spec)
    y = model(np.zeros((1, *spec.input_shape), "float32"), training=False)
    if tuple(y.shape)[1:] != tuple(spec.output_shape):
        raise ValueError(f"Expected output images of shape {tuple(spec.output_shape)}. Received: {tuple(y.shape)[1:]}")


def _check_latent_parts(model, spec):
    """An encoder to a 2-D latent (a posterior's three tensors for a VAE), `encode_mean`, and a decoder back."""
    kind = spec.name
    if not hasattr(model, "encoder") or not hasattr(model, "decoder"):
        raise ValueError(
            _("Expected a model with .encoder and .decoder for {kind}. Received: {got}").format(
                kind=kind, got=type(model).__name__
            )
        )
    out = model.encoder(np.zeros((1, *spec.input_shape), "float32"), training=False)
    is_tuple = isinstance(out, (list, tuple))
    if spec.posterior != is_tuple or (is_tuple and len(out) != 3) or not hasattr(model, "encode_mean"):
        want = "(z_mean, z_log_var, z)" if spec.posterior else _("a single latent tensor")
        raise ValueError(
            _("Expected an encoder returning {want} for {kind}. Received: {got}").format(
                want=want, kind=kind, got=type(out).__name__
            )
        )
    z = out[0] if is_tuple else out
    if tuple(z.shape) != (1, LATENT_DIMS):
        raise ValueError(
            _("Expected a 2-D latent for {kind}. Received: latent shape {shape}").format(
                kind=kind, shape=tuple(z.shape)[1:]
            )
        )
    img = model.decoder(np.zeros((1, LATENT_DIMS), "float32"), training=False)
    if tuple(img.shape)[1:] != tuple(spec.output_shape):
        raise ValueError(
            _("Expected decoded images of shape {want}. Received: {got}").format(
                want=tuple(spec.output_shape), got=tuple(img.shape)[1:]
            )
        )
