"""One readable label per space, used by every picker, table heading, map title, report and the CLI's human output:
what it is (method and dimension, or base model), the corpus it learned from, and a short id.

``run-20261130-101500-a408e2`` reads as ``Word2Vec · dim 100 · scipy_docs.csv · a408e2``; the baseline as
``MiniLM baseline``; an uploaded file by the name it was uploaded under. Runs made the same way (method, dimensions,
corpus) add the settings in which they differ: ``Word2Vec · dim 100 · skip-gram · 10 epochs · scipy_docs.csv ·
a408e2`` (``RunRecord.differences``). ``@context`` and ``@debiased`` copies add
``, read in context`` and ``, debiased``. Judged on a corpus other than its own, a run reads
``Word2Vec · dim 100 · trained on scipy_docs.csv, judged on kernel.txt · a408e2`` wherever it is named.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab import store
from embedlab.records import RunRecord
from embedlab.spaces.provenance import corpus_mismatches
from embedlab.spaces.spec import SpaceKind, SpaceSpec
from embedlab.spaces.uploads import UploadedVectors, list_uploaded_vectors

__all__ = ["BASELINE_LABEL", "mismatch_notes", "space_label", "space_labels"]

BASELINE_LABEL = "MiniLM baseline"


def space_labels(specs: Sequence[str], judged_on: str | None = None) -> dict[str, str]:
    """Each spec's label (one registry read for all of them); a spec naming nothing known is shown as written.

    Args:
        specs: space specs.
        judged_on: the corpus the spaces are judged on, when there is one: a run trained on another corpus then
            says so in its label (``trained on X, judged on Y``, see :mod:`embedlab.spaces.provenance`).

    Returns:
        spec -> label, in the order given.
    """
    runs = {run.id: run for run in store.list_runs()}
    records = {record.id: record for record in store.list_corpora()}
    corpora = {record_id: record.name for record_id, record in records.items()}
    uploads = {item.spec: item for item in list_uploaded_vectors()}
    elsewhere = corpus_mismatches(specs, judged_on, runs=runs, corpora=records)
    return {
        spec: _label(spec, runs, corpora, uploads, elsewhere[spec].note if spec in elsewhere else None)
        for spec in specs
    }


def space_label(spec: str, judged_on: str | None = None) -> str:
    """One spec's label (see :func:`space_labels`)."""
    return space_labels([spec], judged_on)[spec]


def _label(
    spec: str,
    runs: dict[str, RunRecord],
    corpora: dict[str, str],
    uploads: dict[str, UploadedVectors],
    elsewhere: str | None = None,
) -> str:
    try:
        parsed = SpaceSpec.parse(spec)
    except ValueError:
        return spec
    plain = str(SpaceSpec(parsed.kind, parsed.source))
    if parsed.kind is SpaceKind.BASELINE:
        label = BASELINE_LABEL
    elif parsed.kind is SpaceKind.VECTORS:
        item = uploads.get(plain)
        label = f"{item.name} (vectors file · {item.words:,} words)" if item else f"vectors file {parsed.source}"
    elif (run := runs.get(parsed.source)) is not None:
        made = "fine-tuned MiniLM" if run.is_finetuned else f"{run.method.display_name} · dim {run.dim}"
        made = " · ".join([made, *run.differences(list(runs.values()))])  # never two runs with one label
        label = f"{made} · {elsewhere or corpora.get(run.corpus_id, 'deleted corpus')} · {run.id[-6:]}"
    else:
        return spec
    seed = "" if parsed.seed is None else f", seed {parsed.seed}"
    return label + seed + (", read in context" if parsed.context else "") + (", debiased" if parsed.debiased else "")


def mismatch_notes(specs: Sequence[str], corpus_id: str | None) -> list[str]:
    """One sentence per space judged off its own corpus, for a page's warning, the CLI's stderr and the report:
    ``Word2Vec · dim 100 · debian.csv · a408e2: trained on debian.csv, judged on kernel.txt. What it learned …``
    (each space named by its plain label, :func:`space_labels`)."""
    found = corpus_mismatches(specs, corpus_id)
    labels = space_labels(list(found))
    return [
        f"{labels[spec]}: {mismatch.note}. What it learned is set against words it may never have seen; pick the "
        "corpus it was trained on to judge it on its own text."
        for spec, mismatch in found.items()
    ]
