"""aelab: an interactive latent-space explorer for autoencoders.

The library never imports streamlit; the app in `app.py` and `pages/` calls it.
"""

__version__ = "0.1.0"
