"""Which corpus a space learned from, and whether it is judged on another one.

A Word2Vec/FastText run or a fine-tune was trained on one stored corpus (its registry record says which); the
baseline and vectors files were trained elsewhere and are fine on any corpus. Every page, the CLI and the report
open on a run with its own corpus (:func:`runs_trained_on`, :func:`newest_trained_corpus`); a run the user judges on
another corpus still works, but is then named with "trained on X, judged on Y" wherever it appears
(:func:`corpus_mismatches`, and the labels and notes of :mod:`embedlab.spaces.labels`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from embedlab import store
from embedlab.records import CorpusRecord, RunRecord
from embedlab.spaces.spec import SpaceKind, SpaceSpec

__all__ = [
    "CorpusMismatch",
    "corpus_mismatches",
    "newest_trained_corpus",
    "runs_trained_on",
    "trained_corpus",
]


@dataclass(frozen=True)
class CorpusMismatch:
    """A run judged on a corpus it was not trained on.

    Attributes:
        space: the spec (a run, or a copy of one: ``@context``, ``@debiased``).
        trained_on, trained_on_name: the corpus it was trained on (id, file name; ``deleted corpus`` when gone).
        judged_on, judged_on_name: the corpus it is judged on.
    """

    space: str
    trained_on: str
    trained_on_name: str
    judged_on: str
    judged_on_name: str

    @property
    def note(self) -> str:
        """``trained on debian.csv, judged on kernel.txt`` (the ids added when the two names are the same)."""
        trained, judged = self.trained_on_name, self.judged_on_name
        if trained == judged:  # the same file name read another way, or another version of it
            trained, judged = f"{trained} ({self.trained_on})", f"{judged} ({self.judged_on})"
        return f"trained on {trained}, judged on {judged}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: space, trained_on and judged_on (each ``{"id", "name"}``) and the note."""
        return {
            "space": self.space,
            "trained_on": {"id": self.trained_on, "name": self.trained_on_name},
            "judged_on": {"id": self.judged_on, "name": self.judged_on_name},
            "note": self.note,
        }


def trained_corpus(spec: str, runs: Mapping[str, RunRecord] | None = None) -> str | None:
    """The id of the corpus ``spec`` was trained on: a run's (also read in context or debiased), else None (the
    baseline, a vectors file, an unknown run, a spec that does not parse).

    Args:
        runs: run id -> record, when the caller has read them already (default: one registry read).
    """
    try:
        parsed = SpaceSpec.parse(spec)
    except ValueError:
        return None
    if parsed.kind is not SpaceKind.RUN:
        return None
    run = store.get_run(parsed.source) if runs is None else runs.get(parsed.source)
    return run.corpus_id if run is not None else None


def corpus_mismatches(
    specs: Sequence[str],
    corpus_id: str | None,
    *,
    runs: Mapping[str, RunRecord] | None = None,
    corpora: Mapping[str, CorpusRecord] | None = None,
) -> dict[str, CorpusMismatch]:
    """The specs among ``specs`` that are judged on a corpus other than the one they were trained on.

    Args:
        specs: space specs, in any order.
        corpus_id: the corpus they are judged on; None (no corpus) judges nothing, so nothing is a mismatch.
        runs, corpora: the registry's records by id, when the caller has read them (default: read here).

    Returns:
        spec -> :class:`CorpusMismatch`, in the order of ``specs``; empty when every space is on its own corpus.
    """
    if corpus_id is None:
        return {}
    runs = runs if runs is not None else {run.id: run for run in store.list_runs()}
    corpora = corpora if corpora is not None else {record.id: record for record in store.list_corpora()}
    found = {}
    for spec in dict.fromkeys(specs):
        trained = trained_corpus(spec, runs)
        if trained is None or trained == corpus_id:
            continue
        found[spec] = CorpusMismatch(spec, trained, _name(corpora, trained), corpus_id, _name(corpora, corpus_id))
    return found


def runs_trained_on(corpus_id: str | None, choices: Sequence[str], limit: int | None = None) -> list[str]:
    """The plain runs among ``choices`` trained on ``corpus_id``: Word2Vec/FastText first (cheapest to open: no
    model to load), then fine-tunes, each newest first; at most ``limit``. What Verdict, Evaluate and Compare open
    with, so a page never defaults to a run of another corpus."""
    offered = set(choices)
    here = [run for run in store.list_runs() if run.corpus_id == corpus_id and run.id in offered]
    ordered = [run.id for run in sorted(here, key=lambda run: run.is_finetuned)]  # stable: newest first in each
    return ordered[:limit] if limit is not None else ordered


def newest_trained_corpus(corpus_ids: Sequence[str]) -> str | None:
    """The corpus of the newest run whose corpus is among ``corpus_ids``; None when no run was trained on any."""
    offered = set(corpus_ids)
    return next((run.corpus_id for run in store.list_runs() if run.corpus_id in offered), None)


def _name(corpora: Mapping[str, CorpusRecord], corpus_id: str) -> str:
    record = corpora.get(corpus_id)
    return record.name if record is not None else "a deleted corpus"
