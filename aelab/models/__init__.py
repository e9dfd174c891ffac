"""Model families, one per module, and `registry`: every model kind described once.

Builders return `keras.Model`s. Importing this package does not import Keras, so the
command-line tools can check their flags first: `from aelab.models import build_vae`
imports the family that defines the name, and `load_all()` imports every family so that
their registered classes can be deserialized.
"""

import importlib
import importlib.util

# Each module holds one family; together they register every custom class aelab saves.
FAMILIES = ("autoencoder", "vae", "denoiser", "colorizer", "chroma", "dense")


def load_all():
    """Imports every model family (registering its Keras classes for `keras.saving`)."""
    for family in FAMILIES:
        importlib.import_module(f"aelab.models.{family}")


def __getattr__(name):
    # PEP 562: `from aelab.models import build_vae` finds the family on first use. A submodule's
    # name (`from aelab.models import registry`) is asked here first, and must not import them all.
    if name.startswith("_") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
        raise AttributeError(f"module 'aelab.models' has no attribute {name!r}")
    for family in FAMILIES:
        module = importlib.import_module(f"aelab.models.{family}")
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module 'aelab.models' has no attribute {name!r}")
