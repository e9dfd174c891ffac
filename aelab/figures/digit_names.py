"""Where each digit's name is written on a latent plane: on its own cloud, clear of the others' names.

The scatters, the navigator's plane and the training replay write each digit on its cloud, so colour is
not the only cue (WCAG 1.4.1). At the clouds' medians (`describe.centres`) the AE's names piled up: its
clouds are rays from one hub, seven medians sat within a name's width of it, and the 3 and the 5 were
hidden under the 8. A name now moves out along its own cloud, as little as it must; a cloud with no clear
room (the AE's 3s, 5s and 8s share the hub) gets its name beside the crowd with a leader line to its
median.
"""

import numpy as np

from aelab.figures import describe

# Half a name's box, as a share of the plane's extent along (z0, z1): a bold digit and its padding take
# about 18 x 27 px on Plotly's charts, whose plot area is about 300 x 300 px at its smallest (two columns
# at 1280 px, a phone).
HALF_BOX = (0.03, 0.045)
# A name stays on its cloud: the cloud's points no farther from its median than this quantile.
BODY = 0.9
# Where a name with a leader may go: this many directions around its median, at 1 to RINGS name boxes
# from it, the directions pointing away from the plane's middle tried first.
DIRECTIONS = 16
RINGS = 6


def spots(z, y, extent=None, half_box=HALF_BOX):
    """Where each digit's name is written, and what it points at when it is off its cloud.

    Names are placed one by one, the least crowded medians first. A name takes its cloud's median if its
    box is clear of the names already placed, else the nearest clear point of its cloud; if none is, a
    clear spot around the median with a leader to it: over the fewest other digits' dots, then the nearest,
    then the one most away from the plane's middle.

    Args:
        z: latent points, (N, 2).
        y: their digit labels, (N,).
        extent: `(width, height)` of the plane shown, in latent units (default: the points' spread).
        half_box: half a name's box, as a share of `extent` along each axis.

    Returns:
        `{digit: (spot, anchor)}` for each digit present: `spot` (2,) is where the name goes; `anchor` is
        None when the spot is on the digit's cloud, else the cloud's median (2,), where a leader points.
    """
    z, y = np.asarray(z, "float64"), np.asarray(y)
    medians = {d: centre for d, (centre, _radius) in describe.centres(z, y).items()}
    size = np.maximum(np.asarray(extent, "float64") if extent is not None else np.ptp(z, axis=0), 1e-12)
    box = 2 * np.asarray(half_box, "float64") * size  # Two names closer than this on both axes overlap.
    middle = np.median(z, axis=0)

    def clashes(d):
        return sum(bool((np.abs(medians[e] - medians[d]) < box).all()) for e in medians if e != d)

    placed = {}
    for d in sorted(medians, key=lambda d: (clashes(d), d)):
        centre = medians[d]
        taken = [spot for spot, _anchor in placed.values()]
        cloud = z[y == d]
        dist = np.linalg.norm((cloud - centre) / box, axis=1)  # In name boxes.
        nearest = np.argsort(dist)
        body = cloud[nearest[dist[nearest] <= np.quantile(dist, BODY)]]
        found = _first_clear(np.vstack([centre[None], body]), taken, box)
        if found is not None:
            placed[d] = (found, None)
            continue
        beside = _around(centre, middle, box)
        beside = beside[((beside >= z.min(axis=0)) & (beside <= z.max(axis=0))).all(axis=1)]  # On the chart.
        # Over other digits' dots a name would read as theirs: the spots with the fewest of them first.
        covered = _dots_under(z[y != d], beside, box)
        found = _first_clear(beside[np.argsort(covered, kind="stable")], taken, box)
        placed[d] = (found, centre) if found is not None else (centre, None)
    return dict(sorted(placed.items()))


def _first_clear(candidates, others, box):
    # The first candidate whose box overlaps none of the others' boxes, or None.
    if not others:
        return candidates[0]
    others = np.asarray(others)
    clear = (np.abs(candidates[:, None, :] - others[None, :, :]) >= box).any(axis=2).all(axis=1)
    return candidates[int(np.argmax(clear))] if clear.any() else None


def _dots_under(points, spots, box):
    # How many points fall under a name's box at each spot (points sorted along z0 once, then sliced).
    points = points[np.argsort(points[:, 0])]
    lo = np.searchsorted(points[:, 0], spots[:, 0] - box[0] / 2)
    hi = np.searchsorted(points[:, 0], spots[:, 0] + box[0] / 2)
    return np.array([int((np.abs(points[a:b, 1] - s[1]) < box[1] / 2).sum()) for a, b, s in zip(lo, hi, spots)])


def _around(centre, middle, box):
    # Spots on rings around `centre` (in name boxes), nearest ring first, away from `middle` first.
    angles = np.linspace(0, 2 * np.pi, DIRECTIONS, endpoint=False)
    out = (centre - middle) / box
    away = np.arctan2(out[1], out[0]) if np.hypot(*out) > 1e-9 else np.pi / 2  # In the middle: upwards.
    turn = np.abs((angles - away + np.pi) % (2 * np.pi) - np.pi)
    order = np.argsort(turn, kind="stable")
    steps = [(ring, a) for ring in range(1, RINGS + 1) for a in angles[order]]
    return np.array([centre + ring * box * np.array([np.cos(a), np.sin(a)]) for ring, a in steps])
