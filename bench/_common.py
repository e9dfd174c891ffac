"""Shared helpers for the benchmarks: medians, memory, the repository root on sys.path.

Every benchmark measures the reference and aelab's way side by side in one
process, interleaved where it can be, because these 2-core machines are noisy.
"""

import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def medians_ms(fns, runs, warmup=2):
    """Median wall time in ms of each callable in a dict, calls interleaved round by round.

    Interleaving spreads the machine's noise evenly over the contenders, so
    their ratio is fairer than that of two back-to-back loops.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {k: [] for k in fns}
    for _ in range(runs):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def rss_mb(pid="self"):
    """Resident memory of a process in MiB, from /proc (Linux)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


def rss_mb_or_zero(pid):
    """`rss_mb(pid)`, or 0.0 for a process that has ended meanwhile (a pool's worker between jobs)."""
    try:
        return rss_mb(pid)
    except (OSError, RuntimeError):
        return 0.0


def cmdline(pid):
    """A process's command line as one string, or "" once it has ended."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def row(measure, reference, ours, target, ok):
    """One line of the results table."""
    return {"measure": measure, "reference": reference, "aelab": ours, "target": target, "ok": bool(ok)}


def print_rows(rows):
    """Prints result rows (`row`) as the benchmarks do: ok or MISS, our figure, the target and the reference."""
    for r in rows:
        mark = "ok  " if r["ok"] else "MISS"
        print(
            f"{mark} {r['measure']}\n     aelab: {r['aelab']}  (target {r['target']})\n     reference: {r['reference']}"
        )
