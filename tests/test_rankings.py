"""The "most changed" ranking (embedlab.analysis.rank_changes): ties at Jaccard 0 ordered by rank-biased overlap of
the 100 nearest, stopwords, numbers and punctuation hidden by default, and the tie count the page shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_space

from embedlab import analysis, metrics
from embedlab.analysis import WordKind, compare_spaces, nearest, rank_changes, word_kind


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("matrix", WordKind.CONTENT),
        ("np.linalg.norm", WordKind.CONTENT),  # an identifier, dots and all
        ("C++", WordKind.CONTENT),
        ("x86", WordKind.CONTENT),
        ("2d", WordKind.CONTENT),
        ("0x1f", WordKind.CONTENT),
        ("__init__", WordKind.CONTENT),
        ("v", WordKind.CONTENT),  # a lone v is a letter, not a version
        ("version", WordKind.CONTENT),
        ("the", WordKind.STOPWORD),
        ("The", WordKind.STOPWORD),  # case-insensitive
        ("of", WordKind.STOPWORD),
        ("42", WordKind.NUMBER),
        ("3.14", WordKind.NUMBER),
        ("1,000", WordKind.NUMBER),
        ("-5", WordKind.NUMBER),
        ("10%", WordKind.NUMBER),
        ("1e-5", WordKind.NUMBER),
        ("3.11.2", WordKind.NUMBER),  # a version number
        ("v2.0", WordKind.NUMBER),  # a version number with its v
        ("V3", WordKind.NUMBER),
        ("١٢", WordKind.NUMBER),  # Arabic-Indic digits: Unicode category Nd
        ("½", WordKind.NUMBER),  # category No
        ("--", WordKind.PUNCTUATION),
        (">>>", WordKind.PUNCTUATION),
        ("==", WordKind.PUNCTUATION),
        ("_", WordKind.PUNCTUATION),
        ("…", WordKind.PUNCTUATION),
    ],
)
def test_word_kind_tells_numbers_from_identifiers(word, kind):
    assert word_kind(word) is kind


def _frame(rows):
    words, jaccard, rank_overlap, deep, counts, kinds = zip(*rows)
    return pd.DataFrame(
        {
            "word": list(words),
            "jaccard": jaccard,
            "rank_overlap": rank_overlap,
            "deep_overlap": deep,
            "count_a": counts,
            "count_b": counts,
            "band": ["x"] * len(rows),
            "kind": [word_kind(w).value for w in words],
        }
    ).astype({"word": object, "kind": object})


# What compare_spaces returns, most frequent first: six words tie at Jaccard 0, the function words most frequent.
TIED = _frame(
    [
        ("the", 0.0, 0.0, 0.01, 900, None),
        ("of", 0.0, 0.0, 0.02, 800, None),
        ("3.11.2", 0.0, 0.0, 0.00, 700, None),
        ("--", 0.0, 0.0, 0.03, 600, None),
        ("solver", 0.0, 0.0, 0.30, 500, None),
        ("sparse", 0.2, 0.15, 0.40, 400, None),
        ("kernel", 0.0, 0.0, 0.05, 300, None),
        ("np.linalg.norm", 0.0, 0.0, 0.12, 200, None),
        ("spline", 0.0, 0.0, 0.12, 250, None),  # ties np.linalg.norm on deep overlap too: frequency decides
        ("matrix", 0.5, 0.60, 0.70, 100, None),
    ]
)


def test_ties_are_ordered_by_deep_overlap_and_function_words_numbers_punctuation_hidden():
    ranked = rank_changes(TIED)
    # Jaccard first; among the Jaccard-0 ties the lower deep overlap first; on equal deep overlap (spline and
    # np.linalg.norm, 0.12) the more frequent word first.
    assert ranked.words["word"].tolist() == ["kernel", "spline", "np.linalg.norm", "solver", "sparse", "matrix"]
    assert (ranked.scored, ranked.hidden, ranked.ties) == (10, 4, 4)
    assert ranked.tie_caption() == (
        "4 of 6 scored words tie at Jaccard 0; ties ordered by rank-biased overlap of the 100 nearest neighbours. "
        "4 stopwords, numbers and punctuation-only tokens are hidden."
    )


def test_all_words_shows_the_hidden_ones_in_the_same_order():
    ranked = rank_changes(TIED, all_words=True)
    assert ranked.words["word"].tolist() == [
        "3.11.2",
        "the",
        "of",
        "--",
        "kernel",
        "spline",
        "np.linalg.norm",
        "solver",
        "sparse",
        "matrix",
    ]
    assert (ranked.hidden, ranked.ties) == (0, 8)
    assert ranked.tie_caption() == (
        "8 of 10 scored words tie at Jaccard 0; ties ordered by rank-biased overlap of the 100 nearest neighbours."
    )


def test_rank_overlap_ranking_breaks_its_ties_the_same_way():
    ranked = rank_changes(TIED, metric="rank_overlap")
    assert ranked.words["word"].tolist() == ["kernel", "spline", "np.linalg.norm", "solver", "sparse", "matrix"]
    with pytest.raises(ValueError, match="metric must be one of jaccard, rank_overlap, got 'cosine'"):
        rank_changes(TIED, metric="cosine")


WORDS = ["the", "of", "and", "3.11.2", "v2.0", "42", "--", "np.linalg.norm", "C++"] + [f"w{i}" for i in range(191)]


@pytest.fixture(scope="module")
def unrelated():
    """Two independent random spaces over the same 200 words: nearly every word ties at Jaccard@5 0."""
    rng = np.random.default_rng(11)
    a = make_space(WORDS, rng.normal(size=(len(WORDS), 8)), name="a")
    b = make_space(WORDS, rng.normal(size=(len(WORDS), 8)), name="b")
    return a, b


def test_deep_overlap_is_rank_biased_overlap_of_the_100_nearest(unrelated):
    a, b = unrelated
    summary, frame = compare_spaces(a, b, k=5)
    assert summary.tie_depth == 100
    table = frame.set_index("word")
    index = {w: i for i, w in enumerate(a.words)}
    for word in ("the", "np.linalg.norm", "w7", "w150"):
        first = np.array([[index[n.word] for n in nearest(a, word, 100)]])
        second = np.array([[index[n.word] for n in nearest(b, word, 100)]])
        assert table.loc[word, "deep_overlap"] == pytest.approx(metrics.rank_biased_overlap(first, second, 0.98)[0])
        # Jaccard@5 and rank overlap@5 are read from the first 5 of the 100: the same as a search for 5
        assert table.loc[word, "jaccard"] == pytest.approx(
            metrics.jaccard(first[0, :5].tolist(), second[0, :5].tolist())
        )
    _, shallow = analysis.compare_spaces(a, b, k=5)
    assert shallow["rank_overlap"].tolist() == frame["rank_overlap"].tolist()


def test_compare_ranking_of_unrelated_spaces(unrelated):
    a, b = unrelated
    _, frame = compare_spaces(a, b, k=5)
    ranked = rank_changes(frame)
    listed = ranked.words
    assert not set(listed["word"]) & {"the", "of", "and", "3.11.2", "v2.0", "42", "--"}
    assert {"np.linalg.norm", "C++"} <= set(listed["word"])
    assert ranked.hidden == 7 and len(listed) == 193
    ties = listed[listed["jaccard"] == 0]
    assert ranked.ties == len(ties) == int((frame[frame["kind"] == "content"]["jaccard"] == 0).sum())
    assert ranked.ties > 150  # most words tie: without a tie-break the order would be frequency
    assert listed["word"].head(ranked.ties).tolist() == ties["word"].tolist()  # the ties come first
    assert np.all(np.diff(ties["deep_overlap"].to_numpy()) >= 0)  # ordered by deep overlap
    assert ties["deep_overlap"].nunique() > 100  # and that order is not itself a tie
    everything = rank_changes(frame, all_words=True)
    assert len(everything.words) == 200 and everything.hidden == 0
    assert set(everything.words["word"]) == set(WORDS)


def test_a_word_that_moved_next_door_ranks_below_one_that_moved_away():
    """Both share none of their 3 nearest in B; the one that moved to the next cluster keeps more of its 100 nearest."""
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(12, 32)) * 5
    centres[1] = centres[0] + rng.normal(size=32) * 1.5  # cluster 1 is next door to cluster 0
    words, vectors = [], []
    for c in range(12):
        for i in range(10):
            words.append(f"c{c}_{i}")
            vectors.append(centres[c] + rng.normal(size=32) * 0.3)
    vectors_b = np.array(vectors)
    a = make_space(words, vectors, name="a")
    vectors_b[words.index("c0_0")] = centres[1] + rng.normal(size=32) * 0.3  # next door
    vectors_b[words.index("c0_1")] = centres[7] + rng.normal(size=32) * 0.3  # far away
    b = make_space(words, vectors_b, name="b")
    _, frame = compare_spaces(a, b, k=3)
    table = frame.set_index("word")
    assert table.loc["c0_0", "jaccard"] == table.loc["c0_1", "jaccard"] == 0.0
    assert table.loc["c0_0", "rank_overlap"] == table.loc["c0_1", "rank_overlap"] == 0.0
    assert table.loc["c0_0", "deep_overlap"] > table.loc["c0_1", "deep_overlap"]
    order = rank_changes(frame).words["word"].tolist()
    assert order[:2] == ["c0_1", "c0_0"]
