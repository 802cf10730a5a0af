"""Guarded workarounds of Streamlit internals.

Each was written for one Streamlit release (``WRITTEN_FOR``, the version requirements.txt pins); a test fails when
another release is installed, so an upgrade re-checks them instead of breaking shared links silently.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

WRITTEN_FOR = "1.67.0"  # the streamlit these workarounds were checked against
_ROUTED = "_routed_by_app"


def mark_routed() -> None:
    """Called by app.py: this session has been through the router."""
    st.session_state[_ROUTED] = True


def ensure_router() -> None:
    """Call first on every page: make Streamlit route through app.py even on a server's very first request.

    Streamlit (1.67) runs ``pages/x.py`` directly, in its legacy multipage mode, when a fresh server's first
    request is a deep link such as a shared ``/compare?...`` URL: app.py's ``st.navigation`` (titles, the
    warm-up) would be skipped. Leaving that mode and rerunning sends the request through app.py. A session that
    went through app.py once is left alone (AppTest re-enters the legacy mode on every run).
    """
    if PagesManager.uses_pages_directory and not st.session_state.get(_ROUTED):
        PagesManager.uses_pages_directory = False
        st.rerun()
