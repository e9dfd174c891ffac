"""Two replicas behind a real nginx, with the README's configuration (docs/nginx.conf), in Chromium.

Starts two `python -m aelab app` replicas on 127.0.0.1 as the README's deployment does (classroom mode, one
cookie secret) and nginx in front of them as its own non-daemon process, with its prefix, logs and temporary
files in a temporary folder. docs/nginx.conf is used as it is, with only the upstream addresses, the listen
line and the access log's path replaced. Then:

- one session through nginx uses every page, uploads a photo and downloads a PNG, all on its replica
  (nginx's access log names the replica of each request and the one its cookie asked for);
- several sessions from the one address 127.0.0.1 land on both replicas (cookie stickiness, not ip_hash), and
  every request that names a replica in its cookie goes to that one;
- stopping one replica leaves the sessions on the other untouched (same websocket, still answering), and a
  session that was on it shows Streamlit's "Connecting" and then a working page, served by the other, its
  cookie moved there; when the stopped replica is back, that session stays put and new browsers reach it;
- a class on one throw-away PostgreSQL (tests/pg_cluster.py) shared by both replicas: a teacher and phones
  on both replicas send digits, one replica is killed (SIGKILL) mid-class, its phone reconnects through
  nginx to the other replica and sends again, and the teacher's page shows every acknowledged digit; then
  the teacher's own replica is killed, and the projector comes back as the teacher of the same class.

Skipped without nginx (`apt-get install nginx`; .ci/run installs it); the class test also without
PostgreSQL's server programs (`apt-get install postgresql`). Screenshots: nginx_*.png.
"""

import base64
import contextlib
import io
import os
import re
import shutil
import tempfile
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests import pg_cluster
from tests.e2e.replicas import NGINX, Cluster, replica_cookie
from tests.e2e.runs import count_runs
from tests.e2e.test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle
from tests.e2e.test_class_browser import draw_stroke

CONNECTION_STATUS = '[data-testid="stConnectionStatus"]'  # Streamlit's "Connecting" badge, top right.
# What a page shows, for a failure's message: the script's state, Streamlit's badge, the main section's words.
SHOWN_JS = """() => ({
    script: document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state"),
    connecting: !!document.querySelector('[data-testid="stConnectionStatus"]'),
    pills: Array.from(document.querySelectorAll('[data-testid="stButtonGroup"] [role="radio"]'))
        .map(b => b.getAttribute("aria-checked") === "true" ? `[${b.innerText}]` : b.innerText).join(" "),
    main: (document.querySelector('[data-testid="stMain"]')?.innerText || "").slice(0, 600),
})"""
MAX_SESSIONS = 10  # Opened until both replicas hold one: all ten on one replica has odds of 1 in 512.

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="no nginx (apt-get install nginx)"),
]

# Sidebar title -> the page's heading; the Models page is the default one, at "/".
PAGES = ["Models", "Latent space", "Manifold", "Denoising", "Colorization", "Variants", "Studies"]


@pytest.fixture(scope="module")
def cluster():
    if not os.environ.get("AELAB_DATA_DIR"):
        pytest.skip("AELAB_DATA_DIR is not set; the app needs the real MNIST/CIFAR-10 files")
    tmp = tempfile.mkdtemp(prefix="aelab-nginx-")
    with contextlib.ExitStack() as stack:
        # One PostgreSQL for both replicas, as the README's deployment: the class test needs it.
        database_url = stack.enter_context(pg_cluster.cluster()) if pg_cluster.binaries() else None
        c = Cluster(tmp, database_url)
        try:
            c.start()
            yield c
        finally:
            c.stop()
            shutil.rmtree(tmp, ignore_errors=True)


def open_session(new_page, cluster, path="", width=1920, height=1080, **options):
    page = new_page(width, height, **options)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.sockets = []
    page.on("websocket", lambda ws: page.sockets.append(ws))
    count_runs(page)
    page.goto(f"{cluster.url}/{path}", wait_until="domcontentloaded")
    page.locator(MAIN).get_by_role("heading", level=1).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page


def assert_no_exception(page, where):
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()}"
    assert not page.errors, f"JavaScript errors on {where}: {page.errors}"


def go_to(page, title):
    """Clicks a page in the sidebar, as a student does: the same session, the same websocket."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.locator(MAIN).get_by_role("heading", name=title, level=1).first.wait_for(timeout=RUN_TIMEOUT_MS)
    page.wait_for_timeout(300)  # The rerun for the new page starts.
    wait_until_idle(page)


def landscape_png():
    """A photo-like picture of 2.6 MB (sky, sun, hills, a house, sensor noise): over nginx's default 1 MB body."""
    img = Image.new("RGB", (1200, 900), (110, 170, 235))
    d = ImageDraw.Draw(img)
    d.ellipse((850, 100, 1050, 300), fill=(250, 220, 60))
    d.polygon([(0, 600), (400, 400), (800, 575), (1200, 450), (1200, 900), (0, 900)], fill=(60, 150, 60))
    d.rectangle((200, 500, 450, 750), fill=(180, 60, 40))
    d.polygon([(175, 500), (325, 375), (475, 500)], fill=(90, 40, 30))
    noise = np.random.default_rng(0).integers(-24, 25, (900, 1200, 3))
    img = Image.fromarray(np.clip(np.asarray(img, dtype=int) + noise, 0, 255).astype("uint8"))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_one_session_through_nginx_uses_every_page(new_page, cluster, screenshot_dir):
    page = open_session(new_page, cluster)
    for title in PAGES[1:]:
        go_to(page, title)
        assert_no_exception(page, title)
        if title == "Manifold":
            with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
                page.locator(MAIN).get_by_role("button", name="Download the manifold (PNG)").click()
            with open(info.value.path(), "rb") as f:
                png = f.read()
            assert png.startswith(b"\x89PNG\r\n\x1a\n"), png[:16]
            assert min(Image.open(io.BytesIO(png)).size) >= 28 * 5  # At least a 5x5 grid of 28-pixel digits.
        if title == "Colorization":
            page.get_by_role("tab", name="Your own photo").click()
            photo = landscape_png()
            assert 2e6 < len(photo) < 10e6  # Passes client_max_body_size 10m, not nginx's default of 1m.
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                {"name": "landscape.png", "mimeType": "image/png", "buffer": photo}
            )
            page.locator(MAIN).get_by_text("colorized, 32x32").first.wait_for(timeout=RUN_TIMEOUT_MS)
            wait_until_idle(page)
            assert_no_exception(page, "Colorization after the upload")
            full_page_screenshot(page, os.path.join(screenshot_dir, "nginx_colorization_upload.png"))
    assert len(page.sockets) == 1, "the session reconnected while moving between pages"
    cluster.check_sticky()
    name = replica_cookie(page.context)
    mine = [request for request, status, _, cookie in cluster.requests() if cookie == name and status < 300]
    # The upload and the download are requests that only the session's own replica can answer.
    assert any(re.fullmatch(r"PUT /_stcore/upload_file/\S+ HTTP/1.1", r) for r in mine), mine[-8:]
    assert any(re.fullmatch(r"GET /media/\S+\.png HTTP/1.1", r) for r in mine), mine[-8:]
    phone = open_session(new_page, cluster, "manifold", 390, 844)
    assert_no_exception(phone, "Manifold at 390x844")
    phone.screenshot(path=os.path.join(screenshot_dir, "nginx_manifold_390.png"))


class Screencast:
    """Chromium's own stream of painted frames (CDP Page.startScreencast): a list of (epoch seconds, PNG)."""

    def __init__(self, page):
        self.page, self.frames = page, []

    def __enter__(self):
        self.cdp = self.page.context.new_cdp_session(self.page)
        self.cdp.on("Page.screencastFrame", self._frame)
        self.cdp.send("Page.startScreencast", {"format": "png", "everyNthFrame": 1})
        return self.frames

    def _frame(self, event):
        self.frames.append((event["metadata"]["timestamp"], base64.b64decode(event["data"])))
        self.cdp.send("Page.screencastFrameAck", {"sessionId": event["sessionId"]})

    def __exit__(self, *exc):
        self.cdp.send("Page.stopScreencast")
        self.cdp.detach()


def interact(page):
    """A rerun that needs the server: open Denoising and wait until it has drawn."""
    go_to(page, "Denoising")
    assert_no_exception(page, "Denoising")


def test_sessions_spread_and_survive_a_replica_stopping(new_page, cluster, screenshot_dir):
    sessions = {port: [] for port in cluster.ports}
    while min(len(s) for s in sessions.values()) < 1 or sum(map(len, sessions.values())) < 4:
        assert sum(map(len, sessions.values())) < MAX_SESSIONS, f"all sessions on one replica: {sessions}"
        page = open_session(new_page, cluster, "manifold")
        sessions[cluster.port_of(replica_cookie(page.context))].append(page)
    cluster.check_sticky()
    stopped, kept = cluster.ports
    victim, survivors = sessions[stopped][0], sessions[kept]
    # Everything the connection status shows from now on, however briefly, with the time it changed...
    victim.evaluate(
        """() => { window.__status = [];
            let last = null;
            const seen = () => { const w = document.querySelector(STATUS);
                                 const text = w ? w.textContent.trim() : "";
                                 if (text !== last) window.__status.push([Date.now() / 1000, last = text]); };
            new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
        }""".replace("STATUS", repr(CONNECTION_STATUS))
    )
    # ... and every frame Chromium paints: "Connecting" lasts less than a screenshot takes.
    with Screencast(victim) as frames:
        proc = cluster.stop_replica(stopped)
        victim.wait_for_function(
            "() => window.__status.some(s => s[1].includes('Connecting')) && !window.__status.at(-1)[1]",
            timeout=60_000,
        )
    proc.wait(timeout=30)
    status = victim.evaluate("() => window.__status")
    shown = [t for t, text in status if "Connecting" in text]
    assert shown, status
    hidden = next(t for t, text in status if t > shown[0] and "Connecting" not in text)
    during = [png for t, png in frames if shown[0] <= t < hidden]
    assert during, f"no frame painted between {shown[0]} and {hidden}: {[t for t, _ in frames]}"
    with open(os.path.join(screenshot_dir, "nginx_replica_stopped_connecting.png"), "wb") as f:
        f.write(during[len(during) // 2])  # The first ones may still be the page before the change.
    with open(os.path.join(screenshot_dir, "nginx_replica_stopped.txt"), "w") as f:
        f.write(f"'Connecting' shown for {hidden - shown[0]:.2f} s; connection status changes: {status}\n")
    # Streamlit reconnected on its own, through nginx, to the replica still running: a new session there,
    # and the cookie moved with it.
    victim.locator(MAIN).get_by_role("heading", name="Manifold", level=1).wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(victim)
    victim.screenshot(path=os.path.join(screenshot_dir, "nginx_replica_stopped_reconnected.png"))
    assert len(victim.sockets) == 2 and victim.sockets[0].is_closed()
    assert replica_cookie(victim.context) == cluster.name_of(kept)
    for page in survivors:
        # Untouched: the same websocket, never closed, and the session still answers.
        assert len(page.sockets) == 1 and not page.sockets[0].is_closed()
        interact(page)
        assert len(page.sockets) == 1 and not page.sockets[0].is_closed()
    # The stopped replica comes back (systemd's Restart=): the moved session stays where its session is,
    # and new browsers are sent to the replica that is back.
    cluster.start_replica(stopped)
    cluster.wait_replica(stopped)
    since = len(cluster.requests())
    interact(victim)
    assert_no_exception(victim, "the reconnected session")
    assert len(victim.sockets) == 2 and not victim.sockets[1].is_closed()
    victim.screenshot(path=os.path.join(screenshot_dir, "nginx_replica_stopped_working.png"))
    cluster.check_sticky(since)
    # Its requests (the pages' pictures are inline now; the navigator's files, uploads and media are not)
    # carry the replica it moved to, and check_sticky showed that replica answered them.
    assert any(cookie == cluster.name_of(kept) for _, _, _, cookie in cluster.requests()[since:]), (
        "the moved session's requests went elsewhere"
    )
    deadline = time.monotonic() + 30  # nginx retries a failed replica after its fail_timeout (10 s).
    while True:
        with urllib.request.urlopen(f"{cluster.url}/", timeout=10) as r:
            if f"aelab_replica={cluster.name_of(stopped)};" in (r.headers.get("Set-Cookie") or ""):
                break
        assert time.monotonic() < deadline, "no new browser was sent to the restarted replica"
        time.sleep(1)


# A class over both replicas (tests/e2e/test_class_browser.py has the one-server class).


def after_a_run(page, action):
    """Does `action()` and waits until the server has finished a run of the script after it, and the page is idle.

    A stale "Sent" or the page as it was before a reconnect must not pass for what came after.
    """
    runs = page.runs
    action()
    deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
    while page.runs <= runs:
        if time.monotonic() > deadline:
            shown = page.evaluate(SHOWN_JS)
            full_page_screenshot(page, os.path.join(os.environ.get("AELAB_SCREENSHOT_DIR", "/tmp"), "nginx_no_run.png"))
            raise AssertionError(f"the server finished no run after the action ({runs} before): {shown}")
        page.wait_for_timeout(50)  # Playwright hands over the websocket's messages while it waits.
    wait_until_idle(page)


def open_class_session(new_page, cluster, query="", **size):
    page = open_session(new_page, cluster, f"class{query}", **size)
    page.locator(MAIN).get_by_role("heading", name="Classroom").first.wait_for(timeout=RUN_TIMEOUT_MS)
    return page


def send_digit(phone, screenshot_dir, digit=7):
    """Draws a 7 on the pad, makes sure `digit` is chosen, presses Send; waits for the acknowledgement."""
    draw_stroke(phone)  # On the 7 already there, after the first: the same drawing, no new stroke sent.
    choice = phone.locator(f'{MAIN} [data-testid="stButtonGroup"]').get_by_role("radio", name=str(digit), exact=True)
    if choice.get_attribute("aria-checked") != "true":  # A click on the chosen pill would unchoose it.
        after_a_run(phone, choice.click)
    after_a_run(phone, phone.locator(MAIN).get_by_role("button", name="Send", exact=True).click)
    try:  # What the student sees as acknowledged.
        expect(phone.locator(MAIN).get_by_text(f"Sent: your {digit}")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    except AssertionError:
        full_page_screenshot(phone, os.path.join(screenshot_dir, "nginx_class_send_failed.png"))
        raise


def test_a_class_survives_a_replica_killed_mid_class(new_page, cluster, screenshot_dir):
    if cluster.database_url is None:
        pytest.skip("PostgreSQL's server programs are not installed (apt-get install postgresql)")
    cluster.ensure_running()
    teacher = open_class_session(new_page, cluster)
    teacher.locator(MAIN).get_by_role("button", name="Start a class").click()
    code_box = teacher.locator(f"{MAIN} .aelab-class-code")
    code_box.wait_for(timeout=RUN_TIMEOUT_MS)
    code = code_box.inner_text().strip()
    kept = cluster.port_of(replica_cookie(teacher.context))
    killed = next(p for p in cluster.ports if p != kept)
    # Phones until one is on each replica: the teacher's, which stays, and the other, which is killed.
    phones = {port: [] for port in cluster.ports}
    while not (phones[kept] and phones[killed]):
        assert sum(map(len, phones.values())) < MAX_SESSIONS, f"all phones on one replica: {phones}"
        phone = open_class_session(new_page, cluster, f"?join={code}", width=390, height=844, has_touch=True)
        phone.locator(MAIN).get_by_text(f"You are in class {code}").wait_for(timeout=RUN_TIMEOUT_MS)
        phones[cluster.port_of(replica_cookie(phone.context))].append(phone)
    victim = phones[killed][0]
    acknowledged = 0
    for phone in (victim, phones[kept][0]):
        send_digit(phone, screenshot_dir)
        acknowledged += 1
    count = teacher.locator(MAIN).get_by_role("heading", name=re.compile(r"^\d+ digits? from \d+ students?"))
    expect(count).to_have_text(re.compile(rf"^{acknowledged} digits from "))

    with victim.expect_websocket(timeout=RUN_TIMEOUT_MS):
        cluster.kill_replica(killed)  # Mid-class: the victim's websocket breaks, nothing is flushed.
    # Streamlit reconnected through nginx to the replica left: a new session there, which runs at the
    # student's next action (Send) with the page's ?join= link, so it rejoins the class.
    expect(victim.locator(CONNECTION_STATUS)).to_have_count(0)
    send_digit(victim, screenshot_dir)
    acknowledged += 1
    assert replica_cookie(victim.context) == cluster.name_of(kept)
    assert len(victim.sockets) == 2 and victim.sockets[0].is_closed()
    victim.screenshot(path=os.path.join(screenshot_dir, "nginx_class_phone_after_kill.png"))

    # The teacher did nothing: every acknowledged digit is on the count and the wall, none lost; and the
    # victim is still one student (its tab handed its id back to the new session: app_pages/_seat.py).
    expect(count).to_have_text(re.compile(rf"^{acknowledged} digits from 2 students"))
    expect(teacher.locator(f"{MAIN} .aelab-class-wall figure")).to_have_count(acknowledged)
    assert len(teacher.sockets) == 1 and not teacher.sockets[0].is_closed()
    full_page_screenshot(teacher, os.path.join(screenshot_dir, "nginx_class_teacher_after_kill.png"))
    for page in (teacher, victim, phones[kept][0]):
        assert_no_exception(page, "the class after a replica was killed")

    # Then the teacher's own replica dies (the killed one is back): the projector reconnects to the other,
    # the tab hands the teacher's seat (code and token) to the new session, and the class goes on there.
    cluster.start_replica(killed)
    cluster.wait_replica(killed)
    survivor = phones[kept][0]  # Its replica is gone too: it reconnects as the victim did.
    # Both tabs' new websockets, not just a badge not shown yet: a tab that has not noticed yet shows none.
    with teacher.expect_websocket(timeout=RUN_TIMEOUT_MS), survivor.expect_websocket(timeout=RUN_TIMEOUT_MS):
        cluster.kill_replica(kept)
    expect(teacher.locator(CONNECTION_STATUS)).to_have_count(0)
    expect(survivor.locator(CONNECTION_STATUS)).to_have_count(0)
    send_digit(survivor, screenshot_dir)
    acknowledged += 1
    assert replica_cookie(teacher.context) == cluster.name_of(killed)
    expect(teacher.locator(f"{MAIN} .aelab-class-code")).to_have_text(code)  # Still the teacher, same class.
    expect(count).to_have_text(re.compile(rf"^{acknowledged} digits from 2 students"))
    expect(teacher.locator(f"{MAIN} .aelab-class-wall figure")).to_have_count(acknowledged)
    full_page_screenshot(teacher, os.path.join(screenshot_dir, "nginx_class_teacher_after_own_replica_killed.png"))
    for page in (teacher, survivor):
        assert_no_exception(page, "the class after the teacher's replica was killed")
