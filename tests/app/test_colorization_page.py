"""The Colorization page: the vividness slider, the MSE column beside it, the chart's marker, uploads."""

import io
import json
import re

import numpy as np
from PIL import Image

from aelab import checkpoints

PAGE = "app_pages/colorization.py"


def chart_spec(at):
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def marker(at):
    """The T of the chart's dotted line (one per panel) and the label beside it."""
    spec = chart_spec(at)
    xs = {shape["x0"] for shape in spec["layout"]["shapes"]}
    labels = [a["text"] for a in spec["layout"]["annotations"] if a["text"].startswith("T = ")]
    return xs, labels


def colourfulness_in_captions(images, name):
    """The colourfulness M each row's caption gives for one of its guesses."""
    pattern = re.compile(re.escape(name) + r"[^·]*?M (\d+)")
    return [int(pattern.search(img.captions[0]).group(1)) for img in images]


def picture_urls(at):
    return [img.proto.imgs[0].url for img in at.image]


def test_the_slider_changes_the_pictures_and_moves_the_marker(open_page):
    at = open_page(PAGE, query={"seed": "4", "images": "6"})
    slider = at.select_slider(key="t")
    default = float(slider.value)
    assert default == checkpoints.load("colorizer").temperature  # The page opens at the model's own T.
    assert len(at.image) == 6  # One picture per image row.
    assert marker(at) == ({default}, [f"T = {default:.2f}"])
    before, captions = picture_urls(at), [img.captions[0] for img in at.image]

    slider.set_value("0.05").run()
    assert not at.exception
    assert marker(at) == ({0.05}, ["T = 0.05"])
    after = picture_urls(at)
    assert all(a != b for a, b in zip(after, before, strict=True))  # Every row's colours changed,
    assert all("colorized (T = 0.05) " in img.captions[0] for img in at.image)  # and so did their scores.
    assert [img.captions[0] for img in at.image] != captions
    # Over the chart's test images, the vivid end is the more colourful one.
    ratio = next(tr for tr in chart_spec(at)["data"] if tr["xaxis"] == "x2" and tr["name"] == "colorizer")
    assert ratio["y"][-1] > ratio["y"][0] and ratio["x"][-1] == 0.05
    assert at.query_params["t"] == "0.05"  # A link keeps the vividness.


def test_the_mse_column_can_be_switched_off(open_page):
    at = open_page(PAGE, query={"images": "2"})
    assert all(" MSE " in img.captions[0] for img in at.image)
    at.toggle(key="mse").set_value(False).run()
    assert not at.exception
    assert all(" MSE " not in img.captions[0] for img in at.image) and len(at.image) == 2


def test_a_link_opens_at_its_vividness(open_page):
    at = open_page(PAGE, query={"t": "0.1"})
    assert at.select_slider(key="t").value == "0.1"
    assert marker(at)[0] == {0.1}


def test_an_upload_is_shown_beside_its_colorization_with_psnr(open_page):
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((48, 64, 3)) * 255).astype("uint8")).save(buf, format="PNG")
    at = open_page(PAGE)
    at.file_uploader(key="color_upload").upload("photo.png", buf.getvalue(), "image/png").run()
    assert not at.exception and not at.error
    mine = [img for img in at.image if img.captions[0].startswith("your photo ·")]
    assert len(mine) == 1
    assert re.search(r"colorized \(T = [\d.]+\) [\d.]+ dB", mine[0].captions[0])
    at.select_slider(key="t").set_value("0.05").run()
    after = [img for img in at.image if img.captions[0].startswith("your photo ·")]
    assert after[0].proto.imgs[0].url != mine[0].proto.imgs[0].url  # The slider acts on uploads too.
    assert "colorized (T = 0.05) " in after[0].captions[0]
