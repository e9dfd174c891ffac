"""The app's training on an existing Dask cluster: `AELAB_POOL_ADDRESS` names its scheduler.

The cluster is the one a school would run: Dask's own `dask scheduler` and
`dask worker` commands, here as separate processes on 127.0.0.1 with two
workers. The app is not changed, only pointed at it.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from aelab import data
from aelab.training import pool
from app_pages import _training
from tests.app.conftest import train_one_epoch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASK = os.path.join(os.path.dirname(sys.executable), "dask")

pytestmark = pytest.mark.skipif(data.resolve_data_dir() is None, reason="set AELAB_DATA_DIR")


def _descendants(pid):
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children = {}
    for line in out.splitlines():
        p, pp = map(int, line.split())
        children.setdefault(pp, []).append(p)
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo += children.get(p, [])
    return found


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """`dask scheduler` and `dask worker --nworkers 2` on 127.0.0.1; yields (address, worker command's pid)."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    # Workers import aelab as the app does: from the repository (or an installed copy).
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    logs = [open(folder / name, "w") for name in ("scheduler.log", "worker.log")]
    procs = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file)],
            env=env, stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True,
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline and procs[0].poll() is None, (folder / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        procs.append(
            subprocess.Popen(
                [DASK, "worker", address, "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1",
                 "--no-dashboard"],
                env=env, stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
        yield address, procs[1].pid
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        for f in logs:
            f.close()


def test_the_app_trains_on_an_existing_two_worker_cluster(dask_cluster, open_page, monkeypatch):
    address, worker_cmd = dask_cluster
    monkeypatch.setenv(pool.ADDRESS_ENV, address)
    p = pool.TrainingPool(pool.PoolSettings.from_env())  # What the app will find: both workers.
    try:
        deadline = time.monotonic() + 90
        while p.slots() < 2:
            assert time.monotonic() < deadline, "the two workers did not join"
            time.sleep(0.5)
    finally:
        p.close()

    try:
        _train_one_epoch(open_page, worker_cmd)
    finally:
        # The app's pool for this address goes before the cluster does (no reconnection attempts).
        _training._pool(pool.PoolSettings.from_env()).close()
        _training._pool.clear()


def _train_one_epoch(open_page, worker_cmd):
    at = train_one_epoch(open_page(), timeout=240)
    job = at.session_state["aelab"].jobs["ae2d"]
    assert job.status == "done" and str(at.session_state["aelab"].active["ae2d"]) == "session"
    # It ran in one of the processes that `dask worker` started.
    assert job.worker_pid in _descendants(worker_cmd) - {worker_cmd}
