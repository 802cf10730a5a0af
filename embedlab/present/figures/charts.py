"""The small charts: a corpus's rank-frequency (Zipf) plot, coverage bars and coverage by frequency band, WordPiece
pieces, the histogram of change scores and the dimension sweep. Data in, ``go.Figure`` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from embedlab.analysis.coverage import Coverage
from embedlab.present.text import plotly_text

if TYPE_CHECKING:
    import pandas as pd


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


# One colour per space, by position (A, then B, ...), in every coverage chart: given explicitly, so a figure keeps
# its colours outside the app (Streamlit's theme colours exist only in the app's browser code).
_SPACE_COLOURS = ("#0068c9", "#ff8700", "#29b09d", "#6d3fc0", "#ff2b2b", "#83c9ff")


def _coverage_text(share: float, whole: float | None) -> str:
    """A coverage bar's text: a WordPiece model covers every word, and says how many it keeps whole."""
    return f"{100 * share:.1f}%" if whole is None else f"{100 * share:.0f}% ({100 * whole:.0f}% whole)"


def coverage_bars(coverages: Sequence[Coverage], labels: Mapping[str, str] | None = None) -> go.Figure:
    """Token and type coverage per space, in percent: one bar trace per space (its own colour, in the order
    given), grouped by measure. A WordPiece model (the baseline) encodes every word: its bars are full, their text
    says how many words it keeps whole (not split into pieces).

    Args:
        coverages: one :func:`embedlab.analysis.vocabulary_coverage` result per space.
        labels: space name -> readable label (``spaces.space_labels``) for the legend; a name without one is shown
            as it is.

    Returns:
        A figure with ``len(coverages)`` bar traces named after the spaces, x = token coverage, type coverage.
    """
    measures = ["token coverage", "type coverage"]
    names = [plotly_text((labels or {}).get(c.space, c.space)) for c in coverages]
    fig = go.Figure(
        [
            go.Bar(
                name=name,
                x=measures,
                y=[100 * c.token_coverage, 100 * c.type_coverage],
                text=[
                    _coverage_text(c.token_coverage, None if c.split_token_share is None else 1 - c.split_token_share),
                    _coverage_text(c.type_coverage, None if c.split_type_share is None else 1 - c.split_type_share),
                ],
                textposition="auto",
                marker_color=_SPACE_COLOURS[i % len(_SPACE_COLOURS)],
                hovertemplate="%{x}: %{y:.1f}%"
                + (" (every word encoded, split ones from their pieces)" if c.encodes_every_word else "")
                + "<extra>"
                + name
                + "</extra>",
            )
            for i, (c, name) in enumerate(zip(coverages, names))
        ]
    )
    fig.update_layout(
        barmode="group",
        yaxis_title="% of corpus",
        yaxis_range=[0, 100],
        xaxis_automargin=True,
        yaxis_automargin=True,
        height=320,
        margin=dict(l=60, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.12),
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


def coverage_by_band(frames: dict[str, pd.DataFrame], labels: Mapping[str, str] | None = None) -> go.Figure:
    """Token coverage per frequency band for each space: where each one loses the corpus. Each space's line has
    its own colour, by position, the same as in :func:`coverage_bars`. A WordPiece model covers every band; a
    dotted line of its colour adds the share of tokens it keeps whole (not split into pieces).

    Args:
        frames: space name -> :func:`embedlab.analysis.coverage_by_band` frame.
        labels: space name -> readable label for the legend (as :func:`coverage_bars`).
    """
    traces = []
    for i, (name, frame) in enumerate(frames.items()):
        shown = plotly_text((labels or {}).get(name, name))
        colour = _SPACE_COLOURS[i % len(_SPACE_COLOURS)]
        traces.append(
            go.Scatter(
                x=frame["band"],
                y=100 * frame["token_coverage"],
                mode="lines+markers",
                name=shown,
                line_color=colour,
                marker_color=colour,
                customdata=np.stack([frame["words"], frame["covered_words"]], axis=1),
                hovertemplate="%{x}: %{y:.1f}% of tokens<br>%{customdata[1]} of %{customdata[0]} words"
                "<extra>" + shown + "</extra>",
            )
        )
        if "whole_token_share" in frame:
            traces.append(
                go.Scatter(
                    x=frame["band"],
                    y=100 * frame["whole_token_share"],
                    mode="lines+markers",
                    name=f"{shown}: kept whole",
                    line=dict(color=colour, dash="dot"),
                    marker_color=colour,
                    hovertemplate="%{x}: %{y:.1f}% of tokens kept whole, the others encoded from word pieces"
                    "<extra>" + shown + "</extra>",
                )
            )
    fig = go.Figure(traces)
    fig.update_layout(
        xaxis_title="corpus count of the word (frequency band)",
        yaxis_title="% of tokens covered",
        yaxis_range=[0, 105],
        xaxis_automargin=True,
        yaxis_automargin=True,
        height=340,
        margin=dict(l=60, r=10, t=30, b=10),
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


def dimension_sweep(frame: pd.DataFrame) -> go.Figure:
    """Quality metrics against dimension (log axis, ticked at exactly the swept sizes); hover shows the memory per
    100k words.

    Args:
        frame: one row per size, as ``evaluation.dimension_sweep`` returns it (columns dim, MB per 100k words, and
            one column per metric).
    """
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
        # ticks at exactly the sizes swept (a log axis would tick at 20, 50, 100…, none of them a swept size)
        xaxis_tickmode="array",
        xaxis_tickvals=[int(d) for d in frame["dim"]],
        xaxis_ticktext=[str(int(d)) for d in frame["dim"]],
        yaxis_title="score",
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.15),
    )
    return fig
