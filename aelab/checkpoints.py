"""Saving and loading checkpoints: `<name>.keras` plus a JSON sidecar, written atomically.

The public contract (used by the app and by outside checks):
`load(name, directory=None)` for name in `ae2d`, `vae2d`, `dae`, `colorizer`, `colorizer_mse`.

    python -m aelab.checkpoints attach-onnx NAME...   a saved AE/VAE's decoder as ONNX beside it
"""

import glob
import json
import os
import platform
import re
import tempfile
import zipfile

import keras

from aelab import locations, models
from aelab.checkpoint_rules import (  # noqa: F401  (part of this module's API)
    READ_ONLY_ENV,
    CheckpointError,
    NameTakenError,
    ReadOnlyError,
    _refuse_if_read_only,
    check_name,
    read_only,
    sha256_of,
)
from aelab.i18n import _
from aelab.models import contract, registry

CHECKPOINT_DIR_ENV = "AELAB_CHECKPOINT_DIR"
REPO_CHECKPOINTS = locations.SHIPPED_CHECKPOINTS  # The checkout's checkpoints/, or the installed package's.

# The shipped checkpoints (one per model kind) and the command that rebuilds each one.
SHIPPED = {kind.name: kind.rebuild for kind in registry.KINDS.values()}

# The tutorials' dense variants (Variants page), rebuilt together by one study run.
# Kept apart from SHIPPED, whose names are the public load contract.
SHIPPED_VARIANTS = {kind.name: kind.rebuild for kind in registry.VARIANTS.values()}


def resolve_dir(directory=None):
    """Returns the checkpoint folder: the argument, `AELAB_CHECKPOINT_DIR`, or the shipped one."""
    return str(directory or os.environ.get(CHECKPOINT_DIR_ENV) or REPO_CHECKPOINTS)


def paths(name, directory=None):
    """Returns `(keras_path, sidecar_path)` for a checkpoint name."""
    d = resolve_dir(directory)
    name = check_name(name)
    return os.path.join(d, f"{name}.keras"), os.path.join(d, f"{name}.json")


def library_versions():
    import numpy
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
    }


def _without_optimizer(model):
    """A copy of the model without optimizer state, which would triple the file size."""
    if getattr(model, "optimizer", None) is None:
        return model
    # clone_model would carry the compile state over; from_config does not.
    copy = model.__class__.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def _write_fsynced(path, write):
    with open(path, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def save(model, name, metadata, directory=None, extra=None, exist_ok=True):
    """Saves a model and its sidecar atomically.

    Both files are first written in full to temporary files in the same
    folder, then renamed over the old ones: the sidecar first, the model last.
    A crash before the last rename leaves the old model with a sidecar whose
    sha256 names the new one; `load` then finishes the interrupted save from
    the temporary file, so a good checkpoint is always there.

    Args:
        model: the Keras model.
        name: checkpoint name (see `check_name`).
        metadata: JSON-serialisable dict (config, seed, epochs, data set, metrics).
        directory: target folder; see `resolve_dir`.
        extra: optional `extra(model, stem) -> dict` that writes files beside the
            checkpoint (`stem` is its path without `.keras`) before the sidecar,
            and returns their sidecar fields (`onnx_export.decoder_beside`).
        exist_ok: False to refuse a name that is already saved. The sidecar is
            then claimed with an exclusive create (a hard link, which fails if
            the name exists), so of two sessions saving one name at once exactly
            one wins and the other gets `NameTakenError`; nothing is overwritten.

    Returns:
        The path of the `.keras` file.

    Raises:
        NameTakenError: with `exist_ok=False`, if the name is taken.
        ReadOnlyError: in classroom mode (`AELAB_READ_ONLY`), before any write.
        ValueError: if the name is invalid (see `check_name`), before any write.
    """
    keras_path, json_path = paths(name, directory)
    _refuse_if_read_only(_("save checkpoint '{name}'").format(name=name))
    folder = os.path.dirname(keras_path)
    if not exist_ok and (os.path.exists(json_path) or os.path.exists(keras_path)):
        raise _taken(name)  # Found before the model is written; the claim below settles a race.
    os.makedirs(folder, exist_ok=True)
    fd, tmp_model = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp.keras", dir=folder)
    os.close(fd)
    try:
        _without_optimizer(model).save(tmp_model)
        os.chmod(tmp_model, 0o644)  # mkstemp makes it private; checkpoints are shared files.
        with open(tmp_model, "rb") as f:
            os.fsync(f.fileno())
        sidecar = {
            **metadata,
            **(extra(model, keras_path[: -len(".keras")]) if extra else {}),
            "name": name,
            "versions": library_versions(),
            "sha256": sha256_of(tmp_model),
            "pending": os.path.basename(tmp_model),
        }
        fd, tmp_json = tempfile.mkstemp(prefix=f".{name}.", suffix=".json.tmp", dir=folder)
        os.close(fd)
        _write_fsynced(tmp_json, lambda f: f.write(json.dumps(sidecar, indent=2).encode()))
        os.chmod(tmp_json, 0o644)
        if exist_ok:
            os.replace(tmp_json, json_path)
        else:
            try:
                os.link(tmp_json, json_path)  # Atomic, and fails if the name was taken meanwhile.
            except FileExistsError:
                raise _taken(name) from None
            finally:
                os.remove(tmp_json)
        os.replace(tmp_model, keras_path)
    except BaseException:
        if os.path.exists(tmp_model) and not _sidecar_names(json_path, tmp_model):
            os.remove(tmp_model)
        raise
    return keras_path


def _taken(name):
    return NameTakenError(
        _("A model named '{name}' is already saved: choose another name (nothing was overwritten).").format(name=name)
    )


def _sidecar_names(json_path, tmp_model):
    try:
        with open(json_path) as f:
            return json.load(f).get("pending") == os.path.basename(tmp_model)
    except (OSError, ValueError):
        return False


def read_sidecar(name, directory=None):
    """Reads a checkpoint's JSON sidecar.

    Returns:
        The sidecar dict.

    Raises:
        CheckpointError: if it is missing or not valid JSON.
    """
    json_path = paths(name, directory)[1]
    if not os.path.isfile(json_path):
        raise CheckpointError(
            _("Checkpoint sidecar not found: {path}. {hint}").format(path=json_path, hint=_train_hint(name))
        )
    try:
        with open(json_path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise CheckpointError(
            _("Checkpoint sidecar {path} is not valid JSON ({error}). {hint}").format(
                path=json_path, error=e, hint=_train_hint(name)
            )
        ) from e


def _train_hint(name):
    if name in SHIPPED:
        return _("Rebuild it with: {command}").format(command=SHIPPED[name])
    if name in SHIPPED_VARIANTS:
        return _("Rebuild it with: {command}").format(command=SHIPPED_VARIANTS[name])
    return _("Train and save it again.")


def _recover(keras_path, sidecar):
    """Finishes a save that was interrupted between its two renames.

    Returns:
        The path to load: `keras_path`, or in classroom mode, which renames
        nothing, the finished temporary file the sidecar names.
    """
    pending = sidecar.get("pending")
    if not pending:
        return keras_path
    tmp = os.path.join(os.path.dirname(keras_path), pending)
    if os.path.isfile(tmp) and sha256_of(tmp) == sidecar.get("sha256"):
        if read_only():
            return tmp
        os.replace(tmp, keras_path)
    return keras_path


def clean_stale_temporaries(directory=None):
    """Removes temporary files that no sidecar points to (left by killed saves); not in classroom mode."""
    if read_only():
        return
    d = resolve_dir(directory)
    wanted = set()
    for j in glob.glob(os.path.join(d, "*.json")):
        try:
            with open(j) as f:
                wanted.add(json.load(f).get("pending"))
        except (OSError, ValueError):
            continue
    for tmp in glob.glob(os.path.join(d, ".*.tmp.keras")) + glob.glob(os.path.join(d, ".*.json.tmp")):
        if os.path.basename(tmp) not in wanted:
            os.remove(tmp)


def _check_contract(name, model):
    try:
        contract.check(model, name)  # The app's own check for the models it shows.
    except Exception as e:  # Any mismatch in a foreign model surfaces here.
        raise CheckpointError(
            _("Checkpoint '{name}' holds a model of another architecture: {error}. {hint}").format(
                name=name, error=_one_line(e), hint=_train_hint(name)
            )
        ) from e


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _one_line(error, limit=240):
    """The line of an error that says what is wrong, without Keras' colour codes and call listing.

    Keras wraps a shape mismatch in "Exception encountered when calling ...",
    a bold line with the reason, and the arguments received; a web page needs
    only the reason.
    """
    lines = [line.strip() for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("Exception encountered", "Arguments received", "•"))]
    text = (useful or lines or [type(error).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load(name, directory=None, verify=True):
    """Loads a checkpoint with `safe_mode=True`.

    Args:
        name: `ae2d`, `vae2d`, `dae`, `colorizer`, or a name saved by a user.
        directory: folder; the argument, then `AELAB_CHECKPOINT_DIR`, then the
            repository's `checkpoints/`.
        verify: check the sha256 in the sidecar and, for the shipped names,
            the input and output shapes.

    Returns:
        The Keras model (`.encoder`/`.decoder` for `ae2d` and `vae2d`).

    Raises:
        CheckpointError: if a file is missing, corrupt or incompatible; the
            message names the file and how to rebuild it.
    """
    keras_path = paths(name, directory)[0]
    sidecar = read_sidecar(name, directory) if verify else {}
    if verify:
        keras_path = _recover(keras_path, sidecar)
    if not os.path.isfile(keras_path):
        raise CheckpointError(_("Checkpoint not found: {path}. {hint}").format(path=keras_path, hint=_train_hint(name)))
    if verify and sidecar.get("sha256") != sha256_of(keras_path):
        raise CheckpointError(
            _(
                "Checkpoint {path} does not match its sidecar (sha256 differs): "
                "the file was changed or only partly written. {hint}"
            ).format(path=keras_path, hint=_train_hint(name))
        )
    models.load_all()  # Registers aelab's Keras classes, which the file names.
    try:
        model = keras.saving.load_model(keras_path, compile=False, safe_mode=True)
    except (zipfile.BadZipFile, OSError, ValueError, TypeError, KeyError) as e:
        if "safe_mode" in str(e):
            # Keras' own message suggests turning safe mode off; we never do.
            raise CheckpointError(
                _(
                    "Checkpoint {path} is refused: it contains Python code (a Lambda layer or a pickled "
                    "function), and aelab loads checkpoints in Keras' safe mode so that no file can run code on "
                    "this machine. {hint}"
                ).format(path=keras_path, hint=_train_hint(name))
            ) from e
        raise CheckpointError(
            _("Checkpoint {path} could not be loaded: {error}. {hint}").format(
                path=keras_path, error=e, hint=_train_hint(name)
            )
        ) from e
    if verify and name in registry.KINDS:
        _check_contract(name, model)
    return model


def attach_decoder_onnx(name, directory=None):
    """Exports a saved AE/VAE's decoder beside its `.keras` and puts its sha256 in the sidecar.

    For checkpoints saved before saving wrote `.onnx` files (`aelab.shelf.save`
    does now); nothing is retrained and the `.keras` file is not touched.

    Args:
        name: checkpoint name, e.g. "vae2d".
        directory: its folder; see `resolve_dir`.

    Returns:
        `(model, path)`: the loaded Keras model and the written `.onnx` file.

    Raises:
        ReadOnlyError: in classroom mode (`AELAB_READ_ONLY`).
    """
    from aelab.inference import onnx_export

    if read_only():
        raise ReadOnlyError(f"Cannot export '{name}': classroom mode ({READ_ONLY_ENV}=1).")
    model = load(name, directory)
    keras_path, json_path = paths(name, directory)
    fields = onnx_export.decoder_beside(model, keras_path[: -len(".keras")])
    sidecar = {**read_sidecar(name, directory), **fields}
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".json.tmp", dir=os.path.dirname(json_path))
    os.close(fd)
    # Whole, then renamed: a reader sees the old sidecar or the new one.
    _write_fsynced(tmp, lambda f: f.write(json.dumps(sidecar, indent=2).encode()))
    os.chmod(tmp, 0o644)
    os.replace(tmp, json_path)
    return model, os.path.join(os.path.dirname(keras_path), fields["decoder_onnx"]["file"])


def main(argv=None):
    """`python -m aelab.checkpoints attach-onnx NAME...`: `attach_decoder_onnx` for each, then checked."""
    import argparse

    from aelab.inference import onnx_export

    parser = argparse.ArgumentParser(
        prog="python -m aelab.checkpoints",
        description="Export saved AE/VAE decoders as ONNX beside their checkpoints, sha256 in the sidecar.",
    )
    parser.add_argument("action", choices=["attach-onnx"], help="what to do with the checkpoints named")
    parser.add_argument("names", nargs="+", help="checkpoint names, e.g. ae2d vae2d")
    parser.add_argument("--dir", default=None, help="checkpoint folder (default: the repository's checkpoints/)")
    args = parser.parse_args(argv)
    for name in args.names:
        model, path = attach_decoder_onnx(name, args.dir)
        diff = onnx_export.max_abs_difference(model, path)
        print(f"{path}: {os.path.getsize(path) / 1e6:.2f} MB, max |ONNX - Keras| on 1,000 points {diff:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
