"""Exporting spaces and runs: a space's unit vectors to a file, a run's vectors as trained in a download format."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embedlab import store
from embedlab.corpus.stored import load_corpus
from embedlab.errors import EmbedLabError
from embedlab.spaces.formats import (
    EXPORT_SUFFIX,
    ExportFormat,
    VectorFormat,
    projector_zip,
    read_vectors,
    word2vec_bytes,
    write_vectors,
)

if TYPE_CHECKING:
    from embedlab.spaces.space import EmbeddingSpace


def export_space(
    space: EmbeddingSpace, out: str | Path, binary: bool = False, fmt: ExportFormat | str | None = None
) -> Path:
    """Write a space's (unit-length) vectors; ``fmt`` as in :func:`write_vectors` (default: word2vec, binary
    when ``binary``)."""
    if fmt is None:
        fmt = ExportFormat.WORD2VEC_BINARY if binary else ExportFormat.WORD2VEC
    return write_vectors(out, space.words, space.vectors, space.counts, fmt)


def export_file_name(stem: str, fmt: ExportFormat | str) -> str:
    """The download name of ``stem`` in a format: ``.txt``, ``.bin`` or ``-projector.zip``."""
    return stem + EXPORT_SUFFIX[ExportFormat(fmt)]


def run_export_bytes(run_id: str, fmt: ExportFormat | str) -> bytes:
    """A run's vectors as trained (not normalised) in a download format; the projector's counts come from the
    run's corpus when it is still stored.

    Raises:
        ValueError: no such run.
    """
    fmt = ExportFormat(fmt)
    row = store.get_run(run_id)
    path = store.runs_dir() / run_id / "vectors.bin"
    if row is None or not path.is_file():
        raise EmbedLabError(f"no run '{run_id}' in {store.runs_dir()}")
    if fmt is ExportFormat.WORD2VEC_BINARY:
        return path.read_bytes()  # already word2vec binary, exactly as gensim wrote it
    found = read_vectors(path, fmt=VectorFormat.WORD2VEC_BINARY)
    if fmt is ExportFormat.WORD2VEC:
        return word2vec_bytes(found.words, found.vectors)
    return projector_zip(found.words, found.vectors, _run_counts(row.corpus_id, found.words))


def _run_counts(corpus_id: str, words: Sequence[str]) -> np.ndarray:
    try:
        counts = load_corpus(corpus_id).counts
    except ValueError:  # the corpus was removed: counts unknown
        counts = {}
    return np.fromiter((counts.get(w, 0) for w in words), dtype=np.int64, count=len(words))
