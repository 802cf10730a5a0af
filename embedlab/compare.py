"""Neighbours, overlap of neighbourhoods between two spaces, and corpus coverage."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from embedlab.spaces import EmbeddingSpace

if TYPE_CHECKING:
    from embedlab.corpus import Corpus

__all__ = [
    "ComparisonSummary", "Coverage", "Neighbor", "NeighborComparison", "compare_neighbors", "compare_spaces",
    "coverage", "jaccard", "nearest", "neighbor_indices", "shared_spaces", "shared_vocabulary",
]

_BLOCK_ROWS = 1024
DEFAULT_MAX_WORDS = 20_000


@dataclass(frozen=True)
class Neighbor:
    word: str
    similarity: float


@dataclass(frozen=True)
class NeighborComparison:
    word: str
    k: int
    a: list[Neighbor]
    b: list[Neighbor]
    in_both: frozenset[str]
    jaccard: float


@dataclass(frozen=True)
class ComparisonSummary:
    shared_words: int
    only_a: int
    only_b: int
    compared_words: int  # the most frequent shared words scored (all of them up to the cap)
    k: int
    mean_jaccard: float
    median_jaccard: float


@dataclass(frozen=True)
class Coverage:
    """How much of a corpus a space covers; the piece figures exist only for WordPiece models."""

    space: str
    tokens: int
    types: int
    token_coverage: float
    type_coverage: float
    top_missing: list[tuple[str, int]]
    split_token_share: float | None = None  # share of corpus tokens split into 2+ pieces
    mean_pieces_per_token: float | None = None


def _unknown_word_error(space: EmbeddingSpace, word: str) -> ValueError:
    close = difflib.get_close_matches(word, space.words[:50_000], n=3, cutoff=0.75)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return ValueError(f"'{word}' is not in {space.name} ({len(space):,} words){hint}")


def nearest(space: EmbeddingSpace, word: str, k: int = 10) -> list[Neighbor]:
    """The k words closest to ``word`` by cosine similarity, most similar first, the word itself excluded.

    Raises:
        ValueError: the word is not in the space, or k is not positive.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if word not in space:
        raise _unknown_word_error(space, word)
    row = space.index[word]
    sims = space.vectors @ space.vectors[row]
    sims[row] = -np.inf
    k = min(k, len(space) - 1)
    top = np.argpartition(-sims, k - 1)[:k] if k > 0 else np.zeros(0, dtype=np.int64)
    top = top[np.lexsort((top, -sims[top]))]  # ties broken by row order, so results are stable
    return [Neighbor(space.words[i], float(sims[i])) for i in top]


def jaccard(first: list[str] | set[str], second: list[str] | set[str]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty lists count as identical (1.0)."""
    a, b = set(first), set(second)
    return len(a & b) / len(a | b) if a | b else 1.0


def shared_vocabulary(a: EmbeddingSpace, b: EmbeddingSpace) -> tuple[str, ...]:
    """Words in both spaces, most frequent first (by A's corpus counts, then A's own order)."""
    shared = [word for word in a.words if word in b.index]
    counts = {word: int(a.counts[a.index[word]]) for word in shared}
    return tuple(sorted(shared, key=lambda w: -counts[w])) if any(counts.values()) else tuple(shared)


def shared_spaces(a: EmbeddingSpace, b: EmbeddingSpace) -> tuple[EmbeddingSpace, EmbeddingSpace]:
    """Both spaces restricted to their shared words, in the same row order, so neighbours are comparable.

    Raises:
        ValueError: the spaces share fewer than two words.
    """
    words = shared_vocabulary(a, b)
    if len(words) < 2:
        raise ValueError(f"{a.name} and {b.name} share {len(words)} words; at least 2 are needed to compare")
    return a.subset(words), b.subset(words)


def compare_neighbors(a: EmbeddingSpace, b: EmbeddingSpace, word: str, k: int = 10) -> NeighborComparison:
    """Top-k neighbours of ``word`` in A and B; pass spaces from :func:`shared_spaces` for comparable lists."""
    first, second = nearest(a, word, k), nearest(b, word, k)
    in_both = frozenset(n.word for n in first) & frozenset(n.word for n in second)
    return NeighborComparison(word, k, first, second, in_both,
                              jaccard([n.word for n in first], [n.word for n in second]))


def neighbor_indices(space: EmbeddingSpace, k: int, rows: int | None = None) -> np.ndarray:
    """Row indices of the k nearest neighbours of the first ``rows`` words, computed in blocks.

    Returns:
        int64 array of shape (rows, k); neighbours are searched among all words of the space.
    """
    rows = len(space) if rows is None else min(rows, len(space))
    k = min(k, len(space) - 1)
    out = np.empty((rows, k), dtype=np.int64)
    for start in range(0, rows, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, rows)
        sims = space.vectors[start:stop] @ space.vectors.T
        sims[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        out[start:stop] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return out


def _row_jaccard(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    merged = np.sort(np.concatenate([first, second], axis=1), axis=1)
    common = (np.diff(merged, axis=1) == 0).sum(axis=1)
    return common / (first.shape[1] + second.shape[1] - common)


def compare_spaces(a: EmbeddingSpace, b: EmbeddingSpace, k: int = 10,
                   max_words: int = DEFAULT_MAX_WORDS) -> tuple[ComparisonSummary, pd.DataFrame]:
    """Jaccard@k of every shared word's neighbourhoods (the ``max_words`` most frequent), over the shared vocabulary.

    Returns:
        The summary and a frame with columns word, jaccard, count (corpus count), most frequent first.
    """
    shared_a, shared_b = shared_spaces(a, b)
    rows = min(max_words, len(shared_a))
    scores = _row_jaccard(neighbor_indices(shared_a, k, rows), neighbor_indices(shared_b, k, rows))
    frame = pd.DataFrame({"word": shared_a.words[:rows], "jaccard": scores, "count": shared_a.counts[:rows]})
    summary = ComparisonSummary(
        shared_words=len(shared_a), only_a=len(a) - len(shared_a), only_b=len(b) - len(shared_a),
        compared_words=rows, k=min(k, len(shared_a) - 1),
        mean_jaccard=float(scores.mean()), median_jaccard=float(np.median(scores)),
    )
    return summary, frame


def coverage(space: EmbeddingSpace, corpus: Corpus, top: int = 50) -> Coverage:
    """Token and type coverage of ``corpus`` by ``space``, with the most frequent missing words.

    For WordPiece models a word is covered when the tokenizer keeps it whole.
    """
    words = list(corpus.counts)
    counts = np.fromiter(corpus.counts.values(), dtype=np.int64, count=len(words))
    split_share = mean_pieces = None
    if space.piece_counter is not None:
        pieces = space.piece_counter(words)
        covered = pieces == 1
        split_share = float(counts[pieces >= 2].sum() / counts.sum())
        mean_pieces = float((pieces * counts).sum() / counts.sum())
    else:
        covered = np.fromiter((w in space.index for w in words), dtype=bool, count=len(words))
    missing = [(words[i], int(counts[i])) for i in np.flatnonzero(~covered)[:top]]  # words are most frequent first
    return Coverage(
        space=space.name, tokens=int(counts.sum()), types=len(words),
        token_coverage=float(counts[covered].sum() / counts.sum()), type_coverage=float(covered.mean()),
        top_missing=missing, split_token_share=split_share, mean_pieces_per_token=mean_pieces,
    )
