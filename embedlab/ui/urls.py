"""View state in the address bar: the Compare, Evaluate and Verdict pages read a shared link into their widgets,
and write their widgets back, so a page's URL is always its share link.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from embedlab.present import figures, share


def share_url(state: share.ViewState) -> str:
    """The full link that reopens this view on this server."""
    return f"{st.context.url}?{urlencode(share.to_query(state))}"


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


_URL_SEEN = "_cmp_url_seen"


_URL_PROBLEMS = "_cmp_url_problems"


def view_from_url(space_choices: list[str], corpus_ids: list[str]) -> list[str]:
    """Load a shared link's view into the Compare widgets when the URL is not the one this session wrote.

    Returns:
        Messages about link parameters that were unknown, malformed or point at missing data.
    """
    params = st.query_params.to_dict()
    if params and params != st.session_state.get(_URL_SEEN):
        state, problems = share.from_query(params)
        state, missing = share.check_references(state, space_choices, corpus_ids)
        for field, key in _VIEW_KEYS.items():
            if field in params and (getattr(state, field) != "" or field in ("word", "band", "find")):
                st.session_state[key] = _widget_value(field, getattr(state, field))
        if "lo" in params or "hi" in params:
            st.session_state[SCORE_RANGE_KEY] = (state.lo, state.hi)
        st.session_state[_URL_PROBLEMS] = problems + missing
        st.session_state[_URL_SEEN] = params
    defaults = share.ViewState()
    for field, key in _VIEW_KEYS.items():
        st.session_state.setdefault(key, _widget_value(field, getattr(defaults, field)))
    st.session_state.setdefault(SCORE_RANGE_KEY, (defaults.lo, defaults.hi))
    return st.session_state.get(_URL_PROBLEMS, [])


def _widget_value(field: str, value):
    if field == "words":  # the "All words" toggle holds a bool, the URL content/all
        return value == "all"
    return bool(value) if field in ("moves", "beyond") else value  # a toggle holds a bool, the URL 0/1


def view_state() -> share.ViewState:
    """The Compare widgets' current values as a view state."""
    values = {field: st.session_state[key] for field, key in _VIEW_KEYS.items()}
    values["moves"] = int(values["moves"])
    values["beyond"] = int(values["beyond"])
    values["words"] = "all" if values["words"] else "content"
    low, high = st.session_state[SCORE_RANGE_KEY]
    return share.ViewState(**values, lo=float(low), hi=float(high))


def view_to_url(state: share.ViewState) -> None:
    """Mirror the view into the address bar, so the page's URL is always its share link."""
    query = share.to_query(state)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[_URL_SEEN] = query


_EVAL_URL_SEEN = "_eval_url_seen"


def evaluation_from_url(space_choices: list[str], corpus_ids: list[str], weat_sets: list[str]) -> list[str]:
    """Load a shared Evaluate link (corpus, spaces, weat) into the widgets; returns messages about what was ignored.
    Without a link the page gives the spaces their default (``widgets.follow_corpus``)."""
    params = st.query_params.to_dict()
    problems: list[str] = []
    if params and params != st.session_state.get(_EVAL_URL_SEEN):
        unknown = sorted(set(params) - {"corpus", "spaces", "weat"})
        if unknown:
            problems.append(f"Ignored unknown link parameters: {', '.join(unknown)}.")
        if "corpus" in params:
            if params["corpus"] in corpus_ids:
                st.session_state["eval_corpus"] = params["corpus"]
            else:
                problems.append(f"The link's corpus {params['corpus'][:40]} is not on this server.")
        if "spaces" in params:
            wanted = [spec for spec in params["spaces"].split(",") if spec]
            missing = [spec for spec in wanted if spec not in space_choices]
            if missing:
                problems.append(f"The link's spaces {', '.join(s[:60] for s in missing)} are not on this server.")
            st.session_state["eval_spaces"] = [spec for spec in wanted if spec in space_choices]
        if "weat" in params:
            if params["weat"] in weat_sets:
                st.session_state["eval_weat_set"] = params["weat"]
            else:
                problems.append(f"The link's WEAT word sets '{params['weat'][:60]}' are not known here.")
        st.session_state[_EVAL_URL_SEEN] = params
    return problems


def evaluation_to_url(corpus_id: str, chosen: list[str], weat_set: str) -> None:
    """Mirror the Evaluate page's corpus, spaces and WEAT set into the address bar (its share link)."""
    query = {"corpus": corpus_id, "spaces": ",".join(chosen), "weat": weat_set}
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[_EVAL_URL_SEEN] = query


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
_VERDICT_URL_SEEN = "_verdict_url_seen"
_VERDICT_URL_PROBLEMS = "_verdict_url_problems"


def _all_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def verdict_from_url(space_choices: list[str], corpus_ids: list[str]) -> list[str]:
    """Load a shared Verdict link (corpus, space once per candidate, baseline) into the page's widgets when the URL
    is not the one this session wrote; returns messages about what the last link opened had that was ignored (a
    deleted run, a bad value)."""
    params = _all_params()
    if not params or params == st.session_state.get(_VERDICT_URL_SEEN):
        return st.session_state.get(_VERDICT_URL_PROBLEMS, [])
    view, problems = share.verdict_from_query(params, space_choices, corpus_ids)
    if view.corpus:
        st.session_state[VERDICT_KEYS["corpus"]] = view.corpus
    if "baseline" in params:
        st.session_state[VERDICT_KEYS["baseline"]] = view.baseline
    if "space" in params:
        st.session_state[VERDICT_KEYS["spaces"]] = list(view.spaces)
    st.session_state[_VERDICT_URL_SEEN] = params
    st.session_state[_VERDICT_URL_PROBLEMS] = problems
    return problems


def verdict_to_url(view: share.VerdictView) -> str:
    """Mirror the verdict's corpus, candidates and baseline into the address bar (its share link); returns the
    full link."""
    query = share.verdict_query(view)
    seen = {key: value if isinstance(value, list) else [value] for key, value in query.items() if value != []}
    if _all_params() != seen:
        st.query_params.from_dict(query)
    st.session_state[_VERDICT_URL_SEEN] = seen
    return f"{st.context.url}?{urlencode(query, doseq=True)}"
