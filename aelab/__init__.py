"""aelab: an interactive latent-space explorer for autoencoders.

The library never imports streamlit; the app in `app.py` and `app_pages/` calls it. The README's
Layout section says which subpackage holds what.
"""

__version__ = "0.1.0"
