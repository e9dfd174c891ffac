"""Shareable links: a page's widget values live in the URL's query string (not a page).

The page itself is the URL's path (st.navigation); its settings follow as
`?sigma=0.8&digits=10`. A page asks `default(...)` for each widget's starting
value, which is the link's when it is valid and the usual default otherwise,
and calls `sync(...)` with the values it ended up with, so the address bar
always holds a link that opens this view. Plain widgets are bound by Streamlit
itself (`bind="query-params"`, the widget's key is the parameter). Links come
from strangers: a value that does not parse is ignored and one out of range is
clamped here or, for a bound widget, ignored by Streamlit; never an error.
"""

import math

import streamlit as st

from aelab import checkpoints, i18n
from aelab.i18n import _
from app_pages import _common

LANGUAGE_PARAM = "lang"  # Every page's: the interface language, "en" or "zh".
# Which saved AE and VAE a link asks for ("shipped" or a name saved from the app).
MODEL_PARAMS = {"ae2d": "ae", "vae2d": "vae"}
# The AE/VAE choice on the pages that show one of them.
KIND_PARAM = {"ae": "ae2d", "vae": "vae2d"}
KIND_NAME = {kind: name for name, kind in KIND_PARAM.items()}
_MAX_TEXT = 2000  # Longer values are not ours: ignored unread (200 selected rows fit).


# Parsers: text from the URL -> a valid value, or ValueError.


def choice(options):
    """A parser that accepts one of `options` (compared as text)."""
    by_text = {str(o): o for o in options}

    def parse(text):
        if text not in by_text:
            raise ValueError(f"expected one of {list(by_text)}. Received: {text!r}")
        return by_text[text]

    return parse


def _snap(v, lo, hi, step):
    v = min(max(v, lo), hi)
    if step:
        v = lo + round((v - lo) / step) * step
        v = min(max(v, lo), hi)
        v = round(v, 10)  # 0.30000000000000004 -> 0.3, as the slider shows it.
    return v


def number(lo, hi, step=None):
    """A parser for a finite number, clamped to [lo, hi] and put on the slider's steps."""

    def parse(text):
        v = float(text)
        if not math.isfinite(v):
            raise ValueError(f"expected a finite number. Received: {text!r}")
        return _snap(v, lo, hi, step)

    return parse


def integer(lo, hi):
    """A parser for a whole number, clamped to [lo, hi]."""

    def parse(text):
        return int(min(max(int(text), lo), hi))

    return parse


def pair(lo, hi, step=None):
    """A parser for "a,b": two numbers, clamped and in ascending order (a range slider's value)."""
    one = number(lo, hi, step)

    def parse(text):
        a, b = text.split(",")
        return tuple(sorted((one(a), one(b))))

    return parse


def point(bounds0, bounds1, step=None):
    """A parser for "z0,z1": a point, each coordinate clamped to its own bounds."""
    p0, p1 = number(*bounds0, step), number(*bounds1, step)

    def parse(text):
        a, b = text.split(",")
        return (p0(a), p1(b))

    return parse


def rows(n_rows, most):
    """A parser for "3,10,13": distinct row numbers in [0, n_rows), ascending, at most `most` of them.

    Rows out of range are dropped; anything that is not a whole number voids the lot.
    """

    def parse(text):
        out = sorted({int(t) for t in text.split(",") if t.strip()})
        return [r for r in out if 0 <= r < n_rows][:most]

    return parse


# Reading.


def value(param, parse, fallback, when=None):
    """The link's value for `param` when it is present and valid, else `fallback`.

    Args:
        param: query-parameter name.
        parse: a parser from this module.
        fallback: the value without a (valid) link value.
        when: optional dict of other parameters the link must also carry for
            this one to apply (e.g. `{"model": "vae"}`: ranges in VAE units).

    Returns:
        The parsed value or `fallback`.
    """
    raw = st.query_params.get(param)
    if raw is None or len(raw) > _MAX_TEXT:
        return fallback
    if when and any(st.query_params.get(k) != v for k, v in when.items()):
        return fallback
    try:
        return parse(raw.strip())
    except (ValueError, TypeError):
        return fallback


def default(key, param, parse, fallback, when=None):
    """The value a keyed widget starts from: the link's (see `value`) or `fallback`.

    It is read once, when the widget is created, and then remembered: a
    widget's default must not change while it lives, or Streamlit would treat
    it as a new widget and reset it.

    Args:
        key: the widget's key.
        param, parse, fallback, when: as for `value`.

    Returns:
        The value to pass as the widget's default.
    """
    memo = st.session_state.setdefault("_url_defaults", {})
    if key not in st.session_state or key not in memo:
        memo[key] = value(param, parse, fallback, when)
    return memo[key]


def first_visit(key):
    """True when the widget `key` has not been drawn yet (the page is opened afresh)."""
    return key not in st.session_state


# Writing.


def _text(v):
    if isinstance(v, (tuple, list)):
        return ",".join(_text(e) for e in v)
    if isinstance(v, float):
        return f"{round(v, 6):g}"
    return str(v)


def model_params():
    """The saved AE and VAE in use, as link parameters (nothing for shipped or session models)."""
    out = {}
    for kind, param in MODEL_PARAMS.items():
        choice_ = st.session_state.active.get(kind, "shipped")
        if choice_.startswith("saved:"):
            out[param] = choice_[len("saved:") :]
    return out


def link_language():
    """The language the link names (`lang=zh` or `lang=en`), or None when it names none (or another)."""
    return value(LANGUAGE_PARAM, choice(i18n.LANGUAGES), None)


def language_params():
    """The interface language as a link parameter: always for Chinese, and for English unless the browser's
    language is English too (without `lang`, a link opens in the reader's browser language, else English)."""
    lang = st.session_state.get(_common.LANGUAGE_KEY, i18n.DEFAULT)
    if lang == i18n.DEFAULT and _common.browser_language() in (None, i18n.DEFAULT):
        return {}
    return {LANGUAGE_PARAM: lang}


def keep_language():
    """Puts the interface language in the URL (or takes it out), for the pages that write no other parameter."""
    want = language_params().get(LANGUAGE_PARAM)
    have = st.query_params.get(LANGUAGE_PARAM)
    if want == have:
        return
    if want is None:
        del st.query_params[LANGUAGE_PARAM]
    else:
        st.query_params[LANGUAGE_PARAM] = want


def sync(params, bound=()):
    """Puts a page's current values in the URL, replacing what was there.

    Only a changed query string is written, so an unchanged rerun costs nothing.
    The plain widgets are bound to the URL by Streamlit (`bind="query-params"`);
    this writes what Streamlit cannot bind: selections, seeds, saved-model names,
    values in another model's units.

    Args:
        params: dict of parameter name -> value (str, int, float or a pair).
        bound: the page's parameters that Streamlit keeps itself (left alone here).
    """
    want = {k: _text(v) for k, v in params.items() if v is not None}
    want.update(model_params())
    want.update(language_params())
    have = {k: v for k, v in st.query_params.to_dict().items() if k not in bound}
    if have == want:
        return
    for k in have.keys() - want.keys():
        del st.query_params[k]
    st.query_params.update({k: v for k, v in want.items() if have.get(k) != v})


def init():
    """Once per session: puts to use the saved AE and VAE that the link names.

    Called from app.py before the sidebar is drawn, so the sidebar shows them.
    """
    if st.session_state.get("_url_models_read"):
        return
    st.session_state._url_models_read = True
    for kind, param in MODEL_PARAMS.items():
        name = st.query_params.get(param)
        if name is None or name == "shipped" or len(name) > _MAX_TEXT:
            continue
        try:
            name = checkpoints.check_name(name)
        except ValueError:
            pass  # Not a name the app could have saved: reported below like a missing one.
        if name in _common.saved_models(kind):
            st.session_state.active[kind] = f"saved:{name}"
        else:
            st.toast(
                _(
                    "This link asks for a saved {kind} called “{name}”, which this server does not have: "
                    "the shipped one is used instead."
                ).format(kind=_common.SHORT[kind], name=name[:40]),
                icon=":material/link_off:",
            )
