"""Held-out retrieval: sentence pairs no chosen model trained on, each anchor ranking every positive by cosine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from embedlab import training
from embedlab.corpus.stored import load_corpus, no_labels_reason
from embedlab.errors import EmbedLabError
from embedlab.evaluation.tasks import features_kind, text_vectors
from embedlab.metrics import RETRIEVAL_K, TIE_RULE, query_scores, tied_with_own
from embedlab.spaces.space import normalise_rows

if TYPE_CHECKING:
    from embedlab.spaces.space import EmbeddingSpace


@dataclass(frozen=True, eq=False)
class RetrievalResult:
    """Held-out pair retrieval: each anchor ranks every held-out positive by cosine; where does its own land?"""

    space: str
    pairs: int
    mrr: float  # MRR@k
    recall: float  # recall@k
    k: int
    unanswerable: int  # pairs whose anchor or positive has no vector in the space (a static space knows no word)
    features: str
    pairs_source: str
    # per held-out pair, in the order given (for paired comparisons; not stored, see SpaceEvaluation.payloads):
    reciprocal_ranks: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)  # 1/rank, 0 beyond k
    hits: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), repr=False)  # own positive in top k
    tied: int = 0  # queries whose own positive tied another positive's score (ranked at the mid-rank)
    tie_rule: str = TIE_RULE


def held_out_retrieval(
    space: EmbeddingSpace,
    pairs: Sequence[tuple[str, str]],
    pairs_source: str,
    k: int = RETRIEVAL_K,
    progress: Callable[[float], None] | None = None,
) -> RetrievalResult:
    """Held-out retrieval for any space, so static and sentence-transformer spaces sit in one table.

    Each anchor ranks every positive by cosine; ties count at the mid-rank (:func:`embedlab.metrics.own_ranks`), and
    ``tied`` says how many queries had one.
    """
    if not pairs:
        raise EmbedLabError("no held-out pairs to retrieve")
    vectors = normalise_rows(text_vectors(space, pair_texts(pairs), progress))
    anchors, positives = vectors[0::2], vectors[1::2]
    answerable = anchors.any(axis=1) & positives.any(axis=1)
    reciprocal, hits = query_scores(anchors, positives, k)
    tied = int((answerable & (tied_with_own(anchors @ positives.T) > 0)).sum())
    return RetrievalResult(
        space.name,
        len(pairs),
        round(float(reciprocal.mean()), 6),
        round(float(hits.mean()), 6),
        k,
        int((~answerable).sum()),
        features_kind(space),
        pairs_source,
        reciprocal,
        hits,
        tied,
    )


def pair_texts(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """The texts of pairs in the order ``retrieval`` encodes them: anchor, positive, anchor, positive, ..."""
    return [text for pair in pairs for text in pair]


def fine_tuned_runs(specs: Sequence[str]) -> tuple[str, ...]:
    """The fine-tuned runs among ``specs`` that kept their held-out pairs, in order, each once."""
    return tuple(spec for spec in dict.fromkeys(specs) if training.has_held_out_pairs(spec))


def held_out_run(specs: Sequence[str]) -> str:
    """The first fine-tuned run among ``specs`` (its held-out pairs are the ones retrieval uses), or ""."""
    return next(iter(fine_tuned_runs(specs)), "")


def held_out_pairs(corpus, run_ids: Sequence[str] = ()) -> tuple[list[tuple[str, str]], str]:
    """Pairs no chosen model trained on: those the first fine-tuned run among ``run_ids`` held out, less any pair
    holding a text another of them trained on; else the neighbouring-sentence pairs a default fine-tune on
    ``corpus`` would hold out, else (one-line documents: tickets, package descriptions) the pairs of documents
    sharing a label that a fine-tune on its labels would hold out. Pairs repeating another's positive text are
    counted once (:func:`embedlab.training.distinct_pairs`: the same text ties with itself in any space).

    Returns:
        The pairs and a sentence saying where they come from, how many repeats were dropped and what was left out
        because another fine-tune trained on it.

    Raises:
        ValueError: too few sentence pairs and no labels to pair documents by (or too few labelled documents); the
            message says which, plainly.
    """
    tuned = fine_tuned_runs(run_ids)
    if tuned:
        held, repeats = _distinct(training.held_out_pairs(tuned[0]))
        pairs, left_out = _not_trained_by(corpus, held, tuned[1:])
        if len(pairs) < min(len(held), training.MIN_HELD_OUT_PAIRS):
            raise EmbedLabError(
                f"of the {len(held)} pairs fine-tuning run {tuned[0]} held out, {len(pairs)} hold no text "
                f"{', '.join(tuned[1:])} trained on: too few to rank (at least {training.MIN_HELD_OUT_PAIRS}); "
                "compare these fine-tunes one at a time"
            )
        return pairs, (
            f"the {len(pairs)} pairs fine-tuning run {tuned[0]} held out (never trained on){repeats}{left_out}"
        )
    try:
        found = training.make_pairs(corpus, training.FinetuneConfig())
    except EmbedLabError:
        count = training.neighbour_pair_count(corpus)
        too_few = (
            f"{corpus.name} has {count:,} pair{'s' * (count != 1)} of neighbouring sentences, too few to hold "
            f"{training.MIN_HELD_OUT_PAIRS} out and still train on the rest"
            + (" (its documents are one sentence long)" if count == 0 else "")
        )
        if not corpus.labels:
            reason = no_labels_reason(corpus)
            raise EmbedLabError(f"{too_few}, and no labels to pair its documents by: {reason}") from None
        try:
            found = training.make_pairs(corpus, training.FinetuneConfig(use_labels=True))
        except EmbedLabError:
            raise EmbedLabError(f"{too_few}, and too few labelled documents to pair by label instead") from None
        return found.held_out, (
            f"{len(found.held_out)} pairs of documents sharing a label, from the documents a fine-tune on "
            f"{corpus.name}'s labels holds out{_repeats(found.duplicates)} ({too_few})"
        )
    return found.held_out, (
        f"{len(found.held_out)} pairs of neighbouring sentences from the documents a default fine-tune on "
        f"{corpus.name} holds out{_repeats(found.duplicates)}"
    )


def _repeats(dropped: int) -> str:
    if not dropped:
        return ""
    return (
        f"; {dropped} more repeated another pair's positive text and {'was' if dropped == 1 else 'were'} dropped "
        "(a text ties with itself)"
    )


def _distinct(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str]:
    kept, dropped = training.distinct_pairs(pairs)
    return [pairs[i] for i in kept], _repeats(dropped)


def _not_trained_by(corpus, pairs: list[tuple[str, str]], others: Sequence[str]) -> tuple[list[tuple[str, str]], str]:
    """``pairs`` less those holding a text one of the ``others`` fine-tunes trained on, and a note saying so."""
    notes = []
    for run_id in others:
        record = training.trained_documents(run_id)
        if record is None:
            continue
        if record.documents is None:
            notes.append(
                f"{run_id} did not record the documents it trained on (fine-tuned before runs kept them): some of "
                "these pairs may be ones it trained on"
            )
            continue
        source = corpus if corpus is not None and record.corpus_id == corpus.id else load_corpus(record.corpus_id)
        seen = training.trained_texts(source, record.documents)
        kept = [pair for pair in pairs if pair[0] not in seen and pair[1] not in seen]
        if len(kept) < len(pairs):
            notes.append(f"{len(pairs) - len(kept)} left out because {run_id} trained on their text")
        pairs = kept
    return pairs, "".join(f"; {note}" for note in notes)
