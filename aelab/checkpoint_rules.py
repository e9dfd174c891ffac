"""What a checkpoint may be called, when one may be written, the errors that say so, and its files' sha256.

A name typed by a student becomes a file name, so it must never leave its folder or
name a device; in classroom mode (`AELAB_READ_ONLY=1`) nothing is written at all.
`aelab.checkpoints` re-exports everything here.
"""

import hashlib
import os
import re

from aelab.i18n import _

# Classroom mode: set to 1 and nothing here writes, renames or deletes a file.
READ_ONLY_ENV = "AELAB_READ_ONLY"

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# Windows opens a device, not a file, for these names with any extension.
_RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt, or does not match what was asked for."""


class NameTakenError(CheckpointError):
    """`save(..., exist_ok=False)` was asked for a name that is already saved."""


class ReadOnlyError(CheckpointError):
    """A write was asked for while `AELAB_READ_ONLY` is set."""


def read_only():
    """Whether classroom mode is on: `AELAB_READ_ONLY` set to anything but "", 0, false, no or off.

    An unrecognised value counts as on: a typo must not open the saved models
    of a whole class to overwriting.
    """
    return os.environ.get(READ_ONLY_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


def _refuse_if_read_only(what):
    if read_only():
        raise ReadOnlyError(
            _(
                "Cannot {what}: this aelab runs in classroom mode ({env}=1), where saved checkpoints "
                "cannot be overwritten or deleted. Models trained here stay in your browser session."
            ).format(what=what, env=READ_ONLY_ENV)
        )


def check_name(name):
    """Validates a checkpoint name so that it can never leave its folder.

    Args:
        name: the name a user typed.

    Returns:
        The name, stripped of surrounding spaces.

    Raises:
        ValueError: if the name is empty, too long, or has characters other
            than ASCII letters, digits, '_' and '-'.
    """
    name = str(name).strip()
    if not _NAME_RE.fullmatch(name):
        shown = name if len(name) <= 80 else _("{start}…({n} characters)").format(start=name[:40], n=len(name))
        raise ValueError(
            _(
                "Invalid checkpoint name: expected 1 to 64 ASCII letters, digits, '_' or '-', "
                "starting with a letter or digit. Received: {name}"
            ).format(name=repr(shown))
        )
    if name.lower() in _RESERVED_NAMES:
        raise ValueError(
            _(
                "Invalid checkpoint name: {name} is a device name on Windows and cannot be a file there. "
                "Choose another name."
            ).format(name=repr(name))
        )
    return name


def sha256_of(path):
    """The sha256 of a file, in hex: what a sidecar records of the files it describes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
