"""A throw-away PostgreSQL cluster for tests and benchmarks: initdb and pg_ctl on a temporary folder.

Debian's `postgresql` package is enough (CI installs it, .ci/run); the system service is not used. The
cluster listens on a free 127.0.0.1 port only, trusts local connections, and is deleted afterwards.
PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user the package made.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def binaries():
    """The folder of Debian's PostgreSQL server programs (newest version), or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3]))
    return os.path.dirname(found[-1]) if found else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def cluster(durable=False):
    """Starts a cluster; yields its SQLAlchemy URL (`postgresql+psycopg://...`), stops and deletes it after.

    Args:
        durable: whether commits are flushed to disk (benchmarks); tests skip fsync.

    Raises:
        RuntimeError: when the PostgreSQL binaries are missing (callers skip) or the server does not start.
    """
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's server programs are not installed (apt-get install postgresql)")
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else pwd.getpwuid(os.geteuid()).pw_name
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = tempfile.mkdtemp(prefix="aelab-pg-")
    data = os.path.join(folder, "data")
    if as_root:
        shutil.chown(folder, "postgres")
    port = _free_port()
    ctl = [*run_as, os.path.join(bin_dir, "pg_ctl"), "-D", data, "-w", "-t", "60"]
    try:
        subprocess.run(
            [*run_as, os.path.join(bin_dir, "initdb"), "-D", data, "-U", user, "-A", "trust", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_connections=200" + (
            "" if durable else " -c fsync=off"
        )
        subprocess.run(
            [*ctl, "-o", options, "-l", os.path.join(folder, "log"), "start"], check=True, capture_output=True
        )
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres"
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"PostgreSQL did not start: {e.stderr.decode(errors='replace')[-500:]}") from e
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
