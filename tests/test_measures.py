"""Typed evidence: an evaluation's rows are written and read by one key (``evaluation.Measure``), and the verdict's
headlines and cards are found by their typed keys (``verdict.Use``, ``verdict.ReasonKey``), never by a label or a
position."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from embedlab import verdict
from embedlab.evaluation import measures, uncertainty
from embedlab.verdict.model import headline_for

# the per-item parts the tables read: an analogy set with nothing evaluated adds no row
NO_ANALOGY = SimpleNamespace(name="Google analogies", question_correct=np.array([]), total=5)


def _retrieval(ranks: list[float], k: int = 10) -> SimpleNamespace:
    found = np.asarray(ranks, dtype=np.float64)
    return SimpleNamespace(k=k, reciprocal_ranks=found, hits=found > 0)


def test_the_rows_an_evaluation_writes_are_the_rows_its_measures_read():
    retrieval = _retrieval([1.0, 0.5, 0.0, 1.0])
    rows = pd.DataFrame(uncertainty.measure_intervals("run-a", [], NO_ANALOGY, retrieval, n_resamples=200))
    mrr = measures.RETRIEVAL_MRR.rows(rows)
    recall = measures.RETRIEVAL_RECALL.rows(rows)
    assert len(mrr) == 1 and mrr["score"].iloc[0] == pytest.approx(0.625)
    assert len(recall) == 1 and recall["score"].iloc[0] == pytest.approx(0.75)
    assert measures.TASK_ACCURACY.rows(rows).empty  # no task was given: nothing read by mistake
    assert measures.RETRIEVAL_MRR.label == "held-out retrieval MRR@10"


def test_the_differences_of_two_spaces_are_keyed_by_the_same_measures():
    a = {"retrieval": _retrieval([1.0] * 30 + [0.0] * 10), "task": None}
    b = {"retrieval": _retrieval([0.0] * 30 + [1.0] * 10), "task": None}
    rows = pd.DataFrame(uncertainty.space_differences("run-a", "baseline", a, b, n_resamples=200))
    found = measures.RETRIEVAL_MRR.rows(rows)
    assert len(found) == 1 and found["difference"].iloc[0] == pytest.approx(0.5)
    assert set(rows["metric"]) == {str(measures.Metric.MRR), str(measures.Metric.RECALL)}


def test_a_retrieval_result_at_another_k_is_refused_not_mislabelled():
    a, b = {"retrieval": _retrieval([1.0, 0.0], k=5)}, {"retrieval": _retrieval([0.0, 1.0], k=5)}
    with pytest.raises(ValueError, match="k = 10"):
        uncertainty.space_differences("run-a", "baseline", a, b, n_resamples=50)


def test_a_measure_reads_nothing_from_an_empty_table():
    assert measures.TASK_ACCURACY.rows(pd.DataFrame()).empty
    assert measures.similarity("My pairs") == measures.Measure("My pairs", measures.Metric.SPEARMAN)


def _headline(use: str, winner: str | None) -> verdict.Headline:
    return verdict.Headline(use, winner, "m", 0.1, 0.0, 0.2, winner is not None, f"{use}: {winner}")


def test_headlines_are_found_by_their_use_whatever_their_order():
    lines = [_headline("label task", "run-b"), _headline("retrieval", "run-a"), _headline("small memory", None)]
    assert headline_for(lines, verdict.Use.RETRIEVAL).winner == "run-a"
    assert headline_for(lines, verdict.Use.LABEL_TASK).winner == "run-b"
    with pytest.raises(KeyError, match="word similarity"):
        headline_for(lines, verdict.Use.WORD_SIMILARITY)
    assert lines[0].use is verdict.Use.LABEL_TASK and lines[0].to_dict()["use"] == "label task"


def test_an_unknown_use_or_reason_is_refused_when_built():
    with pytest.raises(ValueError):
        _headline("retreival", None)
    with pytest.raises(ValueError):
        verdict.Reason("domain-language", "…")
    assert verdict.Reason("oov", "…").key is verdict.ReasonKey.OOV


def test_the_reasons_and_uses_keep_the_names_saved_verdicts_and_links_use():
    assert [str(key) for key in verdict.REASONS][:3] == ["domain_language", "limited_data", "oov"]
    assert [use.heading for use in verdict.USES] == ["Word similarity", "Retrieval", "Label task", "Small memory"]
    assert not math.isnan(_headline("retrieval", "run-a").difference)


def test_task_rows_carry_the_task_measure():
    task = SimpleNamespace(document_correct=np.array([True, False, True, False]))
    rows = pd.DataFrame(uncertainty.measure_intervals("run-a", [], NO_ANALOGY, task=task, n_resamples=100))
    assert measures.TASK_ACCURACY.rows(rows)["score"].tolist() == [0.5]
