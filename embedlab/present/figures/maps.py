"""The aligned maps of two spaces side by side (:func:`map_figure`): the marked words labelled apart
(:func:`place_labels`), big maps drawn as shaded single-colour traces over a density layer, and what the page
needs around them: the words a selection picked (:func:`selected_words`) and a word searched for on the map
(:func:`find_on_map`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from embedlab.present.text import plotly_text

if TYPE_CHECKING:
    import pandas as pd


_HIGHLIGHT = "#d62728"


_QUERY = "#111111"


_BACKGROUND_POINT = "rgba(31, 119, 180, 0.35)"


def _trace_masks(words: Sequence[str], query: str, highlighted: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Which words each point trace of one map holds: the rest, the highlighted words, the query (bool arrays of
    shape (len(words),)); :func:`map_figure` draws them."""
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
# A big map's plain points carry only [count, change score] as numbers (customdata), the word as text.
_COMPACT_HOVER = "%{text}<br>count %{customdata[0]:d}"
_COMPACT_DETAILS = "<br>{change} %{{customdata[1]:.2f}}"


BIG_MAP_POINTS = 20_000
"""Past this many words a map is drawn big. Its plain points send only what their hover needs: the word as text, count
and change score as one float32 array and the coordinates as float32 (plotly sends numpy arrays as binary); the
neighbour lists stay on the highlighted, query and found points. They are drawn as :data:`SHADES` single-colour traces
(by density, or by the colour values), over a density layer. With the page's hover data (three nearest words a side)
the figure's JSON was 13 MB at 2 x 50,000 words and 55 MB at 2 x 200,000; it is 3.9 MB and 15 MB."""


DENSITY_BINS = 200  # per axis, over both maps' common range: about 3 px a bin on the Compare page


SHADES = 32
"""A big map draws its plain points as this many single-colour traces: by the density around them (log count in
their :data:`DENSITY_BINS` bin) or by the colour values (Viridis, equal steps from the lowest value to the highest).
plotly.js turns per-point colour values into colours one point at a time, which took 2-3 s of a 2 x 200,000-point
map's first paint; a trace's one colour costs nothing."""


_FOUND = "#e6007e"


_DENSITY_SCALE = "Blues"
_DENSITY_SPAN = (0.35, 1.0)  # the part of the scale used: its palest blues vanish on a white page


_Ranges = tuple[tuple[float, float], tuple[float, float]]


_P = ParamSpec("_P")


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
    words: Sequence[str],
    counts: np.ndarray,
    details: pd.DataFrame | None,
    duplicates: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Per point: [word (raw, for selections), count, label, change score, A's and B's nearest, duplicates note]
    (len(rows), 7), for ``rows`` (int indices into ``words``; all of them by default); the note says how many other
    words share the point's exact vector ("" for none)."""
    rows = np.arange(len(words)) if rows is None else np.asarray(rows, dtype=np.int64)
    chosen = np.asarray(words, dtype=object)[rows]
    n = len(rows)
    columns = [
        chosen,
        np.asarray(counts, dtype=object)[rows],
        np.asarray([plotly_text(w) for w in chosen], dtype=object),
    ]
    if details is None:
        columns += [np.full(n, "", dtype=object)] * 3
    else:
        columns += [
            np.asarray([f"{v:.2f}" for v in details["jaccard"].to_numpy()[rows]], dtype=object),
            np.asarray([plotly_text(v) for v in details["neighbours_a"].to_numpy()[rows]], dtype=object),
            np.asarray([plotly_text(v) for v in details["neighbours_b"].to_numpy()[rows]], dtype=object),
        ]
    notes = _duplicate_notes(None if duplicates is None else np.asarray(duplicates)[rows], n)
    return np.column_stack([*columns, notes]).reshape(n, 7)


def _compact_data(counts: np.ndarray, details: pd.DataFrame | None) -> np.ndarray:
    """A big map's plain points' numbers: [count] or [count, change score], shape (n, 1 or 2); float32 (plotly sends
    it as binary), float64 where a count is past float32's exact integers."""
    counts = np.asarray(counts)
    dtype = np.float32 if not len(counts) or counts.max() < 2**24 else np.float64
    columns = [counts] if details is None else [counts, details["jaccard"].to_numpy()]
    return np.column_stack(columns).astype(dtype)


_DENSITY_BLUR = 1.0  # bins: the counts are smoothed by a Gaussian this wide, so the shading has no square edges


def _densities(layouts: Sequence[np.ndarray], ranges: _Ranges) -> list[np.ndarray]:
    """Each map's point density on one :data:`DENSITY_BINS` square grid over ``ranges``: float arrays of shape
    (bins, bins), rows along y; the points per bin, smoothed (a Gaussian of :data:`_DENSITY_BLUR` bins), as
    log(1 + density) over log(1 + the densest bin of either map) (so both maps shade alike): in [0, 1], 0 where
    no point is near."""
    from scipy.ndimage import gaussian_filter  # lazy: scipy adds ~0.3 s to every start-up; only big maps need it

    densities = [
        gaussian_filter(
            np.histogram2d(
                np.asarray(layout[:, 0], dtype=np.float64),
                np.asarray(layout[:, 1], dtype=np.float64),
                bins=DENSITY_BINS,
                range=ranges,
            )[0].T,
            _DENSITY_BLUR,
            mode="constant",
        )
        for layout in layouts
    ]
    top = np.log1p(max(float(d.max()) for d in densities))
    return [np.where(d < 1e-3, 0.0, np.log1p(d) / max(top, 1e-12)) for d in densities]


def _bins(layout: np.ndarray, ranges: _Ranges) -> tuple[np.ndarray, np.ndarray]:
    """Each point's density bin (row along y, column along x), as :func:`_densities` counts it."""
    edges = [np.linspace(low, high, DENSITY_BINS + 1) for low, high in ranges]
    columns, rows = (
        np.clip(np.searchsorted(edge, layout[:, axis], side="right") - 1, 0, DENSITY_BINS - 1)
        for axis, edge in enumerate(edges)
    )
    return rows, columns


def _density_trace(density: np.ndarray, ranges: _Ranges) -> go.Heatmap:
    """The shading under a big map's points, between them: a heatmap of a :func:`_densities` grid in 255 steps
    (uint8, sent as binary), empty bins transparent; it takes no hover, no click and no selection."""
    (x0, x1), (y0, y1) = ranges
    dx, dy = (x1 - x0) / DENSITY_BINS, (y1 - y0) / DENSITY_BINS
    levels = np.where(density > 0, np.clip(np.round(255 * density), 1, 255), 0).astype(np.uint8)
    low, high = _DENSITY_SPAN
    shades = sample_colorscale(_DENSITY_SCALE, [low, high])
    return go.Heatmap(
        z=levels,
        x0=x0 + dx / 2,
        dx=dx,
        y0=y0 + dy / 2,
        dy=dy,
        zmin=0,
        zmax=255,
        # faint where few points are near, so the shading fades out rather than stopping at a jagged edge
        colorscale=[[0.0, "rgba(0, 0, 0, 0)"], [1 / 255, _transparent(shades[0])], [0.2, shades[0]], [1.0, shades[1]]],
        opacity=0.45,
        zsmooth="best",  # interpolated between bins: 3 px each, 10 px once zoomed around a found word
        showscale=False,
        hoverinfo="skip",
        name="density",
        showlegend=False,
    )


def _transparent(colour: str) -> str:
    """A plotly ``rgb(r, g, b)`` colour, fully transparent."""
    return colour.replace("rgb(", "rgba(").replace(")", ", 0)")


def _zoom_ranges(points: np.ndarray, ranges: _Ranges, share: float = 0.3) -> _Ranges:
    """A view around ``points`` (m, 2) (the found word in map A and in map B): ``share`` of each full range wide,
    centred on them, wider where needed to hold them all with a tenth of the view to spare."""
    zoomed = []
    for axis, (low, high) in enumerate(ranges):
        values = np.asarray(points, dtype=float)[:, axis]
        half = max(share * (high - low), 1.25 * float(values.max() - values.min())) / 2
        centre = (float(values.max()) + float(values.min())) / 2
        zoomed.append((centre - half, centre + half))
    return zoomed[0], zoomed[1]


def _colour_levels(colour: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Each value's shade, 0..SHADES - 1 (int array, the shape of ``colour``; NaN at 0), and the values' range."""
    values = np.asarray(colour, dtype=np.float64)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    scaled = (np.nan_to_num(values, nan=low) - low) / max(high - low, 1e-12)
    return np.clip(np.floor(scaled * SHADES), 0, SHADES - 1).astype(np.int64), low, high


def _small_plain_trace(layout: np.ndarray, rows: np.ndarray, style: dict) -> go.Scattergl:
    """A small map's plain points: full hover data each, coloured point by point."""
    marker: dict = dict(size=4, color=_BACKGROUND_POINT)
    if style["colour"] is not None:
        marker = dict(
            size=5,
            color=style["colour"][rows],
            colorscale="Viridis",
            opacity=0.8,
            showscale=style["legend"],
            colorbar=dict(title=style["colour_title"], len=0.6, x=1.02),
        )
    return go.Scattergl(
        x=layout[rows, 0],
        y=layout[rows, 1],
        mode="markers",
        name="words",
        text=style["shown"][rows],
        customdata=style["hover_rows"](rows),
        hovertemplate=style["hover"],
        marker=marker,
        showlegend=style["legend"],
        legendgroup="words",
    )


def _big_plain_traces(layout: np.ndarray, rows: np.ndarray, style: dict) -> list[tuple[go.BaseTraceType, np.ndarray]]:
    """A big map's density layer and plain points as :data:`SHADES` single-colour traces, each with its rows: float32
    coordinates, the word as text (with a duplicates note where a point stands for several words), [count, change
    score] as numbers; when coloured by values, a last trace without points draws the colour bar."""
    colour, density = style["colour"], style["density"]
    traces: list[tuple[go.BaseTraceType, np.ndarray]] = [(_density_trace(density, style["full_ranges"]), rows[:0])]
    if colour is None:  # shaded by how crowded the point's bin is: where points overlap, darker
        bin_rows, bin_columns = _bins(layout[rows], style["full_ranges"])
        shades = np.minimum((density[bin_rows, bin_columns] * SHADES).astype(np.int64), SHADES - 1)
        low, high = _DENSITY_SPAN
        colours = sample_colorscale(_DENSITY_SCALE, list(np.linspace(low, high, SHADES)))
    else:
        levels, low, high = _colour_levels(colour)
        shades = levels[rows]
        colours = sample_colorscale("Viridis", [(shade + 0.5) / SHADES for shade in range(SHADES)])
    for shade, shade_colour in enumerate(colours):
        chosen = rows[shades == shade]
        trace = go.Scattergl(
            x=layout[chosen, 0].astype(np.float32),
            y=layout[chosen, 1].astype(np.float32),
            mode="markers",
            name="words",
            text=style["shown"][chosen] + style["notes"][chosen],
            customdata=style["compact"][chosen],
            hovertemplate=style["compact_hover"],
            marker=dict(size=3, color=shade_colour, opacity=0.8),
            showlegend=style["legend"] and shade == SHADES - 1,
            legendgroup="words",
        )
        traces.append((trace, chosen))
    if colour is not None:
        colour_bar = go.Scattergl(
            x=[None],
            y=[None],
            mode="markers",
            name="colour scale",
            marker=dict(
                color=[low],
                cmin=low,
                cmax=high,
                colorscale="Viridis",
                showscale=style["legend"],
                colorbar=dict(title=style["colour_title"], len=0.6, x=1.02),
            ),
            hoverinfo="skip",
            showlegend=False,
        )
        traces.append((colour_bar, rows[:0]))
    return traces


def _map_traces(
    layout: np.ndarray, words: Sequence[str], query: str, highlighted: Sequence[str], style: dict
) -> list[tuple[go.BaseTraceType, np.ndarray]]:
    """One map's traces, each with the rows of ``words`` it draws, in point order: the plain words (a big map: its
    density layer, then a trace per shade), the highlighted ones, the query, the found word (when it is on the map);
    labels placed apart."""
    plain, is_highlight, is_query = _trace_masks(words, query, highlighted)
    found, found_rows = style["found"], style["found_rows"]
    shown = style["shown"]
    rank = {w: i for i, w in enumerate(dict.fromkeys([found, query, *highlighted]))}
    labelled = sorted(
        set(np.flatnonzero(is_highlight | is_query).tolist()) | set(found_rows.tolist()),
        key=lambda i: rank.get(words[i], len(rank)),
    )
    positions = dict(zip(labelled, place_labels(layout[labelled], [shown[i] for i in labelled], *style["ranges"])))
    (x0, x1), (y0, y1) = style["ranges"]
    for i in labelled:  # out of a zoomed view: placed as if alone, seen once the map is zoomed out
        if not (x0 <= layout[i, 0] <= x1 and y0 <= layout[i, 1] <= y1):
            positions[i] = "top center"
    rows = np.flatnonzero(plain)
    if style["big"]:
        traces = _big_plain_traces(layout, rows, style)
    else:
        traces = [(_small_plain_trace(layout, rows, style), rows)]
    highlight = (is_highlight, style["highlight_name"], style["highlight_colour"], 9, style["highlight_legend"])
    for mask, name, color, size, legend in (highlight, (is_query, "query", _QUERY, 13, style["legend"])):
        rows = np.flatnonzero(mask)
        trace = go.Scattergl(
            x=layout[rows, 0],
            y=layout[rows, 1],
            mode="markers+text",
            name=name,
            # the found word's label is drawn by its own trace
            text=[shown[i] if positions.get(i) and words[i] != found else "" for i in rows.tolist()],
            textposition=[positions.get(i) or "top center" for i in rows.tolist()],
            customdata=style["hover_rows"](rows),
            hovertemplate=style["hover"],
            marker=dict(size=size, color=color),
            showlegend=legend,
            legendgroup=name,
        )
        traces.append((trace, rows))
    if len(found_rows):
        trace = go.Scattergl(
            x=layout[found_rows, 0],
            y=layout[found_rows, 1],
            mode="markers+text",
            name="found",
            text=[shown[i] for i in found_rows.tolist()],
            textposition=[positions.get(i) or "top center" for i in found_rows.tolist()],
            textfont=dict(size=15, color=_FOUND),
            customdata=style["hover_rows"](found_rows),
            hovertemplate=style["hover"],
            marker=dict(symbol="circle-open", size=24, color=_FOUND, line=dict(width=3, color=_FOUND)),
            showlegend=style["legend"],
            legendgroup="found",
        )
        traces.append((trace, found_rows))
    return traces


def selected_words(points: Sequence[dict], trace_words: Sequence[Sequence[str]] = ()) -> list[str]:
    """The words of the points selected on a :func:`map_figure` figure (a click, a box or a lasso), in order, once
    each.

    Args:
        points: the ``selection.points`` of a Streamlit plotly chart event. A small map's point's ``customdata``
            starts with its word (a big map's plain points carry numbers); where the event does not carry the word,
            ``curve_number`` and ``point_index`` are looked up in ``trace_words`` (:attr:`MapFigure.trace_words`).
            Other points (the movement lines) are skipped.
    """
    found = []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list | tuple) and data and isinstance(data[0], str):
            found.append(data[0])
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


@dataclass(frozen=True)
class MapSearch:
    """What a search for a word on the maps found.

    Attributes:
        word: the word as searched (normalised by the caller), "" for no search.
        found: the word when it is on the map (``map_figure(found=...)``), else "".
        message: one sentence for the page: where the word is marked, or why it is not on the map; "" for no
            search.
    """

    word: str
    found: str
    message: str


def find_on_map(word: str, map_words: Sequence[str], in_both: Callable[[str], bool]) -> MapSearch:
    """Look ``word`` up among a map's words, saying clearly why it is not there.

    Args:
        word: the word searched for, normalised as the corpus's tokens are; "" for no search.
        map_words: the words drawn on the map (its sample).
        in_both: whether a word is in both spaces (a word can be in both yet not among the sampled words).
    """
    if not word:
        return MapSearch("", "", "")
    if word in set(map_words):
        return MapSearch(
            word,
            word,
            f"'{word}' is ringed in both maps, which are zoomed around it: double-click a map to see all of it.",
        )
    if in_both(word):
        reason = (
            f"it is in both spaces but not among the {len(map_words):,} words sampled for the map; raise "
            "'Words on the map', try another sample seed, or make it the Word above, which puts it and its "
            "neighbours on the map"
        )
    else:
        reason = "it is not a word both spaces hold, and the maps draw only those"
    return MapSearch(word, "", f"'{word}' is not on the map: {reason}.")


@dataclass(frozen=True)
class MapFigure:
    """Both maps, and the words each of the figure's traces draws.

    Attributes:
        figure: the figure.
        trace_words: per trace, in trace and point order, the words it draws ([] for the density layers, the colour
            bar and the movement lines): what a selection's ``curve_number`` and ``point_index`` point at
            (:func:`selected_words`).
    """

    figure: go.Figure
    trace_words: list[list[str]]


@dataclass(frozen=True)
class MapMarks:
    """The words :func:`map_figure` marks and labels (apart) on the maps.

    Attributes:
        query: the query word, drawn large and labelled in both maps; "" for none.
        highlighted: words highlighted in map A, most important first (labels are placed in this order); also in
            map B unless ``highlighted_b`` is given.
        highlighted_b: map B's own highlighted words (each space's own neighbours: legend "<name> in A" / "in B").
        name: the highlighted words' name in the legend ("neighbours", "selected").
        found: a word to ring and label in both maps (trace "found"), both zoomed around it; ignored when it is
            not among the map's words (see :func:`find_on_map`).
        moves: draw, in map B, a segment from each marked word's place in map A.

    Raises:
        TypeError: ``highlighted`` or ``highlighted_b`` given as one string (it would mark each of its letters).
    """

    query: str = ""
    highlighted: Sequence[str] = ()
    highlighted_b: Sequence[str] | None = None
    name: str = "neighbours"
    found: str = ""
    moves: bool = False

    def __post_init__(self) -> None:
        for field in ("highlighted", "highlighted_b"):
            words = getattr(self, field)
            if isinstance(words, str):
                raise TypeError(f"MapMarks.{field} takes a list of words, not one word: write {field}=[{words!r}]")
            if words is not None:
                object.__setattr__(self, field, tuple(words))


@dataclass(frozen=True, eq=False)
class MapColouring:
    """What colours :func:`map_figure`'s plain points: values on a Viridis scale with a colour bar, or, without
    values, one colour (on a big map, darker where points crowd).

    Attributes:
        values: float array of shape (n,), row i for ``words[i]`` (a change score, a log frequency); NaN is drawn
            as the lowest value.
        title: the colour bar's title (e.g. "Jaccard@10", "log10 count").
    """

    values: np.ndarray | None = None
    title: str = ""


@dataclass(frozen=True, eq=False)
class MapHover:
    """What a point's hover on :func:`map_figure` says beyond its word and corpus count.

    Attributes:
        changes: optional frame aligned with ``words`` (``analysis.word_changes``: jaccard, neighbours_a,
            neighbours_b), shown under ``change_label`` (a big map's plain points show the score only).
        change_label: the change score's name on hover (e.g. "Jaccard@10").
        duplicates_a, duplicates_b: optional int arrays of shape (n,): how many other words hold exactly the same
            vector in that space (``maps.duplicate_counts``), said on hover ("same vector as N other words").
    """

    changes: pd.DataFrame | None = None
    change_label: str = "Jaccard@k"
    duplicates_a: np.ndarray | None = None
    duplicates_b: np.ndarray | None = None


def map_figure(
    layout_a: np.ndarray,
    layout_b: np.ndarray,
    words: Sequence[str],
    counts: np.ndarray,
    titles: tuple[str, str],
    *,
    marks: MapMarks = MapMarks(),
    colouring: MapColouring = MapColouring(),
    hover: MapHover = MapHover(),
) -> MapFigure:
    """Two aligned maps side by side, the query word and the highlighted words labelled (apart) in each.

    Past :data:`BIG_MAP_POINTS` words the maps are drawn big: the plain points carry only word, count and change
    score for their hover, in :data:`SHADES` single-colour traces (darker where points crowd, or by
    ``colouring``), over a density layer (a heatmap without hover).

    Args:
        layout_a, layout_b: float arrays of shape (n, 2), row i for ``words[i]`` in each space.
        counts: corpus counts of shape (n,), shown on hover.
        titles: the two maps' titles.
        marks: the query, highlighted and found words, and whether to draw their moves (:class:`MapMarks`).
        colouring: what colours the plain points (:class:`MapColouring`); default one colour.
        hover: the change scores, neighbours and duplicate counts on hover (:class:`MapHover`).

    Returns:
        The figure (per map: the plain words' traces, the highlighted words, the query, the found word when on the
        map; map A's, then map B's, then the movement lines) and the words of each trace.
    """
    query, highlighted, found, details = marks.query, marks.highlighted, marks.found, hover.changes
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[plotly_text(t) for t in titles],
        horizontal_spacing=0.04,
        shared_xaxes=True,
        shared_yaxes=True,
    )
    layouts = (np.asarray(layout_a), np.asarray(layout_b))
    counts = np.asarray(counts)
    big = len(words) > BIG_MAP_POINTS
    change = plotly_text(hover.change_label)
    template = _HOVER + (_HOVER_DETAILS.format(change=change) if details is not None else "") + "<extra></extra>"
    compact = _COMPACT_HOVER + (_COMPACT_DETAILS.format(change=change) if details is not None else "")
    full_ranges = _axis_ranges(*layouts)
    found_rows = np.flatnonzero([w == found for w in words]) if found else np.zeros(0, dtype=np.int64)
    view = full_ranges
    if len(found_rows):
        view = _zoom_ranges(np.concatenate([layout[found_rows] for layout in layouts]), view)
    common = dict(
        ranges=view,
        full_ranges=full_ranges,
        colour=None if colouring.values is None else np.asarray(colouring.values),
        colour_title=colouring.title,
        hover=template,
        compact_hover=compact + "<extra></extra>",
        big=big,
        shown=np.asarray([plotly_text(w) for w in words], dtype=object),
        found=found if len(found_rows) else "",
        found_rows=found_rows,
        compact=_compact_data(counts, details) if big else None,
    )
    densities: list[np.ndarray | None] = list(_densities(layouts, full_ranges)) if big else [None, None]
    own = marks.highlighted_b is not None
    marked_b = highlighted if marks.highlighted_b is None else marks.highlighted_b
    array = np.asarray(words, dtype=object)
    trace_words: list[list[str]] = []
    sides = ((1, highlighted, hover.duplicates_a), (2, marked_b, hover.duplicates_b))
    for (col, marked, duplicates), layout, density in zip(sides, layouts, densities):

        def hover_rows(rows: np.ndarray, duplicates: np.ndarray | None = duplicates) -> np.ndarray:
            return _hover_data(words, counts, details, duplicates, rows)

        style = dict(
            common,
            legend=col == 1,
            highlight_name=f"{marks.name} in {'AB'[col - 1]}" if own else marks.name,
            highlight_colour=_HIGHLIGHT_B if own and col == 2 else _HIGHLIGHT,
            highlight_legend=own or col == 1,
            density=density,
            notes=_duplicate_notes(duplicates, len(words)) if big else None,
            hover_rows=hover_rows,
        )
        for trace, rows in _map_traces(layout, words, query, marked, style):
            fig.add_trace(trace, row=1, col=col)
            trace_words.append(array[rows].tolist())
    if marks.moves:
        fig.add_trace(_move_trace(*layouts, words, set(highlighted) | set(marked_b) | {query}), row=1, col=2)
        trace_words.append([])
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=view[0])
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=view[1])
    fig.update_layout(
        height=600, margin=dict(l=10, r=10, t=40, b=10), hovermode="closest", legend=dict(orientation="h", y=-0.02)
    )
    return MapFigure(fig, trace_words)


def _figure_only(build: Callable[_P, MapFigure]) -> Callable[_P, go.Figure]:
    def figure_only(*args: _P.args, **kwargs: _P.kwargs) -> go.Figure:
        return build(*args, **kwargs).figure

    figure_only.__doc__ = f""":func:`{build.__name__}`'s figure alone, same arguments: for those that only draw it."""
    return figure_only


map_pair = _figure_only(map_figure)
