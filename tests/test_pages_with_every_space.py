"""Every page opens, and shows each run's own parameters, once every kind of space exists: a Word2Vec run, a
FastText run, a fine-tuned sentence-transformer and an uploaded vectors file.

Version one's Train page raised ``KeyError: 'dim'`` as soon as a fine-tuned run existed, and its Runs page showed
one as "dim None · CBOW": each page guessed at the registry's raw rows.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import ROOT, notes_text
from streamlit.testing.v1 import AppTest

from embedlab import spaces, store, training
from embedlab.corpus import build_corpus

pytestmark = pytest.mark.slow

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def every_space(tmp_path_factory):
    """A home holding one space of each kind, all on one corpus."""
    home = tmp_path_factory.mktemp("every-space-home")
    previous = os.environ["EMBEDLAB_HOME"]
    os.environ["EMBEDLAB_HOME"] = str(home)
    try:
        corpus = build_corpus("notes.txt", notes_text())
        word2vec = training.train_run(corpus, training.TrainConfig(dim=12, min_count=1, epochs=2, workers=1, seed=1))
        fasttext = training.train_run(
            corpus, training.TrainConfig(method="fasttext", dim=10, min_count=1, epochs=2, workers=1, seed=2)
        )
        tuned = training.finetune_run(
            corpus, training.FinetuneConfig(max_pairs=16, batch_size=8, held_out_share=0.3, seed=1)
        )
        rng = np.random.default_rng(0)
        words = list(corpus.counts)[:30]
        lines = [f"{len(words)} 6"] + [w + " " + " ".join(f"{x:.5f}" for x in rng.normal(size=6)) for w in words]
        uploaded = spaces.save_uploaded_vectors("mine.vec", ("\n".join(lines) + "\n").encode())
        yield home, corpus, word2vec, fasttext, tuned, uploaded
    finally:
        os.environ["EMBEDLAB_HOME"] = previous


@pytest.fixture
def home(every_space, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_HOME", str(every_space[0]))
    return every_space


def _page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def test_a_fine_tuned_run_is_a_record_with_its_own_parameters(home):
    _, _, word2vec, _, tuned, _ = home
    record = store.get_run(tuned.id)
    assert record.is_finetuned and record.dim == 384
    assert record.summary == "fine-tuned MiniLM · dim 384 · 16 pairs · batch 8"
    assert record.parameters() == {
        "base model": "all-MiniLM-L6-v2",
        "dimensions": 384,
        "training pairs": 16,
        "batch size": 8,
        "learning rate": 5e-05,
        "epochs": 1,
        "time limit (min)": None,
        "seed": 1,
        "pairs from": "neighbouring sentences",
    }
    assert store.get_run(word2vec.id).summary == "Word2Vec · dim 12 · CBOW · 2 epochs"


def test_train_page_lists_every_run_with_its_dimension(home):
    _, corpus, word2vec, fasttext, tuned, _ = home
    at = _page("pages/train.py")
    assert not at.exception and not at.error
    (runs,) = [frame.value.set_index("run") for frame in at.dataframe if "run" in frame.value.columns]
    label = spaces.space_labels([tuned.id, word2vec.id, fasttext.id])  # the table names runs readably
    assert (
        runs.loc[label[tuned.id], "dim"] == 384
        and runs.loc[label[word2vec.id], "dim"] == 12
        and runs.loc[label[fasttext.id], "dim"] == 10
    )
    assert runs.loc[label[tuned.id], "method"] == "fine-tuned MiniLM"
    assert runs.loc[label[fasttext.id], "method"] == "FastText"
    # fine-tuned runs are no starting point for Word2Vec; the uploaded file and the static runs are
    starts = at.selectbox(key="train_init").options  # as shown
    assert starts[:2] == ["random init", "mine.vec (vectors file · 30 words)"]
    assert sorted(starts[2:]) == [
        f"FastText · dim 10 · notes.txt · {fasttext.id[-6:]}",
        f"Word2Vec · dim 12 · notes.txt · {word2vec.id[-6:]}",
    ]  # the fine-tuned run is no starting point for Word2Vec


def test_runs_page_shows_a_fine_tuned_runs_real_parameters(home):
    _, _, word2vec, _, tuned, _ = home
    at = _page("pages/runs.py")
    assert not at.exception and not at.error
    runs = next(f.value for f in at.dataframe if "run" in f.value.columns).set_index("run")
    row = runs.loc[tuned.id]
    assert (row["method"], row["dim"], row["base model"], row["training pairs"], row["batch size"]) == (
        "fine-tuned MiniLM",
        384,
        "all-MiniLM-L6-v2",
        16,
        8,
    )
    assert row["learning rate"] == pytest.approx(5e-5) and row["held-out MRR@10"].count("→") == 1
    assert runs.loc[word2vec.id, "architecture"] == "CBOW" and runs.loc[word2vec.id, "dim"] == 12
    labels = at.selectbox(key="runs_selected").options  # as shown
    assert f"fine-tuned MiniLM · dim 384 · 16 pairs · batch 8 · notes.txt · {tuned.id[-6:]}" in labels
    assert not [label for label in labels if "run-20" in label]  # readable, the short id last
    assert not [label for label in labels if "None" in label]


@pytest.mark.parametrize("kind", ["word2vec", "fasttext", "tuned", "uploaded"])
def test_compare_page_opens_each_kind_of_space_against_the_baseline(home, kind):
    _, corpus, word2vec, fasttext, tuned, uploaded = home
    spec = {"word2vec": word2vec.id, "fasttext": fasttext.id, "tuned": tuned.id, "uploaded": uploaded.spec}[kind]
    at = _page("pages/compare.py", corpus=corpus.id, a=spec, b="baseline", word="matrix", k="3")
    assert not at.exception and not at.error
    assert at.selectbox(key="cmp_a").value == spec
    neighbours = [table.value["word"].tolist() for table in at.table]
    assert len(neighbours) == 2 and all(len(words) == 3 for words in neighbours)


def test_evaluate_page_opens_with_a_fine_tuned_and_a_static_run(home):
    _, corpus, word2vec, _, tuned, _ = home
    at = _page("pages/evaluate.py", corpus=corpus.id, spaces=f"{tuned.id},{word2vec.id}")
    assert not at.exception and not at.error
    long = next(frame.value for frame in at.dataframe if "oov_share" in frame.value.columns)
    assert set(long["space"]) == set(spaces.space_labels([tuned.id, word2vec.id], judged_on=corpus.id).values())


def test_every_kind_of_space_has_one_readable_label_in_pickers_and_headings(home):
    _, corpus, word2vec, fasttext, tuned, uploaded = home
    labels = spaces.space_labels(
        ["baseline", "baseline@context", word2vec.id, f"{fasttext.id}@debiased", f"{tuned.id}@context", uploaded.spec]
    )
    assert list(labels.values()) == [
        "MiniLM baseline",
        "MiniLM baseline, read in context",
        f"Word2Vec · dim 12 · notes.txt · {word2vec.id[-6:]}",
        f"FastText · dim 10 · notes.txt · {fasttext.id[-6:]}, debiased",
        f"fine-tuned MiniLM · notes.txt · {tuned.id[-6:]}, read in context",
        "mine.vec (vectors file · 30 words)",
    ]
    assert spaces.load_space(word2vec.id, corpus).title == labels[word2vec.id]
    at = _page("pages/compare.py", corpus=corpus.id, a=word2vec.id, b="baseline", word="matrix", k="3")
    assert not at.exception
    shown = set(at.selectbox(key="cmp_a").options)
    assert {labels[word2vec.id], "MiniLM baseline", "mine.vec (vectors file · 30 words)"} <= shown
    assert not [option for option in shown if option.startswith("run-")]  # no bare run ids
    headings = [m.value for m in at.markdown if m.value.startswith("**A · ") or m.value.startswith("**B · ")]
    assert headings == [f"**A · {labels[word2vec.id]}**", "**B · MiniLM baseline**"]


def test_compare_opens_on_the_newest_static_run_the_cheapest_to_load(home):
    _, corpus, _, fasttext, tuned, _ = home
    assert tuned.created > fasttext.created  # the fine-tuned run is the newest
    assert spaces.default_comparison(spaces.space_choices(), corpus.id) == fasttext.id
    assert spaces.default_comparison(spaces.space_choices(), "c000000000000") == spaces.BASELINE
    at = _page("pages/compare.py", corpus=corpus.id)
    assert not at.exception and at.selectbox(key="cmp_a").value == fasttext.id


def test_coverage_names_what_each_space_misses(home):
    _, corpus, word2vec, _, _, _ = home
    at = _page("pages/compare.py", corpus=corpus.id, a=word2vec.id, b="baseline", tab="coverage")
    assert not at.exception
    captions = [c.value for c in at.caption]
    # the Word2Vec run (min_count=1, trained on this corpus): why each word is missing, counted
    assert any(
        c.startswith("Corpus words the run has no vector for: 0 seen fewer than min_count times in its training corpus")
        for c in captions
    )
    assert any(c.startswith("Most frequent words its tokenizer splits into word pieces") for c in captions)
    labels = spaces.space_labels([word2vec.id, "baseline"])
    assert {f"**{labels[word2vec.id]}**", "**MiniLM baseline**"} <= {m.value for m in at.markdown}
