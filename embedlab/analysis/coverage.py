"""Corpus coverage: the share of tokens and words a space has vectors for, overall and per frequency band, the
words it misses, WordPiece fragmentation, and what FastText's character n-grams recover.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from embedlab.analysis.bands import band_order, frequency_bands
from embedlab.errors import EmbedLabError
from embedlab.spaces.space import EmbeddingSpace

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


@dataclass(frozen=True)
class Coverage:
    """How much of a corpus a space covers; the piece figures exist only for WordPiece models.

    A WordPiece model (the MiniLM baseline, a fine-tuned run) encodes every word, from its pieces when its tokenizer
    splits it, as the Neighbours view does: it covers the whole corpus and misses no word; what it is measured by
    is how many words it splits (``split_token_share``, ``top_split``), not words it lacks.
    """

    space: str
    tokens: int
    types: int
    token_coverage: float  # share of corpus tokens whose word gets a vector
    type_coverage: float
    top_missing: list[tuple[str, int]]  # (word, corpus count), most frequent first; none for a WordPiece model
    split_token_share: float | None = None  # share of corpus tokens split into 2+ pieces
    mean_pieces_per_token: float | None = None
    split_type_share: float | None = None  # share of distinct words split into 2+ pieces
    top_split: list[tuple[str, int]] = field(default_factory=list)  # the most frequent words split into pieces

    @property
    def encodes_every_word(self) -> bool:
        """A WordPiece model: every word gets a vector, whole or from its pieces."""
        return self.split_token_share is not None


def vocabulary_coverage(space: EmbeddingSpace, corpus: Corpus, top: int = 50) -> Coverage:
    """Token and type coverage of ``corpus`` by ``space``, with the most frequent missing words.

    A WordPiece model encodes every word (coverage 1.0, nothing missing); its figures are the words its tokenizer
    splits into pieces: shares of tokens and types, mean pieces per token, and the most frequent split words.
    """
    words = list(corpus.counts)
    counts = np.fromiter(corpus.counts.values(), dtype=np.int64, count=len(words))
    if space.piece_counter is not None:
        pieces = space.piece_counter(words)
        split = pieces >= 2
        return Coverage(
            space=space.name,
            tokens=int(counts.sum()),
            types=len(words),
            token_coverage=1.0,
            type_coverage=1.0,
            top_missing=[],
            split_token_share=float(counts[split].sum() / counts.sum()),
            mean_pieces_per_token=float((pieces * counts).sum() / counts.sum()),
            split_type_share=float(split.mean()),
            top_split=[(words[i], int(counts[i])) for i in np.flatnonzero(split)[:top]],  # most frequent first
        )
    covered = _covered(space, words)
    missing = [(words[i], int(counts[i])) for i in np.flatnonzero(~covered)[:top]]  # words are most frequent first
    return Coverage(
        space=space.name,
        tokens=int(counts.sum()),
        types=len(words),
        token_coverage=float(counts[covered].sum() / counts.sum()),
        type_coverage=float(covered.mean()),
        top_missing=missing,
    )


def coverage_by_band(space: EmbeddingSpace, corpus: Corpus) -> pd.DataFrame:
    """Coverage of the corpus per frequency band: where a space loses the corpus.

    Returns:
        One row per band (rarest first): band, words, tokens, covered_words, type_coverage, token_coverage; for a
        WordPiece model, which covers every word, also whole_token_share (the band's tokens kept whole, not split
        into pieces).
    """
    words = list(corpus.counts)
    counts = np.fromiter(corpus.counts.values(), dtype=np.int64, count=len(words))
    covered = _covered(space, words)
    whole = space.piece_counter(words) == 1 if space.piece_counter is not None else None
    frame = pd.DataFrame(
        {
            "band": frequency_bands(counts),
            "tokens": counts,
            "covered": covered,
            "covered_tokens": np.where(covered, counts, 0),
        }
    )
    grouped = frame.groupby("band", sort=False).agg(
        words=("tokens", "size"),
        tokens=("tokens", "sum"),
        covered_words=("covered", "sum"),
        covered_tokens=("covered_tokens", "sum"),
    )
    grouped = grouped.reindex([b for b in band_order(counts) if b in grouped.index]).reset_index()
    grouped["type_coverage"] = grouped["covered_words"] / grouped["words"]
    grouped["token_coverage"] = grouped["covered_tokens"] / grouped["tokens"]
    columns = ["band", "words", "tokens", "covered_words", "type_coverage", "token_coverage"]
    if whole is not None:
        kept = pd.Series(np.where(whole, counts, 0)).groupby(frame["band"].to_numpy(), sort=False).sum()
        grouped["whole_token_share"] = kept.reindex(grouped["band"]).to_numpy() / grouped["tokens"]
        columns.append("whole_token_share")
    return grouped[columns]


BELOW_MIN_COUNT = "below min_count"
NEVER_SEEN = "not in its training corpus"
NOT_KEPT = "in its training corpus, not kept"


def missing_words(
    space: EmbeddingSpace,
    corpus: Corpus,
    training_counts: Mapping[str, int] | None = None,
    min_count: int = 1,
) -> pd.DataFrame:
    """Every corpus word the space does not cover, with its count, most frequent first.

    Args:
        training_counts: for a trained run, word -> count in the corpus it was trained on; adds a column ``why``:
            ``BELOW_MIN_COUNT`` (seen there fewer than ``min_count`` times, so training dropped it),
            ``NEVER_SEEN`` (not in its training corpus at all, e.g. another corpus or a phrase-joined word), or
            ``NOT_KEPT`` (frequent enough yet absent: a vocabulary cap or another tokenizer version).

    Returns:
        Columns word, count (in ``corpus``) and, with ``training_counts``, why and training_count.
    """
    words = list(corpus.counts)
    covered = _covered(space, words)
    missing = [w for w, c in zip(words, covered) if not c]
    frame = pd.DataFrame({"word": missing, "count": [corpus.counts[w] for w in missing]}).astype({"word": object})
    if training_counts is not None:
        seen = [int(training_counts.get(w, 0)) for w in missing]
        frame["why"] = [NEVER_SEEN if n == 0 else BELOW_MIN_COUNT if n < min_count else NOT_KEPT for n in seen]
        frame["training_count"] = seen
    return frame


def _covered(space: EmbeddingSpace, words: Sequence[str]) -> np.ndarray:
    if space.piece_counter is not None:  # a WordPiece model encodes every word, whole or from its pieces
        return np.ones(len(words), dtype=bool)
    return np.fromiter((w in space.index for w in words), dtype=bool, count=len(words))


def split_words(space: EmbeddingSpace, corpus: Corpus) -> pd.DataFrame:
    """Every corpus word a WordPiece model's tokenizer splits into pieces (it still encodes them, from the pieces),
    most frequent first; empty for any other space.

    Returns:
        Columns word, count (in ``corpus``), pieces.
    """
    if space.piece_counter is None:
        empty = pd.DataFrame({"word": [], "count": [], "pieces": []})
        return empty.astype({"word": object, "count": int, "pieces": int})
    words = list(corpus.counts)
    pieces = np.asarray(space.piece_counter(words))
    rows = np.flatnonzero(pieces >= 2)
    return pd.DataFrame(
        {"word": [words[i] for i in rows], "count": [corpus.counts[words[i]] for i in rows], "pieces": pieces[rows]}
    ).astype({"word": object})


def fragmentation(
    space: EmbeddingSpace, corpus: Corpus, split: Callable[[str], list[str]], examples: int = 20
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How a WordPiece model splits the corpus: a histogram of pieces per word and the worst frequent words.

    Args:
        space: a space with a ``piece_counter`` (the baseline).
        split: the tokenizer's split of one word, for the examples.

    Returns:
        (histogram with columns pieces, words, tokens; examples with columns word, count, pieces, split —
        the most fragmented among the 1,000 most frequent words, most pieces first).
    """
    if space.piece_counter is None:
        raise EmbedLabError(f"{space.name} is not a WordPiece model: it does not split words")
    words = list(corpus.counts)
    counts = np.fromiter(corpus.counts.values(), dtype=np.int64, count=len(words))
    pieces = space.piece_counter(words)
    frame = pd.DataFrame({"word": words, "count": counts, "pieces": pieces})
    histogram = (
        frame.groupby("pieces").agg(words=("word", "size"), tokens=("count", "sum")).reset_index().sort_values("pieces")
    )
    frequent = frame.head(1000)
    worst = frequent[frequent["pieces"] >= 2].sort_values(["pieces", "count"], ascending=[False, False])
    worst = worst.head(examples).copy()
    worst["split"] = [" ".join(split(word)) for word in worst["word"]]
    return histogram.reset_index(drop=True), worst.reset_index(drop=True)


@dataclass(frozen=True)
class SubwordCoverage:
    """What a FastText run builds from subwords for the corpus words it does not hold whole.

    Attributes:
        token_share: share (0..1) of the corpus's missing tokens whose word gets a vector from its character
            n-grams (some n-gram seen in training); 1.0 when none is missing; None when the run cannot build any.
        type_share: the same share over distinct missing words.
        words: how many missing distinct words get such a vector.
        note: why the shares are None (a run saved without its subword model); empty otherwise.
    """

    token_share: float | None
    type_share: float | None
    words: int = 0
    note: str = ""


def subword_vector_coverage(space: EmbeddingSpace, corpus: Corpus) -> SubwordCoverage | None:
    """For a space that builds vectors for unseen words from subwords (``space.oov_vector``: a FastText run), how
    many of the corpus words it misses get one: exactly the words the Neighbours tab and the CLI can look up.

    Cost: one n-gram hashing per missing distinct word (about 50 µs each).

    Returns:
        None for a space without subwords; else the shares (None, with a note, when the run was saved without its
        subword model).
    """
    if space.oov_vector is None:
        return None
    missing = [(w, c) for w, c in corpus.counts.items() if w not in space.index]
    if not missing:
        return SubwordCoverage(1.0, 1.0)
    try:
        built = np.fromiter((space.oov_vector(w) is not None for w, _ in missing), dtype=bool, count=len(missing))
    except EmbedLabError as why:
        return SubwordCoverage(None, None, note=str(why))
    counts = np.fromiter((c for _, c in missing), dtype=np.int64, count=len(missing))
    return SubwordCoverage(float(counts[built].sum() / counts.sum()), float(built.mean()), int(built.sum()))


def character_ngrams(word: str, min_n: int, max_n: int) -> set[str]:
    """FastText's character n-grams of a word, with ``<`` and ``>`` marking its ends."""
    marked = f"<{word}>"
    return {marked[i : i + n] for n in range(min_n, max_n + 1) for i in range(len(marked) - n + 1)}


def subword_coverage(
    vocabulary: Sequence[str], corpus: Corpus, min_n: int = 3, max_n: int = 6, threshold: float = 0.5
) -> tuple[float, float]:
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
    represented = np.array(
        [
            len(grams & trained) >= threshold * len(grams)
            for grams in (character_ngrams(w, min_n, max_n) for w, _ in missing)
        ]
    )
    counts = np.array([c for _, c in missing])
    return float(counts[represented].sum() / counts.sum()), float(represented.mean())
