"""How long a report takes and where a build of one is: :func:`estimate_seconds` per section before it runs, and
the :class:`ReportStep` s of a build (:class:`BuildSteps`), each section weighted by its estimate, for a progress
bar (the app) or a line on stderr (the CLI)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from embedlab import evaluation
from embedlab.analysis import maps
from embedlab.present.report.inputs import SectionInputs, distinct_spaces
from embedlab.present.report.settings import ReportSettings, Section
from embedlab.spaces.space import EmbeddingSpace
from embedlab.training import MAX_HELD_OUT_PAIRS

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


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
    specs = distinct_spaces(a, b)
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


class BuildSteps:
    """The :class:`ReportStep` s of one build: fractions weighted by the estimates, an ETA that learns the pace."""

    @classmethod
    def for_report(cls, inputs: SectionInputs, progress: ReportProgress | None) -> BuildSteps:
        """The steps of building ``inputs.settings.sections``, weighted by :func:`estimate_seconds`; a section that
        reads the verdict's evaluation (the verdict chosen, on two spaces) weighs as little as a table."""
        settings = inputs.settings
        estimates = estimate_seconds(inputs.a, inputs.b, inputs.corpus, settings)
        if Section.VERDICT in settings.sections and inputs.roles is not None:
            shared = [Section.BENCHMARKS, Section.RETRIEVAL]
            if settings.seed == evaluation.EvaluationOptions().seed:
                shared.append(Section.TASK)
            estimates.update(dict.fromkeys(shared, _SECONDS_BASE))
        return cls(settings.sections, estimates, progress)

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
        """The step that starts the section, with what it does."""
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
        """The last step: ``section="done"``, fraction 1.0."""
        self._send("done", 1.0, "Report written")
