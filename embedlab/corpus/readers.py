"""Reading uploads, tokenising, corpus statistics, and the tokenised corpus written once on disk."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from embedlab import config
from embedlab.errors import EmbedLabError

TEXT_SUFFIXES = (".txt", ".md")


TABLE_SUFFIXES = (".csv", ".tsv")


JSONL_SUFFIXES = (".jsonl",)


ACCEPTED_SUFFIXES = TEXT_SUFFIXES + TABLE_SUFFIXES + JSONL_SUFFIXES + (".zip",)


_TEXT_COLUMN_NAMES = ("text", "body", "content", "document", "note", "sentence")


csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True)
class ReadOptions:
    """Which fields of a table (CSV/TSV/JSONL) hold the text and the optional label."""

    text_column: str | None = None
    label_column: str | None = None


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


def _suffix(name: str) -> str:
    return PurePosixPath(name.lower()).suffix


def _check_suffix(name: str) -> str:
    suffix = _suffix(name)
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


def _table_rows(name: str, text: str) -> Iterator[dict[str, str]]:
    """The rows of a table, parsed as they are read (JSONL is checked by :func:`_table_head` first)."""
    if _suffix(name) in JSONL_SUFFIXES:
        return (_json_object(line) for line in _lines(text) if line.strip())
    return _csv_rows(name, text, "\t" if _suffix(name) == ".tsv" else ",")


def _csv_rows(name: str, text: str, delimiter: str) -> Iterator[dict[str, str]]:
    try:
        yield from csv.DictReader(_lines(text), delimiter=delimiter)
    except csv.Error as error:  # e.g. a quoted field longer than the csv module's field limit
        kind = "TSV" if delimiter == "\t" else "CSV"
        raise EmbedLabError(f"{name}: not a readable {kind} file ({error})") from None


def _table_head(name: str, text: str) -> list[dict[str, str]]:
    """The first rows of a table, after checking a JSONL file whole."""
    if _suffix(name) in JSONL_SUFFIXES:
        _check_jsonl(name, text)
    return list(itertools.islice(_table_rows(name, text), _HEAD_ROWS))


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


def _first_table(name: str, data: bytes) -> tuple[str, list[dict[str, str]]] | None:
    """The first rows of the upload's table, or of the first table in a zip; None for plain text."""
    if _check_suffix(name) == ".zip":
        tables = [(n, read) for n, read in _zip_members(name, data) if _suffix(n) not in TEXT_SUFFIXES]
        if not tables:
            return None
        member_name, read = tables[0]
        return _first_table(member_name, read())
    if _suffix(name) in TEXT_SUFFIXES:
        return None
    _check_line_lengths(name, data)
    return name, _table_head(name, decode(data, name)[0])


def table_columns(name: str, data: bytes) -> tuple[list[str], str | None]:
    """The column (CSV/TSV) or field (JSONL) names of an upload and the one read as text by default.

    Returns:
        ``([], None)`` for plain text; else the columns and the default text column (a text-like name,
        else the column with the longest values).
    """
    table = _first_table(name, data)
    if table is None:
        return [], None
    columns = _columns(table[1])
    return columns, (_guess_text_column(table[1], columns) if columns else None)


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
        and _suffix(info.filename) in ACCEPTED_SUFFIXES
        and _suffix(info.filename) != ".zip"
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
        nested = [info.filename for info in archive.infolist() if _suffix(info.filename) == ".zip"]
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
    no blank lines (one-document-a-line corpora). Tables: one per non-empty row.
    """
    suffix = _check_suffix(name)
    if suffix == ".zip":
        return _zip_documents(name, data, options)
    _check_line_lengths(name, data)
    text, notice = decode(data, name)
    notices = [notice] if notice else []
    if suffix in TEXT_SUFFIXES:
        text = _unix_newlines(text)
        return RawDocuments(_Documents(lambda: _text_documents(text)), None, notices)
    head = _table_head(name, text)
    columns = _columns(head)
    if not columns:
        raise EmbedLabError(_no_rows_message(name, text))
    text_column = options.text_column or _guess_text_column(head, columns)
    for wanted in (text_column, options.label_column):
        if wanted and wanted not in columns:
            raise EmbedLabError(f"{name}: no column '{_shown(wanted)}'; the columns are: {_listed(columns)}")

    def documents() -> Iterator[str]:
        return (document for row in _table_rows(name, text) if (document := row.get(text_column) or "").strip())

    # One pass that keeps no text: the labels, the ragged rows, and whether the text column has any letter.
    labels: list[str] | None = [] if options.label_column else None
    ragged, kept, letters = [], 0, False
    for number, row in enumerate(_table_rows(name, text), start=2):
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
        notices.append(
            f"{name}: {len(ragged):,} rows do not have the header's {len(columns)} fields (rows {shown}, "
            "the header being row 1): extra fields were ignored, missing ones read as empty. If a text "
            "holds commas, put it in double quotes."
        )
    return RawDocuments(_Documents(documents), labels, notices)


def _zip_documents(name: str, data: bytes, options: ReadOptions) -> RawDocuments:
    """The documents of every member in turn; a text member's documents get empty labels.

    Each member is read and checked here for its notices and labels, then read again, one member at a time,
    whenever the documents are iterated: the archive's expanded text (up to the cap) is never all in memory.
    """
    members = _zip_members(name, data)

    def member_documents(member: tuple[str, Callable[[], bytes]]) -> RawDocuments:
        member_name, read = member
        return read_documents(f"{name}/{_shown(member_name)}", read(), options)

    notices: list[str] = []
    labels: list[str] | None = [] if options.label_column else None
    for member in members:
        part = member_documents(member)
        notices.extend(part.notices)
        if labels is not None:
            labels.extend(part.labels if part.labels is not None else [""] * sum(1 for _ in part.texts))
    nested = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if _suffix(n) == ".zip"]
    if nested:
        notices.append(
            f"{name}: {_listed(nested[:3])} inside it {'was' if len(nested) == 1 else 'were'} "
            "not opened (archives inside archives are skipped): unzip and add its files"
        )
    return RawDocuments(
        _Documents(lambda: itertools.chain.from_iterable(member_documents(member).texts for member in members)),
        labels,
        notices,
    )


_LETTER = re.compile(r"[^\W\d_]")


def _no_rows_message(name: str, text: str) -> str:
    """Why a table gave no rows: empty, or a header with nothing below it."""
    if _suffix(name) not in JSONL_SUFFIXES and text.strip():
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter="\t" if _suffix(name) == ".tsv" else ","))
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
