"""The HTML report's sections, progress, estimates and figure colours, on hand-built spaces (no model, no UMAP)."""

from __future__ import annotations

import json
import re

import numpy as np
import plotly.io as pio
import pytest
from conftest import labelled_csv, make_space

from embedlab.analysis import maps
from embedlab.analysis.coverage import Coverage
from embedlab.errors import EmbedLabError
from embedlab.present import figures, report
from embedlab.present.report import Section


@pytest.fixture(scope="module")
def labelled():
    """A labelled corpus and two hand-built spaces over its words: B is A with noise, and lacks a few words."""
    from embedlab.corpus import ReadOptions, build_corpus

    corpus = build_corpus("notes.csv", labelled_csv(), ReadOptions("text", "label"))
    words = list(corpus.counts)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), 12))
    counts = list(corpus.counts.values())
    a = make_space(words, vectors, "vectors:a.txt", counts)
    b = make_space(words[:-5], vectors[:-5] + rng.normal(scale=0.8, size=(len(words) - 5, 12)), "vectors:b.txt")
    return corpus, a, b


def _headings(text: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", text)


def test_choose_sections_takes_names_and_groups_in_the_reports_order():
    assert report.choose_sections(["comparison"]) == report.COMPARISON_SECTIONS
    assert report.choose_sections(["all"]) == tuple(Section)
    assert report.choose_sections(["Task", " maps", "summary", "maps", ""]) == (
        Section.SUMMARY,
        Section.MAPS,
        Section.TASK,
    )
    assert report.choose_sections(["evaluation"]) == (
        Section.VERDICT,
        Section.BENCHMARKS,
        Section.TASK,
        Section.RETRIEVAL,
        Section.WEAT,
    )
    with pytest.raises(
        EmbedLabError, match=r"unknown report section 'mapz': choose from verdict, spaces, summary.*all"
    ):
        report.choose_sections(["summary", "mapz"])
    with pytest.raises(EmbedLabError, match="no report section chosen"):
        report.choose_sections(["", " "])


def test_report_settings_default_to_the_comparison_sections_and_validate_them():
    assert report.ReportSettings().sections == report.COMPARISON_SECTIONS
    assert report.ReportSettings(sections=("weat", Section.SPACES)).sections == (Section.SPACES, Section.WEAT)
    assert report.ReportSettings(sections="coverage").sections == (Section.COVERAGE,)
    with pytest.raises(EmbedLabError, match="no report section chosen"):
        report.ReportSettings(sections=())
    assert [s.heading for s in report.EVALUATION_SECTIONS] == [
        "Verdict",
        "Benchmarks",
        "Task",
        "Held-out retrieval",
        "Bias (WEAT)",
    ]


@pytest.mark.slow
def test_only_the_chosen_sections_are_in_the_report(labelled):
    corpus, a, b = labelled
    chosen = ("spaces", "summary", "neighbours", "changed", "coverage")
    settings = report.ReportSettings(k=3, words=("sparse", "spectra"), sections=chosen)
    text = report.build_report(a, b, corpus, settings)
    assert _headings(text) == ["Spaces and parameters", "Summary", "Neighbours", "What changed", "Coverage"]
    assert "<h2>Maps</h2>" not in text and "<h2>Benchmarks</h2>" not in text
    assert len(re.findall(r'class="plotly-graph-div"', text)) == 3  # change histogram, coverage x2; no map
    assert "“sparse” — Jaccard@3" in text and "“spectra” — Jaccard@3" in text

    only = report.build_report(a, b, corpus, report.ReportSettings(k=3, words=("sparse",), sections=("summary",)))
    assert _headings(only) == ["Summary"]
    assert "“sparse”" not in only and "plotly-graph-div" not in only  # no neighbour lists, no figure
    assert "Sections: Summary." in only


@pytest.mark.slow
def test_evaluation_sections_run_the_evaluation_flow_only_when_chosen(labelled):
    corpus, a, b = labelled
    settings = report.ReportSettings(sections=("benchmarks", "task", "retrieval", "weat"))
    text = report.build_report(a, b, corpus, settings)
    assert _headings(text) == ["Benchmarks", "Task", "Held-out retrieval", "Bias (WEAT)"]
    benchmarks = text[text.index("<h2>Benchmarks</h2>") : text.index("<h2>Task</h2>")]
    for name in ("WordSim-353", "SimLex-999", "Google analogies"):
        assert benchmarks.count(f"<td>{name}</td>") == 2  # one row per space
    task = text[text.index("<h2>Task</h2>") : text.index("<h2>Held-out retrieval</h2>")]
    assert task.count("<td>mean word vectors</td>") == 2 and "<td>vectors:a.txt</td>" in task
    retrieval = text[text.index("<h2>Held-out retrieval</h2>") : text.index("<h2>Bias (WEAT)</h2>")]
    assert "neighbouring sentences" in retrieval and retrieval.count("<td>held-out retrieval (") == 2
    weat = text[text.index("<h2>Bias (WEAT)</h2>") :]
    from embedlab.evaluation import WEAT_SETS

    assert weat.count("<tr><td>vectors:b.txt</td>") == len(WEAT_SETS)  # every shipped test, for each space


@pytest.mark.slow
def test_progress_reports_each_section_in_order_and_ends_at_one(labelled):
    corpus, a, b = labelled
    steps: list[report.ReportStep] = []
    settings = report.ReportSettings(k=3, words=("sparse",), sections=("coverage", "summary", "task", "neighbours"))
    report.build_report(a, b, corpus, settings, progress=steps.append)
    order = list(dict.fromkeys(step.section for step in steps))
    assert order == ["summary", "neighbours", "coverage", "task", "done"]  # the report's order, not the given one
    fractions = [step.fraction for step in steps]
    assert fractions == sorted(fractions) and fractions[0] == 0.0
    assert fractions[-1] == 1.0 and fractions.count(1.0) == 1 and steps[-1].section == "done"
    starts = {step.section: step for step in reversed(steps) if step.message}
    assert starts["summary"].message.startswith("Summary: scoring up to")
    assert starts["coverage"].message == f"Coverage of {corpus.stats.tokens:,} tokens"
    task_messages = [s.message for s in steps if s.section == "task" and s.message]
    assert len(task_messages) == 3 and "5-fold" in task_messages[1]  # the section, then one per space
    assert all(step.eta_seconds is not None and step.eta_seconds >= 0 for step in steps)
    assert steps[-1].eta_seconds == 0.0


def test_estimates_weight_the_slow_sections(labelled):
    corpus, a, b = labelled
    small = report.estimate_seconds(a, b, corpus, report.ReportSettings(map_words=100))
    large = report.estimate_seconds(a, b, corpus, report.ReportSettings(map_words=2000))
    assert set(small) == set(Section) and all(seconds > 0 for seconds in small.values())
    shared = min(len(a), len(b))
    mapped = min(shared, 2000)
    assert large[Section.MAPS] - small[Section.MAPS] == pytest.approx(
        maps.estimated_seconds(mapped) - maps.estimated_seconds(100)
    )
    assert large[Section.MAPS] > small[Section.MAPS]
    assert small[Section.RETRIEVAL] == pytest.approx(0.05)  # no sentence-transformer: nothing to encode


def test_report_figures_keep_the_apps_colours_whatever_the_default_template(labelled, monkeypatch):
    """In the app's process plotly's default template is Streamlit's, whose colours are placeholders; the report
    draws with its own template, so the file is not black."""
    corpus, a, b = labelled
    from streamlit.elements.lib.streamlit_plotly_theme import configure_streamlit_plotly_theme

    monkeypatch.setattr(pio.templates, "default", pio.templates.default)  # restored afterwards
    configure_streamlit_plotly_theme()
    assert pio.templates.default == "streamlit"
    text = report.build_report(a, b, corpus, report.ReportSettings(sections=("coverage",)))
    bars_json, bands_json = re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*(\{.*?"template".*?\})', text)[:2]
    assert '"#000001"' not in text  # none of Streamlit's placeholder colours
    assert json.dumps(list(report.APP_COLOURS))[1:-1].replace(" ", "") in text.replace(" ", "")  # the colorway
    bars = json.loads(bars_json[0])
    assert [trace["marker"]["color"] for trace in bars] == ["#0068c9", "#ff8700"]


def test_coverage_figures_give_each_space_its_own_explicit_colour_and_unclipped_axes():
    results = [
        Coverage("A", 100, 10, 0.9, 0.5, []),
        Coverage("B", 100, 10, 0.8, 0.6, []),
        Coverage("C", 100, 10, 0.7, 0.4, []),
    ]
    bars = figures.coverage_bars(results).to_dict()
    colours = [trace["marker"]["color"] for trace in bars["data"]]
    assert [trace["name"] for trace in bars["data"]] == ["A", "B", "C"]
    assert len(set(colours)) == 3 and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert bars["data"][1]["y"] == [80.0, 60.0] and bars["data"][1]["x"] == ["token coverage", "type coverage"]

    import pandas as pd

    band = pd.DataFrame({"band": ["1", "2–4"], "words": [5, 3], "covered_words": [1, 3], "token_coverage": [0.2, 1.0]})
    lines = figures.coverage_by_band({"A": band, "B": band, "C": band}).to_dict()
    assert [trace["line"]["color"] for trace in lines["data"]] == colours  # a space has one colour in both charts
    assert [trace["marker"]["color"] for trace in lines["data"]] == colours
    for layout in (bars["layout"], lines["layout"]):
        assert layout["yaxis"]["automargin"] is True and layout["xaxis"]["automargin"] is True
        assert layout["margin"]["l"] >= 50  # room for "100" and the axis title


def test_the_maps_sample_is_the_compare_pages_for_one_word_so_its_layouts_are_reused(labelled):
    corpus, a, b = labelled
    from embedlab import analysis
    from embedlab.analysis import maps

    shared_a, shared_b = analysis.shared_spaces(a, b)
    settings = report.ReportSettings(k=4, words=("sparse",), map_words=40, seed=7)
    result = analysis.compare_neighbors(shared_a, shared_b, "sparse", 4)
    page = maps.sample_words(
        shared_a.words, 40, 7, ["sparse", *(n.word for n in result.a), *(n.word for n in result.b)]
    )
    assert report.map_sample(shared_a, shared_b, settings) == page  # the Map tab's rule (pages/compare.py)
    two = report.map_sample(shared_a, shared_b, report.ReportSettings(k=4, words=("sparse", "spectra"), map_words=40))
    assert two[0] == "sparse" and "spectra" in two and len(two) == 40


@pytest.mark.slow
def test_evaluation_sections_set_a_against_b_with_the_evaluate_flows_intervals_and_verdicts(labelled):
    """Each evaluation section ends with A − B per measure: the same differences, intervals, p-values and verdicts
    the Evaluate page and the CLI compute (``Evaluation.differences``, B as the reference)."""
    from embedlab import evaluation

    corpus, a, b = labelled
    settings = report.ReportSettings(sections=("benchmarks", "task", "retrieval"))
    text = report.build_report(a, b, corpus, settings)
    options = evaluation.EvaluationOptions(weat_sets=evaluation.WEAT_SETS, seed=settings.seed)
    expected = evaluation.evaluate_spaces([b, a], corpus, options).differences  # reference b: rows are a − b
    assert len(expected) >= 5  # WordSim, SimLex, analogies, MRR@10, recall@10, task accuracy (on the shared items)
    rows = re.findall(r"<tr><td>([^<]*)</td>((?:<td[^>]*>[^<]*</td>)+)</tr>", text)
    shown = {measure: re.findall(r"<td[^>]*>([^<]*)</td>", cells) for measure, cells in rows}
    for row in expected.itertuples(index=False):
        cells = shown[f"{row.benchmark} {row.metric}"]
        assert cells[:3] == [_cell(row.a_score), _cell(row.b_score), _cell(row.difference)]
        interval = "—" if np.isnan(row.ci_low) else f"[{row.ci_low:+.3f}, {row.ci_high:+.3f}]"
        assert cells[3] == interval and cells[4] == _cell(row.p_value)
        assert cells[-1] == row.verdict.replace(a.name, "A").replace(b.name, "B")
    measured = expected.dropna(subset=["p_value"])
    assert {"held-out retrieval", "label task"} <= set(measured["benchmark"])  # real intervals, not only dashes
    assert text.count("against B (") == 3  # one table per section


def _cell(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.3f}"
