"""Property-based tests: the tokeniser and every loader of user bytes fail only with our own clear error (a
ValueError with a message), and the link parser round-trips what it accepts and names everything it rejects."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import fields

import numpy as np
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_corpus import _zip

from embedlab import config, store
from embedlab.analysis import views
from embedlab.corpus import ReadOptions, build_corpus, decode, read_documents, readers, table_columns, tokenize
from embedlab.present.text import plain_markdown
from embedlab.spaces import read_vectors, save_uploaded_vectors

QUICK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Bytes that matter to the formats: separators, quotes, brackets, byte-order marks, NUL, magic numbers.
TOKENS = [
    b"text",
    b"label",
    b",",
    b"\t",
    b";",
    b'"',
    b"\n",
    b"\r\n",
    b"\r",
    b" ",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b'{"text": "a b"}',
    b"null",
    b"1e999",
    b"nan",
    b"-inf",
    b"3 2",
    b"0.5",
    b"-1",
    b"word",
    b"\x00",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\x89PNG\r\n\x1a\n",
    b"\x80\x04\x95",
    b"PK\x03\x04",
    b"\xe9",
    b"\xc3\xa9",
    b"h\x00i\x00",
    b"\x1b",
    b"\x0c",
]
user_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=120).map(lambda t: t.encode("utf-8")),
    st.text(max_size=60).map(lambda t: t.encode("utf-16")),
    st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join),
)


uploads = st.one_of(
    st.tuples(st.sampled_from(["x.txt", "x.md", "x.csv", "x.tsv", "x.jsonl", "x.zip", "x.pdf", "noext"]), user_bytes),
    st.tuples(
        st.just("bundle.zip"),
        st.lists(
            st.tuples(st.sampled_from(["a.txt", "b.csv", "c.jsonl", "../d.txt", "/e.md", "f.zip"]), user_bytes),
            max_size=3,
            unique_by=lambda member: member[0],
        )
        .map(dict)
        .map(_zip),
    ),
)


def _stored(folder) -> list[str]:
    """Everything in a store folder, hidden temp files included (a refused upload must leave none)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _clear(error: ValueError) -> None:
    message = str(error)
    assert message and "Traceback" not in message and len(message.splitlines()) == 1, message


# --- the tokeniser --------------------------------------------------------------------------------------------

_LETTER = r"[\p{L}\p{M}\p{N}\u200c\u200d]"
WORD_SHAPE = regex.compile(rf"(?:--|\.)?{_LETTER}(?:[\w\p{{N}}'\-.,:\u05f3\u05f4\u200c\u200d]*{_LETTER})?(?:\+\+|#)?")


@QUICK
@given(st.text(max_size=300), st.booleans())
def test_tokens_are_words_never_markup_or_whitespace(text, lowercase):
    for sentence in tokenize(text, lowercase):
        assert sentence
        for token in sentence:
            assert token and not any(ch.isspace() for ch in token)
            # a letter, mark or digit at each end, but for the prefixes of --flags and .NET and the C++/C# suffixes
            assert WORD_SHAPE.fullmatch(token), token
            assert not set(token) & set('<>[]()&"`*$/\\')
            assert unicodedata.is_normalized("NFC", token), token


# --- loaders of user bytes ------------------------------------------------------------------------------------


@pytest.mark.slow
@QUICK
@given(uploads)
def test_a_corpus_upload_is_stored_or_refused_with_a_message(fresh_home, upload):
    name, data = upload
    before = _stored(fresh_home / "corpora"), store.list_corpora()
    try:
        columns, default = table_columns(name, data)
        corpus = build_corpus(name, data, ReadOptions())
    except ValueError as error:
        _clear(error)
        assert (_stored(fresh_home / "corpora"), store.list_corpora()) == before, "a refused upload left a corpus"
        return
    assert default is None or default in columns
    assert corpus.stats.tokens == sum(corpus.counts.values()) > 0
    assert all(" " not in word and word for word in corpus.counts)


@QUICK
@given(user_bytes)
def test_decoding_gives_text_or_says_it_is_not_text(data):
    try:
        text, notice = decode(data, "x.txt")
    except ValueError as error:
        _clear(error)
        assert "not text" in str(error)
        return
    assert isinstance(text, str) and (notice is None or "x.txt" in notice)


@pytest.mark.slow
@QUICK
@given(
    st.one_of(
        user_bytes,
        st.lists(
            st.sampled_from([b"w", b"x", b" ", b"1", b"-2.5", b"nan", b"\n", b"3 2\n", b"\x00\x00\x80\x3f"]),
            max_size=40,
        ).map(b"".join),
    )
)
def test_a_vectors_upload_is_stored_whole_or_refused_with_a_message(fresh_home, data):
    before = _stored(fresh_home / "vectors"), store.list_vectors()
    try:
        item = save_uploaded_vectors("v.vec", data)
    except ValueError as error:
        _clear(error)
        assert (_stored(fresh_home / "vectors"), store.list_vectors()) == before, "a refused upload was kept"
        return
    found = read_vectors(item.path)
    assert len(found.words) == len(set(found.words)) == found.vectors.shape[0] == item.words > 0
    assert found.vectors.dtype == np.float32 and np.isfinite(found.vectors).all()


def _word_pairs(name: str, data: bytes):
    from embedlab.evaluation import user_word_pairs

    return user_word_pairs(name, data)


def _fine_tuning_pairs(name: str, data: bytes):
    from embedlab.training import parse_pairs_csv

    return parse_pairs_csv(name, data)


@pytest.mark.parametrize("parse", [_word_pairs, _fine_tuning_pairs], ids=["word-pairs", "fine-tuning-pairs"])
@QUICK
@given(data=user_bytes)
def test_pairs_uploads_fail_only_with_a_message(parse, data):
    try:
        parse("pairs.csv", data)
    except ValueError as error:
        _clear(error)


def test_upload_limits_are_the_stated_ones():
    """The limits the pages state are the ones enforced (the size limit itself is a catalogue case)."""
    assert config.MAX_UPLOAD_MB == 200 and config.MAX_VECTORS_MB <= config.MAX_UPLOAD_MB
    assert config.MAX_LINE_MB * 1024 * 1024 < config.MAX_UPLOAD_MB * 1024 * 1024 <= config.MAX_ZIP_EXPANDED_BYTES


# --- the link parser ------------------------------------------------------------------------------------------

NAMES = [f.name for f in fields(views.CompareView)]
values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "10",
            "100",
            "101",
            "2.5",
            "nan",
            "inf",
            "1e3",
            "0.5",
            "baseline",
            "run-20260101-120000-abc123",
            "vectors:/etc/passwd",
            "../../etc/passwd",
            "c0123456789ab",
            "map",
            "changed",
            "jaccard",
            "change",
            "10–19",
            "1,000+",
            "<script>alert(1)</script>",
        ]
    ),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
queries = st.dictionaries(
    st.one_of(st.sampled_from(NAMES), st.text(max_size=12)), st.one_of(values, st.lists(values, max_size=3)), max_size=8
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(queries)
def test_any_link_parses_to_a_valid_view_naming_each_parameter_it_dropped(params):
    state, problems = views.from_query(views.CompareView, params)
    assert views.from_query(views.CompareView, views.to_query(state)) == (state, [])  # what it accepted round-trips
    unknown = sorted(set(params) - set(NAMES))
    named = {m.group(1) for p in problems for m in [re.match(r"Link parameter (\w+)=", p)] if m}
    assert (f"Ignored unknown link parameters: {', '.join(unknown)}." in problems) == bool(unknown)
    assert len(problems) == len(named) + bool(unknown)  # one message per dropped parameter, nothing else
    default = views.CompareView()
    for name in set(params) & set(NAMES):
        if name in named:  # dropped: the default stands
            assert getattr(state, name) == getattr(default, name)
        else:  # taken: its text is what the view holds
            raw = params[name][-1] if isinstance(params[name], list) and params[name] else params[name]
            raw = "" if raw == [] else str(raw).strip()
            written = views.from_query(views.CompareView, {name: views.to_query(state)[name]})[0]
            typed = views.from_query(views.CompareView, {name: raw})[0]
            assert written == typed or name in ("lo", "hi")  # lo and hi are checked against each other, not alone


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_markdown_escaping_shows_the_text_as_typed_and_nothing_else(text):
    escaped = plain_markdown(text)
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.S) == text
    assert not re.search(r"(?<!\\)(?:\\\\)*[`*_\[\]<>$~|]", escaped.replace("\\\\", ""))


@pytest.mark.parametrize(
    "params", [{"k": "5"}, {"word": "matrix", "tab": "map", "n": "300"}, {"lo": "0.2", "hi": "0.8", "band": "10–19"}]
)
def test_known_good_links_round_trip_exactly(params):
    state, problems = views.from_query(views.CompareView, params)
    assert problems == [] and {name: views.to_query(state)[name] for name in params} == params


def _paragraphs_as_a_list(text: str) -> list[str]:
    """How text uploads were split before documents were streamed; stored corpus ids assume the same split."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    separator = r"\n\s*\n" if re.search(r"\n\s*\n", text.strip()) else r"\n"
    return [part.strip() for part in re.split(separator, text) if part.strip()]


@QUICK
@given(
    st.lists(
        st.sampled_from(["a", "b.", " ", "\n", "\r", "\r\n", "\t", "\x0b", "\x85", "\u2028", "\u3000"]), max_size=40
    ).map("".join)
)
def test_streamed_text_documents_are_the_paragraphs_a_list_split_gave(text):
    assert list(read_documents("x.txt", text.encode("utf-8")).texts) == _paragraphs_as_a_list(text)


@QUICK
@given(st.lists(st.sampled_from(["a", "b", ",", '"', "\n", "\r", "\r\n", " ", "\u2028"]), max_size=40).map("".join))
def test_streamed_csv_rows_are_what_the_csv_module_reads_from_the_whole_text(text):
    try:
        expected = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error:
        with pytest.raises(ValueError, match="not a readable CSV file"):
            list(readers._table_rows("x.csv", text, ","))
        return
    assert list(readers._table_rows("x.csv", text, ",")) == expected
