"""Training pairs for fine-tuning: neighbouring sentences of a document, documents sharing a label, or the
user's ``anchor,positive`` CSV, split into training and held-out pairs that never share text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections.abc import Sequence
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


@dataclass(frozen=True)
class Pairs:
    """Training and held-out (anchor, positive) pairs; no held-out text appears in a training pair."""

    train: list[tuple[str, str]]
    held_out: list[tuple[str, str]]
    source: str


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


def _label_pairs(
    corpus: Corpus, config: FinetuneConfig, rng: random.Random
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Supervised pairs from a label column: each document with another document of the same label.

    Documents are split into held-out and training sets first; pairs never cross the split.
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
        pairs = []
        for i in part:
            others = [j for j in by_label[corpus.labels[i]] if j != i]
            if others:
                pairs.append((texts[i], texts[rng.choice(others)]))
        splits.append(pairs)
    return splits[0], splits[1]


def make_pairs(corpus: Corpus, config: FinetuneConfig) -> Pairs:
    """Split pairs into training and held-out sets, seeded.

    Unsupervised pairs are held out by whole documents, so no held-out sentence is ever trained on; the user's
    pairs are held out pair by pair, and training pairs sharing text with a held-out pair are dropped.

    Raises:
        ValueError: too few pairs to hold some out and still train.
    """
    rng = random.Random(config.seed)
    if config.pairs_file:
        pairs = read_pairs_csv(config.pairs_file)
        rng.shuffle(pairs)
        size = _held_out_size(len(pairs), config.held_out_share)
        held_out, train = pairs[:size], pairs[size:]
        source = f"pairs file {Path(config.pairs_file).name}"
    elif config.use_labels:
        held_out, train = _label_pairs(corpus, config, rng)
        source = "documents sharing a label"
    else:
        documents = [pairs for pairs in map(_neighbour_pairs, corpus.documents()) if pairs]
        total = sum(len(p) for p in documents)
        rng.shuffle(documents)
        size = _held_out_size(total, config.held_out_share)
        held_out, train = [], []
        for pairs in documents:
            (held_out if len(held_out) < size else train).extend(pairs)
        held_out = held_out[:MAX_HELD_OUT_PAIRS]
        source = "neighbouring sentences of the corpus"
    seen = {text for pair in held_out for text in pair}
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
        raise EmbedLabError(
            f"{len(held_out) + len(train)} {what} are too few to fine-tune with a held-out check: need at least "
            f"{MIN_HELD_OUT_PAIRS} held out plus one batch ({config.batch_size}) to train; {advice}"
        )
    rng.shuffle(train)
    return Pairs(train[: config.max_pairs], held_out, source)


def has_held_out_pairs(spec: str) -> bool:
    """Whether ``spec`` is a fine-tuned run that kept the pairs it held out."""
    return store.get_run(spec) is not None and (store.runs_dir() / spec / "held_out.jsonl").is_file()


def held_out_pairs(run_id: str) -> list[tuple[str, str]]:
    """The pairs a fine-tuned run held out and never trained on; empty for any other space."""
    if not has_held_out_pairs(run_id):
        return []
    path = store.runs_dir() / run_id / "held_out.jsonl"
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
