"""Figures are return values: assertions on their traces, points and hover text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.analysis import Coverage
from embedlab.present import figures

WORDS = ["matrix", "sparse", "dense", "solver", "vector", "<b>bold</b>"]
LAYOUT_A = np.arange(12, dtype=np.float32).reshape(6, 2)
LAYOUT_B = LAYOUT_A + 1
COUNTS = np.array([50, 40, 30, 20, 10, 1])


def _traces(fig, name):
    return [t for t in fig.data if t.name == name]


def test_map_pair_draws_both_maps_with_query_and_neighbours_in_each():
    fig = figures.map_pair(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A · run", "B · baseline"), "matrix", ["sparse", "solver", "matrix"]
    )
    data = fig.data
    assert len(data) == 6 and all(t.type == "scattergl" for t in data)  # WebGL for large maps
    words, neighbours, query = _traces(fig, "words"), _traces(fig, "neighbours"), _traces(fig, "query")
    assert [list(t.text) for t in words] == [["dense", "vector", "&lt;b&gt;bold&lt;/b&gt;"]] * 2  # text, not markup
    assert [list(t.text) for t in neighbours] == [["sparse", "solver"]] * 2
    assert [list(t.text) for t in query] == [["matrix"]] * 2
    assert list(query[0].x) == [0.0] and list(query[1].x) == [1.0]  # each map its own layout
    assert [a["text"] for a in fig.to_dict()["layout"]["annotations"]] == ["A · run", "B · baseline"]
    assert "count %{customdata[1]}" in words[0].hovertemplate
    assert sum(len(t.x) for t in data) == 2 * len(WORDS)  # every word once per map


def test_a_selection_on_the_maps_gives_back_the_words_whatever_their_markup():
    fig = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "matrix", ["sparse"], moves=True)
    by_trace = [list(trace.customdata) if trace.customdata is not None else None for trace in fig.data]
    plain = [row[0] for row in by_trace[0]]
    bold = plain.index("<b>bold</b>")
    assert fig.data[0].text[bold] == "&lt;b&gt;bold&lt;/b&gt;"  # shown escaped...
    clicked = [{"curve_number": 0, "point_index": bold, "customdata": list(by_trace[0][bold])}]
    assert figures.selected_words(clicked) == ["<b>bold</b>"]  # ...and selected as the raw word
    lasso = [{"customdata": list(row)} for trace in by_trace[:3] for row in trace] + [{"x": 1.0, "y": 2.0}]
    assert figures.selected_words(lasso) == [*plain, "sparse", "matrix"] and len(plain) == len(WORDS) - 2
    assert figures.selected_words([]) == []
    # an event without customdata: its curve and point index are looked up in the drawn map's words
    trace_words = figures.map_trace_words(WORDS, "matrix", ["sparse"])
    assert [len(words) for words in trace_words] == [len(t.x) for t in fig.data[:6]]
    assert figures.selected_words([{"curve_number": 4, "point_index": 0}], trace_words) == ["sparse"]  # map B
    assert figures.selected_words([{"curve_number": 6, "point_index": 0}], trace_words) == []  # the move lines


def test_map_pair_colours_by_values_and_draws_moves():
    values = np.linspace(0, 1, 6)
    fig = figures.map_pair(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "matrix", ["sparse"], values, "Jaccard@10", moves=True
    )
    words = _traces(fig, "words")
    assert list(words[0].marker.color) == pytest.approx([0.4, 0.6, 0.8, 1.0])  # dense, solver, vector, bold
    assert words[0].marker.colorbar.title.text == "Jaccard@10"
    (moved,) = _traces(fig, "moved from A")
    assert list(moved.x) == [0.0, 1.0, None, 2.0, 3.0, None]  # matrix and sparse, from A to B
    assert moved.xaxis == "x2"


def test_each_map_marks_its_own_spaces_neighbours_under_its_own_legend_entry():
    fig = figures.map_pair(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "matrix", ["sparse", "dense"], highlighted_b=["solver"]
    )
    in_a, in_b = _traces(fig, "neighbours in A"), _traces(fig, "neighbours in B")
    assert [list(t.text) for t in in_a + in_b] == [["sparse", "dense"], ["solver"]]
    assert (in_a[0].xaxis, in_b[0].xaxis) == ("x", "x2") and in_a[0].showlegend and in_b[0].showlegend
    assert in_a[0].marker.color != in_b[0].marker.color
    trace_words = figures.map_trace_words(WORDS, "matrix", ["sparse", "dense"], ["solver"])
    assert trace_words[1] == ["sparse", "dense"] and trace_words[4] == ["solver"]  # as drawn, for selections
    assert [len(words) for words in trace_words] == [len(t.x) for t in fig.data]
    shared = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "", ["sparse"], highlight_name="selected")
    assert [t.showlegend for t in _traces(shared, "selected")] == [True, False]  # one entry for both maps


def test_map_hover_gives_change_score_and_nearest_words_in_a_and_b():
    details = pd.DataFrame(
        {
            "jaccard": np.linspace(0, 1, 6),
            "neighbours_a": [f"a{i}, <i>x</i>" for i in range(6)],
            "neighbours_b": [f"b{i}" for i in range(6)],
        }
    )
    fig = figures.map_pair(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "matrix", [], details=details, change_label="Jaccard@5"
    )
    (query, _) = _traces(fig, "query")
    assert list(query.customdata[0]) == ["matrix", 50, "matrix", "0.00", "a0, &lt;i&gt;x&lt;/i&gt;", "b0", ""]
    assert "Jaccard@5 %{customdata[3]}" in query.hovertemplate and "B: %{customdata[5]}" in query.hovertemplate
    plain = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "matrix")
    assert "customdata[3]" not in plain.data[0].hovertemplate  # nothing to say without details


def test_labels_are_placed_apart_and_the_rest_left_to_the_hover():
    ranges = ((0.0, 10.0), (0.0, 10.0))
    # three labels on one spot: each takes a free place around it, never the same box twice
    positions = figures.place_labels(np.array([[5, 5], [5, 5], [5, 5]]), ["alpha", "beta", "gamma"], *ranges)
    assert positions[:2] == ["top center", "bottom center"] and positions[2] not in positions[:2]
    assert figures.place_labels(np.array([[5, 5]] * 3), ["a", "b", "c"], *ranges, max_labels=2)[2] == ""
    # a crowd: no two drawn label boxes overlap
    rng = np.random.default_rng(0)
    points = rng.uniform(4, 6, size=(30, 2))
    labels = [f"word{i}" for i in range(30)]
    positions = figures.place_labels(points, labels, *ranges, plot_px=(400, 400))
    drawn = [i for i, p in enumerate(positions) if p]
    assert 3 <= len(drawn) < 30
    scale = 40.0  # px per data unit
    boxes = [
        figures._label_box(
            points[i, 0] * scale, points[i, 1] * scale, 0.6 * 12 * len(labels[i]) + 2, 14.4, 6, positions[i]
        )
        for i in drawn
    ]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not (first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3])
    fig = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "matrix", WORDS[1:])
    neighbours = _traces(fig, "neighbours")[0]
    assert len(neighbours.textposition) == len(neighbours.x) == 5


def test_both_maps_share_one_range_that_holds_every_point_and_move():
    fig = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), "matrix", ["sparse"], moves=True)
    layout = fig.to_dict()["layout"]
    for axis, column in (("xaxis", 0), ("yaxis", 1)):
        low, high = layout[axis]["range"]
        assert layout[axis + "2"]["range"] == [low, high]
        assert low < min(LAYOUT_A[:, column].min(), LAYOUT_B[:, column].min())
        assert high > max(LAYOUT_A[:, column].max(), LAYOUT_B[:, column].max())


def test_change_histogram_shades_the_selected_range():
    fig = figures.change_histogram([0.0, 0.1, 0.1, 0.9], "Jaccard@k", 0.2, 0.6)
    (histogram,) = fig.data  # binned here: 20 bars of 0.05, whatever the number of words
    assert histogram.type == "bar" and len(histogram.y) == 20
    assert {i: n for i, n in enumerate(histogram.y) if n} == {0: 1, 2: 2, 18: 1}
    assert figures.change_histogram([1.0, 0.95, 0.35], "J", 0, 1).data[0].y[19] == 2  # 1.0 joins the last bin
    (shade,) = fig.to_dict()["layout"]["shapes"]
    assert (shade["x0"], shade["x1"]) == (0.2, 0.6)


def test_coverage_figures():
    results = [Coverage("run", 100, 10, 0.9, 0.5, []), Coverage("baseline", 100, 10, 0.8, 0.6, [])]
    bars = figures.coverage_bars(results).data  # one trace per space, grouped by measure
    assert [t.name for t in bars] == ["run", "baseline"] and list(bars[0].x) == ["token coverage", "type coverage"]
    assert list(bars[0].y) == [90.0, 50.0] and list(bars[1].text) == ["80.0%", "60.0%"]
    band = pd.DataFrame({"band": ["1", "2–4"], "words": [5, 3], "covered_words": [1, 3], "token_coverage": [0.2, 1.0]})
    lines = figures.coverage_by_band({"run": band, "baseline": band}).data
    assert [t.name for t in lines] == ["run", "baseline"] and list(lines[0].y) == [20.0, 100.0]
    pieces = figures.pieces_histogram(pd.DataFrame({"pieces": [1, 2], "words": [3, 1], "tokens": [75, 25]}))
    assert list(pieces.data[0].y) == [75.0, 25.0]


def test_rank_frequency_is_log_log():
    fig = figures.rank_frequency([10, 5, 1])
    assert list(fig.data[0].x) == [1, 2, 3] and list(fig.data[0].y) == [10, 5, 1]
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "log"
