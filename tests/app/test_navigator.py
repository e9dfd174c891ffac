"""The latent navigator on the Manifold and Latent space pages (AppTest).

What the browser does with it (decoding under the pointer) is tested in
tests/e2e/test_navigator_browser.py; here: what the server gives it, and what a
pin (the one message the navigator sends) does to the page and its link.
"""

import json
import os
import shutil

import numpy as np
import pytest
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState

from aelab import checkpoints, data
from aelab.inference import byte_planes, onnx_export
from app_pages import _navigator

MANIFOLD = "app_pages/manifold.py"
LATENT = "app_pages/latent_space.py"


@pytest.fixture(scope="module")
def labels(data_dir):
    return data.load_mnist(data_dir)[1][1]


def _walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def navigators(at):
    """{label: (element, data)} of the navigators on the page."""
    found = [e for e in _walk(at.main) if getattr(e, "type", None) == "bidi_component"]
    found = [e for e in found if e.proto.component_name == "aelab.latent_navigator"]
    return {json.loads(e.proto.json)["label"]: (e, json.loads(e.proto.json)) for e in found}


def send(at, element, event, value):
    """Reruns as if the navigator's JavaScript had sent `setTriggerValue(event, value)` (or a state value)."""
    states = at._tree.get_widget_states()
    if event == "pin":
        state = WidgetState(id=_make_trigger_id(element.proto.id, "events"))
        state.json_trigger_value = json.dumps([{"event": event, "value": value}])
    else:
        state = WidgetState(id=element.proto.id)
        state.json_value = json.dumps({event: value})
    states.widgets.append(state)
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def static_file(url):
    assert url.startswith("/app/static/"), url
    return _navigator.STATIC / url[len("/app/static/") :]


def slider(at, label):
    return next(s for s in at.slider if s.label == label)


def test_manifold_navigator_gets_the_shipped_decoder_the_points_and_the_grid_range(open_page, labels):
    at = open_page(MANIFOLD)
    (label, (_, data)), *others = navigators(at).items()
    assert not others and label == "VAE latent plane"
    meta = checkpoints.read_sidecar("vae2d")
    # The browser gets the shipped .onnx itself (the same bytes), named by its sha256.
    assert static_file(data["model_url"]).name == meta["decoder_onnx"]["sha256"] + ".onnx"
    assert checkpoints.sha256_of(static_file(data["model_url"])) == meta["decoder_onnx"]["sha256"]
    # Also packed for the wire (modules/unpack.js): the same bytes once unpacked.
    planes = static_file(data["model_planes_url"])
    assert planes.name == meta["decoder_onnx"]["sha256"] + ".onnx.planes.gz"
    assert byte_planes.unpack(planes.read_bytes()) == static_file(data["model_url"]).read_bytes()
    for key in ("runtime_url", "wasm_url", "wasm_zst_url", "fzstd_url"):  # Vendored files, their sha256 in the URL.
        path, version = data[key].split("?v=")
        assert checkpoints.sha256_of(static_file(path)).startswith(version)
    assert data["wasm_zst_url"].startswith(data["wasm_url"].split("?")[0] + ".zst?")
    blob = static_file(data["points_url"]).read_bytes()
    n = data["n_points"]
    assert n == len(labels) and len(blob) == 9 * n  # float32 pairs, then uint8 labels
    assert np.array_equal(np.frombuffer(blob[8 * n :], "uint8"), labels)
    assert data["bounds"] == [list(slider(at, "z0 range").value), list(slider(at, "z1 range").value)]
    assert data["point"] == [0.0, 0.0] and len(data["colors"]) == 10
    # The browser code: the navigator's ES modules, published as they are in one folder named by their sha256.
    entry = static_file(data["navigator_url"])
    assert entry.name == "navigator.js" and entry.parent.name == _navigator._MODULES_SHA256 + ".modules"
    sources = sorted((_navigator._ASSETS / "modules").glob("*.js"))
    assert sorted(p.name for p in entry.parent.iterdir()) == [p.name for p in sources]
    assert all((entry.parent / p.name).read_bytes() == p.read_bytes() for p in sources)


def test_a_pin_moves_the_sliders_the_digit_the_cross_and_the_link(open_page):
    at = open_page(MANIFOLD)
    element, _ = navigators(at)["VAE latent plane"]
    digit = at.image[0].value[0]
    cross = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][-1]["x"]
    send(at, element, "pin", [1.23, -2.07])
    assert (slider(at, "Pick z0").value, slider(at, "Pick z1").value) == (1.2, -2.1)
    assert "decoded from z = (1.2, -2.1)" in at.image[0].captions[0]
    assert at.image[0].value[0] != digit
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][-1]["x"] != cross
    assert at.query_params["pick"] == "1.2,-2.1"
    assert navigators(at)["VAE latent plane"][1]["point"] == [1.2, -2.1]
    # A pin outside the plane (a forged message) lands on its edge.
    send(at, element, "pin", [99, -99])
    assert (slider(at, "Pick z0").value, slider(at, "Pick z1").value) == (4.0, -4.0)


@pytest.mark.parametrize("bad", [[1.0], [1.0, 2.0, 3.0], ["1", 2.0], [True, 1.0], [1e309, 0.0], None, "1,2"])
def test_a_malformed_pin_changes_nothing(open_page, bad):
    at = open_page(MANIFOLD)
    element, _ = navigators(at)["VAE latent plane"]
    send(at, element, "pin", bad)
    assert (slider(at, "Pick z0").value, slider(at, "Pick z1").value) == (0.0, 0.0)
    assert not at.error


def test_a_phone_sized_window_gets_a_smaller_grid_unless_the_link_sets_one(open_page):
    at = open_page(MANIFOLD)
    assert slider(at, "Grid size (digits per side)").value == 30
    send(at, navigators(at)["VAE latent plane"][0], "narrow", True)
    assert slider(at, "Grid size (digits per side)").value == 12
    assert json.loads(at.get("plotly_chart")[0].proto.config)["staticPlot"]  # a swipe scrolls the page

    at = open_page(MANIFOLD, query={"model": "vae", "grid": "20"})
    send(at, navigators(at)["VAE latent plane"][0], "narrow", True)
    assert slider(at, "Grid size (digits per side)").value == 20


def test_latent_space_has_a_navigator_per_model_and_a_pin_goes_into_the_link(open_page):
    at = open_page(LATENT, query={"tab": "navigate"})
    navs = navigators(at)
    assert sorted(navs) == ["AE latent plane", "VAE latent plane"]
    assert navs["VAE latent plane"][1]["bounds"] == [[-4.0, 4.0], [-4.0, 4.0]]
    send(at, navs["VAE latent plane"][0], "pin", [-1.04, 2.46])
    assert at.query_params["pick_vae"] == "-1,2.5" and "pick_ae" not in at.query_params
    assert [i.captions[0] for i in at.image] == ["pinned: decoded from z = (-1.0, 2.5) on the server"]

    again = open_page(LATENT, query={"tab": "navigate", "pick_vae": "-1,2.5", "pick_ae": "nonsense"})
    assert navigators(again)["VAE latent plane"][1]["point"] == [-1.0, 2.5]
    assert navigators(again)["AE latent plane"][1]["point"] is None  # a bad value is ignored


def test_a_model_without_a_shipped_onnx_is_exported_when_it_is_shown(open_page, monkeypatch, tmp_path):
    for suffix in (".keras", ".json"):
        shutil.copy(os.path.join(checkpoints.resolve_dir(), "vae2d" + suffix), tmp_path)
    meta = json.loads((tmp_path / "vae2d.json").read_text())
    del meta["decoder_onnx"]  # as a checkpoint saved before .onnx files existed
    (tmp_path / "vae2d.json").write_text(json.dumps(meta))
    monkeypatch.setenv(checkpoints.CHECKPOINT_DIR_ENV, str(tmp_path))
    at = open_page(MANIFOLD)
    path = static_file(navigators(at)["VAE latent plane"][1]["model_url"])
    assert path.name == checkpoints.sha256_of(path) + ".onnx"
    # Within one grey level: the export stores the weights in float16 (onnx_export.store_weights_in_float16).
    assert onnx_export.max_abs_difference(checkpoints.load("vae2d", str(tmp_path)), str(path)) <= 1 / 255
    at.run()  # Exported once: the next run reuses it.
    assert static_file(navigators(at)["VAE latent plane"][1]["model_url"]) == path


def test_pruning_keeps_the_modules_this_server_serves(monkeypatch, tmp_path):
    monkeypatch.setattr(_navigator, "PUBLISHED", tmp_path)
    current, old = (tmp_path / f"{digest}.modules" for digest in (_navigator._MODULES_SHA256, "0" * 64))
    for folder in (current, old):
        folder.mkdir()
        (folder / "navigator.js").write_text("")
    (tmp_path / f"{'1' * 64}.onnx").write_bytes(b"")
    os.utime(current, (0, 0))  # the least recently used of all
    os.utime(old, (100, 100))
    _navigator._prune(keep=1)
    assert {p.name for p in tmp_path.iterdir()} == {current.name, f"{'1' * 64}.onnx"}


def test_the_plane_the_grid_and_a_pin_are_said_in_words(open_page):
    """Text alternatives (WCAG 1.1.1): the navigator's live region, its legend's colours, the grid's words."""
    at = open_page(MANIFOLD)
    element, sent = navigators(at)["VAE latent plane"]
    assert sent["description"].startswith("VAE latent plane: 0s lie ") and "overlap near" in sent["description"]
    assert len(sent["edges"]) == len(sent["centres"]) == 10 and all(len(c) == 2 for c in sent["centres"])
    (grid,) = [h.proto.body for h in at.get("html") if "The grid spans z0" in h.proto.body]
    assert 'aria-live="polite"' in grid and "it draws:" in grid
    send(at, element, "pin", [1.2, -0.4])
    said = navigators(at)["VAE latent plane"][1]
    assert said["pinned_text"].startswith("decoded from (1.2, −0.4): looks like a ")
    assert f"Pinned point: {said['pinned_text']}." in said["description"]
