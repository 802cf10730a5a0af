"""Training settings as typed, validated, frozen dataclasses: ``TrainConfig`` (Word2Vec/FastText) and
``FinetuneConfig`` (the sentence-transformer), the progress reports of each, and ``Cancelled``.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, fields, replace
from enum import Enum
from typing import Any

from embedlab import store
from embedlab.errors import EmbedLabError
from embedlab.spaces.formats import vectors_dim
from embedlab.spaces.spec import SpaceKind, SpaceSpec


class Method(str, Enum):
    """The static-vector methods: gensim's Word2Vec and FastText."""

    WORD2VEC = "word2vec"
    FASTTEXT = "fasttext"


class Cancelled(Exception):
    """Training stopped on request; nothing was saved."""


MAX_SEEDS = 10  # replicas beyond this add training time, not a better floor


@dataclass(frozen=True)
class TrainConfig:
    """The parameters people tune. ``workers=0`` uses every core; ``workers=1`` makes runs bit-reproducible.

    ``init`` starts training from pretrained vectors: ``vectors:PATH`` (word2vec text/binary, GloVe text,
    fastText ``.vec``) or a run id (that run's trained vectors). Vocabulary words the source knows start from
    its vectors as stored (not normalised); the others start random. ``lock_pretrained`` scales every update
    to those pretrained words (gensim's lock factors): 1.0 trains them freely, 0.0 keeps them exactly as
    loaded, 0.3 lets them move about 30% as far per step. For FastText the lock also applies to the character
    n-gram buckets the pretrained words use, since a FastText word vector is the mean of its own row and them.

    ``seeds`` > 1 trains the same configuration again with seeds ``seed + 1`` ... ``seed + seeds - 1`` and keeps
    those replicas with the run (:mod:`embedlab.spaces.replicas`): "what changed" then has a seed-noise floor. The
    run's own vectors are always those of ``seed``; the job takes about ``seeds`` times as long.
    """

    method: Method = Method.WORD2VEC
    dim: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    sg: bool = False
    negative: int = 5
    sample: float = 1e-3
    seed: int = 42
    workers: int = 0
    init: str = ""
    lock_pretrained: float = 1.0
    seeds: int = 1

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "method", Method(self.method))
        except ValueError:
            raise EmbedLabError(f"method must be one of {[m.value for m in Method]}, got '{self.method}'") from None
        limits = {
            "dim": (2, 2000),
            "window": (1, 50),
            "min_count": (1, 10**9),
            "epochs": (1, 1000),
            "negative": (0, 50),
            "seed": (0, 2**31 - 1),
            "workers": (0, 256),
            "seeds": (1, MAX_SEEDS),
        }
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise EmbedLabError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        if self.seed + self.seeds - 1 > 2**31 - 1:
            raise EmbedLabError(f"seed + seeds - 1 must be at most {2**31 - 1}: lower the seed")
        if not 0 <= self.sample < 1:
            raise EmbedLabError(f"sample (subsampling threshold) must be in [0, 1), got {self.sample}")
        object.__setattr__(self, "init", _normalise_init(self.init))
        lock = self.lock_pretrained
        if (
            isinstance(lock, bool)
            or not isinstance(lock, (int, float))
            or not math.isfinite(lock)
            or not 0 <= lock <= 1
        ):
            raise EmbedLabError(
                "lock_pretrained must be a number from 0 (pretrained vectors stay as loaded) to 1 "
                f"(they train freely), got {lock!r}"
            )
        object.__setattr__(self, "lock_pretrained", float(lock))
        if not self.init and self.lock_pretrained != 1.0:
            raise EmbedLabError(
                f"lock_pretrained={self.lock_pretrained:g} applies to pretrained vectors, but init is "
                "empty: set init to vectors:PATH or a run id, or leave lock_pretrained at 1.0"
            )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "method": self.method.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EmbedLabError(f"unknown training parameters: {', '.join(unknown)}")
        return cls(**data)

    @property
    def threads(self) -> int:
        """gensim's worker threads: ``workers``, else the cores a Ray job holds (``$EMBEDLAB_JOB_CPUS``), else
        every core of this machine."""
        return self.workers or int(os.environ.get("EMBEDLAB_JOB_CPUS") or 0) or os.cpu_count() or 1


def _normalise_init(init: Any) -> str:
    """``init`` stripped, with a vectors file's path made absolute (a job may run elsewhere later).

    Raises:
        EmbedLabError: not empty, ``vectors:PATH`` or a run id.
    """
    accepted = (
        "init must be empty (random start), vectors:PATH (a word2vec, GloVe or fastText .vec file) "
        "or a run id like run-20260101-120000-abc123"
    )
    if not isinstance(init, str):
        raise EmbedLabError(f"{accepted}, got {init!r}")
    init = init.strip()
    if not init:
        return ""
    try:
        spec = SpaceSpec.parse(init)
    except EmbedLabError:
        raise EmbedLabError(f"{accepted}, got '{init}'") from None
    if spec.kind is SpaceKind.BASELINE:
        raise EmbedLabError(f"{accepted}; the baseline is a sentence model, not a word-vectors file")
    if spec.context or spec.debiased:
        raise EmbedLabError(f"{accepted}; got '{init}', a derived space: start from the vectors it comes from")
    if spec.kind is SpaceKind.VECTORS:
        return str(replace(spec, source=os.path.abspath(os.path.expanduser(spec.source.strip()))))
    return str(spec)


@dataclass(frozen=True)
class Progress:
    """Where a Word2Vec/FastText training is: the epoch (1-based), the share done (0..1), words per second and the
    estimated seconds left."""

    epoch: int  # 1-based epoch in progress
    epochs: int
    fraction: float  # of the whole training, 0..1
    words_per_second: float
    eta_seconds: float | None
    replica: int = 1  # which of the job's trainings (1-based; the run's own seed first), with seeds > 1
    replicas: int = 1


METHOD = "sentence-transformer"


@dataclass(frozen=True)
class FinetuneConfig:
    """The fine-tuning budget and settings; defaults finish in about two minutes on a 2-core CPU."""

    max_pairs: int = 1000  # training pairs used (sampled, seeded)
    max_minutes: float = 0.0  # stop training after this long; 0 = no time limit
    batch_size: int = 16
    epochs: int = 1
    learning_rate: float = 5e-5
    held_out_share: float = 0.1
    seed: int = 42
    pairs_file: str = ""  # optional CSV anchor,positive: supervised pairs instead of neighbouring sentences
    use_labels: bool = False  # supervised pairs from the corpus's label column: documents sharing a label

    def __post_init__(self) -> None:
        limits = {"max_pairs": (8, 10_000_000), "batch_size": (2, 4096), "epochs": (1, 100), "seed": (0, 2**31 - 1)}
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise EmbedLabError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        if not 0 <= self.max_minutes <= 24 * 60:
            raise EmbedLabError(f"max_minutes must be from 0 (no limit) to 1440, got {self.max_minutes}")
        if not 0 < self.learning_rate < 1:
            raise EmbedLabError(f"learning_rate must be between 0 and 1, got {self.learning_rate}")
        if self.pairs_file and self.use_labels:
            raise EmbedLabError("choose one source of supervised pairs: a pairs file or the corpus labels")
        if not 0.01 <= self.held_out_share <= 0.5:
            raise EmbedLabError(f"held_out_share must be from 0.01 to 0.5, got {self.held_out_share}")

    def to_dict(self) -> dict[str, Any]:
        return {"method": METHOD, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinetuneConfig:
        data = {key: value for key, value in data.items() if key != "method"}
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise EmbedLabError(f"unknown fine-tuning parameters: {', '.join(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class FinetuneProgress:
    """Where a fine-tuning is: the phase (measuring the held-out check, training, encoding the corpus words...), the
    optimiser step, the share of the phase done (0..1), pairs per second and the estimated seconds left."""

    step: int
    steps: int
    fraction: float
    pairs_per_second: float
    eta_seconds: float | None
    phase: str = "training"


def init_dim(init: str) -> int:
    """The dimension of the vectors ``init`` names (a ``vectors:PATH`` file or a Word2Vec/FastText run): what a
    continued training must use.

    Raises:
        EmbedLabError: not a vectors file or a static run; no such file or run.
    """
    spec = SpaceSpec.parse(_normalise_init(init))
    if spec.kind is SpaceKind.VECTORS:
        return vectors_dim(spec.source)
    run = store.get_run(spec.source)
    if run is None or run.is_finetuned:
        raise EmbedLabError(f"init: no Word2Vec or FastText run '{spec.source}'; pick a run from the list, or a file")
    return run.dim
