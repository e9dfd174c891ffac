"""Train on our class with 300 digits: the teacher's press to the maps redrawn, and the landed-among scores.

    flock /tmp/aelab-bench.lock .venv/bin/python bench/class_training.py [--digits 300]

The class's digits are not MNIST's: 2 x `--digits` font digits (aelab.data.font_digits, every installed
font at several sizes, pens, slants and rotations) go through the page's own upload preprocessing; the
first half are the class (stored as 28x28 drawings with where they land on the shipped AE and VAE, as
the Class page's Send stores them), the second half are held out (digits of the same kind the models
were not fine-tuned on). The teacher's page runs in AppTest (`streamlit.testing.v1`) with the app's real
training pool (a Dask worker process): one press of "Train on our class" with the page's defaults
(aelab.classroom.training: 3 epochs, 6,000 MNIST digits mixed in), then reruns until the page shows
the fine-tuned maps. Browser rendering is not included.

Prints: the press -> maps shown seconds (and the job's own training seconds); per model, the landed-among
score (the page's 10-nearest vote) of the class's digits, of the held-out digits and of 1,000 MNIST test
digits (each voted on by the other test digits), and the redrawing error (MSE) of the same digits, before
(the shipped model: the reference, same run) and after fine-tuning.
"""

import argparse
import os
import sys
import tempfile
import time

import _common  # noqa: F401  (puts the repository on sys.path)
import numpy as np

from aelab import checkpoints, data
from aelab.classroom import landing
from aelab.classroom import store as class_store
from aelab.classroom import training as class_training
from aelab.data import font_digits
from aelab.inference import latent
from aelab.models import registry
from aelab.out_of_mnist import through_upload

PAGE = "app_pages/class_page.py"


def class_digits(n, seed=0):
    """2n font digits through the upload path: `(x_class, y_class, x_held, y_held)`."""
    uploads, labels, _names = font_digits.font_set(limit=2 * n, seed=seed)
    x, kept = through_upload(uploads)
    y = labels[kept]
    return x[:n], y[:n], x[n : 2 * n], y[n : 2 * n]


def scores(model, x_test, y_test, x_class, y_class, x_held, y_held, n_mnist=1000):
    """Landed-among scores, then redrawing errors (MSE), of the class's, the held-out and MNIST's digits."""
    z_test = latent.encode(model, x_test)
    own = landing.votes(z_test, y_test, z_test[:n_mnist], exclude=np.arange(n_mnist)).argmax(1)
    landed = (
        landing.score(z_test, y_test, latent.encode(model, x_class), y_class),
        landing.score(z_test, y_test, latent.encode(model, x_held), y_held),
        float(np.mean(own == y_test[:n_mnist])),
    )
    return landed, tuple(class_training.redraw_error(model, x) for x in (x_class, x_held, x_test[:n_mnist]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=300, help="the class's digits (as many again are held out)")
    parser.add_argument("--data-dir", default=os.environ.get("AELAB_DATA_DIR"))
    args = parser.parse_args()
    os.environ["AELAB_DATA_DIR"] = args.data_dir or ""
    folder = tempfile.mkdtemp(prefix="aelab-class-training-")
    os.environ["AELAB_DATABASE_URL"] = f"sqlite:///{folder}/classes.sqlite3"
    from streamlit.testing.v1 import AppTest

    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    x_class, y_class, x_held, y_held = class_digits(args.digits)
    x_test, y_test = data.load_test_set("mnist", args.data_dir)
    shipped = {k.name: checkpoints.load(k.name) for k in registry.latent_kinds()}
    # One bench writer sends for 30 students at once: no pause between drawings.
    store = class_store.ClassStore(limits=class_store.Limits(min_interval_s=0, per_student=10**6))
    info, token = store.create_class()
    points = {k: latent.encode(m, x_class) for k, m in shipped.items()}
    for i in range(len(x_class)):
        image = np.round(x_class[i, ..., 0] * 255).astype(np.uint8)
        store.add_drawing(info.code, f"bench-{i % 30}", image, int(y_class[i]), None, *(points[k][i] for k in shipped))

    at = AppTest.from_file(os.path.join(_common.REPO, "app.py"), default_timeout=600)
    at.run()  # AppTest runs the default page first; the teacher link then opens the Class page.
    at.query_params.update({"teach": info.code, "key": token})
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    t0 = time.perf_counter()
    at.button(key="class_train").click().run()
    job = at.session_state["aelab"].seat.training
    assert job is not None and job.wait(1800), job.progress()
    while "Trained on the class's digits" not in " ".join(str(m.value) for m in [*at.markdown, *at.success]):
        at.run()
        assert time.perf_counter() - t0 < 1800, "the page never showed the fine-tuned maps"
    shown = time.perf_counter() - t0
    assert job.status == "done", job.error

    print(f"\nTrain on our class: {len(x_class)} font digits, the page's defaults; AppTest, the real pool")
    print(f"  press -> fine-tuned maps shown: {shown:.1f} s (the job's own training: {job.seconds:.1f} s)")
    print("  landed among the digit meant (10 nearest test digits), shipped model -> fine-tuned:")
    names = ("the class's digits", "held-out font digits", "MNIST test digits")
    measured = {}
    for kind, model in shipped.items():
        before = scores(model, x_test, y_test, x_class, y_class, x_held, y_held)
        after = scores(job.models[kind], x_test, y_test, x_class, y_class, x_held, y_held)
        measured[kind] = before, after
        for name, b, a in zip(names, before[0], after[0]):
            print(f"    {kind}, {name}: {b:.1%} -> {a:.1%} (after / before {a / b:.2f})")
    print("  redrawing error (mean squared error per pixel), shipped model -> fine-tuned:")
    for kind, (before, after) in measured.items():
        for name, b, a in zip(names, before[1], after[1]):
            print(f"    {kind}, {name}: {b:.4f} -> {a:.4f} (after / before {a / b:.2f})")
    store.dispose()


if __name__ == "__main__":
    sys.exit(main())
