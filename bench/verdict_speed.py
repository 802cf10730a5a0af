#!/usr/bin/env python
"""The verdict's speed: from nothing, and the Verdict page's rerun once it is cached.

The goals (the verdict's issue): on the sample corpus with one Word2Vec run and the baseline, the verdict from
nothing in under 60 s on 2 cores; with what it needs cached, the Verdict page renders in under 2 s. On
``sample_data/scipy_docs.csv`` (text and labels) a Word2Vec run is trained with the Train page's defaults
(``TrainConfig()``, not timed) in an empty scratch ``EMBEDLAB_HOME``, then:

* **from nothing**: ``verdict.build_verdict(corpus, [run])``, the baseline's word vectors not cached (the
  baseline encodes the corpus's words, the benchmarks' words it lacks, the documents for the label task and the
  held-out sentences; every section of the evaluation flow with the dimension sweep; domain language; coverage),
  its progress steps timed; then the same call again (the encodings now on disk, nothing in memory);
* **the Verdict page**: ``pages/verdict.py`` in Streamlit's ``AppTest`` opened from its link (``corpus``,
  ``space``, ``baseline``) through ``app.py`` (UMAP warmed up first, as the server does), run once (the page's
  ``st.cache_data`` empty: it evaluates, reading the encodings from disk), then rerun ``--repeats`` times in the
  same session, and opened once more in a new session (the link again): both served from ``st.cache_data``.
  Without the page, ``build_verdict`` with its inputs given (``evaluated=``, ``comparisons=``) stands in, marked
  so;
* **the report** (no goal: it decides whether the verdict is among the report's default sections, whose goal is
  30 s): ``report.build_report`` with the verdict and the summary, the encodings on disk.

Usage::

    python bench/verdict_speed.py [--quick] [--repeats R]

``--quick`` skips the second call from nothing, the new session and the report (about 2 minutes less).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()

NAME = "verdict_speed"
GOAL_COLD = 60.0
GOAL_RENDER = 2.0
PAGE = _common.ROOT / "pages" / "verdict.py"


def _stages(progress: list[tuple[float, float, str]]) -> dict[str, float]:
    """Seconds per stage of a ``build_verdict`` progress log: the evaluation per space and section, then the rest."""
    stages: dict[str, float] = {}
    for (at, _, message), (after, _, _) in zip(progress, progress[1:]):
        name = message.split(": ")[0] + (": " + message.split(": ")[1].split(" ")[0] if ": " in message else "")
        stages[name] = round(stages.get(name, 0.0) + after - at, 2)
    return stages


def _page(corpus_id: str, run_id: str):
    """The Verdict page as opened from its link, not run yet: through app.py, whose navigation its links to
    Compare need."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(_common.ROOT / "app.py"), default_timeout=1800)
    at.query_params["corpus"] = corpus_id
    at.query_params["space"] = [run_id]
    at.query_params["baseline"] = "baseline"
    at.switch_page("pages/verdict.py")
    return at


def _check(at) -> None:
    if at.exception:
        raise RuntimeError(f"the Verdict page failed: {at.exception[0].message}")
    if not [block for block in at.markdown if "Recommended space" in block.value]:
        raise RuntimeError("the Verdict page showed no verdict")


def main(argv: list[str] | None = None) -> bool:
    parser = _common.parser(__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    from embedlab import analysis, config, evaluation, spaces, verdict
    from embedlab.analysis import maps
    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.present import report
    from embedlab.training import TrainConfig, train_run
    from embedlab.verdict import build as verdict_build

    repeats = args.repeats or 5
    notes: list[str] = []
    with _common.scratch_home("verdict-speed"):
        sample = config.SAMPLE_DATA_DIR / "scipy_docs.csv"
        corpus = build_corpus(sample.name, sample.read_bytes(), ReadOptions("text", "label"))
        run = train_run(corpus, TrainConfig())
        print(f"  {corpus.stats.tokens:,} tokens, {corpus.stats.documents:,} documents; run {run.id}", flush=True)

        progress: list[tuple[float, float, str]] = []
        started = time.perf_counter()

        def record(fraction: float, message: str) -> None:
            if not progress or progress[-1][2] != message:
                progress.append((time.perf_counter() - started, fraction, message))
                print(f"    {progress[-1][0]:6.1f} s  [{fraction:4.0%}] {message}", flush=True)

        found = verdict.build_verdict(corpus, [run.id], progress=record)
        cold = time.perf_counter() - started
        progress.append((cold, 1.0, "end"))
        print(f"  from nothing: {cold:.1f} s", flush=True)
        again = None
        if not args.quick:
            again = _common.timed(lambda: verdict.build_verdict(corpus, [run.id]))
            print(f"  again, the encodings on disk: {again:.1f} s", flush=True)

        if PAGE.exists():
            warm = _common.timed(maps.warm_up)  # as the server does when it starts: not while the page is timed
            notes.append(f"UMAP warmed up first ({warm:.0f} s, not timed), as the app's server does when it starts")
            at = _page(corpus.id, run.id)
            first = _common.timed(at.run)
            _check(at)
            print(f"  Verdict page, first run: {first:.1f} s", flush=True)
            reruns = []
            for repeat in range(repeats):
                reruns.append(_common.timed(at.run))
                _check(at)
                print(f"  Verdict page, rerun #{repeat + 1}: {reruns[-1]:.3f} s", flush=True)
            fresh = None
            if not args.quick:
                link = _page(corpus.id, run.id)
                fresh = _common.timed(link.run)
                _check(link)
                print(f"  Verdict page, the link in a new session: {fresh:.3f} s", flush=True)
            cached = _common.median(reruns)
            page_row = _common.Row(
                "Verdict page (AppTest, sample corpus: Word2Vec run vs baseline): rerun, st.cache_data warm, vs "
                "first run",
                f"first {_common.seconds(first)}",
                f"rerun {_common.seconds(cached)}",
                cached / first,
                f"< {GOAL_RENDER:.0f} s",
                cached < GOAL_RENDER,
            )
            notes.append(
                f"Verdict page: first run {_common.seconds(first)} (its st.cache_data empty, the encodings on disk "
                f"from the calls above); reruns {', '.join(_common.seconds(s) for s in reruns)} (median shown)"
                + ("" if fresh is None else f"; the link opened in a new session {_common.seconds(fresh)}")
            )
        else:
            names = ["baseline", run.id]
            loaded = {name: spaces.load_space(name, corpus) for name in names}
            options = verdict.evaluation_options([loaded[run.id], loaded["baseline"]], corpus)
            evaluated = evaluation.evaluate_spaces([loaded[name] for name in names], corpus, options)
            comparisons = {run.id: analysis.compare_spaces(loaded[run.id], loaded["baseline"], verdict_build.K)}
            times = [
                _common.timed(
                    lambda: verdict.build_verdict(
                        corpus, [run.id], evaluated=evaluated, comparisons=comparisons, load=loaded.__getitem__
                    )
                )
                for _ in range(repeats)
            ]
            cached = _common.median(times)
            page_row = _common.Row(
                "STAND-IN (no pages/verdict.py): build_verdict with evaluated= and comparisons= given, spaces loaded",
                "—",
                _common.seconds(cached),
                None,
                f"< {GOAL_RENDER:.0f} s (the page's cached render)",
                cached < GOAL_RENDER,
            )
            notes.append("pages/verdict.py was not there: the cached row times build_verdict with its inputs given")

        in_report = None
        if not args.quick:
            a, b = spaces.load_space(run.id, corpus), spaces.load_space("baseline", corpus)
            settings = report.ReportSettings(k=10, sections=("verdict", "summary"))
            in_report = _common.timed(lambda: report.build_report(a, b, corpus, settings))
            print(f"  report with the verdict and the summary: {in_report:.1f} s", flush=True)

    stages = _stages(progress)
    loading = stages.get("loading the spaces", 0.0)
    rows = [
        _common.Row(
            "verdict from nothing (sample corpus: Word2Vec run vs baseline, empty cache)",
            "—",
            _common.seconds(cold),
            None,
            f"< {GOAL_COLD:.0f} s on 2 cores",
            cold < GOAL_COLD,
        ),
        page_row,
    ]
    if in_report is not None:
        rows.append(
            _common.Row(
                "HTML report with the verdict (+ summary), the encodings on disk",
                "—",
                _common.seconds(in_report),
                None,
                "— (in the default sections only if the comparison sections stay <= 30 s)",
                None,
            )
        )
    result = _common.Report(NAME, "The verdict's speed", _common.command_line("verdict_speed.py"), rows=rows)
    result.notes.append(f"from nothing, seconds per stage: {stages}")
    result.notes.append(
        f"of which the baseline's corpus words ({loading:.1f} s, 'loading the spaces'): the Compare page has them "
        f"cached; without them {cold - loading:.1f} s"
    )
    if again is not None:
        result.notes.append(f"build_verdict again, every encoding on disk, nothing in memory: {_common.seconds(again)}")
    result.notes += notes
    result.notes.append(f"verdict: {[line.sentence for line in found.headlines]}")
    result.details.update(
        {
            "cold_seconds": cold,
            "again_seconds": again,
            "stages": stages,
            "cached_seconds": cached,
            "report_seconds": in_report,
            "page": PAGE.exists(),
        }
    )
    result.save()
    return all(row.passed is not False for row in rows)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
