"""Issue 24, point 5: the rest of a newcomer's hour. A column that looks like a label is pre-selected and never
said to be missing; one-line documents get label pairs (or a refusal that names the option); two runs never share
a label; the baseline's coverage speaks as Neighbours does; a corpus can be deleted, its runs kept.
"""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest
from conftest import ROOT, TINY_TEXT, labelled_csv, notes_text
from streamlit.testing.v1 import AppTest

from embedlab import analysis, corpus, evaluation, spaces, store, training
from embedlab.cli import main
from embedlab.corpus import ReadOptions, build_corpus
from embedlab.present import figures
from embedlab.records import RunMethod
from embedlab.spaces.formats import write_vectors
from embedlab.training import FinetuneConfig

APP = str(ROOT / "app.py")


def _app(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.switch_page(page).run()


def _tickets(labelled: bool = True, rows: int = 80) -> bytes:
    """One-line documents (support tickets): no neighbouring sentences to pair; an id, a team, a priority."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "team", "priority"] if labelled else ["id", "text"])
    teams = ["billing", "network", "storage", "login"]
    for i in range(rows):
        team = teams[i % len(teams)]
        text = f"ticket {i} the {team} service fails with error {i * 7} for customer {i * 3}"
        writer.writerow([f"T{i:04d}", text, team, "high" if i % 3 else "low"] if labelled else [f"T{i:04d}", text])
    return out.getvalue().encode()


# --- a column that looks like a label ---------------------------------------------------------------------------


def test_the_column_that_looks_like_a_label_is_guessed_and_kept_with_a_corpus_read_without_it(fresh_home):
    assert corpus.label_column_guess("notes.csv", labelled_csv()) == "label"  # 6 topics, 10 documents each
    # ids are all different, texts are long, and among two label-like columns the one named like a label wins,
    # then the one with more values (a richer task): 'team' (4 values) over 'priority' (2)
    assert corpus.label_column_guess("tickets.csv", _tickets()) == "team"
    jsonl = "\n".join(
        json.dumps({"body": f"a long text number {i} " * 3, "section": s}) for i, s in enumerate("ab" * 6)
    )
    assert corpus.label_column_guess("x.jsonl", jsonl.encode()) == "section"
    assert corpus.label_column_guess("tickets.csv", _tickets(labelled=False)) is None  # nothing repeats
    assert corpus.label_column_guess("notes.txt", TINY_TEXT.encode()) is None  # plain text has no columns
    # two values seen once among four: not a label ("each repeated")
    rows = "".join(f"some text,{kind}\n" for kind in "aaaabbbbcd")
    assert corpus.label_column_guess("x.csv", f"text,kind\n{rows}".encode()) is None
    assert corpus.label_column_guess("notes.csv", labelled_csv(), text_column="label") is None  # never the text

    unlabelled = build_corpus("notes.csv", labelled_csv())
    assert unlabelled.labels is None and unlabelled.label_guess == "label"
    reason = corpus.no_labels_reason(unlabelled)
    assert reason == (
        "notes.csv was added without a label column, though its column 'label' looks like one: add it again with "
        "'label' as the label column (Corpus page; --label-column label on the command line)"
    )
    assert evaluation.task_problem(unlabelled) == reason  # the Evaluate page, the report and the CLI say this
    with pytest.raises(ValueError, match="its column 'label' looks like one"):
        training.make_pairs(unlabelled, FinetuneConfig(use_labels=True))
    labelled = build_corpus("notes.csv", labelled_csv(), ReadOptions(label_column="label"))
    assert labelled.label_guess is None and corpus.no_labels_reason(labelled) == ""
    plain = build_corpus("notes.txt", TINY_TEXT.encode())
    assert corpus.no_labels_reason(plain) == "notes.txt has no label column: choose one when adding the corpus"


@pytest.mark.slow
def test_the_corpus_page_pre_selects_the_label_column_from_the_first_draw(fresh_home):
    at = _app("pages/corpus.py")
    at.radio(key="corpus_source").set_value("Sample corpus").run()
    assert at.selectbox(key="corpus_sample").value == "scipy_docs.csv"
    assert at.selectbox(key="corpus_label_column").value == "label"  # name,label,text: pre-selected, not "(none)"
    at.button(key="corpus_process").click().run()
    assert not at.exception and not at.error
    labels = next(m for m in at.metric if m.label == "Labels")
    assert int(labels.value) >= 10
    assert "Next, train a run on it" in at.success[0].value
    assert [link.proto.page for link in at.get("page_link")] == ["train", "train"]  # after processing, and below
    # chosen "(none)" on purpose: the stored corpus is said to be read without it, never to have no labels
    at.selectbox(key="corpus_label_column").set_value("(none)").run()
    at.button(key="corpus_process").click().run()
    labels = next(m for m in at.metric if m.label == "Labels")
    assert labels.value == "not read" and "its column 'label' looks like one" in labels.help


def test_the_cli_names_the_label_column_it_did_not_read(fresh_home, tmp_path, capsys):
    path = tmp_path / "notes.csv"
    path.write_bytes(labelled_csv())
    words = sorted({w for row in labelled_csv().decode().lower().split() for w in re.findall(r"[a-z]+", row)})
    write_vectors(tmp_path / "v.txt", words, np.random.default_rng(0).normal(size=(len(words), 8)).astype(np.float32))
    argv = ["evaluate", "--space", f"vectors:{tmp_path / 'v.txt'}", "--corpus", str(path), "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert "its column 'label' looks like one" in result["task_note"]
    assert (
        "notice: notes.csv was added without a label column, though its column 'label' looks like one" in captured.err
    )
    assert "has no label" not in captured.err + captured.out


# --- one-line documents -----------------------------------------------------------------------------------------


def test_one_line_documents_refuse_a_fine_tune_naming_the_label_option_and_rank_label_pairs(fresh_home):
    tickets = build_corpus("tickets.csv", _tickets(), ReadOptions("text", "team"))
    assert training.neighbour_pair_count(tickets) == 0
    option = training.LABEL_PAIRS_OPTION
    assert option == "Pairs from the label column (documents sharing a label)"
    with pytest.raises(ValueError) as refused:
        training.make_pairs(tickets, FinetuneConfig())
    assert str(refused.value) == (
        "0 sentence pairs are too few to fine-tune with a held-out check: need at least 20 held out plus one batch "
        f"(16) to train; its documents have too few neighbouring sentences: tick '{option}' on the Train page "
        "(--use-labels on the command line) to pair documents sharing a label, or give a pairs file"
    )
    assert training.make_pairs(tickets, FinetuneConfig(use_labels=True)).source == "documents sharing a label"

    held_out = evaluation.held_out_section(tickets)
    assert len(held_out.pairs) >= 20
    assert held_out.note.startswith(f"{len(held_out.pairs)} pairs of documents sharing a label")
    assert "tickets.csv has 0 pairs of neighbouring sentences" in held_out.note
    for anchor, positive in held_out.pairs:  # same team, different tickets
        assert anchor != positive and anchor.split()[3] == positive.split()[3]

    unlabelled = build_corpus("tickets.csv", _tickets(labelled=False), ReadOptions("text"))
    none = evaluation.held_out_section(unlabelled)
    assert none.pairs == () and none.note == (
        "no held-out retrieval on this corpus: tickets.csv has 0 pairs of neighbouring sentences, too few to hold "
        "20 out and still train on the rest (its documents are one sentence long), and no labels to pair its "
        "documents by: tickets.csv has no label column: choose one when adding the corpus"
    )
    with pytest.raises(ValueError, match=f"or one with a label column and '{re.escape(option)}'"):
        training.make_pairs(unlabelled, FinetuneConfig())
    guessed = build_corpus("tickets.csv", _tickets(), ReadOptions("text"))  # read without its 'team' column
    with pytest.raises(ValueError, match=f"its column 'team' as the label column and tick '{re.escape(option)}'"):
        training.make_pairs(guessed, FinetuneConfig())


@pytest.mark.slow
def test_the_train_page_shows_the_label_option_whole_on_its_own_row(fresh_home):
    build_corpus("tickets.csv", _tickets(), ReadOptions("text", "team"))
    at = _app("pages/train.py")
    at.radio(key="train_method").set_value(RunMethod.SENTENCE_TRANSFORMER).run()
    assert not at.exception
    box = at.checkbox(key="ft_use_labels")
    assert box.label == training.LABEL_PAIRS_OPTION and not box.proto.disabled
    assert all("ft_use_labels" not in [c.key for c in column.checkbox] for column in at.columns)  # not in a quarter
    assert box.value is True  # one-line labelled tickets: ticked, rather than a job that starts and fails


def test_label_pairs_are_preferred_only_for_labelled_corpora_without_sentences_to_pair(fresh_home):
    tickets = build_corpus("tickets.csv", _tickets(), ReadOptions("text", "team"))
    assert tickets.stats.sentences - tickets.stats.documents < 20  # one-line documents
    assert training.prefers_label_pairs(tickets, batch_size=16)
    unlabelled = build_corpus("tickets-unlabelled.csv", _tickets(), ReadOptions("text"))
    assert not training.prefers_label_pairs(unlabelled, batch_size=16)  # no labels to pair by
    prose = build_corpus("notes.txt", notes_text(80))  # three sentences per document: 160 neighbouring pairs
    assert not training.prefers_label_pairs(prose, batch_size=16)


# --- labels: two runs never share one; corpora by name; no raw run id ------------------------------------------


def _fake_run(run_id: str, corpus_id: str, **params) -> None:
    settings = {"dim": 100, "sg": False, "window": 5, "min_count": 5, "epochs": 5, "negative": 5, "sample": 1e-3}
    store.add_run(run_id, corpus_id, RunMethod.WORD2VEC.value, {**settings, "seed": 42, **params}, 10, 1.0)


def test_runs_made_the_same_way_are_labelled_by_what_differs(fresh_home):
    notes = build_corpus("notes.txt", TINY_TEXT.encode())
    other = build_corpus("other.txt", (TINY_TEXT * 2).encode())
    _fake_run("run-20260101-000000-aaaaaa", notes.id)
    _fake_run("run-20260101-000001-bbbbbb", notes.id, sg=True, epochs=10)
    _fake_run("run-20260101-000002-cccccc", notes.id, seeds=3)
    _fake_run("run-20260101-000003-dddddd", notes.id, dim=50)  # another dimension: nothing to add
    _fake_run("run-20260101-000004-eeeeee", other.id)  # another corpus: nothing to add
    ids = [run.id for run in store.list_runs()]
    labels = spaces.space_labels(ids)
    assert labels == {
        "run-20260101-000004-eeeeee": "Word2Vec · dim 100 · other.txt · eeeeee",
        "run-20260101-000003-dddddd": "Word2Vec · dim 50 · notes.txt · dddddd",
        "run-20260101-000002-cccccc": "Word2Vec · dim 100 · CBOW · 5 epochs · seeds 42, 43, 44 · notes.txt · cccccc",
        "run-20260101-000001-bbbbbb": "Word2Vec · dim 100 · skip-gram · 10 epochs · one seed · notes.txt · bbbbbb",
        "run-20260101-000000-aaaaaa": "Word2Vec · dim 100 · CBOW · 5 epochs · one seed · notes.txt · aaaaaa",
    }
    assert len(set(labels.values())) == len(labels)
    assert spaces.space_label("run-20260101-000001-bbbbbb") == labels["run-20260101-000001-bbbbbb"]  # alone too


@pytest.mark.slow
def test_job_lines_and_the_runs_table_name_the_corpus_by_its_file_name(fresh_home):
    notes = build_corpus("notes.txt", TINY_TEXT.encode())
    store.add_job("job-1", notes.id, training.TrainConfig(dim=8).to_dict(), 5)
    store.update_job("job-1", status="failed", message="out of words")
    _fake_run("run-20260101-000000-aaaaaa", notes.id)
    at = _app("pages/train.py")
    assert not at.exception
    (line,) = [e.value for e in at.error if "out of words" in e.value]
    assert "corpus notes.txt" in line and notes.id not in line
    table = at.dataframe[0].value
    assert table["run"].tolist() == ["Word2Vec · dim 100 · notes.txt · aaaaaa"]
    assert table["corpus"].tolist() == ["notes.txt"]


def test_coverage_legends_use_the_readable_labels_and_the_baseline_covers_every_word():
    whole = analysis.Coverage("run-20260101-000000-aaaaaa", 100, 10, 0.9, 0.5, [("zeta", 3)])
    pieces = analysis.Coverage("baseline", 100, 10, 1.0, 1.0, [], 0.25, 1.4, 0.4, [("eigendecomposition", 2)])
    labels = {"run-20260101-000000-aaaaaa": "Word2Vec · dim 100 · notes.txt · aaaaaa", "baseline": "MiniLM baseline"}
    bars = figures.coverage_bars([whole, pieces], labels).to_dict()["data"]
    assert [trace["name"] for trace in bars] == list(labels.values())
    assert bars[1]["y"] == [100.0, 100.0] and bars[1]["text"] == ["100% (75% whole)", "100% (60% whole)"]
    assert "every word encoded" in bars[1]["hovertemplate"] and bars[0]["text"] == ["90.0%", "50.0%"]
    import pandas as pd

    band = pd.DataFrame({"band": ["1", "2–4"], "words": [5, 3], "covered_words": [5, 3], "token_coverage": [1.0, 1.0]})
    lines = figures.coverage_by_band(
        {"run-20260101-000000-aaaaaa": band, "baseline": band.assign(whole_token_share=[0.4, 0.8])}, labels
    ).to_dict()["data"]
    assert [trace["name"] for trace in lines] == [*labels.values(), "MiniLM baseline: kept whole"]
    assert lines[2]["line"]["dash"] == "dot"
    assert list(figures.coverage_by_band({"baseline": band.assign(whole_token_share=[0.4, 0.8])}).data[1].y) == [
        40.0,
        80.0,
    ]
    assert not any(re.search(r"run-\d{8}", f"{trace['name']} {trace['hovertemplate']}") for trace in bars + lines)


@pytest.mark.slow
def test_the_label_task_table_names_spaces_by_their_labels(fresh_home, tmp_path):
    built = build_corpus("notes.csv", labelled_csv(), ReadOptions("text", "label"))
    words = list(built.counts)
    rng = np.random.default_rng(0)
    specs = []
    for name in ("first.txt", "second.txt"):
        write_vectors(tmp_path / name, words, rng.normal(size=(len(words), 8)).astype(np.float32))
        specs.append(spaces.save_uploaded_vectors(name, (tmp_path / name).read_bytes()).spec)
    at = _app("pages/evaluate.py", corpus=built.id, spaces=",".join(specs))
    assert not at.exception and not at.error
    tables = [frame.value for frame in at.dataframe]
    task = next(table for table in tables if "features" in table.columns)  # the label task's table
    assert task["space"].tolist() == [spaces.space_label(spec) for spec in specs]
    assert task["space"].str.startswith(("first.txt", "second.txt")).all()
    for table in tables:  # no table names a space by its spec
        assert not any(spec in map(str, [*table.columns, *table.get("space", [])]) for spec in specs)


# --- deleting a corpus ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_deleting_a_corpus_keeps_its_runs_which_still_open_on_other_corpora(fresh_home, tmp_path, capsys):
    notes = build_corpus("notes.txt", (TINY_TEXT * 20).encode())
    other = build_corpus("other.txt", (TINY_TEXT * 10).encode())
    run = training.train_run(notes, training.TrainConfig(dim=8, min_count=1, epochs=2, workers=1, seed=7))
    label = spaces.space_label(run.id)

    store.add_job("job-busy", notes.id, training.TrainConfig(dim=9).to_dict(), 5)  # queued: holds the corpus
    assert main(["delete-corpus", notes.id]) == 1
    err = capsys.readouterr().err
    assert "notes.txt cannot be deleted now: 1 training job on it has not ended (job-busy (" in err
    assert corpus.load_corpus(notes.id).id == notes.id  # nothing was removed
    store.update_job("job-busy", status="cancelled")

    listed = json.loads((main(["corpora", "--json"]), capsys.readouterr().out)[1])["corpora"]
    assert [(item["name"], item["runs"]) for item in listed] == [("other.txt", []), ("notes.txt", [run.id])]
    assert main(["delete-corpus", notes.id, "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["deleted"] == notes.id and result["runs_kept"] == [run.id]
    assert f"The run trained on it is kept: {label}." in result["note"] and "deleted notes.txt" in captured.err
    assert [record.id for record in corpus.list_corpora()] == [other.id]
    assert not (store.corpora_dir() / notes.id).exists() and (store.runs_dir() / run.id / "vectors.bin").is_file()
    assert store.get_run(run.id) is not None and store.get_job("job-busy") is not None

    space = spaces.load_space(run.id, other)  # the run still opens, judged on another corpus
    assert "matrix" in space
    assert spaces.space_label(run.id).endswith(f"· deleted corpus · {run.id[-6:]}")
    summary, _ = analysis.compare_spaces(space, spaces.load_space("baseline", other), 5)
    assert summary.shared_words > 10
    assert main(["compare", "--a", run.id, "--b", f"vectors:{_vectors(tmp_path, other)}", "--json"]) == 0
    assert "the corpus " + run.id + " was trained on is deleted" in capsys.readouterr().err

    for page in ("pages/runs.py", "pages/train.py", "pages/evaluate.py", "pages/verdict.py"):
        at = _app(page)
        assert not at.exception, page
    at = _app("pages/compare.py", corpus=other.id, a=run.id, b="baseline", tab="coverage")
    assert not at.exception and not at.error
    assert any("a deleted corpus" in w.value for w in at.warning)  # trained on a deleted corpus, judged on other.txt


def _vectors(tmp_path, found) -> str:
    path = tmp_path / "words.txt"
    words = list(found.counts)
    write_vectors(path, words, np.random.default_rng(1).normal(size=(len(words), 8)).astype(np.float32))
    return str(path)


@pytest.mark.slow
def test_the_corpus_page_deletes_a_corpus_and_names_the_runs_it_keeps(fresh_home):
    notes = build_corpus("notes.txt", (TINY_TEXT * 20).encode())
    run = training.train_run(notes, training.TrainConfig(dim=8, min_count=1, epochs=2, workers=1, seed=7))
    label = spaces.space_label(run.id)
    at = _app("pages/corpus.py")
    assert at.selectbox(key="corpus_chosen").value == notes.id
    assert "The run trained on it is kept" in " ".join(c.value for c in at.caption)
    at.button(key="corpus_delete").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Deleted the corpus notes.txt ({notes.id}). The run trained on it is kept")
    assert label.split(" · ")[0] in at.success[0].value
    assert corpus.list_corpora() == [] and store.get_run(run.id) is not None
