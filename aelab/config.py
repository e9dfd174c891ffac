"""What a training run is made of, without importing TensorFlow.

The CLIs read their flags against these names before TensorFlow starts, so a
mistyped flag is answered at once, in one line, without TensorFlow's start-up
messages in front of it.
"""

import dataclasses

MODEL_KINDS = ("ae2d", "vae2d", "dae", "colorizer")
OPTIMIZER_NAMES = ("adam", "sgd", "rmsprop", "adagrad")  # Keys of `aelab.training.OPTIMIZERS`.


@dataclasses.dataclass
class TrainConfig:
    """Everything needed to rebuild and retrain a model; stored in the sidecar."""

    model: str = "ae2d"  # One of MODEL_KINDS.
    epochs: int = 10  # Passes over the training set.
    batch_size: int = 128  # Images per gradient step.
    seed: int = 1337  # Seeds weights, shuffling, noise and sampling.
    learning_rate: float = 1e-3  # Initial learning rate.
    optimizer: str = "adam"  # One of OPTIMIZER_NAMES.
    schedule: str = "plateau"  # "plateau" (ReduceLROnPlateau) or "cosine" (decay to 0).
    train_size: int = 0  # Training images to use; 0 for all but the validation hold-out.
    val_size: int = 5000  # Held out from the end of the training set for model selection.
    latent_dim: int = 0  # 0 for the model's default (2, 2, 32).
    hidden_units: int = -1  # Dense width around the latent; -1 for the default.
    arch: str = "unet"  # Colorizer only: "unet" or "tutorial".
