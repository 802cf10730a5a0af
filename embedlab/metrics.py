"""Ranking and overlap metrics on plain numpy arrays: Jaccard@k, rank-biased overlap (Webber, Moffat and Zobel
2010, "A similarity measure for indefinite rankings"), MRR@k / recall@k of held-out pairs (exact ties at the
mid-rank, :func:`own_ranks`), and anisotropy (the mean cosine of random pairs of vectors).
"""

from __future__ import annotations

import numpy as np

RETRIEVAL_K = 10

# The percentile bootstrap every interval of EmbedLab uses (scipy.stats.bootstrap): evaluation.stats for the Evaluate
# page and the verdict, training.health for a fine-tune's check. Declared here, the stage both stand on.
CONFIDENCE = 0.95  # of every two-sided interval
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 42  # of the resamples only: not a training seed, not a sample seed
BOOTSTRAP_BATCH = 250  # resamples per vectorised call: 250 x 20,000 items of int64 indices is 40 MB


# Scores this close count as one score: float32 cosines carry about 7 significant digits, and a text encoded twice
# (in batches padded to other lengths) can differ in the last of them. Far below any difference a ranking can mean.
TIE_TOLERANCE = 1e-6


# How every rank metric here breaks ties (:func:`own_ranks`), in words for the pages, the CLI's JSON and the report.
TIE_RULE = (
    "a positive scoring as high as the query's own counts half a place above it (the mid-rank, the expected rank "
    "under random tie-breaking), so a tie favours no space"
)


def tied_with_own(scores: np.ndarray) -> np.ndarray:
    """How many other candidates score the same as each query's own item (within :data:`TIE_TOLERANCE`).

    Args:
        scores: float array of shape (queries, candidates), candidates >= queries; row i's own item is column i.

    Returns:
        int array of shape (queries,).
    """
    return (np.abs(scores - np.diag(scores)[:, None]) <= TIE_TOLERANCE).sum(axis=1) - 1


def own_ranks(scores: np.ndarray) -> np.ndarray:
    """The rank of each query's own item among all candidates, exact ties at the mid-rank.

    The tie rule of every rank metric here (MRR@k, recall@k, and through them held-out retrieval and the fine-tune's
    check): a candidate scoring the same as the query's own item (within :data:`TIE_TOLERANCE`) counts half a place
    above it. That is the mid-rank, the expected rank under random tie-breaking: 1 + (candidates scoring strictly
    higher) + (other candidates tied with it) / 2, what ``scipy.stats.rankdata(-row, method="average")`` gives the
    own item (counted here rather than sorting every row to read one rank). Neither the query nor a space gains from
    a tie: a space giving every text the same vector ranks each own item in the middle of the list, not first.

    Args:
        scores: float array of shape (queries, candidates), candidates >= queries; row i's own item is column i.

    Returns:
        float64 array of shape (queries,): ranks from 1 (the own item alone at the top) to ``candidates``, whole or
        half-integers.
    """
    higher = (scores > np.diag(scores)[:, None] + TIE_TOLERANCE).sum(axis=1)
    return 1.0 + higher + tied_with_own(scores) / 2.0


def query_scores(anchors: np.ndarray, positives: np.ndarray, k: int = RETRIEVAL_K) -> tuple[np.ndarray, np.ndarray]:
    """Per query, what :func:`rank_metrics` averages: the reciprocal of its own positive's rank (:func:`own_ranks`:
    ties at the mid-rank), 0 beyond rank k, and whether that rank is within the top k. A pair with a zero row (a text
    the space knows no word of) is a miss, never a tie won.

    Args:
        anchors, positives: unit rows of shape (pairs, dim); anchor i's own positive is row i.

    Returns:
        (float64 array of shape (pairs,), bool array of shape (pairs,)).
    """
    ranks = own_ranks(anchors @ positives.T)
    hits = (ranks <= k) & anchors.any(axis=1) & positives.any(axis=1)
    return np.where(hits, 1.0 / ranks, 0.0), hits


def rank_metrics(anchors: np.ndarray, positives: np.ndarray, k: int = RETRIEVAL_K) -> dict[str, float]:
    """MRR@k and recall@k of each anchor's own positive (row i of ``positives``) among all positives, exact ties at
    the mid-rank (:func:`own_ranks`; Voorhees 1999, "The TREC-8 Question Answering Track Report", for MRR).

    Args:
        anchors, positives: arrays of shape (pairs, dim), unit rows; a pair with a zero row (a text the space
            knows no word of) is a miss, not a tie won.

    Returns:
        ``{"mrr@k": ..., "recall@k": ...}``, each in [0, 1], rounded to 6 decimals.
    """
    reciprocal, hits = query_scores(anchors, positives, k)
    return {f"mrr@{k}": round(float(reciprocal.mean()), 6), f"recall@{k}": round(float(hits.mean()), 6)}


RBO_P = 0.9  # rank-biased overlap's persistence: the top 10 ranks carry ~2/3 of the weight


def jaccard(first: list[str] | set[str], second: list[str] | set[str]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty lists count as identical (1.0)."""
    a, b = set(first), set(second)
    return len(a & b) / len(a | b) if a | b else 1.0


def row_jaccard(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Jaccard@k of each row pair: |A ∩ B| / |A ∪ B| of row i of ``first`` and row i of ``second``.

    Args:
        first, second: integer arrays of shape (n, k1) and (n, k2), each row a neighbour list without repeats
            (word indices in one shared vocabulary).

    Returns:
        float64 array of shape (n,), each in [0, 1].
    """
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


def nearest_rows(vectors: np.ndarray, k: int, rows: np.ndarray | None = None, block_rows: int = 1024) -> np.ndarray:
    """The k nearest rows of the given rows by dot product (cosine for unit rows), nearest first, ties to the lower
    row index; a row is never its own neighbour. Computed in blocks of matrix products.

    Args:
        vectors: float array of shape (n, dim), unit rows for cosine.
        k: neighbours per row (capped at n - 1).
        rows: row indices to look up (default: every row).
        block_rows: rows per matrix product (memory: block_rows x n floats); the result is the same.

    Returns:
        int64 array of shape (len(rows), min(k, n - 1)).
    """
    rows = np.arange(len(vectors)) if rows is None else np.asarray(rows, dtype=np.int64)
    k = min(k, len(vectors) - 1)
    out = np.empty((len(rows), k), dtype=np.int64)
    for start in range(0, len(rows), block_rows):
        block = rows[start : start + block_rows]
        sims = vectors[block] @ vectors.T
        sims[np.arange(len(block)), block] = -np.inf
        out[start : start + len(block)] = _top_k(sims, k)
    return out


def _top_k(sims: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k largest values, largest first, ties broken by the lower index.

    The k-th largest of a row's chunk maxima bounds its k-th largest value from below, so only the few values at
    or above that bound are sorted. ``argpartition`` over whole rows took half the time of Jaccard@k over 20k
    words; this reads each value about three times and is ~4x faster. Chunks are strided (columns j, j + m,
    j + 2m...), not contiguous: a row's nearest words often sit together in frequency order, and contiguous
    chunks then gave a loose bound and thousands of candidates.

    Args:
        sims: float array of shape (rows, columns), columns > k, no NaN.

    Returns:
        int64 array of shape (rows, k).
    """
    n_rows, n_cols = sims.shape
    if k == 0:
        return np.zeros((n_rows, 0), dtype=np.int64)
    chunks = min(n_cols, 4 * k)  # at least k chunk maxima, so the bound exists
    whole = n_cols // chunks * chunks
    maxima = sims[:, :whole].reshape(n_rows, -1, chunks).max(axis=1)
    maxima = np.concatenate([maxima, sims[:, whole:]], axis=1)  # leftover columns count as chunks of one
    bound = -np.partition(-maxima, k - 1, axis=1)[:, k - 1]
    rows, cols = np.nonzero(sims >= bound[:, None])
    order = np.lexsort((cols, -sims[rows, cols], rows))
    first = np.searchsorted(rows, np.arange(n_rows))  # every row has at least k candidates
    return cols[order][first[:, None] + np.arange(k)].astype(np.int64)
