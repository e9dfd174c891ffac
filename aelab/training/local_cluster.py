"""The embedded pool's Dask cluster: Dask's own `dask scheduler` and `dask worker` commands, started as child processes.

They are the commands a school runs on its machines (see the README), started
here on 127.0.0.1 for the server that needs them. Separate commands rather
than `LocalCluster(processes=True)`: multiprocessing starts a worker by
running the parent's `__main__` again, which under `streamlit run` is the app
script itself (Streamlit puts it in `sys.modules["__main__"]`), so every
worker would import the whole app, TensorFlow included, before it could bound
TensorFlow's threads. A command starts clean, at the workers' OS priority and
with the thread limits in its environment from the first instruction on.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import aelab

START_TIMEOUT_S = 60


def _child_setup(nice):
    """Runs in each child before it starts (POSIX): lower priority; on Linux, ended when the server dies."""

    def setup():
        if nice:
            os.nice(nice)
        if sys.platform.startswith("linux"):
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: no pool outlives its server.

    return setup


class LocalCluster:
    """A scheduler and `workers` worker processes (one job slot each) on 127.0.0.1.

    Args:
        workers: worker processes.
        threads: TensorFlow (and OpenMP) threads per worker.
        nice: niceness of the workers (the scheduler, which only routes, keeps the server's).

    Attributes:
        address: the scheduler's address, `tcp://127.0.0.1:PORT`.
    """

    def __init__(self, workers, threads, nice):
        self._folder = tempfile.TemporaryDirectory(prefix="aelab-pool-")
        scheduler_file = os.path.join(self._folder.name, "scheduler.json")
        env = dict(os.environ)
        # Workers import aelab as the server does, installed or from this checkout.
        root = os.path.dirname(os.path.dirname(os.path.abspath(aelab.__file__)))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "0"  # A dead worker fails its job, no retry.
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
            env[name] = str(threads)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self._log = open(os.path.join(self._folder.name, "cluster.log"), "w")
        self._procs = []
        try:
            self._start(env, 0, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--no-dashboard", "--scheduler-file", scheduler_file)  # fmt: skip
            self.address = self._wait_for_address(scheduler_file)
            self._start(env, nice, "distributed.cli.dask_worker", self.address, "--nworkers", str(workers),
                        "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "60")  # fmt: skip
        except BaseException:
            self.close()
            raise

    def _start(self, env, nice, module, *args):
        kw = {"preexec_fn": _child_setup(nice)} if os.name == "posix" else {}
        if os.name == "nt" and nice:
            kw["creationflags"] = subprocess.BELOW_NORMAL_PRIORITY_CLASS
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args], env=env, stdout=self._log, stderr=subprocess.STDOUT, **kw
        )
        self._procs.append(proc)

    def _wait_for_address(self, scheduler_file):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._procs[0].poll() is not None:
                break
            try:
                with open(scheduler_file) as f:
                    return json.load(f)["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise OSError(f"The training pool's scheduler did not start; see {self._log.name}")

    def close(self):
        """Stops the workers, then the scheduler."""
        for proc in reversed(self._procs):
            proc.terminate()
        for proc in reversed(self._procs):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)
        self._procs.clear()
        self._log.close()
        self._folder.cleanup()
