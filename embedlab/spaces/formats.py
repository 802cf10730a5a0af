"""Word-vector files: reading (word2vec text/binary, GloVe text, fastText ``.vec``), writing, and uploads.

Reading never unpickles and never leans on gensim's messages: every format is parsed here, streaming, so a
malformed file is rejected with its name, the line (or vector) number and what was wrong there, e.g.
``glove.txt, line 17: expected 300 numbers after the word, found 299 (read as GloVe text)``. A file whose first
bytes say it is something else (a pickle such as gensim's ``.model``, an image, an archive) is refused unread.

Formats read (detected from the bytes, not the file name):

- **word2vec text** / **fastText .vec**: a header line ``N D``, then ``word x1 ... xD`` a line.
- **word2vec binary**: the header line, then per word ``word<space>`` and D little-endian float32 (an optional
  newline before the next word, as the original C tool writes).
- **GloVe text**: like word2vec text without the header; D is the most common count of numbers on the first
  lines (so a first line whose word holds spaces does not set it).

Words are never merged or dropped silently. A word that is not valid UTF-8 is read as Latin-1 (old tools), or, when
only its last character was cut by the writer's byte limit, without that partial character; a word holding ASCII
whitespace (GloVe Common Crawl lines with more fields than D + 1) gets ``_`` for each run of it. Every such word is
renamed to a name no other word of the file has (escaped bytes ``\\xe9`` where the readable name is taken), and
listed in :attr:`VectorsFile.renamed`; a word that really occurs twice keeps its first vector and is listed in
:attr:`VectorsFile.repeated`. Unlike gensim's ``load_word2vec_format`` (which decodes with one ``unicode_errors``
rule for the whole file, so ``caf\\xe9`` and ``caf\\xe8`` both become ``caf\ufffd`` and one vector is lost, and
refuses a line with spaces in its word), nothing collapses.

``limit`` reads only the first N vectors (files list the most frequent words first, as gensim's ``limit``), streaming:
memory is bounded by what is kept, not by the file's size.

Formats written (atomically: temp file, then one rename): word2vec text and binary, and the TensorFlow
Embedding Projector's ``vectors.tsv`` (tab-separated numbers, no header) + ``metadata.tsv`` (header
``word<TAB>count``, then one row per word in the same order), as a folder or a zip.

Uploaded vectors files are stored once under ``EMBEDLAB_HOME/vectors/`` by a hash of their bytes, with the
user's file name kept in the registry; each is the space ``vectors:/abs/path``.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import numpy as np

from embedlab import store
from embedlab.corpus.readers import file_kind
from embedlab.errors import EmbedLabError


class VectorFormat(str, Enum):
    """The formats :func:`read_vectors` understands (fastText ``.vec`` is word2vec text)."""

    WORD2VEC_TEXT = "word2vec text"
    WORD2VEC_BINARY = "word2vec binary"
    GLOVE_TEXT = "GloVe text"


class ExportFormat(str, Enum):
    """The formats :func:`write_vectors` writes."""

    WORD2VEC = "word2vec"
    WORD2VEC_BINARY = "word2vec-binary"
    PROJECTOR = "projector"


EXPORT_MIME = {
    ExportFormat.WORD2VEC: "text/plain",
    ExportFormat.WORD2VEC_BINARY: "application/octet-stream",
    ExportFormat.PROJECTOR: "application/zip",
}


EXPORT_SUFFIX = {
    ExportFormat.WORD2VEC: ".txt",
    ExportFormat.WORD2VEC_BINARY: ".bin",
    ExportFormat.PROJECTOR: "-projector.zip",
}


_BOM = b"\xef\xbb\xbf"


_HEADER = re.compile(rb"\s*([0-9]+)\s+([0-9]+)\s*")


# Bytes that never occur in a text vectors file but are common in raw float32 data.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_CHUNK = 1 << 20


_MAX_WORD_BYTES = 10_000  # a binary "word" longer than this means the file is not what its header says


@dataclass(frozen=True)
class RenamedWord:
    """A word of a file that could not be kept as written, and the name it got.

    Attributes:
        raw: the word as in the file, printable: undecodable bytes as ``\\xNN``, e.g. ``caf\\xe9``.
        word: its name in the space, e.g. ``café``.
        reason: why, in words: ``not UTF-8, read as Latin-1``, ``last character cut by the writer's byte limit``,
            ``held spaces``.
    """

    raw: str
    word: str
    reason: str

    def __str__(self) -> str:
        return f"'{self.raw}' → '{self.word}' ({self.reason})"


@dataclass(frozen=True, eq=False)
class VectorsFile:
    """What :func:`read_vectors` found in a file.

    Attributes:
        words: the vocabulary in file order, each word once (the first occurrence wins).
        vectors: float32 array of shape (len(words), dim), as stored (not normalised).
        format: the format it was read as.
        duplicates: how many later repeats of a word were dropped.
        renamed: words that could not be kept as written (not UTF-8, cut, holding spaces), with their new names.
        repeated: the words that occurred more than once (each counted in ``duplicates`` per extra occurrence).
        entries: how many vectors were read (``len(words) + duplicates``).
        limit: the ``limit`` it was read with (None: the whole file).
        complete: False when ``limit`` stopped reading before the end of the file.
    """

    words: tuple[str, ...]
    vectors: np.ndarray
    format: VectorFormat
    duplicates: int = 0
    renamed: tuple[RenamedWord, ...] = ()
    repeated: tuple[str, ...] = ()
    limit: int | None = None
    complete: bool = True

    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def entries(self) -> int:
        return len(self.words) + self.duplicates

    @property
    def zero_words(self) -> tuple[str, ...]:
        """Words whose vector is all zeros (padding, unknown): cosine is undefined for them, so spaces leave them
        out (see ``EmbeddingSpace.zero_words``)."""
        return zero_row_words(self.words, self.vectors)

    def notes(self) -> list[str]:
        """What reading changed or left out, one sentence each (empty when the file was read exactly as written)."""
        out = []
        if self.renamed:
            out.append(f"{_words(len(self.renamed))} renamed: {_listed(self.renamed)}")
        if self.duplicates:
            out.append(
                f"{self.duplicates:,} repeated {'entry' if self.duplicates == 1 else 'entries'} dropped, each word "
                f"keeping its first vector: {_listed(self.repeated)}"
            )
        zero = self.zero_words
        if zero:
            out.append(
                f"{_words(len(zero))} with an all-zero vector, left out of neighbours and scores because cosine is "
                f"undefined for them: {_listed(zero)}"
            )
        if not self.complete:
            out.append(
                f"kept the first {_words(len(self.words))} (limit {self.limit:,}); the rest of the file is unread"
            )
        return out


def zero_row_words(words: Sequence[str], vectors: np.ndarray) -> tuple[str, ...]:
    """The words whose row of ``vectors`` (shape (len(words), dim)) has no direction: all zeros, or so small that its
    float32 norm is 0."""
    rows = np.asarray(vectors, dtype=np.float32)
    zero = np.flatnonzero(np.einsum("ij,ij->i", rows, rows) == 0)
    return tuple(words[int(i)] for i in zero)


def _listed(items: Iterable[str | RenamedWord], shown: int = 12) -> str:
    """``'a', 'b'`` or ``'a', 'b', … and 88 more``: names in a message, never thousands of them."""
    items = [item if isinstance(item, RenamedWord) else f"'{item}'" for item in items]
    head = ", ".join(str(item) for item in items[:shown])
    return head + (f", … and {len(items) - shown:,} more" if len(items) > shown else "")


class _Malformed(Exception):
    """Where a file stopped making sense (``line 17`` / ``vector 3 of 10``) and why; worded by the caller."""

    def __init__(self, where: str | None, reason: str) -> None:
        super().__init__(reason)
        self.where, self.reason = where, reason

    def message(self, label: str, kind: VectorFormat) -> str:
        place = f"{label}, {self.where}" if self.where else label
        return f"{place}: {self.reason} (read as {kind.value})"


def _show(token: bytes, limit: int = 30) -> str:
    """A token from a user's file, safe and short enough to quote in a message."""
    text = token.decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _numbers(count: int) -> str:
    return f"{count:,} number" + ("" if count == 1 else "s")


def _words(count: int) -> str:
    return f"{count:,} word" + ("" if count == 1 else "s")


def _parse_header(line: bytes, where: str) -> tuple[int, int]:
    match = _HEADER.fullmatch(line.removeprefix(_BOM))
    if not match:
        raise _Malformed(where, f"expected a header 'WORDS DIMENSIONS' such as '400000 300', found '{_show(line)}'")
    count, dim = int(match.group(1)), int(match.group(2))
    if count == 0 or dim == 0:
        raise _Malformed(where, f"the header says {_words(count)} of {_numbers(dim)}: the file holds no vectors")
    return count, dim


def _looks_like_header(line: bytes) -> bool:
    return _HEADER.fullmatch(line.removeprefix(_BOM)) is not None


def _first_line(handle: BinaryIO) -> bytes | None:
    """The first line holding anything but whitespace (at most 1 MiB of it), or None for an empty file."""
    while True:
        line = handle.readline(_CHUNK)
        if not line:
            return None
        if line.removeprefix(_BOM).strip():
            return line


def _is_number(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _bad_number(tokens: Sequence[bytes]) -> str:
    """Why ``tokens`` did not convert to finite float32 values: the first offender, named."""
    for token in tokens:
        try:
            value = float(token)
        except ValueError:
            return f"'{_show(token)}' is not a number"
        if value != value or value in (float("inf"), float("-inf")):
            return f"'{_show(token)}' is not a finite number: NaN and infinity are not allowed"
        if abs(value) > float(np.finfo(np.float32).max):
            return f"'{_show(token)}' is too large for a 32-bit float"
    return "the numbers do not convert to 32-bit floats"


def _glove_dim(handle: BinaryIO, lines: int = 1000) -> tuple[int, int] | None:
    """D of a GloVe file and the first line showing it: the most common count of numbers after the word on its
    first ``lines`` lines holding any (a line whose word holds spaces has more fields, so it cannot set D on its
    own); None when no line has numbers after its word."""
    counts: Counter[int] = Counter()
    first: dict[int, int] = {}
    for line_no, line in enumerate(handle, 1):
        fields = len((line.removeprefix(_BOM) if line_no == 1 else line).split())
        if fields > 1:
            counts[fields - 1] += 1
            first.setdefault(fields - 1, line_no)
            if counts.total() == lines:
                break
    if not counts:
        return None
    dim = max(counts, key=lambda d: (counts[d], -first[d]))  # ties: the count seen first, as on the first line
    return dim, first[dim]


def _grown(rows: np.ndarray | None, dim: int, most: int, at_once: bool) -> np.ndarray:
    """A float32 array of shape (M, dim) holding ``rows`` first, M at most ``most``: all of it at once when asked (a
    limit: what is kept) or small, else 1.5 times the rows held, so reading a whole big file never sizes it twice."""
    held = 0 if rows is None else len(rows)
    size = most if at_once or most <= 1 << 16 else min(most, max(1 << 16, held * 3 // 2))
    bigger = np.empty((size, dim), dtype=np.float32)
    if rows is not None:
        bigger[:held] = rows
    return bigger


def _read_text(
    handle: BinaryIO, size: int, with_header: bool, limit: int | None = None, glove: tuple[int, int] | None = None
) -> tuple[list[bytes], np.ndarray, bool]:
    """Parse word2vec text (``with_header``) or GloVe text (``glove``: D and the line that shows it, from
    :func:`_glove_dim`), line by line.

    A line with more than D + 1 fields whose field before the last D is not a number holds a word with spaces: its
    last D fields are the vector, the rest the word (its fields joined by one space). Reading stops after ``limit``
    vectors.

    Returns:
        The raw words, a float32 array of shape (len(words), D) and whether the whole file was read.

    Raises:
        _Malformed: naming the line and what was wrong on it.
    """
    words: list[bytes] = []
    expected: int | None = None  # the header's word count
    dim, dim_from = (None, "") if glove is None else (glove[0], f" (as on line {glove[1]})")
    cap = limit if limit is not None else size  # a row takes at least 2 bytes, so never more rows than size
    rows: np.ndarray | None = None
    line_no = header_line = last_data_line = 0
    complete = True
    with np.errstate(over="ignore", invalid="ignore"):
        for line in handle:
            line_no += 1
            parts = (line.removeprefix(_BOM) if line_no == 1 else line).split()
            if not parts:
                continue  # blank lines carry nothing; they still count for line numbers
            if with_header and expected is None:
                expected, dim = _parse_header(line, f"line {line_no}")
                header_line = line_no
                dim_from = f" (the header on line {line_no} says {dim:,})"
                # A row takes at least 2*dim+1 bytes, so a header cannot make us allocate more than the file holds.
                rows = np.empty((min(expected, size // (2 * dim + 1), cap), dim), dtype=np.float32)
                continue
            if len(words) == cap:
                complete = False
                break
            if expected is not None and len(words) == expected:
                raise _Malformed(
                    f"line {line_no}", f"the header (line {header_line}) says {_words(expected)}, but more follow"
                )
            if dim is None:
                if len(parts) < 2:
                    raise _Malformed(
                        f"line {line_no}",
                        f"'{_show(parts[0])}' has no numbers after it; expected a "
                        "word and its vector's numbers on each line",
                    )
                dim, dim_from = len(parts) - 1, f" (as on line {line_no})"
            if len(parts) < dim + 1 or (len(parts) > dim + 1 and _is_number(parts[-dim - 1])):
                raise _Malformed(
                    f"line {line_no}", f"expected {_numbers(dim)} after the word{dim_from}, found {len(parts) - 1:,}"
                )
            numbers = parts[len(parts) - dim :]
            try:
                row = np.array(numbers, dtype=np.float32)
            except ValueError:
                raise _Malformed(f"line {line_no}", _bad_number(numbers)) from None
            if not np.isfinite(row).all():
                raise _Malformed(f"line {line_no}", _bad_number(numbers))
            if rows is None or len(words) == len(rows):  # GloVe: no header to size the array by
                rows = _grown(rows, dim, min(cap, size // (2 * dim + 1)), at_once=limit is not None)
            rows[len(words)] = row
            words.append(b" ".join(parts[: len(parts) - dim]))
            last_data_line = line_no
    if expected is not None and not words:
        raise _Malformed(f"line {header_line}", f"the header says {_words(expected)}, but none follow")
    if complete and expected is not None and len(words) < expected and len(words) < cap:
        raise _Malformed(
            f"line {last_data_line}",
            f"the file ends after {_words(len(words))}, but its header (line {header_line}) says {expected:,}",
        )
    if dim is None or not words:
        raise _Malformed(None, "no word vectors found")
    if expected is not None and len(words) == expected:
        complete = True
    assert rows is not None  # words were read
    vectors = rows if len(rows) == len(words) else rows[: len(words)].copy()  # a view would keep the spare rows
    return words, vectors, complete


def _read_binary(handle: BinaryIO, size: int, limit: int | None = None) -> tuple[list[bytes], np.ndarray, bool]:
    """Parse word2vec binary: the header line, then per word ``word<space>`` and D little-endian float32; stop after
    ``limit`` vectors.

    Returns:
        The raw words, a float32 array of shape (len(words), D) and whether the whole file was read.

    Raises:
        _Malformed: naming the vector (1-based) and what was wrong with it.
    """
    header = _first_line(handle)
    count, dim = _parse_header(header or b"", "line 1")
    stride = 4 * dim
    wanted = count if limit is None else min(count, limit)
    rows = np.empty((min(wanted, max(size - handle.tell(), 0) // (stride + 2)), dim), dtype=np.float32)
    words: list[bytes] = []
    buffer, pos = bytearray(), 0

    def fill(needed: int) -> bool:  # make buffer[pos:] hold at least `needed` bytes; False at the end of file
        nonlocal buffer, pos
        while len(buffer) - pos < needed:
            more = handle.read(max(_CHUNK, needed))
            if not more:
                return False
            del buffer[:pos]
            pos = 0
            buffer += more
        return True

    for index in range(wanted):
        where = f"vector {index + 1:,} of {count:,}"
        while (space := buffer.find(b" ", pos)) == -1:
            if len(buffer) - pos > _MAX_WORD_BYTES:
                raise _Malformed(where, f"no space after its word within {_MAX_WORD_BYTES:,} bytes")
            if not fill(len(buffer) - pos + 1):
                found = f"after {_words(index)}" if index else "right after the header"
                raise _Malformed(where, f"the file ends {found}, but its header says {count:,}")
        word = bytes(buffer[pos:space]).lstrip(b"\r\n")  # the C tool writes a newline after each vector
        if not word:
            raise _Malformed(where, "the word is empty")
        pos = space + 1
        if not fill(stride):
            raise _Malformed(
                f"{where} ('{_show(word)}')", f"the file ends after {len(buffer) - pos:,} of its {stride:,} bytes"
            )
        row = np.frombuffer(buffer[pos : pos + stride], dtype="<f4")  # a copy: the buffer is resized later
        if not np.isfinite(row).all():
            raise _Malformed(f"{where} ('{_show(word)}')", "it holds NaN or infinite values")
        if index == len(rows):  # only when the header promised more than the file's size allows
            raise _Malformed(where, "the file is too short for the vectors its header promises")
        rows[index] = row
        words.append(word)
        pos += stride
    if wanted < count:
        return words, rows, False
    trailing = bytes(buffer[pos:]) + handle.read(4096)
    if trailing.strip():
        raise _Malformed(None, f"more bytes follow the {count:,} vectors its header announces")
    return words, rows, True


def _sample_after_first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        _first_line(handle)
        return handle.read(4096)


_ASCII_SPACE = re.compile(rb"[ \t\n\r\x0b\x0c]+")  # what splits fields, for us and for gensim
_FIELD_SEPARATOR = re.compile(r"[ \t\n\r\x0b\x0c]")
_CUT = "last character cut by the writer's byte limit"
_LATIN1 = "not UTF-8, read as Latin-1/Windows-1252"
# Latin-1 with the bytes 0x80-0x9F that Windows-1252 defines (curly quotes, the euro sign) read as it reads them:
# still one character per byte and no two bytes alike, so distinct words keep distinct names.
_WINDOWS_1252 = {i: bytes([i]).decode("cp1252") for i in range(0x80, 0xA0) if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_SPACED = "held spaces"


def _escaped(raw: bytes) -> str:
    """``raw`` with every byte that is not UTF-8 text, and every ASCII whitespace, as ``\\xNN``: one name per byte
    string, and one a vectors file can store."""
    text = raw.decode("utf-8", "backslashreplace")
    return re.sub(r"[ \t\n\r\x0b\x0c]", lambda m: f"\\x{ord(m.group()):02x}", text)


def _readable(raw: bytes) -> tuple[str, str] | None:
    """The name a word that cannot be kept as written should get, and why; None for valid UTF-8 without spaces."""
    spaced = _ASCII_SPACE.search(raw) is not None
    try:
        text = raw.decode("utf-8")
        reason = ""
    except UnicodeDecodeError:
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:  # valid but for an unfinished character at the end: what the C tool's byte limit leaves
            text = decoder.decode(raw, final=False)
            # A lone high byte after ASCII (caf\xe9) is a Latin-1 word far more often than a cut one; a cut is
            # evident when the word already holds other UTF-8 characters or the unfinished one has 2+ bytes.
            tail = len(raw) - len(text.encode("utf-8"))
            reason = _CUT if text and (tail > 1 or not text.isascii()) else _LATIN1
        except UnicodeDecodeError:
            text, reason = "", _LATIN1
        if reason == _LATIN1:
            text = raw.decode("latin-1").translate(_WINDOWS_1252)  # a character per byte: nothing is lost
    if spaced:
        text = "_".join(text.split())
        reason = f"{reason}; {_SPACED}" if reason else _SPACED
    return (text, reason) if reason else None


def _name_words(raw: list[bytes]) -> tuple[list[str], list[RenamedWord]]:
    """A name per raw word: its UTF-8 text, or for a word that cannot be kept as written a readable name that no
    other word of the file has (else its escaped bytes, else those with ``#2``...). Equal bytes get equal names."""
    names: list[str | None] = []
    odd: dict[bytes, tuple[str, str]] = {}
    for word in raw:
        try:
            text = word.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or _ASCII_SPACE.search(word) is not None:
            names.append(None)
            if word not in odd:
                found = _readable(word)
                assert found is not None  # not clean UTF-8 without spaces
                odd[word] = found
        else:
            names.append(text)
    if not odd:
        return [n for n in names if n is not None], []
    taken = {n for n in names if n is not None}
    given: dict[bytes, str] = {}
    renamed = []
    for word, (readable, reason) in odd.items():
        name = readable if readable and readable not in taken else _escaped(word)
        suffix = 1
        while name in taken:
            suffix += 1
            name = f"{_escaped(word)}#{suffix}"
        taken.add(name)
        given[word] = name
        renamed.append(RenamedWord(_escaped(word).replace("\\x20", " "), name, reason))
    return [n if n is not None else given[w] for n, w in zip(names, raw)], renamed


def _first_occurrences(words: list[str]) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """The rows to keep (each word's first occurrence; None when no word repeats) and the repeated words."""
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        first.setdefault(word, i)
    if len(first) == len(words):
        return None, ()
    seen = Counter(words)
    repeated = tuple(word for word in first if seen[word] > 1)
    return np.fromiter(first.values(), dtype=np.int64, count=len(first)), repeated


def _refuse_foreign(label: str, head: bytes) -> None:
    """Refuse, by its first bytes, a file that is not word vectors; a pickle is never opened."""
    kind = file_kind(head)
    if kind == "a Python pickle":
        raise EmbedLabError(
            f"{label} is a Python pickle (a gensim .model or .pkl file): EmbedLab never loads pickles "
            "from users, because opening one can run any code. Save the vectors as word2vec instead, "
            "e.g. in gensim model.wv.save_word2vec_format('vectors.bin', binary=True), and add that file"
        )
    if kind is not None:
        raise EmbedLabError(
            f"{label} is {kind}, not word vectors: add word2vec text or binary, GloVe text or a fastText .vec file"
        )


def read_vectors(
    path: str | Path, name: str | None = None, fmt: VectorFormat | str | None = None, limit: int | None = None
) -> VectorsFile:
    """Read a vectors file, streaming; the format is detected from its bytes unless ``fmt`` is given.

    A file whose first line is ``N D`` is word2vec text, or binary when it does not read as text; any other is
    GloVe text. Words that cannot be kept as written are renamed (see the module notes and
    :attr:`VectorsFile.renamed`); a word that occurs again keeps its first vector (:attr:`VectorsFile.repeated`).

    Args:
        path: the file.
        name: how messages call the file (default: its path), e.g. the name a user uploaded it under.
        fmt: read only as this format.
        limit: read only the first ``limit`` vectors (files list the most frequent words first); memory then grows
            with ``limit``, not with the file (as gensim's ``load_word2vec_format(limit=...)``).

    Returns:
        A :class:`VectorsFile`; ``vectors`` has shape (len(words), D).

    Raises:
        EmbedLabError: missing, empty or malformed file (its name, the line or vector number, what was wrong), a
            pickle or another kind of file, or ``limit`` below 1.
    """
    path = Path(path)
    label = name or str(path)
    if limit is not None and limit < 1:
        raise EmbedLabError(f"limit must be at least 1 word, got {limit}")
    if not path.is_file():
        raise EmbedLabError(f"no such vectors file: {path}")
    size = path.stat().st_size
    with path.open("rb") as handle:
        first = _first_line(handle)
    if first is None:
        raise EmbedLabError(f"{label}: empty file, expected word vectors")
    with path.open("rb") as handle:
        _refuse_foreign(label, handle.read(16))
    if fmt is not None:
        attempts = [VectorFormat(fmt)]
    elif _looks_like_header(first):
        attempts = [VectorFormat.WORD2VEC_TEXT, VectorFormat.WORD2VEC_BINARY]
    else:
        attempts = [VectorFormat.GLOVE_TEXT]
    failures: dict[VectorFormat, _Malformed] = {}
    for kind in attempts:
        try:
            with path.open("rb") as handle:
                if kind is VectorFormat.WORD2VEC_BINARY:
                    raw, vectors, complete = _read_binary(handle, size, limit)
                elif kind is VectorFormat.WORD2VEC_TEXT:
                    raw, vectors, complete = _read_text(handle, size, True, limit)
                else:
                    glove = _glove_dim(handle)
                    handle.seek(0)
                    raw, vectors, complete = _read_text(handle, size, False, limit, glove)
            break
        except _Malformed as problem:
            failures[kind] = problem
    else:
        kind = attempts[0]
        if len(attempts) > 1 and _CONTROL.search(_sample_after_first_line(path)):
            kind = VectorFormat.WORD2VEC_BINARY  # raw bytes after the header: the binary reader's story is the one
        message = failures[kind].message(label, kind)
        if kind is VectorFormat.GLOVE_TEXT and _CONTROL.search(first + _sample_after_first_line(path)):
            message += (
                "; the file looks binary, but a word2vec binary file starts with a line "
                "'WORDS DIMENSIONS' such as '400000 300'"
            )
        raise EmbedLabError(message)
    names, renamed = _name_words(raw)
    del raw
    read = len(names)
    keep, repeated = _first_occurrences(names)
    if keep is not None:
        vectors = vectors[keep]
        names = [names[i] for i in keep]
    duplicates = read - len(names)
    return VectorsFile(tuple(names), vectors, kind, duplicates, tuple(renamed), repeated, limit, complete)


def vectors_dim(path: str | Path, name: str | None = None) -> int:
    """The dimension of a vectors file, from its first line only: a word2vec header ``N D``, else the numbers after
    the word (GloVe text). The file is not checked further (:func:`read_vectors` does that).

    Raises:
        EmbedLabError: no such file, or an empty one.
    """
    path = Path(path)
    if not path.is_file():
        raise EmbedLabError(f"no such vectors file: {path}")
    with path.open("rb") as handle:
        first = _first_line(handle)
    if first is None:
        raise EmbedLabError(f"{name or path}: empty file, expected word vectors")
    if _looks_like_header(first):
        return _parse_header(first, "line 1")[1]
    return len(first.split()) - 1


def read_vectors_file(path: str | Path, name: str | None = None) -> tuple[tuple[str, ...], np.ndarray]:
    """Read word2vec text or binary, or GloVe text; see :func:`read_vectors`.

    Returns:
        The words and a float32 array of shape (len(words), dim).

    Raises:
        ValueError: missing or malformed file, with the line number and what was wrong.
    """
    found = read_vectors(path, name)
    return found.words, found.vectors


def _check_words(words: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise EmbedLabError(f"{len(words)} words but vectors of shape {vectors.shape}")
    for word in words:
        # Only ASCII whitespace separates fields (for gensim too): a no-break space or any other character stays.
        if not word or _FIELD_SEPARATOR.search(word):
            raise EmbedLabError(
                f"the word {word!r} is empty or holds whitespace (a space, tab or line break), which vectors "
                "files cannot store"
            )
        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            raise EmbedLabError(f"the word {word!r} is not valid Unicode text (a lone surrogate)") from None
    return vectors


def _number_lines(vectors: np.ndarray, separator: str) -> list[str]:
    """Each row as text; 9 significant digits give every float32 back exactly."""
    template = separator.join(["%.9g"] * vectors.shape[1])
    return [template % tuple(row) for row in vectors.tolist()]


def write_word2vec(handle: BinaryIO, words: Sequence[str], vectors: np.ndarray, binary: bool) -> None:
    """Write ``words`` and their ``vectors`` (shape (len(words), dim)) in word2vec's format (Mikolov's C tool, as
    gensim's ``KeyedVectors.save_word2vec_format`` writes it): a header line ``count dim``, then one word a line
    with its values as text, or as little-endian float32 bytes when ``binary``."""
    handle.write(f"{len(words)} {vectors.shape[1]}\n".encode())
    if binary:
        little = vectors.astype("<f4", copy=False)
        for word, row in zip(words, little):
            handle.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")  # the C tool's layout
        return
    for start in range(0, len(words), 10_000):
        stop = start + 10_000
        lines = _number_lines(vectors[start:stop], " ")
        handle.write("".join(f"{w} {line}\n" for w, line in zip(words[start:stop], lines)).encode("utf-8"))


def _write_projector_tsv(
    vectors_handle: BinaryIO,
    metadata_handle: BinaryIO,
    words: Sequence[str],
    vectors: np.ndarray,
    counts: Sequence[int] | np.ndarray,
) -> None:
    metadata_handle.write(b"word\tcount\n")
    for start in range(0, len(words), 10_000):
        stop = start + 10_000
        vectors_handle.write("".join(line + "\n" for line in _number_lines(vectors[start:stop], "\t")).encode())
        metadata_handle.write(
            "".join(f"{w}\t{int(c)}\n" for w, c in zip(words[start:stop], counts[start:stop])).encode("utf-8")
        )


def projector_zip(words: Sequence[str], vectors: np.ndarray, counts: Sequence[int] | np.ndarray | None = None) -> bytes:
    """A zip holding the Embedding Projector's ``vectors.tsv`` and ``metadata.tsv`` (word, count)."""
    vectors = _check_words(words, vectors)
    counts = np.zeros(len(words), np.int64) if counts is None else np.asarray(counts)
    vectors_tsv, metadata_tsv = io.BytesIO(), io.BytesIO()
    _write_projector_tsv(vectors_tsv, metadata_tsv, words, vectors, counts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:  # 4x faster than the default
        archive.writestr("vectors.tsv", vectors_tsv.getvalue())
        archive.writestr("metadata.tsv", metadata_tsv.getvalue())
    return out.getvalue()


def word2vec_bytes(words: Sequence[str], vectors: np.ndarray, binary: bool = False) -> bytes:
    """A word2vec file (text or binary) as bytes."""
    out = io.BytesIO()
    write_word2vec(out, words, _check_words(words, vectors), binary)
    return out.getvalue()


def write_vectors(
    out: str | Path,
    words: Sequence[str],
    vectors: np.ndarray,
    counts: Sequence[int] | np.ndarray | None = None,
    fmt: ExportFormat | str = ExportFormat.WORD2VEC,
) -> Path:
    """Write vectors to ``out`` atomically (a reader never sees half a file).

    Args:
        out: the file; for ``projector`` a folder that gets ``vectors.tsv`` and ``metadata.tsv``, or a ``.zip``
            file holding both.
        words: the vocabulary, in row order.
        vectors: array of shape (len(words), dim).
        counts: corpus counts for the projector's metadata (default 0).
        fmt: ``word2vec`` (text), ``word2vec-binary`` or ``projector``.

    Returns:
        The path written.

    Raises:
        ValueError: unknown format, a word a vectors file cannot hold, or ``out`` is of the wrong kind.
    """
    try:
        fmt = ExportFormat(fmt)
    except ValueError:
        raise EmbedLabError(f"format must be one of {', '.join(f.value for f in ExportFormat)}, got '{fmt}'") from None
    out = Path(out).expanduser()
    vectors = _check_words(words, vectors)
    counts = np.zeros(len(words), np.int64) if counts is None else np.asarray(counts)
    if fmt is ExportFormat.PROJECTOR and out.suffix.lower() == ".zip":
        store.write_bytes(out, projector_zip(words, vectors, counts))
    elif fmt is ExportFormat.PROJECTOR:
        if out.exists() and not out.is_dir():
            raise EmbedLabError(f"{out} is a file; the projector format writes a folder (or give a .zip path)")
        out.mkdir(parents=True, exist_ok=True)
        with (
            store.atomic_file(out / "vectors.tsv") as vectors_handle,
            store.atomic_file(out / "metadata.tsv") as metadata_handle,
        ):
            _write_projector_tsv(vectors_handle, metadata_handle, words, vectors, counts)
    else:
        if out.is_dir():
            raise EmbedLabError(f"{out} is a folder; give a file name such as {out / 'vectors.txt'}")
        with store.atomic_file(out) as handle:
            write_word2vec(handle, words, vectors, binary=fmt is ExportFormat.WORD2VEC_BINARY)
    return out
