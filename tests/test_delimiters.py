"""Tables whose fields are separated by something else than the suffix says (issue 14, kind 5): semicolon CSVs as
Excel writes them in much of Europe, tab- or pipe-separated files saved as .csv or .txt. The delimiter is
detected, named, changeable, and part of the corpus id; the label column then gives labels."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from embedlab import config
from embedlab.cli import main
from embedlab.corpus import build_corpus, load_corpus
from embedlab.corpus.readers import (
    PLAIN_TEXT,
    ReadOptions,
    delimiter_choices,
    detect_delimiter,
    read_documents,
    table_columns,
)

COLUMNS = ["id", "text", "label", "score"]

# Texts holding every other delimiter, quotes and newlines; scores with decimal commas (and a thousands dot).
ROWS = [
    ["1", "Rome, Vienna; Lisbon | Paris\tAthens", "city", "75,6"],
    ["2", 'He said "salt; bread, butter"\nthen left | home', "food", "23,3"],
    ["3", "Queen crown palace", "royal", "39,1"],
    ["4", "Cow; horse; sheep, goat | cat\tdog", "animal", "5,7"],
    ["5", "Fog wind storm", "weather", "1.000,25"],
    ["6", "King, throne; crown", "royal", "0,5"],
]

NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

PLURALS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}


def _table(delimiter: str, bom: bool = False, rows: list[list[str]] = ROWS) -> bytes:
    """A table as a spreadsheet exports it: fields holding the delimiter, a quote or a newline are quoted."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if bom else "\n")
    writer.writerows([COLUMNS, *rows])
    return ("\ufeff" if bom else "").encode("utf-8") + out.getvalue().encode("utf-8")


KINDS = [
    (suffix, delimiter, bom)
    for suffix in (".csv", ".tsv", ".txt")
    for delimiter in ",;\t|"
    if not (suffix == ".txt" and delimiter == ",")  # a .txt is never guessed to be comma-separated (prose)
    for bom in (False, True)
]


@pytest.mark.parametrize(("suffix", "delimiter", "bom"), KINDS, ids=[f"{s}-{NAMES[d]}-bom{b:d}" for s, d, b in KINDS])
def test_each_delimiter_is_detected_and_gives_the_columns_texts_labels_and_scores(suffix, delimiter, bom):
    name, data = f"export{suffix}", _table(delimiter, bom)
    assert detect_delimiter(name, data) == delimiter
    assert table_columns(name, data) == (COLUMNS, "text")
    raw = read_documents(name, data, ReadOptions(label_column="label"))
    assert raw.delimiter == delimiter
    assert list(raw.texts) == [row[1] for row in ROWS]  # quoted delimiters, quotes and newlines kept inside
    assert raw.labels == ["city", "food", "royal", "animal", "weather", "royal"]
    scores = read_documents(name, data, ReadOptions(text_column="score"))
    assert list(scores.texts) == ["75,6", "23,3", "39,1", "5,7", "1.000,25", "0,5"]  # decimal commas stay whole
    usual = {".csv": ",", ".tsv": "\t"}.get(suffix)
    if delimiter == usual:
        assert raw.notices == []
    else:  # named, with what to do if the guess is wrong
        [notice] = raw.notices
        assert f"separated by {PLURALS[delimiter]}" in notice
        assert "(detected)" in notice and "id, text, label, score" in notice


def test_a_comma_csv_whose_texts_hold_many_semicolons_stays_comma():
    rows = [[str(i), "; ".join(["alpha", "beta", "gamma"][: i % 3 + 1]) + ";" * i, "x"] for i in range(1, 9)]
    data = _table(",", rows=[[*row, "1"] for row in rows])
    assert detect_delimiter("notes.csv", data) == ","
    assert list(read_documents("notes.csv", data).texts) == [row[1] for row in rows]


@pytest.mark.parametrize(
    ("data", "sniffer_says", "right"),
    [
        # Sniffer reads the semicolon after a quoted text as the delimiter
        (b'text,label\n"He said ""yes""; then left",a\n"x; y; z; w",b\n', ";", ","),
        # and the comma after a quoted text as the delimiter of a pipe-separated file
        (b'text|label\n"a, b", c|x\n"d, e", f|y\n', ",", "|"),
    ],
)
def test_where_csv_sniffer_alone_is_fooled_the_field_counts_decide(data, sniffer_says, right):
    assert csv.Sniffer().sniff(data.decode(), delimiters=",;\t|").delimiter == sniffer_says  # the failure mode
    assert detect_delimiter("x.csv", data) == right
    assert table_columns("x.csv", data)[0] == ["text", "label"]


def test_a_quoted_newline_cut_by_the_sample_does_not_change_the_guess():
    """Only the first 64 KB vote; a quoted multi-line text across that edge is not a ragged row."""
    long_text = "line; with, delimiters | and\ttabs\n" * 4000  # about 140 KB in one quoted field
    data = _table(";", rows=[["1", "short", "a", "1,5"], ["2", long_text, "b", "2,5"], ["3", "tail", "c", "3,5"]])
    assert len(data) > 100_000
    assert detect_delimiter("big.csv", data) == ";"
    raw = read_documents("big.csv", data, ReadOptions(label_column="label"))
    assert raw.labels == ["a", "b", "c"] and list(raw.texts)[1] == long_text


@pytest.mark.parametrize("name", ["one.csv", "one.tsv"])
def test_a_one_column_file_is_one_column(name):
    data = b"text\nThe matrix is sparse\nA vector of numbers\n"
    assert table_columns(name, data) == (["text"], "text")
    raw = read_documents(name, data)
    assert list(raw.texts) == ["The matrix is sparse", "A vector of numbers"] and raw.notices == []


def test_plain_text_stays_plain_text_even_with_a_semicolon_on_every_line():
    data = b"Roses are red; violets are blue\nSugar is sweet; and so are you\nThe matrix is sparse; really\n"
    assert detect_delimiter("poem.txt", data) is None
    assert table_columns("poem.txt", data) == ([], None)
    assert list(read_documents("poem.txt", data).texts)[0] == "Roses are red; violets are blue"
    as_table = read_documents("poem.txt", data, ReadOptions(delimiter="semicolon"))  # asked for: a table
    assert table_columns("poem.txt", data, ";") == (["Roses are red", " violets are blue"], "Roses are red")
    assert list(as_table.texts) == ["Sugar is sweet", "The matrix is sparse"]


def test_a_txt_table_can_be_read_as_plain_text():
    data = _table("\t")
    raw = read_documents("export.txt", data, ReadOptions(delimiter=PLAIN_TEXT))
    assert raw.delimiter is None and raw.labels is None
    assert list(raw.texts)[:2] == ["id\ttext\tlabel\tscore", '1\t"Rome, Vienna; Lisbon | Paris\tAthens"\tcity\t75,6']


def test_a_chosen_delimiter_overrides_the_detected_one():
    data = _table(";", bom=True)
    raw = read_documents("excel.csv", data, ReadOptions(delimiter=","))
    assert table_columns("excel.csv", data, ",")[0][0] == "id;text;label;score"  # what used to be read
    assert raw.delimiter == "," and raw.notices == [
        "excel.csv: 7 rows do not have the header's 1 fields separated by commas (rows 2, 3, 4, 5, 6, 7, 8, the "
        "header being row 1): extra fields were ignored, missing ones read as empty. If a text holds commas, put it "
        "in double quotes; if another character separates the fields, choose it as the delimiter."
    ]  # no notice of a detected delimiter: this one was chosen
    assert table_columns("excel.csv", data, "semicolon") == (COLUMNS, "text")


def test_the_ragged_rows_notice_names_the_delimiter_used():
    data = b"id;text;label\n1;fine text;a\n2;an; unquoted semicolon;b\n3;more text;c\n4;last text;a\n"
    raw = read_documents("ragged.csv", data)
    assert raw.delimiter == ";"
    ragged = [n for n in raw.notices if "rows do not have" in n]
    assert ragged == [
        "ragged.csv: 1 rows do not have the header's 3 fields separated by semicolons (rows 3, the header being "
        "row 1): extra fields were ignored, missing ones read as empty. If a text holds semicolons, put it in "
        "double quotes; if another character separates the fields, choose it as the delimiter."
    ]
    assert "comma" not in " ".join(raw.notices)


def test_read_options_take_names_or_characters_and_refuse_others():
    assert ReadOptions(delimiter="semicolon") == ReadOptions(delimiter=";")
    assert ReadOptions(delimiter="tab").delimiter == "\t"
    with pytest.raises(ValueError, match=r"delimiter ':' is not one EmbedLab reads; choose one of: comma \(','\)"):
        ReadOptions(delimiter=":")
    with pytest.raises(ValueError, match=r"x.csv is a table \(.csv\): choose its delimiter"):
        read_documents("x.csv", _table(","), ReadOptions(delimiter=PLAIN_TEXT))


def test_delimiter_choices_per_kind_of_file():
    assert list(delimiter_choices("x.csv")) == ["comma", "semicolon", "tab", "pipe"]
    assert list(delimiter_choices("x.TSV")) == ["comma", "semicolon", "tab", "pipe"]
    assert list(delimiter_choices("x.txt")) == ["none (plain text)", "comma", "semicolon", "tab", "pipe"]
    assert delimiter_choices("x.md") == delimiter_choices("x.jsonl") == delimiter_choices("x.zip") == {}


def test_a_zip_s_semicolon_member_is_detected_on_its_own():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.csv", _table(";", bom=True))
        archive.writestr("b.csv", _table("|"))
    data = buffer.getvalue()
    assert detect_delimiter("both.zip", data) is None  # per member
    assert table_columns("both.zip", data) == (COLUMNS, "text")
    raw = read_documents("both.zip", data, ReadOptions(label_column="label"))
    assert raw.labels == ["city", "food", "royal", "animal", "weather", "royal"] * 2


def test_the_corpus_id_depends_on_the_delimiter_used(fresh_home):
    data = _table(";", bom=True)
    detected = build_corpus("excel.csv", data, ReadOptions(label_column="label"))
    chosen = build_corpus("excel.csv", data, ReadOptions(label_column="label", delimiter=";"))
    wrong = build_corpus("excel.csv", data, ReadOptions(delimiter=","))
    assert detected.id == chosen.id != wrong.id  # the same read either way; another delimiter, another corpus
    assert detected.labels == ("city", "food", "royal", "animal", "weather", "royal")
    assert "royal" in wrong.counts and "royal" not in detected.counts  # labels read as words of the text
    table = build_corpus("export.txt", _table("|"))
    plain = build_corpus("export.txt", _table("|"), ReadOptions(delimiter=PLAIN_TEXT))
    assert table.id != plain.id and "score" in plain.counts and "score" not in table.counts


def test_cli_reads_with_the_detected_or_the_given_delimiter(tmp_path, capsys, fresh_home):
    path = tmp_path / "excel.csv"
    path.write_bytes(_table(";", bom=True, rows=ROWS * 5))
    common = ["train", str(path), "--dim", "8", "--min-count", "1", "--epochs", "1", "--label-column", "label"]
    assert main([*common, "--json"]) == 0
    detected = json.loads(capsys.readouterr().out)
    assert main([*common, "--delimiter", "semicolon", "--json"]) == 0
    chosen = capsys.readouterr()
    assert json.loads(chosen.out)["corpus_id"] == detected["corpus_id"]
    assert load_corpus(detected["corpus_id"]).labels[:6] == ("city", "food", "royal", "animal", "weather", "royal")
    assert main([*common, "--delimiter", "comma", "--json"]) == 1  # no column "label" when split at commas
    assert "no column 'label'; the columns are: id;text;label;score" in capsys.readouterr().err
    tabbed = tmp_path / "tabbed.txt"
    tabbed.write_bytes(_table("\t", rows=ROWS * 5))
    assert main(["train", str(tabbed), "--dim", "8", "--min-count", "1", "--epochs", "1", "--json"]) == 0
    out = capsys.readouterr()
    assert "notice: tabbed.txt: read as a table, its fields separated by tabs (detected)" in out.err
    as_text = ["train", str(tabbed), "--dim", "8", "--min-count", "1", "--epochs", "1", "--delimiter", "none"]
    assert main([*as_text, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["corpus_id"] != json.loads(out.out)["corpus_id"]


@pytest.mark.slow
def test_corpus_page_shows_the_detected_delimiter_and_a_change_changes_the_columns(tmp_path, monkeypatch, fresh_home):
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "excel.csv").write_bytes(_table(";", bom=True))
    monkeypatch.setattr(config, "SAMPLE_DATA_DIR", samples)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.radio(key="corpus_source").set_value("Sample corpus").run()
    assert not at.exception
    box = at.selectbox(key="corpus_delimiter")
    assert box.label == "Delimiter (detected: semicolon)" and box.value == "semicolon"
    assert box.options == ["comma", "semicolon", "tab", "pipe"]
    assert at.selectbox(key="corpus_text_column").options == COLUMNS
    box.set_value("comma").run()
    assert at.selectbox(key="corpus_text_column").options == ["id;text;label;score"]
    at.selectbox(key="corpus_delimiter").set_value("semicolon").run()
    at.selectbox(key="corpus_label_column").set_value("label").run()
    at.button(key="corpus_process").click().run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Documents"] == "6" and metrics["Labels"] == "5"  # city, food, royal, animal, weather
    assert any("separated by semicolons (detected)" in w.value for w in at.warning)
