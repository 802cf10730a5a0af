"""Intervals and paired tests for an evaluation's side-by-side numbers, from the per-item results each section keeps.

Which items two spaces are compared on:

- word pairs: the pairs both spaces score (a Word2Vec run knows fewer words than MiniLM, which encodes them all),
  each space's ρ recomputed on them, pairs resampled (:func:`stats.spearman_difference`);
- analogies: the questions both spaces answer; McNemar's exact test (:func:`stats.accuracy_difference`);
- held-out retrieval: every held-out query (both spaces rank the same pairs; a query a space knows no word of is a
  miss); MRR@k by a paired bootstrap, recall@k (a hit or not per query) by McNemar;
- the label task: every classified document, each predicted once by the model of the fold that held it out, on the
  same folds for both spaces; McNemar on per-document correctness (Dietterich 1998: the paired t-test over the 5
  fold accuracies, 4 degrees of freedom and overlapping training sets, rejects too often).

With more than two spaces each is compared with one reference (:func:`reference_space`: the baseline when it is
among them, else the first), not every pair with every other: fewer tests, and the question people ask.

Which variance a test covers (the ``scope`` and ``variance`` of each row, :mod:`embedlab.evaluation.seeds`):

- ``configuration``: a side trained with several seeds, every seed scored on the same items, against another such
  side or a fixed space: the test covers seeds and items (:func:`stats.seeded_mean_difference`,
  :func:`stats.seeded_spearman_difference`), so "A beats B" is a claim about the configurations a person can retrain;
- ``files``: a side trained with one seed (a single-seed run, a fine-tune): the tests above, on the items only. They
  say whether these two files differ, not whether their configurations do: seed noise is not measured, and the
  verdict column says so;
- ``fixed``: neither side is trained here (the baseline, vectors files): the items are the only randomness.

Many comparisons, one error rate: :func:`adjust` applies Holm's step-down method (Holm 1979) over every row of a
table of differences — the family a page, the CLI or the verdict reads — and each row's verdict uses the adjusted p,
so the chance of any false "better" in the table stays at most 5% (family-wise error rate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.evaluation import stats
from embedlab.evaluation.measures import (
    RETRIEVAL_MRR,
    RETRIEVAL_RECALL,
    TASK_ACCURACY,
    Measure,
    Metric,
)
from embedlab.evaluation.seeds import Training
from embedlab.metrics import RETRIEVAL_K

if TYPE_CHECKING:
    from embedlab.evaluation.benchmarks import AnalogyResult, SimilarityResult
    from embedlab.evaluation.retrieval import RetrievalResult
    from embedlab.evaluation.tasks import TaskResult


BASELINE = "baseline"

CONFIGURATION, FILES, FIXED = "configuration", "files", "fixed"  # a row's scope: which variance its test covers
ONE_SEED_NOTE = "these files only: one seed"  # a files-scope verdict's qualifier


def _check_k(k: int) -> None:
    """Retrieval rows are keyed by :data:`Metric.MRR` / :data:`Metric.RECALL`, which name k = RETRIEVAL_K."""
    if k != RETRIEVAL_K:
        raise ValueError(f"held-out retrieval is compared at k = {RETRIEVAL_K}, got a result at k = {k}")


def reference_space(names: Sequence[str]) -> str:
    """The space every other one is compared with: the baseline when it is among ``names``, else the first."""
    return BASELINE if BASELINE in names else names[0]


def _row(measure: Measure, space: str, found: stats.Interval, p_value: float = math.nan) -> dict[str, Any]:
    return {
        "space": space,
        **measure.row_keys(),
        "score": found.value,
        "ci_low": found.ci_low,
        "ci_high": found.ci_high,
        "p_value": p_value,
        "items": found.items,
    }


def measure_intervals(
    space: str,
    similarities: Sequence[SimilarityResult],
    analogy: AnalogyResult,
    retrieval: RetrievalResult | None = None,
    task: TaskResult | None = None,
    n_resamples: int = stats.N_RESAMPLES,
    bootstrap_seed: int = stats.BOOTSTRAP_SEED,
) -> list[dict[str, Any]]:
    """Each measure of one space with its 95% bootstrap interval, on the items the space scores.

    Returns:
        Records space, benchmark, metric (Spearman / accuracy / MRR@k / recall@k), score, ci_low, ci_high,
        p_value (Spearman's own p of ρ = 0 for word pairs; NaN for the others, which have no null to test alone),
        items.
    """
    rows = []
    for result in similarities:
        gold, model = result.pairs["gold"].to_numpy(), result.pairs["model"].to_numpy()
        found = stats.spearman_interval(gold, model, n_resamples, bootstrap_seed)
        rows.append(_row(Measure(result.name, Metric.SPEARMAN), space, found, result.spearman_p))
    if len(analogy.question_correct) or not analogy.total:
        found = stats.mean_interval(analogy.question_correct, n_resamples, bootstrap_seed)
        rows.append(_row(Measure(analogy.name, Metric.ACCURACY), space, found))
    if retrieval is not None and len(retrieval.reciprocal_ranks):
        _check_k(retrieval.k)
        rows.append(
            _row(RETRIEVAL_MRR, space, stats.mean_interval(retrieval.reciprocal_ranks, n_resamples, bootstrap_seed))
        )
        rows.append(_row(RETRIEVAL_RECALL, space, stats.mean_interval(retrieval.hits, n_resamples, bootstrap_seed)))
    if task is not None and len(task.document_correct):
        rows.append(_row(TASK_ACCURACY, space, stats.mean_interval(task.document_correct, n_resamples, bootstrap_seed)))
    return rows


def _difference_row(measure: Measure, a: str, b: str, found: stats.Difference, scope: _Scope) -> dict[str, Any]:
    return {
        **measure.row_keys(),
        "a": a,
        "b": b,
        "difference": found.value,
        "ci_low": found.ci_low,
        "ci_high": found.ci_high,
        "p_value": found.p_value,
        "p_adjusted": found.p_value,  # a family of one until :func:`adjust` sees the whole table
        "items": found.items,
        "test": found.test,
        "scope": scope.scope,
        "variance": scope.variance,
        "seeds_a": scope.seeds_a,
        "seeds_b": scope.seeds_b,
        "a_score": found.a_value,
        "b_score": found.b_value,
        "verdict": row_verdict(found.value, found.p_value, a, b, scope.scope),
    }


class _Scope:
    """Which test two sides get (module docstring): their seeds' parts, and the words a row says of its variance
    (no space's name: rows are read beside the spaces' labels)."""

    def __init__(self, parts_a: dict[str, Any], parts_b: dict[str, Any]) -> None:
        training = [_training(parts_a), _training(parts_b)]
        self.sides = [[parts_a], [parts_b]]
        single = [found is Training.ONE_SEED for found in training]
        if any(single):
            who = "both were" if all(single) else "this space was" if single[0] else "the reference was"
            self.scope = FILES
            self.variance = f"test items only ({who} trained with one seed: seed noise not measured)"
        elif training == [Training.FIXED, Training.FIXED]:
            self.scope = FIXED
            self.variance = "test items (fixed spaces: no training randomness)"
        else:
            self.scope = CONFIGURATION
            self.sides = [[parts, *parts.get("seeds", ())] for parts in (parts_a, parts_b)]
            said = [
                f"{len(side)} seeds" if found is Training.SEEDS else "a fixed space"
                for found, side in zip(training, self.sides)
            ]
            self.variance = f"seeds and test items ({said[0]} against {said[1]})"
        self.seeds_a, self.seeds_b = (
            0 if found is Training.FIXED else len(side) for found, side in zip(training, self.sides)
        )


def _training(parts: dict[str, Any]) -> Training:
    """The side's training; parts that do not say are taken as one seed (no claim beyond the files)."""
    return Training(parts.get("training", Training.ONE_SEED))


def row_verdict(value: float, p_value: float, a: str, b: str, scope: str) -> str:
    """A row's verdict (:func:`stats.verdict`), qualified for a files-scope row: "A better (these files only: one
    seed)"."""
    found = stats.verdict(value, p_value, a, b)
    return found if found == stats.NO_DIFFERENCE or scope != FILES else f"{found} ({ONE_SEED_NOTE})"


def _positions(ids: np.ndarray, shared: np.ndarray) -> np.ndarray:
    """Where each of ``shared`` (sorted, all in ``ids``) sits in ``ids``."""
    return np.intersect1d(ids, shared, assume_unique=True, return_indices=True)[1]


def _each(sides: list[list[dict[str, Any]]], key: str) -> list[list[Any]] | None:
    """Each side's seeds' results of one part; None when a seed lacks it."""
    found = [[parts.get(key) for parts in side] for side in sides]
    return None if any(item is None for side in found for item in side) else found


def _similarity_rows(a: str, b: str, scope: _Scope, n_resamples: int, bootstrap_seed: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    lists = _each(scope.sides, "similarities")
    if lists is None:
        return rows
    by_name = [[{result.name: result for result in results} for results in side] for side in lists]
    for first in lists[0][0]:
        found = [[named.get(first.name) for named in side] for side in by_name]
        if any(result is None for side in found for result in side):
            continue
        results: list[list[Any]] = found
        shared = first.pair_ids
        for side in results:
            for result in side:
                shared = np.intersect1d(shared, result.pair_ids)
        models = [
            np.stack([result.pairs["model"].to_numpy()[_positions(result.pair_ids, shared)] for result in side])
            for side in results
        ]
        gold = first.pairs["gold"].to_numpy()[_positions(first.pair_ids, shared)]
        if scope.scope == CONFIGURATION:
            difference = stats.seeded_spearman_difference(gold, models[0], models[1], n_resamples, bootstrap_seed)
        else:
            difference = stats.spearman_difference(gold, models[0][0], models[1][0], n_resamples, bootstrap_seed)
        rows.append(_difference_row(Measure(first.name, Metric.SPEARMAN), a, b, difference, scope))
    return rows


def _analogy_row(a: str, b: str, scope: _Scope, n_resamples: int, bootstrap_seed: int) -> list[dict[str, Any]]:
    found = _each(scope.sides, "analogy")
    if found is None or len({result.name for side in found for result in side}) != 1:
        return []
    shared = found[0][0].question_ids
    for side in found:
        for result in side:
            shared = np.intersect1d(shared, result.question_ids)
    correct = [
        np.stack([result.question_correct[_positions(result.question_ids, shared)] for result in side])
        for side in found
    ]
    if scope.scope == CONFIGURATION:
        difference = stats.seeded_mean_difference(correct[0], correct[1])
    else:
        difference = stats.accuracy_difference(correct[0][0], correct[1][0], n_resamples, bootstrap_seed)
    return [_difference_row(Measure(found[0][0].name, Metric.ACCURACY), a, b, difference, scope)]


def _per_item(
    a: str,
    b: str,
    scope: _Scope,
    key: str,
    measures: Sequence[tuple[Measure, str, bool]],
    n_resamples: int,
    bootstrap_seed: int,
) -> list[dict[str, Any]]:
    """Rows for a part scored per item on the same items by every seed (held-out queries, classified documents).

    Args:
        measures: (the row's measure, the result's per-item attribute, whether it is right/wrong) for each row.
    """
    found = _each(scope.sides, key)
    if found is None or len({len(getattr(result, measures[0][1])) for side in found for result in side}) != 1:
        return []
    if not len(getattr(found[0][0], measures[0][1])):
        return []
    rows = []
    for measure, attribute, binary in measures:
        values = [np.stack([np.asarray(getattr(item, attribute), dtype=np.float64) for item in side]) for side in found]
        if scope.scope == CONFIGURATION:
            difference = stats.seeded_mean_difference(values[0], values[1])
        elif binary:
            difference = stats.accuracy_difference(values[0][0] > 0, values[1][0] > 0, n_resamples, bootstrap_seed)
        else:
            difference = stats.mean_difference(values[0][0], values[1][0], n_resamples, bootstrap_seed)
        rows.append(_difference_row(measure, a, b, difference, scope))
    return rows


def space_differences(
    a: str,
    b: str,
    parts_a: dict[str, Any],
    parts_b: dict[str, Any],
    n_resamples: int = stats.N_RESAMPLES,
    bootstrap_seed: int = stats.BOOTSTRAP_SEED,
) -> list[dict[str, Any]]:
    """Every paired difference A − B the two spaces' results allow, on the items both score, tested over the variance
    their training carries (module docstring), Holm-adjusted over these rows (:func:`adjust`; a table of several
    pairs adjusts again over all its rows).

    Args:
        a, b: the spaces' names.
        parts_a, parts_b: each space's ``similarities``, ``analogy``, ``retrieval`` and ``task``; a part either
            lacks (or holds None) is not compared. ``training`` (:class:`Training`; default ONE_SEED: no claim
            beyond the files) and, for ``Training.SEEDS``, ``seeds``: the other seeds' parts with the same keys.

    Returns:
        Records benchmark, metric, a, b, difference, ci_low, ci_high, p_value, p_adjusted (Holm), items (shared),
        test, scope ("configuration", "files" or "fixed"), variance (which variance the test covers, in words),
        seeds_a and seeds_b (seeds scored; 0 for a fixed space), a_score and b_score (each on the shared items,
        averaged over seeds), verdict ("A better", "B better", "A better (these files only: one seed)" or "no
        significant difference at 95%", from the adjusted p).
    """
    scope = _Scope(parts_a, parts_b)
    rows = _similarity_rows(a, b, scope, n_resamples, bootstrap_seed)
    rows += _analogy_row(a, b, scope, n_resamples, bootstrap_seed)
    if parts_a.get("retrieval") is not None and parts_b.get("retrieval") is not None:
        _check_k(parts_a["retrieval"].k)
        measures = [(RETRIEVAL_MRR, "reciprocal_ranks", False), (RETRIEVAL_RECALL, "hits", True)]
        rows += _per_item(a, b, scope, "retrieval", measures, n_resamples, bootstrap_seed)
    rows += _per_item(a, b, scope, "task", [(TASK_ACCURACY, "document_correct", True)], n_resamples, bootstrap_seed)
    return adjust(rows)


def adjust(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with ``p_adjusted`` Holm's adjustment (Holm 1979, :func:`stats.holm`) of their ``p_value`` over all
    of them, and each ``verdict`` read from it: the family-wise error rate over the rows at most 5%.

    Args:
        rows: difference records (:func:`space_differences`), the whole family.

    Returns:
        New records, in the same order.
    """
    adjusted = stats.holm(np.array([row["p_value"] for row in rows], dtype=np.float64))
    return [
        {
            **row,
            "p_adjusted": float(p),
            "verdict": row_verdict(row["difference"], float(p), row["a"], row["b"], row["scope"]),
        }
        for row, p in zip(rows, adjusted)
    ]


__all__ = [
    "CONFIGURATION",
    "FILES",
    "FIXED",
    "adjust",
    "measure_intervals",
    "reference_space",
    "row_verdict",
    "space_differences",
]
