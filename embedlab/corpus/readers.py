"""Reading uploads, tokenising, corpus statistics, and the tokenised corpus written once on disk."""

from __future__ import annotations

import collections
import csv
import functools
import io
import itertools
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from embedlab import config
from embedlab.errors import EmbedLabError

TEXT_SUFFIXES = (".txt", ".md")


TABLE_SUFFIXES = (".csv", ".tsv")


JSONL_SUFFIXES = (".jsonl",)


ACCEPTED_SUFFIXES = TEXT_SUFFIXES + TABLE_SUFFIXES + JSONL_SUFFIXES + (".zip",)


_TEXT_COLUMN_NAMES = ("text", "body", "content", "document", "note", "sentence")


# Names that say "label" outright: among columns that look like one, these come first.
_LABEL_COLUMN_NAMES = frozenset(
    {"label", "labels", "class", "category", "categories", "topic", "tag", "section", "genre", "intent", "sentiment"}
)


MAX_LABEL_VALUES = 50  # a column with more distinct values is not offered as a label (a classifier's classes)


_MAX_LABEL_CHARS = 60  # a value longer than this is text, not a label


csv.field_size_limit(64 * 1024 * 1024)


# The field delimiters a table may use, by the names the page and the CLI show.
DELIMITERS: dict[str, str] = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


# ``ReadOptions.delimiter`` for a .txt file read as plain text even though it looks like a table.
PLAIN_TEXT = ""


_PLAIN_TEXT_NAME = "none (plain text)"


_PLURALS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes ('|')"}


@dataclass(frozen=True)
class ReadOptions:
    """Which fields of a table (CSV/TSV/JSONL) hold the text and the optional label, and what separates fields.

    ``delimiter`` is None to detect it (see :func:`detect_delimiter`), one of ``DELIMITERS`` (by character or by
    name: ``";"`` or ``"semicolon"``), or ``PLAIN_TEXT`` to read a .txt file as plain text. A name is stored as its
    character.

    Raises:
        ValueError: an unknown delimiter.
    """

    text_column: str | None = None
    label_column: str | None = None
    delimiter: str | None = None

    def __post_init__(self) -> None:
        if self.delimiter in DELIMITERS:
            object.__setattr__(self, "delimiter", DELIMITERS[self.delimiter])
        if self.delimiter is not None and self.delimiter not in (PLAIN_TEXT, *DELIMITERS.values()):
            known = ", ".join(f"{name} ({char!r})" for name, char in DELIMITERS.items())
            raise EmbedLabError(
                f"delimiter {_shown(repr(self.delimiter))} is not one EmbedLab reads; choose one of: {known}"
            )


def delimiter_name(delimiter: str | None) -> str:
    """The name shown for a delimiter: ``"semicolon"`` for ``";"``, ``"none (plain text)"`` for None or ``""``."""
    return next((name for name, char in DELIMITERS.items() if char == delimiter), _PLAIN_TEXT_NAME)


def delimiter_choices(name: str) -> dict[str, str]:
    """The delimiters a user may choose for an upload, by name: empty for files that have none (.md, .jsonl, .zip,
    whose members are detected one by one); a .txt file may also be read as plain text (``PLAIN_TEXT``)."""
    suffix = file_suffix(name)
    if suffix in TABLE_SUFFIXES:
        return dict(DELIMITERS)
    if suffix == ".txt":
        return {_PLAIN_TEXT_NAME: PLAIN_TEXT, **DELIMITERS}
    return {}


class _Documents:
    """An upload's documents, produced afresh from its decoded text on every iteration, one at a time: a large
    corpus is never a list of strings in memory."""

    def __init__(self, produce: Callable[[], Iterator[str]]) -> None:
        self._produce = produce

    def __iter__(self) -> Iterator[str]:
        return self._produce()


@dataclass
class RawDocuments:
    """An upload's documents before tokenising: the texts (re-iterable, streamed), their labels when a label column
    was chosen, and notices for the user (how the file was decoded, ragged rows...)."""

    texts: Iterable[str] = ()  # can be iterated more than once
    labels: list[str] | None = None
    notices: list[str] = field(default_factory=list)
    delimiter: str | None = None  # the delimiter the table was read with; None for plain text, JSONL and zips
    # with no label column chosen: the column that looks like one (:func:`label_column_guess`), else None
    label_guess: str | None = None


def decode(data: bytes, name: str = "file") -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (BOM or not) or UTF-16 (BOM or not); else cp1252/latin-1 with a notice.

    Returns:
        The text and a notice for the user, or None when the decoding was unambiguous.

    Raises:
        ValueError: the bytes are not text (an image, an archive, a program...), named when recognised.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    unmarked = _utf16_without_bom(data)
    if unmarked:
        order = "little" if unmarked.endswith("le") else "big"
        return data.decode(unmarked), (
            f"{name} has no byte-order mark but reads as UTF-16 ({order}-endian); it was decoded as such. "
            "If the words look wrong, save the file as UTF-8 and upload it again."
        )
    _refuse_binary(name, data)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, (
            f"{name} is not valid UTF-8 or UTF-16; it was read as {encoding} (single-byte). "
            "If accented letters look wrong, save the file as UTF-8 and upload it again."
        )
    raise AssertionError("latin-1 decodes any bytes")


# Files people upload by mistake, named in the message so they know what they sent.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a .docx/.xlsx, which are zips)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"\x93NUMPY", "a NumPy array"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file"),
    *((b"\x80" + bytes([protocol]), "a Python pickle") for protocol in range(2, 6)),
)


# C0 control bytes that text files do not hold (tab, newlines, form feed and escape excepted).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


_SNIFF_BYTES = 64 * 1024


def file_kind(head: bytes) -> str | None:
    """What a file is by its first bytes ("a PNG image", "a Python pickle"...), or None when not recognised."""
    return next((what for magic, what in _SIGNATURES if head.startswith(magic)), None)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when text without a byte-order mark has NUL high bytes in every other place."""
    sample = data[: _SNIFF_BYTES - _SNIFF_BYTES % 2]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    for encoding, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        # ASCII-heavy UTF-16: most high bytes are NUL, (almost) no low byte is.
        if high.count(0) >= 0.6 * len(high) and low.count(0) <= 0.01 * len(low):
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def _refuse_binary(name: str, data: bytes) -> None:
    """Raise when ``data`` is not text: a NUL byte or more than 1% control bytes in its first 64 KB."""
    sample = data[:_SNIFF_BYTES]
    if b"\x00" not in sample and len(_CONTROL_BYTES.findall(sample)) <= 0.01 * len(sample):
        return
    raise EmbedLabError(
        f"{name} is {file_kind(data) or 'a binary file'}, not text: upload the text itself as .txt, "
        ".md, .csv, .tsv or .jsonl (UTF-8), or a .zip of such files"
    )


def _check_line_lengths(name: str, data: bytes) -> None:
    """Refuse a line longer than ``config.MAX_LINE_MB``; scans the bytes without copying or decoding them."""
    limit = config.MAX_LINE_MB * 1024 * 1024
    start = 0
    while len(data) - start > limit:
        newline = data.rfind(b"\n", start, start + limit + 1)
        if newline == -1:
            end = data.find(b"\n", start)
            length = (len(data) if end == -1 else end) - start
            line = data.count(b"\n", 0, start) + 1
            raise EmbedLabError(
                f"{name}: line {line:,} is {length / 1024 / 1024:,.1f} MB long, over the {config.MAX_LINE_MB} MB "
                "limit for one line (one document): break the text into lines, e.g. one paragraph a line, and "
                "upload it again"
            )
        start = newline + 1


def _shown(text: str, limit: int = 60) -> str:
    """Text from the user's file (a column, a member's name) made safe to quote in a one-line message."""
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listed(items: list[str], limit: int = 20) -> str:
    return ", ".join(_shown(item) for item in items[:limit]) + (", …" if len(items) > limit else "")


def file_suffix(name: str) -> str:
    """The file name's extension, lower-cased (``notes.CSV`` -> ``.csv``): what decides how it is read."""
    return PurePosixPath(name.lower()).suffix


def _check_suffix(name: str) -> str:
    suffix = file_suffix(name)
    if suffix not in ACCEPTED_SUFFIXES:
        accepted = ", ".join(ACCEPTED_SUFFIXES)
        raise EmbedLabError(f"{name}: unsupported file type '{suffix or 'none'}'; accepted: {accepted}")
    return suffix


def _json_object(line: str) -> dict[str, str]:
    """One JSONL line as a row; ValueError says what is wrong with it."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise EmbedLabError(f"not valid JSON ({error.msg})") from None
    except (ValueError, RecursionError):  # absurdly long numbers or nesting
        raise EmbedLabError("JSON nested too deeply or with a number too long") from None
    if not isinstance(row, dict):
        raise EmbedLabError(f"expected a JSON object, got {type(row).__name__}")
    return {str(k): "" if v is None else str(v) for k, v in row.items()}


_LINE = re.compile(r"[^\r\n]*(?:\r\n|[\r\n])|[^\r\n]+")  # a line and its ending, as open(newline="") reads it


_HEAD_ROWS = 1000  # rows that name a table's columns


def _lines(text: str) -> Iterator[str]:
    return (match.group() for match in _LINE.finditer(text))


def _check_jsonl(name: str, text: str) -> None:
    """Refuse JSONL with any line that is not a JSON object, listing them all: one upload shows all there is to fix."""
    good, bad = 0, []
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            _json_object(line)
            good += 1
        except ValueError as error:
            bad.append((number, str(error)))
    if bad:
        (first, reason), numbers = bad[0], [str(n) for n, _ in bad[:10]]
        listed = ", ".join(numbers) + (", …" if len(bad) > 10 else "")
        raise EmbedLabError(
            f"{name}, line {first}: {reason}; {len(bad):,} of {len(bad) + good:,} lines are "
            f"not JSON objects (lines {listed}). Nothing was read: fix or remove those lines "
            "and upload the file again"
        )


def _table_rows(name: str, text: str, delimiter: str) -> Iterator[dict[str, str]]:
    """The rows of a table, parsed as they are read (JSONL is checked by :func:`_table_head` first)."""
    if file_suffix(name) in JSONL_SUFFIXES:
        return (_json_object(line) for line in _lines(text) if line.strip())
    return _csv_rows(name, text, delimiter)


def _csv_rows(name: str, text: str, delimiter: str) -> Iterator[dict[str, str]]:
    try:
        yield from csv.DictReader(_lines(text), delimiter=delimiter)
    except csv.Error as error:  # e.g. a quoted field longer than the csv module's field limit
        kind = "TSV" if delimiter == "\t" else "CSV"
        raise EmbedLabError(f"{name}: not a readable {kind} file ({error})") from None


def _table_head(name: str, text: str, delimiter: str) -> list[dict[str, str]]:
    """The first rows of a table, after checking a JSONL file whole."""
    if file_suffix(name) in JSONL_SUFFIXES:
        _check_jsonl(name, text)
    return list(itertools.islice(_table_rows(name, text, delimiter), _HEAD_ROWS))


# --- the delimiter of a table -----------------------------------------------------------------------------------
#
# csv.Sniffer proposes a delimiter, but alone it is fooled: it counts characters per line without knowing quotes
# (a quoted text holding semicolons or newlines votes for ";"), and its quote pattern takes whatever sits next to
# a quote in the text. So every candidate is checked here by parsing a sample with csv.reader, which knows quotes:
# the right delimiter splits the header into two or more fields and (nearly) every row into as many. Sniffer's
# pick only breaks ties between candidates that parse equally well.

_SAMPLE_ROWS = 200  # records of the sample that vote
_SNIFFER_CHARS = 4096  # Sniffer's quote pattern backtracks: give it a short head only


@dataclass(frozen=True)
class _Fit:
    """How well one delimiter splits a sample: the header's fields and the share of rows with as many."""

    delimiter: str
    header: list[str]
    rows: int
    consistency: float


def _sample(name: str, data: bytes) -> tuple[str, bool]:
    """The upload's first 64 KB decoded, cut after a line end, and whether the file goes on after it."""
    if b"\x00" in data[:_SNIFF_BYTES]:  # UTF-16: decode whole, then cut (a cut in bytes may split a character)
        text = decode(data, name)[0]
        if len(text) <= _SNIFF_BYTES:
            return text, False
        cut = text[:_SNIFF_BYTES]
        return cut[: cut.rfind("\n") + 1] or cut, True
    if len(data) <= _SNIFF_BYTES:
        return decode(data, name)[0], False
    head = data[:_SNIFF_BYTES]
    return decode(head[: head.rfind(b"\n") + 1] or head, name)[0], True


def _fit(sample: str, delimiter: str, truncated: bool) -> _Fit:
    try:
        records = [r for r in itertools.islice(csv.reader(_lines(sample), delimiter=delimiter), _SAMPLE_ROWS) if r]
    except csv.Error:  # e.g. a field over the size limit: this delimiter does not read the file
        return _Fit(delimiter, [], 0, 0.0)
    if truncated and len(records) > 2:
        records.pop()  # may be a quoted field cut by the sample's end
    if not records:
        return _Fit(delimiter, [], 0, 0.0)
    header, rows = records[0], records[1:]
    matching = sum(len(row) == len(header) for row in rows)
    return _Fit(delimiter, header, len(rows), matching / len(rows) if rows else 1.0)


def _sniffed(sample: str, candidates: str) -> str | None:
    head = sample[:_SNIFFER_CHARS]
    try:
        return csv.Sniffer().sniff(head[: head.rfind("\n") + 1] or head, delimiters=candidates).delimiter
    except csv.Error:  # "Could not determine delimiter"
        return None


def _looks_like_header(fields: list[str]) -> bool:
    """Column names: short, non-empty, distinct, and not prose, which puts a space after a delimiter but none
    before it ("red; violets"), where a table has none or both ("id | text")."""
    names = [f.strip() for f in fields]
    prose = any(f.startswith(" ") and not before.endswith(" ") for before, f in itertools.pairwise(fields))
    return not prose and all(0 < len(n) <= 40 for n in names) and len(set(names)) == len(names)


def _detect(name: str, data: bytes) -> str | None:
    """The delimiter of a .csv/.tsv/.txt upload's table, or None when a .txt file is plain text.

    .csv and .tsv: the candidate whose header has two or more fields and which gives the most rows as many
    fields; ties go to Sniffer's pick, then the suffix's own delimiter. None qualifying (a one-column file): the
    suffix's own. A .txt file is a table only on firm evidence (tab, semicolon or pipe, never comma, which prose
    is full of; a header of names; at least two rows; 90% of rows as wide as the header).
    """
    suffix = file_suffix(name)
    is_text = suffix == ".txt"
    default = "\t" if suffix == ".tsv" else ","
    candidates = ";\t|" if is_text else ",;\t|"
    sample, truncated = _sample(name, data)
    fits = [_fit(sample, c, truncated) for c in candidates]
    if is_text:
        fits = [f for f in fits if f.rows >= 2 and f.consistency >= 0.9 and _looks_like_header(f.header)]
    fits = [f for f in fits if len(f.header) >= 2]
    if not fits:
        return None if is_text else default
    sniffed = _sniffed(sample, candidates)
    best = max(fits, key=lambda f: (f.consistency, f.delimiter == sniffed, f.delimiter == default))
    return best.delimiter


def _delimiter(name: str, data: bytes, requested: str | None, in_archive: bool = False) -> str | None:
    """The delimiter a file is read with: the one requested, else the one detected; None for plain text (.md,
    a .txt without a table or asked to be plain text, any .txt inside a zip) and JSONL.

    Raises:
        ValueError: plain text asked for a .csv/.tsv file.
    """
    suffix = file_suffix(name)
    if suffix in JSONL_SUFFIXES or suffix == ".md" or (suffix == ".txt" and in_archive):
        return None
    if requested == PLAIN_TEXT:
        if suffix in TABLE_SUFFIXES:
            raise EmbedLabError(
                f"{name} is a table ({suffix}): choose its delimiter ({', '.join(DELIMITERS)}), not plain text"
            )
        return None
    return requested or _detect(name, data)


def detect_delimiter(name: str, data: bytes) -> str | None:
    """The delimiter an upload is read with when none is chosen.

    Returns:
        ``","``, ``";"``, ``"\\t"`` or ``"|"`` for a .csv/.tsv file, or a .txt file that holds a table; None for
        plain text, Markdown, JSONL and zips (whose members are detected one by one).

    Raises:
        ValueError: the file is not text (see :func:`decode`).
    """
    if _check_suffix(name) == ".zip":
        return None
    return _delimiter(name, data, None)


def applied_read_options(name: str, data: bytes, options: ReadOptions) -> ReadOptions | None:
    """``options`` with the delimiter the file is read with filled in, or None when they do not apply (the file is
    read as plain text); what a stored corpus's id must depend on.

    Raises:
        ValueError: the file is not text, or plain text was asked for a .csv/.tsv file.
    """
    suffix = _check_suffix(name)
    if suffix == ".zip" or suffix in JSONL_SUFFIXES:
        return options  # a zip's members are detected one by one, from its bytes
    delimiter = _delimiter(name, data, options.delimiter)
    return None if delimiter is None else replace(options, delimiter=delimiter)


def _columns(rows: list[dict[str, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows[:_HEAD_ROWS]:
        for key in row:
            if key is not None:
                seen.setdefault(key, None)
    return list(seen)


def _guess_text_column(rows: list[dict[str, str]], columns: list[str]) -> str:
    for column in columns:
        if column.strip().lower() in _TEXT_COLUMN_NAMES:
            return column
    sample = rows[:200]
    return max(columns, key=lambda c: sum(len(r.get(c) or "") for r in sample))


def _guess_label_column(rows: list[dict[str, str]], columns: list[str], text_column: str | None) -> str | None:
    """The column that looks like a label in the table's first rows: short values, few distinct ones (2 to
    ``MAX_LABEL_VALUES``, and at most half the rows), each repeated (a tenth of them may occur once, a rare class in
    a big table), filled in nearly every row. Among several, a label-like name first, then the most values."""
    candidates = []
    for column in columns:
        if column == text_column:
            continue
        values = [(row.get(column) or "").strip() for row in rows]
        filled = [value for value in values if value]
        if len(filled) < 4 or len(filled) < 0.8 * len(values):
            continue
        counts = collections.Counter(filled)
        if not 2 <= len(counts) <= min(MAX_LABEL_VALUES, len(filled) // 2):
            continue
        if max(map(len, counts)) > _MAX_LABEL_CHARS or sum(c == 1 for c in counts.values()) > 0.1 * len(counts):
            continue
        candidates.append((column.strip().lower() in _LABEL_COLUMN_NAMES, len(counts), -columns.index(column)))
    return columns[-max(candidates)[2]] if candidates else None


def _first_table(
    name: str, data: bytes, delimiter: str | None, in_archive: bool = False
) -> tuple[str, list[dict[str, str]]] | None:
    """The first rows of the upload's table, or of the first table in a zip; None for plain text."""
    if _check_suffix(name) == ".zip":
        tables = [(n, read) for n, read in _zip_members(name, data) if file_suffix(n) not in TEXT_SUFFIXES]
        if not tables:
            return None
        member_name, read = tables[0]
        return _first_table(member_name, read(), delimiter, in_archive=True)
    if file_suffix(name) in TEXT_SUFFIXES and (file_suffix(name) == ".md" or in_archive):
        return None
    _check_line_lengths(name, data)
    used = _delimiter(name, data, delimiter, in_archive)
    if used is None and file_suffix(name) not in JSONL_SUFFIXES:
        return None
    return name, _table_head(name, decode(data, name)[0], used or ",")


def table_columns(name: str, data: bytes, delimiter: str | None = None) -> tuple[list[str], str | None]:
    """The column (CSV/TSV, or a .txt holding a table) or field (JSONL) names of an upload and the one read as
    text by default.

    Args:
        delimiter: as ``ReadOptions.delimiter``: None detects it (:func:`detect_delimiter`).

    Returns:
        ``([], None)`` for plain text; else the columns and the default text column (a text-like name,
        else the column with the longest values).

    Raises:
        ValueError: the file cannot be read (not text, a line too long, a bad JSONL line or zip...).
    """
    table = _first_table(name, data, ReadOptions(delimiter=delimiter).delimiter)
    if table is None:
        return [], None
    columns = _columns(table[1])
    return columns, (_guess_text_column(table[1], columns) if columns else None)


def label_column_guess(
    name: str, data: bytes, delimiter: str | None = None, text_column: str | None = None
) -> str | None:
    """The column (CSV/TSV) or field (JSONL) of an upload that looks like a label: few distinct short values, each
    repeated, in nearly every row (of the first 1,000); the one the Corpus page pre-selects. None for plain text
    or when no column looks like one.

    Args:
        delimiter: as ``ReadOptions.delimiter``: None detects it.
        text_column: the column read as text (never the label); None: the default text column.

    Raises:
        ValueError: the file cannot be read (as :func:`table_columns`).
    """
    table = _first_table(name, data, ReadOptions(delimiter=delimiter).delimiter)
    if table is None:
        return None
    rows = table[1]
    columns = _columns(rows)
    if not columns:
        return None
    return _guess_label_column(rows, columns, text_column or _guess_text_column(rows, columns))


def _zip_members(name: str, data: bytes) -> list[tuple[str, Callable[[], bytes]]]:
    """The archive's readable members by name, each with a function that reads (decompresses) it when called."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise EmbedLabError(f"{name}: not a valid zip archive (damaged, or another kind of file named .zip)") from None
    infos = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not PurePosixPath(info.filename).name.startswith(".")
        and "__MACOSX" not in info.filename
        and file_suffix(info.filename) in ACCEPTED_SUFFIXES
        and file_suffix(info.filename) != ".zip"
    ]
    if len(infos) > config.MAX_ZIP_MEMBERS:
        raise EmbedLabError(f"{name}: {len(infos)} files is more than the limit of {config.MAX_ZIP_MEMBERS}")
    total = sum(info.file_size for info in infos)
    if total > config.MAX_ZIP_EXPANDED_BYTES:
        raise EmbedLabError(
            f"{name}: expands to {total / 1024 / 1024:,.0f} MB, more than the limit of "
            f"{config.MAX_ZIP_EXPANDED_BYTES / 1024 / 1024:,.0f} MB: split it into smaller archives"
        )
    if not infos:
        nested = [info.filename for info in archive.infolist() if file_suffix(info.filename) == ".zip"]
        if nested:
            raise EmbedLabError(
                f"{name}: the archive holds only other archives ({_listed(nested[:3])}); archives "
                "inside archives are not opened: unzip them and zip their files together"
            )
        raise EmbedLabError(f"{name}: the archive holds no .txt, .md, .csv, .tsv or .jsonl files")
    return [
        (info.filename, functools.partial(_read_member, name, archive, info))
        for info in sorted(infos, key=lambda i: i.filename)
    ]


def _read_member(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)  # never more than info.file_size bytes, which the caller capped
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error) as error:
        # RuntimeError: encrypted member; NotImplementedError: unsupported compression
        raise EmbedLabError(f"{name}: cannot read {_shown(info.filename)} from the archive ({error})") from None


def read_documents(name: str, data: bytes, options: ReadOptions = ReadOptions()) -> RawDocuments:
    """Read an upload into documents (and labels when a label column is chosen).

    Plain text and Markdown: one document per paragraph (blank-line separated), or per line when the file has
    no blank lines (one-document-a-line corpora). Tables (CSV/TSV, JSONL, a .txt holding a table): one per
    non-empty row; the delimiter is ``options.delimiter``, else detected (:func:`detect_delimiter`) and, when
    it is not the suffix's usual one, named in a notice.

    Raises:
        ValueError: the file cannot be read; the message says why and what to do.
    """
    return _read_documents(name, data, options, in_archive=False)


def _read_documents(name: str, data: bytes, options: ReadOptions, in_archive: bool) -> RawDocuments:
    suffix = _check_suffix(name)
    if suffix == ".zip":
        return _zip_documents(name, data, options)
    _check_line_lengths(name, data)
    delimiter = _delimiter(name, data, options.delimiter, in_archive)
    text, notice = decode(data, name)
    notices = [notice] if notice else []
    if suffix in TEXT_SUFFIXES and delimiter is None:
        text = _unix_newlines(text)
        return RawDocuments(_Documents(lambda: _text_documents(text)), None, notices)
    delimiter = delimiter or ","  # JSONL: unused
    head = _table_head(name, text, delimiter)
    columns = _columns(head)
    if not columns:
        raise EmbedLabError(_no_rows_message(name, text, delimiter))
    if options.delimiter is None and delimiter != ("\t" if suffix == ".tsv" else ",") and suffix in (".csv", ".tsv"):
        notices.append(
            f"{name}: fields are separated by {_PLURALS[delimiter]} (detected), giving {len(columns)} columns: "
            f"{_listed(columns)}. If that is wrong, choose another delimiter."
        )
    elif options.delimiter is None and suffix == ".txt":
        notices.append(
            f"{name}: read as a table, its fields separated by {_PLURALS[delimiter]} (detected), giving "
            f"{len(columns)} columns: {_listed(columns)}. To read it as plain text, choose "
            f"'{_PLAIN_TEXT_NAME}' as the delimiter."
        )
    text_column = options.text_column or _guess_text_column(head, columns)
    for wanted in (text_column, options.label_column):
        if wanted and wanted not in columns:
            raise EmbedLabError(f"{name}: no column '{_shown(wanted)}'; the columns are: {_listed(columns)}")

    def documents() -> Iterator[str]:
        return (
            document for row in _table_rows(name, text, delimiter) if (document := row.get(text_column) or "").strip()
        )

    # One pass that keeps no text: the labels, the ragged rows, and whether the text column has any letter.
    labels: list[str] | None = [] if options.label_column else None
    ragged, kept, letters = [], 0, False
    for number, row in enumerate(_table_rows(name, text, delimiter), start=2):
        if None in row or None in row.values():
            ragged.append(number)
        document = row.get(text_column) or ""
        if document.strip():
            kept += 1
            letters = letters or bool(_LETTER.search(document))
            if labels is not None:
                labels.append(row.get(options.label_column or "") or "")
    if not options.text_column and kept and not letters:
        raise EmbedLabError(
            f"{name}: no text column found: '{_shown(text_column)}' (the best guess) holds only "
            f"numbers or symbols; choose the column with the text (the columns are: {_listed(columns)})"
        )
    if ragged:
        shown = ", ".join(map(str, ragged[:10])) + (", …" if len(ragged) > 10 else "")
        separated = _PLURALS[delimiter]
        notices.append(
            f"{name}: {len(ragged):,} rows do not have the header's {len(columns)} fields separated by {separated} "
            f"(rows {shown}, the header being row 1): extra fields were ignored, missing ones read as empty. "
            f"If a text holds {separated}, put it in double quotes; if another character separates the fields, "
            "choose it as the delimiter."
        )
    guess = None if options.label_column else _guess_label_column(head, columns, text_column)
    return RawDocuments(
        _Documents(documents), labels, notices, delimiter if suffix not in JSONL_SUFFIXES else None, guess
    )


def zip_member_names(name: str, data: bytes) -> list[str]:
    """The members of a zip upload that are read as documents, in the order they are read (by name).

    Raises:
        EmbedLabError: not a zip, too many members, too big expanded, or nothing readable inside.
    """
    return [member for member, _ in _zip_members(name, data)]


def read_zip_member(name: str, archive: zipfile.ZipFile, member: str, options: ReadOptions) -> RawDocuments:
    """One member of a zip upload read as :func:`read_documents` reads it inside the archive (its documents,
    labels and notices, named ``ARCHIVE/MEMBER``)."""
    data = _read_member(name, archive, archive.getinfo(member))
    return _read_documents(f"{name}/{_shown(member)}", data, options, in_archive=True)


def nested_archives_notices(name: str, data: bytes) -> list[str]:
    """The notice for archives inside a zip upload, which are not opened (none: an empty list)."""
    nested = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if file_suffix(n) == ".zip"]
    if not nested:
        return []
    return [
        f"{name}: {_listed(nested[:3])} inside it {'was' if len(nested) == 1 else 'were'} "
        "not opened (archives inside archives are skipped): unzip and add its files"
    ]


def _zip_documents(name: str, data: bytes, options: ReadOptions) -> RawDocuments:
    """The documents of every member in turn; a text member's documents get empty labels.

    Each member is read and checked here for its notices and labels, then read again, one member at a time,
    whenever the documents are iterated: the archive's expanded text (up to the cap) is never all in memory.
    """
    members = _zip_members(name, data)

    def member_documents(member: tuple[str, Callable[[], bytes]]) -> RawDocuments:
        member_name, read = member
        return _read_documents(f"{name}/{_shown(member_name)}", read(), options, in_archive=True)

    notices: list[str] = []
    labels: list[str] | None = [] if options.label_column else None
    guess = None
    for member in members:
        part = member_documents(member)
        notices.extend(part.notices)
        guess = guess or part.label_guess  # the first table's, as the page's pickers show its columns
        if labels is not None:
            labels.extend(part.labels if part.labels is not None else [""] * sum(1 for _ in part.texts))
    notices.extend(nested_archives_notices(name, data))
    return RawDocuments(
        _Documents(lambda: itertools.chain.from_iterable(member_documents(member).texts for member in members)),
        labels,
        notices,
        label_guess=guess,
    )


_LETTER = re.compile(r"[^\W\d_]")


def _no_rows_message(name: str, text: str, delimiter: str) -> str:
    """Why a table gave no rows: empty, or a header with nothing below it."""
    if file_suffix(name) not in JSONL_SUFFIXES and text.strip():
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        return (
            f"{name}: only a header row ({_listed(header)}) and no rows below it: add one row per "
            "document and upload the file again"
        )
    return f"{name}: no columns found, the file is empty: upload a file with one document per row"


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_BLANK_LINE = re.compile(r"\n\s*\n")


_NEWLINE = re.compile(r"\n")


_NOT_SPACE = re.compile(r"\S")


def _text_documents(text: str) -> Iterator[str]:
    """Paragraphs of ``\\n``-separated text, or its lines when no blank line separates paragraphs; stripped."""
    first = _NOT_SPACE.search(text)
    if first is None:
        return
    end = len(text)
    while text[end - 1].isspace():
        end -= 1
    separator = _BLANK_LINE if _BLANK_LINE.search(text, first.start(), end) else _NEWLINE  # inside the text only
    start = 0
    for match in separator.finditer(text):
        if part := text[start : match.start()].strip():
            yield part
        start = match.end()
    if part := text[start:].strip():
        yield part


def check_size(name: str, size: int) -> None:
    """Refuse a corpus file over ``config.MAX_UPLOAD_MB``, saying how to get under it."""
    if size > config.MAX_UPLOAD_MB * 1024 * 1024:
        raise EmbedLabError(
            f"{name} is {size / 1024 / 1024:,.1f} MB, over the {config.MAX_UPLOAD_MB} MB limit for a "
            f"corpus file: split it into smaller files, or zip it (a zip may expand to "
            f"{config.MAX_ZIP_EXPANDED_BYTES / 1024 / 1024:,.0f} MB)"
        )
