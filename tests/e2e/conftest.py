"""Fixtures for the real-browser tests: `streamlit run app.py` plus headless Chromium.

Everything stays on 127.0.0.1: the app listens there, and Chromium is started with
its background networking switched off. No browser is ever downloaded; the tests use
Debian's Chromium (AELAB_CHROMIUM overrides the path) and are skipped without it.
"""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from playwright.sync_api import expect

from tests.e2e import servers

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = os.environ.get("AELAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 90
# Playwright's waiting assertions (expect(...).to_have_count) give a loaded machine as long as a page run.
expect.set_options(timeout=120_000)


def pytest_collection_modifyitems(items):
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)
            if not os.path.exists(CHROMIUM):
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (set AELAB_CHROMIUM)"))


@pytest.fixture(scope="session")
def screenshot_dir():
    """Where screenshots go: outside git, AELAB_SCREENSHOT_DIR or /tmp/aelab-screenshots."""
    d = os.environ.get("AELAB_SCREENSHOT_DIR", "/tmp/aelab-screenshots")
    os.makedirs(d, exist_ok=True)
    return d


@pytest.fixture(scope="session")
def app_url():
    """Starts `streamlit run app.py` on a free local port; yields its base URL."""
    if not os.environ.get("AELAB_DATA_DIR"):
        pytest.skip("AELAB_DATA_DIR is not set; the app needs the real MNIST/CIFAR-10 files")
    port = servers.free_port()
    user_dir = tempfile.mkdtemp(prefix="aelab-e2e-user-")
    env = dict(os.environ, AELAB_USER_DIR=user_dir, TF_CPP_MIN_LOG_LEVEL="2")
    env.setdefault("AELAB_DATABASE_URL", f"sqlite:///{user_dir}/classes.sqlite3")  # Classes made by the tests.
    log = tempfile.NamedTemporaryFile(prefix="aelab-e2e-streamlit-", suffix=".log", delete=False)
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        servers.wait_healthy(f"{base}/_stcore/health", [(proc, log.name)], STARTUP_TIMEOUT_S)
        yield base
    finally:
        servers.stop(proc, timeout=15)
        log.close()
        shutil.rmtree(user_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium browser driven by Playwright (never downloaded)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        pw.stop()


@pytest.fixture
def new_page(chromium):
    """Opens pages in a fresh context (own Streamlit session) at the given viewport."""
    contexts = []

    def make(width=1400, height=900, **options):  # options: Playwright's, e.g. has_touch=True for a phone.
        ctx = chromium.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        # Only the local app may be reached.
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                else route.abort()
            ),
        )
        return page

    yield make
    for ctx in contexts:
        ctx.close()
