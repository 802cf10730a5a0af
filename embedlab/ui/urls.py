"""View state in the address bar: the Compare, Evaluate and Verdict pages read a shared link into their widgets,
and write their widgets back, so a page's URL is always its share link.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from embedlab.analysis import views
from embedlab.analysis.views import CompareView, EvaluateView, VerdictView
from embedlab.present import figures

AnyView = CompareView | EvaluateView | VerdictView


def share_url(view: AnyView) -> str:
    """The full link that reopens this view on this server."""
    return f"{st.context.url}?{urlencode(views.to_query(view), doseq=True)}"


def _params() -> dict[str, list[str]]:
    """The address bar's parameters, each with all its values (a repeated one, like the verdict's ``space``)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _as_read(query: Mapping[str, str | list[str]]) -> dict[str, list[str]]:
    """A written query as :func:`_params` reads it back: lists, and no parameter for an empty list."""
    return {key: value if isinstance(value, list) else [value] for key, value in query.items() if value != []}


def _from_url(
    kind: type[views.View],
    known: Mapping[str, Collection[str]],
    keys: Mapping[str, str],
    page: str,
    widget: Callable[[str, Any], Any] = lambda _field, value: list(value) if isinstance(value, tuple) else value,
) -> tuple[views.View, list[str]] | None:
    """Load a link into a page's widgets when the URL is not the one this session wrote: each field the link gives
    sets its widget (``keys``: field -> widget key, ``widget``: the widget's value for the view's), except a
    reference the link could not keep (the widget then keeps its own value).

    Returns:
        The view and the fields the link gave, or None when the URL was this session's own. The messages about
        what was dropped are kept in the session (``_problems(page)``) until the next link.
    """
    params = _params()
    if not params or params == st.session_state.get(f"_{page}_url_seen"):
        return None
    view, problems = views.from_query(kind, params, known)
    given = views.fields_given(kind, params)
    for field in given:
        value = getattr(view, field)
        if field in keys and (value != "" or not views.refers(kind, field)):
            st.session_state[keys[field]] = widget(field, value)
    st.session_state[f"_{page}_url_seen"] = params
    st.session_state[f"_{page}_url_problems"] = problems
    return view, given


def _problems(page: str) -> list[str]:
    return st.session_state.get(f"_{page}_url_problems", [])


def _to_url(view: AnyView, page: str) -> None:
    """Mirror a page's view into the address bar, so the page's URL is always its share link."""
    query = views.to_query(view)
    seen = _as_read(query)
    if _params() != seen:
        st.query_params.from_dict(query)
    st.session_state[f"_{page}_url_seen"] = seen


_VIEW_KEYS = {
    "corpus": "cmp_corpus",
    "a": "cmp_a",
    "b": "cmp_b",
    "word": "cmp_word",
    "k": "cmp_k",
    "tab": "cmp_tab",
    "m": "cmp_m",
    "metric": "cmp_metric",
    "band": "cmp_band",
    "n": "cmp_n",
    "seed": "cmp_seed",
    "colour": "cmp_colour",
    "moves": "cmp_moves",
    "words": "cmp_all_words",
    "beyond": "cmp_beyond_noise",
    "find": "cmp_find",
}


SCORE_RANGE_KEY = "cmp_range"  # one range slider holds the view's lo and hi


def view_from_url(space_choices: list[str], corpus_ids: list[str]) -> list[str]:
    """Load a shared link's view into the Compare widgets when the URL is not the one this session wrote; give
    every widget the Compare view's default otherwise.

    Returns:
        Messages about link parameters that were unknown, malformed or point at missing data.
    """
    read = _from_url(CompareView, {"space": space_choices, "corpus": corpus_ids}, _VIEW_KEYS, "cmp", _widget_value)
    if read is not None and {"lo", "hi"} & set(read[1]):
        st.session_state[SCORE_RANGE_KEY] = (read[0].lo, read[0].hi)
    defaults = CompareView()
    for field, key in _VIEW_KEYS.items():
        st.session_state.setdefault(key, _widget_value(field, getattr(defaults, field)))
    st.session_state.setdefault(SCORE_RANGE_KEY, (defaults.lo, defaults.hi))
    return _problems("cmp")


def _widget_value(field: str, value: Any) -> Any:
    if field == "words":  # the "All words" toggle holds a bool, the URL content/all
        return value == "all"
    return bool(value) if field in ("moves", "beyond") else value  # a toggle holds a bool, the URL 0/1


def view_state() -> CompareView:
    """The Compare widgets' current values as a view."""
    values = {field: st.session_state[key] for field, key in _VIEW_KEYS.items()}
    values["moves"] = int(values["moves"])
    values["beyond"] = int(values["beyond"])
    values["words"] = "all" if values["words"] else "content"
    low, high = st.session_state[SCORE_RANGE_KEY]
    return CompareView(**values, lo=float(low), hi=float(high))


def view_to_url(state: CompareView) -> None:
    """Mirror the Compare view into the address bar, so the page's URL is always its share link."""
    _to_url(state, "cmp")


EVALUATE_KEYS = {"corpus": "eval_corpus", "spaces": "eval_spaces", "weat": "eval_weat_set"}


def evaluation_from_url(space_choices: list[str], corpus_ids: list[str], weat_sets: list[str]) -> list[str]:
    """Load a shared Evaluate link (corpus, its spaces, the WEAT word sets) into the widgets when the URL is not the
    one this session wrote; returns messages about what the last link opened had that was ignored. Without a link
    the page gives the spaces their default (``widgets.follow_corpus``)."""
    known = {"space": space_choices, "corpus": corpus_ids, "weat": weat_sets}
    _from_url(
        EvaluateView, known, EVALUATE_KEYS, "eval", lambda field, value: list(value) if field == "spaces" else value
    )
    return _problems("eval")


def evaluation_to_url(view: EvaluateView) -> None:
    """Mirror the Evaluate page's corpus, spaces and WEAT set into the address bar (its share link)."""
    _to_url(view, "eval")


MAP_SELECTION = "cmp_selected"  # session key: words chosen by a box or lasso on the maps (highlighted in both)
MAP_TRACE_WORDS = "cmp_map_trace_words"  # session key: the drawn map's words per trace (MapFigure.trace_words)


def select_on_map() -> None:
    """``on_select`` of the Compare maps: a click on one point makes its word the view's word (neighbour lists and
    the link follow); a box or lasso over several highlights those words in both maps.

    The address bar gets the new view here, in the callback, before the page redraws: the rerun after a click can
    refit the map for seconds, and the bar must not hold the old word meanwhile (nor ever, if that run is cut short).
    """
    event = st.session_state.get("cmp_map")
    points = event.selection.points if event else []
    words = figures.selected_words(points, st.session_state.get(MAP_TRACE_WORDS, ()))
    if len(words) == 1:
        st.session_state[_VIEW_KEYS["word"]] = words[0]
        st.session_state.pop(MAP_SELECTION, None)
        if all(key in st.session_state for key in (*_VIEW_KEYS.values(), SCORE_RANGE_KEY)):
            view_to_url(view_state())
    elif words:
        st.session_state[MAP_SELECTION] = words


VERDICT_KEYS = {"corpus": "verdict_corpus", "spaces": "verdict_spaces", "baseline": "verdict_baseline"}


def verdict_from_url(space_choices: list[str], corpus_ids: list[str]) -> list[str]:
    """Load a shared Verdict link (corpus, space once per candidate, baseline) into the page's widgets when the URL
    is not the one this session wrote; returns messages about what the last link opened had that was ignored (a
    deleted run, a bad value)."""
    known = {"space": space_choices, "corpus": corpus_ids}
    _from_url(
        VerdictView, known, VERDICT_KEYS, "verdict", lambda field, value: list(value) if field == "spaces" else value
    )
    return _problems("verdict")


def verdict_to_url(view: VerdictView) -> str:
    """Mirror the verdict's corpus, candidates and baseline into the address bar (its share link); returns the
    full link."""
    _to_url(view, "verdict")
    return share_url(view)
