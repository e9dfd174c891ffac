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
import sys

from aelab import __version__, locations
from aelab.cli import ArgumentParser

# name -> (module whose main(argv, prog) runs it, what it does). "app" is not a module: it runs Streamlit.
COMMANDS = {
    "app": (None, "serve the app in the browser (streamlit run app.py; Streamlit's options follow)"),
    "train": ("aelab.train", "train a model and save it as a checkpoint (python -m aelab.train)"),
    "evaluate": ("aelab.evaluate", "score the checkpoints on the test sets (python -m aelab.evaluate)"),
    "study": ("aelab.experiments.__main__", "run one of the tutorials' studies (python -m aelab.experiments)"),
}


def app_argv(options):
    """The command line that serves the app.

    Args:
        options: Streamlit's options, e.g. ["--server.port", "8502"].

    Returns:
        `[python, -m, streamlit, run, <app folder>/app.py, *options]`, with this interpreter, so the
        server runs in the environment aelab is installed in.
    """
    return [sys.executable, "-m", "streamlit", "run", locations.APP_SCRIPT, *options]


def run_app(options):
    if not os.path.isfile(locations.APP_SCRIPT):
        print(f"aelab app: error: the app is missing: no {locations.APP_SCRIPT} (reinstall aelab)", file=sys.stderr)
        return 2
    argv = app_argv(options)
    if {"-h", "--help"} & set(options):
        print(f"aelab app [OPTIONS] runs: streamlit run {locations.APP_SCRIPT} [OPTIONS]\n", flush=True)
    if os.name == "posix":
        # The server becomes this process: Ctrl-C and systemd's stop signal reach it directly.
        os.execv(sys.executable, argv)
    import subprocess

    return subprocess.call(argv)


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
