"""`aelab app` in the terminal: one line on where the data and models come from, TensorFlow's start-up chatter
hidden, and Ctrl-C stopping the server (and its processes) through this command."""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from aelab import command, locations

# What TensorFlow 2.21 prints when it loads, whatever TF_CPP_MIN_LOG_LEVEL says (absl is not set up yet).
ABSL_NOTICE = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
ONEDNN = (
    b"I0000 00:00:1796172042.935997    9440 port.cc:153] oneDNN custom operations are on. You may see slightly "
    b"different numerical results due to floating-point round-off errors from different computation orders.\n"
)
ABSL_WARNING = b"W0000 00:00:1796172042.935997    9440 cpu_allocator_impl.cc:83] Allocation exceeds 10% of memory.\n"
ABSL_ERROR = b"E0000 00:00:1796172042.935997    9440 cuda_executor.cc:1] failed call to cuInit\n"


@pytest.mark.parametrize(
    "line, level, hidden",
    [
        (ABSL_NOTICE, 2, True),
        (ONEDNN, 2, True),
        (ABSL_WARNING, 2, True),
        (ABSL_ERROR, 2, False),
        (ABSL_WARNING, 1, False),
        (ONEDNN, 1, True),
        (ONEDNN, 0, False),  # TF_CPP_MIN_LOG_LEVEL=0 asks for everything.
        (ABSL_NOTICE, 0, False),
        (b"2026-12-02 00:45:54,109 - distributed.client - ERROR - Failed to reconnect\n", 2, False),
        (b"Traceback (most recent call last):\n", 3, False),
        (b"I am a line of the app's own\n", 2, False),
    ],
)
def test_only_tensorflows_hidden_severities_are_dropped(line, level, hidden):
    assert command.hidden_line(line, level) is hidden


def test_the_server_and_its_pool_get_tensorflows_log_level():
    assert command.app_env({"PATH": "/bin"}) == {"PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "2"}
    assert command.app_env({"TF_CPP_MIN_LOG_LEVEL": "0"})["TF_CPP_MIN_LOG_LEVEL"] == "0"  # Asked for: kept.


def _npz(folder, *names):
    os.makedirs(folder, exist_ok=True)
    for name in names:
        open(os.path.join(folder, name), "wb").close()


def test_start_up_line_names_the_data_folder_and_the_models(tmp_path, monkeypatch):
    _npz(tmp_path, "mnist.npz", "cifar10.npz")
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AELAB_CHECKPOINT_DIR", raising=False)
    models = locations.SHIPPED_CHECKPOINTS
    assert command.where_from() == f"aelab: MNIST and CIFAR-10 from {tmp_path} (AELAB_DATA_DIR); models from {models}"
    monkeypatch.setenv("AELAB_CHECKPOINT_DIR", "/srv/models")
    assert command.where_from().endswith("; models from /srv/models")


def test_start_up_line_warns_of_a_data_folder_without_a_file(tmp_path, monkeypatch):
    _npz(tmp_path, "mnist.npz")
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    line = command.where_from()
    assert line.startswith(f"aelab: warning: AELAB_DATA_DIR={tmp_path} has no CIFAR-10: the pages that need it"), line
    assert "(expected mnist.npz and cifar10.npz there)" in line, line


def test_start_up_line_without_a_data_folder_reads_keras_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("AELAB_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cache = tmp_path / "datasets"
    line = command.where_from()
    assert line.startswith(
        f"aelab: warning: AELAB_DATA_DIR is not set and Keras' cache {cache} has no MNIST and CIFAR-10"
    ), line
    assert (
        "the app will try to download them on first use; without internet, set AELAB_DATA_DIR to a folder holding mnist.npz and cifar10.npz"
        in line
    ), line
    _npz(cache, "mnist.npz", "cifar-10-batches-py-target.tar.gz")
    assert command.where_from().startswith(f"aelab: MNIST and CIFAR-10 from Keras' cache {cache}; models from ")


# A stand-in for Streamlit: prints TensorFlow's start-up lines and one of its own, starts a child (as the
# training pool does), and on SIGINT or SIGTERM writes which signal it got, ends its child and exits 0.
FAKE_SERVER = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    out = sys.argv[1]
    sys.stderr.buffer.write({noise!r})
    sys.stderr.write("the server's own line\\n")
    sys.stderr.flush()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(out + ".child", "w") as f:
        f.write(str(child.pid))
    def stop(signum, frame):
        with open(out, "w") as f:
            f.write(signal.Signals(signum).name)
        child.terminate(); child.wait()
        sys.exit(0)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print("URL: http://127.0.0.1:8501", flush=True)
    time.sleep(60)
    sys.exit(3)
    """
).format(noise=ABSL_NOTICE + ONEDNN + ABSL_NOTICE + ONEDNN)

# Runs command.serve on the stand-in, as `aelab app` does.
LAUNCHER = "import sys; from aelab import command; sys.exit(command.serve([sys.executable, '-c', sys.argv[1], sys.argv[2]], command.app_env({'PATH': ''})))"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or not open(path).read():
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.05)
    return open(path).read()


@pytest.mark.skipif(os.name != "posix", reason="process groups and signals as a terminal sends them")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_reaches_the_server_alone_which_stops_and_ends_its_children(tmp_path, signum):
    got = str(tmp_path / "got")
    # Its own process group, like a shell's job: a terminal's Ctrl-C goes to every process in it.
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, FAKE_SERVER, got],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.dirname(command.__file__)))},
    )
    assert launcher.stdout.readline() == b"URL: http://127.0.0.1:8501\n"
    child = int(_wait_for(got + ".child"))
    server_group = os.getpgid(child)
    assert server_group != launcher.pid  # The server and its children are out of the terminal's group.
    os.killpg(launcher.pid, signum)  # What Ctrl-C (SIGINT) or `kill -TERM -PGID` does.
    try:
        out, err = launcher.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # Say who is still there, then end them all.
        alive = {name: _alive(pid) for name, pid in (("launcher", launcher.pid), ("child", child))}
        got_signal = open(got).read() if os.path.exists(got) else None
        for group in (launcher.pid, server_group):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        launcher.communicate()
        pytest.fail(f"the launcher did not end within 30 s; alive: {alive}; the server got: {got_signal}")
    assert launcher.returncode == 0, err  # The server's status.
    assert _wait_for(got) == signal.Signals(signum).name  # Passed on once, as it was sent.
    assert err == b"the server's own line\n"  # TensorFlow's four start-up lines hidden, the rest kept.
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # Ended by the server as it stopped.
