"""Shareable links: a page's settings live in the URL's query string (not a page).

The page itself is the URL's path (st.navigation); its settings follow as
`?sigma=0.8&digits=10`. Each page declares its parameters once, as a table of
`aelab.links.Param`s, and makes one call, `page(table)`, before drawing its
widgets: a page opened afresh starts from the link's values (parsed, clamped,
never an error: links come from strangers), and the address bar is then kept
holding a link that opens this view. Plain numeric widgets are bound by
Streamlit itself (`bind="query-params"`); translated choices and values that
are not a widget's (rows, seeds, picks, saved names) are written here, always
in English.
"""

import streamlit as st

from aelab import i18n, links, shelf
from aelab.i18n import _
from aelab.models import registry
from app_pages import _common, _state

LANGUAGE_PARAM = "lang"  # Every page's: the interface language, "en" or "zh".


def kind_param(key, default=None, name="model"):
    """The AE/VAE choice of a page (a radio of kind names), in the link as `model=ae` or `model=vae`.

    Args:
        key: the radio's key.
        default: the kind without a link value; the first latent kind by default.
        name: the link parameter.
    """
    default = default or registry.latent_kinds()[0].name
    return links.Param(
        name, lambda text: registry.by_link(text).name, default, key=key, to_link=lambda k: registry.get(k).link
    )


def query():
    """The link's parameters as a dict of str -> str."""
    return st.query_params.to_dict()


def page(table, fresh_key=None, write=True):
    """One call per page: widgets start from the link on a fresh visit, and the link follows the page.

    Call it before the page draws the widgets the table names (they take their value from the
    session, not from `value=`, except those bound by Streamlit), after any callback has changed
    the state it links.

    Args:
        table: the page's `aelab.links.Param`s.
        fresh_key: a widget key of the page; while it is not drawn yet, the page is opened afresh and
            the values that are not widgets' (`put`) are taken from the link. Defaults to the first
            widget key of the table.
        write: False to only start the widgets, when the rest of the table depends on them (the
            Manifold's ranges depend on the model chosen); a second call with the whole table writes.
    """
    q = query()
    fresh_key = fresh_key or next(p.key for p in table if p.key)
    fresh = fresh_key not in st.session_state
    for p in table:
        if p.bound:
            if p.key not in st.session_state and p.name in q:
                _clamp_bound(p, q[p.name])
        elif p.key is not None and p.key not in st.session_state:
            # From the link, or the default: the widget is drawn without `value=`.
            st.session_state[p.key] = p.to_widget(p.read(q))
            _state.get().linked[p.key] = p.name in q
        elif fresh and p.put is not None:
            p.put(p.read(q))
    if write:
        sync(table)


def _clamp_bound(p, raw):
    # Streamlit reads a bound widget's value from the link itself, but ignores one out of range (the
    # default instead); the README promises clamping, so a clamped value is given to the widget.
    value = links.parse(raw, p.parse, None)
    if value is None:
        del st.query_params[p.name]
    elif links.text(value) != raw:
        st.session_state[p.key] = value
        st.query_params[p.name] = links.text(value)


def value_of(p):
    """The page's current value for a parameter of its table."""
    if p.get is not None:
        return p.get()
    return st.session_state.get(p.key)


def sync(table=()):
    """Puts a page's current values in the URL, replacing what was there (only what changed is written).

    Args:
        table: the page's `aelab.links.Param`s; bound ones are left to Streamlit.
    """
    written = [p for p in table if not p.bound]
    want = links.link_text(written, {p.name: value_of(p) for p in written})
    want.update(model_params())
    want.update(language_params())
    bound = {p.name for p in table if p.bound}
    have = {k: v for k, v in query().items() if k not in bound}
    if have == want:
        return
    for k in have.keys() - want.keys():
        del st.query_params[k]
    st.query_params.update({k: v for k, v in want.items() if have.get(k) != v})


def model_params():
    """The saved AE and VAE in use, as link parameters (nothing for shipped or session models)."""
    out = {}
    for kind, choice in _state.get().active.items():
        if choice.link_value is not None:
            out[registry.get(kind).link] = choice.link_value
    return out


def link_language():
    """The language the link names (`lang=zh` or `lang=en`), or None when it names none (or another)."""
    return links.parse(st.query_params.get(LANGUAGE_PARAM), links.choice(i18n.LANGUAGES), None)


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


def init():
    """Once per session: puts to use the saved AE and VAE that the link names.

    Called from app.py before the sidebar is drawn, so the sidebar shows them.
    """
    state = _state.get()
    if state.link_models_read:
        return
    state.link_models_read = True
    for kind in registry.latent_kinds():
        raw = st.query_params.get(kind.link)
        if raw is None or raw == shelf.SHIPPED or len(raw) > links.MAX_TEXT:
            continue
        try:
            choice = shelf.Choice.from_link(kind.name, raw)
        except ValueError:
            choice = None  # Not a name the app could have saved: reported below like a missing one.
        if choice is not None and choice.name in _common.saved_models(kind.name):
            state.active[kind.name] = choice
        else:
            st.toast(
                _(
                    "This link asks for a saved {kind} called “{name}”, which this server does not have: "
                    "the shipped one is used instead."
                ).format(kind=_(kind.short), name=raw[:40]),
                icon=":material/link_off:",
            )
