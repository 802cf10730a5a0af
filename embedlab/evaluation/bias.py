"""Bias: the Word Embedding Association Test (WEAT, Caliskan et al. 2017), the word sets it ships with, which of them
suits a space (:func:`default_weat_set`), and what a result means in plain words (:func:`weat_reading`)."""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from embedlab.errors import EmbedLabError
from embedlab.evaluation.stats import BOOTSTRAP_SEED, CONFIDENCE, METHOD, N_RESAMPLES

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


# Per target list, for an effect size interval (:func:`weat_interval`). Below it the percentile bootstrap of d is
# worse than rough: with no true difference (normal scores, 1,000 simulated tests each) the "95%" interval left out
# 0 for 22% of tests with 3 words a list, 15% with 4, 13% with 5, 8-9% with 8 to 12 and 7% with 25.
WEAT_INTERVAL_MIN_WORDS = 5


WEAT_LISTS = ("X", "Y", "A", "B")  # targets X and Y, attributes A and B


OWN_LISTS = "Your own lists"  # what the Evaluate page's selector shows once the lists are not a preset's


OWN_NAME_PREFIX = "own lists "  # how the name of a test on the person's own lists starts (:func:`own_weat_name`)


WEAT_SIGNIFICANCE = 0.05  # the p-value below which :func:`weat_reading` calls an association more than chance


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
    """WEAT effect size (Cohen's d of the targets' association difference) and one-sided permutation p-values.

    Attributes:
        space: the space's name.
        effect_size: Cohen's d: > 0 when X sits closer to A (and Y to B) than Y does; NaN with too few words.
        p_value: one-sided, for "X is more associated with A than Y is": the share of random equal-size splits of
            X ∪ Y whose statistic is at least the observed one. A negative effect gives a p near 1.
        used: words of each list the space could give (X, Y, A, B -> count).
        missing: words of each list the space lacks: listed, never silently dropped.
        note: why the numbers are NaN, or "".
        p_value_other_way: one-sided p for the reverse claim (Y more associated with A than X is).
        vocabulary: which words the test used, for people.
        lists: the word lists tested (X, Y, A, B -> words, as given).
        ci_low, ci_high: the 95% percentile bootstrap interval of ``effect_size`` over the target words
            (:func:`weat_interval`); NaN when the effect size is NaN (its ``note`` says why), and, quietly (the
            effect size and p stand), when X or Y keeps fewer than :data:`WEAT_INTERVAL_MIN_WORDS` words, or in the
            rare case where some resample of the targets has no spread at all (every score equal).
    """

    space: str
    effect_size: float
    p_value: float
    used: dict[str, int]
    missing: dict[str, list[str]]
    note: str = ""
    p_value_other_way: float = math.nan
    vocabulary: str = ""
    lists: dict[str, list[str]] = field(default_factory=dict)
    ci_low: float = math.nan
    ci_high: float = math.nan


def _cohens_d(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """WEAT's effect size along ``axis``: (mean x - mean y) / std(x ∪ y) (n - 1); NaN where every score is equal."""
    both = np.concatenate([x, y], axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.mean(x, axis=axis) - np.mean(y, axis=axis)) / np.std(both, axis=axis, ddof=1)


def weat_interval(
    x_scores: np.ndarray,
    y_scores: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """The percentile bootstrap interval of WEAT's effect size, resampling the target words.

    ``scipy.stats.bootstrap`` on the two samples s(X) and s(Y) (each target word's association score, s(w) as in
    :func:`weat`), resampled independently with replacement (``paired=False``: X and Y are different words), the
    attribute sets A and B fixed; the statistic is Cohen's d as in :func:`weat`; ``method="percentile"``
    (Efron & Tibshirani 1993, ch. 13), as every interval of :mod:`embedlab.evaluation.stats`, for the reasons
    given there; BCa would also rest its jackknife on the few words (2 to 25) a list has.

    The interval shows how much d owes to which target words were listed; the attribute words' share of that
    sensitivity (Ethayarajh, Duvenaud & Hirst 2019, "Understanding Undesirable Word Embedding Associations", ACL,
    who also prove WEAT overestimates bias) is not in it. With a handful of words per list a bootstrap interval is
    itself rough: Dobrzeniecka & Urbaniak (2024, "A Bayesian Approach to Uncertainty in Word Embedding Bias
    Estimation", Computational Linguistics 50(2)) argue that bootstrapping pre-averaged scores of few words gives
    false confidence, and so does this one at these sizes: "95%" intervals of d left out a true 0 in 13% of
    simulated tests with 5 words a list and 7% with 25 (see :data:`WEAT_INTERVAL_MIN_WORDS`). Read it as a lower
    bound on the uncertainty, not a guarantee.

    Args:
        x_scores, y_scores: s(w) of the target words of X and of Y, shape (n_x,) and (n_y,), each at least 2.
        n_resamples: bootstrap resamples (2,000 take a few milliseconds with 25 words a list).
        bootstrap_seed: of the resamples (its own generator, so the permutation test's draws do not move the interval).
        confidence: of the two-sided interval.

    Returns:
        (low, high); (NaN, NaN) when a resample of the targets has every score equal (d undefined there).
    """
    # lazy: scipy.stats adds ~0.3 s to start-up; only WEAT and comparisons need it
    from scipy import stats

    with warnings.catch_warnings():
        # a NaN resample (no spread) makes the interval NaN, which is what is returned; scipy's warning about it
        # speaks of BCa, which is not used here
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        found = stats.bootstrap(
            (np.asarray(x_scores, dtype=np.float64), np.asarray(y_scores, dtype=np.float64)),
            _cohens_d,
            n_resamples=n_resamples,
            vectorized=True,
            paired=False,
            confidence_level=confidence,
            method=METHOD,
            rng=np.random.default_rng(bootstrap_seed),
        )
    return float(found.confidence_interval.low), float(found.confidence_interval.high)


def weat(
    space: EmbeddingSpace, sets: Mapping[str, Sequence[str]], permutations: int = 10_000, seed: int = 42
) -> WeatResult:
    """The Word Embedding Association Test of target sets X, Y against attribute sets A, B.

    s(w) = mean cos(w, A) - mean cos(w, B); effect size = (mean s(X) - mean s(Y)) / std s(X ∪ Y); p = share of
    random equal-size splits of X ∪ Y whose statistic is at least the observed one (seeded), the one-sided test of
    Caliskan et al. (2017); ``p_value_other_way`` is the share at most the observed one. Words are matched exactly.
    ``ci_low``/``ci_high``: the 95% percentile bootstrap interval of the effect size, resampling X and Y's words
    with A and B fixed (:func:`weat_interval`, :data:`~embedlab.evaluation.stats.N_RESAMPLES` resamples, seeded
    with ``seed``); NaN when X or Y keeps fewer than :data:`WEAT_INTERVAL_MIN_WORDS` words.

    Args:
        space: the space to test.
        sets: lists ``X``, ``Y`` (targets) and ``A``, ``B`` (attributes) of words.
        permutations: random splits drawn.
        seed: of the splits and of the bootstrap's resamples.
    """
    lists = {name: list(sets[name]) for name in WEAT_LISTS}
    missing = {name: [w for w in sets[name] if w not in space.index] for name in WEAT_LISTS}
    present = {name: [w for w in sets[name] if w in space.index] for name in WEAT_LISTS}
    used = {name: len(words) for name, words in present.items()}
    short = [name for name, count in used.items() if count < WEAT_MIN_WORDS]
    if short:
        note = (
            f"too few words left in {', '.join(short)} (at least {WEAT_MIN_WORDS} per set are needed); "
            "add words the space knows"
        )
        return WeatResult(space.name, math.nan, math.nan, used, missing, note, lists=lists)
    vectors = {name: space.vectors[[space.index[w] for w in words]] for name, words in present.items()}
    targets = np.vstack([vectors["X"], vectors["Y"]])
    association = (targets @ vectors["A"].T).mean(axis=1) - (targets @ vectors["B"].T).mean(axis=1)
    size_x = used["X"]
    observed = association[:size_x].sum() - association[size_x:].sum()
    effect = float(_cohens_d(association[:size_x], association[size_x:]))
    low, high = math.nan, math.nan
    if not math.isnan(effect) and min(used["X"], used["Y"]) >= WEAT_INTERVAL_MIN_WORDS:
        low, high = weat_interval(association[:size_x], association[size_x:], bootstrap_seed=seed)
    rng = np.random.default_rng(seed)
    total = association.sum()
    samples = np.array([association[rng.permutation(len(association))[:size_x]].sum() for _ in range(permutations)])
    statistics = samples - (total - samples)
    p_value = float((np.sum(statistics >= observed) + 1) / (permutations + 1))
    p_other = float((np.sum(statistics <= observed) + 1) / (permutations + 1))
    return WeatResult(
        space.name, effect, p_value, used, missing, p_value_other_way=p_other, lists=lists, ci_low=low, ci_high=high
    )


def weat_reading(result: WeatResult, significance: float = WEAT_SIGNIFICANCE) -> str:
    """What a WEAT result says, in plain words, for its actual sign and p-value.

    The p-value tests one direction only: "X is more associated with A (and Y with B) than Y is" (Caliskan et al.
    2017). A negative effect size therefore comes with a p near 1: the association runs the other way (X nearer B),
    which is not "no bias"; the sentence then gives the reverse direction's own one-sided p.

    Returns:
        One or two sentences (Markdown-free), e.g. "X is more associated with A than Y is (d = 0.91, ...)".
    """
    d, p, other = result.effect_size, result.p_value, result.p_value_other_way
    if math.isnan(d) or math.isnan(p):
        return f"No result: {result.note or 'the effect size is undefined (every target scores the same)'}."
    size = _size(d)
    if d >= 0:
        if p < significance:
            return (
                f"X is more associated with A (and Y with B) than chance gives: a {size} effect (d = {d:.2f}), "
                f"one-sided p {_p(p)}: random splits of the targets reach it {_share(p)} of the time."
            )
        return (
            f"X leans towards A (d = {d:.2f}, {size}), but random splits of the targets do as well {_share(p)} of "
            f"the time (one-sided p {_p(p)}): no evidence that X is more associated with A than Y is."
        )
    reverse = f"one-sided p of that reverse direction {_p(other)}" if not math.isnan(other) else ""
    verdict = (
        f"more than chance gives ({reverse})"
        if not math.isnan(other) and other < significance
        else f"but not beyond chance ({reverse})"
    )
    return (
        f"The association runs the other way: Y is more associated with A (and X with B) than X is, a {size} effect "
        f'(d = {d:.2f}), {verdict}. The p = {p:.3f} shown tests only "X more associated with A", so a p near 1 '
        'here means the opposite direction, not "no bias".'
    )


def _p(p: float) -> str:
    """``= 0.023``, or ``< 0.001`` where three decimals would show 0."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _share(p: float) -> str:
    return "less than 0.1%" if p < 0.001 else f"{p:.1%}"


def _size(d: float) -> str:
    """Cohen's conventional reading of |d|."""
    magnitude = abs(d)
    return "large" if magnitude >= 0.8 else "medium" if magnitude >= 0.5 else "small" if magnitude >= 0.2 else "tiny"


def weat_coverage(
    space: EmbeddingSpace, sets: Mapping[str, Mapping[str, Sequence[str]]] = WEAT_SETS
) -> dict[str, dict[str, int]]:
    """How many words of each list of each test the space can give: every word for a space with a model (it
    encodes any word, see ``with_encoded_words``), else the words it holds (matched exactly, as :func:`weat`).

    Returns:
        test name -> {list name (X, Y, A, B) -> words usable}.
    """
    if space.encoder is not None:
        return {name: {key: len(dict.fromkeys(lists[key])) for key in WEAT_LISTS} for name, lists in sets.items()}
    return {
        name: {key: len([w for w in dict.fromkeys(lists[key]) if w in space.index]) for key in WEAT_LISTS}
        for name, lists in sets.items()
    }


def default_weat_set(coverage: Mapping[str, Mapping[str, Mapping[str, int]]]) -> tuple[str, list[str]]:
    """The shipped test to open with for these spaces, and the spaces no shipped test suits.

    A test suits a space when each of its lists keeps at least :data:`WEAT_MIN_WORDS` words there. The test chosen
    suits the most spaces; among those, it keeps the largest share of its words, summed over the spaces (shares,
    not counts, so a space with a model, which keeps every word of every test, does not favour the longest lists);
    ties go to the first in :data:`WEAT_SETS`.

    Args:
        coverage: space name -> :func:`weat_coverage` of that space (test -> list -> usable words).

    Returns:
        (the test's name, the names of the spaces where no shipped test has enough words, in the order given).
    """
    names = list(WEAT_SETS)
    sizes = {name: sum(len(dict.fromkeys(WEAT_SETS[name][key])) for key in WEAT_LISTS) for name in names}

    def suits(counts: Mapping[str, int]) -> bool:
        return all(counts.get(key, 0) >= WEAT_MIN_WORDS for key in WEAT_LISTS)

    def rank(name: str) -> tuple[int, float, int]:
        suited = sum(suits(tests.get(name, {})) for tests in coverage.values())
        share = sum(sum(tests.get(name, {}).values()) / sizes[name] for tests in coverage.values())
        return suited, round(share, 9), -names.index(name)

    best = max(names, key=rank)
    unsuited = [space for space, tests in coverage.items() if not any(suits(tests.get(n, {})) for n in names)]
    return best, unsuited


def own_weat_name(sets: Mapping[str, Sequence[str]]) -> str:
    """The name a test on the person's own lists is kept under: its first words and a short content hash, so
    different lists are kept side by side and the same lists replace their earlier result.

    Returns:
        e.g. ``own lists 3f9a2c: matrix, sparse… vs signal, filter… / fast, good… vs slow, bad…``.
    """
    words = {key: list(sets.get(key, ())) for key in WEAT_LISTS}
    digest = hashlib.sha256(repr([words[key] for key in WEAT_LISTS]).encode("utf-8")).hexdigest()[:6]

    def start(key: str) -> str:
        return ", ".join(words[key][:2]) + ("…" if len(words[key]) > 2 else "")

    return f"{OWN_NAME_PREFIX}{digest}: {start('X')} vs {start('Y')} / {start('A')} vs {start('B')}"
