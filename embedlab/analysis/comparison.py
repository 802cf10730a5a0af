"""How every shared word's neighbourhood changed between two spaces: Jaccard@k and rank-biased overlap, computed
in blocks of matrix products, with a frequency-stratified sample past a cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from embedlab.analysis.bands import frequency_bands
from embedlab.analysis.maps import sample_words
from embedlab.analysis.neighbours import BLOCK_ROWS, neighbor_indices, shared_spaces
from embedlab.metrics import _row_jaccard, rank_biased_overlap
from embedlab.spaces.space import EmbeddingSpace

DEFAULT_MAX_WORDS = 20_000


@dataclass(frozen=True)
class ComparisonSummary:
    """How much neighbourhoods changed between two spaces, over the words scored (means and medians of Jaccard@k and
    rank-biased overlap, in 0..1)."""

    shared_words: int
    only_a: int
    only_b: int
    compared_words: int  # shared words scored: all of them, or a frequency-stratified sample past the cap
    k: int
    mean_jaccard: float
    median_jaccard: float
    mean_rank_overlap: float
    median_rank_overlap: float
    zero_a: tuple[str, ...] = ()  # words left out of A (and B) for their all-zero vectors: no direction, no score
    zero_b: tuple[str, ...] = ()


def _block_scores(first: np.ndarray, second: np.ndarray, block_rows: int) -> tuple[np.ndarray, np.ndarray]:
    jaccards, overlaps = [], []
    for start in range(0, len(first), block_rows):
        stop = start + block_rows
        jaccards.append(_row_jaccard(first[start:stop], second[start:stop]))
        overlaps.append(rank_biased_overlap(first[start:stop], second[start:stop]))
    return np.concatenate(jaccards), np.concatenate(overlaps)


def compare_spaces(
    a: EmbeddingSpace,
    b: EmbeddingSpace,
    k: int = 10,
    max_words: int = DEFAULT_MAX_WORDS,
    seed: int = 0,
    must_include: Sequence[str] = (),
    block_rows: int = BLOCK_ROWS,
) -> tuple[ComparisonSummary, pd.DataFrame]:
    """How much each shared word's neighbourhood changed between A and B: Jaccard@k and rank-biased overlap.

    Neighbours are searched over the whole shared vocabulary; the words scored are all shared words, or when
    there are more than ``max_words`` a seeded frequency-stratified sample of them (``must_include`` kept).
    ``block_rows`` bounds memory (see :func:`neighbor_indices`) and never changes the result.

    Returns:
        The summary and a frame with columns word, jaccard, rank_overlap, count_a, count_b, band, most frequent
        first.
    """
    shared_a, shared_b = shared_spaces(a, b)
    scored = sample_words(shared_a.words, max_words, seed, must_include)
    rows = np.sort(np.fromiter((shared_a.index[w] for w in scored), dtype=np.int64, count=len(scored)))
    jaccards, overlaps = _block_scores(
        neighbor_indices(shared_a, k, rows, block_rows), neighbor_indices(shared_b, k, rows, block_rows), block_rows
    )
    counts_a, counts_b = shared_a.counts[rows], shared_b.counts[rows]
    # Object columns, not pandas 3's Arrow-backed strings: the Compare page iterates them on every rerun, and
    # iterating Arrow strings took ~0.5 s of a 0.7 s rerun at 20k words.
    frame = pd.DataFrame(
        {
            "word": np.asarray(shared_a.words, dtype=object)[rows],
            "jaccard": jaccards,
            "rank_overlap": overlaps,
            "count_a": counts_a,
            "count_b": counts_b,
            "band": frequency_bands(np.maximum(counts_a, counts_b)),
        }
    ).astype({"word": object, "band": object})
    summary = ComparisonSummary(
        shared_words=len(shared_a),
        only_a=len(a) - len(shared_a),
        only_b=len(b) - len(shared_a),
        compared_words=len(rows),
        k=min(k, len(shared_a) - 1),
        mean_jaccard=float(jaccards.mean()),
        median_jaccard=float(np.median(jaccards)),
        mean_rank_overlap=float(overlaps.mean()),
        median_rank_overlap=float(np.median(overlaps)),
        zero_a=a.zero_words,
        zero_b=b.zero_words,
    )
    return summary, frame


def word_changes(
    a: EmbeddingSpace, b: EmbeddingSpace, words: Sequence[str], k: int = 10, shown: int = 3
) -> pd.DataFrame:
    """Each given word's change between A and B, with its nearest neighbours in each: what a map's hover shows.

    Neighbours are searched over the whole shared vocabulary (as in :func:`compare_spaces`), so the scores equal
    that table's for the same words.

    Args:
        words: shared words, in the order wanted (e.g. a map's sample).
        shown: how many nearest neighbours to name per space.

    Returns:
        A frame with one row per word, in the given order, and columns word, jaccard, rank_overlap (Jaccard@k and
        rank-biased overlap, 0..1), neighbours_a and neighbours_b (the ``shown`` nearest, comma-separated).

    Raises:
        KeyError: a word is not in both spaces.
    """
    shared_a, shared_b = shared_spaces(a, b)
    rows = np.fromiter((shared_a.index[w] for w in words), dtype=np.int64, count=len(words))
    first, second = neighbor_indices(shared_a, k, rows), neighbor_indices(shared_b, k, rows)
    jaccards, overlaps = _block_scores(first, second, BLOCK_ROWS)
    vocabulary = np.asarray(shared_a.words, dtype=object)
    return pd.DataFrame(
        {
            "word": list(words),
            "jaccard": jaccards,
            "rank_overlap": overlaps,
            "neighbours_a": [", ".join(vocabulary[row[:shown]]) for row in first],
            "neighbours_b": [", ".join(vocabulary[row[:shown]]) for row in second],
        }
    ).astype({"word": object, "neighbours_a": object, "neighbours_b": object})
