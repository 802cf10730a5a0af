"""Intrinsic benchmarks: numbers equal gensim's on the same vectors, plus hand-built cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import make_space
from gensim.test.utils import datapath

from embedlab import evaluation, metrics, spaces
from embedlab.evaluation import builtin_pairs_path, user_word_pairs, word_similarity
from embedlab.evaluation.benchmarks import analogies, questions_words_path, to_keyed_vectors

MISSING = {"tiger", "cat", "athens", "baghdad", "boy"}


def _benchmark_words() -> list[str]:
    words: dict[str, None] = {}
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for line in open(datapath(name), encoding="utf8"):
            parts = line.rstrip("\n").split("\t")
            if not line.startswith("#") and len(parts) == 3:
                words.update(dict.fromkeys(p.lower() for p in parts[:2]))
    for line in open(datapath("questions-words.txt"), encoding="utf8"):
        if not line.startswith(":"):
            words.update(dict.fromkeys(p.lower() for p in line.split()))
    return list(words)


@pytest.fixture(scope="module")
def bench_space():
    """Seeded vectors over the benchmarks' vocabulary, with analogy structure so some answers are right."""
    rng = np.random.default_rng(11)
    words = [w for w in _benchmark_words() if w not in MISSING]
    words += [f"filler{i}" for i in range(max(0, 2000 - len(words)))]
    words += ["Paris", "GREECE", "King"]  # case variants after their lower-case forms: the first must win
    dim = 20
    vecs = {w: rng.normal(size=dim) for w in words}
    section_offset = None
    assigned: set[str] = set()
    for line in open(datapath("questions-words.txt"), encoding="utf8"):
        if line.startswith(":"):
            section_offset = rng.normal(size=dim) * 1.5
            continue
        a, b, c, d = (w.lower() for w in line.split())
        for x, y in ((a, b), (c, d)):
            if y in vecs and x in vecs and y not in assigned and y != x:
                vecs[y] = vecs[x] + section_offset + rng.normal(size=dim) * 0.6
                assigned.add(y)
    space = make_space(words, np.array([vecs[w] for w in words]), name="bench")
    return space, to_keyed_vectors(space)


@pytest.mark.parametrize("bench", ["WordSim-353", "SimLex-999"])
def test_word_similarity_equals_gensim(bench_space, bench):
    space, kv = bench_space
    path = builtin_pairs_path(bench)
    (g_pr, g_pp), (g_sr, g_sp), g_oov = kv.evaluate_word_pairs(path)
    result = word_similarity(space, path, bench)
    assert result.name == bench
    assert result.pearson == pytest.approx(g_pr, rel=1e-6, abs=1e-9)
    assert result.pearson_p == pytest.approx(g_pp, rel=1e-5, abs=1e-12)
    assert result.spearman == pytest.approx(g_sr, rel=1e-9, abs=1e-12)
    assert result.spearman_p == pytest.approx(g_sp, rel=1e-6, abs=1e-12)
    assert result.oov_share * 100 == pytest.approx(g_oov)
    if bench == "WordSim-353":
        assert 0 < result.oov_share < 0.2  # tiger/cat are missing on purpose
    assert result.pairs_used == len(result.pairs) and result.pairs_used < result.pairs_total
    assert result.note == ""


def test_word_similarity_restrict_vocab_equals_gensim(bench_space):
    space, kv = bench_space
    path = builtin_pairs_path("WordSim-353")
    (g_pr, _), (g_sr, _), g_oov = kv.evaluate_word_pairs(path, restrict_vocab=400)
    result = word_similarity(space, path, restrict_vocab=400)
    assert (result.pearson, result.spearman, result.oov_share * 100) == pytest.approx((g_pr, g_sr, g_oov), rel=1e-6)
    assert result.name == "wordsim353.tsv"


@pytest.mark.slow
@pytest.mark.parametrize("restrict_vocab", [300000, 700])
def test_analogies_equal_gensim(bench_space, restrict_vocab):
    space, kv = bench_space
    g_score, g_sections = kv.evaluate_word_analogies(questions_words_path(), restrict_vocab=restrict_vocab)
    result = analogies(space, restrict_vocab=restrict_vocab)
    total = g_sections[-1]
    assert result.correct == len(total["correct"])
    assert result.total == len(total["correct"]) + len(total["incorrect"])
    assert result.accuracy == pytest.approx(g_score)
    if restrict_vocab == 300000:
        assert 0.05 < result.accuracy < 0.95  # the structure makes the check meaningful
    ours = result.sections
    assert list(ours["section"]) == [s["section"] for s in g_sections[:-1]]
    assert list(ours["correct"]) == [len(s["correct"]) for s in g_sections[:-1]]
    assert list(ours["total"]) == [len(s["correct"]) + len(s["incorrect"]) for s in g_sections[:-1]]
    assert result.questions == 19544
    assert 0 < result.oov_share < 1
    assert result.oov_share == pytest.approx((result.questions - result.total) / result.questions)


@pytest.mark.slow
def test_analogies_batch_size_does_not_change_answers(bench_space):
    space, _ = bench_space
    small = analogies(space, batch_size=7)
    large = analogies(space, batch_size=4096)
    assert list(small.sections["correct"]) == list(large.sections["correct"])


def test_king_man_woman_queen_exactly(tmp_path):
    # 2-D: king - man + woman = queen exactly, and a decoy ("prince") close to king
    words = ["man", "woman", "king", "queen", "prince", "apple"]
    vecs = [[1, 0], [0, 1], [1, 1], [0, 2], [1.2, 1.0], [-1, -1]]
    space = make_space(words, vecs)
    bench = tmp_path / "tiny.txt"
    bench.write_text(
        ": royals\nman woman king queen\nMAN WOMAN KING QUEEN\nman woman king pear\n"
        ": empty\n\n: fruit\nman woman king apple\n",
        encoding="utf8",
    )
    result = analogies(space, bench)
    table = result.sections.set_index("section")
    assert result.questions == 4 and result.total == 3 and result.correct == 2
    assert result.accuracy == pytest.approx(2 / 3)
    assert result.oov_share == pytest.approx(1 / 4)
    assert table.loc["royals", "correct"] == 2 and table.loc["royals", "total"] == 2
    assert table.loc["empty", "total"] == 0 and math.isnan(table.loc["empty", "accuracy"])
    assert table.loc["fruit", "accuracy"] == 0
    g_score, g_sections = to_keyed_vectors(space).evaluate_word_analogies(str(bench))
    assert g_score == pytest.approx(result.accuracy)


def test_analogies_without_usable_questions(tmp_path):
    space = make_space(["a", "b"], [[1, 0], [0, 1]])
    bench = tmp_path / "q.txt"
    bench.write_text(": s\nx y z w\n", encoding="utf8")
    result = analogies(space, bench)
    assert math.isnan(result.accuracy) and result.total == 0 and result.oov_share == 1
    assert "vocabulary" in result.note
    bad = tmp_path / "bad.txt"
    bad.write_text("a b c d\n", encoding="utf8")
    with pytest.raises(ValueError, match="section header"):
        analogies(space, bad)


def test_word_similarity_from_rows_hand_built():
    space = make_space(["car", "auto", "fruit", "Car"], [[1, 0], [1, 0.1], [0, 1], [-1, 0]])
    rows = [("car", "auto", 9.0), ("CAR", "fruit", 1.0), ("auto", "fruit", 2.0), ("car", "zebra", 5.0)]
    result = word_similarity(space, rows, "mine")
    assert result.pairs_total == 4 and result.pairs_used == 3 and result.oov_share == 0.25
    assert result.spearman == pytest.approx(1.0)
    # "CAR" resolves to the first case variant, "car", not the later "Car"
    assert result.pairs["model"].iloc[1] == pytest.approx(0.0, abs=1e-6)
    assert list(result.pairs.columns) == ["word1", "word2", "gold", "model"]


def test_fewer_than_three_pairs_gives_nan_and_note():
    space = make_space(["a", "b", "c"], [[1, 0], [0, 1], [1, 1]])
    result = word_similarity(space, [("a", "b", 1.0), ("a", "c", 2.0), ("a", "zz", 3.0)], "tiny")
    assert result.pairs_used == 2
    assert all(math.isnan(x) for x in (result.pearson, result.pearson_p, result.spearman, result.spearman_p))
    assert "at least 3" in result.note
    empty = word_similarity(space, [("x", "y", 1.0)], "none")
    assert empty.pairs_used == 0 and empty.oov_share == 1 and math.isnan(empty.spearman) and empty.note


def test_user_word_pairs_parses_header_and_separators():
    data = "\ufeffword1,word2,score\ncar,auto,9.5\n\n fruit , apple ,7\n".encode()
    assert user_word_pairs("mine.csv", data) == [("car", "auto", 9.5), ("fruit", "apple", 7.0)]
    assert user_word_pairs("t.tsv", b"car\tauto\t1\n") == [("car", "auto", 1.0)]
    assert user_word_pairs("q.csv", b'"new york",city,3\n') == [("new york", "city", 3.0)]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"car,auto,9\nfruit,apple\n", "mine.csv line 2: expected 3 columns"),
        (b"w1,w2,score\ncar,auto,high\n", "mine.csv line 2: score 'high' is not a number"),
        (b"car,auto,nan\n", "line 1: score 'nan' is not a finite"),
        (b"car,,3\n", "line 1: empty word"),
        (b"word1,word2,score\n", "no word pairs"),
        (b"\xff\xfe,bad", "not UTF-8"),
    ],
)
def test_user_word_pairs_errors(data, message):
    with pytest.raises(ValueError, match=message):
        user_word_pairs("mine.csv", data)


def test_user_pairs_feed_word_similarity(bench_space):
    space, _ = bench_space
    rows = user_word_pairs("u.csv", b"love,sex,6.77\nbook,paper,7.46\nplane,car,5.77\ntrain,car,6.31\n")
    result = word_similarity(space, rows, "u.csv")
    assert result.pairs_used == 4 and not math.isnan(result.spearman)


def test_unknown_builtin_benchmark():
    with pytest.raises(ValueError, match="WordSim-353"):
        builtin_pairs_path("nope")


def test_task_evaluation_cross_validates_a_classifier_on_the_labels(fresh_home):
    from embedlab.corpus import ReadOptions, build_corpus

    rows = "".join(
        f"{['matrix solver eigen', 'signal spectrum filter'][i % 2]} note {i},{'ab'[i % 2]}\n" for i in range(40)
    )
    corpus = build_corpus("labelled.csv", ("text,label\n" + rows).encode(), ReadOptions("text", "label"))
    words = ["matrix", "solver", "eigen", "signal", "spectrum", "filter", "note"]
    vectors = np.array([[1, 0], [1, 0.1], [0.9, 0], [0, 1], [0.1, 1], [0, 0.9], [0.5, 0.5]])
    separable = evaluation.task_evaluation(make_space(words, vectors, name="good"), corpus)
    assert (separable.documents, separable.labels, separable.folds) == (40, 2, 5)
    assert separable.accuracy == 1.0 and separable.macro_f1 == 1.0 and separable.accuracy_std == 0.0
    blind = evaluation.task_evaluation(make_space(["note", "other"], np.eye(2), name="blind"), corpus)
    assert blind.accuracy <= 0.6  # every document looks the same: chance level
    unknown = evaluation.task_evaluation(make_space(["zzz", "yyy"], np.eye(2), name="none"), corpus)
    assert unknown.empty_documents == 40
    with pytest.raises(ValueError, match="has no label column"):
        evaluation.task_evaluation(make_space(words, vectors), build_corpus("plain.txt", b"matrix solver"))


def _weat_space():
    """Two directions: X and A share one, Y and B the other, so X is associated with A."""
    rng = np.random.default_rng(0)
    words, rows = [], []
    for prefix, axis in (("x", 0), ("y", 1), ("a", 0), ("b", 1)):
        for i in range(6):
            words.append(f"{prefix}{i}")
            vector = rng.normal(scale=0.2, size=8)
            vector[axis] += 1.0
            rows.append(vector)
    return make_space(words, np.array(rows), name="toy")


def test_weat_finds_a_planted_association_and_its_reverse():
    space = _weat_space()
    sets = {name: [f"{name.lower()}{i}" for i in range(6)] for name in ("X", "Y", "A", "B")}
    result = evaluation.weat(space, sets, permutations=2000)
    assert result.effect_size > 1.5 and result.p_value < 0.01
    assert result.used == {"X": 6, "Y": 6, "A": 6, "B": 6} and result.missing == {"X": [], "Y": [], "A": [], "B": []}
    reverse = evaluation.weat(space, {**sets, "A": sets["B"], "B": sets["A"]}, permutations=2000)
    assert reverse.effect_size == pytest.approx(-result.effect_size) and reverse.p_value > 0.99
    assert evaluation.weat(space, sets, permutations=2000).p_value == result.p_value  # seeded


def test_weat_lists_missing_words_and_says_when_too_few_are_left():
    space = _weat_space()
    sets = {"X": ["x0", "x1", "unknown"], "Y": ["y0", "y1"], "A": ["a0", "a1"], "B": ["b0", "nothere"]}
    result = evaluation.weat(space, sets, permutations=100)
    assert result.missing == {"X": ["unknown"], "Y": [], "A": [], "B": ["nothere"]}
    assert math.isnan(result.effect_size) and "too few words left in B" in result.note
    assert set(evaluation.WEAT_SETS) and all(set(s) == {"X", "Y", "A", "B"} for s in evaluation.WEAT_SETS.values())


def test_dimension_sweep_reduces_and_scores_each_size():
    rng = np.random.default_rng(3)
    words = [w for w, _ in zip(open(datapath("wordsim353.tsv")).read().split(), range(2000))]
    words = list(dict.fromkeys(w.lower() for w in words if w.isalpha()))
    space = make_space(words, rng.normal(size=(len(words), 40)), name="rand")
    sweep = evaluation.dimension_sweep(space, None, dims=(8, 16, 64))
    assert sweep["dim"].tolist() == [8, 16, 40]  # 64 exceeds the space; its own size is always included
    assert sweep["MB per 100k words"].tolist() == [3.2, 6.4, 16.0]
    assert list(sweep.columns) == ["dim", "MB per 100k words", "WordSim-353 Spearman", "SimLex-999 Spearman"]
    full = evaluation.word_similarity(space, evaluation.builtin_pairs_path("WordSim-353"), "WordSim-353")
    assert sweep["WordSim-353 Spearman"].iloc[-1] == pytest.approx(full.spearman)


def _labelled_corpus():
    from embedlab.corpus import ReadOptions, build_corpus

    rows = "".join(
        f"{['matrix solver eigen', 'signal spectrum filter'][i % 2]} note {i},{'ab'[i % 2]}\n" for i in range(40)
    )
    return build_corpus("labelled.csv", ("text,label\n" + rows).encode(), ReadOptions("text", "label"))


def _topic_encoder(texts, progress=None):
    """A stand-in sentence encoder: one axis per topic, so documents are separable only through it."""
    if progress:
        progress(1.0)
    return np.array([[1.0, 0.0] if "matrix" in text else [0.0, 1.0] for text in texts], dtype=np.float32)


def test_task_uses_a_sentence_transformer_spaces_own_document_embeddings(fresh_home):
    import dataclasses

    corpus = _labelled_corpus()
    blind_words = make_space(["note", "other"], np.eye(2), name="st")
    assert evaluation.task_evaluation(blind_words, corpus).accuracy <= 0.6
    encoded = dataclasses.replace(blind_words, encoder=_topic_encoder)
    seen = []
    result = evaluation.task_evaluation(encoded, corpus, progress=seen.append)
    assert result.accuracy == 1.0 and result.features == "sentence embeddings"
    assert seen == pytest.approx([0.6, 0.68, 0.76, 0.84, 0.92, 1.0])  # the documents encoded, then each of 5 folds
    assert evaluation.task_evaluation(blind_words, corpus).features == "mean word vectors"


def test_text_vectors_of_a_static_space_average_the_words_it_knows():
    space = make_space(["matrix", "sparse", "Fourier"], np.eye(3), name="s")
    vectors = evaluation.text_vectors(space, ["sparse matrix", "MATRIX, sparse!", "Fourier transform", "nothing here"])
    assert np.allclose(vectors[0], [0.5, 0.5, 0]) and np.allclose(vectors[1], [0.5, 0.5, 0])  # case, punctuation
    assert np.allclose(vectors[2], [0, 0, 1]) and not vectors[3].any()


def test_rank_metrics_and_retrieval_put_static_and_transformer_spaces_in_one_table():
    anchors = np.eye(3, dtype=np.float32)
    positives = np.array([[0.5, 0, 0], [0.9, 0.1, 0], [0, 0, 1]], dtype=np.float32)
    # anchor 0's own positive ranks 2nd, behind anchor 1's: MRR@2 = (1/2 + 1 + 1) / 3
    assert metrics.rank_metrics(anchors, positives, k=1) == {
        "mrr@1": pytest.approx(2 / 3, abs=1e-6),
        "recall@1": pytest.approx(2 / 3, abs=1e-6),
    }
    assert metrics.rank_metrics(anchors, positives, k=2)["mrr@2"] == pytest.approx(5 / 6, abs=1e-6)
    pairs = [("sparse matrix", "matrix solver"), ("fourier signal", "signal spectrum"), ("zzz", "unknown words")]
    static = make_space(
        ["sparse", "matrix", "solver", "fourier", "signal", "spectrum"],
        np.array([[1, 0], [1, 0.1], [1, 0.2], [0, 1], [0.1, 1], [0.2, 1]]),
        name="w2v",
    )
    found = evaluation.held_out_retrieval(static, pairs, "hand-made")
    assert (found.pairs, found.unanswerable, found.features) == (3, 1, "mean word vectors")
    assert found.recall == pytest.approx(2 / 3, abs=1e-6)  # the unanswerable pair never ranks first
    import dataclasses

    transformer = dataclasses.replace(static, name="st", encoder=_topic_encoder)
    table = evaluation.benchmark_table(
        {
            name: ([], evaluation.AnalogyResult("analogies", math.nan, 0, 0, 0, math.nan, None, 0))
            for name in ("w2v", "st")
        },
        {"w2v": found, "st": evaluation.held_out_retrieval(transformer, pairs, "hand-made")},
    )
    rows = table[table["metric"] == "MRR@10"].set_index("space")
    assert rows.loc["w2v", "benchmark"] == "held-out retrieval (mean word vectors)"
    assert rows.loc["st", "benchmark"] == "held-out retrieval (sentence embeddings)"
    assert rows.loc["w2v", "oov_share"] == pytest.approx(1 / 3) and rows.loc["w2v", "used"] == 2


def test_held_out_pairs_come_from_a_fine_tuned_run_else_a_default_split(fresh_home):
    import json

    from conftest import notes_text

    from embedlab import store, training
    from embedlab.corpus import build_corpus
    from embedlab.records import RunMethod

    corpus = build_corpus("notes.txt", notes_text(80))
    default, source = evaluation.held_out_pairs(corpus, ["baseline"])
    assert default == training.make_pairs(corpus, training.FinetuneConfig()).held_out and len(default) >= 20
    assert "neighbouring sentences" in source
    folder = store.runs_dir() / "run-20260101-000000-abcdef"
    folder.mkdir(parents=True)
    (folder / "held_out.jsonl").write_text(json.dumps({"anchor": "a b c", "positive": "d e f"}) + "\n")
    store.add_run(folder.name, corpus.id, RunMethod.SENTENCE_TRANSFORMER, {}, 0, 1.0)
    pairs, source = evaluation.held_out_pairs(corpus, ["baseline", "run-20260101-000000-abcdef"])
    assert pairs == [("a b c", "d e f")] and "run-20260101-000000-abcdef held out" in source
    assert evaluation.held_out_run(["baseline", folder.name + "@debiased", folder.name]) == folder.name
    assert evaluation.held_out_run(["baseline"]) == ""


def _gender_space():
    """Gender on axis 0 (she/her/... +1, he/his/... -1), topics on the other axes; 'nurse' leans female."""
    rng = np.random.default_rng(5)
    words, rows = [], []
    for female, male in spaces.GENDER_PAIRS:
        shared = rng.normal(scale=0.3, size=6)
        for word, sign in ((female, 1.0), (male, -1.0)):
            words.append(word)
            rows.append(np.concatenate([[sign], shared]))
    words += ["nurse", "engineer", "table"]
    rows += [[0.6, 1, 0, 0, 0, 0, 0], [-0.6, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0]]
    return make_space(words, np.array(rows), name="g")


def test_debiasing_projects_the_gender_direction_out_of_every_vector():
    space = _gender_space()
    direction, used = spaces.bias_direction(space)
    assert len(used) == 10 and abs(direction[0]) == pytest.approx(1.0, abs=1e-5) and direction[0] > 0  # he -> she
    debiased = spaces.debias(space, name="g@debiased")
    assert debiased.name == "g@debiased" and "10 definitional pairs" in debiased.source
    assert np.abs(debiased.vectors @ direction).max() < 1e-5
    assert np.allclose(np.linalg.norm(debiased.vectors, axis=1), 1.0, atol=1e-5)
    nurse, engineer = space.index["nurse"], space.index["engineer"]
    assert (
        space.vectors[nurse] @ space.vectors[space.index["she"]]
        > space.vectors[nurse] @ space.vectors[space.index["he"]]
    )
    she, he = debiased.vectors[debiased.index["she"]], debiased.vectors[debiased.index["he"]]
    assert debiased.vectors[nurse] @ she == pytest.approx(debiased.vectors[nurse] @ he, abs=1e-5)
    assert debiased.vectors[debiased.index["table"]] @ debiased.vectors[engineer] == pytest.approx(0.0, abs=1e-6)


def test_debiasing_needs_definitional_pairs_and_names_the_missing_words():
    space = make_space(["she", "he", "matrix"], np.eye(3), name="domain")
    with pytest.raises(ValueError, match=r"1 of the 10 definitional pairs .*missing: .*woman.*at least 2"):
        spaces.debias(space)


def test_a_reduced_or_debiased_transformer_space_transforms_its_encoder_too():
    import dataclasses

    rng = np.random.default_rng(2)
    base = _gender_space()
    encoder = lambda texts, progress=None: rng.normal(size=(len(texts), base.dim)).astype(np.float32)  # noqa: E731
    space = dataclasses.replace(base, encoder=encoder)
    smaller = spaces.reduced(space, 3)
    assert smaller.vectors.shape == (len(space), 3) and smaller.encoder(["a", "b"]).shape == (2, 3)
    assert spaces.reduced(space, 99) is space
    debiased = spaces.debias(space)
    direction, _ = spaces.bias_direction(space)
    assert np.abs(debiased.encoder(["a", "b", "c"]) @ direction).max() < 1e-5


def test_results_are_kept_with_a_run_and_summarised_for_the_runs_page(tiny_run):
    run_id = tiny_run.id
    assert not evaluation.save_run_results("baseline", None, "task", {"accuracy": 1.0})
    rows = [
        {"space": run_id, "benchmark": "WordSim-353", "metric": "Spearman", "score": 0.25},
        {"space": run_id, "benchmark": "Google analogies", "metric": "accuracy", "score": math.nan},
    ]
    assert evaluation.save_run_results(run_id, "c1", "benchmarks", rows)
    assert evaluation.save_run_results(run_id, "c1", "task", {"accuracy": 0.75, "macro_f1": 0.5})
    assert evaluation.save_run_results(run_id, "c1", "weat", {"Career": {"effect_size": 0.4, "p_value": 0.1}})
    summary = evaluation.results_summary(run_id)
    assert summary["WordSim-353 ρ"] == 0.25 and math.isnan(summary["SimLex-999 ρ"])
    assert math.isnan(summary["analogies"]) and math.isnan(summary["retrieval MRR@10"])
    assert (summary["task accuracy"], summary["task macro-F1"], summary["WEAT d: Career"]) == (0.75, 0.5, 0.4)
    assert evaluation.run_results(run_id)["task"]["corpus_id"] == "c1"
