"""Shared fixtures: every test runs against a throw-away EMBEDLAB_HOME, never ~/.embedlab."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

# A small domain text with repeated jargon, an empty paragraph, non-ASCII words and duplicates on purpose.
TINY_TEXT = """
The eigendecomposition of a symmetric matrix gives real eigenvalues and orthogonal eigenvectors.
The singular value decomposition factors a matrix into orthogonal matrices and singular values.

A sparse matrix stores only the nonzero entries; sparse solvers exploit the sparsity pattern.
The Cholesky factorization of a positive definite matrix is a triangular decomposition.


Über-fast solvers don't need dense matrices. The matrix is sparse, the solver is iterative.
Eigenvalues of the Hessian matrix tell the curvature; the gradient tells the slope.
A Fourier transform maps a signal to its spectrum; the inverse transform maps the spectrum back.
The spectrum of a signal shows its frequencies; a filter removes frequencies from the signal.
"""


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory) -> Path:
    """One EMBEDLAB_HOME for the session, so the baseline's disk cache is shared by read-only tests."""
    home = tmp_path_factory.mktemp("embedlab-home")
    os.environ["EMBEDLAB_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def ray_cluster():
    """A real local Ray cluster (head + worker node, token authentication on) for the session's cluster tests;
    started on first use, stopped at the end. Its folder is short: Ray's socket paths must fit in 107 bytes."""
    import shutil
    import tempfile

    from ray_support import RayCluster

    folder = Path(tempfile.mkdtemp(prefix="elray-"))
    cluster = RayCluster(folder)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    """An empty EMBEDLAB_HOME for tests that count or corrupt what is stored."""
    home = tmp_path / "home"
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_text_corpus():
    """The tiny text above, tokenised and stored in the session home."""
    from embedlab.corpus import build_corpus

    return build_corpus("tiny.txt", (TINY_TEXT * 20).encode("utf-8"))


@pytest.fixture(scope="session")
def tiny_run(tiny_text_corpus) -> dict:
    """A Word2Vec run on the tiny corpus, one thread so it is reproducible."""
    from embedlab.training import TrainConfig, train_run

    return train_run(tiny_text_corpus, TrainConfig(dim=16, min_count=1, epochs=5, workers=1, seed=7))


@pytest.fixture(scope="session")
def sample_csv_path() -> Path:
    return ROOT / "sample_data" / "scipy_docs.csv"


def make_space(words, vectors, name="test", counts=None):
    """An EmbeddingSpace from plain lists, rows normalised like every loader does."""
    from embedlab.spaces import EmbeddingSpace, normalise_rows

    counts = np.arange(len(words), 0, -1) if counts is None else np.asarray(counts)
    return EmbeddingSpace(
        name, tuple(words), normalise_rows(np.asarray(vectors, dtype=np.float32)), counts.astype(np.int64), "hand-built"
    )


NOTE_TOPICS = [
    "sparse matrix solvers",
    "fourier spectra of signals",
    "eigenvalues of symmetric matrices",
    "gradient descent steps",
    "kernel density estimates",
    "spline interpolation of data",
]


def notes_text(n: int = 80) -> bytes:
    """n documents of three distinct sentences each, blank-line separated: pairs for fine-tuning."""
    docs = []
    for i in range(n):
        topic = NOTE_TOPICS[i % len(NOTE_TOPICS)]
        docs.append(
            f"Note {i} is about {topic}. It explains {topic} with example {i * 7}. "
            f"Case {i} ends the discussion of {topic.split()[0]} number {i * 3}."
        )
    return "\n\n".join(docs).encode()


def app_page(page: str, **query: str):
    """``page`` (e.g. ``pages/compare.py``) as opened from a link with ``query``, run once through app.py
    (Streamlit's AppTest), in a fresh session."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def evaluate_page(**query: str):
    """The Evaluate page as opened from a link with ``query``, run once (Streamlit's AppTest, through app.py)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("pages/evaluate.py")
    return at.run()


def labelled_csv(documents: int = 60) -> bytes:
    """Three-sentence notes on six topics, labelled by topic: a task, and neighbouring sentences to hold out."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "label"])
    for i in range(documents):
        topic = NOTE_TOPICS[i % len(NOTE_TOPICS)]
        writer.writerow(
            [
                f"Note {i} is about {topic}. It explains {topic} with example {i * 7}. "
                f"Case {i} ends the discussion of {topic.split()[0]} number {i * 3}.",
                topic.split()[0],
            ]
        )
    return out.getvalue().encode()


# --- what is slow ---------------------------------------------------------------------------------------------------
# Fixtures that train runs, fine-tune, encode with MiniLM or fit UMAP: every test using one (directly or through
# another fixture) is marked slow here, so a cheap test does not pay a heavy fixture's set-up inside the fast loop.
# A name alone counts in every module; (module, name) where the name is also a cheap fixture elsewhere.
SLOW_FIXTURES = {
    "tiny_run",
    "baseline_space",
    "topic_runs",
    "floor_runs",
    "run_vs_baseline",
    "seeded_runs",
    "every_space",
    "planted_run",
    "sample_run",
    "word_list_run",
    "tuned_run",
    "tuned",
    "german_verdict",
    "lee_with_a_run",
    "two_runs",
    "layout",
    "ft",
    "old_run",
    ("test_verdict", "planted"),
    ("test_verdict", "control"),
    ("test_report_noise", "runs"),
    ("test_evaluation_flow", "labelled"),
    ("test_domain_shift", "trained"),
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__ if item.module is not None else ""
        if any(name in SLOW_FIXTURES or (module, name) in SLOW_FIXTURES for name in item.fixturenames):
            item.add_marker(pytest.mark.slow)


# --- the fast loop's budget ---------------------------------------------------------------------------------------
FAST_LOOP = "not slow and not browser"  # the README's fast subset (`make fast`)
FAST_LOOP_CPU_SECONDS = 60.0  # its budget: user + system CPU of the test process and everything it started


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children (servers, CLI runs) so far."""
    import resource  # POSIX only; the suite runs on Linux

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_SESSION_CPU = cpu_seconds()
FAST_LOOP_MEASURED: list[float] = []  # what tests/test_fast_loop.py measured, printed at the end of the run


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Every run says what it cost in CPU; the fast loop against its budget (tests/test_fast_loop.py enforces it)."""
    spent = cpu_seconds() - _SESSION_CPU
    if config.getoption("markexpr") == FAST_LOOP:
        terminalreporter.write_line(f"fast loop: {spent:.1f} CPU-seconds (budget {FAST_LOOP_CPU_SECONDS:.0f})")
    else:
        terminalreporter.write_line(f"tests: {spent:.1f} CPU-seconds")
    for measured in FAST_LOOP_MEASURED:
        terminalreporter.write_line(
            f"fast loop (run by test_fast_loop): {measured:.1f} CPU-seconds (budget {FAST_LOOP_CPU_SECONDS:.0f})"
        )
