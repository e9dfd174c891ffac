"""Inference: traced forward passes (`traced`) and the 2-D latent space (`latent`).

`from aelab import inference; inference.run(model, x)` is the fast path for small batches.
"""

from aelab.inference.traced import CHUNK, run, run_chunked, traced

__all__ = ["CHUNK", "run", "run_chunked", "traced"]
