"""The pages' caches: Streamlit-cached wrappers around the package's functions, so a rerun, another session or
another page reuses what one computed (``st.cache_resource`` for corpora, spaces and other big objects,
``st.cache_data`` for small results).

Each wrapper depends only on its arguments (ids, specs, settings) and computes and returns: the pages keep what
should be kept, explicitly. :class:`EvaluationSections` serves the evaluation flow's sections from these caches
(:func:`evaluate`), and :func:`load_space` and :func:`build_verdict` report their progress to the page's bar. One of
the :mod:`embedlab.ui` modules, the only package that imports streamlit."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from embedlab import analysis, corpus, evaluation, spaces, store, verdict
from embedlab.analysis import maps
from embedlab.analysis.comparison import ComparisonSummary
from embedlab.analysis.coverage import Coverage, SubwordCoverage
from embedlab.analysis.views import CompareView
from embedlab.corpus.stored import Corpus
from embedlab.present import report
from embedlab.records import RunMethod
from embedlab.spaces import baseline
from embedlab.spaces.space import EmbeddingSpace
from embedlab.ui.progress import wait_with_progress
from embedlab.verdict import Verdict

T = TypeVar("T")

if TYPE_CHECKING:
    from embedlab.evaluation import (
        AnalogyResult,
        HeldOut,
        SimilarityResult,
        TaskResult,
        WeatResult,
    )
    from embedlab.evaluation.retrieval import RetrievalResult


@st.cache_resource(show_spinner=False, max_entries=16)
def load_corpus(corpus_id: str) -> Corpus:
    return corpus.load_corpus(corpus_id)


@st.cache_data(show_spinner=False, max_entries=16)
def typical_words(corpus_id: str) -> corpus.TypicalWords:
    """The corpus's typical words against its own language's general frequencies (``corpus.typical_words``), for
    hints; none, with the reason, for a language wordfreq lacks."""
    return corpus.typical_words(load_corpus(corpus_id), n=30)


@st.cache_data(show_spinner=False, max_entries=4)
def table_columns(name: str, data: bytes, delimiter: str | None = None) -> tuple[list[str], str | None]:
    return corpus.table_columns(name, data, delimiter)


@st.cache_data(show_spinner=False, max_entries=4)
def label_column_guess(name: str, data: bytes, delimiter: str | None, text_column: str | None) -> str | None:
    """The column of an upload that looks like a label (``corpus.label_column_guess``): the page pre-selects it."""
    return corpus.label_column_guess(name, data, delimiter, text_column)


@st.cache_data(show_spinner=False, max_entries=4)
def detect_delimiter(name: str, data: bytes) -> str | None:
    """The delimiter the upload is read with when none is chosen (``corpus.detect_delimiter``)."""
    return corpus.detect_delimiter(name, data)


# Where a space being loaded reports its progress: set around the call by load_space (a cached function cannot take
# a callback argument, and must not touch page elements, which Streamlit would replay on a cache hit).
_load_progress: dict[tuple[str, str], Callable[[float], None]] = {}


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_space(spec: str, corpus_id: str) -> EmbeddingSpace:
    report = _load_progress.get((spec, corpus_id))
    return spaces.load_space(spec, load_corpus(corpus_id) if corpus_id else None, report)


# Spaces _load_space has returned that are still in memory. A cache hit skips the progress bar, which costs a thread
# and a message to the browser on every rerun; a space the cache has evicted (and nothing else holds) drops out.
_spaces_in_memory: weakref.WeakValueDictionary[tuple[str, str], EmbeddingSpace] = weakref.WeakValueDictionary()


def load_space(spec: str, corpus_id: str) -> EmbeddingSpace:
    """A space with the corpus's counts; a first load that encodes words (the baseline, a fine-tuned run, a read
    in context) shows a progress bar with an ETA, then the space stays in memory (and its vectors on disk)."""
    key = (spec, corpus_id)
    if key in _spaces_in_memory:
        return _load_space(spec, corpus_id)
    parsed = spaces.SpaceSpec.parse(spec)
    label = spaces.space_label(spec)
    if parsed.context:
        message = f"Reading the corpus words in their sentences with {label} (the first time only, then on disk)…"
    elif parsed.kind is spaces.SpaceKind.BASELINE:
        message = "Encoding the corpus words with all-MiniLM-L6-v2 (once per corpus, then cached on disk)…"
    else:
        message = f"Loading {label}…"

    def work(report: Callable[[float], None]) -> EmbeddingSpace:
        _load_progress[key] = report
        try:
            return _load_space(spec, corpus_id)
        finally:
            _load_progress.pop(key, None)

    space = wait_with_progress(message, work)
    _spaces_in_memory[key] = space
    return space


@st.cache_resource(show_spinner=False, max_entries=4)
def shared_pair(a: str, b: str, corpus_id: str) -> tuple[EmbeddingSpace, EmbeddingSpace]:
    return analysis.shared_spaces(load_space(a, corpus_id), load_space(b, corpus_id))


@st.cache_data(show_spinner=False, max_entries=8)
def duplicate_groups(a: str, b: str, corpus_id: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The shared words that hold exactly the same vector as another, per space (``maps.duplicate_groups``)."""
    shared_a, shared_b = shared_pair(a, b, corpus_id)
    return (
        maps.duplicate_groups(shared_a.words, shared_a.vectors),
        maps.duplicate_groups(shared_b.words, shared_b.vectors),
    )


@st.cache_data(show_spinner="Scoring how every shared word's neighbourhood changed…", max_entries=16)
def compare_spaces(
    a: str, b: str, corpus_id: str, k: int, max_words: int, seed: int
) -> tuple[ComparisonSummary, pd.DataFrame]:
    return analysis.compare_spaces(load_space(a, corpus_id), load_space(b, corpus_id), k, max_words, seed)


@st.cache_data(show_spinner=False, max_entries=16)
def coverage(spec: str, corpus_id: str) -> Coverage:
    return analysis.vocabulary_coverage(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def coverage_by_band(spec: str, corpus_id: str) -> pd.DataFrame:
    return analysis.coverage_by_band(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def missing_words(spec: str, corpus_id: str) -> pd.DataFrame:
    """The corpus words ``spec`` has no vector for; for a Word2Vec/FastText run, why (``analysis.missing_words``)."""
    parsed = spaces.SpaceSpec.parse(spec)
    run = store.get_run(parsed.source) if parsed.kind is spaces.SpaceKind.RUN and not parsed.context else None
    training_counts, min_count = None, 1
    if (
        run is not None
        and run.method is not RunMethod.SENTENCE_TRANSFORMER
        and store.get_corpus(run.corpus_id) is not None
    ):
        training_counts, min_count = load_corpus(run.corpus_id).counts, int(run.params.get("min_count", 1))
    return analysis.missing_words(load_space(spec, corpus_id), load_corpus(corpus_id), training_counts, min_count)


@st.cache_data(show_spinner=False, max_entries=16)
def split_words(spec: str, corpus_id: str) -> pd.DataFrame:
    """The corpus words a WordPiece model splits into pieces (``analysis.split_words``); empty for other spaces."""
    return analysis.split_words(load_space(spec, corpus_id), load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=4)
def baseline_fragmentation(corpus_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return analysis.fragmentation(load_space(spaces.BASELINE, corpus_id), load_corpus(corpus_id), baseline.word_pieces)


@st.cache_data(show_spinner=False, max_entries=16)
def fasttext_subword_coverage(spec: str, corpus_id: str) -> SubwordCoverage | None:
    """How many of the corpus words a FastText run misses it builds a vector for from subwords
    (``analysis.subword_vector_coverage``); None for other spaces."""
    return analysis.subword_vector_coverage(load_space(spec, corpus_id), load_corpus(corpus_id))


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
    """Change scores and nearest neighbours of exactly ``words`` (a map's sample), in that order.

    Above ``maps.EXACT_NEIGHBOURS_UP_TO`` words the neighbours are pynndescent's approximate ones (seed 0: the same
    scores on every run with the same number of threads); the frame's ``attrs["approximate"]`` and ``attrs["note"]``
    say so and survive the cache (it pickles the frame, attrs included).
    """
    return analysis.word_changes(load_space(a, corpus_id), load_space(b, corpus_id), words, k)


def report_html(
    a: str, b: str, corpus_id: str, settings: report.ReportSettings, progress: report.ReportProgress | None = None
) -> bytes:
    """The HTML report of ``a`` vs ``b`` on the corpus, its chosen sections only (``report.build_report``), UTF-8.

    Not an ``st.cache_data`` function, unlike its neighbours: ``progress`` updates a progress bar the page made,
    and Streamlit cannot replay a cached function's calls on an element made outside it (a cache hit raises
    ``CacheReplayClosureError``). The page keeps the report it built in the session; the slow parts are cached
    anyway (the spaces in memory, the baseline's encodings and the aligned maps on disk).

    Args:
        progress: called with each ``report.ReportStep`` (section, fraction of the whole, message, ETA).
    """
    return report.build_report(
        load_space(a, corpus_id), load_space(b, corpus_id), load_corpus(corpus_id), settings, progress
    ).encode("utf-8")


# The evaluation wrappers below compute and return only: the Evaluate page keeps a run's results with it
# explicitly (evaluation.save_results), so nothing depends on whether a call hit the cache. They are the sections
# of the one evaluation flow (evaluation.evaluate_spaces) as EvaluationSections serves them to it; a cached
# function cannot take a callback, so the flow's progress reaches them through _reporting (set around each call).
_reporting = threading.local()


def _reported(progress: Callable[[float], None] | None, call: Callable[[], T]) -> T:
    """``call()`` with ``progress`` as what a cached section below reports to while it computes (a cache hit
    reports nothing)."""
    before = getattr(_reporting, "progress", None)
    _reporting.progress = progress
    try:
        return call()
    finally:
        _reporting.progress = before


def _progress() -> Callable[[float], None] | None:
    return getattr(_reporting, "progress", None)


@st.cache_data(show_spinner=False, max_entries=16)
def intrinsic(
    spec: str, corpus_id: str, user_pairs: tuple = (), user_name: str = "your pairs"
) -> tuple[tuple[SimilarityResult, ...], AnalogyResult]:
    """The benchmarks section of ``spec`` (``evaluation.intrinsic_section``), with the user's pairs if any."""
    options = evaluation.EvaluationOptions(user_pairs=user_pairs, user_pairs_name=user_name)
    return evaluation.intrinsic_section(load_space(spec, corpus_id), options, _progress())


@st.cache_data(show_spinner=False, max_entries=4)
def document_texts(corpus_id: str) -> list[str]:
    return evaluation.document_texts(load_corpus(corpus_id))


@st.cache_data(show_spinner=False, max_entries=16)
def task_evaluation(spec: str, corpus_id: str, seed: int = 42, fine_tunes: tuple[str, ...] = ()) -> TaskResult | None:
    """The task section of ``spec`` (``evaluation.task_section``), leaving out what the label fine-tunes among
    ``fine_tunes`` trained on; None when the corpus has no labels."""
    options = evaluation.EvaluationOptions(seed=seed)
    space, notes = load_space(spec, corpus_id), load_corpus(corpus_id)
    return evaluation.task_section(space, notes, options, _progress(), fine_tunes)


@st.cache_data(show_spinner=False, max_entries=4)
def held_out_pairs(corpus_id: str, tuned_runs: tuple[str, ...] = ()) -> HeldOut:
    """The pairs the first of ``tuned_runs`` held out less what the others trained on (see
    ``evaluation.fine_tuned_runs``), else the corpus's default split; no pairs, and why, when the corpus has too few
    (``evaluation.held_out_section``)."""
    return evaluation.held_out_section(load_corpus(corpus_id), list(tuned_runs))


@st.cache_data(show_spinner=False, max_entries=16)
def retrieval(spec: str, corpus_id: str, tuned_runs: tuple[str, ...] = ()) -> RetrievalResult | None:
    """Held-out retrieval of ``spec`` on the pairs ``held_out_pairs(corpus_id, tuned_runs)`` gives (None without
    pairs)."""
    held_out = held_out_pairs(corpus_id, tuned_runs)
    return evaluation.retrieval_section(load_space(spec, corpus_id), held_out, _progress())


@st.cache_data(show_spinner=False, max_entries=32)
def weat(
    spec: str, corpus_id: str, name: str, sets: tuple[tuple[str, tuple[str, ...]], ...], seed: int = 42
) -> WeatResult:
    """The WEAT test ``name`` with word lists ``sets`` (X, Y, A, B; edited or not) on ``spec``."""
    options = evaluation.EvaluationOptions(weat_sets={name: dict(sets)}, seed=seed)
    return evaluation.weat_section(load_space(spec, corpus_id), options)[name]


@st.cache_data(show_spinner=False, max_entries=64)
def sweep_row(
    spec: str, corpus_id: str, dim: int, seed: int = 42, task: bool = True, fine_tunes: tuple[str, ...] = ()
) -> dict[str, float]:
    space, notes = load_space(spec, corpus_id), load_corpus(corpus_id)
    return evaluation.sweep_row(space, dim, notes, seed, _progress(), task=task, fine_tunes=fine_tunes)


class EvaluationSections(evaluation.Sections):
    """The evaluation flow's sections served from the cached functions above, by space name and corpus: what the
    Evaluate page scored, the verdict reads, and the other way round. The spaces given to the flow must be the
    app's (``load_space(name, corpus_id)``)."""

    def __init__(self, corpus_id: str) -> None:
        self.corpus_id = corpus_id
        self.tuned: tuple[str, ...] | None = None  # the fine-tuned runs whose held-out pairs held_out gave

    def held_out(self, corpus: Corpus | None, names: Sequence[str]) -> HeldOut:
        self.tuned = evaluation.fine_tuned_runs(names)
        return held_out_pairs(self.corpus_id, self.tuned)

    def intrinsic(
        self,
        space: EmbeddingSpace,
        options: evaluation.EvaluationOptions,
        progress: Callable[[float], None] | None = None,
    ) -> tuple[tuple[SimilarityResult, ...], AnalogyResult]:
        pairs, name = tuple(options.user_pairs), options.user_pairs_name
        return _reported(progress, lambda: intrinsic(space.name, self.corpus_id, pairs, name))

    def task(
        self,
        space: EmbeddingSpace,
        corpus: Corpus,
        options: evaluation.EvaluationOptions,
        progress: Callable[[float], None] | None,
        fine_tunes: Sequence[str] = (),
    ) -> TaskResult | None:
        tuned = tuple(fine_tunes)
        return _reported(progress, lambda: task_evaluation(space.name, self.corpus_id, options.seed, tuned))

    def retrieval(
        self, space: EmbeddingSpace, held_out: HeldOut, progress: Callable[[float], None] | None
    ) -> RetrievalResult | None:
        if self.tuned is None or held_out != held_out_pairs(self.corpus_id, self.tuned):
            return super().retrieval(space, held_out, progress)  # pairs given from elsewhere: not cached
        tuned = self.tuned
        return _reported(progress, lambda: retrieval(space.name, self.corpus_id, tuned))

    def weat(self, space: EmbeddingSpace, options: evaluation.EvaluationOptions) -> dict[str, WeatResult]:
        return {
            name: weat(
                space.name,
                self.corpus_id,
                name,
                tuple((key, tuple(lists[key])) for key in evaluation.WEAT_LISTS),
                options.seed,
            )
            for name, lists in options.weat_sets.items()
        }

    def sweep_row(
        self,
        space: EmbeddingSpace,
        dim: int,
        corpus: Corpus | None,
        options: evaluation.EvaluationOptions,
        progress: Callable[[float], None] | None,
        task: bool = True,
        fine_tunes: Sequence[str] = (),
    ) -> dict[str, float]:
        tuned = tuple(fine_tunes)
        return _reported(progress, lambda: sweep_row(space.name, self.corpus_id, dim, options.seed, task, tuned))


def evaluate(
    corpus_id: str,
    specs: Sequence[str],
    options: evaluation.EvaluationOptions | None = None,
    progress: Callable[..., None] | None = None,
    held_out_for: Sequence[str] = (),
) -> evaluation.Evaluation:
    """The evaluation flow (``evaluation.evaluate_spaces``) of ``specs`` on the corpus, every section served from
    the caches above (:class:`EvaluationSections`): the Evaluate page's numbers, the verdict's, the CLI's.

    Args:
        specs: spaces the page has loaded (``load_space``); each is evaluated once.
        options: as the flow takes them (default: no word pairs of the person's, no WEAT, no sweep).
        progress: called with (share of the whole done 0..1, what runs now, the share done when that step ends),
            as ``wait_with_progress``'s ``report`` takes them.
        held_out_for: the spaces whose held-out pairs are ranked (``evaluation.held_out_run``; default ``specs``):
            the page's whole selection when it evaluates one of them again (the sweep), so nothing new is ranked.

    Raises:
        EmbedLabError: as the flow does.
    """
    notes = load_corpus(corpus_id)
    loaded = [load_space(spec, corpus_id) for spec in dict.fromkeys(specs)]
    labels = spaces.space_labels([space.name for space in loaded])
    said: dict[str, str] = {}

    def step(found: evaluation.EvaluationStep) -> None:
        if progress is None:
            return
        if found.message:
            said[found.space] = f"Evaluating {labels.get(found.space, found.space)}: {found.message}"
        progress(found.done, said.get(found.space, "Evaluating"), found.until)

    sections = EvaluationSections(corpus_id)
    held_out = sections.held_out(notes, list(held_out_for or specs))
    return evaluation.evaluate_spaces(loaded, notes, options, held_out, progress=step, sections=sections)


# Where a verdict being built reports its progress (fraction, what runs now): set around the call by
# build_verdict, as _load_progress is by load_space.
_verdict_progress: dict[tuple[str, tuple[str, ...], str], Callable[[float, str], None]] = {}


def _quiet(_fraction: float, _message: str) -> None:
    return None


@st.cache_data(show_spinner=False, max_entries=8)
def _verdict(corpus_id: str, candidates: tuple[str, ...], baseline: str) -> Verdict:
    report = _verdict_progress.get((corpus_id, candidates, baseline), _quiet)
    names = [baseline, *(name for name in dict.fromkeys(candidates) if name != baseline)]
    loaded = {name: load_space(name, corpus_id) for name in names}
    defaults = CompareView()  # What changed as the Compare page opens on it: its cache is this one's
    comparisons = {
        name: compare_spaces(name, baseline, corpus_id, defaults.k, defaults.m, defaults.seed)
        for name in names[1:]
        if loaded[name].encoder is None and verdict.build.needs_comparison(loaded[name], loaded[baseline])
    }
    return verdict.build_verdict(
        load_corpus(corpus_id),
        candidates,
        baseline,
        comparisons=comparisons,
        load=loaded.__getitem__,
        progress=report,
        sections=EvaluationSections(corpus_id),
    )


def build_verdict(
    corpus_id: str, candidates: tuple[str, ...], baseline: str, progress: Callable[[float, str], None] | None = None
) -> Verdict:
    """The verdict on ``candidates`` against ``baseline`` (``verdict.build_verdict``), cached by corpus, candidates
    and baseline; built from the Evaluate page's cached sections and the Compare page's cached What changed (its
    default k, words scored and seed), so what those pages computed is reused and their numbers are the verdict's.

    Args:
        progress: called with (share done 0..1, what runs now) while it is built (not on a cache hit).

    Raises:
        EmbedLabError: no candidate, or a space that does not load (labels that cannot be cross-validated leave the
            label task out, with the reason).
    """
    key = (corpus_id, tuple(candidates), baseline)
    if progress is not None:
        _verdict_progress[key] = progress
    try:
        return _verdict(*key)
    finally:
        _verdict_progress.pop(key, None)
