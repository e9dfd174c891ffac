"""Unit tests for the Latent space page's teaching tools: digits, interpolation, posteriors, overlays, PNGs."""

import base64
import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from aelab import data
from aelab.data import digits, images
from aelab.figures import overlays as lf
from aelab.figures import plots, scatter_png
from aelab.inference import latent
from aelab.lessons import interpolation, posterior


def stroke_image(size=(120, 90), dark_on_light=True):
    """A thick diagonal bar off-centre in a larger picture, like a photographed '1'."""
    a = np.zeros(size[::-1], dtype="float32")
    for t in np.linspace(0, 1, 200):
        r, c = int(10 + 60 * t), int(70 - 20 * t)
        a[r - 3 : r + 3, c - 3 : c + 3] = 1.0
    a = 0.1 + 0.8 * a  # A gray background: contrast, not pure black and white.
    return 1.0 - a if dark_on_light else a


# digits


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_mnist_style_fits_a_20_pixel_box_centred_by_mass(dark_on_light):
    out = digits.mnist_style(np.repeat(stroke_image(dark_on_light=dark_on_light)[..., None], 3, axis=-1))
    assert out.shape == (28, 28, 1) and out.dtype == np.float32
    a = out[..., 0]
    assert a.max() == pytest.approx(1.0, abs=0.05) and a[0].max() == 0 and a[:, 0].max() == 0  # white on black
    rows, cols = np.nonzero(a > 0.1)
    assert rows.max() - rows.min() + 1 in (19, 20, 21)  # the longer side, anti-aliased
    assert cols.max() - cols.min() + 1 < 20  # aspect kept: narrower than tall
    r, c = np.indices(a.shape)
    assert abs((r * a).sum() / a.sum() - 14) <= 0.6 and abs((c * a).sum() / a.sum() - 14) <= 0.6


def test_mnist_style_leaves_mnist_digits_as_they_are(data_dir):
    # MNIST's own digits already went through the recipe: they come out unchanged.
    (_, _), (x, _) = data.load_mnist(data_dir)
    out = np.stack([digits.mnist_style(d) for d in x[:100]])
    assert np.abs(out - x[:100]).mean() < 0.005


def test_mnist_style_is_idempotent():
    once = digits.mnist_style(stroke_image())
    np.testing.assert_allclose(digits.mnist_style(once), once, atol=0.02)


@pytest.mark.parametrize("value", [0.0, 1.0, 0.5])
def test_blank_image_is_a_digit_error(value):
    with pytest.raises(digits.DigitError, match="blank"):
        digits.mnist_style(np.full((50, 40), value, "float32"))


def test_from_upload_and_data_url_agree():
    png = images.to_png(stroke_image())
    url = digits.DATA_URL_PREFIX + base64.b64encode(png).decode("ascii")
    np.testing.assert_array_equal(digits.from_upload(png), digits.from_data_url(url))


@pytest.mark.parametrize(
    "url, match",
    [
        (None, "PNG data URL"),
        ("data:image/jpeg;base64,AAAA", "PNG data URL"),
        (digits.DATA_URL_PREFIX + "!!!not base64", "base64"),
        (digits.DATA_URL_PREFIX + base64.b64encode(b"not an image").decode(), "not an image"),
    ],
)
def test_bad_data_url_is_an_image_error(url, match):
    with pytest.raises(images.ImageError, match=match):
        digits.from_data_url(url)


# interpolation


def test_path_is_straight_and_includes_both_ends():
    p = interpolation.path([0.0, 1.0], [4.0, -1.0], 5)
    np.testing.assert_allclose(p, [[0, 1], [1, 0.5], [2, 0], [3, -0.5], [4, -1]])
    assert p.dtype == np.float32


@pytest.mark.parametrize("steps", [1, 51])
def test_path_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        interpolation.path([0, 0], [1, 1], steps)


class RecordingDecoder:
    """Decodes z to an image filled with z0, and counts its calls."""

    def __init__(self):
        self.calls = []

    # TensorFlow ops, not NumPy: aelab.inference.latent.decode runs decoders inside a tf.function,
    # so this runs once, when the call is traced, with the batch's shape.
    def __call__(self, z, training=False):
        self.calls.append((tuple(z.shape), training))
        return tf.broadcast_to(z[:, 0, None, None, None], (tf.shape(z)[0], 28, 28, 1))


def test_decode_path_is_one_batched_inference_call():
    model = type("M", (), {"decoder": RecordingDecoder()})()
    points, decoded = interpolation.decode_path(model, [0.0, 0.0], [1.0, 0.0], 6)
    assert model.decoder.calls == [((6, 2), False)]
    np.testing.assert_allclose(decoded[:, 0, 0, 0], np.linspace(0, 1, 6), atol=1e-6)
    assert points.shape == (6, 2)


def test_strip_and_gif():
    frames = np.stack([np.full((28, 28), v, "float32") for v in np.linspace(0, 1, 5)])
    strip = interpolation.strip(frames, scale=2, pad=2)
    assert strip.shape == (56, (5 * 30 - 2) * 2) and strip.dtype == np.uint8
    gif = Image.open(io.BytesIO(interpolation.gif_bytes(frames, scale=3, duration_ms=90)))
    assert gif.format == "GIF" and gif.size == (84, 84)
    assert gif.n_frames == 8  # 5 forward, 3 back (the ends are not repeated)
    assert gif.info["loop"] == 0 and gif.info["duration"] == 90
    gif.seek(2)
    assert abs(np.asarray(gif.convert("L")).mean() - 127.5) < 3  # the middle frame is mid-gray


# posterior


class FakeVAE:
    class decoder:  # noqa: N801 - a stand-in attribute, as keras.Model's
        pass

    def encoder(self, x, training=False):
        m = np.asarray(x).mean(axis=(1, 2, 3))
        mean = np.stack([m, -m], axis=1)
        return mean, np.full_like(mean, np.log(0.25)), mean + 99

    def posterior(self, x):  # As aelab.models.vae.VAE.posterior: the first two outputs.
        z_mean, z_log_var, _ = self.encoder(x)
        return z_mean, z_log_var


def test_posterior_and_its_ellipses():
    x = np.stack([np.full((28, 28, 1), v, "float32") for v in (0.2, 0.6)])
    mean, log_var = posterior.posterior(FakeVAE(), x)
    np.testing.assert_allclose(mean, [[0.2, -0.2], [0.6, -0.6]], atol=1e-6)
    outline = posterior.ellipses(mean, log_var, n_sigma=2.0, n_points=16)
    assert outline.shape == (2 * 18, 2) and np.isnan(outline[17]).all() and np.isnan(outline[-1]).all()
    first = outline[:17]
    # sigma = 0.5 on both axes: the 2-sigma outline is a circle of radius 1 around the mean.
    np.testing.assert_allclose(np.linalg.norm(first - mean[0], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(first[0], first[-1], atol=1e-6)  # closed


def test_posterior_refuses_an_ae():
    ae = type("AE", (), {"encoder": lambda self, x, training=False: np.zeros((len(x), 2))})()
    with pytest.raises(ValueError, match="Expected a VAE"):
        posterior.posterior(ae, np.zeros((1, 28, 28, 1)))


def test_sample_prior_is_seeded_standard_normal():
    a, b = posterior.sample_prior(4000, seed=7), posterior.sample_prior(4000, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, posterior.sample_prior(4000, seed=8))
    assert a.shape == (4000, 2) and abs(a.mean()) < 0.05 and abs(a.std() - 1) < 0.05


# overlays and the PNG export


def sample(n=300):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 2)).astype("float32"), rng.integers(0, 10, n)


def test_highlight_marks_the_same_rows_and_stays_out_of_selections():
    z, y = sample()
    rows = [5, 17, 200]
    fig = lf.highlight_rows(plots.latent_scatter(z, y), z, rows)
    picked = []
    for t in lf.digit_traces(fig):
        picked += [int(t.customdata[i]) for i in t.selectedpoints]
    assert sorted(picked) == rows  # each trace selects exactly its highlighted rows
    extra = fig.data[-1]
    assert extra.customdata is None and sorted(zip(extra.x, extra.y)) == sorted(map(tuple, z[rows]))
    # A box over everything selects test rows only, never the overlay markers twice.
    points = [{"customdata": c} for t in fig.data if t.customdata is not None for c in t.customdata]
    points += [{"curve_number": len(fig.data) - 1, "point_index": 0}]
    assert len(latent.selected_rows({"points": points}, len(z))) == len(z)
    assert lf.highlight_rows(plots.latent_scatter(z, y), z, []).data[-1].name == "9"  # nothing to add


def test_overlays_add_named_traces():
    z, y = sample()
    fig = plots.latent_scatter(z, y)
    lf.add_path(fig, interpolation.path(z[0], z[1], 5))
    lf.add_points(fig, [0.5, 0.5], "your digit")
    lf.add_ellipses(fig, z[:3], np.full((3, 2), -2.0), scale=10)
    names = [t.name for t in fig.data[10:]]
    assert names == ["path", "your digit", "q(z|x) 1σ ×10", "q(z|x) 2σ ×10"]
    assert [t.type for t in fig.data[10:]] == ["scattergl", "scattergl", "scatter", "scatter"]  # Ellipses: SVG.
    assert all(t.customdata is None for t in fig.data[10:])
    assert (fig.data[10].text[0], fig.data[10].text[-1]) == ("A", "B")


def test_a_digit_label_that_would_cover_the_students_cross_is_hidden():
    rng = np.random.default_rng(0)
    centres = np.array([[3.0 * d, (-1.0) ** d * 2.0] for d in range(10)])  # Ten clouds, labels far apart.
    y = np.repeat(np.arange(10), 30)
    z = (centres[y] + rng.normal(scale=0.3, size=(300, 2))).astype("float32")
    fig = plots.latent_scatter(z, y)
    on_four = [n.x for n in fig.layout.annotations if n.text == "<b>4</b>"][0], centres[4][1]
    lf.uncover(fig, on_four)
    hidden = [n.text for n in fig.layout.annotations if n.visible is False]
    assert hidden == ["<b>4</b>"]  # Only the label under the cross; the other nine stay.
    fig.update_annotations(visible=True)
    lf.uncover(fig, [[13.5, 0.0], [50.0, 50.0]])  # Between two clouds, and off the map: nothing covered.
    assert not any(n.visible is False for n in fig.layout.annotations)


def test_scatter_png_draws_points_where_they_are():
    z = np.array([[0, 0], [10, 10]], "float32")
    fig = plots.latent_scatter(z, np.array([0, 1]), title="two digits", marker_size=20)
    lf.add_points(fig, [10, 0], "marker", color="#FF0000")
    img = np.asarray(
        Image.open(io.BytesIO(scatter_png.scatter_png(fig, width=600, height=500, legend=False))).convert("RGB")
    )
    assert img.shape == (500, 600, 3)

    def colour_at(target):
        hits = np.argwhere(np.all(np.abs(img.astype(int) - target) < 30, axis=-1))
        return hits.mean(axis=0) if len(hits) else None

    c0 = colour_at(np.array(Image.new("RGB", (1, 1), plots.DIGIT_COLORS[0]).getpixel((0, 0))))
    c1 = colour_at(np.array(Image.new("RGB", (1, 1), plots.DIGIT_COLORS[1]).getpixel((0, 0))))
    red = colour_at(np.array([255, 0, 0]))
    assert c0 is not None and c1 is not None and red is not None
    assert c0[0] > c1[0] + 100 and c0[1] < c1[1] - 100  # (0, 0) lower left of (10, 10)
    assert abs(red[0] - c0[0]) < 15 and abs(red[1] - c1[1]) < 15  # (10, 0): below one, right of the other
