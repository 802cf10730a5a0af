"""The verdict (embedlab.verdict): on a corpus with planted domain meanings it names them and a trained run wins
held-out retrieval; on the same kind of corpus without them it claims no domain effect; its numbers are the
evaluation flow's and What changed's; a tiny corpus is told so first."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from domain_corpus import CATEGORIES, PLANTED, domain_corpus

from embedlab import analysis, evaluation, spaces, verdict
from embedlab.corpus import build_corpus
from embedlab.errors import EmbedLabError
from embedlab.training import TrainConfig, train_run
from embedlab.verdict import build as verdict_build

PLANTED_WORDS = {word for word, _ in PLANTED}


@pytest.fixture(scope="module")
def planted():
    corpus = build_corpus("domain.txt", domain_corpus(planted=True))
    run = train_run(corpus, TrainConfig(seeds=3, workers=1))
    return corpus, run, verdict.build_verdict(corpus, [run.id])


@pytest.fixture(scope="module")
def control():
    corpus = build_corpus("general.txt", domain_corpus(planted=False))
    run = train_run(corpus, TrainConfig(seeds=3, workers=1))
    return corpus, run, verdict.build_verdict(corpus, [run.id])


@pytest.mark.slow
def test_planted_domain_meanings_are_named_and_the_run_wins_retrieval(planted, control):
    corpus, run, found = planted
    domain = found.reasons["domain_language"]
    named = set(domain.numbers["spaces"][run.id]["words"])
    # each planted word; the others named are words of the fields the planting moved words out of or into (their
    # neighbour lists changed with it), or words the corpus uses as general English does not whether or not senses
    # are planted (an "apple" that is a fruit, not a brand): the control corpus names those too
    _, other, unplanted = control
    as_usual = set(unplanted.reasons["domain_language"].numbers["spaces"][other.id]["words"])
    touched = {
        word
        for planted_word, field in PLANTED
        for name, words in CATEGORIES.items()
        if name == field or planted_word in words.split()
        for word in words.split()
    }
    assert PLANTED_WORDS <= named and len(named - PLANTED_WORDS - touched - as_usual) <= 2
    assert domain.finding.startswith(f"{len(named)} of {domain.numbers['spaces'][run.id]['checked']} frequent words")
    assert "used differently here than in general English" in domain.finding
    banana = next(example for example in domain.examples if example["word"] == "banana")
    assert set(banana["here"]) <= set(CATEGORIES["vehicles"].split())  # its new field's words, nothing else
    assert set(banana["general"]) & set(CATEGORIES["fruits"].split())  # the baseline's are still fruits
    assert banana["beyond_noise"] is True
    assert banana["shift"] >= domain.numbers["spaces"][run.id]["threshold"] > 0
    retrieval = next(line for line in found.headlines if line.use == "retrieval")
    assert retrieval.winner == run.id and retrieval.significant
    assert retrieval.difference > 0 and retrieval.ci_low > 0
    # the run has three seeds: the claim is over seeds and items, Holm-adjusted over the evaluation's comparisons
    assert retrieval.variance == "seeds and test items (3 seeds against a fixed space)"
    assert retrieval.p_value <= retrieval.p_adjusted < 0.05 and retrieval.comparisons >= 3
    assert found.claims_note.startswith(
        f"A use names a space only when its lead holds after Holm's adjustment over "
        f"the {retrieval.comparisons} comparisons"
    )
    assert retrieval.sentence.startswith(f"Use {found.labels[run.id]}: held-out retrieval MRR@10 ")
    assert found.recommended == run.id
    assert not found.too_small


@pytest.mark.slow
def test_the_same_corpus_without_the_shift_names_no_planted_word_and_fewer_words(control, planted):
    _, run, found = control
    domain = found.reasons["domain_language"]
    named = set(domain.numbers["spaces"][run.id]["words"])
    _, other, shifted = planted
    # used as in general English here: at most one is named (an "owl" whose MiniLM neighbours include "elephant")
    assert len(named & PLANTED_WORDS) <= 1
    assert len(named) < len(shifted.reasons["domain_language"].numbers["spaces"][other.id]["words"]) / 2
    checked = domain.numbers["spaces"][run.id]["checked"]
    assert domain.finding.startswith(f"{len(named)} of {checked} frequent words") or domain.finding.startswith(
        "No sign of domain-specific language: none of the "
    )


@pytest.mark.slow
def test_every_number_is_the_evaluate_flows_and_what_changeds(planted):
    corpus, run, found = planted
    names = ["baseline", run.id]
    loaded = [spaces.load_space(name, corpus) for name in names]
    evaluated = evaluation.evaluate_spaces(loaded, corpus, verdict.evaluation_options(loaded, corpus))
    row = evaluated.differences.query("benchmark == 'held-out retrieval' and metric == 'MRR@10'").iloc[0]
    retrieval = next(line for line in found.headlines if line.use == "retrieval")
    assert (retrieval.difference, retrieval.ci_low, retrieval.ci_high) == (
        row["difference"],
        row["ci_low"],
        row["ci_high"],
    )
    shown = found.reasons["task_context"].numbers["MRR@10"]
    intervals = evaluated.intervals.query("benchmark == 'held-out retrieval' and metric == 'MRR@10'")
    for interval in intervals.itertuples(index=False):
        assert shown[interval.space]["score"] == interval.score and shown[interval.space]["ci_low"] == interval.ci_low
    coverage = found.reasons["oov"].numbers
    for space in loaded:
        assert coverage[space.name]["token_coverage"] == analysis.vocabulary_coverage(space, corpus).token_coverage
    summary, frame = analysis.compare_spaces(loaded[1], loaded[0], 10)
    beyond = set(frame.loc[frame["beyond_noise"], "word"])
    assert set(found.reasons["domain_language"].numbers["spaces"][run.id]["words"]) <= beyond


@pytest.mark.slow
def test_a_tiny_corpus_is_told_first_and_the_json_has_every_part(tiny_text_corpus, tiny_run):
    found = verdict.build_verdict(tiny_text_corpus, [tiny_run.id])
    assert found.too_small.startswith(
        f"This corpus is too small for any claim: {tiny_text_corpus.stats.tokens:,} tokens, where a trained space's "
        "neighbours start to mean something at about 20,000."
    )
    data = found.to_dict()
    assert (data["corpus"]["id"], data["corpus"]["name"]) == (tiny_text_corpus.id, "tiny.txt")
    assert data["corpus"]["languages"]["main"] == "en" and data["language_note"] == ""  # English: no caveat
    assert data["recommendation_caveat"] == ""
    assert data["recommended_by_default"] == all(line["winner"] is None for line in data["headlines"][:3])
    undecided = dataclasses.replace(
        found, headlines=tuple(dataclasses.replace(line, winner=None) for line in found.headlines)
    )
    assert undecided.recommended_by_default and undecided.recommendation_notes[0].startswith("By default, not by")
    decided = dataclasses.replace(
        found, headlines=(dataclasses.replace(found.headlines[0], winner=tiny_run.id), *found.headlines[1:])
    )
    assert not decided.recommended_by_default and decided.recommendation_notes == []
    assert [item["space"] for item in data["spaces"]] == [tiny_run.id, "baseline"]
    assert [line["use"] for line in data["headlines"]] == ["word similarity", "retrieval", "label task", "small memory"]
    for line in data["headlines"]:
        assert set(line) == {
            "use",
            "winner",
            "measure",
            "difference",
            "ci_low",
            "ci_high",
            "significant",
            "sentence",
            "p_value",
            "p_adjusted",
            "variance",
            "comparisons",
        }
    # the tiny corpus has no held-out pairs, labels or benchmark words both score: no test decided a use
    assert all(line["p_value"] is None and line["variance"] == "" for line in data["headlines"])
    assert data["claims_note"] == ""
    label_task = data["headlines"][2]
    assert label_task["winner"] is None and label_task["difference"] is None
    assert (
        label_task["sentence"]
        == "Not enough evidence: the corpus has no labels; upload it with a label column to measure it"
    )
    assert list(data["reasons"]) == list(verdict.REASONS)
    assert all(reason["finding"] for reason in data["reasons"].values())
    assert (
        data["reasons"]["multimodal"]["measured"] is False
        and "Not measured" in data["reasons"]["multimodal"]["finding"]
    )
    assert "no request left it" in data["reasons"]["privacy"]["finding"]
    assert set(data["health"]) == {tiny_run.id, "baseline"}


def test_a_verdict_needs_a_candidate(tiny_text_corpus):
    with pytest.raises(EmbedLabError, match="the verdict needs a candidate besides the baseline"):
        verdict.build_verdict(tiny_text_corpus, ["baseline"])


def _differences(*rows: tuple[str, float, float, float, float], scope: str = evaluation.CONFIGURATION) -> pd.DataFrame:
    return pd.DataFrame(
        evaluation.adjust(
            [
                {
                    "benchmark": "held-out retrieval",
                    "metric": "MRR@10",
                    "a": name,
                    "b": "baseline",
                    "difference": difference,
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": p,
                    "a_score": 0.5 + difference,
                    "items": 50,
                    "b_score": 0.5,
                    "scope": scope,
                    "variance": "seeds and test items (3 seeds against a fixed space)",
                }
                for name, difference, low, high, p in rows
            ]
        )
    )


LABELS = {"run-a": "Run A", "run-b": "Run B", "baseline": "MiniLM baseline"}


@pytest.mark.slow
@pytest.mark.parametrize(
    "rows, winner, significant, start",
    [
        ([("run-a", 0.02, 0.01, 0.03, 0.001), ("run-b", 0.05, 0.02, 0.08, 0.01)], "run-b", True, "Use Run B: "),
        ([("run-a", -0.02, -0.03, -0.01, 0.001), ("run-b", -0.05, -0.08, -0.02, 0.01)], "baseline", True, "Keep "),
        ([("run-a", -0.02, -0.03, -0.01, 0.001), ("run-b", 0.01, -0.01, 0.03, 0.3)], None, False, "No significant"),
    ],
)
def test_a_headline_names_the_significant_winner_or_says_there_is_none(rows, winner, significant, start):
    found = verdict_build._headline("retrieval", _differences(*rows), "MRR@10", "baseline", LABELS, "", 2)
    assert (found.winner, found.significant) == (winner, significant)
    assert found.sentence.startswith(start)
    if winner == "baseline":  # the baseline's lead over the closest candidate, interval flipped with it
        assert (found.difference, found.ci_low, found.ci_high) == (0.02, 0.01, 0.03)
        assert (
            "the closest, Run A, scores 0.480 against 0.500 on the 50 items both score (-0.020, 95% CI [-0.030, "
            "-0.010]; Holm-adjusted p = 0.002 over 2 comparisons; seeds and test items (3 seeds against a fixed "
            "space))" in found.sentence
        )
    if winner is None:
        assert math.isclose(found.difference, 0.01) and "Run B scores 0.510 against 0.500" in found.sentence
    assert found.comparisons == 2 and found.variance == "seeds and test items (3 seeds against a fixed space)"


@pytest.mark.slow
def test_a_lead_that_holds_before_holm_but_not_after_names_no_space():
    rows = [("run-a", 0.02, 0.001, 0.04, 0.03), ("run-b", 0.01, -0.01, 0.03, 0.04)]  # raw p < 0.05, Holm 0.06
    found = verdict_build._headline("retrieval", _differences(*rows), "MRR@10", "baseline", LABELS, "", 2)
    assert found.winner is None and found.sentence.startswith("No significant difference at 95%")
    assert (found.p_value, found.p_adjusted) == (0.03, pytest.approx(0.06))
    files = verdict_build._headline(
        "retrieval",
        _differences(("run-a", 0.05, 0.02, 0.08, 0.001), scope=evaluation.FILES),
        "MRR@10",
        "baseline",
        LABELS,
        "",
        1,
    )
    assert files.winner is None and not files.significant and files.sentence.startswith("Not a claim yet: ")


def test_the_smallest_dimension_within_one_percent_ignores_measures_the_space_barely_scores():
    sweep = pd.DataFrame(
        {
            "dim": [16, 32, 64, 100],
            "MB per 100k words": [6.4, 12.8, 25.6, 40.0],
            "WordSim-353 Spearman": [0.50, 0.595, 0.599, 0.60],
            "SimLex-999 Spearman": [0.05, 0.0, 0.1, 0.12],  # below 0.2 at full size: not a quality to keep
        }
    )
    found = verdict_build._smallest_within(sweep)
    assert found is not None and (found["dim"], found["full_dim"]) == (32, 100)
    assert found["measures"] == ["WordSim-353 Spearman"] and math.isclose(found["saved"], 0.68)
    assert verdict_build._smallest_within(sweep.assign(**{"WordSim-353 Spearman": np.full(4, 0.1)})) is None


def test_a_sweep_of_fewer_words_than_dimensions_skips_the_sizes_pca_cannot_make():
    from conftest import make_space

    space = make_space([f"w{i}" for i in range(40)], np.random.default_rng(0).normal(size=(40, 100)), name="x")
    assert evaluation.sweep_dims(space) == [16, 32, 100]


@pytest.mark.slow
def test_a_labelled_corpus_gets_a_label_task_headline_with_the_evaluate_flows_numbers():
    import csv
    import io

    from conftest import NOTE_TOPICS

    from embedlab.corpus import ReadOptions

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "label"])
    for i in range(90):
        topic = NOTE_TOPICS[i % len(NOTE_TOPICS)]
        writer.writerow([f"Note {i} is about {topic}. It explains {topic} with care.", topic.split()[0]])
    corpus = build_corpus("labelled-notes.csv", out.getvalue().encode(), ReadOptions("text", "label"))
    run = train_run(corpus, TrainConfig(dim=16, min_count=1, epochs=20, workers=1))
    found = verdict.build_verdict(corpus, [run.id])
    label_task = next(line for line in found.headlines if line.use == "label task")
    assert label_task.measure == "label task accuracy" and not label_task.sentence.startswith("Not enough evidence")
    reason = found.reasons["task_performance"]
    assert reason.measured and reason.finding.startswith("On the corpus's labels (5-fold): ")
    loaded = [spaces.load_space(name, corpus) for name in ("baseline", run.id)]
    evaluated = evaluation.evaluate_spaces(loaded, corpus, verdict.evaluation_options(loaded, corpus))
    rows = evaluated.intervals.query("benchmark == 'label task' and metric == 'accuracy'")
    assert {row.space: row.score for row in rows.itertuples()} == {
        name: value["score"] for name, value in reason.numbers["accuracy"].items()
    }
    difference = evaluated.differences.query("benchmark == 'label task'").iloc[0]
    assert math.isclose(abs(label_task.difference), abs(difference["difference"]))


@pytest.mark.slow
def test_differences_are_taken_from_the_chosen_baseline_even_when_minilm_is_a_candidate():
    from conftest import make_space

    from embedlab.evaluation.benchmarks import builtin_pairs, pair_words

    words = pair_words(builtin_pairs("WordSim-353")[0])
    rng = np.random.default_rng(5)
    made = [make_space(words, rng.normal(size=(len(words), 8)), name=f"vectors:{name}.txt") for name in "abc"]
    evaluated = evaluation.evaluate_spaces(made)
    against_b = evaluated.differences_from("vectors:b.txt")
    assert set(against_b["b"]) == {"vectors:b.txt"} and set(against_b["a"]) == {"vectors:a.txt", "vectors:c.txt"}
    assert evaluated.differences.equals(evaluated.differences_from(evaluated.reference))


def _labelled(name: str, labels: list[str]):
    """A labelled corpus of topic notes, one document per label given."""
    import csv
    import io

    from conftest import NOTE_TOPICS

    from embedlab.corpus import ReadOptions

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "label"])
    for i, label in enumerate(labels):
        topic = NOTE_TOPICS[i % len(NOTE_TOPICS)]
        writer.writerow([f"Note {i} is about {topic}. It explains {topic} with care.", label])
    return build_corpus(name, out.getvalue().encode(), ReadOptions("text", "label"))


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["a"] * 30 + [f"one-{i}" for i in range(10)], "1 label has at least 5 documents"),
        ([f"one-{i}" for i in range(40)], "0 labels have at least 5 documents"),
        (["a"] * 20 + ["b"] * 4 + ["c"] * 16, ""),
    ],
)
def test_task_problem_says_why_labels_cannot_be_cross_validated(labels, expected):
    corpus = _labelled("labels.csv", labels)
    problem = evaluation.task_problem(corpus)
    assert (expected in problem and "a classifier needs two or more" in problem) if expected else problem == ""
    if expected:
        with pytest.raises(EmbedLabError, match=expected):
            evaluation.task_evaluation(spaces.load_space("baseline", corpus), corpus)


@pytest.mark.slow
def test_labels_that_cannot_be_cross_validated_leave_the_task_out_instead_of_failing_the_verdict():
    corpus = _labelled("one-big-label.csv", ["a"] * 60 + [f"one-{i}" for i in range(30)])
    run = train_run(corpus, TrainConfig(dim=16, min_count=1, epochs=5, workers=1))
    found = verdict.build_verdict(corpus, [run.id])
    label_task = next(line for line in found.headlines if line.use == "label task")
    assert label_task.winner is None and label_task.sentence == (
        "Not enough evidence: one-big-label.csv: 1 label has at least 5 documents; a classifier needs two or more "
        "to cross-validate; label more documents to measure it"
    )
    reason = found.reasons["task_performance"]
    assert not reason.measured and "1 label has at least 5 documents" in reason.finding
    # the rest of the verdict stands: retrieval and word similarity are still judged, the sweep without the task
    loaded = [spaces.load_space(name, corpus) for name in ("baseline", run.id)]
    evaluated = evaluation.evaluate_spaces(loaded, corpus, verdict.evaluation_options(loaded, corpus))
    assert all(space.task is None for space in evaluated.spaces)
    assert all("task accuracy" not in space.sweep.columns for space in evaluated.spaces)
    assert "WordSim-353 Spearman" in evaluated.spaces[0].sweep.columns
