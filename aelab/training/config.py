"""What a training run is made of, without importing TensorFlow.

The CLIs read their flags against these names before TensorFlow starts, so a
mistyped flag is answered at once, in one line, without TensorFlow's start-up
messages in front of it. `TrainConfig` checks itself, so the CLI, the Models
page and the studies share one check and one message.
"""

import dataclasses

from aelab.models import registry
from aelab.training import augment

MODEL_KINDS = registry.names()
# The optimizers offered; `keras.optimizers.get(name)` builds each one.
OPTIMIZER_NAMES = ("adam", "sgd", "rmsprop", "adagrad")
SCHEDULES = ("plateau", "cosine", "constant")
ARCHS = ("unet", "tutorial")
# Named augmentation strengths for MNIST kinds (the module imports only NumPy).
AUGMENTS = tuple(augment.STRENGTHS)


def _invalid(name, expected, value):
    return ValueError(f"Invalid value for argument {name}: expected {expected}. Received: {name}={value!r}")


@dataclasses.dataclass
class TrainConfig:
    """Everything needed to rebuild and retrain a model; stored in the sidecar.

    Raises:
        ValueError: on construction, if a value is out of range (Keras-style message).
    """

    model: str = "ae2d"  # One of MODEL_KINDS.
    epochs: int = 10  # Passes over the training set.
    batch_size: int = 128  # Images per gradient step.
    seed: int = 1337  # Seeds weights, shuffling, noise and sampling.
    learning_rate: float = 1e-3  # Initial learning rate.
    optimizer: str = "adam"  # One of OPTIMIZER_NAMES.
    schedule: str = "plateau"  # "plateau" (ReduceLROnPlateau), "cosine" (decay to 0) or "constant".
    train_size: int = 0  # Training images to use; 0 for all but the validation hold-out.
    val_size: int = 5000  # Held out from the end of the training set for model selection.
    latent_dim: int = 0  # 0 for the model's default (2, 2, 32).
    hidden_units: int = -1  # Dense width around the latent; -1 for the default.
    arch: str = "unet"  # Colorizer only: "unet" or "tutorial".
    augment: str = "none"  # MNIST kinds: how strongly training digits are redrawn (aelab.training.augment).
    init: str = ""  # A checkpoint whose weights the run starts from (a fine-tune); "" for fresh weights.

    def __post_init__(self):
        if self.model not in MODEL_KINDS:
            raise _invalid("model", f"one of {MODEL_KINDS}", self.model)
        for name, low in (("epochs", 1), ("batch_size", 1), ("seed", 0), ("train_size", 0), ("val_size", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise _invalid(name, f"an integer >= {low}", value)
        if self.latent_dim < 0:
            raise _invalid("latent_dim", "an integer >= 0", self.latent_dim)
        if self.hidden_units < -1:
            raise _invalid("hidden_units", "an integer >= -1", self.hidden_units)
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise _invalid("learning_rate", "a number > 0", self.learning_rate)
        for name, allowed in (
            ("optimizer", OPTIMIZER_NAMES),
            ("schedule", SCHEDULES),
            ("arch", ARCHS),
            ("augment", AUGMENTS),
        ):
            if getattr(self, name) not in allowed:
                raise _invalid(name, f"one of {allowed}", getattr(self, name))

    def check_data_size(self, available):
        """Checks that `train_size` and `val_size` fit in a training set of `available` images.

        Raises:
            ValueError: if they do not.
        """
        room = available - self.val_size
        if room < 1:
            raise _invalid("val_size", f"less than the {available:,} training images", self.val_size)
        if self.train_size > room:
            raise _invalid("train_size", f"at most {room:,} ({available:,} minus the hold-out)", self.train_size)
