"""The Compare page's HTML report expander: the words follow the page's word, the sections are chosen, progress
is shown while it builds."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from embedlab import ui
from embedlab.analysis import views
from embedlab.present import report

pytestmark = pytest.mark.slow  # the baseline encodes the corpus with MiniLM

APP = str(ROOT / "app.py")


@pytest.fixture
def compare_page(tiny_text_corpus, tiny_run) -> AppTest:
    state = views.CompareView(corpus=tiny_text_corpus.id, a=tiny_run.id, b="baseline", word="matrix", k=5)
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in views.to_query(state).items():
        at.query_params[key] = value
    at.switch_page("pages/compare.py")
    return at.run()


def test_the_report_words_start_with_the_word_and_follow_it_until_edited(compare_page):
    at = compare_page
    assert not at.exception
    assert at.text_input(key="cmp_report_words").value == "matrix"
    at.text_input(key="cmp_word").set_value("sparse").run()
    assert at.text_input(key="cmp_report_words").value == "sparse"  # not the first word it was drawn with
    at.text_input(key="cmp_report_words").set_value("sparse, spectrum").run()
    at.text_input(key="cmp_word").set_value("signal").run()
    assert at.text_input(key="cmp_report_words").value == "sparse, spectrum"  # the user's own list stays
    at.text_input(key="cmp_report_words").set_value("").run()
    at.text_input(key="cmp_word").set_value("matrix").run()
    assert at.text_input(key="cmp_report_words").value == "matrix"  # an emptied field follows again
    assert not at.exception


def test_the_expander_builds_the_chosen_sections_with_progress(compare_page, monkeypatch, tiny_run):
    at = compare_page
    assert at.multiselect(key="cmp_report_sections").value == [s.value for s in report.COMPARISON_SECTIONS]
    benchmarks = at.checkbox(key="cmp_report_benchmarks")
    assert benchmarks.value is False  # evaluation is opt-in, its cost said
    assert re.fullmatch(r"Benchmarks \(runs WordSim-353.*, ~\d+ s\)", benchmarks.label)
    steps: list[report.ReportStep] = []
    real = ui.report_html

    def recording(a, b, corpus_id, settings, progress=None):
        assert progress is not None  # the page draws a progress bar from the steps

        def both(step: report.ReportStep) -> None:
            steps.append(step)
            progress(step)  # the page's own bar.progress call must work too

        return real(a, b, corpus_id, settings, both)

    monkeypatch.setattr(ui, "report_html", recording)
    at.multiselect(key="cmp_report_sections").set_value(["summary", "neighbours"])
    at.checkbox(key="cmp_report_benchmarks").check()
    at.button(key="cmp_report_build").click().run()
    assert not at.exception and not at.error
    text = at.session_state["cmp_report"][0].decode()
    assert re.findall(r"<h2>(.*?)</h2>", text) == ["Summary", "Neighbours", "Benchmarks"]
    assert "“matrix” — Jaccard@5" in text and f"· {tiny_run.id[-6:]}" in text  # the run by its readable label
    assert list(dict.fromkeys(s.section for s in steps)) == ["summary", "neighbours", "benchmarks", "done"]
    assert steps[-1].fraction == 1.0
    assert at.get("download_button")[-1].proto.label == "Download the report"


def test_the_expander_says_when_no_section_is_chosen(compare_page):
    at = compare_page
    at.multiselect(key="cmp_report_sections").set_value([])
    at.button(key="cmp_report_build").click().run()
    assert not at.exception
    assert any("no report section chosen" in e.value for e in at.error)
    assert "cmp_report" not in at.session_state
