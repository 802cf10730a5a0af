"""The HTML report: self-contained, escaped, and showing the same numbers as the app."""

from __future__ import annotations

import re

import pytest

from embedlab import analysis, spaces
from embedlab.present import report

pytestmark = pytest.mark.slow  # every test encodes the corpus with MiniLM


@pytest.fixture(scope="module")
def built(tiny_text_corpus, tiny_run):
    a = spaces.load_space(tiny_run.id, tiny_text_corpus)
    b = spaces.load_space("baseline", tiny_text_corpus)
    settings = report.ReportSettings(k=5, words=("matrix", "<script>alert(1)</script>"), map_words=100, seed=3)
    return a, b, report.build_report(a, b, tiny_text_corpus, settings)


def _outside_plotly_bundle(text: str) -> str:
    return re.sub(r"<script type='text/javascript'>.*?</script>", "", text, count=1, flags=re.S)


def test_report_is_self_contained(built):
    _, _, text = built
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<script src=" not in text  # plotly's JavaScript is inline, nothing to fetch
    assert re.findall(r"https?://", _outside_plotly_bundle(text)) == []
    assert len(re.findall(r'class="plotly-graph-div"', text)) == 4  # change histogram, coverage x2, maps


def test_report_escapes_user_text(built):
    _, _, text = built
    body = _outside_plotly_bundle(text)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_report_shows_the_same_neighbours_and_numbers_as_the_app(built, tiny_text_corpus, tiny_run):
    a, b, text = built
    shared_a, shared_b = analysis.shared_spaces(a, b)
    result = analysis.compare_neighbors(shared_a, shared_b, "matrix", 5)
    section = text[text.index("“matrix”") : text.index("&lt;script&gt;")]
    positions = [section.index(f"<td>{n.word}</td>") for n in result.a]
    assert positions == sorted(positions)  # A's list in rank order
    assert f"Jaccard@5 {result.jaccard:.2f}" in section
    summary, _ = analysis.compare_spaces(a, b, 5)
    assert f"<b>{summary.mean_jaccard:.3f}</b>mean Jaccard@5" in text
    assert f"<b>{summary.shared_words:,}</b>shared words" in text
    assert tiny_text_corpus.id in text and tiny_run.id in text
    assert '<td>min count</td><td class="num">1</td>' in text and "<td>architecture</td><td>CBOW</td>" in text
    coverage = analysis.vocabulary_coverage(b, tiny_text_corpus)  # the baseline encodes every word: kept whole or split
    assert f"<b>{1 - coverage.split_token_share:.1%}</b>tokens kept whole" in text
    assert "<b>100%</b>words encoded" in text and "missing word" in text  # the run's column still lists its missing


def test_the_default_report_holds_the_comparison_sections_only(built):
    _, _, text = built
    assert re.findall(r"<h2>(.*?)</h2>", text) == [s.heading for s in report.COMPARISON_SECTIONS]
    assert "<h2>Benchmarks</h2>" not in text and "WordSim-353" not in text  # evaluation is opt-in


def test_report_includes_the_benchmarks_of_both_spaces_when_chosen(built, tiny_text_corpus):
    a, b, _ = built
    settings = report.ReportSettings(k=5, sections=("benchmarks", "retrieval"))
    text = report.build_report(a, b, tiny_text_corpus, settings)
    assert re.findall(r"<h2>(.*?)</h2>", text) == ["Benchmarks", "Held-out retrieval"]
    section = text[text.index("<h2>Benchmarks</h2>") : text.index("<h2>Held-out retrieval</h2>")]
    for name in ("WordSim-353", "SimLex-999", "Google analogies"):
        assert section.count(f"<td>{name}</td>") == 2
    labels = spaces.space_labels([a.name, b.name], judged_on=tiny_text_corpus.id)  # readable, never a run id
    assert (
        f"<td>{report.markup.escape(labels[a.name])}</td>" in section and f"<td>{spaces.BASELINE_LABEL}</td>" in section
    )
    assert f"<td>{a.name}</td>" not in section
    assert "Held-out pairs: no held-out retrieval on this corpus" in text  # the tiny text has too few pairs


def test_report_has_held_out_retrieval_rows_when_the_corpus_has_sentence_pairs(fresh_home):
    from conftest import notes_text

    from embedlab import evaluation
    from embedlab.corpus import build_corpus
    from embedlab.training import TrainConfig, train_run

    corpus = build_corpus("notes.txt", notes_text(80))
    run = train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=2, workers=1))
    a, b = spaces.load_space(run.id, corpus), spaces.load_space("baseline", corpus)
    text = report.build_report(a, b, corpus, report.ReportSettings(k=5, seed=1, sections=("retrieval",)))
    section = text[text.index("<h2>Held-out retrieval</h2>") :]
    pairs, _ = evaluation.held_out_pairs(corpus)
    expected = evaluation.held_out_retrieval(b, pairs, "").mrr
    assert "<td>held-out retrieval (mean word vectors)</td>" in section
    assert "<td>held-out retrieval (sentence embeddings)</td>" in section
    assert f"{expected:.3f}" in section and "neighbouring sentences" in section
