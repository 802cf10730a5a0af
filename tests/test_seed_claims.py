"""Claims that survive retraining (issue 25, points 1-3): a difference between spaces that come from training is
tested over their seeds as well as the test items, single-seed files never make a "Use X" recommendation, Holm's
adjustment holds the error rate over every comparison, and both directions are measured: a generated null (the same
configuration, other seeds) is declared different at most 5% of the time, a planted gap is found."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from embedlab import evaluation, spaces
from embedlab.evaluation import stats
from embedlab.evaluation.tasks import TaskResult
from embedlab.verdict import build as verdict_build

DOCUMENTS = 2000
RNG = np.random.default_rng(25)
DIFFICULTY = RNG.normal(0.5, 2.0, DOCUMENTS)  # each document's log-odds of being classified right


def _correct(rng: np.random.Generator, shift: float) -> np.ndarray:
    """One seed's per-document correctness: the documents' difficulty moved by this seed's (or configuration's)
    shift of the log-odds."""
    return rng.random(DOCUMENTS) < 1 / (1 + np.exp(-(DIFFICULTY + shift)))


def _task(name: str, correct: np.ndarray) -> TaskResult:
    return TaskResult(name, 5, len(correct), 2, correct.mean(), 0.0, correct.mean(), 0.0, 0, document_correct=correct)


def _space(name: str, rows: list[np.ndarray], training: evaluation.Training) -> evaluation.SpaceEvaluation:
    """A space's evaluation with only the task: the first row its own seed, the others its seed replicas."""
    empty = evaluation.AnalogyResult("Google analogies", math.nan, 0, 0, 0, 1.0, pd.DataFrame(), 0)
    seeds = tuple(
        evaluation.SpaceEvaluation(f"{name}@seed{i}", None, (), empty, task=_task(name, row))
        for i, row in enumerate(rows[1:], 1)
    )
    return evaluation.SpaceEvaluation(name, None, (), empty, task=_task(name, rows[0]), training=training, seeds=seeds)


def _task_row(found: evaluation.Evaluation) -> pd.Series:
    differences = found.differences
    return differences[differences["benchmark"] == evaluation.TASK].iloc[0]


@pytest.mark.slow
def test_a_gap_between_two_seeds_that_mcnemar_calls_significant_is_no_claim_over_the_seeds():
    rng = np.random.default_rng(1)
    baseline = _space("baseline", [_correct(rng, 0.0)], evaluation.Training.FIXED)
    # one configuration whose seeds land far apart: the first seed well above the baseline, the others below
    rows = [_correct(rng, shift) for shift in (0.35, -0.3, -0.05)]
    as_files = evaluation.Evaluation((_space("run-a", rows[:1], evaluation.Training.ONE_SEED), baseline), _none())
    files = _task_row(as_files)
    assert files["p_value"] < 0.05 and files["scope"] == evaluation.FILES  # the file beats the baseline...
    assert files["verdict"] == "run-a better (these files only: one seed)"  # ...and is said to be only that
    assert files["variance"] == "test items only (this space was trained with one seed: seed noise not measured)"
    over_seeds = evaluation.Evaluation((_space("run-a", rows, evaluation.Training.SEEDS), baseline), _none())
    row = _task_row(over_seeds)
    assert row["scope"] == evaluation.CONFIGURATION and (row["seeds_a"], row["seeds_b"]) == (3, 0)
    assert (
        row["test"] == stats.SEEDED_TEST and row["variance"] == "seeds and test items (3 seeds against a fixed space)"
    )
    assert row["difference"] == pytest.approx(np.mean([r.mean() for r in rows]) - baseline.task.accuracy)
    assert row["p_value"] > 0.05 and row["verdict"] == stats.NO_DIFFERENCE
    assert row["ci_low"] < 0 < row["ci_high"]


@pytest.mark.slow
def test_a_gap_every_seed_shows_is_a_claim_about_the_configuration():
    rng = np.random.default_rng(2)
    baseline = _space("baseline", [_correct(rng, 0.0)], evaluation.Training.FIXED)
    rows = [_correct(rng, 0.5 + shift) for shift in (0.03, -0.02, 0.0)]
    row = _task_row(evaluation.Evaluation((_space("run-a", rows, evaluation.Training.SEEDS), baseline), _none()))
    assert row["scope"] == evaluation.CONFIGURATION and row["p_adjusted"] < 0.01
    assert row["verdict"] == "run-a better" and row["ci_low"] > 0


def _none() -> evaluation.HeldOut:
    return evaluation.HeldOut((), "none")


def _seed_pair_rate(shift_b: float, trials: int, seed: int, seeds: int = 3) -> float:
    """How often the seeded test declares a difference at 95% between two configurations (``seeds`` seeds each, a
    seed-to-seed spread of the log-odds of 0.15) whose mean log-odds differ by ``shift_b``."""
    rng = np.random.default_rng(seed)
    declared = 0
    for _ in range(trials):
        a = np.stack([_correct(rng, rng.normal(0, 0.15)) for _ in range(seeds)])
        b = np.stack([_correct(rng, shift_b + rng.normal(0, 0.15)) for _ in range(seeds)])
        declared += stats.seeded_mean_difference(a, b).p_value < 0.05
    return declared / trials


@pytest.mark.slow
def test_a_generated_null_of_seed_pairs_is_declared_different_at_most_5_percent_of_the_time():
    rate = _seed_pair_rate(0.0, 300, seed=3)
    assert rate <= 0.05
    # what the test of the files alone (McNemar on the first seed of each) says on the same kind of pairs
    rng = np.random.default_rng(3)
    files = sum(
        stats.accuracy_difference(_correct(rng, rng.normal(0, 0.15)), _correct(rng, rng.normal(0, 0.15))).p_value < 0.05
        for _ in range(100)
    )
    assert files >= 20  # McNemar ignores training's variance: it "finds" a difference in a fifth or more


def test_a_planted_gap_between_configurations_is_found_with_power_above_80_percent():
    assert _seed_pair_rate(0.6, 100, seed=4) >= 0.8


@pytest.mark.slow
def test_holm_keeps_many_same_configuration_candidates_from_a_use_headline():
    """Five candidates of one configuration against a fixed space: each raw p may dip under 0.05 by chance, the
    family's adjusted p does not, and the verdict names none."""
    raw = [0.012, 0.04, 0.3, 0.55, 0.9]
    rows = [
        {
            "benchmark": evaluation.TASK,
            "metric": "accuracy",
            "a": f"run-{i}",
            "b": "baseline",
            "difference": 0.01,
            "ci_low": -0.01,
            "ci_high": 0.03,
            "p_value": p,
            "items": DOCUMENTS,
            "test": stats.SEEDED_TEST,
            "scope": evaluation.CONFIGURATION,
            "variance": "seeds and test items (3 seeds against a fixed space)",
            "seeds_a": 3,
            "seeds_b": 0,
            "a_score": 0.63,
            "b_score": 0.62,
            "verdict": "",
        }
        for i, p in enumerate(raw)
    ]
    adjusted = evaluation.adjust(rows)
    assert [row["p_adjusted"] for row in adjusted] == pytest.approx([0.06, 0.16, 0.9, 1.0, 1.0])
    assert all(row["verdict"] == stats.NO_DIFFERENCE for row in adjusted)
    labels = {row["a"]: row["a"].upper() for row in rows} | {"baseline": "MiniLM"}
    found = verdict_build._headline(
        "label task", pd.DataFrame(adjusted), "label task accuracy", "baseline", labels, "", 5
    )
    assert found.winner is None and not found.significant and found.sentence.startswith("No significant difference")
    assert "Holm-adjusted p = 0.06 over 5 comparisons" in found.sentence
    assert (found.p_value, found.p_adjusted, found.comparisons) == (0.012, pytest.approx(0.06), 5)


def test_a_lead_between_single_seed_files_is_said_but_never_recommended(fresh_home):
    row = {
        "benchmark": evaluation.TASK,
        "metric": "accuracy",
        "a": "run-20260101-000000-aaaaaa",
        "b": "baseline",
        "difference": 0.05,
        "ci_low": 0.02,
        "ci_high": 0.08,
        "p_value": 0.001,
        "p_adjusted": 0.003,
        "items": DOCUMENTS,
        "test": "McNemar exact",
        "scope": evaluation.FILES,
        "variance": "test items only (this space was trained with one seed: seed noise not measured)",
        "seeds_a": 1,
        "seeds_b": 0,
        "a_score": 0.67,
        "b_score": 0.62,
    }
    labels = {row["a"]: "Word2Vec A", "baseline": "MiniLM"}
    found = verdict_build._headline("label task", pd.DataFrame([row]), "label task accuracy", "baseline", labels, "", 3)
    assert found.winner is None and not found.significant
    assert found.sentence.startswith(
        "Not a claim yet: on these files Word2Vec A scores 0.670 against 0.620 for MiniLM on label task accuracy, on "
        "the 2,000 items both score (+0.050, 95% CI [+0.020, +0.080]; Holm-adjusted p = 0.003 over 3 "
        "comparisons; test items only (this space was trained with one seed: seed noise not measured)): Word2Vec A is "
        "ahead, but Word2Vec A was trained with one seed, so this cannot tell its settings from seed noise"
    )
    assert found.variance == row["variance"] and found.p_adjusted == 0.003


# --- real training: Word2Vec runs with three seeds each on a small generated corpus ---------------------------------

SETTINGS = dict(dim=24, min_count=2, epochs=4, workers=1)


def _topics_corpus(corrupt: float = 0.0, seed: int = 0) -> bytes:
    """Two-sentence documents on one of 8 topics (20 words each), a label per document; with ``corrupt``, that share
    of documents has its words drawn from every topic (the planted damage a worse training corpus does)."""
    rng = np.random.default_rng(seed)
    topics = [[f"t{t}w{w}" for w in range(20)] for t in range(8)]
    lines = ["text,label"]
    for i in range(1200):
        topic = i % 8
        pool = sum(topics, []) if rng.random() < corrupt else topics[topic]
        first, second = (" ".join(rng.choice(pool, 6)) for _ in range(2))
        lines.append(f'"{first}. {second}.",topic{topic}')
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def seeded_runs(tmp_path_factory):
    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.training import TrainConfig, train_run

    clean = build_corpus("topics.csv", _topics_corpus(), ReadOptions("text", "label"))
    damaged = build_corpus("damaged.csv", _topics_corpus(corrupt=0.9), ReadOptions("text", "label"))
    return {
        "corpus": clean,
        "first": train_run(clean, TrainConfig(seed=1, seeds=3, **SETTINGS)),
        "second": train_run(clean, TrainConfig(seed=11, seeds=3, **SETTINGS)),  # the same configuration
        "single": train_run(clean, TrainConfig(seed=21, **SETTINGS)),
        "damaged": train_run(damaged, TrainConfig(seed=1, seeds=3, **SETTINGS)),
    }


@pytest.mark.slow
def test_every_seed_of_a_run_is_scored_and_loads_by_its_spec(seeded_runs):
    first = seeded_runs["first"]
    assert evaluation.seed_specs(first.id) == (f"{first.id}@seed2", f"{first.id}@seed3")
    assert evaluation.training_of(first.id) is evaluation.Training.SEEDS
    assert evaluation.training_of(seeded_runs["single"].id) is evaluation.Training.ONE_SEED
    assert evaluation.training_of("baseline") is evaluation.Training.FIXED
    replica = spaces.load_space(f"{first.id}@seed3", seeded_runs["corpus"])
    whole = spaces.load_space(first.id, seeded_runs["corpus"])
    expected = spaces.normalise_rows(whole.seed_replicas().vectors[1])
    assert replica.words == whole.words and np.allclose(replica.vectors, expected)
    assert replica.name == f"{first.id}@seed3" and replica.label.endswith(", seed 3")
    found = evaluation.evaluate_spaces([first.id, seeded_runs["single"].id], seeded_runs["corpus"])
    assert [seed.space for seed in found[first.id].seeds] == list(evaluation.seed_specs(first.id))
    assert all(seed.task is not None and len(seed.task.document_correct) == 1200 for seed in found[first.id].seeds)
    assert found[seeded_runs["single"].id].seeds == ()


@pytest.mark.slow
def test_two_seed_sets_of_one_configuration_are_never_called_different(seeded_runs, capsys, tmp_path):
    from embedlab.cli import main

    first, second = seeded_runs["first"].id, seeded_runs["second"].id
    found = evaluation.evaluate_spaces([first, second], seeded_runs["corpus"])
    rows = found.differences
    assert len(rows) >= 4 and (rows["scope"] == evaluation.CONFIGURATION).all()
    assert (rows["seeds_a"] == 3).all() and (rows["seeds_b"] == 3).all()
    assert (rows["verdict"] == stats.NO_DIFFERENCE).all(), rows[["benchmark", "metric", "p_value"]]
    path = tmp_path / "topics.csv"
    path.write_bytes(_topics_corpus())
    command = ["evaluate", "--space", first, "--space", second, "--corpus", str(path), "--label-column", "label"]
    assert main([*command, "--text-column", "text", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"p_adjusted", "scope", "variance", "seeds_a", "seeds_b"} <= set(out["differences"][0])
    assert out["spaces"][first]["training"] == "seeds" and len(out["spaces"][first]["seeds"]) == 2


@pytest.mark.slow
def test_a_run_trained_on_a_damaged_corpus_loses_over_the_seeds(seeded_runs):
    clean, damaged = seeded_runs["first"].id, seeded_runs["damaged"].id
    found = evaluation.evaluate_spaces([clean, damaged], seeded_runs["corpus"])
    rows = found.differences.set_index(["benchmark", "metric"])
    task = rows.loc[(evaluation.TASK, "accuracy")]
    assert task["a"] == damaged and task["scope"] == evaluation.CONFIGURATION
    assert task["difference"] < -0.05 and task["p_adjusted"] < 0.05 and task["verdict"] == f"{clean} better"


@pytest.mark.slow
def test_the_evaluate_page_shows_the_adjusted_p_and_which_variance_each_test_covers(seeded_runs):
    from conftest import evaluate_page

    first, second = seeded_runs["first"].id, seeded_runs["second"].id
    at = evaluate_page(corpus=seeded_runs["corpus"].id, spaces=f"{first},{second}")
    assert not at.exception
    captions = [caption.value for caption in at.caption]
    covered = next(caption for caption in captions if caption.startswith("Which variance each test covers"))
    assert "3 seeds against 3 seeds" in covered and "Holm" in covered
    task = next(caption for caption in captions if caption.startswith("Accuracy, "))
    assert "Holm-adjusted" in task and "Welch" in task and task.endswith("no significant difference at 95%")
    table = next(frame.value for frame in at.dataframe if "measure" in frame.value.columns)
    tested = [cell for cell in table[evaluation.DIFFERENCE] if cell]
    assert tested and all(", Holm " in cell for cell in tested)
