"""Reading uploads, decoding, tokenising, phrases and the stored corpus (embedlab.corpus)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedlab import store
from embedlab.corpus import ReadOptions, TokenizeOptions, build_corpus, decode, load_corpus, read_documents, tokenize


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- decode -------------------------------------------------------------------------------------------------

TEXT = "Über-fast café, naïve résumé — 3.5 €"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # native order with BOM
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16-native", "utf16-le-bom", "utf16-be-bom"],
)
def test_decode_unambiguous_encodings_give_text_and_no_notice(data):
    text, notice = decode(data, "notes.txt")
    assert text == TEXT  # the BOM is not part of the text
    assert notice is None


def test_decode_cp1252_bytes_reads_them_with_a_notice_naming_the_encoding():
    data = "café “quoted” – naïve".encode("cp1252")
    text, notice = decode(data, "legacy.txt")
    assert text == "café “quoted” – naïve"
    assert notice is not None
    assert "cp1252" in notice and "legacy.txt" in notice and "UTF-8" in notice


def test_decode_bytes_undefined_in_cp1252_fall_back_to_latin1():
    text, notice = decode(b"caf\xe9 \x81", "odd.txt")
    assert text == "caf\xe9 \x81"
    assert "latin-1" in notice


# --- read_documents -----------------------------------------------------------------------------------------


def test_txt_with_blank_lines_gives_one_document_per_paragraph():
    data = b"First line\nsame paragraph.\n\n\n  \nSecond paragraph.\r\n\r\nThird.\n"
    docs = read_documents("a.txt", data)
    assert list(docs.texts) == ["First line\nsame paragraph.", "Second paragraph.", "Third."]
    assert docs.labels is None
    assert docs.notices == []


def test_txt_without_blank_lines_gives_one_document_per_line():
    docs = read_documents("lines.txt", b"one doc\ntwo doc\r\nthree doc\n")
    assert list(docs.texts) == ["one doc", "two doc", "three doc"]


def test_md_is_read_like_text_and_cp1252_notice_is_kept():
    docs = read_documents("readme.MD", "# Title\n\nCaf\u00e9 text.".encode("cp1252"))
    assert list(docs.texts) == ["# Title", "Café text."]
    assert len(docs.notices) == 1 and "cp1252" in docs.notices[0]


def test_a_text_upload_is_read_document_by_document_never_as_a_list():
    docs = read_documents("big.txt", b"One.\n\nTwo.\n\nThree.")
    assert not isinstance(docs.texts, (list, tuple))
    assert next(iter(docs.texts)) == "One."
    assert list(docs.texts) == list(docs.texts) == ["One.", "Two.", "Three."]  # each pass reads afresh


def test_a_table_upload_is_read_row_by_row_never_as_a_list():
    docs = read_documents("t.csv", b"text,label\nfirst,x\n,y\nsecond,z\n", ReadOptions(label_column="label"))
    assert not isinstance(docs.texts, (list, tuple))
    assert list(docs.texts) == list(docs.texts) == ["first", "second"]
    assert docs.labels == ["x", "z"]


def test_empty_txt_gives_no_documents():
    assert list(read_documents("empty.txt", b"").texts) == []


CSV = (
    b"id,body,label,notes\n"
    b"1,The first document.,pos,x\n"
    b"2,,neg,empty text row is skipped\n"
    b'3,"A quoted, comma document",neg,y\n'
)


def test_csv_guesses_text_like_column_and_skips_empty_rows():
    docs = read_documents("data.csv", CSV)
    assert list(docs.texts) == ["The first document.", "A quoted, comma document"]
    assert docs.labels is None


def test_csv_explicit_text_and_label_columns():
    docs = read_documents("data.csv", CSV, ReadOptions(text_column="notes", label_column="label"))
    assert list(docs.texts) == ["x", "empty text row is skipped", "y"]
    assert docs.labels == ["pos", "neg", "neg"]


def test_csv_label_column_labels_align_with_kept_rows():
    docs = read_documents("data.csv", CSV, ReadOptions(label_column="label"))
    assert list(docs.texts) == ["The first document.", "A quoted, comma document"]
    assert docs.labels == ["pos", "neg"]


def test_csv_without_text_like_name_takes_longest_column():
    data = b"a,b\nshort,a much longer cell of text\nx,another long cell here\n"
    assert list(read_documents("t.csv", data).texts) == ["a much longer cell of text", "another long cell here"]


def test_tsv_uses_tabs():
    data = b"text\tlabel\nhello, world\tpos\ngood day\tneg\n"
    docs = read_documents("t.tsv", data, ReadOptions(label_column="label"))
    assert list(docs.texts) == ["hello, world", "good day"]
    assert docs.labels == ["pos", "neg"]


@pytest.mark.parametrize(
    "options, missing",
    [
        (ReadOptions(text_column="txt"), "txt"),
        (ReadOptions(label_column="class"), "class"),
    ],
)
def test_bad_column_name_is_a_value_error_naming_the_columns(options, missing):
    with pytest.raises(ValueError) as caught:
        read_documents("data.csv", CSV, options)
    message = str(caught.value)
    assert f"'{missing}'" in message and "data.csv" in message
    for column in ("id", "body", "label", "notes"):
        assert column in message


def test_empty_csv_is_a_value_error():
    with pytest.raises(ValueError, match="no columns"):
        read_documents("empty.csv", b"")


JSONL = (
    b'{"text": "First record.", "label": "a"}\n'
    b"\n"
    b'{"text": "Second record.", "label": null}\n'
    b'{"text": "", "label": "dropped"}\n'
)


def test_jsonl_reads_text_field_and_labels():
    docs = read_documents("r.jsonl", JSONL, ReadOptions(label_column="label"))
    assert list(docs.texts) == ["First record.", "Second record."]
    assert docs.labels == ["a", ""]


def test_jsonl_other_text_field():
    data = b'{"id": 1, "content": "alpha"}\n{"id": 2, "content": "beta"}\n'
    assert list(read_documents("r.jsonl", data).texts) == ["alpha", "beta"]
    assert list(read_documents("r.jsonl", data, ReadOptions(text_column="id")).texts) == ["1", "2"]


def test_jsonl_malformed_line_names_the_line_number():
    data = b'{"text": "ok"}\n\n{"text": "ok"}\n{"text": broken\n'
    with pytest.raises(ValueError, match=r"r\.jsonl, line 4: not valid JSON"):
        read_documents("r.jsonl", data)


def test_jsonl_non_object_line_is_a_value_error():
    with pytest.raises(ValueError, match=r"line 2: expected a JSON object, got list"):
        read_documents("r.jsonl", b'{"text": "ok"}\n["a"]\n')


def test_zip_of_mixed_files_reads_every_accepted_member_in_name_order():
    data = _zip(
        {
            "b/notes.md": b"Markdown para.\n\nSecond para.",
            "a.txt": b"Text one\nText two",
            "c.csv": b"text,label\ncsv row,x\n",
            "d.jsonl": b'{"text": "json row", "label": "y"}\n',
            "ignored.pdf": b"%PDF",
            ".hidden.txt": b"hidden",
            "__MACOSX/._a.txt": b"junk",
            "folder/": b"",
        }
    )
    docs = read_documents("bundle.zip", data, ReadOptions(label_column="label"))
    assert not isinstance(docs.texts, (list, tuple))  # members are decompressed again, one at a time, per pass
    assert (
        list(docs.texts)
        == list(docs.texts)
        == ["Text one", "Text two", "Markdown para.", "Second para.", "csv row", "json row"]
    )
    # text members have no labels: empty strings keep labels aligned with texts
    assert docs.labels == ["", "", "", "", "x", "y"]


def test_zip_without_accepted_files_is_a_clear_value_error():
    with pytest.raises(ValueError, match=r"empty\.zip: the archive holds no \.txt, \.md, \.csv, \.tsv or \.jsonl"):
        read_documents("empty.zip", _zip({"image.png": b"\x89PNG", "doc.pdf": b"%PDF"}))


def test_not_a_zip_is_a_value_error():
    with pytest.raises(ValueError, match="not a valid zip archive"):
        read_documents("fake.zip", b"plain text, not a zip")


def test_zip_with_corrupted_member_is_a_value_error():
    """A damaged archive is a bad upload like any other: the user must get a message, not a crash."""
    data = bytearray(_zip({"a.txt": b"hello world " * 100}))
    data[data.find(b"a.txt") + 15] ^= 0xFF  # a byte of the compressed member
    with pytest.raises(ValueError, match="broken.zip"):
        read_documents("broken.zip", bytes(data))


@pytest.mark.parametrize("name", ["notes.pdf", "notes.docx", "noext", "archive.tar.gz"])
def test_unsupported_suffix_is_a_value_error_listing_accepted_types(name):
    with pytest.raises(ValueError) as caught:
        read_documents(name, b"hello")
    message = str(caught.value)
    assert name in message and "unsupported file type" in message and ".jsonl" in message


# --- tokenize -----------------------------------------------------------------------------------------------


def test_tokenize_lowercases_and_keeps_inner_hyphens_and_apostrophes():
    assert tokenize("The Beta-Blocker DOESN'T help -- really - no.") == [
        ["the", "beta-blocker", "doesn't", "help", "really", "no"]
    ]


def test_tokenize_can_keep_case():
    assert tokenize("Beta-Blocker Works", lowercase=False) == [["Beta-Blocker", "Works"]]


def test_tokenize_normalises_curly_apostrophes_and_unicode_hyphens():
    assert tokenize("Don\u2019t \u2018quote\u2019 non\u2010breaking co\u2011op") == [
        ["don't", "quote", "non-breaking", "co-op"]
    ]


def test_tokenize_keeps_non_ascii_words_and_decimals():
    assert tokenize("Über-fast naïve café costs 3.5 or 1,000.25 euros_total") == [
        ["über-fast", "naïve", "café", "costs", "3.5", "or", "1,000.25", "euros_total"]  # identifiers kept whole
    ]


def test_tokenize_splits_sentences_and_drops_empty_lines():
    text = "First one. Second one! Third? Yes\n\n\n   \nlast line\n...\n"
    assert tokenize(text) == [["first", "one"], ["second", "one"], ["third"], ["yes"], ["last", "line"]]


def test_tokenize_decimal_does_not_end_a_sentence():
    assert tokenize("It costs 3.5 dollars. Then more.") == [["it", "costs", "3.5", "dollars"], ["then", "more"]]


@pytest.mark.parametrize("text", ["", "   \n\n", "... --- !!!", "___"])
def test_tokenize_text_without_words_gives_nothing(text):
    assert tokenize(text) == []


# --- build_corpus -------------------------------------------------------------------------------------------

# Hand-countable: 3 documents, 4 sentences; an empty paragraph, a non-ASCII word, duplicates on purpose.
SMALL = "The cat sat. The cat ran!\n\n\n\nA dog sat.\n\nÜber cat\n".encode()


def test_build_corpus_stats_on_a_hand_countable_corpus(fresh_home):
    corpus = build_corpus("small.txt", SMALL)
    stats = corpus.stats
    assert stats.documents == 3
    assert stats.sentences == 4
    assert stats.tokens == 11  # the cat sat / the cat ran / a dog sat / über cat
    assert stats.types == 7
    assert stats.hapax_share == pytest.approx(4 / 7)  # ran, a, dog, über
    assert stats.top_words == [("cat", 3), ("sat", 2), ("the", 2), ("a", 1), ("dog", 1), ("ran", 1), ("über", 1)]
    assert corpus.counts == dict(stats.top_words)
    assert list(corpus.counts) == ["cat", "sat", "the", "a", "dog", "ran", "über"]  # most frequent first
    assert corpus.name == "small.txt" and corpus.labels is None and corpus.notices == ()
    assert corpus.path == fresh_home / "corpora" / corpus.id


def test_sentences_file_has_one_sentence_per_line_and_counts_tsv_matches(fresh_home):
    corpus = build_corpus("small.txt", SMALL)
    assert corpus.sentences_path.read_text(encoding="utf-8") == ("the cat sat\nthe cat ran\na dog sat\nüber cat\n")
    assert corpus.sentences() == [["the", "cat", "sat"], ["the", "cat", "ran"], ["a", "dog", "sat"], ["über", "cat"]]
    rows = [line.split("\t") for line in (corpus.path / "counts.tsv").read_text(encoding="utf-8").splitlines()]
    assert [(word, int(count)) for word, count in rows] == list(corpus.counts.items())
    from collections import Counter

    assert Counter(t for s in corpus.sentences() for t in s) == Counter(corpus.counts)


def test_same_bytes_and_options_return_the_stored_corpus_without_rewriting(fresh_home):
    first = build_corpus("small.txt", SMALL)
    files = ["sentences.txt", "counts.tsv", "meta.json"]
    before = {name: (first.path / name).stat().st_mtime_ns for name in files}
    second = build_corpus("small.txt", SMALL)
    assert second.id == first.id and second.path == first.path
    assert {name: (second.path / name).stat().st_mtime_ns for name in files} == before
    assert second.stats == first.stats and second.counts == first.counts
    assert [row.id for row in store.list_corpora()] == [first.id]
    assert load_corpus(first.id).stats == first.stats


def test_different_options_or_bytes_give_a_different_id(fresh_home):
    base = build_corpus("small.txt", SMALL)
    cased = build_corpus("small.txt", SMALL, tokenize_options=TokenizeOptions(lowercase=False))
    other = build_corpus("small.txt", SMALL + b"More words.")
    assert len({base.id, cased.id, other.id}) == 3
    assert "The" in cased.counts and "The" not in base.counts


def test_csv_and_tsv_uploads_of_the_same_bytes_are_different_corpora(fresh_home):
    """The suffix is part of the corpus id; a tab-separated file saved as .csv is read with tabs all the same."""
    data = b"text\tlabel\nhello world\tpos\ngood day\tneg\n"
    as_csv = build_corpus("x.csv", data)  # the tabs are detected
    as_tsv = build_corpus("x.tsv", data)
    assert as_tsv.id != as_csv.id
    assert set(as_tsv.counts) == set(as_csv.counts) == {"hello", "world", "good", "day"}
    forced = build_corpus("x.csv", data, ReadOptions(delimiter=","))  # one column "text\tlabel": labels are words
    assert "pos" in forced.counts and forced.id != as_csv.id


def test_build_corpus_keeps_csv_labels(fresh_home):
    corpus = build_corpus("data.csv", CSV, ReadOptions(label_column="label"))
    assert corpus.labels == ("pos", "neg")
    assert corpus.stats.documents == 2
    assert corpus.options["read"] == {"text_column": None, "label_column": "label", "delimiter": None}
    assert load_corpus(corpus.id).labels == ("pos", "neg")


def test_build_corpus_keeps_decoding_notices(fresh_home):
    corpus = build_corpus("legacy.txt", "Caf\u00e9 au lait.".encode("cp1252"))
    assert corpus.counts == {"au": 1, "café": 1, "lait": 1}
    assert len(corpus.notices) == 1 and "cp1252" in corpus.notices[0]


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"... --- !!! ???\n\n***"])
def test_file_without_words_is_a_value_error(fresh_home, data):
    with pytest.raises(ValueError, match=r"nothing\.txt: no words found"):
        build_corpus("nothing.txt", data)
    assert list((fresh_home / "corpora").iterdir()) == []  # nothing half-written is left behind
    assert store.list_corpora() == []


@pytest.mark.parametrize("corpus_id", ["c000000000000", "not-an-id", "../registry", ""])
def test_load_corpus_of_unknown_id_is_a_value_error(fresh_home, corpus_id):
    with pytest.raises(ValueError, match="no corpus"):
        load_corpus(corpus_id)


def test_phrases_join_a_frequent_pair(fresh_home):
    # gensim scores a pair by (count(ab) - min_count) / (count(a) count(b)) * vocabulary size: "heart failure"
    # always together, "heart rate" rare, and many one-off words around them so the vocabulary is large.
    lines = [f"patient{i} heart failure day{i}" for i in range(40)]
    lines += [f"note{i} mentions heart rate of case{i}" for i in range(3)]
    lines += [f"filler{i} word{i} text{i}" for i in range(300)]
    data = "\n".join(lines).encode()
    plain = build_corpus("hf.txt", data)
    joined = build_corpus("hf.txt", data, tokenize_options=TokenizeOptions(phrases=True))
    assert plain.id != joined.id
    assert "heart_failure" not in plain.counts and plain.counts["failure"] == 40 and plain.counts["heart"] == 43
    assert joined.counts["heart_failure"] == 40
    assert "failure" not in joined.counts
    assert joined.counts["heart"] == 3 and "heart_rate" not in joined.counts  # below phrase_min_count
    assert joined.sentences()[0] == ["patient0", "heart_failure", "day0"]
    assert joined.stats.tokens == plain.stats.tokens - 40
    assert joined.options["tokenize"]["phrases"] is True


def test_phrases_never_glue_two_function_words(fresh_home):
    """ "if you" and "will be" are as frequent together as "heart failure", and say nothing about the domain."""
    lines = [f"patient{i} if you have heart failure it will be day{i}" for i in range(40)]
    lines += [f"filler{i} word{i} text{i}" for i in range(300)]
    joined = build_corpus("hf.txt", "\n".join(lines).encode(), tokenize_options=TokenizeOptions(phrases=True))
    assert joined.counts["heart_failure"] == 40
    assert not [w for w in joined.counts if w in ("if_you", "will_be", "you_have", "it_will")]
    assert joined.counts["if"] == joined.counts["you"] == joined.counts["will"] == 40


# --- property: any bytes either read or fail with a ValueError -----------------------------------------------


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=200).map(lambda t: t.encode("utf-8")),
        st.lists(
            st.sampled_from(
                [
                    b'{"text": "a b"}',
                    b"{",
                    b"}",
                    b"[",
                    b"]",
                    b'"',
                    b",",
                    b"\n",
                    b"\t",
                    b"\r",
                    b"text",
                    b"label",
                    b"\x00",
                    b"\xff\xfe",
                    b"\xef\xbb\xbf",
                    b"1e999",
                    b":",
                    b"null",
                ]
            ),
            max_size=40,
        ).map(b"".join),
    ),
    name=st.sampled_from(["x.txt", "x.csv", "x.jsonl"]),
)
def test_reading_arbitrary_bytes_raises_only_value_error(data, name):
    try:
        docs = read_documents(name, data)
    except ValueError:
        return
    for text in docs.texts:
        for sentence in tokenize(text):
            assert sentence and all(token and " " not in token for token in sentence)


def test_deeply_nested_jsonl_is_a_value_error():
    """json.loads raises RecursionError on deep nesting; an upload must still fail with a message."""
    with pytest.raises(ValueError, match="deep.jsonl"):
        read_documents("deep.jsonl", b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n")


def test_jsonl_with_huge_integer_names_file_and_line():
    with pytest.raises(ValueError, match=r"big\.jsonl, line 1"):
        read_documents("big.jsonl", b'{"text": 1' + b"0" * 5000 + b"}\n")


def test_json_roundtrip_of_meta_keeps_non_ascii(fresh_home):
    corpus = build_corpus("small.txt", SMALL)
    meta = json.loads((corpus.path / "meta.json").read_text(encoding="utf-8"))
    assert meta["id"] == corpus.id and meta["stats"]["tokens"] == 11
    assert ["über", 1] in meta["stats"]["top_words"]
    assert meta["sentences_per_document"] == [2, 1, 1]
