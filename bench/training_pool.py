"""A class that trains while it explores: the training pool under load, on 127.0.0.1 only.

    flock /tmp/aelab-bench.lock python bench/training_pool.py [--sessions 30] [--seconds 60] [--json FILE]

Four measurements, against one `streamlit run app.py` started here (with its
embedded pool, as a teacher would start it):

1. Load: 30 sessions move the Manifold slider (bench/load_sessions.py's
   protocol-level sessions) while 0, then 3, then 10 other sessions train on
   the Models page with its defaults: p50/p95 of the slider's response,
   errors, and the memory of the server process and of the pool's workers.
   Target: p95 with 10 training <= 1.25 x p95 with none; 0 errors.
   With `--page studies` the training sessions press the Studies page's
   "Rerun a quick version" (of `--study`) instead, as a class comparing its
   quick reruns with the stored results: `--page studies --training 0 3
   --skip queue overhead kill` measures K = 3 such students.
2. Queue: 10 sessions press Train (2 epochs, 2,000 images) a moment apart;
   time from the click to the page showing the first epoch's scatter, for
   the 1st, 3rd and 10th.
3. Overhead: epochs per minute of one running job (the AE on 10,000 images, 4 epochs) against
   the same training in a plain `python -m aelab.train`, with the same
   TensorFlow threads, and with the CLI's default threads.
4. kill -9 of the worker during a job: time until that page says it failed,
   and whether the next session's job starts.

Run it only when nothing else trains on the machine. Exit code 0 when the
targets are met.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import _common  # Also puts the repository on sys.path.
import load_sessions
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


class Trainer:
    """One student on the Models page: presses Train and watches, reading every message the page sends."""

    page = "models"

    def __init__(self, base, epochs=None, train_size=None):
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.epochs, self.train_size = epochs, train_size
        self.page_hash, self.widgets = "", {}
        self.clicked = self.first_epoch = self.failed = self.started = self.done = None
        self.texts, self.errors = [], []
        self.timers = {}  # fragment id -> (interval, last run)
        self.run_id = None  # The full run the page shows.
        self.states = []  # The widget values this student set, sent again with every rerun.
        self.ws = None

    def _send(self, widget_states=(), fragment_id=""):
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.fragment_id = fragment_id
        msg.rerun_script.widget_states.widgets.extend(widget_states)
        return self.ws.send(msg.SerializeToString())

    def _look(self, raw):
        fwd = ForwardMsg()
        fwd.ParseFromString(raw)
        kind = fwd.WhichOneof("type")
        if kind == "navigation":
            self.page_hash = fwd.navigation.page_script_hash
        run = fwd.metadata.run
        if run.script_run_id and not run.fragment_ids and run.script_run_id != self.run_id:
            self.run_id, self.timers = run.script_run_id, {}  # A full run starts: as a browser, drop the timers.
        if kind == "script_finished":
            return "finished"
        if kind == "auto_rerun":  # A fragment with run_every: the browser reruns it on a timer.
            self.timers.setdefault(fwd.auto_rerun.fragment_id, (fwd.auto_rerun.interval, time.monotonic()))
        if kind == "stop_auto_rerun":
            for fragment_id in fwd.stop_auto_rerun.fragment_ids or list(self.timers):
                self.timers.pop(fragment_id, None)
        if kind != "delta" or fwd.delta.WhichOneof("type") != "new_element":
            return None
        el = fwd.delta.new_element
        which = el.WhichOneof("type")
        now = time.monotonic()
        if which in ("slider", "button"):
            w = getattr(el, which)
            self.widgets[w.label] = self.widgets[w.id] = w
        elif which == "progress" and el.progress.text:
            self.texts.append(el.progress.text)
            if self.started is None and el.progress.text.startswith("epoch 1 of"):
                self.started = now
        elif which == "plotly_chart" and self.first_epoch is None and "after epoch 1" in el.plotly_chart.spec:
            self.first_epoch = now
        elif which == "alert" and "Training failed" in el.alert.body:
            self.failed = (now, el.alert.body)
        elif which == "alert" and "Quick run finished" in el.alert.body and self.done is None:
            self.done = now
        elif which == "exception":
            self.errors.append(f"{el.exception.type}: {el.exception.message[:200]}")
        return None

    async def run(self, until):
        """Opens the page, presses Train, and reads until `until` (an asyncio.Event) is set."""
        async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None) as ws:
            self.ws = ws
            await self._send()
            while await self._recv(300) != "finished":
                pass
            states = self._settings()
            self.states = list(states)
            states.append(WidgetState(id=self._button().id, trigger_value=True))
            self.clicked = time.monotonic()
            await self._send(states)
            while not until.is_set():
                now = time.monotonic()
                for fragment_id, (interval, last) in list(self.timers.items()):
                    if now - last >= interval:
                        self.timers[fragment_id] = (interval, now)
                        await self._send(self.states, fragment_id)
                try:
                    await self._recv(0.25)
                except (TimeoutError, asyncio.TimeoutError):
                    continue

    async def _recv(self, timeout):
        return self._look(await asyncio.wait_for(self.ws.recv(), timeout))

    def _settings(self):
        """The widget values this student sets before pressing the button."""
        states = []
        if self.epochs:
            states.append(WidgetState(id=self.widgets["Epochs"].id))
            states[-1].double_array_value.data.append(self.epochs)
        if self.train_size:
            states.append(WidgetState(id=self.widgets["Training images"].id))
            states[-1].string_array_value.data.append(f"{self.train_size:,}")  # As the page formats it.
        return states

    def _button(self):
        return self.widgets["Train"]


class StudyRerun(Trainer):
    """One student on the Studies page: presses a study's "Rerun a quick version" and watches it run.

    `started` is when the page first shows a model training (past the queue, TensorFlow's
    start and the data), `done` when it says the quick run finished.
    """

    page = "studies"

    def __init__(self, base, study="variants"):
        super().__init__(base)
        self.study = study

    def _look(self, raw):
        out = super()._look(raw)
        if self.started is None and any(t.startswith("Training the") for t in self.texts[-1:]):
            self.started = time.monotonic()
        return out

    def _settings(self):
        return []

    def _button(self):
        # Every tab has a button of that label; the study's own is the one whose key ends the widget's id.
        return next(w for k, w in self.widgets.items() if k.endswith(f"-rerun_{self.study}"))


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def workers_of(server_pid):
    """The pool's processes (its fork server and workers): every descendant of the server."""
    return load_sessions.process_tree(server_pid)[1:]


async def warm_pool(base):
    stop = asyncio.Event()
    teacher = Trainer(base, epochs=1, train_size=1000)
    task = asyncio.create_task(teacher.run(stop))
    deadline = time.monotonic() + 300
    while not teacher.first_epoch and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    await asyncio.sleep(5)  # Scoring and the result.
    stop.set()
    await task


async def load_phase(base, server_pid, args, training):
    """30 slider sessions for --seconds while `training` sessions train (Models page defaults, or --page studies)."""
    stop = asyncio.Event()
    trainers = [StudyRerun(base, args.study) if args.page == "studies" else Trainer(base) for _ in range(training)]
    tasks = [asyncio.create_task(t.run(stop)) for t in trainers]
    if training:  # Until the first job runs, so the phase measures training, not TensorFlow's start.
        deadline = time.monotonic() + 180
        while not any(t.started for t in trainers) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
    samples = []

    async def sample():
        while not stop.is_set():
            samples.append(
                (_common.rss_mb_or_zero(server_pid), sum(_common.rss_mb_or_zero(p) for p in workers_of(server_pid)))
            )
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    ns = argparse.Namespace(**{**vars(args), "ramp": 5, "think": 0.5, "timeout": 30, "page": "manifold",
                               "slider": "Pick z0", "seed": training})  # fmt: skip
    cpu0 = load_sessions.cpu_seconds(server_pid)
    sessions, _, wall, _ = await load_sessions.classroom([base], ns, [])
    server_cpu = load_sessions.cpu_seconds(server_pid) - cpu0
    stop.set()
    await sampler
    await asyncio.gather(*tasks, return_exceptions=True)
    times = [t for s in sessions for t in s.times]
    errors = [e for s in sessions for e in s.errors] + [e for t in trainers for e in t.errors]
    running = sum(1 for t in trainers if t.started)
    return {
        "training_sessions": training,
        "jobs_that_ran": running,
        "moves": len(times),
        "p50_s": load_sessions.percentile(times, 0.5),
        "p95_s": load_sessions.percentile(times, 0.95),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "loadavg_1min_after": os.getloadavg()[0],
        "server_cpu_cores": server_cpu / wall,
        "server_cpu_ms_per_move": 1000 * server_cpu / max(1, len(times)),
        "server_rss_peak_mb": max((s for s, _ in samples), default=0),
        "workers_rss_peak_mb": max((w for _, w in samples), default=0),
        "trainer_last_progress": [t.texts[-1] if t.texts else None for t in trainers][:3],
        "quick_runs_finished": sum(1 for t in trainers if t.done),
    }


async def queue_phase(base, n=10):
    stop = asyncio.Event()
    trainers = [Trainer(base, epochs=2, train_size=2000) for _ in range(n)]
    tasks = []
    for t in trainers:
        tasks.append(asyncio.create_task(t.run(stop)))
        await asyncio.sleep(0.3)  # A moment apart: the order of the clicks is the queue's order.
    deadline = time.monotonic() + 600
    while not all(t.first_epoch for t in trainers) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    waits = [(t.first_epoch - t.clicked) if t.first_epoch else None for t in trainers]
    return {"train_to_first_epoch_s": {"1st": waits[0], "3rd": waits[2], "10th": waits[9]}, "all": waits}


async def kill_phase(base, server_pid):
    stop = asyncio.Event()
    victim, next_one = Trainer(base), Trainer(base, epochs=1, train_size=1000)
    tasks = [asyncio.create_task(victim.run(stop))]
    await asyncio.sleep(1.0)
    tasks.append(asyncio.create_task(next_one.run(stop)))
    deadline = time.monotonic() + 180
    while not victim.started and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    # The worker processes: the children of the `dask worker` command (the server's grandchildren).
    pids = [
        p for p in workers_of(server_pid) if _parent(_parent(p)) == server_pid and "spawn_main" in _common.cmdline(p)
    ]
    killed = time.monotonic()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    while not (victim.failed and next_one.first_epoch) and time.monotonic() < killed + 180:
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "workers_killed": len(pids),
        "page_says_failed_after_s": victim.failed[0] - killed if victim.failed else None,
        "message": victim.failed[1] if victim.failed else None,
        "next_job_first_epoch_after_kill_s": next_one.first_epoch - killed if next_one.first_epoch else None,
    }


def overhead(data_dir, nice):
    """Epochs per minute: one job through a local pool against `python -m aelab.train`, same training."""
    from aelab.training import jobs, pool
    from aelab.training.config import TrainConfig

    cfg = TrainConfig(model="ae2d", epochs=4, batch_size=128, train_size=10000, val_size=1000)
    p = pool.TrainingPool(pool.PoolSettings(workers=1, threads=1, nice=nice))
    try:
        job = p.submit(jobs.Job(cfg, "bench", data_dir))
        job.wait(900)
        pool_epochs = job.epoch_seconds[1:]  # The first epoch also traces the functions.
    finally:
        p.close()
    out = {"pool_nice": nice, "pool_epoch_s": statistics.median(pool_epochs)}
    for label, threads in (("cli_same_threads", "1"), ("cli_default_threads", None)):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        if threads:
            env.update(TF_NUM_INTRAOP_THREADS=threads, TF_NUM_INTEROP_THREADS=threads, OMP_NUM_THREADS=threads)
        with tempfile.TemporaryDirectory() as out_dir:
            cmd = [sys.executable, "-m", "aelab.train", "ae2d", "--epochs", "4", "--batch-size", "128",
                   "--train-size", "10000", "--val-size", "1000", "--out", out_dir]  # fmt: skip
            text = subprocess.run(cmd, cwd=_common.REPO, env=env, capture_output=True, text=True, check=True).stdout
        seconds = [float(s) for s in re.findall(r"^epoch \d+/\d+\s+([\d.]+)s", text, re.M)][1:]
        out[f"{label}_epoch_s"] = statistics.median(seconds)
    for k in [k for k in out if k.endswith("_epoch_s")]:
        out[k.replace("_epoch_s", "_epochs_per_min")] = 60 / out[k]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--seconds", type=float, default=60, help="per load phase")
    p.add_argument("--training", type=int, nargs="+", default=[0, 3, 10], help="sessions training per load phase")
    p.add_argument("--overhead-nice", type=int, default=19, help="the pool worker's niceness in the overhead run")
    p.add_argument(
        "--page",
        choices=["models", "studies"],
        default="models",
        help="where the training sessions of the load phases train: Models (Train) or Studies (quick rerun)",
    )
    p.add_argument("--study", default="variants", help="the study a Studies-page session reruns (with --page studies)")
    p.add_argument("--json", default=None)
    p.add_argument("--skip", nargs="*", default=[], choices=["load", "queue", "overhead", "kill"])
    args = p.parse_args()
    busy = subprocess.run(["pgrep", "-f", "aelab.train|aelab.experiments"], capture_output=True, text=True).stdout
    if busy.strip():
        sys.exit(f"error: a training run is going on (pids {busy.split()}); benchmarks need the CPU to themselves")
    data_dir = os.environ.get("AELAB_DATA_DIR")
    result = {"cpu_count": os.cpu_count()}
    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-pool-bench-", suffix=".log", delete=False)
    if "overhead" not in args.skip:
        result["overhead"] = overhead(data_dir, args.overhead_nice)
        print("overhead:", json.dumps(result["overhead"]), flush=True)
    proc, base = load_sessions.start_server(log)
    try:
        # One session loads the models into the caches first, as the teacher's tab would.
        warm = load_sessions.Session(base, "manifold", "Pick z0", 300, __import__("random").Random(0))
        asyncio.run(warm.run(time.monotonic() + 1, 0, asyncio.Event()))
        # And one small job: the pool is up, its worker has TensorFlow and the data loaded.
        asyncio.run(warm_pool(base))
        if "load" not in args.skip:
            result["load"] = []
            for training in args.training:
                phase = asyncio.run(load_phase(base, proc.pid, args, training))
                result["load"].append(phase)
                print("load:", json.dumps(phase), flush=True)
                time.sleep(15)  # Closed tabs free their jobs (the pool's grace) before the next phase.
        if "queue" not in args.skip:
            result["queue"] = asyncio.run(queue_phase(base))
            print("queue:", json.dumps(result["queue"]), flush=True)
            time.sleep(15)
        if "kill" not in args.skip:
            result["kill"] = asyncio.run(kill_phase(base, proc.pid))
            print("kill:", json.dumps(result["kill"]), flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    log.seek(0)
    result["server_tracebacks"] = log.read().count("Traceback")
    ok = True
    if "load" in result:
        none, ten = result["load"][0], result["load"][-1]
        result["page"] = args.page
        result["p95_ratio_10_vs_0"] = ten["p95_s"] / none["p95_s"]  # The last phase's against the first.
        ok = result["p95_ratio_10_vs_0"] <= 1.25 and all(ph["errors"] == 0 for ph in result["load"])
        print(
            f"p95 with {ten['training_sessions']} training ({args.page} page) / p95 with none: "
            f"{result['p95_ratio_10_vs_0']:.2f} (target <= 1.25)"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    print(f"server log: {log.name}; tracebacks: {result['server_tracebacks']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
