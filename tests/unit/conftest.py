"""Fixtures shared by the library's unit tests."""

import os

import pytest

from aelab import checkpoints
from aelab.models import build_conv_autoencoder


@pytest.fixture()
def tiny_ae():
    """A conv AE small enough to save and load in a blink."""
    return build_conv_autoencoder(hidden_units=8, filters=(4, 8))


@pytest.fixture()
def save_killed_between_renames(monkeypatch):
    """Returns `save(model, name, metadata, directory)`: a save killed after the sidecar's rename.

    The sidecar then already names the new model while the `.keras` file is
    still the old one, the window that `aelab.checkpoints` rolls forward.
    Returns the names of the files each `os.replace` call was moving to.
    """

    def save(model, name, metadata, directory):
        real_replace, calls = os.replace, []

        def replace_then_die(src, dst):
            calls.append(dst)
            if str(dst).endswith(".keras"):
                raise KeyboardInterrupt("killed between the renames")
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace_then_die)
        with pytest.raises(KeyboardInterrupt):
            checkpoints.save(model, name, metadata, directory)
        monkeypatch.undo()
        return calls

    return save
