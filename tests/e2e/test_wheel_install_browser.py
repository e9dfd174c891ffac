"""`pip install .` into a fresh virtual environment, then the `aelab` command from another folder.

The wheel is built from a clean copy of the tracked files (what a fresh clone holds) and installed into a
new venv in a temporary folder. That venv has aelab only from the wheel; it reaches the dependencies this
test runs with (TensorFlow alone is 600 MB) through one .pth line pointing at their site-packages, added
after its own, so the test stays fast and offline, and `pip check` proves the wheel's declared
dependencies are met. The build uses hatchling from requirements-dev.txt, without build isolation.

Then, from an empty working directory: `aelab --help`, `--version`, `aelab train --help`, a bad flag,
`python -m aelab.train --help`, and `aelab app` until /_stcore/health answers and Chromium shows every
page without an exception (so the pages, checkpoints, studies and config came with the wheel).
"""

import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import pytest

from tests.e2e import servers
from tests.e2e.test_browser import MAIN, RUN_TIMEOUT_MS, wait_until_idle

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STARTUP_TIMEOUT_S = 120
PAGES = {  # URL path -> heading
    "": "Models",
    "latent_space": "Latent space",
    "manifold": "Manifold",
    "denoising": "Denoising",
    "colorization": "Colorization",
    "variants": "Variants",
    "studies": "Studies",
}

pytestmark = pytest.mark.e2e


def clean_copy(dest):
    """Copies the files git tracks (and new files it would track), as a fresh clone would have them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout  # fmt: skip
    for rel in filter(None, listed.decode().split("\0")):
        src = os.path.join(REPO, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def installed():
    """A venv with the wheel installed; yields (venv bin folder, environment, working directory)."""
    if shutil.which("git") is None or not os.path.isdir(os.path.join(REPO, ".git")):
        pytest.skip("needs a git checkout to know which files a clone has")
    tmp = tempfile.mkdtemp(prefix="aelab-pkg-")
    try:
        src, dist, venv, cwd = (os.path.join(tmp, d) for d in ("src", "dist", "venv", "elsewhere"))
        clean_copy(src)
        pip = [sys.executable, "-m", "pip"]
        r = run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, src])
        assert r.returncode == 0, r.stdout + r.stderr
        (wheel,) = glob.glob(os.path.join(dist, "aelab-*.whl"))
        shutil.rmtree(src)  # Nothing may come from the copy it was built from.
        r = run([sys.executable, "-m", "venv", "--without-pip", venv])
        assert r.returncode == 0, r.stderr
        python = os.path.join(venv, "bin", "python")
        purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
        with open(os.path.join(purelib, "zz-test-dependencies.pth"), "w") as f:
            f.write(sysconfig.get_paths()["purelib"] + "\n")
        r = run([*pip, "--python", python, "install", "--no-deps", "--no-index", "--ignore-installed", wheel])
        assert r.returncode == 0, r.stdout + r.stderr
        os.makedirs(cwd)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AELAB_CHECKPOINT_DIR", "VIRTUAL_ENV")}
        env.update(HOME=os.path.join(tmp, "home"), AELAB_USER_DIR=os.path.join(tmp, "user"), TF_CPP_MIN_LOG_LEVEL="2")
        yield os.path.join(venv, "bin"), env, cwd
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_wheel_installs_with_its_dependencies_met(installed):
    bindir, env, cwd = installed
    python = os.path.join(bindir, "python")
    r = run([python, "-m", "pip", "check"], env=env, cwd=cwd)
    assert r.returncode == 0, r.stdout + r.stderr
    show = "import aelab, aelab.locations as l; print(aelab.__file__, l.APP_SCRIPT, l.user_models_dir(l.SHIPPED_CHECKPOINTS))"
    r = run([python, "-c", show], env=env, cwd=cwd)
    module, app, models = r.stdout.split()
    venv = os.path.dirname(bindir)
    assert module.startswith(venv) and app.startswith(venv), r.stdout + r.stderr
    # Models saved from an installed app go to the user's folder, not into the package.
    assert models == os.path.join(env["HOME"], ".aelab", "models"), models
    site = os.path.dirname(os.path.dirname(module))
    for rel in ("app_pages/models.py", ".streamlit/config.toml", "checkpoints/vae2d.keras", "studies/pca.json"):
        assert os.path.isfile(os.path.join(site, "aelab_app", rel)), rel


def test_aelab_command_and_its_subcommands(installed):
    bindir, env, cwd = installed
    aelab = os.path.join(bindir, "aelab")
    r = run([aelab, "--help"], env=env, cwd=cwd)
    assert r.returncode == 0 and all(c in r.stdout for c in ("app", "train", "evaluate", "study")), r.stdout
    r = run([aelab, "--version"], env=env, cwd=cwd)
    from aelab import __version__

    assert r.returncode == 0 and r.stdout.strip() == f"aelab {__version__}", r.stdout + r.stderr
    r = run([aelab, "train", "--help"], env=env, cwd=cwd)
    assert r.returncode == 0 and r.stdout.startswith("usage: aelab train") and "--epochs" in r.stdout, r.stdout
    r = run([aelab, "train", "ae2d", "--epochs", "-3"], env=env, cwd=cwd)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("aelab train: error: argument --epochs: expected a positive integer"), r.stderr
    r = run([aelab, "study", "nonsense"], env=env, cwd=cwd)
    assert r.returncode == 2 and r.stderr.startswith("aelab study: error: argument study"), r.stderr
    # The module commands keep working, under their own names.
    r = run([os.path.join(bindir, "python"), "-m", "aelab.train", "--help"], env=env, cwd=cwd)
    assert r.returncode == 0 and r.stdout.startswith("usage: python -m aelab.train"), r.stdout + r.stderr
    # Installed, the shipped checkpoints are never the default output: nothing is written into the package.
    r = run([aelab, "train", "ae2d", "--epochs", "1"], env=env, cwd=cwd)
    assert r.returncode == 2 and "inside the installed aelab package" in r.stderr and "--out" in r.stderr, r.stderr


def test_aelab_app_serves_every_page_from_another_folder(installed, new_page, screenshot_dir):
    if not os.environ.get("AELAB_DATA_DIR"):
        pytest.skip("AELAB_DATA_DIR is not set; the app needs the real MNIST/CIFAR-10 files")
    bindir, env, cwd = installed

    port = servers.free_port()
    log_path = os.path.join(os.path.dirname(cwd), "app.log")
    argv = [os.path.join(bindir, "aelab"), "app", "--server.headless", "true", "--server.port", str(port),
            "--server.address", "127.0.0.1"]  # fmt: skip
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        servers.wait_healthy(f"{base}/_stcore/health", [(proc, log_path)], STARTUP_TIMEOUT_S)
        page = new_page(1920, 1080)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        for path, heading in PAGES.items():
            page.goto(f"{base}/{path}", wait_until="domcontentloaded")
            page.locator(MAIN).get_by_role("heading", name=heading, level=1).wait_for(timeout=RUN_TIMEOUT_MS)
            wait_until_idle(page)
            exceptions = page.locator('[data-testid="stException"]')
            assert exceptions.count() == 0, f"/{path}: {exceptions.first.inner_text()}"
            errors_box = page.locator('[data-testid="stAlertContentError"]')
            assert errors_box.count() == 0, f"/{path}: {errors_box.first.inner_text()}"
            if path == "":
                page.screenshot(path=os.path.join(screenshot_dir, "installed_models.png"))
            if path == "colorization":
                # The wheel's .streamlit/config.toml applies though the working directory has none:
                # its maxUploadSize of 50 MB (aelab's own 10 MB limit then says why), not Streamlit's 200.
                page.get_by_role("tab", name="Your own photo").click()
                limit = page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').first
                assert "50MB per file" in limit.text_content(), limit.text_content()  # Hidden: the caption says 10 MB.
        assert not errors, errors
    finally:
        servers.stop(proc)
