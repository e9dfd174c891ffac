"""A classroom at once: N concurrent sessions move a slider against `streamlit run` for S seconds.

    python bench/load_sessions.py [--sessions 30] [--seconds 60] [--page manifold] [--slider "Pick z0"]
                                  [--think 0.5] [--replicas 1 | --url http://127.0.0.1:8501 ...] [--json FILE]

Each session speaks Streamlit's own websocket protocol (the protobuf messages
the browser sends and receives on /_stcore/stream), so thirty of them fit on
the 2-core machine beside the server, where thirty Chromium tabs would take
the CPU the server is being measured on. A session opens the page, then
repeatedly moves the slider to a new value, waits until the server reports
that the rerun finished, and pauses for a "think time" like a student
looking at the result.

Response time is from sending the new slider value to the server's
`script_finished` message: what the browser waits for before it draws. An
error is an exception shown on the page, a run that ends otherwise than
successfully, a run that takes longer than --timeout, or a dropped
connection. The server's resident memory (its whole process tree) is
sampled every half second. Without --url the script starts `streamlit run
app.py` (--replicas of them, each on a free 127.0.0.1 port, sessions spread
over them and each kept on its own, as sticky sessions behind a load balancer
would) and stops them at the end; with --url it only talks to servers on
127.0.0.1 (load tests never leave the machine).
Exit code 0 when there were no errors and p95 <= --target-p95 seconds.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRST_LOAD_TIMEOUT = 300
SUCCESS = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


# The server.


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(base):
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start_server(log, watch_files=False):
    """Starts `streamlit run app.py` on a free 127.0.0.1 port; returns (process, base URL).

    As a classroom server should run it: without watching the source files
    for changes (`--server.fileWatcherType none`), unless `watch_files`.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    # .streamlit/config.toml already turns the watcher off; saying it here keeps
    # the comparison right if the config changes. With it on, every new session
    # registers watches on every module: 2.7x the CPU per move (README).
    cmd += ["--server.fileWatcherType", "auto" if watch_files else "none"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not healthy(base):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"error: streamlit did not start (exit code {proc.poll()}); see {log.name}")
        time.sleep(0.5)
    return proc, base


def process_tree(pid):
    """`pid` and all its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += children.get(p, [])
    return tree


def tree_rss_mb(pid):
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def cpu_seconds(pid):
    """User + system CPU seconds used so far by `pid` (its threads included)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid(base):
    """The pid listening on the URL's port (for --url), found through /proc/net/tcp."""
    port = urllib.parse.urlparse(base).port
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                for line in list(f)[1:]:
                    cols = line.split()
                    if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "0A":  # LISTEN
                        inodes.add(cols[9])
        except OSError:
            continue
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{entry}/fd"):
                link = os.readlink(f"/proc/{entry}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(entry)
        except OSError:
            continue
    return None


# One student.


class Session:
    """One browser tab's worth of protocol: open a page, move a slider, time each rerun."""

    def __init__(self, base, page, slider_label, timeout, rng):
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.page, self.slider_label, self.timeout, self.rng = page, slider_label, timeout, rng
        self.page_hash = ""
        self.slider = None  # (id, min, max, step, fragment_id)
        self.value = None
        self.times, self.errors = [], []
        self.first_load = None

    async def _run(self, ws, widget_states=(), fragment_id="", timeout=None):
        """Sends one rerun request and reads until the server says it finished."""
        timeout = timeout or self.timeout
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        cs.page_name = self.page
        cs.page_script_hash = self.page_hash
        cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(widget_states)
        self.seen = set()
        start = time.perf_counter()
        await ws.send(msg.SerializeToString())
        problems = []
        while True:
            left = timeout - (time.perf_counter() - start)
            raw = await asyncio.wait_for(ws.recv(), timeout=max(left, 0.001))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                # The page that ran (st.navigation): later reruns must name it,
                # or the server runs the default page instead.
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "delta":
                self._look_at(fwd, problems)
            elif kind == "page_not_found":
                problems.append(f"page not found: {self.page}")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # Only happens when another rerun was asked for; we never overlap.
                if fwd.script_finished not in SUCCESS:
                    problems.append(f"run ended with status {fwd.script_finished}")
                if widget_states and self.slider[0] not in self.seen:
                    problems.append("the rerun did not draw the slider again (another page ran?)")
                return time.perf_counter() - start, problems

    def _look_at(self, fwd, problems):
        delta = fwd.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        which = el.WhichOneof("type")
        if which == "exception":
            problems.append(f"exception on the page: {el.exception.type}: {el.exception.message[:200]}")
        elif which == "alert" and el.alert.format == el.alert.ERROR:
            problems.append(f"error on the page: {el.alert.body[:200]}")
        elif which == "slider":
            s = el.slider
            self.seen.add(s.id)
            if self.slider is None and (s.label == self.slider_label or not self.slider_label):
                self.slider = (s.id, s.min, s.max, s.step or 1.0, delta.fragment_id)
                self.value = s.value[0] if s.value else s.default[0]

    def _next_value(self):
        _, lo, hi, step, _ = self.slider
        n = int(round((hi - lo) / step))
        while True:
            v = round(lo + self.rng.randint(0, n) * step, 10)
            if n == 0 or v != self.value:
                return v

    async def run(self, deadline, think, started):
        try:
            async with websockets.connect(
                self.url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout
            ) as ws:
                # The first run of a fresh server imports TensorFlow and loads
                # every model and data set: minutes on a busy 2-core machine.
                seconds, problems = await self._run(ws, timeout=max(self.timeout, FIRST_LOAD_TIMEOUT))
                self.first_load = seconds
                self.errors += problems
                if self.slider is None:
                    self.errors.append(f"no slider labelled {self.slider_label!r} on page {self.page!r}")
                    return
                started.set()
                while time.monotonic() < deadline:
                    self.value = self._next_value()
                    state = WidgetState(id=self.slider[0])
                    state.double_array_value.data.append(self.value)
                    seconds, problems = await self._run(ws, [state], self.slider[4])
                    self.times.append(seconds)
                    self.errors += problems
                    await asyncio.sleep(think * self.rng.uniform(0.5, 1.5))
        except (TimeoutError, asyncio.TimeoutError):
            self.errors.append(f"no answer within {self.timeout:g} s")
        except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as e:
            self.errors.append(f"connection lost: {type(e).__name__}: {e}")


# The classroom.


async def classroom(bases, args, pids):
    """Runs the sessions, spread round-robin over the servers; each session stays on its server.

    That is what a load balancer with sticky sessions does: a Streamlit
    session lives in one server process, so all of a tab's messages must
    reach the same one.
    """
    rng = random.Random(args.seed)
    # One session per server first, not counted: it loads the models and data
    # into the server's caches, as the teacher's own tab would before class.
    for base in bases:
        warm = Session(base, args.page, args.slider, args.timeout, random.Random(-1))
        await warm.run(time.monotonic() + 1, 0, asyncio.Event())
        if warm.errors:
            raise SystemExit(f"error: the page does not work with one session: {warm.errors[0]}")

    sessions = [
        Session(bases[i % len(bases)], args.page, args.slider, args.timeout, random.Random(rng.random()))
        for i in range(args.sessions)
    ]
    rss, stop = [], asyncio.Event()

    async def sample():
        while not stop.is_set():
            if pids:
                rss.append(sum(tree_rss_mb(pid) for pid in pids))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    cpu0, t0 = sum(cpu_seconds(pid) for pid in pids), time.monotonic()
    deadline = t0 + args.ramp + args.seconds

    async def student(i, s):
        await asyncio.sleep(args.ramp * i / max(1, args.sessions))  # Students arrive over --ramp seconds.
        await s.run(deadline, args.think, asyncio.Event())

    await asyncio.gather(*(student(i, s) for i, s in enumerate(sessions)))
    wall = time.monotonic() - t0
    cpu = (sum(cpu_seconds(pid) for pid in pids) - cpu0) if pids else None
    stop.set()
    await sampler
    return sessions, rss, wall, cpu


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=30, help="concurrent sessions (default 30)")
    p.add_argument("--seconds", type=float, default=60, help="how long every session moves its slider (default 60)")
    p.add_argument("--page", default="manifold", help="the page's URL path (default manifold)")
    p.add_argument("--slider", default="Pick z0", help="label of the slider to move ('' for the first one)")
    p.add_argument("--think", type=float, default=0.5, help="mean pause between moves in seconds (default 0.5)")
    p.add_argument("--ramp", type=float, default=5, help="seconds over which the sessions connect (default 5)")
    p.add_argument("--timeout", type=float, default=30, help="seconds before a rerun counts as an error")
    p.add_argument("--target-p95", type=float, default=1.0, help="p95 target in seconds (default 1.0)")
    p.add_argument(
        "--url", action="append", default=[], help="a running server on 127.0.0.1 (repeatable; default: start them)"
    )
    p.add_argument("--replicas", type=int, default=1, help="servers to start, sessions spread over them (default 1)")
    p.add_argument("--watch-files", action="store_true", help="keep Streamlit's source file watcher on")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args()
    if args.sessions < 1 or args.seconds <= 0 or args.think < 0 or args.ramp < 0 or not 1 <= args.replicas <= 8:
        p.error("--sessions must be >= 1, --seconds > 0, --think and --ramp >= 0, --replicas 1 to 8")

    procs, bases, pids = [], [], []
    log = tempfile.NamedTemporaryFile("w+", prefix="aelab-load-", suffix=".log", delete=False)
    for url in args.url:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme != "http" or parsed.hostname != "127.0.0.1" or not parsed.port:
            p.error(f"--url must be http://127.0.0.1:PORT (load tests stay on this machine). Received: {url}")
        base = f"http://127.0.0.1:{parsed.port}"
        if not healthy(base):
            p.error(f"no healthy Streamlit server at {base}")
        bases.append(base)
        pid = server_pid(base)
        pids += [pid] if pid else []
    load_before = os.getloadavg()
    try:
        for _ in range(0 if args.url else args.replicas):
            proc, base = start_server(log, args.watch_files)
            procs.append(proc)
            bases.append(base)
            pids.append(proc.pid)
        sessions, rss, wall, cpu = asyncio.run(classroom(bases, args, pids))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    load_after = os.getloadavg()

    times = [t for s in sessions for t in s.times]
    errors = [e for s in sessions for e in s.errors]
    firsts = [s.first_load for s in sessions if s.first_load is not None]
    log.seek(0)
    tracebacks = log.read().count("Traceback")
    result = {
        "sessions": args.sessions,
        "seconds": args.seconds,
        "page": args.page,
        "slider": args.slider,
        "think_s": args.think,
        "servers": len(bases),
        "file_watcher": "default" if args.watch_files or args.url else "none",
        "moves": len(times),
        "moves_per_s": len(times) / wall,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "server_tracebacks": tracebacks,
        "p50_s": percentile(times, 0.5),
        "p95_s": percentile(times, 0.95),
        "max_s": max(times, default=float("nan")),
        "mean_s": statistics.fmean(times) if times else float("nan"),
        "first_load_p50_s": percentile(firsts, 0.5),
        "first_load_max_s": max(firsts, default=float("nan")),
        "rss_start_mb": rss[0] if rss else None,
        "rss_peak_mb": max(rss) if rss else None,
        "server_cpu_cores": cpu / wall if cpu is not None else None,
        "client_cpu_cores": time.process_time() / wall,  # This script's own share of the same CPUs.
        "cpu_count": os.cpu_count(),
        "loadavg_before": load_before[0],
        "loadavg_after": load_after[0],
    }
    print(
        f"{args.sessions} sessions x {args.seconds:g} s on /{args.page} of {len(bases)} server(s), moving '{args.slider}' "
        f"(think {args.think:g} s; {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, {load_after[0]:.1f} after)"
    )
    print(f"  slider moves answered: {len(times)} ({result['moves_per_s']:.1f}/s)")
    print(
        f"  response time: p50 {result['p50_s'] * 1000:.0f} ms, p95 {result['p95_s'] * 1000:.0f} ms, "
        f"max {result['max_s'] * 1000:.0f} ms (first page load: p50 {result['first_load_p50_s']:.2f} s, "
        f"max {result['first_load_max_s']:.2f} s)"
    )
    print(f"  errors: {len(errors)}; tracebacks in the server log: {tracebacks}")
    for e in result["error_examples"]:
        print(f"    {e}")
    if rss:
        print(f"  server memory (RSS, all servers): {rss[0]:.0f} MiB at start, peak {max(rss):.0f} MiB")
    if cpu is not None:
        print(
            f"  CPU: servers {result['server_cpu_cores']:.2f} cores on average, "
            f"this load script {result['client_cpu_cores']:.2f} (it starts before the servers; an upper bound)"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    ok = not errors and not tracebacks and result["p95_s"] <= args.target_p95
    print(f"  target (0 errors, p95 <= {args.target_p95:g} s): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
