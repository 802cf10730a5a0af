#!/usr/bin/env python
"""First answers: the Evaluate page's first open and a first read in context (``@context``), from an empty cache.

On ``sample_data/scipy_docs.csv`` (text and labels) a Word2Vec run is trained with the Train page's defaults (not
timed) in an empty scratch ``EMBEDLAB_HOME``, then, each from an empty disk cache:

* **Evaluate, first open**: ``pages/evaluate.py`` through ``app.py`` in Streamlit's ``AppTest``, opened from its
  link with the run and the baseline (the baseline encodes the corpus's words, the benchmarks' words, the
  documents for the label task and the held-out sentences; every section but the dimension sweep, which waits for
  its button). No raw side: it is a page.
* **words read in context**: ``spaces.load_space("baseline@context", corpus)``: MiniLM reads up to 5,000 of the
  corpus's sentences and averages each word's token embeddings over up to 5 of them, the words it never meets
  encoded alone. Raw side: ``SentenceTransformer.forward`` over the same sentences in corpus order in batches
  of 64 (how EmbedLab read them before), plus encoding the words alone with ``encode``: the library's cost of
  the same work without EmbedLab's ordering by word pieces.

Usage::

    python bench/first_answers.py [--quick]

``--quick`` skips the raw side of the context read.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()

NAME = "first_answers"
GOAL_EVALUATE = 45.0
GOAL_CONTEXT = 30.0


def _empty_cache() -> None:
    from embedlab import store

    shutil.rmtree(store.cache_dir(), ignore_errors=True)


def _evaluate_page(corpus_id: str, run_id: str) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(_common.ROOT / "app.py"), default_timeout=1800)
    at.query_params["corpus"] = corpus_id
    at.query_params["spaces"] = f"{run_id},baseline"
    at.switch_page("pages/evaluate.py")
    seconds = _common.timed(at.run)
    if at.exception or at.error:
        raise RuntimeError(f"the Evaluate page failed: {(at.exception or at.error)[0].value}")
    if not [frame for frame in at.dataframe if "measure" in frame.value.columns]:
        raise RuntimeError("the Evaluate page showed no benchmark table")
    return seconds


def _raw_context(corpus) -> float:
    """The library's cost of the context read: a forward pass over the same sentences in corpus order, batches of
    64, and the words encoded alone."""
    import torch

    from embedlab.spaces import baseline
    from embedlab.spaces.load import transformer_vocabulary

    words = list(transformer_vocabulary(corpus))
    index = {word: i for i, word in enumerate(words)}
    chosen = [
        list(s)
        for s in baseline._sentences_to_read(
            index, corpus.sentences(), baseline.CONTEXT_OCCURRENCES, baseline.CONTEXT_MAX_SENTENCES
        )
    ]
    model = baseline.load_model()
    started = time.perf_counter()
    for start in range(0, len(chosen), 64):
        features = baseline._tokenizer()(
            chosen[start : start + 64],
            is_split_into_words=True,
            truncation=True,
            max_length=model.max_seq_length,
            padding=True,
            return_tensors="pt",
        )
        inputs = {name: features[name] for name in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.inference_mode():
            model(inputs)
    model.encode(words, batch_size=512, normalize_embeddings=True, show_progress_bar=False)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> bool:
    parser = _common.parser(__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    from embedlab import config, spaces
    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.spaces import baseline
    from embedlab.training import TrainConfig, train_run

    report = _common.Report(NAME, "First answers", _common.command_line("first_answers.py"))
    with _common.scratch_home(NAME):
        sample = config.SAMPLE_DATA_DIR / "scipy_docs.csv"
        corpus = build_corpus(sample.name, sample.read_bytes(), ReadOptions("text", "label"))
        run = train_run(corpus, TrainConfig())
        baseline.load_model()  # loading torch and the model is not what is compared (the server has it)
        print(f"  {corpus.stats.tokens:,} tokens, {corpus.stats.documents:,} documents; run {run.id}", flush=True)

        _empty_cache()
        evaluate = _evaluate_page(corpus.id, run.id)
        print(f"  Evaluate, first open: {evaluate:.1f} s", flush=True)

        _empty_cache()
        started = time.perf_counter()
        space = spaces.load_space("baseline@context", corpus)
        context = time.perf_counter() - started
        print(f"  baseline@context, first read: {context:.1f} s ({space.source})", flush=True)
        raw = None
        if not args.quick:
            raw = _raw_context(corpus)
            print(f"  raw: forward pass in corpus order + words alone: {raw:.1f} s", flush=True)

    report.rows = [
        _common.Row(
            "Evaluate, first open (sample corpus: Word2Vec run + baseline, empty cache; AppTest)",
            "—",
            _common.seconds(evaluate),
            None,
            f"<= {GOAL_EVALUATE:.0f} s",
            evaluate <= GOAL_EVALUATE,
        ),
        _common.Row(
            "words read in context (baseline@context), first time, one space (sample corpus)",
            "—" if raw is None else _common.seconds(raw),
            _common.seconds(context),
            None if raw is None else context / raw,
            f"<= {GOAL_CONTEXT:.0f} s",
            context <= GOAL_CONTEXT,
        ),
    ]
    report.notes = [
        "Torch and the model are loaded before timing (the server loads them once); the disk cache is emptied "
        "before each step, so each encodes from nothing.",
        f"The context read: {space.source}.",
    ]
    report.details = {"evaluate_seconds": evaluate, "context_seconds": context, "raw_context_seconds": raw}
    report.save()
    return bool(report.rows[0].passed and report.rows[1].passed)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
