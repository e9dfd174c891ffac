import keras
import numpy as np
import pytest

from aelab.models import build_colorizer, build_conv_autoencoder, build_denoiser, build_vae


@pytest.fixture(scope="module")
def digits():
    return np.random.default_rng(0).random((3, 28, 28, 1), dtype="float32")


def test_autoencoder_shapes(digits):
    m = build_conv_autoencoder(latent_dim=2, hidden_units=16)
    z = m.encoder(digits)
    assert z.shape == (3, 2)
    out = np.asarray(m.decoder(z))
    assert out.shape == (3, 28, 28, 1) and out.min() >= 0 and out.max() <= 1


def test_tutorial_autoencoder_has_no_hidden_layer():
    m = build_conv_autoencoder(latent_dim=8, hidden_units=0)
    assert [type(layer).__name__ for layer in m.encoder.layers] == [
        "InputLayer",
        "Conv2D",
        "Conv2D",
        "Flatten",
        "Dense",
    ]


def test_vae_encoder_returns_three_codes(digits):
    m = build_vae(hidden_units=16)
    z_mean, z_log_var, z = m.encoder(digits)
    assert z_mean.shape == z_log_var.shape == z.shape == (3, 2)
    assert m.decoder(z).shape == (3, 28, 28, 1)


def test_each_model_says_where_a_digit_lives(digits):
    ae, vae = build_conv_autoencoder(latent_dim=2, hidden_units=16), build_vae(hidden_units=16)
    np.testing.assert_allclose(ae.encode_mean(digits), ae.encoder(digits))
    z_mean, _, z = vae.encoder(digits)
    np.testing.assert_allclose(vae.encode_mean(digits), z_mean)  # The mean, never the sample z.
    assert not np.allclose(vae.encode_mean(digits), z)
    mean, log_var = vae.posterior(digits)
    np.testing.assert_allclose(mean, z_mean)
    assert log_var.shape == (3, 2)


def test_denoiser_shape_and_latent_floor(digits):
    assert build_denoiser(latent_dim=16, hidden_units=16)(digits).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match="latent_dim"):
        build_denoiser(latent_dim=8)


@pytest.mark.parametrize("arch", ["unet", "tutorial"])
def test_colorizer_shapes(arch):
    gray = np.random.default_rng(0).random((2, 32, 32, 1), dtype="float32")
    rgb = np.asarray(build_colorizer(arch)(gray))
    assert rgb.shape == (2, 32, 32, 3) and rgb.min() >= 0 and rgb.max() <= 1


def test_unet_keeps_the_given_brightness():
    # With zero chroma the output is the gray input copied to all channels.
    m = build_colorizer("unet")
    uv = m.get_layer("uv")
    uv.set_weights([np.zeros_like(w) for w in uv.get_weights()])
    gray = np.random.default_rng(1).random((1, 32, 32, 1), dtype="float32")
    assert np.allclose(m(gray), np.repeat(gray, 3, -1), atol=1e-5)


def test_bad_arch():
    with pytest.raises(ValueError, match="arch"):
        build_colorizer("resnet")


def test_vae_save_load_round_trip(tmp_path, digits):
    m = build_vae(hidden_units=16, seed=7)
    m.compile(optimizer="adam")
    m.fit(digits, epochs=1, verbose=0)
    path = str(tmp_path / "vae.keras")
    m.save(path)
    back = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(m.encoder(digits)[:2], back.encoder(digits)[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    z = np.array([[0.5, -1.0]], "float32")
    np.testing.assert_allclose(m.decoder(z), back.decoder(z), rtol=1e-6)
    np.testing.assert_allclose(m(digits), back(digits), rtol=1e-6)
    assert type(back).__name__ == "VAE" and back.encoder.get_layer("z").seed == 7


def test_autoencoder_save_load_round_trip(tmp_path, digits):
    m = build_conv_autoencoder(hidden_units=16)
    path = str(tmp_path / "ae.keras")
    m.save(path)
    back = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(m(digits), back(digits), rtol=1e-6)
