import os
import re

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


# What the language tests look for (tests/app/test_languages.py, tests/e2e/test_chinese_browser.py).

# Kept as Chinese textbooks write them: model, metric, data set, optimizer and file-format names, units, and
# the names the interface shows as they are (the language selector's "English", the project's name).
KEPT_WORDS = {
    *"AE VAE DAE PCA PSNR SSIM MSE BCE MAE ELBO KL MNIST CIFAR Adam Adagrad SGD RMSprop ReLU U-Net".split(),
    *"adam adagrad sgd rmsprop mse bce mae PNG JPEG GIF ONNX Keras Plotly dB MB px aelab English".split(),
    *"softmax sigmoid TensorFlow Enter".split(),  # As Chinese textbooks write them ("softmax 回归"); a key.
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


def english_words(text):
    """The English words in `text` that should have been translated (three letters or more, not a kept name).

    Code, names and numbers are not prose: words inside backticks, in identifiers with '_' or '.', and
    symbols like z0, q(z|x) or 1σ are left out.
    """
    text = re.sub(r"`[^`]*`|\S*[_./\\]\S*|:material/\S+:", " ", str(text))
    return [w for w in _WORD.findall(text) if len(w) >= 3 and w not in KEPT_WORDS and w.upper() not in KEPT_WORDS]


@pytest.fixture(scope="session")
def untranslated():
    """`untranslated(text)`: the English words left in a text meant to be Chinese (see `english_words`)."""
    return english_words
