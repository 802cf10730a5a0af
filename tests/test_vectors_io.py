"""Vectors files: reading every format with line-numbered errors, writing, uploads, deleting runs (vectors_io)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from conftest import ROOT, TINY_TEXT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from embedlab import config, spaces, store
from embedlab.cli import main
from embedlab.spaces import ExportFormat, VectorFormat, read_vectors, save_uploaded_vectors, write_vectors

CONTEXT = "baseline@context"  # the baseline read in context is always a choice too
DEBIASED = "baseline@debiased"  # and its debiased copy

WORDS = ("matrix", "eigenvalue", "über", "naïve", "x", "數學")


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return np.random.default_rng(3).normal(size=(len(WORDS), 7)).astype(np.float32)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _glove_bytes(words, vectors) -> bytes:
    return "".join(f"{w} " + " ".join(f"{x:.9g}" for x in row) + "\n" for w, row in zip(words, vectors)).encode()


# --- round trips --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, kind", [("word2vec", VectorFormat.WORD2VEC_TEXT), ("word2vec-binary", VectorFormat.WORD2VEC_BINARY)]
)
def test_word2vec_text_and_binary_round_trip_exactly(tmp_path, vectors, fmt, kind):
    out = write_vectors(tmp_path / "out.vec", WORDS, vectors, fmt=fmt)
    found = read_vectors(out)
    assert found.format is kind and found.words == WORDS and found.duplicates == 0
    assert found.vectors.dtype == np.float32 and found.dim == 7
    np.testing.assert_array_equal(found.vectors, vectors)  # 9 significant digits give float32 back exactly
    assert [p.name for p in tmp_path.iterdir()] == ["out.vec"]  # no temp file left beside it


@pytest.mark.parametrize("binary", [False, True])
def test_files_we_write_load_in_gensim(tmp_path, vectors, binary):
    from gensim.models import KeyedVectors

    out = write_vectors(tmp_path / "out", WORDS, vectors, fmt="word2vec-binary" if binary else "word2vec")
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert tuple(kv.index_to_key) == WORDS
    np.testing.assert_array_equal(kv.vectors, vectors)


def test_glove_text_is_read_and_its_first_line_sets_the_dimension(tmp_path, vectors):
    found = read_vectors(_write(tmp_path, "glove.6B.7d.txt", _glove_bytes(WORDS, vectors)))
    assert found.format is VectorFormat.GLOVE_TEXT and found.words == WORDS
    np.testing.assert_array_equal(found.vectors, vectors)


def test_fasttext_vec_with_trailing_spaces_crlf_and_bom_is_word2vec_text(tmp_path):
    data = "\ufeff3 2\r\n, 0.5 -1 \r\nthe 1e-3 2 \r\n\r\nof 3 4 \r\n".encode()
    found = read_vectors(_write(tmp_path, "wiki.en.vec", data))
    assert found.format is VectorFormat.WORD2VEC_TEXT and found.words == (",", "the", "of")
    np.testing.assert_allclose(found.vectors, [[0.5, -1], [1e-3, 2], [3, 4]])


def test_binary_as_gensim_writes_it_without_newlines_is_read(tmp_path, vectors):
    data = b"2 7\n" + b"".join(w.encode() + b" " + v.astype("<f4").tobytes() for w, v in zip(WORDS[:2], vectors))
    found = read_vectors(_write(tmp_path, "g.bin", data))
    assert found.format is VectorFormat.WORD2VEC_BINARY and found.words == WORDS[:2]
    np.testing.assert_array_equal(found.vectors, vectors[:2])


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=hst.lists(
        hst.text(hst.characters(blacklist_categories=["Cs", "Zs", "Zl", "Zp", "Cc"]), min_size=1, max_size=8),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    dim=hst.integers(1, 5),
    data=hst.data(),
    fmt=hst.sampled_from(["word2vec", "word2vec-binary"]),
)
def test_any_words_and_finite_vectors_round_trip(tmp_path, words, dim, data, fmt):
    words = [w for w in words if not any(ch.isspace() for ch in w)]
    if not words:
        return
    number = hst.floats(width=32, allow_nan=False, allow_infinity=False)
    rows = data.draw(hst.lists(hst.lists(number, min_size=dim, max_size=dim), min_size=len(words), max_size=len(words)))
    matrix = np.array(rows, dtype=np.float32).reshape(len(words), dim)
    found = read_vectors(write_vectors(tmp_path / f"prop.{fmt}", words, matrix, fmt=fmt))
    assert found.words == tuple(words)
    np.testing.assert_array_equal(found.vectors, matrix)


def test_projector_folder_and_zip_hold_the_same_rows_in_the_same_order(tmp_path, vectors):
    counts = [50, 40, 30, 20, 10, 0]
    folder = write_vectors(tmp_path / "projector", WORDS, vectors, counts, fmt="projector")
    table = np.loadtxt(folder / "vectors.tsv", delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(table, vectors)
    metadata = (folder / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert metadata[0] == "word\tcount"
    assert metadata[1:] == [f"{w}\t{c}" for w, c in zip(WORDS, counts)]
    assert "\t" in (folder / "vectors.tsv").read_text().splitlines()[0]
    archive = zipfile.ZipFile(write_vectors(tmp_path / "p.zip", WORDS, vectors, counts, fmt="projector"))
    assert sorted(archive.namelist()) == ["metadata.tsv", "vectors.tsv"]
    assert archive.read("vectors.tsv") == (folder / "vectors.tsv").read_bytes()
    assert archive.read("metadata.tsv") == (folder / "metadata.tsv").read_bytes()


def test_writing_is_atomic_and_refuses_words_a_file_cannot_hold(tmp_path, vectors):
    out = write_vectors(tmp_path / "v.txt", WORDS, vectors)
    before = out.read_bytes()
    with pytest.raises(ValueError, match="the word 'two words' is empty or holds whitespace"):
        write_vectors(out, ("two words",) + WORDS[1:], vectors)
    with pytest.raises(ValueError, match="format must be one of word2vec, word2vec-binary, projector, got 'csv'"):
        write_vectors(out, WORDS, vectors, fmt="csv")
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["v.txt"]


def test_export_space_keeps_the_old_binary_flag_and_takes_a_format(tmp_path):
    from conftest import make_space

    space = make_space(["a", "b"], [[3, 4], [0, 2]], counts=[7, 1])
    spaces.export_space(space, tmp_path / "s.bin", binary=True)
    assert read_vectors(tmp_path / "s.bin").format is VectorFormat.WORD2VEC_BINARY
    spaces.export_space(space, tmp_path / "proj", fmt=ExportFormat.PROJECTOR)
    assert (tmp_path / "proj" / "metadata.tsv").read_text() == "word\tcount\na\t7\nb\t1\n"


# --- malformed files: the line (or vector) and the reason ---------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"foo 1 2 3\nbar 1 2 3\n\nbaz 1 2\n", "line 4: expected 3 numbers after the word (as on line 1), found 2"),
        (
            b"3 2\nfoo 1 2\nbar 1 2 3\nbaz 1 2\n",
            "line 3: expected 2 numbers after the word (the header on line 1 says 2), found 3",
        ),
        (b"foo 1 2\nbar 1 abc\n", "line 2: 'abc' is not a number"),
        (b"foo 1 2\nbar 1,5 2\n", "line 2: '1,5' is not a number"),
        (b"2 2\nfoo 1 2\nbar nan 2\n", "line 3: 'nan' is not a finite number: NaN and infinity are not allowed"),
        (b"foo -inf 2\n", "line 1: '-inf' is not a finite number"),
        (b"foo 1e39 2\n", "line 1: '1e39' is too large for a 32-bit float"),
        (b"4 2\nfoo 1 2\nbar 3 4\n", "line 3: the file ends after 2 words, but its header (line 1) says 4"),
        (b"1 2\nfoo 1 2\nbar 3 4\n", "line 3: the header (line 1) says 1 word, but more follow"),
        (b"5 3\n", "line 1: the header says 5 words, but none follow"),
        (b"0 300\n", "line 1: the header says 0 words of 300 numbers: the file holds no vectors"),
        (
            b"1 900000000\nfoo 1\n",
            "line 2: expected 900,000,000 numbers after the word (the header on line 1 says 900,000,000), found 1",
        ),
        (b"hello\nworld\n", "line 1: 'hello' has no numbers after it; expected a word and its vector's numbers"),
        (b"\n\n  \nonly-a-word\n", "line 4: 'only-a-word' has no numbers after it"),
    ],
)
def test_malformed_text_names_the_file_line_and_reason(tmp_path, data, expected):
    path = _write(tmp_path, "vectors.txt", data)
    with pytest.raises(ValueError) as caught:
        read_vectors(path, name="vectors.txt")
    assert str(caught.value).startswith(f"vectors.txt, {expected}")
    assert "(read as " in str(caught.value)


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"2 3\nfoo \x00\x00\x80\x3f", "vector 1 of 2 ('foo'): the file ends after 4 of its 12 bytes"),
        (b"2 1\nfoo \x00\x00\x80\x3f\nbar \x00\x00\xc0\x7f", "vector 2 of 2 ('bar'): it holds NaN or infinite values"),
        (b"3 1\nfoo \x00\x00\x80\x3f\n", "vector 2 of 3: the file ends after 1 word, but its header says 3"),
        (b"1 1\nfoo \x00\x00\x80\x3f\x00junk", "more bytes follow the 1 vectors its header announces"),
    ],
)
def test_malformed_binary_names_the_vector_and_reason(tmp_path, data, expected):
    path = _write(tmp_path, "model.bin", data)
    with pytest.raises(ValueError, match="read as word2vec binary") as caught:
        read_vectors(path, name="model.bin")
    assert expected in str(caught.value) and str(caught.value).startswith("model.bin")


def test_binary_looking_file_without_header_says_what_a_binary_file_needs(tmp_path):
    path = _write(tmp_path, "model.bin", b"foo \x00\x00\x80\x3f\x01\x02")
    with pytest.raises(ValueError, match="looks binary, but a word2vec binary file starts with a line"):
        read_vectors(path)


def test_duplicate_words_keep_their_first_vector_and_are_counted(tmp_path):
    found = read_vectors(_write(tmp_path, "dup.txt", b"a 1 0\nb 0 1\na 9 9\nb 8 8\na 7 7\nc 1 1\n"))
    assert found.words == ("a", "b", "c") and found.duplicates == 3
    np.testing.assert_array_equal(found.vectors, [[1, 0], [0, 1], [1, 1]])
    assert len(spaces.load_space(f"vectors:{tmp_path / 'dup.txt'}")) == 3  # a space's index stays consistent


# --- uploads ------------------------------------------------------------------------------------------------


def test_upload_is_checked_stored_once_and_listed_after_the_runs(fresh_home, vectors, tiny_text_corpus):
    data = _glove_bytes(WORDS, vectors)
    first = save_uploaded_vectors("C:\\Users\\me\\glove.small.txt", data)
    again = save_uploaded_vectors("renamed.txt", data)
    assert again == first and first.name == "glove.small.txt"
    assert first.words == len(WORDS) and first.dim == 7 and first.size == len(data) and first.format == "GloVe text"
    assert first.path.parent == (fresh_home / "vectors").resolve() and first.path.is_absolute()
    assert [p.name for p in (fresh_home / "vectors").iterdir()] == [first.path.name]  # one file, no temp left
    assert first.path.read_bytes() == data and first.spec == f"vectors:{first.path}"
    assert spaces.list_uploaded_vectors() == [first]
    assert spaces.space_choices() == [spaces.BASELINE, CONTEXT, first.spec, DEBIASED, first.spec + "@debiased"]
    assert spaces.space_labels([first.spec, spaces.BASELINE, first.spec + "@debiased"]) == {
        first.spec: "glove.small.txt (vectors file · 6 words)",
        spaces.BASELINE: "MiniLM baseline",
        first.spec + "@debiased": "glove.small.txt (vectors file · 6 words), debiased",
    }
    space = spaces.load_space(first.spec, tiny_text_corpus)
    assert space.words == WORDS and space.counts[0] == tiny_text_corpus.counts["matrix"]


def test_space_choices_order_is_baseline_runs_newest_first_then_uploads(fresh_home, two_runs, vectors):
    older, newer = two_runs
    upload = save_uploaded_vectors("mine.vec", _glove_bytes(WORDS, vectors))
    assert spaces.space_choices() == [
        spaces.BASELINE,
        CONTEXT,
        newer,
        older,
        upload.spec,
        DEBIASED,
        newer + "@debiased",
        older + "@debiased",
        upload.spec + "@debiased",
    ]


def test_malformed_upload_names_the_upload_and_line_and_stores_nothing(fresh_home):
    with pytest.raises(ValueError) as caught:
        save_uploaded_vectors("my vectors.txt", b"3 2\nfoo 1 2\nbar 1\nbaz 1 2\n")
    assert str(caught.value) == (
        "my vectors.txt, line 3: expected 2 numbers after the word (the header on line 1 "
        "says 2), found 1 (read as word2vec text)"
    )
    assert list((fresh_home / "vectors").iterdir()) == [] and spaces.list_uploaded_vectors() == []
    assert spaces.space_choices() == [spaces.BASELINE, CONTEXT, DEBIASED]


@pytest.mark.parametrize("data", [b"", b"\n \n"])
def test_empty_upload_is_refused(fresh_home, data):
    with pytest.raises(ValueError, match="empty.vec: empty file, expected word vectors"):
        save_uploaded_vectors("empty.vec", data)
    assert list((fresh_home / "vectors").iterdir()) == []


@pytest.mark.slow
def test_upload_over_the_size_limit_is_refused_with_the_limit(fresh_home, monkeypatch):
    monkeypatch.setattr(config, "MAX_VECTORS_MB", 1)
    big = b"w 1 2\n" * (1024 * 1024 // 6 + 1)
    with pytest.raises(ValueError, match=r"big.txt is 1.0 MB, over the 1 MB limit for vectors files"):
        save_uploaded_vectors("big.txt", big)
    assert spaces.list_uploaded_vectors() == []
    save_uploaded_vectors("small.txt", big[: 1024 * 1024 - 4])  # just under the limit is fine


def test_vectors_limit_fits_under_streamlits_upload_limit():
    import tomllib

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert 0 < config.MAX_VECTORS_MB <= settings["server"]["maxUploadSize"]


def test_binary_upload_is_stored_as_bin_and_deleted_with_its_row(fresh_home, vectors):
    data = spaces.word2vec_bytes(WORDS, vectors, binary=True)
    other = save_uploaded_vectors("other.txt", _glove_bytes(WORDS[:2], vectors[:2]))
    item = save_uploaded_vectors("GoogleNews-small.bin", data)
    assert item.format == "word2vec binary" and item.path.suffix == ".bin"
    assert [u.id for u in spaces.list_uploaded_vectors()] == [item.id, other.id]  # newest first
    spaces.delete_uploaded_vectors(item.id)
    assert not item.path.exists() and store.get_vectors(item.id) is None
    assert spaces.list_uploaded_vectors() == [other] and other.path.exists()
    assert item.spec not in spaces.space_choices()
    with pytest.raises(ValueError, match=f"no uploaded vectors file '{item.id}'"):
        spaces.delete_uploaded_vectors(item.id)


def test_an_upload_whose_file_vanished_is_not_listed_and_can_be_added_again(fresh_home, vectors):
    data = _glove_bytes(WORDS, vectors)
    item = save_uploaded_vectors("g.txt", data)
    item.path.unlink()
    assert spaces.list_uploaded_vectors() == []
    assert save_uploaded_vectors("g.txt", data).path.read_bytes() == data


# --- runs: delete and export --------------------------------------------------------------------------------


@pytest.fixture
def two_runs(fresh_home) -> tuple[str, str]:
    """Two tiny Word2Vec runs in a fresh home, the older first."""
    from embedlab.corpus import build_corpus
    from embedlab.training import TrainConfig, train_run

    built = build_corpus("tiny.txt", (TINY_TEXT * 5).encode())
    older = train_run(built, TrainConfig(dim=8, min_count=1, epochs=1, workers=1, seed=1)).id
    newer = train_run(built, TrainConfig(dim=6, min_count=2, epochs=1, workers=1, seed=2, sg=True)).id
    return older, newer


def test_delete_run_removes_its_folder_and_row_only(two_runs):
    older, newer = two_runs
    store.delete_run(older)
    assert store.get_run(older) is None and not (store.runs_dir() / older).exists()
    assert [r.id for r in store.list_runs()] == [newer] and (store.runs_dir() / newer / "vectors.bin").is_file()
    assert spaces.space_choices() == [spaces.BASELINE, CONTEXT, newer, DEBIASED, newer + "@debiased"]
    with pytest.raises(ValueError, match=f"no run '{older}' in the registry"):
        store.delete_run(older)


def test_run_exports_hold_the_vectors_as_trained(two_runs):
    run_id = two_runs[0]
    trained = read_vectors(store.runs_dir() / run_id / "vectors.bin")
    stored = (store.runs_dir() / run_id / "vectors.bin").read_bytes()
    assert spaces.run_export_bytes(run_id, "word2vec-binary") == stored
    text = spaces.run_export_bytes(run_id, "word2vec").decode("utf-8")
    assert text.splitlines()[0] == f"{len(trained)} 8"
    row = text.splitlines()[1].split(" ")
    assert row[0] == trained.words[0] and np.array(row[1:], np.float32).tolist() == trained.vectors[0].tolist()
    archive = zipfile.ZipFile(io.BytesIO(spaces.run_export_bytes(run_id, ExportFormat.PROJECTOR)))
    np.testing.assert_array_equal(
        np.loadtxt(archive.open("vectors.tsv"), delimiter="\t", dtype=np.float32), trained.vectors
    )
    metadata = archive.read("metadata.tsv").decode().splitlines()
    assert metadata[0] == "word\tcount" and len(metadata) == len(trained) + 1
    assert metadata[1] == f"the\t{(TINY_TEXT * 5).lower().split().count('the')}"  # the most frequent word
    assert spaces.export_file_name(run_id, "projector") == f"{run_id}-projector.zip"
    with pytest.raises(ValueError, match="no run 'run-20200101-000000-abcdef'"):
        spaces.run_export_bytes("run-20200101-000000-abcdef", "word2vec")


# --- CLI export ---------------------------------------------------------------------------------------------


def test_cli_exports_projector_as_folder_or_zip_and_binary(two_runs, tmp_path, capsys):
    run_id = two_runs[0]
    assert main(["export", run_id, "--format", "projector", "--out", str(tmp_path / "proj"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "projector" and result["out"] == str(tmp_path / "proj")
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == ["metadata.tsv", "vectors.tsv"]
    rows = np.loadtxt(tmp_path / "proj" / "vectors.tsv", delimiter="\t")
    assert rows.shape == (result["words"], 8)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-6)  # the CLI exports unit vectors
    assert main(["export", run_id, "--format", "projector", "--out", str(tmp_path / "p.zip")]) == 0
    assert sorted(zipfile.ZipFile(tmp_path / "p.zip").namelist()) == ["metadata.tsv", "vectors.tsv"]
    assert main(["export", run_id, "--format", "word2vec-binary", "--out", str(tmp_path / "v.bin")]) == 0
    assert read_vectors(tmp_path / "v.bin").format is VectorFormat.WORD2VEC_BINARY
    capsys.readouterr()
    assert main(["export", run_id, "--format", "word2vec", "--out", str(tmp_path / "proj")]) == 1
    assert "is a folder" in capsys.readouterr().err
