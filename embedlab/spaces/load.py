"""``EmbeddingSpace``, the one thing every comparison takes, and its loaders.

A space spec is a string: ``baseline``, a run id (``run-...``), or ``vectors:PATH`` (word2vec text/binary,
or GloVe text without a header), optionally read in context (``baseline@context``, ``RUN@context``) and/or
debiased (``SPEC@debiased``: a derived space, see ``evaluate.debias``). User files are parsed as text or raw
floats, never unpickled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embedlab import config, store
from embedlab.errors import EmbedLabError
from embedlab.spaces.formats import VectorFormat, read_vectors, read_vectors_file
from embedlab.spaces.space import EmbeddingSpace, normalise_rows
from embedlab.spaces.spec import (
    BASELINE,
    CONTEXT_SUFFIX,
    DEBIAS_SUFFIX,
    VECTORS_PREFIX,
    validate_spec,
)
from embedlab.spaces.uploads import list_uploaded_vectors

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


_DOCUMENT_BATCH = 32  # sentence-transformers batch for whole documents (attention memory grows with length)


def space_choices() -> list[str]:
    """Every space the registry knows: the baseline, then runs newest first, then uploaded vectors files, then
    debiased copies of those."""
    runs = [row["id"] for row in store.list_runs() if (store.runs_dir() / row["id"]).is_dir()]
    contextual = [run + CONTEXT_SUFFIX for run in runs if _model_dir(run).is_dir()]
    uploaded = [item.spec for item in list_uploaded_vectors()]
    return (
        [BASELINE, BASELINE + CONTEXT_SUFFIX]
        + runs
        + contextual
        + uploaded
        + [spec + DEBIAS_SUFFIX for spec in [BASELINE, *runs, *uploaded]]
    )


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
    """Load a space by spec; ``corpus`` supplies counts (and the baseline's vocabulary).

    Raises:
        ValueError: unknown spec, missing run, unreadable vectors file.
    """
    spec = validate_spec(spec)
    if spec.endswith(DEBIAS_SUFFIX):
        from embedlab.spaces import derived

        return derived.debias(load_space(spec.removesuffix(DEBIAS_SUFFIX), corpus, progress), name=spec)
    if spec.endswith(CONTEXT_SUFFIX) and not spec.startswith(VECTORS_PREFIX):
        return _contextual_space(spec, corpus)
    if spec == BASELINE:
        return _baseline_space(corpus, progress)
    if spec.startswith(VECTORS_PREFIX):
        words, vectors = read_vectors_file(Path(spec[len(VECTORS_PREFIX) :].strip()).expanduser())
        return EmbeddingSpace(
            spec,
            words,
            normalise_rows(vectors),
            _counts_for(words, corpus),
            f"vectors file {spec[len(VECTORS_PREFIX) :]}",
        )
    return _run_space(spec, corpus)


def _baseline_space(corpus: Corpus | None, progress: Callable[[float], None] | None) -> EmbeddingSpace:
    from embedlab.spaces import baseline

    source = (
        f"{baseline.MODEL_NAME}, its own whole-word vocabulary"
        if corpus is None
        else f"{baseline.MODEL_NAME}, words of corpus {corpus.name}"
    )
    return _transformer_space(BASELINE, None, _transformer_vocabulary(corpus), source, corpus, progress)


def _contextual_space(spec: str, corpus: Corpus | None) -> EmbeddingSpace:
    """A sentence-transformer's words as it reads them in the corpus (see baseline.contextual_word_vectors)."""
    from embedlab.spaces import baseline

    base = spec.removesuffix(CONTEXT_SUFFIX)
    model_dir = None if base == BASELINE else _model_dir(base)
    if model_dir is not None and not model_dir.is_dir():
        raise EmbedLabError(f"{spec}: contextual vectors need a sentence-transformer; {base} is not a fine-tuned run")
    if corpus is None:
        raise EmbedLabError(f"{spec}: contextual vectors are read from a corpus; choose one")
    words = _transformer_vocabulary(corpus)
    vectors, contextual = baseline.contextual_word_vectors(words, corpus.sentences(), model_dir)
    source = (
        f"{'MiniLM' if model_dir is None else 'fine-tuned MiniLM ' + base} in context: mean token embedding "
        f"over up to {baseline.CONTEXT_OCCURRENCES} occurrences ({int(contextual.sum()):,} of {len(words):,} "
        "words met; the rest encoded alone)"
    )
    return EmbeddingSpace(
        spec,
        words,
        vectors,
        _counts_for(words, corpus),
        source,
        piece_counter=baseline.piece_counts,
        encoder=_encoder(model_dir),
    )


def _transformer_vocabulary(corpus: Corpus | None) -> tuple[str, ...]:
    """The words a sentence-transformer space holds: the corpus's most frequent, else the model's whole words."""
    if corpus is None:
        from embedlab.spaces import baseline

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
    from embedlab.spaces import baseline

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
    from embedlab.spaces import baseline

    return partial(baseline.encode_texts, model_dir=model_dir, batch_size=_DOCUMENT_BATCH)


def _run_space(run_id: str, corpus: Corpus | None) -> EmbeddingSpace:
    from embedlab.corpus.stored import load_corpus

    row = store.get_run(run_id)
    folder = store.runs_dir() / run_id
    if row is None or not folder.is_dir():
        raise EmbedLabError(f"no run '{run_id}' in {store.runs_dir()}")
    if corpus is None:
        try:
            corpus = load_corpus(row["corpus_id"])
        except ValueError:
            corpus = None
    if _model_dir(run_id).is_dir():  # a fine-tuned sentence-transformer
        return _transformer_space(
            run_id, _model_dir(run_id), _transformer_vocabulary(corpus), f"fine-tuned MiniLM run {run_id}", corpus, None
        )
    found = read_vectors(folder / "vectors.bin", fmt=VectorFormat.WORD2VEC_BINARY)
    words, vectors = found.words, found.vectors
    return EmbeddingSpace(
        run_id, words, normalise_rows(vectors), _counts_for(words, corpus), f"{row['method']} run {run_id}"
    )
