"""FastText's subword model, kept with a run so that unseen words (a typo, an inflected form) still get vectors.

FastText (Bojanowski et al. 2017, "Enriching Word Vectors with Subword Information", TACL 5) represents a word by
its character n-grams (``<`` and ``>`` mark the word's ends; lengths ``min_n``..``max_n``), each hashed into one of
``bucket`` rows. gensim's ``FastTextKeyedVectors.get_vector`` builds an unseen word's vector as the mean of its
n-gram rows, one term per n-gram (repeats counted), hashed with fastText's own function (gensim's
``ft_ngram_hashes``).

What is saved, and why not gensim's ``wv.save``: gensim keeps every bucket, 2,000,000 x dim float32 by default
(800 MB at dim 100), and saves by pickling, which EmbedLab never loads. Training only ever updates the buckets some
vocabulary word uses (gensim trains the n-grams of vocabulary words only); every other bucket keeps its random
start (uniform in +-1/dim) and carries no information. So the run keeps the used buckets only, as plain arrays in
``subwords.npz`` (read with ``allow_pickle=False``), and treats the other buckets as zero: an unseen word's vector
is the sum of its trained n-gram rows divided by its number of n-grams, which is exactly gensim's ``wv[word]``
once the never-trained rows are zeroed. A word none of whose n-grams was trained then has no vector (gensim would
return the mean of random start values), rather than random neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import EmbedLabError

__all__ = ["SUBWORDS_FILE", "SubwordVectors", "load_subwords", "save_subwords"]

SUBWORDS_FILE = "subwords.npz"
_FORMAT = 1  # bump when the arrays saved change meaning


@dataclass(frozen=True, eq=False)
class SubwordVectors:
    """The trained character n-gram buckets of a FastText run; called with a word, it builds that word's vector.

    Attributes:
        min_n, max_n: the n-gram lengths (gensim's ``min_n``, ``max_n``).
        bucket: how many hash buckets training used (gensim's ``bucket``); a hash is taken modulo this.
        buckets: int64 array of shape (n,): the trained buckets' numbers, ascending.
        vectors: float32 array of shape (n, dim): their rows, as trained (not normalised).
    """

    min_n: int
    max_n: int
    bucket: int
    buckets: np.ndarray
    vectors: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def ngram_buckets(self, word: str) -> np.ndarray:
        """The bucket of each of ``word``'s character n-grams, repeats kept (gensim's ``ft_ngram_hashes``).

        Returns:
            int64 array of shape (number of n-grams,); empty for the empty word.
        """
        # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only a FastText run's unseen words need it
        from gensim.models.fasttext import ft_ngram_hashes

        return np.asarray(ft_ngram_hashes(word, self.min_n, self.max_n, self.bucket), dtype=np.int64)

    def _rows(self, word: str) -> tuple[np.ndarray, int]:
        """Rows (into :attr:`vectors`) of ``word``'s trained n-grams, repeats kept, and how many n-grams it has."""
        hashes = self.ngram_buckets(word)
        where = np.searchsorted(self.buckets, hashes)
        where = np.minimum(where, len(self.buckets) - 1)
        trained = self.buckets[where] == hashes if len(self.buckets) else np.zeros(len(hashes), dtype=bool)
        return where[trained], len(hashes)

    def trained_share(self, word: str) -> float:
        """Share (0..1) of ``word``'s character n-grams whose bucket training updated; 0.0 for the empty word."""
        rows, total = self._rows(word)
        return len(rows) / total if total else 0.0

    def raw_vector(self, word: str) -> np.ndarray | None:
        """``word``'s vector as gensim builds an out-of-vocabulary word's: the mean over its n-grams of their rows,
        never-trained buckets counting as zero.

        Returns:
            float32 array of shape (dim,), not normalised; None when no n-gram of the word was trained (or it has
            none), so its vector would be zero.
        """
        rows, total = self._rows(word)
        if not len(rows):
            return None
        vector = self.vectors[rows].sum(axis=0, dtype=np.float64) / total
        if not np.any(vector):  # trained rows that cancel exactly: still no direction to search from
            return None
        return vector.astype(np.float32)

    def __call__(self, word: str) -> np.ndarray | None:
        """``word``'s vector built from its character n-grams, unit length (:meth:`raw_vector` normalised).

        Returns:
            float32 array of shape (dim,) with L2 norm 1; None when no n-gram of the word was trained.
        """
        vector = self.raw_vector(word)
        if vector is None:
            return None
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def trained_buckets(wv: Any) -> np.ndarray:
    """The buckets a trained gensim ``FastTextKeyedVectors`` updated: those its vocabulary words' n-grams use.

    Returns:
        int64 array, ascending, without repeats.
    """
    used = [np.asarray(buckets, dtype=np.int64) for buckets in wv.buckets_word if len(buckets)]
    return np.unique(np.concatenate(used)) if used else np.zeros(0, dtype=np.int64)


def save_subwords(wv: Any, path: Path) -> dict[str, int]:
    """Save the trained n-gram buckets of gensim's ``FastTextKeyedVectors`` ``wv`` to ``path`` (an ``.npz``).

    Returns:
        What people and ``params.json`` want to know: ``min_n``, ``max_n``, ``bucket``, ``trained_buckets`` and
        the file's ``bytes``.

    Raises:
        EmbedLabError: ``wv`` has no n-gram buckets (``bucket=0``: a FastText model without subwords).
    """
    if not wv.bucket:
        raise EmbedLabError("this FastText model has no character n-gram buckets (bucket=0): nothing to save")
    buckets = trained_buckets(wv)
    np.savez(
        path,
        format=np.int64(_FORMAT),
        min_n=np.int64(wv.min_n),
        max_n=np.int64(wv.max_n),
        bucket=np.int64(wv.bucket),
        buckets=buckets,
        vectors=np.ascontiguousarray(wv.vectors_ngrams[buckets], dtype=np.float32),
    )
    return {
        "min_n": int(wv.min_n),
        "max_n": int(wv.max_n),
        "bucket": int(wv.bucket),
        "trained_buckets": len(buckets),
        "bytes": Path(path).stat().st_size,
    }


def load_subwords(path: Path) -> SubwordVectors:
    """Read what :func:`save_subwords` wrote; plain arrays only, never a pickle.

    Raises:
        EmbedLabError: the file is missing, unreadable, or not in this format (the message names the file).
    """
    try:
        with np.load(path, allow_pickle=False) as saved:
            fmt = int(saved["format"])
            found = SubwordVectors(
                min_n=int(saved["min_n"]),
                max_n=int(saved["max_n"]),
                bucket=int(saved["bucket"]),
                buckets=np.asarray(saved["buckets"], dtype=np.int64),
                vectors=np.asarray(saved["vectors"], dtype=np.float32),
            )
    except (OSError, KeyError, ValueError) as error:
        raise EmbedLabError(f"{path}: cannot read the run's subword model ({error}); retrain the run") from None
    if fmt != _FORMAT or found.vectors.ndim != 2 or found.buckets.shape != (found.vectors.shape[0],):
        raise EmbedLabError(f"{path}: not a subword model this version of EmbedLab wrote (format {fmt}); retrain")
    return found
