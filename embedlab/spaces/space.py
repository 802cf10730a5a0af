"""``EmbeddingSpace``, the one thing every comparison takes: words, an L2-normalised float32 matrix, corpus counts
and where it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import EmbedLabError

if TYPE_CHECKING:
    from embedlab.spaces.replicas import SeedReplicas


@dataclass(frozen=True, eq=False)
class EmbeddingSpace:
    """A vocabulary with an L2-normalised float32 matrix and corpus counts.

    Attributes:
        name: the spec it was loaded from (``baseline``, a run id, ``vectors:PATH``).
        words: the vocabulary, in row order.
        vectors: float32 array of shape (len(words), dim); rows have unit norm (all-zero rows stay zero).
        counts: int64 array of shape (len(words),): corpus counts, 0 where unknown.
        source: a human description of where it came from.
        piece_counter: for WordPiece models, a function giving the pieces per word (coverage uses it).
        label: how people see it (``embedlab.spaces.labels``), e.g. ``Word2Vec · dim 100 · notes.csv · a408e2``;
            empty: its name.
        encoder: for sentence-transformer spaces, ``encoder(texts, progress=None)`` gives unit float32 sentence
            embeddings of shape (len(texts), dim); None for static spaces (a text is its mean word vector).
        oov_vector: for FastText runs, ``oov_vector(word)`` gives a word the space does not hold a unit float32
            vector of shape (dim,) built from its character n-grams (``embedlab.spaces.subwords``), or None when
            none of its n-grams was trained; it raises EmbedLabError, saying why, when the space cannot build such
            vectors at all (a FastText run saved without its subword model). None for other spaces.
        seed_replicas: for Word2Vec/FastText runs trained with several seeds, a function that loads them
            (:class:`embedlab.spaces.replicas.SeedReplicas`, cached after the first call); None for every other space,
            derived copies included (their vectors are not the replicas' own).
        zero_words: words whose vector was all zeros (padding, unknown rows of vectors files). Cosine is undefined
            for them, so construction leaves them out of ``words``/``vectors``/``counts`` (no neighbour list, no
            score, never anyone's neighbour) and records them here, for pages and the CLI to name.
    """

    name: str
    words: tuple[str, ...]
    vectors: np.ndarray
    counts: np.ndarray
    source: str
    piece_counter: Callable[[Sequence[str]], np.ndarray] | None = None
    encoder: Callable[..., np.ndarray] | None = None
    label: str = ""
    oov_vector: Callable[[str], np.ndarray | None] | None = None
    zero_words: tuple[str, ...] = ()
    seed_replicas: Callable[[], SeedReplicas] | None = None
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.vectors.shape[0] != len(self.words) or self.counts.shape[0] != len(self.words):
            raise EmbedLabError(
                f"space {self.name}: {len(self.words)} words but {self.vectors.shape[0]} vectors "
                f"and {self.counts.shape[0]} counts"
            )
        self._exclude_zero_rows()
        object.__setattr__(self, "index", {word: i for i, word in enumerate(self.words)})

    def _exclude_zero_rows(self) -> None:
        """Drop rows without a direction (see ``zero_words``); the kept rows keep their order."""
        vectors = np.asarray(self.vectors)
        if vectors.ndim != 2 or not len(vectors):
            return
        norms = np.einsum("ij,ij->i", vectors, vectors)  # float32: a denormal row's squares are 0 too
        if norms.all():
            return
        keep = np.flatnonzero(norms)
        zero = tuple(self.words[i] for i in np.flatnonzero(norms == 0))
        object.__setattr__(self, "words", tuple(self.words[i] for i in keep))
        object.__setattr__(self, "vectors", vectors[keep])
        object.__setattr__(self, "counts", self.counts[keep])
        object.__setattr__(self, "zero_words", self.zero_words + zero)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def title(self) -> str:
        """Its label, else its name."""
        return self.label or self.name

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def subset(self, words: Sequence[str]) -> EmbeddingSpace:
        """The same space restricted to ``words`` (all must be in it), in that order."""
        rows = np.fromiter((self.index[w] for w in words), dtype=np.int64, count=len(words))
        return EmbeddingSpace(
            self.name,
            tuple(words),
            self.vectors[rows],
            self.counts[rows],
            self.source,
            self.piece_counter,
            self.encoder,
            self.label,
            None if self.oov_vector is None else partial(_subset_oov_vector, self.index, self.name, self.oov_vector),
            zero_words=self.zero_words,
            seed_replicas=self.seed_replicas,
        )


def _subset_oov_vector(
    whole: dict[str, int], name: str, oov_vector: Callable[[str], np.ndarray | None], word: str
) -> np.ndarray | None:
    """A subset's ``oov_vector``: a word the whole space holds is not unseen, and its subword vector is not its
    vector; ask the whole space for it."""
    if word in whole:
        raise EmbedLabError(f"'{word}' is in {name} but not among the words of this comparison (both spaces' words)")
    return oov_vector(word)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, float32; all-zero rows stay zero instead of becoming NaN."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
