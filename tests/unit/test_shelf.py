"""Which model is in use (aelab.shelf): the typed choice, resolving it, the one save path."""

import json
import types

import pytest

from aelab import checkpoints, shelf


@pytest.mark.parametrize("text", ["shipped", "session", "saved:lesson3", "saved:class_2026-12"])
def test_a_choice_prints_what_it_parses(text):
    assert str(shelf.Choice.parse("vae2d", text)) == text


@pytest.mark.parametrize("text", ["", "saved", "saved:", "session:x", "trained", "saved:../evil", "saved:a b"])
def test_a_bad_choice_is_refused_with_a_message(text):
    with pytest.raises(ValueError):
        shelf.Choice.parse("ae2d", text)


def test_unknown_kind_and_source_are_refused():
    with pytest.raises(ValueError, match="model"):
        shelf.Choice("gan2d")
    with pytest.raises(ValueError, match="source"):
        shelf.Choice("ae2d", "borrowed")


def test_a_link_names_only_saved_models():
    assert shelf.Choice.from_link("vae2d", "lesson3") == shelf.Choice("vae2d", shelf.SAVED, "lesson3")
    assert shelf.Choice.from_link("vae2d", "shipped") == shelf.Choice("vae2d")
    assert shelf.Choice("vae2d", shelf.SAVED, "lesson3").link_value == "lesson3"
    assert shelf.Choice("vae2d", shelf.SESSION).link_value is None
    assert shelf.Choice("vae2d").link_value is None


def test_labels_say_where_the_model_comes_from():
    assert shelf.Choice("ae2d").label() == "shipped checkpoint 'ae2d'"
    assert shelf.Choice("ae2d", shelf.SAVED, "x").label() == "saved model 'x'"
    assert shelf.Choice("ae2d", shelf.SESSION).label(epochs=1) == "trained in this session (1 epoch)"


def _fake_job(model):
    return types.SimpleNamespace(model=model, id="j1", history={"loss": [1.0, 0.5]}, metadata=lambda: {"epochs": 2})


def test_resolve_a_session_model_and_its_fallback_when_it_is_gone(tmp_path):
    model = object()
    got, info, used = shelf.resolve(shelf.Choice("ae2d", shelf.SESSION), tmp_path, _fake_job(model))
    assert got is model and info.key == "session:j1" and info.label == "trained in this session (2 epochs)"
    assert used.source == shelf.SESSION

    loaded = []
    got, info, used = shelf.resolve(
        shelf.Choice("ae2d", shelf.SESSION), tmp_path, None, loader=lambda *a: loaded.append(a) or "shipped model"
    )
    assert got == "shipped model" and used == shelf.Choice("ae2d") and info.source == shelf.SHIPPED
    assert loaded[0][0] == "ae2d" and info.key.startswith("shipped:ae2d:")


def test_resolve_a_saved_model_reads_it_from_the_user_folder(tmp_path):
    (tmp_path / "lesson3.json").write_text(json.dumps({"kind": "vae2d", "sha256": "abc"}))
    got, info, _used = shelf.resolve(
        shelf.Choice("vae2d", shelf.SAVED, "lesson3"), tmp_path, loader=lambda name, folder, kind: (name, folder, kind)
    )
    assert got == ("lesson3", str(tmp_path), "vae2d") and info.key == "saved:lesson3:abc"
    assert shelf.saved_names("vae2d", tmp_path) == ["lesson3"] and shelf.saved_names("ae2d", tmp_path) == []


def test_resolve_a_missing_saved_model_raises_for_the_page_to_show(tmp_path):
    with pytest.raises(checkpoints.CheckpointError):
        shelf.resolve(shelf.Choice("vae2d", shelf.SAVED, "gone"), tmp_path)


def test_save_writes_the_sidecar_and_a_latent_kinds_decoder(tmp_path):
    from aelab.models import registry
    from aelab.training.config import TrainConfig

    model = registry.get("ae2d").build(TrainConfig(model="ae2d"))
    shelf.save(model, "mine", {"kind": "ae2d"}, "ae2d", tmp_path, exist_ok=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.decoder.onnx", "mine.json", "mine.keras"]
    with pytest.raises(checkpoints.NameTakenError):
        shelf.save(model, "mine", {"kind": "ae2d"}, "ae2d", tmp_path, exist_ok=False)
    assert isinstance(shelf.load("mine", tmp_path, "ae2d"), type(model))
