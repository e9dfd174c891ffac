"""pyproject.toml declares what the code needs, and the `aelab` command dispatches as documented.

The wheel itself is built, installed and run in tests/e2e/test_wheel_install_browser.py.
"""

import ast
import importlib.metadata
import os
import re
import subprocess
import sys

import pytest

from aelab import command, locations

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
tomllib = pytest.importorskip("tomllib")  # Python 3.11+.
requirements = pytest.importorskip("packaging.requirements")


def pyproject():
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules():
    """Top-level names of every module imported anywhere in the app and the library, lazily or not."""
    files = [os.path.join(REPO, "app.py")]
    for top in ("aelab", "app_pages"):
        for folder, _, names in os.walk(os.path.join(REPO, top)):
            files += [os.path.join(folder, n) for n in names if n.endswith(".py")]
    found = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], os.path.relpath(path, REPO))
    return found


def declared_distributions():
    """Names of the declared dependencies, with what their extras (e.g. dask[distributed]) bring."""
    names = set()
    for text in pyproject()["project"]["dependencies"]:
        req = requirements.Requirement(text)
        names.add(canonical(req.name))
        for extra in req.extras:
            for sub in importlib.metadata.requires(req.name) or []:
                sub = requirements.Requirement(sub)
                if sub.marker is not None and sub.marker.evaluate({"extra": extra}):
                    names.add(canonical(sub.name))
    return names


# Imported only inside functions that the tests and benchmarks call: requirements-dev.txt installs them.
CHECK_ONLY = {"onnxruntime": "aelab.inference.onnx_export.max_difference compares an exported decoder with Keras"}


def test_every_third_party_import_is_a_declared_dependency():
    providers = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    ours = {"aelab", "app_pages"}
    missing = {}
    for module, where in sorted(imported_modules().items()):
        if module in sys.stdlib_module_names or module in ours or module in CHECK_ONLY:
            continue
        dists = {canonical(d) for d in providers.get(module, [])}
        assert dists, f"{where} imports {module!r}, which no installed distribution provides"
        if not dists & declared:
            missing[module] = (where, sorted(dists))
    assert not missing, f"imported but not in pyproject.toml's dependencies: {missing}"


def test_check_only_imports_are_in_requirements_dev():
    with open(os.path.join(REPO, "requirements-dev.txt")) as f:
        listed = {canonical(re.split(r"[<>=;\[ ]", line.strip())[0]) for line in f if line.strip()[:1].isalpha()}
    assert {canonical(m) for m in CHECK_ONLY} <= listed


def test_requirements_txt_installs_the_project_and_repeats_no_dependency():
    with open(os.path.join(REPO, "requirements.txt")) as f:
        lines = [line.split("#")[0].strip() for line in f]
    assert [line for line in lines if line] == ["-e ."]


def test_the_wheel_carries_the_app_in_the_checkouts_layout():
    wheel = pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]
    shipped = set(wheel["only-include"]) - {"aelab"}
    assert wheel["force-include"] == {"app.py": "aelab_app/app.py"}
    # Each folder beside app.py keeps its name under aelab_app/, so app.py's "app_pages/models.py" resolves.
    assert wheel["sources"] == {p.split("/")[0]: f"aelab_app/{p.split('/')[0]}" for p in shipped}
    for folder in ("app_pages", "checkpoints", "studies", "static"):
        assert folder in shipped and os.path.isdir(os.path.join(REPO, folder)), folder
    # Every folder app.py routes to is in the wheel.
    with open(os.path.join(REPO, "app.py")) as f:
        routed = set(re.findall(r'st\.Page\("([^/"]+)/', f.read()))
    assert routed and routed <= shipped


def test_the_docs_quote_the_nginx_config_the_e2e_test_runs():
    # One configuration: docs/nginx.conf, which tests/e2e/test_nginx_browser.py runs, quoted whole in the
    # operations guide the README links to.
    with open(os.path.join(REPO, "docs", "nginx.conf")) as f:
        quoted = "".join(f"    {line}" if line.strip() else "\n" for line in f)
    with open(os.path.join(REPO, "docs", "operations.md")) as f:
        assert quoted in f.read()


def test_checkout_is_not_installed_mode():
    assert not locations.INSTALLED
    assert locations.APP_SCRIPT == os.path.join(REPO, "app.py")
    assert locations.package_write_error(os.path.join(REPO, "checkpoints"), "--out") is None


@pytest.mark.parametrize(
    "argv, code, stream, text",
    [
        (["--version"], 0, "stdout", "aelab "),
        (["--help"], 0, "stdout", "usage: aelab [-h] [--version] {app,train,evaluate,study}"),
        ([], 2, "stderr", "aelab: error: the following arguments are required: command (--help lists the options)"),
        (["serve"], 2, "stderr", "aelab: error: argument command: invalid choice: 'serve'"),
        (["train", "--help"], 0, "stdout", "usage: aelab train"),
        (["evaluate", "--limit", "x"], 2, "stderr", "aelab evaluate: error: argument --limit"),
        (["study", "--help"], 0, "stdout", "usage: aelab study"),
        (["app", "--help"], 0, "stdout", "aelab app [OPTIONS] runs: streamlit run "),
    ],
)
def test_aelab_command_lines(argv, code, stream, text):
    # Through `python -m aelab`: the console script calls the same main().
    r = subprocess.run([sys.executable, "-m", "aelab", *argv], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert r.returncode == code, r.stdout + r.stderr
    out = getattr(r, stream)
    assert out.startswith(text), out
    if code == 2:
        assert out.count("\n") == 1, out  # One line.


def test_app_runs_streamlit_on_this_interpreter_with_the_options_given():
    argv = command.app_argv(["--server.port", "8502"])
    assert argv == [sys.executable, "-m", "streamlit", "run", os.path.join(REPO, "app.py"), "--server.port", "8502"]
