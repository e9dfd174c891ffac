import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from aelab import data


def _write_mnist(path, n_train=6, n_test=4, **override):
    arrays = dict(
        x_train=np.full((n_train, 28, 28), 255, "uint8"),
        y_train=np.arange(n_train, dtype="uint8"),
        x_test=np.zeros((n_test, 28, 28), "uint8"),
        y_test=np.arange(n_test, dtype="uint8"),
    )
    arrays.update(override)
    np.savez(path / "mnist.npz", **arrays)


def test_load_mnist_from_directory(tmp_path):
    _write_mnist(tmp_path)
    (x_train, y_train), (x_test, y_test) = data.load_mnist(tmp_path)
    assert x_train.shape == (6, 28, 28, 1) and x_train.dtype == np.float32
    assert x_train.max() == 1.0 and x_test.max() == 0.0
    assert y_train.tolist() == list(range(6)) and y_test.shape == (4,)


def test_environment_variable_is_used(tmp_path, monkeypatch):
    _write_mnist(tmp_path)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    (x_train, _), _ = data.load_mnist()
    assert len(x_train) == 6


def test_missing_file_names_path_and_fix(tmp_path):
    with pytest.raises(data.DataError) as e:
        data.load_mnist(tmp_path)
    msg = str(e.value)
    assert str(tmp_path / "mnist.npz") in msg and "AELAB_DATA_DIR" in msg


def test_wrong_shape_is_a_clear_error(tmp_path):
    _write_mnist(tmp_path, x_train=np.zeros((6, 32, 32), "uint8"))
    with pytest.raises(data.DataError, match=r"wrong shape: expected \(N, 28, 28\), received \(6, 32, 32\)"):
        data.load_mnist(tmp_path)


def test_truncated_file_is_a_clear_error(tmp_path):
    _write_mnist(tmp_path)
    raw = (tmp_path / "mnist.npz").read_bytes()
    (tmp_path / "mnist.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(data.DataError, match="unreadable"):
        data.load_mnist(tmp_path)


def test_missing_key_is_a_clear_error(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 28, 28), "uint8"))
    with pytest.raises(data.DataError, match="no array 'y_train'"):
        data.load_mnist(tmp_path)


def test_cifar10_layout(tmp_path):
    np.savez(
        tmp_path / "cifar10.npz",
        x_train=np.zeros((3, 32, 32, 3), "uint8"),
        y_train=np.array([[1], [2], [3]], "uint8"),
        x_test=np.zeros((2, 32, 32, 3), "uint8"),
        y_test=np.array([[4], [5]], "uint8"),
    )
    (x, y), (xt, yt) = data.load_cifar10(tmp_path)
    assert x.shape == (3, 32, 32, 3) and y.tolist() == [1, 2, 3] and yt.tolist() == [4, 5]


def test_real_mnist_shapes(data_dir):
    (x_train, y_train), (x_test, y_test) = data.load_mnist(data_dir)
    assert x_train.shape == (60000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert 0.0 <= x_test.min() and x_test.max() <= 1.0
    assert sorted(set(y_test.tolist())) == list(range(10))


def test_to_gray_uses_tutorial_weights():
    rgb = np.zeros((1, 1, 3, 3), "float32")
    rgb[0, 0, 0] = [1, 0, 0]
    rgb[0, 0, 1] = [0, 1, 0]
    rgb[0, 0, 2] = [0, 0, 1]
    assert np.allclose(data.to_gray(rgb)[0, 0, :, 0], [0.299, 0.587, 0.114])


@pytest.mark.parametrize("kind", data.NOISE_KINDS)
def test_noise_is_seeded_and_in_range(kind):
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype="float32")
    a = data.add_noise(x, 0.7, kind, seed=3)
    assert np.array_equal(a, data.add_noise(x, 0.7, kind, seed=3))
    assert not np.array_equal(a, data.add_noise(x, 0.7, kind, seed=4))
    assert a.min() >= 0.0 and a.max() <= 1.0 and a.shape == x.shape


def test_sigma_zero():
    x = np.random.default_rng(0).random((2, 28, 28, 1), dtype="float32")
    assert np.array_equal(data.add_noise(x, 0.0, "gaussian", 0), x)
    assert np.array_equal(data.add_noise(x, 0.0, "salt_pepper", 0), x)
    # The tutorial recipe adds a mean of 0.5 even without spread.
    assert np.allclose(data.add_noise(x, 0.0, "tutorial", 0), np.clip(x + 0.5, 0, 1))


def test_salt_and_pepper_fraction():
    x = np.full((10, 28, 28, 1), 0.5, "float32")
    noisy = data.add_noise(x, 0.3, "salt_pepper", 0)
    assert abs(np.mean(noisy != 0.5) - 0.3) < 0.02


@pytest.mark.parametrize("sigma", [-0.1, 1.7, "a", None])
def test_bad_sigma_is_a_clear_error(sigma):
    with pytest.raises(ValueError, match="expected a number in \\[0, 1\\]"):
        data.add_noise(np.zeros((1, 2, 2, 1)), sigma)


def test_bad_kind():
    with pytest.raises(ValueError, match="kind"):
        data.add_noise(np.zeros((1, 2, 2, 1)), 0.5, kind="pink")


# Without AELAB_DATA_DIR: Keras' cache, else its download (tests/e2e/test_offline_browser.py shows it on the pages).

_OFFLINE_LOAD = """
import json, sys, time
import keras  # Imported before the clock starts.
from aelab import data, i18n
out = []
for lang, load in (("en", data.load_mnist), ("zh", data.load_cifar10)):
    start = time.monotonic()
    try:
        with i18n.use(lang):
            load()
        out.append([lang, "loaded", 0])
    except data.DataError as e:
        out.append([lang, str(e), time.monotonic() - start])
print(json.dumps(out))
"""


def offline_env(home, environ=os.environ):
    """An environment where Keras' cache is empty and every download fails at once, with or without internet.

    The proxy is a closed port on this machine: the request is refused before any name is looked up, so
    the failure comes in milliseconds, not after a resolver's timeouts.
    """
    env = {k: v for k, v in environ.items() if k.lower() not in ("aelab_data_dir", "no_proxy")}
    proxy = f"http://127.0.0.1:{closed_port()}"
    env.update(HOME=str(home), KERAS_HOME=os.path.join(home, "keras"), http_proxy=proxy, https_proxy=proxy)
    env.update(HTTP_PROXY=proxy, HTTPS_PROXY=proxy, TF_CPP_MIN_LOG_LEVEL="2")
    return env


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # Nothing listens on it once the socket is closed.


def test_failed_download_is_one_sentence_naming_the_variable_and_the_files(tmp_path):
    # A fresh process: Keras reads KERAS_HOME when it is imported.
    r = subprocess.run(
        [sys.executable, "-c", _OFFLINE_LOAD], env=offline_env(tmp_path), capture_output=True, text=True, timeout=180
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (en, message, seconds), (zh, message_zh, seconds_zh) = json.loads(r.stdout.splitlines()[-1])
    assert message.startswith("Cannot load MNIST: AELAB_DATA_DIR is not set and Keras could not download it ("), message
    assert "set AELAB_DATA_DIR to a folder holding mnist.npz and cifar10.npz" in message, message
    assert message_zh.startswith("无法加载 CIFAR-10：没有设置 AELAB_DATA_DIR"), message_zh
    assert "mnist.npz 和 cifar10.npz" in message_zh, message_zh
    assert "Traceback" not in message + message_zh
    assert seconds < 2 and seconds_zh < 2, (seconds, seconds_zh)  # At once, not after a resolver's timeouts.


def test_data_source_says_where_the_data_come_from_without_reading_it(tmp_path, monkeypatch):
    _write_mnist(tmp_path)
    assert data.data_source(tmp_path) == (str(tmp_path), True, ["CIFAR-10"])
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    cache = str(tmp_path / "keras" / "datasets")
    assert data.keras_cache_dir() == cache
    assert data.data_source() == (cache, False, ["MNIST", "CIFAR-10"])
    os.makedirs(os.path.join(cache, "cifar-10-batches-py-target"))  # What keras.datasets.cifar10 leaves there.
    assert data.data_source() == (cache, False, ["MNIST"])


def test_the_test_set_alone_is_the_same_as_in_the_whole_load():
    from aelab import data

    if data.resolve_data_dir() is None:
        pytest.skip("set AELAB_DATA_DIR")
    (_train, (x, y)), (xt, yt) = data.load_mnist(), data.load_test_set("mnist")
    np.testing.assert_array_equal(xt, x)
    np.testing.assert_array_equal(yt, y)
    x, y = data.load_test_set("cifar10")
    assert x.shape[1:] == (32, 32, 3) and x.dtype == np.float32 and y.shape == (len(x),)
