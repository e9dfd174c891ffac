"""Running a model over a batch, in one place: traced calls for what a page asks, batches for whole sets.

A slider move decodes one latent point or denoises a handful of digits. An
eager Keras call spends most of its few milliseconds dispatching ops one by
one from Python, and `predict()` adds tens of milliseconds of set-up on top
(see `bench/decode.py`). A traced graph runs the same ops without either:
`run`, and `run_chunked` for a large batch. Scoring a model on a whole set
(the metrics, a study, encoding the test digits) goes through `run_batched`.
"""

import functools
import threading
import weakref

import numpy as np
import tensorflow as tf

# One traced function per model object; it goes away with the model (a model
# trained and then dropped in a browser session must not be kept alive here).
_TRACED = weakref.WeakKeyDictionary()
_CHUNKED = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()

# Images per step when `run_chunked` splits a large batch. A 30x30 manifold's
# 900 digits have 90 MB of 28x28x32 activations, far more than the CPU's
# caches; 100 at a time, two steps side by side, decode it about 20 % faster
# (bench/decode.py), with identical results.
CHUNK = 100


def _call(ref, x):
    return ref()(x, training=False)


def _each_chunk(ref, chunks):
    return tf.map_fn(functools.partial(_call, ref), chunks, parallel_iterations=2, fn_output_signature=tf.float32)


def traced(model):
    """`model(x, training=False)` as a `tf.function`, built once per model.

    `reduce_retracing` lets one trace serve every batch size (and, after a
    second shape, every image size) instead of tracing again for each.

    Args:
        model: a Keras model or layer.

    Returns:
        A callable on a float32 array that returns a tensor or tuple of tensors.
    """
    with _LOCK:  # Sessions run in threads; two first calls must not both trace.
        fn = _TRACED.get(model)
        if fn is None:
            # The function holds the model weakly: a strong reference from the
            # value would keep its own key alive forever. A partial, not a lambda:
            # TensorFlow counts traces per code object, so one lambda shared by
            # every model made each model's first trace look like a retrace
            # ("5 out of the last 5 calls ... triggered tf.function retracing").
            fn = tf.function(functools.partial(_call, weakref.ref(model)), reduce_retracing=True)
            _TRACED[model] = fn
    return fn


def _chunked(model):
    """Like `traced`, over a batch of chunks `(k, CHUNK, ...)`, two chunks at a time."""
    with _LOCK:
        fn = _CHUNKED.get(model)
        if fn is None:
            fn = tf.function(functools.partial(_each_chunk, weakref.ref(model)), reduce_retracing=True)
            _CHUNKED[model] = fn
    return fn


def run_chunked(model, x):
    """Runs a single-output model on a large batch in chunks of `CHUNK`, inside one traced call.

    Args:
        model: a Keras model or layer with one output.
        x: the batch, any array-like; it is cast to float32.

    Returns:
        A float32 NumPy array with one output per row of `x`.
    """
    x = np.asarray(x, dtype="float32")
    n = len(x)
    if n <= CHUNK:
        return run(model, x)
    # Pad to whole chunks so every chunk has the same shape (one trace serves all sizes).
    padded = np.concatenate([x, np.zeros((-n % CHUNK, *x.shape[1:]), "float32")])
    out = _chunked(model)(tf.convert_to_tensor(padded.reshape(-1, CHUNK, *x.shape[1:])))
    return np.asarray(out, dtype="float32").reshape(-1, *out.shape[2:])[:n]


def run(model, x):
    """Runs a model on a batch through its traced function.

    Args:
        model: a Keras model or layer.
        x: the batch, any array-like; it is cast to float32.

    Returns:
        A float32 NumPy array, or a tuple of them when the model returns several outputs.
    """
    out = traced(model)(tf.convert_to_tensor(np.asarray(x, dtype="float32")))
    if isinstance(out, (list, tuple)):
        return tuple(np.asarray(o, dtype="float32") for o in out)
    return np.asarray(out, dtype="float32")


def run_batched(fn, x, batch_size=1000):
    """Applies `fn` to `x` in batches and concatenates the NumPy results.

    Args:
        fn: callable on a float32 batch returning a tensor or a tuple of tensors
            (a model with `training=False`, an encoder's `encode_mean`, a loss's terms).
        x: the inputs.
        batch_size: items per call.

    Returns:
        An array, or a tuple of arrays when `fn` returns a tuple.
    """
    parts = []
    for i in range(0, len(x), batch_size):
        out = fn(np.asarray(x[i : i + batch_size], "float32"))
        parts.append(tuple(np.asarray(o) for o in out) if isinstance(out, (list, tuple)) else np.asarray(out))
    if parts and isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts))
    return np.concatenate(parts)


def predict_all(model, x, batch_size=1000):
    """The model's outputs for a whole set, in batches, with `training=False`."""
    return run_batched(lambda b: model(b, training=False), x, batch_size)
