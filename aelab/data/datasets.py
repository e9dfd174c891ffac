"""Real data sets (MNIST, CIFAR-10), grayscale conversion and seeded noise."""

import os
import zipfile

import numpy as np

from aelab.i18n import N_, _

DATA_DIR_ENV = "AELAB_DATA_DIR"

# ITU-R 601 luma weights, as in the colorization tutorial (and tf.image.rgb_to_yuv).
GRAY_WEIGHTS = (0.299, 0.587, 0.114)

NOISE_KINDS = ("tutorial", "gaussian", "salt_pepper")

_SPECS = {
    "mnist": {
        "title": "MNIST",
        "file": "mnist.npz",
        # What keras.datasets.mnist.load_data() keeps in its cache (keras.config's KERAS_HOME/datasets).
        "cached": "mnist.npz",
        "shapes": {
            "x_train": (60000, 28, 28),
            "y_train": (60000,),
            "x_test": (10000, 28, 28),
            "y_test": (10000,),
        },
    },
    "cifar10": {
        "title": "CIFAR-10",
        "file": "cifar10.npz",
        "cached": "cifar-10-batches-py",  # A folder; Keras 3 names it cifar-10-batches-py-target.
        "shapes": {
            "x_train": (50000, 32, 32, 3),
            "y_train": (50000, 1),
            "x_test": (10000, 32, 32, 3),
            "y_test": (10000, 1),
        },
    },
}

CIFAR10_CLASSES = (  # English names (link parameters, the CLIs); pages show _(name).
    N_("airplane"),
    N_("automobile"),
    N_("bird"),
    N_("cat"),
    N_("deer"),
    N_("dog"),
    N_("frog"),
    N_("horse"),
    N_("ship"),
    N_("truck"),
)


class DataError(RuntimeError):
    """A data file is missing, truncated or of the wrong shape."""


def resolve_data_dir(data_dir=None):
    """Returns the data directory to read, or None to use Keras' download.

    Args:
        data_dir: explicit directory; wins over the environment.

    Returns:
        The directory from the argument, else `AELAB_DATA_DIR`, else None.
    """
    if data_dir:
        return str(data_dir)
    return os.environ.get(DATA_DIR_ENV) or None


def _read_npz(path, shapes, name):
    hint = _(
        "Point --data-dir or {env} at a folder holding {file} in the layout of keras.datasets.{name}.load_data()."
    ).format(env=DATA_DIR_ENV, file=os.path.basename(path), name=name)
    if not os.path.isfile(path):
        raise DataError(_("Data file not found: {path}. {hint}").format(path=path, hint=hint))
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {}
            for key in shapes:
                if key not in f.files:
                    raise DataError(
                        _(
                            "Data file {path} has no array '{key}': expected keys {expected}, received {got}. {hint}"
                        ).format(path=path, key=key, expected=sorted(shapes), got=sorted(f.files), hint=hint)
                    )
                arrays[key] = f[key]
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise DataError(
            _("Data file {path} is unreadable (truncated or not an .npz archive: {error}). {hint}").format(
                path=path, error=e, hint=hint
            )
        ) from e
    for key, shape in shapes.items():
        got = arrays[key].shape
        # The test sets may be any length, so a short test file still loads;
        # the per-item shape must match exactly.
        if got[1:] != shape[1:] or len(got) != len(shape):
            raise DataError(
                _(
                    "Data file {path}: array '{key}' has the wrong shape: expected {expected}, received {got}. {hint}"
                ).format(path=path, key=key, expected=f"(N, {', '.join(map(str, shape[1:]))})", got=got, hint=hint)
            )
    return arrays


def _download(name):
    """The arrays of `keras.datasets.<name>.load_data()`: Keras' cache, else its download."""
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    except Exception as e:  # Keras raises a bare Exception for a failed download ("URL fetch failure on ...").
        raise DataError(
            _(
                "Cannot load {name}: {env} is not set and Keras could not download it ({error}); "
                "on a machine without internet, set {env} to a folder holding {mnist} and {cifar10} "
                "and start aelab again."
            ).format(name=_SPECS[name]["title"], env=DATA_DIR_ENV, error=e, **_file_names())
        ) from e
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def _file_names():
    return {name: spec["file"] for name, spec in _SPECS.items()}


def keras_cache_dir():
    """The folder where Keras keeps the data sets it downloads: `$KERAS_HOME/datasets`, else `~/.keras/datasets`."""
    return os.path.join(os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras"), "datasets")


def data_source(data_dir=None):
    """Where the data sets will be read from, and which of them are not there, without reading them.

    For a start-up line: it looks for the files only (Keras is not imported).

    Args:
        data_dir: explicit directory; see `resolve_data_dir`.

    Returns:
        `(folder, from_env, missing)`: the data directory, or Keras' cache when none is set (`from_env` False);
        and the titles of the data sets not found there ("MNIST", "CIFAR-10"). From Keras' cache, a missing
        one is downloaded on first use; from a data directory, it is an error on the pages that need it.
    """
    directory = resolve_data_dir(data_dir)
    if directory is not None:
        missing = [s["title"] for s in _SPECS.values() if not os.path.isfile(os.path.join(directory, s["file"]))]
        return directory, True, missing
    cache = keras_cache_dir()
    names = os.listdir(cache) if os.path.isdir(cache) else []
    missing = [s["title"] for s in _SPECS.values() if not any(n.startswith(s["cached"]) for n in names)]
    return cache, False, missing


def _load(name, data_dir, parts=("train", "test")):
    directory = resolve_data_dir(data_dir)
    if directory is None:
        return _download(name)
    spec = _SPECS[name]
    shapes = {k: v for k, v in spec["shapes"].items() if k.split("_")[1] in parts}
    return _read_npz(os.path.join(directory, spec["file"]), shapes, name)


def _images(x):
    x = x.astype("float32") / 255.0
    return x[..., None] if x.ndim == 3 else x


def _load_split(name, data_dir):
    a = _load(name, data_dir)
    labels = {part: a[f"y_{part}"].astype("int64").reshape(-1) for part in ("train", "test")}
    return (_images(a["x_train"]), labels["train"]), (_images(a["x_test"]), labels["test"])


def load_mnist(data_dir=None):
    """Loads MNIST as float32 images in [0, 1].

    Args:
        data_dir: folder with `mnist.npz`; defaults to `AELAB_DATA_DIR`, then
            Keras' own download and cache.

    Returns:
        `((x_train, y_train), (x_test, y_test))`, images of shape (N, 28, 28, 1),
        labels int64 of shape (N,).
    """
    return _load_split("mnist", data_dir)


def load_cifar10(data_dir=None):
    """Loads CIFAR-10 as float32 RGB images in [0, 1] (shape (N, 32, 32, 3)); see `load_mnist`."""
    return _load_split("cifar10", data_dir)


def load_test_set(name, data_dir=None):
    """Only a data set's test images and labels, as `load_mnist`/`load_cifar10` give them.

    The app's pages show test images only: reading and converting CIFAR-10's 50,000 training
    images too (600 MB as float32) cost a first Colorization page about 7 s here.

    Args:
        name: "mnist" or "cifar10".
        data_dir: as for `load_mnist`.

    Returns:
        `(x_test, y_test)`.
    """
    a = _load(name, data_dir, parts=("test",))
    return _images(a["x_test"]), a["y_test"].astype("int64").reshape(-1)


def to_gray(rgb):
    """Converts RGB images to one-channel gray with the tutorials' luma weights.

    Args:
        rgb: array of shape (..., 3) in [0, 1].

    Returns:
        float32 array of shape (..., 1).
    """
    rgb = np.asarray(rgb, dtype="float32")
    if rgb.shape[-1] != 3:
        raise ValueError(f"to_gray expects a last axis of 3 channels. Received shape {rgb.shape}")
    return (rgb @ np.asarray(GRAY_WEIGHTS, dtype="float32"))[..., None]


def add_noise(x, sigma, kind="tutorial", seed=None):
    """Corrupts images with seeded noise.

    Args:
        x: float images in [0, 1].
        sigma: noise strength in [0, 1]: the standard deviation for the
            Gaussian kinds, the fraction of corrupted pixels for salt-and-pepper.
        kind: "tutorial" (Gaussian with mean 0.5 and standard deviation sigma,
            as in the denoising tutorial), "gaussian" (zero mean) or
            "salt_pepper".
        seed: int or `np.random.Generator`; the same seed gives the same noise.

    Returns:
        float32 array shaped like `x`, clipped to [0, 1].
    """
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.floating, np.integer)):
        raise ValueError(f"Invalid value for argument sigma: expected a number in [0, 1]. Received: sigma={sigma!r}")
    if not 0.0 <= float(sigma) <= 1.0:
        raise ValueError(f"Invalid value for argument sigma: expected a number in [0, 1]. Received: sigma={sigma}")
    if kind not in NOISE_KINDS:
        raise ValueError(f"Invalid value for argument kind: expected one of {NOISE_KINDS}. Received: kind={kind!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    x = np.asarray(x, dtype="float32")
    if kind == "salt_pepper":
        u = rng.random(x.shape, dtype="float32")
        out = x.copy()
        out[u < sigma / 2] = 0.0
        out[(u >= sigma / 2) & (u < sigma)] = 1.0
        return out
    mean = 0.5 if kind == "tutorial" else 0.0
    noise = rng.standard_normal(x.shape, dtype="float32") * np.float32(sigma) + np.float32(mean)
    return np.clip(x + noise, 0.0, 1.0)
