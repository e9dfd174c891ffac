"""Where a class's digits landed: the digit most common among each one's nearest test digits, and the score.

The score is the Latent space page's "landed among" read over a class: the share of the class's digits
whose nearest MNIST test digits on the map are mostly the digit the student meant.
"""

import threading

import numpy as np

from aelab.i18n import _

NEIGHBOURS = 10  # As the Latent space page's "Your digit".


def votes(z_test, y_test, points, k=NEIGHBOURS, exclude=None):
    """How many of each point's `k` nearest test digits are each digit: the "landed among" vote.

    Args:
        z_test: the test digits' latent points, shape (N, D).
        y_test: their labels, shape (N,).
        points: the points that landed, shape (M, D).
        k: neighbours counted.
        exclude: optional index into the test digits per point, shape (M,), left out of that
            point's neighbours (a test digit sent through the upload path is not its own neighbour).

    Returns:
        int64 array of shape (M, 10): the votes per digit, summing to `k`.
    """
    z_test = np.asarray(z_test, dtype="float32")
    points = np.asarray(points, dtype="float32").reshape(-1, z_test.shape[-1])
    if not len(points):
        return np.zeros((0, 10), "int64")
    y_test = np.asarray(y_test, dtype="int64")
    out = []
    for start in range(0, len(points), 256):  # Bounded memory: 256 x N distances at a time.
        d = ((points[start : start + 256, None, :] - z_test[None, :, :]) ** 2).sum(-1)
        if exclude is not None:
            d[np.arange(len(d)), np.asarray(exclude)[start : start + 256]] = np.inf
        nearest = np.argpartition(d, min(k, len(z_test) - 1), axis=1)[:, :k]
        out += [np.bincount(row, minlength=10) for row in y_test[nearest]]
    return np.stack(out).astype("int64")


def landed_among(z_test, y_test, points, k=NEIGHBOURS):
    """The digit most common among each point's `k` nearest test digits.

    Args:
        z_test: the test digits' latent points, shape (N, 2).
        y_test: their labels, shape (N,).
        points: the class's latent points, shape (M, 2).
        k: neighbours counted.

    Returns:
        int64 array of shape (M,).
    """
    return votes(z_test, y_test, points, k).argmax(axis=1)


class LandedCache:
    """Where each of a class's drawings landed, computed once per drawing: a stored drawing never moves.

    The teacher's page redraws the class's maps and their score each time a digit arrives; with 300
    digits the 10-nearest votes of all of them were half of that redraw. Only new drawings are voted on.

    Args:
        z_test, y_test: the map's test digits and their labels (see `votes`).
        size: drawings remembered; the oldest are forgotten beyond it.
    """

    def __init__(self, z_test, y_test, size=20_000):
        self.z_test, self.y_test, self.size = z_test, y_test, size
        self._landed = {}
        self._lock = threading.Lock()

    def landed(self, keys, points):
        """The digit each drawing landed among.

        Args:
            keys: one hashable per drawing that names it and its point (e.g. its id and point: ids of two
                databases may meet in one process).
            points: their latent points, shape (M, D).

        Returns:
            int64 array of shape (M,).
        """
        keys = list(keys)
        with self._lock:
            new = [i for i, k in enumerate(keys) if k not in self._landed]
        if new:
            found = landed_among(self.z_test, self.y_test, np.asarray(points, "float32")[new])
            with self._lock:
                self._landed.update(zip((keys[i] for i in new), found.tolist()))
                for old in list(self._landed)[: max(0, len(self._landed) - self.size)]:
                    del self._landed[old]
        with self._lock:
            return np.array([self._landed.get(k, -1) for k in keys], dtype="int64")

    def score(self, keys, points, meant):
        """As `score`, from the remembered votes: NaN for no drawings."""
        if not len(keys):
            return float("nan")
        return float(np.mean(self.landed(keys, points) == np.asarray(meant, dtype="int64")))


# A vote is "split" when its runner-up has at least this share of the winner's votes (4 against 5 of 10).
SPLIT_RATIO = 0.75


def top_votes(counts, n=3):
    """The leading digits of one vote, most votes first (ties: the smaller digit first).

    Args:
        counts: votes per digit, shape (10,).
        n: how many to keep; digits without a vote are left out.

    Returns:
        A list of `(digit, votes)` pairs, at most `n`.
    """
    counts = np.asarray(counts, dtype="int64")
    order = sorted(range(len(counts)), key=lambda d: (-counts[d], d))
    return [(int(d), int(counts[d])) for d in order[:n] if counts[d] > 0]


def is_split(counts):
    """Whether a vote has no clear winner: the runner-up has at least `SPLIT_RATIO` of the winner's votes."""
    top = top_votes(counts, 2)
    return len(top) == 2 and top[1][1] >= SPLIT_RATIO * top[0][1]


def score(z_test, y_test, points, meant, k=NEIGHBOURS):
    """The share of the class's digits that landed among the digit their student meant (NaN for none).

    Args:
        z_test, y_test, points, k: see `landed_among`.
        meant: the digits the students meant, shape (M,).

    Returns:
        A float in [0, 1], or NaN when there are no points.
    """
    meant = np.asarray(meant, dtype="int64")
    if not len(meant):
        return float("nan")
    return float(np.mean(landed_among(z_test, y_test, points, k) == meant))


def describe_vote(counts):
    """The "landed among" sentence of one vote: its leader (or the two it is split between) and the runners-up.

    Args:
        counts: votes per digit among the nearest test digits, shape (10,).

    Returns:
        A Markdown string.
    """
    counts = np.asarray(counts, dtype="int64")
    n = int(counts.sum())
    top = top_votes(counts, 3)
    if is_split(counts):
        (a, va), (b, vb) = top[:2]
        text = _("A split vote between **{a}s** and **{b}s**: {va} and {vb} of the {n} nearest test digits.").format(
            a=a, b=b, va=va, vb=vb, n=n
        )
        rest = top[2:]
    else:
        digit, votes_ = top[0]
        text = _("Landed among **{digit}s**: {votes} of the {n} nearest test digits are {digit}s.").format(
            digit=digit, votes=votes_, n=n
        )
        rest = top[1:]
    if rest:
        others = _(", ").join(_("{digit}s ({votes})").format(digit=d, votes=v) for d, v in rest)
        text += " " + _("Next: {others}.").format(others=others)
    return text
