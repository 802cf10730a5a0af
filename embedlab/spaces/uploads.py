"""Uploaded vectors files: checked whole, stored once by content hash under ``EMBEDLAB_HOME/vectors/``, listed,
labelled and deleted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from embedlab import config, store
from embedlab.errors import EmbedLabError
from embedlab.records import VectorsRecord
from embedlab.spaces.formats import VectorFormat, read_vectors


@dataclass(frozen=True)
class UploadedVectors:
    """An uploaded vectors file as the registry knows it.

    Attributes:
        id: the hash of its bytes (its stored name without the suffix).
        name: the file name it was uploaded under.
        path: where it is stored.
        format, words, dim, size, duplicates: what reading it found; ``size`` in bytes.
        created: upload time (seconds since the epoch).
    """

    id: str
    name: str
    path: Path
    format: str
    words: int
    dim: int
    size: int
    duplicates: int
    created: float

    @property
    def spec(self) -> str:
        """The space spec, ``vectors:/abs/path``."""
        return f"vectors:{self.path}"

    @classmethod
    def from_record(cls, record: VectorsRecord) -> UploadedVectors:
        return cls(
            record.id,
            record.name,
            store.vectors_dir().resolve() / record.file,
            record.format,
            record.words,
            record.dim,
            record.size,
            record.duplicates,
            record.created,
        )


def _display_name(name: str) -> str:
    shown = Path(name.replace("\\", "/")).name.strip() or "vectors"
    return shown if len(shown) <= 200 else shown[:199] + "…"


def save_uploaded_vectors(name: str, data: bytes) -> UploadedVectors:
    """Check an uploaded vectors file completely, then store it once (by content hash) and register it.

    Nothing is stored unless the whole file reads; the same bytes uploaded again give back the stored entry.

    Args:
        name: the uploaded file's name, kept for display and used in messages.
        data: its bytes.

    Returns:
        The registry entry; its ``spec`` is the space to compare.

    Raises:
        ValueError: over the size limit, empty or malformed (with the line number and what was wrong).
    """
    name = _display_name(name)
    limit = config.MAX_VECTORS_MB * 1024 * 1024
    if len(data) > limit:
        raise EmbedLabError(
            f"{name} is {len(data) / 1024 / 1024:,.1f} MB, over the {config.MAX_VECTORS_MB} MB limit "
            "for vectors files: keep its most frequent words (files usually list them first) and "
            "set the word count on the first line to match"
        )
    digest = hashlib.sha256(data).hexdigest()[:20]
    existing = store.get_vectors(digest)
    if existing is not None and (store.vectors_dir() / existing.file).is_file():
        return UploadedVectors.from_record(existing)
    folder = store.vectors_dir()
    fd, staging = tempfile.mkstemp(dir=folder, prefix=f".upload-{digest}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        found = read_vectors(staging, name=name)
        file = digest + (".bin" if found.format is VectorFormat.WORD2VEC_BINARY else ".txt")
        os.replace(staging, folder / file)
    finally:
        Path(staging).unlink(missing_ok=True)
    store.add_vectors(digest, name, file, found.format.value, len(found), found.dim, len(data), found.duplicates)
    stored = store.get_vectors(digest)
    assert stored is not None  # just added
    return UploadedVectors.from_record(stored)


def list_uploaded_vectors() -> list[UploadedVectors]:
    """Uploaded vectors files whose file is still there, newest first."""
    items = [UploadedVectors.from_record(record) for record in store.list_vectors()]
    return [item for item in items if item.path.is_file()]


def delete_uploaded_vectors(vectors_id: str) -> None:
    """Remove an uploaded vectors file and its registry row.

    Raises:
        ValueError: no uploaded vectors file with that id.
    """
    row = store.get_vectors(vectors_id)
    if row is None:
        raise EmbedLabError(f"no uploaded vectors file '{vectors_id}'; it may have been deleted already")
    store.delete_vectors(vectors_id)
    (store.vectors_dir() / Path(row.file).name).unlink(missing_ok=True)
