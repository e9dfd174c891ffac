"""Offline, without AELAB_DATA_DIR (an easy slip on a school machine), in a real headless Chromium.

`aelab app` starts with Keras' cache empty (HOME and KERAS_HOME in a new temporary folder) and every
download refused at once (tests/unit/test_data.py's `offline_env`: a proxy on a closed local port, so the
test behaves the same with or without internet). The terminal says at start-up that the data cannot be
found; each page that needs a data set shows one sentence naming AELAB_DATA_DIR and the files, and no
traceback.
"""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from test_browser import MAIN, RUN_TIMEOUT_MS, wait_until_idle

from tests.e2e import servers
from tests.e2e.conftest import REPO, STARTUP_TIMEOUT_S
from tests.unit.test_data import offline_env

pytestmark = pytest.mark.e2e

# URL path -> (page title, the data set it needs first).
PAGES = {
    "latent_space": ("Latent space", "MNIST"),
    "denoising": ("Denoising", "MNIST"),
    "manifold": ("Manifold", "MNIST"),
    "colorization": ("Colorization", "CIFAR-10"),
    "variants": ("Variants", "MNIST"),
}
HINT = "set AELAB_DATA_DIR to a folder holding mnist.npz and cifar10.npz and start aelab again"


@pytest.fixture(scope="module")
def offline_app():
    """`aelab app` with no data directory, an empty Keras cache and no way out; yields (base URL, log path)."""
    home = tempfile.mkdtemp(prefix="aelab-e2e-offline-")
    env = offline_env(home)
    env["AELAB_USER_DIR"] = os.path.join(home, "models")
    port = servers.free_port()
    log_path = os.path.join(home, "app.log")
    cmd = [sys.executable, "-m", "aelab", "app", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        servers.wait_healthy(f"{base}/_stcore/health", [(proc, log_path)], STARTUP_TIMEOUT_S)
        yield base, log_path
    finally:
        servers.stop(proc, timeout=15)
        shutil.rmtree(home, ignore_errors=True)


def test_start_up_says_the_data_cannot_be_found(offline_app):
    _base, log_path = offline_app
    with open(log_path) as f:
        first = f.readline()
    assert first.startswith("aelab: warning: AELAB_DATA_DIR is not set and Keras' cache "), first
    assert "has no MNIST and CIFAR-10" in first and "mnist.npz and cifar10.npz" in first, first


@pytest.mark.parametrize("path", list(PAGES))
def test_each_data_page_says_how_to_fix_it_without_a_traceback(offline_app, new_page, screenshot_dir, path):
    base, log_path = offline_app
    title, data_set = PAGES[path]
    page = new_page(1280, 720)
    page.goto(f"{base}/{path}")
    page.locator(MAIN).get_by_role("heading", name=title).first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    error = page.locator(f'{MAIN} [data-testid="stAlertContentError"]')
    assert error.count() == 1, f"/{path}: {error.count()} error boxes"
    text = error.inner_text()
    assert text.startswith(f"Cannot load {data_set}: AELAB_DATA_DIR is not set and Keras could not download it"), text
    assert HINT in text, text
    assert page.locator('[data-testid="stException"]').count() == 0, f"/{path} shows a traceback"
    assert "Traceback" not in page.locator(MAIN).inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, f"offline_{path}.png"))
    with open(log_path) as f:
        assert "Traceback" not in f.read()  # Not in the terminal either.
