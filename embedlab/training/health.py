"""Run health: did a training job learn anything, and is the space it left usable?

Checks (each a pure function of plain numbers or arrays, composed by :func:`static_health`,
:func:`finetune_health` and :func:`space_health`):

- ``context``: the share of sentences with at least two tokens. Word2Vec/FastText learn only from words that share
  a context window; a word list or text in an unsegmented script (one "word" per line) gives them none.
- ``moved``: how far the vectors moved from their random start (mean cosine between each sampled row's start and
  its final value; 1.0 means nothing moved). The job knows the start: gensim seeds it from ``config.seed``.
- ``anisotropy``: the mean cosine of a random sample of word pairs (Ethayarajh 2019, "How contextual are
  contextualized word representations?"). Near 1, every word is every other word's neighbour at ~0.99 and
  neighbour rankings are noise.
- ``vocabulary``: how many words the space holds; with very few, neighbours mean little.
- ``retrieval`` (fine-tunes): the held-out MRR@10 before and after, and the pairs trained on; no change means the
  fine-tune changed nothing visible.

A training job writes its result to ``runs/<id>/health.json`` (inside the run-commit staging); loading a space
reads it, and for spaces without one (the baseline, vectors files, older runs) computes what the vectors alone
tell and marks the rest unknown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab import store
from embedlab.metrics import mean_pair_cosine
from embedlab.spaces.load import load_space
from embedlab.spaces.spec import SpaceKind, SpaceSpec

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus
    from embedlab.spaces.space import EmbeddingSpace

__all__ = [
    "HEALTH_FILE",
    "RunHealth",
    "anisotropy_check",
    "context_check",
    "finetune_health",
    "load_run_health",
    "moved_check",
    "retrieval_change_check",
    "save_health",
    "sentence_context_share",
    "space_health",
    "spec_health",
    "start_cosine",
    "static_health",
    "vocabulary_check",
]

HEALTH_FILE = "health.json"

MIN_CONTEXT_SHARE = 0.5  # below: most sentences give no context window
MAX_START_COSINE = 0.9  # above: the vectors stayed close to their random start
MAX_ANISOTROPY = 0.9  # above: the space has collapsed towards one direction
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
            f"cause: too few updates for this corpus. Fix: more epochs{more}, skip-gram, or a bigger corpus.",
        )
    return Check(value, True, detail)


def anisotropy_check(mean_cosine: float) -> Check:
    """Passes when the mean cosine of random word pairs is below ``MAX_ANISOTROPY`` (unknown when NaN)."""
    if math.isnan(mean_cosine):
        return Check(None, None, "fewer than two words: no pair to measure")
    detail = f"mean cosine {mean_cosine:.3f} of random word pairs (0 = spread out, 1 = all one direction)"
    if mean_cosine < MAX_ANISOTROPY:
        return Check(round(mean_cosine, 4), True, detail)
    return Check(
        round(mean_cosine, 4),
        False,
        detail,
        f"Collapsed space: random word pairs have mean cosine {mean_cosine:.3f}, so every neighbour scores near "
        "1 and rankings are noise. Likely cause: too little training for the corpus (vectors still share one "
        "common direction). Fix: more epochs, skip-gram, a lower sample threshold, or a bigger corpus.",
    )


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


def retrieval_change_check(before_mrr: float, after_mrr: float, pairs_trained: int, k: int = 10) -> Check:
    """A fine-tune: passes when it trained on some pairs and moved held-out MRR@k by at least ``MIN_MRR_CHANGE``."""
    change = after_mrr - before_mrr
    detail = f"held-out MRR@{k} {before_mrr:.3f} → {after_mrr:.3f} after {pairs_trained:,} training pairs"
    if pairs_trained > 0 and abs(change) >= MIN_MRR_CHANGE:
        return Check(round(change, 6), True, detail)
    cause = "it trained on no pairs" if pairs_trained <= 0 else f"{pairs_trained:,} training pairs were too few"
    return Check(
        round(change, 6),
        False,
        detail,
        f"Nothing visible changed: held-out MRR@{k} stayed at {before_mrr:.3f} → {after_mrr:.3f}. Likely cause: "
        f"{cause}. Fix: a larger fine-tuning budget (more epochs, more minutes, more pairs).",
    )


def static_health(
    vectors: np.ndarray,
    *,
    initial: np.ndarray | None = None,
    final_rows: np.ndarray | None = None,
    context: tuple[float, int] | None = None,
    epochs: int | None = None,
    min_count: int | None = None,
) -> RunHealth:
    """The health of a Word2Vec/FastText space, with whatever is known about its training.

    Args:
        vectors: float array of shape (words, dim), the final vectors (any norm).
        initial: float array of shape (rows, dim), sampled rows' vectors before training; None: unknown.
        final_rows: the same rows after training (required with ``initial``).
        context: ``sentence_context_share`` of the corpus trained on; None: unknown.
        epochs, min_count: the settings, quoted in the fixes.
    """
    checks: dict[str, Check] = {}
    if context is None:
        checks["context"] = Check(None, None, "unknown: no record of the corpus it was trained on")
    else:
        checks["context"] = context_check(*context)
    if initial is None or final_rows is None:
        checks["moved"] = Check(None, None, "unknown: no record of the vectors before training")
    else:
        checks["moved"] = moved_check(*start_cosine(initial, final_rows), epochs=epochs)
    checks["anisotropy"] = anisotropy_check(mean_pair_cosine(vectors))
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
        retrieval: ``{"baseline": {"mrr@10": ...}, "finetuned": {"mrr@10": ...}, ...}``.
        pairs_trained: how many pairs the trainer saw (0: none).
        vectors: the run's word vectors, shape (words, dim), when loaded; adds anisotropy and vocabulary.
    """
    key = next((name for name in retrieval.get("baseline", {}) if name.startswith("mrr@")), "mrr@10")
    k = int(key.split("@")[1])
    checks = {
        "retrieval": retrieval_change_check(
            float(retrieval["baseline"][key]), float(retrieval["finetuned"][key]), pairs_trained, k
        )
    }
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
        return RunHealth.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):  # a damaged record: recompute what can be
        return None


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
