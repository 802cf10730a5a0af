"""Change scores of big maps (issue 17): above maps.EXACT_NEIGHBOURS_UP_TO words, ``analysis.word_changes`` reads each
space's neighbours from pynndescent's NN-descent graph; at or below it, the exact search the What changed table uses.

The threshold is patched down to 200 words so that ~2,000-word clustered spaces take the approximate path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_space

from embedlab.analysis import compare_spaces, comparison, maps, neighbours, word_changes

N_WORDS, DIM, K = 2_000, 64, 10
LOW = 200


def _clustered(n: int, dim: int, seed: int, clusters: int = 20) -> np.ndarray:
    """Vectors scattered around topic centres, as word vectors cluster (bench/_common.clustered_vectors)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    return centres[rng.integers(0, clusters, n)] + rng.normal(scale=1.2, size=(n, dim))


@pytest.fixture(scope="module")
def pair():
    """A and B sharing 2,000 words; B is A moved by noise, so neighbourhoods partly change (mean Jaccard@10 ~0.4)."""
    words = [f"w{i}" for i in range(N_WORDS)]
    vectors = _clustered(N_WORDS, DIM, seed=1)
    moved = vectors + np.random.default_rng(2).normal(scale=0.6, size=vectors.shape)
    return make_space(words, vectors, name="a"), make_space(words, moved, name="b")


@pytest.fixture
def low_threshold(monkeypatch):
    monkeypatch.setattr(comparison, "EXACT_NEIGHBOURS_UP_TO", LOW)


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(x) & set(y)) / exact.shape[1] for x, y in zip(found, exact)]))


def test_the_threshold_is_the_maps_own():
    assert comparison.EXACT_NEIGHBOURS_UP_TO == maps.EXACT_NEIGHBOURS_UP_TO == 50_000


@pytest.mark.slow
def test_at_or_below_the_threshold_scores_are_exact_and_equal_the_tables(pair, low_threshold):
    a, b = pair
    words = [a.words[i] for i in np.random.default_rng(3).choice(N_WORDS, size=LOW, replace=False)]
    changes = word_changes(a, b, words, k=K)
    _, frame = compare_spaces(a, b, k=K, max_words=N_WORDS)
    table = frame.set_index("word").loc[words]
    assert changes.attrs == {"approximate": False, "note": ""}
    assert changes["jaccard"].tolist() == table["jaccard"].tolist()  # equal, not close: the same search
    assert changes["rank_overlap"].tolist() == table["rank_overlap"].tolist()


@pytest.mark.slow  # pynndescent compiles with numba on first use (~40 s on 2 loaded cores)
def test_approximate_neighbours_recall_the_exact_ones(pair):
    a, _ = pair
    rows = np.arange(0, N_WORDS, 3)
    found = neighbours.approximate_neighbor_indices(a, K, rows)
    exact = neighbours.neighbor_indices(a, K, rows)
    assert found.shape == exact.shape == (len(rows), K) and found.dtype == np.int64
    assert not (found == rows[:, None]).any()  # a word is never its own neighbour
    assert _recall(found, exact) >= 0.95
    # Ordered as the exact search orders: by decreasing similarity.
    sims = np.einsum("id,ikd->ik", a.vectors[rows], a.vectors[found])
    assert (np.diff(sims, axis=1) <= 1e-6).all()


@pytest.mark.slow
def test_above_the_threshold_scores_are_approximate_close_and_say_so(pair, low_threshold):
    a, b = pair
    words = list(a.words[: LOW * 5])
    exact = compare_spaces(a, b, k=K, max_words=N_WORDS)[1].set_index("word").loc[words]
    changes = word_changes(a, b, words, k=K, shown=K)
    assert changes["word"].tolist() == words
    assert changes.attrs["approximate"] is True
    assert "pynndescent" in changes.attrs["note"] and "200 words" in changes.attrs["note"]
    assert 0.2 < exact["jaccard"].mean() < 0.8  # the spaces differ, but not completely: errors would show
    jaccard_error = np.abs(changes["jaccard"].to_numpy() - exact["jaccard"].to_numpy())
    overlap_error = np.abs(changes["rank_overlap"].to_numpy() - exact["rank_overlap"].to_numpy())
    assert jaccard_error.mean() <= 0.02 and overlap_error.mean() <= 0.02
    exact_names = word_changes(a, b, words[:LOW], k=K, shown=K)  # at the threshold: the exact path
    for column in ("neighbours_a", "neighbours_b"):
        pairs = zip(changes[column][:LOW], exact_names[column])
        recall = np.mean([len(set(x.split(", ")) & set(y.split(", "))) / K for x, y in pairs])
        assert recall >= 0.95


@pytest.mark.slow
def test_approximate_scores_are_the_same_for_the_same_seed(pair, low_threshold):
    a, b = pair
    words = list(a.words[::4])
    first, again = word_changes(a, b, words, k=K, seed=5), word_changes(a, b, words, k=K, seed=5)
    pd.testing.assert_frame_equal(first, again)
    assert first.attrs == again.attrs


@pytest.mark.slow
def test_identical_vectors_tie_as_in_the_exact_search_and_short_graphs_fall_back_to_it():
    vectors = _clustered(300, 8, seed=4)
    vectors[10] = vectors[200]  # twins: each is the other's nearest, at distance 0
    space = make_space([f"w{i}" for i in range(300)], vectors)
    found = neighbours.approximate_neighbor_indices(space, 5, np.array([10, 200]))
    assert found[:, 0].tolist() == [200, 10]
    tiny = make_space([f"t{i}" for i in range(12)], _clustered(12, 8, seed=5))
    # k = 11 needs a 12-wide graph of 12 words, but NN-descent's is at most 11 wide (10 besides the word itself):
    # every row is short, so every row is searched exactly.
    assert (neighbours.approximate_neighbor_indices(tiny, 11) == neighbours.neighbor_indices(tiny, 11)).all()


def test_k_must_be_positive(pair):
    with pytest.raises(ValueError, match="k must be at least 1"):
        neighbours.approximate_neighbor_indices(pair[0], 0)
