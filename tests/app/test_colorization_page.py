"""The Colorization page: the vividness slider, the MSE column beside it, the chart's marker, uploads."""

import io
import json
import re

import numpy as np
from PIL import Image

from aelab import checkpoints
from tests.app.conftest import Scrubber

PAGE = "app_pages/colorization.py"


def chart_spec(at):
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def marker(at):
    """The T of the chart's dotted line (one per panel) and the label beside it."""
    spec = chart_spec(at)
    xs = {shape["x0"] for shape in spec["layout"]["shapes"]}
    labels = [a["text"] for a in spec["layout"]["annotations"] if a["text"].startswith("T = ")]
    return xs, labels


def scrubber(at, key="t_scrub"):
    return Scrubber(at, key)


def test_every_stop_is_sent_and_a_settled_t_moves_the_marker(open_page):
    at = open_page(PAGE, query={"seed": "4", "images": "6"})
    sc = scrubber(at)
    default = float(at.session_state["t"])
    assert default == checkpoints.load("colorizer").temperature  # The page opens at the model's own T.
    assert sc.data["stops"][sc.data["value"]] == f"T = {default:g}"
    assert len(sc.data["rows"]) == 6 and len(sc.data["stops"]) == 11  # One row per image, every T.
    assert marker(at) == ({default}, [f"T = {default:.2f}"])
    assert sc.data["marker"]["chart"] == "color_curve" and sc.data["marker"]["values"][-1] == 0.05
    first, last = sc.data["rows"][0]["cells"][1], len(sc.data["stops"]) - 1
    # Every row's colours differ between the ends, and so do their scores.
    assert all((sc.picture(0, r["cells"][1]) != sc.picture(last, r["cells"][1])).any() for r in sc.data["rows"])
    assert all("colorized (T = 0.05) " in r["caption"][last] for r in sc.data["rows"])
    assert sc.picture(0, first).shape == (32, 32, 3)

    at.session_state["t"] = "0.05"  # As the scrubber's callback sets a settled T.
    at.run()
    assert not at.exception
    assert marker(at) == ({0.05}, ["T = 0.05"])
    assert scrubber(at).data["value"] == last
    # Over the chart's test images, the vivid end is the more colourful one.
    ratio = next(tr for tr in chart_spec(at)["data"] if tr["xaxis"] == "x2" and tr["name"] == "colorizer")
    assert ratio["y"][-1] > ratio["y"][0] and ratio["x"][-1] == 0.05
    assert at.query_params["t"] == "0.05"  # A link keeps the vividness.


def test_the_mse_column_can_be_switched_off(open_page):
    at = open_page(PAGE, query={"images": "2"})
    assert all(" MSE " in r["caption"][0] and len(r["cells"]) == 4 for r in scrubber(at).data["rows"])
    at.toggle(key="mse").set_value(False).run()
    assert not at.exception
    rows = scrubber(at).data["rows"]
    assert all(" MSE " not in r["caption"][0] and len(r["cells"]) == 3 for r in rows) and len(rows) == 2


def test_a_link_opens_at_its_vividness(open_page):
    at = open_page(PAGE, query={"t": "0.1"})
    sc = scrubber(at)
    assert sc.data["stops"][sc.data["value"]] == "T = 0.1"
    assert marker(at)[0] == {0.1}


def test_an_upload_is_shown_beside_its_colorization_with_psnr(open_page):
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((48, 64, 3)) * 255).astype("uint8")).save(buf, format="PNG")
    at = open_page(PAGE)
    at.file_uploader(key="color_upload").upload("photo.png", buf.getvalue(), "image/png").run()
    assert not at.exception and not at.error
    sc = scrubber(at, "t_scrub_upload")
    (row,) = sc.data["rows"]
    assert all(re.search(r"^your photo · .*colorized \(T = [\d.]+\) [\d.]+ dB", c) for c in row["caption"])
    # The scrubber acts on uploads too: every T of the photo is there, and the ends differ.
    assert (sc.picture(0, row["cells"][1]) != sc.picture(len(sc.data["stops"]) - 1, row["cells"][1])).any()
    # The upload at its own size, downloadable (aelab.lessons.full_size).
    assert any(c.startswith("at full size (64 × 48)") for img in at.image for c in img.captions)
    assert at.get("download_button")
