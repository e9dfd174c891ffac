"""The app's static folder: what Streamlit serves at /app/static/ (server.enableStaticServing)."""

import pathlib

import streamlit as st

from aelab import locations

STATIC = pathlib.Path(locations.APP_DIR) / "static"


def url(relative):
    """The address of `relative` (a path under `STATIC`), under the server's base path if it has one."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/{relative}" if base else f"/app/static/{relative}"
