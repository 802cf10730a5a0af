"""Domain language: the words a corpus uses differently from general English, read from a space trained on it
against the pretrained baseline.

A trained run and MiniLM disagree about most neighbour lists anyway (different models, different training text),
so a low Jaccard@k against the baseline is not evidence of domain language by itself. What sets a domain sense
apart is where the corpus's neighbours of a word sit **in the baseline's own ranking**: for a word used as in
general English, the words it is near in the corpus are ones the baseline also ranks near it (on a synthetic corpus
of ordinary topics, the median sits at the nearest 7% of the vocabulary); for a word the corpus gives another
meaning, they are words the baseline ranks as unrelated. The **usage shift** of a word is the median percentile,
in the baseline's ranking of the shared vocabulary by cosine to the word, of its k nearest words in the candidate
(0 = the baseline's nearest, 1 = its farthest). A word is **used differently** when that median is at least
``SHIFT_PERCENTILE`` (its corpus neighbours sit in the far 40% of the baseline's ranking) and, where the candidate
has seed replicas, its change is beyond seed noise (:mod:`embedlab.analysis.noise`). Only content words seen at
least ``MIN_COUNT`` times and kept whole by the baseline's tokenizer are checked: a word MiniLM splits into word
pieces has no reliable general-English vector to compare with (the coverage reason reports those).

This is the corpus-side counterpart of semantic-shift detection by neighbourhood comparison (Hamilton, Leskovec and
Jurafsky 2016, "Cultural Shift or Linguistic Drift?", EMNLP; Gonen et al. 2020, "Simple, Interpretable and Stable
Method for Detecting Words with Usage Change across Corpora", ACL), with the baseline standing in for the general
corpus.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np
import pandas as pd

from embedlab.analysis import WordKind, shared_spaces, word_kind
from embedlab.metrics import nearest_rows
from embedlab.spaces.space import EmbeddingSpace

SHIFT_PERCENTILE = 0.6
MIN_COUNT = 20  # occurrences: rarer words have neighbour lists too noisy to read a sense from
MAX_CHECKED = 5_000  # the most frequent eligible words; beyond, the evidence adds little and the cost grows
SHOWN = 5  # neighbours named per side in an example


@dataclass(frozen=True)
class UsageShift:
    """A word the candidate places among words the baseline ranks as unrelated to it.

    Attributes:
        word: the word.
        count: its corpus count.
        shift: the median baseline rank percentile of its k nearest words in the candidate (0..1).
        here: its nearest words in the candidate, nearest first (``SHOWN``).
        general: its nearest words in the baseline among the same vocabulary, nearest first.
        beyond_noise: whether its change is beyond the candidate's seed noise; None when the floor is unknown.
    """

    word: str
    count: int
    shift: float
    here: tuple[str, ...]
    general: tuple[str, ...]
    beyond_noise: bool | None


@dataclass(frozen=True)
class DomainLanguage:
    """The domain-language evidence of one candidate against the baseline.

    Attributes:
        candidate, baseline: the spaces' names.
        checked: words checked (content words seen ``MIN_COUNT`` times, whole words to the baseline).
        median_shift: the checked words' median usage shift (0..1): how far the corpus's neighbours sit from the
            baseline's on a typical word.
        shifted: the words used differently, largest shift first.
        floor_known: whether the candidate had seed replicas to rule out seed noise.
        k: neighbours read per word.
    """

    candidate: str
    baseline: str
    checked: int
    median_shift: float
    shifted: tuple[UsageShift, ...]
    floor_known: bool
    k: int

    @property
    def share(self) -> float:
        """Share of the checked words used differently (0..1)."""
        return len(self.shifted) / self.checked if self.checked else 0.0


def _eligible(shared: EmbeddingSpace, baseline: EmbeddingSpace, exclude: AbstractSet[str]) -> np.ndarray:
    """Rows of the shared vocabulary to check, most frequent first (at most ``MAX_CHECKED``)."""
    words = shared.words
    keep = (shared.counts >= MIN_COUNT) & np.fromiter(
        (word_kind(word) is WordKind.CONTENT and word not in exclude for word in words), dtype=bool, count=len(words)
    )
    if baseline.piece_counter is not None and keep.any():
        rows = np.flatnonzero(keep)
        keep[rows] = np.asarray(baseline.piece_counter([words[i] for i in rows])) == 1
    rows = np.flatnonzero(keep)
    return rows[np.argsort(-shared.counts[rows], kind="stable")][:MAX_CHECKED]


def _rank_percentiles(vectors: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """For each row i, the rank percentile of each of ``columns[i]`` among all other rows by cosine to row i:
    0 for the nearest, 1 for the farthest. Shape of ``columns``."""
    out = np.empty(columns.shape, dtype=np.float64)
    others = len(vectors) - 2  # ranks 0..others among the len - 1 other words
    for start in range(0, len(rows), 256):
        block = rows[start : start + 256]
        sims = vectors[block] @ vectors.T
        sims[np.arange(len(block)), block] = -np.inf
        ordered = np.sort(sims, axis=1)
        picked = np.take_along_axis(sims, columns[start : start + 256], axis=1)
        for i in range(len(block)):
            # words scoring higher than the neighbour; the word itself (-inf) never does
            higher = ordered.shape[1] - np.searchsorted(ordered[i], picked[i], side="right")
            out[start + i] = higher / max(others, 1)
    return out


def domain_language(
    candidate: EmbeddingSpace,
    baseline: EmbeddingSpace,
    k: int = 10,
    frame: pd.DataFrame | None = None,
    exclude: AbstractSet[str] = frozenset(),
) -> DomainLanguage:
    """The words ``candidate`` (trained on the corpus) uses differently from ``baseline`` (see the module).

    Args:
        candidate, baseline: whole spaces; neighbours are searched among the words both hold.
        k: neighbours read per word.
        frame: ``analysis.compare_spaces(candidate, baseline, k)``'s frame, for each word's ``beyond_noise`` when
            the candidate has seed replicas; without it, or without replicas, seed noise is not ruled out.
        exclude: words never checked: the function words of the corpus's languages
            (``corpus.function_words``), so that a German article in a mostly English corpus is not called
            domain language.

    Returns:
        The evidence, shifted words largest shift first.

    Raises:
        EmbedLabError: the spaces share fewer than two words.
    """
    shared, general = shared_spaces(candidate, baseline)
    rows = _eligible(shared, baseline, exclude)
    k = min(k, len(shared) - 1)
    if not len(rows) or k < 1:
        return DomainLanguage(candidate.name, baseline.name, 0, float("nan"), (), False, k)
    here = nearest_rows(shared.vectors, k, rows)
    shift = np.median(_rank_percentiles(general.vectors, rows, here), axis=1)
    noise = None
    floor_known = frame is not None and bool(frame["floor"].notna().any())
    if floor_known and frame is not None:
        noise = frame.set_index("word")["beyond_noise"]
    flagged = np.flatnonzero(shift >= SHIFT_PERCENTILE)
    there = nearest_rows(general.vectors, SHOWN, rows[flagged]) if len(flagged) else np.zeros((0, SHOWN), int)
    words = shared.words
    shifted = []
    for position, row_general in zip(flagged, there):
        row = rows[position]
        beyond = None if noise is None else bool(noise.get(words[row], False))
        if beyond is False:
            continue
        shifted.append(
            UsageShift(
                words[row],
                int(shared.counts[row]),
                float(shift[position]),
                tuple(words[i] for i in here[position][:SHOWN]),
                tuple(words[i] for i in row_general),
                beyond,
            )
        )
    shifted.sort(key=lambda found: (-found.shift, -found.count, found.word))
    return DomainLanguage(
        candidate.name, baseline.name, len(rows), float(np.median(shift)), tuple(shifted), floor_known, k
    )
