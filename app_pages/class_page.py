"""Class: a class code on the projector, the students' digits live on the teacher's maps.

The teacher presses Start a class and shows the code, the join link and its QR code; students join by
the link (`/class?join=CODE`) or the code, draw a digit, say which digit they meant and send it. The
teacher's page and a following student wait for the class's news in the browser (app_pages/_news.py:
a small static file the server rewrites when the class moves) and rerun only when it moved. The
teacher's rights are a secret token kept in the teacher's session (and in the teacher link, which only
the teacher sees); every action of the teacher sends it to the store, which checks it.

The maps are the shipped AE's and VAE's, for everyone: a digit lands at the same place on every phone and
on the projector, whatever model a student chose on the Models page.
"""

import html
import io
import re
import urllib.parse

import numpy as np
import segno
import streamlit as st

from aelab import data, i18n, shelf
from aelab.classroom import codes, landing
from aelab.classroom import store as class_store
from aelab.classroom import training as class_training
from aelab.data import digits, images
from aelab.figures import class_map as class_maps
from aelab.figures import plots
from aelab.i18n import _, ngettext
from aelab.inference import latent
from aelab.models import registry
from app_pages import _canvas, _classroom, _common, _news, _pictures, _seat, _state, _training

TEACHER_EVERY_MS = 250  # The projector asks for news twice as often as a phone: one page per class.
WALL = 40  # Newest drawings on the wall; older ones stay on the maps.
PAD_KEY = "class_pad"
JOIN_PARAM, TEACH_PARAM, KEY_PARAM = "join", "teach", "key"  # ?join=CODE; the teacher link ?teach=CODE&key=TOKEN
OWNER = re.compile(r"[0-9a-f]{32}")  # A session's owner id (uuid4().hex), as a tab hands it back.
PAGES = {"latent_space": "app_pages/latent_space.py"}  # Pages a pin can point to (the navigator's).

state = _state.get()


def kinds():
    return registry.latent_kinds()


def shipped(kind):
    """`(model, test encodings)` of the shipped model of a kind, or (None, None) after an error."""
    model, meta = _common.checkpoint_model(kind.name)
    if model is None:
        return None, None
    return model, _common.test_encodings(model, f"{shelf.SHIPPED}:{kind.name}:{meta.get('sha256', '')}")


def class_url(query):
    """The Class page's address on this server with `query` (a dict), for links and the QR code."""
    url = st.context.url or "http://localhost:8501/class"
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/class"):
        path = (path.rsplit("/", 1)[0] if path.count("/") > 1 else "") + "/class"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, urllib.parse.urlencode(query), ""))


def qr_png(text):
    """A QR code of `text` as PNG bytes, 10 px a module: legible from the back of a room on a projector."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=10, border=2)
    return buf.getvalue()


def leave():
    state.seat = None
    _seat.forget()
    for key in (JOIN_PARAM, TEACH_PARAM, KEY_PARAM):
        st.query_params.pop(key, None)


# Who this session is: teacher, student, or neither yet.


def start_class():
    info, token = _classroom.store().create_class()
    state.seat = _state.ClassSeat(info.code, teacher=True, token=token)


def take_teacher_link(code, token):
    # The token leaves the address bar at once: a projector shows the address bar.
    for key in (TEACH_PARAM, KEY_PARAM):
        st.query_params.pop(key, None)
    if _classroom.store().is_teacher(code, token):
        state.seat = _state.ClassSeat(codes.normalize_code(code), teacher=True, token=token)
    else:
        st.error(_("This teacher link is not valid (any more): start a new class."))


def join(code, nickname=None):
    """Joins a class as a student; shows why not and returns False when it cannot."""
    try:
        info = _classroom.store().join(code, state.owner)
    except class_store.ClassroomError as e:
        st.error(str(e))
        return False
    state.seat = _state.ClassSeat(info.code, nickname=codes.clean_nickname(nickname))
    st.query_params[JOIN_PARAM] = info.code
    return True


def restore_seat(stored):
    """Takes back this tab's seat from before a new server session (`_seat.keep`), if it checks out.

    Args:
        stored: what the browser kept: `code`, `teacher`, and `token` or `owner` and `nickname`.
    """
    code = codes.normalize_code(stored.get("code"))
    if code is None or (state.seat is not None and state.seat.code != code):
        return  # Nothing to take back, or this tab has gone on to another class.
    try:
        _classroom.store().get(code)
    except class_store.ClassroomError:
        return  # The class is gone: the page says so when the code is used.
    if stored.get("teacher") is True:
        token = stored.get("token")
        if isinstance(token, str) and _classroom.store().is_teacher(code, token):
            state.seat = _state.ClassSeat(code, teacher=True, token=token)
        return
    owner, nickname = stored.get("owner"), stored.get("nickname")
    if isinstance(owner, str) and OWNER.fullmatch(owner) and owner != state.owner:
        # The same student: their digits (one sent before the tab handed its id back too), their limits.
        _classroom.store().move_drawings(code, state.owner, owner)
        state.owner = owner
    here = state.seat  # This session's own seat in the same class (it joined by the link), or None.
    state.seat = _state.ClassSeat(
        code,
        nickname=codes.clean_nickname(nickname) if isinstance(nickname, str) else None,
        follow=here.follow if here is not None else False,
        sent=here.sent if here is not None else None,
        said=here.said if here is not None else None,
    )
    st.query_params[JOIN_PARAM] = code


def entrance():
    """Neither teacher nor student yet: Start a class, or join one by its code."""
    st.markdown(
        _(
            "A class draws together: the teacher starts a class and shows its code; everyone joins with the code "
            "or the link, draws a digit and sends it, and the digits appear on the teacher's maps as they arrive."
        )
    )
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(_("Teacher"))
        st.button(_("Start a class"), on_click=start_class, type="primary", key="class_start")
    with right:
        st.subheader(_("Student"))
        with st.form("class_join", border=False):
            code = st.text_input(_("Class code"), max_chars=12, placeholder="K7QM4X", key="class_code")
            nickname = st.text_input(
                _("Nickname (optional)"), max_chars=codes.NICKNAME_MAX, key="class_nickname",
                help=_("Shown beside your digits on the teacher's screen; leave it empty to stay anonymous."),
            )  # fmt: skip
            if st.form_submit_button(_("Join")):
                if join(code, nickname):
                    st.rerun()


# Live: the browser waits for the class's news, the page reruns only when there is some.


def watch(seat, fields, every_ms=_news.EVERY_MS):
    """Reruns the page when the class's news moved in `fields` ("version", "pin", "closed")."""
    _news.wait_for_news(_classroom.news_url(seat.code, seat.seen), seat.seen, fields, every_ms=every_ms)


# The teacher.


def digit_label(d):
    name = f" · {d.nickname}" if d.nickname else ""
    return f"#{d.id} · {d.digit}{name}"


@st.cache_data(max_entries=8, show_spinner=False)
def _background(slot, _z_test, _labels):
    box = class_maps.bounds(_z_test)
    return class_maps.background_png(_z_test, _labels, box), box


@st.cache_resource(max_entries=8, show_spinner=False)
def _landed(slot, _z_test):
    """Where each drawing landed on the map `slot`, remembered across runs and sessions."""
    _x, y = _common.mnist_test()
    return landing.LandedCache(_z_test, y)


def class_map(slot, z_test, class_points, meant, hover, title):
    """MNIST's test digits faded (one picture, made once per model), the class's digits on top.

    Args:
        slot: names the model whose map it is (the picture's cache key): its test encodings are `z_test`.
        z_test, class_points, meant, hover, title: the test digits' points, the class's, the digits
            meant, the class's hover texts (escaped) and the title.
    """
    _x, y = _common.mnist_test()
    png, box = _background(slot, z_test, y)
    return class_maps.class_map(png, box, class_points, meant, hover, title)


def show_code(seat):
    link = class_url({JOIN_PARAM: seat.code})
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.html(
            '<div class="aelab-class-code" style="font-size: clamp(3rem, 9vw, 8rem); font-weight: 700; '
            f'letter-spacing: 0.12em; line-height: 1.1; font-family: monospace;">{html.escape(seat.code)}</div>'
        )
        st.markdown(
            _("Scan the QR code or open **{link}**; or type the code above on the Classroom page.").format(link=link)
        )
        st.code(link, language=None)
        with st.expander(_("Teacher link (keep it to yourself)")):
            st.caption(_("Opens this class as its teacher on another device. Never show it to the class."))
            st.code(class_url({TEACH_PARAM: seat.code, KEY_PARAM: seat.token}), language=None)
    with right:
        st.image(qr_png(link), width=340, caption=_("Scan to join"))


def opened(seat, again):
    """The class a seat is in, its news counter read; or None, saying why, with a button to leave.

    Args:
        seat: this session's `ClassSeat`.
        again: the leave button's label ("Start a new class", "Join another class").

    Returns:
        The class's record, or None when it is unknown, closed for good or expired.
    """
    try:
        info = _classroom.store().get(seat.code)
    except class_store.ClassroomError as e:
        st.error(str(e))
        st.button(again, on_click=leave, key="class_leave")
        return None
    seat.seen = _classroom.store().poll(seat.code)
    return info


def teacher(seat):
    info = opened(seat, _("Start a new class"))
    if info is None:
        return
    show_code(seat)
    drawn = _classroom.store().drawings(seat.code)
    shown = [d for d in drawn if not d.hidden]
    n, m = _classroom.store().counts(seat.code)
    heading = _("{digits} from {students}").format(
        digits=ngettext("{n} digit", "{n} digits", n).format(n=n),
        students=ngettext("{n} student", "{n} students", m).format(n=m),
    )
    if info.closed:
        heading += " · " + _("the class is closed")
    st.header(heading, anchor=False)
    maps(shown)
    wall(shown)
    moderate(seat, drawn, info)
    pin_form(seat)
    train_on_class(seat, shown)
    watch(seat, ("version", "closed"), every_ms=TEACHER_EVERY_MS)


def maps(shown):
    columns = st.columns(2)
    for kind, column in zip(kinds(), columns):
        with column:
            model, z_test = shipped(kind)
            if model is None:
                continue
            placed = [d for d in shown if getattr(d, kind.link) is not None]
            points = [getattr(d, kind.link) for d in placed]
            meant = [d.digit for d in placed]
            hover = [html.escape(digit_label(d)) for d in placed]
            title = _(kind.title)
            fig = class_map(f"shipped:{kind.name}", z_test, points, meant, hover, title)
            st.plotly_chart(fig, key=f"class_map_{kind.link}", config=plots.png_config(f"class_{kind.link}"))
            if placed:
                share = _landed(f"shipped:{kind.name}", z_test).score(
                    [(d.id, *p) for d, p in zip(placed, points)], points, meant
                )
                st.markdown(
                    _("**{share:.0%}** of the class's digits landed among the digit their student meant.").format(
                        share=share
                    )
                )


def wall(shown):
    newest = shown[-WALL:][::-1]
    if not newest:
        st.info(_("No digits yet: ask the class to draw one and press Send."))
        return
    st.subheader(_("The class's drawings"), anchor=False)
    tiles = "".join(
        f'<figure><img src="{_pictures.data_uri(d.image.astype("float32") / 255)}" '
        f'alt="{html.escape(_("digit {d}").format(d=d.digit))}"><figcaption>{html.escape(digit_label(d))}</figcaption></figure>'
        for d in newest
    )
    st.html(
        '<div class="aelab-class-wall" style="display:grid; gap:8px; '
        'grid-template-columns: repeat(auto-fill, minmax(96px, 1fr));">'
        f"{tiles}</div>"
        "<style>.aelab-class-wall figure{margin:0} .aelab-class-wall img{width:100%; image-rendering:pixelated;"
        " border-radius:6px} .aelab-class-wall figcaption{font-size:0.95rem; overflow-wrap:anywhere}</style>"
    )


def moderate(seat, drawn, info):
    """Hide drawings, clear the class, close it: every action carries the teacher's token."""
    with st.expander(_("Moderate: hide, clear, close"), expanded=False):
        by_id = {d.id: d for d in drawn}
        st.session_state["class_hidden"] = [d.id for d in drawn if d.hidden]

        def changed():
            want = set(st.session_state["class_hidden"])
            for d in drawn:
                if (d.id in want) != d.hidden:
                    _classroom.store().hide(seat.code, seat.token, d.id, d.id in want)

        st.multiselect(
            _("Hidden drawings"), list(by_id), format_func=lambda i: digit_label(by_id[i]), key="class_hidden",
            on_change=changed, help=_("A hidden drawing leaves the maps, the wall and the count; remove it here to show it again."),
        )  # fmt: skip
        version = seat.seen[0]
        left, right = st.columns(2)
        left.button(
            _("Clear the class's digits"), key="class_clear",
            on_click=lambda: _classroom.store().clear(seat.code, seat.token, version),
        )  # fmt: skip
        right.button(
            _("Close the class"), key="class_close", disabled=info.closed,
            on_click=lambda: _classroom.store().close(seat.code, seat.token),
        )  # fmt: skip


def pin_form(seat):
    """The teacher's pin: a point on one map that the students who follow the teacher see."""
    with st.expander(_("Pin a point for the class")):
        by_name = {k.name: k for k in kinds()}
        with st.form("class_pin", border=False):
            kind = st.radio(_("Map"), list(by_name), format_func=lambda k: _(by_name[k].short), horizontal=True)
            z0 = st.number_input("z0", -10.0, 10.0, 0.0, 0.1)
            z1 = st.number_input("z1", -10.0, 10.0, 0.0, 0.1)
            if st.form_submit_button(_("Pin for the class")):
                _classroom.store().set_pin(seat.code, seat.token, kind, (z0, z1), "latent_space")
                st.toast(_("Pinned: the students who follow you see it now."))


# Train on our class: a pool job, then where the class's digits landed before and after.


def start_training(shown):
    """Train on our class's callback: submits the job on the session's seat as it is now (see `press_send`)."""
    pool, seat = _training.pool(), state.seat
    if pool is None or seat is None or not seat.teacher:
        return
    try:
        job = class_training.ClassTrainingJob(
            np.stack([d.image for d in shown]), [d.digit for d in shown], state.owner,
            data.resolve_data_dir(), _training.session_alive(),
        )  # fmt: skip
        seat.training = pool.submit(job)
    except ValueError as e:
        st.error(str(e))


@st.fragment(run_every=1.0)
def training_progress(job):
    fraction, text = job.progress()
    st.progress(fraction, text=text)
    _training.stop_button(job, key="class_train_stop")
    if job.finished:
        st.rerun(scope="app")


def train_on_class(seat, shown):
    st.subheader(_("Train on our class"), anchor=False)
    st.markdown(
        _(
            "Fine-tunes the AE and the VAE on the class's {n} digits, mixed with MNIST's so the map keeps its "
            "shape; then shows where the class's digits land before and after."
        ).format(n=len(shown))
    )
    job = seat.training
    if shown:
        st.download_button(
            _("Download the class's digits (.npz, MNIST's layout)"),
            data=class_training.export_digits(np.stack([d.image for d in shown]), [d.digit for d in shown]),
            file_name=f"class_{seat.code}_digits.npz", mime="application/octet-stream", key="class_npz",
        )  # fmt: skip
    if job is not None and not job.finished:
        training_progress(job)
        return
    st.button(_("Train on our class"), key="class_train", disabled=not shown, on_click=start_training, args=(shown,))
    if job is None or not job.finished:
        return
    if job.status != "done" or not job.models:
        st.warning(
            _("The training did not finish ({status}).").format(status=_(job.status))
            + (f" {job.error}" if job.error else "")
        )
        return
    before_after(job)


@st.cache_data(max_entries=16, show_spinner=False)
def _placed_and_redrawn(job_id, kind_name, _model, _tuned, _x_class):
    """Once per job and kind, not on every rerun of the teacher's page as digits keep arriving: the class's
    digits placed by the shipped and the fine-tuned model, and how well each redraws them.

    Returns:
        `(points before, points after, redrawing error before, redrawing error after)`.
    """
    return (
        latent.encode(_model, _x_class),
        latent.encode(_tuned, _x_class),
        class_training.redraw_error(_model, _x_class),
        class_training.redraw_error(_tuned, _x_class),
    )


def before_after(job):
    """Scores and maps of the class's digits that the job trained on, with the shipped and the fine-tuned models."""
    x_class = class_training.to_model_input(job.images)
    _x, y = _common.mnist_test()
    rows, columns = [], st.columns(2)
    for kind, column in zip(kinds(), columns):
        model, z_test = shipped(kind)
        tuned = job.models.get(kind.name)
        if model is None or tuned is None:
            continue
        z_tuned = _common.test_encodings(tuned, f"class:{job.id}:{kind.name}")
        before, after, error_before, error_after = _placed_and_redrawn(job.id, kind.name, model, tuned, x_class)
        rows.append(
            {
                _("Model"): _(kind.short),
                _("Redrawing error, before"): f"{error_before:.4f}",
                _("Redrawing error, after"): f"{error_after:.4f}",
                _("Landed among their digit, before"): f"{landing.score(z_test, y, before, job.labels):.0%}",
                _("Landed among their digit, after"): f"{landing.score(z_tuned, y, after, job.labels):.0%}",
            }
        )
        with column:
            hover = [_("digit {d}").format(d=int(d)) for d in job.labels]
            title = _("{model}, fine-tuned on the class").format(model=_(kind.short))
            fig = class_map(f"tuned:{job.id}:{kind.name}", z_tuned, after, job.labels, hover, title)
            st.plotly_chart(fig, key=f"class_after_{kind.link}", config=plots.png_config(f"class_after_{kind.link}"))
            st.download_button(
                _("Download the fine-tuned {model} (.keras)").format(model=_(kind.short)),
                data=lambda tuned=tuned: class_training.model_bytes(tuned), file_name=f"{kind.name}_class.keras",
                mime="application/octet-stream", key=f"class_model_{kind.link}", on_click="ignore",
            )  # fmt: skip
    st.success(_("Trained on the class's digits in {s:.0f} s.").format(s=job.seconds))
    st.table(rows)
    st.caption(
        _(
            "The models learned to redraw the class's digits: their error is what the training lowers. "
            "Which digit a student meant is never shown to an autoencoder, so where the digits land among "
            "MNIST's can move either way."
        )
    )


# A student.


def send(seat, digit_image, meant):
    """Puts a student's digit in the class: `(stored Drawing, None)`, or `(None, why not)` in words.

    Draws nothing on the page: Send's callback calls it (`press_send`).
    """
    pixels = images.to_uint8(digit_image)
    placed = {}
    for kind in kinds():
        model, _z = shipped(kind)
        placed[kind.link] = None if model is None else latent.encode(model, digit_image[None])[0]
    try:
        d = _classroom.store().add_drawing(
            seat.code, state.owner, pixels, meant, seat.nickname, placed.get("ae"), placed.get("vae")
        )
    except class_store.ClassroomError as e:
        return None, str(e)
    return d, None


def student(seat):
    info = opened(seat, _("Join another class"))
    if info is None:
        return
    who = _(" as {name}").format(name=seat.nickname) if seat.nickname else ""
    st.markdown(_("You are in class **{code}**{who}.").format(code=info.code, who=who))
    if info.closed:
        st.warning(_("The class {code} is closed: ask your teacher.").format(code=info.code))
    else:
        draw_and_send(seat)
    follow(seat)
    my_digits(seat)
    if not seat.follow:  # A follower's pin waits for the news itself (the pin and the class closing).
        watch(seat, ("closed",))


SENT_BY_CALLBACK = "class_send_done"  # Session key: Send's callback took this press (see draw_and_send).


def press_send():
    """Send's callback: stores the digit on the pad and says how it went (`seat.sent` or `seat.said`).

    A callback runs before the page's script and draws nothing, so nothing interrupts it: a rerun asked
    for meanwhile (the student's next stroke, the tab handing its seat back after a reconnect) starts after
    it, where in the script it would cut the send short and the press would be lost without a word.
    It takes the session's seat as it is now, not one passed as the button's argument: Streamlit keeps a
    callback's arguments from the last run that drew the button, and after the tab's seat is handed back
    (`restore_seat` puts a new seat object in the session) a run cut short before the button can leave
    the old one there; the answer written on it would never be shown.
    """
    st.session_state[SENT_BY_CALLBACK] = True
    seat = state.seat
    if seat is None or seat.teacher:  # Left the class in the same run: nothing to send to.
        return
    raw, meant = _canvas.current_drawing(PAD_KEY), st.session_state.get("class_meant")
    seat.sent = seat.said = None  # This press says for itself how it went.
    if raw is None:
        said = _("Draw a digit on the pad first.")
    elif meant is None:
        said = _("Choose the digit you meant, then press Send.")
    else:
        try:
            stored, said = send(seat, digits.from_data_url(raw), int(meant))
        except (images.ImageError, digits.DigitError) as e:
            stored, said = None, str(e)
        if stored is not None:
            seat.sent = (raw, int(meant))
    if said is not None:
        seat.said = (raw, meant, said)


def draw_and_send(seat):
    st.caption(_("Draw one digit, large, with the mouse or a finger."))
    _canvas.digit_pad(PAD_KEY)
    meant = st.pills(_("The digit you meant"), list(range(10)), key="class_meant")
    pressed = st.button(_("Send"), type="primary", key="class_send", on_click=press_send)
    taken = st.session_state.pop(SENT_BY_CALLBACK, False)  # Cleared on every run: it marks one press.
    if pressed and not taken:
        press_send()  # A session new to this server (a reconnect): the button had no callback here yet.
        st.session_state.pop(SENT_BY_CALLBACK, None)  # Taken here, not by a callback: the next run's is its own.
    # The drawing as Send read it: a session new to this server (a reconnect) has the browser's drawing
    # in the pad's widget state before the pad's own callback has copied it anywhere else.
    raw = _canvas.current_drawing(PAD_KEY)
    # Until the student draws again (or chooses another digit): a rerun they did not ask for (the seat
    # handed back after a reconnect, the class's news) must not take the answer away before it was read.
    if seat.said is not None and seat.said[:2] == (raw, meant):
        st.error(seat.said[2])
    if seat.sent is not None and seat.sent[0] == raw:
        st.success(_("Sent: your {digit} is on the teacher's maps.").format(digit=seat.sent[1]))


@st.cache_resource(max_entries=16, show_spinner=False)
def _pin_map(slot, _z_test, point, language):
    """The teacher's pin on a map, built once per pin for every follower (`language`: the figure's words)."""
    fig = class_map(slot, _z_test, np.zeros((0, 2)), [], [], None)
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    fig.add_scatter(  # On the map's edge when it lies beyond it.
        x=[min(max(point[0], x0), x1)], y=[min(max(point[1], y0), y1)], mode="markers", name=_("the teacher's pin"),
        marker=plots.POINT_STYLE, hovertemplate="z0 %{x:.2f}, z1 %{y:.2f}<extra></extra>",
    )  # fmt: skip
    fig.update_layout(height=420, legend_title_text="")  # Its one entry says what it is: no "digit" over it.
    return fig


@st.cache_data(max_entries=16, show_spinner=False)
def _pin_digit_png(slot, _model, point):
    """The teacher's pinned digit, enlarged, as PNG bytes: decoded once per pin for every follower."""
    return images.to_png(images.enlarge(latent.decode(_model, [point])[0], 5))


def follow(seat):
    """The Follow the teacher switch, and the teacher's pin while it is on."""
    seat.follow = st.toggle(_("Follow the teacher"), value=seat.follow, key="class_follow")
    if seat.follow:
        followed_pin(seat)


@st.fragment
def followed_pin(seat):
    """The teacher's pin, rerun alone when the class's news says the pin moved (the page around it stays)."""
    try:
        now = _classroom.store().poll(seat.code)
    except class_store.ClassroomError:
        now = None
    if now is None or now[2] != seat.seen[2]:  # Closed or gone since the page was drawn: the whole page says so.
        st.rerun(scope="app")
    pin = _classroom.store().pin(seat.code)
    if pin is None:
        st.info(_("Your teacher has not pinned a point yet; it appears here as soon as they do."))
    else:
        show_pin(pin)
    _news.wait_for_news(_classroom.news_url(seat.code, now), now, ("pin", "closed"), key="class_news_pin")


def show_pin(pin):
    kind = registry.get(pin.kind)
    model, z_test = shipped(kind)
    if model is None:
        return
    slot = f"shipped:{kind.name}"
    fig = _pin_map(slot, z_test, tuple(pin.point), i18n.language())
    left, right = st.columns([3, 1])
    with left:
        st.plotly_chart(fig, key="class_follow_map", config=plots.png_config("class_pin"))
    with right:
        _pictures.image(
            _pin_digit_png(slot, model, tuple(pin.point)),
            caption=_("{model} at ({z0:.2f}, {z1:.2f})").format(model=_(kind.short), z0=pin.point[0], z1=pin.point[1]),
        )
        if pin.page in PAGES:
            st.page_link(
                PAGES[pin.page], label=_("Open it in the navigator"),
                query_params={"tab": "navigate", f"pick_{kind.link}": f"{pin.point[0]:g},{pin.point[1]:g}"},
            )  # fmt: skip


def landed_words(kind, z_test, d):
    """Where a student's digit landed on a model's map: the digit its nearest test digits mostly are, and where.

    Args:
        kind: the map's registry kind.
        z_test: the shipped model's test encodings (`shipped`), or None when it could not be loaded.
        d: the student's `Drawing`.
    """
    p = getattr(d, kind.link)
    if z_test is None:
        return _("{model} at ({z0:.2f}, {z1:.2f})").format(model=_(kind.short), z0=p[0], z1=p[1])
    among = int(_landed(f"shipped:{kind.name}", z_test).landed([(d.id, *p)], [p])[0])
    return _("{model}: landed among {digit}s at ({z0:.2f}, {z1:.2f})").format(
        model=_(kind.short), digit=among, z0=p[0], z1=p[1]
    )


def my_digits(seat):
    mine = _classroom.store().drawings(seat.code, session=state.owner)
    if not mine:
        return
    maps = {k.name: shipped(k)[1] for k in kinds()}  # Once per map, not once per digit.
    st.subheader(_("Your digits"), anchor=False)
    for d in mine[::-1]:
        left, right = st.columns([1, 5])
        with left:
            _pictures.image(images.enlarge(d.image.astype("float32") / 255, 3), alt=_("digit {d}").format(d=d.digit))
        with right:
            where = [landed_words(k, maps[k.name], d) for k in kinds() if getattr(d, k.link) is not None]
            said = _("you meant {digit}").format(digit=d.digit)
            if d.hidden:
                said += " · " + _("hidden by the teacher")
            st.markdown(html.escape(said + " · " + " · ".join(where)))


st.title(_("Classroom"))
query = st.query_params.to_dict()
if TEACH_PARAM in query and KEY_PARAM in query:
    take_teacher_link(query[TEACH_PARAM], query[KEY_PARAM])
elif JOIN_PARAM in query and (state.seat is None or state.seat.code != codes.normalize_code(query[JOIN_PARAM])):
    if not join(query[JOIN_PARAM]):
        st.query_params.pop(JOIN_PARAM, None)

seat = state.seat
if seat is None:
    entrance()
elif seat.teacher:
    teacher(seat)
else:
    student(seat)
_seat.keep(state.seat, state.owner, restore_seat)  # Last: a new server session takes the seat back.
