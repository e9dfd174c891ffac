"""The classes' news files (aelab.classroom.news) and the remembered votes (landing.LandedCache)."""

import json

import numpy as np
import pytest

from aelab.classroom import landing, news
from tests.unit.test_classroom_store import DIGIT, Clock, clock, make, postgres_url, url  # noqa: F401


def read(folder, code):
    got = json.loads((folder / news.file_name(code)).read_text())
    assert got.pop("beat") >= 1  # The heartbeat's counter, checked on its own below.
    return got


def test_news_follows_a_class_and_says_when_it_is_gone(make, clock, tmp_path):  # noqa: F811
    s = make()
    info, token = s.create_class(lifetime_s=60)
    # The test reads by hand (poll_once), not on a timer, and no heartbeat rewrites an unchanged file.
    room = news.Newsroom(s, tmp_path, interval_s=3600, heartbeat_s=3600)
    try:
        name = room.watch(info.code, s.poll(info.code))
        assert name == news.file_name(info.code) and info.code not in name
        assert read(tmp_path, info.code) == {"version": 0, "pin": 0, "closed": False, "gone": False}

        s.add_drawing(info.code, "s1", DIGIT, 1, ae=(0.1, 0.2))
        s.set_pin(info.code, token, "ae2d", (1.0, -1.0), "latent_space")
        room.poll_once()
        got = read(tmp_path, info.code)
        assert got["version"] >= 1 and got["pin"] == 1 and not got["closed"]

        # A page's older read never undoes the thread's fresher one: counters only grow.
        room.watch(info.code, (0, 0, False))
        assert read(tmp_path, info.code) == got

        s.close(info.code, token)
        room.poll_once()
        assert read(tmp_path, info.code)["closed"]

        clock.t += 61  # Expired: the pages learn it is gone.
        room.poll_once()
        assert read(tmp_path, info.code) == {"gone": True}
    finally:
        room.stop()


def test_poll_many_reads_every_class_in_one_query(make):  # noqa: F811
    s = make()
    a, _ta = s.create_class()
    b, tb = s.create_class()
    s.set_pin(b.code, tb, "vae2d", (0.0, 0.0), "latent_space")
    got = s.poll_many([a.code, b.code.lower(), "ZZZZZZ", "not a code"])
    assert got[a.code] == s.poll(a.code) and got[b.code] == s.poll(b.code) and got[b.code][1] == 1
    assert got["ZZZZZZ"] is None and len(got) == 3


def test_the_thread_publishes_without_being_asked(make, tmp_path):  # noqa: F811
    s = make()
    info, _token = s.create_class()
    room = news.Newsroom(s, tmp_path, interval_s=0.01)
    try:
        room.watch(info.code, s.poll(info.code))
        s.add_drawing(info.code, "s1", DIGIT, 1)
        want = s.poll(info.code)[0]
        for _ in range(500):  # The thread's next read, however loaded the machine (at most 5 s at 10 ms).
            if read(tmp_path, info.code)["version"] == want:
                break
            room._stop.wait(0.01)
        assert read(tmp_path, info.code)["version"] == want
    finally:
        room.stop()


def test_landed_cache_votes_once_per_drawing_and_agrees_with_score():
    rng = np.random.default_rng(0)
    z_test = rng.normal(size=(500, 2)).astype("float32")
    y_test = (z_test[:, 0] > 0).astype("int64") * 7  # Left half 0s, right half 7s.
    points = rng.normal(size=(40, 2)).astype("float32")
    meant = rng.choice([0, 7], size=40)
    cache = landing.LandedCache(z_test, y_test)
    keys = list(range(40))
    assert cache.score(keys, points, meant) == pytest.approx(landing.score(z_test, y_test, points, meant))
    # Remembered: a key already voted on is not voted on again (a moved point under the same key keeps its vote).
    assert np.array_equal(cache.landed(keys[:5], points[:5] + 100), landing.landed_among(z_test, y_test, points[:5]))
    assert np.isnan(cache.score([], np.zeros((0, 2)), []))


def test_news_of_counters():
    assert news.news_of(None) == {"gone": True}
    assert news.news_of((3, 2, True)) == {"version": 3, "pin": 2, "closed": True, "gone": False}


def test_move_drawings_files_a_sessions_digits_under_another_id(make):  # noqa: F811
    s = make()
    info, _token = s.create_class()
    s.add_drawing(info.code, "new-id", DIGIT, 1)
    s.add_drawing(info.code, "other", DIGIT, 1)
    before = s.poll(info.code)[0]
    assert s.move_drawings(info.code, "new-id", "tab-id") == 1
    assert [d.session for d in s.drawings(info.code, session="tab-id")] == ["tab-id"]
    assert s.counts(info.code) == (2, 2) and s.poll(info.code)[0] == before + 1  # The teacher's page hears of it.
    assert s.move_drawings(info.code, "nobody", "tab-id") == 0 and s.poll(info.code)[0] == before + 1


def test_a_watched_file_beats_while_nothing_moves(make, tmp_path):  # noqa: F811
    s = make()
    info, _token = s.create_class()
    room = news.Newsroom(s, tmp_path, interval_s=3600, heartbeat_s=0.0)  # Every read rewrites it.
    path = tmp_path / news.file_name(info.code)
    try:
        room.watch(info.code, s.poll(info.code))
        first = json.loads(path.read_text())["beat"]
        room.poll_once()
        again = json.loads(path.read_text())
        assert again["beat"] == first + 1 and again["version"] == 0
    finally:
        room.stop()
