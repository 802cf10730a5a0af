#!/usr/bin/env python
"""Building the HTML report of a comparison on the sample corpus: the comparison sections (the app's default) against
every section the report used to build behind one spinner.

On ``sample_data/scipy_docs.csv`` (text and labels) a Word2Vec run is trained with the Train page's defaults; it and
the baseline are loaded with the corpus's counts (the Compare page has them loaded before its report is built), and
UMAP is warmed up as the app's server does when it starts. Then ``report.build_report`` is timed, progress recorded:

* ``embedlab``: the comparison sections (spaces, summary, neighbours of "matrix", what changed, coverage, a
  2,000-word aligned map), the app's default;
* ``before``: what the report always built before sections could be chosen: the comparison sections plus the
  benchmarks, the labels as a 5-fold task and held-out retrieval.

The aligned maps' disk cache is emptied before each build, so each side fits its map; the comparison sections are
built ``--repeats`` times (default 3) and the median is the row's number, the first build of the process shown
beside it. Usage::

    python bench/report_build.py [--quick] [--no-before] [--repeats R]

``--quick`` maps 500 words and skips the ``before`` side (about 3 minutes less); ``--no-before`` skips it only.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

_common.pin_threads()

NAME = "report_build"
GOAL_SECONDS = 30.0


def _build(a, b, corpus, settings) -> tuple[float, list[tuple[float, object]], int]:
    """One report build with an empty map cache: seconds, (seconds since start, step) per progress step, bytes."""
    from embedlab import store
    from embedlab.present import report

    shutil.rmtree(store.cache_dir() / "maps", ignore_errors=True)
    steps: list[tuple[float, object]] = []
    started = time.perf_counter()

    def record(step: report.ReportStep) -> None:
        steps.append((time.perf_counter() - started, step))
        if step.message:
            print(f"    {steps[-1][0]:6.1f} s  [{step.fraction:4.0%}] {step.message}", flush=True)

    text = report.build_report(a, b, corpus, settings, progress=record)
    return time.perf_counter() - started, steps, len(text.encode("utf-8"))


def _section_seconds(steps: list[tuple[float, object]]) -> dict[str, float]:
    """Seconds per section, from the step that starts it to the step that starts the next."""
    starts: dict[str, float] = {}
    for at, step in steps:
        starts.setdefault(step.section, at)  # type: ignore[attr-defined]
    names = list(starts)
    return {name: round(starts[after] - starts[name], 2) for name, after in zip(names, names[1:])}


def _progress_ok(steps: list[tuple[float, object]], sections) -> bool:
    """The steps name each chosen section in the report's order, never go back, and end at 1.0 with "done"."""
    order = list(dict.fromkeys(step.section for _, step in steps))  # type: ignore[attr-defined]
    fractions = [step.fraction for _, step in steps]  # type: ignore[attr-defined]
    return order == [*(s.value for s in sections), "done"] and fractions == sorted(fractions) and fractions[-1] == 1.0


def main(argv: list[str] | None = None) -> bool:
    parser = _common.parser(__doc__.splitlines()[0])
    parser.add_argument("--no-before", action="store_true", help="time the comparison sections only")
    args = parser.parse_args(argv)
    from embedlab import config, spaces
    from embedlab.analysis import maps
    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.present import report
    from embedlab.training import TrainConfig, train_run

    map_words = 500 if args.quick else 2000
    repeats = args.repeats or 3
    with _common.scratch_home("report-build"):
        sample = config.SAMPLE_DATA_DIR / "scipy_docs.csv"
        corpus = build_corpus(sample.name, sample.read_bytes(), ReadOptions("text", "label"))
        run = train_run(corpus, TrainConfig())
        load_seconds = _common.timed(lambda: spaces.load_space("baseline", corpus))
        a, b = spaces.load_space(run.id, corpus), spaces.load_space("baseline", corpus)
        print(f"  spaces loaded ({len(a):,} and {len(b):,} words; the baseline's encoding {load_seconds:.1f} s)")
        warm = _common.timed(maps.warm_up)
        print(f"  UMAP warmed up in {warm:.0f} s (the app's server does this when it starts)", flush=True)

        settings = report.ReportSettings(k=10, words=("matrix",), map_words=map_words, seed=42)
        estimates = report.estimate_seconds(a, b, corpus, settings)
        ours: list[float] = []
        for repeat in range(repeats):
            print(f"  comparison sections #{repeat + 1}:", flush=True)
            seconds, steps, size = _build(a, b, corpus, settings)
            ours.append(seconds)
        progress_ok = _progress_ok(steps, settings.sections)
        first_eta = steps[0][1].eta_seconds  # type: ignore[attr-defined]
        before = None
        before_sections: dict[str, float] = {}
        if not (args.quick or args.no_before):
            old = report.ReportSettings(
                k=10,
                words=("matrix",),
                map_words=map_words,
                seed=42,
                sections=(*report.COMPARISON_SECTIONS, "benchmarks", "task", "retrieval"),
            )
            print("  before: every section the report used to build:", flush=True)
            before, before_steps, _ = _build(a, b, corpus, old)
            before_sections = _section_seconds(before_steps)

    seconds = _common.median(ours)
    row = _common.Row(
        f"HTML report, comparison sections (sample corpus: Word2Vec run vs baseline, {map_words:,}-word maps)",
        "—" if before is None else f"all sections {_common.seconds(before)}",
        f"{_common.seconds(seconds)} (first {_common.seconds(ours[0])})",
        None if before is None else seconds / before,
        f"<= {GOAL_SECONDS:.0f} s, with progress",
        seconds <= GOAL_SECONDS and progress_ok,
    )
    result = _common.Report(NAME, "HTML report build", _common.command_line("report_build.py"), rows=[row])
    result.notes.append(
        f"per section of the last build (s): {_section_seconds(steps)}; {len(steps)} progress steps, in order and "
        f"ending at 1.0: {progress_ok}; first ETA {first_eta:.0f} s; report {size / 1e6:.1f} MB"
    )
    if before is not None:
        result.notes.append(f"before, per section (s): {before_sections}")
    result.notes.append(
        f"builds: {', '.join(_common.seconds(s) for s in ours)} (median shown; the map cache emptied before each)"
    )
    result.notes.append(
        f"not timed: the baseline's encoding of the corpus words ({load_seconds:.1f} s, done when the Compare page "
        f"opened) and UMAP's warm-up ({warm:.0f} s, done when the server started)"
    )
    result.details.update(
        {
            "seconds": ours,
            "before_seconds": before,
            "sections": _section_seconds(steps),
            "before_sections": before_sections,
            "estimates": {section.value: round(cost, 2) for section, cost in estimates.items()},
            "progress_steps": len(steps),
            "progress_ok": progress_ok,
            "bytes": size,
        }
    )
    result.save()
    return bool(row.passed)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
