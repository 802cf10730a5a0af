"""WEAT on the Evaluate page: a default set that has words in the chosen spaces (or a plain "none applies"), the one-sided
test explained for the sign and p actually found, and the person's own lists named as theirs and kept with the run."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import ROOT, evaluate_page, make_space

from embedlab import evaluation, spaces, store
from embedlab.present.text import plain_markdown

MATH = "Math vs arts / male vs female terms"
CAREER = "Career vs family / male vs female names"
FLOWERS = "Flowers vs insects / pleasant vs unpleasant"


def _planted():
    """X and A share one direction, Y and B another: X is associated with A."""
    rng = np.random.default_rng(0)
    words, rows = [], []
    for prefix, axis in (("x", 0), ("y", 1), ("a", 0), ("b", 1)):
        for i in range(6):
            words.append(f"{prefix}{i}")
            vector = rng.normal(scale=0.2, size=8)
            vector[axis] += 1.0
            rows.append(vector)
    sets = {name: [f"{name.lower()}{i}" for i in range(6)] for name in ("X", "Y", "A", "B")}
    return make_space(words, np.array(rows), name="toy"), sets


def test_a_negative_effect_with_p_near_one_reads_as_the_other_direction_not_as_no_bias():
    space, sets = _planted()
    reverse = evaluation.weat(space, {**sets, "A": sets["B"], "B": sets["A"]}, permutations=2000)
    assert reverse.effect_size < -1.5 and reverse.p_value > 0.99 and reverse.p_value_other_way < 0.01
    assert reverse.p_value + reverse.p_value_other_way == pytest.approx(1 + 1 / 2001, abs=1e-3)  # no ties: sums to 1
    reading = evaluation.weat_reading(reverse)
    assert reading.startswith("The association runs the other way: Y is more associated with A")
    assert f"(d = {reverse.effect_size:.2f})" in reading and "a large effect" in reading
    assert reverse.p_value_other_way < 0.001
    assert "more than chance gives (one-sided p of that reverse direction < 0.001)" in reading
    assert f'The p = {reverse.p_value:.3f} shown tests only "X more associated with A"' in reading
    assert 'not "no bias"' in reading

    planted = evaluation.weat(space, sets, permutations=2000)
    assert evaluation.weat_reading(planted).startswith(
        "X is more associated with A (and Y with B) than chance gives: a large effect (d = "
    )
    assert evaluation.weat_reading(planted).endswith(
        "one-sided p < 0.001: random splits of the targets reach it less than 0.1% of the time."
    )


def test_a_weak_or_missing_result_says_so():
    weak = evaluation.WeatResult("s", 0.3, 0.21, {}, {}, p_value_other_way=0.79)
    assert evaluation.weat_reading(weak) == (
        "X leans towards A (d = 0.30, small), but random splits of the targets do as well 21.0% of the time "
        "(one-sided p = 0.210): no evidence that X is more associated with A than Y is."
    )
    weak_reverse = evaluation.WeatResult("s", -0.3, 0.79, {}, {}, p_value_other_way=0.21)
    assert "but not beyond chance (one-sided p of that reverse direction = 0.210)" in evaluation.weat_reading(
        weak_reverse
    )
    short = evaluation.WeatResult("s", math.nan, math.nan, {}, {}, note="too few words left in B")
    assert evaluation.weat_reading(short) == "No result: too few words left in B."


def _technical_corpus():
    from embedlab.corpus import build_corpus

    return build_corpus("scipy_docs_small.txt", (ROOT / "sample_data" / "scipy_docs_small.txt").read_bytes())


def test_on_a_technical_corpus_the_best_covered_set_opens_and_none_is_said_to_apply(fresh_home):
    corpus = _technical_corpus()
    words = list(corpus.counts)
    run = make_space(words, np.random.default_rng(0).normal(size=(len(words), 8)), name="run")
    coverage = evaluation.weat_coverage(run)
    # math, algebra, …; "art"; "male" (the text's "math" and "he" are only in math.isclose and He_0: kept whole)
    assert coverage[MATH] == {"X": 5, "Y": 1, "A": 0, "B": 0}
    assert sum(coverage[FLOWERS].values()) == 1 and sum(coverage[CAREER].values()) == 0
    assert evaluation.default_weat_set({"run": coverage}) == (MATH, ["run"])

    import dataclasses

    baseline = dataclasses.replace(run, name="baseline", encoder=lambda texts, progress=None: np.eye(8)[: len(texts)])
    both = {"run": coverage, "baseline": evaluation.weat_coverage(baseline)}
    assert both["baseline"][FLOWERS] == {"X": 25, "Y": 25, "A": 25, "B": 25}  # MiniLM encodes every word
    # every set suits the baseline alone; shares, not counts, so the longest lists do not win by size
    assert evaluation.default_weat_set(both) == (MATH, ["run"])
    suited = {"run": {**coverage, CAREER: {"X": 2, "Y": 2, "A": 2, "B": 2}}}
    assert evaluation.default_weat_set(suited) == (CAREER, [])  # suiting a space outranks having more words


def test_own_lists_have_their_own_stable_name():
    lists = {"X": ["matrix", "sparse", "dense"], "Y": ["signal"], "A": ["fast"], "B": ["slow"]}
    name = evaluation.own_weat_name(lists)
    assert name.startswith(evaluation.OWN_NAME_PREFIX) and name.endswith(": matrix, sparse… vs signal / fast vs slow")
    assert evaluation.own_weat_name(dict(lists)) == name
    assert evaluation.own_weat_name({**lists, "B": ["slower"]}) != name


OWN = {"X": "matrix matrices vector", "Y": "signal spectrum frequency", "A": "array arrays", "B": "function functions"}


@pytest.mark.slow
def test_the_page_opens_with_the_best_covered_set_keeps_own_lists_with_the_run_and_shows_them_again(fresh_home):
    from embedlab.training import TrainConfig, train_run

    corpus = _technical_corpus()
    assert all(word in corpus.counts for text in OWN.values() for word in text.split())
    run = train_run(corpus, TrainConfig(dim=8, min_count=2, epochs=1, workers=1))
    at = evaluate_page(corpus=corpus.id, spaces=run.id)
    assert not at.exception and not at.error
    assert at.selectbox(key="eval_weat_set").value == MATH
    label = spaces.space_label(run.id)
    shown_label = plain_markdown(label)  # as Markdown shows it: the file name's underscores escaped
    assert any(f"None of the shipped word sets has enough words in {shown_label} (each" in i.value for i in at.info)

    at.text_area(key=f"eval_weat_{MATH}_X").input(OWN["X"]).run()  # editing a preset's list makes it one's own
    assert not at.exception
    assert at.selectbox(key="eval_weat_set").value == evaluation.OWN_LISTS
    assert at.text_area(key="eval_weat_own_X").value == OWN["X"]
    assert at.text_area(key="eval_weat_own_Y").value == " ".join(evaluation.WEAT_SETS[MATH]["Y"])
    for key in "YAB":
        at.text_area(key=f"eval_weat_own_{key}").input(OWN[key])
    at.run()
    assert not at.exception and not at.error
    lists = {key: text.split() for key, text in OWN.items()}
    name = evaluation.own_weat_name(lists)
    headings = [m.value for m in at.markdown if m.value.startswith("**")]
    assert f"**{name}**" in headings and f"**{MATH}**" not in headings  # the heading no longer names the preset
    (shown,) = [f.value for f in at.dataframe if "effect size d" in f.value.columns and "test" not in f.value.columns]
    assert shown["space"].tolist() == [label] and not math.isnan(shown["effect size d"].iloc[0])
    assert (shown[["X used", "Y used", "A used", "B used"]].iloc[0] == [3, 3, 2, 2]).all()
    expected = evaluation.weat(spaces.load_space(run.id, corpus), lists)  # the page's test, seeded alike
    assert expected.effect_size == pytest.approx(shown["effect size d"].iloc[0])
    reading = f"**{shown_label}**: {plain_markdown(evaluation.weat_reading(expected))}"
    assert reading in [m.value for m in at.markdown]  # what the sign and the one-sided p mean, in words

    kept = evaluation.kept_weat(run.id)
    assert list(kept) == [MATH, name]  # the default set first, then the own lists, under their own name
    assert kept[name]["lists"] == lists and kept[name]["effect_size"] == pytest.approx(shown["effect size d"].iloc[0])
    assert math.isnan(kept[MATH]["effect_size"])
    assert (store.runs_dir() / run.id / evaluation.RESULTS_FILE).is_file()

    again = evaluate_page(corpus=corpus.id, spaces=run.id)  # a new session: the page reopens
    assert not again.exception
    (table,) = [f.value for f in again.dataframe if "test" in f.value.columns]
    assert table["test"].tolist() == [MATH, name] and table["space"].tolist() == [label, label]
    assert table["effect size d"].iloc[1] == pytest.approx(kept[name]["effect_size"])
    again.selectbox(key="eval_weat_set").set_value(evaluation.OWN_LISTS).run()
    assert not again.exception
    assert {key: again.text_area(key=f"eval_weat_own_{key}").value for key in OWN} == OWN  # the lists come back
