"""The only Streamlit-aware module of the package: cached wrappers and session helpers for the pages."""
from __future__ import annotations

import hashlib
import weakref
from dataclasses import asdict
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from embedlab import compare, corpus, project, share, spaces, store
from embedlab.compare import ComparisonSummary, Coverage
from embedlab.corpus import Corpus
from embedlab.spaces import EmbeddingSpace

ACTIVE_CORPUS = "active_corpus"  # session key (not a widget key, so it survives page switches)


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
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get(_ROUTED):
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource(show_spinner=False)
def start_background_warm_up() -> bool:
    """Once per server process: compile UMAP's numba kernels in a background thread."""
    project.warm_up_in_background()
    return True


MAPS_COMPILING = ("UMAP is still compiling in the background (about 40 s after the server starts); a map asked "
                  "for now waits for it.")


def show_maps_status() -> None:
    """Whether this server has compiled UMAP yet; as of this script run (it updates on the next interaction)."""
    if project.warmed_up.is_set():
        st.caption(":material/check_circle: Maps ready")
    else:
        st.caption(f":material/hourglass_top: {MAPS_COMPILING}")


@st.cache_resource(show_spinner=False, max_entries=16)
def load_corpus(corpus_id: str) -> Corpus:
    return corpus.load_corpus(corpus_id)


@st.cache_data(show_spinner=False, max_entries=4)
def table_columns(name: str, data: bytes) -> tuple[list[str], str | None]:
    return corpus.table_columns(name, data)


def corpus_options() -> dict[str, str]:
    """Stored corpora as id -> label for a selectbox, newest first."""
    return {row["id"]: f"{row['name']} · {row['stats']['tokens']:,} tokens · {row['id']}"
            for row in corpus.list_corpora()}


def active_corpus_id(options: dict[str, str]) -> str | None:
    """The corpus the user last worked with, if it still exists, else the newest."""
    chosen = st.session_state.get(ACTIVE_CORPUS)
    if chosen in options:
        return chosen
    return next(iter(options), None)


def corpus_selectbox(label: str, options: dict[str, str], key: str, container=st) -> str:
    """A corpus picker that opens on the active corpus and makes the pick the active one for every page."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = active_corpus_id(options)
    chosen = container.selectbox(label, list(options), format_func=options.get, key=key)
    st.session_state[ACTIVE_CORPUS] = chosen
    return chosen


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_space(spec: str, corpus_id: str) -> EmbeddingSpace:
    return spaces.load_space(spec, load_corpus(corpus_id) if corpus_id else None)


# Spaces _load_space has returned that are still in memory. A cache hit skips the spinner, which costs a thread
# and a message to the browser on every rerun; a space the cache has evicted (and nothing else holds) drops out.
_spaces_in_memory: weakref.WeakValueDictionary[tuple[str, str], EmbeddingSpace] = weakref.WeakValueDictionary()


def load_space(spec: str, corpus_id: str) -> EmbeddingSpace:
    """A space with the corpus's counts; the baseline's first load encodes the corpus words (then cached)."""
    if (spec, corpus_id) in _spaces_in_memory:
        return _load_space(spec, corpus_id)
    if spec.endswith(spaces.CONTEXT_SUFFIX):
        message = (f"Reading the corpus words in their sentences with {spec.removesuffix(spaces.CONTEXT_SUFFIX)} "
                   "(up to 5,000 sentences: a minute or more the first time, then cached on disk)…")
    elif spec == spaces.BASELINE:
        message = "Encoding the corpus words with all-MiniLM-L6-v2 (once per corpus, then cached on disk)…"
    else:
        message = f"Loading {spec}…"
    with st.spinner(message):
        space = _load_space(spec, corpus_id)
    _spaces_in_memory[spec, corpus_id] = space
    return space


@st.cache_resource(show_spinner=False, max_entries=4)
def shared_pair(a: str, b: str, corpus_id: str) -> tuple[EmbeddingSpace, EmbeddingSpace]:
    return compare.shared_spaces(load_space(a, corpus_id), load_space(b, corpus_id))


@st.cache_data(show_spinner="Scoring how every shared word's neighbourhood changed…", max_entries=16)
def compare_spaces(a: str, b: str, corpus_id: str, k: int, max_words: int,
                   seed: int) -> tuple[ComparisonSummary, pd.DataFrame]:
    return compare.compare_spaces(load_space(a, corpus_id), load_space(b, corpus_id), k, max_words, seed)


@st.cache_data(show_spinner=False, max_entries=16)
def coverage(spec: str, corpus_id: str) -> Coverage:
    return compare.coverage(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def coverage_by_band(spec: str, corpus_id: str) -> pd.DataFrame:
    return compare.coverage_by_band(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def missing_words_csv(spec: str, corpus_id: str) -> bytes:
    return compare.missing_words(load_space(spec, corpus_id), load_corpus(corpus_id)).to_csv(index=False).encode()


@st.cache_data(show_spinner=False, max_entries=4)
def baseline_fragmentation(corpus_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from embedlab import baseline

    return compare.fragmentation(load_space(spaces.BASELINE, corpus_id), load_corpus(corpus_id),
                                 baseline.word_pieces)


@st.cache_data(show_spinner=False, max_entries=16)
def fasttext_subword_coverage(spec: str, corpus_id: str) -> tuple[float, float] | None:
    """Share of missing tokens and words a FastText run still represents through subwords; None otherwise."""
    run = store.get_run(spec)
    if run is None or run["method"] != "fasttext":
        return None
    return compare.subword_coverage(load_space(spec, corpus_id).words, load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=8)
def map_layouts(a: str, b: str, corpus_id: str, words: tuple[str, ...], seed: int) -> tuple[np.ndarray, np.ndarray]:
    shared_a, shared_b = shared_pair(a, b, corpus_id)
    rows_a = [shared_a.index[w] for w in words]
    rows_b = [shared_b.index[w] for w in words]
    return project.aligned_layouts(shared_a.vectors[rows_a], shared_b.vectors[rows_b],
                                   project.MapSettings(sample_size=max(10, len(words)), seed=seed))


@st.cache_data(show_spinner=False, max_entries=8)
def change_scores(a: str, b: str, corpus_id: str, words: tuple[str, ...], k: int, metric: str) -> np.ndarray:
    """The change score of exactly ``words`` (e.g. a map's sample), in that order."""
    _, frame = compare.compare_spaces(load_space(a, corpus_id), load_space(b, corpus_id), k, len(words), 0, words)
    return frame.set_index("word").loc[list(words), metric].to_numpy()


@st.cache_data(show_spinner=False, max_entries=2)
def report_html(a: str, b: str, corpus_id: str, words: tuple[str, ...], k: int, map_words: int, seed: int) -> bytes:
    from embedlab import report

    settings = report.ReportSettings(k=k, words=words, map_words=map_words, seed=seed)
    return report.build_report(load_space(a, corpus_id), load_space(b, corpus_id), load_corpus(corpus_id),
                               settings).encode("utf-8")


@st.cache_data(show_spinner=False, max_entries=16)
def intrinsic(spec: str, corpus_id: str, user_pairs: tuple = (), user_name: str = "your pairs"):
    from embedlab import evaluate

    results = evaluate.intrinsic(load_space(spec, corpus_id), user_pairs, user_name)
    evaluate.save_run_results(spec, corpus_id, "benchmarks",
                              evaluate.benchmark_table({spec: results}).to_dict("records"))
    return results


def encode_with_progress(spec: str, corpus_id: str, texts: list[str], what: str) -> None:
    """Before a cached evaluation of a sentence-transformer space: encode its texts with a progress bar (the
    encodings land in the disk cache the evaluation then reads). Static spaces need nothing."""
    space = load_space(spec, corpus_id)
    done_here = st.session_state.setdefault(_ENCODED, set())
    key = (spec, corpus_id, hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest())
    if space.encoder is None or key in done_here:  # later reruns read the disk cache with no bar flashing by
        return
    bar = st.progress(0.0, text=f"Encoding {len(texts):,} {what} with {spec}…")
    space.encoder(texts, lambda done: bar.progress(done, text=f"Encoding {len(texts):,} {what} with {spec}: "
                                                              f"{done:.0%}"))
    bar.empty()
    done_here.add(key)


_ENCODED = "_encoded_texts"  # session key: (spec, corpus, texts digest) already encoded with a progress bar


@st.cache_data(show_spinner=False, max_entries=4)
def document_texts(corpus_id: str) -> list[str]:
    from embedlab import evaluate

    return evaluate.document_texts(load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def task_evaluation(spec: str, corpus_id: str):
    from embedlab import evaluate

    result = evaluate.task_evaluation(load_space(spec, corpus_id), load_corpus(corpus_id))
    evaluate.save_run_results(spec, corpus_id, "task", asdict(result))
    return result


@st.cache_data(show_spinner=False, max_entries=4)
def held_out_pairs(corpus_id: str, tuned_run: str) -> tuple[list[tuple[str, str]], str]:
    """The pairs ``tuned_run`` held out (see ``evaluate.held_out_run``), else the corpus's default split."""
    from embedlab import evaluate

    return evaluate.held_out_pairs(load_corpus(corpus_id), [tuned_run] if tuned_run else [])


@st.cache_data(show_spinner=False, max_entries=16)
def retrieval(spec: str, corpus_id: str, tuned_run: str):
    """Held-out retrieval of ``spec`` on the pairs ``held_out_pairs(corpus_id, tuned_run)`` gives."""
    from embedlab import evaluate

    pairs, source = held_out_pairs(corpus_id, tuned_run)
    result = evaluate.retrieval(load_space(spec, corpus_id), pairs, source)
    evaluate.save_run_results(spec, corpus_id, "retrieval", asdict(result))
    return result


@st.cache_data(show_spinner=False, max_entries=32)
def weat(spec: str, corpus_id: str, sets: tuple[tuple[str, tuple[str, ...]], ...], label: str = ""):
    """WEAT of ``spec``; with a ``label`` (the shipped set's name, when unedited) it is kept with the run."""
    from embedlab import evaluate

    result = evaluate.weat(load_space(spec, corpus_id), {name: list(words) for name, words in sets})
    if label:
        saved = evaluate.run_results(spec).get("weat", {}).get("result", {})
        saved[label] = {"effect_size": result.effect_size, "p_value": result.p_value, "used": result.used}
        evaluate.save_run_results(spec, corpus_id, "weat", saved)
    return result


@st.cache_data(show_spinner=False, max_entries=32)
def sweep_row(spec: str, corpus_id: str, dim: int) -> dict[str, float]:
    from embedlab import evaluate

    return evaluate.sweep_row(load_space(spec, corpus_id), dim, load_corpus(corpus_id))


def share_url(state: share.ViewState) -> str:
    """The full link that reopens this view on this server."""
    return f"{st.context.url}?{urlencode(share.to_query(state))}"


def show_error(error: Exception) -> None:
    """Our errors carry a message for people; show it, never a traceback."""
    st.error(share.plain_markdown(str(error)), icon=":material/error:")


_VIEW_KEYS = {"corpus": "cmp_corpus", "a": "cmp_a", "b": "cmp_b", "word": "cmp_word", "k": "cmp_k",
              "tab": "cmp_tab", "m": "cmp_m", "metric": "cmp_metric", "band": "cmp_band", "n": "cmp_n",
              "seed": "cmp_seed", "colour": "cmp_colour", "moves": "cmp_moves"}
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
            if field in params and (getattr(state, field) != "" or field in ("word", "band")):
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
    return bool(value) if field == "moves" else value  # a toggle holds a bool, the URL 0/1


def view_state() -> share.ViewState:
    """The Compare widgets' current values as a view state."""
    values = {field: st.session_state[key] for field, key in _VIEW_KEYS.items()}
    values["moves"] = int(values["moves"])
    low, high = st.session_state[SCORE_RANGE_KEY]
    return share.ViewState(**values, lo=float(low), hi=float(high))


def view_to_url(state: share.ViewState) -> None:
    """Mirror the view into the address bar, so the page's URL is always its share link."""
    query = share.to_query(state)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[_URL_SEEN] = query


_EVAL_URL_SEEN = "_eval_url_seen"


def evaluation_from_url(space_choices: list[str], corpus_ids: list[str], weat_sets: list[str],
                        default_spaces: list[str]) -> list[str]:
    """Load a shared Evaluate link (corpus, spaces, weat) into the widgets; returns messages about what was ignored."""
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
    st.session_state.setdefault("eval_spaces", [s for s in default_spaces if s in space_choices])
    return problems


def evaluation_to_url(corpus_id: str, chosen: list[str], weat_set: str) -> None:
    query = {"corpus": corpus_id, "spaces": ",".join(chosen), "weat": weat_set}
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[_EVAL_URL_SEEN] = query
