"""Neighbours, overlap of neighbourhoods between two spaces, and corpus coverage."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from enum import Enum

import numpy as np

from embedlab.errors import EmbedLabError
from embedlab.metrics import jaccard, nearest_rows
from embedlab.spaces.space import EmbeddingSpace, normalise_rows

BLOCK_ROWS = 1024  # rows per matrix product: 1024 x 20k float32 similarities is 80 MB


@dataclass(frozen=True)
class Neighbor:
    """One neighbour of a query word: the word and its cosine similarity (-1..1)."""

    word: str
    similarity: float


class VectorOrigin(str, Enum):
    """Where a query word's vector comes from."""

    VOCABULARY = "vocabulary"  # the space holds the word
    SUBWORDS = "subwords"  # a FastText run built it from the word's character n-grams
    ENCODER = "encoder"  # a sentence-transformer encoded the word alone


@dataclass(frozen=True, eq=False)
class WordQuery:
    """A word to find neighbours of, with its vector in one space.

    Attributes:
        word: the word as asked.
        vector: float32 array of shape (dim,), unit norm.
        origin: where the vector comes from.
    """

    word: str
    vector: np.ndarray
    origin: VectorOrigin = VectorOrigin.VOCABULARY

    @property
    def from_subwords(self) -> bool:
        """True when a FastText run built the vector from the word's character n-grams."""
        return self.origin is VectorOrigin.SUBWORDS


@dataclass(frozen=True)
class NeighborComparison:
    """A word's k nearest neighbours in two spaces side by side, with the Jaccard overlap of the two lists, and
    where each side's vector of the word came from."""

    word: str
    k: int
    a: list[Neighbor]
    b: list[Neighbor]
    in_both: frozenset[str]
    jaccard: float
    origin_a: VectorOrigin = VectorOrigin.VOCABULARY
    origin_b: VectorOrigin = VectorOrigin.VOCABULARY


def _suggestions(space: EmbeddingSpace, word: str, n: int = 3) -> list[str]:
    """Up to ``n`` words of the space (its 50,000 first) that ``word`` may have meant, compared case-insensitively
    and in NFC (``NumPy`` or ``VACUUM`` finds ``numpy``, ``vacuum``; and ``numpy`` finds ``NumPy`` in a cased
    space): the same word in another case first, then near spellings (difflib, ratio >= 0.75)."""
    key = unicodedata.normalize("NFC", word).casefold()
    folded: dict[str, list[str]] = {}
    for candidate in space.words[:50_000]:
        folded.setdefault(unicodedata.normalize("NFC", candidate).casefold(), []).append(candidate)
    found = [candidate for candidate in folded.get(key, []) if candidate != word]
    for close in difflib.get_close_matches(key, list(folded), n=n + 1, cutoff=0.75):
        found.extend(candidate for candidate in folded[close] if candidate not in found and candidate != word)
    return found[:n]


def _unknown_word_error(space: EmbeddingSpace, word: str) -> EmbedLabError:
    if word in space.zero_words:
        return EmbedLabError(
            f"'{word}' has an all-zero vector in {space.name} (a padding or unknown row): cosine is undefined for it, "
            "so it has no neighbours and is left out of every comparison"
        )
    close = _suggestions(space, word)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return EmbedLabError(f"'{word}' is not in {space.name} ({len(space):,} words){hint}")


def word_query(space: EmbeddingSpace, word: str) -> WordQuery:
    """``word``'s vector in ``space``: its own row; else, for a word the space does not hold, the vector the space
    builds for unseen words: a FastText run's from the word's character n-grams (``space.oov_vector``; Bojanowski
    et al. 2017, as gensim's ``FastTextKeyedVectors.get_vector``), a sentence-transformer's by encoding the word
    alone (``space.encoder``).

    A space cut down by ``EmbeddingSpace.subset`` keeps the hooks of the whole space: for a word the subset dropped
    but the whole space holds, ask the whole space.

    Returns:
        The query; its vector is float32 of shape (dim,), unit norm.

    Raises:
        EmbedLabError: the space neither holds the word nor can build its vector (the message says why: not in
            the space, with close words; a FastText run saved without its subword model; no character n-gram of the
            word seen in training, so its vector would be zero).
    """
    if word in space.index:
        return WordQuery(word, space.vectors[space.index[word]], VectorOrigin.VOCABULARY)
    if space.oov_vector is not None and word:
        try:
            vector = space.oov_vector(word)
        except EmbedLabError as why:
            raise EmbedLabError(f"{_unknown_word_error(space, word)}; {why}") from None
        if vector is None:
            raise EmbedLabError(
                f"'{word}' is not in {space.name}, and none of its character n-grams was seen in training, so "
                "FastText has no vector to build for it (it would be zero)"
            )
        return WordQuery(word, np.asarray(vector, dtype=np.float32), VectorOrigin.SUBWORDS)
    if space.encoder is not None and word.strip():
        vector = normalise_rows(space.encoder([word]))[0]
        if np.any(vector):
            return WordQuery(word, vector, VectorOrigin.ENCODER)
    raise _unknown_word_error(space, word)


def nearest(space: EmbeddingSpace, word: str, k: int = 10, query: WordQuery | None = None) -> list[Neighbor]:
    """The k words closest to ``word`` by cosine similarity, most similar first, the word itself excluded.

    A word the space does not hold is looked up by the vector :func:`word_query` builds (a FastText run's subwords,
    a sentence-transformer's encoding); all of the space's words are then candidates.

    Args:
        query: the word's vector, when it comes from elsewhere (e.g. the whole space, for a space cut down to
            shared words); default :func:`word_query` of ``space``.

    Raises:
        ValueError: the space neither holds the word nor can build its vector, or k is not positive.
    """
    if k < 1:
        raise EmbedLabError(f"k must be at least 1, got {k}")
    query = query if query is not None else word_query(space, word)
    sims = space.vectors @ query.vector
    row = space.index.get(word)
    if row is not None:
        sims[row] = -np.inf
    k = min(k, len(space) - (row is not None))
    top = np.argpartition(-sims, k - 1)[:k] if k > 0 else np.zeros(0, dtype=np.int64)
    top = top[np.lexsort((top, -sims[top]))]  # ties broken by row order, so results are stable
    return [Neighbor(space.words[i], float(sims[i])) for i in top]


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
        raise EmbedLabError(f"{a.name} and {b.name} share {len(words)} words; at least 2 are needed to compare")
    return a.subset(words), b.subset(words)


def left_out_neighbors(
    whole: EmbeddingSpace, shared: EmbeddingSpace, word: str, k: int = 10, query: WordQuery | None = None
) -> list[Neighbor]:
    """The words of ``whole``'s own top-k neighbours of ``word`` that a side-by-side comparison leaves out, because
    the other space lacks them (``shared``: ``whole`` cut to the words both hold, :func:`shared_spaces`).

    Compare searches neighbours among the words both spaces hold, so that the two lists (and Jaccard@k) are
    comparable; ``python -m embedlab neighbors --among OTHER`` applies the same rule. A word seen too rarely for a
    Word2Vec run's ``min_count`` is then never the baseline's neighbour there, though the baseline alone ranks it:
    these are those words, most similar first, so a page can name them.

    Returns:
        Neighbours of ``word`` in ``whole`` (at most k) that ``shared`` does not hold.

    Raises:
        EmbedLabError: as :func:`nearest`.
    """
    return [found for found in nearest(whole, word, k, query) if found.word not in shared.index]


def compare_neighbors(
    a: EmbeddingSpace,
    b: EmbeddingSpace,
    word: str,
    k: int = 10,
    queries: tuple[WordQuery, WordQuery] | None = None,
) -> NeighborComparison:
    """Top-k neighbours of ``word`` in A and B; pass spaces from :func:`shared_spaces` for comparable lists.

    A word only one side holds: the neighbours are still searched among the words both hold, so the lists stay
    comparable; the side without the word uses the vector it builds for unseen words (a FastText run's subwords,
    a sentence-transformer's encoding), marked in ``origin_a``/``origin_b``. A side that cannot build one raises.

    Args:
        queries: the word's vector in A and in B (:func:`word_query` of the whole spaces), for a word the shared
            spaces dropped; default: :func:`word_query` of ``a`` and ``b``.

    Raises:
        EmbedLabError: a side neither holds the word nor can build its vector; k is not positive.
    """
    query_a, query_b = queries if queries is not None else (word_query(a, word), word_query(b, word))
    first, second = nearest(a, word, k, query_a), nearest(b, word, k, query_b)
    in_both = frozenset(n.word for n in first) & frozenset(n.word for n in second)
    return NeighborComparison(
        word,
        k,
        first,
        second,
        in_both,
        jaccard([n.word for n in first], [n.word for n in second]),
        query_a.origin,
        query_b.origin,
    )


def neighbor_indices(
    space: EmbeddingSpace, k: int, rows: np.ndarray | None = None, block_rows: int = BLOCK_ROWS
) -> np.ndarray:
    """The k nearest neighbours of the given rows, nearest first, computed in blocks of matrix products
    (:func:`embedlab.metrics.nearest_rows` on the space's unit vectors).

    Args:
        rows: row indices to look up (default: every word); neighbours come from the whole space.
        block_rows: rows per matrix product (memory: block_rows x len(space) float32); the result is the same.

    Returns:
        int64 array of shape (len(rows), min(k, len(space) - 1)) of row indices, ordered by decreasing similarity.
    """
    return nearest_rows(space.vectors, k, rows, block_rows)


# Width of the NN-descent graph. At 200,000 clustered words it recalls 98.5% (100-d) / 93% (384-d) of each word's
# 10 nearest (Jaccard@10 off by 0.004 / 0.017 on average); 30 wide recalls 85% at 384-d, 50 wide 97% for 20-40% more
# time, which a 384-d pair could not afford within 3 minutes on 2 loaded cores (bench/map_changes.py).
GRAPH_NEIGHBOURS = 40


def approximate_neighbor_indices(
    space: EmbeddingSpace,
    k: int,
    rows: np.ndarray | None = None,
    seed: int = 0,
    graph_neighbours: int | None = None,
) -> np.ndarray:
    """The approximate k nearest neighbours of the given rows by cosine, nearest first, from pynndescent's
    NN-descent graph of the whole space (Dong, Charikar and Li 2011, "Efficient k-nearest neighbor graph
    construction for generic similarity measures"; the library umap-learn itself uses above 4,096 points).

    NN-descent finds every word's neighbours at once, so the graph's own rows are read (the word itself dropped)
    rather than querying a search index, which needs the same graph first: at 200,000 x 384 and 30 wide, preparing
    the index and querying every word added 30-100 s (``epsilon`` 0-0.2) for a recall of 77-92%, where widening the
    graph from 30 to 50 took ~40 s more and raised the graph's own recall from 85% to 97%. The graph is
    ``graph_neighbours`` wide, wider than k: NN-descent's recall grows with it (at 200,000 clustered words, 11 wide
    recalled half of the 10 nearest, 40 wide 93-98%; see ``GRAPH_NEIGHBOURS``). Its neighbours are ordered as
    :func:`neighbor_indices` orders exact ones (decreasing similarity, ties to the lower row); a row the graph left
    short (it never is in practice) gets its exact neighbours instead.

    Args:
        space: its rows are unit vectors (cosine is their dot product); neighbours come from the whole space.
        k: neighbours per row (capped at len(space) - 1).
        rows: row indices to look up (default: every word).
        seed: pynndescent's ``random_state``: the same seed gives the same neighbours with the same number of numba
            threads (its parallel build depends on it: 1 and 2 threads differ).
        graph_neighbours: width of the NN-descent graph (capped at len(space) - 1; default ``GRAPH_NEIGHBOURS``);
            wider is slower and closer.

    Returns:
        int64 array of shape (len(rows), min(k, len(space) - 1)) of row indices, ordered by decreasing similarity.

    Raises:
        ValueError: k is not positive.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    n = len(space)
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    k = min(k, n - 1)
    width = min(max(GRAPH_NEIGHBOURS if graph_neighbours is None else graph_neighbours, k + 1), n - 1)
    # lazy: pynndescent compiles with numba on first use; only maps of more than 50,000 words need it
    from pynndescent import NNDescent

    index = NNDescent(space.vectors, metric="cosine", n_neighbors=width, random_state=seed, n_jobs=-1)
    graph, distances = index.neighbor_graph
    graph, distances = graph[rows].astype(np.int64), distances[rows]
    # Drop the word itself (usually first, not always: an identical vector ties with it) and unfilled slots (-1);
    # then order by distance, ties to the lower row, as the exact search does.
    left_out = (graph == rows[:, None]) | (graph < 0)
    order = np.lexsort((graph, distances, left_out), axis=-1)[:, :k]
    found = np.take_along_axis(graph, order, axis=1)
    short = np.take_along_axis(left_out, order, axis=1).any(axis=1)
    if short.any():
        found[short] = nearest_rows(space.vectors, k, rows[short])
    return found
