"""The app's few global style rules, the page's language and title, and the words shown while a new
server starts (not a page).

Kept light on purpose: app.py calls it before anything imports TensorFlow.
"""

import json
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

/* Text a student must read at 4.5:1 or more (WCAG 1.4.3). Streamlit draws captions, help and the
   sidebar's small print in its text colour at 60 % (#828180 on white, 3.88:1; 3.81:1 on the sidebar):
   --aelab-faded is 6.6:1 on white and 6.2:1 on the sidebar's #f8f8f7. The theme: .streamlit/config.toml. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *,
[data-testid="stWidgetLabel"] [data-testid="stCaptionContainer"],
[data-testid="stSidebar"] [data-testid="stMarkdownContainer"] p,
[data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"],
[data-testid="stTooltipHoverTarget"] svg { color: var(--aelab-faded) !important; opacity: 1 !important; }
:root { --aelab-faded: #5c5d66; --aelab-focus: #1a56db; }

/* A focus ring on every control for keyboard users (WCAG 2.4.7, 1.4.11): 3 px of #1a56db, 6.2:1 on
   white and 5.8:1 on the sidebar, 2 px outside the control so it meets the page, not the control.
   Streamlit's own ring is a faint primary glow, and BaseWeb hides the real radio, checkbox and switch
   inputs, so their labels carry the ring. */
:is(a, button, summary, [role="button"], [role="slider"], [role="tab"], [role="option"], [role="link"],
    [tabindex]:not([tabindex="-1"]), iframe):focus-visible {
  outline: 3px solid var(--aelab-focus) !important; outline-offset: 2px !important;
}
/* The tab strip clips what lies outside it, and an inset outline lost its top and bottom there:
   a tab's ring is drawn inside it, as an inset shadow (seen in a screenshot of the Latent space tabs). */
[role="tab"][role="tab"]:is(:focus-visible, [data-focus-visible]) {
  outline: none !important; box-shadow: inset 0 0 0 3px var(--aelab-focus) !important; border-radius: 6px;
}
label:has(input:focus-visible) { outline: 3px solid var(--aelab-focus); outline-offset: 2px; border-radius: 4px; }
:is([data-baseweb="input"], [data-baseweb="textarea"], [data-baseweb="select"] > div):focus-within {
  outline: 3px solid var(--aelab-focus); outline-offset: 1px;
}
/* The image toolbar (full screen) only shows on hover: show it while one of its buttons has focus. */
[data-testid="stElementToolbar"]:focus-within { opacity: 1 !important; }
/* Result tables (Studies) fit their column at any width: the columns share it and long words wrap,
   so a 720p projector shows every column and a phone needs no sideways scroll (which a keyboard
   could not reach either: WCAG 2.1.1). */
[data-testid="stTable"] table { table-layout: fixed; width: 100%; }
[data-testid="stTable"] :is(th, td, th *, td *) {
  white-space: normal !important; overflow-wrap: anywhere !important; word-break: break-word !important;
}
@media (max-width: 640px) {
  [data-testid="stTable"] :is(th, td) { font-size: 0.72rem; padding: 0.25rem 0.2rem !important; }
}
/* A chart's words for screen readers (_pictures.described): off screen, still read. */
.aelab-described { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
                   overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
.stElementContainer:has(.aelab-described) { position: absolute; }  /* No gap in the column for it. */
/* Streamlit's dropzone prints the server's cap ("50MB per file"), set above aelab's own 10 MB on purpose
   so that a larger file reaches the page and gets a sentence saying why (aelab.data.images). The page's
   caption beside each uploader states the real limit and types; two different limits would only confuse. */
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
/* The element that only says the page's language (label_page) takes no room. */
.stElementContainer:has(.aelab-lang) { display: none; }
</style>
"""


def apply():
    """Adds the global style rules to this run's page (a style element takes no room)."""
    st.html(CSS)


def label_page(page):
    """Tells the browser the page's language and title, in the interface language (WCAG 3.1.1, 2.4.2).

    `<html lang>` is "zh-CN" or "en", so a screen reader reads Chinese with a Chinese voice; the title is
    the page's own ("流形 · aelab"), so seven tabs of the app are seven names, not one.

    Args:
        page: the `st.Page` that `st.navigation` chose for this run (its title already translated).
    """
    st.set_page_config(page_title=f"{page.title} · aelab")  # The last call of a run sets the title.
    tag = json.dumps(i18n.HTML_LANG[i18n.language()])
    st.html(
        f'<span class="aelab-lang" hidden></span><script>document.documentElement.lang = {tag};</script>',
        unsafe_allow_javascript=True,
    )


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
