"""``python -m embedlab report``: sections chosen on the command line, progress on stderr (vectors files: no model)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import TINY_TEXT

from embedlab.cli import main
from embedlab.spaces.formats import write_vectors


@pytest.fixture
def files(tmp_path, fresh_home):
    """A corpus file and two vectors files over its words (B lacks some)."""
    corpus = tmp_path / "notes.txt"
    corpus.write_text(TINY_TEXT * 20, encoding="utf-8")
    words = sorted(set(re.findall(r"[a-z]+", TINY_TEXT.lower())))
    rng = np.random.default_rng(1)
    write_vectors(tmp_path / "a.txt", words, rng.normal(size=(len(words), 8)).astype(np.float32))
    write_vectors(tmp_path / "b.txt", words[:-4], rng.normal(size=(len(words) - 4, 8)).astype(np.float32))
    return corpus, tmp_path / "a.txt", tmp_path / "b.txt"


def _report(files, tmp_path, *options: str) -> list[str]:
    corpus, a, b = files
    argv = ["report", "--a", f"vectors:{a}", "--b", f"vectors:{b}", "--corpus", str(corpus)]
    return [*argv, "--word", "matrix", "--out", str(tmp_path / "out.html"), *options]


def test_report_builds_the_chosen_sections_and_prints_its_steps(files, tmp_path, capsys):
    assert main(_report(files, tmp_path, "--sections", "summary,neighbours,weat")) == 0
    captured = capsys.readouterr()
    text = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert re.findall(r"<h2>(.*?)</h2>", text) == ["Summary", "Neighbours", "Bias (WEAT)"]
    lines = [line.strip() for line in captured.err.replace("\r", "\n").splitlines() if line.strip()]
    started = [line for line in lines if re.match(r"\[\s*\d+%\] [A-Z]", line)]
    assert started[0].startswith("[  0%] Summary: scoring up to") and "s left" in started[0]
    assert started[1].split("] ")[1].startswith("Neighbours of 1 word")
    assert started[2].split("] ")[1].startswith("Bias (WEAT): runs the shipped WEAT bias tests")
    assert started[-1] == "[100%] Report written"
    assert "sections: ['summary', 'neighbours', 'weat']" in captured.out


@pytest.mark.slow
def test_report_adds_the_evaluation_sections_on_request(files, tmp_path, capsys):
    assert main(_report(files, tmp_path, "--sections", "summary", "--with-evaluation", "--json")) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["sections"] == ["verdict", "summary", "benchmarks", "task", "retrieval", "weat"]
    assert captured.err == ""  # --json: machine-readable, no progress
    text = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert re.findall(r"<h2>(.*?)</h2>", text) == [
        "Verdict",
        "Summary",
        "Benchmarks",
        "Task",
        "Held-out retrieval",
        "Bias (WEAT)",
    ]
    assert "The corpus has no labels: there is no task to score." in text


def test_report_names_an_unknown_section(files, tmp_path, capsys):
    assert main(_report(files, tmp_path, "--sections", "summary,heatmap")) == 1
    err = capsys.readouterr().err
    assert "embedlab report: error: unknown report section 'heatmap': choose from verdict, spaces, summary" in err
    assert not (tmp_path / "out.html").exists()


def test_report_says_why_labels_that_cannot_be_cross_validated_give_no_task(files, tmp_path, capsys):
    _, a, b = files
    rows = [f'"Note {i} on matrices and solvers, number {i}.",{"a" if i < 30 else f"b{i}"}' for i in range(40)]
    corpus = tmp_path / "one-label.csv"
    corpus.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    argv = ["report", "--a", f"vectors:{a}", "--b", f"vectors:{b}", "--corpus", str(corpus), "--label-column", "label"]
    assert main([*argv, "--out", str(tmp_path / "out.html"), "--sections", "task", "--json"]) == 0
    text = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert re.findall(r"<h2>(.*?)</h2>", text) == ["Task"]
    assert (
        "No task to score: one-label.csv: 1 label has at least 5 documents; a classifier needs two or more to "
        "cross-validate." in text
    )
