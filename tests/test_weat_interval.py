"""WEAT's effect size with its 95% interval: a percentile bootstrap of Cohen's d over the target words (scipy's own,
attributes fixed), NaN where d is, narrower with more words, and carried to the CLI's JSON, the kept results, the
Evaluate page and the report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import TINY_TEXT, evaluate_page, make_space
from scipy import stats as scipy_stats

from embedlab import evaluation, spaces
from embedlab.cli import main
from embedlab.evaluation.stats import N_RESAMPLES

MATH = "Math vs arts / male vs female terms"
FLOWERS = "Flowers vs insects / pleasant vs unpleasant"


def _planted(n: int, noise: float, seed: int = 0, dim: int = 16):
    """n words a list; X and A lean on one axis, Y and B on another (``noise`` hides it): X is associated with A."""
    rng = np.random.default_rng(seed)
    words, rows = [], []
    for key, axis in (("X", 0), ("Y", 1), ("A", 0), ("B", 1)):
        for i in range(n):
            words.append(f"{key.lower()}{i}")
            vector = rng.normal(scale=noise, size=dim)
            vector[axis] += 1.0
            rows.append(vector)
    sets = {key: [f"{key.lower()}{i}" for i in range(n)] for key in evaluation.WEAT_LISTS}
    return make_space(words, np.array(rows), name="toy"), sets


def _scores(space, sets) -> tuple[np.ndarray, np.ndarray]:
    """s(w) = mean cos(w, A) - mean cos(w, B) of each target word, written out again (rows are unit length)."""

    def rows(key):
        return np.array([space.vectors[space.index[w]] for w in sets[key]], dtype=np.float64)

    a, b = rows("A"), rows("B")

    def s(key):
        return (rows(key) @ a.T).mean(axis=1) - (rows(key) @ b.T).mean(axis=1)

    return s("X"), s("Y")


def _d(x, y, axis=-1):
    return (x.mean(axis=axis) - y.mean(axis=axis)) / np.concatenate([x, y], axis=axis).std(axis=axis, ddof=1)


def test_the_interval_is_scipys_percentile_bootstrap_resampling_x_and_y_independently():
    space, sets = _planted(25, 1.0)
    found = evaluation.weat(space, sets, permutations=200, seed=7)
    x, y = _scores(space, sets)
    assert found.effect_size == pytest.approx(_d(x, y), rel=1e-5)

    # the same call, built here: two samples resampled independently (A and B fixed), percentile, same seed
    expected = scipy_stats.bootstrap(
        (x, y),
        _d,
        n_resamples=N_RESAMPLES,
        vectorized=True,
        paired=False,
        confidence_level=0.95,
        method="percentile",
        rng=np.random.default_rng(7),
    ).confidence_interval
    assert (found.ci_low, found.ci_high) == pytest.approx((expected.low, expected.high), rel=1e-5)

    # and what that call does, by hand with the same generator: X's resamples drawn first, then Y's; linear quantiles
    rng = np.random.default_rng(7)
    rows_x = rng.integers(0, len(x), (N_RESAMPLES, len(x)))
    rows_y = rng.integers(0, len(y), (N_RESAMPLES, len(y)))
    by_hand = np.quantile(_d(x[rows_x], y[rows_y]), [0.025, 0.975])
    assert (found.ci_low, found.ci_high) == pytest.approx(tuple(by_hand), rel=1e-5)

    assert evaluation.weat(space, sets, permutations=200, seed=8).ci_low != found.ci_low  # seeded by the options' seed
    assert evaluation.weat(space, sets, permutations=50, seed=7).ci_low == found.ci_low  # not by the permutations


def test_the_interval_contains_the_effect_size_on_a_trained_run_and_on_planted_vectors(fresh_home):
    corpus, run = _math_run()
    for space in (spaces.load_space(run.id, corpus), _planted(8, 0.5)[0]):
        sets = evaluation.WEAT_SETS[MATH] if space.name == run.id else _planted(8, 0.5)[1]
        found = evaluation.weat(space, sets, permutations=200)
        assert found.used["X"] == found.used["Y"] == 8 and not math.isnan(found.effect_size)
        assert found.ci_low < found.effect_size < found.ci_high


def test_no_interval_where_d_is_nan_or_a_target_list_has_too_few_words():
    space, sets = _planted(6, 0.5)
    short = evaluation.weat(space, {**sets, "B": ["b0", "nowhere"]}, permutations=10)  # too few words: no d
    assert math.isnan(short.effect_size) and math.isnan(short.ci_low) and math.isnan(short.ci_high)
    assert "too few words left in B" in short.note

    flat = make_space(["x0", "x1", "y0", "y1", "a0", "b0"], np.vstack([np.eye(3)[[0, 0, 0, 0, 1, 2]]]), name="flat")
    same = evaluation.weat(flat, {"X": ["x0", "x1"], "Y": ["y0", "y1"], "A": ["a0", "a0"], "B": ["b0", "b0"]})
    assert math.isnan(same.effect_size) and math.isnan(same.ci_low) and math.isnan(same.ci_high)  # every s(w) equal

    few = evaluation.weat(space, {**sets, "X": sets["X"][: evaluation.WEAT_INTERVAL_MIN_WORDS - 1]}, permutations=10)
    assert not math.isnan(few.effect_size) and few.note == ""  # d and p stand; the interval alone is left out
    assert math.isnan(few.ci_low) and math.isnan(few.ci_high)
    enough = evaluation.weat(space, {**sets, "X": sets["X"][: evaluation.WEAT_INTERVAL_MIN_WORDS]}, permutations=10)
    assert enough.ci_low < enough.ci_high

    # a resample of X and Y with every score equal has no d: the interval says so rather than skipping it
    assert all(math.isnan(v) for v in evaluation.weat_interval(np.array([1.0, 1.0]), np.array([1.0, 2.0])))


def test_more_target_words_give_a_narrower_interval():
    sizes = (5, 10, 20, 40, 80)
    widths = np.zeros(len(sizes))
    for seed in range(5):
        space, sets = _planted(80, 1.5, seed)
        for i, n in enumerate(sizes):
            found = evaluation.weat(
                space, {"X": sets["X"][:n], "Y": sets["Y"][:n], "A": sets["A"][:10], "B": sets["B"][:10]}, 10
            )
            widths[i] += (found.ci_high - found.ci_low) / 5
    assert (np.diff(widths) < 0).all(), widths
    assert widths[-1] < widths[0] / 3  # 16 times the words: about a quarter of the width (1 / sqrt n)


def test_a_weat_with_the_interval_takes_well_under_a_second():
    import time

    space, sets = _planted(25, 1.0)
    evaluation.weat(space, sets)  # scipy's import
    start = time.perf_counter()
    evaluation.weat(space, sets)
    assert time.perf_counter() - start < 0.5


def _vectors_file(tmp_path, sets, noise=0.5):
    """A GloVe text file holding a WEAT test's words, X and A leaning one way, registered as a space."""
    rng = np.random.default_rng(3)
    lines = []
    for key, axis in (("X", 0), ("Y", 1), ("A", 0), ("B", 1)):
        for word in sets[key]:
            vector = rng.normal(scale=noise, size=8)
            vector[axis] += 1.0
            lines.append(word + " " + " ".join(f"{v:.6f}" for v in vector))
    path = tmp_path / "weat_vectors.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spaces.register_vectors_path(path).spec


def test_the_cli_json_carries_each_weat_results_interval(fresh_home, tmp_path, capsys):
    spec = _vectors_file(tmp_path, evaluation.WEAT_SETS[MATH])
    assert main(["evaluate", "--space", spec, "--weat", "math", "--weat", "flowers", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)["weat"]
    expected = evaluation.weat(spaces.load_space(spec), evaluation.WEAT_SETS[MATH])
    assert printed[MATH]["effect_size"] == pytest.approx(expected.effect_size)
    assert printed[MATH]["ci_low"] == pytest.approx(expected.ci_low)
    assert printed[MATH]["ci_high"] == pytest.approx(expected.ci_high)
    assert printed[MATH]["ci_low"] < printed[MATH]["effect_size"] < printed[MATH]["ci_high"]
    assert printed[FLOWERS]["ci_low"] is None and printed[FLOWERS]["ci_high"] is None  # no flower here: no d


def _math_run():
    """A Word2Vec run on a text made of the math test's words, so it holds all 32 of them."""
    from embedlab.corpus import build_corpus
    from embedlab.training import TrainConfig, train_run

    rng = np.random.default_rng(0)
    words = [word for key in evaluation.WEAT_LISTS for word in evaluation.WEAT_SETS[MATH][key]]
    text = "\n\n".join("The " + " and ".join(rng.choice(words, 6)) + " are here." for _ in range(60))
    corpus = build_corpus("weat.txt", (text + TINY_TEXT).encode("utf-8"))
    return corpus, train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=1, workers=1, seed=7))


@pytest.mark.slow
def test_the_evaluate_page_shows_the_interval_next_to_d_and_keeps_it_with_the_run(fresh_home, tmp_path):
    corpus, run = _math_run()
    vectors = _vectors_file(tmp_path, evaluation.WEAT_SETS[MATH])
    old = {"effect_size": 0.5, "p_value": 0.2, "used": {"X": 25, "Y": 25, "A": 25, "B": 25}}  # kept before intervals
    assert evaluation.save_run_results(run.id, corpus.id, "weat", {FLOWERS: old})

    at = evaluate_page(corpus=corpus.id, spaces=f"{run.id},{vectors}", weat=MATH)
    assert not at.exception and not at.error
    assert at.selectbox(key="eval_weat_set").value == MATH
    (shown,) = [f.value for f in at.dataframe if "effect size d" in f.value.columns and "test" not in f.value.columns]
    columns = list(shown.columns)
    assert columns[columns.index("effect size d") + 1] == "95% interval"
    options = evaluation.EvaluationOptions(weat_sets={MATH: evaluation.WEAT_SETS[MATH]})
    expected = {
        spec: evaluation.weat_section(spaces.load_space(spec, corpus), options)[MATH] for spec in (run.id, vectors)
    }
    for row, spec in enumerate((run.id, vectors)):
        interval = f"[{expected[spec].ci_low:+.3f}, {expected[spec].ci_high:+.3f}]"
        assert shown["95% interval"].iloc[row] == interval
        assert shown["effect size d"].iloc[row] == pytest.approx(expected[spec].effect_size)
    assert any("The 95% interval of d resamples the target words X and Y" in c.value for c in at.caption)

    kept = evaluation.kept_weat(run.id)
    assert kept[FLOWERS] == old  # an old result stays as it was kept
    assert (kept[MATH]["ci_low"], kept[MATH]["ci_high"]) == pytest.approx(
        (expected[run.id].ci_low, expected[run.id].ci_high)
    )
    (table,) = [f.value for f in at.dataframe if "test" in f.value.columns]
    rows = dict(zip(table["test"], table["95% interval"]))
    assert rows[FLOWERS] == "—"  # kept before intervals: a dash, not an error
    assert rows[MATH] == f"[{expected[run.id].ci_low:+.3f}, {expected[run.id].ci_high:+.3f}]"


def test_the_reports_weat_section_has_the_interval_column(fresh_home, tmp_path):
    from embedlab.present import report

    corpus, run = _math_run()
    a = spaces.load_space(run.id, corpus)
    b = spaces.load_space(_vectors_file(tmp_path, evaluation.WEAT_SETS[MATH]), corpus)
    text = report.build_report(a, b, corpus, report.ReportSettings(sections=("weat",)))
    weat = text[text.index("<h2>Bias (WEAT)</h2>") :]
    assert "<th>effect size d</th><th>95% interval</th>" in weat
    options = evaluation.EvaluationOptions(weat_sets=evaluation.WEAT_SETS)
    for space in (a, b):
        found = evaluation.weat_section(space, options)
        assert f"<td>[{found[MATH].ci_low:+.3f}, {found[MATH].ci_high:+.3f}]</td>" in weat
        assert math.isnan(found[FLOWERS].ci_low)
    assert "<td>—</td>" in weat  # the flowers test, which neither space has the words for
