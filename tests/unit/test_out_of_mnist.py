"""The out-of-MNIST evaluation: font digits through the upload path, the landed-among vote, the DAE's identity."""

import numpy as np
import pytest

from aelab import checkpoints, out_of_mnist
from aelab.classroom import landing
from aelab.data import font_digits, pen_digits


def test_font_digits_arrive_as_uploads_and_come_out_mnist_style():
    assert font_digits.font_paths(), "install fonts-dejavu-core and fonts-liberation (.ci/run does)"
    uploads, labels, names = font_digits.font_set(limit=20, seed=3)
    assert len(uploads) == len(labels) == len(names) == 20
    assert sorted(np.bincount(labels, minlength=10)) == [2] * 10  # Balanced over the digits.
    assert all(u.startswith(b"\x89PNG") for u in uploads)
    x, kept = out_of_mnist.through_upload(uploads)
    assert x.shape == (20, 28, 28, 1) and list(kept) == list(range(20))
    assert x.min() >= 0 and x.max() <= 1 and (x.reshape(20, -1).max(1) > 0.9).all()
    assert font_digits.font_set(limit=20, seed=3)[2] == names  # Seeded.
    page = font_digits.render(7, font_digits.font_paths()[0], 110, pen=4, slant=0.3, rotation=10)
    assert page.shape == (font_digits.CANVAS,) * 2 and page[0, 0] == 255 and page.min() == 0  # Dark on paper.


def test_votes_leave_out_a_digit_and_name_the_leaders():
    z = np.array([[0, 0], [0.1, 0], [0.2, 0], [5, 5], [5.1, 5]], "float32")
    y = np.array([3, 3, 8, 1, 1])
    assert landing.votes(z, y, [[0, 0]], k=3)[0].tolist() == [0, 0, 0, 2, 0, 0, 0, 0, 1, 0]
    left_out = landing.votes(z, y, [[0, 0]], k=3, exclude=[0])[0]
    assert left_out[3] == 1 and left_out[8] == 1 and left_out[1] == 1
    assert landing.top_votes([0, 4, 0, 5, 0, 0, 0, 0, 1, 0]) == [(3, 5), (1, 4), (8, 1)]
    assert landing.top_votes([0, 10, 0, 0, 0, 0, 0, 0, 0, 0]) == [(1, 10)]
    assert landing.is_split([0, 4, 0, 5, 0, 0, 0, 0, 1, 0]) and not landing.is_split([0, 2, 0, 8, 0, 0, 0, 0, 0, 0])
    assert landing.landed_among(z, y, [[5, 5]], k=2).tolist() == [1]


def test_pen_digits_are_written_like_the_pad_and_come_out_mnist_style():
    uploads, labels, names = pen_digits.pen_set(limit=20, seed=3)
    assert len(uploads) == 20 and sorted(set(labels.tolist())) == list(range(10))
    assert pen_digits.pen_set(limit=20, seed=3)[2] == names  # Seeded.
    page = pen_digits.render(7, 1, pen=40, slant=0.3, speed="fast", seed=1)
    assert page.shape == (pen_digits.CANVAS,) * 2 and page[0, 0] == 0 and page.max() == 255  # White on black.
    thin, thick = (np.count_nonzero(pen_digits.render(4, 0, pen=w)) for w in (14, 40))
    assert thick > 2 * thin  # The pen's width is the width drawn.
    x, kept = out_of_mnist.through_upload(uploads)
    assert len(kept) == 20 and x.shape == (20, 28, 28, 1) and 0 <= x.min() and x.max() <= 1


@pytest.fixture(scope="module")
def slice_results(data_dir, checkpoint_dir):
    models = {name: checkpoints.load(name, checkpoint_dir) for name in ("ae2d", "vae2d", "dae")}
    judge = out_of_mnist.classifier(data_dir, train_size=3000, cache_dir=None)
    return out_of_mnist.evaluate(models, data_dir, limit=60, clf=judge)


def test_the_evaluation_scores_every_model_on_a_small_slice(slice_results):
    r = slice_results
    assert r["n_fonts"] == 60 and r["n_pen"] == 60 and r["n_mnist"] == 60
    for name in ("ae2d", "vae2d"):
        assert 0.5 <= r[name]["mnist"] <= 1.0  # MNIST's own digits mostly land among their digit...
        assert 0.0 <= r[name]["fonts"] <= 1.0 and len(r[name]["per_digit_fonts"]) == 10
        assert 0.3 <= r[name]["pen"] <= 1.0 and len(r[name]["per_digit_pen"]) == 10  # ...handwriting often.
    assert r["dae"]["pen_counted"] > 30
    assert r["dae"]["mnist"] >= 0.7 and r["dae"]["mnist_counted"] > 30
    table = "\n".join(out_of_mnist.format_rows(r))
    assert "landed among" in table and "kept as the same digit" in table


def test_the_vote_is_told_with_its_runners_up_and_when_split():
    clear = landing.describe_vote([0, 0, 0, 6, 0, 3, 0, 0, 1, 0])
    assert clear == "Landed among **3s**: 6 of the 10 nearest test digits are 3s. Next: 5s (3), 8s (1)."
    split = landing.describe_vote([0, 4, 0, 0, 0, 0, 0, 5, 1, 0])
    assert split.startswith("A split vote between **7s** and **1s**: 5 and 4 of the 10") and "8s (1)" in split
    assert landing.describe_vote([0] * 7 + [10, 0, 0]).endswith("are 7s.")
