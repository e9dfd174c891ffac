"""On-the-fly augmentation of training digits (aelab.training.augment) and its place in the pipeline."""

import json
import os

import numpy as np
import pytest

from aelab.models import registry
from aelab.training import augment, pipeline


def _digits(n=16, seed=0):
    # A stroke-like test batch: a bar and a ring on black, in [0, 1].
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28, 1), np.float32)
    yy, xx = np.mgrid[:28, :28]
    for i in range(n):
        r = np.hypot(yy - 14 - rng.integers(-2, 3), xx - 14)
        x[i, :, :, 0] = np.clip(1.5 - np.abs(r - 6 - i % 3), 0, 1)
        x[i, 5:23, 13 + i % 2, 0] = 1.0
    return x


def test_same_seed_same_batch_and_other_seed_another():
    x = _digits()
    a = augment.augment(x, np.random.default_rng([1337, 0, 3]), 1.0)
    b = augment.augment(x, np.random.default_rng([1337, 0, 3]), 1.0)
    c = augment.augment(x, np.random.default_rng([1337, 0, 4]), 1.0)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).mean() > 0.01


@pytest.mark.parametrize("name", list(augment.STRENGTHS))
def test_shapes_dtype_and_range_are_kept(name):
    x = _digits()
    out = augment.augment(x, np.random.default_rng(0), augment.strength_of(name))
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.isfinite(out).all()
    if name == "none":
        np.testing.assert_array_equal(out, x)
    else:
        assert not np.array_equal(out, x)
    assert augment.augment(x[:, :, :, 0], np.random.default_rng(0), 1.0).shape == (16, 28, 28)


def test_the_operations_do_what_they_say():
    x = _digits(4)[..., 0]
    assert augment.dilate(x, square=True).sum() > augment.dilate(x).sum() > x.sum() > augment.erode(x).sum()
    np.testing.assert_allclose(augment.blur(x).sum(), x.sum(), rtol=0.02)  # Ink away from the edge is kept.
    yy, xx = np.mgrid[:28, :28].astype(np.float32)
    same = augment.sample_bilinear(x, np.broadcast_to(yy, x.shape), np.broadcast_to(xx, x.shape))
    np.testing.assert_allclose(same, x, atol=1e-6)
    shifted = augment.sample_bilinear(x, np.broadcast_to(yy - 1, x.shape), np.broadcast_to(xx, x.shape))
    np.testing.assert_allclose(shifted[:, 1:], x[:, :-1], atol=1e-6)  # Sampling one row up moves ink down.


def test_unknown_strength_is_refused_in_keras_words():
    with pytest.raises(ValueError, match="augment"):
        augment.strength_of("lots")
    with pytest.raises(ValueError, match="augment"):
        pipeline.TrainConfig(augment="lots")


def test_the_pipeline_augments_training_batches_only_and_the_dae_noises_the_augmented_digit():
    x = _digits(40)
    cfg = pipeline.TrainConfig(model="dae", batch_size=8, augment="standard")
    train = pipeline.make_inputs(cfg, x, shuffle=True)
    noisy, clean = train[0]
    idx = np.sort(train._order[:8])
    assert not np.allclose(clean, x[idx])  # The target is the redrawn digit...
    assert not np.allclose(noisy, clean)  # ...and the input is it with noise on top.
    again = pipeline.make_inputs(cfg, x, shuffle=True)[0]
    np.testing.assert_array_equal(again[1], clean)
    val = pipeline.make_inputs(pipeline.TrainConfig(model="ae2d", augment="standard"), x, shuffle=False)
    np.testing.assert_array_equal(val[0], x)  # Validation stays MNIST's own digits.
    seq = pipeline.make_inputs(pipeline.TrainConfig(model="ae2d", batch_size=8, augment="mild"), x)
    redrawn, target = seq[0]
    np.testing.assert_array_equal(target, x[np.sort(seq._order[:8])])  # The AE's target: MNIST's own digit.
    assert not np.allclose(redrawn, target)


def test_the_vae_scores_its_reconstruction_against_the_targets():
    from aelab.models.vae import build_vae

    vae = build_vae(hidden_units=8, filters=(4, 8), seed=1)
    x = _digits(4)
    same = [float(t) for t in vae.loss_terms((x, x))]
    other = [float(t) for t in vae.loss_terms((x, np.zeros_like(x)))]
    assert same[0] != other[0] and same[1] == other[1]  # Reconstruction moves with the target, KL does not.
    assert [float(t) for t in vae.loss_terms(x)] == pytest.approx(same, rel=0.01)  # z is sampled anew.


@pytest.mark.parametrize("kind", [k for k in registry.KINDS.values() if k.dataset == "mnist"], ids=lambda k: k.name)
def test_the_registry_names_the_augmentation_of_each_shipped_checkpoint(kind, checkpoint_dir):
    """The registry, its rebuild command and the shipped sidecar agree on how the digits were redrawn."""
    assert kind.augment in augment.STRENGTHS
    assert (f"--augment {kind.augment}" in kind.rebuild) == (kind.augment != "none")
    with open(os.path.join(checkpoint_dir, f"{kind.name}.json")) as f:
        assert json.load(f)["config"].get("augment", "none") == kind.augment
