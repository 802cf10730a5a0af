"""Training from pretrained vectors (TrainConfig.init / lock_pretrained): start, lock factors, messages."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_TEXT

from embedlab import store
from embedlab.corpus import build_corpus
from embedlab.spaces import VectorFormat, read_vectors, write_vectors
from embedlab.training import TrainConfig, jobs, train_run, word2vec

DIM = 12
# Words of the tiny corpus (it is lower-cased) the pretrained file will know, and two it will not.
PRETRAINED = ("matrix", "sparse", "signal", "spectrum", "decomposition", "eigenvalues", "über-fast")
NOT_IN_CORPUS = ("zebra", "quokka")


def _config(**overrides) -> TrainConfig:
    # sg + many epochs on 60 words: every vector moves a lot, so small differences are not noise
    return TrainConfig(**{"dim": DIM, "min_count": 1, "epochs": 5, "workers": 1, "seed": 5, "sg": True, **overrides})


@pytest.fixture
def pretrained_file(fresh_home) -> tuple[Path, dict[str, np.ndarray]]:
    """A word2vec text file: some corpus words and some words the corpus lacks, unnormalised vectors."""
    words = PRETRAINED + NOT_IN_CORPUS
    rng = np.random.default_rng(1)
    vectors = (rng.normal(size=(len(words), DIM)) * 2).astype(np.float32)  # norms ~7: far from a random start
    path = write_vectors(fresh_home / "pretrained.vec", words, vectors)
    return path, dict(zip(words, vectors))


def _start(corpus, config) -> dict[str, np.ndarray]:
    """Each word's vector as training with ``config`` starts (after the pretrained ones were put in)."""
    model, _ = word2vec.prepare_model(corpus, config)
    return {word: model.wv.vectors[i].copy() for i, word in enumerate(model.wv.index_to_key)}


def _trained(row: dict) -> dict[str, np.ndarray]:
    """A run's vectors exactly as saved (raw, not normalised)."""
    found = read_vectors(store.runs_dir() / row.id / "vectors.bin", fmt=VectorFormat.WORD2VEC_BINARY)
    return dict(zip(found.words, found.vectors))


def _params(row: dict) -> dict:
    return json.loads((store.runs_dir() / row.id / "params.json").read_text(encoding="utf-8"))


def _run_folders(home: Path) -> list[str]:
    runs = home / "runs"
    return sorted(p.name for p in runs.iterdir()) if runs.exists() else []


def _finished(job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while (job := jobs.get_job(job_id)).status in jobs.ACTIVE:
        assert time.monotonic() < deadline, f"job {job_id} did not end within {timeout} s"
        time.sleep(0.05)
    return job


def _moved(trained: dict[str, np.ndarray], start: dict[str, np.ndarray], words) -> float:
    return float(np.mean([np.linalg.norm(trained[w] - start[w]) for w in words]))


# --- TrainConfig --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"lock_pretrained": 1.5, "init": "vectors:/v.txt"},
            "lock_pretrained must be a number from 0 (pretrained vectors stay as loaded) to 1 (they train freely), got 1.5",
        ),
        (
            {"lock_pretrained": -0.1, "init": "vectors:/v.txt"},
            "from 0 (pretrained vectors stay as loaded) to 1 (they train freely), got -0.1",
        ),
        ({"lock_pretrained": float("nan"), "init": "vectors:/v.txt"}, "got nan"),
        ({"lock_pretrained": "0.5", "init": "vectors:/v.txt"}, "got '0.5'"),
        ({"lock_pretrained": True, "init": "vectors:/v.txt"}, "got True"),
        (
            {"lock_pretrained": 0.5},
            "lock_pretrained=0.5 applies to pretrained vectors, but init is empty: set init to vectors:PATH or a run id, "
            "or leave lock_pretrained at 1.0",
        ),
        (
            {"init": "glove.txt"},
            "init must be empty (random start), vectors:PATH (a word2vec, GloVe or fastText .vec "
            "file) or a run id like run-20260101-120000-abc123, got 'glove.txt'",
        ),
        ({"init": "vectors:  "}, "got 'vectors:'"),
        ({"init": "run-123"}, "got 'run-123'"),
        ({"init": "baseline"}, "; the baseline is a sentence model, not a word-vectors file"),
        ({"init": None}, "got None"),
    ],
)
def test_config_validation_messages(kwargs, message):
    with pytest.raises(ValueError) as caught:
        TrainConfig(**kwargs)
    assert message in str(caught.value)
    if "init must be" in message:
        assert str(caught.value).startswith("init must be empty (random start), vectors:PATH")


def test_config_defaults_normalisation_and_dict_round_trip(tmp_path, monkeypatch):
    assert TrainConfig().init == "" and TrainConfig().lock_pretrained == 1.0
    monkeypatch.chdir(tmp_path)
    relative = TrainConfig(init=" vectors: ./glove.txt ", lock_pretrained=0)
    assert relative.init == f"vectors:{tmp_path / 'glove.txt'}"  # absolute: a job may run from elsewhere
    assert relative.lock_pretrained == 0.0 and isinstance(relative.lock_pretrained, float)
    assert TrainConfig(init="  run-20260101-120000-abc123 ").init == "run-20260101-120000-abc123"
    assert TrainConfig(init="   ").init == ""
    for config in (
        relative,
        TrainConfig(method="fasttext", init="run-20260101-120000-abc123", lock_pretrained=0.25),
        TrainConfig(),
    ):
        data = json.loads(json.dumps(config.to_dict()))  # jobs keep their parameters as JSON
        assert data == config.to_dict()
        assert TrainConfig.from_dict(data) == config
    data = relative.to_dict()
    assert data["init"] == relative.init and data["lock_pretrained"] == 0.0
    # parameters stored before these fields existed still load, as a random start
    old = {k: v for k, v in TrainConfig(dim=8).to_dict().items() if k not in ("init", "lock_pretrained")}
    assert TrainConfig.from_dict(old) == TrainConfig(dim=8)


# --- Word2Vec -----------------------------------------------------------------------------------------------


def test_lock_zero_keeps_pretrained_vectors_exactly_while_the_rest_train(tiny_text_corpus, pretrained_file, fresh_home):
    path, file_vectors = pretrained_file
    config = _config(init=f"vectors:{path}", lock_pretrained=0.0)
    row = train_run(tiny_text_corpus, config)
    trained, start = _trained(row), _start(tiny_text_corpus, config)
    for word in PRETRAINED:
        np.testing.assert_array_equal(start[word], file_vectors[word])  # raw, not normalised
        np.testing.assert_array_equal(trained[word], file_vectors[word])
    others = [w for w in tiny_text_corpus.counts if w not in PRETRAINED]
    assert len(others) > 40
    assert all(not np.allclose(trained[w], start[w]) for w in others)
    assert not any(w in trained for w in NOT_IN_CORPUS)  # the file does not add words to the vocabulary
    params = _params(row)
    assert params["init"] == f"vectors:{path}" and params["init_words"] == len(PRETRAINED)
    assert params["config"]["init"] == f"vectors:{path}" and params["config"]["lock_pretrained"] == 0.0
    assert store.get_run(row.id).params == params["config"]


def test_lock_one_trains_pretrained_words_and_a_partial_lock_moves_them_less(
    tiny_text_corpus, pretrained_file, fresh_home
):
    path, file_vectors = pretrained_file
    moved = {}
    for lock in (1.0, 0.3, 0.0):
        trained = _trained(train_run(tiny_text_corpus, _config(init=f"vectors:{path}", lock_pretrained=lock)))
        moved[lock] = _moved(trained, file_vectors, PRETRAINED)
    assert moved[0.0] == 0.0
    assert 0 < moved[0.3] < 0.6 * moved[1.0], moved


def test_words_not_in_the_file_train_as_without_init(tiny_text_corpus, pretrained_file, fresh_home):
    """Other words keep gensim's random start (same seed, same start) and train as much as in a plain run."""
    path, _ = pretrained_file
    plain = _trained(train_run(tiny_text_corpus, _config()))
    trained = _trained(train_run(tiny_text_corpus, _config(init=f"vectors:{path}")))
    start = _start(tiny_text_corpus, _config(init=f"vectors:{path}"))
    others = [w for w in tiny_text_corpus.counts if w not in PRETRAINED]
    from gensim.models import Word2Vec

    random_start = Word2Vec(vector_size=DIM, min_count=1, seed=5, sg=1)
    random_start.build_vocab(corpus_file=str(tiny_text_corpus.sentences_path))
    for word in others:
        np.testing.assert_array_equal(start[word], random_start.wv[word])
    with_init, without = _moved(trained, start, others), _moved(plain, start, others)
    assert with_init > 0 and 0.5 < with_init / without < 2


def test_init_from_an_earlier_run_continues_from_its_vectors(tiny_text_corpus, fresh_home):
    earlier = train_run(tiny_text_corpus, _config(min_count=41, seed=9))  # a smaller vocabulary than the next run
    earlier_vectors = _trained(earlier)
    assert 2 < len(earlier_vectors) < len(tiny_text_corpus.counts)
    row = train_run(tiny_text_corpus, _config(init=earlier.id, lock_pretrained=0.0))
    trained = _trained(row)
    for word, vector in earlier_vectors.items():
        np.testing.assert_array_equal(trained[word], vector)
    assert _params(row)["init_words"] == len(earlier_vectors) and _params(row)["init"] == earlier.id


def test_glove_text_file_without_header(tiny_text_corpus, tmp_path, fresh_home):
    vectors = np.arange(2 * DIM, dtype=np.float32).reshape(2, DIM) / 7
    lines = [word + " " + " ".join(f"{x:.9g}" for x in row) for word, row in zip(("matrix", "signal"), vectors)]
    path = tmp_path / "glove.6B.12d.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    row = train_run(tiny_text_corpus, _config(init=f"vectors:{path}", lock_pretrained=0.0))
    np.testing.assert_array_equal(_trained(row)["signal"], vectors[1])
    assert _params(row)["init_words"] == 2


def test_progress_is_reported_with_init(tiny_text_corpus, pretrained_file, fresh_home):
    path, _ = pretrained_file
    seen = []
    train_run(tiny_text_corpus, _config(init=f"vectors:{path}", lock_pretrained=0.5), on_progress=seen.append)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and seen[-1].epoch == 5


def test_plain_run_records_no_init(tiny_text_corpus, fresh_home):
    params = _params(train_run(tiny_text_corpus, _config(epochs=1)))
    assert params["init"] == "" and params["init_words"] == 0


# --- messages -----------------------------------------------------------------------------------------------


def test_dimension_mismatch_names_the_dim_to_set(tiny_text_corpus, pretrained_file, fresh_home):
    path, _ = pretrained_file
    with pytest.raises(ValueError) as caught:
        train_run(tiny_text_corpus, _config(dim=20, init=f"vectors:{path}"))
    assert str(caught.value) == f"the vectors file has {DIM} dimensions; set dim={DIM} to continue from it"
    assert store.list_runs() == [] and _run_folders(fresh_home) == []


def test_run_dimension_mismatch(tiny_text_corpus, fresh_home):
    earlier = train_run(tiny_text_corpus, _config(dim=8, epochs=1))
    with pytest.raises(ValueError, match=f"^run {earlier.id} has 8 dimensions; set dim=8 to continue from it$"):
        train_run(tiny_text_corpus, _config(init=earlier.id))


def test_no_shared_word_says_so_with_counts(tiny_text_corpus, fresh_home):
    path = write_vectors(fresh_home / "zoo.txt", ["zebra", "quokka", "okapi"], np.ones((3, DIM), np.float32))
    with pytest.raises(ValueError) as caught:
        train_run(tiny_text_corpus, _config(init=f"vectors:{path}"))
    vocab = len(tiny_text_corpus.counts)
    assert str(caught.value) == (
        f"the vectors file shares no word with the corpus vocabulary: it has 3 words, the "
        f"vocabulary (min_count=1) {vocab}; is the file in the corpus's language and "
        "tokenised the same way?"
    )
    assert store.list_runs() == []


def test_no_shared_word_because_of_case_says_how_many_match_ignoring_case(tiny_text_corpus, fresh_home):
    path = write_vectors(fresh_home / "cased.txt", ["Matrix", "Signal", "Okapi"], np.ones((3, DIM), np.float32))
    with pytest.raises(
        ValueError,
        match="; 2 match if case is ignored: use a lower-cased vectors file, or build the corpus without lower-casing$",
    ):
        train_run(tiny_text_corpus, _config(init=f"vectors:{path}"))


def test_missing_file_and_missing_run(tiny_text_corpus, fresh_home):
    with pytest.raises(ValueError, match="^no such vectors file: .*nowhere.vec$"):
        train_run(tiny_text_corpus, _config(init=f"vectors:{fresh_home / 'nowhere.vec'}"))
    with pytest.raises(
        ValueError,
        match="^init: no run 'run-20260101-120000-abc123' in .*; pick a run from the list, or a vectors file$",
    ):
        train_run(tiny_text_corpus, _config(init="run-20260101-120000-abc123"))


# --- FastText -----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fasttext_starts_from_pretrained_vectors_and_honours_the_lock(tiny_text_corpus, pretrained_file, fresh_home):
    """A FastText word vector is the mean of its own row and its n-grams': the mean starts at the file's vector,
    and a lock of 0 keeps it there (its n-gram buckets are locked too)."""
    path, file_vectors = pretrained_file
    moved = {}
    for lock in (0.0, 0.3, 1.0):
        config = _config(method="fasttext", init=f"vectors:{path}", lock_pretrained=lock)
        row = train_run(tiny_text_corpus, config)
        trained, start = _trained(row), _start(tiny_text_corpus, config)
        for word in PRETRAINED:
            np.testing.assert_allclose(start[word], file_vectors[word], rtol=0, atol=1e-5)
        moved[lock] = _moved(trained, file_vectors, PRETRAINED)
        others = [w for w in tiny_text_corpus.counts if w not in PRETRAINED]
        assert all(not np.allclose(trained[w], start[w]) for w in others)
        assert _params(row)["init_words"] == len(PRETRAINED) and _params(row)["method"] == "fasttext"
    assert moved[0.0] < 1e-5
    assert 0.01 < moved[0.3] < 0.6 * moved[1.0], moved


# --- jobs ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_job_trains_from_a_vectors_file(pretrained_file, fresh_home):
    path, file_vectors = pretrained_file
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 20).encode())
    config = _config(epochs=2, init=f"vectors:{path}", lock_pretrained=0.0)
    job = _finished(jobs.start_job(corpus.id, config))
    assert job.status == "done", job
    assert job.params == config.to_dict()
    trained = _trained(store.get_run(job.run_id))
    np.testing.assert_array_equal(trained["matrix"], file_vectors["matrix"])


@pytest.mark.slow
def test_job_with_mismatched_dim_fails_with_our_message(pretrained_file, fresh_home):
    path, _ = pretrained_file
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 20).encode())
    job = _finished(jobs.start_job(corpus.id, _config(dim=30, init=f"vectors:{path}")))
    assert job.status == "failed"
    assert job.message == f"the vectors file has {DIM} dimensions; set dim={DIM} to continue from it"
    assert job.run_id is None and _run_folders(fresh_home) == []
