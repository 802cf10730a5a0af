"""Held-out retrieval: sentence pairs no chosen model trained on, each anchor ranking every positive by cosine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from embedlab import training
from embedlab.corpus.stored import no_labels_reason
from embedlab.errors import EmbedLabError
from embedlab.evaluation.tasks import features_kind, text_vectors
from embedlab.metrics import RETRIEVAL_K, rank_metrics
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


def retrieval(
    space: EmbeddingSpace,
    pairs: Sequence[tuple[str, str]],
    pairs_source: str,
    k: int = RETRIEVAL_K,
    progress: Callable[[float], None] | None = None,
) -> RetrievalResult:
    """Held-out retrieval for any space, so static and sentence-transformer spaces sit in one table."""
    if not pairs:
        raise EmbedLabError("no held-out pairs to retrieve")
    vectors = normalise_rows(text_vectors(space, pair_texts(pairs), progress))
    anchors, positives = vectors[0::2], vectors[1::2]
    scores = rank_metrics(anchors, positives, k)
    unanswerable = int((~anchors.any(axis=1) | ~positives.any(axis=1)).sum())
    reciprocal, hits = query_scores(anchors, positives, k)
    return RetrievalResult(
        space.name,
        len(pairs),
        scores[f"mrr@{k}"],
        scores[f"recall@{k}"],
        k,
        unanswerable,
        features_kind(space),
        pairs_source,
        reciprocal,
        hits,
    )


def query_scores(anchors: np.ndarray, positives: np.ndarray, k: int = RETRIEVAL_K) -> tuple[np.ndarray, np.ndarray]:
    """Per query, what :func:`embedlab.metrics.rank_metrics` averages: the reciprocal rank of the anchor's own
    positive (0 beyond rank k or for a zero row) and whether it is in the top k.

    Args:
        anchors, positives: unit rows of shape (pairs, dim).

    Returns:
        (float64 array of shape (pairs,), bool array of shape (pairs,)).
    """
    sims = anchors @ positives.T
    ranks = (sims > np.diag(sims)[:, None]).sum(axis=1) + 1
    hits = (ranks <= k) & anchors.any(axis=1) & positives.any(axis=1)
    return np.where(hits, 1.0 / ranks, 0.0), hits


def pair_texts(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """The texts of pairs in the order ``retrieval`` encodes them: anchor, positive, anchor, positive, ..."""
    return [text for pair in pairs for text in pair]


def held_out_run(specs: Sequence[str]) -> str:
    """The first fine-tuned run among ``specs`` (its held-out pairs are the ones retrieval uses), or ""."""
    return next((spec for spec in specs if training.has_held_out_pairs(spec)), "")


def held_out_pairs(corpus, run_ids: Sequence[str] = ()) -> tuple[list[tuple[str, str]], str]:
    """Pairs no chosen model trained on: those the first fine-tuned run among ``run_ids`` held out, else the
    neighbouring-sentence pairs a default fine-tune on ``corpus`` would hold out, else (one-line documents: tickets,
    package descriptions) the pairs of documents sharing a label that a fine-tune on its labels would hold out.

    Returns:
        The pairs and a sentence saying where they come from.

    Raises:
        ValueError: too few sentence pairs and no labels to pair documents by (or too few labelled documents); the
            message says which, plainly.
    """
    for run_id in run_ids:
        pairs = training.held_out_pairs(run_id)
        if pairs:
            return pairs, f"the {len(pairs)} pairs fine-tuning run {run_id} held out (never trained on)"
    try:
        pairs = training.make_pairs(corpus, training.FinetuneConfig()).held_out
    except EmbedLabError:
        found = training.neighbour_pair_count(corpus)
        too_few = (
            f"{corpus.name} has {found:,} pair{'s' * (found != 1)} of neighbouring sentences, too few to hold "
            f"{training.MIN_HELD_OUT_PAIRS} out and still train on the rest"
            + (" (its documents are one sentence long)" if found == 0 else "")
        )
        if not corpus.labels:
            reason = no_labels_reason(corpus)
            raise EmbedLabError(f"{too_few}, and no labels to pair its documents by: {reason}") from None
        try:
            pairs = training.make_pairs(corpus, training.FinetuneConfig(use_labels=True)).held_out
        except EmbedLabError:
            raise EmbedLabError(f"{too_few}, and too few labelled documents to pair by label instead") from None
        return pairs, (
            f"{len(pairs)} pairs of documents sharing a label, from the documents a fine-tune on {corpus.name}'s "
            f"labels holds out ({too_few})"
        )
    return pairs, (
        f"{len(pairs)} pairs of neighbouring sentences from the documents a default fine-tune on "
        f"{corpus.name} holds out"
    )
