"""The registry's rows as typed, frozen records: corpora, runs, jobs and uploaded vectors files.

:mod:`embedlab.store` hands these out; pages, the CLI and the rest of the package read their attributes and never
index a raw row. A run record knows its method and shows the parameters that method has: a Word2Vec run its
dimensions, window and architecture; a fine-tuned sentence-transformer its base model, dimension, training pairs,
batch size and learning rate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "JOB_ACTIVE",
    "JOB_CANCELLABLE",
    "CorpusRecord",
    "JobRecord",
    "RunMethod",
    "RunRecord",
    "STATIC_METHODS",
    "VectorsRecord",
]

BASE_MODEL = "all-MiniLM-L6-v2"  # what fine-tuned runs start from
BASE_MODEL_DIM = 384  # its embedding dimension: fine-tuned runs saved before "dim" was recorded have this one
JOB_ACTIVE = ("queued", "running", "committing")
JOB_CANCELLABLE = ("queued", "running")


class RunMethod(StrEnum):
    """How a run was made: trained static vectors, or a fine-tuned sentence-transformer. The one enum of method
    names: training configs, jobs, the CLI and the pages use it, and the registry and ``params.json`` store its
    values."""

    WORD2VEC = "word2vec"
    FASTTEXT = "fasttext"
    SENTENCE_TRANSFORMER = "sentence-transformer"

    @property
    def display_name(self) -> str:
        """How people call it: ``Word2Vec``, ``FastText``, ``fine-tuned MiniLM``."""
        return _METHOD_TITLES[self]


STATIC_METHODS = (RunMethod.WORD2VEC, RunMethod.FASTTEXT)  # gensim's: they train static word vectors

_METHOD_TITLES = {
    RunMethod.WORD2VEC: "Word2Vec",
    RunMethod.FASTTEXT: "FastText",
    RunMethod.SENTENCE_TRANSFORMER: "fine-tuned MiniLM",
}


def _object(value: Any) -> dict[str, Any]:
    """A JSON object column of the registry as a dict (a copy: the record's reader cannot change the row)."""
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})


def _setting(name: str, value: Any) -> str:
    """One setting of :meth:`RunRecord.parameters` as a label shows it: ``skip-gram``, ``10 epochs``, ``seed 43``."""
    if name == "seeds":  # a run trained with one seed has none listed
        return f"seeds {value}" if value else "one seed"
    if name == "started from":
        return f"from {value}" if value else "random init"
    if value is None or value == "":
        return f"no {name}"
    if name in ("architecture", "pairs from"):
        return str(value)
    if name == "epochs":
        return f"{value} epoch{'s' * (value != 1)}"
    if name == "training pairs":
        return f"{value:,} pairs" if isinstance(value, int) else f"{value} pairs"
    if name == "time limit (min)":
        return f"{value:g} min limit" if isinstance(value, float | int) else f"{value} min limit"
    return f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"


def _summary(method: RunMethod, params: dict[str, Any]) -> str:
    if method is RunMethod.SENTENCE_TRANSFORMER:
        parts = [f"dim {params.get('dim') or BASE_MODEL_DIM}", f"{params.get('max_pairs', 0):,} pairs"]
        parts.append(f"batch {params.get('batch_size')}")
        if params.get("max_minutes"):
            parts.append(f"{params['max_minutes']:g} min")
    else:
        architecture = "skip-gram" if params.get("sg") else "CBOW"
        parts = [f"dim {params.get('dim')}", architecture, f"{params.get('epochs')} epochs"]
    return " · ".join([method.display_name, *parts])


@dataclass(frozen=True)
class CorpusRecord:
    """A stored corpus as the registry lists it.

    Attributes:
        id: its content id (``c`` + 12 hex digits).
        name: the file name it was uploaded under.
        created: when it was stored (seconds since the epoch).
        stats: its statistics (documents, sentences, tokens, types, hapax_share, top_words).
        options: how it was read and tokenised.
    """

    id: str
    name: str
    created: float
    stats: dict[str, Any]
    options: dict[str, Any]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CorpusRecord:
        return cls(row["id"], row["name"], float(row["created"]), _object(row["stats"]), _object(row["options"]))

    @property
    def tokens(self) -> int:
        return int(self.stats.get("tokens", 0))

    @property
    def label(self) -> str:
        """How pickers show it: ``notes.csv · 12,345 tokens · c0123456789ab``."""
        return f"{self.name} · {self.tokens:,} tokens · {self.id}"


@dataclass(frozen=True)
class RunRecord:
    """A trained or fine-tuned run.

    Attributes:
        id: ``run-YYYYMMDD-HHMMSS-xxxxxx``.
        corpus_id: the corpus it was trained on.
        method: how it was made.
        params: its settings as saved (a ``TrainConfig`` or ``FinetuneConfig`` as a dict); read them through
            :attr:`dim` and :meth:`parameters` rather than by key.
        vocab_size: words in its vocabulary.
        seconds: training time.
        created: when it was registered (seconds since the epoch).
    """

    id: str
    corpus_id: str
    method: RunMethod
    params: dict[str, Any]
    vocab_size: int
    seconds: float
    created: float

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RunRecord:
        return cls(
            row["id"],
            row["corpus_id"],
            RunMethod(row["method"]),
            _object(row["params"]),
            int(row["vocab_size"]),
            float(row["seconds"]),
            float(row["created"]),
        )

    @property
    def is_finetuned(self) -> bool:
        """A fine-tuned sentence-transformer (its space encodes text; it has no vectors file)."""
        return self.method is RunMethod.SENTENCE_TRANSFORMER

    @property
    def dim(self) -> int:
        """The embedding dimension."""
        if self.is_finetuned:
            return int(self.params.get("dim") or BASE_MODEL_DIM)
        return int(self.params["dim"])

    def parameters(self) -> dict[str, Any]:
        """The settings this run's method has, by the names people use, in the order they matter.

        Returns:
            For Word2Vec/FastText: dimensions, architecture, window, min count, epochs, negative samples,
            subsampling, seed, the seeds of its seed replicas (when trained with several) and the vectors it
            started from (when any). For a fine-tuned run: base model, dimensions, training pairs, batch size,
            learning rate, epochs, time limit, seed, and where its pairs came from.
        """
        p = self.params
        if self.is_finetuned:
            source = "your pairs file" if p.get("pairs_file") else "documents sharing a label"
            return {
                "base model": p.get("base_model") or BASE_MODEL,
                "dimensions": self.dim,
                "training pairs": p.get("max_pairs"),
                "batch size": p.get("batch_size"),
                "learning rate": p.get("learning_rate"),
                "epochs": p.get("epochs"),
                "time limit (min)": p.get("max_minutes") or None,
                "seed": p.get("seed"),
                "pairs from": source if p.get("pairs_file") or p.get("use_labels") else "neighbouring sentences",
            }
        return {
            "dimensions": self.dim,
            "architecture": "skip-gram" if p.get("sg") else "CBOW",
            "window": p.get("window"),
            "min count": p.get("min_count"),
            "epochs": p.get("epochs"),
            "negative samples": p.get("negative"),
            "subsampling": p.get("sample"),
            "seed": p.get("seed"),
            "seeds": ", ".join(map(str, self.seeds)) or None,
            "started from": p.get("init") or None,
        }

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds of a Word2Vec/FastText run trained with several (``TrainConfig.seeds`` > 1), its own first:
        the run keeps the others' trainings as seed replicas, the seed-noise floor of "what changed". Empty for a
        single-seed or fine-tuned run."""
        count = int(self.params.get("seeds") or 1)
        if self.is_finetuned or count < 2:
            return ()
        first = int(self.params["seed"])
        return tuple(range(first, first + count))

    @property
    def summary(self) -> str:
        """One line, e.g. ``Word2Vec · dim 100 · CBOW · 5 epochs`` or ``fine-tuned MiniLM · dim 384 · 1,000 pairs ·
        batch 16``."""
        return _summary(self.method, self.params)

    def differences(self, others: Sequence[RunRecord]) -> list[str]:
        """What sets this run apart from the others made the same way (same method, dimensions and corpus), in the
        words of :meth:`parameters`: e.g. ``["skip-gram", "10 epochs"]`` or ``["seeds 42, 43, 44"]``. Only the
        settings in which the runs of that group differ are named, each with this run's value; empty when no other
        run shares its method, dimensions and corpus (or every setting is the same).
        """
        mine = self.parameters()
        group = [
            other.parameters()
            for other in others
            if other.id != self.id
            and other.method is self.method
            and other.dim == self.dim
            and other.corpus_id == self.corpus_id
        ]
        if not group:
            return []
        differing = [name for name in mine if any(found.get(name) != mine[name] for found in group)]
        return [_setting(name, mine[name]) for name in differing]


@dataclass(frozen=True)
class JobRecord:
    """A training or fine-tuning job and where it stands.

    Attributes:
        id: ``job-…``.
        corpus_id: the corpus it trains on.
        params: the settings it runs with (a ``TrainConfig`` or ``FinetuneConfig`` as a dict).
        status: queued, running, committing, done, failed, cancelled or interrupted.
        progress: share of the work done, 0..1.
        epoch, epochs: the epoch (or fine-tuning step) in progress, 1-based, and how many there are.
        words_per_second: training speed (pairs per second when fine-tuning).
        eta_seconds: estimated time left, when known.
        message: why it failed, was cancelled or interrupted.
        run_id: the run it made, once done.
        pid: its worker process (on this machine; 0 or None for a job on a Ray cluster).
        created, updated: seconds since the epoch.
        backend: where it runs: ``local`` (a process on this machine) or ``ray`` (a Ray Job).
        address: the Ray cluster's address, for a job on Ray.
        node: where it runs, as the pages name it (``this machine``, or ``Ray node 1e5ebfee (10.0.0.5, worker)``).
    """

    id: str
    corpus_id: str
    params: dict[str, Any]
    status: str
    progress: float
    epoch: int
    epochs: int
    words_per_second: float
    eta_seconds: float | None
    message: str
    run_id: str | None
    pid: int | None
    created: float
    updated: float
    backend: str = "local"
    address: str = ""
    node: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> JobRecord:
        return cls(
            row["id"],
            row["corpus_id"],
            _object(row["params"]),
            row["status"],
            float(row["progress"]),
            int(row["epoch"]),
            int(row["epochs"]),
            float(row["words_per_second"]),
            None if row["eta_seconds"] is None else float(row["eta_seconds"]),
            row["message"] or "",
            row["run_id"],
            row["pid"],
            float(row["created"]),
            float(row["updated"]),
            row.get("backend") or "local",
            row.get("address") or "",
            row.get("node") or "",
        )

    @property
    def method(self) -> RunMethod:
        return RunMethod(self.params.get("method", RunMethod.WORD2VEC.value))

    @property
    def is_active(self) -> bool:
        """Queued, running or committing: not ended yet."""
        return self.status in JOB_ACTIVE

    @property
    def is_cancellable(self) -> bool:
        return self.status in JOB_CANCELLABLE

    @property
    def summary(self) -> str:
        """What it trains, in one line (as :attr:`RunRecord.summary`)."""
        return _summary(self.method, self.params)


@dataclass(frozen=True)
class VectorsRecord:
    """An uploaded vectors file's registry row (see ``embedlab.spaces.UploadedVectors`` for the file itself).

    Attributes:
        id: the hash of its bytes.
        name: the file name it was uploaded under.
        file: its stored name inside the vectors folder.
        format, words, dim, size, duplicates: what reading it found; ``size`` in bytes.
        created: upload time (seconds since the epoch).
    """

    id: str
    name: str
    file: str
    format: str
    words: int
    dim: int
    size: int
    duplicates: int
    created: float

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> VectorsRecord:
        return cls(
            row["id"],
            row["name"],
            row["file"],
            row["format"],
            int(row["words"]),
            int(row["dim"]),
            int(row["bytes"]),
            int(row["duplicates"]),
            float(row["created"]),
        )
