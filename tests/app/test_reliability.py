"""What a classroom does to the app: odd uploads, broken checkpoints, odd names, classroom mode, two sessions.

The files are made by tests/unit/test_bad_uploads.py's factories; each bad one
must give a readable message on the page and never an exception, and the
other pages must keep working.
"""

import json
import os
import pathlib
import re
import shutil

import keras
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from aelab import checkpoints, shelf
from aelab.data import images
from tests.unit import test_bad_uploads as files

REPO = pathlib.Path(__file__).resolve().parents[2]
COLOR = "app_pages/colorization.py"


def texts(elements):
    return " ".join(e.value for e in elements)


def upload(at, name, data, mime="image/png"):
    at.file_uploader(key="color_upload").upload(name, data, mime).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# (file name, bytes, words of the error)
REFUSED = [
    ("homework.png", files.text_file, "not an image"),
    ("archive.png", files.zip_file, "not an image"),
    ("empty.png", lambda: b"", "empty (0 bytes)"),
    ("half.jpg", lambda: files.truncated("JPEG"), "damaged or incomplete"),
    ("bomb.png", lambda: files.png_declaring(50000, 50000), "too large to decode safely"),
    ("strip.png", lambda: files.encode(files.noise_rgb((4000, 10))), "too long and thin to use"),
]


@pytest.mark.parametrize("name, make, words", REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_upload_gives_an_error_on_the_page(open_page, name, make, words):
    at = upload(open_page(COLOR), name, make())
    assert len(at.error) == 1 and words in at.error[0].value
    assert not [img for img in at.image if img.captions[0].startswith("colorized, 32x32")]
    # The page goes on working: the test images are still there and still react.
    at.selectbox(key="color_class").set_value("cat").run()
    assert not at.exception and len(at.error) == 1
    assert all(c.startswith("original: cat #") for img in at.image for c in img.captions if c.startswith("original"))


# (file name, bytes, words of the note)
CONVERTED = [
    ("animated.gif", lambda: files.animated("GIF"), "animated GIF with 3 frames: only the first one is used"),
    ("animated.png", lambda: files.animated("PNG"), "animated PNG with 3 frames: only the first one is used"),
    ("logo.png", files.rgba_half_transparent, "transparent parts: they are shown on white"),
    ("scan.png", files.sixteen_bit_gray, "16-bit gray image"),
    ("banner.png", lambda: files.encode(files.noise_rgb((150, 10))), "only its centre 10x10 square is used"),
]


@pytest.mark.parametrize("name, make, words", CONVERTED, ids=[r[0] for r in CONVERTED])
def test_converted_upload_is_colorized_and_the_page_says_what_changed(open_page, name, make, words):
    mime = "image/gif" if name.endswith(".gif") else "image/png"
    at = upload(open_page(COLOR), name, make(), mime)
    assert not at.error, [e.value for e in at.error]
    assert words in texts(at.info)
    captions = {img.captions[0] for img in at.image}
    assert {"gray, 32x32", "colorized, 32x32"} <= captions


def test_page_says_what_it_accepts_and_config_matches(open_page):
    at = open_page(COLOR)
    assert "Accepted: PNG, JPEG or GIF, at most 10 MB and 25 megapixels" in texts(at.caption)
    # tomllib needs Python 3.11; the line is simple enough to read directly.
    config = (REPO / ".streamlit" / "config.toml").read_text()
    # The server takes a little more than aelab accepts, so that a file too large gets aelab's sentence.
    server_mb = int(re.search(r"^maxUploadSize = (\d+)$", config, re.M).group(1))
    assert server_mb == images.SERVER_UPLOAD_MB and server_mb * 2**20 > images.MAX_UPLOAD_BYTES


# Broken checkpoints.


def shipped_copy(folder):
    """A checkpoint folder of links to the shipped files, to break one of them."""
    folder.mkdir()
    for f in (REPO / "checkpoints").iterdir():
        if f.suffix in (".keras", ".json"):
            (folder / f.name).symlink_to(f)
    return folder


def break_colorizer(folder, how):
    model, side = folder / "colorizer.keras", folder / "colorizer.json"
    if how == "missing":
        model.unlink()
    elif how == "truncated":
        data = model.read_bytes()
        model.unlink()
        model.write_bytes(data[: len(data) // 2])
    elif how == "sha256":
        meta = json.loads(side.read_text())
        side.unlink()
        side.write_text(json.dumps({**meta, "sha256": "0" * 64}))
    elif how == "lambda":
        for f in (model, side):
            f.unlink()
        inputs = keras.Input((32, 32, 1))
        evil = keras.Model(inputs, keras.layers.Lambda(lambda x: keras.ops.concatenate([x, x, x], -1))(inputs))
        checkpoints.save(evil, "colorizer", {}, folder)
    elif how == "other architecture":
        for f in (model, side):
            f.unlink()
        for f in ("dae.keras", "dae.json"):
            shutil.copy(folder / f, folder / f.replace("dae", "colorizer"))


BROKEN = [
    ("missing", "Checkpoint not found"),
    ("truncated", "does not match its sidecar (sha256 differs)"),
    ("sha256", "does not match its sidecar (sha256 differs)"),
    ("lambda", "is refused: it contains Python code (a Lambda layer"),
    ("other architecture", "holds a model of another architecture"),
]


@pytest.mark.parametrize("how, words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_checkpoint_is_a_message_and_other_pages_work(open_page, tmp_path, monkeypatch, how, words):
    folder = shipped_copy(tmp_path / "checkpoints")
    break_colorizer(folder, how)
    monkeypatch.setenv(checkpoints.CHECKPOINT_DIR_ENV, str(folder))

    at = open_page(COLOR)
    assert len(at.error) == 1, [e.value for e in at.error]
    assert words in at.error[0].value and "colorizer" in at.error[0].value
    assert "python -m aelab.train colorizer" in at.error[0].value  # how to rebuild it
    assert "\n" not in at.error[0].value and "\x1b" not in at.error[0].value  # one readable line, no colour codes
    assert not at.image  # the page stopped after the message

    for page in ("app_pages/manifold.py", "app_pages/denoising.py", "app_pages/models.py"):
        at.switch_page(page).run()
        assert not at.exception and not at.error, (page, [e.value for e in at.error])


def test_broken_saved_model_is_a_message_on_the_pages_that_use_it(open_page, user_dir):
    user_dir.mkdir()
    tiny = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    path = checkpoints.save(tiny, "class_model", {"kind": "ae2d"}, user_dir)
    data = pathlib.Path(path).read_bytes()
    pathlib.Path(path).write_bytes(data[:100])

    at = open_page()
    at.selectbox(key="use_ae2d_shipped").set_value(shelf.Choice("ae2d", "saved", "class_model")).run()
    assert not at.exception
    assert "does not match its sidecar" in texts(at.error) and "class_model" in texts(at.error)
    at.switch_page("app_pages/denoising.py").run()
    assert not at.exception and not at.error


# Names typed on the Models page, and classroom mode.


def train_tiny(at, kind="ae2d"):
    at.slider(key=f"epochs_{kind}").set_value(1)
    at.select_slider(key=f"size_{kind}").set_value(1000)
    at.button(key=f"train_{kind}").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    assert str(at.session_state["aelab"].active[kind]) == "session"
    return at


def test_save_box_refuses_names_that_could_leave_the_folder(open_page, user_dir, tmp_path):
    at = train_tiny(open_page())
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for name, words in [
        ("a/b", "Invalid checkpoint name"),
        ("..", "Invalid checkpoint name"),
        ("../../x", "Invalid checkpoint name"),
        ("", "Invalid checkpoint name"),
        ("x" * 300, "(300 characters)"),
        ("ünïcødé", "Invalid checkpoint name"),
        ("two words", "Invalid checkpoint name"),
        ("con", "device name on Windows"),
        ("vae2d", "already exists"),
    ]:
        at.text_input(key="save_name_ae2d").input(name)
        at.button(key="save_ae2d").click().run()
        assert not at.exception
        assert len(at.error) == 1 and words in at.error[0].value, (name, texts(at.error))
        assert sorted(p.name for p in tmp_path.rglob("*")) == before, name
    at.text_input(key="save_name_ae2d").input("  lesson_1  ")
    at.button(key="save_ae2d").click().run()
    assert not at.error and "Saved as 'lesson_1'" in at.success[-1].value
    # The one save path (aelab.shelf.save): the sidecar, and for a latent kind the decoder for the navigator.
    assert sorted(os.listdir(user_dir)) == ["lesson_1.decoder.onnx", "lesson_1.json", "lesson_1.keras"]


def test_classroom_mode_trains_in_the_session_but_never_saves(open_page, user_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(checkpoints.READ_ONLY_ENV, "1")
    at = open_page()
    assert "Classroom mode: saving is turned off" in texts(at.info)
    assert at.text_input(key="save_name_ae2d").disabled and at.button(key="save_ae2d").disabled

    at = train_tiny(at)
    assert "Trained 1 epoch in" in texts(at.success)
    assert "trained in this session" in texts(at.sidebar.markdown)
    assert at.text_input(key="save_name_ae2d").disabled and at.button(key="save_ae2d").disabled
    # Even a click the browser would not send (the button is disabled) saves nothing.
    states = at._tree.get_widget_states()
    typed = WidgetState(id=at.text_input(key="save_name_ae2d").proto.id, string_value="sneaky")
    click = WidgetState(id=at.button(key="save_ae2d").proto.id, trigger_value=True)
    states.widgets.extend([typed, click])
    at._run(states)
    assert not at.exception and not at.error and "Saved as" not in texts(at.success)
    assert not user_dir.exists() or not os.listdir(user_dir)
    # The other pages use the model trained in this session.
    at.switch_page("app_pages/manifold.py").run()
    assert not at.exception and not at.error


def test_one_session_training_never_changes_another(open_page):
    student_b = open_page("app_pages/latent_space.py")
    charts_before = [c.proto.spec for c in student_b.get("plotly_chart")]

    student_a = train_tiny(open_page())
    student_a.switch_page("app_pages/latent_space.py").run()
    assert not student_a.exception
    charts_a = [c.proto.spec for c in student_a.get("plotly_chart")]
    assert charts_a[0] != charts_before[0]  # A sees its own AE's encodings
    assert charts_a[1] == charts_before[1]  # and the shipped VAE

    student_b.run()
    assert not student_b.exception
    assert {k: str(c) for k, c in student_b.session_state["aelab"].active.items()} == {
        "ae2d": "shipped",
        "vae2d": "shipped",
    }
    assert "**AE**: shipped checkpoint" in texts(student_b.sidebar.markdown)
    assert [c.proto.spec for c in student_b.get("plotly_chart")] == charts_before
