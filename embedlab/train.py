"""Word2Vec / FastText training on a stored corpus (gensim ``corpus_file`` mode), saved as a run."""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable

from embedlab import store

if TYPE_CHECKING:
    from embedlab.corpus import Corpus

__all__ = ["Cancelled", "Method", "Progress", "TrainConfig", "train_run"]


class Method(str, Enum):
    WORD2VEC = "word2vec"
    FASTTEXT = "fasttext"


class Cancelled(Exception):
    """Training stopped on request; nothing was saved."""


@dataclass(frozen=True)
class TrainConfig:
    """The parameters people tune. ``workers=0`` uses every core; ``workers=1`` makes runs bit-reproducible."""

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

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "method", Method(self.method))
        except ValueError:
            raise ValueError(f"method must be one of {[m.value for m in Method]}, got '{self.method}'") from None
        limits = {"dim": (2, 2000), "window": (1, 50), "min_count": (1, 10**9), "epochs": (1, 1000),
                  "negative": (0, 50), "seed": (0, 2**31 - 1), "workers": (0, 256)}
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        if not 0 <= self.sample < 1:
            raise ValueError(f"sample (subsampling threshold) must be in [0, 1), got {self.sample}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "method": self.method.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training parameters: {', '.join(unknown)}")
        return cls(**data)

    @property
    def threads(self) -> int:
        return self.workers or os.cpu_count() or 1


@dataclass(frozen=True)
class Progress:
    epoch: int  # 1-based epoch in progress
    epochs: int
    fraction: float  # of the whole training, 0..1
    words_per_second: float
    eta_seconds: float | None


def _reporting_model_class(method: Method):
    """The gensim model class, extended to pass gensim's periodic progress figures to a hook."""
    if method is Method.FASTTEXT:
        from gensim.models import FastText as base
    else:
        from gensim.models import Word2Vec as base

    class Reporting(base):
        progress_hook: Callable[[int, float, float], None] | None = None

        def _log_progress(self, job_queue, progress_queue, cur_epoch, example_count, total_examples,
                          raw_word_count, total_words, trained_word_count, elapsed):
            if self.progress_hook is not None:
                done = raw_word_count / total_words if total_words else example_count / max(total_examples, 1)
                self.progress_hook(cur_epoch, done, trained_word_count / max(elapsed, 1e-9))
            super()._log_progress(job_queue, progress_queue, cur_epoch, example_count, total_examples,
                                  raw_word_count, total_words, trained_word_count, elapsed)

    return Reporting


def _check_vocabulary(corpus: Corpus, config: TrainConfig) -> None:
    kept = sum(1 for count in corpus.counts.values() if count >= config.min_count)
    if kept < 2:
        counts = list(corpus.counts.values())  # most frequent first
        if len(counts) < 2:
            hint = "add more text: training needs at least two distinct words"
        else:  # the largest min_count that still keeps up to 100 words
            hint = f"try min_count={counts[min(len(counts), 100) - 1]}"
        raise ValueError(f"min_count={config.min_count} leaves {kept} words: the corpus has "
                         f"{corpus.stats.tokens} tokens and {corpus.stats.types} distinct words; {hint}")


def train_vectors(corpus: Corpus, config: TrainConfig,
                  on_progress: Callable[[Progress], None] | None = None):
    """Train on ``corpus.sentences_path``.

    Returns:
        The trained gensim ``KeyedVectors`` (``FastTextKeyedVectors`` for FastText).

    Raises:
        ValueError: the parameters leave no vocabulary to train.
    """
    from gensim.models.callbacks import CallbackAny2Vec

    _check_vocabulary(corpus, config)
    model = _reporting_model_class(config.method)(
        vector_size=config.dim, window=config.window, min_count=config.min_count, sg=int(config.sg),
        negative=config.negative, sample=config.sample, seed=config.seed, workers=config.threads,
    )
    model.build_vocab(corpus_file=str(corpus.sentences_path))
    started = time.perf_counter()

    def report(epoch_index: int, done_in_epoch: float, words_per_second: float) -> None:
        if on_progress is None:
            return
        fraction = min(1.0, (epoch_index + done_in_epoch) / config.epochs)
        elapsed = time.perf_counter() - started
        eta = elapsed / fraction * (1 - fraction) if fraction > 0 else None
        on_progress(Progress(min(epoch_index + 1, config.epochs), config.epochs, fraction, words_per_second, eta))

    class EpochEnd(CallbackAny2Vec):
        def __init__(self) -> None:
            self.epoch = 0
            self.epoch_started = time.perf_counter()

        def on_epoch_end(self, _model) -> None:
            seconds = time.perf_counter() - self.epoch_started
            self.epoch += 1
            report(self.epoch - 1, 1.0, corpus.stats.tokens / max(seconds, 1e-9))
            self.epoch_started = time.perf_counter()

    model.progress_hook = report
    model.train(corpus_file=str(corpus.sentences_path), total_words=model.corpus_total_words,
                total_examples=model.corpus_count, epochs=config.epochs, callbacks=[EpochEnd()],
                report_delay=0.5)
    return model.wv


def train_run(corpus: Corpus, config: TrainConfig, on_progress: Callable[[Progress], None] | None = None,
              run_id: str | None = None, may_commit: Callable[[], bool] = lambda: True) -> dict[str, Any]:
    """Train and save a run: ``runs/<run_id>/`` (vectors.bin, params.json) and a registry row.

    The folder appears in one rename after everything is written; ``may_commit`` is asked just before, and a
    False answer raises :class:`Cancelled` and leaves nothing behind.

    Returns:
        The run's registry row.
    """
    import gensim

    run_id = run_id or store.new_id("run")
    started_at = time.time()
    started = time.perf_counter()
    vectors = train_vectors(corpus, config, on_progress)
    seconds = time.perf_counter() - started
    params = {
        "run_id": run_id, "method": config.method.value, "config": config.to_dict(),
        "corpus_id": corpus.id, "corpus_name": corpus.name, "corpus_tokens": corpus.stats.tokens,
        "vocab_size": len(vectors.index_to_key), "train_seconds": round(seconds, 3),
        "started": started_at, "finished": time.time(), "gensim": gensim.__version__,
    }
    store.remove_stale_staging(store.runs_dir())
    with store.staged_dir(store.runs_dir() / run_id) as staging:
        vectors.save_word2vec_format(str(staging / "vectors.bin"), binary=True)
        (staging / "params.json").write_text(json.dumps(params, indent=2, ensure_ascii=False), encoding="utf-8")
        if not may_commit():
            raise Cancelled(f"run {run_id} was cancelled")
    try:
        store.add_run(run_id, corpus.id, config.method.value, config.to_dict(), len(vectors.index_to_key), seconds)
    except BaseException:
        shutil.rmtree(store.runs_dir() / run_id, ignore_errors=True)  # a run folder without its row is invisible
        raise
    return store.get_run(run_id)
