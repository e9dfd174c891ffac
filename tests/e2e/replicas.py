"""Two `python -m aelab app` replicas behind a real nginx with the README's configuration (docs/nginx.conf).

For the replica tests (tests/e2e/test_nginx_browser.py) and bench/class_replicas.py, all on 127.0.0.1:
the replicas run as the README's deployment runs them (classroom mode, one cookie secret, optionally one
PostgreSQL for both), nginx as its own non-daemon process with its prefix, logs and temporary files in a
given folder. docs/nginx.conf is used as it is, with only the upstream addresses, the listen line and the
access log's path replaced.
"""

import os
import re
import shutil
import subprocess
import sys

from tests.e2e import servers

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NGINX_CONF = os.path.join(REPO, "docs", "nginx.conf")
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
STARTUP_TIMEOUT_S = 120


# docs/nginx.conf's replicas, in the order of their names there: r1, r2.
DOC_REPLICAS = ["10.0.0.11:8501", "10.0.0.12:8501"]
LOG_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d+) \d+ upstream=(?P<upstream>\S+(?:, \S+)*) cookie=(?P<cookie>\S*) '
)


def render_nginx_conf(ports, listen_port, access_log):
    """docs/nginx.conf here: only the replicas' addresses, the listen line and the log path change."""
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
    """Two replicas (r1, r2) and nginx, with what nginx logged about each request.

    Args:
        tmp: a folder for nginx's files, the logs and the replicas' user folder.
        database_url: the classroom store both replicas share (`AELAB_DATABASE_URL`); None: the SQLite
            default in their one user folder.
    """

    def __init__(self, tmp, database_url=None):
        self.tmp, self.database_url = tmp, database_url
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
        if database_url:  # Otherwise both replicas share the SQLite default under AELAB_USER_DIR.
            self.env["AELAB_DATABASE_URL"] = database_url

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

    def kill_replica(self, port):
        """Kills the replica (SIGKILL: a crash, no clean-up) and waits until it is gone."""
        self.replicas[port].kill()
        self.replicas[port].wait(timeout=30)

    def ensure_running(self):
        """Restarts any replica an earlier test left stopped; waits until both answer."""
        for port in self.ports:
            if self.replicas[port].poll() is not None:
                self.start_replica(port)
        for port in self.ports:
            self.wait_replica(port)

    def stop(self):
        for proc in [*self.replicas.values(), self.nginx]:
            servers.stop(proc)
