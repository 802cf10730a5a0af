"""The SQLite registry of corpora, runs, jobs and uploaded vectors files (handed out as the typed records of
:mod:`embedlab.records`), the data folder's layout, and atomic writes of artefacts."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from embedlab import config
from embedlab.errors import EmbedLabError
from embedlab.records import CorpusRecord, JobRecord, RunRecord, VectorsRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS corpora (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created REAL NOT NULL, stats TEXT NOT NULL, options TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, corpus_id TEXT NOT NULL, method TEXT NOT NULL, params TEXT NOT NULL,
    vocab_size INTEGER NOT NULL, seconds REAL NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, corpus_id TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0, epoch INTEGER NOT NULL DEFAULT 0, epochs INTEGER NOT NULL DEFAULT 0,
    words_per_second REAL NOT NULL DEFAULT 0, eta_seconds REAL, message TEXT NOT NULL DEFAULT '',
    run_id TEXT, pid INTEGER, created REAL NOT NULL, updated REAL NOT NULL,
    backend TEXT NOT NULL DEFAULT 'local', address TEXT NOT NULL DEFAULT '', node TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS vectors (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, file TEXT NOT NULL, format TEXT NOT NULL, words INTEGER NOT NULL,
    dim INTEGER NOT NULL, bytes INTEGER NOT NULL, duplicates INTEGER NOT NULL, created REAL NOT NULL
);
"""

_JSON_COLUMNS = ("stats", "options", "params")

# Columns added after a table was first shipped: a registry made before them gets them on its next connection.
_ADDED_COLUMNS = {
    "jobs": {
        "backend": "TEXT NOT NULL DEFAULT 'local'",
        "address": "TEXT NOT NULL DEFAULT ''",
        "node": "TEXT NOT NULL DEFAULT ''",
    },
}


def new_id(prefix: str) -> str:
    """A short, sortable, unique id such as ``run-20261126-050301-3f9a2c``."""
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


def runs_dir() -> Path:
    """``EMBEDLAB_HOME/runs``: one folder per run."""
    return _subdir("runs")


def corpora_dir() -> Path:
    """``EMBEDLAB_HOME/corpora``: one folder per stored corpus."""
    return _subdir("corpora")


def cache_dir() -> Path:
    """``EMBEDLAB_HOME/cache``: encodings and map layouts, keyed by content hash (safe to delete)."""
    return _subdir("cache")


def jobs_dir() -> Path:
    """``EMBEDLAB_HOME/jobs``: each job's log (its worker's stdout and stderr)."""
    return _subdir("jobs")


def uploads_dir() -> Path:
    """``EMBEDLAB_HOME/uploads``: corpus files handed to a Ray cluster's ingest (its nodes read them from here),
    each stored once under a hash of its bytes."""
    return _subdir("uploads")


def vectors_dir() -> Path:
    """Uploaded vectors files, each stored once under a hash of its bytes."""
    return _subdir("vectors")


def _subdir(name: str) -> Path:
    path = config.home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


_BUSY_SECONDS = 30


def _set_up(conn: sqlite3.Connection) -> None:
    """WAL mode and the tables, retried while the registry is locked.

    Switching a new database to WAL takes an exclusive lock that SQLite does not wait for (its busy timeout is not
    used there), so processes creating the registry at once (the server and a job worker, two sessions) would
    otherwise fail with "database is locked".
    """
    deadline = time.monotonic() + _BUSY_SECONDS
    delay = 0.01
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            for table, columns in _ADDED_COLUMNS.items():
                have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns.items():
                    if name not in have:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """A connection to the registry, committed on success; WAL so readers never block the training job."""
    conn = sqlite3.connect(config.home() / "registry.sqlite3", timeout=_BUSY_SECONDS)
    conn.row_factory = sqlite3.Row
    try:
        _set_up(conn)
        yield conn
        conn.commit()
    finally:
        conn.close()


def _row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    for key in _JSON_COLUMNS:
        if key in out:
            out[key] = json.loads(out[key])
    return out


def _insert(table: str, values: dict[str, Any]) -> None:
    values = {k: json.dumps(v) if k in _JSON_COLUMNS else v for k, v in values.items()}
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    with connect() as conn:
        conn.execute(f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})", tuple(values.values()))


def _get(table: str, item_id: str) -> dict[str, Any] | None:
    with connect() as conn:
        found = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (item_id,)).fetchone()
        return None if found is None else _row(found)


def _list(table: str) -> list[dict[str, Any]]:
    with connect() as conn:
        return [_row(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY created DESC").fetchall()]


def add_corpus(corpus_id: str, name: str, stats: dict, options: dict) -> None:
    """Register a stored corpus (its files are written first, by ``embedlab.corpus``)."""
    _insert("corpora", {"id": corpus_id, "name": name, "created": time.time(), "stats": stats, "options": options})


def get_corpus(corpus_id: str) -> CorpusRecord | None:
    """The corpus's registry record, or None."""
    row = _get("corpora", corpus_id)
    return None if row is None else CorpusRecord.from_row(row)


def list_corpora() -> list[CorpusRecord]:
    """Registered corpora, newest first."""
    return [CorpusRecord.from_row(row) for row in _list("corpora")]


def delete_corpus(corpus_id: str) -> None:
    """Remove a corpus: its registry row, then its folder; runs trained on it, jobs and every other file stay.

    The row goes first, so a crash half-way through leaves an invisible folder, never a listed corpus without files.

    Raises:
        EmbedLabError: no corpus with that id.
    """
    _delete_row_then_folder("corpora", "corpus", corpus_id, corpora_dir())


def add_run(run_id: str, corpus_id: str, method: str, params: dict, vocab_size: int, seconds: float) -> None:
    """Register a run whose folder is already in place (see ``embedlab.training.commit``)."""
    _insert(
        "runs",
        {
            "id": run_id,
            "corpus_id": corpus_id,
            "method": method,
            "params": params,
            "vocab_size": vocab_size,
            "seconds": seconds,
            "created": time.time(),
        },
    )


def get_run(run_id: str) -> RunRecord | None:
    """The run's record, or None when there is no such run."""
    row = _get("runs", run_id)
    return None if row is None else RunRecord.from_row(row)


def list_runs() -> list[RunRecord]:
    """Registered runs, newest first."""
    return [RunRecord.from_row(row) for row in _list("runs")]


def delete_run(run_id: str) -> None:
    """Remove a run: its registry row, then its folder; every other run is left alone.

    The row goes first, so a crash half-way through leaves an invisible folder, never a listed run without files.

    Raises:
        ValueError: no run with that id.
    """
    _delete_row_then_folder("runs", "run", run_id, runs_dir())


def _delete_row_then_folder(table: str, what: str, item_id: str, parent: Path) -> None:
    """The registry row of ``item_id`` in ``table``, then its folder under ``parent`` (never outside it, whatever
    the id).

    Raises:
        EmbedLabError: no such row.
    """
    folder = parent / item_id
    with connect() as conn:
        deleted = conn.execute(f"DELETE FROM {table} WHERE id = ?", (item_id,)).rowcount
    if not deleted:
        raise EmbedLabError(f"no {what} '{item_id}' in the registry; it may have been deleted already")
    if folder.resolve().parent == parent.resolve() and folder.is_dir():
        shutil.rmtree(folder)


def add_job(job_id: str, corpus_id: str, params: dict, epochs: int, backend: str = "local", address: str = "") -> None:
    """Register a queued job; ``backend`` is where it runs (``local``, or ``ray`` at the cluster ``address``)."""
    now = time.time()
    _insert(
        "jobs",
        {
            "id": job_id,
            "corpus_id": corpus_id,
            "params": params,
            "status": "queued",
            "epochs": epochs,
            "backend": backend,
            "address": address,
            "created": now,
            "updated": now,
        },
    )


def update_job(job_id: str, **fields: Any) -> None:
    """Set a job's columns (progress, status, pid...); ``updated`` is set to now."""
    fields["updated"] = time.time()
    assignments = ", ".join(f"{name} = ?" for name in fields)
    with connect() as conn:
        conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*fields.values(), job_id))


def transition_job(job_id: str, from_statuses: tuple[str, ...], **fields: Any) -> bool:
    """Update a job only while its status is one of ``from_statuses``; True when it was updated.

    The check and the write are one statement, so a cancel and a finishing worker cannot both win.
    """
    fields["updated"] = time.time()
    assignments = ", ".join(f"{name} = ?" for name in fields)
    marks = ", ".join("?" for _ in from_statuses)
    with connect() as conn:
        cursor = conn.execute(
            f"UPDATE jobs SET {assignments} WHERE id = ? AND status IN ({marks})",
            (*fields.values(), job_id, *from_statuses),
        )
        return cursor.rowcount == 1


def get_job(job_id: str) -> JobRecord | None:
    """The job's record, or None."""
    row = _get("jobs", job_id)
    return None if row is None else JobRecord.from_row(row)


def list_jobs() -> list[JobRecord]:
    """Jobs, newest first."""
    return [JobRecord.from_row(row) for row in _list("jobs")]


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader sees the old file or the new one, never half of one."""
    write_bytes(path, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically (see :func:`atomic_file`)."""
    with atomic_file(path) as handle:
        handle.write(data)


@contextmanager
def staged_dir(final: Path) -> Iterator[Path]:
    """A temporary folder beside ``final`` that becomes ``final`` in one rename when the block succeeds.

    A crash or cancel inside the block leaves no ``final`` folder, only a hidden temp one that
    :func:`remove_stale_staging` clears.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    # The writer's pid is in the name: a long write (an hour-long fine-tune) is never taken for a stale one.
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".staging-{final.name}-pid{os.getpid()}-"))
    try:
        yield staging
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def remove_stale_staging(parent: Path, older_than_seconds: float = 3600) -> None:
    """Delete temp folders left by processes that were killed mid-write: older than ``older_than_seconds`` and
    not held by a running process (the writer's pid is in the folder's name)."""
    now = time.time()
    for path in parent.glob(".staging-*"):
        if now - path.stat().st_mtime > older_than_seconds and not _writer_alive(path.name):
            shutil.rmtree(path, ignore_errors=True)


def _writer_alive(name: str) -> bool:
    """Whether the process named in a staging folder's name still runs (no pid in the name: an old folder, dead)."""
    found = _STAGING_PID.search(name)
    if found is None:
        return False
    if int(found.group(1)) == os.getpid():  # this very process: another of its threads may be writing it
        return True
    try:
        os.kill(int(found.group(1)), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


_STAGING_PID = re.compile(r"-pid([0-9]+)-")


@contextmanager
def atomic_file(path: Path) -> Iterator[Any]:
    """A binary file handle whose content replaces ``path`` in one rename when the block succeeds.

    For writes too big to build in memory first (:func:`write_bytes` takes the bytes at once).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_vectors(
    vectors_id: str, name: str, file: str, format: str, words: int, dim: int, size: int, duplicates: int
) -> None:
    """Register an uploaded vectors file (stored as ``vectors_dir() / file``)."""
    _insert(
        "vectors",
        {
            "id": vectors_id,
            "name": name,
            "file": file,
            "format": format,
            "words": words,
            "dim": dim,
            "bytes": size,
            "duplicates": duplicates,
            "created": time.time(),
        },
    )


def get_vectors(vectors_id: str) -> VectorsRecord | None:
    """An uploaded vectors file's record, or None."""
    row = _get("vectors", vectors_id)
    return None if row is None else VectorsRecord.from_row(row)


def list_vectors() -> list[VectorsRecord]:
    """Uploaded vectors files, newest first."""
    return [VectorsRecord.from_row(row) for row in _list("vectors")]


def delete_vectors(vectors_id: str) -> bool:
    """Remove an uploaded vectors file's registry row; True when there was one (the caller removes the file)."""
    with connect() as conn:
        return conn.execute("DELETE FROM vectors WHERE id = ?", (vectors_id,)).rowcount == 1
