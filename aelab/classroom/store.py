"""A class's store: classes, their drawings and the teacher's pin, in SQLite or PostgreSQL (SQLAlchemy Core).

One `ClassStore` per server process. By default it is an SQLite file in WAL mode in aelab's user folder
(nothing to install); `AELAB_DATABASE_URL=postgresql+psycopg://...` lets several replicas share classes.

Every change to a class (a drawing sent, hidden, cleared, the class closed) raises the class's `version`
by one in the same transaction, and a pin raises its `pin_seq`: a page that wants to know "anything new
since N?" reads two integers (`poll`), and rebuilds only when they moved.

Teacher actions carry the teacher's token, checked against its stored hash on every call. A replayed
action gains nothing: hide and close are idempotent, and clear removes only the drawings up to the
version the teacher saw (`clear(..., up_to_version)`), so a clear sent again never removes later ones.
The token is never in the join link, so a student cannot forge one.

Writes on SQLite take the database's write lock at BEGIN (`BEGIN IMMEDIATE`), so thirty writers queue on
the busy timeout instead of failing to upgrade a read lock; on PostgreSQL the `UPDATE ... version + 1`
at the start of each write locks the class's row, which orders the rate-limit checks of one class.
"""

import contextlib
import dataclasses
import os
import time

import numpy as np
import sqlalchemy as sa

from aelab import locations
from aelab.classroom import codes
from aelab.i18n import _

URL_ENV = "AELAB_DATABASE_URL"
SCHEMA_VERSION = 1
DIGIT_SHAPE = (28, 28)
DAY_S = 24 * 3600.0
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a writer waits for the lock before failing.


class ClassroomError(ValueError):
    """A request the store refuses; the message says why, for the user."""


class UnknownClass(ClassroomError):
    pass


class ClassClosed(ClassroomError):
    pass


class ClassExpired(ClassroomError):
    pass


class NotTeacher(ClassroomError):
    pass


class TooFast(ClassroomError):
    pass


class TooMany(ClassroomError):
    pass


class JoinLimited(ClassroomError):
    pass


class BadDrawing(ClassroomError):
    pass


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one student, one browser and one class may do.

    Attributes:
        min_interval_s: seconds between two drawings of one student.
        per_student: drawings one student may send to one class.
        join_failures: wrong codes one client may try within `join_window_s` before it must wait.
        join_window_s: the window of `join_failures`.
        lifetime_s: how long a class lives after it starts (default 7 days), then it is deleted.
    """

    min_interval_s: float = 1.0
    per_student: int = 50
    join_failures: int = 10
    join_window_s: float = 600.0
    lifetime_s: float = 7 * DAY_S

    def __post_init__(self):
        if self.min_interval_s < 0 or self.per_student < 1 or self.join_failures < 1 or self.lifetime_s <= 0:
            raise ValueError(
                f"Invalid classroom limits: expected non-negative interval, counts >= 1 and a positive lifetime. Received: {self}"
            )


@dataclasses.dataclass(frozen=True)
class ClassInfo:
    """A class as a page sees it (never its token)."""

    id: int
    code: str
    created_at: float
    expires_at: float
    closed: bool
    version: int
    pin_seq: int


@dataclasses.dataclass(frozen=True)
class Drawing:
    """One digit a student sent: `image` is uint8 (28, 28), white ink on black as MNIST."""

    id: int
    image: np.ndarray
    digit: int
    nickname: str | None
    session: str
    hidden: bool
    created_at: float
    ae: tuple | None
    vae: tuple | None
    version: int


@dataclasses.dataclass(frozen=True)
class Pin:
    """The teacher's pinned point: a latent kind, the point, the page it is on, and its sequence number."""

    kind: str
    point: tuple
    page: str
    seq: int


metadata = sa.MetaData()

schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))

classes = sa.Table(
    "classes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(16), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
    sa.Column("closed", sa.Boolean, nullable=False, default=False),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    sa.Column("pin_seq", sa.Integer, nullable=False, default=0),
    sa.Column("pin_kind", sa.String(32)),
    sa.Column("pin_x", sa.Float),
    sa.Column("pin_y", sa.Float),
    sa.Column("pin_page", sa.String(32)),
)

drawings = sa.Table(
    "drawings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    sa.Column("session", sa.String(64), nullable=False),
    sa.Column("nickname", sa.String(codes.NICKNAME_MAX)),
    sa.Column("digit", sa.SmallInteger, nullable=False),
    sa.Column("image", sa.LargeBinary, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("ae_x", sa.Float),
    sa.Column("ae_y", sa.Float),
    sa.Column("vae_x", sa.Float),
    sa.Column("vae_y", sa.Float),
    sa.Index("drawings_by_class", "class_id", "session"),
)

join_failures = sa.Table(
    "join_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)


def default_url():
    """`AELAB_DATABASE_URL`, else an SQLite file in the user folder (`<work dir>/classroom/classes.sqlite3`)."""
    url = os.environ.get(URL_ENV)
    if url:
        return url
    folder = os.path.join(locations.WORK_DIR, "classroom")
    os.makedirs(folder, exist_ok=True)
    return "sqlite:///" + os.path.join(folder, "classes.sqlite3")


def _engine(url):
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)  # A restarted database: reconnect, not fail.
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, says when a transaction begins.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # Readers never wait for the writer.
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last commit, a kill -9 none.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("aelab_write") else "BEGIN")

    return engine


def _check_image(image):
    a = np.asarray(image)
    if a.shape != DIGIT_SHAPE or a.dtype != np.uint8:
        raise BadDrawing(
            _("A drawing must be a 28 × 28 grey image of bytes. Received: shape {shape}, type {dtype}.").format(
                shape=tuple(a.shape), dtype=a.dtype
            )
        )
    return np.ascontiguousarray(a).tobytes()


def _check_digit(digit):
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= int(digit) <= 9:
        raise BadDrawing(_("The digit you meant must be one of 0 to 9. Received: {digit!r}.").format(digit=digit))
    return int(digit)


def _point(p):
    if p is None:
        return None, None
    x, y = (float(v) for v in p)
    if not (np.isfinite(x) and np.isfinite(y)):
        return None, None
    return x, y


class ClassStore:
    """The classes of one database.

    Args:
        url: an SQLAlchemy URL; default `default_url()`.
        limits: the `Limits`.
        clock: returns the time in seconds (tests pass their own).
    """

    def __init__(self, url=None, limits=None, clock=time.time):
        self.url = url or default_url()
        self.limits = limits or Limits()
        self.clock = clock
        self.engine = _engine(self.url)
        self._create_schema()

    def dispose(self):
        """Closes the store's connections."""
        self.engine.dispose()

    # Schema.

    def _create_schema(self):
        for attempt in range(3):  # Two replicas starting at once may both try to create the tables.
            try:
                metadata.create_all(self.engine)
                break
            except sa.exc.DBAPIError:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        with self._write() as conn:
            found = conn.execute(sa.select(schema_version.c.version)).scalar()
            if found is None:
                conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif found > SCHEMA_VERSION:
                raise RuntimeError(
                    f"The classroom database at {self.engine.url!r} has schema version {found}, newer than this "
                    f"aelab's {SCHEMA_VERSION}: upgrade aelab, or point {URL_ENV} at another database."
                )
            # Older versions would be migrated here, one step at a time; version 1 is the first.

    def schema_version(self):
        """The schema version stored in the database."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(schema_version.c.version)).scalar()

    @contextlib.contextmanager
    def _write(self):
        """A connection in a write transaction: committed at the end, rolled back on an exception."""
        with self.engine.connect().execution_options(aelab_write=True) as conn, conn.begin():
            yield conn

    # Classes.

    def create_class(self, lifetime_s=None):
        """Starts a class with a fresh code and teacher token.

        Args:
            lifetime_s: seconds until it expires; default `limits.lifetime_s`.

        Returns:
            `(ClassInfo, token)`: the token is shown to the teacher once; only its hash is kept.
        """
        self.purge_expired()
        now = self.clock()
        lifetime = self.limits.lifetime_s if lifetime_s is None else float(lifetime_s)
        token = codes.new_token()
        for _attempt in range(20):
            code = codes.new_code()
            try:
                with self._write() as conn:
                    conn.execute(
                        classes.insert().values(
                            code=code, token_hash=codes.hash_token(token), created_at=now,
                            expires_at=now + lifetime, closed=False, version=0, pin_seq=0,
                        )
                    )  # fmt: skip
                return self.get(code), token
            except sa.exc.IntegrityError:
                continue  # The code is taken; draw another.
        raise RuntimeError("Could not find a free join code in 20 draws")

    def _row(self, conn, code, *, lock=False):
        code = codes.normalize_code(code)
        row = None
        if code is not None:
            query = sa.select(classes).where(classes.c.code == code)
            row = conn.execute(query.with_for_update() if lock else query).mappings().first()
        if row is None:
            raise UnknownClass(
                _("There is no class with the code {code}: check the code on the board.").format(code=code)
            )
        if row["expires_at"] <= self.clock():
            raise ClassExpired(
                _("The class {code} has ended (it expired): ask your teacher for a new code.").format(code=row["code"])
            )
        return row

    @staticmethod
    def _info(row):
        return ClassInfo(
            row["id"],
            row["code"],
            row["created_at"],
            row["expires_at"],
            bool(row["closed"]),
            row["version"],
            row["pin_seq"],
        )

    def get(self, code):
        """The class of `code` (closed or not).

        Raises:
            UnknownClass, ClassExpired.
        """
        with self.engine.connect() as conn:
            return self._info(self._row(conn, code))

    def join(self, code, client):
        """A student joins: the class, if its code is right and it is open.

        Wrong codes count against `client` (a browser session); after `limits.join_failures` of them
        within `limits.join_window_s`, every attempt of that client is refused until the window passes.

        Args:
            code: what the student typed or the link carried.
            client: the student's session id.

        Returns:
            The `ClassInfo`.

        Raises:
            JoinLimited, UnknownClass, ClassExpired, ClassClosed.
        """
        now = self.clock()
        client = str(client)[:64]
        since = now - self.limits.join_window_s
        with self.engine.connect() as conn:
            failures = conn.execute(
                sa.select(sa.func.count()).where(join_failures.c.client == client, join_failures.c.at > since)
            ).scalar()
        if failures >= self.limits.join_failures:
            raise JoinLimited(
                _("Too many wrong codes from this browser: wait {minutes} minutes, then try again.").format(
                    minutes=int(np.ceil(self.limits.join_window_s / 60))
                )
            )
        try:
            info = self.get(code)
        except UnknownClass:
            with self._write() as conn:
                conn.execute(join_failures.insert().values(client=client, at=now))
            raise
        if info.closed:
            raise ClassClosed(_("The class {code} is closed: ask your teacher.").format(code=info.code))
        return info

    def is_teacher(self, code, token):
        """Whether `token` is the teacher's token of the class `code` (False for an unknown class)."""
        try:
            with self.engine.connect() as conn:
                row = self._row(conn, code)
        except ClassroomError:
            return False
        return codes.token_matches(token, row["token_hash"])

    def poll(self, code):
        """The class's `(version, pin_seq, closed)`: one indexed read of three integers, for pages that poll.

        Raises:
            UnknownClass, ClassExpired.
        """
        code = codes.normalize_code(code)
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(classes.c.version, classes.c.pin_seq, classes.c.closed, classes.c.expires_at).where(
                    classes.c.code == code
                )
            ).first()
        if row is None:
            raise UnknownClass(
                _("There is no class with the code {code}: check the code on the board.").format(code=code)
            )
        if row.expires_at <= self.clock():
            raise ClassExpired(
                _("The class {code} has ended (it expired): ask your teacher for a new code.").format(code=code)
            )
        return row.version, row.pin_seq, bool(row.closed)

    def poll_many(self, codes_):
        """The news counters of several classes in one query, for a server that watches them all.

        Args:
            codes_: class codes.

        Returns:
            A dict from each code to its `(version, pin_seq, closed)`, or to None for a class that is
            unknown or has expired.
        """
        wanted = sorted({c for c in map(codes.normalize_code, codes_) if c})
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    classes.c.code, classes.c.version, classes.c.pin_seq, classes.c.closed, classes.c.expires_at
                ).where(classes.c.code.in_(wanted))
            ).all()
        now = self.clock()
        found = {r.code: (r.version, r.pin_seq, bool(r.closed)) for r in rows if r.expires_at > now}
        return {c: found.get(c) for c in wanted}

    def _teacher_write(self, conn, code, token, *, bump=True):
        row = self._row(conn, code, lock=True)
        if not codes.token_matches(token, row["token_hash"]):
            raise NotTeacher(_("Only the class's teacher can do this."))
        version = row["version"]
        if bump:
            version = conn.execute(
                classes.update().where(classes.c.id == row["id"]).values(version=classes.c.version + 1)
                .returning(classes.c.version)
            ).scalar()  # fmt: skip
        return row, version

    # Drawings.

    def add_drawing(self, code, session, image, digit, nickname=None, ae=None, vae=None):
        """Stores a student's digit, if the class is open and the student within the limits.

        Args:
            code: the class's code.
            session: the student's session id (nothing personal).
            image: uint8 array (28, 28), MNIST-style.
            digit: the digit the student meant, 0-9.
            nickname: optional; cleaned by `codes.clean_nickname`.
            ae, vae: where it landed on the AE's and the VAE's maps, `(z0, z1)` or None.

        Returns:
            The stored `Drawing`.

        Raises:
            BadDrawing, UnknownClass, ClassExpired, ClassClosed, TooFast, TooMany.
        """
        raw = _check_image(image)
        digit = _check_digit(digit)
        session = str(session)[:64]
        nickname = codes.clean_nickname(nickname)
        (ae_x, ae_y), (vae_x, vae_y) = _point(ae), _point(vae)
        now = self.clock()
        with self._write() as conn:
            row = self._row(conn, code, lock=True)
            if row["closed"]:
                raise ClassClosed(_("The class {code} is closed: ask your teacher.").format(code=row["code"]))
            mine = conn.execute(
                sa.select(sa.func.count(), sa.func.max(drawings.c.created_at)).where(
                    drawings.c.class_id == row["id"], drawings.c.session == session
                )
            ).first()
            if mine[0] >= self.limits.per_student:
                raise TooMany(
                    _("You have sent {n} digits to this class, the most one student can send.").format(n=mine[0])
                )
            if mine[1] is not None and now - mine[1] < self.limits.min_interval_s:
                raise TooFast(_("One digit a second, please: wait a moment and press Send again."))
            version = conn.execute(
                classes.update().where(classes.c.id == row["id"]).values(version=classes.c.version + 1)
                .returning(classes.c.version)
            ).scalar()  # fmt: skip
            new_id = conn.execute(
                drawings.insert().values(
                    class_id=row["id"], session=session, nickname=nickname, digit=digit, image=raw, hidden=False,
                    created_at=now, version=version, ae_x=ae_x, ae_y=ae_y, vae_x=vae_x, vae_y=vae_y,
                ).returning(drawings.c.id)
            ).scalar()  # fmt: skip
        return Drawing(
            new_id, np.frombuffer(raw, np.uint8).reshape(DIGIT_SHAPE), digit, nickname, session, False, now,
            None if ae_x is None else (ae_x, ae_y), None if vae_x is None else (vae_x, vae_y), version,
        )  # fmt: skip

    def drawings(self, code, session=None, include_hidden=True):
        """The class's drawings, oldest first.

        Args:
            code: the class's code.
            session: only this student's, when given.
            include_hidden: whether hidden drawings are included.

        Returns:
            A list of `Drawing`.
        """
        with self.engine.connect() as conn:
            row = self._row(conn, code)
            query = sa.select(drawings).where(drawings.c.class_id == row["id"]).order_by(drawings.c.id)
            if session is not None:
                query = query.where(drawings.c.session == str(session)[:64])
            if not include_hidden:
                query = query.where(drawings.c.hidden.is_(False))
            rows = conn.execute(query).mappings().all()
        return [
            Drawing(
                r["id"],
                np.frombuffer(r["image"], np.uint8).reshape(DIGIT_SHAPE),
                r["digit"],
                r["nickname"],
                r["session"],
                bool(r["hidden"]),
                r["created_at"],
                None if r["ae_x"] is None else (r["ae_x"], r["ae_y"]),
                None if r["vae_x"] is None else (r["vae_x"], r["vae_y"]),
                r["version"],
            )  # fmt: skip
            for r in rows
        ]

    def move_drawings(self, code, from_session, to_session):
        """Files a session's drawings in a class under another session id: a student's tab took its id back.

        A student whose server session was lost (a replica killed, a restart) reconnects to a new session
        with a new id; a Send in its first run is stored under that id before the tab hands the old one
        back (app_pages/_seat.py). Both ids are random and known only to that tab.

        Returns:
            How many drawings moved.
        """
        with self._write() as conn:
            row = self._row(conn, code, lock=True)
            moved = conn.execute(
                drawings.update()
                .where(drawings.c.class_id == row["id"], drawings.c.session == str(from_session)[:64])
                .values(session=str(to_session)[:64])
            ).rowcount
            if moved:
                conn.execute(classes.update().where(classes.c.id == row["id"]).values(version=classes.c.version + 1))
        return moved

    def counts(self, code):
        """`(digits shown, students who sent them)` of a class: its hidden drawings do not count."""
        with self.engine.connect() as conn:
            row = self._row(conn, code)
            n, m = conn.execute(
                sa.select(sa.func.count(), sa.func.count(sa.distinct(drawings.c.session))).where(
                    drawings.c.class_id == row["id"], drawings.c.hidden.is_(False)
                )
            ).first()
        return int(n), int(m)

    # Teacher actions.

    def hide(self, code, token, drawing_id, hidden=True):
        """Hides (or shows again) one drawing of the class; the teacher's token is required.

        Raises:
            NotTeacher, UnknownClass, ClassExpired, and ClassroomError when the drawing is not the class's.
        """
        with self._write() as conn:
            row, _version = self._teacher_write(conn, code, token)
            done = conn.execute(
                drawings.update().where(drawings.c.id == int(drawing_id), drawings.c.class_id == row["id"])
                .values(hidden=bool(hidden))
            ).rowcount  # fmt: skip
            if not done:
                raise ClassroomError(_("That drawing is not in this class (any more)."))

    def clear(self, code, token, up_to_version):
        """Deletes the class's drawings up to `up_to_version` (what the teacher saw); later ones stay.

        Returns:
            How many drawings were deleted.
        """
        with self._write() as conn:
            row, _version = self._teacher_write(conn, code, token)
            return conn.execute(
                drawings.delete().where(drawings.c.class_id == row["id"], drawings.c.version <= int(up_to_version))
            ).rowcount

    def close(self, code, token):
        """Closes the class: no more drawings or joins; its drawings stay until it expires."""
        with self._write() as conn:
            row, _version = self._teacher_write(conn, code, token)
            conn.execute(classes.update().where(classes.c.id == row["id"]).values(closed=True))

    def set_pin(self, code, token, kind, point, page):
        """Pins a point for the students who follow the teacher (None clears the pin).

        Args:
            code, token: the class and the teacher's token.
            kind: the latent kind ("ae2d", "vae2d").
            point: `(z0, z1)` or None.
            page: the page's URL path, e.g. "latent_space".

        Returns:
            The pin's sequence number.
        """
        x, y = _point(point)
        with self._write() as conn:
            row, _version = self._teacher_write(conn, code, token, bump=False)
            return conn.execute(
                classes.update().where(classes.c.id == row["id"])
                .values(pin_seq=classes.c.pin_seq + 1, pin_kind=str(kind)[:32], pin_x=x, pin_y=y, pin_page=str(page)[:32])
                .returning(classes.c.pin_seq)
            ).scalar()  # fmt: skip

    def pin(self, code):
        """The teacher's pin, or None before the first."""
        with self.engine.connect() as conn:
            row = self._row(conn, code)
        if not row["pin_seq"] or row["pin_x"] is None:
            return None
        return Pin(row["pin_kind"], (row["pin_x"], row["pin_y"]), row["pin_page"], row["pin_seq"])

    # Housekeeping.

    def purge_expired(self):
        """Deletes the classes past their expiry, with their drawings, and old join failures.

        Returns:
            How many classes were deleted.
        """
        now = self.clock()
        with self._write() as conn:
            gone = sa.select(classes.c.id).where(classes.c.expires_at <= now)
            conn.execute(drawings.delete().where(drawings.c.class_id.in_(gone)))
            n = conn.execute(classes.delete().where(classes.c.expires_at <= now)).rowcount
            conn.execute(join_failures.delete().where(join_failures.c.at <= now - self.limits.join_window_s))
        return n
