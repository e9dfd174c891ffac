"""The classroom's store and news for the pages (not a page): the Class page, and the Latent space
navigator, from which a class's teacher pins a point for the students who follow.
"""

import streamlit as st

from aelab import shelf
from aelab.classroom import news
from aelab.classroom import store as class_store
from aelab.i18n import _
from app_pages import _state, _static

NEWS = "classroom-news"  # The news files' folder under the static folder (git-ignored).


@st.cache_resource(show_spinner=False)
def _store(url):
    return class_store.ClassStore(url)


def store():
    """The server's classroom store (one per server process and database URL)."""
    return _store(class_store.default_url())


@st.cache_resource(show_spinner=False)
def _newsroom(url):
    return news.Newsroom(_store(url), _static.STATIC / NEWS)


def news_url(code, counters):
    """The address of the class's news file, kept up to date from now on (`aelab.classroom.news`).

    Args:
        code: the class's code.
        counters: its `(version, pin_seq, closed)` as the page just read them.
    """
    name = _newsroom(class_store.default_url()).watch(code, counters)
    return _static.url(f"{NEWS}/{name}")


def pin_for_class(kind, info, point, page, key):
    """A class's teacher's button that shows a pinned point to the students who follow (nothing for others).

    Only on the shipped model's plane: the class's maps are the shipped models', the same on every phone.

    Args:
        kind: the registry kind's name ("ae2d", "vae2d").
        info: the plane's `ModelInfo`.
        point: the pinned `(z0, z1)`.
        page: the page's name in the pin (`class_page.PAGES`), for the students' link back.
        key: the button's widget key.
    """
    seat = _state.get().seat
    if seat is None or not seat.teacher:
        return
    if info.source != shelf.SHIPPED:
        st.caption(_("Class {code}: pins are shared on the shipped models' maps only.").format(code=seat.code))
        return
    if st.button(_("Pin for class {code}").format(code=seat.code), key=key, icon=":material/push_pin:"):
        try:
            store().set_pin(seat.code, seat.token, kind, point, page)
        except class_store.ClassroomError as e:
            st.error(str(e))
        else:
            st.toast(_("Pinned: the students who follow you see it now."))
