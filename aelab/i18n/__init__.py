"""The interface in English and 简体中文: gettext message catalogues, managed with Babel.

Messages are written in English in the code (the source text) and wrapped in `_()`;
`N_()` marks a constant that is translated where it is shown, `ngettext()` a
message with a count. Babel extracts them (`babel.cfg` at the repository root),
and the Chinese lives in `aelab/locale/zh_CN/LC_MESSAGES/aelab.po`:

    python -m aelab.i18n update     extract the messages from the code and merge them into the .po
    python -m aelab.i18n compile    compile each .po to its .mo (.ci/run does this)
    python -m aelab.i18n check      list messages that are new, gone, untranslated or fuzzy (exit 1)

(`aelab.i18n.catalogues`, which only a checkout needs.)
A .mo file is built, not committed: `translations` reads it when it is at least
as new as its .po, and otherwise compiles the .po in memory with Babel, so a fresh
checkout, an edited .po or an installed package without .mo files still shows
the current translations, and nothing is written at run time (an installed
package or a classroom server may be read-only).

The language belongs to one Streamlit script run: sessions run in parallel
threads, so it is a `contextvars.ContextVar` that app.py sets at the start of
each run (`set_language`). A fragment's rerun may run in a fresh thread, where
the variable is unset; `set_fallback` lets the app say how to find the session's
language there. Code outside the app (the command lines, tests) gets English
unless it asks for another language with `use`.
"""

import contextlib
import contextvars
import functools
import gettext
import io
import logging
import os

LANGUAGES = {"en": "English", "zh": "简体中文"}
HTML_LANG = {"en": "en", "zh": "zh-CN"}  # Each language's BCP 47 tag, for the page's <html lang>.
DEFAULT = "en"
DOMAIN = "aelab"
LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locale")  # aelab/locale/
# The catalogue folder of each translated language (gettext's locale names).
CATALOGUES = {"zh": "zh_CN"}

_log = logging.getLogger(__name__)
_current = contextvars.ContextVar("aelab_language", default=None)  # (language, translations) or None.
_fallback = None


def check_language(lang):
    """Validates a language code.

    Args:
        lang: "en" or "zh".

    Returns:
        `lang`.

    Raises:
        ValueError: for any other value.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"Invalid value for argument lang: expected one of {list(LANGUAGES)}. Received: lang={lang!r}")
    return lang


def from_locale(tag):
    """The interface language for a browser's language tag, or None when we have none for it.

    Args:
        tag: a BCP 47 tag such as "zh-CN", "zh-Hans-SG", "en-GB" (`navigator.language`), or None.

    Returns:
        "zh" for any Chinese tag (readers of Traditional Chinese read Simplified better than English),
        "en" for any English one, else None.
    """
    primary = str(tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def paths(lang):
    """`(po_path, mo_path)` of a translated language's catalogue.

    Args:
        lang: a language of `CATALOGUES`.

    Returns:
        The two file paths (which may not exist).
    """
    folder = os.path.join(LOCALE_DIR, CATALOGUES[lang], "LC_MESSAGES")
    return os.path.join(folder, f"{DOMAIN}.po"), os.path.join(folder, f"{DOMAIN}.mo")


def _mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def compile_po(po_path):
    """A .po file compiled to .mo bytes by Babel (fuzzy and empty translations left out, as gettext does).

    Args:
        po_path: the catalogue.

    Returns:
        The .mo file's bytes.
    """
    from babel.messages import mofile, pofile  # Only needed when no current .mo exists.

    with open(po_path, "rb") as f:
        catalog = pofile.read_po(f, domain=DOMAIN)
    buf = io.BytesIO()
    mofile.write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


@functools.lru_cache(maxsize=8)
def _load(lang, po_stamp, mo_stamp):
    del po_stamp, mo_stamp  # Only the cache key: an edited or recompiled catalogue is read again.
    if lang not in CATALOGUES:
        return gettext.NullTranslations()  # English: the messages themselves.
    po, mo = paths(lang)
    po_time, mo_time = _mtime(po), _mtime(mo)
    try:
        if mo_time is not None and (po_time is None or mo_time >= po_time):
            with open(mo, "rb") as f:
                return gettext.GNUTranslations(f)
        if po_time is not None:
            return gettext.GNUTranslations(io.BytesIO(compile_po(po)))
    except (OSError, ImportError, ValueError) as e:
        _log.warning("aelab: the %s catalogue cannot be read (%s); showing English.", lang, e)
        return gettext.NullTranslations()
    _log.warning("aelab: no %s catalogue in %s; showing English.", lang, LOCALE_DIR)
    return gettext.NullTranslations()


def translations(lang):
    """The gettext translations of a language (English: the messages unchanged).

    Args:
        lang: "en" or "zh".

    Returns:
        A `gettext.NullTranslations` (or subclass), cached until its catalogue files change.
    """
    check_language(lang)
    if lang not in CATALOGUES:
        return _load(lang, None, None)
    po, mo = paths(lang)
    return _load(lang, _mtime(po), _mtime(mo))


def set_language(lang):
    """Makes `lang` the language of `_()` in this thread or context (one Streamlit run).

    Args:
        lang: "en" or "zh".

    Returns:
        A token for `contextvars.ContextVar.reset`.
    """
    return _current.set((lang, translations(lang)))


def set_fallback(find):
    """Says how to find the language where `set_language` was not called in this thread.

    Args:
        find: a function of no arguments returning "en", "zh" or None (then English);
            the app's reads the session's choice inside a fragment's rerun.
    """
    global _fallback
    _fallback = find


def _state():
    state = _current.get()
    if state is None:
        lang = (_fallback() if _fallback else None) or DEFAULT
        state = (lang, translations(lang))
        if _fallback is not None:
            _current.set(state)  # Once per thread: the rest of this run asks no more.
    return state


def language():
    """The current interface language: "en" or "zh"."""
    return _state()[0]


@contextlib.contextmanager
def use(lang):
    """Within the block, `_()` translates into `lang` (for tests, and for text made outside a page run).

    Args:
        lang: "en" or "zh".
    """
    token = set_language(lang)
    try:
        yield
    finally:
        _current.reset(token)


def _(message):
    """The message in the current language.

    Args:
        message: the English text, a literal (so Babel can extract it); format it after
            translating: `_("{n} digits").format(n=n)`.

    Returns:
        The translation, or `message` itself when there is none.
    """
    return _state()[1].gettext(message)


def ngettext(singular, plural, n):
    """A message with a count, in the current language's plural form.

    Args:
        singular: English for n == 1.
        plural: English otherwise.
        n: the count.

    Returns:
        The translation for `n` (Chinese has one form).
    """
    return _state()[1].ngettext(singular, plural, n)


def N_(message):
    """Marks a message for extraction without translating it yet (constants made at import time)."""
    return message


def from_template(text, templates):
    """Translates a text that was made in English from one of `templates` with `str.format` (a stored result).

    The values are read back out of `text` and translated the same way in turn, so "SGD, lr 0.05 + MSE",
    made from "{optimizer} + {loss}", comes back with its optimizer's label translated too.

    Args:
        text: the English text, e.g. a study's summary saved in its JSON file.
        templates: the messages (marked with `N_`) such texts are made from.

    Returns:
        `_(text)` when `text` is a message itself, else the translation of the first template it matches,
        filled with its values; else `text`.
    """
    translated = _(text)
    if translated != text:
        return translated  # A message of its own (a label): no template needed.
    for template in templates:
        match = _pattern(template).fullmatch(text)
        if match:
            values = {k: from_template(v, templates) for k, v in match.groupdict().items()}
            return _without_specs(_(template)).format(**values)
    return text


@functools.lru_cache(maxsize=256)
def _pattern(template):
    """A regular expression for the texts `template` makes: a {name:.2f} matches a number, a {name} any text."""
    import re
    import string

    parts, seen = [], set()
    for literal, name, spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            value = _NUMBER if spec and spec[-1] in "bdeEfFgGn%," else ".+?"
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{value})")
            seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


_NUMBER = r"[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?|[-+]?inf|nan"


def _without_specs(template):
    """ "{ratio:g} ({k}-D)" -> "{ratio} ({k}-D)": the values read out of a text are already formatted."""
    import string

    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + name + "}")
    return "".join(out)
