"""The app's few global style rules, and the words shown while a new server starts (not a page).

Kept light on purpose: app.py calls it before anything imports TensorFlow.
"""

import sys

import streamlit as st

from aelab import i18n  # Light: gettext only, no TensorFlow.

# Pictures never wider than their column, at any window width. st.image(width=492) in a 402 px
# column (Latent space, Explore, at 1280x720) ran under its neighbour and off the screen: Streamlit
# gives the <img> max-width: 100%, but of its stImageContainer, a flex item that will not shrink
# below its content (min-width: auto) and so grew to 492 px. min-width: 0 lets it shrink to its
# column, and the picture with it, keeping its aspect. The picture grids: app_pages/_pictures.py.
CSS = """
<style>
[data-testid="stImageContainer"] { min-width: 0; max-width: 100%; }
[data-testid="stImage"] img { max-width: 100%; height: auto; }
.aelab-grid { display: grid; gap: 4px 8px; align-items: end; max-width: 100%; margin-bottom: 0.5rem; }
.aelab-grid img { display: block; width: 100%; height: auto; image-rendering: pixelated; }
.aelab-grid .aelab-head { font-size: 0.95rem; text-align: center; overflow-wrap: anywhere; }
.aelab-grid .aelab-caption { grid-column: 1 / -1; font-size: 0.95rem; margin-top: 0.5rem; }
</style>
"""


def apply():
    """Adds the global style rules to this run's page (a style element takes no room)."""
    st.html(CSS)


def starting_notice():
    """Says what is happening while the first visit to a new server imports TensorFlow.

    That import takes 5-10 s, once per server process; before this, a first
    visitor saw a blank page for all of it.

    Returns:
        An `st.empty` holding the notice (empty it once the imports are done),
        or None when TensorFlow is already loaded.
    """
    if "keras" in sys.modules:
        return None
    box = st.empty()
    # Before the sidebar's selector exists: the link's language, else the browser's (as the selector starts).
    lang = i18n.from_locale(st.query_params.get("lang")) or i18n.from_locale(st.context.locale) or i18n.DEFAULT
    with i18n.use(lang):
        box.info(
            i18n._("Starting aelab: loading TensorFlow and the models. This takes a few seconds, once per server.")
        )
    return box
