"""The CLI: JSON shapes, same functions as the app, one-line errors with a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, TINY_TEXT

from embedlab import spaces
from embedlab.cli import main


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(TINY_TEXT * 20 + "\n\nOne closing line mentions quokkas once.\n", encoding="utf-8")
    return path


def _run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_train_then_neighbors_compare_coverage_export(corpus_file, tmp_path, capsys, fresh_home):
    trained = _run_json(
        capsys,
        "train",
        str(corpus_file),
        "--method",
        "word2vec",
        "--dim",
        "16",
        "--min-count",
        "2",
        "--epochs",
        "3",
        "--seed",
        "3",
        "--workers",
        "1",
    )
    assert trained["run_id"].startswith("run-")
    assert trained["vocab_size"] > 20
    assert (fresh_home / "runs" / trained["run_id"] / "vectors.bin").exists()

    found = _run_json(capsys, "neighbors", "--space", trained["run_id"], "--word", "matrix", "--k", "4")
    assert found["space"] == trained["run_id"] and found["word"] == "matrix"
    assert len(found["neighbors"]) == 4
    sims = [n["similarity"] for n in found["neighbors"]]
    assert sims == sorted(sims, reverse=True) and "matrix" not in [n["word"] for n in found["neighbors"]]

    covered = _run_json(capsys, "coverage", "--space", trained["run_id"], "--corpus", str(corpus_file), "--top", "10")
    assert covered["tokens"] == trained["corpus_tokens"]
    assert 0 < covered["type_coverage"] <= covered["token_coverage"] < 1  # min_count=2 drops only rare words
    assert {item["word"] for item in covered["top_missing"]} == {
        "one",
        "closing",
        "line",
        "mentions",
        "quokkas",
        "once",
    }
    assert all(item["count"] == 1 for item in covered["top_missing"])

    same = _run_json(capsys, "compare", "--a", trained["run_id"], "--b", trained["run_id"], "--k", "5")
    assert same["shared_words"] == trained["vocab_size"] and same["mean_jaccard"] == pytest.approx(1.0)
    # stopwords, numbers and punctuation are hidden by default; --all-words lists them
    listed = {row["word"] for row in same["words"]}
    assert {"the", "of", "a", "is"}.isdisjoint(listed) and {"matrix", "sparse"} <= listed
    assert all(row["kind"] == "content" for row in same["words"])
    assert same["hidden_words"] > 0 and len(same["words"]) == trained["vocab_size"] - same["hidden_words"]
    assert same["ties"] == 0 and same["ranking"].startswith(f"0 of {len(same['words'])} scored words tie")
    every = _run_json(capsys, "compare", "--a", trained["run_id"], "--b", trained["run_id"], "--k", "5", "--all-words")
    assert len(every["words"]) == trained["vocab_size"] and every["hidden_words"] == 0
    assert {"the", "of"} <= {row["word"] for row in every["words"]}
    by_word = {row["word"]: row for row in same["words"]}
    assert by_word["matrix"]["jaccard"] == 1.0 and by_word["matrix"]["rank_overlap"] == pytest.approx(1.0)
    assert by_word["matrix"]["count_a"] == by_word["matrix"]["count_b"] == TINY_TEXT.lower().count("matrix") * 20

    out = tmp_path / "export.txt"
    exported = _run_json(capsys, "export", trained["run_id"], "--format", "word2vec", "--out", str(out))
    assert exported["words"] == trained["vocab_size"]
    assert out.read_text(encoding="utf-8").splitlines()[0] == f"{trained['vocab_size']} 16"
    reloaded = spaces.load_space(f"vectors:{out}")
    assert reloaded.words == spaces.load_space(trained["run_id"]).words


@pytest.mark.slow
def test_compare_against_baseline_uses_the_runs_corpus(corpus_file, capsys, fresh_home):
    trained = _run_json(capsys, "train", str(corpus_file), "--dim", "16", "--min-count", "1", "--epochs", "2")
    result = _run_json(capsys, "compare", "--a", trained["run_id"], "--b", "baseline", "--k", "5")
    assert result["corpus_id"] == trained["corpus_id"]
    assert result["shared_words"] == trained["vocab_size"]  # the baseline encodes every corpus word
    assert result["only_a"] == 0
    assert 0 <= result["mean_jaccard"] < 1


@pytest.mark.slow
def test_baseline_coverage_reports_word_pieces(corpus_file, capsys):
    result = _run_json(capsys, "coverage", "--space", "baseline", "--corpus", str(corpus_file))
    assert result["encodes_every_word"] and result["token_coverage"] == 1.0 and result["top_missing"] == []
    split = {item["word"] for item in result["top_split"]}
    assert "eigendecomposition" in split  # split into e ##igen ##de ##com ##position, and still encoded
    assert "matrix" not in split
    assert 0 < result["split_token_share"] < 1
    assert result["mean_pieces_per_token"] > 1


def test_export_baseline_needs_a_corpus(capsys):
    assert main(["export", "baseline", "--out", "x.txt"]) == 1
    assert "needs --corpus" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv, message",
    [
        (["neighbors", "--space", "nope", "--word", "x"], "unknown space 'nope'"),
        (["train", "/no/such/file.txt"], "no such file"),
        (["coverage", "--space", "run-20200101-000000-abcdef", "--corpus", "{corpus}"], "no run"),
        (["train", "{corpus}", "--min-count", "100000"], "min_count=100000 leaves 0 words"),
        (["train", "{corpus}", "--dim", "0"], "dim must be"),
    ],
)
def test_errors_are_one_line_with_nonzero_exit(argv, message, corpus_file, fresh_home):
    argv = [a.replace("{corpus}", str(corpus_file)) for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "embedlab", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "EMBEDLAB_HOME": str(fresh_home)},
        timeout=120,
    )
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


@pytest.mark.slow
def test_report_writes_a_self_contained_html_file(corpus_file, tmp_path, capsys, fresh_home):
    trained = _run_json(capsys, "train", str(corpus_file), "--dim", "16", "--min-count", "1", "--epochs", "2")
    out = tmp_path / "report.html"
    result = _run_json(
        capsys,
        "report",
        "--a",
        trained["run_id"],
        "--b",
        "baseline",
        "--corpus",
        str(corpus_file),
        "--word",
        "matrix",
        "--word",
        "spectrum",
        "--map-words",
        "100",
        "--out",
        str(out),
    )
    text = out.read_text(encoding="utf-8")
    assert result["bytes"] == len(text.encode()) and result["corpus_id"] == trained["corpus_id"]
    assert "“matrix”" in text and "“spectrum”" in text and "<script src=" not in text
    assert trained["run_id"] in text and trained["corpus_id"] in text


@pytest.mark.slow
def test_train_finetunes_minilm_and_reports_held_out_retrieval(tmp_path, capsys, fresh_home):
    from conftest import notes_text

    notes = tmp_path / "notes.txt"
    notes.write_bytes(notes_text())
    result = _run_json(
        capsys,
        "train",
        str(notes),
        "--method",
        "sentence-transformer",
        "--max-pairs",
        "16",
        "--batch-size",
        "8",
        "--seed",
        "1",
    )
    assert result["method"] == "sentence-transformer" and result["run_id"].startswith("run-")
    retrieval = result["retrieval"]
    assert set(retrieval) == {"baseline", "finetuned", "held_out_pairs", "mrr_change"}
    assert retrieval["held_out_pairs"] >= 20 and retrieval["mrr_change"]["queries"] == retrieval["held_out_pairs"]
    assert set(retrieval["finetuned"]) == {"mrr@10", "recall@10"}
    assert (fresh_home / "runs" / result["run_id"] / "model" / "modules.json").exists()
    found = _run_json(
        capsys, "neighbors", "--space", result["run_id"], "--word", "sparse", "--k", "3", "--corpus", str(notes)
    )
    assert len(found["neighbors"]) == 3


@pytest.mark.slow
def test_evaluate_scores_spaces_side_by_side_like_gensim(tmp_path, capsys, tiny_run, tiny_text_corpus):
    from embedlab import evaluation

    pairs = tmp_path / "mine.csv"
    pairs.write_text("word1,word2,score\nmatrix,matrices,9\nsparse,dense,3\nsignal,spectrum,7\nsolver,matrix,6\n")
    result = _run_json(capsys, "evaluate", "--space", tiny_run.id, "--space", "baseline", "--pairs", str(pairs))
    rows = {(r["space"], r["benchmark"]): r for r in result["benchmarks"]}
    assert set(rows) == {
        (space, name)
        for space in (tiny_run.id, "baseline")
        for name in ("WordSim-353", "SimLex-999", "your pairs", "Google analogies")
    }
    # MiniLM encodes every WordSim-353 word: the baseline is scored on all 353 pairs (evaluation.score_pairs)
    pairs, _ = evaluation.builtin_pairs("WordSim-353")
    expected = evaluation.score_pairs(spaces.load_space("baseline"), pairs, "WordSim-353")
    wordsim = rows[("baseline", "WordSim-353")]
    assert wordsim["score"] == pytest.approx(expected.spearman) and wordsim["oov_share"] == 0
    assert wordsim["used"] == wordsim["total"] == 353 and wordsim["vocabulary"].startswith("the benchmark's own words")
    run_wordsim = rows[(tiny_run.id, "WordSim-353")]  # a run is scored on its own vocabulary
    assert run_wordsim["vocabulary"].startswith("the space's own ") and run_wordsim["oov_share"] > 0.9
    assert rows[(tiny_run.id, "your pairs")]["used"] == 4  # every word of the pairs is in the tiny corpus
    assert set(result["spaces"]) == {tiny_run.id, "baseline"} and "wordsim353" not in result  # two spaces
    sections = result["spaces"]["baseline"]["analogies"]["sections"]
    assert sections[0]["section"] == "capital-common-countries" and sections[0]["total"] > 0


def test_evaluate_one_space_gives_the_documented_shape_with_weat_and_sweep_and_keeps_it_with_the_run(
    capsys, tiny_run, tiny_text_corpus, tmp_path
):
    from embedlab import evaluation

    corpus_file = tmp_path / "tiny.txt"
    corpus_file.write_text(TINY_TEXT * 20, encoding="utf-8")
    result = _run_json(
        capsys, "evaluate", "--space", tiny_run.id, "--corpus", str(corpus_file), "--weat", "career", "--sweep"
    )
    assert set(result["wordsim353"]) >= {"spearman", "pearson", "oov_ratio"}
    assert set(result["simlex999"]) >= {"spearman", "pearson", "oov_ratio"}
    assert set(result["analogies"]) >= {"accuracy", "oov_ratio"} and result["analogies"]["oov_ratio"] == 1.0
    assert result["wordsim353"]["spearman"] is None  # NaN (no usable pair) is null in JSON
    assert "too few" in result["retrieval_note"]  # the tiny text has too few sentence pairs to hold some out
    (weat,) = result["weat"].values()
    assert weat["effect_size"] is None and "too few words left" in weat["note"]
    assert [row["dim"] for row in result["sweep"]] == [16]
    kept = evaluation.run_results(tiny_run.id)
    assert kept["benchmarks"]["corpus_id"] == tiny_text_corpus.id
    assert {row["benchmark"] for row in kept["benchmarks"]["result"]} == {
        "WordSim-353",
        "SimLex-999",
        "Google analogies",
    }
    assert list(kept["weat"]["result"]) == ["Career vs family / male vs female names"]


def test_evaluate_refuses_an_unknown_weat_set(capsys, tiny_run):
    assert main(["evaluate", "--space", tiny_run.id, "--weat", "zebras"]) == 1
    assert "WEAT set 'zebras' names no set: give the start of one of: Flowers vs insects" in capsys.readouterr().err


def test_evaluate_says_why_labels_that_cannot_be_cross_validated_give_no_task(capsys, tiny_run, tmp_path):
    rows = [f'"Note {i} on matrices and solvers, number {i}.",{"a" if i < 30 else f"b{i}"}' for i in range(40)]
    corpus_file = tmp_path / "one-label.csv"
    corpus_file.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    argv = ["evaluate", "--space", tiny_run.id, "--corpus", str(corpus_file), "--label-column", "label", "--json"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    problem = "one-label.csv: 1 label has at least 5 documents; a classifier needs two or more to cross-validate"
    result = json.loads(out)
    assert result["task_note"] == problem and result.get("task") is None
    assert f"no label task: {problem}" in err
