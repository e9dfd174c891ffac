"""Waits in the browser for a class's news and reruns the page once it came (not a page).

A page that must change while nobody touches it (the teacher's maps as digits arrive, a student following
the teacher's pin) draws this `st.components.v2` component with what it now shows. The browser asks for the
class's news file (a static file the server's `aelab.classroom.news.Newsroom` rewrites when the class moves)
and, when a counter the page shows has grown, sends one trigger: one rerun. Waiting costs the server a
static-file answer per ask and no script run.
"""

import pathlib

import streamlit as st

_ASSETS = pathlib.Path(__file__).with_name("_news_assets")
_COMPONENT = st.components.v2.component(
    "aelab.news",
    html='<span class="aelab-news" hidden></span>',
    js=(_ASSETS / "news.js").read_text(),
    isolate_styles=False,  # In the page's DOM: the browser tests read how often it asked.
)
# How often a browser asks. Each ask costs the server ~2.5 ms (Streamlit's static route, measured with
# bench/class_live.py --followers): 30 phones every 0.5 s are ~0.15 cores; with the server's 0.1-s reads
# news is seen within 0.6 s plus one rerun. A hidden page (a locked phone, another tab) asks every 5 s.
EVERY_MS, HIDDEN_MS = 500, 5000
FIELDS = ("version", "pin", "closed")  # The counters, in the order of `ClassStore.poll`'s tuple.


def wait_for_news(url, counters, fields, key="class_news", every_ms=EVERY_MS):
    """Reruns the page when the class's news file shows one of `fields` beyond `counters`.

    Args:
        url: the news file's address (under /app/static/).
        counters: `(version, pin_seq, closed)` as the page read them for this run.
        fields: which of "version", "pin", "closed" this page shows.
        key: the component's key.
        every_ms: how often the browser asks while the page is visible.
    """
    seen = dict(zip(FIELDS, (int(counters[0]), int(counters[1]), bool(counters[2]))))
    _COMPONENT(
        key=key,
        data={"url": url, "seen": seen, "fields": list(fields), "every_ms": int(every_ms), "hidden_ms": HIDDEN_MS},
        on_moved_change=lambda: None,  # The trigger's rerun is all it asks for.
    )
