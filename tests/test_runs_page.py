"""The Runs page: the runs table, downloads, delete with confirmation, pretrained vectors uploads."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from conftest import ROOT, TINY_TEXT
from streamlit.testing.v1 import AppTest

from embedlab import spaces, store
from embedlab.spaces import read_vectors

APP = str(ROOT / "app.py")


def _runs_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/runs.py")
    at.run()
    assert at.title and at.title[0].value == "Runs", "pages/runs.py is not in app.py's st.navigation"
    return at


def _questions(at: AppTest) -> list[str]:
    """The delete confirmations shown (the tiny runs' health warnings aside)."""
    return [w.value for w in at.warning if "cannot be undone" in w.value]


def _table(at: AppTest, column: str):
    """The shown table that has ``column``: "run" for the runs, "space" for the uploaded vectors files."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


@pytest.fixture
def two_runs(fresh_home) -> tuple[str, str]:
    """Two tiny Word2Vec runs in a fresh home, the older first."""
    from embedlab.corpus import build_corpus
    from embedlab.training import TrainConfig, train_run

    built = build_corpus("tiny.txt", (TINY_TEXT * 5).encode())
    older = train_run(built, TrainConfig(dim=8, min_count=1, epochs=1, workers=1, seed=1)).id
    newer = train_run(built, TrainConfig(dim=6, min_count=2, epochs=1, window=3, workers=1, seed=2, sg=True)).id
    return older, newer


@pytest.fixture
def deferred_downloads(monkeypatch) -> dict:
    """file id -> (file name, mime, callable) of every deferred st.download_button the app registers.

    AppTest's mock runtime forgets its media files after each run; this records them (Streamlit internals: the
    name ``MediaFileManager`` in ``streamlit.testing.v1.app_test``).
    """
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    recorded: dict = {}

    class Recording(MediaFileManager):
        def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
            file_id = super().add_deferred(data_callable, mimetype, coordinates, file_name, **kwargs)
            recorded[file_id] = (file_name, mimetype, data_callable)
            return file_id

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    return recorded


@pytest.mark.slow
def test_runs_page_without_runs_or_vectors(fresh_home):
    at = _runs_page()
    assert not at.exception
    assert "No runs yet" in at.info[0].value
    assert not at.get("download_button")
    assert "up to 200 MB" in at.file_uploader(key="vectors_upload").label


@pytest.mark.slow
def test_runs_table_lists_every_run_with_its_parameters(two_runs):
    older, newer = two_runs
    at = _runs_page()
    assert not at.exception and not at.error
    table = _table(at, "run")
    assert table["run"].tolist() == [newer, older]  # newest first
    assert {
        "method",
        "dim",
        "window",
        "min count",
        "epochs",
        "architecture",
        "negative samples",
        "subsampling",
        "seed",
        "corpus",
        "corpus id",
        "vocabulary",
        "training s",
        "created",
    } <= set(table.columns)
    row = table.set_index("run").loc[newer]
    assert (
        row["method"],
        row["dim"],
        row["window"],
        row["min count"],
        row["epochs"],
        row["architecture"],
        row["seed"],
        row["corpus"],
    ) == ("Word2Vec", 6, 3, 2, 1, "skip-gram", 2, "tiny.txt")
    assert row["vocabulary"] == store.get_run(newer).vocab_size
    assert table.set_index("run").loc[older, "architecture"] == "CBOW"


@pytest.mark.slow
def test_download_buttons_give_the_selected_runs_vectors_in_three_formats(two_runs, deferred_downloads):
    older, newer = two_runs
    at = _runs_page()
    at.selectbox(key="runs_selected").set_value(older).run()
    assert not at.exception
    buttons = {b.proto.id.split("-", 2)[2]: b.proto for b in at.get("download_button")}  # "$$ID-<hash>-<key>"
    assert set(buttons) == {"runs_download_word2vec", "runs_download_word2vec-binary", "runs_download_projector"}
    files = {}
    for proto in buttons.values():
        name, mime, make = deferred_downloads[proto.deferred_file_id]
        files[name] = (mime, make())
    assert set(files) == {f"{older}.txt", f"{older}.bin", f"{older}-projector.zip"}
    trained = read_vectors(store.runs_dir() / older / "vectors.bin")
    mime, text = files[f"{older}.txt"]
    assert mime == "text/plain" and text.decode().startswith(f"{len(trained)} 8\n")
    assert files[f"{older}.bin"][1] == (store.runs_dir() / older / "vectors.bin").read_bytes()
    mime, data = files[f"{older}-projector.zip"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert mime == "application/zip" and sorted(archive.namelist()) == ["metadata.tsv", "vectors.tsv"]
    assert np.loadtxt(archive.open("vectors.tsv"), delimiter="\t").shape == (len(trained), 8)


@pytest.mark.slow
def test_delete_asks_for_confirmation_and_removes_only_that_run(two_runs):
    older, newer = two_runs
    at = _runs_page()
    at.selectbox(key="runs_selected").set_value(older).run()
    at.button(key="runs_delete").click().run()
    assert not at.exception
    (question,) = [w.value for w in at.warning if "cannot be undone" in w.value]  # (the tiny runs' health aside)
    assert older in question and question.startswith("Delete run Word2Vec · dim")  # its readable name first
    assert store.get_run(older) is not None  # nothing happens before the confirmation
    at.button(key="runs_delete_cancel").click().run()
    assert not _questions(at) and store.get_run(older) is not None
    at.button(key="runs_delete").click().run()
    at.button(key="runs_delete_confirm").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Deleted run Word2Vec · dim") and f"(`{older}`)" in at.success[0].value
    assert store.get_run(older) is None and not (store.runs_dir() / older).exists()
    assert _table(at, "run")["run"].tolist() == [newer]
    assert (store.runs_dir() / newer / "vectors.bin").is_file() and store.get_run(newer) is not None
    assert at.selectbox(key="runs_selected").value == newer


@pytest.mark.slow
def test_a_pending_delete_is_dropped_when_another_run_is_selected(two_runs):
    older, newer = two_runs
    at = _runs_page()
    at.selectbox(key="runs_selected").set_value(older).run()
    at.button(key="runs_delete").click().run()
    at.selectbox(key="runs_selected").set_value(newer).run()
    assert not _questions(at)  # the question was about the other run: no confirm button for this one
    with pytest.raises(KeyError):
        at.button(key="runs_delete_confirm")


def _glove(rows: int = 5, dim: int = 4) -> bytes:
    vectors = np.random.default_rng(0).normal(size=(rows, dim))
    return "".join(f"w{i} " + " ".join(f"{x:.5f}" for x in row) + "\n" for i, row in enumerate(vectors)).encode()


@pytest.mark.slow
def test_uploading_vectors_adds_a_space_and_lists_it(fresh_home):
    at = _runs_page()
    at.file_uploader(key="vectors_upload").set_value(("glove.small.txt", _glove(), "text/plain")).run()
    at.button(key="vectors_add").click().run()
    assert not at.exception and not at.error
    assert "glove.small.txt: 5 words × 4 dimensions (GloVe text)" in at.success[0].value
    [item] = spaces.list_uploaded_vectors()
    table = _table(at, "space")
    assert table[["name", "words", "dim"]].values.tolist() == [["glove.small.txt", 5, 4]]
    assert table["space"].tolist() == [item.spec] and item.spec in spaces.space_choices()


@pytest.mark.slow
def test_malformed_upload_shows_the_line_and_stores_nothing(fresh_home):
    at = _runs_page()
    bad = b"3 4\nw0 1 2 3 4\nw1 1 2 3\nw2 1 2 3 4\n"
    at.file_uploader(key="vectors_upload").set_value(("bad.vec", bad, "text/plain")).run()
    at.button(key="vectors_add").click().run()
    assert not at.exception
    assert at.error[0].value == (
        "bad.vec, line 3: expected 4 numbers after the word (the header on line 1 says 4), "
        "found 3 (read as word2vec text)"
    )
    assert spaces.list_uploaded_vectors() == [] and list((fresh_home / "vectors").iterdir()) == []
    assert "No vectors files added yet" in at.caption[-1].value


@pytest.mark.slow
def test_deleting_an_uploaded_vectors_file_needs_confirmation(fresh_home):
    kept = spaces.save_uploaded_vectors("kept.txt", _glove(3))
    gone = spaces.save_uploaded_vectors("gone.txt", _glove(4))
    at = _runs_page()
    assert _table(at, "space")["name"].tolist() == ["gone.txt", "kept.txt"]
    at.selectbox(key="vectors_selected").set_value(gone.id).run()
    at.button(key="vectors_delete").click().run()
    assert "gone.txt" in at.warning[0].value and gone.path.exists()
    at.button(key="vectors_delete_confirm").click().run()
    assert not at.exception and "Deleted the vectors file gone.txt" in at.success[0].value
    assert not gone.path.exists() and spaces.list_uploaded_vectors() == [kept]
    assert _table(at, "space")["name"].tolist() == ["kept.txt"]
