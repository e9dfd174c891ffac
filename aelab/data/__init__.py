"""Data: the real data sets and their noise (`datasets`), uploaded images (`images`), drawn digits (`digits`).

`from aelab import data; data.load_mnist()` reads the data sets; the submodules are imported by name.
"""

from aelab.data.datasets import (
    CIFAR10_CLASSES,
    DATA_DIR_ENV,
    NOISE_KINDS,
    DataError,
    add_noise,
    data_source,
    keras_cache_dir,
    load_cifar10,
    load_mnist,
    load_test_set,
    resolve_data_dir,
    to_gray,
)

__all__ = [
    "CIFAR10_CLASSES",
    "DATA_DIR_ENV",
    "NOISE_KINDS",
    "DataError",
    "add_noise",
    "data_source",
    "keras_cache_dir",
    "load_cifar10",
    "load_mnist",
    "load_test_set",
    "resolve_data_dir",
    "to_gray",
]
