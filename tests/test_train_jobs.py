"""Training runs (embedlab.train) and background jobs in real worker processes (embedlab.training.jobs)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY_TEXT

from embedlab import store
from embedlab.corpus import build_corpus
from embedlab.records import JobRecord, RunMethod
from embedlab.spaces import load_space
from embedlab.training import Cancelled, TrainConfig, jobs, train_run

DEADLINE_SECONDS = 60


def _wait_for(predicate, what: str, timeout: float = DEADLINE_SECONDS, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _lee_bytes() -> bytes:
    from gensim.test.utils import datapath

    return Path(datapath("lee_background.cor")).read_bytes()


def _run_folders(home: Path) -> list[str]:
    runs = home / "runs"
    return sorted(p.name for p in runs.iterdir()) if runs.exists() else []


# --- TrainConfig --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "glove"}, "method must be one of ['word2vec', 'fasttext'], got 'glove'"),
        ({"dim": 0}, "dim must be a whole number from 2 to 2000, got 0"),
        ({"dim": 2.5}, "dim must be a whole number from 2 to 2000, got 2.5"),
        ({"dim": True}, "dim must be a whole number from 2 to 2000, got True"),
        ({"window": 0}, "window must be a whole number from 1 to 50, got 0"),
        ({"min_count": 0}, "min_count must be a whole number from 1 to 1000000000, got 0"),
        ({"epochs": 1001}, "epochs must be a whole number from 1 to 1000, got 1001"),
        ({"negative": -1}, "negative must be a whole number from 0 to 50, got -1"),
        ({"seed": -1}, "seed must be a whole number from 0 to 2147483647, got -1"),
        ({"workers": "2"}, "workers must be a whole number from 0 (every core) to 256, got '2'"),
        ({"sample": 0.11}, "sample (subsampling threshold) must be a number from 0 (off) to 0.1, got 0.11"),
        ({"sample": 1}, "sample (subsampling threshold) must be a number from 0 (off) to 0.1, got 1"),
        ({"sample": -0.1}, "sample (subsampling threshold) must be a number from 0 (off) to 0.1, got -0.1"),
        ({"sample": "0.001"}, "sample (subsampling threshold) must be a number from 0 (off) to 0.1, got '0.001'"),
    ],
)
def test_train_config_validation_messages(kwargs, message):
    with pytest.raises(ValueError) as caught:
        TrainConfig(**kwargs)
    assert str(caught.value) == message


def test_train_config_method_from_string_and_dict_round_trip():
    config = TrainConfig(method="fasttext", dim=8, sg=True, sample=0)
    assert config.method is RunMethod.FASTTEXT
    data = config.to_dict()
    assert data["method"] == "fasttext" and data["dim"] == 8 and data["sg"] is True
    assert json.loads(json.dumps(data)) == data
    assert TrainConfig.from_dict(data) == config
    assert TrainConfig(workers=3).threads == 3 and TrainConfig(workers=0).threads >= 1


def test_train_config_from_dict_names_unknown_parameters():
    with pytest.raises(ValueError, match="unknown training parameters: alpha, size"):
        TrainConfig.from_dict({"dim": 10, "size": 10, "alpha": 0.1})


# --- train_run ----------------------------------------------------------------------------------------------


def test_train_run_writes_artefacts_and_registry_row(tiny_run, tiny_text_corpus, session_home):
    run_id = tiny_run.id
    folder = session_home / "runs" / run_id
    assert (folder / "vectors.bin").is_file()
    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
    config = TrainConfig(dim=16, min_count=1, epochs=5, workers=1, seed=7)
    assert params["run_id"] == run_id and params["corpus_id"] == tiny_text_corpus.id
    assert params["config"] == config.to_dict() and params["method"] == "word2vec"
    assert params["corpus_tokens"] == tiny_text_corpus.stats.tokens
    assert params["vocab_size"] == len(tiny_text_corpus.counts)
    row = store.get_run(run_id)
    assert row == tiny_run
    assert row.corpus_id == tiny_text_corpus.id and row.method == "word2vec"
    assert row.params == config.to_dict() and row.vocab_size == len(tiny_text_corpus.counts)
    assert row.seconds >= 0
    assert not list((session_home / "runs").glob(".staging-*"))


def test_vocab_size_is_the_number_of_words_with_count_at_least_min_count(tiny_text_corpus, fresh_home):
    min_count = 41  # tiny corpus = the text 20 times: words seen 3+ times in the text
    expected = sorted(w for w, c in tiny_text_corpus.counts.items() if c >= min_count)
    assert 2 < len(expected) < len(tiny_text_corpus.counts)
    row = train_run(tiny_text_corpus, TrainConfig(dim=8, min_count=min_count, epochs=1, workers=1))
    assert row.vocab_size == len(expected)
    assert sorted(load_space(row.id).words) == expected
    assert _run_folders(fresh_home) == [row.id]


def test_fasttext_run(tiny_text_corpus, fresh_home):
    row = train_run(tiny_text_corpus, TrainConfig(method="fasttext", dim=12, min_count=1, epochs=2, workers=1))
    assert row.method == "fasttext" and row.vocab_size == len(tiny_text_corpus.counts)
    space = load_space(row.id)
    assert space.dim == 12 and set(space.words) == set(tiny_text_corpus.counts)
    assert "fasttext run" in space.source
    params = json.loads((fresh_home / "runs" / row.id / "params.json").read_text())
    assert params["method"] == "fasttext"


def test_same_seed_and_one_worker_give_identical_vectors(tiny_text_corpus, fresh_home):
    config = TrainConfig(dim=10, min_count=1, epochs=3, workers=1, seed=11)
    first = load_space(train_run(tiny_text_corpus, config).id)
    second = load_space(train_run(tiny_text_corpus, config).id)
    other_seed = load_space(
        train_run(tiny_text_corpus, TrainConfig(dim=10, min_count=1, epochs=3, workers=1, seed=12)).id
    )
    assert first.name != second.name
    assert first.words == second.words
    np.testing.assert_array_equal(first.vectors, second.vectors)
    assert not np.allclose(first.vectors, other_seed.vectors)


def test_min_count_too_high_suggests_a_smaller_one(tiny_text_corpus, fresh_home):
    with pytest.raises(ValueError) as caught:
        train_run(tiny_text_corpus, TrainConfig(dim=8, min_count=100_000, epochs=1, workers=1))
    message = str(caught.value)
    stats = tiny_text_corpus.stats
    smallest = min(tiny_text_corpus.counts.values())  # the corpus has < 100 words: keep them all
    assert message == (
        f"min_count=100000 leaves 0 words: the corpus has {stats.tokens} tokens and "
        f"{stats.types} distinct words; try min_count={smallest}"
    )
    assert _run_folders(fresh_home) == [] and store.list_runs() == []
    # the suggestion works
    assert (
        train_run(tiny_text_corpus, TrainConfig(dim=8, min_count=smallest, epochs=1, workers=1)).vocab_size
        == stats.types
    )


def test_one_word_corpus_asks_for_more_text(fresh_home):
    corpus = build_corpus("one.txt", b"hello hello. Hello!")
    with pytest.raises(ValueError, match="leaves 1 words.*add more text: training needs at least two distinct"):
        train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=1, workers=1))


def test_may_commit_false_cancels_and_leaves_nothing(tiny_text_corpus, fresh_home):
    asked = []

    def refuse() -> bool:
        staging = list((fresh_home / "runs").glob(".staging-*"))
        asked.append(sorted(p.name for p in staging[0].iterdir()) if staging else None)
        return False

    with pytest.raises(Cancelled, match="run-20260101-120000-abcdef was cancelled"):
        train_run(
            tiny_text_corpus,
            TrainConfig(dim=8, min_count=1, epochs=1, workers=1),
            run_id="run-20260101-120000-abcdef",
            may_commit=refuse,
        )
    assert asked == [["health.json", "params.json", "vectors.bin"]]  # asked last, when everything was written
    assert list((fresh_home / "runs").iterdir()) == []  # no run folder, no .staging-* left
    assert store.list_runs() == [] and store.get_run("run-20260101-120000-abcdef") is None


def test_progress_fractions_never_decrease_and_end_at_one(tiny_text_corpus, fresh_home):
    seen = []
    train_run(tiny_text_corpus, TrainConfig(dim=8, min_count=1, epochs=5, workers=1), on_progress=seen.append)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {0.2, 0.4, 0.6, 0.8, 1.0} <= {round(f, 6) for f in fractions}  # every epoch end is reported
    assert all(p.epochs == 5 and 1 <= p.epoch <= 5 for p in seen)
    assert [p.epoch for p in seen] == sorted(p.epoch for p in seen)
    assert seen[-1].epoch == 5 and seen[-1].eta_seconds == 0


@pytest.mark.slow
def test_progress_with_several_workers_on_a_bigger_corpus(fresh_home):
    corpus = build_corpus("lee.txt", _lee_bytes() * 10)
    seen = []
    train_run(corpus, TrainConfig(dim=20, min_count=2, epochs=3, workers=2), on_progress=seen.append)
    fractions = [p.fraction for p in seen]
    assert len(fractions) >= 3
    assert all(0 <= f <= 1 for f in fractions)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(p.words_per_second > 0 for p in seen)


# --- jobs in worker processes -------------------------------------------------------------------------------


@pytest.fixture
def lee_corpus(fresh_home):
    return build_corpus("lee.txt", _lee_bytes())


LONG = TrainConfig(dim=50, min_count=2, epochs=300, workers=1)  # tens of seconds: long enough to stop it


def _job(job_id: str) -> JobRecord:
    job = jobs.get_job(job_id)
    assert job is not None
    return job


def _process_gone(pid: int) -> bool:
    jobs._reap_children()  # the workers are our children: reap them, as get_job does
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ")[1].startswith("Z")  # a zombie has stopped running
    except (OSError, IndexError):
        return True


@pytest.mark.slow
def test_job_runs_to_done_with_a_loadable_run(fresh_home):
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 20).encode())
    config = TrainConfig(dim=8, min_count=1, epochs=3, workers=1)
    job_id = jobs.start_job(corpus.id, config)
    queued = store.get_job(job_id)
    assert queued.status in ("queued", "running") and queued.pid and queued.corpus_id == corpus.id
    assert queued.params == config.to_dict() and queued.epochs == 3
    job = _wait_for(lambda: (j := _job(job_id)).status not in jobs.ACTIVE and j, "the job to end")
    assert job.status == "done", job
    assert job.progress == 1.0 and job.message == "" and job.eta_seconds == 0
    run = store.get_run(job.run_id)
    assert run is not None and run.corpus_id == corpus.id and run.params == config.to_dict()
    assert _run_folders(fresh_home) == [job.run_id]
    assert load_space(job.run_id).dim == 8
    assert [j.id for j in jobs.list_jobs()] == [job_id]
    assert jobs.cancel_job(job_id) is False  # already ended
    assert _job(job_id).status == "done"


@pytest.mark.slow
def test_cancel_running_job(lee_corpus, fresh_home):
    job_id = jobs.start_job(lee_corpus.id, LONG)
    job = _wait_for(
        lambda: (j := _job(job_id)).status == "running" and j.progress > 0 and j, "the job to report progress"
    )
    assert job.status == "running" and 0 < job.progress < 1
    assert jobs.cancel_job(job_id) is True
    _wait_for(lambda: _process_gone(job.pid), "the worker to exit")
    job = _job(job_id)
    assert job.status == "cancelled" and job.message == "cancelled by you; nothing was saved" and job.run_id is None
    assert store.list_runs() == []
    assert [name for name in _run_folders(fresh_home) if not name.startswith(".")] == []
    assert jobs.cancel_job(job_id) is False
    time.sleep(0.3)  # a late progress write must not resurrect the job
    assert _job(job_id).status == "cancelled"


@pytest.mark.slow
def test_killed_worker_is_reported_interrupted(lee_corpus, fresh_home):
    job_id = jobs.start_job(lee_corpus.id, LONG)
    job = _wait_for(
        lambda: (j := _job(job_id)).status == "running" and j.progress > 0 and j, "the job to report progress"
    )
    os.kill(job.pid, signal.SIGKILL)
    job = _wait_for(lambda: (j := _job(job_id)).status != "running" and j, "the job to be marked")
    assert job.status == "interrupted"
    assert "stopped unexpectedly" in job.message and "start the training again" in job.message
    assert job.run_id is None and store.list_runs() == []
    assert [name for name in _run_folders(fresh_home) if not name.startswith(".")] == []
    _wait_for(lambda: _process_gone(job.pid), "the killed worker to be gone")
    assert jobs.cancel_job(job_id) is False


@pytest.mark.slow
def test_job_with_impossible_min_count_fails_with_our_message(fresh_home):
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 20).encode())
    job_id = jobs.start_job(corpus.id, TrainConfig(dim=8, min_count=10**6, epochs=1, workers=1))
    job = _wait_for(lambda: (j := _job(job_id)).status not in jobs.ACTIVE and j, "the job to end")
    assert job.status == "failed"
    assert job.message.startswith("min_count=1000000 leaves 0 words: the corpus has ")
    assert "try min_count=20" in job.message
    assert "Traceback" not in job.message and "ValueError" not in job.message
    assert job.run_id is None and store.list_runs() == [] and _run_folders(fresh_home) == []


@pytest.mark.slow
def test_job_for_a_missing_corpus_fails_with_a_message(fresh_home):
    job_id = jobs.start_job("c000000000000", TrainConfig(dim=8, min_count=1, epochs=1, workers=1))
    job = _wait_for(lambda: (j := _job(job_id)).status not in jobs.ACTIVE and j, "the job to end")
    assert job.status == "failed" and job.message.startswith("no corpus 'c000000000000'")


@pytest.fixture
def restore_sigterm():
    """jobs.work installs a SIGTERM handler and blocks SIGTERM: undo both for the test process."""
    handler = signal.getsignal(signal.SIGTERM)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    yield
    signal.signal(signal.SIGTERM, handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def test_job_is_not_done_when_its_run_could_not_be_registered(fresh_home, monkeypatch, restore_sigterm):
    """A job is "done" only once its run exists: a failed registry write leaves it failed, and no run folder."""
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 20).encode())
    config = TrainConfig(dim=8, min_count=1, epochs=1, workers=1)
    job_id = store.new_id("job")
    store.add_job(job_id, corpus.id, config.to_dict(), config.epochs)
    seen_when_registering = []

    def locked_registry(*args, **kwargs):
        seen_when_registering.append(store.get_job(job_id).status)
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "add_run", locked_registry)
    jobs.work(job_id)
    job = store.get_job(job_id)
    assert seen_when_registering == ["committing"], "the job was already 'done' before its run was registered"
    assert job.status == "failed" and "database is locked" in job.message
    assert not [p for p in (fresh_home / "runs").iterdir()]


# --- what a training worker loads ---------------------------------------------------------------------------


@pytest.mark.slow
def test_training_jobs_run_without_importing_fine_tuning_libraries():
    """pandas, scipy.stats, torch and sentence-transformers cost a Word2Vec worker ~130 MB and seconds before training
    starts: a worker imports them only for the jobs that need them."""
    import subprocess
    import sys

    heavy = ("pandas", "scipy.stats", "sklearn", "torch", "sentence_transformers", "streamlit")
    code = (
        "import sys, embedlab.training.jobs as jobs; run, config = jobs._runner({'method': 'word2vec', 'epochs': 2}); "
        f"print(run.__name__, config.epochs, [m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    assert out.split(maxsplit=2) == ["train_run", "2", "[]\n"]


def test_job_runner_picks_fine_tuning_and_keeps_the_message_for_unknown_methods():
    from embedlab.training import finetune_run

    assert jobs._runner({"method": RunMethod.SENTENCE_TRANSFORMER.value})[0] is finetune_run
    with pytest.raises(ValueError, match="method must be one of \\['word2vec', 'fasttext'\\], got 'glove'"):
        jobs._runner({"method": "glove"})
