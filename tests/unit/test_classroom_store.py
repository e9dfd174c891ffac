"""The classroom store on SQLite and on a throw-away PostgreSQL: codes, tokens, limits, expiry, 30 writers."""

import threading

import numpy as np
import pytest
import sqlalchemy as sa

from aelab.classroom import codes, store
from tests import pg_cluster
from tests.conftest import REPO


@pytest.fixture(scope="module")
def postgres_url():
    if pg_cluster.binaries() is None:
        pytest.skip("PostgreSQL's server programs are not installed (apt-get install postgresql)")
    with pg_cluster.cluster() as url:
        yield url


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    base = request.getfixturevalue("postgres_url")
    # One database per test: no class of one test is seen by another.
    name = f"t{abs(hash(request.node.nodeid)) % 10**12}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make(url, clock):
    made = []

    def build(**limits):
        s = store.ClassStore(url, store.Limits(**limits), clock=clock)
        made.append(s)
        return s

    yield build
    for s in made:
        s.dispose()


DIGIT = np.zeros((28, 28), np.uint8)
DIGIT[6:22, 12:16] = 255  # A one.


def test_codes_avoid_look_alikes_and_normalize():
    code = codes.new_code()
    assert len(code) >= 6 and not set(code) & set("0O1IL")
    assert codes.normalize_code(" k7q-m4x ") == "K7QM4X"
    assert codes.normalize_code("K7QM40") is None  # A zero is never in a code.
    assert codes.normalize_code("K7Q") is None
    assert codes.clean_nickname("  <b>Ann</b>\x00\n  " + "x" * 40) == ("<b>Ann</b> " + "x" * 40)[: codes.NICKNAME_MAX]
    assert codes.clean_nickname(" \t ") is None


def test_schema_is_created_and_versioned(make, url):
    s = make()
    assert s.schema_version() == store.SCHEMA_VERSION
    make()  # A second start (a replica, a restart) finds the schema and keeps it.
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(store.schema_version.update().values(version=store.SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(RuntimeError, match="newer than this aelab"):
        make()


def test_token_is_stored_hashed_and_required(make, url):
    s = make()
    info, token = s.create_class()
    assert s.is_teacher(info.code, token) and not s.is_teacher(info.code, token + "x")
    assert not s.is_teacher(info.code, None) and not s.is_teacher("ZZZZZZ", token)
    with s.engine.connect() as conn:
        stored = conn.execute(sa.select(store.classes.c.token_hash)).scalar()
    assert stored == codes.hash_token(token) and token not in stored
    d = s.add_drawing(info.code, "student-1", DIGIT, 1)
    for forged in (None, "", "guess", codes.new_token()):
        with pytest.raises(store.NotTeacher):
            s.hide(info.code, forged, d.id)
        with pytest.raises(store.NotTeacher):
            s.clear(info.code, forged, 10**9)
        with pytest.raises(store.NotTeacher):
            s.close(info.code, forged)
        with pytest.raises(store.NotTeacher):
            s.set_pin(info.code, forged, "ae2d", (0, 0), "latent_space")
    assert s.counts(info.code) == (1, 1) and not s.get(info.code).closed


def test_a_teacher_of_one_class_cannot_act_on_another(make):
    s = make()
    a, token_a = s.create_class()
    b, _token_b = s.create_class()
    d = s.add_drawing(b.code, "student", DIGIT, 1)
    with pytest.raises(store.NotTeacher):
        s.hide(b.code, token_a, d.id)
    with pytest.raises(store.ClassroomError):
        s.hide(a.code, token_a, d.id)  # Its own class, another class's drawing.


def test_version_counts_changes_and_a_replayed_clear_keeps_later_digits(make, clock):
    s = make(min_interval_s=0)
    info, token = s.create_class()
    v0 = s.poll(info.code)
    first = s.add_drawing(info.code, "a", DIGIT, 1, nickname="Ann", ae=(0.5, -1), vae=(1, 2))
    assert s.poll(info.code)[0] == v0[0] + 1
    assert first.ae == (0.5, -1.0) and first.vae == (1.0, 2.0)
    s.hide(info.code, token, first.id)
    assert s.counts(info.code) == (0, 0)
    assert s.poll(info.code)[0] == v0[0] + 2
    seen = s.poll(info.code)[0]
    later = s.add_drawing(info.code, "b", DIGIT, 7)
    assert s.clear(info.code, token, seen) == 1
    assert s.clear(info.code, token, seen) == 0  # Sent again: the later digit stays.
    assert [d.id for d in s.drawings(info.code)] == [later.id]
    s.set_pin(info.code, token, "vae2d", (1.5, -0.5), "latent_space")
    pin = s.pin(info.code)
    assert pin.kind == "vae2d" and pin.point == (1.5, -0.5) and pin.page == "latent_space" and pin.seq == 1
    assert s.poll(info.code)[1] == 1


def test_student_limits(make, clock):
    s = make(min_interval_s=1.0, per_student=3)
    info, _token = s.create_class()
    s.add_drawing(info.code, "a", DIGIT, 1)
    with pytest.raises(store.TooFast):
        s.add_drawing(info.code, "a", DIGIT, 1)
    s.add_drawing(info.code, "b", DIGIT, 1)  # Another student is not slowed by the first.
    for _ in range(2):
        clock.t += 1.0
        s.add_drawing(info.code, "a", DIGIT, 1)
    clock.t += 1.0
    with pytest.raises(store.TooMany):
        s.add_drawing(info.code, "a", DIGIT, 1)
    assert s.counts(info.code) == (4, 2)
    assert [d.session for d in s.drawings(info.code, session="b")] == ["b"]


@pytest.mark.parametrize(
    "image, digit",
    [(np.zeros((28, 27), np.uint8), 1), (np.zeros((28, 28), np.float32), 1), (DIGIT, 10), (DIGIT, "3"), (DIGIT, True)],
)
def test_malformed_drawings_are_refused(make, image, digit):
    s = make()
    info, _token = s.create_class()
    with pytest.raises(store.BadDrawing):
        s.add_drawing(info.code, "a", image, digit)
    assert s.counts(info.code) == (0, 0)


def test_wrong_codes_are_limited(make, clock):
    s = make(join_failures=3, join_window_s=60)
    info, _token = s.create_class()
    assert s.join(info.code.lower(), "phone").code == info.code
    for _ in range(3):
        with pytest.raises(store.UnknownClass):
            s.join("ZZZZZZ", "phone")
    with pytest.raises(store.JoinLimited):
        s.join(info.code, "phone")  # Even the right code: no oracle for a guesser.
    assert s.join(info.code, "another phone").code == info.code
    clock.t += 61
    assert s.join(info.code, "phone").code == info.code


def test_closed_and_expired_classes(make, clock):
    s = make(lifetime_s=3600)
    info, token = s.create_class()
    s.add_drawing(info.code, "a", DIGIT, 1)
    s.close(info.code, token)
    with pytest.raises(store.ClassClosed):
        s.join(info.code, "b")
    with pytest.raises(store.ClassClosed):
        s.add_drawing(info.code, "b", DIGIT, 2)
    other, _t = s.create_class(lifetime_s=7200)
    clock.t += 3600
    with pytest.raises(store.ClassExpired):
        s.join(info.code, "b")
    with pytest.raises(store.ClassExpired):
        s.poll(info.code)
    assert s.purge_expired() == 1
    with pytest.raises(store.UnknownClass):
        s.get(info.code)
    with s.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.drawings)).scalar() == 0
    assert s.get(other.code).code == other.code  # Not yet expired: kept.


def test_default_lifetime_is_seven_days(make, clock):
    info, _token = make().create_class()
    assert info.expires_at - info.created_at == 7 * 24 * 3600


def test_thirty_concurrent_writers_lose_nothing(make):
    s = make(min_interval_s=0)
    info, _token = s.create_class()
    errors, start = [], threading.Barrier(30)

    def student(i):
        try:
            start.wait()
            for k in range(5):
                s.add_drawing(info.code, f"student-{i}", DIGIT, k)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = s.drawings(info.code)
    assert len(stored) == 150 and s.counts(info.code) == (150, 30)
    assert sorted(d.version for d in stored) == list(range(1, 151))  # One version per change, none twice.
    assert s.poll(info.code)[0] == 150


def test_sqlite_default_is_a_wal_file_in_the_user_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(store.URL_ENV, raising=False)
    monkeypatch.setattr(store.locations, "WORK_DIR", str(tmp_path))
    s = store.ClassStore()
    try:
        assert s.url == f"sqlite:///{tmp_path / 'classroom' / 'classes.sqlite3'}"
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        s.dispose()
    monkeypatch.setenv(store.URL_ENV, "postgresql+psycopg://u@127.0.0.1:1/x")
    assert store.default_url() == "postgresql+psycopg://u@127.0.0.1:1/x"


def test_landed_among_counts_the_nearest_test_digits():
    from aelab.classroom import landing

    z = np.array([[0, 0], [0, 0.1], [0.1, 0], [5, 5], [5, 5.1], [5.1, 5]], "float32")
    y = np.array([4, 4, 4, 7, 7, 7])
    points = [[0.05, 0.05], [5, 5]]
    assert landing.landed_among(z, y, points, k=3).tolist() == [4, 7]
    assert landing.score(z, y, points, [4, 1], k=3) == 0.5
    assert np.isnan(landing.score(z, y, np.zeros((0, 2)), []))


def test_class_digits_export_in_mnists_layout_and_mix():
    import io

    from aelab.classroom import training

    images = np.stack([DIGIT, 255 - DIGIT])
    with np.load(io.BytesIO(training.export_digits(images, [1, 7]))) as f:
        assert f["x"].dtype == np.uint8 and f["x"].shape == (2, 28, 28) and f["y"].tolist() == [1, 7]
        assert (f["x"][1] == 255 - DIGIT).all()
    x = training.mix(training.to_model_input(images), np.zeros((600, 28, 28, 1), "float32"))
    assert x.shape[1:] == (28, 28, 1) and 0.2 < (len(x) - 600) / len(x) < 0.3  # About a quarter the class's.


def test_class_map_draws_the_test_digits_once_as_a_picture():
    import io

    from PIL import Image

    from aelab.figures import class_map

    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(10_000, 2)), rng.integers(0, 10, 10_000)
    box = class_map.bounds(z)
    png = class_map.background_png(z, y, box)
    picture = Image.open(io.BytesIO(png))
    assert picture.size == class_map.BACKGROUND_PX and picture.mode == "RGBA"
    assert 0 < np.asarray(picture)[..., 3].mean() < 255  # Faded dots on a transparent ground.
    fig = class_map.class_map(png, box, [[0, 0], [100, 0]], [3, 3], ["a", "&lt;b&gt;"])
    assert len(fig.layout.images) == 1 and len(fig.data) == 1  # The class's 3s only; no 10,000-point trace.
    assert max(fig.data[0].x) == box[0][1]  # A point far outside is drawn on the map's edge.
    assert len(fig.to_json()) < len(png) * 1.5 + 20_000


WRITER = """
import sys
import numpy as np
from aelab.classroom import store
s = store.ClassStore(sys.argv[1], store.Limits(min_interval_s=0, per_student=10**6))
info, _token = s.create_class()
print(info.code, flush=True)
image = np.zeros((28, 28), np.uint8)
for i in range(10**6):
    d = s.add_drawing(info.code, f"student-{i % 30}", image, i % 10)
    print(d.id, flush=True)  # Acknowledged: the transaction has committed.
"""


def test_sqlite_keeps_every_acknowledged_digit_through_a_kill_9(tmp_path):
    import signal
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True, cwd=REPO)
    code = proc.stdout.readline().strip()
    acked = [int(proc.stdout.readline()) for _ in range(200)]
    proc.send_signal(signal.SIGKILL)  # Mid-write: no clean-up, no checkpoint of the WAL.
    proc.wait()
    acked += [int(line) for line in proc.stdout.read().split()]  # Printed before the kill.
    s = store.ClassStore(url)
    try:
        stored = {d.id for d in s.drawings(code)}
    finally:
        s.dispose()
    assert set(acked) <= stored and len(stored) - len(acked) <= 1  # At most the one in flight, committed unsaid.
