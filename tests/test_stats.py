"""Intervals and paired tests (embedlab.evaluation.stats) equal scipy's on the same inputs, call a planted difference
and leave identical spaces alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from embedlab.evaluation import stats

N = 1000  # resamples in these tests


def _scipy_ci(data, statistic, seed=stats.BOOTSTRAP_SEED, paired=True):
    found = scipy_stats.bootstrap(
        data,
        statistic,
        n_resamples=N,
        vectorized=True,
        paired=paired,
        batch=250,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return found


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(0)
    gold = rng.uniform(0, 10, 200)
    good = gold + rng.normal(0, 2, 200)  # ρ about 0.8
    poor = gold + rng.normal(0, 8, 200)  # ρ about 0.35
    return gold, good, poor


def test_the_mean_interval_is_scipys_percentile_bootstrap_with_the_same_seed():
    values = np.random.default_rng(1).exponential(0.3, 500)
    found = stats.mean_interval(values, n_resamples=N, bootstrap_seed=7)
    expected = _scipy_ci((values,), np.mean, seed=7).confidence_interval
    assert found.value == pytest.approx(values.mean())
    assert (found.ci_low, found.ci_high) == (pytest.approx(expected.low), pytest.approx(expected.high))
    assert found.ci_low < found.value < found.ci_high and found.items == 500


@pytest.mark.slow
def test_the_spearman_interval_resamples_pairs_and_equals_scipys(pairs):
    gold, good, _ = pairs

    def rho(x, y, axis=-1):
        return np.array(
            [scipy_stats.spearmanr(a, b).statistic for a, b in zip(np.atleast_2d(x), np.atleast_2d(y))]
        ).reshape(np.shape(x)[:-1])

    found = stats.spearman_interval(gold, good, n_resamples=N)
    expected = _scipy_ci((gold, good), rho).confidence_interval
    assert found.value == pytest.approx(scipy_stats.spearmanr(gold, good).statistic)
    assert found.ci_low == pytest.approx(expected.low) and found.ci_high == pytest.approx(expected.high)
    assert 0.6 < found.ci_low < found.value < found.ci_high < 0.95


def test_a_planted_correlation_difference_is_called_and_identical_spaces_are_not(pairs):
    gold, good, poor = pairs
    found = stats.spearman_difference(gold, good, poor, n_resamples=N)
    assert found.value == pytest.approx(
        scipy_stats.spearmanr(gold, good).statistic - scipy_stats.spearmanr(gold, poor).statistic
    )
    assert found.ci_low > 0 and found.p_value < 0.05 and found.items == 200
    # the p-value is read off scipy's own bootstrap distribution of the paired difference
    distribution = _scipy_ci(
        (gold, good, poor),
        lambda g, a, b, axis=-1: stats._rank_correlation(g, a, axis) - stats._rank_correlation(g, b, axis),
    ).bootstrap_distribution
    smaller = min((distribution <= 0).sum(), (distribution >= 0).sum())
    assert found.p_value == pytest.approx(min(1, 2 * (smaller + 1) / (N + 1)))
    assert stats.verdict(found.value, found.p_value, "A", "B") == "A better"
    assert stats.verdict(-found.value, found.p_value, "A", "B") == "B better"

    same = stats.spearman_difference(gold, good, good.copy(), n_resamples=N)
    assert same.value == 0 and same.p_value == 1.0 and same.ci_low == 0 == same.ci_high
    assert (
        stats.verdict(same.value, same.p_value, "A", "B") == stats.NO_DIFFERENCE == "no significant difference at 95%"
    )


def test_mcnemar_is_scipys_exact_binomial_test_on_the_discordant_items():
    rng = np.random.default_rng(3)
    a = rng.random(400) < 0.6
    b = a.copy()
    flip = rng.choice(400, 60, replace=False)
    b[flip[:45]] = False  # B loses 45 items A gets right (where A was right), gains some elsewhere
    b[flip[45:]] = True
    p, only_a, only_b = stats.mcnemar_exact(a, b)
    assert (only_a, only_b) == (int((a & ~b).sum()), int((~a & b).sum()))
    assert p == pytest.approx(scipy_stats.binomtest(only_a, only_a + only_b, 0.5).pvalue)
    found = stats.accuracy_difference(a, b, n_resamples=N)
    assert found.test == "McNemar exact" and found.p_value == p and found.discordant == (only_a, only_b)
    assert found.value == pytest.approx(a.mean() - b.mean())
    expected = _scipy_ci(((a.astype(float) - b.astype(float)),), np.mean).confidence_interval
    assert (found.ci_low, found.ci_high) == (pytest.approx(expected.low), pytest.approx(expected.high))
    assert stats.mcnemar_exact(a, a) == (1.0, 0, 0)
    assert stats.accuracy_difference(a, a, n_resamples=N).p_value == 1.0


def test_paired_mean_difference_sees_a_small_consistent_gain_that_unpaired_intervals_would_miss():
    rng = np.random.default_rng(5)
    base = rng.uniform(0, 1, 300)
    better = np.clip(base + 0.03 + rng.normal(0, 0.01, 300), 0, None)
    found = stats.mean_difference(better, base, n_resamples=N)
    alone_a, alone_b = stats.mean_interval(better, N), stats.mean_interval(base, N)
    assert alone_a.ci_low < alone_b.ci_high  # the two intervals overlap...
    assert found.ci_low > 0 and found.p_value < 0.05  # ...but the paired difference is clear
    assert stats.verdict(found.value, found.p_value, "A", "B") == "A better"


def test_too_few_items_give_no_interval_and_no_verdict():
    short = stats.spearman_difference(np.array([1.0, 2.0]), np.array([1.0, 2.0]), np.array([2.0, 1.0]))
    assert math.isnan(short.p_value) and math.isnan(short.ci_low)
    assert stats.verdict(short.value, short.p_value, "A", "B") == stats.NO_DIFFERENCE
    assert math.isnan(stats.mean_interval(np.array([])).value)
    assert math.isnan(stats.bootstrap_p_value(np.array([np.nan])))


@pytest.mark.slow
def test_thousands_of_items_stay_fast():
    """The sizes the app meets: SimLex-999's 999 pairs, all 19,544 Google analogy questions (2,000 resamples)."""
    import time

    rng = np.random.default_rng(9)
    gold = rng.random(999)
    started = time.perf_counter()
    stats.spearman_difference(gold, gold + rng.random(999), gold + rng.random(999))
    stats.accuracy_difference(rng.random(19544) < 0.5, rng.random(19544) < 0.5)
    assert time.perf_counter() - started < 10  # about 1.5 s on an idle core
