"""Which randomness a space's scores carry, and the other seeds' trainings that measure it.

A space that comes from training (a Word2Vec/FastText run, a fine-tune, a copy derived from one) is one draw of its
configuration: another seed gives other vectors and other scores. A comparison of two such files says nothing about
their configurations unless the variance between seeds is measured (Bouthillier et al. 2021, "Accounting for
Variance in Machine Learning Benchmarks", MLSys): a run trained with several seeds (``TrainConfig.seeds``) keeps the
other seeds' trainings, and the evaluation scores each of them (``run-…@seed43``, :mod:`embedlab.spaces.spec`).
The pretrained baseline and a vectors file are fixed: no training happens here, so no seed variance.
"""

from __future__ import annotations

from enum import StrEnum

from embedlab import store
from embedlab.errors import EmbedLabError
from embedlab.spaces.spec import SpaceKind, SpaceSpec

__all__ = ["Training", "seed_specs", "training_of"]


class Training(StrEnum):
    """The randomness of training behind a space's scores."""

    FIXED = "fixed"  # the baseline, a vectors file (or a copy of one): nothing trained here, no seed variance
    ONE_SEED = "one seed"  # trained once: its scores cannot tell its configuration from seed noise
    SEEDS = "seeds"  # trained with several seeds, each scored: the variance between seeds is measured


def seed_specs(spec: str) -> tuple[str, ...]:
    """The specs of the other seeds' trainings of a run as saved (``run-…@seedN``, the run's own seed left out);
    empty for anything else (a single-seed run, a fine-tune, a copy in context or debiased, the baseline, a file, or
    a spec that does not parse)."""
    try:
        parsed = SpaceSpec.parse(spec)
    except EmbedLabError:
        return ()
    record = store.get_run(parsed.source) if parsed.is_plain_run else None
    if record is None:
        return ()
    return tuple(str(parsed.with_seed(seed)) for seed in record.seeds[1:])


def training_of(spec: str) -> Training:
    """:class:`Training` of the space a spec names: SEEDS for a run trained with several seeds (as saved), FIXED for
    the baseline and vectors files (and their copies), ONE_SEED for every other run or copy of one (and, to be safe,
    for a spec that does not parse)."""
    try:
        parsed = SpaceSpec.parse(spec)
    except EmbedLabError:
        return Training.ONE_SEED
    if parsed.kind is not SpaceKind.RUN:
        return Training.FIXED
    return Training.SEEDS if seed_specs(spec) else Training.ONE_SEED
