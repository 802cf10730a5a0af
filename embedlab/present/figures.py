"""Plotly figure builders: data in, ``go.Figure`` out; nothing here shows anything."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedlab.analysis.coverage import Coverage

if TYPE_CHECKING:
    import pandas as pd


_HIGHLIGHT = "#d62728"


_QUERY = "#111111"


_BACKGROUND_POINT = "rgba(31, 119, 180, 0.35)"


def _text(value: object) -> str:
    """User text (a word, a space name) for plotly, which reads <b>, <a href> and the like in text as markup:
    escaped, so it is shown exactly as written (plotly turns &lt; back into <)."""
    return html.escape(str(value), quote=False)


def rank_frequency(counts: Sequence[int]) -> go.Figure:
    """Zipf plot: word frequency against rank, both axes logarithmic."""
    frequencies = np.asarray(counts)
    ranks = np.arange(1, len(frequencies) + 1)
    fig = go.Figure(
        go.Scattergl(
            x=ranks, y=counts, mode="lines", name="words", hovertemplate="rank %{x}<br>count %{y}<extra></extra>"
        )
    )
    fig.update_layout(
        xaxis_title="rank",
        yaxis_title="count",
        xaxis_type="log",
        yaxis_type="log",
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
        title="Rank / frequency",
    )
    return fig


def coverage_bars(coverages: Sequence[Coverage]) -> go.Figure:
    """Token and type coverage per space, as grouped bars in percent."""
    names = [_text(c.space) for c in coverages]
    fig = go.Figure(
        [
            go.Bar(
                name="token coverage",
                x=names,
                y=[100 * c.token_coverage for c in coverages],
                text=[f"{100 * c.token_coverage:.1f}%" for c in coverages],
                textposition="auto",
            ),
            go.Bar(
                name="type coverage",
                x=names,
                y=[100 * c.type_coverage for c in coverages],
                text=[f"{100 * c.type_coverage:.1f}%" for c in coverages],
                textposition="auto",
            ),
        ]
    )
    fig.update_layout(
        barmode="group",
        yaxis_title="% of corpus",
        yaxis_range=[0, 100],
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    return fig


_SCORE_BINS = 20  # 0.05 wide; 1.0 falls in the last


def change_histogram(scores: Sequence[float], metric_label: str, low: float, high: float) -> go.Figure:
    """Histogram of per-word change scores (0..1), the selected score range shaded.

    Binned here, so the figure carries 20 counts rather than every word's score (the page redraws it on every
    rerun, and 20k scores made that the slowest part of a cached view).
    """
    bins = np.minimum(np.floor(np.asarray(scores, dtype=np.float64) * _SCORE_BINS + 1e-9), _SCORE_BINS - 1)
    counts = np.bincount(bins.astype(np.int64), minlength=_SCORE_BINS)
    lows = np.arange(_SCORE_BINS) / _SCORE_BINS
    fig = go.Figure(
        go.Bar(
            x=lows + 0.5 / _SCORE_BINS,
            y=counts,
            width=1 / _SCORE_BINS,
            marker_color="#1f77b4",
            name="words",
            customdata=np.stack([lows, lows + 1 / _SCORE_BINS], axis=1),
            hovertemplate=f"{metric_label} %{{customdata[0]:.2f}}–%{{customdata[1]:.2f}}"
            "<br>%{y} words<extra></extra>",
        )
    )
    fig.add_vrect(x0=low, x1=high, fillcolor="#ff7f0e", opacity=0.12, line_width=0)
    fig.update_layout(
        xaxis_title=f"{metric_label} (1 = same neighbours, 0 = none in common)",
        yaxis_title="words",
        xaxis_range=[0, 1],
        height=300,
        bargap=0.05,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    return fig


def coverage_by_band(frames: dict[str, pd.DataFrame]) -> go.Figure:
    """Token coverage per frequency band for each space: where each one loses the corpus.

    Args:
        frames: space name -> :func:`embedlab.analysis.coverage_by_band` frame.
    """
    fig = go.Figure(
        [
            go.Scatter(
                x=frame["band"],
                y=100 * frame["token_coverage"],
                mode="lines+markers",
                name=_text(name),
                customdata=np.stack([frame["words"], frame["covered_words"]], axis=1),
                hovertemplate="%{x}: %{y:.1f}% of tokens<br>%{customdata[1]} of %{customdata[0]} words"
                "<extra>" + _text(name) + "</extra>",
            )
            for name, frame in frames.items()
        ]
    )
    fig.update_layout(
        xaxis_title="corpus count of the word (frequency band)",
        yaxis_title="% of tokens covered",
        yaxis_range=[0, 105],
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.12),
    )
    return fig


def pieces_histogram(histogram: pd.DataFrame) -> go.Figure:
    """Share of corpus tokens by the number of WordPiece pieces their word is split into."""
    share = 100 * histogram["tokens"] / histogram["tokens"].sum()
    fig = go.Figure(
        go.Bar(
            x=histogram["pieces"].astype(str),
            y=share,
            customdata=histogram["words"],
            text=[f"{v:.1f}%" for v in share],
            textposition="auto",
            hovertemplate="%{x} pieces: %{y:.1f}% of tokens, %{customdata} words<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="pieces per word", yaxis_title="% of tokens", height=300, margin=dict(l=10, r=10, t=30, b=10)
    )
    return fig


def _trace_masks(words: Sequence[str], query: str, highlighted: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Which words each point trace of a map holds: the rest, the highlighted neighbours, the query (bool arrays of
    shape (len(words),)); :func:`map_pair` draws them and :func:`map_trace_words` reads selections by them."""
    marked = set(highlighted) - {query}
    is_highlight = np.fromiter((w in marked for w in words), dtype=bool, count=len(words))
    is_query = np.fromiter((w == query for w in words), dtype=bool, count=len(words))
    return ~(is_highlight | is_query), is_highlight, is_query


def _map_traces(
    layout: np.ndarray,
    words: Sequence[str],
    counts: np.ndarray,
    query: str,
    highlighted: Sequence[str],
    show_legend: bool,
    colour: np.ndarray | None,
    colour_title: str,
) -> list[go.Scattergl]:
    words_array = np.asarray(words, dtype=object)
    shown = np.asarray([_text(w) for w in words], dtype=object)
    plain, is_highlight, is_query = _trace_masks(words, query, highlighted)
    hover = "%{text}<br>count %{customdata[1]}<extra></extra>"
    # Each point carries its word (raw, never shown: the label is the escaped text) so a click can select it.
    data = np.column_stack([words_array, np.asarray(counts, dtype=object)])
    marker = dict(size=4, color=_BACKGROUND_POINT)
    if colour is not None:
        marker = dict(
            size=5,
            color=colour[plain],
            colorscale="Viridis",
            opacity=0.8,
            showscale=show_legend,
            colorbar=dict(title=colour_title, len=0.6, x=1.02),
        )
    traces = [
        go.Scattergl(
            x=layout[plain, 0],
            y=layout[plain, 1],
            mode="markers",
            name="words",
            text=shown[plain],
            customdata=data[plain],
            hovertemplate=hover,
            marker=marker,
            showlegend=show_legend,
            legendgroup="words",
        )
    ]
    for mask, name, color, size in ((is_highlight, "neighbours", _HIGHLIGHT, 9), (is_query, "query", _QUERY, 13)):
        traces.append(
            go.Scattergl(
                x=layout[mask, 0],
                y=layout[mask, 1],
                mode="markers+text",
                name=name,
                text=shown[mask],
                customdata=data[mask],
                hovertemplate=hover,
                textposition="top center",
                marker=dict(size=size, color=color),
                showlegend=show_legend,
                legendgroup=name,
            )
        )
    return traces


def map_trace_words(words: Sequence[str], query: str = "", highlighted: Sequence[str] = ()) -> list[list[str]]:
    """The words of each point trace of :func:`map_pair`, in trace and point order (words, neighbours, query in map
    A, then the same in map B): what a selection's ``curve_number`` and ``point_index`` point at."""
    array = np.asarray(words, dtype=object)
    per_map = [array[mask].tolist() for mask in _trace_masks(words, query, highlighted)]
    return per_map + per_map


def selected_words(points: Sequence[dict], trace_words: Sequence[Sequence[str]] = ()) -> list[str]:
    """The words of the points selected on a :func:`map_pair` figure (a click, a box or a lasso), in order, once each.

    Args:
        points: the ``selection.points`` of a Streamlit plotly chart event. A map point's ``customdata`` is
            ``[word, count]``; where the event does not carry it, ``curve_number`` and ``point_index`` are looked up
            in ``trace_words`` (:func:`map_trace_words`). Other points (the movement lines) are skipped.
    """
    found = []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list | tuple) and data:
            found.append(str(data[0]))
            continue
        curve, index = point.get("curve_number"), point.get("point_index", point.get("point_number"))
        if isinstance(curve, int) and isinstance(index, int) and curve < len(trace_words):
            if 0 <= index < len(trace_words[curve]):
                found.append(trace_words[curve][index])
    return list(dict.fromkeys(found))


def _move_trace(layout_a: np.ndarray, layout_b: np.ndarray, words: Sequence[str], moved: set[str]) -> go.Scattergl:
    """Segments in map B from where each chosen word sits in map A to where it sits in B."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for i, word in enumerate(words):
        if word in moved:
            xs += [float(layout_a[i, 0]), float(layout_b[i, 0]), None]
            ys += [float(layout_a[i, 1]), float(layout_b[i, 1]), None]
    return go.Scattergl(
        x=xs,
        y=ys,
        mode="lines",
        name="moved from A",
        hoverinfo="skip",
        line=dict(color=_HIGHLIGHT, width=1, dash="dot"),
    )


def map_pair(
    layout_a: np.ndarray,
    layout_b: np.ndarray,
    words: Sequence[str],
    counts: np.ndarray,
    titles: tuple[str, str],
    query: str = "",
    highlighted: Sequence[str] = (),
    colour: np.ndarray | None = None,
    colour_title: str = "",
    moves: bool = False,
) -> go.Figure:
    """Two aligned maps side by side, the query word and its neighbours labelled in both.

    Args:
        layout_a, layout_b: float arrays of shape (n, 2), row i for ``words[i]`` in each space.
        counts: corpus counts of shape (n,), shown on hover.
        colour: optional values of shape (n,) colouring the points (change score, log frequency).
        moves: draw, in map B, a segment from each highlighted word's place in map A.
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[_text(t) for t in titles],
        horizontal_spacing=0.04,
        shared_xaxes=True,
        shared_yaxes=True,
    )
    for col, layout in ((1, layout_a), (2, layout_b)):
        for trace in _map_traces(layout, words, np.asarray(counts), query, highlighted, col == 1, colour, colour_title):
            fig.add_trace(trace, row=1, col=col)
    if moves:
        fig.add_trace(_move_trace(layout_a, layout_b, words, set(highlighted) | {query}), row=1, col=2)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(
        height=600, margin=dict(l=10, r=10, t=40, b=10), hovermode="closest", legend=dict(orientation="h", y=-0.02)
    )
    return fig


def dimension_sweep(frame: pd.DataFrame) -> go.Figure:
    """Quality metrics against dimension (log axis); hover shows the memory per 100k words."""
    metrics = [c for c in frame.columns if c not in ("dim", "MB per 100k words")]
    fig = go.Figure(
        [
            go.Scatter(
                x=frame["dim"],
                y=frame[metric],
                mode="lines+markers",
                name=metric,
                customdata=frame["MB per 100k words"],
                hovertemplate="dim %{x}: %{y:.3f}<br>%{customdata:.1f} MB per 100k words<extra>" + metric + "</extra>",
            )
            for metric in metrics
        ]
    )
    fig.update_layout(
        xaxis_title="dimensions (PCA)",
        xaxis_type="log",
        yaxis_title="score",
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.15),
    )
    return fig
