"""``python -m embedlab``: the app's functions from the command line (``--json`` for machine-readable output)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab import analysis, cluster, corpus, evaluation, formatting, spaces, store, training, verdict
from embedlab.analysis import maps
from embedlab.analysis.views import CompareView
from embedlab.corpus.parallel import store_upload
from embedlab.errors import EmbedLabError
from embedlab.evaluation.bias import WEAT_SETS
from embedlab.present import report
from embedlab.records import JobRecord, RunMethod, RunRecord
from embedlab.training import jobs
from embedlab.training.configs import (
    REPLICAS,
    Bound,
    FinetuneConfig,
    FinetuneProgress,
    Progress,
    TrainConfig,
    field_default,
)
from embedlab.training.health import RunHealth, load_run_health, space_health, spec_health
from embedlab.training.word2vec import train_run

if TYPE_CHECKING:
    from embedlab.evaluation import EvaluationStep

__all__ = ["main"]


def _add_corpus_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-column", help="CSV/TSV column or JSONL field holding the text")
    parser.add_argument("--label-column", help="optional column holding a label per document")
    parser.add_argument(
        "--delimiter",
        choices=["auto", *corpus.DELIMITERS, "none"],
        default="auto",
        help="what separates a table's fields (default: detected, and named in a notice when unusual); "
        "none reads a .txt file as plain text",
    )
    parser.add_argument("--no-lowercase", action="store_true", help="keep the original case")
    parser.add_argument("--phrases", action="store_true", help="join frequent word pairs (heart_failure)")


def _read_corpus(path: str, args: argparse.Namespace, ray_address: str | None = None) -> corpus.Corpus:
    """The corpus file as the app would store it; what was read anyway (odd encodings, ragged rows) is a notice
    on stderr. With a Ray cluster, a zip archive's files are read and tokenised there in parallel (Ray Data)."""
    read = corpus.ReadOptions(
        args.text_column,
        args.label_column,
        {"auto": None, "none": corpus.PLAIN_TEXT}.get(args.delimiter, args.delimiter),  # a name, or these two
    )
    tokenize = corpus.TokenizeOptions(lowercase=not args.no_lowercase, phrases=args.phrases)
    if ray_address:
        found = store_upload(Path(path).name, corpus.read_upload_file(path), read, tokenize, ray_address)
    else:
        found = corpus.corpus_from_file(path, read, tokenize)
    for notice in found.notices:
        print(f"embedlab {args.command}: notice: {notice}", file=sys.stderr)
    if found.label_guess and args.command in _LABEL_COMMANDS:  # labels are never guessed here: say what is left out
        print(f"embedlab {args.command}: notice: {corpus.no_labels_reason(found)}", file=sys.stderr)
    return found


# Commands whose results use a corpus's labels (the label task): the ones that say when a column looking like a
# label was left out. The command line reads a label column only when --label-column names it: a guessed one would
# change the corpus (its id) and add minutes of label-task evaluation to scripts that never asked for it.
_LABEL_COMMANDS = ("evaluate", "verdict", "report")


def _query_word(word: str, found: corpus.Corpus | None) -> str:
    """``--word`` normalised exactly as the corpus's tokens were (``corpus.normalise_query``: NFC, case, stripped);
    without a corpus only NFC and the spaces, the case kept, since a vectors file may hold cased words."""
    options = found.options["tokenize"] if found is not None else corpus.TokenizeOptions(lowercase=False)
    return corpus.normalise_query(word, options)


def _optional_corpus(args: argparse.Namespace) -> corpus.Corpus | None:
    return _read_corpus(args.corpus, args) if args.corpus else None


def _run_corpus(*specs: str) -> corpus.Corpus | None:
    """The corpus a run was trained on, for the first run among ``specs`` whose corpus is still stored (a deleted
    one is said on stderr)."""
    for spec in specs:
        row = store.get_run(spec)
        if row is None:
            continue
        if store.get_corpus(row.corpus_id) is None:
            print(f"embedlab: notice: the corpus {spec} was trained on is deleted: give --corpus", file=sys.stderr)
            continue
        return corpus.load_corpus(row.corpus_id)
    return None


def _print_progress(progress: Progress) -> None:
    eta = f", ETA {progress.eta_seconds:.0f} s" if progress.eta_seconds is not None else ""
    seed = f"seed {progress.replica}/{progress.replicas} " if progress.replicas > 1 else ""
    print(
        f"\r{seed}epoch {progress.epoch}/{progress.epochs} {progress.fraction:6.1%} "
        f"{progress.words_per_second:,.0f} words/s{eta}   ",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _print_finetune_progress(progress: FinetuneProgress) -> None:
    eta = f", ETA {progress.eta_seconds:.0f} s" if progress.eta_seconds is not None else ""
    print(
        f"\rstep {progress.step}/{progress.steps} {progress.fraction:6.1%} "
        f"{progress.pairs_per_second:,.1f} pairs/s{eta}   ",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _ray_address(args: argparse.Namespace) -> str | None:
    """The cluster a command's jobs go to: ``--ray-address`` or ``$EMBEDLAB_RAY_ADDRESS`` unless ``--backend local``.

    Raises:
        EmbedLabError: ``--backend ray`` without an address.
    """
    if args.backend == "local":
        return None
    address = cluster.configured_address(args.ray_address)
    if args.backend == "ray" and address is None:
        raise EmbedLabError(
            f"--backend ray needs the cluster: --ray-address http://HEAD:8265 or {cluster.ADDRESS_VARIABLE}"
        )
    return address


def _train_on_cluster(
    corpus_: corpus.Corpus,
    config: TrainConfig | FinetuneConfig,
    address: str,
    quiet: bool,
    replicas: int = 1,
) -> tuple[RunRecord, JobRecord]:
    """A training job on the Ray cluster, followed until it ends (Ctrl-C cancels it)."""
    job_id = jobs.start_job(corpus_.id, config, backend="ray", ray_address=address, replicas=replicas)
    try:
        while (job := jobs.get_job(job_id)) is not None and job.is_active:
            if not quiet:
                print(f"\r{jobs.progress_text(job)} · {job.node}   ", end="", file=sys.stderr, flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        jobs.cancel_job(job_id)
        raise
    if job is None or job.status != "done" or not job.run_id or (run := store.get_run(job.run_id)) is None:
        status = job.status if job is not None else "gone"
        message = job.message if job is not None else "its record was deleted"
        raise EmbedLabError(f"the job on the Ray cluster ended {status}: {message}")
    return run, job


def _train(args: argparse.Namespace) -> dict[str, Any]:
    address = _ray_address(args)
    if args.replicas != 1 and (address is None or args.method != RunMethod.SENTENCE_TRANSFORMER):
        raise EmbedLabError("--replicas is for fine-tuning (--method sentence-transformer) on a Ray cluster")
    corpus_ = _read_corpus(args.corpus, args, address)
    run: RunRecord
    job: JobRecord | None = None
    if args.method == RunMethod.SENTENCE_TRANSFORMER:
        if args.seeds != 1:
            raise EmbedLabError(
                "--seeds applies to word2vec and fasttext: a fine-tune starts from the same pretrained model, "
                "so its seed-noise floor would be another question"
            )
        tuned = FinetuneConfig(
            max_pairs=args.max_pairs,
            max_minutes=args.max_minutes,
            batch_size=args.batch_size,
            epochs=args.epochs or FinetuneConfig.epochs,
            learning_rate=args.learning_rate,
            seed=args.seed,
            pairs_file=args.pairs or "",
            use_labels=args.use_labels,
        )
        if address:
            run, job = _train_on_cluster(corpus_, tuned, address, args.json, args.replicas)
        else:
            run = training.finetune_run(corpus_, tuned, None if args.json else _print_finetune_progress)
        extra: dict[str, Any] = {"retrieval": training.retrieval_check(run.id).to_dict()}
    else:
        config = TrainConfig(
            method=args.method,
            dim=_dim(args),
            window=args.window,
            min_count=args.min_count,
            epochs=args.epochs or TrainConfig.epochs,
            sg=args.sg,
            negative=args.negative,
            sample=args.sample,
            seed=args.seed,
            workers=args.workers,
            init=args.init or "",
            lock_pretrained=args.lock_pretrained,
            seeds=args.seeds,
        )
        if address:
            run, job = _train_on_cluster(corpus_, config, address, args.json)
        else:
            run = train_run(corpus_, config, None if args.json else _print_progress)
        extra = {"seeds": [config.seed + i for i in range(config.seeds)]}  # more than one: replicas kept with the run
    if not args.json:
        print(file=sys.stderr)
    health = load_run_health(run.id) or spec_health(run.id, corpus_)
    _note_health(args.command, run.id, health)
    return {
        "run_id": run.id,
        "method": run.method.value,
        "run": run.summary,
        "parameters": run.parameters(),
        "vocab_size": run.vocab_size,
        "corpus_id": corpus_.id,
        "corpus_tokens": corpus_.stats.tokens,
        "seconds": round(run.seconds, 3),
        **extra,
        "backend": job.backend if job else "local",
        "node": job.node if job else jobs.LOCAL_NODE,
        "health": health.to_dict(),
    }


def _dim(args: argparse.Namespace) -> int:
    """``--dim`` when given, else the dimension of the ``--init`` vectors, else the default."""
    if args.dim is not None:
        return args.dim
    return training.init_dim(args.init) if args.init else TrainConfig.dim


def _neighbors(args: argparse.Namespace) -> dict[str, Any]:
    corpus_ = _optional_corpus(args)
    space = spaces.load_space(args.space, corpus_)
    args.word = _query_word(args.word, corpus_ or _run_corpus(args.space))
    _note_zero_words(args.command, space)
    query = analysis.word_query(space, args.word)
    searched = space
    if args.among:  # the Compare page's rule: neighbours among the words both spaces hold
        searched = analysis.shared_spaces(space, spaces.load_space(args.among, corpus_))[0]
        print(
            f"embedlab neighbors: note: neighbours among the {len(searched):,} words {space.name} and {args.among} "
            "both hold, as on the Compare page",
            file=sys.stderr,
        )
    found = analysis.nearest(searched, args.word, args.k, query)
    if query.from_subwords:
        print(
            f"embedlab neighbors: note: '{args.word}' is not in {space.name}: its vector is built from subwords "
            "(the character n-grams FastText saw in training)",
            file=sys.stderr,
        )
    elif query.origin is analysis.VectorOrigin.ENCODER:
        print(
            f"embedlab neighbors: note: '{args.word}' is not among {space.name}'s words: the model encodes it alone",
            file=sys.stderr,
        )
    if len(found) < args.k:
        print(
            f"embedlab neighbors: note: {searched.name} holds {len(found)} other words, so {len(found)} neighbours "
            f"are listed, not {args.k}",
            file=sys.stderr,
        )
    return {
        "space": space.name,
        "label": space.title,
        "word": args.word,
        "from_subwords": query.from_subwords,
        "vector_from": query.origin.value,
        "among": args.among,
        "candidates": len(searched) - (args.word in searched.index),
        "neighbors": [{"word": n.word, "similarity": round(n.similarity, 6)} for n in found],
        "health": _space_health(args.command, space),
        **_reading_notes(args.command, [space.name], corpus_),
    }


def _coverage(args: argparse.Namespace) -> dict[str, Any]:
    corpus_ = _read_corpus(args.corpus, args)
    space = spaces.load_space(args.space, corpus_)
    result = analysis.vocabulary_coverage(space, corpus_, top=args.top)
    out = asdict(result)
    out["top_missing"] = [{"word": word, "count": count} for word, count in result.top_missing]
    # a WordPiece model (the baseline) misses no word: it encodes them all, and these are the ones it splits
    out["encodes_every_word"] = result.encodes_every_word
    out["top_split"] = [{"word": word, "count": count} for word, count in result.top_split]
    subwords = analysis.subword_vector_coverage(space, corpus_)
    if subwords is not None:  # a FastText run: the missing words it still builds vectors for from subwords
        out["subwords"] = asdict(subwords)
    out["health"] = _space_health(args.command, space)
    out.update(_reading_notes(args.command, [space.name], corpus_))
    return out


def _compare(args: argparse.Namespace) -> dict[str, Any]:
    corpus_ = _optional_corpus(args) or _run_corpus(args.a, args.b)
    first, second = spaces.load_space(args.a, corpus_), spaces.load_space(args.b, corpus_)
    _note_zero_words(args.command, first, second)
    summary, frame = analysis.compare_spaces(first, second, args.k, args.max_words, args.seed)
    ranked = analysis.rank_changes(frame, all_words=args.all_words)
    floor_known = summary.noise.known
    words = [  # most changed first; stopwords, numbers and punctuation only with --all-words
        {
            "word": row.word,
            "jaccard": round(float(row.jaccard), 6),
            "rank_overlap": round(float(row.rank_overlap), 6),
            "deep_overlap": round(float(row.deep_overlap), 6),
            "count_a": int(row.count_a),
            "count_b": int(row.count_b),
            "kind": row.kind,
            **(_noise_fields(row) if floor_known else {}),
        }
        for row in ranked.words.itertuples(index=False)
    ]
    if not args.json:
        print(f"embedlab compare: {summary.noise.caption()}", file=sys.stderr)
    health = {args.a: _space_health(args.command, first), args.b: _space_health(args.command, second)}
    return {
        "a": args.a,
        "b": args.b,
        "corpus_id": corpus_.id if corpus_ else None,
        **asdict(summary),
        "ties": ranked.ties,
        "hidden_words": ranked.hidden,
        "ranking": ranked.tie_caption(),
        "noise": {**asdict(summary.noise), "share": round(summary.noise.share, 6), "note": summary.noise.caption()},
        "words": words,
        "health": health,
        **_reading_notes(args.command, [first.name, second.name], corpus_),
    }


def _noise_fields(row: Any) -> dict[str, Any]:
    """A compared word's seed-noise floor (``analysis.seed_floor``); None where its replicas lack the word."""
    if row.floor != row.floor:  # NaN: untested
        return {"floor": None, "noise_p": None, "beyond_noise": None}
    return {
        "floor": round(float(row.floor), 6),
        "noise_p": round(float(row.noise_p), 6),
        "beyond_noise": bool(row.beyond_noise),
    }


def _note_health(command: str, name: str, health: RunHealth) -> None:
    """Each failed health check of ``name`` as a warning on stderr (``--json`` carries them too)."""
    for warning in health.warnings:
        print(f"embedlab {command}: health: {name}: {warning}", file=sys.stderr)


def _reading_notes(command: str, specs: Sequence[str], corpus_: corpus.Corpus | None) -> dict[str, Any]:
    """How the spaces are read on ``corpus_``, said on stderr and returned for the JSON: ``judged_elsewhere``, each
    run among ``specs`` trained on another corpus (``CorpusMismatch.to_dict``: "trained on X, judged on Y"; empty
    when all are at home), and ``language_note``, the English baseline reading a mostly non-English corpus
    (``spaces.baseline_language_note``; None when it does not apply)."""
    corpus_id = corpus_.id if corpus_ is not None else None
    found = spaces.corpus_mismatches(specs, corpus_id)
    for note in spaces.mismatch_notes(list(found), corpus_id):
        print(f"embedlab {command}: note: {note}", file=sys.stderr)
    language = spaces.baseline_language_note(corpus_, specs) if corpus_ is not None else None
    if language:
        print(f"embedlab {command}: note: {language}", file=sys.stderr)
    return {"judged_elsewhere": [mismatch.to_dict() for mismatch in found.values()], "language_note": language}


def _space_health(command: str, space: spaces.EmbeddingSpace) -> dict[str, Any]:
    """A loaded space's health (``{"ok", "checks", "warnings"}``), its warnings also on stderr."""
    health = space_health(space)
    _note_health(command, space.name, health)
    return health.to_dict()


def _add_vectors_file(args: argparse.Namespace) -> dict[str, Any]:
    """Register a vectors file on this machine by its path (see ``spaces.register_vectors_path``)."""
    added = spaces.register_vectors_path(args.path, args.limit, args.name)
    for note in added.notes:
        print(f"embedlab add-vectors: notice: {note}", file=sys.stderr)
    return {
        "id": added.id,
        "space": added.spec,
        "name": added.name,
        "format": added.format,
        "words": added.words,
        "dim": added.dim,
        "source": added.source,
        "limit": added.limit,
        "duplicates": added.duplicates,
        "renamed": added.renamed,
        "zero_words": list(added.zero_words),
    }


def _corpora(args: argparse.Namespace) -> dict[str, Any]:
    """The stored corpora, newest first, each with the runs trained on it."""
    runs = store.list_runs()
    return {
        "corpora": [
            {
                "id": record.id,
                "name": record.name,
                "tokens": record.tokens,
                "documents": int(record.stats.get("documents", 0)),
                "runs": [run.id for run in runs if run.corpus_id == record.id],
            }
            for record in corpus.list_corpora()
        ]
    }


def _delete_corpus(args: argparse.Namespace) -> dict[str, Any]:
    """Delete a stored corpus; the runs trained on it are kept (named on stderr), or the refusal says why not."""
    jobs.list_jobs()  # a job whose worker vanished is marked interrupted first: it no longer holds the corpus
    preview = corpus.corpus_deletion(args.corpus_id)
    labels = spaces.space_labels([run.id for run in preview.runs])  # read while the corpus still names them
    deleted = corpus.delete_corpus(args.corpus_id)
    note = deleted.runs_note(labels)
    print(f"embedlab delete-corpus: deleted {deleted.name} ({deleted.id}). {note}", file=sys.stderr)
    return {"deleted": deleted.id, "name": deleted.name, "runs_kept": [run.id for run in deleted.runs], "note": note}


def _note_zero_words(command: str, *loaded: spaces.EmbeddingSpace) -> None:
    """Name on stderr the words a space left out for their all-zero vectors (cosine is undefined for them)."""
    for space in loaded:
        if space.zero_words:
            shown = ", ".join(space.zero_words[:12]) + (" …" if len(space.zero_words) > 12 else "")
            print(
                f"embedlab {command}: notice: {space.name} leaves out {len(space.zero_words):,} "
                f"word{'' if len(space.zero_words) == 1 else 's'} with an all-zero vector (no direction, so no "
                f"neighbours and no score): {shown}",
                file=sys.stderr,
            )


def _export(args: argparse.Namespace) -> dict[str, Any]:
    if args.space == spaces.BASELINE and not args.corpus:
        raise EmbedLabError("export baseline needs --corpus: the baseline's vocabulary is the corpus's words")
    space = spaces.load_space(args.space, _optional_corpus(args))
    written = spaces.export_space(space, args.out, fmt=args.format)
    return {"space": space.name, "format": args.format, "out": str(written), "words": len(space), "dim": space.dim}


def _report(args: argparse.Namespace) -> dict[str, Any]:
    corpus_ = _read_corpus(args.corpus, args)
    first, second = spaces.load_space(args.a, corpus_), spaces.load_space(args.b, corpus_)
    sections = report.choose_sections([*args.sections.split(","), *(["evaluation"] if args.with_evaluation else [])])
    settings = report.ReportSettings(
        k=args.k,
        words=tuple(_query_word(word, corpus_) for word in args.word or ()),
        map_words=args.map_words,
        seed=args.seed,
        sections=sections,
    )
    notes = _reading_notes(args.command, [first.name, second.name], corpus_)
    text = report.build_report(first, second, corpus_, settings, progress=None if args.json else _print_report_step)
    store.write_bytes(Path(args.out).expanduser().resolve(), text.encode("utf-8"))
    return {
        "a": args.a,
        "b": args.b,
        "corpus_id": corpus_.id,
        "out": str(args.out),
        "bytes": len(text.encode()),
        "sections": [section.value for section in settings.sections],
        **notes,
    }


_MAP_HEADER = ("word", "a_x", "a_y", "b_x", "b_y")  # the map command's CSV columns
_MAP_SEED_RANGE = (0, 2**31 - 1)  # the Compare page's "Sample seed" input


def _map(args: argparse.Namespace) -> dict[str, Any]:
    """The Compare page's aligned map of A and B on the corpus, written as CSV (``_MAP_HEADER``, a row per mapped
    word in the map's order): the same sample (``maps.sample_words`` over the shared words, the ``--word`` words
    first) and the same layouts (``maps.aligned_layouts``, from its disk cache when the page or the report already
    fitted these words with this seed). Returns ``{"out", "words", "a", "b", "seed", "seconds"}`` (``seconds``: the
    sampling and layout, cached or fitted), printed with ``--json``; else a line on stdout.

    Raises:
        EmbedLabError: an unknown space, ``--words`` outside 10..200,000, a seed outside 0..2**31-1, ``--out`` that
            cannot be written, a ``--word`` that is not in both spaces, fewer than 3 shared words (or distinct
            vectors). Nothing is written to ``--out`` then.
    """
    a, b = spaces.validate_spec(args.a), spaces.validate_spec(args.b)  # a misspelt space is told before any work
    maps.MapSettings(sample_size=args.words, seed=args.seed)  # 10..200,000 words: the page's sizes
    if not _MAP_SEED_RANGE[0] <= args.seed <= _MAP_SEED_RANGE[1]:
        raise EmbedLabError(f"--seed must be from 0 to {_MAP_SEED_RANGE[1]:,}, got {args.seed}")
    out = _writable_file(args.out)
    say = _quiet if args.json else _say
    corpus_ = _read_corpus(args.corpus, args)
    loaded = []
    for side, spec in (("A", a), ("B", b)):
        say(f"loading {side}: {spec}…")
        loaded.append(spaces.load_space(spec, corpus_))
    first, second = loaded
    _note_zero_words(args.command, first, second)
    notes = _reading_notes(args.command, [a, b], corpus_)
    chosen = list(dict.fromkeys(_query_word(word, corpus_) for word in args.word or ()))
    _check_shared(chosen, first, second)
    shared = analysis.shared_vocabulary(first, second)
    if len(shared) < 3:
        raise EmbedLabError(
            f"A ({a}) and B ({b}) share {len(shared)} word{'' if len(shared) == 1 else 's'}: a map needs at least 3"
        )
    shared_a, shared_b = analysis.shared_spaces(first, second)
    started = time.perf_counter()
    sample = maps.sample_words(shared_a.words, args.words, args.seed, chosen)
    say(
        f"mapping {len(sample):,} of the {len(shared):,} shared words with AlignedUMAP (seed {args.seed}; "
        "from the disk cache when these words were mapped before)…"
    )
    rows_a = [shared_a.index[word] for word in sample]
    rows_b = [shared_b.index[word] for word in sample]
    layout_a, layout_b = maps.aligned_layouts(
        shared_a.vectors[rows_a],
        shared_b.vectors[rows_b],
        maps.MapSettings(sample_size=max(10, len(sample)), seed=args.seed),
    )
    seconds = time.perf_counter() - started
    store.write_bytes(out, _map_csv(sample, layout_a, layout_b))
    if not args.json:
        print(f"wrote the map of {len(sample):,} words of {a} and {b} (seed {args.seed}) to {out} in {seconds:.1f} s")
        return {}
    return {
        "out": str(out),
        "words": len(sample),
        "a": a,
        "b": b,
        "seed": args.seed,
        "seconds": round(seconds, 3),
        **notes,
    }


def _map_csv(words: Sequence[str], layout_a: np.ndarray, layout_b: np.ndarray) -> bytes:
    """The ``map`` command's file: a header (``_MAP_HEADER``), then a row per word, UTF-8.

    Args:
        words: n words, row i of both layouts for ``words[i]``.
        layout_a, layout_b: float arrays of shape (n, 2) (``maps.aligned_layouts``); written as the shortest text
            that reads back to the same float32.

    Raises:
        EmbedLabError: the lengths differ.
    """
    if not len(words) == len(layout_a) == len(layout_b):
        raise EmbedLabError(f"a map row per word: got {len(words)} words, {len(layout_a)} and {len(layout_b)} rows")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(_MAP_HEADER)
    points = np.hstack([np.asarray(layout_a, np.float32), np.asarray(layout_b, np.float32)])
    for word, row in zip(words, points):
        writer.writerow([word, *(str(value) for value in row)])
    return text.getvalue().encode("utf-8")


def _check_shared(words: Sequence[str], first: spaces.EmbeddingSpace, second: spaces.EmbeddingSpace) -> None:
    """Raise naming each ``--word`` a map cannot show (it shows the words both spaces hold), and the space that
    lacks it."""
    problems = []
    for word in words:
        lacking = [f"{side} ({space.name})" for side, space in (("A", first), ("B", second)) if word not in space]
        if not lacking:
            continue
        zero = [side for side, space in (("A", first), ("B", second)) if word in space.zero_words]
        why = f" (an all-zero vector in {' and '.join(zero)}: no direction)" if zero else ""
        problems.append(f"'{word}' is not in {' nor '.join(lacking) if len(lacking) > 1 else lacking[0]}{why}")
    if problems:
        raise EmbedLabError("--word: " + "; ".join(problems) + ": a map shows only the words both spaces hold")


def _writable_file(out: str) -> Path:
    """``--out`` as an absolute path, checked before any work: not a folder, and under a folder that exists or can
    be made, that this user may write in.

    Raises:
        EmbedLabError: saying which.
    """
    path = Path(out).expanduser().resolve()
    if path.is_dir():
        raise EmbedLabError(f"--out {out} is a folder: give a file to write, such as {Path(out) / 'map.csv'}")
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise EmbedLabError(f"cannot write --out {out}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EmbedLabError(f"cannot write --out {out}: no permission to write in {folder}")
    return path


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _quiet(message: str) -> None:
    return None


def _print_report_step(step: report.ReportStep) -> None:
    """A report step on stderr: a line per section; on a terminal, the progress within it redrawn in place."""
    eta = f", about {step.eta_seconds:.0f} s left" if step.eta_seconds is not None and step.fraction < 1 else ""
    terminal = sys.stderr.isatty()
    line = f"[{step.fraction:4.0%}] {step.message or step.section}{eta}"
    if step.message:  # on a terminal, over the in-place line (padded to cover it)
        print(f"\r{line:<60}" if terminal else line, file=sys.stderr, flush=True)
    elif terminal:
        print(f"\r{line:<60}", end="", file=sys.stderr, flush=True)


def _verdict(args: argparse.Namespace) -> dict[str, Any]:
    """Whether the ``--space`` candidates beat the baseline on the corpus (``verdict.build_verdict``): the verdict's
    JSON with ``--json``, else its text (printed here; nothing more follows it)."""
    baseline = spaces.validate_spec(args.baseline)  # a misspelt space is told before any work starts
    candidates = [name for name in map(spaces.validate_spec, args.space or ()) if name != baseline]
    if not candidates:
        raise EmbedLabError(
            f"give at least one --space to judge against the baseline ({baseline}): a run id, vectors:PATH "
            "or another space"
        )
    corpus_ = _read_corpus(args.corpus, args)
    _reading_notes(args.command, [*candidates, baseline], corpus_)  # said before the long wait; the JSON has them
    found = verdict.build_verdict(corpus_, candidates, baseline, progress=None if args.json else _verdict_progress())
    for name in found.spaces:
        _note_health(args.command, name, found.health[name])
    if args.json:
        return found.to_dict()
    print(_verdict_text(found))
    return {}


def _verdict_text(found: verdict.Verdict) -> str:
    """The verdict for people: the runs judged off their own corpus first, then the too-small sentence, the unhealthy
    spaces' warnings, a sentence per
    use, each reason's title and finding, and the space to download."""
    lines = [f"Judged off its own corpus: {found.labels[name]}" for name in found.judged_elsewhere]
    if lines:
        lines.append("")
    if found.too_small:
        lines += [found.too_small, ""]
    if found.languages is not None:
        lines.append(f"Language of {found.corpus_name}: {found.languages.describe()}")
    if found.language_note:  # the English baseline on a mostly non-English corpus
        lines.append(found.language_note)
    if found.languages is not None or found.language_note:
        lines.append("")
    for name in found.unhealthy:
        lines += [f"Health warning, {found.labels[name]}: {warning}" for warning in found.health[name].warnings]
    if found.unhealthy:
        lines.append("")
    lines += [f"{line.use.heading}: {line.sentence}" for line in found.headlines]
    if found.claims_note:
        lines.append(found.claims_note)
    for reason in found.reasons.values():
        lines += ["", f"{reason.title}: {reason.finding}"]
    lines += ["", f"Recommended space: {found.labels[found.recommended]} ({found.recommended})"]
    lines += [f"Caveat: {note}" for note in found.recommendation_notes]
    return "\n".join(lines)


_WITHIN_SECTION = (": task", ": retrieval", ": sweep")  # the evaluation's sections that report progress within


def _verdict_progress() -> Callable[[float, str], None]:
    """The verdict's progress on stderr, as the report's: a line per step, with an ETA once a tenth is done; on a
    terminal, the progress within a step redrawn in place."""
    started, shown = time.perf_counter(), {"message": ""}
    terminal = sys.stderr.isatty()

    def show(fraction: float, message: str) -> None:
        elapsed = time.perf_counter() - started
        eta = f", about {elapsed / fraction * (1 - fraction):.0f} s left" if 0.1 <= fraction < 1 else ""
        line = f"[{fraction:4.0%}] {message}{eta}"
        # a step reporting progress within it is named "evaluating X: task" (its section) after its first message
        if message != shown["message"] and not message.endswith(_WITHIN_SECTION):
            shown["message"] = message
            print(f"\r{line:<60}" if terminal else line, file=sys.stderr, flush=True)
        elif terminal:
            print(f"\r{line:<60}", end="", file=sys.stderr, flush=True)

    return show


def _evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """Every evaluation of each ``--space`` (``evaluation.evaluate_spaces``), kept with the runs among them; with one
    space its results are also the top-level keys."""
    user_pairs: list[tuple[str, str, float]] = []
    if args.pairs:
        path = Path(args.pairs)
        if not path.is_file():
            raise EmbedLabError(f"no such word-pairs file: {path}")
        user_pairs = evaluation.user_word_pairs(path.name, path.read_bytes())
    options = evaluation.EvaluationOptions(
        user_pairs=user_pairs, weat_sets=evaluation.choose_weat_sets(args.weat or ()), sweep=args.sweep
    )
    corpus_ = _optional_corpus(args)
    held_out = None if corpus_ is not None else evaluation.HeldOut((), "no --corpus: held-out retrieval needs one")
    result = evaluation.evaluate_spaces(
        args.space, corpus_, options, held_out, progress=None if args.json else _print_evaluation_step
    )
    evaluation.save_results(result)
    out = result.to_dict()
    out.update(_reading_notes(args.command, result.names, corpus_))
    if (
        corpus_ is not None
        and (corpus_.labels or corpus_.label_guess)
        and (problem := evaluation.task_problem(corpus_, fine_tunes=evaluation.label_fine_tunes(result.names)))
    ):
        if corpus_.labels:  # a column left out was said when the corpus was read
            print(f"no label task: {problem}", file=sys.stderr)
        out["task_note"] = problem
    for name in result.names:  # a run's health is read from its record; other spaces are loaded and measured
        health = spec_health(name, corpus_)
        _note_health(args.command, name, health)
        out["spaces"][name]["health"] = health.to_dict()
    if len(result.spaces) == 1:
        out.update(out["spaces"][result.names[0]])
    if not args.json:  # people get the Evaluate page's table (a row per measure, * on the better value), not records
        print(
            "benchmarks (every measure: higher is better; with two or more spaces each is compared with "
            f"{result.reference}, on the items both score: paired bootstrap / McNemar, 95%; * marks the better):"
        )
        print(evaluation.comparison_text(result.comparison()))
        for row in evaluation.TASK_ACCURACY.rows(result.differences).itertuples():
            shown = formatting.estimate(row.difference, row.ci_low, row.ci_high)
            print(f"label task accuracy, {row.a} − {row.b}: {shown}, p = {row.p_value:.3g} ({row.test}): {row.verdict}")
        print(result.vocabularies().to_string(index=False))
        del out["benchmarks"]
    return out


def _print_evaluation_step(step: EvaluationStep) -> None:
    if step.section == "load":
        print(f"evaluating {step.space}…", file=sys.stderr, flush=True)
    elif step.message:
        print(f"  {step.message}…", file=sys.stderr, flush=True)
    else:
        done = step.fraction
        print(f"\r  {step.section} {done:6.1%}   ", end="" if done < 1 else "\n", file=sys.stderr, flush=True)


def _weat_names() -> list[str]:
    return list(WEAT_SETS)


def _limit_help(bound: Bound, default: Any, what: str | None = None) -> str:
    """A flag's help with its accepted range and default, as the config declares them: "… (2..2000; default 100)"."""
    return f"{what or bound.help or bound.label} ({bound.range_text}; default {default})"


def _add_limited(
    parser: argparse.ArgumentParser,
    config: type[TrainConfig | FinetuneConfig],
    name: str,
    what: str | None = None,
) -> None:
    """``--name`` for the setting ``name`` of ``config``: its type, default and help from the config."""
    bound, default = config.LIMITS[name], field_default(config, name)
    parser.add_argument(
        f"--{name.replace('_', '-')}",
        type=int if bound.whole else float,
        default=default,
        help=_limit_help(bound, default, what),
    )


def _add_train(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "train", help="train Word2Vec or FastText, or fine-tune MiniLM, on a corpus file; saves a run"
    )
    train.add_argument("corpus", help="a .txt/.md/.csv/.tsv/.jsonl/.zip file")
    train.add_argument(
        "--method", choices=[method.value for method in RunMethod], default=field_default(TrainConfig, "method").value
    )
    dim = TrainConfig.LIMITS["dim"]
    train.add_argument(
        "--dim",
        type=int,
        help=f"vector dimensions ({dim.range_text}): default {TrainConfig.dim}, or those of the --init vectors",
    )
    for name in ("window", "min_count", "negative", "seed", "workers", "sample"):
        _add_limited(train, TrainConfig, name)
    train.add_argument(
        "--epochs",
        type=int,
        help=f"default {TrainConfig.epochs} ({TrainConfig.LIMITS['epochs'].range_text}); {FinetuneConfig.epochs} "
        f"when fine-tuning ({FinetuneConfig.LIMITS['epochs'].range_text})",
    )
    train.add_argument("--sg", action="store_true", help="skip-gram instead of CBOW")
    _add_limited(
        train,
        TrainConfig,
        "seeds",
        "word2vec/fasttext: also train with seeds SEED+1 .. SEED+N-1 and keep them with the run, so compare can tell "
        "changes beyond seed noise (about N times the training time)",
    )
    train.add_argument("--init", help="word2vec/fasttext: continue from pretrained vectors (vectors:PATH)")
    _add_limited(train, TrainConfig, "lock_pretrained")
    for name in ("max_pairs", "max_minutes", "batch_size", "learning_rate"):
        _add_limited(train, FinetuneConfig, name)
    train.add_argument("--pairs", help="fine-tune on your own pairs: a CSV with columns anchor,positive")
    train.add_argument(
        "--use-labels",
        action="store_true",
        help="fine-tune on pairs of documents sharing a label (needs --label-column)",
    )
    train.add_argument(
        "--backend",
        choices=["auto", "local", "ray"],
        default="auto",
        help=f"where the job runs: local (this process), ray (a Ray Job on the cluster), or auto (ray when "
        f"--ray-address or {cluster.ADDRESS_VARIABLE} names a cluster); on Ray a .zip corpus is also read in "
        "parallel there",
    )
    train.add_argument("--ray-address", help="the Ray cluster's dashboard, http://HEAD:8265")
    train.add_argument(
        "--replicas",
        type=int,
        default=REPLICAS.low,
        help=_limit_help(
            REPLICAS,
            REPLICAS.low,
            "fine-tuning on a Ray cluster: data-parallel replicas (Ray Train), one GPU each when the cluster has "
            "GPUs; in-batch negatives are gathered across them",
        ),
    )
    _add_corpus_options(train)
    train.set_defaults(handler=_train)


def _add_neighbors(commands: argparse._SubParsersAction) -> None:
    neighbors = commands.add_parser("neighbors", help="a word's nearest neighbours in a space")
    neighbors.add_argument("--space", required=True, help="baseline, a run id, or vectors:PATH")
    neighbors.add_argument(
        "--word", required=True, help="a word; one a FastText run does not hold gets a vector from its subwords"
    )
    neighbors.add_argument("--k", type=int, default=10)
    neighbors.add_argument(
        "--among",
        metavar="SPACE",
        help="search only the words this other space holds too, as the Compare page does for its side-by-side "
        "lists (default: every word of --space)",
    )
    neighbors.add_argument("--corpus", help="limit the baseline's vocabulary to this corpus's words")
    _add_corpus_options(neighbors)
    neighbors.set_defaults(handler=_neighbors)


def _add_coverage(commands: argparse._SubParsersAction) -> None:
    coverage = commands.add_parser("coverage", help="how much of a corpus a space covers")
    coverage.add_argument("--space", required=True)
    coverage.add_argument("--corpus", required=True)
    coverage.add_argument(
        "--top", type=int, default=20, help="how many missing words (the baseline: words split into pieces) to list"
    )
    _add_corpus_options(coverage)
    coverage.set_defaults(handler=_coverage)


def _add_compare(commands: argparse._SubParsersAction) -> None:
    comparison = commands.add_parser("compare", help="neighbourhood overlap of two spaces (Jaccard@k)")
    comparison.add_argument("--a", required=True)
    comparison.add_argument("--b", required=True)
    comparison.add_argument("--k", type=int, default=10)
    comparison.add_argument(
        "--corpus",
        help="corpus for counts and the baseline's vocabulary (default: the corpus of the run among A and B)",
    )
    comparison.add_argument(
        "--max-words",
        type=int,
        default=analysis.DEFAULT_MAX_WORDS,
        help="score at most N shared words (a frequency-stratified sample past that)",
    )
    comparison.add_argument("--seed", type=int, default=0, help="seed of that sample")
    comparison.add_argument(
        "--all-words",
        action="store_true",
        help="list stopwords, numbers and punctuation-only tokens too (hidden by default)",
    )
    _add_corpus_options(comparison)
    comparison.set_defaults(handler=_compare)


def _add_add_vectors(commands: argparse._SubParsersAction) -> None:
    adding = commands.add_parser(
        "add-vectors",
        help="add a vectors file on this machine by its path (for files too big to upload); prints its space",
    )
    adding.add_argument("path", help="word2vec text or binary, GloVe text or fastText .vec")
    adding.add_argument(
        "--limit",
        type=int,
        help="keep the first N words only (files list the most frequent first); read streaming, memory grows "
        "with N, not with the file",
    )
    adding.add_argument("--name", help="how the space is listed (default: the file name)")
    adding.set_defaults(handler=_add_vectors_file)


def _add_corpora(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("corpora", help="list the stored corpora: id, name, tokens, the runs trained on each")
    listing.set_defaults(handler=_corpora)
    deleting = commands.add_parser(
        "delete-corpus",
        help="delete a stored corpus (its tokenised text); the runs trained on it are kept and named, and nothing "
        "else is removed; refused while a training job on it has not ended",
    )
    deleting.add_argument("corpus_id", help="the corpus's id (c + 12 hex digits: see `corpora`)")
    deleting.set_defaults(handler=_delete_corpus)


def _add_export(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="write a space's (unit-length) vectors to a file")
    export.add_argument("space")
    export.add_argument(
        "--format",
        choices=[found.value for found in spaces.ExportFormat],
        default=spaces.ExportFormat.WORD2VEC.value,
        help="word2vec: text; word2vec-binary; projector: TensorFlow Embedding Projector files "
        "vectors.tsv + metadata.tsv (word, count): --out is a folder to write them into, or "
        "a .zip file holding both",
    )
    export.add_argument("--out", required=True)
    export.add_argument("--corpus", help="required for baseline: its vocabulary")
    _add_corpus_options(export)
    export.set_defaults(handler=_export)


def _add_report(commands: argparse._SubParsersAction) -> None:
    reporting = commands.add_parser("report", help="write a self-contained HTML report of A vs B on a corpus")
    reporting.add_argument("--a", required=True)
    reporting.add_argument("--b", required=True)
    reporting.add_argument("--corpus", required=True)
    reporting.add_argument("--word", action="append", help="a word whose neighbour lists go in (repeatable)")
    reporting.add_argument("--k", type=int, default=10)
    reporting.add_argument("--map-words", type=int, default=2000, help="words on the maps")
    reporting.add_argument("--seed", type=int, default=42)
    reporting.add_argument("--out", required=True, help="the .html file to write")
    reporting.add_argument(
        "--sections",
        default="comparison",
        metavar="LIST",
        help="comma-separated sections: "
        + ", ".join(section.value for section in report.Section)
        + "; or the groups comparison (the default: seconds), evaluation (minutes: the verdict, which then comes "
        "first, and the benchmarks, task, held-out retrieval and WEAT), all",
    )
    reporting.add_argument(
        "--with-evaluation",
        action="store_true",
        help="add the evaluation sections (the verdict first, then benchmarks, task, held-out retrieval, WEAT): "
        "can take minutes",
    )
    _add_corpus_options(reporting)
    reporting.set_defaults(handler=_report)


def _add_map(commands: argparse._SubParsersAction) -> None:
    defaults = CompareView()  # the Compare page's map opens with these
    mapping = commands.add_parser(
        "map",
        help="write the Compare page's aligned 2-D map of A and B (the words both hold) as CSV: "
        + ",".join(_MAP_HEADER)
        + "; same sample and same disk cache as the page and the report",
    )
    mapping.add_argument("--a", required=True)
    mapping.add_argument("--b", required=True)
    mapping.add_argument(
        "--corpus", required=True, help="counts (the sample's frequency bands) and the baseline's words"
    )
    mapping.add_argument(
        "--words",
        type=int,
        default=defaults.n,
        help=f"how many shared words to map, 10 to 200,000 (default {defaults.n}, the page's): a frequency-stratified "
        "sample past that",
    )
    mapping.add_argument(
        "--seed", type=int, default=defaults.seed, help=f"of the sample and UMAP (default {defaults.seed})"
    )
    mapping.add_argument(
        "--word",
        action="extend",
        nargs="+",
        metavar="WORD",
        help="words that must be on the map, first (repeatable); each must be in both spaces",
    )
    mapping.add_argument("--out", required=True, help="the .csv file to write")
    _add_corpus_options(mapping)
    mapping.set_defaults(handler=_map)


def _add_evaluate(commands: argparse._SubParsersAction) -> None:
    evaluation = commands.add_parser(
        "evaluate",
        help="benchmarks, the labels as a task, held-out retrieval, WEAT and "
        "a dimension sweep, spaces side by side; runs keep their "
        "results",
    )
    evaluation.add_argument("--space", action="append", required=True, help="a space (repeat for several)")
    evaluation.add_argument("--corpus", help="counts and the baseline's vocabulary come from this corpus")
    evaluation.add_argument("--pairs", help="your own word pairs: CSV word1,word2,score")
    evaluation.add_argument(
        "--weat",
        action="append",
        metavar="SET",
        help="a WEAT test: 'all', or the start of a set's name (repeatable): " + "; ".join(_weat_names()),
    )
    evaluation.add_argument(
        "--sweep", action="store_true", help="also reduce each space with PCA to 16-256 dimensions and score each size"
    )
    _add_corpus_options(evaluation)
    evaluation.set_defaults(handler=_evaluate)


def _add_verdict(commands: argparse._SubParsersAction) -> None:
    judging = commands.add_parser(
        "verdict",
        help="whether custom spaces beat the baseline on a corpus, for which use and why: a sentence per use "
        "(word similarity, retrieval, the label task, small memory) and the nine reasons to customise; runs the "
        "evaluation flow with the dimension sweep: on the sample corpus about 90 s from nothing on 2 cores (most "
        "of it MiniLM encoding the labelled documents), about 25 s once the encodings are cached",
    )
    judging.add_argument("--corpus", required=True, help="the corpus file the candidates were trained on")
    judging.add_argument(
        "--space", action="append", help="a candidate: a run id, vectors:PATH or another space (repeatable)"
    )
    judging.add_argument(
        "--baseline", default=spaces.BASELINE, help=f"the pretrained space to beat (default {spaces.BASELINE})"
    )
    _add_corpus_options(judging)
    judging.set_defaults(handler=_verdict)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m embedlab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (
        _add_train,
        _add_neighbors,
        _add_coverage,
        _add_compare,
        _add_add_vectors,
        _add_corpora,
        _add_export,
        _add_report,
        _add_map,
        _add_evaluate,
        _add_verdict,
    ):
        add(commands)
    for sub in commands.choices.values():
        sub.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _print_human(result: dict[str, Any], indent: str = "") -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_human(value, indent + "  ")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            print(f"{indent}{key}:")
            for item in value:
                print(f"{indent}  " + "  ".join(_human(v) for v in item.values()))
        else:
            print(f"{indent}{key}: {_human(value)}")


def _human(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``python -m embedlab VERB ...``); returns the exit status (0, 1 for an error, 130 when
    interrupted)."""
    args = _parser().parse_args(argv)
    try:
        result = args.handler(args)
    except (EmbedLabError, OSError) as error:
        print(f"embedlab {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"embedlab {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours, not the user's mistake: the traceback is what a report needs
        traceback.print_exc()
        print(f"embedlab {args.command}: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        _print_human(result)
    return 0
