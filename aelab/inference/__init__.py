"""Inference: running models (`traced`), the 2-D latent space (`latent`), decoders for the browser (`onnx_export`).

`from aelab import inference; inference.run(model, x)` is the fast path for small batches,
`inference.predict_all(model, x)` for a whole set.
"""

from aelab.inference.traced import CHUNK, predict_all, run, run_batched, run_chunked, traced

__all__ = ["CHUNK", "predict_all", "run", "run_batched", "run_chunked", "traced"]
