"""The Train page and training jobs as a new user meets them: the chosen method stays chosen, pretrained vectors
set the dimension, the lock applies only to pretrained rows, a second identical job is refused, and finished jobs
say when their run was deleted."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from conftest import ROOT, TINY_TEXT
from streamlit.testing.v1 import AppTest

from embedlab import spaces, store
from embedlab.cli import main
from embedlab.corpus import build_corpus
from embedlab.errors import EmbedLabError
from embedlab.spaces import save_uploaded_vectors, write_vectors
from embedlab.training import TrainConfig, init_dim, jobs, train_run

pytestmark = pytest.mark.slow  # AppTest runs of the whole app, and real worker processes


def _page(page: str = "pages/train.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(page)
    return at.run()


@pytest.fixture
def corpus(fresh_home):
    return build_corpus("tiny.txt", (TINY_TEXT * 20).encode("utf-8"))


@pytest.fixture
def vectors_file(corpus, tmp_path):
    """A 12-dimensional word2vec text file of a few corpus words, uploaded as a space."""
    words = ["matrix", "sparse", "signal", "spectrum"]
    path = write_vectors(tmp_path / "small.vec", words, np.random.default_rng(3).normal(size=(4, 12)))
    return save_uploaded_vectors("small.vec", path.read_bytes())


def _ended(job_id: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while (job := jobs.get_job(job_id)).is_active:
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.05)
    return job


def test_the_chosen_method_survives_a_page_switch(corpus):
    at = _page()
    at.radio(key="train_method").set_value("fasttext").run()
    at.switch_page("pages/runs.py").run()
    at.switch_page("pages/train.py").run()
    assert not at.exception and at.radio(key="train_method").value == "fasttext"


def test_the_lock_waits_for_pretrained_vectors_whose_dimension_is_used(corpus, vectors_file):
    at = _page()
    assert at.slider(key="train_lock").disabled and not at.number_input(key="train_dim").disabled
    at.selectbox(key="train_init").set_value(vectors_file.spec).run()
    assert not at.slider(key="train_lock").disabled
    shown = at.number_input(key="train_dim_from_init")
    assert shown.disabled and shown.value == 12
    at.number_input(key="train_min_count").set_value(1)
    at.button[0].click().run()  # "Start training"
    job = _ended(jobs.list_jobs()[0].id)
    assert job.status == "done", job.message
    assert job.params["dim"] == 12 and job.params["init"] == vectors_file.spec and store.get_run(job.run_id).dim == 12


def test_the_cli_takes_the_dimension_from_the_init_vectors(corpus, vectors_file, capsys, tmp_path):
    text = tmp_path / "tiny.txt"
    text.write_text(TINY_TEXT * 20, encoding="utf-8")
    assert main(["train", str(text), "--min-count", "1", "--epochs", "1", "--init", vectors_file.spec, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["parameters"]["dimensions"] == 12 and result["parameters"]["started from"] == vectors_file.spec
    assert init_dim(vectors_file.spec) == 12 and init_dim(result["run_id"]) == 12
    with pytest.raises(EmbedLabError, match="no Word2Vec or FastText run"):
        init_dim("run-20260101-120000-abc123")


def test_a_second_identical_job_is_refused_while_the_first_runs(corpus):
    long = TrainConfig(min_count=1, epochs=1000, workers=1, seed=3)
    first = jobs.start_job(corpus.id, long)
    try:
        with pytest.raises(EmbedLabError, match=f"the same training is already running on this corpus \\({first}"):
            jobs.start_job(corpus.id, long)
        other = jobs.start_job(corpus.id, TrainConfig(min_count=1, epochs=1, workers=1, seed=4))  # other settings
        assert _ended(other).status == "done"
    finally:
        jobs.cancel_job(first)
    assert _ended(first).status == "cancelled"
    again = jobs.start_job(corpus.id, TrainConfig(min_count=1, epochs=1, workers=1, seed=3))  # once it has ended
    assert _ended(again).status == "done"


def test_a_finished_job_says_when_its_run_was_deleted(corpus):
    job = _ended(jobs.start_job(corpus.id, TrainConfig(min_count=1, epochs=1, workers=1)))
    kept = train_run(corpus, TrainConfig(min_count=1, epochs=1, workers=1, seed=9))
    store.delete_run(job.run_id)
    at = _page()
    assert not at.exception
    assert any(f"done: run `{job.run_id}`, deleted since" in info.value for info in at.info)
    assert not [s for s in at.success if job.run_id in s.value]
    assert spaces.space_label(kept.id) in at.dataframe[0].value["run"].tolist()  # by its readable label


def test_every_input_shows_the_bounds_and_default_its_config_declares(corpus):
    """What the page draws, not what its source says: each input's min, max and starting value are the config's."""
    from embedlab.records import RunMethod
    from embedlab.training import FinetuneConfig
    from embedlab.ui.widgets import config_input_arguments

    at = _page()
    static = {"dim": "train_dim", "window": "train_window", "min_count": "train_min_count", "epochs": "train_epochs"}
    static |= {"negative": "train_negative", "sample": "train_sample", "seed": "train_seed", "seeds": "train_seeds"}
    shown = {name: at.number_input(key=key) for name, key in static.items()}
    shown["lock_pretrained"] = at.slider(key="train_lock")
    for name, widget in shown.items():
        declared = config_input_arguments(TrainConfig, name)
        assert (widget.min, widget.max, widget.value) == tuple(declared[k] for k in ("min_value", "max_value", "value"))
        assert widget.label == declared["label"]
    at.radio(key="train_method").set_value(RunMethod.SENTENCE_TRANSFORMER).run()
    tuned = {"max_pairs": "ft_max_pairs", "max_minutes": "ft_max_minutes", "batch_size": "ft_batch"}
    tuned |= {"epochs": "ft_epochs", "learning_rate": "ft_lr", "seed": "ft_seed"}
    for name, key in tuned.items():
        widget, declared = at.number_input(key=key), config_input_arguments(FinetuneConfig, name)
        assert (widget.min, widget.max, widget.value) == tuple(declared[k] for k in ("min_value", "max_value", "value"))
    assert not at.exception
