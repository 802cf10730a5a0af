"""A corpus of many files read, tokenised and counted in parallel with Ray Data, across a Ray cluster's workers.

The result is the corpus :func:`embedlab.corpus.build_corpus` stores from the same bytes and options — the same id,
``sentences.txt``, ``counts.tsv`` and ``meta.json`` byte for byte — because each worker runs the local path's own
functions on whole members of the archive (documents never cross a member), and the driver puts the members'
sentences, counts, labels and notices together in the order the local path reads them.

Workers read the archive from its path, so the path must be one every node sees (under the shared
``EMBEDLAB_HOME``). Run ``python -m embedlab.corpus.parallel ARCHIVE NAME OPTIONS_JSON`` as a Ray Job (or any
driver connected to the cluster) to ingest one; it prints the corpus id as its last line.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import zipfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from embedlab import cluster, store
from embedlab.corpus.readers import (
    ReadOptions,
    check_size,
    file_suffix,
    nested_archives_notices,
    read_zip_member,
    zip_member_names,
)
from embedlab.corpus.stored import Corpus, build_corpus, content_id, load_corpus, no_words_error, save_corpus
from embedlab.corpus.tokens import WORD, TokenizeOptions, TokenizeReport, write_sentences
from embedlab.errors import EmbedLabError

__all__ = ["build_corpus_in_parallel", "ingest_on_cluster", "store_upload"]


def _tokenise_members(
    batch: dict[str, np.ndarray], *, archive: str, name: str, read: dict, lowercase: bool, parts: str
) -> dict[str, np.ndarray]:
    """Ray Data's ``map_batches`` function: for each member of the batch, its documents tokenised into
    ``parts/INDEX.txt`` (one sentence a line) and, as JSON, its counts, sentences per document, labels, notices,
    what tokenising did and whether any document holds a word."""
    import ray  # lazy, as in build_corpus_in_parallel (here: a Ray worker, where it is loaded already)

    node = ray.get_runtime_context().get_node_id()
    options = ReadOptions(**read)
    out: dict[str, list[Any]] = {"index": [], "result": []}
    with zipfile.ZipFile(archive) as opened:
        for index, member in zip(batch["index"], batch["member"]):
            raw = read_zip_member(name, opened, str(member), options)
            report = TokenizeReport()
            counts, per_document = write_sentences(raw.texts, lowercase, Path(parts) / f"{int(index):08d}.txt", report)
            labels = raw.labels if raw.labels is not None else [""] * len(per_document)
            result: dict[str, Any] = {
                "counts": counts,
                "per_document": per_document,
                "labels": labels if options.label_column else None,
                "label_guess": raw.label_guess,
                "notices": raw.notices,
                "report": {
                    "documents": report.documents,
                    "normalised": report.normalised,
                    "scripts": dict(report.scripts),
                    "split_sentences": report.split_sentences,
                },
                "words": any(WORD.search(text) for text in raw.texts),
            }
            result["node"] = node
            out["index"].append(int(index))
            out["result"].append(json.dumps(result, ensure_ascii=False))
    return {key: np.asarray(values, dtype=object) for key, values in out.items()}


def build_corpus_in_parallel(
    path: str | Path,
    name: str | None = None,
    read: ReadOptions = ReadOptions(),
    tokenize_options: TokenizeOptions = TokenizeOptions(),
    members_per_task: int = 8,
    report: dict[str, Any] | None = None,
) -> Corpus:
    """Store the corpus of a zip archive of many files, its members read and tokenised by Ray Data tasks (one CPU
    each, ``members_per_task`` members a task) on the Ray cluster this process is connected to (``ray.init``
    first, or run as a Ray Job). A file that is not a zip is stored by :func:`build_corpus` here: it is one member.

    Args:
        path: the archive, at a path every node of the cluster can read.
        name: the upload's name (what the corpus is called; default: the file's name).
        report: when given, filled with ``members`` (read), ``tasks`` (Ray Data tasks) and ``nodes`` (the ids of
            the cluster nodes that tokenised them), for the CLI and the benchmark.

    Returns:
        The stored corpus, equal to what :func:`build_corpus` stores from the same bytes and options.

    Raises:
        EmbedLabError: what :func:`build_corpus` raises for the same file (unreadable, no words, too big).
    """
    path = Path(path)
    name = name or path.name
    check_size(name, path.stat().st_size)
    data = path.read_bytes()
    if file_suffix(name) != ".zip":
        return build_corpus(name, data, read, tokenize_options)
    corpus_id = content_id(name, data, read, tokenize_options)
    if (store.corpora_dir() / corpus_id / "meta.json").exists():
        return load_corpus(corpus_id)
    members = zip_member_names(name, data)
    import ray  # lazy: ray takes a second and ~100 MB to import; only a cluster ingest needs it

    # named as store.staged_dir names its folders (writer's pid inside), so a killed ingest's parts are cleared
    parts = Path(tempfile.mkdtemp(dir=store.corpora_dir(), prefix=f".staging-parts-{corpus_id}-pid{os.getpid()}-"))
    context = ray.data.DataContext.get_current()
    reserving = context.op_resource_reservation_enabled
    # One operator only: Ray Data's reservation (half the cluster's CPUs held for downstream operators) ran one task
    # at a time on two 1-CPU workers (bench/ray_cluster.py); without it, tasks use every CPU.
    context.op_resource_reservation_enabled = False
    try:
        dataset = ray.data.from_items(
            [{"index": i, "member": member} for i, member in enumerate(members)],
            override_num_blocks=max(1, -(-len(members) // members_per_task)),
        ).map_batches(
            functools.partial(
                _tokenise_members,
                archive=str(path.resolve()),
                name=name,
                read=asdict(read),
                lowercase=tokenize_options.lowercase,
                parts=str(parts),
            ),
            batch_size=members_per_task,
        )
        results = sorted(dataset.take_all(), key=lambda row: int(row["index"]))
        merged = [json.loads(row["result"]) for row in results]
        if len(merged) != len(members):
            raise RuntimeError(f"{len(merged)} results for {len(members)} members")
        if report is not None:
            report.update(
                members=len(members),
                tasks=-(-len(members) // members_per_task),
                nodes=sorted({result["node"] for result in merged}),
            )
        if not any(result["words"] for result in merged):
            raise no_words_error(name, len(data), sum(len(result["per_document"]) for result in merged))
        notices = [notice for result in merged for notice in result["notices"]] + nested_archives_notices(name, data)
        labels = [label for result in merged for label in result["labels"]] if read.label_column else None

        def write(target: Path) -> tuple[Counter, list[int], TokenizeReport]:
            counts: Counter = Counter()
            per_document: list[int] = []
            report = TokenizeReport()
            with target.open("wb") as out:
                for index, result in enumerate(merged):
                    with (parts / f"{index:08d}.txt").open("rb") as part:
                        shutil.copyfileobj(part, out)
                    counts.update(result["counts"])
                    per_document += result["per_document"]
                    report.documents += result["report"]["documents"]
                    report.normalised += result["report"]["normalised"]
                    report.scripts.update(result["report"]["scripts"])
                    report.split_sentences += result["report"]["split_sentences"]
            return counts, per_document, report

        # the first table's guess, as the local path reads a zip (readers.read_zip)
        guess = next((result["label_guess"] for result in merged if result["label_guess"]), None)
        return save_corpus(corpus_id, name, read, tokenize_options, notices, labels, write, guess)
    finally:
        context.op_resource_reservation_enabled = reserving
        shutil.rmtree(parts, ignore_errors=True)


def ingest_on_cluster(
    address: str,
    name: str,
    data: bytes,
    read: ReadOptions = ReadOptions(),
    tokenize_options: TokenizeOptions = TokenizeOptions(),
) -> Corpus:
    """Store an upload with :func:`build_corpus_in_parallel` run as a Ray Job on the cluster at ``address``: its
    bytes are written once into ``EMBEDLAB_HOME/uploads/`` (which every node shares), named by their hash.

    Raises:
        EmbedLabError: the cluster cannot be reached or refuses the token, or the ingest failed (its message: the
            same as :func:`build_corpus` would give for the file).
    """
    check_size(name, len(data))
    shared = store.uploads_dir() / f"{hashlib.sha256(data).hexdigest()[:16]}{file_suffix(name)}"
    if not shared.exists():
        store.write_bytes(shared, data)
    options = json.dumps({"read": asdict(read), "tokenize": asdict(tokenize_options)})
    home = str(store.uploads_dir().parent)
    corpus_id = cluster.run_module(address, home, "embedlab.corpus.parallel", [str(shared), name, options])
    return load_corpus(corpus_id)


def store_upload(
    name: str,
    data: bytes,
    read: ReadOptions = ReadOptions(),
    tokenize_options: TokenizeOptions = TokenizeOptions(),
    ray_address: str | None = None,
) -> Corpus:
    """Where an upload is read: a zip archive (many files) on the Ray cluster at ``ray_address`` when one is
    given (:func:`ingest_on_cluster`), anything else here (:func:`build_corpus`); the same corpus either way.

    Raises:
        EmbedLabError: as :func:`build_corpus` and :func:`ingest_on_cluster`.
    """
    if ray_address and file_suffix(name) == ".zip":
        return ingest_on_cluster(ray_address, name, data, read, tokenize_options)
    return build_corpus(name, data, read, tokenize_options)


def main(argv: list[str]) -> int:
    """``python -m embedlab.corpus.parallel ARCHIVE NAME OPTIONS_JSON``: connect to the cluster this process runs
    in (a Ray Job's), ingest, print the corpus id. OPTIONS_JSON: ``{"read": {...}, "tokenize": {...}}``."""
    import ray  # lazy, as above

    archive, name, options = argv[0], argv[1], json.loads(argv[2])
    ray.init(address="auto", logging_level=logging.WARNING, log_to_driver=False)
    try:
        corpus = build_corpus_in_parallel(
            archive, name, ReadOptions(**options.get("read", {})), TokenizeOptions(**options.get("tokenize", {}))
        )
    except EmbedLabError as error:
        print(f"{cluster.ERROR_PREFIX}{error}", flush=True)
        return 2
    finally:
        ray.shutdown()
    print(corpus.id)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
