"""AppTest tests for the Latent space page's teaching features.

Your digit (draw or upload), interpolation, linked AE/VAE selection, VAE
posteriors and prior samples, and the PNG/GIF downloads of their figures.
"""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image
from streamlit.proto.WidgetStates_pb2 import WidgetState

from aelab import checkpoints, data
from aelab.data import images
from aelab.inference import latent
from aelab.lessons import posterior
from tests.app.conftest import Scrubber

PAGE = "app_pages/latent_space.py"


@pytest.fixture(scope="module")
def mnist(data_dir):
    (_, _), (x, y) = data.load_mnist(data_dir)
    return x, y


@pytest.fixture(scope="module")
def models(checkpoint_dir):
    return {kind: checkpoints.load(kind, checkpoint_dir) for kind in ("ae2d", "vae2d")}


def open_tab(open_page, tab):
    at = open_page(PAGE)
    at.session_state["latent_tab"] = tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def spec(chart):
    return json.loads(chart.proto.spec)


def values(v):
    """A trace's array from the figure's JSON: Plotly sends NumPy arrays as base64 typed arrays."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).reshape(v.get("shape", -1))
    return np.asarray(v)


def trace(chart, name):
    """One trace of a chart by its name, with its x and y as arrays."""
    found = [t for t in spec(chart)["data"] if t.get("name") == name]
    assert found, f"no trace {name!r}; have {[t.get('name') for t in spec(chart)['data']]}"
    return {**found[0], "x": values(found[0]["x"]), "y": values(found[0]["y"])}


def buttons(at):
    return {b.proto.label: b for b in at.get("download_button")}


def draw(at, data_url):
    """Reruns as if the drawing pad sent a finished stroke (what its JavaScript sends)."""
    pad = [e for e in at.main if getattr(e, "type", None) == "bidi_component"]
    pad = pad or [e for e in _walk(at.main) if getattr(e, "type", None) == "bidi_component"]
    states = at._tree.get_widget_states()
    state = WidgetState(id=pad[0].proto.id)
    state.json_value = json.dumps({"image": data_url})
    states.widgets.append(state)
    return at._run(states)


def _walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def upload_png(digit):
    """A real test digit as someone might upload it: dark on light, 280 px, blocky."""
    return images.to_png(images.enlarge(1.0 - digit, 10))


def landed(at, kind_index):
    return np.array([trace(at.get("plotly_chart")[kind_index], "your digit")[k][0] for k in ("x", "y")])


# 1. Draw or upload a digit: see where it lands.


def test_uploaded_digit_lands_where_the_model_puts_that_digit(open_page, mnist, models):
    x, y = mnist
    row = 0  # a 7
    at = open_tab(open_page, "Your digit")
    at.segmented_control(key="digit_source").set_value("Upload").run()
    at.file_uploader(key="digit_upload").upload("seven.png", upload_png(x[row]), "image/png").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.image[0].captions == ["what the models see: 28 × 28, centred like MNIST"]
    for i, kind in enumerate(("ae2d", "vae2d")):
        want = latent.encode(models[kind], x[row : row + 1])[0]
        got = landed(at, i)
        # The upload is a blocky 280-px copy, shrunk back by the preprocessing: near, not on, the digit's own
        # point (within 15 % of the map's spread; the vote below says it is among the 7s).
        spread = np.linalg.norm(latent.encode(models[kind], x[:500]).std(axis=0))
        assert np.linalg.norm(got - want) < 0.15 * spread, (kind, got, want)
    assert at.image[1].captions[0].startswith("yours | decoded from z = (")
    assert "Landed among **7s**" in " ".join(m.value for m in at.markdown)


def test_drawing_pad_digit_and_bad_inputs(open_page, mnist, models):
    x, _ = mnist
    at = open_tab(open_page, "Your digit")
    assert not at.image and not at.error  # nothing drawn yet
    # The pad sends white strokes on black, 280 px, as a PNG data URL.
    url = "data:image/png;base64," + base64.b64encode(images.to_png(images.enlarge(x[1], 10))).decode()
    draw(at, url)
    assert not at.exception and not at.error, [e.value for e in at.error]
    want = latent.encode(models["vae2d"], x[1:2])[0]
    assert np.linalg.norm(landed(at, 1) - want) < 0.15
    assert at.session_state["aelab"].drawings["digit_pad"] == url  # kept for when the tab is opened again

    blank = "data:image/png;base64," + base64.b64encode(images.to_png(np.zeros((280, 280)))).decode()
    draw(at, blank)
    assert not at.exception and "blank" in at.error[0].value
    draw(at, "data:image/png;base64,bm90IGFuIGltYWdl")  # "not an image"
    assert not at.exception and "not an image" in at.error[0].value


# 2. Interpolation, with its strip and GIF downloads.


def test_interpolation_path_strip_and_downloads(open_page, mnist, models, download):
    at = open_tab(open_page, "Interpolate")
    assert (at.number_input(key="interp_a").value, at.number_input(key="interp_b").value) == (3, 2)
    at.slider(key="steps").set_value(6).run()
    assert not at.exception
    assert [img.captions[0] for img in at.image] == ["A: row 3, a 0 | B: row 2, a 1"]
    # Each strip is a grid of its steps that wraps where the page is narrow (app_pages/_pictures.py, steps).
    strips = [h.proto.body for h in at.get("html") if "aelab-steps" in h.proto.body]
    assert len(strips) == 2
    for body, model in zip(strips, ("AE", "VAE"), strict=True):
        assert f"{model}: A → B in 6 steps" in body and body.count("<img ") == 6
    for i, kind in enumerate(("ae2d", "vae2d")):
        chart = at.get("plotly_chart")[i]
        path = trace(chart, "path")  # A short legend entry; the hover says "path A → B, 6 steps".
        assert path["hovertemplate"].startswith("path A → B, 6 steps<br>")
        ends = latent.encode(models[kind], mnist[0][[3, 2]])
        np.testing.assert_allclose([path["x"][0], path["y"][0]], ends[0], atol=1e-4)
        np.testing.assert_allclose([path["x"][-1], path["y"][-1]], ends[1], atol=1e-4)
        assert len(path["x"]) == 6
    files = buttons(at)
    assert {"AE strip (PNG)", "AE animation (GIF)", "VAE strip (PNG)", "VAE animation (GIF)"} <= set(files)
    strip = Image.open(io.BytesIO(download(files["VAE strip (PNG)"])[1]))
    assert strip.format == "PNG" and strip.size == ((6 * 30 - 2) * 3, 28 * 3)
    gif = Image.open(io.BytesIO(download(files["AE animation (GIF)"])[1]))
    assert gif.format == "GIF" and gif.n_frames == 10 and gif.info["loop"] == 0  # 6 there, 4 back


def test_interpolation_step_scrubber_has_every_step_of_both_paths_and_its_step_reaches_the_link(
    open_page, mnist, models
):
    at = open_tab(open_page, "Interpolate")
    at.slider(key="steps").set_value(6).run()
    sc = Scrubber(at, "interp_step_scrub")  # app_pages/_scrubber.py: every step sent once, switched in the browser.
    assert sc.data["label"] == "Step from A to B" and sc.data["stops"] == [f"{i} of 6" for i in range(1, 7)]
    assert sc.data["value"] == 0 and sc.data["numbers"] == [1, 2, 3, 4, 5, 6]
    cells = sc.data["rows"][0]["cells"]
    assert [sc.text(c["alt"], 2) for c in cells] == [
        "AE: the digit decoded at step 3 of 6",
        "VAE: the digit decoded at step 3 of 6",
    ]
    assert sc.text(sc.data["note"], 5) == "Step 6 of 6: 100% of the way from A (row 3) to B (row 2)"
    x, _ = mnist
    for k, kind in enumerate(("ae2d", "vae2d")):
        ends = latent.encode(models[kind], x[[3, 2]])
        # Each step's picture is the model's own decode of that point of the straight path, as the strips show.
        decoded = latent.decode(models[kind], np.linspace(0, 1, 6)[:, None] * (ends[1] - ends[0]) + ends[0])
        for s in (0, 2, 5):
            assert np.abs(sc.picture(s, cells[k]).astype(int) - images.to_uint8(decoded[s]).astype(int)).max() <= 1
        head = sc.text(sc.data["heads"][k], 5)
        assert head == f"{('AE', 'VAE')[k]}: z = ({ends[1][0]:.2f}, {ends[1][1]:.2f})"
    assert at.query_params["step"] == "1"

    at.session_state["interp_step"] = 4  # As the scrubber's callback sets a settled step.
    at.run()
    assert Scrubber(at, "interp_step_scrub").data["value"] == 3 and at.query_params["step"] == "4"
    at.slider(key="steps").set_value(3).run()  # Fewer steps: the step is held at the last one.
    assert Scrubber(at, "interp_step_scrub").data["value"] == 2 and at.query_params["step"] == "3"


def test_a_link_opens_the_interpolation_at_its_step(open_page):
    at = open_page(PAGE, query={"tab": "interpolate", "steps": "8", "step": "5"})
    assert not at.exception
    sc = Scrubber(at, "interp_step_scrub")
    assert len(sc.data["stops"]) == 8 and sc.data["value"] == 4
    assert open_page(PAGE, query={"tab": "interpolate", "step": "99"}).session_state["interp_step"] == 10  # Clamped.


def test_interpolation_ends_from_a_selection(open_page, select_points):
    at = open_page(PAGE)
    points = [{"curve_number": 0, "point_index": i, "customdata": row} for i, row in enumerate((13, 10))]
    select_points(at, at.get("plotly_chart")[0], points)
    at.session_state["latent_tab"] = "Interpolate"
    at.run()
    at.button(key="interp_use_selection").click().run()
    assert not at.exception
    assert (at.number_input(key="interp_a").value, at.number_input(key="interp_b").value) == (10, 13)


# 3. AE and VAE linked; the scatter's PNG download.


def test_selection_on_one_chart_highlights_the_same_digits_on_both(open_page, select_points, download):
    at = open_page(PAGE)
    rows = [3, 10, 13]
    points = [{"curve_number": 0, "point_index": i, "customdata": row} for i, row in enumerate(rows)]
    select_points(at, at.get("plotly_chart")[1], points)  # on the VAE chart
    assert not at.exception, [e.value for e in at.exception]
    ae_chart, vae_chart = at.get("plotly_chart")
    figure = spec(ae_chart)  # The other chart marks the same digits: faded others and rings.
    picked = sorted(
        int(values(t["customdata"])[i]) for t in figure["data"] if "customdata" in t for i in t["selectedpoints"]
    )
    assert picked == rows
    assert len(trace(ae_chart, "selected")["x"]) == 3
    # The chart that made the selection shows it itself (Plotly's own box and fading): its figure is
    # unchanged, so Streamlit does not send it again and the browser redraws one chart, not two.
    assert not any(t.get("selectedpoints") for t in spec(vae_chart)["data"])
    assert not any(t.get("name") == "selected" for t in spec(vae_chart)["data"])
    assert " ".join(m.value for m in at.markdown).count("**3 digits selected**") == 2
    assert [img.captions for img in at.image] == [["each pair: original | decoded from its (z0, z1)"]] * 2
    png = Image.open(io.BytesIO(download(at.get("download_button")[0])[1]))
    assert png.format == "PNG" and png.size == (1200, 1000)
    assert json.loads(at.get("plotly_chart")[0].proto.config)["toImageButtonOptions"]["format"] == "png"

    at.button(key="latent_clear").click().run()
    assert at.session_state["aelab"].rows == [] and len(at.info) == 2


# 4. VAE uncertainty and sampling.


def test_posterior_ellipses_and_prior_samples(open_page, select_points, mnist, models):
    at = open_tab(open_page, "VAE: uncertainty and sampling")
    assert "Select digits" in at.info[0].value and not at.image
    rows = [3, 10, 13]
    points = [{"curve_number": 0, "point_index": i, "customdata": row} for i, row in enumerate(rows)]
    select_points(at, at.get("plotly_chart")[0], points)
    assert not at.exception
    chart = at.get("plotly_chart")[0]
    one = trace(chart, "q(z|x) 1σ ×10")
    mean, log_var = posterior.posterior(models["vae2d"], mnist[0][rows])
    outline = np.array([one["x"][:49], one["y"][:49]], "float32").T  # the first digit's ellipse
    np.testing.assert_allclose(outline[:48].mean(axis=0), mean[0], atol=1e-3)  # the 49th closes it
    np.testing.assert_allclose(np.ptp(outline, axis=0) / 2, 10 * np.exp(0.5 * log_var[0]), rtol=0.02)
    assert "Posterior σ of the 3 digits drawn" in " ".join(m.value for m in at.markdown)

    # The scale's scrubber carries the outlines at every scale; the browser puts a stop's in these traces.
    sc = Scrubber(at, "scale_scrub")
    assert sc.data["stops"] == ["1×", "2×", "5×", "10×", "20×", "50×"] and sc.data["value"] == 3
    assert sc.text(sc.data["note"], 0) == "The ellipses are drawn at their true size."
    assert sc.text(sc.data["note"], 4) == "The ellipses are drawn 20× larger than they are."
    assert sc.data["traces"]["chart"] == "vae_scatter_uncertainty"
    for item, n_sigma in zip(sc.data["traces"]["items"], (1, 2), strict=True):
        assert item["match"] == f"q(z|x) {n_sigma}σ" and item["names"][4] == f"q(z|x) {n_sigma}σ ×20"
        sent = np.array([item["x"][4], item["y"][4]], "float64").T  # None (a break) becomes NaN
        np.testing.assert_allclose(sent, posterior.ellipses(mean, log_var, 20 * n_sigma), atol=1e-5)
    assert sc.data["traces"]["items"][0]["x"][3] == [
        None if np.isnan(v) else pytest.approx(v, abs=1e-5) for v in one["x"]
    ]  # The settled stop's outline is the chart's own.
    at.session_state["scale"] = 20  # As the scrubber's callback sets a settled scale.
    at.run()
    assert trace(at.get("plotly_chart")[0], "q(z|x) 1σ ×20") and at.query_params["scale"] == "20"

    at.slider(key="samples").set_value(5)
    at.button(key="prior_sample").click().run()
    seed = at.session_state["aelab"].prior_seed
    samples = trace(at.get("plotly_chart")[0], "prior samples")
    np.testing.assert_allclose(np.array([samples["x"], samples["y"]]).T, posterior.sample_prior(5, seed), atol=1e-6)
    assert at.image[0].captions == [f"5 points from N(0, I), decoded (seed {seed})"]
    at.button(key="prior_sample").click().run()
    assert at.session_state["aelab"].prior_seed != seed  # a new draw


def test_digits_selected_by_class_and_region_without_dragging(open_page, mnist):
    """The keyboard's way to select (WCAG 2.1.1): the same selection, mosaics and words as a box."""
    _x, y = mnist
    at = open_page(PAGE)
    at.multiselect(key="select_classes").set_value([7]).run()
    button = at.button(key="select_region")
    assert button.label == f"Select these {(y == 7).sum():,} digits"
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    rows = at.session_state["aelab"].rows
    assert len(rows) == (y == 7).sum() and set(y[rows]) == {7}
    assert " ".join(m.value for m in at.markdown).count(f"**{len(rows)} digits selected**") == 2
    words = [h.proto.body for h in at.get("html") if h.proto.body.startswith('<div class="aelab-described"')]
    assert len(words) == 2 and all(f"{len(rows):,} digits selected: {len(rows):,} × 7." in w for w in words), words
    assert all("7s lie" in w and 'aria-live="polite"' in w for w in words), words[0]


def test_a_photo_with_several_marks_says_which_was_used(open_page):
    from tests.unit.test_paper_photos import photo

    buf = io.BytesIO()
    Image.fromarray(np.round(photo("two marks") * 255).astype("uint8")).save(buf, format="JPEG", quality=90)
    at = open_tab(open_page, "Your digit")
    at.segmented_control(key="digit_source").set_value("Upload").run()
    at.file_uploader(key="digit_upload").upload("page.jpg", buf.getvalue(), "image/jpeg").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("the largest mark was used" in i.value for i in at.info), [i.value for i in at.info]
    assert at.image[0].captions == ["what the models see: 28 × 28, centred like MNIST"]
