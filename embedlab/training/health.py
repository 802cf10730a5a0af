"""Run health: did a training job learn anything, and is the space it left usable?

Checks (each a pure function of plain numbers or arrays, composed by :func:`static_health`,
:func:`finetune_health` and :func:`space_health`):

- ``context``: the share of sentences with at least two tokens. Word2Vec/FastText learn only from words that share
  a context window; a word list or text in an unsegmented script (one "word" per line) gives them none.
- ``moved``: how far the vectors moved from their random start (mean cosine between each sampled row's start and
  its final value; 1.0 means nothing moved). The job knows the start: gensim seeds it from ``config.seed``.
- ``structure``: whether a word's nearest neighbours are better than chance, measured against the corpus it was
  trained on (:func:`neighbour_structure`): do a word and its k nearest neighbours share contexts in the corpus
  more than the word and frequency-matched random words do? Fails ("Neighbours at chance") when they share at most
  ``MIN_STRUCTURE_LIFT`` times as much, and names the cause from measured facts: too few epochs (``moved``
  failed, or the corpus's own split-half structure, :func:`corpus_structure`, shows there was something to
  learn), no context (``context`` failed), else random text / no structure in the corpus.
- ``anisotropy``: the mean cosine of a random sample of word pairs (Ethayarajh 2019, "How contextual are
  contextualized word representations?"). Informational only: high anisotropy is common for Word2Vec on short
  texts and does not by itself make rankings noise (cosines shift together; their order can still hold), so a
  value above ``MAX_ANISOTROPY`` is noted in the check's detail, with the lines' mean length when it is known,
  and never fails the run.
- ``vocabulary``: how many words the space holds; with very few, neighbours mean little.
- ``retrieval`` (fine-tunes): the held-out MRR@10 before and after, the pairs trained on, and the change's paired
  bootstrap interval over the held-out queries (:func:`mrr_change`): an interval that includes 0 is "no measurable
  change", however large the change looks.

A training job writes its result to ``runs/<id>/health.json`` (inside the run-commit staging); loading a space
reads it, and for spaces without one (the baseline, vectors files, older runs) computes what the vectors alone
tell and marks the rest unknown. Records written before the structure check existed failed a space on anisotropy
alone; :func:`load_run_health` reads them with that failure turned into the informational note and the structure
marked unknown.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab import formatting, store
from embedlab.metrics import (
    BOOTSTRAP_BATCH,
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    mean_pair_cosine,
    nearest_rows,
)
from embedlab.spaces.load import load_space
from embedlab.spaces.space import normalise_rows
from embedlab.spaces.spec import SpaceKind, SpaceSpec

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus
    from embedlab.spaces.space import EmbeddingSpace

__all__ = [
    "HEALTH_FILE",
    "CorpusContexts",
    "RunHealth",
    "Structure",
    "anisotropy_check",
    "context_check",
    "corpus_structure",
    "finetune_health",
    "load_run_health",
    "moved_check",
    "mrr_change",
    "neighbour_structure",
    "read_contexts",
    "retrieval_change_check",
    "save_health",
    "sentence_context_share",
    "space_health",
    "spec_health",
    "start_cosine",
    "static_health",
    "structure_check",
    "vocabulary_check",
]

HEALTH_FILE = "health.json"

MIN_CONTEXT_SHARE = 0.5  # below: most sentences give no context window
MAX_START_COSINE = 0.9  # above: the vectors stayed close to their random start
MAX_ANISOTROPY = 0.9  # above: noted (informational); rankings are judged by the structure check
MIN_STRUCTURE_LIFT = 1.1  # at most: neighbours share contexts no more than frequency-matched random words
STRUCTURE_K = 10  # nearest neighbours per word in the structure check
STRUCTURE_WORDS = 1000  # words whose neighbours the structure check reads
STRUCTURE_TOKENS = 300_000  # corpus tokens (whole lines, sampled) the structure check counts contexts in
STRUCTURE_PERMUTATIONS = 20  # frequency-matched pairings making the chance level (p resolution 1/21)
FREQUENCY_STRATA = 10  # the chance pairing swaps neighbour lists among words of similar frequency
SEARCH_SCORES = 8_000_000  # scores per block of the neighbour search: 32 MB of float32, whatever the vocabulary
CONTEXT_SMOOTHING = 0.75  # PPMI's context-distribution smoothing (Levy, Goldberg and Dagan 2015)
MIN_VOCABULARY = 100  # below: too few words for neighbour lists to mean much
MIN_MRR_CHANGE = 0.001  # held-out MRR@10 change smaller than this: the fine-tune changed nothing visible
SAMPLE_ROWS = 2000  # rows compared with their start


@dataclass(frozen=True)
class Check:
    """One health check: its measured value, whether it passed (None: unknown), and the warning when it failed.

    Attributes:
        value: the measured number (a share, a cosine, a count), or None when it cannot be computed.
        ok: True passed, False failed, None unknown (the space keeps no record of its training).
        detail: what the value means, or why it is unknown.
        warning: for a failed check, the sentence shown to people: what is wrong, the likely cause, the fix.
    """

    value: float | int | None
    ok: bool | None
    detail: str
    warning: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class RunHealth:
    """The health of a run or a loaded space.

    Attributes:
        ok: False when any check failed (unknown checks do not count as failures).
        checks: check name -> ``{"value", "ok", "detail"}`` (JSON-ready).
        warnings: one sentence per failed check: what is wrong, the likely cause and the fix to try.
    """

    ok: bool
    checks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, checks: Mapping[str, Check]) -> RunHealth:
        """Compose named checks into one health record."""
        warnings = tuple(check.warning for check in checks.values() if check.ok is False and check.warning)
        return cls(
            ok=all(check.ok is not False for check in checks.values()),
            checks={name: check.to_dict() for name, check in checks.items()},
            warnings=warnings,
        )

    def to_dict(self) -> dict[str, Any]:
        """``{"ok": bool, "checks": {name: {"value", "ok", "detail"}}, "warnings": [str, ...]}``"""
        return {"ok": self.ok, "checks": {k: dict(v) for k, v in self.checks.items()}, "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunHealth:
        """The inverse of :meth:`to_dict`."""
        return cls(bool(data["ok"]), dict(data.get("checks", {})), tuple(data.get("warnings", ())))


def sentence_context_share(sentences: Iterable[Iterable[str] | str]) -> tuple[float, int]:
    """The share of sentences with at least two tokens, and how many sentences there are.

    Args:
        sentences: token lists, or lines of space-separated tokens (a corpus's ``sentences.txt``).

    Returns:
        (share in [0, 1], number of sentences); (0.0, 0) for no sentences.
    """
    total = with_context = 0
    for sentence in sentences:
        tokens = sentence.split() if isinstance(sentence, str) else list(sentence)
        total += 1
        with_context += len(tokens) >= 2
    return (with_context / total if total else 0.0), total


def context_check(share: float, sentences: int) -> Check:
    """Passes when at least ``MIN_CONTEXT_SHARE`` of the sentences hold two or more tokens."""
    detail = f"{share:.1%} of {sentences:,} sentences have at least two tokens"
    if share >= MIN_CONTEXT_SHARE:
        return Check(round(share, 4), True, detail)
    if share == 0:
        cause = (
            "no sentence has two words (a word list, one word per line), so there is no context window to learn from"
        )
    else:
        cause = (
            f"only {share:.0%} of sentences have two or more words, so few context windows exist; text in a script "
            "written without spaces (Chinese, Japanese, Thai) reads as one long word per sentence"
        )
    return Check(
        round(share, 4),
        False,
        detail,
        f"Little or no context: {cause}. Fix: train on running text (sentences, not a list of words), or turn on "
        "word segmentation for scripts without spaces.",
    )


@dataclass(frozen=True)
class CorpusContexts:
    """What the health checks read from the corpus a run was trained on (:func:`read_contexts`).

    Attributes:
        share: the share of lines (sentences) with at least two tokens, in [0, 1].
        sentences: how many lines.
        mean_tokens: mean tokens per line (0.0 for no lines).
        window: the training's context window (words on each side).
        sample: whole lines, seeded, up to about ``STRUCTURE_TOKENS`` tokens: the structure check's corpus.
    """

    share: float
    sentences: int
    mean_tokens: float
    window: int
    sample: tuple[str, ...] = ()

    @property
    def short(self) -> bool:
        """Lines shorter on average than one full context window (``2 * window + 1`` tokens)."""
        return self.sentences > 0 and self.mean_tokens < 2 * self.window + 1

    def length_note(self) -> str:
        """``lines average 6.5 tokens, under one ±5-word window of 11 tokens``"""
        under = "under" if self.short else "at least"
        return (
            f"lines average {self.mean_tokens:.1f} tokens, {under} one ±{self.window}-word window of "
            f"{2 * self.window + 1} tokens"
        )


def read_contexts(path: Path, window: int, max_tokens: int = STRUCTURE_TOKENS, seed: int = 0) -> CorpusContexts:
    """Read a corpus's ``sentences.txt`` (one line of space-separated tokens per sentence) for the health checks:
    two passes, the first counting, the second keeping each line with probability ``max_tokens / tokens``.

    Args:
        path: the file.
        window: the training's context window (words on each side).
        max_tokens: about how many tokens of whole lines to keep as ``sample``.
        seed: the sampling seed.
    """
    lengths = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            lengths.append(len(line.split()))
    counts = np.asarray(lengths, dtype=np.int64)
    tokens = int(counts.sum())
    keep = np.random.default_rng(seed).random(len(counts)) < max_tokens / max(tokens, 1)
    with path.open(encoding="utf-8") as lines:
        sample = tuple(line for line, kept in zip(lines, keep, strict=True) if kept)
    share = float((counts >= 2).mean()) if len(counts) else 0.0
    return CorpusContexts(share, len(counts), tokens / len(counts) if len(counts) else 0.0, window, sample)


@dataclass(frozen=True)
class Structure:
    """Whether a space's nearest neighbours are better than chance on the corpus it was trained on.

    Attributes:
        lift: ``observed / chance``: 1.0 = neighbours share contexts no more than frequency-matched random words.
        observed: mean cosine of the PPMI context vectors of each sampled word and each of its k neighbours.
        chance: the same mean over frequency-matched pairings (neighbour lists swapped among words of similar
            frequency), averaged over the permutations.
        p_value: one-sided permutation p of "no more than chance": ``(1 + #pairings >= observed) / (1 + #pairings)``.
        words: words sampled (with a context in the corpus sample).
        k: neighbours per word.
        tokens: corpus tokens the contexts were counted in.
        window: context positions on each side.
        split_half: the neighbours came from the corpus's own context vectors on the other half of the lines
            (:func:`corpus_structure`), not from a space.
    """

    lift: float
    observed: float
    chance: float
    p_value: float
    words: int
    k: int
    tokens: int
    window: int
    split_half: bool = False

    def describe(self) -> str:
        """One clause saying what was measured."""
        whose = (
            f"the corpus's own structure: a word's {self.k} nearest neighbours by its context vector on half the "
            "lines share contexts on the other half"
            if self.split_half
            else f"a word's {self.k} nearest neighbours share contexts"
        )
        return (
            f"{whose} {self.lift:.2f}x as much as frequency-matched random words (permutation p = "
            f"{self.p_value:.2f}; PPMI vectors of ±{self.window} positional contexts in {self.tokens:,} corpus "
            f"tokens, {self.words:,} words)"
        )


def _positional_contexts(lines: Iterable[str], words: Sequence[str], window: int):
    """Word-row ids of ``lines`` (words outside ``words`` dropped, as gensim drops them before windowing) and the
    (word, positional context) pairs within ``window``: context ``slot * V + word``, one slot per offset
    -window..-1, 1..window. Returns (ids, rows, contexts) as int64 arrays."""
    index = {word: i for i, word in enumerate(words)}
    ids: list[int] = []
    line_of: list[int] = []
    for number, line in enumerate(lines):
        found = [index[token] for token in line.split() if token in index]
        ids += found
        line_of += [number] * len(found)
    token_ids, line_ids = np.asarray(ids, dtype=np.int64), np.asarray(line_of, dtype=np.int64)
    size = len(words)
    rows, contexts = [], []
    for offset in range(1, window + 1):
        same = line_ids[offset:] == line_ids[:-offset]
        left, right = token_ids[:-offset][same], token_ids[offset:][same]
        rows += [left, right]
        contexts += [right + size * (window + offset - 1), left + size * (window - offset)]
    return token_ids, np.concatenate(rows), np.concatenate(contexts)  # window >= 1: never an empty list


def _ppmi_rows(rows: np.ndarray, contexts: np.ndarray, wanted: np.ndarray, size: int, columns: int):
    """Unit-length positive PMI vectors (scipy CSR, one row per word of ``wanted``, row ids below ``size``) from
    (word, context) co-occurrence pairs, with context-distribution smoothing (Levy, Goldberg and Dagan 2015,
    "Improving distributional similarity with lessons learned from word embeddings", TACL 3)."""
    # lazy: scipy.sparse adds start-up time; only training-time health needs it
    from scipy import sparse

    context_mass = np.bincount(contexts, minlength=columns).astype(np.float64) ** CONTEXT_SMOOTHING
    position = np.full(size, -1, dtype=np.int64)
    position[wanted] = np.arange(len(wanted))
    mine = position[rows] >= 0
    counts = sparse.csr_matrix(
        (np.ones(int(mine.sum())), (position[rows[mine]], contexts[mine])), shape=(len(wanted), columns)
    ).tocoo()  # duplicates summed
    row_mass = np.bincount(counts.row, weights=counts.data, minlength=len(wanted))
    pmi = np.log(counts.data * context_mass.sum() / (row_mass[counts.row] * context_mass[counts.col]))
    positive = pmi > 0
    vectors = sparse.csr_matrix((pmi[positive], (counts.row[positive], counts.col[positive])), shape=counts.shape)
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    return sparse.diags(1 / np.where(norms > 0, norms, 1)) @ vectors


def _frequency_matched(frequencies: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation of ``range(len(frequencies))`` that moves each item only among the items of its frequency
    stratum (``FREQUENCY_STRATA`` equal-size strata by rank)."""
    order = np.argsort(frequencies, kind="stable")
    permutation = np.arange(len(frequencies))
    for stratum in np.array_split(order, FREQUENCY_STRATA):
        permutation[stratum] = rng.permutation(stratum)
    return permutation


def neighbour_structure(
    words: Sequence[str],
    vectors: np.ndarray,
    sentences: Iterable[str],
    window: int,
    k: int = STRUCTURE_K,
    sample_words: int = STRUCTURE_WORDS,
    permutations: int = STRUCTURE_PERMUTATIONS,
    seed: int = 0,
) -> Structure | None:
    """Are the space's neighbour rankings better than chance on this corpus?

    Every word gets a second-order context vector from the corpus: positive PMI of the words at each position
    within ``window`` (positional contexts keep the order a Word2Vec window sees, so words of one grammatical
    class that never co-occur still share contexts; Levy and Goldberg 2014, "Dependency-based word embeddings",
    and Levy, Goldberg and Dagan 2015 for PPMI with smoothed context counts). For a seeded sample of words, the
    mean cosine between a word's context vector and its k nearest neighbours' (in the space) is compared with the
    same mean when each word's neighbour list is swapped for that of another word of similar corpus frequency
    (``permutations`` times): frequency alone shapes Word2Vec neighbourhoods, even of random text, so this is the
    chance level, not ``k / (V - 1)`` (random text's seeds agree on 10x that). Measured with Word2Vec defaults
    (bench/health_structure.py): random Zipf text 1.00x, undertrained runs 1.04x, a one-line-per-document topic
    corpus 3.76x (anisotropy 0.95), a six-word template grammar 1.31x.

    Args:
        words: the space's vocabulary, in row order, spelt as in ``sentences``.
        vectors: float array of shape (len(words), dim), any norm.
        sentences: lines of space-separated tokens (``CorpusContexts.sample``).
        window: context positions on each side (the training's window).
        k: neighbours per word; sample_words: words sampled; permutations: chance pairings; seed: sampling seed.

    Returns:
        The measurement, or None when fewer than two sampled words have a context (a word list, one line).
    """
    found = _positional_contexts(sentences, words, window)
    with_context = np.unique(found[1])
    k = min(k, len(words) - 1)
    if len(with_context) < 2 or k < 1:
        return None
    rng = np.random.default_rng(seed)
    queries = np.sort(rng.choice(with_context, size=min(sample_words, len(with_context)), replace=False))
    neighbours = nearest_rows(normalise_rows(vectors), k, rows=queries, block_rows=max(1, SEARCH_SCORES // len(words)))
    return _shared_contexts(found, len(words), window, queries, neighbours, permutations, rng)


def corpus_structure(
    words: Sequence[str],
    sentences: Iterable[str],
    window: int,
    k: int = STRUCTURE_K,
    sample_words: int = STRUCTURE_WORDS,
    permutations: int = STRUCTURE_PERMUTATIONS,
    seed: int = 0,
) -> Structure | None:
    """Does the corpus itself hold structure a space could learn? The split-half counterpart of
    :func:`neighbour_structure`, with no space: a word's k nearest neighbours by its PPMI context vector on a
    seeded half of the lines, read on the other half against the same frequency-matched chance. Random text gives
    1.0x (its neighbours on one half are noise fitted to that half); a corpus with topics or word classes more
    (measured: random Zipf tokens 1.00x, one-line topic documents 3.3x, a template grammar 1.56x, gensim's Lee
    corpus 1.21x). It tells a run that has not learned yet (too few epochs) from text with nothing to learn.

    Args and returns: as :func:`neighbour_structure` (``split_half`` set); None when fewer than two words have
    contexts in both halves.
    """
    lines = list(sentences)
    rng = np.random.default_rng(seed)
    first = np.zeros(len(lines), dtype=bool)
    first[rng.permutation(len(lines))[: len(lines) // 2]] = True
    found, other = (
        _positional_contexts((line for line, mine in zip(lines, first, strict=True) if mine == half), words, window)
        for half in (True, False)
    )
    both = np.intersect1d(found[1], other[1])
    k = min(k, len(words) - 1)
    if len(both) < 2 or k < 1:
        return None
    queries = np.sort(rng.choice(both, size=min(sample_words, len(both)), replace=False))
    with_context = np.unique(found[1])
    ppmi = _ppmi_rows(found[1], found[2], with_context, len(words), 2 * window * len(words)).astype(np.float32)
    own = np.searchsorted(with_context, queries)
    neighbours = np.empty((len(queries), min(k, len(with_context) - 1)), dtype=np.int64)
    block = max(1, SEARCH_SCORES // len(with_context))
    for start in range(0, len(queries), block):
        rows = own[start : start + block]
        scores = (ppmi[rows] @ ppmi.T).toarray()
        scores[np.arange(len(rows)), rows] = -np.inf  # a word is not its own neighbour
        top = np.argpartition(-scores, neighbours.shape[1] - 1, axis=1)[:, : neighbours.shape[1]]
        neighbours[start : start + block] = with_context[top]
    return dataclasses.replace(
        _shared_contexts(other, len(words), window, queries, neighbours, permutations, rng), split_half=True
    )


def _shared_contexts(
    found: tuple[np.ndarray, np.ndarray, np.ndarray],
    size: int,
    window: int,
    queries: np.ndarray,
    neighbours: np.ndarray,
    permutations: int,
    rng: np.random.Generator,
) -> Structure:
    """How much ``queries`` share contexts with their ``neighbours`` (rows of shape (len(queries), k)) in the
    contexts ``found`` (:func:`_positional_contexts`), against frequency-matched pairings (:class:`Structure`)."""
    token_ids, rows, contexts = found
    k = neighbours.shape[1]
    wanted = np.unique(np.concatenate([queries, neighbours.ravel()]))
    ppmi = _ppmi_rows(rows, contexts, wanted, size, 2 * window * size).astype(np.float32)
    # one sparse product gives every (sampled word, listed neighbour) cosine the pairings below read
    cosines = (ppmi[np.searchsorted(wanted, queries)] @ ppmi.T).toarray()
    listed = np.searchsorted(wanted, neighbours).ravel()

    def mean_cosine(order: np.ndarray) -> float:
        return float(cosines[np.repeat(order, k), listed].mean())

    observed = mean_cosine(np.arange(len(queries)))
    frequencies = np.bincount(token_ids, minlength=size)[queries]
    # neighbour list i is paired with a query of i's frequency stratum: swapping queries swaps neighbour lists
    chance_values = np.array([mean_cosine(_frequency_matched(frequencies, rng)) for _ in range(permutations)])
    chance = float(chance_values.mean())
    lift = observed / chance if chance > 0 else (math.inf if observed > 0 else math.nan)
    p_value = (1 + int((chance_values >= observed).sum())) / (1 + permutations)
    return Structure(lift, observed, chance, p_value, len(queries), k, len(token_ids), window)


def structure_check(
    structure: Structure | None,
    *,
    moved: Check | None = None,
    context: Check | None = None,
    corpus: Structure | None = None,
    epochs: int | None = None,
) -> Check:
    """Passes when neighbours share contexts more than ``MIN_STRUCTURE_LIFT`` times as much as chance. A failure
    names its cause from the other measurements: too few epochs when ``moved`` failed (the vectors barely left their
    random start) or when the corpus holds structure the run did not learn (``corpus``, :func:`corpus_structure`,
    above ``MIN_STRUCTURE_LIFT``); no context when ``context`` failed; else random text / no structure (the corpus's
    own split-half structure at chance too, when measured)."""
    if structure is None:
        return Check(None, None, "unknown: no record of the corpus it was trained on, or no word in it has a context")
    value = round(structure.lift, 4) if math.isfinite(structure.lift) else None
    detail = structure.describe()
    if structure.lift > MIN_STRUCTURE_LIFT:
        return Check(value, True, detail)
    measured = (
        f"Neighbours at chance: {detail}; {MIN_STRUCTURE_LIFT:.1f}x or less means neighbour rankings are no better "
        "than chance."
    )
    more = f"more epochs{f' (now {epochs})' if epochs else ''}"
    if moved is not None and moved.ok is False:
        cause = (
            f"Likely cause: too few epochs: the vectors barely moved from their random start (cosine {moved.value} > "
            f"{MAX_START_COSINE}). Fix: {more}, or a bigger corpus."
        )
    elif context is not None and context.ok is False:
        cause = (
            f"Likely cause: little or no context ({context.detail}). Fix: train on running text, or turn on word "
            "segmentation for scripts without spaces."
        )
    elif corpus is not None and corpus.lift > MIN_STRUCTURE_LIFT:
        cause = (
            f"Likely cause: too few epochs: the corpus has structure the run did not learn ({corpus.describe()}). "
            f"Fix: {more}, skip-gram, or a bigger corpus."
        )
    else:
        found = f" ({corpus.describe()})" if corpus is not None else ""
        cause = (
            f"Likely cause: random text / no structure: the corpus's words share contexts no more than their "
            f"frequencies predict{found}. Fix: check that the corpus is running text (not shuffled tokens, IDs or "
            "hashes); more epochs will not help."
        )
    return Check(value, False, detail, f"{measured} {cause}")


def start_cosine(initial: np.ndarray, final: np.ndarray) -> tuple[float, float]:
    """How far rows moved from where training started.

    Args:
        initial, final: float arrays of the same shape (rows, dim): the same words' vectors before and after.

    Returns:
        (mean cosine between each row's start and its end, in [-1, 1]: 1.0 = nothing moved; the share of rows that
        changed at all, in [0, 1]). (nan, 0.0) for no rows.
    """
    if not len(initial):
        return float("nan"), 0.0
    a, b = np.asarray(initial, dtype=np.float64), np.asarray(final, dtype=np.float64)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cosines = np.where(norms > 0, np.einsum("ij,ij->i", a, b) / np.where(norms > 0, norms, 1), 1.0)
    changed = ~np.all(np.asarray(initial) == np.asarray(final), axis=1)
    return float(cosines.mean()), float(changed.mean())


def moved_check(mean_cosine: float, changed_share: float, epochs: int | None = None) -> Check:
    """Passes when the sampled rows' mean cosine to their start is at most ``MAX_START_COSINE``."""
    detail = (
        f"mean cosine {mean_cosine:.3f} between a word's start and final vector "
        f"({changed_share:.1%} of sampled rows changed)"
    )
    value = round(mean_cosine, 4)
    if changed_share == 0:
        return Check(
            value,
            False,
            detail,
            "Learned nothing: every vector is bit-identical to its random start. Likely cause: no sentence has two "
            "words, so no word ever had a context. Fix: train on running text, or turn on word segmentation.",
        )
    if mean_cosine > MAX_START_COSINE:
        more = f" (now {epochs})" if epochs else ""
        return Check(
            value,
            False,
            detail,
            f"Barely trained: vectors are still close to their random start (cosine {mean_cosine:.2f}). Likely "
            f"cause: too few epochs (too few updates) for this corpus. Fix: more epochs{more}, skip-gram, or a "
            "bigger corpus.",
        )
    return Check(value, True, detail)


def anisotropy_check(mean_cosine: float, corpus: CorpusContexts | None = None) -> Check:
    """The mean cosine of random word pairs (Ethayarajh 2019), informational: it never fails (unknown when NaN).

    Above ``MAX_ANISOTROPY`` the detail says so, with the corpus's mean line length when known: Word2Vec on short
    texts commonly gives 0.9 and more while its neighbour rankings still carry the corpus's structure (measured: a
    one-line-per-document topic corpus at 0.95 keeps 91% of neighbours within their topic); whether rankings are
    better than chance is the ``structure`` check's question.
    """
    if math.isnan(mean_cosine):
        return Check(None, None, "fewer than two words: no pair to measure")
    detail = f"mean cosine {mean_cosine:.3f} of random word pairs (0 = spread out, 1 = all one direction)"
    if mean_cosine >= MAX_ANISOTROPY:
        why = f", as is common when {corpus.length_note()}" if corpus is not None and corpus.short else ""
        detail += (
            f"; high{why}. Informational: cosines run high together, so read scores relative to each other; the "
            "structure check says whether rankings beat chance"
        )
    return Check(round(mean_cosine, 4), True, detail)


def vocabulary_check(size: int, min_count: int | None = None) -> Check:
    """Passes with at least ``MIN_VOCABULARY`` words."""
    detail = f"{size:,} words"
    if size >= MIN_VOCABULARY:
        return Check(size, True, detail)
    lower = f" (now {min_count})" if min_count else ""
    return Check(
        size,
        False,
        detail,
        f"Tiny vocabulary: {size:,} words, too few for neighbour lists to mean much. Fix: a lower "
        f"min_count{lower}, or a bigger corpus.",
    )


def mrr_change(before: np.ndarray, after: np.ndarray) -> dict[str, Any]:
    """The fine-tune's change of held-out MRR@k with its paired bootstrap interval: the queries are resampled, each
    resample scoring both models on the same queries (percentile interval, Efron and Tibshirani 1993, ch. 13, by
    ``scipy.stats.bootstrap``; the same interval as ``embedlab.evaluation.stats.mean_difference(after, before)``).

    Args:
        before, after: float arrays of shape (queries,): each held-out query's reciprocal rank (0 beyond k) with
            the base model and with the fine-tuned one, aligned by query.

    Returns:
        JSON-ready ``{"value": mean(after) - mean(before), "ci_low", "ci_high", "confidence", "queries", "test"}``;
        the interval is None with fewer than two queries.

    Raises:
        ValueError: the arrays hold different numbers of queries.
    """
    # lazy: scipy.stats adds ~0.3 s to start-up; only a fine-tune's check needs it
    from scipy import stats

    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    if before.shape != after.shape:
        raise ValueError(f"paired reciprocal ranks need the same queries: {len(before)} against {len(after)}")
    change = after - before
    low = high = None
    if len(change) >= 2:
        interval = stats.bootstrap(
            (change,),
            np.mean,
            n_resamples=BOOTSTRAP_RESAMPLES,
            batch=BOOTSTRAP_BATCH,
            vectorized=True,
            paired=True,
            confidence_level=CONFIDENCE,
            method="percentile",
            rng=np.random.default_rng(BOOTSTRAP_SEED),
        ).confidence_interval
        low, high = round(float(interval.low), 6), round(float(interval.high), 6)
    return {
        "value": round(float(change.mean()), 6) if len(change) else None,
        "ci_low": low,
        "ci_high": high,
        "confidence": CONFIDENCE,
        "queries": len(change),
        "test": "paired bootstrap over held-out queries",
    }


def retrieval_change_check(
    before_mrr: float,
    after_mrr: float,
    pairs_trained: int,
    k: int = 10,
    change: Mapping[str, Any] | None = None,
) -> Check:
    """A fine-tune: passes when it trained on some pairs and improved held-out MRR@k measurably.

    With ``change`` (:func:`mrr_change`'s record) the change is measured against its interval: a 95% interval that
    includes 0 is "no measurable change", one wholly below 0 "worse", one wholly above 0 "improved" (passes).
    Without one (runs saved before the interval was kept) it passes when MRR@k moved by at least
    ``MIN_MRR_CHANGE``, as before, and says that no interval was recorded.
    """
    delta = after_mrr - before_mrr
    detail = f"held-out MRR@{k} {before_mrr:.3f} → {after_mrr:.3f} after {pairs_trained:,} training pairs"
    budget = "Fix: a larger fine-tuning budget (more epochs, more minutes, more pairs)"
    if pairs_trained <= 0:
        return Check(
            round(delta, 6),
            False,
            detail,
            f"Nothing visible changed: held-out MRR@{k} stayed at {before_mrr:.3f} → {after_mrr:.3f}. Likely cause: "
            f"it trained on no pairs. {budget}.",
        )
    low, high = (change or {}).get("ci_low"), (change or {}).get("ci_high")
    if low is None or high is None:
        detail += "; no interval recorded (trained before per-query ranks were kept)"
        if abs(delta) >= MIN_MRR_CHANGE:
            return Check(round(delta, 6), True, detail)
        return Check(
            round(delta, 6),
            False,
            detail,
            f"Nothing visible changed: held-out MRR@{k} stayed at {before_mrr:.3f} → {after_mrr:.3f}. Likely cause: "
            f"{pairs_trained:,} training pairs were too few. {budget}.",
        )
    queries = int(change.get("queries", 0)) if change else 0
    confidence = float(change.get("confidence", CONFIDENCE)) if change else CONFIDENCE
    measured = (
        f"{delta:+.4f} ({formatting.interval(low, high, digits=4, confidence=confidence)}, paired bootstrap over "
        f"{queries:,} held-out queries)"
    )
    if low > 0:
        return Check(round(delta, 6), True, f"{detail}: improved, {measured}")
    if high < 0:
        return Check(
            round(delta, 6),
            False,
            f"{detail}: worse, {measured}",
            f"Worse after fine-tuning: held-out MRR@{k} {before_mrr:.3f} → {after_mrr:.3f}, {measured}. Likely "
            "cause: the training pairs teach another notion of similarity than the held-out pairs, or training "
            "overshot. Fix: a lower learning rate or fewer epochs, or pairs closer to the retrieval you need.",
        )
    return Check(
        round(delta, 6),
        False,
        f"{detail}: no measurable change, {measured}",
        f"No measurable change: held-out MRR@{k} {before_mrr:.3f} → {after_mrr:.3f}, {measured}, which includes 0. "
        f"Likely cause: {pairs_trained:,} training pairs were too few to move the model, or {queries:,} held-out "
        f"queries too few to see a small change. {budget}, or more held-out pairs.",
    )


def static_health(
    vectors: np.ndarray,
    *,
    initial: np.ndarray | None = None,
    final_rows: np.ndarray | None = None,
    corpus: CorpusContexts | None = None,
    words: Sequence[str] | None = None,
    epochs: int | None = None,
    min_count: int | None = None,
) -> RunHealth:
    """The health of a Word2Vec/FastText space, with whatever is known about its training.

    Args:
        vectors: float array of shape (words, dim), the final vectors (any norm).
        initial: float array of shape (rows, dim), sampled rows' vectors before training; None: unknown.
        final_rows: the same rows after training (required with ``initial``).
        corpus: :func:`read_contexts` of the corpus trained on; None: context and structure unknown.
        words: the vocabulary in row order (required with ``corpus`` for the structure check).
        epochs, min_count: the settings, quoted in the fixes.
    """
    checks: dict[str, Check] = {}
    if corpus is None:
        checks["context"] = Check(None, None, "unknown: no record of the corpus it was trained on")
    else:
        checks["context"] = context_check(corpus.share, corpus.sentences)
    if initial is None or final_rows is None:
        checks["moved"] = Check(None, None, "unknown: no record of the vectors before training")
    else:
        checks["moved"] = moved_check(*start_cosine(initial, final_rows), epochs=epochs)
    structure = (
        neighbour_structure(words, vectors, corpus.sample, corpus.window)
        if corpus is not None and words is not None
        else None
    )
    corpus_found = None
    if structure is not None and corpus is not None and words is not None and structure.lift <= MIN_STRUCTURE_LIFT:
        corpus_found = corpus_structure(words, corpus.sample, corpus.window)  # which cause: only when at chance
    checks["structure"] = structure_check(
        structure, moved=checks["moved"], context=checks["context"], corpus=corpus_found, epochs=epochs
    )
    checks["anisotropy"] = anisotropy_check(mean_pair_cosine(vectors), corpus)
    checks["vocabulary"] = vocabulary_check(len(vectors), min_count)
    return RunHealth.of(checks)


def _encoder_vocabulary(health: RunHealth, words: int) -> RunHealth:
    """``health`` of a space that encodes any word (MiniLM: the baseline or a fine-tune), whose word list is only
    the corpus's words it was asked for: a small corpus is no fault of the space, so vocabulary is not judged."""
    checks = dict(health.checks)
    dropped = checks.get("vocabulary", {}).get("ok") is False
    checks["vocabulary"] = Check(words, None, f"{words:,} corpus words encoded; the model encodes any word").to_dict()
    warnings = tuple(w for w in health.warnings if not (dropped and w.startswith("Tiny vocabulary")))
    return RunHealth(ok=all(c.get("ok") is not False for c in checks.values()), checks=checks, warnings=warnings)


def finetune_health(retrieval: Mapping[str, Any], pairs_trained: int, vectors: np.ndarray | None = None) -> RunHealth:
    """The health of a fine-tuned run, from its held-out check (``RetrievalCheck.to_dict()``'s shape).

    Args:
        retrieval: ``{"baseline": {"mrr@10": ...}, "finetuned": {"mrr@10": ...}, "mrr_change": ...}``, the
            last :func:`mrr_change`'s record (absent in runs saved before it was kept: judged without an interval).
        pairs_trained: how many pairs the trainer saw (0: none).
        vectors: the run's word vectors, shape (words, dim), when loaded; adds anisotropy and vocabulary.
    """
    key = next((name for name in retrieval.get("baseline", {}) if name.startswith("mrr@")), "mrr@10")
    k = int(key.split("@")[1])
    before, after = float(retrieval["baseline"][key]), float(retrieval["finetuned"][key])
    checks = {"retrieval": retrieval_change_check(before, after, pairs_trained, k, retrieval.get("mrr_change"))}
    if vectors is not None:
        checks["anisotropy"] = anisotropy_check(mean_pair_cosine(vectors))
        checks["vocabulary"] = vocabulary_check(len(vectors))
    return RunHealth.of(checks)


def save_health(folder: Path, health: RunHealth) -> None:
    """Write ``folder/health.json`` (a run's folder, or its staging folder before the commit)."""
    (folder / HEALTH_FILE).write_text(json.dumps(health.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")


def load_run_health(run_id: str) -> RunHealth | None:
    """The health a training job recorded in ``runs/<run_id>/health.json``; None when it recorded none."""
    path = store.runs_dir() / run_id / HEALTH_FILE
    if not path.is_file():
        return None
    try:
        return _without_anisotropy_failure(RunHealth.from_dict(json.loads(path.read_text(encoding="utf-8"))))
    except (ValueError, KeyError, TypeError):  # a damaged record: recompute what can be
        return None


LEGACY_ANISOTROPY_WARNING = "Collapsed space"  # how records written before the structure check began the failure


def _without_anisotropy_failure(health: RunHealth) -> RunHealth:
    """A record written before the structure check failed a space on anisotropy alone ("Collapsed space ... rankings
    are noise"), which the measurements behind :func:`neighbour_structure` contradict; read it as today's checks
    would: anisotropy informational, structure not measured. Any other record is returned as it is."""
    checks = dict(health.checks)
    anisotropy = checks.get("anisotropy")
    if "structure" in checks or anisotropy is None or anisotropy.get("ok") is not False:
        return health
    checks["anisotropy"] = {
        **anisotropy,
        "ok": True,
        "detail": f"{anisotropy.get('detail', '')}; high. Informational: recorded as a failure before rankings were "
        "checked against chance",
    }
    checks["structure"] = Check(
        None, None, "unknown: recorded before health checked neighbour rankings against chance; retrain to measure"
    ).to_dict()
    warnings = tuple(w for w in health.warnings if not w.startswith(LEGACY_ANISOTROPY_WARNING))
    return RunHealth(ok=all(c.get("ok") is not False for c in checks.values()), checks=checks, warnings=warnings)


def _params(run_id: str) -> dict[str, Any]:
    path = store.runs_dir() / run_id / "params.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def space_health(space: EmbeddingSpace) -> RunHealth:
    """The health of any loaded space: a run's recorded health (``health.json``, written by its job), or, for
    spaces without a record (the baseline, vectors files, derived spaces, runs
    trained before health was recorded), anisotropy and vocabulary size, with training checks marked unknown.
    A fine-tuned run without a record is judged from its params.json retrieval figures.
    """
    run_id = _plain_run(space.name)
    if run_id:
        recorded = load_run_health(run_id)
        if recorded is not None:
            return recorded
        params = _params(run_id)
        if "retrieval" in params:
            health = finetune_health(params["retrieval"], int(params.get("pairs_trained", 1)), space.vectors)
            return _encoder_vocabulary(health, len(space)) if space.encoder is not None else health
    health = static_health(space.vectors)
    return _encoder_vocabulary(health, len(space)) if space.encoder is not None else health


def _plain_run(spec: str) -> str:
    """The run id when ``spec`` names a run as trained (not read in context, not debiased); else ''."""
    try:
        parsed = SpaceSpec.parse(spec)
    except (ValueError, TypeError):
        return ""
    plain = parsed.kind is SpaceKind.RUN and not parsed.context and not parsed.debiased
    return parsed.source if plain and store.get_run(parsed.source) is not None else ""


def spec_health(spec: str, corpus: Corpus | None = None) -> RunHealth:
    """:func:`space_health` of the space ``spec`` names: a run's recorded ``health.json`` without loading its
    vectors, else the space loaded (``embedlab.spaces.load_space``) and measured.

    Raises:
        EmbedLabError: the spec names no loadable space.
    """
    run_id = _plain_run(spec)
    recorded = load_run_health(run_id) if run_id else None
    if recorded is not None:
        return recorded
    return space_health(load_space(spec, corpus))
