"""A self-contained HTML report of one comparison: opens offline, plotly's JavaScript inline."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from embedlab import analysis, evaluation, store
from embedlab.analysis import maps
from embedlab.present import figures
from embedlab.spaces.space import EmbeddingSpace
from embedlab.spaces.spec import BASELINE

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from embedlab.corpus.stored import Corpus


_TABLE_ROWS = 25


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pair { display: flex; gap: 2rem; flex-wrap: wrap; } .pair > div { flex: 1; min-width: 300px; }
.numbers { display: flex; gap: 2.5rem; flex-wrap: wrap; } .numbers div { font-size: 0.85rem; color: #555; }
.numbers b { display: block; font-size: 1.6rem; color: #222; } .muted { color: #666; font-size: 0.85rem; }
"""


@dataclass(frozen=True)
class ReportSettings:
    """What the HTML report shows: k neighbours, the words whose neighbour lists go in, the words on the maps, the
    seed of the map sample, and how many words are scored for what changed."""

    k: int = 10
    words: tuple[str, ...] = ()
    map_words: int = 2000
    seed: int = 42
    max_scored_words: int = analysis.DEFAULT_MAX_WORDS


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(frame: pd.DataFrame, marked: Sequence[set[str]] = ()) -> str:
    """An HTML table; every cell is escaped, numbers right-aligned."""
    head = "".join(f"<th>{_e(column)}</th>" for column in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for value in values:
            if isinstance(value, (float, np.floating)):
                cells.append(f'<td class="num">{value:.3f}</td>')
            elif isinstance(value, (int, np.integer)):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _numbers(pairs: Sequence[tuple[str, str]]) -> str:
    return '<div class="numbers">' + "".join(f"<div><b>{_e(v)}</b>{_e(k)}</div>" for k, v in pairs) + "</div>"


def _figure(fig: go.Figure) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _describe(space: EmbeddingSpace) -> pd.DataFrame:
    """Where a space came from: a run's parameters, the baseline model, or a vectors file."""
    rows: list[tuple[str, object]] = [
        ("space", space.title),
        ("spec", space.name),
        ("source", space.source),
        ("words", len(space)),
        ("dimensions", space.dim),
    ]
    run = store.get_run(space.name)
    if run is not None:
        rows += [
            ("method", run.method.display_name),
            ("corpus id", run.corpus_id),
            ("training seconds", round(run.seconds, 2)),
        ]
        rows += [(name, value) for name, value in run.parameters().items() if value is not None]
    return pd.DataFrame(rows, columns=["", "value"])


def _neighbour_section(shared_a: EmbeddingSpace, shared_b: EmbeddingSpace, word: str, k: int) -> str:
    try:
        result = analysis.compare_neighbors(shared_a, shared_b, word, k)
    except ValueError as error:
        return f"<h3>{_e(word)}</h3><p class='muted'>{_e(error)}</p>"
    columns = []
    for title, neighbours in ((f"A · {shared_a.title}", result.a), (f"B · {shared_b.title}", result.b)):
        frame = pd.DataFrame(
            {
                "rank": range(1, len(neighbours) + 1),
                "word": [n.word for n in neighbours],
                "similarity": [n.similarity for n in neighbours],
                "in both": ["✓" if n.word in result.in_both else "" for n in neighbours],
            }
        )
        columns.append(f"<div><b>{_e(title)}</b>{_table(frame)}</div>")
    return f"<h3>“{_e(word)}” — Jaccard@{k} {result.jaccard:.2f}</h3><div class='pair'>{''.join(columns)}</div>"


def _benchmarks(specs: Sequence[EmbeddingSpace], corpus: Corpus) -> str:
    """The Evaluate page's benchmark table (held-out retrieval included when the corpus has sentence pairs, and
    the task when it has labels) for the report: the same flow, ``evaluation.evaluate_spaces``."""
    result = evaluation.evaluate_spaces(specs, corpus)
    parts = [
        _table(result.table[["space", "benchmark", "metric", "score", "used", "total", "oov_share"]]),
        f"<p>Held-out pairs: {_e(result.held_out.note)}</p>",
    ]
    tasks = [found.task for found in result.spaces if found.task is not None]
    if tasks:
        parts.append("<b>Task: classifying the documents by label (logistic regression, stratified k-fold)</b>")
        parts.append(
            _table(
                pd.DataFrame(
                    [
                        {
                            "space": t.space,
                            "features": t.features,
                            "accuracy": t.accuracy,
                            "±": t.accuracy_std,
                            "macro-F1": t.macro_f1,
                            "folds": t.folds,
                        }
                        for t in tasks
                    ]
                )
            )
        )
    return "".join(parts)


def _changed_section(frame: pd.DataFrame, k: int) -> str:
    """The histogram of Jaccard@k and the most and least changed words."""
    ranked = frame.sort_values(["jaccard", "count_a"], ascending=[True, False])
    columns = {
        "word": "word",
        "jaccard": f"Jaccard@{k}",
        "rank_overlap": "rank overlap",
        "count_a": "count",
        "band": "band",
    }
    most = ranked.head(_TABLE_ROWS)[list(columns)].rename(columns=columns)
    least = ranked.tail(_TABLE_ROWS).iloc[::-1][list(columns)].rename(columns=columns)
    return (
        "<h2>What changed</h2>"
        + _figure(figures.change_histogram(frame["jaccard"], "Jaccard@k", 0.0, 1.0))
        + f"<div class='pair'><div><b>Most changed</b>{_table(most)}</div>"
        f"<div><b>Least changed</b>{_table(least)}</div></div>"
    )


def _coverage_section(specs: Sequence[EmbeddingSpace], corpus: Corpus) -> str:
    """Token and type coverage per space, by frequency band, and each space's most frequent missing words."""
    coverages = [analysis.coverage(space, corpus, top=_TABLE_ROWS) for space in specs]
    blocks = []
    for result in coverages:
        numbers = [("token coverage", f"{result.token_coverage:.1%}"), ("type coverage", f"{result.type_coverage:.1%}")]
        if result.split_token_share is not None:
            numbers.append(("tokens split into 2+ pieces", f"{result.split_token_share:.1%}"))
        missing = pd.DataFrame(result.top_missing, columns=["missing word", "count"])
        blocks.append(f"<div><b>{_e(result.space)}</b>{_numbers(numbers)}{_table(missing)}</div>")
    by_band = {space.title: analysis.coverage_by_band(space, corpus) for space in specs}
    return (
        "<h2>Coverage</h2>"
        + _figure(figures.coverage_bars(coverages))
        + _figure(figures.coverage_by_band(by_band))
        + f"<div class='pair'>{''.join(blocks)}</div>"
    )


def _map_section(
    a: EmbeddingSpace, b: EmbeddingSpace, shared_a: EmbeddingSpace, shared_b: EmbeddingSpace, settings: ReportSettings
) -> str:
    """Both maps, fitted together, with the chosen words and their neighbours highlighted."""
    highlighted = [w for w in settings.words if w in shared_a]
    comparisons = [analysis.compare_neighbors(shared_a, shared_b, w, settings.k) for w in highlighted]
    neighbours = {n.word for c in comparisons for n in c.a + c.b}
    sample = maps.sample_words(shared_a.words, settings.map_words, settings.seed, [*highlighted, *sorted(neighbours)])
    rows = [shared_a.index[w] for w in sample]
    layout_a, layout_b = maps.aligned_layouts(
        shared_a.vectors[rows],
        shared_b.vectors[rows],
        maps.MapSettings(sample_size=max(10, len(sample)), seed=settings.seed),
    )
    figure = figures.map_pair(
        layout_a,
        layout_b,
        sample,
        shared_a.counts[rows],
        (f"A · {a.title}", f"B · {b.title}"),
        highlighted[0] if highlighted else "",
        sorted(neighbours | set(highlighted[1:])),
    )
    return (
        "<h2>Maps</h2>"
        f"<p class='muted'>{len(sample):,} words, frequency-stratified sample (seed {settings.seed}); both maps "
        "fitted together with AlignedUMAP, so a word that kept its neighbours sits in the same place.</p>"
        + _figure(figure)
    )


def build_report(
    a: EmbeddingSpace, b: EmbeddingSpace, corpus: Corpus, settings: ReportSettings = ReportSettings()
) -> str:
    """The whole comparison of A and B on a corpus as one HTML document that needs no network to open.

    Returns:
        The HTML text (a few MB: plotly's JavaScript is inline).
    """
    # lazy: plotly's 4 MB JavaScript bundle is read only to write a report
    from plotly.offline import get_plotlyjs

    shared_a, shared_b = analysis.shared_spaces(a, b)
    summary, frame = analysis.compare_spaces(a, b, settings.k, settings.max_scored_words, settings.seed)
    specs = list(dict.fromkeys((a, b)))
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>EmbedLab report: {_e(a.title)} vs {_e(b.title)}</title><style>{_STYLE}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>",
        f"<h1>{_e(a.title)} vs {_e(b.title)}</h1>",
        f"<p class='muted'>EmbedLab report, {created}. Corpus <b>{_e(corpus.name)}</b> (id {_e(corpus.id)}, "
        f"the hash of its bytes and options): {corpus.stats.documents:,} documents, {corpus.stats.tokens:,} tokens, "
        f"{corpus.stats.types:,} distinct words.</p>",
        "<h2>Spaces</h2><div class='pair'>",
        *(f"<div>{_table(_describe(space))}</div>" for space in specs),
        "</div><h2>Summary</h2>",
        _numbers(
            [
                ("shared words", f"{summary.shared_words:,}"),
                ("only in A", f"{summary.only_a:,}"),
                ("only in B", f"{summary.only_b:,}"),
                (f"mean Jaccard@{summary.k}", f"{summary.mean_jaccard:.3f}"),
                ("mean rank-biased overlap", f"{summary.mean_rank_overlap:.3f}"),
            ]
        ),
        f"<p class='muted'>Over {summary.compared_words:,} scored words; neighbours are searched among the shared "
        "words only, so the two lists are comparable.</p>",
        "<h2>Neighbours</h2>",
        *(_neighbour_section(shared_a, shared_b, w, settings.k) for w in settings.words),
        "" if settings.words else "<p class='muted'>No words chosen.</p>",
        _changed_section(frame, summary.k),
        _coverage_section(specs, corpus),
        "<h2>Benchmarks</h2>",
        _benchmarks(specs, corpus),
        _map_section(a, b, shared_a, shared_b, settings),
        f"<p class='muted'>The space {_e(BASELINE)} is all-MiniLM-L6-v2 encoding each word alone.</p>",
        "</body></html>",
    ]
    return "".join(parts)
