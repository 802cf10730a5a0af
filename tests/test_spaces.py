"""EmbeddingSpace, vectors files, space specs, runs and the bundled baseline (embedlab.spaces / baseline)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import make_space

from embedlab import config, store
from embedlab.analysis import nearest
from embedlab.spaces import (
    BASELINE,
    EmbeddingSpace,
    baseline,
    load_space,
    normalise_rows,
    read_vectors_file,
    space_choices,
    validate_spec,
)


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _unit_or_zero(matrix: np.ndarray) -> bool:
    norms = np.linalg.norm(matrix, axis=1)
    return bool(np.all(np.isclose(norms, 1.0, atol=1e-5) | (norms == 0)))


# --- read_vectors_file --------------------------------------------------------------------------------------


def test_word2vec_text_with_header(tmp_path):
    path = _write(tmp_path, "w2v.txt", "3 2\nfoo 1 0\nbär 0 2.5\nbaz -1 1\n".encode())
    words, vectors = read_vectors_file(path)
    assert words == ("foo", "bär", "baz")
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, [[1, 0], [0, 2.5], [-1, 1]])


def test_word2vec_binary_written_by_gensim(tmp_path):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "délta", "e"]
    expected = rng.normal(size=(5, 7)).astype(np.float32)
    kv = KeyedVectors(vector_size=7)
    kv.add_vectors(words, expected)
    path = tmp_path / "vectors.bin"
    kv.save_word2vec_format(str(path), binary=True)
    read_words, vectors = read_vectors_file(path)
    assert read_words == tuple(words)
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, expected)


def test_glove_text_without_header(tmp_path):
    path = _write(tmp_path, "glove.6B.3d.txt", b"the 0.1 0.2 0.3\nof -1 0 1\n, 5 5 5\n")
    words, vectors = read_vectors_file(path)
    assert words == ("the", "of", ",")
    np.testing.assert_allclose(vectors, [[0.1, 0.2, 0.3], [-1, 0, 1], [5, 5, 5]], rtol=1e-6)


def test_word2vec_text_with_a_non_utf8_word_is_read_as_text(tmp_path):
    """A cp1252 word in a text file with a header must not make the file look binary."""
    path = _write(tmp_path, "latin.txt", b"2 3\ncaf\xe9 1.5 2.25 3\nbar 4 5 6\n")
    words, vectors = read_vectors_file(path)
    assert words[1] == "bar" and words[0].startswith("caf")
    np.testing.assert_array_equal(vectors, [[1.5, 2.25, 3], [4, 5, 6]])


@pytest.mark.parametrize(
    "name, data, kind, place_and_reason",
    [
        (
            "short_rows.txt",
            b"2 3\nfoo 1 2\nbar 3 4\n",
            "word2vec text",
            "line 2: expected 3 numbers after the word (the header on line 1 says 3), found 2",
        ),
        (
            "too_few_rows.txt",
            b"5 2\nfoo 1 2\nbar 3 4\n",
            "word2vec text",
            "line 3: the file ends after 2 words, but its header (line 1) says 5",
        ),
        ("header_only.txt", b"3 2\n", "word2vec text", "line 1: the header says 3 words, but none follow"),
        (
            "ragged.txt",
            b"foo 1 2 3\nbar 1 2\n",
            "GloVe text",
            "line 2: expected 3 numbers after the word (as on line 1), found 2",
        ),
        ("words.txt", b"foo a b c\nbar 1 2 3\n", "GloVe text", "line 1: 'a' is not a number"),
        (
            "cut.bin",
            b"2 3\nfoo \x00\x00\x80\x3f\x00\x00\x80\x3f",
            "word2vec binary",
            "vector 1 of 2 ('foo'): the file ends after 8 of its 12 bytes",
        ),
    ],
)
def test_malformed_vectors_file_is_a_value_error_naming_path_place_and_format(
    tmp_path, name, data, kind, place_and_reason
):
    path = _write(tmp_path, name, data)
    with pytest.raises(ValueError) as caught:
        read_vectors_file(path)
    assert str(caught.value) == f"{path}, {place_and_reason} (read as {kind})"


def test_garbage_bytes_are_a_value_error_naming_the_path(tmp_path):
    path = _write(tmp_path, "garbage.vec", np.random.default_rng(0).bytes(4096))
    with pytest.raises(ValueError, match=str(path)):
        read_vectors_file(path)


@pytest.mark.parametrize("data", [b"hello\nworld\n", b"just-one-token"], ids=["word-list", "one-token"])
def test_file_without_numbers_is_not_a_vectors_file(tmp_path, data):
    """A plain word list has no vectors: it must not load as a space of 0-dimensional vectors."""
    path = _write(tmp_path, "words.txt", data)
    with pytest.raises(ValueError, match=str(path)):
        read_vectors_file(path)


def test_non_finite_values_are_rejected(tmp_path):
    """NaN/inf rows would silently poison every similarity; the space invariant is unit-or-zero rows."""
    path = _write(tmp_path, "nan.txt", b"2 2\nfoo nan 1\nbar 1 inf\n")
    with pytest.raises(ValueError, match=str(path)):
        load_space(f"vectors:{path}")


@pytest.mark.parametrize("data", [b"", b"\n", b"   \n"])
def test_empty_file_is_a_value_error(tmp_path, data):
    path = _write(tmp_path, "empty.txt", data)
    with pytest.raises(ValueError, match=f"{path}: empty file, expected word vectors"):
        read_vectors_file(path)


def test_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="no such vectors file: .*nope.txt"):
        read_vectors_file(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="no such vectors file"):
        load_space(f"vectors:{tmp_path / 'nope.txt'}")


# --- load_space('vectors:...'), normalise_rows, EmbeddingSpace ---------------------------------------------


def test_load_space_from_vectors_file_gives_unit_float32_rows_and_corpus_counts(tmp_path, fresh_home):
    from embedlab.corpus import build_corpus

    corpus = build_corpus("c.txt", b"foo foo foo bar")
    path = _write(tmp_path, "w2v.txt", b"3 3\nfoo 3 4 0\nbar 0 0 -2\nzero 0 0 0\n")
    space = load_space(f"  vectors:{path} ", corpus)
    assert space.name == f"vectors:{path}"
    # The all-zero row has no direction: left out of the space, and named.
    assert space.words == ("foo", "bar") and len(space) == 2 and space.dim == 3 and space.zero_words == ("zero",)
    assert "foo" in space and "baz" not in space and "zero" not in space and space.index["bar"] == 1
    assert space.vectors.dtype == np.float32
    np.testing.assert_allclose(space.vectors, [[0.6, 0.8, 0], [0, 0, -1]], atol=1e-7)
    assert space.counts.dtype == np.int64 and space.counts.tolist() == [3, 1]
    assert space.piece_counter is None and str(path) in space.source


def test_load_space_without_corpus_has_zero_counts(tmp_path):
    path = _write(tmp_path, "g.txt", b"a 1 1\nb 2 0\n")
    space = load_space(f"vectors:{path}")
    assert space.counts.tolist() == [0, 0]
    assert _unit_or_zero(space.vectors)


def test_normalise_rows_keeps_zero_rows_zero():
    result = normalise_rows(np.array([[3, 4], [0, 0], [-2, 0], [1e-30, 0]], dtype=np.float64))
    assert result.dtype == np.float32
    assert not np.isnan(result).any()
    np.testing.assert_allclose(result[:3], [[0.6, 0.8], [0, 0], [-1, 0]])
    np.testing.assert_allclose(np.linalg.norm(result, axis=1)[[0, 2]], 1.0, rtol=1e-6)


def test_normalise_rows_of_int_input_and_empty_matrix():
    np.testing.assert_allclose(normalise_rows([[0, 5]]), [[0, 1]])
    assert normalise_rows(np.zeros((0, 4))).shape == (0, 4)


def test_space_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="space bad: 2 words but 3 vectors and 2 counts"):
        EmbeddingSpace("bad", ("a", "b"), np.zeros((3, 2), np.float32), np.zeros(2, np.int64), "test")


def test_subset_keeps_requested_order():
    space = make_space(["a", "b", "c"], np.eye(3), counts=[5, 6, 7])
    sub = space.subset(["c", "a"])
    assert sub.words == ("c", "a") and sub.index == {"c": 0, "a": 1}
    assert sub.counts.tolist() == [7, 5]
    np.testing.assert_array_equal(sub.vectors, np.eye(3, dtype=np.float32)[[2, 0]])


# --- specs and runs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("baseline", "baseline"),
        ("  baseline\n", "baseline"),
        ("run-20260101-120000-abc123", "run-20260101-120000-abc123"),
        ("vectors:/data/glove.txt", "vectors:/data/glove.txt"),
        ("vectors: ~/my vectors.bin", "vectors: ~/my vectors.bin"),
        ("baseline@debiased", "baseline@debiased"),
        ("baseline@context@debiased", "baseline@context@debiased"),
        ("run-20260101-120000-abc123@debiased", "run-20260101-120000-abc123@debiased"),
        ("vectors:/data/glove.txt@debiased", "vectors:/data/glove.txt@debiased"),
    ],
)
def test_validate_spec_accepts(spec, expected):
    assert validate_spec(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "Baseline",
        "run-1",
        "run-20260101-120000-ABC123",
        "run-20260101-120000-abc1234",
        "vectors:",
        "vectors:   ",
        "/etc/passwd",
        "file:/x",
        "c0123456789ab",
        "@debiased",
        "baseline@debiased@context",
        "vectors:@debiased",
    ],
)
def test_validate_spec_rejects_with_the_accepted_forms(spec):
    with pytest.raises(ValueError) as caught:
        validate_spec(spec)
    message = str(caught.value)
    assert f"unknown space '{spec.strip()}'" in message
    assert "'baseline'" in message and "run id like run-20260101-120000-abc123" in message and "vectors:PATH" in message
    assert "add @debiased for a debiased copy" in message


def test_load_space_of_missing_run_is_a_value_error(fresh_home):
    with pytest.raises(ValueError, match=r"no run 'run-20260101-120000-abc123' in .*runs"):
        load_space("run-20260101-120000-abc123")


def test_load_space_of_a_run(tiny_run, tiny_text_corpus):
    space = load_space(tiny_run.id)
    assert space.name == tiny_run.id and space.dim == 16 and len(space) == tiny_run.vocab_size
    assert set(space.words) == set(tiny_text_corpus.counts)  # min_count=1 keeps every word
    assert space.counts.tolist() == [tiny_text_corpus.counts[w] for w in space.words]  # from its own corpus
    assert space.vectors.dtype == np.float32 and _unit_or_zero(space.vectors)
    assert "word2vec run" in space.source
    assert tiny_run.id in space_choices() and space_choices()[0] == BASELINE


# --- the bundled baseline -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_space(tiny_text_corpus):
    return load_space("baseline", tiny_text_corpus)


def test_baseline_space_covers_the_corpus_words(baseline_space, tiny_text_corpus):
    assert len(tiny_text_corpus.counts) < config.BASELINE_VOCAB_CAP
    assert baseline_space.name == BASELINE
    assert baseline_space.words == tuple(tiny_text_corpus.counts)
    assert baseline_space.dim == 384 and baseline_space.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(baseline_space.vectors, axis=1), 1.0, atol=1e-5)
    assert baseline_space.counts.tolist() == list(tiny_text_corpus.counts.values())
    assert "all-MiniLM-L6-v2" in baseline_space.source and tiny_text_corpus.name in baseline_space.source


def test_baseline_neighbours_make_sense(baseline_space):
    assert nearest(baseline_space, "matrix", k=1)[0].word == "matrices"


def test_baseline_is_cached_on_disk_and_reused(baseline_space, tiny_text_corpus, session_home, monkeypatch):
    key = hashlib.sha256("\n".join(tiny_text_corpus.counts).encode("utf-8")).hexdigest()[:20]
    (cache,) = (session_home / "cache").glob(f"baseline-all-MiniLM-L6-v2-*{baseline.MAX_TOKENS}-{key}.npy")
    assert cache == baseline.vectors_cache_path(list(tiny_text_corpus.counts))  # named by what computed them
    assert np.load(cache).shape == (len(tiny_text_corpus.counts), 384)
    mtime = cache.stat().st_mtime_ns

    def no_model():
        raise AssertionError("the model was loaded although the vectors are cached")

    monkeypatch.setattr(baseline, "load_model", no_model)
    monkeypatch.setattr(baseline, "openvino_encoder", no_model)
    again = load_space("baseline", tiny_text_corpus)
    np.testing.assert_array_equal(again.vectors, baseline_space.vectors)
    assert cache.stat().st_mtime_ns == mtime
    assert not list((session_home / "cache").glob(".*.tmp"))  # the atomic write left no temp file


def test_baseline_keeps_only_the_most_frequent_words_up_to_the_cap(tiny_text_corpus, baseline_space, monkeypatch):
    monkeypatch.setattr(config, "BASELINE_VOCAB_CAP", 7)
    capped = load_space("baseline", tiny_text_corpus)
    assert capped.words == tuple(tiny_text_corpus.counts)[:7]
    # each word is encoded alone, so a word's vector does not depend on the rest of the vocabulary
    np.testing.assert_allclose(capped.vectors, baseline_space.vectors[:7], atol=1e-5)


@pytest.mark.slow
def test_baseline_progress_reports_reach_one(tiny_text_corpus, fresh_home):
    seen = []
    words = list(tiny_text_corpus.counts)
    baseline.encode_texts(words, seen.append, progress_every=16)
    n = len(words)
    assert seen == [min(1.0, min(start + 16, n) / n) for start in range(0, n, 16)]
    assert seen[-1] == 1.0


def test_baseline_piece_counter(baseline_space):
    assert baseline_space.piece_counter is baseline.piece_counts
    counts = baseline_space.piece_counter(["eigendecomposition", "matrix"])
    assert counts.dtype == np.int32 and counts.tolist() == [5, 1]
    assert baseline.word_pieces("eigendecomposition") == ["e", "##igen", "##de", "##com", "##position"]
    assert baseline.piece_counts([]).tolist() == []


def test_store_cache_dir_is_under_home(fresh_home):
    assert store.cache_dir() == fresh_home / "cache"


def test_a_debiased_space_loads_like_any_other_and_says_what_was_done(fresh_home):
    from embedlab import spaces
    from embedlab.corpus import build_corpus

    text = " ".join(f"{a} {b} the nurse and the engineer." for a, b in spaces.GENDER_PAIRS) * 3
    corpus = build_corpus("people.txt", text.encode())
    plain, debiased = load_space("baseline", corpus), load_space("baseline@debiased", corpus)
    assert debiased.name == "baseline@debiased" and debiased.words == plain.words
    assert "projected out" in debiased.source and debiased.counts.tolist() == plain.counts.tolist()
    direction, _ = spaces.bias_direction(plain)
    assert np.abs(debiased.vectors @ direction).max() < 1e-5 and np.abs(plain.vectors @ direction).max() > 0.3
    assert debiased.encoder is not None and "baseline@debiased" in space_choices()


def test_the_baseline_is_debiased_on_any_corpus_by_encoding_the_definitional_words(tiny_text_corpus):
    from embedlab import spaces

    plain = load_space("baseline", tiny_text_corpus)
    assert "woman" not in plain.index and "he" not in plain.index  # a maths corpus: no gendered words
    direction, used = spaces.bias_direction(plain)
    assert used == list(spaces.GENDER_PAIRS)  # every pair, each word encoded alone as the space's own are
    she, he = plain.encoder(["she", "he"])
    assert (she - he) @ direction > 0.3  # points from the second word of the pairs to the first
    debiased = load_space("baseline@debiased", tiny_text_corpus)
    assert np.abs(debiased.vectors @ direction).max() < 1e-5 and debiased.words == plain.words


def test_a_space_without_the_definitional_words_cannot_be_debiased(tiny_run):
    with pytest.raises(ValueError, match=rf"{tiny_run.id}: 0 of the 10 definitional pairs"):
        load_space(tiny_run.id + "@debiased")


@pytest.mark.parametrize(
    "text, kind, source, context, debiased",
    [
        ("baseline", "baseline", "baseline", False, False),
        ("baseline@context@debiased", "baseline", "baseline", True, True),
        ("run-20260101-120000-abc123@context", "run", "run-20260101-120000-abc123", True, False),
        ("vectors:/data/glove.txt@debiased", "vectors", "/data/glove.txt", False, True),
        ("vectors:/data/odd@context", "vectors", "/data/odd@context", False, False),  # a path is taken whole
    ],
)
def test_a_space_spec_is_parsed_once_into_its_parts_and_written_back_the_same(text, kind, source, context, debiased):
    from embedlab.spaces import SpaceSpec

    spec = SpaceSpec.parse(text)
    assert (spec.kind, spec.source, spec.context, spec.debiased) == (kind, source, context, debiased)
    assert str(spec) == text and SpaceSpec.parse(str(spec)) == spec
    assert str(spec.undebiased()) == text.removesuffix("@debiased")
    assert spec.as_debiased().debiased and str(spec.as_debiased()).endswith("@debiased")


def test_pages_offer_the_newest_plain_run_first_and_debiased_copies_once():
    from embedlab.spaces import debiased_copies, newest_run_or_baseline

    run, older = "run-20260102-120000-abc123", "run-20260101-120000-abc123"
    choices = ["baseline", "baseline@context", f"{run}@context", run, older, f"{run}@debiased"]
    assert newest_run_or_baseline(choices) == run
    assert newest_run_or_baseline(["baseline", "baseline@context", "vectors:/x.txt"]) == "baseline"
    assert debiased_copies(["baseline", f"{run}@debiased", "vectors:/x.txt"]) == [
        "baseline@debiased",
        "vectors:/x.txt@debiased",
    ]


@pytest.mark.parametrize(
    "init, message",
    [
        ("baseline", "the baseline is a sentence model, not a word-vectors file"),
        ("run-20260101-120000-abc123@debiased", "a derived space: start from the vectors it comes from"),
        ("baseline@context", "the baseline is a sentence model"),
        ("vectors:/v.txt@debiased", "a derived space: start from the vectors it comes from"),
    ],
)
def test_training_starts_only_from_vectors_a_file_or_run_holds(init, message):
    from embedlab.errors import EmbedLabError
    from embedlab.training import TrainConfig

    with pytest.raises(EmbedLabError, match="init must be empty") as caught:
        TrainConfig(init=init)
    assert message in str(caught.value)
