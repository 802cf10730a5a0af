"""Vectors files whose words are odd (not UTF-8, cut, holding spaces or a no-break space), read with a limit or by
path, and rows of zeros: nothing merged, nothing dropped without being named, exports read back by gensim unchanged.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from embedlab import analysis, spaces
from embedlab.cli import main
from embedlab.spaces import (
    EmbeddingSpace,
    VectorFormat,
    normalise_rows,
    read_vectors,
    register_vectors_path,
    save_uploaded_vectors,
    write_vectors,
)


def _binary(words: list[bytes], vectors: np.ndarray) -> bytes:
    """word2vec binary as the C tool writes it, from raw word bytes."""
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    out += [w + b" " + row.astype("<f4").tobytes() + b"\n" for w, row in zip(words, vectors)]
    return b"".join(out)


def _text(lines: list[bytes], vectors: np.ndarray, header: bool) -> bytes:
    head = [f"{len(lines)} {vectors.shape[1]}\n".encode()] if header else []
    return b"".join(
        head + [w + b" " + " ".join(f"{x:.9g}" for x in row).encode() + b"\n" for w, row in zip(lines, vectors)]
    )


def _rows(n: int, dim: int = 5, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def _gensim(path, binary: bool, **options):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(path), binary=binary, **options)


# --- words that are not UTF-8 ----------------------------------------------------------------------------------

RAW = [
    b"king",
    "na\u00efve".encode(),  # valid UTF-8, non-ASCII
    b"caf\xe9",  # Latin-1 café
    b"caf\xe8",  # Latin-1 cafè: differs from the last only in its last byte
    "\u6771\u4eac\u5927".encode() + "\u5b66".encode()[:2],  # UTF-8 cut mid-character by the writer's byte limit
    "\u6771\u4eac".encode() + "\u5927".encode()[:2],  # cut to a prefix another word already has? no: 東京 is free
    "\u6771\u4eac".encode(),  # ... but here it is, so the word above needs its escaped name
    b"\x92quote",  # Windows-1252 right quote
    b"\x81",  # a byte neither Latin-1 text nor Windows-1252 defines: still a name of its own
]


def test_words_that_are_not_utf8_keep_distinct_names_and_are_listed(tmp_path):
    vectors = _rows(len(RAW))
    path = tmp_path / "bad.bin"
    path.write_bytes(_binary(RAW, vectors))
    found = read_vectors(path)
    assert found.format is VectorFormat.WORD2VEC_BINARY and found.duplicates == 0
    assert len(found) == len(RAW) and len(set(found.words)) == len(RAW)  # nothing merged, nothing dropped
    np.testing.assert_array_equal(found.vectors, vectors)
    assert found.words == (
        "king",
        "na\u00efve",
        "caf\u00e9",
        "caf\u00e8",
        "\u6771\u4eac\u5927",
        "\u6771\u4eac\\xe5\\xa4",  # its readable name (東京) is another word's: the escaped bytes instead
        "\u6771\u4eac",
        "\u2019quote",
        "\x81",
    )
    renamed = {r.raw: (r.word, r.reason) for r in found.renamed}
    assert renamed == {
        "caf\\xe9": ("caf\u00e9", "not UTF-8, read as Latin-1/Windows-1252"),
        "caf\\xe8": ("caf\u00e8", "not UTF-8, read as Latin-1/Windows-1252"),
        "\u6771\u4eac\u5927\\xe5\\xad": ("\u6771\u4eac\u5927", "last character cut by the writer's byte limit"),
        "\u6771\u4eac\\xe5\\xa4": ("\u6771\u4eac\\xe5\\xa4", "last character cut by the writer's byte limit"),
        "\\x92quote": ("\u2019quote", "not UTF-8, read as Latin-1/Windows-1252"),
        "\\x81": ("\x81", "not UTF-8, read as Latin-1/Windows-1252"),
    }
    assert found.notes()[0].startswith("6 words renamed: 'caf\\xe9' → 'café'")
    # gensim reads as many vectors only with backslashreplace; with replace it merges café/cafè
    assert len(_gensim(path, True, unicode_errors="backslashreplace")) == len(RAW)
    assert len(set(_gensim(path, True, unicode_errors="replace").index_to_key) - {None}) < len(RAW)


def test_the_same_bad_bytes_twice_are_one_word_repeated_not_two(tmp_path):
    path = tmp_path / "rep.bin"
    path.write_bytes(_binary([b"caf\xe9", b"tea", b"caf\xe9"], _rows(3)))
    found = read_vectors(path)
    assert found.words == ("caf\u00e9", "tea") and found.duplicates == 1 and found.repeated == ("caf\u00e9",)
    assert "1 repeated entry dropped, each word keeping its first vector: 'café'" in found.notes()


def test_upload_of_bad_utf8_binary_reports_renamed_words_not_repeats(fresh_home):
    added = save_uploaded_vectors("bad.bin", _binary(RAW, _rows(len(RAW))))
    assert added.words == len(RAW) and added.duplicates == 0 and added.renamed == 6
    assert added.notes and added.notes[0].startswith("6 words renamed")
    assert spaces.list_uploaded_vectors()[0].notes == added.notes  # kept with the file


# --- words holding spaces (GloVe Common Crawl lines with more fields than dim + 1) -----------------------------


@pytest.mark.parametrize("header", [False, True], ids=["glove", "word2vec-text"])
def test_lines_whose_word_holds_spaces_are_read_and_renamed(tmp_path, header):
    lines = [b". . .", b"the", b"at name@example.com", b"of", b"new york", b"new_york", b"and", b"a\tb"]
    vectors = _rows(len(lines))
    path = tmp_path / "cc.txt"
    path.write_bytes(_text(lines, vectors, header))
    found = read_vectors(path)
    assert found.format is (VectorFormat.WORD2VEC_TEXT if header else VectorFormat.GLOVE_TEXT)
    assert found.words == ("._._.", "the", "at_name@example.com", "of", "new\\x20york", "new_york", "and", "a_b")
    np.testing.assert_array_equal(found.vectors, vectors)
    assert {r.word: r.reason for r in found.renamed} == {
        "._._.": "held spaces",
        "at_name@example.com": "held spaces",
        "new\\x20york": "held spaces",  # new_york is another word's name: nothing merges
        "a_b": "held spaces",
    }


def test_a_line_with_one_number_too_many_is_still_malformed(tmp_path):
    path = tmp_path / "g.txt"
    path.write_bytes(b"a 1 2\nb 1 2\nc 1 2 3\n")
    with pytest.raises(ValueError, match="line 3: expected 2 numbers after the word"):
        read_vectors(path)


# --- exports: every word we hold is written so that gensim reads it back unchanged -----------------------------

# Letters of many scripts, marks, no-break and other non-ASCII spaces, controls other than ASCII whitespace.
ALPHABET = hst.characters(blacklist_categories=("Cs",), blacklist_characters=" \t\n\r\x0b\x0c") | hst.sampled_from(
    list("\u00a0\u2007\u202f\u3000\u2028\x85\x1c\u0301\u094d")
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=hst.lists(hst.text(ALPHABET, min_size=1, max_size=8), min_size=1, max_size=12, unique=True))
def test_any_word_we_hold_round_trips_through_gensim_and_us(tmp_path, words):
    vectors = _rows(len(words), 3)
    for fmt, binary in (("word2vec", False), ("word2vec-binary", True)):
        out = write_vectors(tmp_path / f"out-{fmt}", words, vectors, fmt=fmt)
        kv = _gensim(out, binary)
        assert kv.index_to_key == list(words)
        np.testing.assert_array_equal(kv.vectors, vectors)
        again = read_vectors(out)
        assert again.words == tuple(words) and not again.renamed
        np.testing.assert_array_equal(again.vectors, vectors)


def test_no_break_space_words_are_read_whole_and_exported(tmp_path):
    path = tmp_path / "nbsp.vec"
    path.write_bytes(_text(["new\u00a0york".encode(), b"york", "\u3000x".encode()], _rows(3), header=True))
    found = read_vectors(path)
    assert found.words == ("new\u00a0york", "york", "\u3000x") and not found.renamed
    space = EmbeddingSpace("s", found.words, normalise_rows(found.vectors), np.zeros(3, np.int64), "test")
    for fmt, binary in (("word2vec", False), ("word2vec-binary", True)):
        out = spaces.export_space(space, tmp_path / f"e-{fmt}", fmt=fmt)
        assert _gensim(out, binary).index_to_key == list(found.words)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=hst.lists(hst.binary(min_size=1, max_size=6), min_size=1, max_size=10, unique=True))
def test_any_distinct_raw_words_get_distinct_names_that_export_unchanged(tmp_path, raw):
    raw = [w.replace(b" ", b"").lstrip(b"\r\n") or b"x" for w in raw]
    raw = list(dict.fromkeys(raw))
    vectors = _rows(len(raw), 3)
    path = tmp_path / "raw.bin"
    path.write_bytes(_binary(raw, vectors))
    found = read_vectors(path, fmt="word2vec binary")
    assert len(found) == len(raw) and found.duplicates == 0  # distinct bytes never merge
    np.testing.assert_array_equal(found.vectors, vectors)
    out = write_vectors(tmp_path / "back.bin", found.words, found.vectors, fmt="word2vec-binary")
    assert _gensim(out, True).index_to_key == list(found.words)


# --- limit: the first N words, streaming -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary"])
def test_limit_keeps_the_first_n_words_as_gensim_does(tmp_path, fmt):
    words = [f"w{i}" for i in range(50)]
    vectors = _rows(50, 4)
    if fmt == "glove":
        path = tmp_path / "g.txt"
        path.write_bytes(_text([w.encode() for w in words], vectors, header=False))
    else:
        path = write_vectors(tmp_path / "v", words, vectors, fmt=fmt)
    found = read_vectors(path, limit=20)
    assert found.words == tuple(words[:20]) and not found.complete and found.limit == 20
    np.testing.assert_array_equal(found.vectors, vectors[:20])
    assert any("kept the first 20 words (limit 20)" in note for note in found.notes())
    kv = _gensim(path, fmt == "word2vec-binary", limit=20, no_header=fmt == "glove")
    assert kv.index_to_key == list(found.words)
    whole = read_vectors(path, limit=50)
    assert whole.complete and len(whole) == 50


@pytest.mark.slow
def test_reading_with_a_limit_uses_memory_for_what_is_kept_not_the_file(tmp_path):
    dim, total, kept = 50, 40_000, 1_000
    rng = np.random.default_rng(0)
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        for start in range(0, total, 5_000):
            block = rng.normal(size=(5_000, dim)).astype(np.float32)
            handle.write(_text([f"w{start + i}".encode() for i in range(5_000)], block, header=False))
    assert path.stat().st_size > 20 * 1024 * 1024  # the file: > 20 MB; what is kept: 200 KB of floats
    tracemalloc.start()
    try:
        found = read_vectors(path, limit=kept)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(found) == kept
    assert peak < 3 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while keeping {kept * dim * 4 / 1e6:.1f} MB"


# --- register a file by its path -------------------------------------------------------------------------------


def test_register_by_path_keeps_the_first_words_and_opens_as_a_space(fresh_home, tmp_path, monkeypatch):
    lines = [b"padding", b"the", b"caf\xe9", b"of", b"and", b"to"]
    vectors = _rows(len(lines), 4)
    vectors[0] = 0
    source = tmp_path / "glove.cc.txt"
    source.write_bytes(_text(lines, vectors, header=False))
    added = register_vectors_path(source, limit=4)
    assert added.words == 4 and added.dim == 4 and added.format == "GloVe text" and added.limit == 4
    assert added.source == str(source.resolve()) and added.name == "glove.cc.txt (first 4 words)"
    assert added.zero_words == ("padding",) and added.renamed == 1
    assert any("all-zero vector" in note and "'padding'" in note for note in added.notes)
    space = spaces.load_space(added.spec)
    assert space.words == ("the", "caf\u00e9", "of") and space.zero_words == ("padding",)
    np.testing.assert_allclose(space.vectors, normalise_rows(vectors[1:4]), atol=1e-6)
    assert _gensim(added.path, True).index_to_key == ["padding", "the", "caf\u00e9", "of"]  # stored: binary

    monkeypatch.setattr(spaces.uploads, "read_vectors", lambda *a, **k: pytest.fail("read again"))
    assert register_vectors_path(source, limit=4).id == added.id  # the same file and limit: not read again
    assert [item.id for item in spaces.list_uploaded_vectors()] == [added.id]
    spaces.delete_uploaded_vectors(added.id)
    assert sorted(p.name for p in (fresh_home / "vectors").iterdir()) == []


@pytest.mark.parametrize("bad, message", [("missing.txt", "no such vectors file"), (".", "is a folder")])
def test_register_by_path_refuses_what_is_not_a_file(fresh_home, tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        register_vectors_path(tmp_path / bad)
    with pytest.raises(ValueError, match="limit must be at least 1"):
        register_vectors_path(__file__, limit=0)


def test_cli_adds_a_vectors_file_by_path_with_a_limit(fresh_home, tmp_path, capsys):
    source = tmp_path / "v.txt"
    source.write_bytes(_text([f"w{i}".encode() for i in range(30)], _rows(30, 3), header=True))
    assert main(["add-vectors", str(source), "--limit", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["words"] == 10 and out["limit"] == 10 and out["space"].startswith("vectors:")
    assert out["space"] in spaces.space_choices()


# --- rows of zeros ---------------------------------------------------------------------------------------------


def _space(name, words, vectors, counts=None):
    counts = np.zeros(len(words), np.int64) if counts is None else counts
    return EmbeddingSpace(name, tuple(words), normalise_rows(vectors), counts, "test")


@pytest.fixture(scope="module")
def pair():
    words = [f"w{i}" for i in range(40)]
    a, b = _rows(40, 6, 1), _rows(40, 6, 2)
    return words, a, b


def test_zero_rows_are_left_out_and_named_and_change_no_other_score(pair):
    words, a, b = pair
    zero = np.zeros((3, a.shape[1]), np.float32)
    tiny = np.full((1, a.shape[1]), 1e-45, np.float32)  # a denormal row has no direction either
    pad = ["<pad>", "<unk>", "w_zero", "tiny"]
    with_a = _space("A", pad[:3] + words + pad[3:], np.vstack([zero, a, tiny]))
    with_b = _space("B", words[:5] + pad + words[5:], np.vstack([b[:5], zero, tiny, b[5:]]))
    assert with_a.zero_words == ("<pad>", "<unk>", "w_zero", "tiny") and with_a.words == tuple(words)
    assert with_b.zero_words == ("<pad>", "<unk>", "w_zero", "tiny") and len(with_b) == 40
    summary, frame = analysis.compare_spaces(with_a, with_b, k=5)
    plain_summary, plain_frame = analysis.compare_spaces(_space("A", words, a), _space("B", words, b), k=5)
    assert summary.zero_a == summary.zero_b == ("<pad>", "<unk>", "w_zero", "tiny")
    assert summary.mean_jaccard == plain_summary.mean_jaccard and summary.shared_words == 40
    assert summary.only_a == summary.only_b == 0
    assert frame.equals(plain_frame) and not set(pad) & set(frame.word)
    for word in words[:10]:
        assert not set(pad) & {n.word for n in analysis.nearest(with_a, word, k=39)}
    with pytest.raises(ValueError, match="'<pad>' has an all-zero vector in A"):
        analysis.nearest(with_a, "<pad>")
    assert with_a.subset(words[:3]).zero_words == with_a.zero_words


def test_a_space_of_zero_rows_file_names_them_on_upload_and_on_load(fresh_home, tmp_path):
    lines = [b"padding", b"king", b"unknown", b"queen", b"crown"]
    vectors = _rows(5, 4)
    vectors[[0, 2]] = 0
    added = save_uploaded_vectors("z.vec", _text(lines, vectors, header=True))
    assert added.words == 5 and added.zero_words == ("padding", "unknown")  # the file holds 5; 2 are left out
    assert any(note.startswith("2 words with an all-zero vector") for note in added.notes)
    space = spaces.load_space(added.spec)
    assert space.words == ("king", "queen", "crown") and space.zero_words == ("padding", "unknown")


def test_cli_compare_names_zero_rows(fresh_home, tmp_path, capsys):
    lines = [b"padding"] + [f"w{i}".encode() for i in range(12)]
    first, second = _rows(13, 4, 1), _rows(13, 4, 2)
    first[0] = second[0] = 0
    paths = []
    for name, vectors in (("a.vec", first), ("b.vec", second)):
        (tmp_path / name).write_bytes(_text(lines, vectors, header=True))
        paths.append(f"vectors:{tmp_path / name}")
    assert main(["compare", "--a", paths[0], "--b", paths[1], "--k", "3", "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["zero_a"] == out["zero_b"] == ["padding"] and out["shared_words"] == 12
    assert "padding" not in {row["word"] for row in out["words"]}
    assert "leaves out 1 word with an all-zero vector" in captured.err


# --- the Runs page -----------------------------------------------------------------------------------------------


def _runs_page():
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/runs.py")
    return at.run()


@pytest.mark.slow
def test_runs_page_adds_a_file_by_path_keeping_n_words_and_names_what_it_left_out(fresh_home, tmp_path):
    lines = [b"padding", b"king", b"caf\xe9", b"queen", b"crown", b"throne"]
    vectors = _rows(len(lines), 4)
    vectors[0] = 0
    source = tmp_path / "big.vec"
    source.write_bytes(_text(lines, vectors, header=True))
    at = _runs_page()
    at.text_input(key="vectors_path").set_value(str(source)).run()
    at.number_input(key="vectors_path_limit").set_value(4).run()
    at.button(key="vectors_path_add").click().run()
    assert not at.exception and not at.error
    assert "big.vec (first 4 words): 4 words × 4 dimensions" in at.success[0].value
    shown = " ".join(info.value for info in at.info)
    # the Markdown source shown: its backslash escaped
    assert "renamed: 'caf\\\\xe9' → 'café'" in shown and "all-zero vector" in shown and "'padding'" in shown
    [item] = spaces.list_uploaded_vectors()
    table = next(frame.value for frame in at.dataframe if "space" in frame.value.columns)
    assert table[["words", "zero rows", "renamed", "source"]].values.tolist() == [[4, 1, 1, str(source.resolve())]]
    assert item.spec in spaces.space_choices()


@pytest.mark.slow
def test_runs_page_says_why_a_path_is_refused(fresh_home, tmp_path):
    at = _runs_page()
    at.text_input(key="vectors_path").set_value(str(tmp_path / "nope.txt")).run()
    at.button(key="vectors_path_add").click().run()
    assert not at.exception and "no such vectors file" in at.error[0].value
