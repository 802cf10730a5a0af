"""The dimension sweep: a space reduced with PCA to smaller sizes, each size scored again."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from embedlab.evaluation.benchmarks import BUILTIN_PAIRS, builtin_pairs, score_pairs
from embedlab.evaluation.tasks import task_evaluation, task_problem
from embedlab.spaces.derived import reduced

if TYPE_CHECKING:
    from embedlab.spaces.space import EmbeddingSpace


SWEEP_DIMS = (16, 32, 64, 128, 256)


MEANINGFUL = 0.2  # a Spearman or accuracy below this at full size is not a quality worth keeping


def sweep_dims(space: EmbeddingSpace, dims: Sequence[int] = SWEEP_DIMS) -> list[int]:
    """The sizes a sweep of ``space`` scores: each of ``dims`` smaller than the space's dimension and no larger than its
    number of words (PCA finds at most that many components), and the full size."""
    return sorted({d for d in dims if 1 <= d < space.dim and d <= len(space)} | {space.dim})


def sweep_row(
    space: EmbeddingSpace,
    dim: int,
    corpus=None,
    seed: int = 42,
    progress: Callable[[float], None] | None = None,
    *,
    task: bool = True,
    fine_tunes: Sequence[str] = (),
) -> dict[str, float]:
    """One size of a dimension sweep: dim, MB per 100k words (float32), WordSim-353 and SimLex-999 Spearman, and
    when the corpus's labels can be cross-validated (:func:`task_problem`) the task accuracy and macro-F1.

    The benchmarks are scored as the benchmark table scores them (:func:`score_pairs`): a space with a model on the
    benchmark's own words, encoded and reduced by the same PCA; so the full size's row equals the table's.

    Args:
        progress: called with the share of the task's work done (its folds), when there is a task.
        task: False to score the benchmarks only (milliseconds, where the task's folds take seconds); the task's
            columns are then NaN.
        fine_tunes: the compared fine-tunes that trained on the labels: their documents are left out of the task,
            as the task section leaves them out (:func:`task_evaluation`), so every size is scored on one set."""
    smaller = _reduced(space, dim, seed)
    row = {"dim": dim, "MB per 100k words": dim * 4 * 100_000 / 1e6}
    for name in BUILTIN_PAIRS:
        rows, _ = builtin_pairs(name)
        row[f"{name} Spearman"] = score_pairs(smaller, rows, name).spearman
    if corpus is not None and not task_problem(corpus, fine_tunes=fine_tunes):
        row["task accuracy"] = row["task macro-F1"] = math.nan
        if task:
            found = task_evaluation(smaller, corpus, seed=seed, progress=progress, fine_tunes=fine_tunes)
            row["task accuracy"], row["task macro-F1"] = found.accuracy, found.macro_f1
    return row


@functools.lru_cache(maxsize=2)
def _reduced(space: EmbeddingSpace, dim: int, seed: int) -> EmbeddingSpace:
    """``reduced``, kept for the next call: the verdict's sweep scores a size's benchmarks, then its task, on one
    PCA (spaces compare by identity, so a space is never mistaken for another)."""
    return reduced(space, dim, seed)


def quality_columns(full: Mapping[str, Any], meaningful: float = MEANINGFUL) -> list[str]:
    """The quality measures of a sweep's full-size row worth keeping: Spearman and accuracy columns it scores at
    ``meaningful`` or more (a run that knows few benchmark words says nothing about what a smaller size keeps)."""
    return [
        column
        for column, value in full.items()
        if str(column).endswith(("Spearman", "accuracy")) and not math.isnan(value) and value >= meaningful
    ]


def keeps_quality(
    row: Mapping[str, Any], full: Mapping[str, Any], within: float, meaningful: float = MEANINGFUL
) -> bool:
    """Whether a smaller size's row keeps every quality measure of the full size's (:func:`quality_columns`) within
    ``within`` of it (a share: 0.01 is 1%); measures the row could not score are not held against it, but at least
    one must be compared."""
    kept = [
        row[column] >= full[column] - within * abs(full[column])
        for column in quality_columns(full, meaningful)
        if column in row and not math.isnan(row[column])
    ]
    return bool(kept) and all(kept)


def loses_quality(
    row: Mapping[str, Any], full: Mapping[str, Any], within: float, meaningful: float = MEANINGFUL
) -> bool:
    """Whether a smaller size's row already loses more than ``within`` of a quality measure of the full size's
    (:func:`quality_columns`), on the measures it scored: such a size cannot keep the full size's quality whatever
    its other measures say (the verdict's sweep then skips its task)."""
    return any(
        row[column] < full[column] - within * abs(full[column])
        for column in quality_columns(full, meaningful)
        if column in row and not math.isnan(row[column])
    )


def smallest_within(sweep: pd.DataFrame | None, within: float, meaningful: float = MEANINGFUL) -> pd.Series | None:
    """The sweep's row of the smallest size that keeps the full size's quality (:func:`keeps_quality`), smallest
    first; None without a sweep or a meaningful measure. A sweep stopped there (``sweep_stop_within``) gives the
    same row as a full one."""
    if sweep is None or sweep.empty:
        return None
    full = sweep.loc[sweep["dim"].idxmax()]
    if not quality_columns(full, meaningful):
        return None
    for _, row in sweep.sort_values("dim").iterrows():
        if keeps_quality(row, full, within, meaningful):
            return row
    return None


def dimension_sweep(
    space: EmbeddingSpace, corpus=None, dims: Sequence[int] = SWEEP_DIMS, seed: int = 42
) -> pd.DataFrame:
    """Quality against size: ``sweep_row`` for each of ``sweep_dims``, one row per dimension."""
    return pd.DataFrame([sweep_row(space, dim, corpus, seed) for dim in sweep_dims(space, dims)])
