"""What a report shows: its sections (:class:`Section`, in the report's order), their groups, and
:class:`ReportSettings` (k, the words, the map, the seed and the sections)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from embedlab import analysis
from embedlab.errors import EmbedLabError


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
