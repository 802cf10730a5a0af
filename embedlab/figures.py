"""Plotly figure builders: data in, ``go.Figure`` out; nothing here shows anything."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedlab.compare import Coverage

__all__ = ["coverage_bars", "map_pair", "rank_frequency"]

_HIGHLIGHT = "#d62728"
_QUERY = "#111111"
_BACKGROUND_POINT = "rgba(31, 119, 180, 0.35)"


def rank_frequency(counts: Sequence[int]) -> go.Figure:
    """Zipf plot: word frequency against rank, both axes logarithmic."""
    counts = np.asarray(counts)
    ranks = np.arange(1, len(counts) + 1)
    fig = go.Figure(go.Scattergl(x=ranks, y=counts, mode="lines", name="words",
                                 hovertemplate="rank %{x}<br>count %{y}<extra></extra>"))
    fig.update_layout(xaxis_title="rank", yaxis_title="count", xaxis_type="log", yaxis_type="log",
                      height=320, margin=dict(l=10, r=10, t=30, b=10), title="Rank / frequency")
    return fig


def coverage_bars(coverages: Sequence[Coverage]) -> go.Figure:
    """Token and type coverage per space, as grouped bars in percent."""
    names = [c.space for c in coverages]
    fig = go.Figure([
        go.Bar(name="token coverage", x=names, y=[100 * c.token_coverage for c in coverages],
               text=[f"{100 * c.token_coverage:.1f}%" for c in coverages], textposition="auto"),
        go.Bar(name="type coverage", x=names, y=[100 * c.type_coverage for c in coverages],
               text=[f"{100 * c.type_coverage:.1f}%" for c in coverages], textposition="auto"),
    ])
    fig.update_layout(barmode="group", yaxis_title="% of corpus", yaxis_range=[0, 100], height=320,
                      margin=dict(l=10, r=10, t=30, b=10))
    return fig


def _map_traces(layout: np.ndarray, words: Sequence[str], counts: np.ndarray, query: str,
                highlighted: set[str], show_legend: bool) -> list[go.Scattergl]:
    words_array = np.asarray(words, dtype=object)
    is_highlight = np.fromiter((w in highlighted for w in words), dtype=bool, count=len(words))
    is_query = words_array == query
    plain = ~(is_highlight | is_query)
    hover = "%{text}<br>count %{customdata}<extra></extra>"
    traces = [go.Scattergl(x=layout[plain, 0], y=layout[plain, 1], mode="markers", name="words",
                           text=words_array[plain], customdata=counts[plain], hovertemplate=hover,
                           marker=dict(size=4, color=_BACKGROUND_POINT), showlegend=show_legend,
                           legendgroup="words")]
    for mask, name, color, size in ((is_highlight, "neighbours", _HIGHLIGHT, 9), (is_query, "query", _QUERY, 13)):
        traces.append(go.Scattergl(x=layout[mask, 0], y=layout[mask, 1], mode="markers+text", name=name,
                                   text=words_array[mask], customdata=counts[mask], hovertemplate=hover,
                                   textposition="top center", marker=dict(size=size, color=color),
                                   showlegend=show_legend, legendgroup=name))
    return traces


def map_pair(layout_a: np.ndarray, layout_b: np.ndarray, words: Sequence[str], counts: np.ndarray,
             titles: tuple[str, str], query: str = "", highlighted: Sequence[str] = ()) -> go.Figure:
    """Two maps side by side, the query word and its neighbours labelled in both.

    Args:
        layout_a, layout_b: float arrays of shape (n, 2), row i for ``words[i]`` in each space.
        counts: corpus counts of shape (n,), shown on hover.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.04)
    marked = set(highlighted) - {query}
    for col, layout in ((1, layout_a), (2, layout_b)):
        for trace in _map_traces(layout, words, np.asarray(counts), query, marked, show_legend=col == 1):
            fig.add_trace(trace, row=1, col=col)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(height=560, margin=dict(l=10, r=10, t=40, b=10), hovermode="closest",
                      legend=dict(orientation="h", y=-0.02))
    return fig
