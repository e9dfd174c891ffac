"""Fast inference on small batches: each model's forward pass traced once as a `tf.function`.

A slider move decodes one latent point or denoises a handful of digits. An
eager Keras call spends most of its few milliseconds dispatching ops one by
one from Python, and `predict()` adds tens of milliseconds of set-up on top
(see `bench/decode.py`). A traced graph runs the same ops without either.
"""

import threading
import weakref

import numpy as np
import tensorflow as tf

# One traced function per model object; it goes away with the model (a model
# trained and then dropped in a browser session must not be kept alive here).
_TRACED = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


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
            # value would keep its own key alive forever.
            ref = weakref.ref(model)
            fn = tf.function(lambda x: ref()(x, training=False), reduce_retracing=True)
            _TRACED[model] = fn
    return fn


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
