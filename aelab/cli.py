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


def _number(convert, ok, expected):
    """An argparse type: `convert(text)` that passes `ok`, else "expected <expected>, received '<text>'"."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
        return value

    return parse


positive_int = _number(int, lambda v: v >= 1, "a positive integer")
non_negative_int = _number(int, lambda v: v >= 0, "an integer >= 0")
positive_float = _number(float, lambda v: v > 0, "a positive number")


def existing_dir(text):
    """argparse type: a folder that exists."""
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"no such directory: {text!r}")
    return text


def quiet_tensorflow():
    """Silences TensorFlow's C++ start-up chatter so CLI output stays readable."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
