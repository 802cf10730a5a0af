"""A self-contained HTML report of one comparison: opens offline, plotly's JavaScript inline.

The caller chooses its sections (:class:`Section`): the comparison sections (spaces and parameters, summary,
neighbour lists, what changed, coverage, maps) take seconds; the evaluation sections (the verdict, benchmarks, the
labels as a task, held-out retrieval, WEAT) run the Evaluate page's flow and can take minutes, so they are opt-in.
The verdict (:mod:`embedlab.verdict`: which space to use for what, and why), when chosen, is the first section; the
benchmarks, task and held-out retrieval then read its evaluation instead of scoring again.
:func:`estimate_seconds` says what each costs before it runs, and :func:`build_report` reports each step
(:class:`ReportStep`) as it goes, for a progress bar or the command line.

Example::

    from embedlab.present import report

    settings = report.ReportSettings(words=("matrix",), sections=report.choose_sections(["comparison", "task"]))
    html = report.build_report(a, b, corpus, settings, progress=lambda step: print(step.fraction, step.message))

One module per group of sections, as the report reads (import what is listed below from here):

- :mod:`~embedlab.present.report.settings`: :class:`Section`, its groups, :class:`ReportSettings`.
- :mod:`~embedlab.present.report.progress`: :func:`estimate_seconds`, :class:`ReportStep`, the build's steps.
- :mod:`~embedlab.present.report.inputs`: what the sections read, each computed once (the verdict's evaluation...).
- :mod:`~embedlab.present.report.markup`: the page frame: style, escaping, tables, figures, the colours.
- the sections: :mod:`~embedlab.present.report.verdict`, :mod:`~embedlab.present.report.spaces`,
  :mod:`~embedlab.present.report.neighbours` (summary, neighbours, what changed and its seed-noise floor),
  :mod:`~embedlab.present.report.coverage`, :mod:`~embedlab.present.report.maps`,
  :mod:`~embedlab.present.report.evaluations` (benchmarks, task, held-out retrieval),
  :mod:`~embedlab.present.report.bias` (WEAT).
- :mod:`~embedlab.present.report.build`: :func:`build_report`, which puts them together.
"""

from embedlab.present.report.build import build_report
from embedlab.present.report.maps import map_sample
from embedlab.present.report.markup import APP_COLOURS, report_template
from embedlab.present.report.progress import ReportProgress, ReportStep, estimate_seconds
from embedlab.present.report.settings import (
    COMPARISON_SECTIONS,
    EVALUATION_SECTIONS,
    SECTION_TITLES,
    SECTION_WORK,
    ReportSettings,
    Section,
    choose_sections,
)

__all__ = [
    "APP_COLOURS",
    "COMPARISON_SECTIONS",
    "EVALUATION_SECTIONS",
    "SECTION_TITLES",
    "SECTION_WORK",
    "ReportProgress",
    "ReportSettings",
    "ReportStep",
    "Section",
    "build_report",
    "choose_sections",
    "estimate_seconds",
    "map_sample",
    "report_template",
]
