"""How every shared word's neighbourhood changed between two spaces: Jaccard@k and rank-biased overlap, computed
in blocks of matrix products, with a frequency-stratified sample past a cap; and the "most changed" ranking, which
breaks Jaccard ties by a deeper rank-biased overlap and hides stopwords, numbers and punctuation by default.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np
import pandas as pd

from embedlab.analysis.bands import frequency_bands
from embedlab.analysis.maps import EXACT_NEIGHBOURS_UP_TO, sample_words
from embedlab.analysis.neighbours import BLOCK_ROWS, approximate_neighbor_indices, neighbor_indices, shared_spaces
from embedlab.analysis.noise import NoiseFloor, seed_floor
from embedlab.metrics import rank_biased_overlap, row_jaccard
from embedlab.spaces.space import EmbeddingSpace

DEFAULT_MAX_WORDS = 20_000

TIE_DEPTH = 100  # neighbours read for the tie-break score (rank-biased overlap over the 100 nearest)

TIE_P = 0.98  # its persistence: the 100 nearest carry 1 - 0.98**100 = 87% of the weight, evenly enough spread
# that two words sharing none of their 10 nearest still differ by how many of their 11th..100th they share


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
    tie_depth: int = TIE_DEPTH  # neighbours read for the deep_overlap column (fewer when the vocabulary is small)
    noise: NoiseFloor = NoiseFloor((), (), 10, 0, 0)  # the seed-noise floor (embedlab.analysis.noise); unknown here


def _block_scores(first: np.ndarray, second: np.ndarray, block_rows: int) -> tuple[np.ndarray, np.ndarray]:
    jaccards, overlaps = [], []
    for start in range(0, len(first), block_rows):
        stop = start + block_rows
        jaccards.append(row_jaccard(first[start:stop], second[start:stop]))
        overlaps.append(rank_biased_overlap(first[start:stop], second[start:stop]))
    return np.concatenate(jaccards), np.concatenate(overlaps)


def _block_deep_overlap(first: np.ndarray, second: np.ndarray, block_rows: int) -> np.ndarray:
    if first.shape[1] == 0:
        return np.ones(len(first))
    return np.concatenate(
        [
            rank_biased_overlap(first[start : start + block_rows], second[start : start + block_rows], TIE_P)
            for start in range(0, len(first), block_rows)
        ]
    )


class WordKind(str, Enum):
    """What a token is, for the "most changed" filter: only content words are listed by default."""

    CONTENT = "content"  # words and identifiers: matrix, np.linalg.norm, C++, x86, __init__, 2d
    STOPWORD = "stopword"  # gensim's English stopword list, compared case-insensitively
    NUMBER = "number"  # 42, 3.14, 1e-5, 10%, $5, 3.11.2, v2.0 (version numbers)
    PUNCTUATION = "punctuation"  # no letter, digit or mark: --, >>>, ==, _


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from gensim.parsing.preprocessing import STOPWORDS  # gensim is heavy: imported on first use

    return frozenset(STOPWORDS)


def _is_scientific(word: str) -> bool:
    mantissa, _, exponent = word.casefold().partition("e")
    return bool(exponent) and _is_numeral(mantissa) and _is_numeral(exponent.lstrip("+-"))


def _is_numeral(word: str) -> bool:
    """Digits with separators and signs (3.11.2, 1,000, -5, 10%): at least one Unicode number, no letter or mark."""
    categories = [unicodedata.category(ch) for ch in word]
    return any(c[0] == "N" for c in categories) and all(c[0] in "NPS" for c in categories)


def word_kind(word: str) -> WordKind:
    """Whether a token is a content word, a stopword, a number or punctuation only (by Unicode category).

    Numbers are digits with separators, signs and symbols (``42``, ``3.14``, ``1,000``, ``10%``, ``$5``), scientific
    notation (``1e-5``) and version numbers (``3.11.2``, and ``v2.0``: one leading v before a digit). A token with
    any other letter is an identifier and counts as content (``np.linalg.norm``, ``C++``, ``x86``, ``2d``,
    ``0x1f``). Stopwords are gensim's English list (``gensim.parsing.preprocessing.STOPWORDS``), case-insensitive.

    Args:
        word: one token as the tokeniser made it.

    Returns:
        Its :class:`WordKind`.
    """
    if word.casefold() in _stopwords():
        return WordKind.STOPWORD
    bare = word[1:] if word[:1] in ("v", "V") and word[1:2].isdigit() else word
    if _is_numeral(bare) or _is_scientific(bare):
        return WordKind.NUMBER
    if not any(unicodedata.category(ch)[0] in "LNM" for ch in word):
        return WordKind.PUNCTUATION
    return WordKind.CONTENT


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

    Each word also gets ``deep_overlap``: rank-biased overlap (Webber, Moffat and Zobel 2010) of its
    ``TIE_DEPTH`` (100) nearest in A and in B, persistence ``TIE_P`` (0.98). It orders the words Jaccard@k ties:
    rank-biased overlap over the same k neighbours cannot (a word that shares none of its k nearest scores 0 on
    both), while the 11th to 100th neighbours still tell a word whose neighbourhood moved next door from one that
    moved elsewhere. It reuses the same neighbour search (the k nearest are the first k of the 100, same tie rule),
    so it costs a deeper top-k, not a second pass; and it compares ranks, not cosines, so spaces whose
    similarities have different scales (a Word2Vec run, MiniLM) compare fairly, which "similarity lost" would not.

    Args:
        a, b: the spaces; only their shared words are scored and searched.
        k: neighbours per word for Jaccard@k and rank_overlap (capped at shared words - 1).
        max_words: score at most this many shared words.
        seed: of the sample.
        must_include: words kept in the sample.

    When A or B is a run trained with several seeds, each word also gets its seed-noise floor and whether its
    change is beyond it (:func:`embedlab.analysis.noise.seed_floor`); ``summary.noise`` says what the floor rests on.

    Returns:
        The summary and a frame with columns word, jaccard, rank_overlap, deep_overlap (all 0..1), count_a,
        count_b, band, kind (a :class:`WordKind` value), floor (0..1, NaN without seed replicas), noise_p and
        beyond_noise, most frequent first; :func:`rank_changes` orders it.

    Raises:
        EmbedLabError: the spaces share fewer than two words.
    """
    shared_a, shared_b = shared_spaces(a, b)
    scored = sample_words(shared_a.words, max_words, seed, must_include)
    rows = np.sort(np.fromiter((shared_a.index[w] for w in scored), dtype=np.int64, count=len(scored)))
    k = min(k, len(shared_a) - 1)
    depth = min(max(k, TIE_DEPTH), len(shared_a) - 1)
    # The k nearest are the first k of the `depth` nearest: _top_k orders by similarity, then by row index.
    first, second = (
        neighbor_indices(shared_a, depth, rows, block_rows),
        neighbor_indices(shared_b, depth, rows, block_rows),
    )
    jaccards, overlaps = _block_scores(first[:, :k], second[:, :k], block_rows)
    deep = _block_deep_overlap(first, second, block_rows)
    words = np.asarray(shared_a.words, dtype=object)[rows]
    counts_a, counts_b = shared_a.counts[rows], shared_b.counts[rows]
    # Object columns, not pandas 3's Arrow-backed strings: the Compare page iterates them on every rerun, and
    # iterating Arrow strings took ~0.5 s of a 0.7 s rerun at 20k words.
    frame = pd.DataFrame(
        {
            "word": words,
            "jaccard": jaccards,
            "rank_overlap": overlaps,
            "deep_overlap": deep,
            "count_a": counts_a,
            "count_b": counts_b,
            "band": frequency_bands(np.maximum(counts_a, counts_b)),
            "kind": np.asarray([word_kind(w).value for w in words], dtype=object),
        }
    ).astype({"word": object, "band": object, "kind": object})
    frame, noise = seed_floor(frame, a, b, shared_a.words, k)
    summary = ComparisonSummary(
        shared_words=len(shared_a),
        only_a=len(a) - len(shared_a),
        only_b=len(b) - len(shared_a),
        compared_words=len(rows),
        k=k,
        mean_jaccard=float(jaccards.mean()),
        median_jaccard=float(np.median(jaccards)),
        mean_rank_overlap=float(overlaps.mean()),
        median_rank_overlap=float(np.median(overlaps)),
        zero_a=a.zero_words,
        zero_b=b.zero_words,
        tie_depth=depth,
        noise=noise,
    )
    return summary, frame


@dataclass(frozen=True)
class RankedChanges:
    """The "most changed" ranking of a comparison frame, with what it hid and how many words tie.

    Attributes:
        words: the frame's rows, most changed first (filtered unless all words were asked for).
        scored: words the comparison scored, before the filter.
        hidden: of those, stopwords, numbers and punctuation left out (0 with all words).
        ties: listed words at Jaccard 0 (sharing none of their k nearest): their order comes from deep_overlap.
        metric: the score ranked by, jaccard or rank_overlap.
    """

    words: pd.DataFrame
    scored: int
    hidden: int
    ties: int
    metric: str

    def tie_caption(self) -> str:
        """One line for the page, the CLI and the report: how many words tie and how they are ordered."""
        hidden = f" {self.hidden:,} stopwords, numbers and punctuation-only tokens are hidden." if self.hidden else ""
        return (
            f"{self.ties:,} of {len(self.words):,} scored words tie at Jaccard 0; ties ordered by rank-biased "
            f"overlap of the 100 nearest neighbours.{hidden}"
        )


RANK_METRICS = ("jaccard", "rank_overlap")


def rank_changes(frame: pd.DataFrame, metric: str = "jaccard", all_words: bool = False) -> RankedChanges:
    """Order a :func:`compare_spaces` frame most changed first, hiding non-content words unless asked not to.

    The order is: ``metric`` ascending, then deep_overlap ascending (rank-biased overlap of the 100 nearest; see
    :func:`compare_spaces` for why), then the other of jaccard/rank_overlap, then the more frequent word first,
    then the word itself, so the order is total and the same on every call.

    Args:
        frame: the frame :func:`compare_spaces` returns (columns word, jaccard, rank_overlap, deep_overlap,
            count_a, kind).
        metric: jaccard or rank_overlap.
        all_words: keep stopwords, numbers and punctuation-only tokens (see :func:`word_kind`).

    Returns:
        The ranking, its tie count and how many words the filter hid.

    Raises:
        ValueError: ``metric`` is not one of jaccard, rank_overlap.
    """
    if metric not in RANK_METRICS:
        raise ValueError(f"metric must be one of {', '.join(RANK_METRICS)}, got '{metric}'")
    other = "rank_overlap" if metric == "jaccard" else "jaccard"
    listed = frame if all_words else frame[frame["kind"] == WordKind.CONTENT.value]
    ordered = listed.sort_values(
        [metric, "deep_overlap", other, "count_a", "word"], ascending=[True, True, True, False, True], kind="stable"
    )
    return RankedChanges(
        words=ordered,
        scored=len(frame),
        hidden=len(frame) - len(listed),
        ties=int((listed["jaccard"] == 0).sum()),
        metric=metric,
    )


APPROXIMATE_NOTE = (
    "Change scores and neighbours on maps of more than {limit:,} words are approximate: each word's {k} nearest "
    "come from pynndescent's nearest-neighbour graph (NN-descent), not an exact search, so a few may be missed."
)


def word_changes(
    a: EmbeddingSpace, b: EmbeddingSpace, words: Sequence[str], k: int = 10, shown: int = 3, seed: int = 0
) -> pd.DataFrame:
    """Each given word's change between A and B, with its nearest neighbours in each: what a map's hover shows.

    Up to ``EXACT_NEIGHBOURS_UP_TO`` (50,000) words, neighbours are searched exactly over the whole shared
    vocabulary (as in :func:`compare_spaces`), so the scores equal that table's for the same words. Above it, the
    exact search grows with words x vocabulary (11-23 minutes for a 200,000-word map on 2 cores), so each space's
    neighbours come from pynndescent's NN-descent graph of the whole shared vocabulary (Dong, Charikar and Li 2011;
    :func:`embedlab.analysis.neighbours.approximate_neighbor_indices`), as the map's own neighbour graph does
    above the same size; the scores are then approximate, and the frame says so in its ``attrs``.

    Jaccard@k is the share of the two k-neighbour lists in common (intersection over union); rank-biased overlap
    (Webber, Moffat and Zobel 2010) weighs agreement at the top of the lists more (:mod:`embedlab.metrics`).

    Args:
        words: shared words, in the order wanted (e.g. a map's sample).
        k: neighbours per word for the scores (capped at shared words - 1).
        shown: how many nearest neighbours to name per space.
        seed: pynndescent's ``random_state`` above ``EXACT_NEIGHBOURS_UP_TO`` words (unused below it): the same seed
            gives the same scores with the same number of numba threads.

    Returns:
        A frame with one row per word, in the given order, and columns word, jaccard, rank_overlap (Jaccard@k and
        rank-biased overlap, 0..1), neighbours_a and neighbours_b (the ``shown`` nearest, comma-separated). Its
        ``attrs["approximate"]`` is True when the neighbours came from pynndescent, and ``attrs["note"]`` is then
        one sentence saying so for a caption or hover (empty otherwise).

    Raises:
        KeyError: a word is not in both spaces.
        EmbedLabError: the spaces share fewer than two words.
        ValueError: k is not positive, above ``EXACT_NEIGHBOURS_UP_TO`` words.
    """
    shared_a, shared_b = shared_spaces(a, b)
    rows = np.fromiter((shared_a.index[w] for w in words), dtype=np.int64, count=len(words))
    approximate = len(rows) > EXACT_NEIGHBOURS_UP_TO
    if approximate:
        first = approximate_neighbor_indices(shared_a, k, rows, seed)
        second = approximate_neighbor_indices(shared_b, k, rows, seed)
    else:
        first, second = neighbor_indices(shared_a, k, rows), neighbor_indices(shared_b, k, rows)
    jaccards, overlaps = _block_scores(first, second, BLOCK_ROWS)
    vocabulary = np.asarray(shared_a.words, dtype=object)
    frame = pd.DataFrame(
        {
            "word": list(words),
            "jaccard": jaccards,
            "rank_overlap": overlaps,
            "neighbours_a": [", ".join(vocabulary[row[:shown]]) for row in first],
            "neighbours_b": [", ".join(vocabulary[row[:shown]]) for row in second],
        }
    ).astype({"word": object, "neighbours_a": object, "neighbours_b": object})
    frame.attrs["approximate"] = approximate
    frame.attrs["note"] = APPROXIMATE_NOTE.format(limit=EXACT_NEIGHBOURS_UP_TO, k=first.shape[1]) if approximate else ""
    return frame
