"""Every page's link table round-trips: a link opens the view, and the page writes the same link back."""

import pytest

ROUND_TRIPS = {
    "app_pages/models.py": [{"model": "vae"}],
    "app_pages/latent_space.py": [
        {"tab": "explore", "rows": "3,10,13"},
        {"tab": "interpolate", "a": "5", "b": "9", "steps": "12", "step": "7", "rows": "1,2"},
        {"tab": "vae", "prior_seed": "5", "scale": "20", "samples": "4", "rows": "3"},
        {"tab": "navigate", "pick_ae": "1,1", "pick_vae": "-0.5,2"},
    ],
    "app_pages/manifold.py": [{"model": "vae", "grid": "12", "z0": "-2,2", "z1": "-1,3", "pick": "1.5,-0.5"}],
    "app_pages/denoising.py": [{"noise": "gaussian", "sigma": "0.8", "digits": "3", "seed": "7"}],
    "app_pages/colorization.py": [{"t": "0.3", "class": "ship", "images": "4", "seed": "2", "mse": "false"}],
    "app_pages/variants.py": [{"lang": "zh"}],
    "app_pages/studies.py": [{"lang": "zh"}],
}


@pytest.mark.parametrize(
    ("path", "query"), [(path, query) for path, queries in ROUND_TRIPS.items() for query in queries]
)
def test_a_link_comes_back_as_it_went(open_page, path, query):
    at = open_page(path, query=query)
    assert not at.error, [e.value for e in at.error]
    assert dict(at.query_params) == query


@pytest.mark.parametrize(
    ("path", "query", "written"),
    [
        # Out of range: clamped to the nearest value the page can show; not a value at all: the default.
        ("app_pages/manifold.py", {"model": "vae", "grid": "99", "pick": "9,x"}, {"grid": "30", "pick": "0,0"}),
        ("app_pages/colorization.py", {"images": "99", "class": "<b>", "seed": "-1"},
         {"images": "12", "class": "all", "seed": "0"}),
        ("app_pages/latent_space.py", {"tab": "interpolate", "a": "-4", "b": "10000000", "step": "0"},
         {"a": "0", "b": "9999", "step": "1"}),
        ("app_pages/latent_space.py", {"tab": "nowhere", "rows": "9,99999,3"}, {"tab": "explore", "rows": "3,9"}),
        ("app_pages/models.py", {"model": "gan"}, {"model": "ae"}),
    ],
)  # fmt: skip
def test_a_bad_link_value_is_clamped_or_ignored(open_page, path, query, written):
    at = open_page(path, query=query)
    assert not at.exception and not at.error
    link = dict(at.query_params)
    assert {k: link.get(k) for k in written} == written
