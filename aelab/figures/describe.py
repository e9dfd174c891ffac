"""Charts in words: what a sighted student sees on a latent plane, for a screen reader (WCAG 1.1.1).

A scatter of 10,000 dots, the manifold's grid or the navigator's plane has no
text a screen reader can read but its tick numbers. These functions say what
the picture shows: where each digit's cloud lies, which clouds overlap, and what
a pinned point decodes to (the vote of the test digits nearest it, which is what
the decoder draws there in a model that learned its plane). The pages put the
text in a polite live region (`aria-live="polite"`), so a change is read out
when the reader is idle.
"""

import numpy as np

from aelab.i18n import N_, _, ngettext

NEIGHBOURS = 10  # Test digits nearest a point whose vote says what the point looks like.
MAX_OVERLAPS = 3  # Overlapping pairs named; more would drown the sentence.
# Two clouds overlap when their centres are closer than this share of their typical radii together.
OVERLAP = 0.6


def number(v):
    """A coordinate as a sighted reader sees it on the chart: one decimal, a true minus sign ("−2.1")."""
    text = f"{float(v):.1f}"
    return "0.0" if text == "-0.0" else text.replace("-", "\N{MINUS SIGN}")


def point(p):
    """`(z0, z1)` written with `number`: "(1.2, −0.4)"."""
    return f"({number(p[0])}, {number(p[1])})"


def centres(z, y):
    """Each digit's cloud on the plane: its median point and its typical radius.

    The median, not the mean: a few digits encoded far from their class would pull a
    mean off the cloud a reader sees.

    Args:
        z: latent points, (N, 2).
        y: their digit labels, (N,).

    Returns:
        `{digit: (centre (2,), radius)}` for each digit present; the radius is the
        median distance of its points to the centre.
    """
    z, y = np.asarray(z, "float64"), np.asarray(y)
    found = {}
    for d in np.unique(y):
        points = z[y == d]
        centre = np.median(points, axis=0)
        found[int(d)] = (centre, float(np.median(np.linalg.norm(points - centre, axis=1))))
    return found


# Where a centre sits in the plane's box, by thirds: [row from the top][column from the left].
_REGIONS = (
    (N_("at the top left"), N_("at the top"), N_("at the top right")),
    (N_("on the left"), N_("in the centre"), N_("on the right")),
    (N_("at the bottom left"), N_("at the bottom"), N_("at the bottom right")),
)


def _region(centre, low, high):
    """Where a centre sits in the plane's box: "at the top left", "in the centre"..."""
    thirds = [(c - lo) / (hi - lo) if hi > lo else 0.5 for c, lo, hi in zip(centre, low, high, strict=True)]
    column, row = (min(max(int(t * 3), 0), 2) for t in thirds)
    return _(_REGIONS[2 - row][column])


def overlaps(found):
    """The digit pairs whose clouds overlap most, closest first (at most MAX_OVERLAPS).

    Args:
        found: `centres(z, y)`.

    Returns:
        A list of `(a, b, midpoint)` with a < b.
    """
    pairs = []
    digits = sorted(found)
    for i, a in enumerate(digits):
        for b in digits[i + 1 :]:
            (ca, ra), (cb, rb) = found[a], found[b]
            gap = float(np.linalg.norm(ca - cb))
            if gap < OVERLAP * (ra + rb):
                pairs.append((gap / (ra + rb), a, b, (ca + cb) / 2))
    return [(a, b, mid) for _gap, a, b, mid in sorted(pairs, key=lambda t: t[0])[:MAX_OVERLAPS]]


def clusters(z, y, view=None):
    """Where each digit's cloud lies on a latent plane, and which clouds overlap, in one paragraph.

    Args:
        z: latent points, (N, 2).
        y: their digit labels, (N,).
        view: optional `((z0_low, z0_high), (z1_low, z1_high))` the plane shows (the navigator's);
            by default the box that holds nearly all points (a chart's own range).

    Returns:
        Text such as "0s lie top left around (−2.1, 1.4); 1s …. 4s and 9s overlap near (0.3, −1.0)."
    """
    z = np.asarray(z, "float64")
    if not len(z):
        return _("No digits are drawn.")
    found = centres(z, y)
    if view is None:
        low, high = np.percentile(z, 1, axis=0), np.percentile(z, 99, axis=0)
    else:
        low, high = np.asarray(view, "float64").T
    places = [
        _("{digit}s lie {region} around {point}").format(digit=d, region=_region(c, low, high), point=point(c))
        for d, (c, _r) in sorted(found.items())
    ]
    text = _("; ").join(places) + _(".")
    pairs = overlaps(found)
    if pairs:
        said = [_("{a}s and {b}s overlap near {point}").format(a=a, b=b, point=point(mid)) for a, b, mid in pairs]
        text += ("" if text.endswith("。") else " ") + _("; ").join(said) + _(".")  # Chinese needs no space.
    return text


def manifold(z, y, z0, z1):
    """What the manifold's grid shows, region by region: the digit each ninth of it looks like.

    Each region is judged at its middle by the test digits nearest it (`looks_like`), which is
    what the decoder draws there in a model that learned its plane.

    Args:
        z: the test digits' latent points, (N, 2).
        y: their labels, (N,).
        z0: `(low, high)` of the grid's z0 range.
        z1: `(low, high)` of the grid's z1 range.

    Returns:
        Text such as "The grid spans z0 −3.0 to 3.0 and z1 −3.0 to 3.0. At the top left it draws 0s; …".
    """
    said = []
    for row in range(3):  # From the top, as a reader's eye goes.
        for column in range(3):
            p = (z0[0] + (column + 0.5) * (z0[1] - z0[0]) / 3, z1[1] - (row + 0.5) * (z1[1] - z1[0]) / 3)
            digit = looks_like(p, z, y)[0]
            said.append(_("{region} {digit}s").format(region=_(_REGIONS[row][column]), digit=digit))
    head = _("The grid spans z0 {a0} to {b0} and z1 {a1} to {b1}; by the nearest test digits it draws:").format(
        a0=number(z0[0]), b0=number(z0[1]), a1=number(z1[0]), b1=number(z1[1])
    )
    space = "" if head.endswith("：") else " "  # Chinese needs none after its colon.
    return f"{head}{space}{_('; ').join(said)}{_('.')}"


def looks_like(p, z, y, k=NEIGHBOURS):
    """What a point of the plane looks like: the vote of the k test digits nearest it.

    Args:
        p: `(z0, z1)`.
        z: the test digits' latent points, (N, 2).
        y: their labels, (N,).
        k: how many neighbours vote.

    Returns:
        `(digit, votes, k)`: the winning digit and how many of the k nearest are that digit.
    """
    z = np.asarray(z, "float64")
    k = min(k, len(z))
    nearest = np.argpartition(np.linalg.norm(z - np.asarray(p, "float64"), axis=1), k - 1)[:k]
    votes = np.bincount(np.asarray(y)[nearest], minlength=10)
    return int(votes.argmax()), int(votes.max()), k


def decoded(p, z, y, k=NEIGHBOURS):
    """What a pinned point decodes to, in words.

    Args:
        p: the pinned `(z0, z1)`.
        z: the test digits' latent points, (N, 2).
        y: their labels, (N,).
        k: how many neighbours vote.

    Returns:
        Text such as "decoded from (1.2, −0.4): looks like a 9 (7 of the 10 nearest test digits are 9s)".
    """
    digit, votes, k = looks_like(p, z, y, k)
    return ngettext(
        "decoded from {point}: looks like a {digit} ({votes} of the {k} nearest test digit is a {digit})",
        "decoded from {point}: looks like a {digit} ({votes} of the {k} nearest test digits are {digit}s)",
        k,
    ).format(point=point(p), digit=digit, votes=votes, k=k)


def selection(rows, y):
    """The selected digits in words: how many, and of which classes.

    Args:
        rows: the selected test rows.
        y: the test labels.

    Returns:
        Text such as "42 digits selected: 30 × 4, 12 × 9." or "No digits selected."
    """
    rows = np.asarray(rows, "int64")
    if not len(rows):
        return _("No digits selected.")
    counts = np.bincount(np.asarray(y)[rows], minlength=10)
    mix = _(", ").join(f"{c:,} × {d}" for d, c in sorted(enumerate(counts), key=lambda t: -t[1]) if c)
    return ngettext("{n:,} digit selected: {mix}.", "{n:,} digits selected: {mix}.", len(rows)).format(
        n=len(rows), mix=mix
    )


def path(points, z, y):
    """An interpolation path in words: where it runs and what its steps look like on the way.

    Args:
        points: the path's latent points, A first, (S, 2).
        z: the test digits' latent points, (N, 2).
        y: their labels, (N,).

    Returns:
        Text such as "The path runs from (−2.0, 2.0) to (2.0, −2.0) in 5 steps; by the nearest test
        digits its steps look like 0, 0, 4, 1, 1."
    """
    points = np.asarray(points, "float64")
    seen = _(", ").join(str(looks_like(p, z, y)[0]) for p in points)
    return ngettext(
        "The path runs from {a} to {b} in {n} step; by the nearest test digits its steps look like {seen}.",
        "The path runs from {a} to {b} in {n} steps; by the nearest test digits its steps look like {seen}.",
        len(points),
    ).format(a=point(points[0]), b=point(points[-1]), n=len(points), seen=seen)


def yours(p, z, y):
    """Where a student's digit landed on a plane, in words (the page says the vote beside it).

    Args:
        p: the digit's latent point `(z0, z1)`.
        z: the test digits' latent points, (N, 2).
        y: their labels, (N,).

    Returns:
        Text such as "Your digit is the cross at (2.0, −2.0), among test digits that look like a 1."
    """
    return _("Your digit is the cross at {point}, among test digits that look like a {digit}.").format(
        point=point(p), digit=looks_like(p, z, y)[0]
    )
