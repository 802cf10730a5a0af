"""Every side-by-side number carries a paired test: the evaluation's differences are computed on the items both
spaces score, equal the stats functions on those items, decide the comparison table's "better", and reach the CLI's
JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from embedlab import evaluation
from embedlab.evaluation import stats
from embedlab.evaluation.benchmarks import AnalogyResult, SimilarityResult
from embedlab.evaluation.retrieval import RetrievalResult
from embedlab.evaluation.tasks import TaskResult

RNG = np.random.default_rng(11)
GOLD = RNG.uniform(0, 10, 300)
GOOD = GOLD + RNG.normal(0, 2, 300)  # a space whose similarities follow the judgements
POOR = GOLD + RNG.normal(0, 12, 300)  # one that barely does


def _similarity(ids, model, name="WordSim-353"):
    ids = np.asarray(ids)
    pairs = pd.DataFrame({"word1": ids.astype(str), "word2": ids.astype(str), "gold": GOLD[ids], "model": model[ids]})
    rho = stats.spearman(GOLD[ids], model[ids])
    return SimilarityResult(name, 300, len(ids), 1 - len(ids) / 300, rho, 0.0, rho, 0.001, pairs, pair_ids=ids)


def _analogy(ids, correct):
    ids = np.asarray(ids)
    sections = pd.DataFrame({"section": ["s"], "correct": [int(correct.sum())], "total": [len(ids)], "accuracy": [0]})
    return AnalogyResult(
        "Google analogies",
        correct.mean(),
        int(correct.sum()),
        len(ids),
        1000,
        1 - len(ids) / 1000,
        sections,
        300000,
        question_ids=ids,
        question_correct=correct,
    )


def _retrieval(space, reciprocal):
    hits = reciprocal > 0
    return RetrievalResult(
        space, len(reciprocal), reciprocal.mean(), hits.mean(), 10, 0, "mean word vectors", "test", reciprocal, hits
    )


def _task(space, correct):
    return TaskResult(
        space, 5, len(correct), 3, correct.mean(), 0.01, correct.mean(), 0.01, 0, document_correct=correct
    )


@pytest.fixture(scope="module")
def planted():
    """A run that is clearly better than the baseline on word pairs, analogies, retrieval and the task."""
    right = RNG.random(1000) < 0.7
    wrong = right & (RNG.random(1000) < 0.5)  # the baseline gets right only half of what the run gets right
    ranks_good = np.where(RNG.random(400) < 0.8, 1 / RNG.integers(1, 4, 400), 0.0)
    ranks_poor = np.where(RNG.random(400) < 0.3, 1 / RNG.integers(1, 11, 400), 0.0)
    docs = RNG.random(200) < 0.9
    run = evaluation.SpaceEvaluation(
        "run-x",
        None,
        (_similarity(np.arange(0, 250), GOOD),),
        _analogy(np.arange(0, 1000, 2), right[::2]),
        task=_task("run-x", docs),
        retrieval=_retrieval("run-x", ranks_good),
        training=evaluation.Training.FIXED,  # as two vectors files: the items are the only randomness
    )
    base = evaluation.SpaceEvaluation(
        "baseline",
        None,
        (_similarity(np.arange(50, 300), POOR),),
        _analogy(np.arange(1000), wrong),
        task=_task("baseline", docs & (RNG.random(200) < 0.6)),
        retrieval=_retrieval("baseline", ranks_poor),
        training=evaluation.Training.FIXED,
    )
    return evaluation.Evaluation((run, base), evaluation.HeldOut((), "test"))


@pytest.mark.slow
def test_differences_are_computed_on_the_shared_items_against_the_baseline(planted):
    assert planted.reference == "baseline"
    rows = planted.differences.set_index(["benchmark", "metric"])
    wordsim = rows.loc[("WordSim-353", "Spearman")]
    shared = np.arange(50, 250)  # the run scores pairs 0-249, the baseline 50-299
    expected = stats.spearman_difference(GOLD[shared], GOOD[shared], POOR[shared])
    assert wordsim["items"] == 200 and (wordsim["a"], wordsim["b"]) == ("run-x", "baseline")
    assert wordsim["difference"] == pytest.approx(expected.value)
    assert (wordsim["ci_low"], wordsim["ci_high"], wordsim["p_value"]) == pytest.approx(
        (expected.ci_low, expected.ci_high, expected.p_value)
    )
    assert wordsim["ci_low"] > 0 and wordsim["p_value"] < 0.05 and wordsim["verdict"] == "run-x better"
    # Holm over the table's five tests: the smallest p times 5, each adjusted p at least its raw p
    assert (rows["p_adjusted"] >= rows["p_value"]).all() and rows["p_adjusted"].min() == pytest.approx(
        min(1.0, rows["p_value"].min() * 5)
    )
    assert (rows["scope"] == evaluation.FIXED).all() and (rows["variance"].str.startswith("test items (fixed")).all()

    analogies = rows.loc[("Google analogies", "accuracy")]  # the run answers every other question
    run_right, base_right = planted["run-x"].analogy.question_correct, planted["baseline"].analogy.question_correct[::2]
    p, only_a, only_b = stats.mcnemar_exact(run_right, base_right)
    assert analogies["items"] == 500 and analogies["test"] == "McNemar exact"
    assert analogies["p_value"] == pytest.approx(p) and p < 0.05 and only_a > only_b
    assert analogies["difference"] == pytest.approx(run_right.mean() - base_right.mean())

    mrr = rows.loc[("held-out retrieval", "MRR@10")]
    found = stats.mean_difference(
        planted["run-x"].retrieval.reciprocal_ranks, planted["baseline"].retrieval.reciprocal_ranks
    )
    assert mrr["items"] == 400 and mrr["difference"] == pytest.approx(found.value) and mrr["p_value"] < 0.05
    recall = rows.loc[("held-out retrieval", "recall@10")]
    assert recall["test"] == "McNemar exact" and recall["verdict"] == "run-x better"
    task = rows.loc[(evaluation.TASK, "accuracy")]
    assert task["items"] == 200 and task["test"] == "McNemar exact" and task["verdict"] == "run-x better"


def test_each_measure_carries_its_interval(planted):
    rows = planted.intervals.set_index(["space", "benchmark", "metric"])
    wordsim = rows.loc[("run-x", "WordSim-353", "Spearman")]
    expected = stats.spearman_interval(GOLD[:250], GOOD[:250])
    assert wordsim["items"] == 250 and (wordsim["ci_low"], wordsim["ci_high"]) == pytest.approx(
        (expected.ci_low, expected.ci_high)
    )
    assert wordsim["p_value"] == 0.001  # Spearman's own p
    mrr = rows.loc[("baseline", "held-out retrieval", "MRR@10")]
    assert mrr["ci_low"] < mrr["score"] < mrr["ci_high"]
    assert np.isnan(mrr["p_value"])


def test_the_comparison_table_says_which_space_is_better_and_bolds_only_a_significant_winner(planted):
    labels = {"run-x": "Word2Vec run", "baseline": "MiniLM baseline"}
    table = planted.comparison(labels)
    assert list(table.columns) == [
        "measure",
        "direction",
        "Word2Vec run",
        "MiniLM baseline",
        evaluation.DIFFERENCE,
        "better",
    ]
    rows = table.set_index("measure")
    assert rows.loc["WordSim-353 · Spearman ρ", "better"] == "Word2Vec run better"
    assert rows.loc["held-out retrieval · MRR@10", "better"] == "Word2Vec run better"
    assert rows.loc["WordSim-353 · Spearman ρ", evaluation.DIFFERENCE].startswith("+0.")
    assert ", p = " in rows.loc["WordSim-353 · Spearman ρ", evaluation.DIFFERENCE]
    assert rows.loc["WordSim-353 · coverage (pairs scored)", "better"] == "tie: Word2Vec run = MiniLM baseline"
    assert rows.loc["WordSim-353 · coverage (pairs scored)", evaluation.DIFFERENCE] == ""
    mask = evaluation.better_mask(table).set_index(table["measure"])
    assert mask.loc["WordSim-353 · Spearman ρ"].tolist() == [True, False]
    text = evaluation.comparison_text(table)
    assert "Word2Vec run better" in text


@pytest.mark.slow
def test_identical_spaces_show_no_significant_difference_with_p_1():
    same = evaluation.SpaceEvaluation(
        "run-y", None, (_similarity(np.arange(300), GOOD),), _analogy(np.arange(10), np.ones(10, bool))
    )
    twin = evaluation.SpaceEvaluation("baseline", None, same.similarities, same.analogy)
    result = evaluation.Evaluation((same, twin), evaluation.HeldOut((), "none"))
    assert (result.differences["p_value"] == 1.0).all()
    assert (result.differences["verdict"] == stats.NO_DIFFERENCE).all()
    assert (result.differences["ci_low"] == 0).all() and (result.differences["ci_high"] == 0).all()
    table = result.comparison({"run-y": "Y", "baseline": "B"}).set_index("measure")
    assert table.loc["WordSim-353 · Spearman ρ", "better"] == "no significant difference at 95%"
    assert not evaluation.better_mask(table.reset_index()).iloc[0].any()


@pytest.mark.slow
def test_with_three_spaces_each_is_compared_with_the_reference(planted):
    third = evaluation.SpaceEvaluation("run-z", None, planted["baseline"].similarities, planted["baseline"].analogy)
    result = evaluation.Evaluation((planted["run-x"], third, planted["baseline"]), evaluation.HeldOut((), "none"))
    assert set(result.differences["b"]) == {"baseline"} and set(result.differences["a"]) == {"run-x", "run-z"}
    row = (
        result.comparison({"run-x": "X", "run-z": "Z", "baseline": "B"})
        .set_index("measure")
        .loc["WordSim-353 · Spearman ρ"]
    )
    assert row["better"] == "X vs B: X better; Z vs B: no significant difference at 95%"
    assert row[evaluation.DIFFERENCE].startswith("X − B: +")


@pytest.mark.slow
def test_the_cli_json_carries_intervals_and_differences(capsys, tmp_path):
    from gensim.test.utils import datapath

    from embedlab import spaces
    from embedlab.cli import main

    lines = [line for line in open(datapath("wordsim353.tsv")) if not line.startswith("#")]
    words = list(dict.fromkeys(w.lower() for line in lines for w in line.split("\t")[:2]))
    vectors = np.random.default_rng(4).normal(size=(len(words), 8)).astype(np.float32)
    first = spaces.write_vectors(tmp_path / "a.txt", words, vectors)
    second = spaces.write_vectors(tmp_path / "b.txt", words, vectors)  # the same vectors: no difference
    specs = [f"vectors:{first}", f"vectors:{second}"]
    assert main(["evaluate", "--space", specs[0], "--space", specs[1], "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reference"] == specs[0]
    wordsim = next(d for d in out["differences"] if d["benchmark"] == "WordSim-353")
    assert (wordsim["a"], wordsim["b"], wordsim["difference"], wordsim["p_value"]) == (specs[1], specs[0], 0.0, 1.0)
    assert wordsim["ci_low"] == 0.0 == wordsim["ci_high"] and wordsim["verdict"] == stats.NO_DIFFERENCE
    measured = [m for m in out["intervals"] if m["benchmark"] == "WordSim-353"]
    assert len(measured) == 2 and all({"ci_low", "ci_high", "p_value"} <= set(m) for m in measured)
    result = evaluation.evaluate_spaces(specs)
    expected = result.intervals.set_index(["space", "benchmark"]).loc[(specs[0], "WordSim-353")]
    assert measured[0]["ci_low"] == pytest.approx(expected["ci_low"]) and measured[0]["ci_low"] < measured[0]["score"]
    assert "reciprocal_ranks" not in json.dumps(out)


def test_the_task_page_sentence_compares_each_space_with_the_baseline_per_document(planted):
    differences = planted.differences
    row = differences[differences["benchmark"] == evaluation.TASK].iloc[0].to_dict()
    first, second = planted["run-x"].task.document_correct, planted["baseline"].task.document_correct
    p, _, _ = stats.mcnemar_exact(first, second)
    assert (row["a"], row["b"], row["items"]) == ("run-x", "baseline", 200)
    assert row["p_value"] == pytest.approx(p) and row["difference"] == pytest.approx(first.mean() - second.mean())
    sentence = evaluation.difference_sentence(row, {"run-x": "X", "baseline": "B"}, "Accuracy")
    assert sentence.startswith(
        f"Accuracy, X − B: {row['difference']:+.3f}, 95% CI [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}], p = "
    )
    assert f"p = {row['p_value']:.3g}, Holm-adjusted {row['p_adjusted']:.3g} (McNemar exact; test items (fixed" in (
        sentence
    )
    assert sentence.endswith(": X better")


def test_the_task_keeps_each_documents_out_of_fold_correctness():
    from conftest import make_space
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.evaluation.tasks import document_texts, text_vectors

    rows = [f"{'alpha beta' if i % 2 else 'gamma delta'} note{i},{'x' if i % 2 else 'y'}" for i in range(40)]
    labelled = build_corpus("labelled.csv", ("text,label\n" + "\n".join(rows)).encode(), ReadOptions("text", "label"))
    rng = np.random.default_rng(2)
    space = make_space(["alpha", "beta", "gamma", "delta"], rng.normal(size=(4, 6)) + np.eye(4, 6))
    task = evaluation.task_evaluation(space, labelled)
    assert task.document_correct.dtype == bool and len(task.document_correct) == task.documents == 40
    features = text_vectors(space, document_texts(labelled))
    splitter = StratifiedKFold(n_splits=task.folds, shuffle=True, random_state=42)
    expected = cross_validate(LogisticRegression(solver="newton-cg"), features, np.array(labelled.labels), cv=splitter)
    assert task.accuracy == pytest.approx(expected["test_score"].mean())  # the same numbers as before
    assert task.document_correct.mean() == pytest.approx(task.accuracy)  # equal folds: pooled = mean of folds
