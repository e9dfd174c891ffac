"""Two processes save the same new name at once: exactly one wins, nothing is overwritten."""

import json
import os
import subprocess
import sys

from aelab import checkpoints

# Each racer builds its own tiny model (its weights differ), waits for the start signal, then saves.
RACER = """
import os, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from aelab import checkpoints
from aelab.models import build_conv_autoencoder
folder, go, who = sys.argv[1:4]
model = build_conv_autoencoder(hidden_units=8, filters=(4, 8))
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
try:
    checkpoints.save(model, "lesson", {"who": who}, folder, exist_ok=False)
    print("saved", flush=True)
except checkpoints.NameTakenError as e:
    print("taken", e, flush=True)
"""


def test_two_processes_saving_one_name_race_safely(tmp_path):
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(tmp_path), str(go), who], stdout=subprocess.PIPE, text=True, env=env
        )
        for who in ("a", "b")
    ]
    for r in racers:
        assert r.stdout.readline().strip() == "ready"
    go.touch()
    outcomes = [r.communicate(timeout=120)[0].strip() for r in racers]
    assert sorted(o.split()[0] for o in outcomes) == ["saved", "taken"], outcomes
    assert "already saved" in next(o for o in outcomes if o.startswith("taken"))
    winner = "ab"[[o.startswith("saved") for o in outcomes].index(True)]
    with open(tmp_path / "lesson.json") as f:
        assert json.load(f)["who"] == winner  # The winner's sidecar, and it matches the winner's model:
    checkpoints.load("lesson", tmp_path)  # the sha256 check passes.
    assert sorted(os.listdir(tmp_path)) == ["go", "lesson.json", "lesson.keras"]  # No temporaries left.


def test_a_saved_name_is_refused_and_kept(tmp_path, tiny_ae):
    checkpoints.save(tiny_ae, "mine", {"n": 1}, tmp_path, exist_ok=False)
    before = checkpoints.sha256_of(tmp_path / "mine.keras")
    try:
        checkpoints.save(tiny_ae, "mine", {"n": 2}, tmp_path, exist_ok=False)
        raise AssertionError("a taken name was saved over")
    except checkpoints.NameTakenError as e:
        assert "'mine' is already saved" in str(e)
    assert checkpoints.read_sidecar("mine", tmp_path)["n"] == 1
    assert checkpoints.sha256_of(tmp_path / "mine.keras") == before


def test_stale_temporaries_of_killed_saves_are_cleaned(tmp_path, tiny_ae):
    checkpoints.save(tiny_ae, "kept", {}, tmp_path)
    for stale in (".gone.abc.tmp.keras", ".gone.abc.json.tmp"):
        (tmp_path / stale).write_bytes(b"half")
    checkpoints.clean_stale_temporaries(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["kept.json", "kept.keras"]
