"""Training: what a run is made of (`config`, no TensorFlow), the Keras pipeline (`pipeline`), and the
jobs a web page starts, watches and stops (`jobs`).

Nothing is imported here, so `aelab.training.config` stays importable without starting TensorFlow.
"""
