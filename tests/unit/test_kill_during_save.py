"""SIGKILL a process at random moments while it saves: the last good checkpoint always loads."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

from aelab import checkpoints

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Saves generation 1, 2, 3, ... forever, printing each finished generation.
SAVER = """
import sys
from aelab import checkpoints
from aelab.models import build_conv_autoencoder
m = build_conv_autoencoder(hidden_units=8, filters=(4, 8))
folder = sys.argv[1]
g = 0
while True:
    g += 1
    for w in m.trainable_weights:
        w.assign(w * 0 + g / 1000.0)
    checkpoints.save(m, "ae2d", {"generation": g}, folder)
    print(g, flush=True)
"""


def test_sigkill_during_saves_never_loses_the_checkpoint(tmp_path):
    rng = random.Random(0)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": REPO}
    x = np.zeros((1, 28, 28, 1), "float32")
    last_seen = 0
    for _ in range(5):  # Each round starts a Python with TensorFlow (about 3 s): 5 random moments.
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(tmp_path)], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
        )
        # Wait for at least one finished save, then kill at a random moment of a later one.
        first = proc.stdout.readline()
        assert first.strip().isdigit(), "the saver started"
        time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        model = checkpoints.load("ae2d", tmp_path)
        gen = checkpoints.read_sidecar("ae2d", tmp_path)["generation"]
        # The model file is the one its sidecar describes (sha256 checked by load) ...
        first_kernel = model.encoder.trainable_weights[0].numpy()
        assert np.allclose(first_kernel, gen / 1000.0)
        # ... and it is never older than a save that had finished.
        assert gen >= int(first)
        assert np.isfinite(np.asarray(model(x))).all()
        last_seen = max(last_seen, gen)
        checkpoints.clean_stale_temporaries(tmp_path)
    assert last_seen >= 1
