"""Training pairs for fine-tuning: neighbouring sentences of a document, documents sharing a label, or the
user's ``anchor,positive`` CSV, split into training and held-out pairs that never share text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from embedlab import store
from embedlab.corpus.readers import decode
from embedlab.corpus.stored import no_labels_reason
from embedlab.errors import EmbedLabError
from embedlab.training.configs import FinetuneConfig

if TYPE_CHECKING:
    from embedlab.corpus.stored import Corpus


MIN_WORDS_PER_SENTENCE = 3


MIN_HELD_OUT_PAIRS = 20


MAX_HELD_OUT_PAIRS = 500


LABEL_DOCUMENT_SENTENCES = 3  # a labelled document enters a pair by its first sentences (MiniLM reads 256 tokens)


# The Train page's option for pairs of documents sharing a label (``FinetuneConfig.use_labels``; ``--use-labels`` on
# the command line): the refusal of a fine-tune without neighbouring sentences names it by this label.
LABEL_PAIRS_OPTION = "Pairs from the label column (documents sharing a label)"


LABEL_SOURCE = "documents sharing a label"  # Pairs.source of pairs from the label column


@dataclass(frozen=True)
class Pairs:
    """Training and held-out (anchor, positive) pairs; no held-out text appears in a training pair.

    Attributes:
        train: the pairs to train on.
        held_out: the pairs to measure on, never trained on; no two share a positive text (:func:`distinct_pairs`).
        source: where the pairs come from, in words (:data:`LABEL_SOURCE` for the label column).
        duplicates: held-out pairs dropped because their positive text repeats another held-out pair's.
        trained_documents: the corpus's documents (indices in ``corpus.documents()`` order) some training pair's
            text comes from; empty for a pairs file.
    """

    train: list[tuple[str, str]]
    held_out: list[tuple[str, str]]
    source: str
    duplicates: int = 0
    trained_documents: frozenset[int] = frozenset()

    @property
    def uses_labels(self) -> bool:
        """Whether the pairs were made from the corpus's label column (a model trained on them saw its labels)."""
        return self.source == LABEL_SOURCE


# A pair as make_pairs builds it: anchor, positive, and the corpus documents the two texts come from.
_Pair = tuple[str, str, tuple[int, ...]]


def distinct_pairs(pairs: Sequence[tuple[str, str]]) -> tuple[list[int], int]:
    """Which held-out pairs to keep so that no two share a positive text: the first of each, in order.

    Two held-out pairs with one positive text make each anchor's own positive tie exactly with the other's in any
    space (the same text, the same vector): retrieval would score a tie, not a ranking. A corpus of short
    descriptions repeats whole documents; a label pair's positive is another document's text.

    Args:
        pairs: ``(anchor, positive)`` texts.

    Returns:
        (the indices of the pairs kept, ascending; how many were dropped).
    """
    seen: set[str] = set()
    kept = []
    for i, (_, positive) in enumerate(pairs):
        if positive not in seen:
            seen.add(positive)
            kept.append(i)
    return kept, len(pairs) - len(kept)


def read_pairs_csv(path: str | Path) -> list[tuple[str, str]]:
    """Read the user's pairs file (see :func:`parse_pairs_csv`)."""
    path = Path(path)
    if not path.is_file():
        raise EmbedLabError(f"no such pairs file: {path}")
    return parse_pairs_csv(path.name, path.read_bytes())


def parse_pairs_csv(name: str, data: bytes) -> list[tuple[str, str]]:
    """The user's pairs: a CSV with a header row and the columns ``anchor,positive``.

    Raises:
        ValueError: missing columns or too few usable pairs, naming the problem.
    """
    text, _ = decode(data, name)
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise EmbedLabError(f"{name}: not a readable CSV ({error})") from None
    columns = {c for c in (rows[0] if rows else {}) if c is not None}
    if not {"anchor", "positive"} <= columns:
        found = ", ".join(repr(c) for c in sorted(columns)) or "none"
        raise EmbedLabError(f"{name}: needs the columns anchor and positive; found {found}")
    pairs = [
        (r["anchor"].strip(), r["positive"].strip())
        for r in rows
        if (r.get("anchor") or "").strip() and (r.get("positive") or "").strip()
    ]
    if len(pairs) < 2 * MIN_HELD_OUT_PAIRS:
        raise EmbedLabError(f"{name}: {len(pairs)} usable pairs; at least {2 * MIN_HELD_OUT_PAIRS} are needed")
    return pairs


def _neighbour_pairs(document: Sequence[str]) -> list[tuple[str, str]]:
    usable = [s for s in document if len(s.split()) >= MIN_WORDS_PER_SENTENCE]
    return [(first, second) for first, second in zip(usable, usable[1:]) if first != second]


def neighbour_pair_count(corpus: Corpus) -> int:
    """How many pairs of neighbouring sentences (of at least ``MIN_WORDS_PER_SENTENCE`` words) the corpus's documents
    hold: none for one-line documents (tickets, package descriptions)."""
    return sum(len(_neighbour_pairs(document)) for document in corpus.documents())


def label_pairs_advice(corpus: Corpus) -> str:
    """What to do when a corpus has too few neighbouring sentences to pair: the label option when it has labels,
    else how to get them (naming the column that looks like a label), else a bigger corpus or a pairs file."""
    option = f"'{LABEL_PAIRS_OPTION}' on the Train page (--use-labels on the command line)"
    if corpus.labels:
        return f"tick {option} to pair documents sharing a label, or give a pairs file"
    if corpus.label_guess:
        return (
            f"add {corpus.name} again with its column '{corpus.label_guess}' as the label column and tick {option}, "
            "or give a pairs file"
        )
    return (
        f"use a corpus whose documents have several sentences, or one with a label column and {option}, or give a "
        "pairs file"
    )


def prefers_label_pairs(corpus: Corpus, batch_size: int) -> bool:
    """Whether a fine-tune on ``corpus`` should pair documents by label: it has labels, and its documents hold too
    few neighbouring sentences to pair (one-line tickets, package descriptions: sentences minus documents, an upper
    bound of the sentence pairs, is under what :func:`make_pairs` needs). The Train page ticks the option then,
    rather than let a job start and fail."""
    neighbouring = corpus.stats.sentences - corpus.stats.documents
    return bool(corpus.labels) and neighbouring < MIN_HELD_OUT_PAIRS + batch_size


def _held_out_size(total: int, share: float) -> int:
    return min(MAX_HELD_OUT_PAIRS, max(MIN_HELD_OUT_PAIRS, round(total * share)))


def _label_pairs(corpus: Corpus, config: FinetuneConfig, rng: random.Random) -> tuple[list[_Pair], list[_Pair]]:
    """Supervised pairs from a label column: each document with another document of the same label.

    Documents are split into held-out and training sets first; pairs never cross the split. Within each label of a
    split, in shuffled order, each document is paired with the next (the last with the first), so every document is
    the positive of one pair: a positive drawn at random would repeat, and repeated positives tie.
    """
    if not corpus.labels:
        raise EmbedLabError(f"{no_labels_reason(corpus)}; or fine-tune on neighbouring sentences")
    texts = [" ".join(doc[:LABEL_DOCUMENT_SENTENCES]) for doc in corpus.documents()]
    documents = [i for i, text in enumerate(texts) if text and corpus.labels[i]]
    rng.shuffle(documents)
    size = _held_out_size(len(documents), config.held_out_share)
    splits = []
    for part in (documents[:size], documents[size:]):
        by_label: dict[str, list[int]] = {}
        for i in part:
            by_label.setdefault(corpus.labels[i], []).append(i)
        pairs: list[_Pair] = [
            (texts[i], texts[j], (i, j))
            for group in by_label.values()
            if len(group) > 1
            for i, j in zip(group, group[1:] + group[:1])
            if texts[i] != texts[j]  # two copies of one text: nothing to learn or rank
        ]
        splits.append(pairs)
    return splits[0], splits[1]


def _neighbour_split(corpus: Corpus, config: FinetuneConfig, rng: random.Random) -> tuple[list[_Pair], list[_Pair]]:
    """Pairs of neighbouring sentences, held out by whole documents so no held-out sentence is ever trained on;
    documents are held out until their pairs hold the held-out share of distinct positive texts (a line every
    document ends with counts once)."""
    documents = [(d, pairs) for d, pairs in enumerate(map(_neighbour_pairs, corpus.documents())) if pairs]
    total = sum(len(pairs) for _, pairs in documents)
    rng.shuffle(documents)
    size = _held_out_size(total, config.held_out_share)
    held_out: list[_Pair] = []
    train: list[_Pair] = []
    positives: set[str] = set()
    for d, pairs in documents:
        goes_to = held_out if len(positives) < size else train
        goes_to.extend((a, p, (d,)) for a, p in pairs)
        if goes_to is held_out:
            positives.update(p for _, p in pairs)
    return held_out, train


def make_pairs(corpus: Corpus, config: FinetuneConfig) -> Pairs:
    """Split pairs into training and held-out sets, seeded.

    Unsupervised pairs are held out by whole documents, so no held-out sentence is ever trained on; the user's
    pairs are held out pair by pair, and training pairs sharing text with a held-out pair are dropped. Held-out
    pairs repeating another's positive text are dropped (:func:`distinct_pairs`) and counted in ``duplicates``.

    Raises:
        ValueError: too few pairs to hold some out and still train.
    """
    rng = random.Random(config.seed)
    held_out: list[_Pair]
    train: list[_Pair]
    if config.pairs_file:
        pairs = read_pairs_csv(config.pairs_file)
        rng.shuffle(pairs)
        size = _held_out_size(len(pairs), config.held_out_share)
        held_out, train = [(a, p, ()) for a, p in pairs[:size]], [(a, p, ()) for a, p in pairs[size:]]
        source = f"pairs file {Path(config.pairs_file).name}"
    elif config.use_labels:
        held_out, train = _label_pairs(corpus, config, rng)
        source = LABEL_SOURCE
    else:
        held_out, train = _neighbour_split(corpus, config, rng)
        source = "neighbouring sentences of the corpus"
    kept, duplicates = distinct_pairs([(a, p) for a, p, _ in held_out])
    held_out = [held_out[i] for i in kept][:MAX_HELD_OUT_PAIRS]
    seen = {text for a, p, _ in held_out for text in (a, p)}
    train = [pair for pair in train if pair[0] not in seen and pair[1] not in seen]
    if len(held_out) < MIN_HELD_OUT_PAIRS or len(train) < config.batch_size:
        what = "pairs" if config.pairs_file else "label pairs" if config.use_labels else "sentence pairs"
        advice = (
            "use more pairs"
            if config.pairs_file
            else "label more documents, or give a pairs file"
            if config.use_labels
            else f"its documents have too few neighbouring sentences: {label_pairs_advice(corpus)}"
        )
        repeated = f" ({duplicates} held-out pairs repeating another's positive text dropped)" if duplicates else ""
        raise EmbedLabError(
            f"{len(held_out) + len(train)} {what} are too few to fine-tune with a held-out check{repeated}: need at "
            f"least {MIN_HELD_OUT_PAIRS} held out plus one batch ({config.batch_size}) to train; {advice}"
        )
    rng.shuffle(train)
    train = train[: config.max_pairs]
    return Pairs(
        [(a, p) for a, p, _ in train],
        [(a, p) for a, p, _ in held_out],
        source,
        duplicates,
        frozenset(d for _, _, documents in train for d in documents),
    )


HELD_OUT_FILE = "held_out.jsonl"  # in a fine-tuned run's folder: the pairs it held out, one JSON object a line


TRAINED_DOCUMENTS_FILE = "trained_documents.json"  # in a fine-tuned run's folder: the documents it trained on


def save_pairs(folder: Path, corpus_id: str, pairs: Pairs) -> None:
    """Keep with a fine-tuned run what it held out and what it trained on, so that no evaluation scores it on them:
    ``held_out.jsonl`` (``anchor``, ``positive``) and ``trained_documents.json`` (``corpus_id``, ``source``,
    ``labels``: whether the pairs came from the label column, ``documents``: the corpus documents its training pairs
    come from, ascending).

    Args:
        folder: the run's (staging) folder.
        corpus_id: the corpus the pairs were made from (document numbers mean something only there).
        pairs: from :func:`make_pairs`.
    """
    (folder / HELD_OUT_FILE).write_text(
        "".join(json.dumps({"anchor": a, "positive": p}, ensure_ascii=False) + "\n" for a, p in pairs.held_out),
        encoding="utf-8",
    )
    record = {
        "corpus_id": corpus_id,
        "source": pairs.source,
        "labels": pairs.uses_labels,
        "documents": sorted(pairs.trained_documents),
    }
    (folder / TRAINED_DOCUMENTS_FILE).write_text(json.dumps(record), encoding="utf-8")


def trained_texts(corpus: Corpus, documents: Iterable[int]) -> set[str]:
    """Every text a training pair made from these documents of ``corpus`` can hold: each of their sentences (pairs
    of neighbouring sentences) and their opening sentences as a label pair reads them."""
    found: set[str] = set()
    every = corpus.documents()
    for d in documents:
        found.update(every[d])
        found.add(" ".join(every[d][:LABEL_DOCUMENT_SENTENCES]))
    return found


@dataclass(frozen=True)
class TrainedDocuments:
    """Which of a corpus's documents a fine-tuned run trained on.

    Attributes:
        run_id: the run.
        corpus_id: the corpus its pairs came from.
        uses_labels: its pairs came from the label column, so it saw those documents' labels.
        documents: the documents (indices in ``corpus.documents()`` order) its training pairs came from; None when
            the run did not record them (fine-tuned before runs kept :data:`TRAINED_DOCUMENTS_FILE`).
    """

    run_id: str
    corpus_id: str
    uses_labels: bool
    documents: frozenset[int] | None


def trained_documents(spec: str) -> TrainedDocuments | None:
    """The documents the fine-tuned run ``spec`` trained on (:func:`save_pairs`); None for any other space."""
    record = store.get_run(spec)
    if record is None or not record.is_finetuned:
        return None
    path = store.runs_dir() / spec / TRAINED_DOCUMENTS_FILE
    if not path.is_file():
        return TrainedDocuments(spec, record.corpus_id, bool(record.params.get("use_labels")), None)
    found = json.loads(path.read_text(encoding="utf-8"))
    return TrainedDocuments(spec, found["corpus_id"], bool(found["labels"]), frozenset(found["documents"]))


def has_held_out_pairs(spec: str) -> bool:
    """Whether ``spec`` is a fine-tuned run that kept the pairs it held out."""
    return store.get_run(spec) is not None and (store.runs_dir() / spec / HELD_OUT_FILE).is_file()


def held_out_pairs(run_id: str) -> list[tuple[str, str]]:
    """The pairs a fine-tuned run held out and never trained on; empty for any other space."""
    if not has_held_out_pairs(run_id):
        return []
    path = store.runs_dir() / run_id / HELD_OUT_FILE
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [(row["anchor"], row["positive"]) for row in rows]


def save_pairs_upload(name: str, data: bytes) -> str:
    """Check an uploaded pairs CSV and keep it under ``EMBEDLAB_HOME/pairs/`` by content hash; returns its path.

    Raises:
        ValueError: the file is not a usable pairs CSV (see :func:`parse_pairs_csv`); nothing is kept.
    """
    parse_pairs_csv(name, data)
    path = store.cache_dir().parent / "pairs" / f"{hashlib.sha256(data).hexdigest()[:20]}.csv"
    store.write_bytes(path, data)
    return str(path)
