"""The stored corpus: an upload read, tokenised and written once under a hash of its bytes and options
(``corpora/<id>/sentences.txt``, ``counts.tsv``, ``meta.json``), its statistics, and loading it back.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from embedlab import store
from embedlab.corpus.language import CorpusLanguages, identify_sentences
from embedlab.corpus.readers import (
    ReadOptions,
    applied_read_options,
    check_size,
    file_suffix,
    read_documents,
)
from embedlab.corpus.tokens import (
    TOKENIZER_VERSION,
    WORD,
    TokenizeOptions,
    TokenizeReport,
    apply_phrases,
    write_sentences,
)
from embedlab.errors import EmbedLabError
from embedlab.records import CorpusRecord, RunRecord


@dataclass(frozen=True)
class CorpusStats:
    """A corpus's counts: documents, sentences, tokens, distinct words (types), the share of types seen once, and the
    25 most frequent words with their counts."""

    documents: int
    sentences: int
    tokens: int
    types: int
    hapax_share: float  # share of distinct words seen exactly once
    top_words: list[tuple[str, int]]
    # what split the scripts written without spaces, and which (TokenizeReport.segmenter); None: none needed one
    segmenter: str | None = None
    # texts longer than MAX_SENTENCE_TOKENS without a sentence end, cut into pieces (TokenizeReport.split_sentences)
    split_sentences: int = 0
    # the languages of its text, with shares (embedlab.corpus.language); None: stored before they were identified,
    # read them with language.corpus_languages
    languages: CorpusLanguages | None = None


@dataclass(frozen=True)
class Corpus:
    """A tokenised corpus on disk: ``sentences.txt`` holds one sentence a line, tokens joined by spaces."""

    id: str
    name: str
    path: Path
    stats: CorpusStats
    options: dict
    notices: tuple[str, ...]
    counts: dict[str, int]  # word -> corpus count, most frequent first
    labels: tuple[str, ...] | None
    # read without a label column: the column that looked like one (``RawDocuments.label_guess``), else None
    label_guess: str | None = None

    @property
    def sentences_path(self) -> Path:
        return self.path / "sentences.txt"

    def sentences(self) -> list[list[str]]:
        with self.sentences_path.open(encoding="utf-8") as handle:
            return [line.split() for line in handle]

    def documents(self) -> list[list[str]]:
        """The sentences (tokens joined by spaces) grouped by document, in document order."""
        meta = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        with self.sentences_path.open(encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle]
        documents, start = [], 0
        for count in meta["sentences_per_document"]:
            documents.append(lines[start : start + count])
            start += count
        return documents


def content_id(name: str, data: bytes, read: ReadOptions, tokenize_options: TokenizeOptions) -> str:
    """The corpus id of an upload: ``c`` + 12 hex digits of the SHA-256 of its bytes and the options applied (the
    same file read the same way is the same corpus, here or on a Ray cluster)."""
    digest = hashlib.sha256(data)
    applied = applied_read_options(name, data, read)  # the delimiter used, detected or chosen; None: plain text
    options = {
        "format": file_suffix(name),
        "read": asdict(applied) if applied is not None else {},
        "tokenize": asdict(tokenize_options),
        "version": TOKENIZER_VERSION,
    }
    digest.update(json.dumps(options, sort_keys=True).encode())
    return "c" + digest.hexdigest()[:12]


def build_corpus(
    name: str, data: bytes, read: ReadOptions = ReadOptions(), tokenize_options: TokenizeOptions = TokenizeOptions()
) -> Corpus:
    """Read, tokenise and store an upload; the same bytes and options give back the stored corpus.

    Raises:
        ValueError: the file cannot be read or holds no words; the message says which and why.
    """
    check_size(name, len(data))
    corpus_id = content_id(name, data, read, tokenize_options)
    if (store.corpora_dir() / corpus_id / "meta.json").exists():
        return load_corpus(corpus_id)
    raw = read_documents(name, data, read)
    if not any(WORD.search(text) for text in raw.texts):  # what tokenize finds, without tokenising it all
        raise no_words_error(name, len(data), sum(1 for _ in raw.texts))

    def write(path: Path) -> tuple[Counter, list[int], TokenizeReport]:
        # Streamed to disk: the corpus's tokens are never one list in memory (a 100 MB upload stays < 1 GB).
        report = TokenizeReport()  # NFC and segmentation, for the stats and notices
        counts, per_document = write_sentences(raw.texts, tokenize_options.lowercase, path, report)
        return counts, per_document, report

    return save_corpus(corpus_id, name, read, tokenize_options, raw.notices, raw.labels, write, raw.label_guess)


def no_words_error(name: str, size: int, documents: int) -> EmbedLabError:
    """The message for an upload in which tokenising finds no word (``size`` in bytes)."""
    if not size:
        return EmbedLabError(f"{name}: no words found: the file is empty (0 bytes); choose the file with your text")
    return EmbedLabError(
        f"{name}: no words found ({documents} documents, all empty or without letters): "
        "check that this is the file with your text (for a table, that the text column is right)"
    )


def save_corpus(
    corpus_id: str,
    name: str,
    read: ReadOptions,
    tokenize_options: TokenizeOptions,
    notices: list[str],
    labels: list[str] | None,
    write_sentences: Callable[[Path], tuple[Counter, list[int], TokenizeReport]],
    label_guess: str | None = None,
) -> Corpus:
    """Store a corpus under ``corpora/<corpus_id>/`` in one rename, and register it: ``write_sentences(path)``
    writes the tokenised sentences (one a line, tokens joined by spaces) and returns the token counts, the
    sentences per document and what tokenising did; phrases (when asked for), statistics, ``counts.tsv`` and
    ``meta.json`` follow from them; ``label_guess`` is the column that looked like a label when none was chosen.
    How the sentences are made (here, or in parallel on a cluster:
    :mod:`embedlab.corpus.parallel`) changes nothing in what is stored."""
    folder = store.corpora_dir() / corpus_id
    options = {"read": asdict(read), "tokenize": asdict(tokenize_options)}
    store.remove_stale_staging(store.corpora_dir())
    try:
        with store.staged_dir(folder) as staging:
            counts, per_document, report = write_sentences(staging / "sentences.txt")
            if tokenize_options.phrases:
                counts = apply_phrases(staging / "sentences.txt", tokenize_options)
            ordered = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            stats = CorpusStats(
                documents=len(per_document),
                sentences=sum(per_document),
                tokens=sum(ordered.values()),
                types=len(ordered),
                hapax_share=sum(1 for c in ordered.values() if c == 1) / len(ordered),
                top_words=list(ordered.items())[:25],
                segmenter=report.segmenter,
                split_sentences=report.split_sentences,
                languages=identify_sentences(staging / "sentences.txt", per_document),
            )
            meta = {
                "id": corpus_id,
                "name": name,
                "stats": asdict(stats),
                "options": options,
                "notices": [*notices, *report.notices()],
                "labels": labels,
                "label_guess": label_guess if labels is None else None,
                "sentences_per_document": per_document,
            }
            (staging / "counts.tsv").write_text(
                "".join(f"{word}\t{count}\n" for word, count in ordered.items()), encoding="utf-8"
            )
            (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    except OSError:
        if not (folder / "meta.json").exists():  # another process did not win the race: a real error
            raise
    store.add_corpus(corpus_id, name, asdict(stats), options)
    return load_corpus(corpus_id)


def load_corpus(corpus_id: str) -> Corpus:
    """Load a stored corpus by id.

    Raises:
        ValueError: no corpus with that id.
    """
    folder = store.corpora_dir() / corpus_id
    if not re.fullmatch(r"c[0-9a-f]{12}", corpus_id) or not (folder / "meta.json").exists():
        raise EmbedLabError(f"no corpus '{corpus_id}' in {store.corpora_dir()}")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    with (folder / "counts.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            word, count = line.rstrip("\n").split("\t")
            counts[word] = int(count)
    stats = meta["stats"]
    stats["top_words"] = [tuple(pair) for pair in stats["top_words"]]
    if stats.get("languages") is not None:
        stats["languages"] = CorpusLanguages.from_dict(stats["languages"])
    return Corpus(
        id=corpus_id,
        name=meta["name"],
        path=folder,
        stats=CorpusStats(**stats),
        options=meta["options"],
        notices=tuple(meta["notices"]),
        counts=counts,
        labels=tuple(meta["labels"]) if meta["labels"] is not None else None,
        label_guess=meta.get("label_guess"),
    )


def no_labels_reason(corpus: Corpus) -> str:
    """Why a corpus has no labels, in a sentence (``""`` when it has them), for the Evaluate, Train and Verdict pages,
    the report and the CLI. A table read without the column that looks like its label is never said to have none:
    the sentence names that column and how to use it."""
    if corpus.labels:
        return ""
    if corpus.label_guess:
        column = corpus.label_guess
        return (
            f"{corpus.name} was added without a label column, though its column '{column}' looks like one: add it "
            f"again with '{column}' as the label column (Corpus page; --label-column {column} on the command line)"
        )
    return f"{corpus.name} has no label column: choose one when adding the corpus"


@dataclass(frozen=True)
class CorpusDeletion:
    """What deleting a stored corpus does (or would do): the runs trained on it are kept, with everything else.

    Attributes:
        id, name: the corpus.
        runs: the runs trained on it, newest first: kept (they still open with the baseline and vectors files on
            the other corpora; pages name their corpus "deleted corpus").
        refusal: why it cannot be deleted now (a training job on it has not ended); ``""`` when it can.
    """

    id: str
    name: str
    runs: tuple[RunRecord, ...]
    refusal: str = ""

    def runs_note(self, labels: Mapping[str, str] | None = None) -> str:
        """A sentence on the runs trained on it, each named by ``labels`` (run id -> label) or its summary and id."""
        if not self.runs:
            return "No run was trained on it."
        named = ", ".join((labels or {}).get(run.id) or f"{run.summary} ({run.id})" for run in self.runs)
        if len(self.runs) == 1:
            return (
                f"The run trained on it is kept: {named}. It still opens on the Compare, Evaluate and Verdict pages "
                "with the baseline and vectors files, on your other corpora."
            )
        return (
            f"The {len(self.runs)} runs trained on it are kept: {named}. They still open on the Compare, Evaluate "
            "and Verdict pages with the baseline and vectors files, on your other corpora."
        )


def corpus_deletion(corpus_id: str) -> CorpusDeletion:
    """What deleting the corpus would do: the runs trained on it (kept), or why it cannot be deleted now.

    Raises:
        EmbedLabError: no such corpus.
    """
    record = store.get_corpus(corpus_id)
    if record is None:
        raise EmbedLabError(f"no corpus '{corpus_id}' in the registry; it may have been deleted already")
    runs = tuple(run for run in store.list_runs() if run.corpus_id == corpus_id)
    active = [job for job in store.list_jobs() if job.corpus_id == corpus_id and job.is_active]
    refusal = ""
    if active:
        listed = ", ".join(f"{job.id} ({job.summary}, {job.status})" for job in active)
        refusal = (
            f"{record.name} cannot be deleted now: {len(active)} training job{'s' * (len(active) != 1)} on it "
            f"{'have' if len(active) != 1 else 'has'} not ended ({listed}); wait for "
            f"{'them' if len(active) != 1 else 'it'} to end, or cancel on the Train page, then delete it"
        )
    return CorpusDeletion(corpus_id, record.name, runs, refusal)


def delete_corpus(corpus_id: str) -> CorpusDeletion:
    """Delete a stored corpus (its registry row and its folder). The runs trained on it are kept, and every other
    corpus, run, job record, vectors file and cache file stays.

    Returns:
        What was deleted and which runs were kept.

    Raises:
        EmbedLabError: no such corpus, or a training job on it has not ended (the message says which and what to do).
    """
    found = corpus_deletion(corpus_id)
    if found.refusal:
        raise EmbedLabError(found.refusal)
    store.delete_corpus(corpus_id)
    return found


def read_upload_file(path: str | Path) -> bytes:
    """A corpus file's bytes, as an upload's: its size checked before a byte is read.

    Raises:
        EmbedLabError: no such file, or bigger than uploads may be.
    """
    path = Path(path)
    if not path.is_file():
        raise EmbedLabError(f"no such file: {path}")
    check_size(path.name, path.stat().st_size)  # before reading a byte of it
    return path.read_bytes()


def corpus_from_file(
    path: str | Path, read: ReadOptions = ReadOptions(), tokenize_options: TokenizeOptions = TokenizeOptions()
) -> Corpus:
    """The CLI's entry: a raw file on disk, tokenised exactly as an upload in the app."""
    return build_corpus(Path(path).name, read_upload_file(path), read, tokenize_options)


def list_corpora() -> list[CorpusRecord]:
    """The stored corpora whose files are still there, newest first."""
    return [row for row in store.list_corpora() if (store.corpora_dir() / row.id / "meta.json").exists()]
