"""Crashes and concurrency: killed training processes, a restarted server, two sessions at once, several processes
writing the registry, and artefacts that are whole or absent, never half-written."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, TINY_TEXT
from test_bad_input import app  # noqa: F401  the router without its UMAP warm-up
from test_train_jobs import LONG, _lee_bytes, _wait_for

from embedlab import spaces, store, ui
from embedlab.corpus import build_corpus, list_corpora, load_corpus
from embedlab.training import TrainConfig, jobs, train_run

pytestmark = pytest.mark.slow

SHORT = TrainConfig(dim=8, min_count=1, epochs=2, workers=1)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _visible(folder: Path) -> list[str]:
    """What a listing shows: folders that are not hidden staging."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def _ended(job_id: str) -> dict:
    return _wait_for(
        lambda: (j := jobs.get_job(job_id)).status not in jobs.ACTIVE and j,
        f"job {job_id} to end",
        timeout=120,
        interval=0.1,
    )


def _python(code: str, *args: str, home: Path, stderr=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        stderr=stderr,
        env={
            **os.environ,
            "EMBEDLAB_HOME": str(home),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
    )


@pytest.fixture
def lee_with_a_run(fresh_home) -> tuple:
    """The Lee corpus and a run already trained on it: what a crash elsewhere must leave alone."""
    corpus = build_corpus("lee.txt", _lee_bytes())
    kept = train_run(corpus, TrainConfig(dim=8, min_count=2, epochs=1, workers=1, seed=5))
    return corpus, kept.id, _digest(fresh_home / "runs" / kept.id)


def _assert_only(kept: str, digest: dict, home: Path) -> None:
    assert [row.id for row in store.list_runs()] == [kept] and _visible(home / "runs") == [kept]
    assert {s.split("@")[0] for s in spaces.space_choices() if s.startswith("run-")} == {kept}
    assert _digest(home / "runs" / kept) == digest and len(spaces.load_space(kept)) > 100


def test_kill_9_mid_training_interrupts_the_job_and_keeps_the_other_runs(lee_with_a_run, fresh_home):
    corpus, kept, digest = lee_with_a_run
    job_id = jobs.start_job(corpus.id, LONG)
    job = _wait_for(lambda: (j := jobs.get_job(job_id)).progress > 0 and j, "training to make progress")
    os.kill(job.pid, signal.SIGKILL)
    job = _ended(job_id)
    assert job.status == "interrupted" and job.run_id is None
    assert job.message == (
        "The training process stopped unexpectedly (killed, or the server restarted). "
        "Nothing was saved; start the training again."
    )
    _assert_only(kept, digest, fresh_home)


# The worker of `python -m embedlab.training.jobs JOB`, holding still once its run is written and the job is "committing":
# the worst moment for a kill, just before the run's folder is renamed into place.
_PAUSED_AT_COMMIT = """
import os, sys, time
from embedlab import store
from embedlab.training import jobs
transition = store.transition_job
def pause_at_commit(job_id, from_statuses, **fields):
    moved = transition(job_id, from_statuses, **fields)
    if fields.get("status") == "committing":
        time.sleep(120)
    return moved
store.transition_job = pause_at_commit
os._exit(jobs.work(sys.argv[1]))
"""


def test_kill_9_while_committing_leaves_no_half_written_run(lee_with_a_run, fresh_home):
    corpus, kept, digest = lee_with_a_run
    job_id = store.new_id("job")
    store.add_job(job_id, corpus.id, SHORT.to_dict(), SHORT.epochs)
    worker = _python(_PAUSED_AT_COMMIT, job_id, home=fresh_home)
    _wait_for(lambda: store.get_job(job_id).status == "committing", "the worker to commit", timeout=120)
    [staging] = (fresh_home / "runs").glob(".staging-run-*")
    assert {p.name for p in staging.iterdir()} == {"vectors.bin", "params.json", "health.json"}  # not yet renamed
    worker.kill()
    worker.wait(timeout=30)
    job = _ended(job_id)
    assert job.status == "interrupted" and job.run_id is None
    _assert_only(kept, digest, fresh_home)
    store.remove_stale_staging(fresh_home / "runs", older_than_seconds=0)  # what the next training clears
    assert sorted(p.name for p in (fresh_home / "runs").iterdir()) == [kept]


# A server that starts a training job the way the Train page does, then is killed (kill -9) or restarted.
_SERVER = """
import sys, time
from embedlab.training import jobs
from embedlab.training import TrainConfig
print(jobs.start_job(sys.argv[1], TrainConfig.from_dict(__import__("json").loads(sys.argv[2]))), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("machine_restarts", [False, True], ids=["server-restarts", "machine-restarts"])
def test_restarting_the_server_during_a_job(machine_restarts, lee_with_a_run, fresh_home):
    """A job runs in its own session: it survives the server and is seen through to "done" by the next one. When
    the worker dies too (the whole machine restarted), the next server reports it "interrupted"."""
    import json

    corpus, kept, digest = lee_with_a_run
    config = LONG if machine_restarts else SHORT
    server = _python(_SERVER, corpus.id, json.dumps(config.to_dict()), home=fresh_home)
    job_id = server.stdout.readline().strip()
    job = _wait_for(lambda: (j := store.get_job(job_id)).status == "running" and j, "the worker to start")
    server.kill()  # kill -9: no cleanup of any kind
    server.wait(timeout=30)
    if machine_restarts:
        os.kill(job.pid, signal.SIGKILL)
    job = _ended(job_id)  # the "next server": this process, reading the registry
    if machine_restarts:
        assert job.status == "interrupted" and job.run_id is None
        _assert_only(kept, digest, fresh_home)
    else:
        assert job.status == "done" and job.run_id != kept
        assert _visible(fresh_home / "runs") == sorted([kept, job.run_id])
        assert len(spaces.load_space(job.run_id)) > 100 and _digest(fresh_home / "runs" / kept) == digest


def test_a_job_whose_server_died_before_its_worker_started_is_interrupted(fresh_home):
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 5).encode())
    job_id = store.new_id("job")
    store.add_job(job_id, corpus.id, SHORT.to_dict(), SHORT.epochs)  # ...and the server died before Popen
    assert jobs.get_job(job_id).status == "queued"  # within the grace period it may still start
    with store.connect() as conn:
        conn.execute("UPDATE jobs SET created = created - 61 WHERE id = ?", (job_id,))
    assert jobs.get_job(job_id).status == "interrupted"


# --- two sessions at once -----------------------------------------------------------------------------------


def _complete_runs_only(stop: threading.Event, seen: list, failures: list) -> None:
    """A third session, looking at the registry while the others train: every run it lists must be whole."""
    while not stop.is_set():
        try:
            for spec in spaces.space_choices():
                if spec.startswith("run-") and "@" not in spec:  # the runs themselves, not derived spaces
                    seen.append((spec, len(spaces.load_space(spec))))
        except Exception as error:  # noqa: BLE001  any failure is the finding
            failures.append(repr(error))
        time.sleep(0.05)


def test_two_sessions_train_and_compare_at_the_same_time(fresh_home, app):  # noqa: F811
    first = build_corpus("tiny.txt", (TINY_TEXT * 30).encode())
    second = build_corpus("lee.txt", _lee_bytes())
    sessions = []
    for corpus, seed in ((first, 1), (second, 2)):
        at = app()
        at.session_state[ui.ACTIVE_CORPUS] = corpus.id
        at.switch_page("pages/train.py").run()
        at.number_input(key="train_min_count").set_value(1)
        at.number_input(key="train_epochs").set_value(3)
        at.number_input(key="train_dim").set_value(12)
        at.number_input(key="train_seed").set_value(seed)
        sessions.append(at)
    stop, seen, failures = threading.Event(), [], []
    watcher = threading.Thread(target=_complete_runs_only, args=(stop, seen, failures))
    watcher.start()
    try:
        for at in sessions:  # both start before either ends
            at.button[0].click().run()
        started = jobs.list_jobs()
        assert len(started) == 2 and all(job.status in jobs.ACTIVE for job in started)
        done = [_ended(job.id) for job in started]
    finally:
        stop.set()
        watcher.join()
    assert [job.status for job in done] == ["done", "done"], [job.message for job in done]
    runs = {job.corpus_id: job.run_id for job in done}
    assert len(set(runs.values())) == 2 and set(runs) == {first.id, second.id}
    assert not failures, failures[:3]
    assert {spec for spec, _ in seen} <= set(runs.values())  # it saw runs only once they were whole
    for at, corpus in zip(sessions, (first, second)):
        at.run()
        assert not at.exception and not at.error
        assert any(runs[corpus.id] in success.value for success in at.success)  # each session sees its own job
    # then each compares its own run with the other's, both on the Compare page at once
    own_first = {first.id: (runs[first.id], runs[second.id]), second.id: (runs[second.id], runs[first.id])}
    for at, corpus in zip(sessions, (first, second)):
        a, b = own_first[corpus.id]
        for name, value in {"corpus": corpus.id, "a": a, "b": b, "word": "the", "k": "5"}.items():
            at.query_params[name] = value
        at.switch_page("pages/compare.py").run()
        health = ":material/health_and_safety:"  # the small runs' health warnings: tested in test_health.py
        assert not at.exception and not at.error
        (elsewhere,) = [w.value for w in at.warning if w.icon != health]  # B: the other session's run, other corpus
        assert f"trained on {'lee.txt' if corpus is first else 'tiny.txt'}, judged on {corpus.name}" in elsewhere
        assert (at.selectbox(key="cmp_a").value, at.selectbox(key="cmp_b").value) == (a, b)
        assert [len(table.value) for table in at.table] == [5, 5]


# --- the registry under concurrent writers ------------------------------------------------------------------

_WRITER = """
import sys, time
from embedlab import store
name, start, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
while time.time() < start:  # all writers start together, on a registry none of them has created yet
    time.sleep(0.001)
for i in range(count):
    item = f"{name}-{i}"
    store.add_corpus(f"c-{item}", item, {"tokens": i}, {})
    store.add_job(f"job-{item}", f"c-{item}", {"i": i}, 1)
    store.update_job(f"job-{item}", status="running", progress=0.5)
    store.transition_job(f"job-{item}", ("running",), status="done", progress=1.0)
    store.add_vectors(f"v-{item}", item, f"{item}.txt", "GloVe text", 1, 1, 1, 0)
    assert store.get_job(f"job-{item}").status == "done"
    store.list_corpora()
"""


def test_the_registry_survives_concurrent_writers(fresh_home):
    writers, count = 6, 40
    start = time.time() + 1.5  # the processes are up by then
    processes = [
        _python(_WRITER, f"w{n}", str(start), str(count), home=fresh_home, stderr=subprocess.PIPE)
        for n in range(writers)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * writers, errors  # no "database is locked"
    assert len(store.list_corpora()) == len(store.list_vectors()) == writers * count
    assert {job.status for job in store.list_jobs()} == {"done"} and len(store.list_jobs()) == writers * count
    with store.connect() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- artefacts are whole or absent ----------------------------------------------------------------------------


def test_a_reader_never_sees_half_a_file_being_replaced(tmp_path):
    path = tmp_path / "vectors.bin"
    versions = [bytes([65 + i]) * (4 << 20) for i in range(3)]  # 4 MB each, one letter throughout
    store.write_bytes(path, versions[0])
    stop, torn = threading.Event(), []

    def read() -> None:
        while not stop.is_set():
            data = path.read_bytes()
            if data not in versions:
                torn.append((len(data), data[:1], data[-1:]))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(30):
            store.write_bytes(path, versions[i % 3])
    finally:
        stop.set()
        reader.join()
    assert torn == [] and path.read_bytes() == versions[29 % 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors.bin"]  # no temp file left


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "params.json"
    store.write_json(path, {"old": True})
    with pytest.raises(RuntimeError):
        with store.atomic_file(path) as handle:
            handle.write(b'{"new": ')
            raise RuntimeError("disk full")
    assert path.read_text() == '{\n  "old": true\n}' and sorted(p.name for p in tmp_path.iterdir()) == ["params.json"]


_SLOW_WRITER = """
import sys, time
from pathlib import Path
from embedlab import store
with store.atomic_file(Path(sys.argv[1])) as handle:
    for _ in range(1000):
        handle.write(b"n" * 65536)
        handle.flush()
        print("wrote", flush=True)
        time.sleep(0.01)
"""


def test_kill_9_in_the_middle_of_a_write_keeps_the_old_file(tmp_path, fresh_home):
    path = tmp_path / "vectors.txt"
    path.write_bytes(b"old contents\n")
    writer = _python(_SLOW_WRITER, str(path), home=fresh_home)
    for _ in range(5):
        writer.stdout.readline()  # 5 chunks are on disk, in the temp file
    [temp] = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert temp.stat().st_size >= 5 * 65536
    writer.kill()
    writer.wait(timeout=30)
    assert path.read_bytes() == b"old contents\n"


_CORPUS_BUILDER = """
import sys
from embedlab.corpus import build_corpus
from gensim.test.utils import datapath
build_corpus("big.txt", open(datapath("lee_background.cor"), "rb").read() * 40)
"""


def test_kill_9_while_a_corpus_is_written_leaves_no_corpus(fresh_home):
    builder = _python(_CORPUS_BUILDER, home=fresh_home)
    _wait_for(
        lambda: list((fresh_home / "corpora").glob(".staging-*")) if (fresh_home / "corpora").exists() else [],
        "the corpus to be written",
        timeout=120,
        interval=0.005,
    )
    builder.kill()
    builder.wait(timeout=30)
    assert list_corpora() == [] and _visible(fresh_home / "corpora") == []
    # the same upload again works, and is whole
    corpus = build_corpus("big.txt", _lee_bytes() * 40)
    assert load_corpus(corpus.id).stats.documents == corpus.stats.documents > 0
    assert [row.id for row in list_corpora()] == [corpus.id]
