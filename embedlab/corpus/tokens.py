"""Tokenising: text into sentences of word tokens, written to the corpus's sentence file as they are made, and
optional phrase detection (gensim's ``Phrases``) over that file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from embedlab.errors import EmbedLabError

# Decimal numbers (3.5), else letters/digits with inner hyphens and apostrophes kept: beta-blocker, don't.
_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['\-][^\W_]+)*")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-"})


# Part of every corpus id: bump it when tokenising changes, so stored corpora are not reused across versions.
TOKENIZER_VERSION = 2


@dataclass(frozen=True)
class TokenizeOptions:
    """How raw text becomes tokens; the same tokens feed training and coverage."""

    lowercase: bool = True
    phrases: bool = False
    phrase_min_count: int = 5
    phrase_threshold: float = 10.0

    def __post_init__(self) -> None:
        if self.phrase_min_count < 1:
            raise EmbedLabError(f"phrase_min_count must be at least 1, got {self.phrase_min_count}")
        if self.phrase_threshold <= 0:
            raise EmbedLabError(f"phrase_threshold must be positive, got {self.phrase_threshold}")


def _split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def tokenize(text: str, lowercase: bool = True) -> list[list[str]]:
    """Split text into sentences of word tokens (Unicode letters and digits, inner ``-`` and ``'`` kept)."""
    text = text.translate(_APOSTROPHES)
    if lowercase:
        text = text.lower()
    sentences = (_WORD.findall(sentence) for sentence in _split_sentences(text))
    return [tokens for tokens in sentences if tokens]


def _write_sentences(texts: Iterable[str], lowercase: bool, path: Path) -> tuple[Counter, list[int]]:
    """Tokenise document by document straight into ``path``, one sentence a line, counting tokens on the way.

    Returns:
        The token counts and the number of sentences of each document.
    """
    counts: Counter = Counter()
    per_document = []
    with path.open("w", encoding="utf-8") as handle:
        for text in texts:
            sentences = tokenize(text, lowercase)
            per_document.append(len(sentences))
            for sentence in sentences:
                counts.update(sentence)
                handle.write(" ".join(sentence) + "\n")
    return counts, per_document


def _read_sentences(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield line.split()


class _SentenceFile:
    """The sentences of a file, re-read on every iteration (gensim's Phrases passes over them more than once)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[list[str]]:
        return _read_sentences(self.path)


def _apply_phrases(path: Path, options: TokenizeOptions) -> Counter:
    """Join detected phrases (``heart_failure``) in the sentences file, in place; returns the new token counts."""
    # lazy: gensim (and the scipy it loads) adds ~1 s to start-up; only this path needs it
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from gensim.parsing.preprocessing import STOPWORDS

    # Every English function word is a connector: a phrase may hold them inside (state_of_the_art) but never
    # start or end with one. gensim's own list has only 15, so "if_you", "have_heart" or "will_be" were joined:
    # they are as frequent together as "heart failure" and say nothing about the domain.
    model = Phrases(
        _SentenceFile(path),
        min_count=options.phrase_min_count,
        threshold=options.phrase_threshold,
        connector_words=frozenset(ENGLISH_CONNECTOR_WORDS | STOPWORDS),
    ).freeze()
    counts: Counter = Counter()
    phrased = path.with_name(path.name + ".phrased")
    with phrased.open("w", encoding="utf-8") as handle:
        for sentence in _read_sentences(path):
            joined = model[sentence]
            counts.update(joined)
            handle.write(" ".join(joined) + "\n")
    phrased.replace(path)
    return counts
