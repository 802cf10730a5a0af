"""What the report's sections read (:class:`SectionInputs`): the two spaces, the corpus and the settings, and what
is computed from them once for every section that needs it — the shared words, what changed, the verdict's
evaluation, the other seeds' evaluations."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from embedlab import analysis, evaluation, verdict
from embedlab.errors import EmbedLabError
from embedlab.present.report.settings import ReportSettings
from embedlab.spaces.space import EmbeddingSpace
from embedlab.spaces.spec import BASELINE
from embedlab.verdict import build as verdict_build

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


def distinct_spaces(a: EmbeddingSpace, b: EmbeddingSpace) -> list[EmbeddingSpace]:
    """A and B, once when they are the same space."""
    return [a] if a.name == b.name else [a, b]


class SectionInputs:
    """What the sections read, each computed once and only when a chosen section needs it."""

    def __init__(self, a: EmbeddingSpace, b: EmbeddingSpace, corpus: Corpus, settings: ReportSettings) -> None:
        self.a, self.b, self.corpus, self.settings = a, b, corpus, settings
        self.specs = distinct_spaces(a, b)
        self.options = evaluation.EvaluationOptions(weat_sets=evaluation.WEAT_SETS, seed=settings.seed)
        self._verdict_evaluation: evaluation.Evaluation | EmbedLabError | None = None
        self._verdict_options: evaluation.EvaluationOptions | None = None

    @cached_property
    def shared(self) -> tuple[EmbeddingSpace, EmbeddingSpace]:
        """A and B restricted to their shared words (``analysis.shared_spaces``): neighbours and maps."""
        return analysis.shared_spaces(self.a, self.b)

    @cached_property
    def compared(self) -> tuple[analysis.ComparisonSummary, pd.DataFrame]:
        """What changed, A against B (``analysis.compare_spaces``): the summary and one row per scored word."""
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
