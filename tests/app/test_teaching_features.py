"""AppTest tests for the teaching features: robustness chart, live training scatter, shareable links, PNG export."""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from aelab import checkpoints, data
from aelab.inference import latent
from aelab.lessons import frames
from aelab.training import pipeline
from tests.app.conftest import Scrubber, train

DENOISING = "app_pages/denoising.py"
MANIFOLD = "app_pages/manifold.py"
COLORIZATION = "app_pages/colorization.py"


def by_label(widgets, label):
    found = [w for w in widgets if w.label == label]
    assert found, f"no widget labelled {label!r}; have {[w.label for w in widgets]}"
    return found[0]


def chart(at, key):
    found = [c for c in at.get("plotly_chart") if key in c.proto.id]
    assert found, f"no chart with key {key!r}"
    return found[0].proto


def values(v):
    """A Plotly array from the figure JSON (large arrays travel base64-encoded)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def download_by_label(download, at, label):
    """`(file name, bytes)` of the download button with that label (the `download` fixture is in conftest.py)."""
    return download(by_label([b.proto for b in at.get("download_button")], label))


# 5. Robustness chart.


def test_denoising_robustness_chart_follows_the_slider_and_the_noise_kind(open_page):
    at = open_page(DENOISING)
    proto = chart(at, "noise_robustness")
    spec = json.loads(proto.spec)
    assert [t["name"] for t in spec["data"]] == ["noisy input", "denoised"] * 2
    assert spec["data"][1]["x"] == pytest.approx([i / 10 for i in range(11)])
    denoised_psnr = spec["data"][1]["y"]
    assert denoised_psnr == sorted(denoised_psnr, reverse=True)  # more noise, worse output
    assert all(d > n for d, n in zip(denoised_psnr, spec["data"][0]["y"], strict=True))  # tutorial noise: always helps
    assert {s["x0"] for s in spec["layout"]["shapes"]} == {0.5}  # the slider's σ
    assert json.loads(proto.config)["toImageButtonOptions"]["filename"] == "denoising_robustness_tutorial"

    at.session_state["sigma"] = 0.8  # As the scrubber's callback sets a settled σ.
    at.run()
    spec = json.loads(chart(at, "noise_robustness").spec)
    assert {s["x0"] for s in spec["layout"]["shapes"]} == {0.8}
    assert spec["data"][1]["y"] == denoised_psnr  # the same (cached) sweep; only the marker moved

    at.selectbox(key="noise_kind").set_value("salt_pepper").run()
    spec = json.loads(chart(at, "noise_robustness").spec)
    assert spec["data"][0]["y"][0] is None  # no noise at σ 0: infinite PSNR is left out
    assert spec["data"][1]["y"] != denoised_psnr


# 8. Export of the denoising rows.


def test_denoising_rows_download_as_one_labelled_png(open_page, download):
    at = open_page(DENOISING)
    name, data = download_by_label(download, at, "Download these rows (PNG)")
    assert name == "denoising_tutorial_sigma0.50_seed0.png"
    png = Image.open(io.BytesIO(data))
    assert png.format == "PNG"
    # Three columns of five 112-pixel digits, with room for the labels above and the scores below.
    assert png.width > 3 * 112 and png.height > 5 * 114

    by_label(at.slider, "Digits").set_value(2).run()
    smaller = Image.open(io.BytesIO(download_by_label(download, at, "Download these rows (PNG)")[1]))
    assert smaller.height < png.height


# 6. Training you can watch.


def test_training_shows_the_latent_scatter_and_replays_it_by_epoch(open_page):
    at = train(open_page(), 2, 1000)
    job = at.session_state["aelab"].jobs["ae2d"]
    [sc] = [
        Scrubber(at, e.proto.id.rsplit("-", 1)[-1]) for e in at.get("bidi_component") if "replay_scrub_" in e.proto.id
    ]
    # Every epoch's scatter sent once, switched in the browser (app_pages/_scrubber.py); the last one shown first.
    assert sc.data["label"] == "Epoch shown" and sc.data["stops"] == ["0 (untrained)", "1", "2"]
    assert sc.data["value"] == 2 and sc.data["numbers"] == [0, 1, 2]
    assert [sc.text(sc.data["note"], s) for s in (0, 2)] == [
        "2,000 test digits before training",
        "2,000 test digits after epoch 2",
    ]
    cell = sc.data["rows"][0]["cells"][0]
    untrained, trained = sc.picture(0, cell), sc.picture(2, cell)
    assert untrained.shape == (520, 640, 3) and (untrained != trained).mean() > 0.01  # The codes moved.
    # A frame is the epoch's own scatter, drawn as the download draws it (on a palette of 256 colours).
    own = np.asarray(
        Image.open(io.BytesIO(frames.snapshot_png(job.snapshots()[2][1], job.snapshot_labels))).convert("RGB")
    )
    assert np.abs(trained.astype(int) - own).mean() < 2

    at.session_state[f"replay_{job.id}"] = 0  # As the scrubber's callback sets a settled epoch.
    at.run()
    [button] = [b for b in at.get("download_button") if "replay_png_" in b.proto.id]
    assert button.proto.label == "This epoch's latent space (PNG)"


# 7. Shareable state.


def test_a_link_sets_the_denoising_widgets_and_moves_follow_in_the_url(open_page):
    at = open_page(DENOISING, query={"noise": "gaussian", "sigma": "0.8", "digits": "3", "seed": "7"})
    assert at.selectbox(key="noise_kind").value == "gaussian"
    sc = Scrubber(at, "sigma_scrub")
    assert sc.data["stops"][sc.data["value"]] == "0.80"
    assert by_label(at.slider, "Digits").value == 3
    assert at.session_state["aelab"].seeds["denoise"] == 7
    # Three digits, each a row of original | noisy | denoised in the scrubber (app_pages/_scrubber.py).
    assert [len(r["cells"]) for r in sc.data["rows"]] == [3, 3, 3]

    at.selectbox(key="noise_kind").set_value("salt_pepper").run()
    # digits is bound by Streamlit (bind="query-params"): the browser writes it (e2e test), the page writes the
    # rest (sigma: the scrubber's settled value) without disturbing it.
    assert at.query_params == {"noise": "salt_pepper", "sigma": "0.8", "digits": "3", "seed": "7"}
    at.button(key="noise_new").click().run()
    assert at.query_params["seed"] == "8" and at.query_params["sigma"] == "0.8"


@pytest.mark.parametrize(
    "query",
    [
        {"noise": "<script>", "sigma": "nan", "digits": "1e9", "seed": "-5"},
        {"noise": "", "sigma": "inf", "digits": "two", "seed": "x" * 5000},
        {"sigma": "7", "digits": "-3"},
    ],
)
def test_a_bad_link_is_ignored_or_clamped_never_a_traceback(open_page, query):
    at = open_page(DENOISING, query=query)
    assert not at.exception and not at.error
    sigma, digits = at.session_state["sigma"], by_label(at.slider, "Digits").value
    sc = Scrubber(at, "sigma_scrub")
    assert sc.data["stops"][sc.data["value"]] == f"{sigma:.2f}"
    assert 0.0 <= sigma <= 1.0 and 1 <= digits <= 10
    assert at.selectbox(key="noise_kind").value == "tutorial"
    if query.get("sigma") == "7":
        assert (sigma, digits) == (1.0, 1)  # out of range: clamped, as the README says (Streamlit would ignore them)
    if query.get("digits") == "1e9":
        assert digits == 5  # not a whole number: the default
    assert at.session_state["aelab"].seeds["denoise"] == 0  # a negative seed is clamped, a huge value ignored


def test_a_link_opens_the_manifold_at_a_point(open_page):
    at = open_page(MANIFOLD, query={"model": "vae", "grid": "12", "z0": "-2,2", "z1": "3,-1", "pick": "1.5,-0.5"})
    assert at.radio(key="manifold_kind").value == "vae2d"
    assert by_label(at.slider, "Grid size (digits per side)").value == 12
    assert by_label(at.slider, "z0 range").value == (-2.0, 2.0)
    assert by_label(at.slider, "z1 range").value == (-1.0, 3.0)  # put in order
    assert (by_label(at.slider, "Pick z0").value, by_label(at.slider, "Pick z1").value) == (1.5, -0.5)
    assert "decoded from z = (1.5, -0.5)" in at.image[0].captions[0]

    by_label(at.slider, "Pick z1").set_value(2.0).run()
    assert at.query_params["pick"] == "1.5,2" and at.query_params["grid"] == "12"
    # The link's values are in VAE units: the AE starts from its own ranges (where its digits are).
    at.radio(key="manifold_kind").set_value("ae2d").run()
    assert not at.exception
    assert by_label(at.slider, "Grid size (digits per side)").value == 30
    (x_test, _), ae = data.load_mnist()[1], checkpoints.load("ae2d")
    own = latent.percentile_range(latent.encode(ae, x_test))
    assert (by_label(at.slider, "z0 range").value, by_label(at.slider, "z1 range").value) == own
    assert own != ((-2.0, 2.0), (-1.0, 3.0))  # not the link's VAE ranges
    assert at.query_params["model"] == "ae"
    assert json.loads(chart(at, "manifold").config)["toImageButtonOptions"]["filename"].startswith("manifold_ae2d")


def test_a_link_sets_the_models_page_and_the_colorization_sample(open_page):
    at = open_page(query={"model": "vae"})
    assert at.radio(key="models_kind").value == "vae2d"
    assert at.query_params == {"model": "vae"}

    at = open_page(COLORIZATION, query={"class": "ship", "images": "2", "seed": "3"})
    assert at.selectbox(key="color_class").value == "ship"
    assert by_label(at.slider, "Images").value == 2
    # One row per image in the vividness scrubber, titled by class and number.
    rows = [r["caption"][0] for r in Scrubber(at, "t_scrub").data["rows"]]
    assert len(rows) == 2 and all(c.startswith("ship #") for c in rows)
    assert at.query_params == {"class": "ship", "images": "2", "seed": "3"}


def test_a_link_can_name_a_saved_model_and_a_missing_one_is_reported(open_page, user_dir):
    # A tiny saved VAE, as a teacher would have saved it from the Models page.
    cfg = pipeline.TrainConfig(model="vae2d", epochs=1)
    checkpoints.save(pipeline.build_model(cfg), "lesson3", {"kind": "vae2d", "config": {"model": "vae2d"}}, user_dir)
    at = open_page(query={"vae": "lesson3", "ae": "no_such_model"})
    assert not at.exception
    assert {k: str(c) for k, c in at.session_state["aelab"].active.items()} == {
        "ae2d": "shipped",
        "vae2d": "saved:lesson3",
    }
    assert "saved model 'lesson3'" in " ".join(m.value for m in at.sidebar.markdown)
    assert "no_such_model" in at.toast[0].value  # said once, not a traceback
    assert at.query_params == {"model": "ae", "vae": "lesson3"}  # the page's own link keeps the saved VAE

    at.query_params.clear()  # As a browser does on a change of page.
    at.switch_page(MANIFOLD).run()
    assert at.query_params["vae"] == "lesson3" and "ae" not in at.query_params
    assert "saved model 'lesson3'" in at.caption[0].value


def test_a_link_opens_the_latent_space_on_a_tab_with_a_selection(open_page):
    query = {"tab": "interpolate", "a": "10", "b": "13", "steps": "5", "rows": "3,10,13,99999"}
    at = open_page("app_pages/latent_space.py", query=query)
    assert at.session_state["latent_tab"] == "Interpolate"
    assert at.session_state["aelab"].rows == [3, 10, 13]  # a row past the test set is dropped
    assert (at.number_input(key="interp_a").value, at.number_input(key="interp_b").value) == (10, 13)
    assert at.slider(key="steps").value == 5
    at.number_input(key="interp_a").set_value(11).run()  # inside a fragment: the URL follows too
    # `steps` is bound by Streamlit (bind="query-params"): its browser side writes it, so AppTest keeps the link's.
    # `step` is the step scrubber's settled step (1 until it moves).
    assert at.query_params == {"tab": "interpolate", "rows": "3,10,13", "a": "11", "b": "13", "steps": "5", "step": "1"}

    at = open_page("app_pages/latent_space.py", query={"tab": "vae", "scale": "20", "samples": "4", "prior_seed": "42"})
    assert Scrubber(at, "scale_scrub").data["value"] == 4 and at.slider(key="samples").value == 4  # 20×
    assert "4 points from N(0, I), decoded (seed 42)" in [i.captions[0] for i in at.image]

    at = open_page("app_pages/latent_space.py", query={"tab": "nope", "rows": "1,two", "a": "-1"})
    assert not at.exception and at.session_state["latent_tab"] == "Explore" and at.session_state["aelab"].rows == []
