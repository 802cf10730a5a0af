"""The dimension sweep: a space reduced with PCA to smaller sizes, each size scored again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from embedlab.evaluation.benchmarks import BUILTIN_PAIRS, builtin_pairs, score_pairs
from embedlab.evaluation.tasks import task_evaluation, task_problem
from embedlab.spaces.derived import reduced

if TYPE_CHECKING:
    from embedlab.spaces.space import EmbeddingSpace


SWEEP_DIMS = (16, 32, 64, 128, 256)


def sweep_dims(space: EmbeddingSpace, dims: Sequence[int] = SWEEP_DIMS) -> list[int]:
    """The sizes a sweep of ``space`` scores: each of ``dims`` smaller than the space's dimension and no larger than its
    number of words (PCA finds at most that many components), and the full size."""
    return sorted({d for d in dims if 1 <= d < space.dim and d <= len(space)} | {space.dim})


def sweep_row(space: EmbeddingSpace, dim: int, corpus=None, seed: int = 42) -> dict[str, float]:
    """One size of a dimension sweep: dim, MB per 100k words (float32), WordSim-353 and SimLex-999 Spearman, and
    when the corpus's labels can be cross-validated (:func:`task_problem`) the task accuracy and macro-F1.

    The benchmarks are scored as the benchmark table scores them (:func:`score_pairs`): a space with a model on the
    benchmark's own words, encoded and reduced by the same PCA; so the full size's row equals the table's."""
    smaller = reduced(space, dim, seed)
    row = {"dim": dim, "MB per 100k words": dim * 4 * 100_000 / 1e6}
    for name in BUILTIN_PAIRS:
        rows, _ = builtin_pairs(name)
        row[f"{name} Spearman"] = score_pairs(smaller, rows, name).spearman
    if corpus is not None and not task_problem(corpus):
        task = task_evaluation(smaller, corpus, seed=seed)
        row["task accuracy"], row["task macro-F1"] = task.accuracy, task.macro_f1
    return row


def dimension_sweep(
    space: EmbeddingSpace, corpus=None, dims: Sequence[int] = SWEEP_DIMS, seed: int = 42
) -> pd.DataFrame:
    """Quality against size: ``sweep_row`` for each of ``sweep_dims``, one row per dimension."""
    return pd.DataFrame([sweep_row(space, dim, corpus, seed) for dim in sweep_dims(space, dims)])
