"""Word-vector files: reading (word2vec text/binary, GloVe text, fastText ``.vec``), writing, and uploads.

Reading never unpickles and never leans on gensim's messages: every format is parsed here, streaming, so a
malformed file is rejected with its name, the line (or vector) number and what was wrong there, e.g.
``glove.txt, line 17: expected 300 numbers after the word, found 299 (read as GloVe text)``. A file whose first
bytes say it is something else (a pickle such as gensim's ``.model``, an image, an archive) is refused unread.

Formats read (detected from the bytes, not the file name):

- **word2vec text** / **fastText .vec**: a header line ``N D``, then ``word x1 ... xD`` a line.
- **word2vec binary**: the header line, then per word ``word<space>`` and D little-endian float32 (an optional
  newline before the next word, as the original C tool writes).
- **GloVe text**: like word2vec text without the header; the first line sets D.

Formats written (atomically: temp file, then one rename): word2vec text and binary, and the TensorFlow
Embedding Projector's ``vectors.tsv`` (tab-separated numbers, no header) + ``metadata.tsv`` (header
``word<TAB>count``, then one row per word in the same order), as a folder or a zip.

Uploaded vectors files are stored once under ``EMBEDLAB_HOME/vectors/`` by a hash of their bytes, with the
user's file name kept in the registry; each is the space ``vectors:/abs/path``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
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


_EXPORT_SUFFIX = {
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


@dataclass(frozen=True, eq=False)
class VectorsFile:
    """What :func:`read_vectors` found in a file.

    Attributes:
        words: the vocabulary in file order, each word once (the first occurrence wins).
        vectors: float32 array of shape (len(words), dim), as stored (not normalised).
        format: the format it was read as.
        duplicates: how many later repeats of a word were dropped.
    """

    words: tuple[str, ...]
    vectors: np.ndarray
    format: VectorFormat
    duplicates: int = 0

    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


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


def _read_text(handle: BinaryIO, size: int, with_header: bool) -> tuple[list[bytes], np.ndarray]:
    """Parse word2vec text (``with_header``) or GloVe text, line by line.

    Raises:
        _Malformed: naming the line and what was wrong on it.
    """
    words: list[bytes] = []
    expected: int | None = None  # the header's word count
    dim: int | None = None
    dim_from = ""
    rows: np.ndarray | None = None
    glove_rows: list[np.ndarray] = []
    line_no = header_line = last_data_line = 0
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
                rows = np.empty((min(expected, size // (2 * dim + 1)), dim), dtype=np.float32)
                continue
            if expected is not None and len(words) == expected:
                raise _Malformed(
                    f"line {line_no}", f"the header (line {header_line}) says {_words(expected)}, but more follow"
                )
            numbers = parts[1:]
            if dim is None:
                if not numbers:
                    raise _Malformed(
                        f"line {line_no}",
                        f"'{_show(parts[0])}' has no numbers after it; expected a "
                        "word and its vector's numbers on each line",
                    )
                dim, dim_from = len(numbers), f" (as on line {line_no})"
            elif len(numbers) != dim:
                raise _Malformed(
                    f"line {line_no}", f"expected {_numbers(dim)} after the word{dim_from}, found {len(numbers):,}"
                )
            try:
                row = np.array(numbers, dtype=np.float32)
            except ValueError:
                raise _Malformed(f"line {line_no}", _bad_number(numbers)) from None
            if not np.isfinite(row).all():
                raise _Malformed(f"line {line_no}", _bad_number(numbers))
            if rows is not None:
                rows[len(words)] = row
            else:
                glove_rows.append(row)
            words.append(parts[0])
            last_data_line = line_no
    if expected is not None and not words:
        raise _Malformed(f"line {header_line}", f"the header says {_words(expected)}, but none follow")
    if expected is not None and len(words) < expected:
        raise _Malformed(
            f"line {last_data_line}",
            f"the file ends after {_words(len(words))}, but its header (line {header_line}) says {expected:,}",
        )
    if dim is None:
        raise _Malformed(None, "no word vectors found")
    vectors = rows[: len(words)] if rows is not None else np.stack(glove_rows)
    return words, vectors


def _read_binary(handle: BinaryIO, size: int) -> tuple[list[bytes], np.ndarray]:
    """Parse word2vec binary: the header line, then per word ``word<space>`` and D little-endian float32.

    Raises:
        _Malformed: naming the vector (1-based) and what was wrong with it.
    """
    header = _first_line(handle)
    count, dim = _parse_header(header or b"", "line 1")
    stride = 4 * dim
    rows = np.empty((min(count, max(size - handle.tell(), 0) // (stride + 2)), dim), dtype=np.float32)
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

    for index in range(count):
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
    trailing = bytes(buffer[pos:]) + handle.read(4096)
    if trailing.strip():
        raise _Malformed(None, f"more bytes follow the {count:,} vectors its header announces")
    return words, rows


def _sample_after_first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        _first_line(handle)
        return handle.read(4096)


def _decode_words(raw: list[bytes]) -> tuple[tuple[str, ...], np.ndarray | None, int]:
    """Words as text and, when some repeat, the rows to keep (each word's first occurrence)."""
    words = [w.decode("utf-8", "replace") for w in raw]
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        first.setdefault(word, i)
    if len(first) == len(words):
        return tuple(words), None, 0
    keep = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    return tuple(first), keep, len(words) - len(first)


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


def read_vectors(path: str | Path, name: str | None = None, fmt: VectorFormat | str | None = None) -> VectorsFile:
    """Read a vectors file; the format is detected from its bytes unless ``fmt`` is given.

    A file whose first line is ``N D`` is word2vec text, or binary when it does not read as text; any other is
    GloVe text. A word that occurs again keeps its first vector.

    Args:
        path: the file.
        name: how messages call the file (default: its path), e.g. the name a user uploaded it under.
        fmt: read only as this format.

    Raises:
        ValueError: missing, empty or malformed file: its name, the line or vector number, what was wrong.
    """
    path = Path(path)
    label = name or str(path)
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
                    raw, vectors = _read_binary(handle, size)
                else:
                    raw, vectors = _read_text(handle, size, with_header=kind is VectorFormat.WORD2VEC_TEXT)
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
    words, keep, duplicates = _decode_words(raw)
    if keep is not None:
        vectors = vectors[keep]
    return VectorsFile(words, vectors, kind, duplicates)


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
        if not word or any(ch.isspace() for ch in word):
            raise EmbedLabError(f"the word {word!r} is empty or holds whitespace, which vectors files cannot store")
    return vectors


def _number_lines(vectors: np.ndarray, separator: str) -> list[str]:
    """Each row as text; 9 significant digits give every float32 back exactly."""
    template = separator.join(["%.9g"] * vectors.shape[1])
    return [template % tuple(row) for row in vectors.tolist()]


def _write_word2vec(handle: BinaryIO, words: Sequence[str], vectors: np.ndarray, binary: bool) -> None:
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
    _write_word2vec(out, words, _check_words(words, vectors), binary)
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
            _write_word2vec(handle, words, vectors, binary=fmt is ExportFormat.WORD2VEC_BINARY)
    return out
