"""Small helpers shared by the command-line tools."""

import argparse
import os
import sys


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: `prog: error: message (--help lists the options)`, exit status 2.

    argparse's own errors repeat the whole usage first, which pushes the one
    line that matters off a small terminal.
    """

    def error(self, message):
        print(f"{self.prog}: error: {message} (--help lists the options)", file=sys.stderr)
        sys.exit(2)


def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def non_negative_int(text):
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, received {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, received {text!r}")
    return value


def positive_float(text):
    """argparse type: a float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


def existing_dir(text):
    """argparse type: a folder that exists."""
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"no such directory: {text!r}")
    return text


def quiet_tensorflow():
    """Silences TensorFlow's C++ start-up chatter so CLI output stays readable."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
