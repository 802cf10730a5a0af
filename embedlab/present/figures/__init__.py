"""Plotly figure builders: data in, ``go.Figure`` out; nothing here shows anything.

- :mod:`~embedlab.present.figures.charts`: the small charts (rank-frequency, coverage, pieces, change scores, the
  dimension sweep).
- :mod:`~embedlab.present.figures.maps`: the aligned maps of two spaces (:func:`map_figure` and what it takes:
  :class:`MapMarks`, :class:`MapColouring`, :class:`MapHover`), label placement, selections and map search.

Import the names from here (``figures.map_figure``).
"""

from embedlab.present.figures.charts import (
    change_histogram,
    coverage_bars,
    coverage_by_band,
    dimension_sweep,
    pieces_histogram,
    rank_frequency,
)
from embedlab.present.figures.maps import (
    BIG_MAP_POINTS,
    DENSITY_BINS,
    SHADES,
    MapColouring,
    MapFigure,
    MapHover,
    MapMarks,
    MapSearch,
    find_on_map,
    map_figure,
    map_pair,
    place_labels,
    selected_words,
)

__all__ = [
    "BIG_MAP_POINTS",
    "DENSITY_BINS",
    "SHADES",
    "MapColouring",
    "MapFigure",
    "MapHover",
    "MapMarks",
    "MapSearch",
    "change_histogram",
    "coverage_bars",
    "coverage_by_band",
    "dimension_sweep",
    "find_on_map",
    "map_figure",
    "map_pair",
    "pieces_histogram",
    "place_labels",
    "rank_frequency",
    "selected_words",
]
