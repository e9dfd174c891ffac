"""A bounded pool of worker processes that trains models for the app, on Dask distributed.

The web server only submits, watches and stops jobs; training runs in Dask
worker processes, so it shares neither the server's GIL nor, at a lower OS
priority and with bounded TensorFlow threads, much of its CPU. By default the
pool is local: Dask's `dask scheduler` and `dask worker` commands with
`AELAB_POOL_WORKERS` processes (max(1, cores - 1)), started and stopped by the
server (`aelab.training.local_cluster`). With `AELAB_POOL_ADDRESS`
set to a Dask scheduler (`tcp://host:8786`), jobs go to that cluster instead,
and every worker machine that joins it adds room.

What Dask brings: worker processes and their restart when one dies (the
nanny), failure reports (a dead worker is `KilledWorker`), events from a task
to its client (`log_event` / `subscribe_topic`) for the live progress, a
cluster-wide `Event` per job for Stop, and the same code on one machine or a
whole school's. What this module adds: one job per browser session, and the
first-in first-out order. Dask gives a task to a worker when it is submitted,
so with two workers a job submitted later can start first when one worker
frees early (two workers, six jobs of 2-4 s, the third failing early: the
fifth started before the fourth); the pool hands Dask a job only when a worker
thread is free, and keeps the others in the order they came.
"""

import collections
import concurrent.futures
import dataclasses
import heapq
import os
import threading
import time
import uuid

from aelab.i18n import N_, _
from aelab.training import local_cluster

ADDRESS_ENV = "AELAB_POOL_ADDRESS"
WORKERS_ENV = "AELAB_POOL_WORKERS"
THREADS_ENV = "AELAB_POOL_THREADS"
NICE_ENV = "AELAB_POOL_NICE"
# Said in English in the job (set in the pool's thread); the page shows it translated, _(job.error).
LOST_WORKER = N_("the worker process training it stopped (killed, or out of memory); the pool has started a new one")
WORKER_START_S = 60.0  # The longest a new local pool waits for its worker processes to join.
FIRST_JOB_S = 20.0  # Estimated length of a job before any has finished on this pool (TensorFlow start, data, fit).


def _int_env(name, default, low):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low:
        raise ValueError(f"Invalid value for {name}: expected an integer >= {low}. Received: {name}={raw!r}")
    return value


@dataclasses.dataclass(frozen=True)
class PoolSettings:
    """How the pool is made; `from_env()` reads them from the environment.

    Attributes:
        address: a Dask scheduler address to use; "" to start a local pool.
        workers: worker processes of the local pool (one job at a time each).
        threads: TensorFlow threads per job.
        nice: the workers' OS niceness; 19, the lowest priority, lets the server's
            threads (nice 0) take a core back at once, whenever they need it.
    """

    address: str = ""
    workers: int = 1
    threads: int = 1
    nice: int = 19

    @classmethod
    def from_env(cls):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        workers = _int_env(WORKERS_ENV, max(1, cores - 1), 1)
        return cls(
            address=os.environ.get(ADDRESS_ENV, "").strip(),
            workers=workers,
            threads=_int_env(THREADS_ENV, max(1, (cores - 1) // workers), 1),
            nice=_int_env(NICE_ENV, 19, 0),
        )


class TrainingPool:
    """Runs jobs (`aelab.training.jobs.PoolJob`) on a Dask cluster, first in first out, one per owner at a time.

    A job is a training (`jobs.Job`) or a quick study (`aelab.experiments.jobs.StudyJob`);
    each says which task a worker runs and how it reads the worker's events and result.

    Args:
        settings: a `PoolSettings`; defaults to `PoolSettings.from_env()`.
        grace_s: how long a job's owner may look gone (`Job.alive` returning
            False) before its job is stopped and its result dropped.

    Raises:
        OSError: when the scheduler at `settings.address` cannot be reached.
    """

    def __init__(self, settings=None, grace_s=10.0):
        import distributed

        self.settings = settings or PoolSettings.from_env()
        self.grace_s = grace_s
        self.topic = f"aelab-training-{uuid.uuid4().hex}"  # This server's events only.
        self._lock = threading.RLock()
        # Calls that wait for the scheduler run here, never on Dask's event loop. The
        # local cluster's processes are started here too: on Linux they end with the
        # thread that started them, and this one lives as long as the pool.
        self._control = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="aelab-pool")
        self._cluster = None
        address = self.settings.address
        if not address:
            s = self.settings
            self._cluster = self._control.submit(local_cluster.LocalCluster, s.workers, s.threads, s.nice).result()
            address = self._cluster.address
        self._client = distributed.Client(address, set_as_default=False, timeout="30s")
        if self._cluster is not None:
            # Its workers are starting (TensorFlow-free, a few seconds): a local pool is ready when made, so the
            # first job is handed to a worker at once instead of queueing behind "no worker connected yet".
            try:
                self._client.wait_for_workers(self.settings.workers, timeout=WORKER_START_S)
            except TimeoutError:
                pass  # A slow machine: the watcher counts them as they come.
        self._waiting = collections.deque()  # Jobs not yet handed to Dask, oldest first.
        self._futures = {}  # job id -> Dask future, for the jobs handed to Dask.
        self._jobs = {}  # job id -> Job, every unfinished job.
        self._slots = self._count_slots()
        self._seconds_per_image_epoch = None
        self._client.subscribe_topic(self.topic, self._on_event)
        self._closed = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="aelab-pool-watch", daemon=True)
        self._watcher.start()
        # Before Python stops its thread pools, which Dask's client needs to close and whose end would
        # end the local cluster first (threading's exit calls run in reverse order, before atexit's);
        # the hook concurrent.futures itself uses.
        threading._register_atexit(self.close)

    # Asking.

    def submit(self, job):
        """Queues a job; it starts when a worker is free and every earlier job has started.

        Raises:
            ValueError: when the job's owner already has a job waiting or running.
        """
        with self._lock:
            busy = [j for j in self._jobs.values() if j.owner == job.owner]
            if busy:
                raise ValueError(
                    _("This session already has a training job {status}: stop it or wait for it to finish.").format(
                        status=_(busy[0].status)  # "running", "waiting": in the session's language.
                    )
                )
            job.pool = self
            self._jobs[job.id] = job
            self._waiting.append(job)
            self._dispatch()
        return job

    def stop(self, job, drop=False):
        """Stops a job: a waiting one never starts; a running one ends after its current batch.

        Returns at once, from any thread.

        Args:
            job: the `Job`.
            drop: also throw its result away (its owner is gone).
        """
        with self._lock:
            job.stop_requested, job.dropped = True, job.dropped or drop
            if job in self._waiting:
                self._waiting.remove(job)
                self._finish(job, "stopped")
                return
            running = job.id in self._futures
        if running:  # The worker reads the flag between batches.
            self._later(self._event(job.id).set)

    def _later(self, fn, *args):
        """Runs a call that waits for the scheduler on the pool's own thread, never on Dask's event loop."""
        try:
            self._control.submit(fn, *args)
        except RuntimeError:  # The pool is closing; the scheduler's state goes with it.
            pass

    def _event(self, job_id):
        import distributed

        return distributed.Event(f"aelab-stop-{job_id}", client=self._client)

    def slots(self):
        """Jobs that can run at once: the worker threads the cluster has now."""
        return self._slots

    def queue_position(self, job):
        """1 for the next job to start, 2 for the one after...; None once it has been handed to a worker."""
        with self._lock:
            return self._waiting.index(job) + 1 if job in self._waiting else None

    def estimated_start_s(self, job):
        """Seconds until a waiting job should start, from the jobs ahead of it; None if not waiting.

        Each running job frees its worker after its remaining work at its own
        pace so far; each waiting one is assumed to take as long per image and
        epoch as the jobs that finished on this pool.
        """
        with self._lock:
            if job not in self._waiting:
                return None
            free = sorted(self._remaining_s(j) for j in self._jobs.values() if j.id in self._futures)
            free = (free + [0.0] * self._slots)[: max(1, self._slots)] if self._slots else [float("inf")]
            heapq.heapify(free)
            for ahead in self._waiting:
                t = heapq.heappop(free)
                if ahead is job:
                    return t
                heapq.heappush(free, t + self._duration_s(ahead))
        return None

    def close(self):
        """Stops the watcher, the client and (for a local pool) the cluster; called again, does nothing."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        # Last: on Linux the local cluster's processes end with this executor's thread.
        self._control.shutdown(wait=False)

    # Estimates.

    def _duration_s(self, job):
        if self._seconds_per_image_epoch is None:
            return FIRST_JOB_S
        return 3.0 + self._seconds_per_image_epoch * job.image_epochs()

    def _remaining_s(self, job):
        return job.remaining_s(self._duration_s(job))

    # Dask's side.

    def _count_slots(self):
        return sum(self._client.nthreads().values())  # Worker threads, one job each.

    def _dispatch(self):
        """Hands waiting jobs to Dask while a worker thread is free (called under the lock)."""
        while self._waiting and len(self._futures) < self._slots:
            job = self._waiting.popleft()
            fn, args = job.task(self.topic, self.settings.nice, self.settings.threads)
            future = self._client.submit(fn, *args, key=f"aelab-train-{job.id}", pure=False)
            self._futures[job.id] = future
            job.handed_at = time.monotonic()
            future.add_done_callback(self._on_done)

    def _on_event(self, event):
        """One event from a worker (on the client's event loop: quick)."""
        _, msg = event
        with self._lock:
            job = self._jobs.get(msg.get("job"))
        if job is None:
            return  # A job that has finished, or was dropped.
        if msg.get("kind") == "start" and job.started_at is not None:
            # Dask retried the job after its worker died (a cluster that allows
            # retries): a second start would show a run silently begun again.
            # Not here: calls that wait for the scheduler cannot run on its loop.
            self._later(self._fail_retried, job)
            return
        job.apply(msg)

    def _fail_retried(self, job):
        future = self._futures.get(job.id)
        self._finish(job, "failed", LOST_WORKER)
        if future is not None:
            future.cancel()

    def _on_done(self, future):
        """A job's task ended (in Dask's callback thread): its result, error or cancellation."""
        import distributed

        job_id = future.key[len("aelab-train-") :]
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.finished:
            self._forget(job_id)
            return
        if future.status == "finished":
            try:
                result = future.result()
            except Exception as e:  # Lost between the worker and here.
                self._finish(job, "failed", _one_line(e))
            else:
                if not job.dropped:
                    job.adopt(result)
                    self._learn(job, result)
                self._finish(job, "stopped" if result["stopped"] or job.dropped else "done")
        elif future.status == "cancelled":
            self._finish(job, "stopped" if job.stop_requested else "failed", "cancelled by the cluster")
        else:
            error = future.exception()
            lost = isinstance(error, distributed.KilledWorker)
            self._finish(job, "failed", LOST_WORKER if lost else _one_line(error))

    def _learn(self, job, result):
        if result.get("stopped"):
            return  # Part of the work, and not the part the estimate asks for.
        rate = max(0.0, result["seconds"] - 3.0) / max(1, job.image_epochs())
        old = self._seconds_per_image_epoch
        self._seconds_per_image_epoch = rate if old is None else 0.5 * old + 0.5 * rate

    def _finish(self, job, status, error=None):
        job.finish(status, error)
        self._forget(job.id)

    def _forget(self, job_id):
        with self._lock:
            self._jobs.pop(job_id, None)
            had_future = self._futures.pop(job_id, None) is not None
            self._dispatch()
        if had_future:
            self._later(self._event(job_id).clear)  # Frees it on the scheduler.

    def _watch(self):
        """Every second: the worker count, and jobs whose owners are gone."""
        gone_since = {}
        while not self._closed.wait(1.0):
            try:
                slots = self._count_slots()
            except Exception:  # Scheduler unreachable for a moment: keep the last count.
                slots = self._slots
            with self._lock:
                self._slots = slots
                self._dispatch()
                jobs = list(self._jobs.values())
            now = time.monotonic()
            for job in jobs:
                if job.alive is None or job.alive() is not False:
                    gone_since.pop(job.id, None)
                elif now - gone_since.setdefault(job.id, now) >= self.grace_s:
                    self.stop(job, drop=True)


def _one_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")
