"""The names links were read and written by before the view records moved to :mod:`embedlab.analysis.views` (one
record per page, one codec): kept so that callers and saved scripts keep working. New code imports the views.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from embedlab.analysis.maps import MAX_MAP_WORDS
from embedlab.analysis.views import (
    COLOURS,
    MAX_SCORED_WORDS,
    METRICS,
    MIN_MAP_WORDS,
    MIN_SCORED_WORDS,
    TABS,
    WORD_FILTERS,
    CompareView,
    VerdictView,
    compare_word_query,
    to_query,
)
from embedlab.analysis.views import check_references as _check_references
from embedlab.analysis.views import (
    from_query as _from_query,
)

__all__ = [
    "COLOURS",
    "MAX_MAP_WORDS",
    "MAX_SCORED_WORDS",
    "METRICS",
    "MIN_MAP_WORDS",
    "MIN_SCORED_WORDS",
    "TABS",
    "WORD_FILTERS",
    "VerdictView",
    "ViewState",
    "check_references",
    "compare_word_query",
    "from_query",
    "to_query",
    "verdict_from_query",
    "verdict_query",
]

ViewState = CompareView

verdict_query = to_query


def from_query(params: Mapping[str, Any]) -> tuple[CompareView, list[str]]:
    """A Compare link's view and the messages about what it dropped: ``views.from_query(CompareView, params)``."""
    return _from_query(CompareView, params)


def check_references(
    state: CompareView, spaces: Sequence[str], corpora: Sequence[str]
) -> tuple[CompareView, list[str]]:
    """A Compare view without the spaces and corpora this server does not have: ``views.check_references``."""
    return _check_references(state, {"space": spaces, "corpus": corpora})


def verdict_from_query(
    params: Mapping[str, Sequence[str]], spaces: Sequence[str], corpora: Sequence[str]
) -> tuple[VerdictView, list[str]]:
    """A Verdict link's view, keeping only what this server has: ``views.from_query(VerdictView, ...)``."""
    return _from_query(VerdictView, params, {"space": spaces, "corpus": corpora})
