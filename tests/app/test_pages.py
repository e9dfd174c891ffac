"""AppTest tests: every page runs, shows its widgets, and reacts to them."""

import ast
import io
import json
import pathlib
import re

import pytest
from PIL import Image

from aelab import shelf
from tests.app.conftest import Scrubber, train, train_one_epoch

APP = pathlib.Path(__file__).resolve().parents[2] / "app.py"


def navigation(app=APP):
    """The pages app.py routes to, read from its `st.Page(path, title=...)` calls: {path: title}."""

    def text(node):  # "Models" or _("Models") (a translated title: its English source)
        if isinstance(node, ast.Call) and node.args:
            node = node.args[0]
        return node.value if isinstance(node, ast.Constant) else None

    pages = {}
    for node in ast.walk(ast.parse(app.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            title = next((text(k.value) for k in node.keywords if k.arg == "title"), None)
            pages[text(node.args[0])] = title
    return pages


def url_paths(app=APP):
    """Where the browser opens each page of app.py: {path: URL path}.

    The first page is served at "/" (""); a page with `url_path=` at that; any other at its file's name.
    """
    paths = {}
    for node in ast.walk(ast.parse(app.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            given = next((k.value.value for k in node.keywords if k.arg == "url_path"), None)
            paths[node.args[0].value] = given or pathlib.Path(node.args[0].value).stem
    first = next(iter(paths))
    return {**paths, first: ""}


PAGES = navigation()
URL_PATHS = url_paths()


def grid_pictures(at):
    """The pictures of the page's inline grids (app_pages/_pictures.py): [(alt text, grey array)]."""
    import base64
    import re

    import numpy as np

    out = []
    for el in at.get("html"):
        for src, alt in re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', el.proto.body):
            out.append((alt, np.asarray(Image.open(io.BytesIO(base64.b64decode(src))))))
    return out


def test_every_page_of_the_navigation_is_tested():
    # The list comes from app.py itself, so a new page is tested (or fails here) without an edit.
    assert len(PAGES) >= 7 and all(path and title for path, title in PAGES.items())
    assert all((APP.parent / path).is_file() for path in PAGES)


def by_label(widgets, label):
    found = [w for w in widgets if w.label == label]
    assert found, f"no widget labelled {label!r}; have {[w.label for w in widgets]}"
    return found[0]


def metric(at, label):
    return by_label(at.metric, label).value


def summary(at, row):
    """A row of the model summary table on the Models page."""
    return at.table[0].value.loc[row].iloc[0]


def charts(at):
    return at.get("plotly_chart")


def grid_ends(spec):
    """The z0 of the left and right edges of a manifold figure's mosaic, as sent to the browser.

    The mosaic is a layout image in latent units, its edges half a cell beyond the outer cells' centres.
    """
    layout = json.loads(spec)["layout"]
    (image,) = layout["images"]
    assert (image["xref"], image["x"]) == ("x", layout["xaxis"]["range"][0])
    return image["x"], image["x"] + image["sizex"]


@pytest.mark.parametrize("path", PAGES)
def test_page_runs_without_errors(open_page, path):
    at = open_page(path)
    assert at.title[0].value == PAGES[path]
    assert not at.error, [e.value for e in at.error]
    assert len(at.markdown[0].value) > 0  # the page's introduction
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "**AE**: shipped checkpoint" in sidebar and "**VAE**: shipped checkpoint" in sidebar


def test_models_page_shows_summary_and_training_form(open_page):
    at = open_page()
    assert at.radio(key="models_kind").value == "ae2d"
    assert int(summary(at, "Parameters").replace(",", "")) > 0
    assert summary(at, "Test PSNR").endswith("dB")
    for label in ("Epochs", "Batch size", "Training images", "Learning rate"):
        by_label(list(at.slider) + list(at.select_slider), label)
    assert by_label(at.selectbox, "Optimizer").options == ["adam", "sgd", "rmsprop", "adagrad"]
    assert at.button(key="train_ae2d").label == "Train"

    at.radio(key="models_kind").set_value("vae2d").run()
    assert not at.exception
    assert "Test −ELBO (nats)" in at.table[0].value.index


def test_train_save_and_load_back(open_page, user_dir):
    at = train_one_epoch(open_page(), timeout=180)
    assert str(at.session_state["aelab"].active["ae2d"]) == "session"
    assert "trained in this session" in " ".join(m.value for m in at.sidebar.markdown)
    assert summary(at, "Training data") == "1,000 MNIST images"

    # A name that could leave its folder is refused with a message.
    at.text_input(key="save_name_ae2d").input("../evil")
    at.button(key="save_ae2d").click().run()
    assert "Invalid checkpoint name" in at.error[0].value
    assert not user_dir.exists() or not any(user_dir.iterdir())

    at.text_input(key="save_name_ae2d").input("class_demo")
    at.button(key="save_ae2d").click().run()
    assert not at.error and "Saved as 'class_demo'" in at.success[-1].value
    assert (user_dir / "class_demo.keras").is_file() and (user_dir / "class_demo.json").is_file()

    # The same name is not overwritten.
    at.button(key="save_ae2d").click().run()
    assert "already exists" in at.error[0].value

    # Load it back, in a new session.
    at = open_page()
    use = by_label(at.selectbox, "Use")
    assert "saved model 'class_demo'" in use.options
    use.set_value(shelf.Choice("ae2d", "saved", "class_demo")).run()
    assert not at.exception and not at.error
    assert str(at.session_state["aelab"].active["ae2d"]) == "saved:class_demo"
    assert "saved model 'class_demo'" in " ".join(m.value for m in at.sidebar.markdown)
    assert summary(at, "Epochs") == "1"


def test_stop_keeps_the_model_trained_so_far(open_page, stop_when):
    # A Stop click arrives while the job runs; here it comes with its first epoch.
    stop_when(lambda msg: msg["kind"] == "epoch")
    at = train(open_page(), 20, 1000)
    # The worker sees the Stop between epochs ("stopped early") or during the next one (which it then names).
    assert "(stopped early)" in at.success[0].value or "(stopped during epoch 2)" in at.success[0].value
    assert str(at.session_state["aelab"].active["ae2d"]) == "session"
    assert summary(at, "Epochs").endswith(("(stopped early)", "(stopped during epoch 2)"))
    assert int(summary(at, "Epochs").split()[0]) < 20


def test_a_stop_during_an_epoch_says_so(open_page, stop_when):
    # The Stop click arrives while epoch 2 runs (its first batch report): Keras still ends that epoch with
    # its logs, and the page must not count it as a full one.
    stop_when(lambda msg: msg["kind"] == "batch" and msg["epoch"] == 1 and msg["batch"] > 0)
    at = train(open_page(), 5, 10000)
    job = at.session_state["aelab"].jobs["ae2d"]
    assert job.partial_epoch == 2 and len(job.history["loss"]) == 2
    assert "Trained 1 epoch (stopped during epoch 2) in" in at.success[0].value
    assert summary(at, "Epochs") == "1 (stopped during epoch 2)"
    assert "(1 epoch)" in " ".join(m.value for m in at.sidebar.markdown)
    assert any("circle-open" in c.proto.spec for c in at.get("plotly_chart"))  # the loss curve's partial point


def test_latent_space_selection_shows_originals_and_reconstructions(open_page, select_points):
    at = open_page("app_pages/latent_space.py")
    ae_chart, vae_chart = charts(at)
    assert ae_chart.proto.spec.count('"type":"scattergl"') == 10
    assert len(at.info) == 2 and not at.image  # nothing selected yet

    # What the browser sends for a box around the points of test rows 3, 10 and 13.
    points = [{"curve_number": 0, "point_index": i, "customdata": row} for i, row in enumerate((3, 10, 13))]
    select_points(at, vae_chart, points)
    assert not at.exception, [e.value for e in at.exception]
    assert "**3 digits selected**" in " ".join(m.value for m in at.markdown)
    # The selection is shared: the AE column shows the same digits (tests/app/test_latent_features.py).
    assert [img.captions for img in at.image] == [["each pair: original | decoded from its (z0, z1)"]] * 2
    assert not at.info


def test_manifold_sliders_change_the_picture(open_page):
    at = open_page("app_pages/manifold.py")
    assert at.radio[0].value == "vae2d"
    assert by_label(at.slider, "z0 range").value == (-4.0, 4.0)
    manifold = charts(at)[0].proto.spec
    lo, hi = grid_ends(manifold)  # The mosaic is placed in latent units: its cells' centres run from -4 to 4.
    n = by_label(at.slider, "Grid size (digits per side)").value
    half = (hi - lo) / n / 2
    assert lo + half == pytest.approx(-4.0) and hi - half == pytest.approx(4.0)
    digit = at.image[0].value[0]
    png = at.get("download_button")[0]
    assert png.proto.label.startswith("Download")

    by_label(at.slider, "Pick z0").set_value(2.0).run()
    assert at.image[0].value[0] != digit  # a new decoded digit
    assert "decoded from z = (2.0, 0.0)" in at.image[0].captions[0]
    assert charts(at)[0].proto.spec != manifold  # the cross moved

    by_label(at.slider, "Grid size (digits per side)").set_value(5).run()
    small = charts(at)[0].proto.spec
    assert json.loads(small)["layout"]["xaxis"]["range"] == [-5.0, 5.0]  # 5 cells 2 apart, centres -4 to 4

    by_label(at.slider, "z0 range").set_value((-1.0, 1.0)).run()
    assert not at.exception
    lo, hi = grid_ends(charts(at)[0].proto.spec)
    n = by_label(at.slider, "Grid size (digits per side)").value
    assert charts(at)[0].proto.spec != small and lo + (hi - lo) / n / 2 == pytest.approx(-1.0)


def test_manifold_for_the_ae_uses_its_own_range(open_page):
    at = open_page("app_pages/manifold.py")
    at.radio[0].set_value("ae2d").run()
    assert not at.exception and not at.error
    lo, hi = by_label(at.slider, "z0 range").value
    assert lo < hi


def test_denoising_sigma_changes_the_psnr(open_page):
    at = open_page("app_pages/denoising.py")
    sc = Scrubber(at, "sigma_scrub")  # The σ slider and every stop's pictures and numbers (app_pages/_scrubber.py).
    assert sc.data["label"] == "Noise level σ" and len(sc.data["stops"]) == 21 and sc.data["stops"][10] == "0.50"
    assert sc.data["value"] == 10
    assert [m[0] for m in sc.data["metrics"][10]] == ["PSNR noisy", "PSNR denoised", "SSIM noisy", "SSIM denoised"]
    # One row per digit (5 by default): original | noisy | denoised.
    rows = sc.data["rows"]
    alts = [sc.text(c["alt"], 10) for r in rows for c in r["cells"]]
    # Each picture is named by the digit it shows and its column ("digit 7, noisy, σ = 0.50").
    digit = alts[0].split(",")[0]
    assert re.fullmatch(r"digit \d", digit) and len(alts) == 15
    assert alts[:3] == [f"{digit}, original", f"{digit}, noisy, σ = 0.50", f"{digit}, denoised"]
    at_05 = sc.data["metrics"][10], sc.picture(10, rows[0]["cells"][2])
    at_09 = sc.data["metrics"][18], sc.picture(18, rows[0]["cells"][2])
    assert at_09[0][1][1:3] != at_05[0][1][1:3]  # the denoised PSNR (or its gain over the noisy one) moves
    assert (at_09[1] != at_05[1]).any()  # a new denoised picture
    assert float(at_09[0][0][1].split()[0]) < float(at_05[0][0][1].split()[0])  # more noise, lower PSNR

    # A settled σ (what the scrubber's callback sets) is the page's: the chart's marker and the link follow.
    at.session_state["sigma"] = 0.9
    at.run()
    assert Scrubber(at, "sigma_scrub").data["value"] == 18 and at.query_params["sigma"] == "0.9"

    # Zero-mean noise of strength 0 leaves the digits as they are: no infinite PSNR shown.
    at.selectbox(key="noise_kind").set_value("gaussian").run()
    sc = Scrubber(at, "sigma_scrub")
    assert not at.exception
    assert sc.data["metrics"][0][0][1] == "identical" and not sc.data["metrics"][0][1][2]

    original = sc.picture(0, sc.data["rows"][0]["cells"][0])
    at.button(key="noise_new").click().run()
    sc = Scrubber(at, "sigma_scrub")
    assert (sc.picture(0, sc.data["rows"][0]["cells"][0]) != original).any()  # new digits
    at.selectbox(key="noise_kind").set_value("salt_pepper").run()
    assert not at.exception


def png_bytes(size=(40, 30), mode="RGB", color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_colorization_class_filter_and_upload(open_page):
    at = open_page("app_pages/colorization.py")
    # One row per image (gray · colorized · MSE · original) in the vividness scrubber, its scores in the caption.
    captions = [r["caption"][0] for r in Scrubber(at, "t_scrub").data["rows"]]
    assert len(captions) == 6
    assert all(" · gray " in c and " dB, M " in c and " · original M " in c for c in captions)

    at.selectbox(key="color_class").set_value("ship").run()
    captions = [r["caption"][0] for r in Scrubber(at, "t_scrub").data["rows"]]
    assert len(captions) == 6 and all(c.startswith("ship #") for c in captions)

    at.file_uploader(key="color_upload").upload("photo.png", png_bytes(), "image/png").run()
    assert not at.exception and not at.error
    captions = [img.captions[0] for img in at.image]
    assert {"gray, 32x32", "colorized, 32x32", "your photo, 32x32"} <= set(captions)
    assert Scrubber(at, "t_scrub_upload").data["rows"][0]["caption"][0].startswith("your photo · gray ")


@pytest.mark.parametrize(
    "name, payload, mime",
    [
        ("notes.png", b"this is not an image", "image/png"),
        ("empty.jpg", b"", "image/jpeg"),
        ("half.png", png_bytes(size=(64, 64), color=(1, 2, 3))[:60], "image/png"),
    ],
)
def test_colorization_bad_upload_is_an_error_not_a_traceback(open_page, name, payload, mime):
    at = open_page("app_pages/colorization.py")
    at.file_uploader(key="color_upload").upload(name, payload, mime).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    assert any(word in at.error[0].value for word in ("not an image", "empty", "damaged"))
