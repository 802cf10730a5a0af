"""Which words a space is scored on: a space with a model (the MiniLM baseline, a fine-tuned MiniLM and their derived
copies) is scored on each benchmark's own words; a Word2Vec/FastText run keeps its vocabulary; every row says which."""

from __future__ import annotations

import dataclasses
import hashlib
import math

import numpy as np
import pytest
from conftest import make_space

from embedlab import evaluation, spaces


def _stub_encoder(calls: list[int] | None = None):
    """A stand-in for MiniLM: each word (case-folded, as the uncased model reads it) gets a fixed unit vector."""

    def encode(texts, progress=None):
        if calls is not None:
            calls.append(len(texts))
        rows = []
        for text in texts:
            seed = int(hashlib.sha256(text.lower().encode()).hexdigest()[:8], 16)
            rows.append(np.random.default_rng(seed).normal(size=16))
        return spaces.normalise_rows(np.array(rows))

    return encode


def _model_space(words, name="baseline", calls=None):
    """A space built like the baseline: its words' encodings, and the encoder that made them."""
    encoder = _stub_encoder(calls)
    space = make_space(words, encoder(words), name=name)
    return dataclasses.replace(space, encoder=encoder)


CORPUS_WORDS = ["matrix", "solver", "sparse", "tiger", "cat", "money", "cash", "she", "he"]


def test_a_space_with_a_model_encodes_the_words_it_lacks_and_keeps_its_own():
    calls: list[int] = []
    space = _model_space(CORPUS_WORDS, calls=calls)
    extended, added = evaluation.with_encoded_words(space, ["Tiger", "zebra", "zebra", "Lion", ""])
    assert added == 2 and extended.words == (*CORPUS_WORDS, "zebra", "Lion")  # "Tiger" is "tiger": not added
    assert np.array_equal(extended.vectors[: len(CORPUS_WORDS)], space.vectors)  # its own rows untouched
    assert np.allclose(extended.vectors[-1], _stub_encoder()(["lion"])[0], atol=1e-6)
    assert extended.counts[-2:].tolist() == [0, 0] and extended.index["zebra"] == len(CORPUS_WORDS)
    assert calls == [len(CORPUS_WORDS), 3]  # one call with every word asked for (Tiger, zebra, Lion): one cache file
    exact, added_exact = evaluation.with_encoded_words(space, ["Tiger"], case_insensitive=False)
    assert added_exact == 1 and exact.words[-1] == "Tiger"  # WEAT matches words exactly

    static = make_space(CORPUS_WORDS, np.eye(len(CORPUS_WORDS)), name="run")
    assert evaluation.with_encoded_words(static, ["zebra"]) == (static, 0)  # a Word2Vec run cannot encode


@pytest.mark.slow
def test_the_baseline_is_scored_on_every_benchmark_word_and_a_run_on_its_own_vocabulary():
    baseline = _model_space(CORPUS_WORDS)
    run = make_space(CORPUS_WORDS, _stub_encoder()(CORPUS_WORDS), name="run")
    (wordsim, simlex), analogy = evaluation.intrinsic(baseline)
    assert (wordsim.pairs_used, wordsim.pairs_total, wordsim.oov_share) == (353, 353, 0.0)
    assert (simlex.pairs_used, simlex.pairs_total, simlex.oov_share) == (999, 999, 0.0)
    assert (analogy.total, analogy.questions, analogy.oov_share) == (19544, 19544, 0.0)
    assert wordsim.vocabulary == (
        "the benchmark's own words, encoded by the space's model (433 of 437 not among its 9 words)"
    )  # tiger, cat, money and cash are the corpus's
    assert analogy.vocabulary.startswith("answers searched among the space's 9 words + the analogy file's 905")

    (run_wordsim, run_simlex), run_analogy = evaluation.intrinsic(run)
    assert run_wordsim.pairs_used == 4 and run_wordsim.oov_share == pytest.approx(349 / 353)  # tiger/cat, money/cash
    assert run_wordsim.vocabulary == "the space's own 9 words"
    assert run_analogy.total == 0 and run_analogy.vocabulary == "the space's own 9 words (answers searched among them)"

    table = evaluation.benchmark_table({"baseline": ([wordsim, simlex], analogy), "run": ([run_wordsim], run_analogy)})
    vocab = table.set_index(["space", "benchmark"])["vocabulary"]
    assert vocab[("baseline", "WordSim-353")] == wordsim.vocabulary and vocab[("run", "WordSim-353")].endswith(
        "9 words"
    )


@pytest.mark.slow
def test_a_pair_known_to_the_corpus_scores_the_same_encoded_or_held():
    """The cosine of a pair the corpus holds is unchanged by adding the benchmark's words."""
    baseline = _model_space(CORPUS_WORDS)
    (wordsim, _), _ = evaluation.intrinsic(baseline)
    pairs = wordsim.pairs.set_index(["word1", "word2"])["model"]
    tiger, cat = baseline.vectors[baseline.index["tiger"]], baseline.vectors[baseline.index["cat"]]
    assert pairs[("tiger", "cat")] == pytest.approx(float(tiger @ cat), abs=1e-6)


@pytest.mark.slow
def test_user_pairs_and_weat_lists_are_encoded_too():
    baseline = _model_space(CORPUS_WORDS)
    rows = [("matrix", "tensor", 8.0), ("solver", "algorithm", 6.0), ("sparse", "dense", 2.0), ("cat", "dog", 7.0)]
    similarities, _ = evaluation.intrinsic(baseline, rows, "mine.csv")
    assert similarities[2].name == "mine.csv" and similarities[2].pairs_used == 4
    assert "(4 of 8 not among its 9 words)" in similarities[2].vocabulary
    sets = {"X": ["math", "algebra"], "Y": ["poetry", "art"], "A": ["he", "man"], "B": ["she", "woman"]}
    options = evaluation.EvaluationOptions(weat_sets={"t": sets})
    found = evaluation.weat_section(baseline, options)["t"]
    assert found.used == {"X": 2, "Y": 2, "A": 2, "B": 2} and not math.isnan(found.effect_size)
    assert found.vocabulary == "the lists' own words, encoded by the space's model (6 not among its 9 words)"
    run = make_space(CORPUS_WORDS, np.eye(len(CORPUS_WORDS)), name="run")
    static = evaluation.weat_section(run, options)["t"]
    assert static.used == {"X": 0, "Y": 0, "A": 1, "B": 1} and static.vocabulary == "the space's own 9 words"


@pytest.mark.slow
def test_a_debiased_copy_encodes_the_benchmark_words_through_the_same_projection():
    words = [w for pair in spaces.GENDER_PAIRS for w in pair] + CORPUS_WORDS[:6]
    debiased = spaces.debias(_model_space(words), name="baseline@debiased")
    direction, _ = spaces.bias_direction(_model_space(words))
    extended, added = evaluation.with_encoded_words(debiased, ["zebra", "queen"])
    assert added == 2 and np.abs(extended.vectors[-2:] @ direction).max() < 1e-5  # projected like its own words
    (wordsim, _), _ = evaluation.intrinsic(debiased)
    assert wordsim.pairs_used == 353


@pytest.mark.slow
def test_the_sweep_scores_the_benchmark_words_of_a_space_with_a_model_like_the_table():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    space = dataclasses.replace(make_space(words, rng.normal(size=(40, 16)), name="baseline"), encoder=_stub_encoder())
    sweep = evaluation.dimension_sweep(space, None, dims=(8,))
    (wordsim, simlex), _ = evaluation.intrinsic(space)
    assert sweep["dim"].tolist() == [8, 16]
    assert sweep["WordSim-353 Spearman"].iloc[-1] == pytest.approx(wordsim.spearman)  # full size: the table's number
    assert not math.isnan(sweep["SimLex-999 Spearman"].iloc[0])  # reduced: encoded words reduced by the same PCA


@pytest.mark.slow
def test_the_real_baseline_covers_every_benchmark_word_on_a_small_corpus(tiny_run, tiny_text_corpus):
    found = evaluation.evaluate_spaces(["baseline", tiny_run.id], tiny_text_corpus)
    baseline, run = found["baseline"], found[tiny_run.id]
    assert [r.pairs_used for r in baseline.similarities] == [353, 999]
    assert baseline.analogy.total == 19544 and baseline.analogy.oov_share == 0
    # all-MiniLM-L6-v2 on WordSim-353's own words, whatever the corpus (measured: 0.729; SimLex-999: 0.446)
    assert baseline.similarities[0].spearman == pytest.approx(0.729, abs=0.002)
    assert baseline.similarities[1].spearman == pytest.approx(0.446, abs=0.002)
    assert run.similarities[0].pairs_used < 5 and run.analogy.total == 0  # the run knows the tiny corpus only
    vocab = found.vocabularies()
    assert vocab.loc[0, "MiniLM baseline"].startswith("the benchmark's own words, encoded by the space's model")
    assert vocab.loc[0, spaces.space_label(tiny_run.id)].startswith("the space's own ")
