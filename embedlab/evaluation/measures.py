"""Typed keys for the measures in an evaluation's tables, so a reader selects rows by a key and never by a label.

Every row of ``Evaluation.intervals`` and ``Evaluation.differences`` names its measure by two columns,
``benchmark`` (``WordSim-353``, ``held-out retrieval``, ``label task``, …) and ``metric`` (:class:`Metric`). A
:class:`Measure` is that pair: the rows are written with :meth:`Measure.row_keys` and read with :meth:`Measure.rows`,
so renaming a label changes both sides at once instead of silently emptying a selection (the verdict's evidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from embedlab.metrics import RETRIEVAL_K

RETRIEVAL = "held-out retrieval"  # the benchmark name retrieval rows carry, whatever the features
TASK = "label task"  # the benchmark name of the 5-fold label task's rows


class Metric(StrEnum):
    """The metrics an evaluation reports; the value is the ``metric`` column's text."""

    SPEARMAN = "Spearman"  # word pairs: Spearman's ρ with human ratings
    ACCURACY = "accuracy"  # analogies (3CosAdd) and the label task: share right
    MRR = f"MRR@{RETRIEVAL_K}"  # held-out retrieval: mean reciprocal rank of the own positive, cut at k
    RECALL = f"recall@{RETRIEVAL_K}"  # held-out retrieval: share of queries with the own positive in the top k


@dataclass(frozen=True)
class Measure:
    """One measure of an evaluation's tables: a benchmark and a metric.

    Attributes:
        benchmark: the ``benchmark`` column's value (a pairs file's name, ``held-out retrieval``, ``label task``).
        metric: the ``metric`` column's value.
    """

    benchmark: str
    metric: Metric

    @property
    def label(self) -> str:
        """How a sentence names it: ``held-out retrieval MRR@10``, ``WordSim-353 Spearman``."""
        return f"{self.benchmark} {self.metric}"

    def row_keys(self) -> dict[str, str]:
        """The ``benchmark`` and ``metric`` columns of a row of this measure."""
        return {"benchmark": self.benchmark, "metric": str(self.metric)}

    def rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` (any table with ``benchmark`` and ``metric`` columns) that hold this measure; an
        empty frame when none does."""
        if frame.empty:
            return frame
        return frame[(frame["benchmark"] == self.benchmark) & (frame["metric"] == str(self.metric))]


RETRIEVAL_MRR = Measure(RETRIEVAL, Metric.MRR)
RETRIEVAL_RECALL = Measure(RETRIEVAL, Metric.RECALL)
TASK_ACCURACY = Measure(TASK, Metric.ACCURACY)


def similarity(benchmark: str) -> Measure:
    """A word-pairs benchmark's measure: Spearman's ρ on ``benchmark`` (``WordSim-353`` or a pairs file's name)."""
    return Measure(benchmark, Metric.SPEARMAN)


def analogy(benchmark: str) -> Measure:
    """An analogy benchmark's measure: accuracy on ``benchmark`` (``Google analogies``)."""
    return Measure(benchmark, Metric.ACCURACY)


__all__ = [
    "RETRIEVAL",
    "RETRIEVAL_MRR",
    "RETRIEVAL_RECALL",
    "TASK",
    "TASK_ACCURACY",
    "Measure",
    "Metric",
    "analogy",
    "similarity",
]
