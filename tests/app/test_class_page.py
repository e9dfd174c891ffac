"""The Class page in AppTest: a teacher starts a class, a student joins by the link and sends a digit.

The class lives in a temporary SQLite file (AELAB_DATABASE_URL), so the test leaves no class behind.
"""

import dataclasses
import json
import re

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from aelab import data
from aelab.data import images
from tests.app.test_navigator import _make_trigger_id, _walk, navigators, send

PAGE = "app_pages/class_page.py"


@pytest.fixture(autouse=True)
def class_database(tmp_path, monkeypatch):
    monkeypatch.setenv("AELAB_DATABASE_URL", f"sqlite:///{tmp_path / 'classes.sqlite3'}")


def drawing(data_dir, row=0):
    """A real MNIST test digit as the pad would send it: white on black, 280 px, a PNG data URL."""
    x, y = data.load_test_set("mnist", data_dir)
    big = images.enlarge(x[row], 10, smooth=True)
    from app_pages import _pictures

    return _pictures.data_uri(big), int(y[row])


def texts(at):
    return " ".join(str(e.value) for e in [*at.markdown, *at.header, *at.subheader, *at.error, *at.success, *at.info])


def held_clock(monkeypatch):
    """Holds the page's classroom store at one instant: "one digit a second" then never depends on how long
    the runs between two Sends took on a loaded machine. Returns that instant."""
    import time

    from aelab.classroom import store as class_store
    from app_pages import _classroom

    now = time.time()
    # The pages' store is a cache_resource: the one the test's runs use, in this process.
    monkeypatch.setattr(_classroom._store(class_store.default_url()), "clock", lambda: now)
    return now


def test_teacher_starts_and_a_student_sends(open_page, data_dir, monkeypatch):
    held_clock(monkeypatch)
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    seat = teacher.session_state["aelab"].seat
    assert seat.teacher and len(seat.code) >= 6
    assert "0 digits from 0 students" in texts(teacher)
    assert any(f"join={seat.code}" in c.value for c in teacher.code)
    assert any(seat.token in c.value for c in teacher.code)  # The teacher link, for the teacher only.

    student = open_page(PAGE, query={"join": seat.code})
    assert f"You are in class **{seat.code}**" in texts(student)
    assert not any(seat.token in c.value for c in student.code)
    assert not [b for b in student.button if b.key in ("class_clear", "class_close", "class_start")]
    url, digit = drawing(data_dir)
    student.session_state["aelab"].drawings["class_pad"] = url
    student.button_group(key="class_meant").set_value(digit).run()
    student.button(key="class_send").click().run()
    assert not student.exception, [e.value for e in student.exception]
    assert f"Sent: your {digit}" in texts(student)
    assert "you meant" in texts(student) and re.search(r"AE: landed among \ds at \(", texts(student))

    teacher.run()
    assert "1 digit from 1 student" in texts(teacher)
    maps = teacher.get("plotly_chart")
    assert len(maps) == 2
    student.toggle(key="class_follow").set_value(True).run()  # Another run: the same drawing, still acknowledged.
    assert f"Sent: your {digit}" in texts(student)
    student.button(key="class_send").click().run()  # Too fast: the limit's message, nothing stored.
    assert "One digit a second" in texts(student) and "Sent: your" not in texts(student)


def test_wrong_code_and_a_nickname_that_is_markup(open_page, data_dir):
    at = open_page(PAGE, query={"join": "ZZZZZZ"})
    assert "There is no class with the code ZZZZZZ" in texts(at)
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    code = teacher.session_state["aelab"].seat.code
    at.text_input(key="class_code").input(code)
    at.text_input(key="class_nickname").input("<img src=x>")
    next(b for b in at.button if b.label == "Join").click().run()
    url, digit = drawing(data_dir, 1)
    at.session_state["aelab"].drawings["class_pad"] = url
    at.button_group(key="class_meant").set_value(digit).run()
    at.button(key="class_send").click().run()
    teacher.run()
    walls = [h.proto.body for h in teacher.get("html") if "aelab-class-wall" in h.proto.body]
    assert walls and "<img src=x" not in walls[0] and "&lt;img src=x" in walls[0]


@pytest.mark.slow  # The pool starts a worker and fine-tunes both models: about 1-2 min on a loaded 2-core machine.
def test_train_on_our_class(open_page, data_dir, app_pool, monkeypatch):
    from aelab.classroom import training

    monkeypatch.setattr(training, "EPOCHS", 1)  # The page's one press, made short.
    monkeypatch.setattr(training, "MNIST_MIX", 1000)
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    code = teacher.session_state["aelab"].seat.code
    for row in range(3):  # Three students, one digit each.
        student = open_page(PAGE, query={"join": code})
        url, digit = drawing(data_dir, row)
        student.session_state["aelab"].drawings["class_pad"] = url
        student.button_group(key="class_meant").set_value(digit).run()
        student.button(key="class_send").click().run()
    teacher.run()
    assert "3 digits from 3 students" in texts(teacher)
    assert teacher.get("download_button")  # The class's digits as .npz.
    # The seat replaced after the button was drawn (a projector's seat handed back after a reconnect): the
    # job still lands on the seat the page shows (see test_send_answers_on_the_seat_the_session_has_when_pressed).
    teacher.session_state["aelab"].seat = dataclasses.replace(teacher.session_state["aelab"].seat)
    teacher.button(key="class_train").click().run()
    job = teacher.session_state["aelab"].seat.training
    assert job is not None and job.wait(600), job.progress()  # A bound for a loaded machine, not a figure.
    teacher.run(timeout=120)
    assert not teacher.exception, [e.value for e in teacher.exception]
    assert job.status == "done", job.error
    assert "Trained on the class's digits" in texts(teacher)
    assert len(teacher.get("plotly_chart")) == 4  # The live maps, and the fine-tuned ones.
    table = teacher.table[0].value  # Per model: the redrawing error and the landed-among score, before and after.
    assert len(table) == 2
    for _i, row in table.iterrows():  # What the fine-tuning trains: the class's digits redrawn better.
        assert float(row["Redrawing error, after"]) < float(row["Redrawing error, before"]), row.to_dict()
        assert re.fullmatch(r"\d+%", row["Landed among their digit, after"]), row.to_dict()


def class_with_a_follower(open_page):
    """A teacher who started a class, and a student who joined it and follows the teacher."""
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    seat = teacher.session_state["aelab"].seat
    student = open_page(PAGE, query={"join": seat.code})
    student.toggle(key="class_follow").set_value(True).run()
    return teacher, student


def test_a_student_follows_the_teachers_pin(open_page):
    teacher, student = class_with_a_follower(open_page)
    assert "has not pinned a point yet" in texts(student)
    teacher.number_input[0].set_value(1.5)
    teacher.number_input[1].set_value(-0.5)
    next(b for b in teacher.button if b.label == "Pin for the class").click().run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    student.run()  # In a browser, the follower's poll reruns the page within 0.5 s.
    assert not student.exception, [e.value for e in student.exception]
    captions = [c for e in student.get("image") for c in e.captions]
    assert "AE at (1.50, -0.50)" in captions, captions
    assert len(student.get("plotly_chart")) == 1  # The pinned point on its map.


def test_the_teacher_link_reopens_the_class_and_a_forged_one_does_not(open_page):
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    seat = teacher.session_state["aelab"].seat
    other_device = open_page(PAGE, query={"teach": seat.code, "key": seat.token})
    again = other_device.session_state["aelab"].seat
    assert again.teacher and again.code == seat.code
    assert "key" not in other_device.query_params  # The secret leaves the address bar (a projector shows it).
    assert other_device.button(key="class_clear") is not None
    forged = open_page(PAGE, query={"teach": seat.code, "key": "guess"})
    assert forged.session_state["aelab"].seat is None
    assert "This teacher link is not valid" in texts(forged)


def test_the_teacher_pins_from_the_navigator(open_page):
    teacher, student = class_with_a_follower(open_page)
    # The teacher pins a point on the navigator's VAE plane, as a click does.
    teacher.query_params.clear()
    teacher.query_params.update({"tab": "navigate"})
    teacher.switch_page("app_pages/latent_space.py").run()
    send(teacher, navigators(teacher)["VAE latent plane"][0], "pin", [-1.04, 2.46])
    teacher.button(key="class_pin_vae2d").click().run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    student.run()  # In a browser, the follower's news reruns the page within a second.
    captions = [c for e in student.get("image") for c in e.captions]
    assert "VAE at (-1.00, 2.50)" in captions, captions
    # A student's navigator has no such button.
    student.query_params.clear()
    student.query_params.update({"tab": "navigate"})
    student.switch_page("app_pages/latent_space.py").run()
    send(student, navigators(student)["VAE latent plane"][0], "pin", [-1.04, 2.46])
    assert not [b for b in student.button if b.key == "class_pin_vae2d"]


def seat_keeper(at):
    """The tab's seat keeper (app_pages/_seat.py) as the last run drew it."""
    return next(
        e for e in _walk(at.main) if getattr(e, "type", None) == "bidi_component"
        and e.proto.component_name == "aelab.class_seat"
    )  # fmt: skip


def hand_back(at, stored):
    """Reruns as if the tab's seat keeper (app_pages/_seat.py) handed back what the tab stored."""
    element = seat_keeper(at)
    states = at._tree.get_widget_states()
    state = WidgetState(id=_make_trigger_id(element.proto.id, "events"))
    state.json_trigger_value = json.dumps([{"event": "restore", "value": stored}])
    states.widgets.append(state)
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_new_server_session_takes_the_tabs_seat_back(open_page, data_dir):
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    seat = teacher.session_state["aelab"].seat
    student = open_page(PAGE, query={"join": seat.code})
    url, digit = drawing(data_dir)
    student.session_state["aelab"].drawings["class_pad"] = url
    student.button_group(key="class_meant").set_value(digit).run()
    student.button(key="class_send").click().run()
    owner = student.session_state["aelab"].owner

    # The server went away: new sessions, as a reconnect to another replica gives (the student's link kept).
    # The student's first action there is Send: stored under the new session's id, then moved to the tab's.
    again = open_page(PAGE, query={"join": seat.code})
    again.session_state["aelab"].drawings["class_pad"] = url
    again.button_group(key="class_meant").set_value(digit).run()
    again.button(key="class_send").click().run()
    hand_back(again, {"code": seat.code, "teacher": False, "owner": owner, "nickname": "Ann"})
    assert again.session_state["aelab"].owner == owner and again.session_state["aelab"].seat.nickname == "Ann"
    assert texts(again).count("you meant") == 2 and "as Ann" in texts(again)  # Both digits are theirs.
    assert f"Sent: your {digit}" in texts(again)  # The hand-back's rerun kept the acknowledgement.
    again.session_state["aelab"].drawings["class_pad"] = None  # Cleared: the next run drops it.
    again.run()
    assert "Sent: your" not in texts(again)
    projector = hand_back(open_page(PAGE), {"code": seat.code, "teacher": True, "token": seat.token})
    assert projector.session_state["aelab"].seat.teacher and "2 digits from 1 student" in texts(projector)
    # What a browser hands back is checked: a forged token or id gives nothing.
    forged = hand_back(open_page(PAGE), {"code": seat.code, "teacher": True, "token": "x" * 43})
    assert forged.session_state["aelab"].seat is None
    odd = hand_back(open_page(PAGE, query={"join": seat.code}), {"code": seat.code, "teacher": False, "owner": "<b>"})
    assert odd.session_state["aelab"].owner != "<b>" and not odd.session_state["aelab"].seat.teacher


def test_the_tab_asks_again_until_a_run_says_it_answered_and_the_seat_is_taken_once(open_page):
    # A trigger is lost when another rerun cuts its run short (a CI run: the student's first Send after a
    # reconnect came as a new student, the seat never handed back). The keeper's data changes on every run,
    # so the tab's code runs again and asks again while `asked` is false; the session takes one seat only.
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    code = teacher.session_state["aelab"].seat.code
    student = open_page(PAGE, query={"join": code})
    first = json.loads(seat_keeper(student).proto.json)
    student.run()
    again = json.loads(seat_keeper(student).proto.json)
    assert not first["asked"] and not again["asked"] and again["run"] > first["run"]
    hand_back(student, None)  # A trigger that came without its seat is no answer.
    assert not json.loads(seat_keeper(student).proto.json)["asked"]
    owner, other = "a" * 32, "b" * 32
    hand_back(student, {"code": code, "teacher": False, "owner": owner, "nickname": "Ann"})
    assert json.loads(seat_keeper(student).proto.json)["asked"] and student.session_state["aelab"].owner == owner
    hand_back(student, {"code": code, "teacher": False, "owner": other, "nickname": "Bo"})  # A late repeat.
    assert student.session_state["aelab"].owner == owner and student.session_state["aelab"].seat.nickname == "Ann"


def test_send_answers_on_the_seat_the_session_has_when_pressed(open_page, data_dir):
    # The tab's seat handed back after a reconnect replaces the session's seat object; a run cut short
    # before the Send button is drawn again leaves its callback holding the old one (a CI run lost its
    # "Sent" so, the digit stored). The callback reads the session's seat when it runs.
    teacher = open_page(PAGE)
    teacher.button(key="class_start").click().run()
    student = open_page(PAGE, query={"join": teacher.session_state["aelab"].seat.code})
    url, digit = drawing(data_dir)
    student.session_state["aelab"].drawings["class_pad"] = url
    student.button_group(key="class_meant").set_value(digit).run()
    old = student.session_state["aelab"].seat
    student.session_state["aelab"].seat = dataclasses.replace(old)  # As restore_seat does, with no run after.
    student.button(key="class_send").click().run()
    assert not student.exception, [e.value for e in student.exception]
    assert f"Sent: your {digit}" in texts(student) and old.sent is None
