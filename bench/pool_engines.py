"""Start-up time and memory of a local Dask or Ray pool, the two task engines the training pool could use.

    python bench/pool_engines.py [--workers 1] [--runs 3]

For each engine installed (Ray is not a requirement: `pip install ray` to
compare), a run starts a local pool of `--workers` worker processes with one
task slot each (Dask: `LocalCluster(processes=True)`; Ray: `ray.init(num_cpus=N)`),
times it until it has answered a first trivial task, then sums the resident
memory (RSS, and PSS, which counts shared pages once) of every process the
pool started, idle, and after one task that imports TensorFlow. Runs of the
two engines alternate, so the machine's noise falls on both.
"""

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time

ENGINE_RUN = r"""
import os, sys, time, psutil

def pool_memory():
    procs = psutil.Process().children(recursive=True)
    rss = pss = 0
    for p in procs:
        try:
            m = p.memory_full_info()
            rss, pss = rss + m.rss, pss + m.pss
        except psutil.Error:
            pass
    return len(procs), rss / 2**20, pss / 2**20

def noop(x):
    return x + 1

def tf_task():
    import tensorflow as tf
    return float(tf.reduce_sum(tf.ones((3, 3))))

def main(engine, n):
    t0 = time.perf_counter()
    if engine == "dask":
        from distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        client.submit(noop, 1, pure=False).result()
        run = lambda f: client.submit(f, pure=False).result()
    else:
        import ray
        ray.init(num_cpus=n, include_dashboard=False, log_to_driver=False)
        ray.get(ray.remote(noop).remote(1))
        run = lambda f: ray.get(ray.remote(f).remote())
    ready = time.perf_counter() - t0
    time.sleep(2)
    idle = pool_memory()
    run(tf_task)
    busy = pool_memory()
    print(ready, *idle, *busy)
    if engine == "dask":
        client.close(); cluster.close()
    else:
        ray.shutdown()

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    engines = [e for e, module in (("dask", "distributed"), ("ray", "ray")) if importlib.util.find_spec(module)]
    results = {e: [] for e in engines}
    for _ in range(args.runs):
        for engine in engines:
            out = subprocess.run(
                [sys.executable, "-c", ENGINE_RUN, engine, str(args.workers)], capture_output=True, text=True
            )
            if out.returncode:
                sys.exit(f"error: {engine} run failed:\n{out.stderr[-2000:]}")
            results[engine].append([float(v) for v in out.stdout.split()[-7:]])
            time.sleep(1)
    print(f"{args.workers} worker(s), {args.runs} runs each, medians (all runs of start-up in brackets):")
    for engine, runs in results.items():
        cols = list(zip(*runs))
        med = [statistics.median(c) for c in cols]
        print(
            f"  {engine}: ready in {med[0]:.2f} s [{', '.join(f'{v:.2f}' for v in cols[0])}]; idle {med[1]:.0f} processes, "
            f"RSS {med[2]:.0f} MiB, PSS {med[3]:.0f} MiB; after a TensorFlow task RSS {med[5]:.0f} MiB, PSS {med[6]:.0f} MiB"
        )


if __name__ == "__main__":
    main()
