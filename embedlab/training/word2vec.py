"""Word2Vec / FastText training on a stored corpus (gensim ``corpus_file`` mode), saved as a run."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab import store
from embedlab.errors import EmbedLabError
from embedlab.metrics import nearest_rows
from embedlab.records import RunMethod, RunRecord
from embedlab.spaces.formats import VectorFormat, read_vectors
from embedlab.spaces.replicas import REPLICA_DEPTH, REPLICAS_FILE, save_replicas
from embedlab.spaces.space import normalise_rows
from embedlab.spaces.spec import SpaceKind, SpaceSpec
from embedlab.spaces.subwords import SUBWORDS_FILE, save_subwords
from embedlab.training.commit import staged_run
from embedlab.training.configs import Progress, TrainConfig
from embedlab.training.health import SAMPLE_ROWS, RunHealth, read_contexts, save_health, static_health

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


@dataclass(frozen=True)
class _Pretrained:
    """Vectors to start training from (see ``TrainConfig.init``).

    Attributes:
        label: how messages name the source (``the vectors file``, ``run run-...``).
        words: its vocabulary, in row order.
        vectors: float32 array of shape (len(words), dim), as stored.
    """

    label: str
    words: tuple[str, ...]
    vectors: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def _load_pretrained(spec: str) -> _Pretrained:
    """Read the vectors ``spec`` names.

    Raises:
        EmbedLabError: no such file or run, or a malformed file (with the line number).
    """
    parsed = SpaceSpec.parse(spec)
    if parsed.kind is SpaceKind.VECTORS:
        found = read_vectors(Path(parsed.source))
        return _Pretrained("the vectors file", found.words, found.vectors)
    path = store.runs_dir() / spec / "vectors.bin"
    if store.get_run(spec) is None or not path.is_file():
        raise EmbedLabError(f"init: no run '{spec}' in {store.runs_dir()}; pick a run from the list, or a vectors file")
    found = read_vectors(path, fmt=VectorFormat.WORD2VEC_BINARY)
    return _Pretrained(f"run {spec}", found.words, found.vectors)


def _no_overlap_message(pretrained: _Pretrained, vocabulary: list[str], min_count: int) -> str:
    message = (
        f"{pretrained.label} shares no word with the corpus vocabulary: it has {len(pretrained.words):,} "
        f"words, the vocabulary (min_count={min_count}) {len(vocabulary):,}"
    )
    folded = {word.lower() for word in pretrained.words}
    caseless = sum(1 for word in vocabulary if word.lower() in folded)
    if caseless:
        return message + (
            f"; {caseless:,} match if case is ignored: use a lower-cased vectors file, or build the "
            "corpus without lower-casing"
        )
    return message + "; is the file in the corpus's language and tokenised the same way?"


def _apply_pretrained(model, pretrained: _Pretrained, lock: float, min_count: int) -> int:
    """Start the vocabulary words ``pretrained`` knows from its vectors and set their lock factors.

    gensim's Cython loops scale each input-vector update by ``lockf[index % len(lockf)]``; its default 1-element
    array of 1.0 is a no-op, so a per-row array is allocated only when ``lock`` < 1.

    Returns:
        How many vocabulary words start from ``pretrained``.

    Raises:
        ValueError: no vocabulary word is in ``pretrained``.
    """
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only this path needs it
    from gensim.models import FastText

    wv = model.wv
    pairs = [(wv.key_to_index[word], i) for i, word in enumerate(pretrained.words) if word in wv.key_to_index]
    if not pairs:
        raise EmbedLabError(_no_overlap_message(pretrained, list(wv.index_to_key), min_count))
    rows = np.array([row for row, _ in pairs], dtype=np.int64)
    source = pretrained.vectors[[i for _, i in pairs]]
    if isinstance(model, FastText):
        _apply_fasttext(wv, rows, source, lock)
    else:
        wv.vectors[rows] = source
        if lock != 1.0:
            lockf = np.ones(len(wv), dtype=np.float32)
            lockf[rows] = lock
            wv.vectors_lockf = lockf
    return len(pairs)


def _apply_fasttext(wv, rows: np.ndarray, source: np.ndarray, lock: float) -> None:
    """FastText: a word's vector is the mean of its own row (``vectors_vocab``) and its n-gram buckets' rows.

    Each pretrained word's own row is set so that this mean equals the pretrained vector at the start (the
    n-grams keep their random start, as in fastText's ``-pretrainedVectors``); the lock applies to the word's
    row and to every n-gram bucket a pretrained word uses, so lock 0 keeps the whole mean where it started.
    """
    for row, vector in zip(rows, source):
        buckets = wv.buckets_word[row]  # may repeat a bucket; adjust_vectors counts repeats, so do we
        ngram_sum = wv.vectors_ngrams[buckets].astype(np.float64).sum(axis=0)
        wv.vectors_vocab[row] = vector.astype(np.float64) * (len(buckets) + 1) - ngram_sum
    wv.adjust_vectors()
    if lock != 1.0:
        vocab_lockf = np.ones(len(wv), dtype=np.float32)
        vocab_lockf[rows] = lock
        wv.vectors_vocab_lockf = vocab_lockf
        if wv.bucket:  # with no buckets the 1-element array must stay: the loops index it modulo its length
            ngrams_lockf = np.ones(wv.bucket, dtype=np.float32)
            used = [wv.buckets_word[row] for row in rows]
            ngrams_lockf[np.unique(np.concatenate(used)).astype(np.int64)] = lock
            wv.vectors_ngrams_lockf = ngrams_lockf


def _reporting_model_class(method: RunMethod):
    """The gensim model class, extended to pass gensim's periodic progress figures to a hook."""
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only training needs it
    from gensim.models import FastText, Word2Vec

    base = FastText if method is RunMethod.FASTTEXT else Word2Vec

    class Reporting(base):  # type: ignore[misc, valid-type]  # the gensim class is chosen at run time
        progress_hook: Callable[[int, float, float], None] | None = None

        def _log_progress(
            self,
            job_queue,
            progress_queue,
            cur_epoch,
            example_count,
            total_examples,
            raw_word_count,
            total_words,
            trained_word_count,
            elapsed,
        ):
            if self.progress_hook is not None:
                done = raw_word_count / total_words if total_words else example_count / max(total_examples, 1)
                self.progress_hook(cur_epoch, done, trained_word_count / max(elapsed, 1e-9))
            super()._log_progress(
                job_queue,
                progress_queue,
                cur_epoch,
                example_count,
                total_examples,
                raw_word_count,
                total_words,
                trained_word_count,
                elapsed,
            )

    return Reporting


def _check_vocabulary(corpus: Corpus, config: TrainConfig) -> None:
    kept = sum(1 for count in corpus.counts.values() if count >= config.min_count)
    if kept < 2:
        counts = list(corpus.counts.values())  # most frequent first
        if len(counts) < 2:
            hint = "add more text: training needs at least two distinct words"
        else:  # the largest min_count that still keeps up to 100 words
            hint = f"try min_count={counts[min(len(counts), 100) - 1]}"
        raise EmbedLabError(
            f"min_count={config.min_count} leaves {kept} words: the corpus has "
            f"{corpus.stats.tokens} tokens and {corpus.stats.types} distinct words; {hint}"
        )


def train_vectors(corpus: Corpus, config: TrainConfig, on_progress: Callable[[Progress], None] | None = None):
    """Train on ``corpus.sentences_path``, from ``config.init``'s vectors when it names some.

    Returns:
        The trained gensim ``KeyedVectors`` (``FastTextKeyedVectors`` for FastText).

    Raises:
        ValueError: the parameters leave no vocabulary to train; the init vectors are missing, malformed, of
            another dimension than ``config.dim``, or share no word with the vocabulary.
    """
    return _train(corpus, config, on_progress)[0]


def prepare_model(corpus: Corpus, config: TrainConfig) -> tuple[Any, int]:
    """The gensim model as training starts: vocabulary built from ``corpus.sentences_path``, rows seeded by
    ``config.seed``, and the words ``config.init`` knows set to its vectors (with their lock factors).

    Returns:
        The untrained gensim ``Word2Vec``/``FastText`` model and how many vocabulary words start from
        ``config.init`` (0 without one).

    Raises:
        EmbedLabError: the parameters leave no vocabulary; the init vectors are missing, malformed, of another
            dimension than ``config.dim``, or share no word with the vocabulary.
    """
    _check_vocabulary(corpus, config)
    pretrained = _load_pretrained(config.init) if config.init else None
    if pretrained is not None and pretrained.dim != config.dim:
        raise EmbedLabError(
            f"{pretrained.label} has {pretrained.dim} dimensions; set dim={pretrained.dim} to continue from it"
        )
    model = _reporting_model_class(config.method)(
        vector_size=config.dim,
        window=config.window,
        min_count=config.min_count,
        sg=int(config.sg),
        negative=config.negative,
        sample=config.sample,
        seed=config.seed,
        workers=config.threads,
    )
    model.build_vocab(corpus_file=str(corpus.sentences_path))
    init_words = 0
    if pretrained is not None:
        init_words = _apply_pretrained(model, pretrained, config.lock_pretrained, config.min_count)
    return model, init_words


def _train(corpus: Corpus, config: TrainConfig, on_progress: Callable[[Progress], None] | None):
    """:func:`train_vectors`, also returning how many vocabulary words started from ``config.init`` and the
    start sample (:func:`_start_sample`) for the health check."""
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only this path needs it
    from gensim.models.callbacks import CallbackAny2Vec

    model, init_words = prepare_model(corpus, config)  # a big init file's matrix is not kept while training
    start = _start_sample(model, config.seed)
    started = time.perf_counter()
    shown = [0.0]

    def report(epoch_index: int, done_in_epoch: float, words_per_second: float) -> None:
        if on_progress is None:
            return
        # with several workers gensim's running count can pass an epoch's end before the epoch-end call reports
        # it (0.3338, then 0.3333): a bar never goes backwards
        fraction = max(shown[0], min(1.0, (epoch_index + done_in_epoch) / config.epochs))
        shown[0] = fraction
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
    model.train(
        corpus_file=str(corpus.sentences_path),
        total_words=model.corpus_total_words,
        total_examples=model.corpus_count,
        epochs=config.epochs,
        callbacks=[EpochEnd()],
        report_delay=0.5,
    )
    return model.wv, init_words, start


def _start_sample(model, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``SAMPLE_ROWS`` seeded rows of the word vectors as training starts: (row indices, float32 copy of shape
    (rows, dim)). Rows whose lock factor is 0 (pretrained words kept as loaded) are left out: they stay by design."""
    wv = model.wv
    lockf = np.asarray(wv.vectors_vocab_lockf if hasattr(wv, "vectors_vocab_lockf") else wv.vectors_lockf)
    free = np.arange(len(wv))
    if lockf.ndim == 1 and len(lockf) == len(wv):
        free = free[lockf > 0]
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(free, size=min(SAMPLE_ROWS, len(free)), replace=False)) if len(free) else free
    return rows, np.array(wv.vectors[rows], dtype=np.float32)


def _health(corpus: Corpus, config: TrainConfig, vectors, start: tuple[np.ndarray, np.ndarray]) -> RunHealth:
    """The run's health (:mod:`embedlab.training.health`) from its corpus, start sample and trained vectors."""
    rows, initial = start
    return static_health(
        vectors.vectors,
        initial=initial,
        final_rows=vectors.vectors[rows],
        corpus=read_contexts(corpus.sentences_path, config.window),
        words=vectors.index_to_key,
        epochs=config.epochs,
        min_count=config.min_count,
    )


def _replica_progress(
    on_progress: Callable[[Progress], None] | None, replica: int, replicas: int, started: float
) -> Callable[[Progress], None] | None:
    """``on_progress`` for training ``replica`` (0-based) of ``replicas``: the share done and the time left count
    every training of the job."""
    if on_progress is None or replicas == 1:
        return on_progress

    def report(progress: Progress) -> None:
        fraction = (replica + progress.fraction) / replicas
        elapsed = time.perf_counter() - started
        eta = elapsed / fraction * (1 - fraction) if fraction > 0 else None
        on_progress(
            dataclasses.replace(progress, fraction=fraction, eta_seconds=eta, replica=replica + 1, replicas=replicas)
        )

    return report


@dataclass(frozen=True)
class _Replicas:
    """The other seeds' trainings of a job (``TrainConfig.seeds`` > 1), as :func:`save_replicas` takes them."""

    seeds: tuple[int, ...]
    neighbours: np.ndarray  # (seeds, V, depth): every seed's nearest words, the primary's first
    vectors: np.ndarray  # (seeds - 1, V, dim): the other seeds' vectors


def _train_replicas(
    corpus: Corpus,
    config: TrainConfig,
    primary,
    on_progress: Callable[[Progress], None] | None,
    started: float,
) -> _Replicas:
    """Train ``config`` again with seeds ``seed + 1`` .. ``seed + seeds - 1`` and search every seed's nearest words.

    Raises:
        EmbedLabError: a replica's vocabulary differs from the primary's (it cannot: gensim builds the vocabulary
            from the corpus and min_count alone; the check keeps a corpus changed mid-job from mixing words).
    """
    seeds = tuple(config.seed + i for i in range(config.seeds))
    vectors = []
    for i, seed in enumerate(seeds[1:], start=1):
        trained = _train(
            corpus,
            dataclasses.replace(config, seed=seed, seeds=1),
            _replica_progress(on_progress, i, config.seeds, started),
        )[0]
        if trained.index_to_key != primary.index_to_key:
            raise EmbedLabError(f"seed {seed}: the corpus's vocabulary changed during the job; train again")
        vectors.append(np.array(trained.vectors, dtype=np.float32))
        del trained  # a FastText model's n-gram buckets are large: keep one at a time
    neighbours = np.stack(
        [nearest_rows(normalise_rows(matrix), REPLICA_DEPTH) for matrix in [primary.vectors, *vectors]]
    )
    return _Replicas(seeds, neighbours, np.stack(vectors))


def train_run(
    corpus: Corpus,
    config: TrainConfig,
    on_progress: Callable[[Progress], None] | None = None,
    run_id: str | None = None,
    may_commit: Callable[[], bool] = lambda: True,
) -> RunRecord:
    """Train and save a run: ``runs/<run_id>/`` (vectors.bin, params.json) and a registry row.

    A FastText run also keeps its subword model, ``subwords.npz`` (:mod:`embedlab.spaces.subwords`: the trained
    character n-gram buckets only, about ``distinct n-grams x dim x 4`` bytes; 13 MB next to vectors.bin's 1.5 MB
    on the sample corpus at dim 100), so that words it never saw still get vectors; ``params.json`` says what
    it holds under ``subwords``. With ``config.seeds`` > 1 the job trains the other seeds too and keeps them in
    ``replicas.npz`` (:mod:`embedlab.spaces.replicas`; ``params.json`` lists them under ``replicas``), and
    ``train_seconds`` counts every training. Every run keeps its health check, ``health.json``
    (:mod:`embedlab.training.health`: context share, how far vectors moved from their seeded start, anisotropy,
    vocabulary size).

    Saved by :func:`embedlab.training.commit.staged_run`: the folder appears in one rename after everything is
    written; ``may_commit`` is asked just before, and a False answer raises :class:`Cancelled` and leaves nothing
    behind.

    Returns:
        The run's registry row.
    """
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only this path needs it
    import gensim

    started_at = time.time()
    started = time.perf_counter()
    vectors, init_words, start = _train(corpus, config, _replica_progress(on_progress, 0, config.seeds, started))
    replicas = _train_replicas(corpus, config, vectors, on_progress, started) if config.seeds > 1 else None
    seconds = time.perf_counter() - started
    health = _health(corpus, config, vectors, start)
    finished_at = time.time()
    vocab_size = len(vectors.index_to_key)
    with staged_run(corpus.id, config.method.value, config.to_dict(), run_id=run_id, may_commit=may_commit) as run:
        vectors.save_word2vec_format(str(run.folder / "vectors.bin"), binary=True)
        extras: dict[str, Any] = {}
        if config.method is RunMethod.FASTTEXT:
            extras["subwords"] = save_subwords(vectors, run.folder / SUBWORDS_FILE)
        if replicas is not None:
            extras["replicas"] = {
                "seeds": list(replicas.seeds),
                "depth": int(replicas.neighbours.shape[2]),
                "bytes": save_replicas(
                    run.folder / REPLICAS_FILE, replicas.seeds, replicas.neighbours, replicas.vectors
                ),
            }
        save_health(run.folder, health)
        run.finish(
            {
                "corpus_name": corpus.name,
                "corpus_tokens": corpus.stats.tokens,
                "vocab_size": vocab_size,
                "init": config.init,
                "init_words": init_words,
                "train_seconds": round(seconds, 3),
                "started": started_at,
                "finished": finished_at,
                "gensim": gensim.__version__,
                **extras,
            },
            vocab_size=vocab_size,
            seconds=seconds,
        )
    return run.record
