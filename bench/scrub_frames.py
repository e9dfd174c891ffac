"""Server cost of the newer scrubbed sliders (Interpolate's step, Models' "Epoch shown"): frames vs one rerun.

    AELAB_DATA_DIR=... flock /tmp/aelab-bench.lock .venv/bin/python bench/scrub_frames.py [--runs 5]

Per slider, in this process (medians of --runs, the contenders interleaved):

- interpolation (10 and 20 steps): the server time to decode every step of both models' paths
  (`aelab.lessons.frames.interpolation_frames`, one batched decode per model) and pack the atlas, and the
  atlas's bytes, against one server-driven step: the Interpolate tab's rerun (AppTest) that a settled step
  costs, and that every step of an `st.slider` would.
- replay (5 and 30 epochs of 2,000 digits, the live scatter's size): drawing every epoch's scatter once
  (`frames.snapshot_frames`, matplotlib) and packing it on a 256-colour palette, and the atlas's bytes,
  against what one step of the old `st.select_slider` cost: the epoch's Plotly figure built and serialized
  (its JSON is what the rerun sent). The snapshots are the shipped AE's codes of the job's 2,000 test digits,
  shrunk toward their centre for the early epochs (a training's own snapshots need a training run).
"""

import argparse
import statistics
import sys
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import numpy as np
from _common import REPO, print_rows, row


def median_ms(fns, runs):
    """Median ms of each callable, interleaved round by round after one warm-up call each."""
    for fn in fns.values():
        fn()
    times = {k: [] for k in fns}
    for _ in range(runs):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t0) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def interpolation_rows(runs):
    from streamlit.testing.v1 import AppTest

    from aelab import checkpoints, data
    from aelab.inference import latent
    from aelab.lessons import frames
    from app_pages import _scrubber

    x, _ = data.load_test_set("mnist")
    models = {k: checkpoints.load(k) for k in ("ae2d", "vae2d")}
    ends = {k: tuple(latent.encode(m, x[[3, 2]])) for k, m in models.items()}
    rows = []
    for steps in (10, 20):
        at = AppTest.from_file(f"{REPO}/app.py", default_timeout=120)
        at.query_params.update({"tab": "interpolate", "steps": str(steps)})
        at.run()
        at.query_params.update({"tab": "interpolate", "steps": str(steps)})
        at.switch_page("app_pages/latent_space.py").run()
        assert not at.exception, at.exception
        moves = iter(range(10**6))

        def rerun(at=at, steps=steps, moves=moves):  # A settled step: the state the scrubber's callback sets.
            at.session_state["interp_step"] = 1 + next(moves) % steps
            at.run()

        def all_steps(steps=steps):
            f = frames.interpolation_frames(models, ends, steps)
            return _scrubber.atlas(f.digits)

        t = median_ms({"rerun": rerun, "frames": all_steps}, runs)
        size = len(all_steps()[0])
        rows.append(
            row(
                f"Interpolate, {steps} steps of AE and VAE: every step decoded and packed, once per A, B, steps",
                f"one server-driven step (the tab's rerun, AppTest) {t['rerun']:.0f} ms",
                f"{t['frames']:.1f} ms (×{t['frames'] / t['rerun']:.2f} of one rerun), atlas {size / 1000:.1f} kB "
                "as base64; 0 per step",
                "≤ one rerun",
                t["frames"] <= t["rerun"],
            )
        )
    return rows


def replay_rows(runs):
    from aelab import checkpoints, data
    from aelab.figures import plots
    from aelab.inference import latent
    from aelab.lessons import frames
    from aelab.training import worker
    from app_pages import _scrubber

    x, y = data.load_test_set("mnist")
    rows_ = np.random.default_rng(0).choice(len(x), worker.SNAPSHOT_DIGITS, replace=False)
    z, labels = np.asarray(latent.encode(checkpoints.load("ae2d"), x[rows_])), y[rows_]
    centre = z.mean(axis=0)
    out = []
    for epochs in (5, 30):
        snapshots = [(e, centre + (z - centre) * (0.05 + 0.95 * e / epochs)) for e in range(epochs + 1)]
        sent = {}

        def one_step(
            snapshots=snapshots, sent=sent
        ):  # What a step of the old select_slider rebuilt and sent (app_pages/models.py before).
            fig = plots.latent_scatter(snapshots[-1][1], labels, height=420, marker_size=4)
            fig.update_layout(title="2,000 test digits after epoch 5", margin=dict(t=70))
            sent["json"] = fig.to_json()

        def all_epochs(snapshots=snapshots, sent=sent):
            f = frames.snapshot_frames(snapshots, labels)
            sent["atlas"] = _scrubber.atlas(f.pictures[:, None], colors=256)[0]

        t = median_ms({"step": one_step, "frames": all_epochs}, runs if epochs <= 5 else max(1, runs // 2))
        per_step, atlas = len(sent["json"]), len(sent["atlas"])
        out.append(
            row(
                f"Models replay, {epochs} epochs (+ the untrained model): every scatter drawn once per job",
                f"one step of the old slider: the figure built and serialized {t['step']:.0f} ms, "
                f"{per_step / 1000:.0f} kB of Plotly JSON per step",
                f"{t['frames']:.0f} ms (×{t['frames'] / t['step']:.0f} of one step, "
                f"{t['frames'] / (epochs + 1):.0f} ms per epoch), atlas {atlas / 1000:.0f} kB "
                f"(×{atlas / per_step:.1f} of one step's JSON); 0 per step",
                "atlas ≤ the JSON of one pass through the epochs the old way",
                atlas <= (epochs + 1) * per_step,
            )
        )
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per contender (default 5)")
    args = p.parse_args()
    if not 1 <= args.runs <= 100:
        p.error("--runs 1 to 100")
    rows = interpolation_rows(args.runs) + replay_rows(args.runs)
    print_rows(rows)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
