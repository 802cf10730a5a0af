"""The verdict: whether custom embeddings beat the pretrained ones on a corpus, for which use, and which of the
reasons to customise this corpus bears out (:func:`build_verdict`), from the evidence the Evaluate and Compare pages
already compute; and domain language (:func:`domain_language`), the one measure of its own.

Example::

    from embedlab import corpus, verdict

    notes = corpus.load_corpus(corpus_id)
    found = verdict.build_verdict(notes, [run_id])          # the baseline is "baseline"
    for headline in found.headlines:
        print(headline.sentence)
    print(found.headline(verdict.Use.RETRIEVAL).winner)    # typed keys, never a label or a position
    print(found.reasons[verdict.ReasonKey.DOMAIN_LANGUAGE].finding)
"""

from embedlab.verdict.build import MIN_TOKENS, build_verdict, candidate_kind, evaluation_options
from embedlab.verdict.domain import MIN_COUNT, DomainLanguage, UsageShift, domain_language
from embedlab.verdict.model import REASON_TITLES, REASONS, USES, Headline, Reason, ReasonKey, Use, Verdict

__all__ = [
    "MIN_COUNT",
    "MIN_TOKENS",
    "REASONS",
    "REASON_TITLES",
    "USES",
    "DomainLanguage",
    "Headline",
    "Reason",
    "ReasonKey",
    "Use",
    "UsageShift",
    "Verdict",
    "build_verdict",
    "candidate_kind",
    "domain_language",
    "evaluation_options",
]
