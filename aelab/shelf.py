"""Which model is in use: the shipped checkpoint, the one trained in this session, or one saved by name.

The pages show one AE and one VAE at a time, and a link may name a saved one
(`?vae=lesson3`). `Choice` is that decision as a typed value that parses and
prints itself; `resolve` turns it into the loaded model with what the pages
need to know about it (`ModelInfo`); `save` is the one way a trained model is
written (its sidecar always, and for a latent kind its decoder as ONNX for the
browser's navigator). Nothing here knows Streamlit: the app caches `load` and
shows the errors.
"""

import dataclasses
import glob
import json
import os

import numpy as np

from aelab import checkpoints, inference
from aelab.i18n import _, ngettext
from aelab.models import contract, registry

SHIPPED, SESSION, SAVED = "shipped", "session", "saved"


@dataclasses.dataclass(frozen=True)
class Choice:
    """Which model of one kind a session uses.

    Attributes:
        kind: a registry kind's name ("ae2d", "vae2d").
        source: "shipped", "session" (trained in this browser session) or "saved".
        name: the saved model's name (source "saved" only).
    """

    kind: str
    source: str = SHIPPED
    name: str = ""

    def __post_init__(self):
        registry.get(self.kind)  # Raises for an unknown kind.
        if self.source not in (SHIPPED, SESSION, SAVED):
            raise ValueError(
                f"Invalid value for argument source: expected one of {(SHIPPED, SESSION, SAVED)}. "
                f"Received: source={self.source!r}"
            )
        if (self.source == SAVED) != bool(self.name):
            raise ValueError(f"Invalid choice: a name goes with source 'saved' only. Received: {self!r}")
        if self.name:
            checkpoints.check_name(self.name)

    @classmethod
    def parse(cls, kind, text):
        """The choice `str(choice)` printed: "shipped", "session" or "saved:<name>".

        Raises:
            ValueError: for any other text, or a name the app could not have saved.
        """
        source, sep, name = str(text).partition(":")
        if sep and source != SAVED:
            raise ValueError(f"expected 'shipped', 'session' or 'saved:<name>'. Received: {text!r}")
        return cls(kind, source, name)

    @classmethod
    def from_link(cls, kind, value):
        """The choice a link's value names: "shipped", or the name of a saved model (`vae=lesson3`).

        Raises:
            ValueError: for a name the app could not have saved.
        """
        return cls(kind) if value == SHIPPED else cls(kind, SAVED, checkpoints.check_name(value))

    def __str__(self):
        return f"{SAVED}:{self.name}" if self.source == SAVED else self.source

    @property
    def link_value(self):
        """What a link carries for it: the saved name, or None (shipped and session models are not linked)."""
        return self.name if self.source == SAVED else None

    def label(self, epochs=None):
        """One line for people, in the session's language.

        Args:
            epochs: for a session's model, how many epochs it trained, if known.
        """
        if self.source == SESSION:
            if epochs is None:
                return _("trained in this session")
            done = ngettext("{n} epoch", "{n} epochs", epochs).format(n=epochs)
            return _("trained in this session ({epochs})").format(epochs=done)
        if self.source == SAVED:
            return _("saved model '{name}'").format(name=self.name)
        return _("shipped checkpoint '{name}'").format(name=self.kind)


@dataclasses.dataclass
class ModelInfo:
    """What the pages need to know about a model besides the model itself.

    Attributes:
        kind: the registry kind's name.
        source: "shipped", "session" or "saved".
        label: one line for people.
        key: a string that changes whenever the weights do (cache key).
        meta: the sidecar dict (config, epochs, data set, test metrics, history).
    """

    kind: str
    source: str
    label: str
    key: str
    meta: dict


def saved_names(kind, directory):
    """Names of the models of one kind saved in `directory`, sorted (broken sidecars left out)."""
    names = []
    for path in glob.glob(os.path.join(directory, "*.json")):
        try:
            with open(path) as f:
                meta = json.load(f)
        except (OSError, ValueError):
            continue  # A broken sidecar is not offered; loading it would only fail.
        if (meta.get("kind") or meta.get("config", {}).get("model")) == kind:
            names.append(os.path.splitext(os.path.basename(path))[0])
    return sorted(names)


def check(model, kind):
    """Checks that `model` can play `kind` in the app, and warms it up (its first call builds the graph).

    Raises:
        ValueError: if it cannot (for example a DAE saved under a VAE's name).
    """
    contract.check(model, kind)
    # Trace the page's calls now, at load, with two batch sizes: `reduce_retracing` then keeps one
    # trace for every size, so a student's first selection or drawing does not wait for a trace
    # (about half a second on a busy 2-core server).
    spec = registry.get(kind)
    parts = [(model, spec.input_shape)]
    if spec.latent_2d:
        parts.append((model.decoder, tuple(model.decoder.input_shape[1:])))
    for part, shape in parts:
        for n in (1, 2):
            inference.run(part, np.zeros((n, *shape), "float32"))


def load(name, directory, kind):
    """Loads a checkpoint and checks it against its kind (uncached: the app caches this call).

    Raises:
        aelab.checkpoints.CheckpointError, ValueError: with a message for people.
    """
    model = checkpoints.load(name, directory)
    check(model, kind)
    return model


def resolve(choice, user_dir, trained=None, loader=load):
    """The model a choice names, loaded, with its `ModelInfo`.

    Args:
        choice: a `Choice`.
        user_dir: the folder of models saved from the app.
        trained: this session's finished training job of that kind, or None. A "session"
            choice without one falls back to the shipped model.
        loader: `loader(name, directory, kind) -> model`; the app passes a cached `load`.

    Returns:
        `(model, info, choice)`: `choice` is the one used (the shipped one when a session's
        model is gone).

    Raises:
        aelab.checkpoints.CheckpointError, ValueError: when the checkpoint cannot be used.
    """
    if choice.source == SESSION:
        if trained is not None and trained.model is not None:
            full = len(trained.history.get("loss", [])) - (1 if getattr(trained, "partial_epoch", None) else 0)
            label = choice.label(epochs=full)
            return (
                trained.model,
                ModelInfo(choice.kind, SESSION, label, f"session:{trained.id}", trained.metadata()),
                choice,
            )
        choice = Choice(choice.kind)
    name, directory = (choice.name, user_dir) if choice.source == SAVED else (choice.kind, None)
    directory = checkpoints.resolve_dir(directory)
    meta = checkpoints.read_sidecar(name, directory)
    model = loader(name, directory, choice.kind)
    key = f"{choice.source}:{name}:{meta.get('sha256', '')}"
    return model, ModelInfo(choice.kind, choice.source, choice.label(), key, meta), choice


def save(model, name, meta, kind, directory=None, exist_ok=True):
    """Writes a trained model and its sidecar atomically; a latent kind's decoder also as ONNX beside it.

    The one save path of the app, the CLI and the studies: every saved AE or
    VAE can be shown by the browser's navigator.

    Args:
        model: the trained Keras model.
        name: checkpoint name.
        meta: the sidecar dict.
        kind: its registry kind's name.
        directory: folder (see `aelab.checkpoints.resolve_dir`).
        exist_ok: False to refuse a name already saved (`NameTakenError`), as the app does.

    Returns:
        The `.keras` path.
    """
    extra = None
    if registry.get(kind).latent_2d:
        from aelab.inference import onnx_export

        extra = onnx_export.decoder_beside
    return checkpoints.save(model, name, meta, directory, exist_ok=exist_ok, extra=extra)
