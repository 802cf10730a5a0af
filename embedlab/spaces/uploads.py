"""Vectors files added by upload or by their path on this machine: checked whole, stored once under
``EMBEDLAB_HOME/vectors/``, listed, labelled and deleted.

An upload is stored as its bytes (named by their hash). A file registered by its path (:func:`register_vectors_path`,
for pretrained files too big to upload: GloVe 840B, fastText Common Crawl) is read streaming, keeping only its first
``limit`` words, and what was kept is stored as word2vec binary; its id hashes the path, size, modification time and
limit, so registering the same file again returns the entry without reading it. What reading changed or left out
(renamed words, repeats, all-zero rows, the limit) is kept beside the file as ``ID.notes.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from embedlab import config, store
from embedlab.errors import EmbedLabError
from embedlab.records import VectorsRecord
from embedlab.spaces.formats import VectorFormat, VectorsFile, read_vectors, write_word2vec


@dataclass(frozen=True)
class UploadedVectors:
    """An uploaded vectors file as the registry knows it.

    Attributes:
        id: the hash of its bytes (its stored name without the suffix).
        name: the file name it was uploaded under.
        path: where it is stored.
        format, words, dim, size, duplicates: what reading it found; ``size`` in bytes (of the stored file).
        created: upload time (seconds since the epoch).
        notes: what reading changed or left out, a sentence each (``VectorsFile.notes``): renamed words, repeats,
            all-zero rows, the limit.
        renamed: how many words were renamed; zero_words: words with an all-zero vector (left out of spaces).
        source: for a file registered by path, that path; empty for an upload.
        limit: the ``keep the first N words`` it was registered with, else None.
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
    notes: tuple[str, ...] = ()
    renamed: int = 0
    zero_words: tuple[str, ...] = ()
    source: str = ""
    limit: int | None = None

    @property
    def spec(self) -> str:
        """The space spec, ``vectors:/abs/path``."""
        return f"vectors:{self.path}"

    @classmethod
    def from_record(cls, record: VectorsRecord) -> UploadedVectors:
        notes = _read_notes(record.id)
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
            tuple(notes.get("notes", ())),
            int(notes.get("renamed", 0)),
            tuple(notes.get("zero_words", ())),
            str(notes.get("source", "")),
            notes.get("limit"),
        )


def _notes_path(vectors_id: str) -> Path:
    return store.vectors_dir() / f"{vectors_id}.notes.json"


def _read_notes(vectors_id: str) -> dict:
    try:
        found = json.loads(_notes_path(vectors_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # added before notes were kept, or unreadable: nothing to tell
        return {}
    return found if isinstance(found, dict) else {}


def _write_notes(vectors_id: str, found: VectorsFile, source: str = "") -> None:
    """Keep what reading changed or left out beside the stored file (nothing is written when there is nothing)."""
    if not found.notes() and not source:
        return
    notes = {
        "notes": found.notes(),
        "renamed": len(found.renamed),
        "zero_words": list(found.zero_words),
        "source": source,
        "limit": found.limit,
    }
    store.write_bytes(_notes_path(vectors_id), json.dumps(notes, ensure_ascii=False).encode("utf-8"))


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
    _write_notes(digest, found)
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
    _notes_path(Path(vectors_id).name).unlink(missing_ok=True)


PATH_KEEP_WORDS = 200_000  # the Runs page's "keep the N most frequent words": a big file's useful part, in seconds
KEEP_EVERY_WORD = 0  # that field's value for no limit (``limit=None``)


def register_vectors_path(path: str | Path, limit: int | None = None, name: str | None = None) -> UploadedVectors:
    """Add a vectors file on this machine by its path, keeping its first ``limit`` words (the most frequent: files
    list them first), for files too big to upload.

    The file is read streaming (memory grows with ``limit`` x dim, not with the file), checked, and what is kept
    is stored as word2vec binary under ``EMBEDLAB_HOME/vectors/``, so the space opens fast and does not change
    if the original moves. The same file (path, size, modification time) with the same limit gives back its
    entry unread.

    Args:
        path: the file (``~`` expanded; relative to the server's working folder).
        limit: how many words to keep from the top of the file; None keeps every word.
        name: how it is listed (default: the file name, with ``first N words`` when limited).

    Returns:
        The registry entry; its ``spec`` is the space to compare.

    Raises:
        EmbedLabError: no such file, a folder, limit below 1, or a file that does not read (with the line number
            and what was wrong).
    """
    source = Path(path).expanduser().resolve()
    if source.is_dir():
        raise EmbedLabError(f"{source} is a folder; give the vectors file inside it")
    if not source.is_file():
        raise EmbedLabError(f"no such vectors file: {source}")
    if limit is not None and limit < 1:
        raise EmbedLabError(f"limit must be at least 1 word, got {limit}")
    stat = source.stat()
    key = f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{limit}"
    digest = "p" + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:19]
    existing = store.get_vectors(digest)
    if existing is not None and (store.vectors_dir() / existing.file).is_file():
        return UploadedVectors.from_record(existing)
    found = read_vectors(source, limit=limit)
    if name is None:
        name = _display_name(source.name) + (f" (first {len(found):,} words)" if not found.complete else "")
    file = digest + ".bin"
    with store.atomic_file(store.vectors_dir() / file) as handle:
        write_word2vec(handle, found.words, found.vectors, binary=True)
    size = (store.vectors_dir() / file).stat().st_size
    _write_notes(digest, found, str(source))
    store.add_vectors(
        digest, _display_name(name), file, found.format.value, len(found), found.dim, size, found.duplicates
    )
    stored = store.get_vectors(digest)
    assert stored is not None  # just added
    return UploadedVectors.from_record(stored)
