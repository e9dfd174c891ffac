"""Where the digits' names go on a latent plane (aelab.figures.digit_names), and how the charts draw them."""

import numpy as np

from aelab.figures import digit_names, plots
from aelab.figures import overlays as lf


def _overlap(a, b, box):
    return bool((np.abs(np.asarray(a) - np.asarray(b)) < box).all())


def _hub(seed=0):
    # Like the AE's map: seven clouds are rays from one hub (their medians near it), three share the hub.
    rng = np.random.default_rng(seed)
    z, y = [], []
    for d in range(7):
        angle = 2 * np.pi * d / 7
        t = rng.exponential(1.5, 300)  # Most of a ray's digits near the hub, a tail outwards.
        z.append(np.stack([t * np.cos(angle), t * np.sin(angle)], 1) + rng.normal(scale=0.2, size=(300, 2)))
        y.append(np.full(300, d))
    for d in (7, 8, 9):
        z.append(rng.normal(scale=0.3, size=(300, 2)))
        y.append(np.full(300, d))
    return np.concatenate(z), np.concatenate(y)


def test_names_of_clouds_apart_sit_at_their_medians():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(10), 50)
    z = np.array([[4.0 * (d % 5), 6.0 * (d // 5)] for d in range(10)])[y] + rng.normal(scale=0.3, size=(500, 2))
    spots = digit_names.spots(z, y)
    for d, (spot, anchor) in spots.items():
        np.testing.assert_allclose(spot, np.median(z[y == d], axis=0))
        assert anchor is None


def test_a_crowded_hub_gets_names_that_do_not_cover_each_other():
    z, y = _hub()
    box = 2 * np.array(digit_names.HALF_BOX) * np.ptp(z, axis=0)
    medians = {d: np.median(z[y == d], axis=0) for d in range(10)}
    assert sum(_overlap(medians[a], medians[b], box) for a in range(10) for b in range(a)) > 10  # Crowded.
    spots = digit_names.spots(z, y)
    names = [spots[d][0] for d in range(10)]
    assert not any(_overlap(names[a], names[b], box) for a in range(10) for b in range(a))
    leaders = [d for d, (_spot, anchor) in spots.items() if anchor is not None]
    assert leaders and set(leaders) <= {7, 8, 9}  # Only the clouds that share the hub need a leader...
    for d, (spot, anchor) in spots.items():
        if anchor is None:  # ...the rays' names stay at their medians or move out along their own digits.
            assert np.allclose(spot, medians[d]) or np.linalg.norm(z[y == d] - spot, axis=1).min() < 1e-9
        else:
            np.testing.assert_allclose(anchor, medians[d])
        assert (spot >= z.min(axis=0)).all() and (spot <= z.max(axis=0)).all()  # On the chart.


def test_the_scatter_draws_a_leader_and_the_cross_hides_a_name_where_it_is_written():
    z, y = _hub()
    fig = plots.latent_scatter(z, y)
    spots = digit_names.spots(z, y)
    notes = {n.text: n for n in fig.layout.annotations}
    d = next(d for d, (_spot, anchor) in spots.items() if anchor is not None)
    note = notes[f"<b>{d}</b>"]
    assert note.showarrow and note.axref == "x" and note.ayref == "y"
    np.testing.assert_allclose((note.ax, note.ay), spots[d][0])  # The name at the arrow's tail...
    np.testing.assert_allclose((note.x, note.y), spots[d][1])  # ...its tip at the cloud's median.
    reach = np.array(lf.UNCOVER_SHARE) * np.ptp(z, axis=0)
    assert (np.abs(np.subtract(spots[d][0], spots[d][1])) >= reach).any()  # Name and tip are apart...
    lf.uncover(fig, spots[d][0])
    assert note.visible is False  # ...and a cross where the name is written hides the name.
