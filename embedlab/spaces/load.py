"""Loading any space by its spec (see :mod:`embedlab.spaces.spec`) into an :class:`EmbeddingSpace`, and the list of
spaces the registry knows.

User files are parsed as text or raw floats, never unpickled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import cache, partial
from pathlib import Path

import numpy as np

from embedlab import config, store
from embedlab.corpus.stored import Corpus, load_corpus
from embedlab.errors import EmbedLabError
from embedlab.records import RunMethod
from embedlab.spaces import baseline, derived
from embedlab.spaces.formats import VectorFormat, read_vectors, read_vectors_file
from embedlab.spaces.labels import space_label
from embedlab.spaces.provenance import runs_trained_on
from embedlab.spaces.replicas import REPLICAS_FILE, load_replicas
from embedlab.spaces.space import EmbeddingSpace, normalise_rows
from embedlab.spaces.spec import BASELINE, SpaceKind, SpaceSpec
from embedlab.spaces.subwords import SUBWORDS_FILE, load_subwords
from embedlab.spaces.uploads import list_uploaded_vectors

_DOCUMENT_BATCH = 32  # sentence-transformers batch for whole documents (attention memory grows with length)


def space_choices() -> list[str]:
    """Every space the registry knows: the baseline, then runs newest first, then uploaded vectors files, then
    debiased copies of those."""
    base = SpaceSpec(SpaceKind.BASELINE, BASELINE)
    runs = [SpaceSpec(SpaceKind.RUN, row.id) for row in store.list_runs() if (store.runs_dir() / row.id).is_dir()]
    contextual = [run.in_context() for run in runs if _model_dir(run.source).is_dir()]
    uploaded = [SpaceSpec.parse(item.spec) for item in list_uploaded_vectors()]
    debiased = [spec.as_debiased() for spec in [base, *runs, *uploaded]]
    return [str(spec) for spec in [base, base.in_context(), *runs, *contextual, *uploaded, *debiased]]


def _model_dir(run_id: str) -> Path:
    """Where a fine-tuned run keeps its sentence-transformer (absent for Word2Vec/FastText runs)."""
    return store.runs_dir() / run_id / "model"


def _counts_for(words: Sequence[str], corpus: Corpus | None) -> np.ndarray:
    if corpus is None:
        return np.zeros(len(words), dtype=np.int64)
    return np.fromiter((corpus.counts.get(w, 0) for w in words), dtype=np.int64, count=len(words))


def load_space(
    spec: str, corpus: Corpus | None = None, progress: Callable[[float], None] | None = None
) -> EmbeddingSpace:
    """Load a space by spec, labelled for people (``embedlab.spaces.labels``: a run judged on a corpus it was not
    trained on says so in its label); ``corpus`` supplies counts (and the baseline's vocabulary).

    Raises:
        EmbedLabError: unknown spec, missing run, unreadable vectors file, too few words to debias.
    """
    space = _load(spec, corpus, progress)
    return dataclasses.replace(space, label=space_label(space.name, corpus.id if corpus is not None else None))


def _load(spec: str, corpus: Corpus | None = None, progress: Callable[[float], None] | None = None) -> EmbeddingSpace:
    parsed = SpaceSpec.parse(spec)
    name = str(parsed)
    if parsed.debiased:
        return derived.debias(_load(str(parsed.undebiased()), corpus, progress), name=name)
    if parsed.context:
        return _contextual_space(parsed, corpus, progress)
    if parsed.kind is SpaceKind.BASELINE:
        return _baseline_space(corpus, progress)
    if parsed.kind is SpaceKind.VECTORS:
        words, vectors = read_vectors_file(Path(parsed.source.strip()).expanduser())
        return EmbeddingSpace(
            name, words, normalise_rows(vectors), _counts_for(words, corpus), f"vectors file {parsed.source}"
        )
    if parsed.seed is not None:
        return seed_replica(parsed, _run_space(parsed.source, corpus, progress))
    return _run_space(parsed.source, corpus, progress)


def seed_replica(spec: SpaceSpec, run: EmbeddingSpace) -> EmbeddingSpace:
    """One seed's training of a run trained with several seeds (its seed replicas): the run's words and counts,
    that seed's vectors.

    Raises:
        EmbedLabError: the run kept no replicas, or none with this seed (the message lists its seeds).
    """
    if run.seed_replicas is None:
        raise EmbedLabError(f"{spec}: {spec.source} was trained with one seed; it has no other seed's training")
    replicas = run.seed_replicas()
    if spec.seed not in replicas.seeds:
        raise EmbedLabError(f"{spec}: {spec.source} was trained with seeds {', '.join(map(str, replicas.seeds))}")
    position = replicas.seeds.index(spec.seed)
    vectors = run.vectors if position == 0 else normalise_rows(replicas.vectors[position - 1])
    # a FastText replica's subword model was not kept (only the run's own seed's is): whole words only
    return dataclasses.replace(
        run,
        name=str(spec),
        vectors=vectors,
        source=f"{run.source}, seed {spec.seed}",
        seed_replicas=None,
        oov_vector=None,
    )


def _baseline_space(corpus: Corpus | None, progress: Callable[[float], None] | None) -> EmbeddingSpace:
    source = (
        f"{baseline.MODEL_NAME}, its own whole-word vocabulary"
        if corpus is None
        else f"{baseline.MODEL_NAME}, words of corpus {corpus.name}"
    )
    return _transformer_space(BASELINE, None, transformer_vocabulary(corpus), source, corpus, progress)


def _contextual_space(
    spec: SpaceSpec, corpus: Corpus | None, progress: Callable[[float], None] | None
) -> EmbeddingSpace:
    """A sentence-transformer's words as it reads them in the corpus (see baseline.contextual_word_vectors)."""
    base = spec.source
    model_dir = None if spec.kind is SpaceKind.BASELINE else _model_dir(base)
    if model_dir is not None and not model_dir.is_dir():
        raise EmbedLabError(f"{spec}: contextual vectors need a sentence-transformer; {base} is not a fine-tuned run")
    if corpus is None:
        raise EmbedLabError(f"{spec}: contextual vectors are read from a corpus; choose one")
    words = transformer_vocabulary(corpus)
    vectors, contextual = baseline.contextual_word_vectors(words, corpus.sentences(), model_dir, progress=progress)
    source = (
        f"{'MiniLM' if model_dir is None else 'fine-tuned MiniLM ' + base} in context: mean token embedding "
        f"over up to {baseline.CONTEXT_OCCURRENCES} occurrences ({int(contextual.sum()):,} of {len(words):,} "
        "words met; the rest encoded alone)"
    )
    return EmbeddingSpace(
        str(spec),
        words,
        vectors,
        _counts_for(words, corpus),
        source,
        piece_counter=baseline.piece_counts,
        encoder=_encoder(model_dir),
    )


def transformer_vocabulary(corpus: Corpus | None) -> tuple[str, ...]:
    """The words a sentence-transformer space holds: the corpus's most frequent (up to
    ``config.BASELINE_VOCAB_CAP``), else the model's own whole words."""
    if corpus is None:
        return baseline.whole_word_vocabulary()
    return tuple(list(corpus.counts)[: config.BASELINE_VOCAB_CAP])


def _transformer_space(
    name: str,
    model_dir: Path | None,
    words: Sequence[str],
    source: str,
    corpus: Corpus | None,
    progress: Callable[[float], None] | None,
) -> EmbeddingSpace:
    """A sentence-transformer as a word space: each word's vector is the model's encoding of the word alone."""
    vectors = baseline.encode_words(words, progress, model_dir)
    return EmbeddingSpace(
        name,
        tuple(words),
        vectors,
        _counts_for(words, corpus),
        source,
        piece_counter=baseline.piece_counts,  # fine-tuning keeps the tokenizer
        encoder=_encoder(model_dir),
    )


def _encoder(model_dir: Path | None) -> Callable[..., np.ndarray]:
    """A sentence-transformer's text encoder (the bundled model, or a fine-tuned run's), cached on disk."""
    return partial(baseline.encode_texts, model_dir=model_dir, batch_size=_DOCUMENT_BATCH)


def _run_space(run_id: str, corpus: Corpus | None, progress: Callable[[float], None] | None) -> EmbeddingSpace:
    row = store.get_run(run_id)
    folder = store.runs_dir() / run_id
    if row is None or not folder.is_dir():
        raise EmbedLabError(f"no run '{run_id}' in {store.runs_dir()}")
    if corpus is None:
        try:
            corpus = load_corpus(row.corpus_id)
        except ValueError:
            corpus = None
    if _model_dir(run_id).is_dir():  # a fine-tuned sentence-transformer
        return _transformer_space(
            run_id,
            _model_dir(run_id),
            transformer_vocabulary(corpus),
            f"fine-tuned MiniLM run {run_id}",
            corpus,
            progress,
        )
    found = read_vectors(folder / "vectors.bin", fmt=VectorFormat.WORD2VEC_BINARY)
    words, vectors = found.words, found.vectors
    return EmbeddingSpace(
        run_id,
        words,
        normalise_rows(vectors),
        _counts_for(words, corpus),
        f"{row.method.value} run {run_id}",
        oov_vector=_subword_vectors(run_id, folder) if row.method is RunMethod.FASTTEXT else None,
        seed_replicas=cache(partial(load_replicas, folder / REPLICAS_FILE, words))
        if (folder / REPLICAS_FILE).is_file()
        else None,
    )


def _subword_vectors(run_id: str, folder: Path) -> Callable[[str], np.ndarray | None]:
    """A FastText run's builder of vectors for unseen words; for a run saved without its subword model (before
    runs kept it), one that says so."""
    path = folder / SUBWORDS_FILE
    return load_subwords(path) if path.is_file() else partial(_no_subword_model, run_id)


def _no_subword_model(run_id: str, word: str) -> np.ndarray | None:
    raise EmbedLabError(
        f"{run_id} is a FastText run saved without its subword model (trained before EmbedLab kept it), so it has "
        "vectors for whole words only: train it again to get vectors for unseen words"
    )


def default_comparison(choices: Sequence[str], corpus_id: str | None) -> str:
    """What a page offers first to set against the baseline on ``corpus_id``: the newest Word2Vec/FastText run
    trained on it (the cheapest to open: no model to load), else the newest fine-tune trained on it, else the
    baseline. Never a run of another corpus (:func:`embedlab.spaces.provenance.runs_trained_on`)."""
    return next(iter(runs_trained_on(corpus_id, choices, 1)), BASELINE)
