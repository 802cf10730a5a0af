"""The HTML report's verdict section: first when chosen, the same sentences as ``build_verdict`` on the same inputs,
shared with the evaluation sections (nothing scored twice), and the report still self-contained."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from conftest import labelled_csv, make_space

from embedlab import evaluation, spaces, verdict
from embedlab.present import report
from embedlab.present.report import Section


def _headings(text: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", text)


def _section(text: str, heading: str) -> str:
    start = text.index(f"<h2>{heading}</h2>")
    after = text.find("<h2>", start + 1)
    return text[start : after if after != -1 else len(text)]


def _outside_plotly_bundle(text: str) -> str:
    return re.sub(r"<script type='text/javascript'>.*?</script>", "", text, count=1, flags=re.S)


def _says_the_verdict(section: str, found: verdict.Verdict) -> None:
    """Every part of ``found`` in the section, in the verdict's order: too small, health, uses, reasons."""
    parts = [found.too_small] if found.too_small else []
    parts += [warning for name in found.unhealthy for warning in found.health[name].warnings]
    parts += [line.sentence for line in found.headlines]
    for reason in found.reasons.values():
        parts += [f"<b>{reason.title}.</b> {html.escape(reason.finding, quote=True)}"]
    positions = [section.index(part if part.startswith("<b>") else html.escape(part, quote=True)) for part in parts]
    assert positions == sorted(positions)


@pytest.fixture(scope="module")
def run_vs_baseline(tiny_text_corpus, tiny_run):
    a = spaces.load_space(tiny_run.id, tiny_text_corpus)
    b = spaces.load_space("baseline", tiny_text_corpus)
    steps: list[report.ReportStep] = []
    settings = report.ReportSettings(words=("matrix",), sections=("changed", "verdict", "summary", "retrieval"))
    text = report.build_report(a, b, tiny_text_corpus, settings, progress=steps.append)
    return text, steps, verdict.build_verdict(tiny_text_corpus, [tiny_run.id])


@pytest.mark.slow
def test_the_verdict_comes_first_and_says_what_build_verdict_says(run_vs_baseline, tiny_run):
    text, steps, found = run_vs_baseline
    assert _headings(text) == ["Verdict", "Summary", "What changed", "Held-out retrieval"]
    section = _section(text, "Verdict")
    _says_the_verdict(section, found)
    assert found.too_small and found.unhealthy == [tiny_run.id]  # the tiny corpus: both are said, first
    domain = found.reasons["domain_language"]
    # a run whose neighbours sit half-way down general English's ranking for every word: none stands out from this
    # corpus's own typical shift, which the card states (the old fixed cut-off named many of them)
    assert not domain.examples and domain.finding.startswith("No sign of domain-specific language: none of the ")
    assert "a typical word's corpus neighbours sit at the nearest" in domain.finding
    assert html.escape(domain.finding) in section
    for example in domain.examples:
        row = section[section.index(f"<td>{html.escape(example['word'])}</td>") :]
        assert row.index(html.escape(", ".join(example["here"]))) < row.index(
            html.escape(", ".join(example["general"]))
        )
    assert f"Recommended space: <b>{html.escape(found.labels[found.recommended])}</b>" in section


@pytest.mark.slow
def test_its_progress_steps_come_first_and_end_at_one(run_vs_baseline):
    _, steps, _ = run_vs_baseline
    order = list(dict.fromkeys(step.section for step in steps))
    assert order == ["verdict", "summary", "changed", "retrieval", "done"]
    fractions = [step.fraction for step in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    messages = [step.message for step in steps if step.section == "verdict" and step.message]
    assert messages[0].startswith("Verdict: says which space to use and why")
    assert "Verdict: evaluating MiniLM baseline: word similarity and analogies" in messages
    assert "Verdict: comparing neighbourhoods with the baseline" in messages


@pytest.mark.slow
def test_the_report_with_the_verdict_stays_self_contained(run_vs_baseline):
    text, _, _ = run_vs_baseline
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<script src=" not in text and "<link" not in text
    assert re.findall(r"https?://", _outside_plotly_bundle(text)) == []


@pytest.fixture(scope="module")
def labelled():
    """A labelled corpus and two hand-built spaces over its words (no model): B is A with noise, lacking a few."""
    from embedlab.corpus import ReadOptions, build_corpus

    corpus = build_corpus("notes.csv", labelled_csv(120), ReadOptions("text", "label"))
    words = list(corpus.counts)
    counts = list(corpus.counts.values())
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), 12))
    a = make_space(words, vectors, "vectors:a.txt", counts)
    noisy = vectors[:-5] + rng.normal(scale=0.8, size=(len(words) - 5, 12))
    b = make_space(words[:-5], noisy, "vectors:b.txt", counts[:-5])
    return corpus, a, b


def _hand_built_verdict(corpus, a, b) -> verdict.Verdict:
    return verdict.build_verdict(corpus, [a.name], b.name, load={a.name: a, b.name: b}.__getitem__)


@pytest.mark.slow
def test_with_the_evaluation_sections_nothing_is_scored_twice(labelled, monkeypatch):
    corpus, a, b = labelled
    chosen = ("benchmarks", "task", "retrieval")
    alone = report.build_report(a, b, corpus, report.ReportSettings(sections=chosen))

    def scored_again(*args, **kwargs):
        raise AssertionError("a section scored what the verdict's evaluation holds")

    for name in ("intrinsic_section", "task_section", "retrieval_section"):
        monkeypatch.setattr(evaluation, name, scored_again)
    steps: list[report.ReportStep] = []
    text = report.build_report(a, b, corpus, report.ReportSettings(sections=("verdict", *chosen)), steps.append)
    assert _headings(text) == ["Verdict", "Benchmarks", "Task", "Held-out retrieval"]
    for heading in ("Benchmarks", "Task", "Held-out retrieval"):  # the same tables as when they score alone
        assert _section(text, heading) == _section(alone, heading)
    assert "Held-out pairs: 24 pairs of neighbouring sentences" in _section(text, "Held-out retrieval")
    _says_the_verdict(_section(text, "Verdict"), _hand_built_verdict(corpus, a, b))
    weights = report.estimate_seconds(a, b, corpus)
    assert weights[Section.VERDICT] > weights[Section.TASK] > 0
    fractions = [step.fraction for step in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


@pytest.mark.slow
def test_another_seed_scores_the_task_with_its_own_folds(labelled, monkeypatch):
    corpus, a, b = labelled
    calls = []
    task_section = evaluation.task_section
    monkeypatch.setattr(
        evaluation, "task_section", lambda *args, **kwargs: calls.append(1) or task_section(*args, **kwargs)
    )
    text = report.build_report(a, b, corpus, report.ReportSettings(seed=7, sections=("verdict", "task")))
    assert len(calls) == 2  # the report's seed, not the verdict's 42
    _says_the_verdict(_section(text, "Verdict"), _hand_built_verdict(corpus, a, b))  # the verdict is everyone's


@pytest.mark.slow
def test_the_baseline_is_b_unless_a_is_the_pretrained_one(labelled):
    corpus, a, b = labelled
    pretrained = make_space(list(b.words), b.vectors, "baseline", b.counts)
    text = report.build_report(pretrained, a, corpus, report.ReportSettings(sections=("verdict",)))
    found = verdict.build_verdict(corpus, [a.name], "baseline", load={a.name: a, "baseline": pretrained}.__getitem__)
    assert found.candidates == (a.name,) and found.baseline == "baseline"
    _says_the_verdict(_section(text, "Verdict"), found)


def test_the_same_space_twice_has_no_verdict(labelled):
    corpus, a, _ = labelled
    text = report.build_report(a, a, corpus, report.ReportSettings(sections=("verdict", "summary")))
    assert _headings(text) == ["Verdict", "Summary"]
    assert "A and B are the same space: the verdict needs a candidate" in _section(text, "Verdict")
