"""The only Streamlit-aware module of the package: cached wrappers and session helpers for the pages."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from embedlab import analysis, corpus, evaluation, spaces, store
from embedlab.analysis import maps
from embedlab.analysis.comparison import ComparisonSummary
from embedlab.analysis.coverage import Coverage
from embedlab.corpus.stored import Corpus
from embedlab.present import report
from embedlab.records import RunMethod
from embedlab.spaces import baseline
from embedlab.spaces.space import EmbeddingSpace

if TYPE_CHECKING:
    from embedlab.evaluation import (
        AnalogyResult,
        HeldOut,
        RetrievalResult,
        SimilarityResult,
        TaskResult,
        WeatResult,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def load_corpus(corpus_id: str) -> Corpus:
    return corpus.load_corpus(corpus_id)


@st.cache_data(show_spinner=False, max_entries=4)
def table_columns(name: str, data: bytes) -> tuple[list[str], str | None]:
    return corpus.table_columns(name, data)


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
    parsed = spaces.SpaceSpec.parse(spec)
    if parsed.context:
        message = (
            f"Reading the corpus words in their sentences with {parsed.source} "
            "(up to 5,000 sentences: a minute or more the first time, then cached on disk)…"
        )
    elif parsed.is_baseline:
        message = "Encoding the corpus words with all-MiniLM-L6-v2 (once per corpus, then cached on disk)…"
    else:
        message = f"Loading {spec}…"
    with st.spinner(message):
        space = _load_space(spec, corpus_id)
    _spaces_in_memory[spec, corpus_id] = space
    return space


@st.cache_resource(show_spinner=False, max_entries=4)
def shared_pair(a: str, b: str, corpus_id: str) -> tuple[EmbeddingSpace, EmbeddingSpace]:
    return analysis.shared_spaces(load_space(a, corpus_id), load_space(b, corpus_id))


@st.cache_data(show_spinner="Scoring how every shared word's neighbourhood changed…", max_entries=16)
def compare_spaces(
    a: str, b: str, corpus_id: str, k: int, max_words: int, seed: int
) -> tuple[ComparisonSummary, pd.DataFrame]:
    return analysis.compare_spaces(load_space(a, corpus_id), load_space(b, corpus_id), k, max_words, seed)


@st.cache_data(show_spinner=False, max_entries=16)
def coverage(spec: str, corpus_id: str) -> Coverage:
    return analysis.coverage(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def coverage_by_band(spec: str, corpus_id: str) -> pd.DataFrame:
    return analysis.coverage_by_band(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def missing_words_csv(spec: str, corpus_id: str) -> bytes:
    return analysis.missing_words(load_space(spec, corpus_id), load_corpus(corpus_id)).to_csv(index=False).encode()


@st.cache_data(show_spinner=False, max_entries=4)
def baseline_fragmentation(corpus_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return analysis.fragmentation(load_space(spaces.BASELINE, corpus_id), load_corpus(corpus_id), baseline.word_pieces)


@st.cache_data(show_spinner=False, max_entries=16)
def fasttext_subword_coverage(spec: str, corpus_id: str) -> tuple[float, float] | None:
    """Share of missing tokens and words a FastText run still represents through subwords; None otherwise."""
    run = store.get_run(spec)
    if run is None or run.method is not RunMethod.FASTTEXT:
        return None
    return analysis.subword_coverage(load_space(spec, corpus_id).words, load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=8)
def map_layouts(a: str, b: str, corpus_id: str, words: tuple[str, ...], seed: int) -> tuple[np.ndarray, np.ndarray]:
    shared_a, shared_b = shared_pair(a, b, corpus_id)
    rows_a = [shared_a.index[w] for w in words]
    rows_b = [shared_b.index[w] for w in words]
    return maps.aligned_layouts(
        shared_a.vectors[rows_a], shared_b.vectors[rows_b], maps.MapSettings(sample_size=max(10, len(words)), seed=seed)
    )


@st.cache_data(show_spinner=False, max_entries=8)
def word_changes(a: str, b: str, corpus_id: str, words: tuple[str, ...], k: int) -> pd.DataFrame:
    """Change scores and nearest neighbours of exactly ``words`` (a map's sample), in that order."""
    return analysis.word_changes(load_space(a, corpus_id), load_space(b, corpus_id), words, k)


@st.cache_data(show_spinner=False, max_entries=2)
def report_html(a: str, b: str, corpus_id: str, words: tuple[str, ...], k: int, map_words: int, seed: int) -> bytes:
    settings = report.ReportSettings(k=k, words=words, map_words=map_words, seed=seed)
    return report.build_report(
        load_space(a, corpus_id), load_space(b, corpus_id), load_corpus(corpus_id), settings
    ).encode("utf-8")


# The evaluation wrappers below compute and return only: the Evaluate page keeps a run's results with it
# explicitly (evaluation.save_results), so nothing depends on whether a call hit the cache.


@st.cache_data(show_spinner=False, max_entries=16)
def intrinsic(
    spec: str, corpus_id: str, user_pairs: tuple = (), user_name: str = "your pairs"
) -> tuple[tuple[SimilarityResult, ...], AnalogyResult]:
    """The benchmarks section of ``spec`` (``evaluation.intrinsic_section``), with the user's pairs if any."""
    options = evaluation.EvaluationOptions(user_pairs=user_pairs, user_pairs_name=user_name)
    return evaluation.intrinsic_section(load_space(spec, corpus_id), options)


@st.cache_data(show_spinner=False, max_entries=4)
def document_texts(corpus_id: str) -> list[str]:
    return evaluation.document_texts(load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def task_evaluation(spec: str, corpus_id: str) -> TaskResult | None:
    """The task section of ``spec`` (``evaluation.task_section``); None when the corpus has no labels."""
    return evaluation.task_section(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=4)
def held_out_pairs(corpus_id: str, tuned_run: str) -> HeldOut:
    """The pairs ``tuned_run`` held out (see ``evaluation.held_out_run``), else the corpus's default split; no
    pairs, and why, when the corpus has too few (``evaluation.held_out_section``)."""
    return evaluation.held_out_section(load_corpus(corpus_id), [tuned_run] if tuned_run else [])


@st.cache_data(show_spinner=False, max_entries=16)
def retrieval(spec: str, corpus_id: str, tuned_run: str) -> RetrievalResult | None:
    """Held-out retrieval of ``spec`` on the pairs ``held_out_pairs(corpus_id, tuned_run)`` gives (None without
    pairs)."""
    return evaluation.retrieval_section(load_space(spec, corpus_id), held_out_pairs(corpus_id, tuned_run))


@st.cache_data(show_spinner=False, max_entries=32)
def weat(spec: str, corpus_id: str, name: str, sets: tuple[tuple[str, tuple[str, ...]], ...]) -> WeatResult:
    """The WEAT test ``name`` with word lists ``sets`` (X, Y, A, B; edited or not) on ``spec``."""
    options = evaluation.EvaluationOptions(weat_sets={name: dict(sets)})
    return evaluation.weat_section(load_space(spec, corpus_id), options)[name]


@st.cache_data(show_spinner=False, max_entries=32)
def sweep_row(spec: str, corpus_id: str, dim: int) -> dict[str, float]:
    return evaluation.sweep_row(load_space(spec, corpus_id), dim, load_corpus(corpus_id))
