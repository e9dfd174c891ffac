"""What a whole lesson costs in memory: 30 sessions through every page, a few trainings, one server.

    python bench/lesson_memory.py [--sessions 30] [--trainings 6] [--moves 200] [--repo DIR] [--json FILE]

Starts `streamlit run app.py` on 127.0.0.1 (with its embedded training pool,
as a teacher would) and plays a lesson against it with protocol-level
sessions (bench/load_sessions.py's way of speaking Streamlit's websocket, so
thirty of them fit on the 2-core machine beside the server):

1. one session opens every page (the teacher's, before class: models and data
   sets loaded into the server's caches);
2. `--sessions` students arrive over `--ramp` seconds and each goes through the
   lesson's pages in order: Models, Latent space (select mode on, a box
   selection), Manifold (a few pick moves), Denoising (the noise slider),
   Colorization, Variants, Studies; every session stays connected to the end,
   so what it keeps stays kept;
3. `--trainings` of them press Train on the Models page (1 epoch on 1,000
   images, one at a time through the pool), wait for the model, and open Latent
   space again, where the model is put to use (encoded, drawn);
4. one session moves the Manifold's Pick z0 slider `--moves` times.

The server's and the pool workers' resident memory (RSS) is printed after each
phase, with the growth per session and per pick move, and each process of the
pool at the end. Bounded: every phase has a deadline, and the server is
stopped at the end. `--repo` runs another checkout's app (an older version, to
compare: run both at once, so that they share the machine's load).
"""

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time

import _common  # Also puts the repository on sys.path.
import load_sessions
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

PAGES = ("models", "latent_space", "manifold", "denoising", "colorization", "variants", "studies")
SELECT = "Select digits by dragging a box or lasso on the charts"
RUN_TIMEOUT = 300  # Seconds for one run: a first page on a loaded 2-core machine can take minutes.


class Student:
    """One browser tab: opens pages, sets widgets, and reads what each run draws."""

    def __init__(self, base, rng):
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.rng = rng
        self.ws = None
        self.page, self.page_hash = "", ""
        self.widgets, self.states = {}, {}  # label -> element; widget id -> WidgetState (this page's)
        self.charts = []  # The ids of the charts that listen to selections, in page order.
        self.texts, self.errors = [], []

    async def open(self, page):
        self.page, self.page_hash, self.states = page, "", {}
        await self.rerun()

    async def rerun(self, *changes, timeout=RUN_TIMEOUT):
        """Sends the page's widget states (with `changes`) and reads until the run has finished."""
        for state in changes:
            self.states[state.id] = state
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.widget_states.widgets.extend(self.states.values())
        self.widgets, self.texts, self.charts = {}, [], []
        await self.ws.send(msg.SerializeToString())
        deadline = time.monotonic() + timeout
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), max(0.01, deadline - time.monotonic())))
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._look(fwd.delta.new_element)
            elif kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                for state in changes:  # A click is a trigger: it must not be sent again.
                    if state.WhichOneof("value") == "trigger_value":
                        self.states.pop(state.id, None)
                return

    def _look(self, el):
        which = el.WhichOneof("type")
        if which in ("slider", "button", "checkbox"):
            w = getattr(el, which)
            self.widgets[w.label] = w
        elif which == "plotly_chart" and el.plotly_chart.id:
            self.charts.append(el.plotly_chart.id)
        elif which == "alert":
            self.texts.append(el.alert.body)
            if el.alert.format == el.alert.ERROR:
                self.errors.append(f"{self.page}: {el.alert.body[:160]}")
        elif which == "exception":
            self.errors.append(f"{self.page}: {el.exception.type}: {el.exception.message[:160]}")

    def slider_state(self, label):
        s = self.widgets[label]
        state = WidgetState(id=s.id)
        n = int(round((s.max - s.min) / (s.step or 1.0)))
        state.double_array_value.data.append(round(s.min + self.rng.randint(0, n) * (s.step or 1.0), 10))
        return state

    async def move(self, label, times=1):
        for _ in range(times):
            if label in self.widgets:
                await self.rerun(self.slider_state(label))

    async def select(self):
        """Select mode on, then a box of a few hundred digits on the first chart (as the browser reports it)."""
        toggle = WidgetState(id=self.widgets[SELECT].id, bool_value=True)
        await self.rerun(toggle)
        rows = sorted(self.rng.sample(range(10000), 300))
        points = [
            {"customdata": r, "curve_number": 0, "point_index": i, "x": 0.0, "y": 0.0} for i, r in enumerate(rows)
        ]
        state = WidgetState(id=self.charts[0])
        state.string_value = json.dumps({"selection": {"points": points, "point_indices": list(range(len(rows))),
                                                       "box": [{}], "lasso": []}})  # fmt: skip
        await self.rerun(state)

    async def lesson(self):
        """The lesson's pages in order, with a move or two on each."""
        for page in PAGES:
            await self.open(page)
            if page == "latent_space":
                await self.select()
            elif page == "manifold":
                await self.move("Pick z0", 3)
            elif page == "denoising":
                await self.move("Noise level σ", 2)

    async def train(self, deadline):
        """Presses Train (1 epoch on 1,000 images), waits for the model, then opens Latent space with it."""
        await self.open("models")
        epochs, size = WidgetState(id=self.widgets["Epochs"].id), WidgetState(id=self.widgets["Training images"].id)
        epochs.double_array_value.data.append(1)
        size.string_array_value.data.append("1,000")  # As the page formats it.
        await self.rerun(epochs, size, WidgetState(id=self.widgets["Train"].id, trigger_value=True))
        while not any(t.startswith(("Trained", "Training failed")) for t in self.texts):
            if time.monotonic() > deadline:
                self.errors.append("a training did not end in time")
                return
            await asyncio.sleep(2)
            await self.rerun()  # As the page's own refresh would.
        await self.open("latent_space")


def rss(server_pid):
    """(server MiB, pool workers MiB): the server process, and all its descendants together."""
    return _common.rss_mb_or_zero(server_pid), sum(
        _common.rss_mb_or_zero(p) for p in load_sessions.process_tree(server_pid)[1:]
    )


async def play(base, pid, args):
    rng = random.Random(args.seed)
    phases = []

    def mark(name, **extra):
        server, workers = rss(pid)
        phases.append(
            {"phase": name, "server_mb": server, "workers_mb": workers, "t_s": time.monotonic() - t0, **extra}
        )
        print(f"  {name:40s} server {server:7.0f} MiB  workers {workers:7.0f} MiB", flush=True)

    t0 = time.monotonic()
    mark("started")
    conns = []

    async def connect(student):
        student.ws = await websockets.connect(student.url, subprotocols=["streamlit"], max_size=None, open_timeout=60)
        conns.append(student.ws)
        return student

    try:
        teacher = await connect(Student(base, random.Random(-1)))
        await asyncio.wait_for(teacher.lesson(), args.phase_timeout)
        mark("teacher went through every page")
        students = [await connect(Student(base, random.Random(rng.random()))) for _ in range(args.sessions)]

        async def arrive(i, s):
            await asyncio.sleep(args.ramp * i / max(1, len(students)))
            await s.lesson()

        await asyncio.wait_for(asyncio.gather(*(arrive(i, s) for i, s in enumerate(students))), args.phase_timeout)
        mark(f"{args.sessions} students through every page", per_session_mb=None)
        deadline = time.monotonic() + args.phase_timeout
        await asyncio.wait_for(
            asyncio.gather(*(s.train(deadline) for s in students[: args.trainings])), args.phase_timeout + 30
        )
        mark(f"{args.trainings} trainings, models in use")
        mover = students[-1]
        await mover.open("manifold")
        before = rss(pid)[0]
        await asyncio.wait_for(mover.move("Pick z0", args.moves), args.phase_timeout)
        mark(f"{args.moves} pick moves of one session", per_move_kb=(rss(pid)[0] - before) * 1024 / max(1, args.moves))
        for p in load_sessions.process_tree(pid)[1:]:
            print(f"    pool process {p}: {_common.rss_mb_or_zero(p):6.0f} MiB  {_common.cmdline(p)[:90]}")
    finally:
        for ws in conns:
            await ws.close()
    errors = [e for s in [teacher, *students] for e in s.errors]
    return phases, errors


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=30, help="students (default 30)")
    p.add_argument("--trainings", type=int, default=6, help="students who train a model (default 6)")
    p.add_argument("--moves", type=int, default=200, help="pick moves of one Manifold session (default 200)")
    p.add_argument("--ramp", type=float, default=20, help="seconds over which the students arrive (default 20)")
    p.add_argument("--phase-timeout", type=float, default=900, help="seconds a phase may take (default 900)")
    p.add_argument("--repo", default=load_sessions.REPO, help="the checkout whose app to run (default: this one)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the figures to this JSON file")
    args = p.parse_args()
    if args.sessions < 1 or not 0 <= args.trainings <= args.sessions or args.moves < 0:
        p.error("--sessions >= 1, --trainings from 0 to --sessions, --moves >= 0")
    if not os.environ.get("AELAB_DATA_DIR"):
        p.error("set AELAB_DATA_DIR to the folder holding the MNIST and CIFAR-10 files")
    os.environ["AELAB_USER_DIR"] = tempfile.mkdtemp(prefix="aelab-lesson-")  # Nothing saved into checkpoints/.
    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-lesson-", suffix=".log", delete=False)
    print(f"a lesson of {args.sessions} sessions, {args.trainings} trainings, app of {args.repo} "
          f"({os.cpu_count()} CPUs; log {log.name})")  # fmt: skip
    load_sessions.REPO = os.path.abspath(args.repo)  # Where start_server runs `streamlit run app.py`.
    proc, base = load_sessions.start_server(log)
    try:
        phases, errors = asyncio.run(play(base, proc.pid, args))
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except Exception:
            proc.kill()
    warm, full = phases[1], phases[2]
    per_session = (full["server_mb"] - warm["server_mb"]) / args.sessions
    peak = max(ph["server_mb"] + ph["workers_mb"] for ph in phases)
    print(f"  per session (server, after the teacher's warm-up): {per_session:.1f} MiB")
    print(f"  peak of server + workers: {peak:.0f} MiB; errors: {len(errors)}")
    for e in sorted(set(errors))[:5]:
        print(f"    {e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "phases": phases, "per_session_mb": per_session, "peak_mb": peak,
                       "errors": errors}, f, indent=2)  # fmt: skip
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
