"""Uncertainty for side-by-side numbers: bootstrap confidence intervals and paired tests of a difference.

Every function here takes plain per-item arrays (one entry per word pair, analogy question, held-out query or
document) and returns plain numbers; which items two spaces share is decided by the caller
(:mod:`embedlab.evaluation.uncertainty`).

- Intervals are percentile bootstrap intervals (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*,
  ch. 13), computed by ``scipy.stats.bootstrap`` (``method="percentile"``, seeded, vectorised, in batches so
  thousands of items stay small in memory). A difference of two spaces resamples items *paired*: the same
  resampled items score both spaces.
- A continuous difference (Spearman ρ, MRR@k) is tested with the bootstrap's own distribution: the two-sided
  achieved significance level of "difference = 0" read off the percentile interval (Efron & Tibshirani 1993,
  §15.4), so ``p < 0.05`` exactly when the 95% percentile interval leaves out 0 (up to the interval's
  interpolation between resamples).
- A difference of two right/wrong vectors on the same items (analogy questions, recall@k hits, documents
  classified out of fold) is tested with McNemar's exact test (McNemar 1947): under "no difference" the
  discordant items split 50/50, a binomial test on them (``scipy.stats.binomtest``). The label task's per-document
  comparison follows Dietterich (1998), who found the paired t-test over k-fold accuracies too liberal.

- A difference of two *configurations* — spaces that come from training, each trained with several seeds and every
  seed scored on the same items — is tested over seeds and items together (:func:`seeded_mean_difference`,
  :func:`seeded_spearman_difference`): the tests above condition on the two trained files and ignore the variance of
  training, which on a real corpus is as large as the gaps they call significant (Bouthillier et al. 2021,
  "Accounting for Variance in Machine Learning Benchmarks", MLSys). The difference of the seed-averaged measures
  has variance ``s²_A/m + s²_B/n + v_items``: the between-seed variances of each side's measure on the shared items
  (Bouthillier et al.'s "multiple sources of variation"; a side with no training, such as the pretrained baseline,
  has none) plus the item-sampling variance of the seed-averaged difference (per-item for means, a paired bootstrap
  for ρ); the interval and p come from Student's t with Welch–Satterthwaite degrees of freedom (Welch 1947;
  Satterthwaite 1946), as in a two-level random-effects model. With two or three seeds the t quantile is wide: a
  claim about a configuration needs its seeds to agree.

Percentile rather than BCa intervals: BCa needs a jackknife (n extra statistics per interval) and fails on the
degenerate distributions this app meets on purpose (a space compared with itself, recall 0 everywhere), and the
percentile interval is the one the bootstrap p-value above inverts, so the interval and the test never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from embedlab.metrics import BOOTSTRAP_BATCH, BOOTSTRAP_SEED, CONFIDENCE
from embedlab.metrics import BOOTSTRAP_RESAMPLES as N_RESAMPLES

METHOD = "percentile"

NO_DIFFERENCE = "no significant difference at 95%"


@dataclass(frozen=True)
class Interval:
    """A measure with its bootstrap interval.

    Attributes:
        value: the measure on all items.
        ci_low, ci_high: the percentile bootstrap interval (NaN with too few items).
        items: how many items it was computed on.
    """

    value: float
    ci_low: float
    ci_high: float
    items: int


@dataclass(frozen=True)
class Difference:
    """A paired difference ``A − B`` on the items both spaces score, its interval and its test.

    Attributes:
        value: A's measure minus B's on the shared items.
        ci_low, ci_high: the paired percentile bootstrap interval of the difference.
        p_value: two-sided p of "no difference" (NaN with too few items).
        items: the shared items.
        test: which test gave ``p_value`` ("paired bootstrap" or "McNemar exact").
        a_value, b_value: each space's measure on the shared items.
        discordant: for McNemar, (right only in A, right only in B); else (0, 0).
    """

    value: float
    ci_low: float
    ci_high: float
    p_value: float
    items: int
    test: str
    a_value: float = math.nan
    b_value: float = math.nan
    discordant: tuple[int, int] = (0, 0)


def _bootstrap(
    data: tuple[np.ndarray, ...],
    statistic: Callable[..., np.ndarray],
    n_resamples: int,
    bootstrap_seed: int,
    confidence: float,
):
    # lazy: scipy.stats adds ~0.3 s to start-up; only comparisons need it
    from scipy import stats

    return stats.bootstrap(
        data,
        statistic,
        n_resamples=n_resamples,
        batch=BOOTSTRAP_BATCH,
        vectorized=True,
        paired=True,
        confidence_level=confidence,
        method=METHOD,
        rng=np.random.default_rng(bootstrap_seed),
    )


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(values, axis=axis)


def _rank_correlation(gold: np.ndarray, model: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman ρ along ``axis`` (Pearson r of average ranks, as ``scipy.stats.spearmanr``); NaN where a side is
    constant."""
    # lazy: scipy.stats adds ~0.3 s to start-up; only comparisons need it
    from scipy.stats import rankdata

    x = rankdata(gold, axis=axis)
    y = rankdata(model, axis=axis)
    x = x - x.mean(axis=axis, keepdims=True)
    y = y - y.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x * y).sum(axis=axis) / np.sqrt((x * x).sum(axis=axis) * (y * y).sum(axis=axis))


def _codes(values: np.ndarray) -> np.ndarray:
    """Dense ranks 0..u-1 of a vector (equal values share a code): Spearman ρ of codes equals ρ of the values, and
    :func:`_code_ranks` ranks resampled codes in linear time."""
    return np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _code_ranks(codes: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties averaged, as ``scipy.stats.rankdata``) of each row of integer codes, by counting
    rather than sorting.

    Args:
        codes: int array of shape (rows, n), values in 0..u-1.
    """
    codes = np.atleast_2d(codes).astype(np.int64)
    rows, _ = codes.shape
    size = int(codes.max()) + 1
    counts = np.bincount((codes + size * np.arange(rows)[:, None]).ravel(), minlength=rows * size)
    counts = counts.reshape(rows, size)
    average = np.cumsum(counts, axis=1) - (counts - 1) / 2  # the average rank of each code's items
    return np.take_along_axis(average, codes, axis=1)


def _code_correlation(gold: np.ndarray, model: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman ρ per row of two arrays of codes (:func:`_codes`), shape (rows, n) -> (rows,)."""
    shape = np.shape(gold)[:-1]
    x, y = (
        _code_ranks(np.reshape(gold, (-1, np.shape(gold)[-1]))),
        _code_ranks(np.reshape(model, (-1, np.shape(model)[-1]))),
    )
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        found = (x * y).sum(axis=1) / np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))
    return found.reshape(shape)


def spearman(gold: np.ndarray, model: np.ndarray) -> float:
    """Spearman ρ of two vectors of shape (n,) (NaN with fewer than 3 items or a constant side)."""
    gold, model = np.asarray(gold, dtype=np.float64), np.asarray(model, dtype=np.float64)
    return float(_rank_correlation(gold, model)) if len(gold) >= 3 else math.nan


def bootstrap_p_value(distribution: np.ndarray, null: float = 0.0) -> float:
    """Two-sided achieved significance level of ``null`` from a bootstrap distribution: twice the smaller share of
    resamples on either side of it, counted as ``(count + 1) / (resamples + 1)`` so that a p never reads 0 (its
    resolution is the number of resamples), at most 1. A distribution that is all ``null`` (identical spaces)
    gives 1.

    Args:
        distribution: the statistic on each resample, shape (n_resamples,); NaN resamples are left out.
    """
    values = np.asarray(distribution, dtype=np.float64)
    values = values[~np.isnan(values)]
    if not len(values):
        return math.nan
    below, above = int(np.sum(values <= null)), int(np.sum(values >= null))
    return min(1.0, 2 * (min(below, above) + 1) / (len(values) + 1))


def mean_interval(
    values: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> Interval:
    """The mean of per-item values (reciprocal ranks, 0/1 correctness) and its percentile bootstrap interval.

    Args:
        values: shape (n,).
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        value = float(values.mean()) if len(values) else math.nan
        return Interval(value, math.nan, math.nan, len(values))
    found = _bootstrap((values,), _mean, n_resamples, bootstrap_seed, confidence)
    ci = found.confidence_interval
    return Interval(float(values.mean()), float(ci.low), float(ci.high), len(values))


def spearman_interval(
    gold: np.ndarray,
    model: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> Interval:
    """Spearman ρ of gold scores and a space's similarities, with a percentile bootstrap interval resampling pairs.

    Args:
        gold, model: shape (n,), one entry per word pair.
    """
    gold, model = np.asarray(gold, dtype=np.float64), np.asarray(model, dtype=np.float64)
    value = spearman(gold, model)
    if len(gold) < 3:
        return Interval(value, math.nan, math.nan, len(gold))
    found = _bootstrap((_codes(gold), _codes(model)), _code_correlation, n_resamples, bootstrap_seed, confidence)
    ci = found.confidence_interval
    return Interval(value, float(ci.low), float(ci.high), len(gold))


def spearman_difference(
    gold: np.ndarray,
    model_a: np.ndarray,
    model_b: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> Difference:
    """ρ(gold, A) − ρ(gold, B) on the pairs both spaces score: resampling pairs, each resample scoring both spaces
    on the same pairs; p from the bootstrap distribution (:func:`bootstrap_p_value`).

    Args:
        gold, model_a, model_b: shape (n,), aligned by pair.
    """
    gold = np.asarray(gold, dtype=np.float64)
    model_a, model_b = np.asarray(model_a, dtype=np.float64), np.asarray(model_b, dtype=np.float64)
    a_value, b_value = spearman(gold, model_a), spearman(gold, model_b)
    if len(gold) < 3:
        return Difference(a_value - b_value, math.nan, math.nan, math.nan, len(gold), "paired bootstrap")

    def statistic(gold, a, b, axis=-1):
        return _code_correlation(gold, a, axis) - _code_correlation(gold, b, axis)

    codes = (_codes(gold), _codes(model_a), _codes(model_b))
    found = _bootstrap(codes, statistic, n_resamples, bootstrap_seed, confidence)
    ci = found.confidence_interval
    p = bootstrap_p_value(found.bootstrap_distribution)
    return Difference(
        a_value - b_value, float(ci.low), float(ci.high), p, len(gold), "paired bootstrap", a_value, b_value
    )


def mean_difference(
    a: np.ndarray,
    b: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> Difference:
    """mean(A) − mean(B) of per-item values (e.g. reciprocal ranks of the same queries): paired bootstrap interval
    and p (:func:`bootstrap_p_value`).

    Args:
        a, b: shape (n,), aligned by item.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) != len(b):
        raise ValueError(f"paired values need the same items: {len(a)} against {len(b)}")
    a_value = float(a.mean()) if len(a) else math.nan
    b_value = float(b.mean()) if len(b) else math.nan
    if len(a) < 2:
        return Difference(a_value - b_value, math.nan, math.nan, math.nan, len(a), "paired bootstrap", a_value, b_value)
    found = _bootstrap((a - b,), _mean, n_resamples, bootstrap_seed, confidence)
    ci = found.confidence_interval
    p = bootstrap_p_value(found.bootstrap_distribution)
    return Difference(a_value - b_value, float(ci.low), float(ci.high), p, len(a), "paired bootstrap", a_value, b_value)


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[float, int, int]:
    """McNemar's exact test (McNemar 1947) of two right/wrong vectors on the same items.

    Args:
        correct_a, correct_b: bool arrays of shape (n,), aligned by item.

    Returns:
        (two-sided p, items right only in A, items right only in B); p is 1 with no discordant item.
    """
    # lazy: scipy.stats adds ~0.3 s to start-up; only comparisons need it
    from scipy.stats import binomtest

    a, b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    if only_a + only_b == 0:
        return 1.0, 0, 0
    return float(binomtest(only_a, only_a + only_b, 0.5).pvalue), only_a, only_b


def accuracy_difference(
    correct_a: np.ndarray,
    correct_b: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> Difference:
    """accuracy(A) − accuracy(B) on the same items: paired percentile bootstrap interval, McNemar's exact p.

    Args:
        correct_a, correct_b: bool arrays of shape (n,), aligned by item.
    """
    a, b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    found = mean_difference(a.astype(np.float64), b.astype(np.float64), n_resamples, bootstrap_seed, confidence)
    if not len(a):
        return found
    p, only_a, only_b = mcnemar_exact(a, b)
    return Difference(
        found.value,
        found.ci_low,
        found.ci_high,
        p,
        found.items,
        "McNemar exact",
        found.a_value,
        found.b_value,
        (only_a, only_b),
    )


SEEDED_TEST = "t over seeds and items (Welch–Satterthwaite)"


def _seed_terms(per_seed: np.ndarray) -> tuple[float, int]:
    """(variance of the seed mean, its degrees of freedom) of one side's per-seed measures; (0, 0) for one seed (a
    space with no training: no between-seed variance)."""
    values = np.asarray(per_seed, dtype=np.float64)
    if len(values) < 2:
        return 0.0, 0
    return float(values.var(ddof=1)) / len(values), len(values) - 1


def _seeded(
    per_seed_a: np.ndarray, per_seed_b: np.ndarray, item_variance: float, items: int, confidence: float
) -> Difference:
    """The t test of :func:`seeded_mean_difference` from each side's per-seed measures and the item term."""
    # lazy: scipy.stats adds ~0.3 s to start-up; only comparisons need it
    from scipy.stats import t

    a_value, b_value = float(np.mean(per_seed_a)), float(np.mean(per_seed_b))
    value = a_value - b_value
    terms = [_seed_terms(per_seed_a), _seed_terms(per_seed_b), (float(item_variance), items - 1)]
    variance = sum(term for term, _ in terms)
    if not np.isfinite(variance) or items < 2:
        return Difference(value, math.nan, math.nan, math.nan, items, SEEDED_TEST, a_value, b_value)
    if variance <= 0:  # every seed and item agree: no spread to test against
        p = 1.0 if value == 0 else 0.0
        return Difference(value, value, value, p, items, SEEDED_TEST, a_value, b_value)
    # Welch-Satterthwaite: the degrees of freedom of a sum of independently estimated variances
    df = variance**2 / sum(term**2 / free for term, free in terms if free > 0 and term > 0)
    scale = math.sqrt(variance)
    half = float(t.ppf(0.5 + confidence / 2, df)) * scale
    p = float(2 * t.sf(abs(value) / scale, df))
    return Difference(value, value - half, value + half, p, items, SEEDED_TEST, a_value, b_value)


def seeded_mean_difference(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> Difference:
    """Mean(A) − mean(B) of two configurations, each scored per seed on the same items (reciprocal ranks, 0/1
    correctness): t over seeds and items (see the module; Bouthillier et al. 2021, Welch–Satterthwaite).

    Args:
        a: shape (m, n): one row per seed of A, one column per item; a space with no training gives one row.
        b: shape (k, n), the same items.

    Returns:
        The difference of the seed-averaged means, its t interval and two-sided p; ``a_value``/``b_value`` are the
        seed-averaged means. NaN interval and p with fewer than two items.

    Raises:
        ValueError: the sides score different numbers of items, or a side has no seed.
    """
    a, b = np.atleast_2d(np.asarray(a, dtype=np.float64)), np.atleast_2d(np.asarray(b, dtype=np.float64))
    if a.shape[1] != b.shape[1] or not len(a) or not len(b):
        raise ValueError(f"seeded values need the same items and a seed each: {a.shape} against {b.shape}")
    items = a.shape[1]
    if not items:
        return Difference(math.nan, math.nan, math.nan, math.nan, 0, SEEDED_TEST)
    per_item = a.mean(axis=0) - b.mean(axis=0)
    item_variance = float(per_item.var(ddof=1)) / items if items >= 2 else math.nan
    return _seeded(a.mean(axis=1), b.mean(axis=1), item_variance, items, confidence)


def seeded_spearman_difference(
    gold: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    n_resamples: int = N_RESAMPLES,
    bootstrap_seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> Difference:
    """Mean over seeds of ρ(gold, A) − mean over seeds of ρ(gold, B) on the same word pairs: t over seeds and pairs
    (as :func:`seeded_mean_difference`), the pairs' sampling variance from a paired bootstrap of the seed-averaged
    difference (``scipy.stats.bootstrap``).

    Args:
        gold: shape (n,).
        a: shape (m, n), each seed's similarities of the pairs; b: shape (k, n).

    Raises:
        ValueError: the arrays disagree on the pairs.
    """
    gold = np.asarray(gold, dtype=np.float64)
    a, b = np.atleast_2d(np.asarray(a, dtype=np.float64)), np.atleast_2d(np.asarray(b, dtype=np.float64))
    if not a.shape[1] == b.shape[1] == len(gold) or not len(a) or not len(b):
        raise ValueError(f"seeded pairs disagree: gold {gold.shape}, {a.shape} against {b.shape}")
    per_a = np.array([spearman(gold, row) for row in a])
    per_b = np.array([spearman(gold, row) for row in b])
    if len(gold) < 3:
        return _seeded(per_a, per_b, math.nan, len(gold), confidence)
    m = len(a)

    def statistic(gold_codes, *sides, axis=-1):
        scores = [_code_correlation(gold_codes, side, axis) for side in sides]
        return np.mean(scores[:m], axis=0) - np.mean(scores[m:], axis=0)

    codes = (_codes(gold), *(_codes(row) for row in a), *(_codes(row) for row in b))
    found = _bootstrap(codes, statistic, n_resamples, bootstrap_seed, confidence)
    item_variance = float(np.nanvar(found.bootstrap_distribution, ddof=1))
    return _seeded(per_a, per_b, item_variance, len(gold), confidence)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (Holm 1979): rejecting where the adjusted p < α controls
    the family-wise error rate at α over the whole family, under any dependence between the tests; by
    ``statsmodels.stats.multitest.multipletests``. NaN (no test) stays NaN and is not counted in the family.

    Args:
        p_values: shape (n,).

    Returns:
        The adjusted p-values, shape (n,), each at least its raw p and at most 1.
    """
    # lazy: statsmodels takes ~1 s to import; only tables of differences need it
    from statsmodels.stats.multitest import multipletests

    values = np.asarray(p_values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    known = ~np.isnan(values)
    if known.any():
        out[known] = multipletests(values[known], method="holm")[1]
    return out


def verdict(value: float, p_value: float, a: str, b: str, alpha: float = 1 - CONFIDENCE) -> str:
    """``"A better"``, ``"B better"`` (with the spaces' names) or :data:`NO_DIFFERENCE`, from a difference A − B
    and its p; no p (too few shared items) is no significant difference."""
    if math.isnan(p_value) or math.isnan(value) or p_value >= alpha or value == 0:
        return NO_DIFFERENCE
    return f"{a} better" if value > 0 else f"{b} better"
