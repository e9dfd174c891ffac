"""ONNX export of AE/VAE decoders, for decoding in the browser (the latent navigator).

Keras 3 exports a model to ONNX itself (`model.export(path, format="onnx")`, which
goes through tf2onnx on the TensorFlow backend); onnxruntime-web runs the file in
the page. Only the decoder travels: the browser turns a 2-D point into a digit.
A checkpoint saved before the `.onnx` files were written gets its decoder with
`python -m aelab.checkpoints attach-onnx NAME...` (`aelab.checkpoints.attach_decoder_onnx`).

What is exported is the decoder without its dead units (`aelab.inference.dead_units`: the same
digits for every point, about half the weights) with its large weights in float16.
"""

import os
import tempfile
import threading

import numpy as np

from aelab.checkpoint_rules import sha256_of
from aelab.inference import dead_units

SUFFIX = ".decoder.onnx"  # Beside `<name>.keras`: `<name>.decoder.onnx`.
HALF_FROM = 1024  # Weights with this many values or more are stored in float16 (`store_weights_in_float16`).

# tf2onnx converts through process-wide TensorFlow graph state; two sessions that
# export at once (two students activating new models) take turns.
_EXPORT_LOCK = threading.Lock()


def _decoder(model):
    decoder = getattr(model, "decoder", None)
    if decoder is None:
        raise ValueError(
            "Invalid value for argument model: expected an AE or VAE with a .decoder. "
            f"Received: model={type(model).__name__}"
        )
    return decoder


def export_decoder(model, path, half=True, slim=True):
    """Exports a model's decoder as ONNX, atomically.

    The file is written in full under a temporary name in the same folder and
    then renamed, so a reader (the browser, a test) never sees half a model.

    Args:
        model: an AE or VAE with `.decoder` (2-D latent in, (28, 28, 1) images out).
        path: where the `.onnx` file goes; its folder must exist.
        half: store the large weights in float16 (`store_weights_in_float16`); False keeps float32
            (bench/first_visit.py measures the difference).
        slim: leave out the units that are zero for every point (`dead_units.without_dead_units`);
            False exports every unit, as before (docs/performance.md compares the two first visits).

    Returns:
        The sha256 of the written file.

    Raises:
        ValueError: if the model has no decoder.
    """
    decoder = _decoder(model)
    if slim:
        decoder, _ = dead_units.without_dead_units(decoder)
    # Keras exports only models that have run once (their traced signature comes from that).
    decoder(np.zeros((1, *decoder.input_shape[1:]), "float32"), training=False)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".onnx.tmp", dir=folder)
    os.close(fd)
    try:
        with _EXPORT_LOCK:
            decoder.export(tmp, format="onnx", verbose=False)
        if half:
            store_weights_in_float16(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the web server and others read it.
        digest = sha256_of(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return digest


def store_weights_in_float16(path, at_least=HALF_FROM):
    """Rewrites an ONNX file in place with its large float32 weights stored as float16, computed in float32.

    Half the bytes of the weights (the VAE's decoder with every unit: 3.45 MB -> 1.73 MB), and the same
    arithmetic: each such weight becomes a float16 initializer and a `Cast` back to float32 in front
    of the node that reads it, so onnxruntime-web's WebAssembly kernels, which are float32, run as
    before. Rounding the weights moves a decoded pixel by far less than 1/255
    (tests/unit/test_onnx_export.py checks it on 1,000 points).

    Args:
        path: an `.onnx` file, rewritten in place (the caller renames it into view afterwards).
        at_least: only weights with this many values or more (biases stay float32: tiny anyway).
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    graph = model.graph
    casts, kept = [], []
    for init in graph.initializer:
        if init.data_type == onnx.TensorProto.FLOAT and np.prod(init.dims, dtype=np.int64) >= at_least:
            half = numpy_helper.from_array(numpy_helper.to_array(init).astype("float16"), init.name + "_fp16")
            kept.append(half)
            casts.append(onnx.helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT))
        else:
            kept.append(init)
    if not casts:
        return
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)  # The casts first: the graph stays in topological order.
    onnx.checker.check_model(model)
    onnx.save(model, path)


def max_abs_difference(model, path, n=1000, seed=0, low=-4.0, high=4.0):
    """Largest pixel difference between an exported decoder and the Keras one.

    Both decode the same `n` latent points drawn uniformly from [low, high]^2,
    the Keras model through a direct call, the file through onnxruntime (a
    test-time dependency: the app itself never runs ONNX on the server).

    Args:
        model: the Keras AE or VAE.
        path: its exported `.onnx` decoder.
        n: number of latent points.
        seed: seed of the points.
        low, high: range of each latent coordinate.

    Returns:
        The maximum absolute difference, a float.
    """
    import onnxruntime

    z = np.random.default_rng(seed).uniform(low, high, (n, 2)).astype("float32")
    expected = np.asarray(_decoder(model)(z, training=False))
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: z})[0]
    if got.shape != expected.shape:
        raise ValueError(f"Expected ONNX output of shape {expected.shape}. Received: {got.shape}")
    return float(np.abs(got - expected).max())


def decoder_beside(model, stem):
    """Writes `<stem>.decoder.onnx` for `aelab.checkpoints.save(..., extra=decoder_beside)` (`aelab.shelf.save`).

    Args:
        model: the AE or VAE being saved.
        stem: the checkpoint's path without `.keras`.

    Returns:
        The sidecar field `{"decoder_onnx": {"file": ..., "sha256": ...}}`.
    """
    path = stem + SUFFIX
    return {"decoder_onnx": {"file": os.path.basename(path), "sha256": export_decoder(model, path)}}
