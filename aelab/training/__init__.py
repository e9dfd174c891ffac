"""Training: what a run is made of (`config`, no TensorFlow), the Keras pipeline (`pipeline`), the
callbacks every run uses (`callbacks`), and the jobs a web page starts, watches and stops in the
worker pool (`jobs`, `pool`, `worker`).

Nothing is imported here, so `aelab.training.config` stays importable without starting TensorFlow.
"""
