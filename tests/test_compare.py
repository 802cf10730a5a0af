"""Neighbours, Jaccard overlap between spaces, shared vocabulary and coverage (embedlab.analysis)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import make_space

from embedlab import analysis, metrics
from embedlab.analysis import (
    Neighbor,
    compare_neighbors,
    compare_spaces,
    nearest,
    neighbor_indices,
    shared_spaces,
    shared_vocabulary,
    vocabulary_coverage,
)
from embedlab.corpus import build_corpus
from embedlab.metrics import jaccard

# A 2-D compass: cosine similarities are known by heart.
COMPASS_WORDS = ["east", "northeast", "north", "west", "south"]
COMPASS = [[1, 0], [3, 3], [0, 2], [-1, 0], [0, -5]]  # lengths differ on purpose: rows get normalised


@pytest.fixture
def compass():
    return make_space(COMPASS_WORDS, COMPASS, name="compass")


def _random_space(n=200, dim=16, seed=0, name="random", prefix="w"):
    rng = np.random.default_rng(seed)
    return make_space([f"{prefix}{i}" for i in range(n)], rng.normal(size=(n, dim)), name=name)


def _rotated(space, seed=1, name="rotated"):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(space.dim, space.dim)))
    return make_space(space.words, space.vectors @ q, name=name, counts=space.counts)


# --- nearest ------------------------------------------------------------------------------------------------


def test_nearest_orders_by_cosine_and_breaks_ties_by_row_order(compass):
    result = nearest(compass, "east", k=3)
    assert [n.word for n in result] == ["northeast", "north", "south"]  # north/south tie at 0: row order
    assert [n.similarity for n in result] == pytest.approx([np.sqrt(0.5), 0.0, 0.0], abs=1e-6)
    assert all(isinstance(n, Neighbor) and isinstance(n.similarity, float) for n in result)


def test_nearest_excludes_the_word_and_caps_k_at_vocabulary(compass):
    result = nearest(compass, "north", k=50)
    assert [n.word for n in result] == ["northeast", "east", "west", "south"]
    assert [n.similarity for n in result] == pytest.approx([np.sqrt(0.5), 0, 0, -1], abs=1e-6)


def test_nearest_does_not_modify_the_space(compass):
    before = compass.vectors.copy()
    nearest(compass, "west", k=2)
    np.testing.assert_array_equal(compass.vectors, before)


def test_nearest_unknown_word_suggests_close_words(compass):
    with pytest.raises(ValueError) as caught:
        nearest(compass, "easst")
    message = str(caught.value)
    assert "'easst' is not in compass (5 words)" in message
    assert "did you mean east" in message


def test_nearest_unknown_word_without_close_match_has_no_suggestion(compass):
    with pytest.raises(ValueError) as caught:
        nearest(compass, "zzzzzz")
    assert "did you mean" not in str(caught.value)


@pytest.mark.parametrize("k", [0, -3])
def test_nearest_rejects_non_positive_k(compass, k):
    with pytest.raises(ValueError, match=f"k must be at least 1, got {k}"):
        nearest(compass, "east", k=k)


# --- jaccard ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, second, expected",
    [
        (["a", "b", "c"], ["b", "c", "d"], 0.5),
        (["a", "b"], ["a", "b"], 1.0),
        (["a", "b"], ["c", "d"], 0.0),
        (["a", "a", "b"], ["b"], 0.5),  # duplicates count once
        ({"x"}, ["x", "y", "z", "w"], 0.25),
        ([], [], 1.0),
        (["a"], [], 0.0),
    ],
)
def test_jaccard(first, second, expected):
    assert jaccard(first, second) == expected


# --- shared vocabulary --------------------------------------------------------------------------------------


def test_shared_spaces_restricts_both_to_the_same_words_in_the_same_order():
    a = make_space(["a", "b", "c", "d", "e"], np.eye(5), name="A", counts=[1, 5, 3, 0, 9])
    b = make_space(["d", "c", "x", "b"], np.eye(4) * 2, name="B", counts=[7, 7, 7, 7])
    assert shared_vocabulary(a, b) == ("b", "c", "d")  # by A's corpus counts
    shared_a, shared_b = shared_spaces(a, b)
    assert shared_a.words == shared_b.words == ("b", "c", "d")
    np.testing.assert_array_equal(shared_a.vectors, a.vectors[[1, 2, 3]])
    np.testing.assert_array_equal(shared_b.vectors, b.vectors[[3, 1, 0]])
    assert shared_a.counts.tolist() == [5, 3, 0] and shared_b.counts.tolist() == [7, 7, 7]
    assert (shared_a.name, shared_b.name) == ("A", "B")


def test_shared_vocabulary_without_counts_keeps_a_order():
    a = make_space(["q", "r", "s"], np.eye(3), counts=[0, 0, 0])
    b = make_space(["s", "q", "r"], np.eye(3), counts=[0, 0, 0])
    assert shared_vocabulary(a, b) == ("q", "r", "s")


@pytest.mark.parametrize("b_words", [["a", "x", "y"], ["x", "y", "z"]])
def test_shared_spaces_needs_two_shared_words(b_words):
    a = make_space(["a", "b", "c"], np.eye(3), name="A")
    b = make_space(b_words, np.eye(3), name="B")
    shared = len(set(b_words) & {"a", "b", "c"})
    with pytest.raises(ValueError, match=f"A and B share {shared} words; at least 2 are needed"):
        shared_spaces(a, b)


# --- compare_spaces -----------------------------------------------------------------------------------------


def test_identical_spaces_have_jaccard_one():
    a = _random_space()
    summary, frame = compare_spaces(a, _random_space(name="copy"), k=10)
    assert summary.mean_jaccard == 1.0 and summary.median_jaccard == 1.0
    assert (summary.shared_words, summary.only_a, summary.only_b, summary.compared_words, summary.k) == (
        200,
        0,
        0,
        200,
        10,
    )
    assert list(frame.columns) == [
        "word",
        "jaccard",
        "rank_overlap",
        "deep_overlap",
        "count_a",
        "count_b",
        "band",
        "kind",
        "floor",
        "noise_p",
        "beyond_noise",
    ]
    assert frame["floor"].isna().all() and not frame["beyond_noise"].any()  # no seed replicas: floor unknown
    assert not summary.noise.known
    assert frame["jaccard"].eq(1.0).all() and len(frame) == 200
    assert frame["rank_overlap"].to_numpy() == pytest.approx(1.0)
    assert frame["deep_overlap"].to_numpy() == pytest.approx(1.0) and summary.tie_depth == 100
    assert frame["kind"].eq("content").all()  # w0..w199 are identifiers, not numbers
    assert summary.mean_rank_overlap == pytest.approx(1.0)


def test_rotated_copy_has_jaccard_one():
    a = _random_space()
    b = _rotated(a)
    assert not np.allclose(a.vectors, b.vectors, atol=1e-2)
    summary, frame = compare_spaces(a, b, k=10)
    assert summary.mean_jaccard == pytest.approx(1.0)
    assert frame["jaccard"].min() == pytest.approx(1.0)
    assert frame["rank_overlap"].min() == pytest.approx(1.0)  # the same neighbours in the same order


def _paired_space(pairs, n, name):
    """n words; the two words of each pair share one axis, so each word's only neighbour is its partner."""
    vectors = np.zeros((n, len(pairs)))
    for axis, (i, j) in enumerate(pairs):
        vectors[[i, j], axis] = 1.0
    return make_space([f"w{i}" for i in range(n)], vectors, name=name)


def test_disjoint_neighbourhoods_have_jaccard_zero():
    a = _paired_space([(0, 1), (2, 3), (4, 5), (6, 7)], 8, "A")
    b = _paired_space([(0, 2), (1, 3), (4, 6), (5, 7)], 8, "B")
    summary, frame = compare_spaces(a, b, k=1)
    assert summary.mean_jaccard == 0.0 and summary.median_jaccard == 0.0
    assert frame["jaccard"].tolist() == [0.0] * 8
    assert frame["rank_overlap"].tolist() == [0.0] * 8 and summary.mean_rank_overlap == 0.0
    comparison = compare_neighbors(a, b, "w0", k=1)
    assert [n.word for n in comparison.a] == ["w1"] and [n.word for n in comparison.b] == ["w2"]
    assert comparison.in_both == frozenset() and comparison.jaccard == 0.0


def test_half_overlapping_neighbourhoods():
    # Four clusters of two in A; B keeps pairs (0,1),(2,3) and swaps the others: half the words keep their
    # neighbour.
    a = _paired_space([(0, 1), (2, 3), (4, 5), (6, 7)], 8, "A")
    b = _paired_space([(0, 1), (2, 3), (4, 6), (5, 7)], 8, "B")
    summary, frame = compare_spaces(a, b, k=1)
    assert frame["jaccard"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert summary.mean_jaccard == 0.5 and summary.median_jaccard == 0.5


def test_compare_spaces_counts_words_only_in_one_space_and_caps_k_and_words():
    rng = np.random.default_rng(3)
    a = make_space(
        ["s1", "s2", "s3", "s4", "a1", "a2"], rng.normal(size=(6, 4)), name="A", counts=[10, 40, 30, 20, 99, 98]
    )
    b = make_space(["b1", "s3", "b2", "s1", "b3", "s2", "s4"], rng.normal(size=(7, 4)), name="B")
    summary, frame = compare_spaces(a, b, k=10, max_words=3)
    assert (summary.shared_words, summary.only_a, summary.only_b) == (4, 2, 3)
    assert summary.compared_words == 3 and summary.k == 3  # k capped at shared words - 1
    assert len(set(frame["word"])) == 3 and set(frame["word"]) <= {"s1", "s2", "s3", "s4"}
    counts = {"s1": 10, "s2": 40, "s3": 30, "s4": 20}
    assert frame["count_a"].tolist() == [counts[w] for w in frame["word"]]
    assert frame["count_a"].is_monotonic_decreasing  # most frequent first
    # with k = all other shared words, every neighbourhood is the same set: Jaccard 1
    assert frame["jaccard"].tolist() == [1.0, 1.0, 1.0]
    _, kept = compare_spaces(a, b, k=10, max_words=3, must_include=["s1"])
    assert "s1" in set(kept["word"]) and len(kept) == 3


def test_compare_spaces_needs_shared_words():
    a = make_space(["a", "b"], np.eye(2), name="A")
    b = make_space(["c", "d"], np.eye(2), name="B")
    with pytest.raises(ValueError, match="share 0 words"):
        compare_spaces(a, b)


# --- neighbor_indices ---------------------------------------------------------------------------------------


def _brute_force(vectors: np.ndarray, k: int, rows: int) -> list[list[int]]:
    sims = vectors[:rows] @ vectors.T
    sims[np.arange(rows), np.arange(rows)] = -np.inf
    return [np.argsort(-row, kind="stable")[:k].tolist() for row in sims]


@pytest.mark.parametrize("block_rows", [1024, 7, 1])
@pytest.mark.parametrize("k, rows", [(5, None), (1, None), (10, 23), (100, None)])
def test_neighbor_indices_match_brute_force(block_rows, k, rows):
    space = _random_space(n=50, dim=8, seed=5)
    result = neighbor_indices(space, k, None if rows is None else np.arange(rows), block_rows=block_rows)
    expected_rows = 50 if rows is None else rows
    expected_k = min(k, 49)
    assert result.shape == (expected_rows, expected_k) and result.dtype == np.int64
    assert result.tolist() == _brute_force(space.vectors, expected_k, expected_rows)  # nearest first
    assert all(i not in row for i, row in enumerate(result.tolist()))  # a word is never its own neighbour


def test_neighbor_indices_break_ties_by_row_order():
    space = make_space([f"w{i}" for i in range(30)], np.ones((30, 4)))  # every word at the same place
    assert neighbor_indices(space, 5).tolist() == _brute_force(space.vectors, 5, 30)


@pytest.mark.parametrize("k", [1, 3, 10])
def test_top_k_when_the_nearest_columns_sit_together(k):
    """Neighbours clustered in a few adjacent columns (frequent words): the bound still keeps all of them."""
    rng = np.random.default_rng(3)
    sims = rng.uniform(-0.2, 0.2, size=(20, 500)).astype(np.float32)
    sims[:, 40:60] = rng.uniform(0.8, 0.9, size=(20, 20))
    sims[:, 45] = sims[:, 50] = 0.95  # a tie: the lower column comes first
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(metrics._top_k(sims, k), expected)


def test_compare_spaces_frame_columns_are_plain_python_strings():
    a = _random_space(n=60, seed=2)
    _, frame = compare_spaces(a, _rotated(a), k=5)
    assert frame["word"].dtype == object and frame["band"].dtype == object  # cheap to iterate on every rerun
    assert isinstance(frame["band"].iloc[0], str)


def test_compare_spaces_is_the_same_with_small_blocks():
    a = _random_space(n=120, seed=7)
    b = make_space(a.words, a.vectors + np.random.default_rng(8).normal(scale=0.3, size=a.vectors.shape), name="noisy")
    expected, expected_frame = compare_spaces(a, b, k=5)
    summary, frame = compare_spaces(a, b, k=5, block_rows=16)
    assert 0 < summary.mean_jaccard < 1
    assert summary == expected
    assert frame["jaccard"].tolist() == expected_frame["jaccard"].tolist()


def test_word_changes_score_given_words_in_order_as_the_table_does_and_name_their_nearest(compass):
    a = _random_space(n=80, seed=3)
    b = make_space(a.words, a.vectors + np.random.default_rng(4).normal(scale=0.4, size=a.vectors.shape), name="b")
    words = ["w17", "w3", "w60"]
    changes = analysis.word_changes(a, b, words, k=5, shown=2)
    _, frame = compare_spaces(a, b, k=5)
    table = frame.set_index("word")
    assert changes["word"].tolist() == words  # the order asked for, not frequency order
    assert changes["jaccard"].tolist() == pytest.approx(table.loc[words, "jaccard"].tolist())
    assert changes["rank_overlap"].tolist() == pytest.approx(table.loc[words, "rank_overlap"].tolist())
    assert changes["neighbours_a"].iloc[1] == ", ".join(n.word for n in nearest(a, "w3", 2))
    assert changes["neighbours_b"].iloc[1] == ", ".join(n.word for n in nearest(b, "w3", 2))
    same = analysis.word_changes(compass, compass, ["east"], k=2)
    assert same["jaccard"].tolist() == [1.0] and same["neighbours_a"].tolist() == ["northeast, north"]


# --- coverage -----------------------------------------------------------------------------------------------

COVERAGE_TEXT = b"alpha alpha alpha beta beta gamma delta"  # alpha 3, beta 2, delta 1, gamma 1


@pytest.fixture
def small_corpus(fresh_home):
    corpus = build_corpus("cov.txt", COVERAGE_TEXT)
    assert list(corpus.counts.items()) == [("alpha", 3), ("beta", 2), ("delta", 1), ("gamma", 1)]
    return corpus


def test_coverage_of_a_word_space(small_corpus):
    space = make_space(["gamma", "alpha", "unused"], np.eye(3), name="S")
    result = vocabulary_coverage(space, small_corpus)
    assert (result.space, result.tokens, result.types) == ("S", 7, 4)
    assert result.token_coverage == pytest.approx(4 / 7)
    assert result.type_coverage == pytest.approx(2 / 4)
    assert result.top_missing == [("beta", 2), ("delta", 1)]  # most frequent first
    assert result.split_token_share is None and result.mean_pieces_per_token is None
    assert vocabulary_coverage(space, small_corpus, top=1).top_missing == [("beta", 2)]


def test_coverage_with_a_piece_counter_uses_pieces(small_corpus):
    pieces = {"alpha": 1, "beta": 2, "delta": 3, "gamma": 1}
    calls = []

    def fake_counter(words):
        calls.append(list(words))
        return np.array([pieces[w] for w in words], dtype=np.int32)

    # the space's own words do not matter for a WordPiece model: the tokenizer decides
    space = dataclasses.replace(make_space(["zzz", "yyy"], np.eye(2), name="wp"), piece_counter=fake_counter)
    result = vocabulary_coverage(space, small_corpus)
    assert calls == [["alpha", "beta", "delta", "gamma"]]
    # it encodes every word (as the Neighbours view does): nothing is missing; what it counts is what it splits
    assert result.encodes_every_word and result.token_coverage == result.type_coverage == 1.0
    assert result.top_missing == []
    assert result.top_split == [("beta", 2), ("delta", 1)]  # most frequent first
    assert result.split_type_share == pytest.approx(0.5)  # alpha and gamma stay whole
    assert result.split_token_share == pytest.approx(3 / 7)  # beta x2 + delta x1 are split
    assert result.mean_pieces_per_token == pytest.approx((3 * 1 + 2 * 2 + 1 * 3 + 1 * 1) / 7)


def test_coverage_of_the_tiny_corpus_by_a_run_like_space(tiny_text_corpus):
    counts = tiny_text_corpus.counts
    words = list(counts)
    kept = words[::2]  # every other word, most frequent first
    space = make_space(kept, np.random.default_rng(0).normal(size=(len(kept), 4)), name="half")
    result = vocabulary_coverage(space, tiny_text_corpus, top=5)
    total = sum(counts.values())
    assert result.tokens == total == tiny_text_corpus.stats.tokens
    assert result.types == len(words)
    assert result.token_coverage == pytest.approx(sum(counts[w] for w in kept) / total)
    assert result.type_coverage == pytest.approx(len(kept) / len(words))
    assert result.top_missing == [(w, counts[w]) for w in words[1::2][:5]]


# --- rank-biased overlap --------------------------------------------------------------------------------------


def _rbo_by_definition(first: list[int], second: list[int], p: float = 0.9) -> float:
    k = len(first)
    agreement = sum(len(set(first[:d]) & set(second[:d])) / d * p**d for d in range(1, k + 1))
    return (1 - p) / p * agreement + len(set(first) & set(second)) / k * p**k


def test_rank_biased_overlap_known_values():
    first = np.array([[1, 2, 3, 4]] * 4)
    second = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [4, 3, 2, 1], [1, 5, 6, 7]])
    scores = metrics.rank_biased_overlap(first, second)
    assert scores[0] == pytest.approx(1.0) and scores[1] == 0.0
    assert scores[2] == pytest.approx(0.783)  # the same set reversed: Jaccard would say 1.0
    assert scores[3] == pytest.approx(0.35425)  # only the top item shared
    assert scores[3] > metrics.rank_biased_overlap(np.array([[1, 2, 3, 4]]), np.array([[5, 6, 7, 1]]))[0]


def test_rank_biased_overlap_matches_its_definition_on_random_lists():
    rng = np.random.default_rng(11)
    first = np.stack([rng.choice(30, size=10, replace=False) for _ in range(200)])
    second = np.stack([rng.choice(30, size=10, replace=False) for _ in range(200)])
    expected = [_rbo_by_definition(f.tolist(), s.tolist()) for f, s in zip(first, second)]
    assert metrics.rank_biased_overlap(first, second) == pytest.approx(expected)


# --- frequency bands ------------------------------------------------------------------------------------------


def test_frequency_bands_are_readable_and_ordered():
    counts = np.array([1, 2, 4, 5, 9, 10, 19, 20, 99, 100, 1000, 1234])
    assert analysis.frequency_bands(counts).tolist() == [
        "1",
        "2–4",
        "2–4",
        "5–9",
        "5–9",
        "10–19",
        "10–19",
        "20–49",
        "50–99",
        "100–199",
        "1,000–1,999",
        "1,000–1,999",
    ]
    assert analysis.band_order(counts) == [
        "1",
        "2–4",
        "5–9",
        "10–19",
        "20–49",
        "50–99",
        "100–199",
        "200–499",
        "500–999",
        "1,000–1,999",
    ]
    # a band's label does not depend on the other counts, so a link's band means the same everywhere
    assert analysis.frequency_bands(np.array([1000]))[0] == analysis.frequency_bands(counts)[-1]
    assert analysis.frequency_bands(np.array([1, 1])).tolist() == ["1", "1"]


# --- coverage in depth ------------------------------------------------------------------------------------------

BANDED_TEXT = " ".join(["common"] * 12 + ["often"] * 6 + ["some"] * 3 + ["rare", "odd"]).encode()


def test_coverage_by_band_shows_where_a_space_loses_the_corpus(fresh_home):
    corpus = build_corpus("banded.txt", BANDED_TEXT)
    space = make_space(["common", "some", "odd"], np.eye(3), name="S")
    bands = analysis.coverage_by_band(space, corpus)
    assert bands["band"].tolist() == ["1", "2–4", "5–9", "10–19"]  # rarest first, only bands with words
    assert bands["words"].tolist() == [2, 1, 1, 1] and bands["tokens"].tolist() == [2, 3, 6, 12]
    assert bands["covered_words"].tolist() == [1, 1, 0, 1]
    assert bands["token_coverage"].tolist() == [0.5, 1.0, 0.0, 1.0]


def test_missing_words_lists_every_missing_word_most_frequent_first(fresh_home):
    corpus = build_corpus("banded.txt", BANDED_TEXT)
    missing = analysis.missing_words(make_space(["common", "zzz"], np.eye(2)), corpus)
    assert missing.values.tolist() == [["often", 6], ["some", 3], ["odd", 1], ["rare", 1]]


def test_missing_words_of_a_run_say_whether_training_dropped_them_or_never_saw_them(fresh_home):
    corpus = build_corpus("banded.txt", BANDED_TEXT)  # common 12, often 6, some 3, odd 1, rare 1
    training = {"common": 40, "often": 2, "some": 9, "odd": 1}  # the run's own corpus: no "rare"
    missing = analysis.missing_words(make_space(["common", "zzz"], np.eye(2)), corpus, training, min_count=3)
    assert missing.to_dict("list") == {
        "word": ["often", "some", "odd", "rare"],
        "count": [6, 3, 1, 1],
        "why": [analysis.BELOW_MIN_COUNT, analysis.NOT_KEPT, analysis.BELOW_MIN_COUNT, analysis.NEVER_SEEN],
        "training_count": [2, 9, 1, 0],
    }


def test_fragmentation_histogram_and_worst_words(fresh_home):
    corpus = build_corpus("banded.txt", BANDED_TEXT)
    pieces = {"common": 1, "often": 2, "some": 1, "rare": 4, "odd": 2}
    space = dataclasses.replace(
        make_space(["x", "y"], np.eye(2), name="wp"), piece_counter=lambda words: np.array([pieces[w] for w in words])
    )
    histogram, worst = analysis.fragmentation(space, corpus, split=lambda w: [w[:2], "##" + w[2:]])
    assert histogram.values.tolist() == [[1, 2, 15], [2, 2, 7], [4, 1, 1]]  # pieces, words, tokens
    assert worst["word"].tolist() == ["rare", "often", "odd"]  # most pieces, then most frequent
    assert worst["split"].tolist() == ["ra ##re", "of ##ten", "od ##d"]
    with pytest.raises(ValueError, match="not a WordPiece model"):
        analysis.fragmentation(make_space(["x", "y"], np.eye(2), name="plain"), corpus, split=list)


def test_character_ngrams_mark_word_ends():
    assert analysis.character_ngrams("ab", 3, 4) == {"<ab", "ab>", "<ab>"}
    assert "<mat" in analysis.character_ngrams("matrix", 3, 6) and "trix>" in analysis.character_ngrams("matrix", 3, 6)


def test_subword_coverage_counts_missing_words_built_from_trained_ngrams(fresh_home):
    corpus = build_corpus("sub.txt", b"matrix matrix matrices qwzx vector vectors")
    token_share, type_share = analysis.subword_coverage(["matrix", "vector"], corpus)
    # missing words: vectors (14 of its 22 n-grams come from "vector": represented), matrices (10 of 26 from
    # "matrix": under half) and qwzx (none)
    assert type_share == pytest.approx(1 / 3)
    assert token_share == pytest.approx(1 / 3)
    assert analysis.subword_coverage(["matrix", "vector"], corpus, threshold=0.35) == pytest.approx((2 / 3, 2 / 3))
    assert analysis.subword_coverage(["matrix", "matrices", "qwzx", "vector", "vectors"], corpus) == (1.0, 1.0)
