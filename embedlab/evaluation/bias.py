"""Bias: the Word Embedding Association Test (WEAT, Caliskan et al. 2017) and the word sets it ships with."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import EmbedLabError

if TYPE_CHECKING:
    from embedlab.spaces.space import EmbeddingSpace


# Word sets of Caliskan et al. (2017), "Semantics derived automatically from language corpora contain human-like
# biases", tests 1, 6 and 7 (lowercased; a few multi-word entries left out).
WEAT_SETS: dict[str, dict[str, list[str]]] = {
    "Flowers vs insects / pleasant vs unpleasant": {
        "X": "aster clover hyacinth marigold poppy azalea crocus iris orchid rose bluebell daffodil lilac pansy "
        "tulip buttercup daisy lily peony violet carnation gladiola magnolia petunia zinnia".split(),
        "Y": "ant caterpillar flea locust spider bedbug centipede fly maggot tarantula bee cockroach gnat mosquito "
        "termite beetle cricket hornet moth wasp blackfly dragonfly horsefly roach weevil".split(),
        "A": "caress freedom health love peace cheer friend heaven loyal pleasure diamond gentle honest lucky "
        "rainbow diploma gift honor miracle sunrise family happy laughter paradise vacation".split(),
        "B": "abuse crash filth murder sickness accident death grief poison stink assault disaster hatred pollute "
        "tragedy divorce jail poverty ugly cancer kill rotten vomit agony prison".split(),
    },
    "Career vs family / male vs female names": {
        "X": "executive management professional corporation salary office business career".split(),
        "Y": "home parents children family cousins marriage wedding relatives".split(),
        "A": "john paul mike kevin steve greg jeff bill".split(),
        "B": "amy joan lisa sarah diana kate ann donna".split(),
    },
    "Math vs arts / male vs female terms": {
        "X": "math algebra geometry calculus equations computation numbers addition".split(),
        "Y": "poetry art dance literature novel symphony drama sculpture".split(),
        "A": "male man boy brother he him his son".split(),
        "B": "female woman girl sister she her hers daughter".split(),
    },
}


WEAT_MIN_WORDS = 2  # per set, after dropping missing words


WEAT_LISTS = ("X", "Y", "A", "B")  # targets X and Y, attributes A and B


def choose_weat_sets(names: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """Shipped WEAT sets (:data:`WEAT_SETS`) by the start of their names, case-insensitive, or all for ``"all"``.

    Args:
        names: e.g. ``["career", "math"]`` or ``["all"]``.

    Returns:
        Set name -> lists X, Y, A, B, in the order asked for.

    Raises:
        EmbedLabError: a name is empty, or starts no set or more than one; the message lists the sets.
    """
    if "all" in names:
        return dict(WEAT_SETS)
    chosen = {}
    for wanted in names:
        found = [name for name in WEAT_SETS if name.lower().startswith(wanted.strip().lower())]
        if len(found) != 1 or not wanted.strip():
            raise EmbedLabError(
                f"WEAT set {wanted!r} names {'no' if not found else 'more than one'} set: give the "
                f"start of one of: {'; '.join(WEAT_SETS)} (e.g. 'career'), or 'all'"
            )
        chosen[found[0]] = WEAT_SETS[found[0]]
    return chosen


@dataclass(frozen=True, eq=False)
class WeatResult:
    """WEAT effect size (Cohen's d of the targets' association difference) and a one-sided permutation p-value."""

    space: str
    effect_size: float
    p_value: float
    used: dict[str, int]
    missing: dict[str, list[str]]  # words of each set the space lacks: listed, never silently dropped
    note: str = ""


def weat(
    space: EmbeddingSpace, sets: Mapping[str, Sequence[str]], permutations: int = 10_000, seed: int = 42
) -> WeatResult:
    """The Word Embedding Association Test of target sets X, Y against attribute sets A, B.

    s(w) = mean cos(w, A) - mean cos(w, B); effect size = (mean s(X) - mean s(Y)) / std s(X ∪ Y); p = share of
    random equal-size splits of X ∪ Y whose statistic is at least the observed one (seeded).
    """
    missing = {name: [w for w in sets[name] if w not in space.index] for name in WEAT_LISTS}
    present = {name: [w for w in sets[name] if w in space.index] for name in WEAT_LISTS}
    used = {name: len(words) for name, words in present.items()}
    short = [name for name, count in used.items() if count < WEAT_MIN_WORDS]
    if short:
        note = (
            f"too few words left in {', '.join(short)} (at least {WEAT_MIN_WORDS} per set are needed); "
            "add words the space knows"
        )
        return WeatResult(space.name, math.nan, math.nan, used, missing, note)
    vectors = {name: space.vectors[[space.index[w] for w in words]] for name, words in present.items()}
    targets = np.vstack([vectors["X"], vectors["Y"]])
    association = (targets @ vectors["A"].T).mean(axis=1) - (targets @ vectors["B"].T).mean(axis=1)
    size_x = used["X"]
    observed = association[:size_x].sum() - association[size_x:].sum()
    effect = (association[:size_x].mean() - association[size_x:].mean()) / association.std(ddof=1)
    rng = np.random.default_rng(seed)
    total = association.sum()
    samples = np.array([association[rng.permutation(len(association))[:size_x]].sum() for _ in range(permutations)])
    statistics = samples - (total - samples)
    p_value = float((np.sum(statistics >= observed) + 1) / (permutations + 1))
    return WeatResult(space.name, float(effect), p_value, used, missing)
