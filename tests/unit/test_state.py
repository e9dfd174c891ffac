"""The session's one state object (app_pages/_state.py)."""

import types

from aelab import shelf
from app_pages import _state


def _job(finished, model="model"):
    return types.SimpleNamespace(finished=finished, model=model if finished else None)


def test_a_new_session_uses_the_shipped_models_and_has_nothing_else():
    state = _state.AppState()
    assert state.active == {"ae2d": shelf.Choice("ae2d"), "vae2d": shelf.Choice("vae2d")}
    assert state.jobs == {} and state.trained == {} and state.rows == [] and state.prior_seed is None
    assert state.seeds == {"denoise": 0, "colorize": 0, "variants": 0}
    assert len(state.owner) == 32 and state.owner != _state.AppState().owner  # one pool owner per session


def test_sessions_share_no_mutable_field():
    a, b = _state.AppState(), _state.AppState()
    a.rows.append(3)
    a.seeds["denoise"] = 7
    a.figures["x"] = 1
    assert b.rows == [] and b.seeds["denoise"] == 0 and b.figures == {}


def test_a_finished_run_is_put_to_use_once_and_a_study_is_not_a_model():
    state = _state.AppState()
    running = _job(False)
    state.jobs = {"ae2d": running, "study:pca": _job(True)}
    state.adopt_finished()
    assert state.trained == {} and state.live_job() is running

    done = _job(True)
    state.jobs["ae2d"] = done
    state.adopt_finished()
    assert state.trained == {"ae2d": done} and state.active["ae2d"] == shelf.Choice("ae2d", shelf.SESSION)
    assert state.live_job() is None

    state.active["ae2d"] = shelf.Choice("ae2d")  # the user went back to the shipped one
    state.adopt_finished()
    assert state.active["ae2d"] == shelf.Choice("ae2d")  # not taken over again


def test_a_run_stopped_before_it_trained_anything_is_not_adopted():
    state = _state.AppState()
    state.jobs["vae2d"] = _job(True, model=None)
    state.adopt_finished()
    assert state.trained == {} and state.active["vae2d"] == shelf.Choice("vae2d")
