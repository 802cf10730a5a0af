"""A self-contained HTML report of one comparison: opens offline, plotly's JavaScript inline.

The caller chooses its sections (:class:`Section`): the comparison sections (spaces and parameters, summary,
neighbour lists, what changed, coverage, maps) take seconds; the evaluation sections (the verdict, benchmarks, the
labels as a task, held-out retrieval, WEAT) run the Evaluate page's flow and can take minutes, so they are opt-in.
The verdict (:mod:`embedlab.verdict`: which space to use for what, and why), when chosen, is the first section; the
benchmarks, task and held-out retrieval then read its evaluation instead of scoring again.
:func:`estimate_seconds` says what each costs before it runs, and :func:`build_report` reports each step
(:class:`ReportStep`) as it goes, for a progress bar or the command line.

Example::

    from embedlab.present import report

    settings = report.ReportSettings(words=("matrix",), sections=report.choose_sections(["comparison", "task"]))
    html = report.build_report(a, b, corpus, settings, progress=lambda step: print(step.fraction, step.message))
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from embedlab import analysis, evaluation, store, verdict
from embedlab.analysis import maps
from embedlab.corpus.language import corpus_languages
from embedlab.corpus.stored import no_labels_reason
from embedlab.errors import EmbedLabError
from embedlab.present import figures
from embedlab.spaces.labels import mismatch_notes
from embedlab.spaces.language import baseline_language_note
from embedlab.spaces.space import EmbeddingSpace
from embedlab.spaces.spec import BASELINE
from embedlab.training import MAX_HELD_OUT_PAIRS
from embedlab.training.health import space_health
from embedlab.verdict import build as verdict_build

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


_TABLE_ROWS = 25


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pair { display: flex; gap: 2rem; flex-wrap: wrap; } .pair > div { flex: 1; min-width: 300px; }
.numbers { display: flex; gap: 2.5rem; flex-wrap: wrap; } .numbers div { font-size: 0.85rem; color: #555; }
.numbers b { display: block; font-size: 1.6rem; color: #222; } .muted { color: #666; font-size: 0.85rem; }
.warn { background: #fff4e5; border-left: 4px solid #ff8700; padding: 0.4rem 0.8rem; }
"""


class Section(str, Enum):
    """A section of the report; the report shows the chosen ones in this order."""

    VERDICT = "verdict"
    SPACES = "spaces"
    SUMMARY = "summary"
    NEIGHBOURS = "neighbours"
    CHANGED = "changed"
    COVERAGE = "coverage"
    MAPS = "maps"
    BENCHMARKS = "benchmarks"
    TASK = "task"
    RETRIEVAL = "retrieval"
    WEAT = "weat"

    @property
    def heading(self) -> str:
        """The section's heading in the report (``<h2>``) and its name in the app."""
        return SECTION_TITLES[self]


SECTION_TITLES = {
    Section.VERDICT: "Verdict",
    Section.SPACES: "Spaces and parameters",
    Section.SUMMARY: "Summary",
    Section.NEIGHBOURS: "Neighbours",
    Section.CHANGED: "What changed",
    Section.COVERAGE: "Coverage",
    Section.MAPS: "Maps",
    Section.BENCHMARKS: "Benchmarks",
    Section.TASK: "Task",
    Section.RETRIEVAL: "Held-out retrieval",
    Section.WEAT: "Bias (WEAT)",
}


COMPARISON_SECTIONS = (
    Section.SPACES,
    Section.SUMMARY,
    Section.NEIGHBOURS,
    Section.CHANGED,
    Section.COVERAGE,
    Section.MAPS,
)


# The verdict runs the whole evaluation flow (with the dimension sweep): minutes from nothing, so it leads the
# evaluation group rather than the comparison sections; chosen, it is still the report's first section.
EVALUATION_SECTIONS = (Section.VERDICT, Section.BENCHMARKS, Section.TASK, Section.RETRIEVAL, Section.WEAT)


# What an evaluation section runs, for people choosing it (the app adds the estimated seconds).
SECTION_WORK = {
    Section.VERDICT: "says which space to use and why; runs the evaluation with the dimension sweep, which the "
    "benchmarks, task and held-out retrieval then reuse",
    Section.BENCHMARKS: "runs WordSim-353, SimLex-999 and the Google analogies",
    Section.TASK: "classifies the documents by label, 5-fold",
    Section.RETRIEVAL: "encodes and ranks the held-out sentence pairs",
    Section.WEAT: "runs the shipped WEAT bias tests",
}


_GROUPS = {"comparison": COMPARISON_SECTIONS, "evaluation": EVALUATION_SECTIONS, "all": tuple(Section)}


def choose_sections(names: Iterable[str]) -> tuple[Section, ...]:
    """Sections by name (``summary``, ``maps``, ...) or group (``comparison``, ``evaluation``, ``all``), in the
    report's order, each once.

    Args:
        names: e.g. ``["comparison", "task"]`` or ``"summary,neighbours".split(",")``; blanks are ignored and case
            does not matter.

    Raises:
        EmbedLabError: a name that is neither a section nor a group (the message lists both), or no name at all.
    """
    chosen: set[Section] = set()
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        if name in _GROUPS:
            chosen.update(_GROUPS[name])
            continue
        try:
            chosen.add(Section(name))
        except ValueError:
            known = ", ".join([*(s.value for s in Section), *_GROUPS])
            raise EmbedLabError(f"unknown report section {raw.strip()!r}: choose from {known}") from None
    if not chosen:
        raise EmbedLabError("no report section chosen: choose at least one (or 'comparison' for the usual ones)")
    return tuple(s for s in Section if s in chosen)


@dataclass(frozen=True)
class ReportSettings:
    """What the HTML report shows.

    Attributes:
        k: neighbours per list (and of Jaccard@k).
        words: the words whose neighbour lists go in; the first is the query word on the maps.
        map_words: how many words the maps show (a frequency-stratified sample).
        seed: of the map sample, the evaluation's folds and the WEAT permutations.
        max_scored_words: how many shared words are scored for what changed.
        sections: the sections shown, as :class:`Section` values or their names (see :func:`choose_sections`);
            default: the comparison sections only.

    Raises:
        EmbedLabError: an unknown section name, or none.
    """

    k: int = 10
    words: tuple[str, ...] = ()
    map_words: int = 2000
    seed: int = 42
    max_scored_words: int = analysis.DEFAULT_MAX_WORDS
    sections: tuple[Section, ...] = COMPARISON_SECTIONS

    def __post_init__(self) -> None:
        given = [self.sections] if isinstance(self.sections, str) else list(self.sections)
        object.__setattr__(self, "sections", choose_sections(str(getattr(s, "value", s)) for s in given))


@dataclass(frozen=True)
class ReportStep:
    """Where a report build is, for a progress bar (the app) or a line on stderr (the CLI); the report's
    counterpart of :class:`embedlab.evaluation.EvaluationStep`.

    Attributes:
        section: the :class:`Section` value being built, or ``"done"`` on the last step.
        fraction: how much of the whole report is done, 0 to 1, each section weighted by its estimated seconds
            (:func:`estimate_seconds`); 1.0 only on the ``done`` step.
        message: what the step does, for people (e.g. "Maps: AlignedUMAP of 2,000 words"), on the step that starts
            it; empty on the steps that only report progress within it (encodings).
        eta_seconds: estimated seconds left: the estimates at first, then the time so far extrapolated.
    """

    section: str
    fraction: float
    message: str = ""
    eta_seconds: float | None = None


ReportProgress = Callable[[ReportStep], None]


# Costs on the 2-core CPU the benchmarks are set for (bench/report_build.py measures them on the sample corpus);
# only for estimates and progress weights, never for results.
_SECONDS_BASE = 0.05  # any section: tables, figures to JSON
_SECONDS_PER_SCORED_WORD = 2e-4  # Jaccard@k and rank overlap of one word (analysis.compare_spaces)
_SECONDS_PER_COVERAGE_TOKEN = 1.5e-6  # per space
_UMAP_COMPILE_SECONDS = 45.0  # the first map of a process that has not warmed UMAP up (maps.warm_up)
_SECONDS_PER_ENCODED_TEXT = 0.01  # all-MiniLM-L6-v2 encoding running text: per text (batching, padding) ...
_SECONDS_PER_ENCODED_WORD = 3e-4  # ... and per word of it
_SECONDS_PER_TASK_DOCUMENT = 3e-3  # 5-fold logistic regression on document vectors
_SECONDS_BENCHMARKS = (0.3, 12.0)  # per space: without, with a model (it encodes the benchmark words it lacks)
_SECONDS_WEAT = (0.05, 3.0)  # per space, every shipped test: without, with a model (it encodes the test words)
_SECONDS_PER_SWEPT_SIZE = 0.3  # the dimension sweep: PCA and the word benchmarks at one size, per space ...
_SECONDS_PER_SWEPT_DOCUMENT = 1e-3  # ... and the task at that size, per document
_SECONDS_DOMAIN = 0.5  # the verdict's domain language: the baseline's ranking of each checked word's neighbours


def estimate_seconds(
    a: EmbeddingSpace, b: EmbeddingSpace, corpus: Corpus, settings: ReportSettings | None = None
) -> dict[Section, float]:
    """Roughly how long each section would take on 2 CPU cores, for every section (chosen or not): what the app
    shows next to the evaluation sections, and the weights of :class:`ReportStep`'s fraction.

    Encoding with a sentence-transformer dominates the task and retrieval (less when the Evaluate page already
    encoded the same texts: they are cached on disk); a GPU is much faster.

    Returns:
        Section -> seconds (> 0).
    """
    settings = settings or ReportSettings()
    specs = _distinct(a, b)
    shared = min(len(a), len(b))  # at most; counting the shared words is not worth it for an estimate
    words = corpus.stats.tokens
    per_text = words / max(corpus.stats.sentences, 1)
    pairs = min(MAX_HELD_OUT_PAIRS, max(corpus.stats.sentences - corpus.stats.documents, 0) // 10)
    encoders = sum(space.encoder is not None for space in specs)

    def encoding(texts: int, text_words: float) -> float:
        return encoders * (texts * _SECONDS_PER_ENCODED_TEXT + text_words * _SECONDS_PER_ENCODED_WORD)

    costs = {
        Section.SPACES: 0.0,
        Section.SUMMARY: min(shared, settings.max_scored_words) * _SECONDS_PER_SCORED_WORD,
        Section.NEIGHBOURS: 0.02 * len(settings.words),
        Section.CHANGED: 0.1,
        Section.COVERAGE: len(specs) * words * _SECONDS_PER_COVERAGE_TOKEN,
        Section.MAPS: maps.estimated_seconds(min(shared, settings.map_words))
        + (0.0 if maps.warmed_up.is_set() else _UMAP_COMPILE_SECONDS),
        Section.BENCHMARKS: sum(_SECONDS_BENCHMARKS[space.encoder is not None] for space in specs),
        Section.TASK: (
            len(specs) * corpus.stats.documents * _SECONDS_PER_TASK_DOCUMENT + encoding(corpus.stats.documents, words)
            if corpus.labels
            else 0.0
        ),
        Section.RETRIEVAL: encoding(2 * pairs, 2 * pairs * per_text),
        Section.WEAT: sum(_SECONDS_WEAT[space.encoder is not None] for space in specs),
    }
    swept = _SECONDS_PER_SWEPT_SIZE + (corpus.stats.documents * _SECONDS_PER_SWEPT_DOCUMENT if corpus.labels else 0)
    costs[Section.VERDICT] = (
        0.0
        if len(specs) < 2
        else costs[Section.BENCHMARKS]
        + costs[Section.TASK]
        + costs[Section.RETRIEVAL]
        + costs[Section.WEAT] / len(evaluation.WEAT_SETS)  # the one test most of the spaces can run
        + sum(len(evaluation.sweep_dims(space)) for space in specs) * swept
        + costs[Section.SUMMARY]
        + costs[Section.COVERAGE]
        + _SECONDS_DOMAIN
    )
    return {section: _SECONDS_BASE + seconds for section, seconds in costs.items()}


class _Steps:
    """The :class:`ReportStep` s of one build: fractions weighted by the estimates, an ETA that learns the pace."""

    def __init__(
        self, sections: Sequence[Section], estimates: dict[Section, float], progress: ReportProgress | None
    ) -> None:
        total = sum(estimates[s] for s in sections)
        self.share = {s: estimates[s] / total for s in sections}
        self.start_at: dict[Section, float] = {}
        done = 0.0
        for section in sections:
            self.start_at[section] = done
            done += self.share[section]
        self.total, self.progress, self.started = total, progress, time.perf_counter()

    def _send(self, section: str, fraction: float, message: str) -> None:
        if self.progress is None:
            return
        if section != "done":  # sums of shares can round up to 1.0: it means the end
            fraction = min(fraction, 0.999)
        elapsed = time.perf_counter() - self.started
        # The estimates until a tenth is done (or 2 s passed), then the pace so far: it corrects a GPU, a warm cache.
        if fraction >= 0.1 or (fraction > 0 and elapsed >= 2):
            eta = elapsed / fraction * (1 - fraction)
        else:
            eta = self.total * (1 - fraction)
        self.progress(ReportStep(section, fraction, message, max(eta, 0.0)))

    def start(self, section: Section, message: str) -> None:
        self._send(section.value, self.start_at[section], message)

    def start_part(self, section: Section, part: int, parts: int, message: str) -> None:
        """The step that starts part ``part`` of ``parts`` of the section (e.g. its second space), with a message."""
        self._send(section.value, self.start_at[section] + self.share[section] * part / parts, message)

    def at(self, section: Section, done: float, message: str = "") -> None:
        """A step ``done`` (0..1) of the way through the section, with a message when a new part starts."""
        self._send(section.value, self.start_at[section] + self.share[section] * min(max(done, 0.0), 1.0), message)

    def within(self, section: Section, part: float = 0.0, parts: int = 1) -> Callable[[float], None]:
        """A fraction-done callback for part ``part`` of ``parts`` of the section (e.g. one space of two)."""

        def report(done: float) -> None:
            inside = (part + min(max(float(done), 0.0), 1.0)) / parts
            self._send(section.value, self.start_at[section] + self.share[section] * inside, "")

        return report

    def done(self) -> None:
        self._send("done", 1.0, "Report written")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(frame: pd.DataFrame, marked: Sequence[set[str]] = ()) -> str:
    """An HTML table; every cell is escaped, numbers right-aligned, a missing number (NaN) shown as a dash."""
    head = "".join(f"<th>{_e(column)}</th>" for column in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for value in values:
            if isinstance(value, (float, np.floating)) and np.isnan(value):
                cells.append('<td class="num">—</td>')
            elif isinstance(value, (float, np.floating)):
                cells.append(f'<td class="num">{value:.3f}</td>')
            elif isinstance(value, (int, np.integer)):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _numbers(pairs: Sequence[tuple[str, str]]) -> str:
    return '<div class="numbers">' + "".join(f"<div><b>{_e(v)}</b>{_e(k)}</div>" for k, v in pairs) + "</div>"


# The colours of Streamlit's light chart theme, which the app's charts get; in the app's process plotly's default
# template is Streamlit's, whose colours are placeholders only the app's browser code fills in ("#000001"...),
# so a figure built there and written to a file would be near-black.
APP_COLOURS = (
    "#0068c9",
    "#83c9ff",
    "#ff2b2b",
    "#ffabab",
    "#29b09d",
    "#7defa1",
    "#ff8700",
    "#ffd16a",
    "#6d3fc0",
    "#d5dae5",
)


def report_template() -> go.layout.Template:
    """The template every figure of the report is drawn with, whatever plotly's default is in this process:
    plotly's ``plotly_white`` with the app's colours (:data:`APP_COLOURS`) and text colour, so the file looks like
    the app."""
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.colorway = APP_COLOURS
    template.layout.font = {"family": '"Source Sans Pro", system-ui, sans-serif', "color": "#31333F"}
    return template


def _figure(fig: go.Figure) -> str:
    drawn = go.Figure(fig)
    drawn.update_layout(template=report_template())
    return drawn.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _describe(space: EmbeddingSpace) -> pd.DataFrame:
    """Where a space came from: a run's parameters, the baseline model, or a vectors file."""
    rows: list[tuple[str, object]] = [
        ("space", space.title),
        ("spec", space.name),
        ("source", space.source),
        ("words", len(space)),
        ("dimensions", space.dim),
    ]
    run = store.get_run(space.name)
    if run is not None:
        rows += [
            ("method", run.method.display_name),
            ("corpus id", run.corpus_id),
            ("training seconds", round(run.seconds, 2)),
        ]
        rows += [(name, value) for name, value in run.parameters().items() if value is not None]
    return pd.DataFrame(rows, columns=["", "value"])


def _neighbour_section(shared_a: EmbeddingSpace, shared_b: EmbeddingSpace, word: str, k: int) -> str:
    try:
        result = analysis.compare_neighbors(shared_a, shared_b, word, k)
    except ValueError as error:
        return f"<h3>{_e(word)}</h3><p class='muted'>{_e(error)}</p>"
    columns = []
    notes = [  # a side that does not hold the word built its vector: say how
        f"{_e(space.title)}: built from subwords ('{_e(word)}' is not in the run)"
        if origin is analysis.VectorOrigin.SUBWORDS
        else f"{_e(space.title)}: '{_e(word)}' encoded alone (not among its words)"
        for origin, space in ((result.origin_a, shared_a), (result.origin_b, shared_b))
        if origin is not analysis.VectorOrigin.VOCABULARY
    ]
    for title, neighbours in ((f"A · {shared_a.title}", result.a), (f"B · {shared_b.title}", result.b)):
        frame = pd.DataFrame(
            {
                "rank": range(1, len(neighbours) + 1),
                "word": [n.word for n in neighbours],
                "similarity": [n.similarity for n in neighbours],
                "in both": ["✓" if n.word in result.in_both else "" for n in neighbours],
            }
        )
        columns.append(f"<div><b>{_e(title)}</b>{_table(frame)}</div>")
    note = f"<p class='muted'>{'; '.join(notes)}</p>" if notes else ""
    return f"<h3>“{_e(word)}” — Jaccard@{k} {result.jaccard:.2f}</h3>{note}<div class='pair'>{''.join(columns)}</div>"


def _distinct(a: EmbeddingSpace, b: EmbeddingSpace) -> list[EmbeddingSpace]:
    """A and B, once when they are the same space."""
    return [a] if a.name == b.name else [a, b]


def _h2(section: Section) -> str:
    return f"<h2>{_e(section.heading)}</h2>"


class _Inputs:
    """What the sections read, each computed once and only when a chosen section needs it."""

    def __init__(self, a: EmbeddingSpace, b: EmbeddingSpace, corpus: Corpus, settings: ReportSettings) -> None:
        self.a, self.b, self.corpus, self.settings = a, b, corpus, settings
        self.specs = _distinct(a, b)
        self.options = evaluation.EvaluationOptions(weat_sets=evaluation.WEAT_SETS, seed=settings.seed)
        self._verdict_evaluation: evaluation.Evaluation | EmbedLabError | None = None
        self._verdict_options: evaluation.EvaluationOptions | None = None

    @cached_property
    def shared(self) -> tuple[EmbeddingSpace, EmbeddingSpace]:
        return analysis.shared_spaces(self.a, self.b)

    @cached_property
    def compared(self) -> tuple[analysis.ComparisonSummary, pd.DataFrame]:
        s = self.settings
        return analysis.compare_spaces(self.a, self.b, s.k, s.max_scored_words, s.seed)

    @cached_property
    def roles(self) -> tuple[EmbeddingSpace, EmbeddingSpace] | None:
        """The verdict's (candidate, baseline): B is the baseline unless A is the pretrained one; None when A and
        B are the same space."""
        if self.a.name == self.b.name:
            return None
        return (self.b, self.a) if self.a.name == BASELINE else (self.a, self.b)

    def load(self, spec: str) -> EmbeddingSpace:
        """A or B by name: the verdict reads the spaces the report was given, not fresh copies."""
        return {self.a.name: self.a, self.b.name: self.b}[spec]

    def verdict_evaluation(self, progress: evaluation.Progress | None = None) -> evaluation.Evaluation:
        """The evaluation the verdict reads, computed once: what ``verdict.build_verdict`` would run itself (the
        same spaces in the same order, the same options), so the report's verdict is everyone's.

        Raises:
            EmbedLabError: it cannot run (a space that does not load); tried once.
        """
        if self._verdict_evaluation is None:
            assert self.roles is not None
            candidate, baseline = self.roles
            self._verdict_options = verdict.evaluation_options([candidate, baseline], self.corpus)
            try:
                self._verdict_evaluation = evaluation.evaluate_spaces(
                    [baseline, candidate], self.corpus, self._verdict_options, progress=progress
                )
            except EmbedLabError as error:
                self._verdict_evaluation = error
        if isinstance(self._verdict_evaluation, EmbedLabError):
            raise self._verdict_evaluation
        return self._verdict_evaluation

    def seeded(self, name: str, parts: Mapping[str, Any]) -> dict[str, Any]:
        """A section's parts of A or B with the training behind them and, for a run trained with several seeds, the
        other seeds' same parts (the verdict's evaluation's when it has them, else evaluated once here), so the
        report's tests cover the variance the Evaluate page's cover."""
        found = {**parts, "training": evaluation.training_of(name)}
        if found["training"] is evaluation.Training.SEEDS:
            found["seeds"] = tuple({key: seed.parts()[key] for key in parts} for seed in self.seed_evaluations(name))
        return found

    def seed_evaluations(self, name: str) -> tuple[evaluation.SpaceEvaluation, ...]:
        """The other seeds' evaluations of A or B (:func:`evaluation.seed_evaluations`), computed once."""
        known: dict[str, tuple[evaluation.SpaceEvaluation, ...]] = self.__dict__.setdefault("_seeds", {})
        shared = self.shared_evaluation
        if name not in known:
            if shared is not None and name in shared.names and self.shares_folds:  # the same folds
                known[name] = shared[name].seeds
            else:
                held_out = evaluation.held_out_section(self.corpus, [space.name for space in self.specs])
                known[name] = evaluation.seed_evaluations(self.load(name), self.corpus, self.options, held_out)
        return known[name]

    @property
    def shared_evaluation(self) -> evaluation.Evaluation | None:
        """The verdict's evaluation when the verdict section computed one: the evaluation sections read what they
        share with it instead of scoring again."""
        found = self._verdict_evaluation
        return found if isinstance(found, evaluation.Evaluation) else None

    @property
    def shares_folds(self) -> bool:
        """Whether the verdict's task used the report's seed, so the task section can read it (its folds)."""
        return self._verdict_options is not None and self._verdict_options.seed == self.options.seed

    def verdict_comparisons(self, candidate: EmbeddingSpace) -> dict[str, tuple[Any, pd.DataFrame]] | None:
        """What changed (A against B) for the verdict's domain language, when it is the comparison the verdict
        would make itself: A the candidate, k = 10, every shared word scored (no sample, so the seed does not
        matter); None otherwise, and the verdict compares on its own."""
        s = self.settings
        same = (
            candidate is self.a
            and candidate.encoder is None
            and s.k == verdict_build.K
            and (
                min(len(self.a), len(self.b)) <= s.max_scored_words
                or (s.max_scored_words, s.seed) == (analysis.DEFAULT_MAX_WORDS, 0)
            )
        )
        return {candidate.name: self.compared} if same else None


def _verdict_section(inputs: _Inputs, steps: _Steps) -> str:
    """Whether the candidate beats the baseline on this corpus, for which use and why (``verdict.build_verdict``,
    the Verdict page's and ``python -m embedlab verdict``'s answer): the too-small sentence, the unhealthy spaces'
    warnings, a sentence per use, the space to download, and each reason's finding with domain language's
    examples."""
    if inputs.roles is None:
        return _h2(Section.VERDICT) + (
            "<p class='muted'>A and B are the same space: the verdict needs a candidate to set against the "
            "baseline.</p>"
        )
    candidate, baseline = inputs.roles
    labels = {candidate.name: candidate.title, baseline.name: baseline.title}
    # benchmarks, task, retrieval, WEAT, sweep: as build_verdict counts
    sections = 5 - bool(evaluation.task_problem(inputs.corpus))
    seen: dict[tuple[str, str], int] = {}

    def evaluating(step: evaluation.EvaluationStep) -> None:
        seen.setdefault((step.space, step.section), len(seen))
        done = (seen[(step.space, step.section)] + step.fraction) / (sections * 2)
        message = f"Verdict: evaluating {labels[step.space]}: {step.message}" if step.message else ""
        steps.at(Section.VERDICT, _VERDICT_EVALUATION_SHARE * done, message)

    def verdict_step(fraction: float, message: str) -> None:
        # build_verdict's own scale: evaluating up to 0.8, then neighbourhoods and coverage
        rest = max(fraction - 0.8, 0.0) / 0.2
        done = _VERDICT_EVALUATION_SHARE + (1 - _VERDICT_EVALUATION_SHARE) * rest
        steps.at(Section.VERDICT, done, f"Verdict: {message}" if 0 < fraction < 1 else "")

    try:
        found = verdict.build_verdict(
            inputs.corpus,
            [candidate.name],
            baseline.name,
            evaluated=inputs.verdict_evaluation(evaluating),
            comparisons=inputs.verdict_comparisons(candidate),
            load=inputs.load,
            progress=verdict_step,
        )
    except EmbedLabError as error:
        return _h2(Section.VERDICT) + f"<p class='muted'>No verdict on this corpus: {_e(error)}</p>"
    return _h2(Section.VERDICT) + _verdict_body(found)


# The verdict section's share of its progress that is the evaluation (the rest: neighbourhoods and coverage).
_VERDICT_EVALUATION_SHARE = 0.9


def _verdict_body(found: verdict.Verdict) -> str:
    labels = found.labels
    parts = [
        f"<p class='muted'>Would {_e(' and '.join(labels[name] for name in found.candidates))} beat "
        f"{_e(labels[found.baseline])} on this corpus, where, and why: the same verdict as the Verdict page and "
        "<code>python -m embedlab verdict</code>; every number is the evaluation's or What changed's.</p>"
    ]
    if found.too_small:
        parts.append(f"<p class='warn'>{_e(found.too_small)}</p>")
    for name in found.unhealthy:
        items = "".join(f"<li>{_e(warning)}</li>" for warning in found.health[name].warnings)
        parts.append(f"<div class='warn'><b>Health: {_e(labels[name])}</b><ul>{items}</ul></div>")
    headlines = pd.DataFrame(
        {
            "use": [line.use for line in found.headlines],
            "use this space": [labels.get(line.winner, "—") if line.winner else "—" for line in found.headlines],
            "answer": [line.sentence for line in found.headlines],
        }
    )
    parts.append(_table(headlines))
    if found.claims_note:
        parts.append(f"<p class='muted'>{_e(found.claims_note)}</p>")
    parts.append(f"<p>Recommended space: <b>{_e(labels[found.recommended])}</b> ({_e(found.recommended)})</p>")
    parts += [f"<p class='warn'>{_e(note)}</p>" for note in found.recommendation_notes]
    parts.append("<h3>Reasons to customise, on this corpus</h3>")
    for reason in found.reasons.values():
        parts.append(f"<p><b>{_e(reason.title)}.</b> {_e(reason.finding)}</p>")
        if reason.key == "domain_language" and reason.examples:
            parts.append(_domain_examples(reason.examples, labels))
    return "".join(parts)


def _domain_examples(examples: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    """Domain language's most telling words: each one's nearest words here (the run) and in general English (the
    baseline, among the same words)."""
    frame = pd.DataFrame(
        {
            "word": [example["word"] for example in examples],
            "space": [labels.get(example["space"], example["space"]) for example in examples],
            "count": [int(example["count"]) for example in examples],
            "usage shift": [float(example["shift"]) for example in examples],
            "near here": [", ".join(example["here"]) for example in examples],
            "near in general English": [", ".join(example["general"]) for example in examples],
            "beyond seed noise": [
                {True: "✓", False: "", None: "not known"}[example["beyond_noise"]] for example in examples
            ],
        }
    )
    return (
        "<p class='muted'>Usage shift: where the word's nearest words here sit in general English's ranking of the "
        "same words (0 = its nearest there, 1 = its farthest).</p>" + _table(frame)
    )


def _spaces_section(inputs: _Inputs, steps: _Steps) -> str:
    """Where each space came from: a run's parameters, the baseline model, or a vectors file; then a warning per
    failed health check (``embedlab.training.health``)."""
    return (
        _h2(Section.SPACES)
        + "<div class='pair'>"
        + "".join(f"<div>{_table(_describe(space))}</div>" for space in inputs.specs)
        + "</div>"
        + "".join(_health_block(space) for space in inputs.specs)
    )


def _health_block(space: EmbeddingSpace) -> str:
    """A short "health" paragraph listing a space's failed checks; empty for a healthy space."""
    health = space_health(space)
    if health.ok:
        return ""
    items = "".join(f"<li>{_e(warning)}</li>" for warning in health.warnings)
    return f"<div class='health'><b>Health: {_e(space.title)}</b><ul>{items}</ul></div>"


def _summary_section(inputs: _Inputs, steps: _Steps) -> str:
    """Shared words and the mean neighbour overlap over the scored words."""
    summary, _ = inputs.compared
    numbers = _numbers(
        [
            ("shared words", f"{summary.shared_words:,}"),
            ("only in A", f"{summary.only_a:,}"),
            ("only in B", f"{summary.only_b:,}"),
            (f"mean Jaccard@{summary.k}", f"{summary.mean_jaccard:.3f}"),
            ("mean rank-biased overlap", f"{summary.mean_rank_overlap:.3f}"),
        ]
    )
    return (
        _h2(Section.SUMMARY)
        + numbers
        + f"<p class='muted'>Over {summary.compared_words:,} scored words; neighbours are searched among the "
        "shared words only, so the two lists are comparable.</p>"
    )


def _neighbours_section(inputs: _Inputs, steps: _Steps) -> str:
    """A's and B's neighbour lists of each chosen word."""
    words = inputs.settings.words
    if not words:
        return _h2(Section.NEIGHBOURS) + "<p class='muted'>No words chosen.</p>"
    shared_a, shared_b = inputs.shared
    return _h2(Section.NEIGHBOURS) + "".join(
        _neighbour_section(shared_a, shared_b, w, inputs.settings.k) for w in words
    )


def _what_changed_section(inputs: _Inputs, steps: _Steps) -> str:
    summary, frame = inputs.compared
    return _changed_section(frame, summary, inputs.a.title, inputs.b.title)


def _coverage_of(inputs: _Inputs, steps: _Steps) -> str:
    return _coverage_section(inputs.specs, inputs.corpus)


def _maps_of(inputs: _Inputs, steps: _Steps) -> str:
    shared_a, shared_b = inputs.shared
    return _map_section(inputs.a, inputs.b, shared_a, shared_b, inputs.settings)


def _benchmarks_section(inputs: _Inputs, steps: _Steps) -> str:
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
        _h2(Section.BENCHMARKS)
        + _table(table[["space", "benchmark", "metric", "score", "used", "total", "oov_share"]])
        + _differences(inputs, parts)
    )


def _task_section(inputs: _Inputs, steps: _Steps) -> str:
    """The corpus's labels as a classification task (``evaluation.task_section``), one row per space."""
    corpus = inputs.corpus
    if not corpus.labels and corpus.label_guess:  # read without the column that looks like its label: say which
        return _h2(Section.TASK) + f"<p class='muted'>No task to score: {html.escape(no_labels_reason(corpus))}.</p>"
    if not corpus.labels:
        return _h2(Section.TASK) + "<p class='muted'>The corpus has no labels: there is no task to score.</p>"
    tuned = evaluation.label_fine_tunes([space.name for space in inputs.specs])  # their documents are left out
    if problem := evaluation.task_problem(corpus, fine_tunes=tuned):
        return _h2(Section.TASK) + f"<p class='muted'>No task to score: {html.escape(problem)}.</p>"
    rows, notes, parts = [], [], {}
    shared = inputs.shared_evaluation if inputs.shares_folds else None
    for number, space in enumerate(inputs.specs):
        if shared is not None:
            found = shared[space.name].task
        else:
            steps.start_part(
                Section.TASK,
                number,
                len(inputs.specs),
                f"Task: {space.title} classifies {corpus.stats.documents:,} documents by label (5-fold)",
            )
            try:
                found = evaluation.task_section(
                    space, corpus, inputs.options, steps.within(Section.TASK, number, len(inputs.specs)), tuned
                )
            except EmbedLabError as error:
                notes.append(f"{space.title}: {error}")
                continue
        if found is not None:
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
        _h2(Section.TASK)
        + "<p class='muted'>Logistic regression on each space's document vectors predicting the corpus's labels, "
        "stratified k-fold.</p>"
        + (_table(pd.DataFrame(rows)) if rows else "")
        + _differences(inputs, parts)
        + "".join(f"<p class='muted'>{_e(note)}</p>" for note in notes)
    )


def _retrieval_section(inputs: _Inputs, steps: _Steps) -> str:
    """Held-out sentence pairs ranked by cosine (``evaluation.retrieval_section``), one row per space."""
    held_out = evaluation.held_out_section(inputs.corpus, [space.name for space in inputs.specs])
    if not held_out.pairs:
        return _h2(Section.RETRIEVAL) + f"<p class='muted'>Held-out pairs: {_e(held_out.note)}</p>"
    rows, parts = [], {}
    shared = inputs.shared_evaluation
    if shared is not None and shared.held_out != held_out:  # another fine-tune's held-out pairs came first
        shared = None
    for number, space in enumerate(inputs.specs):
        if shared is not None:
            found = shared[space.name].retrieval
        else:
            steps.start_part(
                Section.RETRIEVAL,
                number,
                len(inputs.specs),
                f"Held-out retrieval: {space.title} ranks {len(held_out.pairs):,} sentence pairs",
            )
            found = evaluation.retrieval_section(
                space, held_out, steps.within(Section.RETRIEVAL, number, len(inputs.specs))
            )
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
        _h2(Section.RETRIEVAL)
        + f"<p>Held-out pairs: {_e(held_out.note)}</p>"
        + _table(pd.DataFrame(rows))
        + _differences(inputs, parts)
    )


def _differences(inputs: _Inputs, parts: Mapping[str, Mapping[str, Any]]) -> str:
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
            "95% interval": [_interval(row["ci_low"], row["ci_high"]) for row in rows],
            "p": [row["p_value"] for row in rows],
            "p (Holm)": [row["p_adjusted"] for row in rows],
            "items": [row["items"] for row in rows],
            "test": [row["test"] for row in rows],
            "variance covered": [row["variance"] for row in rows],
            "verdict": [row["verdict"] for row in rows],
        }
    )
    return (
        f"<p>A ({_e(inputs.a.title)}) against B ({_e(inputs.b.title)}) on the items both score: the difference "
        "with its 95% interval, a paired test, its p adjusted by Holm's method over the table's tests, which "
        "variance the test covers (seeds and test items for a run trained with several seeds; test items only for "
        "one trained with one seed, a claim about these files), and whether it is significant at 95%.</p>"
        + _table(table)
    )


def _interval(low: float, high: float) -> str:
    return "—" if math.isnan(low) or math.isnan(high) else f"{low:+.3f} to {high:+.3f}"


def _weat_section(inputs: _Inputs, steps: _Steps) -> str:
    """The shipped WEAT tests (``evaluation.weat_section``) on each space, with what each result says."""
    rows = []
    for number, space in enumerate(inputs.specs):
        steps.within(Section.WEAT, number, len(inputs.specs))(0.0)
        for name, found in evaluation.weat_section(space, inputs.options).items():
            rows.append(
                {
                    "space": space.title,
                    "test": name,
                    "effect size d": found.effect_size,
                    "95% interval": _interval(found.ci_low, found.ci_high),
                    "p-value": found.p_value,
                    "words used (X/Y/A/B)": "/".join(str(found.used[key]) for key in evaluation.WEAT_LISTS),
                    "reading": found.note or evaluation.weat_reading(found),
                }
            )
    return (
        _h2(Section.WEAT)
        + f"<p class='muted'>Word Embedding Association Test (Caliskan et al. 2017), 10,000 permutations, seed "
        f"{inputs.options.seed}; the 95% interval of d is a percentile bootstrap over the target words (2,000 "
        f"resamples, A and B fixed; none with fewer than {evaluation.WEAT_INTERVAL_MIN_WORDS} words in X or Y).</p>"
        + _table(pd.DataFrame(rows))
    )


def _changed_section(frame: pd.DataFrame, summary: analysis.ComparisonSummary, a_title: str, b_title: str) -> str:
    """The histogram of Jaccard@k, the seed-noise floor (``analysis.seed_floor``: its caption, and the share of
    words changed beyond it when A or B has seed replicas) and the most and least changed content words
    (``analysis.rank_changes``), with each word's floor and a beyond-noise mark when the floor is known, as the
    Compare page lists them."""
    k, noise = summary.k, summary.noise
    ranking = analysis.rank_changes(frame)
    ranked = ranking.words
    columns = {"word": "word", "jaccard": f"Jaccard@{k}"}
    if noise.known:  # the floor next to the score it is the floor of
        ranked = ranked.assign(beyond=np.where(ranked["beyond_noise"].to_numpy(dtype=bool), "✓", ""))
        columns |= {"floor": "floor", "beyond": "beyond noise"}
    columns |= {"rank_overlap": "rank overlap", "count_a": "count", "band": "band"}
    most = ranked.head(_TABLE_ROWS)[list(columns)].rename(columns=columns)
    least = ranked.tail(_TABLE_ROWS).iloc[::-1][list(columns)].rename(columns=columns)
    floor = ""
    if noise.known:
        floor = _numbers(
            [
                ("beyond seed noise", f"{noise.share:.1%}"),
                ("words beyond seed noise", f"{noise.beyond:,}"),
                ("words with a floor", f"{noise.tested:,}"),
            ]
        )
    return (
        _h2(Section.CHANGED)
        + _figure(figures.change_histogram(frame["jaccard"], "Jaccard@k", 0.0, 1.0))
        + floor
        + f"<p class='muted'>{_e(noise.caption(a_title, b_title))}</p>"
        + f"<p class='muted'>{_e(ranking.tie_caption())}</p>"
        + f"<div class='pair'><div><b>Most changed</b>{_table(most)}</div>"
        f"<div><b>Least changed</b>{_table(least)}</div></div>"
    )


def _coverage_section(specs: Sequence[EmbeddingSpace], corpus: Corpus) -> str:
    """Token and type coverage per space, by frequency band, and each space's most frequent missing words; the
    charts name the spaces by their titles, as the tables do."""
    coverages = [
        dataclasses.replace(analysis.coverage(space, corpus, top=_TABLE_ROWS), space=space.title) for space in specs
    ]
    blocks = []
    for result in coverages:
        if result.split_token_share is not None:  # WordPiece: every word encoded, whole or from its pieces
            numbers = [
                ("words encoded", f"{result.token_coverage:.0%}"),
                ("tokens kept whole", f"{1 - result.split_token_share:.1%}"),
                ("tokens split into 2+ pieces", f"{result.split_token_share:.1%}"),
            ]
            listed = pd.DataFrame(result.top_split, columns=["word split into pieces", "count"])
            note = "<p class='muted'>It encodes every word, from its word pieces when its tokenizer splits it.</p>"
        else:
            numbers = [
                ("token coverage", f"{result.token_coverage:.1%}"),
                ("type coverage", f"{result.type_coverage:.1%}"),
            ]
            listed, note = pd.DataFrame(result.top_missing, columns=["missing word", "count"]), ""
        blocks.append(f"<div><b>{_e(result.space)}</b>{_numbers(numbers)}{note}{_table(listed)}</div>")
    by_band = {space.title: analysis.coverage_by_band(space, corpus) for space in specs}
    return (
        _h2(Section.COVERAGE)
        + _figure(figures.coverage_bars(coverages))
        + _figure(figures.coverage_by_band(by_band))
        + f"<div class='pair'>{''.join(blocks)}</div>"
    )


def map_sample(shared_a: EmbeddingSpace, shared_b: EmbeddingSpace, settings: ReportSettings) -> list[str]:
    """The words on the report's maps: the first chosen word, its neighbours in A, then in B, the other chosen
    words, then a frequency-stratified sample (``maps.sample_words``). For one word that is the Compare page's
    Map tab's sample for the same word, k, size and seed, so the report reuses that map's layouts (cached on disk).

    Args:
        shared_a, shared_b: A and B restricted to their shared words (``analysis.shared_spaces``).

    Returns:
        Shared words; the chosen ones that are not shared are left out.
    """
    chosen = [w for w in settings.words if w in shared_a]
    comparisons = [analysis.compare_neighbors(shared_a, shared_b, w, settings.k) for w in chosen]
    in_a = [n.word for c in comparisons for n in c.a]
    in_b = [n.word for c in comparisons for n in c.b]
    marked = [*chosen[:1], *in_a, *in_b, *chosen[1:]]
    return maps.sample_words(shared_a.words, settings.map_words, settings.seed, marked)


def _map_section(
    a: EmbeddingSpace, b: EmbeddingSpace, shared_a: EmbeddingSpace, shared_b: EmbeddingSpace, settings: ReportSettings
) -> str:
    """Both maps, fitted together, as the Compare page draws them: the first chosen word, its neighbours in A on map
    A and in B on map B, the other chosen words on both; hover shows each word's change and neighbours."""
    chosen = [w for w in settings.words if w in shared_a]
    comparisons = [analysis.compare_neighbors(shared_a, shared_b, w, settings.k) for w in chosen]
    marked_a = list(dict.fromkeys([*(n.word for c in comparisons for n in c.a), *chosen[1:]]))
    marked_b = list(dict.fromkeys([*(n.word for c in comparisons for n in c.b), *chosen[1:]]))
    sample = map_sample(shared_a, shared_b, settings)
    rows = [shared_a.index[w] for w in sample]
    layout_a, layout_b = maps.aligned_layouts(
        shared_a.vectors[rows],
        shared_b.vectors[rows],
        maps.MapSettings(sample_size=max(10, len(sample)), seed=settings.seed),
    )
    figure = figures.map_pair(
        layout_a,
        layout_b,
        sample,
        shared_a.counts[rows],
        (f"A · {a.title}", f"B · {b.title}"),
        chosen[0] if chosen else "",
        marked_a,
        highlighted_b=marked_b,
        details=analysis.word_changes(shared_a, shared_b, sample, settings.k),
        change_label=f"Jaccard@{settings.k}",
    )
    return (
        _h2(Section.MAPS)
        + f"<p class='muted'>{len(sample):,} words, frequency-stratified sample (seed {settings.seed}); both maps "
        "fitted together with AlignedUMAP, so a word that kept its neighbours sits in the same place. Map A marks "
        "the neighbours in A, map B those in B.</p>" + _figure(figure)
    )


_BUILDERS: dict[Section, Callable[[_Inputs, _Steps], str]] = {
    Section.VERDICT: _verdict_section,
    Section.SPACES: _spaces_section,
    Section.SUMMARY: _summary_section,
    Section.NEIGHBOURS: _neighbours_section,
    Section.CHANGED: _what_changed_section,
    Section.COVERAGE: _coverage_of,
    Section.MAPS: _maps_of,
    Section.BENCHMARKS: _benchmarks_section,
    Section.TASK: _task_section,
    Section.RETRIEVAL: _retrieval_section,
    Section.WEAT: _weat_section,
}


def _start_message(section: Section, inputs: _Inputs) -> str:
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

    inputs = _Inputs(a, b, corpus, settings)
    estimates = estimate_seconds(a, b, corpus, settings)
    if Section.VERDICT in settings.sections and inputs.roles is not None:  # these read the verdict's evaluation
        shared = [Section.BENCHMARKS, Section.RETRIEVAL]
        if settings.seed == evaluation.EvaluationOptions().seed:
            shared.append(Section.TASK)
        estimates.update(dict.fromkeys(shared, _SECONDS_BASE))
    steps = _Steps(settings.sections, estimates, progress)
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>EmbedLab report: {_e(a.title)} vs {_e(b.title)}</title><style>{_STYLE}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>",
        f"<h1>{_e(a.title)} vs {_e(b.title)}</h1>",
        f"<p class='muted'>EmbedLab report, {created}. Corpus <b>{_e(corpus.name)}</b> (id {_e(corpus.id)}, "
        f"the hash of its bytes and options): {corpus.stats.documents:,} documents, {corpus.stats.tokens:,} tokens, "
        f"{corpus.stats.types:,} distinct words. Sections: "
        f"{_e(', '.join(s.heading for s in settings.sections))}.</p>",
        *(f"<p class='warn'>{_e(note)}</p>" for note in mismatch_notes([a.name, b.name], corpus.id)),
        f"<p class='muted'>Language of the corpus: {_e(corpus_languages(corpus).describe())}.</p>",
        *(f"<p class='warn'>{_e(note)}</p>" for note in [baseline_language_note(corpus, [a.name, b.name])] if note),
    ]
    for section in settings.sections:
        steps.start(section, _start_message(section, inputs))
        parts.append(_BUILDERS[section](inputs, steps))
    parts += [
        f"<p class='muted'>The space {_e(BASELINE)} is all-MiniLM-L6-v2 encoding each word alone.</p>",
        "</body></html>",
    ]
    steps.done()
    return "".join(parts)
