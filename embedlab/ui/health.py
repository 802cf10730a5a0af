"""Run health on the pages: a cached measurement per space, and one compact warning per unhealthy space."""

from __future__ import annotations

import streamlit as st

from embedlab.errors import EmbedLabError
from embedlab.present.text import plain_markdown
from embedlab.spaces.space import EmbeddingSpace
from embedlab.training.health import RunHealth, load_run_health, space_health
from embedlab.ui.cache import load_space

__all__ = ["cached_space_health", "show_health", "show_run_health", "show_space_health"]


@st.cache_data(show_spinner=False, max_entries=32)
def _space_health(spec: str, corpus_id: str, _space: EmbeddingSpace) -> RunHealth:
    return space_health(_space)


def cached_space_health(spec: str, corpus_id: str) -> RunHealth:
    """:func:`embedlab.training.health.space_health` of the space ``spec`` (loaded through the page cache)."""
    return _space_health(spec, corpus_id, load_space(spec, corpus_id))


def show_health(label: str, health: RunHealth | None) -> None:
    """One ``st.warning`` naming the space and each failed check's warning; nothing for a healthy space."""
    if health is None or health.ok:
        return
    text = plain_markdown(" ".join(health.warnings))
    st.warning(f"**{plain_markdown(label)}** looks unhealthy: {text}", icon=":material/health_and_safety:")


def show_space_health(spec: str, corpus_id: str, label: str) -> None:
    """:func:`show_health` for a space the page has loaded (or will load); a space that cannot be loaded (a
    debiased copy of a space without the definitional words) shows nothing here: the page says why it failed."""
    try:
        health = cached_space_health(spec, corpus_id)
    except EmbedLabError:
        return
    show_health(label, health)


def show_run_health(run_id: str, label: str) -> None:
    """:func:`show_health` for a run's recorded health (nothing when it has no record)."""
    show_health(label, load_run_health(run_id))
