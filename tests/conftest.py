import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def data_dir():
    """The real data sets' folder: AELAB_DATA_DIR (CI points it at ../shared/data)."""
    d = os.environ.get("AELAB_DATA_DIR")
    if not d:
        pytest.skip("AELAB_DATA_DIR is not set; these tests read the real MNIST/CIFAR-10 files")
    return d


@pytest.fixture(scope="session")
def checkpoint_dir():
    """The checkpoints under test: AELAB_CHECKPOINT_DIR, else the shipped ones."""
    return os.environ.get("AELAB_CHECKPOINT_DIR") or os.path.join(REPO, "checkpoints")
