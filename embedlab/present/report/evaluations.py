"""The report's evaluation tables: the word benchmarks, the corpus's labels as a task and held-out retrieval, one
row per space, each followed by A against B on the items both score (``evaluation.space_differences``). With the
verdict chosen they read its evaluation rather than scoring again."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import pandas as pd

from embedlab import evaluation, formatting
from embedlab.corpus.stored import no_labels_reason
from embedlab.errors import EmbedLabError
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import escape, heading, html_table
from embedlab.present.report.progress import BuildSteps
from embedlab.present.report.settings import Section
from embedlab.spaces.space import EmbeddingSpace

_Found = TypeVar("_Found")


def benchmarks_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """WordSim-353, SimLex-999 and the Google analogies of each space (``evaluation.intrinsic_section``)."""
    results: dict[str, tuple[Sequence[evaluation.SimilarityResult], evaluation.AnalogyResult]] = {}
    shared = inputs.shared_evaluation  # the same options for these: no user pairs
    for number, space in enumerate(inputs.specs):
        steps.within(Section.BENCHMARKS, number, len(inputs.specs))(0.0)
        if shared is not None:
            results[space.name] = (shared[space.name].similarities, shared[space.name].analogy)
        else:
            results[space.name] = evaluation.intrinsic_section(space, inputs.options)
    table = evaluation.benchmark_table(results)
    table = table.assign(space=table["space"].map({space.name: space.title for space in inputs.specs}))  # readable
    parts = {name: {"similarities": found[0], "analogy": found[1]} for name, found in results.items()}
    return (
        heading(Section.BENCHMARKS)
        + html_table(table[["space", "benchmark", "metric", "score", "used", "total", "oov_share"]])
        + _differences(inputs, parts)
    )


def task_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """The corpus's labels as a classification task (``evaluation.task_section``), one row per space."""
    corpus = inputs.corpus
    if not corpus.labels and corpus.label_guess:  # read without the column that looks like its label: say which
        return heading(Section.TASK) + f"<p class='muted'>No task to score: {escape(no_labels_reason(corpus))}.</p>"
    if not corpus.labels:
        return heading(Section.TASK) + "<p class='muted'>The corpus has no labels: there is no task to score.</p>"
    tuned = evaluation.label_fine_tunes([space.name for space in inputs.specs])  # their documents are left out
    if problem := evaluation.task_problem(corpus, fine_tunes=tuned):
        return heading(Section.TASK) + f"<p class='muted'>No task to score: {escape(problem)}.</p>"
    rows, notes, parts = [], [], {}
    shared = inputs.shared_evaluation if inputs.shares_folds else None

    def score(space: EmbeddingSpace, done: Callable[[float], None]) -> evaluation.TaskResult | None | EmbedLabError:
        try:
            return evaluation.task_section(space, corpus, inputs.options, done, tuned)
        except EmbedLabError as error:  # one space that cannot be scored (e.g. too few documents left) says why
            return error

    for space, found in _each_space(
        inputs,
        steps,
        Section.TASK,
        None if shared is None else lambda space: shared[space.name].task,
        lambda space: f"Task: {space.title} classifies {corpus.stats.documents:,} documents by label (5-fold)",
        score,
    ):
        if isinstance(found, EmbedLabError):
            notes.append(f"{space.title}: {found}")
        elif found is not None:
            parts[space.name] = {"task": found}
            if found.note:  # e.g. the documents a fine-tune trained on, left out for every space
                notes.append(f"{space.title}: {found.note}")
            rows.append(
                {
                    "space": space.title,
                    "features": found.features,
                    "accuracy": found.accuracy,
                    "±": found.accuracy_std,
                    "macro-F1": found.macro_f1,
                    "folds": found.folds,
                    "documents": found.documents,
                }
            )
    return (
        heading(Section.TASK)
        + "<p class='muted'>Logistic regression on each space's document vectors predicting the corpus's labels, "
        "stratified k-fold.</p>"
        + (html_table(pd.DataFrame(rows)) if rows else "")
        + _differences(inputs, parts)
        + "".join(f"<p class='muted'>{escape(note)}</p>" for note in notes)
    )


def retrieval_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """Held-out sentence pairs ranked by cosine (``evaluation.retrieval_section``), one row per space."""
    held_out = evaluation.held_out_section(inputs.corpus, [space.name for space in inputs.specs])
    if not held_out.pairs:
        return heading(Section.RETRIEVAL) + f"<p class='muted'>Held-out pairs: {escape(held_out.note)}</p>"
    rows, parts = [], {}
    shared = inputs.shared_evaluation
    if shared is not None and shared.held_out != held_out:  # another fine-tune's held-out pairs came first
        shared = None
    for space, found in _each_space(
        inputs,
        steps,
        Section.RETRIEVAL,
        None if shared is None else lambda space: shared[space.name].retrieval,
        lambda space: f"Held-out retrieval: {space.title} ranks {len(held_out.pairs):,} sentence pairs",
        lambda space, done: evaluation.retrieval_section(space, held_out, done),
    ):
        if found is not None:
            parts[space.name] = {"retrieval": found}
            rows.append(
                {
                    "space": space.title,
                    "benchmark": f"held-out retrieval ({found.features})",
                    f"MRR@{found.k}": found.mrr,
                    f"recall@{found.k}": found.recall,
                    "pairs": found.pairs,
                    "unanswerable": found.unanswerable,
                }
            )
    return (
        heading(Section.RETRIEVAL)
        + f"<p>Held-out pairs: {escape(held_out.note)}</p>"
        + html_table(pd.DataFrame(rows))
        + _differences(inputs, parts)
    )


def _each_space(
    inputs: SectionInputs,
    steps: BuildSteps,
    section: Section,
    reused: Callable[[EmbeddingSpace], _Found] | None,
    start: Callable[[EmbeddingSpace], str],
    score: Callable[[EmbeddingSpace, Callable[[float], None]], _Found],
) -> Iterator[tuple[EmbeddingSpace, _Found]]:
    """Each space (A, then B unless it is A) with what ``section`` found for it: ``reused(space)`` when the section
    reads the verdict's evaluation, else ``score(space, done)``, after a step that starts the space's part of the
    section with ``start(space)``; ``done`` reports progress within that part."""
    for number, space in enumerate(inputs.specs):
        if reused is not None:
            yield space, reused(space)
        else:
            steps.start_part(section, number, len(inputs.specs), start(space))
            yield space, score(space, steps.within(section, number, len(inputs.specs)))


def _differences(inputs: SectionInputs, parts: Mapping[str, Mapping[str, Any]]) -> str:
    """A against B on what a section measured, on the items both score (``evaluation.space_differences``): the
    difference with its 95% interval, the paired test's p and the verdict; empty with one space or nothing paired."""
    if len(inputs.specs) < 2 or inputs.a.name not in parts or inputs.b.name not in parts:
        return ""
    rows = evaluation.space_differences(
        "A", "B", inputs.seeded(inputs.a.name, parts[inputs.a.name]), inputs.seeded(inputs.b.name, parts[inputs.b.name])
    )
    if not rows:
        return ""
    table = pd.DataFrame(
        {
            "measure": [f"{row['benchmark']} {row['metric']}" for row in rows],
            "A": [row["a_score"] for row in rows],
            "B": [row["b_score"] for row in rows],
            "A − B": [row["difference"] for row in rows],
            "95% interval": [formatting.interval(row["ci_low"], row["ci_high"]) for row in rows],
            "p": [row["p_value"] for row in rows],
            "p (Holm)": [row["p_adjusted"] for row in rows],
            "items": [row["items"] for row in rows],
            "test": [row["test"] for row in rows],
            "variance covered": [row["variance"] for row in rows],
            "verdict": [row["verdict"] for row in rows],
        }
    )
    return (
        f"<p>A ({escape(inputs.a.title)}) against B ({escape(inputs.b.title)}) on the items both score: the difference "
        "with its 95% interval, a paired test, its p adjusted by Holm's method over the table's tests, which "
        "variance the test covers (seeds and test items for a run trained with several seeds; test items only for "
        "one trained with one seed, a claim about these files), and whether it is significant at 95%.</p>"
        + html_table(table)
    )
