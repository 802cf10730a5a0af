#!/usr/bin/env python
"""Training path: an EmbedLab training job against raw gensim ``corpus_file`` training, same corpus and parameters.

Each side runs in its own process, interleaved (raw, app, raw, app...):

* ``raw``: a fresh interpreter that imports gensim and runs ``Word2Vec(corpus_file=sentences.txt, ...)``; timed
  from process start to exit (interpreter start and imports included, as the job's worker pays them too).
* ``app``: ``embedlab.training.jobs.start_job`` as the Train page calls it, polled until the job is done: the worker
  process (``python -m embedlab.training.jobs``) loads the corpus, trains with its progress callbacks writing to SQLite,
  saves ``vectors.bin`` and registers the run. Timed from ``start_job`` to the "done" row.

Peak RSS is the training process's: the raw process, and the job's worker (measured with ``getrusage`` of the
reaped child). Usage (from the repository root)::

    python bench/train_path.py [--quick] [--repeats R] [--tokens N]
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()  # before numpy, torch or numba start their thread pools

NAME = "train_path"
SCRIPT = Path(__file__).resolve()
WALL_GOAL, RSS_GOAL = 1.10, 1.2


def _raw_side(args: list[str]) -> dict:
    """Plain gensim: build the vocabulary and train from the corpus file, nothing saved."""
    sentences, config = args[0], json.loads(args[1])
    from gensim.models import Word2Vec

    model = Word2Vec(
        corpus_file=sentences,
        vector_size=config["dim"],
        window=config["window"],
        min_count=config["min_count"],
        sg=int(config["sg"]),
        negative=config["negative"],
        sample=config["sample"],
        seed=config["seed"],
        workers=config["workers"] or os.cpu_count(),
        epochs=config["epochs"],
    )
    return {"vocabulary": len(model.wv)}


def _app_side(args: list[str]) -> dict:
    """An EmbedLab job, started and polled as the Train page does; the worker is reaped here."""
    corpus_id, config = args[0], json.loads(args[1])
    from embedlab.training import TrainConfig, jobs

    started = time.perf_counter()
    job_id = jobs.start_job(corpus_id, TrainConfig.from_dict(config))
    job = jobs.get_job(job_id)
    while job.status in jobs.ACTIVE:
        time.sleep(0.05)
        job = jobs.get_job(job_id)
    seconds = time.perf_counter() - started
    _reap_workers()
    if job.status != "done":
        raise RuntimeError(f"job {job_id} ended {job.status}: {job.message}")
    from embedlab import store

    run = store.get_run(job.run_id)
    return {
        "seconds": seconds,
        "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "vocabulary": run.vocab_size,
    }


def _reap_workers() -> None:
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def _build_corpus(work: Path, tokens: int):
    from embedlab.corpus import build_corpus

    path = work / "synthetic.txt"
    _common.SyntheticText().write(path, tokens)
    return build_corpus(path.name, path.read_bytes())


def main(argv: list[str] | None = None) -> int:
    if _common.side_main({"raw": _raw_side, "app": _app_side}, argv):
        return 0
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=None, help="corpus size (default 5M, --quick 1M)")
    args = parser.parse_args(argv)
    tokens = args.tokens or (1_000_000 if args.quick else 5_000_000)
    repeats = args.repeats or (2 if args.quick else 5)  # ~20% run-to-run noise on a shared 2-core machine
    from embedlab.training import TrainConfig

    config = TrainConfig().to_dict()  # the Train page's defaults: word2vec CBOW, dim 100, 5 epochs, all cores
    with _common.scratch_home(NAME) as work:
        corpus = _build_corpus(work, tokens)
        print(
            f"corpus {corpus.id}: {corpus.stats.tokens:,} tokens, {corpus.stats.types:,} types; config {config}",
            flush=True,
        )
        sides = _common.interleaved(
            repeats,
            {
                "raw": lambda: _common.run_side(SCRIPT, "raw", str(corpus.sentences_path), json.dumps(config)),
                "app": lambda: _common.run_side(SCRIPT, "app", corpus.id, json.dumps(config)),
            },
        )
    raw_seconds = _common.median([side.seconds for side in sides["raw"]])
    app_seconds = _common.median([side.output["seconds"] for side in sides["app"]])
    raw_peak = _common.median([side.peak_mib for side in sides["raw"]])
    app_peak = _common.median([side.output["worker_peak_mib"] for side in sides["app"]])
    step = f"training, {corpus.stats.tokens / 1e6:.1f}M tokens, word2vec defaults"
    report = _common.Report(NAME, "Training path vs raw gensim corpus_file", _common.command_line("train_path.py"))
    report.rows = [
        _common.Row(
            f"{step}: wall",
            _common.seconds(raw_seconds),
            _common.seconds(app_seconds),
            app_seconds / raw_seconds,
            f"<= {WALL_GOAL:.2f}x",
            app_seconds <= WALL_GOAL * raw_seconds,
        ),
        _common.Row(
            f"{step}: peak RSS",
            _common.mib(raw_peak),
            _common.mib(app_peak),
            app_peak / raw_peak,
            f"<= {RSS_GOAL:.1f}x",
            app_peak <= RSS_GOAL * raw_peak,
        ),
    ]
    report.notes = [
        f"Median of {repeats} interleaved runs per side. Vocabulary: raw {sides['raw'][0].output['vocabulary']:,}, "
        f"app {sides['app'][0].output['vocabulary']:,} words (min_count {config['min_count']}).",
        "raw: a fresh `python` running `Word2Vec(corpus_file=...)`, process start to exit. app: `jobs.start_job` "
        "to the job's 'done' row: worker start, corpus load, training with progress written to SQLite, "
        "vectors.bin written and the run registered.",
    ]
    report.details = {
        "tokens": corpus.stats.tokens,
        "config": config,
        "raw": [vars(side) for side in sides["raw"]],
        "app": [vars(side) for side in sides["app"]],
    }
    report.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
