"""The `aelab` command, installed by `pip install .` (pyproject.toml, `[project.scripts]`).

    aelab app [streamlit options]     serve the app (streamlit run <app folder>/app.py [options])
    aelab train ...                   python -m aelab.train ...
    aelab evaluate ...                python -m aelab.evaluate ...
    aelab study ...                   python -m aelab.experiments ...
    aelab --version

Only the first word is this command's: everything after it goes to the subcommand unchanged, `--help`
included, so each one keeps its flags and its one-line errors. `python -m aelab` runs the same command.
"""

import argparse
import os
import re
import signal
import subprocess
import sys

from aelab import __version__, data, locations
from aelab.cli import ArgumentParser

# name -> (module whose main(argv, prog) runs it, what it does). "app" is not a module: it runs Streamlit.
COMMANDS = {
    "app": (None, "serve the app in the browser (streamlit run app.py; Streamlit's options follow)"),
    "train": ("aelab.train", "train a model and save it as a checkpoint (python -m aelab.train)"),
    "evaluate": ("aelab.evaluate", "score the checkpoints on the test sets (python -m aelab.evaluate)"),
    "study": ("aelab.experiments.__main__", "run one of the tutorials' studies (python -m aelab.experiments)"),
}

CHECKPOINT_DIR_ENV = "AELAB_CHECKPOINT_DIR"  # aelab.checkpoints' (which imports Keras: too slow for a start-up line).

# A line in absl's format, `I0000 00:00:1796172042.935997    9440 port.cc:153] oneDNN custom operations are on...`:
# its severity (I, W, E, F) is the first letter.
_ABSL_LINE = re.compile(rb"^([IWEF])\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w./-]+:\d+\] ")
_ABSL_PREINIT = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


def app_argv(options):
    """The command line that serves the app.

    Args:
        options: Streamlit's options, e.g. ["--server.port", "8502"].

    Returns:
        `[python, -m, streamlit, run, <app folder>/app.py, *options]`, with this interpreter, so the
        server runs in the environment aelab is installed in.
    """
    return [sys.executable, "-m", "streamlit", "run", locations.APP_SCRIPT, *options]


def app_env(environ):
    """The server's environment: `environ` with TensorFlow's C++ log level at 2 (warnings and errors hidden).

    Set before the server starts, so it holds in the server and in every process it starts (the training
    pool's workers copy it) before any of them imports TensorFlow. An explicit TF_CPP_MIN_LOG_LEVEL wins.
    """
    return {**environ, "TF_CPP_MIN_LOG_LEVEL": environ.get("TF_CPP_MIN_LOG_LEVEL") or "2"}


def hidden_line(line, min_level):
    """Whether a line of the server's stderr is one TensorFlow would have hidden at `min_level`.

    TensorFlow 2.21 loads its C++ libraries before absl logging is set up, and absl then prints every
    record, whatever TF_CPP_MIN_LOG_LEVEL says: "oneDNN custom operations are on" twice, each after absl's
    notice that it writes to stderr. Those lines are dropped here; everything else passes.

    Args:
        line: one line, bytes.
        min_level: TF_CPP_MIN_LOG_LEVEL: 0 shows everything, 1 hides INFO, 2 also WARNING, 3 also ERROR.

    Returns:
        True for an absl record of a hidden severity, and for absl's notice when INFO is hidden.
    """
    if min_level < 1:
        return False
    if line.rstrip(b"\r\n") == _ABSL_PREINIT:
        return True
    m = _ABSL_LINE.match(line)
    return bool(m) and "IWEF".index(m.group(1).decode()) < min_level


def where_from():
    """One line for the terminal: where the app will read its data sets and models, and what is missing.

    Returns:
        A line starting "aelab: ", from this environment (the server's is the same for these variables).
    """
    folder, from_env, missing = data.data_source()
    models = os.environ.get(CHECKPOINT_DIR_ENV) or locations.SHIPPED_CHECKPOINTS
    files = "mnist.npz and cifar10.npz"
    if not missing:
        source = f"{folder} ({data.DATA_DIR_ENV})" if from_env else f"Keras' cache {folder}"
        return f"aelab: MNIST and CIFAR-10 from {source}; models from {models}"
    what, it = " and ".join(missing), "them" if len(missing) > 1 else "it"
    if from_env:
        return (
            f"aelab: warning: {data.DATA_DIR_ENV}={folder} has no {what}: the pages that need {it} will say so "
            f"(expected {files} there); models from {models}"
        )
    return (
        f"aelab: warning: {data.DATA_DIR_ENV} is not set and Keras' cache {folder} has no {what}: the app will "
        f"try to download {it} on first use; without internet, set {data.DATA_DIR_ENV} to a folder holding {files}. "
        f"Models from {models}"
    )


def _server_setup():
    """Runs in the server before it starts (POSIX): its own session, and ended if this command dies.

    Its own session: a terminal's Ctrl-C reaches this command only, which passes it to the server alone;
    the server then closes its training pool in order. Were the pool's processes to get the Ctrl-C too,
    its scheduler would die first and the server would wait 30 s for it, printing tracebacks.
    """
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve(argv, env):
    """Runs the server, passing its stderr through without TensorFlow's hidden lines; returns its exit status.

    Ctrl-C, SIGTERM (systemd's stop) and SIGHUP are passed on to the server, which stops as Streamlit does
    (its training pool's processes end with it), and this command exits with its status.
    """
    posix = os.name == "posix"
    proc, early = None, []
    if posix:
        # Before the server starts: a Ctrl-C in the moment it is starting must reach it too, not end
        # this command with a KeyboardInterrupt while the server (in its own session) goes on.

        def forward(signum, _frame):
            signum = signal.SIGTERM if signum == signal.SIGHUP else signum
            if proc is None:
                early.append(signum)
            elif proc.poll() is None:
                proc.send_signal(signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, preexec_fn=_server_setup if posix else None)
    for signum in early[:1]:  # Sent while it started: passed on once it is there.
        proc.send_signal(signum)
    try:
        level = int(env.get("TF_CPP_MIN_LOG_LEVEL") or 0)
    except ValueError:
        level = 0
    out = sys.stderr.buffer
    while True:
        try:
            line = proc.stderr.readline()
        except KeyboardInterrupt:  # Windows: the console's Ctrl-C reached the server too; let it stop.
            continue
        if not line:
            break
        if not hidden_line(line, level):
            out.write(line)
            out.flush()
    return proc.wait()


def run_app(options):
    if not os.path.isfile(locations.APP_SCRIPT):
        print(f"aelab app: error: the app is missing: no {locations.APP_SCRIPT} (reinstall aelab)", file=sys.stderr)
        return 2
    env = app_env(os.environ)
    if {"-h", "--help"} & set(options):
        print(f"aelab app [OPTIONS] runs: streamlit run {locations.APP_SCRIPT} [OPTIONS]\n", flush=True)
    else:
        print(where_from(), flush=True)
    return serve(app_argv(options), env)


def parser():
    lines = [f"  {name:<10}{what}" for name, (_, what) in COMMANDS.items()]
    p = ArgumentParser(
        prog="aelab",
        description="aelab: an interactive latent-space explorer for autoencoders.",
        epilog="commands:\n" + "\n".join(lines) + "\n\n`aelab COMMAND --help` lists a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"aelab {__version__}")
    p.add_argument("command", choices=COMMANDS, help="what to run (see below)")
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    name = parser().parse_args(argv[:1]).command
    options = argv[1:]
    if name == "app":
        return run_app(options)
    import importlib

    module = importlib.import_module(COMMANDS[name][0])
    return module.main(options, prog=f"aelab {name}")


if __name__ == "__main__":
    sys.exit(main())
