"""The corpus's language where a person reads the answer: the verdict on a German corpus says the baseline is an
English model, does not recommend it without that caveat (the page, the CLI's text and JSON, the report), and never
calls a German function word domain language; an English corpus has no caveat; the Corpus page shows the
language."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest
from test_language import german

from embedlab import cli, corpus, spaces, verdict
from embedlab.present import report
from embedlab.present.text import plain_markdown
from embedlab.training import TrainConfig, train_run

pytestmark = pytest.mark.slow

GERMAN_FUNCTION_WORDS = {"die", "der", "das", "und", "ist", "sie", "den", "des", "mit", "wird", "ein", "eine"}


@pytest.fixture(scope="module")
def german_verdict(tmp_path_factory):
    text = "\n\n".join(german(8, seed=i) for i in range(400))  # ~38,000 tokens: past the verdict's "too small"
    path = tmp_path_factory.mktemp("german") / "handbuch.txt"
    path.write_text(text, encoding="utf-8")
    stored = corpus.corpus_from_file(path)
    run = train_run(stored, TrainConfig(dim=32, epochs=5, workers=1, seed=7))
    return path, stored, run, verdict.build_verdict(stored, [run.id])


def test_the_verdict_on_a_german_corpus_names_its_language_and_the_baseline_s_caveat(german_verdict):
    _, stored, run, found = german_verdict
    assert found.languages is not None and found.languages.main == "de" and found.languages.share("de") > 0.95
    assert found.language_note == spaces.baseline_language_note(stored) and "mostly German" in found.language_note
    data = found.to_dict()
    assert data["corpus"]["languages"]["main"] == "de" and data["corpus"]["languages"]["main_name"] == "German"
    assert data["language_note"] == found.language_note
    assert data["recommendation_caveat"] == (found.language_note if found.recommended == "baseline" else "")


def test_the_german_corpus_s_function_words_are_never_domain_language(german_verdict):
    _, _, run, found = german_verdict
    domain = found.reasons["domain_language"]
    assert domain.measured is False and not domain.examples
    assert "no reference for general German" in domain.finding and "English model" in domain.finding
    named = set(domain.finding.replace(",", " ").replace(".", " ").replace(":", " ").split())
    assert not GERMAN_FUNCTION_WORDS & named  # the issue saw "die" named as domain language
    assert "die" not in json.dumps(found.to_dict()["reasons"]["domain_language"])


def test_recommending_the_baseline_on_a_german_corpus_always_carries_the_caveat(german_verdict):
    _, _, _, found = german_verdict
    kept = dataclasses.replace(found, recommended="baseline")  # whichever way this corpus's evidence went
    assert kept.recommendation_caveat == found.language_note != ""
    assert kept.to_dict()["recommendation_caveat"] == found.language_note
    text = cli._verdict_text(kept)
    assert "Language of handbuch.txt: German 100%" in text
    recommended = text[text.index("Recommended space: MiniLM baseline (baseline)\n") :].splitlines()
    assert recommended[1:] == [f"Caveat: {note}" for note in kept.recommendation_notes]  # the language note last
    assert recommended[-1] == f"Caveat: {found.language_note}"
    html = report.verdict.verdict_body(kept)
    recommended = html.index("Recommended space:")
    assert html.index(report.markup.escape(found.language_note)) > recommended  # the caveat follows the recommendation


def test_the_cli_verdict_json_carries_the_note(german_verdict, capsys):
    path, _, run, found = german_verdict
    assert cli.main(["verdict", "--corpus", str(path), "--space", run.id, "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["language_note"] == found.language_note and data["corpus"]["languages"]["main"] == "de"
    assert f"note: {found.language_note}" in captured.err


def test_an_english_corpus_gets_no_caveat(tiny_text_corpus, tiny_run):
    found = verdict.build_verdict(tiny_text_corpus, [tiny_run.id])
    assert found.languages is not None and found.languages.main == "en"
    assert found.language_note == "" and dataclasses.replace(found, recommended="baseline").recommendation_caveat == ""
    assert spaces.baseline_language_note(tiny_text_corpus) is None


def test_the_corpus_page_shows_the_language_and_the_baseline_s_caveat(fresh_home):
    stored = corpus.build_corpus("handbuch.txt", "\n\n".join(german(seed=i) for i in range(30)).encode())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/corpus.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="corpus_chosen").value == stored.id
    assert "**Language:** German 100%" in [element.value for element in at.markdown]
    note = spaces.baseline_language_note(stored)
    assert note is not None and [info.value for info in at.info if "English model" in info.value] == [
        plain_markdown(note)
    ]


def test_every_cli_command_reading_the_baseline_on_a_german_corpus_says_so(german_verdict, capsys):
    path, stored, run, found = german_verdict
    assert cli.main(["compare", "--corpus", str(path), "--a", run.id, "--b", "baseline", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["language_note"] == found.language_note
    assert f"embedlab compare: note: {found.language_note}" in captured.err
    word = next(iter(stored.counts))  # the most frequent word: in the run
    assert cli.main(["neighbors", "--corpus", str(path), "--space", run.id, "--word", word, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["language_note"] is None and "mostly German" not in captured.err  # no baseline
