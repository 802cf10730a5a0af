"""Ranking and overlap metrics on plain numpy arrays: Jaccard@k, rank-biased overlap (Webber, Moffat and Zobel
2010, "A similarity measure for indefinite rankings"), MRR@k / recall@k of held-out pairs, and anisotropy
(the mean cosine of random pairs of vectors).
"""

from __future__ import annotations

import numpy as np

RETRIEVAL_K = 10


def rank_metrics(anchors: np.ndarray, positives: np.ndarray, k: int = RETRIEVAL_K) -> dict[str, float]:
    """MRR@k and recall@k of each anchor's own positive (row i of ``positives``) among all positives.

    Args:
        anchors, positives: arrays of shape (pairs, dim), unit rows; a pair with a zero row (a text the space
            knows no word of) is a miss, not a tie won.
    """
    sims = anchors @ positives.T
    ranks = (sims > np.diag(sims)[:, None]).sum(axis=1) + 1  # 1 = the right positive scored highest
    hits = (ranks <= k) & anchors.any(axis=1) & positives.any(axis=1)
    return {
        f"mrr@{k}": round(float(np.where(hits, 1.0 / ranks, 0.0).mean()), 6),
        f"recall@{k}": round(float(hits.mean()), 6),
    }


RBO_P = 0.9  # rank-biased overlap's persistence: the top 10 ranks carry ~2/3 of the weight


def jaccard(first: list[str] | set[str], second: list[str] | set[str]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty lists count as identical (1.0)."""
    a, b = set(first), set(second)
    return len(a & b) / len(a | b) if a | b else 1.0


def _row_jaccard(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    merged = np.sort(np.concatenate([first, second], axis=1), axis=1)
    common = (np.diff(merged, axis=1) == 0).sum(axis=1)
    return common / (first.shape[1] + second.shape[1] - common)


def rank_biased_overlap(first: np.ndarray, second: np.ndarray, p: float = RBO_P) -> np.ndarray:
    """Extrapolated rank-biased overlap (Webber et al. 2010) of two ranked lists per row.

    Agreement at the top ranks weighs most: identical lists give 1.0, disjoint ones 0.0, and the same set in
    another order something in between.

    Args:
        first, second: int arrays of shape (n, k), each row a ranked list of distinct items.

    Returns:
        float array of shape (n,).
    """
    n, k = first.shape
    # An item both lists hold joins the overlap at depth max(its rank in first, its rank in second) + 1.
    matches = first[:, :, None] == second[:, None, :]
    in_second = matches.any(axis=2)
    joins_at = np.maximum(np.arange(k)[None, :], matches.argmax(axis=2))
    overlap_by_depth = np.zeros((n, k + 1), dtype=np.int64)
    rows = np.nonzero(in_second)[0]
    np.add.at(overlap_by_depth, (rows, joins_at[in_second] + 1), 1)
    overlap = np.cumsum(overlap_by_depth, axis=1)[:, 1:]  # overlap[:, d-1] = |first[:d] ∩ second[:d]|
    depths = np.arange(1, k + 1)
    weights = (1 - p) / p * p**depths
    return (overlap / depths * weights).sum(axis=1) + overlap[:, -1] / k * p**k


ANISOTROPY_PAIRS = 2000


def mean_pair_cosine(vectors: np.ndarray, pairs: int = ANISOTROPY_PAIRS, seed: int = 0) -> float:
    """Anisotropy: the mean cosine of a seeded random sample of pairs of distinct rows (Ethayarajh 2019, "How
    contextual are contextualized word representations?"). Near 0 for directions spread over the space; near 1
    when every vector points the same way, so that every neighbour scores ~1 and rankings carry no meaning.

    Args:
        vectors: float array of shape (n, dim); rows need not be unit length (all-zero rows count as cosine 0).
        pairs: how many random pairs (i, j), i != j, to average over; all pairs when n is small.
        seed: the sampling seed (the same vectors always give the same value).

    Returns:
        The mean cosine in [-1, 1]; NaN when there are fewer than two rows.
    """
    n = len(vectors)
    if n < 2:
        return float("nan")
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = matrix / np.where(norms == 0, 1, norms)
    if n * (n - 1) // 2 <= pairs:  # small: every pair exactly
        first, second = np.triu_indices(n, k=1)
    else:
        rng = np.random.default_rng(seed)
        first = rng.integers(0, n, pairs)
        second = (first + rng.integers(1, n, pairs)) % n  # never the same row
    return float(np.einsum("ij,ij->i", unit[first], unit[second]).mean())
