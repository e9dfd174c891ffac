"""The sentences the studies write into their results, and how a stored one is shown in another language.

A study's result is saved in English (studies/<study>.json): the command line prints it and the study
PNGs draw it so. Its labels are messages marked with `N_` where they are made; its sentences are made
from the templates below with `str.format`, so `shown` can translate a stored sentence by the template
it came from (`aelab.i18n.from_template`), numbers and all, without running the study again.
"""

from aelab.i18n import N_, from_template

VARIANTS_SUMMARY = N_("Lowest relative error: {model} ({error:.3f}).")
VARIANTS_SPARSE_SUMMARY = N_(
    "Lowest relative error: {model} ({error:.3f}). Sparse AE mean activation {mean:.3f} against a target ρ of {rho:g}."
)
TARGET_RHO = N_("target ρ = {rho:g}")
RUN = N_("{optimizer} + {loss}")  # A denoiser's optimizer and loss: "Adam + MSE".
TEST_MSE = N_("test MSE (σ {sigma})")
OPTIMIZATION_SUMMARY = N_(
    "Best test PSNR at σ {sigma}: {best}, {psnr:.2f} dB (SSIM {ssim:.3f}); worst: {worst} {worst_psnr:.2f} dB."
)
PCA_SUMMARY = N_(
    "The conv AE reconstructs better than PCA at latent sizes {wins} (of {latents}); on {k}-D codes a softmax "
    "regression reaches {ae_accuracy:.1%} test accuracy, against {pixel_accuracy:.1%} on raw pixels."
)
ERROR_LINE = N_("{limit} relative error")  # The compression chart's line; a literal "% r" would read as %r.
NO_SIZE = N_("none")  # "...better than PCA at latent sizes none (of 2, 4)".
PCA_FEATURES = N_("PCA, {k} components")
AE_FEATURES = N_("conv-AE code, {k}-D (frozen)")
ACCURACY_TITLE = N_("Softmax regression on fixed features ({epochs} epochs, features centred and scaled)")
COMPRESSION_NONE = N_("No latent size kept the conv AE's relative error under 50 %.")
COMPRESSION_SUMMARY = N_(
    "Largest compression ratio with the conv AE's relative error under 50 %: {ratio:g} ({k}-D latent); "
    "PCA: {pca_ratio:g} ({pca_k} components)."
)
COMPRESSION_NO_PCA = N_(
    "Largest compression ratio with the conv AE's relative error under 50 %: {ratio:g} ({k}-D latent); "
    "PCA: none of these sizes."
)

# The templates with values, the more specific first: a stored text is matched against them in turn.
TEMPLATES = (
    VARIANTS_SPARSE_SUMMARY,
    VARIANTS_SUMMARY,
    OPTIMIZATION_SUMMARY,
    PCA_SUMMARY,
    COMPRESSION_SUMMARY,
    COMPRESSION_NO_PCA,
    ACCURACY_TITLE,
    PCA_FEATURES,
    AE_FEATURES,
    TARGET_RHO,
    ERROR_LINE,
    TEST_MSE,
    RUN,
)


def shown(value):
    """A stored result's text in the current language (other values, such as numbers, unchanged).

    Args:
        value: a text from a study result (a label, a column, a title, the summary), or a number.

    Returns:
        The translation, made from the template or message the English text came from.
    """
    return from_template(value, TEMPLATES) if isinstance(value, str) else value
