"""Every model kind aelab trains, ships and shows, described once.

Training, checkpoints, the evaluator, jobs and the pages ask this registry
what a kind is (its data set, how its training pairs are made, its loss, its
shapes, its test metrics, the command that rebuilds it) instead of comparing
model names. A new kind is one entry here plus its builder.

Nothing in this module imports TensorFlow: the command-line tools read their
flags against `names()` before TensorFlow starts. Builders and metric
functions import what they need when they are called.
"""

import dataclasses
from collections.abc import Callable

from aelab.i18n import N_


@dataclasses.dataclass(frozen=True)
class ModelKind:
    """What one model kind is.

    Attributes:
        name: the kind's name, also the shipped checkpoint's name.
        title: how people see it ("Autoencoder (AE)"), in English: the pages show `_(title)`.
        short: a short label for tables and captions ("AE"), shown as `_(short)`.
        dataset: "mnist" or "cifar10".
        input_shape: one input image, e.g. (28, 28, 1).
        output_shape: one output image.
        pairs: how a training pair is made from a clean batch: "same"
            (x -> x), "noisy" (noisy x -> x) or "gray" (gray x -> colour x).
        loss: the Keras loss to compile with; None when the model owns its
            loss (the VAE's `train_step`).
        build: `build(cfg) -> keras.Model`, untrained.
        test_metrics: `test_metrics(model, x_test, seed) -> dict` of the
            headline numbers stored in the sidecar.
        rebuild: the command that rebuilds the shipped checkpoint (its `--augment` is added from
            `augment`).
        augment: how strongly the shipped checkpoint's training digits were redrawn
            (`aelab.training.augment`); "none" for no augmentation.
        latent_2d: whether the latent pages can show it (an encoder and a
            decoder around a 2-D latent).
        posterior: whether its encoder returns `(z_mean, z_log_var, z)`.
        link: the value that names it in a link (`model=vae`) and the parameter of its saved
            model (`vae=lesson3`); latent kinds only.
        prior_extent: where its latent plane is looked at (`aelab.inference.latent.plane_view`): a
            kind pulled towards a standard normal prior is shown over at least [-prior_extent,
            prior_extent] on both axes (4 holds nearly all of N(0, 1)); None for a kind without a
            prior, shown where its digits are.
        architecture: the layers in one line, for the Variants page ("784-64-784, ReLU code").
        cli: whether `python -m aelab.train` trains it (and the evaluator scores it); the
            tutorials' dense variants are trained together by `python -m aelab.experiments variants`.
    """

    name: str
    title: str
    short: str
    build: Callable
    test_metrics: Callable
    rebuild: str
    dataset: str = "mnist"
    input_shape: tuple = (28, 28, 1)
    output_shape: tuple = (28, 28, 1)
    pairs: str = "same"
    loss: str | None = "mse"
    latent_2d: bool = False
    posterior: bool = False
    link: str | None = None
    prior_extent: float | None = None
    architecture: str = ""
    cli: bool = True
    augment: str = "none"

    def __post_init__(self):
        if self.augment != "none":  # The command says the augmentation once stated here.
            object.__setattr__(self, "rebuild", f"{self.rebuild} --augment {self.augment}")


def _size_kwargs(cfg):
    kw = {}
    if cfg.latent_dim:
        kw["latent_dim"] = cfg.latent_dim
    if cfg.hidden_units >= 0:
        kw["hidden_units"] = cfg.hidden_units
    return kw


def _build_ae(cfg):
    from aelab.models.autoencoder import build_conv_autoencoder

    return build_conv_autoencoder(**_size_kwargs(cfg))


def _build_vae(cfg):
    from aelab.models.vae import build_vae

    return build_vae(seed=cfg.seed, **_size_kwargs(cfg))


def _build_dae(cfg):
    from aelab.models.denoiser import build_denoiser

    return build_denoiser(**_size_kwargs(cfg))


def _build_colorizer_mse(cfg):
    from aelab.models.colorizer import build_colorizer

    return build_colorizer(cfg.arch)


def _build_chroma_colorizer(cfg):
    from aelab.models.chroma import build_chroma_colorizer

    return build_chroma_colorizer()


def _reconstruction_metrics(model, x_test, seed=0):
    from aelab import metrics

    return metrics.reconstruction_metrics(x_test, metrics.predict_all(model, x_test))


def _vae_metrics(model, x_test, seed=0):
    from aelab import metrics

    return {**_reconstruction_metrics(model, x_test), **metrics.vae_elbo(model, x_test)}


# The tutorial noise levels a denoiser is scored at, in its sidecar and by the evaluator.
DAE_SIGMAS = (0.25, 0.5, 0.75, 1.0)


def _denoising_metrics(model, x_test, seed=0):
    from aelab import metrics

    out = {}
    for sigma in DAE_SIGMAS:
        for key, value in metrics.denoising_scores(model, x_test, sigma, seed).items():
            out[f"{key}_sigma{sigma}"] = value  # psnr_sigma0.5, noisy_ssim_sigma1.0, ...
    return out


def _colorization_metrics(model, x_test, seed=0):
    from aelab import metrics

    return metrics.colorization_scores(model, x_test)


def _chroma_metrics(model, x_test, seed=0):
    # At the model's default temperature, and at the vivid end of the page's slider.
    from aelab import metrics
    from aelab.models.chroma import VIVID_TEMPERATURE

    vivid = metrics.colorization_scores(model, x_test, temperature=VIVID_TEMPERATURE)
    return {
        **metrics.colorization_scores(model, x_test),
        "temperature": model.temperature,
        "vivid_temperature": VIVID_TEMPERATURE,
        **{f"vivid_{k}": vivid[k] for k in ("psnr", "ssim", "colourfulness", "colourfulness_ratio", "beats_gray")},
    }


KINDS = {
    kind.name: kind
    for kind in (
        # The AE and VAE learn from redrawn digits (other pens, slants, sizes), so a student's digit lands
        # among its own kind (docs/models.md, "Other writers"); the VAE's milder redrawing keeps its -ELBO
        # under the evaluator's 150 nats, and the DAE's would cost it its PSNR threshold.
        ModelKind(
            "ae2d", N_("Autoencoder (AE)"), "AE", _build_ae, _reconstruction_metrics,
            rebuild="python -m aelab.train ae2d --epochs 30", latent_2d=True, link="ae", augment="standard",
        ),
        ModelKind(
            "vae2d", N_("Variational autoencoder (VAE)"), "VAE", _build_vae, _vae_metrics,
            rebuild="python -m aelab.train vae2d --epochs 30", latent_2d=True, posterior=True, link="vae",
            prior_extent=4.0, augment="mild",
            loss=None,  # The VAE's train_step owns its loss (reconstruction + KL).
        ),
        ModelKind(
            "dae", N_("Denoising autoencoder (DAE)"), "DAE", _build_dae, _denoising_metrics,
            # A wider code than the AE's (128 numbers, Dense 512) keeps printed shapes as their own digit.
            rebuild="python -m aelab.train dae --epochs 30 --schedule cosine --latent-dim 128 --hidden-units 512",
            pairs="noisy", augment="standard",
        ),
        ModelKind(
            "colorizer", N_("Colorizer (a distribution over colours)"), N_("Colorizer"), _build_chroma_colorizer,
            _chroma_metrics, rebuild="python -m aelab.train colorizer --epochs 10 --schedule cosine --lr 2e-3",
            dataset="cifar10", input_shape=(32, 32, 1), output_shape=(32, 32, 3), pairs="gray",
            loss=None,  # Its train_step owns the rebalanced cross-entropy over chroma bins.
        ),
        ModelKind(
            "colorizer_mse", N_("Colorizer (MSE regression)"), N_("Colorizer (MSE)"), _build_colorizer_mse,
            _colorization_metrics, rebuild="python -m aelab.train colorizer_mse --epochs 10 --schedule cosine",
            dataset="cifar10", input_shape=(32, 32, 1), output_shape=(32, 32, 3), pairs="gray",
        ),
    )
}  # fmt: skip


def _build_variant(builder_name):
    def build(cfg=None):
        from aelab import models

        return getattr(models, builder_name)()

    return build


# The tutorials' dense variants (Variants page): kinds too, but trained and shipped together by one
# study run, not by `python -m aelab.train`; kept apart from KINDS, whose names the CLIs list.
VARIANTS = {
    kind.name: kind
    for kind in (
        ModelKind(
            "dense_ae", N_("Dense AE"), N_("Dense AE"), _build_variant("build_dense_autoencoder"),
            _reconstruction_metrics, rebuild="python -m aelab.experiments variants",
            architecture=N_("784-64-784, ReLU code"), cli=False,
        ),
        ModelKind(
            "multilayer_ae", N_("Multi-layer AE"), N_("Multi-layer AE"),
            _build_variant("build_multilayer_autoencoder"), _reconstruction_metrics,
            rebuild="python -m aelab.experiments variants", architecture=N_("784-128-64-128-784, ReLU"), cli=False,
        ),
        ModelKind(
            "sparse_ae", N_("Sparse AE"), N_("Sparse AE"), _build_variant("build_sparse_autoencoder"),
            _reconstruction_metrics, rebuild="python -m aelab.experiments variants",
            architecture=N_("784-196-784, sigmoid code, KL sparsity"), cli=False,
        ),
    )
}  # fmt: skip


def names():
    """The names of the kinds `python -m aelab.train` trains, in the order the CLIs list them."""
    return tuple(KINDS)


def get(name):
    """Returns the `ModelKind` called `name`.

    Raises:
        ValueError: if there is no such kind.
    """
    try:
        return KINDS[name] if name in KINDS else VARIANTS[name]
    except KeyError:
        raise ValueError(
            f"Invalid value for argument model: expected one of {names() + tuple(VARIANTS)}. Received: model={name!r}"
        ) from None


def latent_kinds():
    """The kinds the latent pages show (AE and VAE), in display order."""
    return tuple(k for k in KINDS.values() if k.latent_2d)


def by_link(value):
    """The latent kind a link names (`"ae"`, `"vae"`).

    Raises:
        ValueError: if no latent kind has that link name.
    """
    for kind in latent_kinds():
        if kind.link == value:
            return kind
    raise ValueError(f"expected one of {[k.link for k in latent_kinds()]}. Received: {value!r}")
