"""The whole report: the page frame (title, corpus, language notes), then each chosen section built by its own
module, in the report's order, with a :class:`ReportStep` as each starts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from embedlab.corpus.language import corpus_languages
from embedlab.present.report import bias, coverage, evaluations, maps, neighbours, spaces, verdict
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import STYLE, escape
from embedlab.present.report.progress import BuildSteps, ReportProgress
from embedlab.present.report.settings import SECTION_WORK, ReportSettings, Section
from embedlab.spaces.labels import mismatch_notes
from embedlab.spaces.language import baseline_language_note
from embedlab.spaces.space import EmbeddingSpace
from embedlab.spaces.spec import BASELINE

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


# Each section's builder, by the section it writes; they read what they need from the inputs.
_BUILDERS: dict[Section, Callable[[SectionInputs, BuildSteps], str]] = {
    Section.VERDICT: verdict.verdict_section,
    Section.SPACES: spaces.spaces_section,
    Section.SUMMARY: neighbours.summary_section,
    Section.NEIGHBOURS: neighbours.neighbours_section,
    Section.CHANGED: neighbours.changed_section,
    Section.COVERAGE: coverage.coverage_section,
    Section.MAPS: maps.maps_section,
    Section.BENCHMARKS: evaluations.benchmarks_section,
    Section.TASK: evaluations.task_section,
    Section.RETRIEVAL: evaluations.retrieval_section,
    Section.WEAT: bias.weat_section,
}


def _start_message(section: Section, inputs: SectionInputs) -> str:
    """What the step that starts ``section`` says."""
    settings, corpus = inputs.settings, inputs.corpus
    if section is Section.SUMMARY:
        return f"Summary: scoring up to {settings.max_scored_words:,} shared words (Jaccard@{settings.k})"
    if section is Section.NEIGHBOURS:
        return f"Neighbours of {len(settings.words):,} word{'s' * (len(settings.words) != 1)}"
    if section is Section.COVERAGE:
        return f"Coverage of {corpus.stats.tokens:,} tokens"
    if section is Section.MAPS:
        return f"Maps: AlignedUMAP of up to {settings.map_words:,} words of both spaces"
    if section in SECTION_WORK:
        return f"{section.heading}: {SECTION_WORK[section]}"
    return section.heading


def build_report(
    a: EmbeddingSpace,
    b: EmbeddingSpace,
    corpus: Corpus,
    settings: ReportSettings = ReportSettings(),
    progress: ReportProgress | None = None,
) -> str:
    """The comparison of A and B on a corpus, the chosen sections only, as one HTML document that needs no network
    to open; its figures use :func:`report_template`, whatever plotly's default template is.

    Args:
        a, b: the spaces (loaded with ``corpus``'s counts).
        corpus: for coverage, the bands, the task and the held-out pairs.
        settings: k, the words, the map, the seed and the sections.
        progress: called with a :class:`ReportStep` as each section starts (in the report's order), as the
            encodings of the task and retrieval go, and once at the end with ``section="done"``, fraction 1.0.

    Returns:
        The HTML text (a few MB: plotly's JavaScript is inline). Each chosen section has its heading
        (``<h2>`` :attr:`Section.heading`); an evaluation that cannot run on this corpus (no labels, too few
        sentence pairs) says why in its section.
    """
    # lazy: plotly's 4 MB JavaScript bundle is read only to write a report
    from plotly.offline import get_plotlyjs

    inputs = SectionInputs(a, b, corpus, settings)
    steps = BuildSteps.for_report(inputs, progress)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>EmbedLab report: {escape(a.title)} vs {escape(b.title)}</title><style>{STYLE}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>",
        f"<h1>{escape(a.title)} vs {escape(b.title)}</h1>",
        f"<p class='muted'>EmbedLab report, {created}. Corpus <b>{escape(corpus.name)}</b> (id {escape(corpus.id)}, "
        f"the hash of its bytes and options): {corpus.stats.documents:,} documents, {corpus.stats.tokens:,} tokens, "
        f"{corpus.stats.types:,} distinct words. Sections: "
        f"{escape(', '.join(s.heading for s in settings.sections))}.</p>",
        *(f"<p class='warn'>{escape(note)}</p>" for note in mismatch_notes([a.name, b.name], corpus.id)),
        f"<p class='muted'>Language of the corpus: {escape(corpus_languages(corpus).describe())}.</p>",
        *(f"<p class='warn'>{escape(note)}</p>" for note in [baseline_language_note(corpus, [a.name, b.name])] if note),
    ]
    for section in settings.sections:
        steps.start(section, _start_message(section, inputs))
        parts.append(_BUILDERS[section](inputs, steps))
    parts += [
        f"<p class='muted'>The space {escape(BASELINE)} is all-MiniLM-L6-v2 encoding each word alone.</p>",
        "</body></html>",
    ]
    steps.done()
    return "".join(parts)
