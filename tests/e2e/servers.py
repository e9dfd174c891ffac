"""Starting and stopping the local servers the browser tests talk to (127.0.0.1 only)."""

import socket
import subprocess
import urllib.request


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url):
    """Whether Streamlit's health endpoint at `url` answers "ok"."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def stop(proc, timeout=20):
    """Ends a server process: SIGTERM, then SIGKILL if it has not gone after `timeout` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def wait_healthy(url, watched, timeout):
    """Waits until `url` answers "ok"; fails the test with a log's tail if a process dies or time runs out.

    Args:
        url: a `/_stcore/health` URL.
        watched: `(process, log path)` pairs whose death means the wait is over.
        timeout: seconds.
    """
    import time

    import pytest

    deadline = time.monotonic() + timeout
    while not healthy(url):
        for proc, log in watched:
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(log, errors="replace") as f:
                    pytest.fail(f"{url} did not answer (exit code {proc.poll()}); {log}:\n{f.read()[-3000:]}")
        time.sleep(0.5)
