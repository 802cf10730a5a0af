"""One error type for the user's mistakes: the boundaries (CLI, job worker, pages) show an ``EmbedLabError``'s
message as it is, and treat anything else as a bug of ours, with its traceback kept where we can read it."""

from __future__ import annotations

import time

import pytest

from embedlab import spaces
from embedlab.cli import main
from embedlab.corpus import build_corpus
from embedlab.errors import EmbedLabError
from embedlab.training import TrainConfig, jobs


def test_user_errors_are_embedlab_errors_and_still_value_errors(fresh_home):
    with pytest.raises(EmbedLabError, match="no run 'run-20260101-120000-abc123'") as caught:
        spaces.load_space("run-20260101-120000-abc123")
    assert isinstance(caught.value, ValueError)
    with pytest.raises(EmbedLabError, match="window must be a whole number from 1 to 50, got 0"):
        TrainConfig(window=0)


def test_the_cli_shows_a_user_error_in_one_line(fresh_home, capsys):
    assert main(["neighbors", "--space", "run-20260101-120000-abc123", "--word", "x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("embedlab neighbors: error: no run 'run-20260101-120000-abc123'")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_cli_calls_any_other_exception_a_bug_and_prints_its_traceback(fresh_home, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together with shapes (3,) (4,)")  # e.g. a numpy bug

    monkeypatch.setattr(spaces, "load_space", broken)
    assert main(["neighbors", "--space", "baseline", "--word", "x"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1] == (
        "embedlab neighbors: unexpected error: ValueError: operands could not be broadcast together with shapes (3,) (4,)"
    )


def _ended(job_id: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while (job := jobs.get_job(job_id)) is not None and job.is_active:
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.05)
    return job


@pytest.mark.slow
def test_a_job_shows_a_user_error_as_it_is_and_logs_no_traceback(fresh_home):
    corpus = build_corpus("tiny.txt", b"alpha beta gamma\n")
    job = _ended(jobs.start_job(corpus.id, TrainConfig(min_count=50, workers=1)))
    assert job.status == "failed"
    assert job.message == ("min_count=50 leaves 0 words: the corpus has 3 tokens and 3 distinct words; try min_count=1")
    assert "Traceback" not in (fresh_home / "jobs" / f"{job.id}.log").read_text()


@pytest.mark.slow
def test_a_job_that_hits_a_bug_says_so_and_keeps_the_traceback_in_its_log(fresh_home):
    """A corpus whose files were damaged on disk is not the user's input mistake: the job says it failed
    unexpectedly, names the log, and the log holds the traceback."""
    corpus = build_corpus("tiny.txt", b"alpha beta gamma alpha beta\n" * 20)
    (corpus.path / "sentences.txt").unlink()
    job = _ended(jobs.start_job(corpus.id, TrainConfig(min_count=1, workers=1)))
    log = fresh_home / "jobs" / f"{job.id}.log"
    assert job.status == "failed" and job.run_id is None
    assert job.message.startswith("Unexpected error: ") and job.message.endswith(f"(the traceback is in {log})")
    assert "Traceback (most recent call last)" in log.read_text()
    assert not (fresh_home / "runs").exists() or not [p for p in (fresh_home / "runs").iterdir()]


@pytest.mark.slow
def test_a_page_that_hits_a_bug_shows_a_short_message_and_logs_the_traceback(fresh_home, caplog):
    """A stored corpus whose meta.json was damaged on disk: the Compare page fails on a JSON error, which is ours to
    fix. The user sees what failed and where the details are, not Streamlit's traceback panel."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    corpus = build_corpus("tiny.txt", b"alpha beta gamma alpha beta\n" * 20)
    (corpus.path / "meta.json").write_text("{not json", encoding="utf-8")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["corpus"] = corpus.id
    at.switch_page("pages/compare.py")
    at.run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("Something went wrong on the Compare page: JSONDecodeError: ")
    assert "The full traceback is in the server's log" in error and "Traceback" not in error
    logged = [r for r in caplog.records if r.name == "embedlab"]
    assert logged and logged[0].exc_info is not None and "Compare" in logged[0].getMessage()
    assert [title for title in at.sidebar.children.values()]  # the navigation is still there: the app stays usable
