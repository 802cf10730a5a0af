"""Neighbours, overlap of neighbourhoods between two spaces, and corpus coverage."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
import pandas as pd

from embedlab.spaces import EmbeddingSpace

if TYPE_CHECKING:
    from embedlab.corpus import Corpus

__all__ = [
    "ComparisonSummary", "Coverage", "Neighbor", "NeighborComparison", "compare_neighbors", "compare_spaces",
    "band_order", "character_ngrams", "coverage", "coverage_by_band", "fragmentation", "frequency_bands",
    "missing_words", "jaccard", "nearest", "neighbor_indices", "rank_biased_overlap",
    "shared_spaces", "shared_vocabulary", "subword_coverage",
]

_BLOCK_ROWS = 1024
DEFAULT_MAX_WORDS = 20_000
RBO_P = 0.9  # rank-biased overlap's persistence: the top 10 ranks carry ~2/3 of the weight


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
    compared_words: int  # shared words scored: all of them, or a frequency-stratified sample past the cap
    k: int
    mean_jaccard: float
    median_jaccard: float
    mean_rank_overlap: float
    median_rank_overlap: float


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


def neighbor_indices(space: EmbeddingSpace, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The k nearest neighbours of the given rows, nearest first, computed in blocks of matrix products.

    Args:
        rows: row indices to look up (default: every word); neighbours come from the whole space.

    Returns:
        int64 array of shape (len(rows), k) of row indices, ordered by decreasing similarity.
    """
    rows = np.arange(len(space)) if rows is None else np.asarray(rows, dtype=np.int64)
    k = min(k, len(space) - 1)
    out = np.empty((len(rows), k), dtype=np.int64)
    for start in range(0, len(rows), _BLOCK_ROWS):
        block = rows[start:start + _BLOCK_ROWS]
        sims = space.vectors[block] @ space.vectors.T
        sims[np.arange(len(block)), block] = -np.inf
        out[start:start + len(block)] = _top_k(sims, k)
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
    weights = (1 - p) / p * p ** depths
    return (overlap / depths * weights).sum(axis=1) + overlap[:, -1] / k * p ** k


def _block_scores(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    jaccards, overlaps = [], []
    for start in range(0, len(first), _BLOCK_ROWS):
        stop = start + _BLOCK_ROWS
        jaccards.append(_row_jaccard(first[start:stop], second[start:stop]))
        overlaps.append(rank_biased_overlap(first[start:stop], second[start:stop]))
    return np.concatenate(jaccards), np.concatenate(overlaps)


def frequency_bands(counts: np.ndarray) -> np.ndarray:
    """A readable, fixed band label per count: 1, 2–4, 5–9, 10–19, 20–49, 50–99, 100–199, ...

    Returns:
        object array of labels, same shape as ``counts``.
    """
    counts = np.asarray(counts)
    edges = _band_edges(int(counts.max(initial=1)))
    positions = np.searchsorted(edges, counts, side="right") - 1
    labels = np.array([_band_label(edges, i) for i in range(len(edges) - 1)], dtype=object)
    return labels[np.clip(positions, 0, len(labels) - 1)]


def band_order(counts: np.ndarray) -> list[str]:
    """Band labels from rarest to most frequent, up to the band of the largest count."""
    edges = _band_edges(int(np.asarray(counts).max(initial=1)))
    return [_band_label(edges, i) for i in range(len(edges) - 1)]


def _band_edges(largest: int) -> list[int]:
    """1, 2, 5, 10, 20, 50, ... up to the first edge above ``largest`` (each band is [edge, next edge))."""
    edges, decade = [1], 1
    while edges[-1] <= largest:
        for step in (2, 5, 10):
            edges.append(step * decade)
            if edges[-1] > largest:
                break
        decade *= 10
    return edges


def _band_label(edges: list[int], i: int) -> str:
    low, high = edges[i], edges[i + 1] - 1
    return f"{low:,}" if high == low else f"{low:,}–{high:,}"


def compare_spaces(a: EmbeddingSpace, b: EmbeddingSpace, k: int = 10, max_words: int = DEFAULT_MAX_WORDS,
                   seed: int = 0, must_include: Sequence[str] = ()) -> tuple[ComparisonSummary, pd.DataFrame]:
    """How much each shared word's neighbourhood changed between A and B: Jaccard@k and rank-biased overlap.

    Neighbours are searched over the whole shared vocabulary; the words scored are all shared words, or when
    there are more than ``max_words`` a seeded frequency-stratified sample of them (``must_include`` kept).

    Returns:
        The summary and a frame with columns word, jaccard, rank_overlap, count_a, count_b, band, most frequent
        first.
    """
    from embedlab.project import sample_words

    shared_a, shared_b = shared_spaces(a, b)
    scored = sample_words(shared_a.words, max_words, seed, must_include)
    rows = np.sort(np.fromiter((shared_a.index[w] for w in scored), dtype=np.int64, count=len(scored)))
    jaccards, overlaps = _block_scores(neighbor_indices(shared_a, k, rows), neighbor_indices(shared_b, k, rows))
    counts_a, counts_b = shared_a.counts[rows], shared_b.counts[rows]
    # Object columns, not pandas 3's Arrow-backed strings: the Compare page iterates them on every rerun, and
    # iterating Arrow strings took ~0.5 s of a 0.7 s rerun at 20k words.
    frame = pd.DataFrame({
        "word": np.asarray(shared_a.words, dtype=object)[rows], "jaccard": jaccards, "rank_overlap": overlaps,
        "count_a": counts_a, "count_b": counts_b, "band": frequency_bands(np.maximum(counts_a, counts_b)),
    }).astype({"word": object, "band": object})
    summary = ComparisonSummary(
        shared_words=len(shared_a), only_a=len(a) - len(shared_a), only_b=len(b) - len(shared_a),
        compared_words=len(rows), k=min(k, len(shared_a) - 1),
        mean_jaccard=float(jaccards.mean()), median_jaccard=float(np.median(jaccards)),
        mean_rank_overlap=float(overlaps.mean()), median_rank_overlap=float(np.median(overlaps)),
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
        covered = _covered(space, words)
    missing = [(words[i], int(counts[i])) for i in np.flatnonzero(~covered)[:top]]  # words are most frequent first
    return Coverage(
        space=space.name, tokens=int(counts.sum()), types=len(words),
        token_coverage=float(counts[covered].sum() / counts.sum()), type_coverage=float(covered.mean()),
        top_missing=missing, split_token_share=split_share, mean_pieces_per_token=mean_pieces,
    )


def coverage_by_band(space: EmbeddingSpace, corpus: Corpus) -> pd.DataFrame:
    """Coverage of the corpus per frequency band: where a space loses the corpus.

    Returns:
        One row per band (rarest first): band, words, tokens, covered_words, type_coverage, token_coverage.
    """
    words = list(corpus.counts)
    counts = np.fromiter(corpus.counts.values(), dtype=np.int64, count=len(words))
    covered = _covered(space, words)
    frame = pd.DataFrame({"band": frequency_bands(counts), "tokens": counts, "covered": covered,
                          "covered_tokens": np.where(covered, counts, 0)})
    grouped = frame.groupby("band", sort=False).agg(
        words=("tokens", "size"), tokens=("tokens", "sum"), covered_words=("covered", "sum"),
        covered_tokens=("covered_tokens", "sum"))
    grouped = grouped.reindex([b for b in band_order(counts) if b in grouped.index]).reset_index()
    grouped["type_coverage"] = grouped["covered_words"] / grouped["words"]
    grouped["token_coverage"] = grouped["covered_tokens"] / grouped["tokens"]
    return grouped[["band", "words", "tokens", "covered_words", "type_coverage", "token_coverage"]]


def missing_words(space: EmbeddingSpace, corpus: Corpus) -> pd.DataFrame:
    """Every corpus word the space does not cover, with its count, most frequent first."""
    words = list(corpus.counts)
    covered = _covered(space, words)
    return pd.DataFrame({"word": [w for w, c in zip(words, covered) if not c],
                         "count": [corpus.counts[w] for w, c in zip(words, covered) if not c]})


def _covered(space: EmbeddingSpace, words: Sequence[str]) -> np.ndarray:
    if space.piece_counter is not None:
        return space.piece_counter(words) == 1
    return np.fromiter((w in space.index for w in words), dtype=bool, count=len(words))


def fragmentation(space: EmbeddingSpace, corpus: Corpus, split: Callable[[str], list[str]],
                  examples: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How a WordPiece model splits the corpus: a histogram of pieces per word and the worst frequent words.

    Args:
        space: a space with a ``piece_counter`` (the baseline).
        split: the tokenizer's split of one word, for the examples.

    Returns:
        (histogram with columns pieces, words, tokens; examples with columns word, count, pieces, split —
        the most fragmented among the 1,000 most frequent words, most pieces first).
    """
    if space.piece_counter is None:
        raise ValueError(f"{space.name} is not a WordPiece model: it does not split words")
    words = list(corpus.counts)
    counts = np.fromiter(corpus.counts.values(), dtype=np.int64, count=len(words))
    pieces = space.piece_counter(words)
    frame = pd.DataFrame({"word": words, "count": counts, "pieces": pieces})
    histogram = (frame.groupby("pieces").agg(words=("word", "size"), tokens=("count", "sum"))
                 .reset_index().sort_values("pieces"))
    frequent = frame.head(1000)
    worst = frequent[frequent["pieces"] >= 2].sort_values(["pieces", "count"], ascending=[False, False])
    worst = worst.head(examples).copy()
    worst["split"] = [" ".join(split(word)) for word in worst["word"]]
    return histogram.reset_index(drop=True), worst.reset_index(drop=True)


def character_ngrams(word: str, min_n: int, max_n: int) -> set[str]:
    """FastText's character n-grams of a word, with ``<`` and ``>`` marking its ends."""
    marked = f"<{word}>"
    return {marked[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(marked) - n + 1)}


def subword_coverage(vocabulary: Sequence[str], corpus: Corpus, min_n: int = 3, max_n: int = 6,
                     threshold: float = 0.5) -> tuple[float, float]:
    """For a FastText space: how much of what its vocabulary misses it still represents through subwords.

    A missing word counts as represented when at least ``threshold`` of its character n-grams occur in the
    vocabulary's words, i.e. were trained; FastText builds its vector from those.

    Returns:
        (share of missing tokens represented, share of missing distinct words represented); 1.0 when none miss.
    """
    known = set(vocabulary)
    trained: set[str] = set()
    for word in known:
        trained |= character_ngrams(word, min_n, max_n)
    missing = [(w, c) for w, c in corpus.counts.items() if w not in known]
    if not missing:
        return 1.0, 1.0
    represented = np.array([
        len(grams & trained) >= threshold * len(grams)
        for grams in (character_ngrams(w, min_n, max_n) for w, _ in missing)
    ])
    counts = np.array([c for _, c in missing])
    return float(counts[represented].sum() / counts.sum()), float(represented.mean())
