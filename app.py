"""aelab: an interactive latent-space explorer for autoencoders.

Run with `streamlit run app.py`. This file only routes; each page is in app_pages/.

The folder is not called `pages/`: Streamlit still treats a `pages/` folder next
to the entry file as a legacy multipage app until `st.navigation` first runs, so
a first request for /denoising after a restart (and every AppTest rerun) would
run that page alone, without this file.
"""

import streamlit as st

from app_pages import _style

_style.apply()
_starting = _style.starting_notice()  # Words, not a blank page, while a new server imports TensorFlow.

from aelab.i18n import _  # noqa: E402
from app_pages import _common, _state, _streamlit_patch, _urlstate  # noqa: E402

if _starting is not None:
    _starting.empty()

_streamlit_patch.keep_keras_state()  # Streamlit must not clear the Keras session after each run.
_state.init()  # The session's one state object; adopts training runs that finished meanwhile.
_common.choose_language(_urlstate.link_language())  # First: everything below is in the chosen language.
_urlstate.keep_language()  # The link carries it (`lang=zh`), so a shared link opens in the class's language.
st.set_page_config(page_title=_("aelab: latent-space explorer"), page_icon="🧭", layout="wide")
_common.clean_checkpoint_folders()  # Once per server: temporaries of saves that were killed.
_urlstate.init()  # A shared link may name saved models: before the sidebar shows them.
_common.sidebar()

page = st.navigation(
    [
        st.Page("app_pages/models.py", title=_("Models"), icon=":material/model_training:", default=True),
        st.Page("app_pages/latent_space.py", title=_("Latent space"), icon=":material/scatter_plot:"),
        st.Page("app_pages/manifold.py", title=_("Manifold"), icon=":material/grid_view:"),
        st.Page("app_pages/denoising.py", title=_("Denoising"), icon=":material/blur_on:"),
        st.Page("app_pages/colorization.py", title=_("Colorization"), icon=":material/palette:"),
        st.Page("app_pages/variants.py", title=_("Variants"), icon=":material/stacks:"),
        st.Page("app_pages/studies.py", title=_("Studies"), icon=":material/science:"),
        st.Page("app_pages/class_page.py", title=_("Classroom"), icon=":material/groups:", url_path="class"),
    ]
)
_style.label_page(page)  # <html lang> and the page's own title, in the chosen language.
page.run()
