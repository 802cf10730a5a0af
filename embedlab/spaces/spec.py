"""Space specs: the strings that name a space in the URL, the CLI and the registry, parsed once into a
:class:`SpaceSpec`.

Forms: ``baseline`` (the bundled MiniLM), a run id (``run-20260101-120000-abc123``), or ``vectors:PATH`` (a
word2vec/GloVe/fastText file); a sentence-transformer (the baseline or a fine-tuned run) read in context adds
``@context``; any space's debiased copy adds ``@debiased`` (last). One seed replica of a run trained with several
seeds (``TrainConfig.seeds``) adds ``@seed`` and the seed: ``run-20260101-120000-abc123@seed43`` (the evaluation
scores every seed of a run this way, to measure the variance of training). ``vectors:`` paths are taken whole, so a
file name may itself end in ``@context``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from embedlab.errors import EmbedLabError

__all__ = [
    "BASELINE",
    "CONTEXT_SUFFIX",
    "DEBIAS_SUFFIX",
    "SEED_SUFFIX",
    "VECTORS_PREFIX",
    "SpaceKind",
    "SpaceSpec",
    "debiased_copies",
    "newest_run_or_baseline",
    "validate_spec",
]

BASELINE = "baseline"
VECTORS_PREFIX = "vectors:"
CONTEXT_SUFFIX = "@context"  # a sentence-transformer space read in context, e.g. baseline@context
DEBIAS_SUFFIX = "@debiased"  # any space with the gender direction projected out, e.g. baseline@debiased
SEED_SUFFIX = "@seed"  # one seed replica of a run, e.g. run-20260101-120000-abc123@seed43
_RUN_ID = re.compile(r"run-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}")
_SEED = re.compile(rf"(?P<run>.+){SEED_SUFFIX}(?P<seed>[0-9]{{1,10}})")


class SpaceKind(StrEnum):
    """Where a space's vectors come from."""

    BASELINE = "baseline"
    RUN = "run"
    VECTORS = "vectors"


@dataclass(frozen=True)
class SpaceSpec:
    """A parsed space spec.

    Attributes:
        kind: the baseline, a run, or a vectors file.
        source: ``baseline``, the run id, or the vectors file's path (as written).
        context: read in context (sentence-transformers only: the baseline or a fine-tuned run).
        debiased: the debiased copy (see ``embedlab.spaces.derived.debias``).
        seed: for one seed replica of a run (``@seed43``), its seed; None for the run as saved.
    """

    kind: SpaceKind
    source: str
    context: bool = False
    debiased: bool = False
    seed: int | None = None

    @classmethod
    def parse(cls, text: str) -> SpaceSpec:
        """Parse a spec string (surrounding whitespace ignored); checks its shape, not that the space exists.

        Raises:
            EmbedLabError: not one of the accepted forms, which the message lists.
        """
        spec = text.strip() if isinstance(text, str) else ""
        debiased = spec.endswith(DEBIAS_SUFFIX)
        base = spec.removesuffix(DEBIAS_SUFFIX)
        if base.startswith(VECTORS_PREFIX) and base[len(VECTORS_PREFIX) :].strip():
            return cls(SpaceKind.VECTORS, base[len(VECTORS_PREFIX) :], debiased=debiased)
        if (replica := _SEED.fullmatch(base)) and _RUN_ID.fullmatch(replica["run"]):
            return cls(SpaceKind.RUN, replica["run"], debiased=debiased, seed=int(replica["seed"]))
        context = base.endswith(CONTEXT_SUFFIX)
        source = base.removesuffix(CONTEXT_SUFFIX)
        if source == BASELINE:
            return cls(SpaceKind.BASELINE, source, context, debiased)
        if _RUN_ID.fullmatch(source):
            return cls(SpaceKind.RUN, source, context, debiased)
        raise EmbedLabError(
            f"unknown space '{spec}': use 'baseline', a run id like run-20260101-120000-abc123, "
            f"vectors:PATH, or a sentence-transformer space with {CONTEXT_SUFFIX} (baseline{CONTEXT_SUFFIX}); "
            f"add {DEBIAS_SUFFIX} for a debiased copy, or {SEED_SUFFIX}N to a run id for its seed N's training"
        )

    def __str__(self) -> str:
        base = VECTORS_PREFIX + self.source if self.kind is SpaceKind.VECTORS else self.source
        seed = "" if self.seed is None else f"{SEED_SUFFIX}{self.seed}"
        return base + seed + (CONTEXT_SUFFIX if self.context else "") + (DEBIAS_SUFFIX if self.debiased else "")

    @property
    def is_baseline(self) -> bool:
        """The bundled MiniLM, read word by word: not in context, not debiased."""
        return self.kind is SpaceKind.BASELINE and not self.context and not self.debiased

    @property
    def is_plain_run(self) -> bool:
        """A run as saved: not in context, not debiased, not one of its seed replicas."""
        return self.kind is SpaceKind.RUN and not self.context and not self.debiased and self.seed is None

    def undebiased(self) -> SpaceSpec:
        """The space this debiased copy is made from (itself when it is not a debiased copy)."""
        return replace(self, debiased=False)

    def as_debiased(self) -> SpaceSpec:
        return replace(self, debiased=True)

    def in_context(self) -> SpaceSpec:
        return replace(self, context=True)

    def with_seed(self, seed: int) -> SpaceSpec:
        """This run's training with ``seed`` (one of its seed replicas).

        Raises:
            EmbedLabError: not a run as saved (seeds are a run's; a copy in context or debiased has none).
        """
        if not self.is_plain_run:
            raise EmbedLabError(f"{self}: only a run as saved has seed replicas")
        return replace(self, seed=int(seed))


def validate_spec(spec: str) -> str:
    """A spec string in its canonical form (stripped); see :meth:`SpaceSpec.parse` for what is accepted.

    Raises:
        EmbedLabError: with the accepted forms.
    """
    return str(SpaceSpec.parse(spec))


def newest_run_or_baseline(choices: Sequence[str]) -> str:
    """The first plain run among ``choices`` (``space_choices`` lists runs newest first), else the baseline: what a
    page offers first to compare against the baseline."""
    return next((choice for choice in choices if SpaceSpec.parse(choice).is_plain_run), BASELINE)


def debiased_copies(specs: Sequence[str]) -> list[str]:
    """The debiased copy of each spec that is not one already, in order."""
    parsed = [SpaceSpec.parse(spec) for spec in specs]
    return [str(spec.as_debiased()) for spec in parsed if not spec.debiased]
