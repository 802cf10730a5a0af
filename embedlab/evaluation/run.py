"""One evaluation flow for the Evaluate page, the CLI's ``evaluate`` verb and the HTML report.

A space's evaluation has sections, each computed by one function here that all three share:

- ``benchmarks``: WordSim-353, SimLex-999, the user's word pairs and Google analogies (:func:`intrinsic_section`);
- ``task``: the corpus's labels as a classification task, when it has labels (:func:`task_section`);
- ``retrieval``: held-out sentence pairs (:func:`held_out_section`) ranked by cosine (:func:`retrieval_section`);
- ``weat``: WEAT bias tests on the chosen word sets (:func:`weat_section`);
- ``sweep``: quality against size after PCA, only when asked for (:func:`sweep_section`).

:func:`evaluate_spaces` (several spaces, one set of held-out pairs) and :func:`evaluate_space` run them in that
order and assemble a :class:`SpaceEvaluation` per space; nothing is written to disk. :func:`save_results` keeps
a run's results with it (``runs/<id>/evaluation.json``), explicitly and only what changed. The Evaluate page,
whose cached wrappers call the section functions one by one, assembles :class:`SpaceEvaluation` objects from
their results and saves them the same way.

Example::

    from embedlab import corpus, evaluation

    notes = corpus.load_corpus(corpus_id)
    options = evaluation.EvaluationOptions(weat_sets=evaluation.choose_weat_sets(["career"]))
    result = evaluation.evaluate_spaces(["baseline", run_id], notes, options)
    print(result.table)                 # one row per space and benchmark
    evaluation.save_results(result)     # the run keeps its results; the baseline keeps nothing
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from embedlab.errors import EmbedLabError
from embedlab.evaluation.benchmarks import (
    BUILTIN_PAIRS,
    AnalogyResult,
    PairRow,
    SimilarityResult,
    benchmark_table,
    intrinsic,
    own_vocabulary,
    with_encoded_words,
)
from embedlab.evaluation.bias import WEAT_LISTS, WeatResult, weat
from embedlab.evaluation.results import write_run_results
from embedlab.evaluation.retrieval import RetrievalResult, fine_tuned_runs, held_out_pairs, held_out_retrieval
from embedlab.evaluation.seeds import Training, seed_specs, training_of
from embedlab.evaluation.sweep import (
    SWEEP_DIMS,
    keeps_quality,
    loses_quality,
    quality_columns,
    sweep_dims,
    sweep_row,
)
from embedlab.evaluation.table import comparison_table, vocabulary_table
from embedlab.evaluation.tasks import TaskResult, fold_workers, label_fine_tunes, task_evaluation, task_problem
from embedlab.evaluation.uncertainty import adjust, measure_intervals, reference_space, space_differences
from embedlab.spaces.labels import space_labels
from embedlab.spaces.load import load_space, seed_replica
from embedlab.spaces.spec import SpaceKind, SpaceSpec
from embedlab.store import get_run

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus
    from embedlab.spaces.space import EmbeddingSpace


USER_PAIRS_NAME = "your pairs"  # the benchmark name of the user's word pairs unless they name them


_BENCHMARK_KEYS = {"WordSim-353": "wordsim353", "SimLex-999": "simlex999"}  # to_dict keys; the user's: user_pairs


_MAX_SEED = 2**32 - 1  # scikit-learn's and numpy's limit


@dataclass(frozen=True)
class EvaluationOptions:
    """What an evaluation scores besides the built-in benchmarks, and its seed.

    Attributes:
        user_pairs: the user's word pairs ``(word1, word2, score)``, e.g. from :func:`user_word_pairs`; scored like
            WordSim-353 when given.
        user_pairs_name: their name in the benchmark table (e.g. the file name).
        weat_sets: WEAT test name -> word lists ``X``, ``Y`` (targets), ``A``, ``B`` (attributes), e.g.
            :data:`WEAT_SETS` or :func:`choose_weat_sets`; lists may lose words a space lacks (they are listed).
        sweep: also reduce each space with PCA to each of ``sweep_dims`` and score every size (slow).
        sweep_dims: the sizes a sweep tries (those larger than a space are skipped; its own size is added).
        sweep_stop_within: None to score every size; else the sweep goes from the smallest size up and stops at the
            first whose every quality measure stays within this share of the full size's
            (:func:`~embedlab.evaluation.sweep.keeps_quality`), the verdict's question: what that first size is. A
            size whose benchmarks already lose more than that share is not given the task (its columns NaN).
        seed: of the task's folds, the sweep's PCA, the WEAT permutations and its effect size's bootstrap.
        seeds: also score every other seed's training of a run trained with several seeds (benchmarks, task,
            retrieval; :mod:`embedlab.evaluation.seeds`), so its comparisons cover the variance of training: each
            such seed costs about as much as the run's own sections (no encoding: these are static spaces).

    Raises:
        EmbedLabError: a value out of shape, with what was wrong (see each check in ``__post_init__``).
    """

    user_pairs: Sequence[PairRow] = ()
    user_pairs_name: str = USER_PAIRS_NAME
    weat_sets: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)
    sweep: bool = False
    sweep_dims: Sequence[int] = SWEEP_DIMS
    sweep_stop_within: float | None = None
    seed: int = 42
    seeds: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_pairs", tuple(_pair_row(i, row) for i, row in enumerate(self.user_pairs, 1)))
        if not isinstance(self.user_pairs_name, str) or not self.user_pairs_name.strip():
            raise EmbedLabError("user_pairs_name is empty: name your word pairs (the benchmark table shows it)")
        if self.user_pairs_name in BUILTIN_PAIRS:
            raise EmbedLabError(
                f"user_pairs_name {self.user_pairs_name!r} is a built-in benchmark's name: "
                "give your word pairs another name"
            )
        if not isinstance(self.weat_sets, Mapping):
            raise EmbedLabError(
                f"weat_sets must map test names to word lists X, Y, A and B, got {type(self.weat_sets).__name__}"
            )
        object.__setattr__(
            self, "weat_sets", {name: _weat_lists(name, lists) for name, lists in dict(self.weat_sets).items()}
        )
        for name in ("sweep", "seeds"):
            if not isinstance(getattr(self, name), bool):
                raise EmbedLabError(f"{name} must be True or False, got {getattr(self, name)!r}")
        dims = tuple(self.sweep_dims) if isinstance(self.sweep_dims, Sequence) else ()
        if not dims or not all(_whole(d) and d >= 1 for d in dims):
            raise EmbedLabError(f"sweep_dims must be whole numbers of dimensions from 1 up, got {self.sweep_dims!r}")
        object.__setattr__(self, "sweep_dims", dims)
        stop = self.sweep_stop_within
        if stop is not None and (isinstance(stop, bool) or not isinstance(stop, (int, float)) or not 0 <= stop < 1):
            raise EmbedLabError(f"sweep_stop_within must be None or a share from 0 to (not including) 1, got {stop!r}")
        if not _whole(self.seed) or not 0 <= self.seed <= _MAX_SEED:
            raise EmbedLabError(f"seed must be a whole number from 0 to {_MAX_SEED}, got {self.seed!r}")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pair_row(number: int, row: object) -> PairRow:
    if (
        not isinstance(row, Sequence)
        or isinstance(row, str)
        or len(row) != 3
        or not all(isinstance(word, str) and word for word in row[:2])
    ):
        raise EmbedLabError(f"user_pairs row {number}: expected (word1, word2, score), got {row!r}")
    first, second, score = row
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        raise EmbedLabError(f"user_pairs row {number}: score {score!r} is not a finite number")
    return first, second, float(score)


def _weat_lists(name: object, lists: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(name, str) or not name.strip():
        raise EmbedLabError(f"a WEAT test needs a name (non-empty text), got {name!r}")
    if not isinstance(lists, Mapping) or set(lists) != set(WEAT_LISTS):
        has = ", ".join(map(str, lists)) if isinstance(lists, Mapping) else type(lists).__name__
        raise EmbedLabError(f"WEAT test {name!r} needs the word lists X, Y, A and B; it has {has or 'none'}")
    checked = {}
    for key in WEAT_LISTS:
        words = lists[key]
        if isinstance(words, str) or not isinstance(words, Sequence):
            raise EmbedLabError(f"WEAT test {name!r}, list {key}: give a list of words, not {type(words).__name__}")
        odd = [word for word in words if not isinstance(word, str)]
        if odd:
            raise EmbedLabError(f"WEAT test {name!r}, list {key}: every word must be text, got {odd[0]!r}")
        checked[key] = tuple(words)
    return checked


@dataclass(frozen=True)
class EvaluationStep:
    """Where an evaluation is, for a progress display.

    Attributes:
        space: the space's name (its spec).
        section: ``load`` (a space given by spec is being loaded), ``benchmarks``, ``task``, ``retrieval``,
            ``weat`` or ``sweep``.
        fraction: how much of the section is done (0 when it starts; encodings, folds and sweep sizes report in
            between).
        message: what the section does, on the step that starts it (e.g. "held-out retrieval of 120 pairs");
            empty on the steps that only report progress.
        done: the share of the whole evaluation done (0..1), weighed by each section's estimated cost
            (:func:`section_costs`); it never goes backwards.
        until: the share of the whole evaluation done once this section ends: a display may move towards it while
            a long step (a classifier's fit) sends nothing.
    """

    space: str
    section: str
    fraction: float
    message: str = ""
    done: float = 0.0
    until: float = 0.0


Progress = Callable[[EvaluationStep], None]


@dataclass(frozen=True)
class HeldOut:
    """The sentence pairs held-out retrieval ranks, and where they come from (or why there are none).

    Attributes:
        pairs: ``(anchor, positive)`` texts; empty when there is no retrieval.
        note: a sentence for people: the pairs' source, or why there are none.
        fine_tunes: the fine-tuned runs compared: the pairs hold no text any of them trained on, and the task
            leaves out the documents those trained on labels saw (:func:`label_fine_tunes`).
    """

    pairs: tuple[tuple[str, str], ...]
    note: str
    fine_tunes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", tuple((str(a), str(b)) for a, b in self.pairs))
        object.__setattr__(self, "fine_tunes", tuple(self.fine_tunes))


@dataclass(frozen=True, eq=False)
class SpaceEvaluation:
    """Every section of one space's evaluation; sections that were not evaluated are None (or empty).

    Attributes:
        space: the space's name (its spec).
        corpus_id: the corpus it was evaluated on (None without one); results are kept with a run under it.
        similarities: word-similarity results: WordSim-353, SimLex-999, then the user's pairs if any.
        analogy: Google analogies (3CosAdd).
        task: the corpus's labels as a task; None without a corpus with labels.
        retrieval: held-out retrieval; None without held-out pairs.
        retrieval_note: where the held-out pairs come from, or why there are none.
        weat: WEAT test name -> result, for the tests chosen.
        sweep: the dimension sweep (columns as :func:`sweep_row`'s keys, one row per size); None unless asked for.
        training: the randomness of training behind the scores (:class:`Training`).
        seeds: for a run trained with several seeds, the other seeds' evaluations (``run-…@seedN``: benchmarks, task
            and retrieval), which its comparisons read to cover the variance between seeds.
    """

    space: str
    corpus_id: str | None
    similarities: tuple[SimilarityResult, ...]
    analogy: AnalogyResult
    task: TaskResult | None = None
    retrieval: RetrievalResult | None = None
    retrieval_note: str = ""
    weat: Mapping[str, WeatResult] = field(default_factory=dict)
    sweep: pd.DataFrame | None = None
    training: Training = Training.ONE_SEED
    seeds: tuple[SpaceEvaluation, ...] = ()

    def parts(self) -> dict[str, Any]:
        """What :func:`space_differences` compares: ``similarities``, ``analogy``, ``retrieval``, ``task``,
        ``training`` and ``seeds`` (the other seeds' parts)."""
        return {
            "similarities": self.similarities,
            "analogy": self.analogy,
            "retrieval": self.retrieval,
            "task": self.task,
            "training": self.training,
            "seeds": tuple(seed.parts() for seed in self.seeds),
        }

    @property
    def table(self) -> pd.DataFrame:
        """The space's rows of the benchmark table (:func:`benchmark_table`), retrieval included."""
        return _table((self,))

    def payloads(self) -> dict[str, Any]:
        """What :func:`save_results` keeps with a run, by section: plain JSON-able data.

        Returns:
            ``benchmarks``: the benchmark table's rows without retrieval (records); ``task`` and ``retrieval``:
            their results as dicts, when evaluated; ``weat``: test name -> effect_size, its interval (ci_low,
            ci_high), p_value, p_value_other_way, used, vocabulary and the lists tested (so a test on the person's
            own lists can be shown again), when any. The sweep is not kept.
        """
        payloads: dict[str, Any] = {
            "benchmarks": benchmark_table({self.space: (self.similarities, self.analogy)}).to_dict("records")
        }
        if self.task is not None:
            payloads["task"] = _summary(self.task)
        if self.retrieval is not None:
            payloads["retrieval"] = _summary(self.retrieval)
        if self.weat:
            payloads["weat"] = {
                name: {
                    "effect_size": found.effect_size,
                    "ci_low": found.ci_low,
                    "ci_high": found.ci_high,
                    "p_value": found.p_value,
                    "p_value_other_way": found.p_value_other_way,
                    "used": found.used,
                    "vocabulary": found.vocabulary,
                    "lists": found.lists,
                }
                for name, found in self.weat.items()
            }
        return payloads

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, as ``python -m embedlab evaluate --json`` prints per space (NaN as None).

        Returns:
            ``wordsim353``, ``simlex999`` (and ``user_pairs``): spearman, pearson, oov_ratio, pairs_used,
            pairs_total; ``analogies``: accuracy, oov_ratio, correct, total, sections (records); ``task`` when
            evaluated; ``retrieval``, or ``retrieval_note`` saying why there is none; ``weat`` (name -> result)
            when any test was chosen; ``sweep`` (records) when swept; ``training`` (fixed, one seed, seeds) and, with
            seeds, ``seeds``: each other seed's spec -> its benchmarks (as above), task and retrieval.
        """
        detail: dict[str, Any] = {
            _BENCHMARK_KEYS.get(r.name, "user_pairs"): {
                "spearman": r.spearman,
                "pearson": r.pearson,
                "oov_ratio": r.oov_share,
                "pairs_used": r.pairs_used,
                "pairs_total": r.pairs_total,
            }
            for r in self.similarities
        }
        detail["analogies"] = {
            "accuracy": self.analogy.accuracy,
            "oov_ratio": self.analogy.oov_share,
            "correct": self.analogy.correct,
            "total": self.analogy.total,
            "sections": self.analogy.sections.to_dict("records"),
        }
        if self.task is not None:
            detail["task"] = _summary(self.task)
        if self.retrieval is not None:
            detail["retrieval"] = _summary(self.retrieval)
        else:
            detail["retrieval_note"] = self.retrieval_note
        if self.weat:
            detail["weat"] = dict(self.weat)
        if self.sweep is not None:
            detail["sweep"] = self.sweep.to_dict("records")
        detail["training"] = self.training.value
        if self.seeds:
            detail["seeds"] = {found.space: found.to_dict() for found in self.seeds}
        return json_safe(detail)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Several spaces evaluated the same way, on the same held-out pairs.

    Attributes:
        spaces: one :class:`SpaceEvaluation` per space, in the order given.
        held_out: the held-out pairs every space's retrieval ranked (or why there were none).
    """

    spaces: tuple[SpaceEvaluation, ...]
    held_out: HeldOut

    def __getitem__(self, name: str) -> SpaceEvaluation:
        """The evaluation of the space named ``name`` (KeyError naming the spaces there are)."""
        for found in self.spaces:
            if found.space == name:
                return found
        raise KeyError(f"{name!r} was not evaluated; these were: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [found.space for found in self.spaces]

    @property
    def labels(self) -> dict[str, str]:
        """Space name -> readable label; a run judged off its own corpus says so (``trained on X, judged on Y``)."""
        corpus_id = self.spaces[0].corpus_id if self.spaces else None
        return space_labels(self.names, judged_on=corpus_id)

    @property
    def reference(self) -> str:
        """The space every other one is compared with (:func:`reference_space`: the baseline, else the first)."""
        return reference_space(self.names)

    @functools.cached_property
    def intervals(self) -> pd.DataFrame:
        """Each space's measures with their 95% bootstrap intervals (:func:`measure_intervals`), one row per space
        and measure: columns space, benchmark, metric, score, ci_low, ci_high, p_value, items."""
        found = _side_by_side(
            lambda found: measure_intervals(
                found.space, found.similarities, found.analogy, found.retrieval, found.task
            ),
            self.spaces,
        )
        return pd.DataFrame([row for rows in found for row in rows], columns=_INTERVAL_COLUMNS)

    @functools.cached_property
    def differences(self) -> pd.DataFrame:
        """Each space against :attr:`reference`, measure by measure (:meth:`differences_from`)."""
        return self.differences_from(self.reference)

    def differences_from(self, reference: str) -> pd.DataFrame:
        """Each other space against ``reference``, measure by measure, on the items both score
        (:func:`space_differences`): columns benchmark, metric, a (the space), b (the reference), difference (a − b),
        ci_low, ci_high, p_value, p_adjusted (Holm over every row of this table: the family-wise error rate of all
        the comparisons at most 5%), items, test, scope and variance (which variance the test covers: seeds and
        items, items only for a run with one seed, or items of fixed spaces), seeds_a, seeds_b, a_score, b_score,
        verdict (from the adjusted p).

        Computed once per reference (the bootstraps take seconds): :attr:`differences` and the verdict's
        ``differences_from(baseline)`` are one computation when the baseline is the reference.

        Raises:
            KeyError: ``reference`` was not evaluated.
        """
        known: dict[str, pd.DataFrame] = self.__dict__.setdefault("_differences", {})  # frozen: as cached_property
        if reference not in known:
            base = self[reference]
            found = _side_by_side(
                lambda found: space_differences(found.space, base.space, _parts(found), _parts(base)),
                [found for found in self.spaces if found.space != base.space],
            )
            rows = adjust([row for rows in found for row in rows])  # one family: every space, every measure
            known[reference] = pd.DataFrame(rows, columns=_DIFFERENCE_COLUMNS)
        return known[reference].copy()

    @property
    def table(self) -> pd.DataFrame:
        """The benchmark table of every space, one row per space and benchmark (:func:`benchmark_table`): the one
        the report and the CLI's JSON hold."""
        return _table(self.spaces)

    def comparison(self, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The benchmark table the Evaluate page and the CLI show: one row per measure, a column per space, the
        better space named (:func:`comparison_table`).

        Args:
            labels: space name -> column heading (default: the readable labels, ``spaces.space_labels``).
        """
        return comparison_table(self.table, labels if labels is not None else self.labels, self.differences)

    def vocabularies(self, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Which words each space was scored on, one row per benchmark, a column per space
        (:func:`vocabulary_table`)."""
        return vocabulary_table(self.table, labels if labels is not None else self.labels)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: ``benchmarks`` (the table's records, NaN as None), ``spaces`` (name ->
        :meth:`SpaceEvaluation.to_dict`), ``intervals`` (:attr:`intervals`' records: ci_low, ci_high, p_value per
        measure), ``reference`` and ``differences`` (:attr:`differences`' records: ci_low, ci_high, p_value and the
        verdict per difference)."""
        return {
            "benchmarks": json.loads(self.table.to_json(orient="records")),
            "spaces": {found.space: found.to_dict() for found in self.spaces},
            "intervals": json_safe(self.intervals.to_dict("records")),
            "reference": self.reference,
            "differences": json_safe(self.differences.to_dict("records")),
        }


_INTERVAL_COLUMNS = ["space", "benchmark", "metric", "score", "ci_low", "ci_high", "p_value", "items"]


_DIFFERENCE_COLUMNS = [
    "benchmark",
    "metric",
    "a",
    "b",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "items",
    "test",
    "scope",
    "variance",
    "seeds_a",
    "seeds_b",
    "a_score",
    "b_score",
    "verdict",
]


_PER_ITEM = {"reciprocal_ranks", "hits", "document_correct"}  # kept for comparisons, never stored or printed


def _side_by_side(work: Callable[[Any], list[dict[str, Any]]], items: Sequence[Any]) -> list[list[dict[str, Any]]]:
    """``work`` on each item, in threads side by side (the bootstraps draw and gather in numpy, which lets other
    threads run): the results in the items' order, each seeded as when run alone."""
    if len(items) < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(min(len(items), fold_workers())) as pool:
        return list(pool.map(work, items))


def _summary(result: TaskResult | RetrievalResult) -> dict[str, Any]:
    """A task or retrieval result as plain data, without its per-item arrays."""
    return {f.name: getattr(result, f.name) for f in fields(result) if f.name not in _PER_ITEM}


def _parts(found: SpaceEvaluation) -> dict[str, Any]:
    return found.parts()


def _table(evaluated: Sequence[SpaceEvaluation]) -> pd.DataFrame:
    return benchmark_table(
        {found.space: (found.similarities, found.analogy) for found in evaluated},
        {found.space: found.retrieval for found in evaluated if found.retrieval is not None},
    )


def intrinsic_section(
    space: EmbeddingSpace,
    options: EvaluationOptions | None = None,
    progress: Callable[[float], None] | None = None,
) -> tuple[tuple[SimilarityResult, ...], AnalogyResult]:
    """The ``benchmarks`` section: WordSim-353 and SimLex-999 (gensim's copies), the options' user pairs when
    given, and the Google analogy set; the numbers equal gensim's ``evaluate_word_pairs`` /
    ``evaluate_word_analogies`` (see :mod:`embedlab.evaluation.benchmarks`).

    Args:
        progress: called with the share of the benchmarks scored.

    Returns:
        (word-similarity results in that order, the analogy result).
    """
    options = options or EvaluationOptions()
    similarities, analogy = intrinsic(space, options.user_pairs, options.user_pairs_name, progress)
    return tuple(similarities), analogy


def task_section(
    space: EmbeddingSpace,
    corpus: Corpus | None,
    options: EvaluationOptions | None = None,
    progress: Callable[[float], None] | None = None,
    fine_tunes: Sequence[str] = (),
) -> TaskResult | None:
    """The ``task`` section: logistic regression on the space's document vectors predicting the corpus's labels,
    stratified k-fold (:func:`task_evaluation`).

    Args:
        progress: called with the fraction of documents encoded (sentence-transformer spaces only).
        fine_tunes: the fine-tuned runs compared (:attr:`HeldOut.fine_tunes`): the documents those that trained on
            the labels saw are left out, for every space alike.

    Returns:
        The result; None when there is no corpus or it has no labels.

    Raises:
        EmbedLabError: fewer than two labels have enough documents to cross-validate.
    """
    if corpus is None or not corpus.labels:
        return None
    seed = (options or EvaluationOptions()).seed
    return task_evaluation(space, corpus, seed=seed, progress=progress, fine_tunes=fine_tunes)


def held_out_section(corpus: Corpus | None, names: Sequence[str] = ()) -> HeldOut:
    """The pairs held-out retrieval ranks: those the first fine-tuned run among ``names`` held out (less any another
    of them trained on), else the neighbouring-sentence pairs a default fine-tune on ``corpus`` would hold out
    (:func:`held_out_pairs`); with the fine-tuned runs among ``names``, whose training the task leaves out too.

    Returns:
        The pairs and where they come from; no pairs, and why, when there is no corpus or it has too few
        sentence pairs.
    """
    tuned = fine_tuned_runs(names)
    if corpus is None:
        return HeldOut((), "no corpus: held-out retrieval needs one", tuned)
    try:
        pairs, note = held_out_pairs(corpus, tuned)
    except EmbedLabError as error:
        return HeldOut((), f"no held-out retrieval on this corpus: {error}", tuned)
    return HeldOut(tuple(pairs), note, tuned)


def retrieval_section(
    space: EmbeddingSpace, held_out: HeldOut, progress: Callable[[float], None] | None = None
) -> RetrievalResult | None:
    """The ``retrieval`` section: each held-out anchor ranks every held-out positive by cosine; MRR@10 and
    recall@10 of its own (:func:`held_out_retrieval`).

    Args:
        progress: called with the fraction of texts encoded (sentence-transformer spaces only).

    Returns:
        The result; None when ``held_out`` has no pairs.
    """
    if not held_out.pairs:
        return None
    return held_out_retrieval(space, held_out.pairs, held_out.note, progress=progress)


def weat_section(space: EmbeddingSpace, options: EvaluationOptions) -> dict[str, WeatResult]:
    """The ``weat`` section: the Word Embedding Association Test (Caliskan et al. 2017) for each of the options'
    WEAT sets (:func:`weat`, seeded with the options' seed). A space with a model encodes every word of the lists
    (``with_encoded_words``), as it does the benchmarks' words; any other space tests the words it holds. Each
    result's ``vocabulary`` says which.

    Returns:
        Test name -> result, in the options' order (empty without sets).
    """
    results = {}
    for name, lists in options.weat_sets.items():
        words = [word for key in WEAT_LISTS for word in lists[key]]
        extended, _ = with_encoded_words(space, words, case_insensitive=False)
        found = weat(extended, lists, seed=options.seed)
        if extended is space:
            vocabulary = own_vocabulary(space)
        else:
            missing = len({w for w in words if w not in space.index})
            vocabulary = (
                f"the lists' own words, encoded by the space's model ({missing:,} not among its {len(space):,} words)"
            )
        results[name] = replace(found, vocabulary=vocabulary)
    return results


def sweep_section(
    space: EmbeddingSpace,
    corpus: Corpus | None,
    options: EvaluationOptions | None = None,
    progress: Callable[[float], None] | None = None,
    *,
    full: Mapping[str, float] | None = None,
    sections: Sections | None = None,
    fine_tunes: Sequence[str] = (),
) -> pd.DataFrame:
    """The ``sweep`` section: the space reduced with PCA to each of :func:`sweep_dims` and scored
    (:func:`sweep_row`: WordSim-353 and SimLex-999 Spearman, and the task when the corpus has labels).

    Args:
        progress: called with the fraction of sizes done (and within a size, of its task's folds).
        full: the full size's row when the other sections already scored it (:func:`full_size_row`): the same
            numbers, not computed again.
        sections: where each size's row comes from (default: computed, :class:`Sections`).
        fine_tunes: the compared fine-tunes that trained on the labels (:func:`label_fine_tunes`): the task of
            every size leaves their documents out, as the task section does.

    Returns:
        One row per size scored, ascending; columns dim, MB per 100k words, the benchmarks' Spearman (task accuracy
        and macro-F1 with labels). With ``options.sweep_stop_within`` the smaller sizes end at the first that keeps
        the full size's quality (none but the full size when no measure of it is meaningful).
    """
    options = options or EvaluationOptions()
    sections = sections or Sections()
    rows: dict[int, dict[str, float]] = {}
    if full is not None:
        rows[space.dim] = dict(full)
    elif options.sweep_stop_within is not None:  # the sizes are judged against the full size: score it first
        rows[space.dim] = sections.sweep_row(space, space.dim, corpus, options, None, fine_tunes=fine_tunes)
    smaller = [dim for dim in sweep_dims(space, options.sweep_dims) if dim not in rows]
    stop = options.sweep_stop_within
    if stop is not None and not quality_columns(rows[space.dim]):
        smaller = []  # nothing meaningful to keep: no size can answer, none is scored
    for done, dim in enumerate(smaller):
        within = None if progress is None else (lambda part, done=done: progress((done + part) / len(smaller)))
        if stop is not None and "task accuracy" in rows[space.dim]:
            # the benchmarks first (milliseconds): a size that already loses them is not the answer, its task's
            # folds (seconds) would not change that
            rows[dim] = sections.sweep_row(space, dim, corpus, options, None, task=False, fine_tunes=fine_tunes)
            if loses_quality(rows[dim], rows[space.dim], stop):
                continue
        rows[dim] = sections.sweep_row(space, dim, corpus, options, within, fine_tunes=fine_tunes)
        if stop is not None and dim < space.dim and keeps_quality(rows[dim], rows[space.dim], stop):
            break
    if progress is not None:
        progress(1.0)
    return pd.DataFrame([rows[dim] for dim in sorted(rows)])


def full_size_row(
    space: EmbeddingSpace, similarities: Sequence[SimilarityResult], task: TaskResult | None
) -> dict[str, float]:
    """The sweep's row of a space's own size from what the benchmarks and task sections found: :func:`sweep_row` at
    ``space.dim`` computes exactly these numbers (the same PCA-free space, benchmarks and folds)."""
    found = {result.name: result.spearman for result in similarities}
    row = {"dim": space.dim, "MB per 100k words": space.dim * 4 * 100_000 / 1e6}
    row.update({f"{name} Spearman": found[name] for name in BUILTIN_PAIRS})
    if task is not None:
        row["task accuracy"], row["task macro-F1"] = task.accuracy, task.macro_f1
    return row


class Sections:
    """Where the flow gets each section's result: computed here. The app passes a subclass serving them from its
    caches (``embedlab.ui.cache``), so the Evaluate page, the Verdict page, the CLI and the report run one flow and
    show one set of numbers. Each method gets the loaded space and what its result depends on."""

    def held_out(self, corpus: Corpus | None, names: Sequence[str]) -> HeldOut:
        return held_out_section(corpus, names)

    def intrinsic(
        self, space: EmbeddingSpace, options: EvaluationOptions, progress: Callable[[float], None] | None = None
    ) -> tuple[tuple[SimilarityResult, ...], AnalogyResult]:
        return intrinsic_section(space, options, progress)

    def task(
        self,
        space: EmbeddingSpace,
        corpus: Corpus,
        options: EvaluationOptions,
        progress: Callable[[float], None] | None,
        fine_tunes: Sequence[str] = (),
    ) -> TaskResult | None:
        return task_section(space, corpus, options, progress, fine_tunes)

    def retrieval(
        self, space: EmbeddingSpace, held_out: HeldOut, progress: Callable[[float], None] | None
    ) -> RetrievalResult | None:
        return retrieval_section(space, held_out, progress)

    def weat(self, space: EmbeddingSpace, options: EvaluationOptions) -> dict[str, WeatResult]:
        return weat_section(space, options)

    def sweep_row(
        self,
        space: EmbeddingSpace,
        dim: int,
        corpus: Corpus | None,
        options: EvaluationOptions,
        progress: Callable[[float], None] | None,
        task: bool = True,
        fine_tunes: Sequence[str] = (),
    ) -> dict[str, float]:
        return sweep_row(space, dim, corpus, options.seed, progress, task=task, fine_tunes=fine_tunes)


# Estimated seconds of each part of an evaluation on 2 cores (bench/verdict_scale.py's corpora), to weigh a whole
# evaluation's progress: only their proportions matter.
_TEXT_SECONDS = 4e-4  # MiniLM, per text encoded, besides its tokens
_TOKEN_SECONDS = 3e-4  # MiniLM, per corpus token of a document (at most 128 word pieces each)
_FIT_SECONDS = 4e-7  # the task's classifier, per document x dimension x fold
_SCORE_SECONDS = {True: 1.5, False: 0.3}  # the word benchmarks, with and without encoding their words


def section_costs(
    encodes: bool,
    dim: int,
    words: int,
    corpus: Corpus | None,
    options: EvaluationOptions,
    held_out: HeldOut,
    loading: bool = False,
    seeds: int = 0,
) -> dict[str, float]:
    """Each section's estimated seconds for one space, as the flow runs them (for progress, not a promise).

    Args:
        encodes: whether the space encodes texts with a model (MiniLM and its fine-tunes).
        dim, words: its dimensions and words (for a space given by spec: a guess).
        loading: the space is loaded first (a ``load`` section: MiniLM encodes the corpus's words).
        seeds: other seeds' trainings scored too (``EvaluationOptions.seeds``).
    """
    costs: dict[str, float] = {}
    if loading:
        costs["load"] = words * _TEXT_SECONDS * 3 if encodes else 0.5
    costs["benchmarks"] = _SCORE_SECONDS[encodes]
    if corpus is not None and not task_problem(corpus):
        documents = corpus.stats.documents
        encoding = documents * _TEXT_SECONDS + corpus.stats.tokens * _TOKEN_SECONDS if encodes else 0.0
        costs["task"] = encoding + _task_fit_seconds(documents, dim)
    if held_out.pairs:
        costs["retrieval"] = len(held_out.pairs) * 2 * (_TEXT_SECONDS * 10 if encodes else 1e-5)
    if options.weat_sets:
        costs["weat"] = 0.2 * len(options.weat_sets)
    if options.sweep:
        documents = corpus.stats.documents if corpus is not None and "task" in costs else 0
        sizes = [d for d in options.sweep_dims if d < dim and d <= words] or [dim]
        costs["sweep"] = sum(0.3 + _task_fit_seconds(documents, d) for d in sizes)
    if seeds:  # each seed: the benchmarks, the task's folds and the retrieval of a static space
        costs["seeds"] = seeds * sum(costs.get(part, 0.0) for part in ("benchmarks", "task", "retrieval"))
    return costs


def _task_fit_seconds(documents: int, dim: int, folds: int = 5) -> float:
    return documents * dim * folds * _FIT_SECONDS


class _Plan:
    """Where each space's sections start and end on one 0..1 scale of the whole evaluation, by estimated cost; turns
    each section's own progress into :class:`EvaluationStep` reports whose ``done`` never goes backwards."""

    def __init__(self, costs: Sequence[tuple[str, str, float]], progress: Progress | None) -> None:
        total = sum(cost for _, _, cost in costs) or 1.0
        self.spans: dict[tuple[str, str], tuple[float, float]] = {}
        at = 0.0
        for space, section, cost in costs:
            self.spans[(space, section)] = (at / total, (at + cost) / total)
            at += cost
        self.progress = progress
        self.done = 0.0

    def report(self, space: str, section: str, fraction: float, message: str = "") -> None:
        if self.progress is None:
            return
        fraction = min(1.0, max(0.0, float(fraction)))
        start, end = self.spans.get((space, section), (self.done, self.done))
        self.done = max(self.done, start + (end - start) * fraction)
        self.progress(EvaluationStep(space, section, fraction, message, self.done, max(end, self.done)))

    def start(self, space: str, section: str, message: str) -> None:
        self.report(space, section, 0.0, message)

    def within(self, space: str, section: str) -> Callable[[float], None] | None:
        if self.progress is None:
            return None
        return lambda fraction: self.report(space, section, fraction)


def _costs(
    item: EmbeddingSpace | str, corpus: Corpus | None, options: EvaluationOptions, held_out: HeldOut
) -> list[tuple[str, str, float]]:
    """One space's sections and their estimated seconds, in the order the flow runs them."""
    name = item.strip() if isinstance(item, str) else item.name
    seeds = len(seed_specs(name)) if options.seeds else 0
    if isinstance(item, str):
        encodes = _encodes(name)
        words = len(corpus.counts) if corpus is not None else 30_000
        found = section_costs(
            encodes, 384 if encodes else 100, min(words, 20_000), corpus, options, held_out, True, seeds
        )
    else:
        found = section_costs(item.encoder is not None, item.dim, len(item), corpus, options, held_out, seeds=seeds)
    return [(name, section, cost) for section, cost in found.items()]


def _encodes(spec: str) -> bool:
    """Whether the space a spec names encodes with a model (the baseline, a fine-tuned run): a guess for weighing
    progress before it is loaded."""
    try:
        parsed = SpaceSpec.parse(spec)
    except EmbedLabError:
        return False
    if parsed.kind is SpaceKind.BASELINE:
        return True
    record = get_run(parsed.source) if parsed.kind is SpaceKind.RUN else None
    return record is not None and record.is_finetuned


def evaluate_space(
    space: EmbeddingSpace,
    corpus: Corpus | None = None,
    options: EvaluationOptions | None = None,
    held_out: HeldOut | None = None,
    progress: Progress | None = None,
    sections: Sections | None = None,
) -> SpaceEvaluation:
    """Every section of one space's evaluation: benchmarks, the task (when the corpus's labels can be cross-validated,
    :func:`task_problem`), held-out
    retrieval (when there are pairs), the chosen WEAT tests and, when asked for, the dimension sweep. Nothing is
    written: see :func:`save_results`.

    Args:
        space: the space to evaluate.
        corpus: for the task and the held-out pairs (None: neither).
        options: user pairs, WEAT sets, sweep, seed (default: none of them, seed 42).
        held_out: the pairs to rank (default: :func:`held_out_section` for this space on ``corpus``).
        progress: called with an :class:`EvaluationStep` as each section starts, and as encodings, folds and
            sweep sizes go.
        sections: where each section's result comes from (default: computed, :class:`Sections`; the app passes
            its caches).

    Labels that cannot be cross-validated leave the task out (``task`` None) rather than fail the evaluation; the
    Evaluate page, the report and the verdict say why (:func:`task_problem`).
    """
    options = options or EvaluationOptions()
    sections = sections or Sections()
    held_out = held_out if held_out is not None else sections.held_out(corpus, [space.name])
    plan = _Plan(_costs(space, corpus, options, held_out), progress)
    return _evaluate_one(space, corpus, options, held_out, plan, sections)


def _evaluate_one(
    space: EmbeddingSpace,
    corpus: Corpus | None,
    options: EvaluationOptions,
    held_out: HeldOut,
    plan: _Plan,
    sections: Sections,
) -> SpaceEvaluation:
    name = space.name
    plan.start(name, "benchmarks", "word similarity and analogies")
    similarities, analogy = sections.intrinsic(space, options, plan.within(name, "benchmarks"))
    task = None
    label_tuned = label_fine_tunes(held_out.fine_tunes)  # their training documents are left out of the task
    if corpus is not None and not task_problem(corpus, fine_tunes=label_tuned):  # cannot cross-validate: no task
        plan.start(name, "task", f"task: classifying {corpus.stats.documents:,} documents by label")
        task = sections.task(space, corpus, options, plan.within(name, "task"), label_tuned)
    found = None
    if held_out.pairs:
        plan.start(name, "retrieval", f"held-out retrieval of {len(held_out.pairs):,} pairs")
        found = sections.retrieval(space, held_out, plan.within(name, "retrieval"))
    tests: dict[str, WeatResult] = {}
    if options.weat_sets:
        plan.start(name, "weat", f"WEAT: {len(options.weat_sets)} test{'s' * (len(options.weat_sets) != 1)}")
        tests = sections.weat(space, options)
    sweep = None
    if options.sweep:
        plan.start(name, "sweep", "dimension sweep")
        full = full_size_row(space, similarities, task)
        sweep = sweep_section(
            space, corpus, options, plan.within(name, "sweep"), full=full, sections=sections, fine_tunes=label_tuned
        )
    seeds = _seed_evaluations(space, corpus, options, held_out, plan, sections) if options.seeds else ()
    return SpaceEvaluation(
        name,
        corpus.id if corpus is not None else None,
        similarities,
        analogy,
        task,
        found,
        held_out.note,
        tests,
        sweep,
        training_of(name),
        seeds,
    )


def seed_evaluations(
    space: EmbeddingSpace,
    corpus: Corpus | None = None,
    options: EvaluationOptions | None = None,
    held_out: HeldOut | None = None,
    sections: Sections | None = None,
) -> tuple[SpaceEvaluation, ...]:
    """The other seeds' trainings of a run trained with several seeds, each evaluated on what comparisons read
    (benchmarks, task, retrieval; :mod:`embedlab.evaluation.seeds`), as :func:`evaluate_space` adds them under
    ``seeds``; empty for any other space.

    Args:
        space: the run as loaded (``load_space``): its seed replicas come with it.
        corpus, options, held_out, sections: as for :func:`evaluate_space`.
    """
    options = options or EvaluationOptions()
    sections = sections or Sections()
    held_out = held_out if held_out is not None else sections.held_out(corpus, [space.name])
    return _seed_evaluations(space, corpus, options, held_out, _Plan([], None), sections)


def _seed_evaluations(
    space: EmbeddingSpace,
    corpus: Corpus | None,
    options: EvaluationOptions,
    held_out: HeldOut,
    plan: _Plan,
    sections: Sections,
) -> tuple[SpaceEvaluation, ...]:
    others = seed_specs(space.name)
    found = []
    for at, spec in enumerate(others):
        replica = seed_replica(SpaceSpec.parse(spec), space)
        plan.report(space.name, "seeds", at / len(others), f"seed {at + 2} of {len(others) + 1}: {spec}")
        similarities, analogy = sections.intrinsic(replica, options)
        task = None
        label_tuned = label_fine_tunes(held_out.fine_tunes)  # the same documents as the run's own task
        if corpus is not None and not task_problem(corpus, fine_tunes=label_tuned):
            task = sections.task(replica, corpus, options, None, label_tuned)
        ranked = sections.retrieval(replica, held_out, None) if held_out.pairs else None
        found.append(
            SpaceEvaluation(
                replica.name,
                corpus.id if corpus is not None else None,
                similarities,
                analogy,
                task,
                ranked,
                held_out.note,
            )
        )
    if others:
        plan.report(space.name, "seeds", 1.0)
    return tuple(found)


def evaluate_spaces(
    spaces: Sequence[EmbeddingSpace | str],
    corpus: Corpus | None = None,
    options: EvaluationOptions | None = None,
    held_out: HeldOut | None = None,
    progress: Progress | None = None,
    sections: Sections | None = None,
) -> Evaluation:
    """:func:`evaluate_space` for several spaces side by side, all ranking the same held-out pairs: the one flow the
    Evaluate page, the Verdict (page, CLI and report), the CLI's ``evaluate`` and the report run.

    Args:
        spaces: spaces, or specs (``baseline``, a run id, ``vectors:PATH``, ...) loaded one at a time with
            ``corpus``'s counts; a name given twice is evaluated once.
        corpus: for the task, the held-out pairs and the loaded spaces' counts (None: none of them).
        options: as for :func:`evaluate_space`.
        held_out: the pairs to rank (default: :func:`held_out_section` on ``corpus`` for these spaces, so a
            fine-tuned run's own held-out pairs are used when one is among them).
        progress: as for :func:`evaluate_space`, each step's ``done`` on the scale of all the spaces together; a
            space given by spec first reports a ``load`` step.
        sections: as for :func:`evaluate_space` (the app passes its caches).

    Raises:
        EmbedLabError: no space given, or a spec that does not load.
    """
    options = options or EvaluationOptions()
    sections = sections or Sections()
    names = list(dict.fromkeys(item.strip() if isinstance(item, str) else item.name for item in spaces))
    if not names:
        raise EmbedLabError("no space to evaluate: give at least one")
    held_out = held_out if held_out is not None else sections.held_out(corpus, names)
    unique: dict[str, EmbeddingSpace | str] = {}
    for item in spaces:  # the first of each name, in the order given
        unique.setdefault(item.strip() if isinstance(item, str) else item.name, item)
    plan = _Plan([cost for item in unique.values() for cost in _costs(item, corpus, options, held_out)], progress)
    evaluated: dict[str, SpaceEvaluation] = {}
    for name, item in unique.items():
        if isinstance(item, str):
            plan.start(name, "load", f"loading {name}")
            item = load_space(name, corpus, plan.within(name, "load"))
        evaluated[name] = _evaluate_one(item, corpus, options, held_out, plan, sections)
    return Evaluation(tuple(evaluated.values()), held_out)


def save_results(result: Evaluation | SpaceEvaluation, *, merge_weat: bool = False) -> dict[str, tuple[str, ...]]:
    """Keep each run's results with it (``runs/<id>/evaluation.json``, written atomically) for the Runs page;
    other spaces keep nothing. Only sections that were evaluated are written, and only when their content (or
    corpus) differs from what is stored, so saving the same results again writes nothing.

    Args:
        result: from :func:`evaluate_spaces` or :func:`evaluate_space` (or assembled from the section functions).
        merge_weat: keep stored WEAT tests the result does not hold (the Evaluate page scores one test at a time);
            by default the stored WEAT section becomes exactly the result's tests.

    Returns:
        Space name -> the sections written (:meth:`SpaceEvaluation.payloads`); empty for spaces that are not runs
        or whose stored results were already the same.
    """
    evaluated = result.spaces if isinstance(result, Evaluation) else (result,)
    merged = ("weat",) if merge_weat else ()
    return {
        found.space: write_run_results(found.space, found.corpus_id, found.payloads(), merged) or ()
        for found in evaluated
    }


def json_safe(value: Any) -> Any:
    """Plain JSON: dataclasses as dicts, NaN as None, numpy scalars as numbers."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
