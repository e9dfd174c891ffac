"""Keeping the message catalogues in step with the code: Babel's extract, update and compile, and a check.

`python -m aelab.i18n update|compile|check` runs these (see `aelab.i18n`). Extraction reads the
checkout's sources, so update and check need a checkout; compile works wherever the .po files are.
"""

import contextlib
import os
import re
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
    return out + chinese_problems()


# Chinese as the review of the catalogue asked for it (punctuation, spacing, numbers, one term per concept).
_HAN = "\u3400-\u9fff"
_CJK = _HAN + "\u3000-\u303f\uff01-\uff60"  # Han characters and full-width punctuation.
_NOT_PROSE = re.compile(r"`[^`]*`|%?\{[^{}]*\}")  # Code spans and placeholders ({n:,}, Plotly's %{x:.2f}).
ZH_PUNCTUATION = (
    (
        re.compile(f"[{_CJK}] *:"),
        "an English colon after Chinese text (a label takes “：”; clauses join with “，” or end with “。”)",
    ),
    (re.compile(r"\d %"), "a space before “%” (Chinese writes 50%)"),
    (re.compile(f"[{_HAN}] +[{_HAN}]"), "a space between two Chinese characters"),
    (re.compile(r"(?<!…)…$"), "a single “…” at the end (Chinese writes “……”, GB/T 15834)"),
)
# Renderings the review found wrong or inconsistent, and why (the right one in the reason).
ZH_WRONG_TERMS = {
    "所画": "students read it as “the digits you drew”; the plotted digits are 图中的",
    "潜在空间大小": "latent size is a dimension: 潜在空间维数",
    "数字会粗糙": "数字 is a handwritten digit in this app; the results' numbers are 数值",
    "KL 惩罚": "one term for the sparsity penalty: KL 稀疏惩罚",
    "KL 稀疏约束": "one term for the sparsity penalty: KL 稀疏惩罚",
    "百万像素": "Chinese counts megapixels in 万 or as ×10⁶ 像素",
    "以灰色为中心": "the lesson needs the noise's mean: 均值为 0.5（灰色）",
    "点线": "the app's dotted lines are 虚线 (against 实线)",
    "放大了": "放大了 N 倍 reads as (N+1)×: 放大为……的 N 倍",
    "都比 PCA 好": "都 claims every size, even when {wins} is 无",
    "变异自动编码器": "the variational autoencoder is 变分自编码器",
    "潜伏": "latent is 潜在",
}


def chinese_problems(lang="zh"):
    """What in a Chinese catalogue breaks the house rules, one line each (empty when all is well).

    Checks each translation, outside its code spans and placeholders, for an English colon after Chinese
    text, "50 %", a space between two Chinese characters, a number of four or more digits not written as
    the locale writes it (Babel: `format_decimal(n, locale="zh_CN")`, so a literal "10,000" matches what
    `{n:,}` prints beside it), and the renderings of `ZH_WRONG_TERMS`.

    Args:
        lang: a language of `CATALOGUES` written in Chinese.

    Returns:
        A list of sentences naming the message and the problem.
    """
    from babel.messages import pofile

    po, _mo = paths(lang)
    with open(po, "rb") as f:
        catalog = pofile.read_po(f)
    out = []
    for m in catalog:
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        for text in filter(None, strings if m.id else ()):
            out.extend(f"{lang}: {m.id!r}: {problem}" for problem in chinese_text_problems(text, CATALOGUES[lang]))
    return out


def chinese_text_problems(text, locale="zh_CN"):
    """The house rules' problems of one Chinese translation (see `chinese_problems`).

    Args:
        text: a msgstr.
        locale: the Babel locale its numbers are written in.

    Returns:
        A list of sentences, each naming what was found.
    """
    from babel.numbers import format_decimal

    prose = _NOT_PROSE.sub("\x00", text)  # A mark that is neither Chinese, nor a space, nor a digit.
    out = [f"{why}: {found.group()!r}" for pattern, why in ZH_PUNCTUATION for found in pattern.finditer(prose)]
    for found in re.finditer(r"(?<![\d.,])\d[\d,]{3,}(?![\d.])", prose):
        want = format_decimal(int(found.group().replace(",", "")), locale=locale)
        if found.group() != want:
            out.append(f"a number not written as the locale writes it: {found.group()!r} (expected {want!r})")
    out.extend(f"a wrong term, {term!r}: {why}" for term, why in ZH_WRONG_TERMS.items() if term in text)
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
