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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.evaluation import stats
from embedlab.metrics import RETRIEVAL_K

if TYPE_CHECKING:
    from embedlab.evaluation.benchmarks import AnalogyResult, SimilarityResult
    from embedlab.evaluation.retrieval import RetrievalResult
    from embedlab.evaluation.tasks import TaskResult


RETRIEVAL = "held-out retrieval"  # the benchmark name retrieval rows carry in comparisons, whatever the features
TASK = "label task"
BASELINE = "baseline"


def reference_space(names: Sequence[str]) -> str:
    """The space every other one is compared with: the baseline when it is among ``names``, else the first."""
    return BASELINE if BASELINE in names else names[0]


def _row(benchmark: str, metric: str, space: str, found: stats.Interval, p_value: float = math.nan) -> dict[str, Any]:
    return {
        "space": space,
        "benchmark": benchmark,
        "metric": metric,
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
    seed: int = stats.SEED,
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
        found = stats.spearman_interval(gold, model, n_resamples, seed)
        rows.append(_row(result.name, "Spearman", space, found, result.spearman_p))
    if len(analogy.question_correct) or not analogy.total:
        found = stats.mean_interval(analogy.question_correct, n_resamples, seed)
        rows.append(_row(analogy.name, "accuracy", space, found))
    if retrieval is not None and len(retrieval.reciprocal_ranks):
        k = retrieval.k
        rows.append(
            _row(RETRIEVAL, f"MRR@{k}", space, stats.mean_interval(retrieval.reciprocal_ranks, n_resamples, seed))
        )
        rows.append(_row(RETRIEVAL, f"recall@{k}", space, stats.mean_interval(retrieval.hits, n_resamples, seed)))
    if task is not None and len(task.document_correct):
        rows.append(_row(TASK, "accuracy", space, stats.mean_interval(task.document_correct, n_resamples, seed)))
    return rows


def _difference_row(benchmark: str, metric: str, a: str, b: str, found: stats.Difference) -> dict[str, Any]:
    return {
        "benchmark": benchmark,
        "metric": metric,
        "a": a,
        "b": b,
        "difference": found.value,
        "ci_low": found.ci_low,
        "ci_high": found.ci_high,
        "p_value": found.p_value,
        "items": found.items,
        "test": found.test,
        "a_score": found.a_value,
        "b_score": found.b_value,
        "verdict": stats.verdict(found.value, found.p_value, a, b),
    }


def space_differences(
    a: str,
    b: str,
    parts_a: dict[str, Any],
    parts_b: dict[str, Any],
    n_resamples: int = stats.N_RESAMPLES,
    seed: int = stats.SEED,
) -> list[dict[str, Any]]:
    """Every paired difference A − B the two spaces' results allow, on the items both score.

    Args:
        a, b: the spaces' names.
        parts_a, parts_b: each space's ``similarities``, ``analogy``, ``retrieval`` and ``task``; a part either
            lacks (or holds None) is not compared.

    Returns:
        Records benchmark, metric, a, b, difference, ci_low, ci_high, p_value, items (shared), test, a_score and
        b_score (each on the shared items), verdict ("A better", "B better" or "no significant difference at 95%").
    """
    rows = []
    others = {r.name: r for r in parts_b.get("similarities") or ()}
    for first in parts_a.get("similarities") or ():
        second = others.get(first.name)
        if second is None:
            continue
        _, left, right = np.intersect1d(first.pair_ids, second.pair_ids, return_indices=True)
        found = stats.spearman_difference(
            first.pairs["gold"].to_numpy()[left],
            first.pairs["model"].to_numpy()[left],
            second.pairs["model"].to_numpy()[right],
            n_resamples,
            seed,
        )
        rows.append(_difference_row(first.name, "Spearman", a, b, found))
    first, second = parts_a.get("analogy"), parts_b.get("analogy")
    if first is not None and second is not None and first.name == second.name:
        _, left, right = np.intersect1d(first.question_ids, second.question_ids, return_indices=True)
        found = stats.accuracy_difference(
            first.question_correct[left], second.question_correct[right], n_resamples, seed
        )
        rows.append(_difference_row(first.name, "accuracy", a, b, found))
    first, second = parts_a.get("retrieval"), parts_b.get("retrieval")
    if first is not None and second is not None and len(first.hits) == len(second.hits) > 0:
        mrr = stats.mean_difference(first.reciprocal_ranks, second.reciprocal_ranks, n_resamples, seed)
        rows.append(_difference_row(RETRIEVAL, f"MRR@{first.k}", a, b, mrr))
        recall = stats.accuracy_difference(first.hits, second.hits, n_resamples, seed)
        rows.append(_difference_row(RETRIEVAL, f"recall@{first.k}", a, b, recall))
    first, second = parts_a.get("task"), parts_b.get("task")
    if first is not None and second is not None and len(first.document_correct) == len(second.document_correct) > 0:
        found = stats.accuracy_difference(first.document_correct, second.document_correct, n_resamples, seed)
        rows.append(_difference_row(TASK, "accuracy", a, b, found))
    return rows


def task_differences(
    tasks: Mapping[str, TaskResult], n_resamples: int = stats.N_RESAMPLES, seed: int = stats.SEED
) -> list[dict[str, Any]]:
    """The label task's accuracy of each space against :func:`reference_space`'s, per document on the same folds
    (McNemar exact; rows as :func:`space_differences` gives them), for pages that evaluate the task on its own.

    Args:
        tasks: space name -> its task result, in the order shown.
    """
    names = list(tasks)
    if len(names) < 2:
        return []
    reference = reference_space(names)
    rows = []
    for name in names:
        first, second = tasks[name], tasks[reference]
        if name == reference or not len(first.document_correct) == len(second.document_correct) > 0:
            continue
        found = stats.accuracy_difference(first.document_correct, second.document_correct, n_resamples, seed)
        rows.append(_difference_row(TASK, "accuracy", name, reference, found))
    return rows


__all__ = [
    "RETRIEVAL",
    "RETRIEVAL_K",
    "TASK",
    "measure_intervals",
    "reference_space",
    "space_differences",
    "task_differences",
]
