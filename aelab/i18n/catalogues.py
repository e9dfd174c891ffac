"""Keeping the message catalogues in step with the code: Babel's extract, update and compile, and a check.

`python -m aelab.i18n update|compile|check` runs these (see `aelab.i18n`). Extraction reads the
checkout's sources, so update and check need a checkout; compile works wherever the .po files are.
"""

import contextlib
import os
import sys

from aelab import i18n
from aelab.i18n import CATALOGUES, DOMAIN, compile_po, paths

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAPPING = os.path.join(REPO_ROOT, "babel.cfg")
SOURCES = ("aelab", "app_pages", "app.py")  # Where the messages are, relative to the repository root.


def _pybabel(*args):
    from babel.messages.frontend import CommandLineInterface

    return CommandLineInterface().run(["pybabel", "-q", *args]) or 0


def extract(pot_path):
    """Extracts every message from the code into a .pot template (Babel's `extract`, the project's options).

    Args:
        pot_path: where to write the template.
    """
    if not os.path.isfile(MAPPING):
        raise FileNotFoundError(f"Babel's mapping file is missing: {MAPPING} (run this from a checkout of aelab)")
    with _chdir(REPO_ROOT):  # Babel writes the file names relative to the working directory.
        _pybabel(
            "extract",
            "--mapping-file",
            MAPPING,
            "--output-file",
            pot_path,
            "--add-location=file",  # File names, no line numbers: a moved line does not touch the .po.
            "--sort-output",
            "--add-comments=Translators:",
            "--project=aelab",
            *SOURCES,
        )


@contextlib.contextmanager
def _chdir(path):  # contextlib.chdir is Python 3.11+; not thread-safe, like any chdir (command line and tests only).
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def update():
    """Extracts the messages and merges them into every .po (new ones empty, changed ones fuzzy, gone ones dropped)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, f"{DOMAIN}.pot")
        extract(pot)
        for lang in CATALOGUES:
            _pybabel(
                "update",
                "--input-file",
                pot,
                "--output-dir",
                i18n.LOCALE_DIR,
                "--domain",
                DOMAIN,
                "--locale",
                CATALOGUES[lang],
                "--ignore-obsolete",
                "--ignore-pot-creation-date",
            )


def compile_all():
    """Compiles every .po to its .mo with Babel's compiler (what `pybabel compile` runs), each written atomically."""
    for lang in CATALOGUES:
        po, mo = paths(lang)
        tmp = f"{mo}.tmp"
        with open(tmp, "wb") as f:
            f.write(compile_po(po))
        os.replace(tmp, mo)


def problems():
    """What keeps the catalogues from matching the code, one line each (empty when all is well).

    Returns:
        A list of sentences: messages in the code missing from a catalogue, catalogue entries the code no
        longer has, untranslated or fuzzy ones, and translations whose placeholders differ (Babel's checks).
    """
    import tempfile

    from babel.messages import pofile

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, f"{DOMAIN}.pot")
        extract(pot)
        with open(pot, "rb") as f:
            code = {m.id: m for m in pofile.read_po(f) if m.id}
    out = []
    for lang in CATALOGUES:
        po, _mo = paths(lang)
        with open(po, "rb") as f:
            catalog = pofile.read_po(f)
        have = {m.id: m for m in catalog if m.id}
        for mid in sorted(set(code) - set(have), key=str):
            out.append(f"{lang}: not in the catalogue (run `python -m aelab.i18n update`): {mid!r}")
        for mid in sorted(set(have) - set(code), key=str):
            out.append(f"{lang}: no longer in the code (run `python -m aelab.i18n update`): {mid!r}")
        for mid, m in have.items():
            if mid not in code:
                continue
            strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
            if not all(strings):
                out.append(f"{lang}: no translation: {mid!r}")
            elif m.fuzzy:
                out.append(f"{lang}: fuzzy (check the translation, then remove the flag): {mid!r}")
            elif _fields(mid) != _fields(strings[-1]):
                out.append(f"{lang}: the translation's {{placeholders}} differ from the message's: {mid!r}")
        for m, errors in catalog.check():
            out.extend(f"{lang}: {m.id!r}: {e}" for e in errors)
    return out


def _fields(message):
    """The `{name:spec}` placeholders of a message (or of the plural form of a pair), sorted."""
    import string

    text = message[-1] if isinstance(message, (tuple, list)) else message
    try:
        return sorted((name, spec) for _t, name, spec, _c in string.Formatter().parse(text) if name is not None)
    except ValueError as e:  # An unmatched brace.
        return [("unparsable", str(e))]


def main(argv=None):
    """`python -m aelab.i18n update|compile|check`; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["update"]:
        update()
    elif argv == ["compile"]:
        compile_all()
    elif argv == ["check"]:
        found = problems()
        print("\n".join(found) or "The catalogues match the code, and every message is translated.")
        return 1 if found else 0
    else:
        print(f"usage: python -m aelab.i18n {{update,compile,check}}. Received: {' '.join(argv)!r}", file=sys.stderr)
        return 2
    return 0
