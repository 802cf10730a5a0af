"""``python -m embedlab verdict``: the verdict's JSON is ``build_verdict``'s on the same inputs, the text reads in the
verdict's order, errors are one line; on the planted corpus the planted words are named and the run wins retrieval."""

from __future__ import annotations

import json

import pytest
from conftest import TINY_TEXT
from domain_corpus import PLANTED, domain_corpus

from embedlab import verdict
from embedlab.cli import main
from embedlab.corpus import build_corpus
from embedlab.training import TrainConfig, train_run


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory, tiny_text_corpus):
    """The tiny corpus as a file: the CLI reads it into the same corpus (same name, bytes and options)."""
    path = tmp_path_factory.mktemp("verdict-cli") / "tiny.txt"
    path.write_bytes((TINY_TEXT * 20).encode("utf-8"))
    return path


USES = ("Word similarity", "Retrieval", "Label task", "Small memory")


@pytest.mark.slow
def test_the_json_is_build_verdicts_on_the_same_inputs(tiny_file, tiny_text_corpus, tiny_run, capsys):
    assert main(["verdict", "--corpus", str(tiny_file), "--space", tiny_run.id, "--json"]) == 0
    captured = capsys.readouterr()
    found = json.loads(captured.out)
    expected = json.loads(json.dumps(verdict.build_verdict(tiny_text_corpus, [tiny_run.id]).to_dict()))
    assert found == expected
    assert list(found) == [
        "corpus",
        "language_note",
        "spaces",
        "too_small",
        "headlines",
        "reasons",
        "health",
        "recommended",
        "recommendation_caveat",
        "recommended_by_default",
        "claims_note",
        "judged_elsewhere",
    ]
    assert found["corpus"]["languages"]["main"] == "en" and found["language_note"] == ""  # English: no caveat
    assert found["corpus"]["id"] == tiny_text_corpus.id
    assert [line["use"] for line in found["headlines"]] == [
        "word similarity",
        "retrieval",
        "label task",
        "small memory",
    ]
    assert list(found["reasons"]) == list(verdict.REASONS)
    assert not [line for line in captured.err.splitlines() if line.startswith("[")]  # --json: no progress
    # the tiny run's health warning, on stderr as every verb gives it
    warnings = found["health"][tiny_run.id]["warnings"]
    assert warnings and f"embedlab verdict: health: {tiny_run.id}: {warnings[0]}" in captured.err


@pytest.mark.slow
def test_the_text_says_the_corpus_is_too_small_first_then_each_use_and_reason(tiny_file, tiny_run, capsys):
    assert main(["verdict", "--corpus", str(tiny_file), "--space", tiny_run.id]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("This corpus is too small for any claim: 2,180 tokens")
    health = [line for line in lines if line.startswith("Health warning, ")]
    assert health and any("Tiny vocabulary" in line for line in health)
    uses = [line.split(":")[0] for line in lines if line.split(":")[0] in USES]
    assert uses == list(USES)
    assert lines.index(health[0]) < lines.index(next(line for line in lines if line.startswith("Word similarity:")))
    titles = [line.split(":")[0] for line in lines if line.split(":")[0] in verdict.REASON_TITLES.values()]
    assert titles == [verdict.REASON_TITLES[key] for key in verdict.REASONS]
    recommended = lines.index("Recommended space: MiniLM baseline (baseline)")
    assert all(line.startswith("Caveat: ") for line in lines[recommended + 1 :])  # by default, not by evidence
    progress = [line for line in captured.err.replace("\r", "\n").splitlines() if line.startswith("[")]
    assert progress[0] == "[  0%] loading the spaces" and progress[-1] == "[100%] done"
    assert any("evaluating MiniLM baseline: " in line and "s left" in line for line in progress)


@pytest.mark.parametrize(
    "spaces, message",
    [
        ([], "give at least one --space to judge against the baseline (baseline): a run id, vectors:PATH"),
        (["--space", "baseline"], "give at least one --space to judge against the baseline (baseline)"),
        (["--space", "nosuch"], "unknown space 'nosuch': use 'baseline', a run id like"),
    ],
)
def test_a_missing_or_unknown_space_is_one_line_and_exit_1(tiny_file, capsys, spaces, message):
    assert main(["verdict", "--corpus", str(tiny_file), *spaces]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and captured.err.startswith(f"embedlab verdict: error: {message}")


def test_a_run_that_is_not_there_is_one_error_line(tiny_file, capsys):
    assert main(["verdict", "--corpus", str(tiny_file), "--space", "run-20990101-000000-abcdef", "--json"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("embedlab verdict: error: no run 'run-20990101-000000-abcdef'")


@pytest.mark.slow
def test_on_the_planted_corpus_the_json_names_the_planted_words_and_the_run_wins_retrieval(tmp_path, capsys):
    path = tmp_path / "domain.txt"
    path.write_bytes(domain_corpus(planted=True))
    run = train_run(build_corpus(path.name, path.read_bytes()), TrainConfig(seeds=3, workers=1))
    assert main(["verdict", "--corpus", str(path), "--space", run.id, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    domain = found["reasons"]["domain_language"]
    named = set(domain["spaces"][run.id]["words"])
    assert {word for word, _ in PLANTED} <= named
    assert {example["word"] for example in domain["examples"]} <= named
    assert domain["finding"].startswith(f"{len(named)} of {domain['spaces'][run.id]['checked']} frequent words")
    retrieval = next(line for line in found["headlines"] if line["use"] == "retrieval")
    assert retrieval["winner"] == run.id and retrieval["significant"] and retrieval["ci_low"] > 0
    assert found["recommended"] == run.id and found["too_small"] == ""
