"""A quick study as a pool job: the Studies page's "Rerun a quick version", run in the training pool.

`StudyJob` is the server's record (a `aelab.training.jobs.PoolJob`): it queues
with the Models page's trainings, one job per session, under the same
classroom cap, and it can be stopped. `run_in_worker` is its Dask task: the
study runs in a worker process and sends its progress as events; the result
dict (`aelab.experiments.result`) comes back once, as the task's result.
"""

import dataclasses
import os
import time

from aelab import experiments, i18n
from aelab.i18n import _
from aelab.training import jobs, worker


class StudyJob(jobs.PoolJob):
    """One quick run of a study, as the server sees it.

    Args:
        study: one of `aelab.experiments.STUDIES`.
        owner, data_dir, alive: see `aelab.training.jobs.PoolJob`.
        budget: the `Budget`; default the study's quick one.
        language: the language its progress messages are written in (the session's).

    Attributes:
        step: "waiting", "preparing", "training" (its models) or "done".
        fraction, message: the last progress the study reported.
        result: the study's result dict once done, else None.

    Raises:
        ValueError: in classroom mode, when the study asks for more than the cap (see `check_cap`).
    """

    def __init__(self, study, owner, data_dir=None, alive=None, budget=None, language=None):
        super().__init__(owner, data_dir, alive)
        self.study = experiments.check_study(study)
        self.budget = budget or experiments.budget_for(study, quick=True)
        self.language = language or i18n.language()
        self.models = experiments.models_trained(study, self.budget)
        self.fraction, self.message, self.result = 0.0, "", None

    def check_cap(self):
        """Raises a ValueError with what to change when the study asks for more than the classroom cap.

        Each of its models counts as one training of the budget's images × epochs.
        """
        jobs.check_classroom_cap(self.budget.train_config("ae2d"), models=self.models)

    def progress(self):
        """Returns `(fraction done in [0, 1], short text)`, in the job's language."""
        with self._lock:
            fraction, message, step = self.fraction, self.message, self.step
        if self.finished:
            return 1.0, _(jobs.FINISHED.get(self.status, self.status))
        if step == "waiting":
            return 0.0, _("starting on a worker") if self.handed_at else _("waiting for a free worker")
        return min(1.0, max(0.0, fraction)), message or _("starting: loading the data and building the model")

    # Asked by the pool.

    def task(self, topic, nice, threads):
        budget = dataclasses.asdict(self.budget)
        return run_in_worker, (self.id, self.study, budget, self.language, self.data_dir, topic, nice, threads)

    def image_epochs(self):
        return self.models * self.budget.train_size * self.budget.epochs

    def remaining_s(self, duration_s):
        with self._lock:
            fraction = self.fraction
        elapsed = time.monotonic() - (self.started_at or time.monotonic())
        if fraction <= 0.05:  # Too early to tell its pace: the pool's estimate.
            return duration_s - elapsed
        return max(0.0, elapsed * (1 - fraction) / fraction)

    def apply(self, msg):
        """Takes in one event from the job's worker (see `run_in_worker`)."""
        kind = msg.get("kind")
        with self._lock:
            if kind == "start":
                self.started_at, self.step, self.status = time.monotonic(), "preparing", "running"
                self.worker_pid = msg["pid"]
            elif kind == "progress":
                self.step = "training"
                self.fraction = float(msg["fraction"])
                self.message = msg.get("message") or self.message

    def adopt(self, result):
        """Takes the study's result (None when it was stopped)."""
        with self._lock:
            self.result, self.seconds = result["result"], result["seconds"]
            self.fraction = 1.0

    def _forget_result_if(self, failed):
        if failed or self.dropped:
            self.result = None


def run_in_worker(job_id, study, budget_fields, language, data_dir, topic, nice, threads):
    """The Dask task of a `StudyJob`: the study, its progress as events, Stop between batches or models.

    Args:
        job_id: the job's id.
        study: the study's name.
        budget_fields: its `Budget` as a dict.
        language: the language of its progress messages.
        data_dir, topic, nice, threads: see `aelab.training.worker.prepare`.

    Returns:
        A dict: `result` (the study's result dict, None when stopped), `stopped`, `seconds`.
    """
    from aelab.training.callbacks import Stopped

    report, should_stop, here = worker.prepare(job_id, data_dir, topic, nice, threads)
    report({"kind": "start", "pid": os.getpid()})
    t0 = time.perf_counter()

    def progress(fraction, message):
        report({"kind": "progress", "fraction": float(fraction), "message": message})

    budget = experiments.Budget(**budget_fields)
    with i18n.use(language):
        try:
            res = experiments.run_study(study, budget, here, progress=progress, should_stop=should_stop)
        except Stopped:
            return {"result": None, "stopped": True, "seconds": time.perf_counter() - t0}
    return {"result": res, "stopped": False, "seconds": time.perf_counter() - t0}
