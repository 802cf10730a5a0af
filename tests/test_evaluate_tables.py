"""The benchmark table people read (a row per measure, a column per space, the better value marked), the CLI's human
output of it, and the dimension sweep's ticks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from embedlab import evaluation
from embedlab.present import figures

NAN = math.nan


def _long(rows):
    return pd.DataFrame(rows, columns=["space", "benchmark", "metric", "score", "oov_share", "vocabulary"])


LONG = _long(
    [
        ("run-a", "WordSim-353", "Spearman", 0.31, 0.9, "the space's own 900 words"),
        ("baseline", "WordSim-353", "Spearman", 0.729, 0.0, "the benchmark's own words"),
        ("run-a", "SimLex-999", "Spearman", 0.4461, 0.8, "the space's own 900 words"),
        ("baseline", "SimLex-999", "Spearman", 0.4459, 0.0, "the benchmark's own words"),  # equal at 3 decimals
        ("run-a", "Google analogies", "accuracy", NAN, 1.0, "the space's own 900 words"),
        ("baseline", "Google analogies", "accuracy", 0.618, 0.0, "the analogy file's words"),
        ("run-a", "held-out retrieval (mean word vectors)", "MRR@10", 0.5, 0.1, "texts"),
        ("run-a", "held-out retrieval (mean word vectors)", "recall@10", 0.7, 0.1, "texts"),
    ]
)
LABELS = {"run-a": "Word2Vec · dim 100 · notes.csv · 00000a", "baseline": "MiniLM baseline"}


def test_one_row_per_measure_a_column_per_space_and_the_better_named():
    table = evaluation.comparison_table(LONG, LABELS)
    run, base = LABELS["run-a"], LABELS["baseline"]
    assert list(table.columns) == ["measure", "direction", run, base, "better"]
    assert table["measure"].tolist() == [
        "WordSim-353 · Spearman ρ",
        "WordSim-353 · coverage (pairs scored)",
        "SimLex-999 · Spearman ρ",
        "SimLex-999 · coverage (pairs scored)",
        "Google analogies · accuracy (3CosAdd)",
        "Google analogies · coverage (questions scored)",
        "held-out retrieval · MRR@10",
        "held-out retrieval · recall@10",
        "held-out retrieval · coverage (held-out pairs scored)",
    ]
    assert (table["direction"] == "higher is better").all()
    rows = table.set_index("measure")
    assert rows.loc["WordSim-353 · Spearman ρ", [run, base]].tolist() == [0.31, 0.729]
    assert rows.loc["WordSim-353 · coverage (pairs scored)", [run, base]].tolist() == pytest.approx([0.1, 1.0])
    assert rows["better"].tolist() == [
        base,
        base,
        f"tie: {run} = {base}",  # 0.446 and 0.446 as shown
        base,
        f"{base} (the only one scored)",  # the run answers no question: NaN is no value
        base,
        f"{run} (the only one scored)",  # the baseline has no retrieval row in this table
        f"{run} (the only one scored)",
        f"{run} (the only one scored)",
    ]
    assert math.isnan(rows.loc["held-out retrieval · MRR@10", base])


def test_held_out_retrieval_is_one_measure_whatever_features_each_space_ranks_with():
    both = pd.concat(
        [
            LONG,
            _long(
                [
                    ("baseline", "held-out retrieval (sentence embeddings)", "MRR@10", 0.62, 0.0, "texts (st)"),
                    ("baseline", "held-out retrieval (sentence embeddings)", "recall@10", 0.7, 0.0, "texts (st)"),
                ]
            ),
        ]
    )
    rows = evaluation.comparison_table(both, LABELS).set_index("measure")
    assert rows.loc["held-out retrieval · MRR@10", [LABELS["run-a"], LABELS["baseline"]]].tolist() == [0.5, 0.62]
    assert rows.loc["held-out retrieval · MRR@10", "better"] == LABELS["baseline"]
    assert rows.loc["held-out retrieval · recall@10", "better"] == f"tie: {LABELS['run-a']} = {LABELS['baseline']}"
    vocabulary = evaluation.vocabulary_table(both, LABELS).set_index("benchmark")
    assert vocabulary.loc["held-out retrieval"].tolist() == ["texts", "texts (st)"]


def test_the_better_value_is_bold_on_the_page_and_starred_in_the_terminal():
    table = evaluation.comparison_table(LONG, LABELS)
    mask = evaluation.better_mask(table)
    assert mask.sum().tolist() == [1, 5]  # the tie marks both; rows with one value mark nothing
    assert mask.iloc[2].tolist() == [True, True] and not mask.iloc[4].any()
    html = evaluation.comparison_styler(table).to_html()
    assert html.count("font-weight: bold") >= 1
    styles = evaluation.comparison_styler(table)._compute().ctx
    bold = sorted((row, col) for (row, col), css in styles.items() if ("font-weight", "bold") in css)
    columns = list(table.columns)
    assert bold == [
        (0, columns.index(LABELS["baseline"])),
        (1, columns.index(LABELS["baseline"])),
        (2, columns.index(LABELS["run-a"])),
        (2, columns.index(LABELS["baseline"])),
        (3, columns.index(LABELS["baseline"])),
        (5, columns.index(LABELS["baseline"])),
    ]
    text = evaluation.comparison_text(table)
    line = next(line for line in text.splitlines() if "WordSim-353 · coverage" in line)
    assert "10.0%" in line and "100.0%*" in line
    line = next(line for line in text.splitlines() if "Google analogies · accuracy" in line)
    assert " — " in line and "0.618 " in line and "0.618*" not in line  # one value: nothing to mark


def test_one_space_or_no_scores_say_so():
    one = evaluation.comparison_table(LONG[LONG["space"] == "baseline"], LABELS)
    assert list(one.columns) == ["measure", "direction", "MiniLM baseline", "better"]
    assert set(one["better"]) == {"—"} and not evaluation.better_mask(one).any().any()
    nothing = _long([("a", "WordSim-353", "Spearman", NAN, 1.0, ""), ("b", "WordSim-353", "Spearman", NAN, 1.0, "")])
    assert evaluation.comparison_table(nothing)["better"].tolist() == ["no score", "tie: a = b"]  # coverage 0 = 0
    same_label = evaluation.comparison_table(LONG, {"run-a": "x", "baseline": "x"})
    assert list(same_label.columns)[2:4] == ["x (run-a)", "x (baseline)"]
    empty = evaluation.comparison_table(LONG.iloc[:0])
    assert list(empty.columns) == ["measure", "direction", "better"] and empty.empty


def test_the_vocabulary_table_says_per_benchmark_which_words_each_space_was_scored_on():
    table = evaluation.vocabulary_table(LONG, LABELS)
    assert list(table.columns) == ["benchmark", LABELS["run-a"], LABELS["baseline"]]
    assert table["benchmark"].tolist() == [
        "WordSim-353",
        "SimLex-999",
        "Google analogies",
        "held-out retrieval",
    ]
    assert table.iloc[0].tolist() == ["WordSim-353", "the space's own 900 words", "the benchmark's own words"]
    assert table.iloc[3, 2] == ""  # the baseline has no row for it


@pytest.mark.slow
def test_the_cli_prints_the_table_people_read(capsys, tmp_path):
    from gensim.test.utils import datapath

    from embedlab import spaces
    from embedlab.cli import main

    lines = [line for line in open(datapath("wordsim353.tsv")) if not line.startswith("#")]
    words = list(dict.fromkeys(line.split("\t")[0].lower() for line in lines))[:119]
    path = spaces.write_vectors(
        tmp_path / "v.txt", words, np.random.default_rng(1).normal(size=(len(words), 8)).astype(np.float32)
    )
    other = spaces.write_vectors(
        tmp_path / "w.txt", words[:60], np.random.default_rng(2).normal(size=(60, 8)).astype(np.float32)
    )
    assert main(["evaluate", "--space", f"vectors:{path}", "--space", f"vectors:{other}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("benchmarks (every measure: higher is better; with two or more spaces each is compared with")
    lines = out.splitlines()
    header = lines[1].split()
    assert header[:2] == ["measure", "direction"] and header[-1] == "better"
    coverage = next(line for line in lines if "WordSim-353 · coverage (pairs scored)" in line)
    expected = evaluation.evaluate_spaces([f"vectors:{path}", f"vectors:{other}"]).comparison()
    share = expected.iloc[1, 2]
    assert f"{share:.1%}*" in coverage and coverage.rstrip().endswith(f"vectors file {path}")
    assert "the space's own 119 words" in out and "spaces:" in out and "\nbenchmarks:" not in out
    assert f"each is compared with vectors:{path}" in out  # the first space: no baseline among them
    spearman = next(line for line in lines if "WordSim-353 · Spearman ρ" in line)
    assert ", p = " in spearman and ("better" in spearman or "no significant difference at 95%" in spearman)


def test_the_sweep_is_ticked_at_exactly_the_swept_sizes():
    frame = pd.DataFrame(
        {
            "dim": [16, 32, 64, 128, 256, 384],
            "MB per 100k words": [6.4, 12.8, 25.6, 51.2, 102.4, 153.6],
            "WordSim-353 Spearman": [0.5, 0.6, 0.65, 0.7, 0.72, 0.73],
        }
    )
    layout = figures.dimension_sweep(frame).to_dict()["layout"]["xaxis"]
    assert layout["type"] == "log" and layout["tickmode"] == "array"
    assert list(layout["tickvals"]) == [16, 32, 64, 128, 256, 384]
    assert list(layout["ticktext"]) == ["16", "32", "64", "128", "256", "384"]
