"""Fine-tuning the bundled sentence-transformer: pairs, held-out check, the run, the job."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest
from conftest import NOTE_TOPICS, notes_text

from embedlab import spaces, store, training
from embedlab.corpus import build_corpus
from embedlab.training import Cancelled, FinetuneConfig, jobs

pytestmark = pytest.mark.slow


@pytest.fixture
def docs_corpus(fresh_home):
    return build_corpus("notes.txt", notes_text())


TINY = FinetuneConfig(max_pairs=16, batch_size=8, held_out_share=0.3, seed=1)


def test_held_out_pairs_never_appear_in_training(docs_corpus):
    pairs = training.make_pairs(docs_corpus, TINY)
    assert pairs.source == "neighbouring sentences of the corpus"
    assert len(pairs.train) == 16 and len(pairs.held_out) >= training.MIN_HELD_OUT_PAIRS
    held_out_text = {text for pair in pairs.held_out for text in pair}
    assert not any(a in held_out_text or p in held_out_text for a, p in pairs.train)
    # pairs are neighbouring sentences of one document
    where = {sentence: (d, i) for d, doc in enumerate(docs_corpus.documents()) for i, sentence in enumerate(doc)}
    for anchor, positive in pairs.train + pairs.held_out:
        (doc_a, i_a), (doc_p, i_p) = where[anchor], where[positive]
        assert doc_a == doc_p and i_p == i_a + 1
    assert training.make_pairs(docs_corpus, TINY) == pairs  # seeded
    assert (
        training.make_pairs(docs_corpus, FinetuneConfig(max_pairs=16, batch_size=8, held_out_share=0.3, seed=2))
        != pairs
    )


def test_too_small_a_corpus_says_what_is_needed(fresh_home):
    corpus = build_corpus("two.txt", b"One short sentence here. Another short sentence there.")
    with pytest.raises(ValueError, match="too few to fine-tune with a held-out check"):
        training.make_pairs(corpus, TINY)


def test_pairs_csv_is_checked(tmp_path, fresh_home):
    with pytest.raises(ValueError, match="needs the columns anchor and positive; found 'a', 'b'"):
        training.parse_pairs_csv("p.csv", b"a,b\nx,y\n")
    with pytest.raises(ValueError, match="p.csv: 1 usable pairs; at least 40 are needed"):
        training.parse_pairs_csv("p.csv", b"anchor,positive\nx,y\n,empty\n")
    rows = "".join(f"question {i},answer {i}\n" for i in range(50))
    path = training.save_pairs_upload("mine.csv", ("anchor,positive\n" + rows).encode())
    assert training.read_pairs_csv(path)[:2] == [("question 0", "answer 0"), ("question 1", "answer 1")]
    config = FinetuneConfig(max_pairs=16, batch_size=8, pairs_file=path)
    pairs = training.make_pairs(build_corpus("x.txt", b"unused corpus text"), config)
    assert pairs.source == "pairs file " + path.rsplit("/", 1)[-1]
    assert len(pairs.held_out) == 20 and not set(pairs.held_out) & set(pairs.train)


class _FakeModel:
    """encode() maps each text to a fixed vector, so the retrieval figures are known."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors

    def encode(self, texts, **_):
        rows = np.array([self.vectors[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_retrieval_scores_rank_each_anchor_against_all_positives():
    model = _FakeModel({"a1": [1, 0], "p1": [1, 0.1], "a2": [1, 0.05], "p2": [0, 1]})
    # a1 -> p1 first (rank 1); a2 is closer to p1 than to its own p2 (rank 2)
    scores = training.retrieval_scores(model, [("a1", "p1"), ("a2", "p2")], k=1)
    assert scores == {"mrr@1": 0.5, "recall@1": 0.5}
    assert training.retrieval_scores(model, [("a1", "p1"), ("a2", "p2")], k=10) == {"mrr@10": 0.75, "recall@10": 1.0}


@pytest.fixture(scope="module")
def tuned_run(tmp_path_factory):
    """One real fine-tuning run with a few steps (module-scoped: loading and training MiniLM takes seconds)."""
    import os

    home = tmp_path_factory.mktemp("finetune-home")
    previous = os.environ["EMBEDLAB_HOME"]
    os.environ["EMBEDLAB_HOME"] = str(home)
    try:
        corpus = build_corpus("notes.txt", notes_text())
        seen = []
        run = training.finetune_run(corpus, TINY, on_progress=seen.append)
    finally:
        os.environ["EMBEDLAB_HOME"] = previous  # tests that read this home point EMBEDLAB_HOME at it themselves
    return home, corpus, run, seen


def test_finetune_run_saves_a_loadable_model_whose_embeddings_changed(tuned_run, monkeypatch):
    from sentence_transformers import SentenceTransformer

    from embedlab.spaces import baseline

    home, corpus, run, seen = tuned_run
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    assert run.method == "sentence-transformer" and store.get_run(run.id).corpus_id == corpus.id
    folder = home / "runs" / run.id
    tuned = SentenceTransformer(str(folder / "model"), device="cpu", local_files_only=True)
    text = ["the sparse matrix solver converges"]
    before = baseline.load_model().encode(text)
    after = tuned.encode(text)
    assert after.shape == before.shape == (1, 384) and not np.allclose(after, before, atol=1e-4)
    params = json.loads((folder / "params.json").read_text())
    assert params["train_pairs"] == 16 and params["pairs_trained"] == 16 and params["device"] == "cpu"
    retrieval = params["retrieval"]
    assert set(retrieval) == {"baseline", "finetuned", "held_out_pairs", "mrr_change"}
    assert retrieval["held_out_pairs"] == len((folder / "held_out.jsonl").read_text().splitlines())
    change = retrieval["mrr_change"]  # the paired interval health judges the fine-tune by
    assert change["queries"] == retrieval["held_out_pairs"] and change["ci_low"] <= change["value"] <= change["ci_high"]
    assert change["value"] == pytest.approx(
        retrieval["finetuned"]["mrr@10"] - retrieval["baseline"]["mrr@10"], abs=2e-6
    )
    assert 0 < retrieval["baseline"]["mrr@10"] <= 1 and 0 < retrieval["finetuned"]["recall@10"] <= 1
    assert [p.step for p in seen if p.phase == "training"] == [1, 2]
    phases = list(dict.fromkeys(p.phase for p in seen))
    assert phases[:2] == [
        "loading all-MiniLM-L6-v2",
        f"measuring the baseline on {retrieval['held_out_pairs']} held-out pairs",
    ]
    assert phases[2:5] == [
        "training",
        f"measuring the fine-tuned model on {retrieval['held_out_pairs']} held-out pairs",
        "saving the model",
    ]
    assert phases[5:] == [
        f"encoding {len(corpus.counts):,} corpus words with the fine-tuned model, for Compare",
        f"encoding {len(corpus.counts):,} corpus words with the baseline, for Compare",
    ]
    assert seen[-1].fraction == 1.0
    assert "→" in training.retrieval_summary(run.id)


def test_a_finetuned_run_is_a_space_comparable_with_the_baseline(tuned_run, monkeypatch):
    from embedlab import analysis

    home, corpus, run, _ = tuned_run
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    cached = sorted((home / "cache").iterdir())
    tuned = spaces.load_space(run.id, corpus)
    base = spaces.load_space("baseline", corpus)
    assert sorted((home / "cache").iterdir()) == cached  # the job encoded the words for both: nothing new to encode
    assert tuned.words == base.words and tuned.dim == 384 and tuned.piece_counter is not None
    summary, _ = analysis.compare_spaces(base, tuned, 5)
    assert summary.shared_words == len(base) and 0 < summary.mean_jaccard < 1  # a few steps moved some words


def test_cancel_before_commit_leaves_no_run(docs_corpus):
    with pytest.raises(Cancelled):
        training.finetune_run(docs_corpus, TINY, may_commit=lambda: False)
    assert store.list_runs() == [] and list(store.runs_dir().iterdir()) == []


def test_finetune_job_runs_in_the_background_and_reports_retrieval(docs_corpus):
    job_id = jobs.start_job(docs_corpus.id, TINY)
    deadline = time.time() + 240
    while (job := jobs.get_job(job_id)).status in jobs.ACTIVE and time.time() < deadline:
        time.sleep(0.5)
    assert job.status == "done", job.message
    assert job.epochs == 2 and job.epoch == 2  # steps
    params = training.run_params(job.run_id)
    assert params["retrieval"]["held_out_pairs"] >= training.MIN_HELD_OUT_PAIRS
    assert "step 2/2" in jobs.progress_text(dataclasses.replace(job, status="running"))
    measuring = dataclasses.replace(
        job, status="running", progress=0.0, message="measuring the baseline on 20 held-out pairs"
    )
    assert jobs.progress_text(measuring) == "running · measuring the baseline on 20 held-out pairs"  # no "step 1/1"
    encoding = dataclasses.replace(job, status="committing", progress=0.5, message="encoding 96 corpus words")
    assert jobs.progress_text(encoding) == "committing · encoding 96 corpus words · 50%"


def test_contextual_space_reads_words_in_their_sentences(tiny_text_corpus, tiny_run):
    from embedlab.spaces import baseline

    alone = spaces.load_space("baseline", tiny_text_corpus)
    read = spaces.load_space("baseline@context", tiny_text_corpus)
    assert read.words == alone.words and read.dim == 384
    assert np.allclose(np.linalg.norm(read.vectors, axis=1), 1.0, atol=1e-5)
    assert "in context" in read.source and f"{len(read):,} of {len(read):,} words met" in read.source
    similarity = (read.vectors * alone.vectors).sum(axis=1)
    assert (similarity < 0.999).all()  # every word of the tiny corpus was met, so every vector changed
    again, contextual = baseline.contextual_word_vectors(list(read.words), tiny_text_corpus.sentences())
    assert contextual.all() and np.array_equal(again, read.vectors)  # cached, same result
    assert "baseline@context" in spaces.space_choices()
    with pytest.raises(ValueError, match="contextual vectors need a sentence-transformer"):
        spaces.load_space(tiny_run.id + "@context", tiny_text_corpus)
    with pytest.raises(ValueError, match="contextual vectors are read from a corpus"):
        spaces.load_space("baseline@context")


def test_runs_page_offers_the_finetuned_model_and_shows_its_retrieval(tuned_run, monkeypatch, tmp_path):
    import zipfile

    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    home, _, run, _ = tuned_run
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    archive = zipfile.ZipFile(__import__("io").BytesIO(training.model_zip_bytes(run.id)))
    assert f"{run.id}/model.safetensors" in archive.namelist()
    assert f"{run.id}/modules.json" in archive.namelist()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/runs.py")
    at.run()
    assert not at.exception
    captions = [caption.value for caption in at.caption]
    assert any("Held-out retrieval" in c and "→" in c for c in captions), captions
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["sentence-transformer model (zip)"]
    table = at.dataframe[0].value
    retrieval = training.run_params(run.id)["retrieval"]
    assert table.loc[0, "held-out MRR@10"] == (
        f"{retrieval['baseline']['mrr@10']:.3f} → {retrieval['finetuned']['mrr@10']:.3f}"
    )


def test_cancelling_a_finetune_job_leaves_no_half_written_run(docs_corpus):
    job_id = jobs.start_job(docs_corpus.id, FinetuneConfig(max_pairs=2000, batch_size=8, held_out_share=0.3))
    deadline = time.time() + 180
    while jobs.get_job(job_id).epoch < 1 and time.time() < deadline:  # wait for the first training step
        time.sleep(0.3)
    assert jobs.get_job(job_id).status == "running"
    assert jobs.cancel_job(job_id)
    while (pid := jobs.get_job(job_id).pid) and jobs._is_worker_alive(pid, job_id) and time.time() < deadline:
        time.sleep(0.3)
    assert jobs.get_job(job_id).status == "cancelled"
    assert store.list_runs() == []
    assert [p.name for p in store.runs_dir().iterdir()] == []  # neither a run nor a staging folder


def test_label_pairs_join_documents_of_the_same_label_within_each_split(fresh_home):
    from embedlab.corpus import ReadOptions

    rows = "".join(
        f'"Doc {i} is about {NOTE_TOPICS[i % 3]}. More on item {i}.",{["a", "b", "c"][i % 3]}\n' for i in range(90)
    )
    corpus = build_corpus("labelled.csv", ("text,label\n" + rows).encode(), ReadOptions("text", "label"))
    config = FinetuneConfig(max_pairs=50, batch_size=8, use_labels=True)
    pairs = training.make_pairs(corpus, config)
    assert pairs.source == "documents sharing a label"
    for anchor, positive in pairs.train + pairs.held_out:
        assert anchor != positive
        assert int(anchor.split()[1]) % 3 == int(positive.split()[1]) % 3  # same label
    held_out_docs = {text for pair in pairs.held_out for text in pair}
    assert not any(a in held_out_docs or p in held_out_docs for a, p in pairs.train)
    assert len(pairs.held_out) == 20 and len(pairs.train) == 50
    with pytest.raises(ValueError, match="has no label column"):
        training.make_pairs(build_corpus("notes.txt", notes_text()), config)
    with pytest.raises(ValueError, match="choose one source of supervised pairs"):
        FinetuneConfig(pairs_file="x.csv", use_labels=True)


@pytest.mark.parametrize("backend", ["torch", "openvino"])
def test_a_word_read_in_context_is_the_mean_of_its_first_occurrences_in_corpus_order(backend, fresh_home, monkeypatch):
    """Sentences are encoded longest first in batches, but which occurrences count is corpus order: the first
    ``occurrences`` sentences holding the word, each sentence once, and the vector is the mean of its word pieces'
    token embeddings there, each sentence encoded on its own by the sentence-transformer in torch. OpenVINO reads
    them from its exported graph's token embeddings, within its precision's rounding (bfloat16: about 1e-4)."""
    import torch

    from embedlab.spaces import baseline

    monkeypatch.setenv(baseline.BACKEND_VARIABLE, backend)
    produced_by = baseline._produced_by(backend)
    tolerance = 1e-3 if produced_by == "openvino-bf16" else 1e-5

    filler = "the solver returns an array of values for each matrix in the list".split()
    sentences = [filler[: 3 + (7 * i) % 11] + ["eigenvalue"] + filler[: (5 * i) % 9] for i in range(9)]
    sentences.insert(4, ["eigenvalue", "eigenvalue", "decomposition"])  # counts once in its sentence
    words = ["eigenvalue", "decomposition", "unseenword"]
    vectors, contextual = baseline.contextual_word_vectors(words, sentences, occurrences=3)
    assert contextual.tolist() == [True, True, False]

    model = baseline.load_model()

    def read_alone(sentence: list[str], word: str) -> np.ndarray:
        features = baseline._tokenizer()([sentence], is_split_into_words=True, return_tensors="pt")
        inputs = {name: features[name] for name in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.inference_mode():
            tokens = model(inputs)["token_embeddings"][0].numpy()
        position = sentence.index(word)
        return tokens[[i for i, w in enumerate(features.word_ids(0)) if w == position]].mean(axis=0)

    first_three = [s for s in sentences if "eigenvalue" in s][:3]
    expected = np.mean([read_alone(s, "eigenvalue") for s in first_three], axis=0)
    assert float(vectors[0] @ (expected / np.linalg.norm(expected))) > 1 - tolerance
    alone = baseline.encode_words(["unseenword"], backend="torch")[0]
    assert float(vectors[2] @ alone) > 1 - tolerance  # never met: encoded alone
    names = [p.name for p in (fresh_home / "cache").glob("context*.npz")]
    assert len(names) == 1 and names[0].startswith("context-openvino-" if backend == "openvino" else "context-")
    assert (produced_by in names[0]) == (backend == "openvino")
