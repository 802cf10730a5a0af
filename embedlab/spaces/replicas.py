"""Seed replicas of a Word2Vec/FastText run: the same configuration trained again with other seeds, kept with the
run so that "what changed" can tell a real change from the seed-to-seed noise of the method itself.

Embedding neighbourhoods are unstable across random seeds even on an unchanged corpus (Antoniak and Mimno 2018,
"Evaluating the Stability of Embedding-based Word Similarities", TACL 6; Wendlandt, Kummerfeld and Mihalcea 2018,
"Factors Influencing the Surprising Instability of Word Embeddings", NAACL). A run trained with ``seeds=R`` keeps,
in ``replicas.npz`` (plain arrays, read with ``allow_pickle=False``):

- ``seeds``: int64 (R,), the primary run's seed first;
- ``neighbours``: (R, V, depth) unsigned ints: each seed's ``depth`` nearest words of every vocabulary word by
  cosine, nearest first, as rows of the run's vocabulary (the same words in the same order for every seed: gensim
  builds the vocabulary from the corpus alone). Searching once at training time keeps the comparison's cost flat:
  the floor of a word is read from these lists, filtered to the words a comparison shares;
- ``vectors``: float32 (R - 1, V, dim), the other seeds' vectors as trained, for the words whose lists run short
  after that filter or a k beyond ``depth``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab.errors import EmbedLabError

__all__ = ["REPLICAS_FILE", "REPLICA_DEPTH", "SeedReplicas", "load_replicas", "save_replicas"]

REPLICAS_FILE = "replicas.npz"
REPLICA_DEPTH = 50  # neighbours kept per word and seed: k up to 50 reads the lists, a larger k searches again
_FORMAT = 1


@dataclass(frozen=True, eq=False)
class SeedReplicas:
    """A run's seed replicas (see the module docstring).

    Attributes:
        words: the run's vocabulary, in row order (the same for every seed).
        seeds: the seeds, the primary run's first; at least two.
        neighbours: array of shape (len(seeds), len(words), depth) of row indices, nearest first.
        vectors: float32 array of shape (len(seeds) - 1, len(words), dim): every seed's vectors but the primary's,
            which are the run's own.
    """

    words: tuple[str, ...]
    seeds: tuple[int, ...]
    neighbours: np.ndarray
    vectors: np.ndarray

    @property
    def depth(self) -> int:
        return int(self.neighbours.shape[2])


def save_replicas(path: Path, seeds: tuple[int, ...], neighbours: np.ndarray, vectors: np.ndarray) -> int:
    """Write a run's replicas to ``path`` (an ``.npz``).

    Args:
        seeds: every seed, the primary's first (at least two).
        neighbours: int array of shape (len(seeds), V, depth), every seed's nearest words by row, nearest first.
        vectors: float32 array of shape (len(seeds) - 1, V, dim): the other seeds' vectors.

    Returns:
        The file's size in bytes.

    Raises:
        EmbedLabError: fewer than two seeds, or arrays whose shapes disagree.
    """
    if (
        len(seeds) < 2
        or neighbours.shape[0] != len(seeds)
        or vectors.shape[:2] != (len(seeds) - 1, neighbours.shape[1])
    ):
        raise EmbedLabError(
            f"replicas: {len(seeds)} seeds, neighbours {neighbours.shape}, vectors {vectors.shape} do not agree"
        )
    dtype = np.uint16 if neighbours.shape[1] <= np.iinfo(np.uint16).max else np.uint32
    np.savez(
        path,
        format=np.int64(_FORMAT),
        seeds=np.asarray(seeds, dtype=np.int64),
        neighbours=neighbours.astype(dtype),
        vectors=np.asarray(vectors, dtype=np.float32),
    )
    return Path(path).stat().st_size


def load_replicas(path: Path, words: tuple[str, ...]) -> SeedReplicas:
    """Read what :func:`save_replicas` wrote, for the run whose vocabulary is ``words``.

    Raises:
        EmbedLabError: the file is missing, unreadable, not in this format, or made for another vocabulary (the
            message names the file).
    """
    try:
        with np.load(path, allow_pickle=False) as saved:
            fmt = int(saved["format"])
            seeds = tuple(int(seed) for seed in saved["seeds"])
            neighbours = np.asarray(saved["neighbours"])
            vectors = np.asarray(saved["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError) as error:
        raise EmbedLabError(f"{path}: cannot read the run's seed replicas ({error}); retrain the run") from None
    if fmt != _FORMAT or neighbours.ndim != 3 or neighbours.shape[:2] != (len(seeds), len(words)):
        raise EmbedLabError(f"{path}: not seed replicas of this run's {len(words):,} words (format {fmt}); retrain")
    return SeedReplicas(words, seeds, neighbours, vectors)
