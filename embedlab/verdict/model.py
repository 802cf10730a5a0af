"""What a verdict holds: a headline per use, a card per reason to customise, the spaces' health; plain JSON out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from embedlab.corpus.language import CorpusLanguages
from embedlab.evaluation.run import json_safe
from embedlab.spaces.provenance import CorpusMismatch
from embedlab.spaces.spec import SpaceKind, SpaceSpec
from embedlab.training.health import RunHealth


class Use(StrEnum):
    """What a headline answers, in the order people read them; the value is how the page and JSON name it."""

    WORD_SIMILARITY = "word similarity"
    RETRIEVAL = "retrieval"
    LABEL_TASK = "label task"
    SMALL_MEMORY = "small memory"

    @property
    def heading(self) -> str:
        """``Word similarity``, ``Retrieval``, ``Label task``, ``Small memory``."""
        return self.value.capitalize()


USES = tuple(Use)

# Where the recommended space comes from: the first of these uses with a winner (reading a corpus's own sentences
# first, then its labels, then general word similarity); small memory is then answered for that space.
RECOMMENDING_USES = (Use.RETRIEVAL, Use.LABEL_TASK, Use.WORD_SIMILARITY)


class ReasonKey(StrEnum):
    """The nine reasons teams give for customising embeddings, in the order the page shows their cards."""

    DOMAIN_LANGUAGE = "domain_language"
    LIMITED_DATA = "limited_data"
    OOV = "oov"
    TASK_CONTEXT = "task_context"
    DIMENSIONALITY = "dimensionality"
    BIAS = "bias"
    MULTIMODAL = "multimodal"
    PRIVACY = "privacy"
    TASK_PERFORMANCE = "task_performance"


REASONS = tuple(ReasonKey)

REASON_TITLES = {
    ReasonKey.DOMAIN_LANGUAGE: "Domain-specific language",
    ReasonKey.LIMITED_DATA: "Limited training data",
    ReasonKey.OOV: "Out-of-vocabulary words",
    ReasonKey.TASK_CONTEXT: "Task-specific context",
    ReasonKey.DIMENSIONALITY: "Reducing dimensionality",
    ReasonKey.BIAS: "Reducing bias",
    ReasonKey.MULTIMODAL: "Multimodal integration",
    ReasonKey.PRIVACY: "Privacy",
    ReasonKey.TASK_PERFORMANCE: "Task-specific performance",
}


@dataclass(frozen=True)
class Headline:
    """One use's answer: which space to use, by how much, and how sure.

    Attributes:
        use: what it is for (:class:`Use`).
        winner: the space to use (its name), or None when no space is significantly better or nothing was measured.
        measure: what decided it (``held-out retrieval MRR@10``, ...).
        difference: the winner's lead over the other side (winner minus runner-up, in the measure's units; for
            small memory, the share of memory saved); NaN when nothing was measured.
        ci_low, ci_high: its 95% bootstrap interval (NaN where there is none).
        significant: whether the difference is a claim significant at 95% after Holm's adjustment over every
            comparison of the evaluation (a difference between files trained with one seed never is).
        sentence: the answer in plain words, with its numbers.
        p_value, p_adjusted: the deciding test's raw p and its Holm-adjusted p (Holm 1979: the family-wise error
            rate over all the evaluation's comparisons at most 5%); NaN where no test decided.
        variance: which variance that test covers, in words ("seeds and test items (3 seeds against a fixed
            space)", "test items only (…one seed…)"); "" where no test decided.
        comparisons: how many tests the adjustment covered.
    """

    use: Use
    winner: str | None
    measure: str
    difference: float
    ci_low: float
    ci_high: float
    significant: bool
    sentence: str
    p_value: float = math.nan
    p_adjusted: float = math.nan
    variance: str = ""
    comparisons: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "use", Use(self.use))  # a plain name ("retrieval") becomes its typed key

    def to_dict(self) -> dict[str, Any]:
        return {
            "use": str(self.use),
            "winner": self.winner,
            "measure": self.measure,
            "difference": _number(self.difference),
            "ci_low": _number(self.ci_low),
            "ci_high": _number(self.ci_high),
            "significant": self.significant,
            "sentence": self.sentence,
            "p_value": _number(self.p_value),
            "p_adjusted": _number(self.p_adjusted),
            "variance": self.variance,
            "comparisons": self.comparisons,
        }


@dataclass(frozen=True)
class Reason:
    """One reason's card: what this corpus shows about it.

    Attributes:
        key: which reason (:class:`ReasonKey`).
        finding: one plain sentence with its numbers.
        numbers: the evidence, plain JSON data (per space where it applies).
        examples: for domain language, the most telling words (word, space, count, shift, here, general).
        measured: False for what EmbedLab does not measure (multimodal): the finding says why.
    """

    key: ReasonKey
    finding: str
    numbers: dict[str, Any] = field(default_factory=dict)
    examples: tuple[dict[str, Any], ...] = ()
    measured: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ReasonKey(self.key))  # a plain name ("oov") becomes its typed key

    @property
    def title(self) -> str:
        return REASON_TITLES[self.key]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "finding": self.finding,
            "measured": self.measured,
            **json_safe(self.numbers),
            **({"examples": json_safe(list(self.examples))} if self.examples else {}),
        }


@dataclass(frozen=True)
class Verdict:
    """The answer to "would custom embeddings beat the pretrained ones on this corpus, where, and why".

    Attributes:
        corpus_id, corpus_name: the corpus.
        baseline: the pretrained space the candidates are measured against.
        candidates: the custom spaces, in the order given.
        labels: space name -> readable label.
        headlines: one per use, in :data:`USES` order (read one with :meth:`headline`).
        reasons: reason key -> its card, for every :class:`ReasonKey`.
        health: space name -> its run health (every space, the baseline included).
        too_small: when the corpus is too small for any claim, the sentence that says so (shown first); else "".
        recommended: the space to download: the winner of the first use with one, else the baseline.
        judged_elsewhere: space -> how it is judged off the corpus it was trained on (runs trained on another
            corpus only; their labels say "trained on X, judged on Y" too).
        languages: the corpus's languages, with shares (None: not identified).
        language_note: when the MiniLM baseline is among the spaces and the corpus is mostly not English, the
            sentence that says so (``spaces.baseline_language_note``); else "".
    """

    corpus_id: str
    corpus_name: str
    baseline: str
    candidates: tuple[str, ...]
    labels: dict[str, str]
    headlines: tuple[Headline, ...]
    reasons: dict[ReasonKey, Reason]
    health: dict[str, RunHealth]
    too_small: str
    recommended: str
    judged_elsewhere: dict[str, CorpusMismatch] = field(default_factory=dict)
    languages: CorpusLanguages | None = None
    language_note: str = ""

    @property
    def spaces(self) -> tuple[str, ...]:
        return (*self.candidates, self.baseline)

    def headline(self, use: Use) -> Headline:
        """The headline that answers ``use``.

        Raises:
            KeyError: the verdict has no headline for it (never for one built by ``build_verdict``).
        """
        return headline_for(self.headlines, use)

    @property
    def recommended_by_default(self) -> bool:
        """No use (word similarity, retrieval, the label task) has a winner: the baseline is recommended because
        nothing beat it significantly, not because it won."""
        return all(self.headline(use).winner is None for use in RECOMMENDING_USES)

    @property
    def recommendation_notes(self) -> list[str]:
        """What to read next to the recommended space, each a sentence: that it is only the default when no use
        decided it, and :attr:`recommendation_caveat`. The page, the CLI's text and the report show these."""
        notes = []
        if self.recommended_by_default:
            notes.append(
                "By default, not by evidence: no use shows a significant difference, so the pretrained baseline is "
                "kept (what to do for more evidence is said under each use above)."
            )
        return notes + ([self.recommendation_caveat] if self.recommendation_caveat else [])

    @property
    def claims_note(self) -> str:
        """How the uses' claims are tested, in a sentence (the page, the CLI's text and the report show it under
        the uses); "" when no test decided any."""
        tests = max((line.comparisons for line in self.headlines), default=0)
        if not tests:
            return ""
        return (
            f"A use names a space only when its lead holds after Holm's adjustment over the {tests} comparisons of "
            "this evaluation (the chance of any false claim among them at most 5%) and its test covers the "
            "variance of training: a run trained with several seeds is tested over its seeds and the test items; a "
            "run trained with one seed, or a fine-tune, is compared as these files only, which is not a claim "
            "about its settings."
        )

    @property
    def recommendation_caveat(self) -> str:
        """The language note when the recommended space is the English baseline (or a copy of it); else ""."""
        return self.language_note if SpaceSpec.parse(self.recommended).kind is SpaceKind.BASELINE else ""

    @property
    def unhealthy(self) -> list[str]:
        """The spaces with a failed health check, in :attr:`spaces` order."""
        return [name for name in self.spaces if not self.health[name].ok]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: corpus, spaces (with labels), headlines, reasons (key -> finding and numbers), health,
        too_small, recommended and judged_elsewhere (a list of ``CorpusMismatch.to_dict``, empty when every run is
        judged on its own corpus); the corpus's languages (``corpus.languages``), the language note and the
        recommendation's caveat ("" when none)."""
        return {
            "corpus": {
                "id": self.corpus_id,
                "name": self.corpus_name,
                "languages": self.languages.to_dict() if self.languages is not None else None,
            },
            "language_note": self.language_note,
            "spaces": [
                {"space": name, "label": self.labels[name], "baseline": name == self.baseline} for name in self.spaces
            ],
            "too_small": self.too_small,
            "headlines": [headline.to_dict() for headline in self.headlines],
            "reasons": {str(key): self.reasons[key].to_dict() for key in REASONS},
            "health": {name: self.health[name].to_dict() for name in self.spaces},
            "recommended": self.recommended,
            "recommendation_caveat": self.recommendation_caveat,
            "recommended_by_default": self.recommended_by_default,
            "claims_note": self.claims_note,
            "judged_elsewhere": [found.to_dict() for found in self.judged_elsewhere.values()],
        }


def headline_for(headlines: tuple[Headline, ...] | list[Headline], use: Use) -> Headline:
    """The one headline of ``headlines`` that answers ``use``.

    Raises:
        KeyError: none does.
    """
    for line in headlines:
        if line.use is use:
            return line
    raise KeyError(f"no headline answers {use.value!r}")


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)
