"""The run-commit protocol (embedlab.training.commit): a run folder and its registry row, both or neither."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest
from conftest import notes_text

from embedlab import store
from embedlab.errors import EmbedLabError
from embedlab.training import Cancelled, FinetuneConfig, StagedRun, finetune_run, staged_run

RUN_ID = "run-20260101-120000-c0ffee"
CONFIG = {"method": "word2vec", "dim": 8, "window": 5}


def _commit(run_id: str | None = RUN_ID, may_commit=lambda: True) -> StagedRun:
    """A committed run with one artefact, ``vectors.bin``."""
    with staged_run("c0123456789ab", "word2vec", CONFIG, run_id=run_id, may_commit=may_commit) as run:
        (run.folder / "vectors.bin").write_bytes(b"\x00\x01")
        run.finish({"corpus_name": "tiny.txt", "vocab_size": 42}, vocab_size=42, seconds=1.5)
    return run


def _runs_folder(home) -> list[str]:
    """Everything under runs/, hidden staging folders included."""
    return sorted(p.name for p in (home / "runs").iterdir())


def test_a_committed_run_has_its_folder_params_and_registry_row(fresh_home):
    run = _commit()
    folder = fresh_home / "runs" / RUN_ID
    assert run.folder == folder and _runs_folder(fresh_home) == [RUN_ID]  # renamed into place, no staging left
    assert sorted(p.name for p in folder.iterdir()) == ["params.json", "vectors.bin"]
    assert (folder / "vectors.bin").read_bytes() == b"\x00\x01"
    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
    assert params == {
        "run_id": RUN_ID,
        "method": "word2vec",
        "config": CONFIG,
        "corpus_id": "c0123456789ab",
        "corpus_name": "tiny.txt",
        "vocab_size": 42,
    }
    assert list(params)[:4] == ["run_id", "method", "config", "corpus_id"]
    row = store.get_run(RUN_ID)
    assert row is not None and run.record == row
    assert (row.id, row.corpus_id, row.method, row.params) == (RUN_ID, "c0123456789ab", "word2vec", CONFIG)
    assert (row.vocab_size, row.seconds) == (42, 1.5)
    assert [r.id for r in store.list_runs()] == [RUN_ID]


def test_a_new_run_id_is_made_when_none_is_given(fresh_home):
    run = _commit(run_id=None)
    assert run.run_id.startswith("run-") and run.run_id != RUN_ID
    assert _runs_folder(fresh_home) == [run.run_id] and run.record.id == run.run_id
    assert json.loads((run.folder / "params.json").read_text())["run_id"] == run.run_id


def test_finish_cannot_change_what_identifies_the_run(fresh_home):
    with staged_run("c0123456789ab", "word2vec", CONFIG, run_id=RUN_ID) as run:
        run.finish(
            {"run_id": "other", "method": "fasttext", "config": {}, "corpus_id": "x", "extra": 1},
            vocab_size=3,
            seconds=0,
        )
    params = json.loads((fresh_home / "runs" / RUN_ID / "params.json").read_text())
    assert params == {
        "run_id": RUN_ID,
        "method": "word2vec",
        "config": CONFIG,
        "corpus_id": "c0123456789ab",
        "extra": 1,
    }
    assert params["config"] == run.record.params  # params.json's config is the registry row's params


def test_may_commit_false_cancels_and_leaves_nothing(fresh_home):
    asked = []

    def refuse() -> bool:
        [staging] = (fresh_home / "runs").glob(".staging-*")  # asked before the rename, everything written
        asked.append(sorted(p.name for p in staging.iterdir()))
        return False

    with pytest.raises(Cancelled, match=f"^run {RUN_ID} was cancelled$"):
        _commit(may_commit=refuse)
    assert asked == [["params.json", "vectors.bin"]]
    assert _runs_folder(fresh_home) == []  # neither the run folder nor its staging folder
    assert store.get_run(RUN_ID) is None and store.list_runs() == []


@pytest.mark.parametrize("error", [ValueError("disk full"), KeyboardInterrupt(), Cancelled("cancelled")])
def test_an_exception_inside_the_block_leaves_nothing(fresh_home, error):
    asked = []
    with pytest.raises(type(error)) as raised:
        with staged_run(
            "c0123456789ab", "word2vec", CONFIG, run_id=RUN_ID, may_commit=lambda: asked.append(1) or True
        ) as run:
            (run.folder / "vectors.bin").write_bytes(b"half")
            raise error
    assert raised.value is error and asked == []  # the block's own error, and no commit was attempted
    assert _runs_folder(fresh_home) == []
    assert store.get_run(RUN_ID) is None


def test_a_block_that_never_calls_finish_saves_nothing(fresh_home):
    with pytest.raises(RuntimeError, match="without calling finish"):
        with staged_run("c0123456789ab", "word2vec", CONFIG, run_id=RUN_ID) as run:
            (run.folder / "vectors.bin").write_bytes(b"\x00")
    assert _runs_folder(fresh_home) == [] and store.get_run(RUN_ID) is None
    with pytest.raises(RuntimeError, match="not committed yet"):
        run.record  # noqa: B018


def test_a_failing_registry_insert_removes_the_run_folder(fresh_home, monkeypatch):
    seen = []

    def locked(run_id, *args):
        seen.append(sorted(p.name for p in (fresh_home / "runs" / run_id).iterdir()))  # the rename came first
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "add_run", locked)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        _commit()
    assert seen == [["params.json", "vectors.bin"]]
    assert _runs_folder(fresh_home) == []  # no folder left without its row
    monkeypatch.undo()
    assert store.get_run(RUN_ID) is None
    assert _commit().record.id == RUN_ID  # the id is free again


def test_stale_staging_folders_are_removed_and_fresh_ones_kept(fresh_home):
    import subprocess
    import sys

    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a long fine-tune, writing
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    try:
        runs = store.runs_dir()
        stale, live = runs / ".staging-run-old-abc", runs / ".staging-run-busy-def"
        killed, writing = (
            runs / f".staging-run-x-pid{dead.stdout.strip()}-a1",
            runs / f".staging-run-y-pid{writer.pid}-b2",
        )
        for folder in (stale, live, killed, writing):
            folder.mkdir()
            (folder / "vectors.bin").write_bytes(b"left over")
        two_hours_ago = time.time() - 2 * 3600
        for folder in (stale, killed, writing):  # older than the hour a write may take
            os.utime(folder, (two_hours_ago, two_hours_ago))
        _commit()
        # another process may still be writing the fresh one, and the old one whose writer is running
        assert _runs_folder(fresh_home) == sorted([live.name, writing.name, RUN_ID])
    finally:
        writer.kill()
        writer.wait()


def test_an_existing_run_or_a_path_as_run_id_is_refused(fresh_home):
    _commit()
    with pytest.raises(EmbedLabError, match=f"run {RUN_ID} exists already"):
        _commit()
    assert json.loads((fresh_home / "runs" / RUN_ID / "params.json").read_text())["corpus_name"] == "tiny.txt"
    for bad in ("../outside", "a/b", ".staging-x"):
        with pytest.raises(EmbedLabError, match="plain folder name"):
            _commit(run_id=bad)
    assert _runs_folder(fresh_home) == [RUN_ID] and not (fresh_home / "outside").exists()
    assert [r.id for r in store.list_runs()] == [RUN_ID]


@pytest.mark.slow
def test_a_finetuned_run_records_its_dimension_and_base_model(fresh_home):
    from embedlab.corpus import build_corpus

    corpus = build_corpus("notes.txt", notes_text())
    row = finetune_run(corpus, FinetuneConfig(max_pairs=16, batch_size=8, held_out_share=0.3, seed=1))
    folder = fresh_home / "runs" / row.id
    assert sorted(p.name for p in folder.iterdir()) == [
        "health.json",
        "held_out.jsonl",
        "model",
        "params.json",
        "trained_documents.json",
    ]
    params = json.loads((folder / "params.json").read_text())
    assert params["dim"] == 384 and params["base_model"] == "all-MiniLM-L6-v2"
    assert row.params["dim"] == 384 and row.params["base_model"] == "all-MiniLM-L6-v2"
    assert row.params == params["config"] and row.params["max_pairs"] == 16
    assert row.method == "sentence-transformer" and row.vocab_size == params["vocab_size"]
