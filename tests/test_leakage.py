"""No leakage (issue 25.7): a fine-tune trained on pairs from the label column is never scored on the documents it
trained on, for every space compared alike, and held-out pairs hold no text any compared fine-tune trained on."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import NOTE_TOPICS, labelled_csv, make_space

from embedlab import evaluation, store, training
from embedlab.corpus import ReadOptions, build_corpus
from embedlab.records import RunMethod

DOCUMENTS = 120  # six labels, 20 documents each


@pytest.fixture
def notes(fresh_home):
    return build_corpus("notes.csv", labelled_csv(DOCUMENTS), ReadOptions("text", "label"))


def _topic_space(name: str = "topics"):
    """A static space that separates the six topics: each topic's words on its own axis."""
    words, rows = [], []
    for axis, topic in enumerate(NOTE_TOPICS):
        for word in topic.split():
            words.append(word)
            rows.append(np.eye(len(NOTE_TOPICS))[axis] + 0.01 * len(words))
    return make_space(words, np.array(rows), name=name)


def _fake_fine_tune(corpus, run_id: str, *, labels: bool, trained: list[int] | None, held_out=()) -> str:
    """A fine-tuned run's record as finetune_run leaves it (held_out.jsonl, trained_documents.json), no model."""
    folder = store.runs_dir() / run_id
    folder.mkdir(parents=True)
    (folder / "held_out.jsonl").write_text(
        "".join(json.dumps({"anchor": a, "positive": p}) + "\n" for a, p in held_out)
    )
    if trained is not None:
        record = {"corpus_id": corpus.id, "source": "", "labels": labels, "documents": trained}
        (folder / training.pairs.TRAINED_DOCUMENTS_FILE).write_text(json.dumps(record))
    store.add_run(run_id, corpus.id, RunMethod.SENTENCE_TRANSFORMER, {"use_labels": labels}, 0, 1.0)
    return run_id


LABEL_RUN = "run-20260101-000000-aaaaaa"
NEIGHBOUR_RUN = "run-20260101-000000-bbbbbb"


def test_a_label_fine_tune_leaves_its_training_documents_out_of_the_task_for_every_space(notes):
    _fake_fine_tune(notes, LABEL_RUN, labels=True, trained=list(range(60)))
    _fake_fine_tune(notes, NEIGHBOUR_RUN, labels=False, trained=list(range(60, 90)))
    compared = ["topics", LABEL_RUN, NEIGHBOUR_RUN]
    assert evaluation.label_fine_tunes(compared) == (LABEL_RUN,)  # the neighbour fine-tune never saw a label
    found = evaluation.task_evaluation(_topic_space(), notes, fine_tunes=evaluation.label_fine_tunes(compared))
    assert (found.documents, found.left_out, len(found.document_correct)) == (60, 60, 60)
    assert (
        found.note
        == f"scored on the 60 documents no fine-tune trained on; 60 left out ({LABEL_RUN} trained on their labels)"
    )
    other = evaluation.task_evaluation(_topic_space("other"), notes, fine_tunes=(LABEL_RUN,))
    assert other.documents == found.documents  # the same documents for every space: the comparison stays paired


def test_a_neighbour_fine_tune_leaves_the_task_unchanged(notes):
    _fake_fine_tune(notes, NEIGHBOUR_RUN, labels=False, trained=list(range(60)))
    alone = evaluation.task_evaluation(_topic_space(), notes)
    beside = evaluation.task_evaluation(_topic_space(), notes, fine_tunes=[NEIGHBOUR_RUN])
    assert (beside.documents, beside.left_out, beside.note) == (alone.documents, 0, "") == (DOCUMENTS, 0, "")
    assert beside.document_correct.tolist() == alone.document_correct.tolist()


def test_the_flow_scores_the_task_on_documents_no_compared_fine_tune_trained_on(notes):
    _fake_fine_tune(notes, LABEL_RUN, labels=True, trained=list(range(0, DOCUMENTS, 2)))
    held_out = evaluation.held_out_section(notes, ["topics", LABEL_RUN])
    assert held_out.fine_tunes == (LABEL_RUN,)
    result = evaluation.evaluate_spaces([_topic_space()], notes, held_out=held_out)
    task = result.to_dict()["spaces"]["topics"]["task"]  # the CLI's --json
    assert (task["documents"], task["left_out"]) == (60, 60)
    assert "scored on the 60 documents no fine-tune trained on; 60 left out" in task["note"]


def test_too_few_documents_left_for_the_task_is_said_plainly(notes):
    kept = [i for i in range(DOCUMENTS) if NOTE_TOPICS[i % 6].split()[0] == "sparse"][:6]  # one label's 6
    _fake_fine_tune(notes, LABEL_RUN, labels=True, trained=[i for i in range(DOCUMENTS) if i not in kept])
    problem = evaluation.task_problem(notes, fine_tunes=[LABEL_RUN])
    assert problem == (
        f"notes.csv: {LABEL_RUN} trained on the labels of 114 of its documents; of the 6 labelled documents left, 1 "
        "label has at least 5 documents; a classifier needs two or more to cross-validate on documents no fine-tune "
        "trained on (fine-tune with a larger held-out share, or compare without it)"
    )
    assert evaluation.task_problem(notes) == ""  # alone, every document is scored
    with pytest.raises(ValueError, match="114 of its documents"):
        evaluation.task_evaluation(_topic_space(), notes, fine_tunes=[LABEL_RUN])
    result = evaluation.evaluate_spaces(
        [_topic_space()], notes, held_out=evaluation.held_out_section(notes, ["topics", LABEL_RUN])
    )
    assert result.spaces[0].task is None  # no task rather than a leaky one


def test_a_label_fine_tune_that_did_not_record_its_documents_is_named(notes):
    _fake_fine_tune(notes, LABEL_RUN, labels=True, trained=None)
    found = evaluation.task_evaluation(_topic_space(), notes, fine_tunes=evaluation.label_fine_tunes([LABEL_RUN]))
    assert found.documents == DOCUMENTS and f"{LABEL_RUN} trained on pairs of documents sharing a label" in found.note
    assert "may include documents it trained on" in found.note


def test_held_out_pairs_leave_out_every_text_another_compared_fine_tune_trained_on(notes):
    documents = notes.documents()
    clean = [(documents[d][0], documents[d][1]) for d in range(60, 85)]  # 25 pairs of documents 60-84
    leaky = [(documents[d][1], documents[d][2]) for d in (3, 7)]  # documents the second fine-tune trained on
    _fake_fine_tune(notes, LABEL_RUN, labels=False, trained=list(range(85, DOCUMENTS)), held_out=clean + leaky)
    _fake_fine_tune(notes, NEIGHBOUR_RUN, labels=False, trained=list(range(60)))
    alone, _ = evaluation.held_out_pairs(notes, [LABEL_RUN])
    assert alone == clean + leaky
    pairs, note = evaluation.held_out_pairs(notes, ["baseline", LABEL_RUN, NEIGHBOUR_RUN])
    assert pairs == clean
    assert note.startswith(f"the 25 pairs fine-tuning run {LABEL_RUN} held out")
    assert f"2 left out because {NEIGHBOUR_RUN} trained on their text" in note
    # too few left to rank: said, not ranked
    _fake_fine_tune(notes, "run-20260101-000000-cccccc", labels=False, trained=list(range(60, 80)))
    with pytest.raises(ValueError, match="hold no text"):
        evaluation.held_out_pairs(notes, [LABEL_RUN, "run-20260101-000000-cccccc"])


# --- real fine-tunes (MiniLM, a few steps): the record finetune_run keeps ---

TINY_LABELS = training.FinetuneConfig(max_pairs=16, batch_size=8, seed=1, use_labels=True)
TINY_NEIGHBOURS = training.FinetuneConfig(max_pairs=16, batch_size=8, seed=1)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """Two real fine-tunes on one labelled corpus: on label pairs, and on neighbouring sentences."""
    import os

    home = tmp_path_factory.mktemp("leakage-home")
    previous = os.environ["EMBEDLAB_HOME"]
    os.environ["EMBEDLAB_HOME"] = str(home)
    try:
        corpus = build_corpus("notes.csv", labelled_csv(DOCUMENTS), ReadOptions("text", "label"))
        by_labels = training.finetune_run(corpus, TINY_LABELS)
        by_neighbours = training.finetune_run(corpus, TINY_NEIGHBOURS)
    finally:
        os.environ["EMBEDLAB_HOME"] = previous
    return home, corpus, by_labels.id, by_neighbours.id


@pytest.mark.slow
def test_a_real_label_fine_tune_is_scored_only_on_documents_it_never_trained_on(tuned, monkeypatch):
    from embedlab import spaces

    home, corpus, by_labels, by_neighbours = tuned
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    trained = training.make_pairs(corpus, TINY_LABELS).trained_documents
    record = training.trained_documents(by_labels)
    assert (record.uses_labels, record.documents, record.corpus_id) == (True, trained, corpus.id)
    assert 0 < len(trained) <= 2 * TINY_LABELS.max_pairs
    params = training.run_params(by_labels)
    assert params["trained_documents"] == len(trained) and params["held_out_duplicates"] == 0
    held_out = evaluation.held_out_section(corpus, [by_labels, by_neighbours, "baseline"])
    assert held_out.fine_tunes == (by_labels, by_neighbours)
    fine_tunes = evaluation.label_fine_tunes(held_out.fine_tunes)
    assert fine_tunes == (by_labels,)
    space = spaces.load_space(by_labels, corpus)
    found = evaluation.task_section(space, corpus, fine_tunes=fine_tunes)
    assert (found.documents, found.left_out) == (DOCUMENTS - len(trained), len(trained))
    assert f"scored on the {DOCUMENTS - len(trained)} documents no fine-tune trained on" in found.note
    assert found.features == evaluation.SENTENCE_EMBEDDINGS


@pytest.mark.slow
def test_a_real_neighbour_fine_tune_leaves_every_document_in_the_task_and_out_of_the_pairs(tuned, monkeypatch):
    home, corpus, by_labels, by_neighbours = tuned
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    record = training.trained_documents(by_neighbours)
    assert (
        record.uses_labels is False
        and record.documents == training.make_pairs(corpus, TINY_NEIGHBOURS).trained_documents
    )
    assert evaluation.label_fine_tunes([by_neighbours]) == ()
    assert evaluation.task_problem(corpus, fine_tunes=evaluation.label_fine_tunes([by_neighbours])) == ""
    pairs, _ = evaluation.held_out_pairs(corpus, [by_labels, by_neighbours])
    seen = training.trained_texts(corpus, record.documents)
    assert pairs and not any(a in seen or p in seen for a, p in pairs)
