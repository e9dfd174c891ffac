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
  cookie moved there; when the stopped replica is back, that session stays put and new browsers reach it.

Skipped without nginx (`apt-get install nginx`; .ci/run installs it). Screenshots: nginx_*.png.
"""

import base64
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.e2e import servers
from tests.e2e.test_browser import MAIN, RUN_TIMEOUT_MS, full_page_screenshot, wait_until_idle

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NGINX_CONF = os.path.join(REPO, "docs", "nginx.conf")
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
STARTUP_TIMEOUT_S = 120
CONNECTION_STATUS = '[data-testid="stConnectionStatus"]'  # Streamlit's "Connecting" badge, top right.
MAX_SESSIONS = 10  # Opened until both replicas hold one: all ten on one replica has odds of 1 in 512.

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="no nginx (apt-get install nginx)"),
]

# Sidebar title -> the page's heading; the Models page is the default one, at "/".
PAGES = ["Models", "Latent space", "Manifold", "Denoising", "Colorization", "Variants", "Studies"]


# docs/nginx.conf's replicas, in the order of their names there: r1, r2.
DOC_REPLICAS = ["10.0.0.11:8501", "10.0.0.12:8501"]
LOG_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d+) \d+ upstream=(?P<upstream>\S+(?:, \S+)*) cookie=(?P<cookie>\S*) '
)


def render_nginx_conf(ports, listen_port, access_log):
    """docs/nginx.conf for this test: only the replicas' addresses, the listen line and the log path change."""
    with open(NGINX_CONF) as f:
        conf = f.read()
    for doc, port in zip(DOC_REPLICAS, ports, strict=True):
        here = f"127.0.0.1:{port}"
        escaped = doc.replace(".", "\\.")  # In the regular expressions of the map on $upstream_addr.
        assert conf.count(doc) >= 3 and conf.count(escaped) == 1, f"docs/nginx.conf no longer names {doc}"
        conf = conf.replace(doc, here).replace(escaped, here.replace(".", "\\."))
    conf, n_listen = re.subn(r"^    listen 80;", f"    listen 127.0.0.1:{listen_port};", conf, flags=re.M)
    conf, n_log = re.subn(r"/var/log/nginx/aelab\.access\.log", access_log, conf)
    assert (n_listen, n_log) == (1, 1), "docs/nginx.conf changed shape: update render_nginx_conf"
    return conf


def nginx_main_conf(prefix, include):
    """A whole nginx.conf around the include, everything under `prefix`, in the foreground."""
    user = "user root;" if os.geteuid() == 0 else ""  # As root, workers would otherwise run as nobody.
    temp = " ".join(f"{k}_temp_path {prefix}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"daemon off; {user} worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/error.log info;\n"
        "events { worker_connections 512; }\n"
        f"http {{ {temp}\n include {include};\n}}\n"
    )


def replica_cookie(context):
    """The browser's `aelab_replica` cookie, set by nginx (docs/nginx.conf): "r1" or "r2"."""
    return next((c["value"] for c in context.cookies() if c["name"] == "aelab_replica"), None)


class Cluster:
    """Two replicas (r1, r2) and nginx, with what nginx logged about each request."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.ports = [servers.free_port(), servers.free_port()]
        self.port = servers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = os.path.join(tmp, "access.log")
        self.replicas, self.logs = {}, {}
        self.nginx = None
        self.env = dict(
            os.environ,
            AELAB_READ_ONLY="1",
            AELAB_USER_DIR=os.path.join(tmp, "user"),
            # One secret for all replicas, as the README says (Streamlit refuses it as a flag).
            STREAMLIT_SERVER_COOKIE_SECRET=os.urandom(16).hex(),
            TF_CPP_MIN_LOG_LEVEL="2",
        )

    def start_replica(self, port):
        """`aelab app` as the README's deployment runs it, from the checkout (`python -m aelab`)."""
        self.logs[port] = os.path.join(self.tmp, f"replica-{port}.log")
        cmd = [
            sys.executable, "-m", "aelab", "app",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        ]  # fmt: skip
        with open(self.logs[port], "a") as out:
            self.replicas[port] = subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def wait_replica(self, port):
        servers.wait_healthy(
            f"http://127.0.0.1:{port}/_stcore/health", [(self.replicas[port], self.logs[port])], STARTUP_TIMEOUT_S
        )

    def start(self):
        for port in self.ports:
            self.start_replica(port)
        include = os.path.join(self.tmp, "aelab.conf")
        with open(include, "w") as f:
            f.write(render_nginx_conf(self.ports, self.port, self.access_log))
        main = os.path.join(self.tmp, "nginx.conf")
        with open(main, "w") as f:
            f.write(nginx_main_conf(self.tmp, include))
        nginx_log = os.path.join(self.tmp, "nginx.out")
        with open(nginx_log, "w") as out:
            self.nginx = subprocess.Popen([NGINX, "-p", self.tmp, "-c", main], stdout=out, stderr=subprocess.STDOUT)
        for port in self.ports:
            self.wait_replica(port)
        servers.wait_healthy(f"{self.url}/_stcore/health", [(self.nginx, nginx_log)], STARTUP_TIMEOUT_S)

    def port_of(self, name):
        return self.ports[int(name[1:]) - 1]

    def name_of(self, port):
        return f"r{self.ports.index(port) + 1}"

    def requests(self):
        """Every request nginx logged: its request line, status, the replica ports tried, and the cookie."""
        with open(self.access_log) as f:
            found = [LOG_LINE.search(line) for line in f]
        return [
            (
                m["request"],
                int(m["status"]),
                [int(a.rsplit(":", 1)[1]) for a in m["upstream"].split(", ")],
                m["cookie"].strip("-"),
            )
            for m in found
            if m and m["upstream"] != "-"  # "-": nginx answered itself (a client gone before the reply).
        ]

    def check_sticky(self, since=0):
        """Asserts that every request that named a replica in its cookie went to that replica, and only to it."""
        for request, _, tried, cookie in self.requests()[since:]:
            if cookie:
                assert tried == [self.port_of(cookie)], f"{request} with cookie {cookie} went to {tried}"

    def stop_replica(self, port):
        """Sends the replica SIGTERM, as `systemctl stop` does; returns its process to wait for."""
        self.replicas[port].terminate()
        return self.replicas[port]

    def stop(self):
        for proc in [*self.replicas.values(), self.nginx]:
            servers.stop(proc)


@pytest.fixture(scope="module")
def cluster():
    if not os.environ.get("AELAB_DATA_DIR"):
        pytest.skip("AELAB_DATA_DIR is not set; the app needs the real MNIST/CIFAR-10 files")
    tmp = tempfile.mkdtemp(prefix="aelab-nginx-")
    c = Cluster(tmp)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def open_session(new_page, cluster, path="", width=1920, height=1080):
    page = new_page(width, height)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.sockets = []
    page.on("websocket", lambda ws: page.sockets.append(ws))
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
