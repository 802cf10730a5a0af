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


# One colour per space, by position (A, then B, ...), in every coverage chart: given explicitly, so a figure keeps
# its colours outside the app (Streamlit's theme colours exist only in the app's browser code).
_SPACE_COLOURS = ("#0068c9", "#ff8700", "#29b09d", "#6d3fc0", "#ff2b2b", "#83c9ff")


def coverage_bars(coverages: Sequence[Coverage]) -> go.Figure:
    """Token and type coverage per space, in percent: one bar trace per space (its own colour, in the order
    given), grouped by measure.

    Args:
        coverages: one :func:`embedlab.analysis.coverage` result per space.

    Returns:
        A figure with ``len(coverages)`` bar traces named after the spaces, x = token coverage, type coverage.
    """
    measures = ["token coverage", "type coverage"]
    fig = go.Figure(
        [
            go.Bar(
                name=_text(c.space),
                x=measures,
                y=[100 * c.token_coverage, 100 * c.type_coverage],
                text=[f"{100 * c.token_coverage:.1f}%", f"{100 * c.type_coverage:.1f}%"],
                textposition="auto",
                marker_color=_SPACE_COLOURS[i % len(_SPACE_COLOURS)],
                hovertemplate="%{x}: %{y:.1f}%<extra>" + _text(c.space) + "</extra>",
            )
            for i, c in enumerate(coverages)
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


def coverage_by_band(frames: dict[str, pd.DataFrame]) -> go.Figure:
    """Token coverage per frequency band for each space: where each one loses the corpus. Each space's line has
    its own colour, by position, the same as in :func:`coverage_bars`.

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
                line_color=_SPACE_COLOURS[i % len(_SPACE_COLOURS)],
                marker_color=_SPACE_COLOURS[i % len(_SPACE_COLOURS)],
                customdata=np.stack([frame["words"], frame["covered_words"]], axis=1),
                hovertemplate="%{x}: %{y:.1f}% of tokens<br>%{customdata[1]} of %{customdata[0]} words"
                "<extra>" + _text(name) + "</extra>",
            )
            for i, (name, frame) in enumerate(frames.items())
        ]
    )
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


def _trace_masks(words: Sequence[str], query: str, highlighted: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Which words each point trace of one map holds: the rest, the highlighted words, the query (bool arrays of
    shape (len(words),)); :func:`map_pair` draws them and :func:`map_trace_words` reads selections by them."""
    marked = set(highlighted) - {query}
    is_highlight = np.fromiter((w in marked for w in words), dtype=bool, count=len(words))
    is_query = np.fromiter((w == query for w in words), dtype=bool, count=len(words))
    return ~(is_highlight | is_query), is_highlight, is_query


_LABEL_FONT_PX = 12
_MAP_PLOT_PX = (430.0, 530.0)  # one map's plot area (width, height) on the Compare page, 600 px tall, wide layout
_MAX_LABELS = 40  # past this, labels only on hover: a map with 200 labels is a blob whatever the placement
_LABEL_POSITIONS = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "bottom right",
    "top left",
    "bottom left",
)


def _label_box(x: float, y: float, width: float, height: float, gap: float, position: str) -> np.ndarray:
    """The pixel box (x0, y0, x1, y1; y up) a plotly text label at ``position`` takes next to a point at (x, y)."""
    vertical, horizontal = position.split()
    if horizontal == "center":
        x0 = x - width / 2
    else:
        x0 = x + gap if horizontal == "right" else x - gap - width
    if vertical == "middle":
        y0 = y - height / 2
    else:
        y0 = y + gap if vertical == "top" else y - gap - height
    return np.array([x0, y0, x0 + width, y0 + height])


def place_labels(
    points: np.ndarray,
    labels: Sequence[str],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    plot_px: tuple[float, float] = _MAP_PLOT_PX,
    font_px: float = _LABEL_FONT_PX,
    max_labels: int = _MAX_LABELS,
) -> list[str]:
    """Where to put each point's text label so that no label overlaps another label or a labelled point.

    Greedy, most important first (the order given): each label takes the first of eight places around its point
    (above, below, right, left, then the corners) that is free, or is left to the hover ("") when none is. Sizes
    are estimated from the font (0.6 em per character) and the plot's size in pixels. Written here because the
    maintained label-placement libraries (adjustText, textalloc) work on matplotlib artists, not plotly traces.

    Args:
        points: float array of shape (m, 2), data coordinates.
        labels: m texts, as drawn.
        x_range, y_range: the axes' ranges, data units.
        plot_px: the plot area's (width, height) in pixels.

    Returns:
        m plotly ``textposition`` values; "" where the label is not drawn.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    scale = np.array(
        [plot_px[0] / max(x_range[1] - x_range[0], 1e-12), plot_px[1] / max(y_range[1] - y_range[0], 1e-12)]
    )
    pixels = (points - np.array([x_range[0], y_range[0]])) * scale
    gap = font_px / 2
    # Every labelled point's marker is an obstacle from the start, so no label covers another point.
    taken = [np.array([x - gap / 2, y - gap / 2, x + gap / 2, y + gap / 2]) for x, y in pixels]
    chosen: list[str] = []
    for i, ((x, y), label) in enumerate(zip(pixels, labels)):
        if i >= max_labels:
            chosen.append("")
            continue
        width, height = 0.6 * font_px * max(len(label), 1) + 2, 1.2 * font_px
        others = np.array([box for j, box in enumerate(taken) if j != i])
        for position in _LABEL_POSITIONS:
            box = _label_box(x, y, width, height, gap, position)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= plot_px[0] and box[3] <= plot_px[1]
            if inside and not _overlaps_any(box, others):
                taken.append(box)
                chosen.append(position)
                break
        else:
            chosen.append("")
    return chosen


def _overlaps_any(box: np.ndarray, boxes: np.ndarray) -> bool:
    if not len(boxes):
        return False
    return bool(
        np.any((boxes[:, 0] < box[2]) & (box[0] < boxes[:, 2]) & (boxes[:, 1] < box[3]) & (box[1] < boxes[:, 3]))
    )


def _axis_ranges(*layouts: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Both maps' common x and y ranges: every point of every layout, 5% to spare on each side."""
    points = np.concatenate([np.asarray(layout, dtype=float).reshape(-1, 2) for layout in layouts])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((high - low) * 0.05, 1e-3)
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))


_HOVER = "%{customdata[2]}<br>count %{customdata[1]}%{customdata[6]}"
_HOVER_DETAILS = "<br>{change} %{{customdata[3]}}<br>A: %{{customdata[4]}}<br>B: %{{customdata[5]}}"


def _duplicate_notes(duplicates: np.ndarray | None, n: int) -> np.ndarray:
    if duplicates is None:
        return np.full(n, "", dtype=object)
    return np.asarray(
        [
            f"<br>same vector as {d:,} other word{'s' if d > 1 else ''}: drawn at one point" if d else ""
            for d in duplicates
        ],
        dtype=object,
    )


def _hover_data(
    words: Sequence[str], counts: np.ndarray, details: pd.DataFrame | None, duplicates: np.ndarray | None = None
) -> np.ndarray:
    """Per point: [word (raw, for selections), count, label, change score, A's and B's nearest, duplicates note]
    (n, 7); the note says how many other words share the point's exact vector ("" for none)."""
    n = len(words)
    columns = [
        np.asarray(words, dtype=object),
        np.asarray(counts, dtype=object),
        np.asarray([_text(w) for w in words], dtype=object),
    ]
    if details is None:
        columns += [np.full(n, "", dtype=object)] * 3
    else:
        columns += [
            np.asarray([f"{v:.2f}" for v in details["jaccard"]], dtype=object),
            np.asarray([_text(v) for v in details["neighbours_a"]], dtype=object),
            np.asarray([_text(v) for v in details["neighbours_b"]], dtype=object),
        ]
    columns.append(_duplicate_notes(duplicates, n))
    return np.column_stack(columns)


def _map_traces(
    layout: np.ndarray,
    words: Sequence[str],
    data: np.ndarray,
    query: str,
    highlighted: Sequence[str],
    style: dict,
) -> list[go.Scattergl]:
    """One map's point traces: the rest of the words, the highlighted ones, the query; labels placed apart."""
    plain, is_highlight, is_query = _trace_masks(words, query, highlighted)
    shown = data[:, 2]
    rank = {w: i for i, w in enumerate(dict.fromkeys([query, *highlighted]))}
    labelled = sorted(np.flatnonzero(is_highlight | is_query).tolist(), key=lambda i: rank.get(words[i], len(rank)))
    positions = dict(zip(labelled, place_labels(layout[labelled], [shown[i] for i in labelled], *style["ranges"])))
    marker: dict = dict(size=4, color=_BACKGROUND_POINT)
    if style["colour"] is not None:
        marker = dict(
            size=5,
            color=style["colour"][plain],
            colorscale="Viridis",
            opacity=0.8,
            showscale=style["legend"],
            colorbar=dict(title=style["colour_title"], len=0.6, x=1.02),
        )
    traces = [
        go.Scattergl(
            x=layout[plain, 0],
            y=layout[plain, 1],
            mode="markers",
            name="words",
            text=shown[plain],
            customdata=data[plain],
            hovertemplate=style["hover"],
            marker=marker,
            showlegend=style["legend"],
            legendgroup="words",
        )
    ]
    highlight = (is_highlight, style["highlight_name"], style["highlight_colour"], 9, style["highlight_legend"])
    for mask, name, color, size, legend in (highlight, (is_query, "query", _QUERY, 13, style["legend"])):
        rows = np.flatnonzero(mask).tolist()
        traces.append(
            go.Scattergl(
                x=layout[mask, 0],
                y=layout[mask, 1],
                mode="markers+text",
                name=name,
                text=[shown[i] if positions.get(i) else "" for i in rows],
                textposition=[positions.get(i) or "top center" for i in rows],
                customdata=data[mask],
                hovertemplate=style["hover"],
                marker=dict(size=size, color=color),
                showlegend=legend,
                legendgroup=name,
            )
        )
    return traces


def map_trace_words(
    words: Sequence[str],
    query: str = "",
    highlighted: Sequence[str] = (),
    highlighted_b: Sequence[str] | None = None,
) -> list[list[str]]:
    """The words of each point trace of :func:`map_pair`, in trace and point order (words, highlighted, query in
    map A, then the same in map B): what a selection's ``curve_number`` and ``point_index`` point at."""
    array = np.asarray(words, dtype=object)
    traces = []
    for marked in (highlighted, highlighted if highlighted_b is None else highlighted_b):
        traces += [array[mask].tolist() for mask in _trace_masks(words, query, marked)]
    return traces


def selected_words(points: Sequence[dict], trace_words: Sequence[Sequence[str]] = ()) -> list[str]:
    """The words of the points selected on a :func:`map_pair` figure (a click, a box or a lasso), in order, once each.

    Args:
        points: the ``selection.points`` of a Streamlit plotly chart event. A map point's ``customdata`` starts
            with its word; where the event does not carry it, ``curve_number`` and ``point_index`` are looked up
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


_HIGHLIGHT_B = "#ff7f0e"


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
    *,
    highlighted_b: Sequence[str] | None = None,
    highlight_name: str = "neighbours",
    details: pd.DataFrame | None = None,
    change_label: str = "Jaccard@k",
    duplicates_a: np.ndarray | None = None,
    duplicates_b: np.ndarray | None = None,
) -> go.Figure:
    """Two aligned maps side by side, the query word and the highlighted words labelled (apart) in each.

    Args:
        layout_a, layout_b: float arrays of shape (n, 2), row i for ``words[i]`` in each space.
        counts: corpus counts of shape (n,), shown on hover.
        highlighted: words highlighted in map A, most important first (labels are placed in this order); also in
            map B unless ``highlighted_b`` is given (each space's own neighbours: legend "<name> in A" / "in B").
        colour: optional values of shape (n,) colouring the points (change score, log frequency).
        moves: draw, in map B, a segment from each highlighted word's place in map A.
        details: optional frame aligned with ``words`` (``analysis.word_changes``: jaccard, neighbours_a,
            neighbours_b), shown on hover under ``change_label``.
        duplicates_a, duplicates_b: optional int arrays of shape (n,): how many other words hold exactly the same
            vector in that space (``maps.duplicate_counts``), said on hover ("same vector as N other words").
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[_text(t) for t in titles],
        horizontal_spacing=0.04,
        shared_xaxes=True,
        shared_yaxes=True,
    )
    own = highlighted_b is not None
    data_a = _hover_data(words, np.asarray(counts), details, duplicates_a)
    data_b = data_a.copy()
    data_b[:, 6] = _duplicate_notes(duplicates_b, len(words))
    hover = (
        _HOVER + (_HOVER_DETAILS.format(change=_text(change_label)) if details is not None else "") + "<extra></extra>"
    )
    x_range, y_range = _axis_ranges(layout_a, layout_b)
    marked_b = highlighted if highlighted_b is None else highlighted_b
    for col, layout, marked, data in ((1, layout_a, highlighted, data_a), (2, layout_b, marked_b, data_b)):
        style = dict(
            ranges=(x_range, y_range),
            colour=colour,
            colour_title=colour_title,
            legend=col == 1,
            hover=hover,
            highlight_name=f"{highlight_name} in {'AB'[col - 1]}" if own else highlight_name,
            highlight_colour=_HIGHLIGHT_B if own and col == 2 else _HIGHLIGHT,
            highlight_legend=own or col == 1,
        )
        for trace in _map_traces(layout, words, data, query, marked, style):
            fig.add_trace(trace, row=1, col=col)
    if moves:
        fig.add_trace(_move_trace(layout_a, layout_b, words, set(highlighted) | set(marked_b) | {query}), row=1, col=2)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=x_range)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=y_range)
    fig.update_layout(
        height=600, margin=dict(l=10, r=10, t=40, b=10), hovermode="closest", legend=dict(orientation="h", y=-0.02)
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
