"""The Evaluate page's benchmark table: a row per measure, a column per space (readable labels), the better value in
bold and named, and which words each space was scored on; the baseline scores every benchmark word."""

from __future__ import annotations

import pytest
from conftest import evaluate_page

from embedlab import evaluation, spaces

pytestmark = pytest.mark.slow  # encodes the benchmark words with MiniLM (once per session home)


def test_the_benchmark_table_has_a_row_per_measure_a_column_per_space_and_marks_the_better(tiny_run, tiny_text_corpus):
    at = evaluate_page(corpus=tiny_text_corpus.id, spaces=f"{tiny_run.id},baseline")
    assert not at.exception and not at.error
    run = spaces.space_label(tiny_run.id)
    element = next(f for f in at.dataframe if "measure" in f.value.columns)
    table = element.value
    assert list(table.columns) == ["measure", "direction", run, "MiniLM baseline", evaluation.DIFFERENCE, "better"]
    assert table["measure"].tolist() == [  # the tiny text has too few sentence pairs for held-out retrieval
        "WordSim-353 · Spearman ρ",
        "WordSim-353 · coverage (pairs scored)",
        "SimLex-999 · Spearman ρ",
        "SimLex-999 · coverage (pairs scored)",
        "Google analogies · accuracy (3CosAdd)",
        "Google analogies · coverage (questions scored)",
    ]
    rows = table.set_index("measure")
    expected = evaluation.evaluate_spaces([tiny_run.id, "baseline"], tiny_text_corpus)
    assert rows.loc["WordSim-353 · coverage (pairs scored)", "MiniLM baseline"] == 1.0  # every word encoded
    wordsim = expected[tiny_run.id].similarities[0]
    assert rows.loc["WordSim-353 · coverage (pairs scored)", run] == pytest.approx(1 - wordsim.oov_share)
    assert rows.loc["WordSim-353 · Spearman ρ", "MiniLM baseline"] == pytest.approx(0.729, abs=0.002)
    assert rows.loc["WordSim-353 · Spearman ρ", "better"] == "MiniLM baseline (the only one scored)"
    assert rows.loc["Google analogies · coverage (questions scored)", "better"] == "MiniLM baseline"
    # too few shared pairs and questions for a test: no difference shown, the verdict falls back to the rule
    assert rows.loc["WordSim-353 · Spearman ρ", evaluation.DIFFERENCE] == ""
    assert any("Is a difference more than chance?" in c.value and "MiniLM baseline" in c.value for c in at.caption)
    # bold: the coverage rows' baseline cells (row 1, 3, 5; column 3), nothing in rows with a single value
    styles = element.proto.arrow_data.styler.styles
    for row in (1, 3, 5):
        assert f"row{row}_col3" in styles
    assert "row0_col3" not in styles and "col2" not in styles

    vocabulary = next(f.value for f in at.dataframe if list(f.value.columns)[:1] == ["benchmark"])
    assert (
        vocabulary.set_index("benchmark")
        .loc["WordSim-353", "MiniLM baseline"]
        .startswith("the benchmark's own words, encoded by the space's model")
    )
    assert vocabulary.set_index("benchmark").loc["WordSim-353", run].startswith("the space's own ")
    long = next(f.value for f in at.dataframe if "oov_share" in f.value.columns)  # every number, in the expander
    labels = spaces.space_labels([tiny_run.id, "baseline"], judged_on=tiny_text_corpus.id)
    assert set(long["space"]) == set(labels.values()) and long["oov_share"].between(0, 1).all()  # never a run id


def test_the_weat_section_names_the_spaces_no_preset_suits_and_the_baseline_encodes_the_lists(
    tiny_run, tiny_text_corpus
):
    at = evaluate_page(corpus=tiny_text_corpus.id, spaces=f"{tiny_run.id},baseline")
    run = spaces.space_label(tiny_run.id)
    assert at.selectbox(key="eval_weat_set").value == "Flowers vs insects / pleasant vs unpleasant"  # all tie: first
    (weat,) = [f.value for f in at.dataframe if "effect size d" in f.value.columns and "test" not in f.value.columns]
    rows = weat.set_index("space")
    assert rows.loc["MiniLM baseline", ["X used", "Y used", "A used", "B used"]].tolist() == [25, 25, 25, 25]
    assert rows.loc["MiniLM baseline", "effect size d"] > 0  # MiniLM: flowers are pleasant, insects are not
    assert rows.loc[run, "missing words"].startswith("X: aster, clover")
    assert sum("None of the shipped word sets has enough words in" in i.value for i in at.info) == 1
