"""Figures are return values: assertions on their traces, points and hover text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from embedlab.analysis import Coverage
from embedlab.present import figures
from embedlab.present.text import plotly_text

WORDS = ["matrix", "sparse", "dense", "solver", "vector", "<b>bold</b>"]
LAYOUT_A = np.arange(12, dtype=np.float32).reshape(6, 2)
LAYOUT_B = LAYOUT_A + 1
COUNTS = np.array([50, 40, 30, 20, 10, 1])


def _traces(fig, name):
    return [t for t in fig.data if t.name == name]


def test_map_pair_draws_both_maps_with_query_and_neighbours_in_each():
    fig = figures.map_pair(
        LAYOUT_A,
        LAYOUT_B,
        WORDS,
        COUNTS,
        ("A · run", "B · baseline"),
        marks=figures.MapMarks("matrix", ["sparse", "solver", "matrix"]),
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
    fig = figures.map_pair(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=figures.MapMarks("matrix", ["sparse"], moves=True)
    )
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
    trace_words = figures.map_figure(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=figures.MapMarks("matrix", ["sparse"])
    ).trace_words
    assert [len(words) for words in trace_words] == [len(t.x) for t in fig.data[:6]]
    assert figures.selected_words([{"curve_number": 4, "point_index": 0}], trace_words) == ["sparse"]  # map B
    assert figures.selected_words([{"curve_number": 6, "point_index": 0}], trace_words) == []  # the move lines


def test_map_pair_colours_by_values_and_draws_moves():
    values = np.linspace(0, 1, 6)
    fig = figures.map_pair(
        LAYOUT_A,
        LAYOUT_B,
        WORDS,
        COUNTS,
        ("A", "B"),
        marks=figures.MapMarks("matrix", ["sparse"], moves=True),
        colouring=figures.MapColouring(values, "Jaccard@10"),
    )
    words = _traces(fig, "words")
    assert list(words[0].marker.color) == pytest.approx([0.4, 0.6, 0.8, 1.0])  # dense, solver, vector, bold
    assert words[0].marker.colorbar.title.text == "Jaccard@10"
    (moved,) = _traces(fig, "moved from A")
    assert list(moved.x) == [0.0, 1.0, None, 2.0, 3.0, None]  # matrix and sparse, from A to B
    assert moved.xaxis == "x2"


def test_each_map_marks_its_own_spaces_neighbours_under_its_own_legend_entry():
    marks = figures.MapMarks("matrix", ["sparse", "dense"], highlighted_b=["solver"])
    fig = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=marks)
    in_a, in_b = _traces(fig, "neighbours in A"), _traces(fig, "neighbours in B")
    assert [list(t.text) for t in in_a + in_b] == [["sparse", "dense"], ["solver"]]
    assert (in_a[0].xaxis, in_b[0].xaxis) == ("x", "x2") and in_a[0].showlegend and in_b[0].showlegend
    assert in_a[0].marker.color != in_b[0].marker.color
    trace_words = figures.map_figure(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=marks).trace_words
    assert trace_words[1] == ["sparse", "dense"] and trace_words[4] == ["solver"]  # as drawn, for selections
    assert [len(words) for words in trace_words] == [len(t.x) for t in fig.data]
    shared = figures.map_pair(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=figures.MapMarks("", ["sparse"], name="selected")
    )
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
        LAYOUT_A,
        LAYOUT_B,
        WORDS,
        COUNTS,
        ("A", "B"),
        marks=figures.MapMarks("matrix", []),
        hover=figures.MapHover(details, "Jaccard@5"),
    )
    (query, _) = _traces(fig, "query")
    assert list(query.customdata[0]) == ["matrix", 50, "matrix", "0.00", "a0, &lt;i&gt;x&lt;/i&gt;", "b0", ""]
    assert "Jaccard@5 %{customdata[3]}" in query.hovertemplate and "B: %{customdata[5]}" in query.hovertemplate
    plain = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=figures.MapMarks("matrix"))
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
        figures.maps._label_box(
            points[i, 0] * scale, points[i, 1] * scale, 0.6 * 12 * len(labels[i]) + 2, 14.4, 6, positions[i]
        )
        for i in drawn
    ]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not (first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3])
    fig = figures.map_pair(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=figures.MapMarks("matrix", WORDS[1:]))
    neighbours = _traces(fig, "neighbours")[0]
    assert len(neighbours.textposition) == len(neighbours.x) == 5


def test_both_maps_share_one_range_that_holds_every_point_and_move():
    fig = figures.map_pair(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=figures.MapMarks("matrix", ["sparse"], moves=True)
    )
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


def _big_map(n: int = 25_000, seed: int = 0):
    """A map past BIG_MAP_POINTS: a tight cluster of 80% of the words and a thin spread of the rest."""
    rng = np.random.default_rng(seed)
    crowded = int(0.8 * n)
    layout_a = np.concatenate([rng.normal(scale=0.2, size=(crowded, 2)), rng.uniform(-10, 10, size=(n - crowded, 2))])
    layout_b = layout_a + rng.normal(scale=0.01, size=layout_a.shape)
    words = [f"w{i}" for i in range(n - 1)] + ["<i>odd</i>"]
    details = pd.DataFrame(
        {
            "jaccard": np.round(rng.uniform(size=n), 2),
            "neighbours_a": [f"a{i}" for i in range(n)],
            "neighbours_b": [f"b{i}" for i in range(n)],
        }
    )
    return layout_a, layout_b, words, np.arange(n, 0, -1), details


def _decoded(array) -> np.ndarray:
    """A plotly JSON array: a list, or {"dtype", "bdata", "shape"} (numpy arrays go binary)."""
    if isinstance(array, dict):
        import base64

        values = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        return values.reshape([int(s) for s in array["shape"].split(",")]) if "shape" in array else values
    return np.asarray(array)


@pytest.mark.slow
def test_a_big_map_sends_only_what_its_hover_needs_as_binary_and_shades_where_points_crowd():
    import json

    layout_a, layout_b, words, counts, details = _big_map()
    n = len(words)
    drawn = figures.map_figure(
        layout_a,
        layout_b,
        words,
        counts,
        ("A", "B"),
        marks=figures.MapMarks("w0", ["w1", "w2"]),
        hover=figures.MapHover(details, "Jaccard@5"),
    )
    fig, trace_words = drawn.figure, drawn.trace_words
    per_map = ["density", *["words"] * figures.SHADES, "neighbours", "query"]
    assert [t.name for t in fig.data] == per_map * 2
    assert [len(words_) for words_ in trace_words] == [0 if t.type == "heatmap" else len(t.x) for t in fig.data]
    data = json.loads(fig.to_json())["data"]
    plain = [t for t in data if t["name"] == "words"]
    assert sum(len(t["text"]) for t in plain) == 2 * (n - 3)  # every word but the query and its neighbours, twice
    for trace, words_ in zip(data, trace_words):
        if trace["name"] != "words" or not words_:
            continue
        assert trace["x"]["dtype"] == "f4" and trace["customdata"]["dtype"] == "f4"  # binary, float32
        numbers = _decoded(trace["customdata"])
        rows = [words.index(w) for w in words_[:50]]
        assert numbers.shape == (len(words_), 2)
        assert numbers[:50, 0].tolist() == counts[rows].tolist()
        assert numbers[:50, 1] == pytest.approx(details["jaccard"].to_numpy()[rows], abs=1e-6)
        assert trace["text"][:50] == [plotly_text(w) for w in words_[:50]]
        assert (
            trace["hovertemplate"]
            == "%{text}<br>count %{customdata[0]:d}<br>Jaccard@5 %{customdata[1]:.2f}<extra></extra>"
        )
    assert sum(t["text"].count("&lt;i&gt;odd&lt;/i&gt;") for t in plain) == 2  # escaped, once a map
    (neighbours, _) = _traces(fig, "neighbours")
    assert [list(row) for row in neighbours.customdata] == [
        ["w1", n - 1, "w1", f"{details['jaccard'][1]:.2f}", "a1", "b1", ""],
        ["w2", n - 2, "w2", f"{details['jaccard'][2]:.2f}", "a2", "b2", ""],
    ]  # neighbour lists only on the marked points
    assert len(fig.to_json()) < 40 * 2 * n  # about 30 bytes a point; every point's neighbour lists as text took ~200
    # Density: both maps on one 200 x 200 grid, empty bins transparent, no hover; the crowd drawn darker.
    (density, _) = _traces(fig, "density")
    z = _decoded(data[0]["z"])
    assert z.shape == (figures.DENSITY_BINS, figures.DENSITY_BINS) and z.dtype == np.uint8 and z.max() == 255
    assert density.hoverinfo == "skip" and density.colorscale[0][1] == "rgba(0, 0, 0, 0)"
    assert 0 < (z > 0).mean() < 1
    shade_of = {w: i for i, words_ in enumerate(trace_words[: 1 + figures.SHADES]) for w in words_}
    crowd = np.mean([shade_of[f"w{i}"] for i in range(3, 1000)])
    spread = np.mean([shade_of[f"w{i}"] for i in range(int(0.8 * n), n - 1)])
    assert crowd > spread + 10
    # A click on a big map's plain point: the event's customdata are numbers, so the word comes by trace and index.
    curve = next(i for i, words_ in enumerate(trace_words) if len(words_) > 3 and i > len(per_map))  # map B
    event = {"curve_number": curve, "point_index": 3, "customdata": [12.0, 0.5]}
    assert figures.selected_words([event], trace_words) == [trace_words[curve][3]]


def test_a_big_map_coloured_by_values_draws_a_trace_per_shade_and_one_colour_bar():
    layout_a, layout_b, words, counts, details = _big_map()
    values = details["jaccard"].to_numpy()
    drawn = figures.map_figure(
        layout_a, layout_b, words, counts, ("A", "B"), colouring=figures.MapColouring(values, "Jaccard@5")
    )
    fig = drawn.figure
    per_map = ["density", *["words"] * figures.SHADES, "colour scale", "neighbours", "query"]
    assert [t.name for t in fig.data] == per_map * 2
    shades = [t for t in fig.data[1 : 1 + figures.SHADES]]
    assert len({t.marker.color for t in shades}) == figures.SHADES and all(
        isinstance(t.marker.color, str) for t in shades
    )
    index = {w: i for i, w in enumerate(words)}
    highest = [max(values[index[w]] for w in ws) if ws else None for ws in drawn.trace_words[1 : 1 + figures.SHADES]]
    lowest = [min(values[index[w]] for w in ws) if ws else None for ws in drawn.trace_words[1 : 1 + figures.SHADES]]
    steps = [(lo, hi) for lo, hi in zip(lowest, highest) if lo is not None]
    assert all(hi1 <= lo2 for (_, hi1), (lo2, _) in zip(steps, steps[1:]))  # each shade its own band of values
    (bar, other) = _traces(fig, "colour scale")
    assert (bar.marker.cmin, bar.marker.cmax) == (values.min(), values.max()) and bar.marker.showscale
    assert not other.marker.showscale and bar.marker.colorbar.title.text == "Jaccard@5"


def test_a_big_map_keeps_counts_past_float32_exact():
    layout_a, layout_b, words, _, _ = _big_map()
    counts = np.full(len(words), 2**24 + 1)
    fig = figures.map_pair(layout_a, layout_b, words, counts, ("A", "B"))
    assert {str(t.customdata.dtype) for t in _traces(fig, "words") if t.customdata is not None} == {"float64"}


def test_the_found_word_is_ringed_and_labelled_in_both_maps_which_zoom_around_it():
    marks = figures.MapMarks("matrix", ["sparse", "vector"])
    plain = figures.map_figure(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=marks)
    drawn = figures.map_figure(
        LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=dataclasses.replace(marks, found="vector")
    )
    fig = drawn.figure
    rings = _traces(fig, "found")
    assert [(list(t.x), list(t.y), list(t.text)) for t in rings] == [
        ([8.0], [9.0], ["vector"]),
        ([9.0], [10.0], ["vector"]),
    ]
    assert (rings[0].xaxis, rings[1].xaxis) == ("x", "x2") and rings[0].marker.symbol == "circle-open"
    assert rings[0].customdata[0][0] == "vector"  # hover and click as the word itself
    assert list(_traces(fig, "neighbours")[0].text) == ["sparse", ""]  # its label drawn once, by the ring
    assert drawn.trace_words == [*plain.trace_words[:3], ["vector"], *plain.trace_words[3:], ["vector"]]
    full, zoomed = plain.figure.layout, fig.layout
    for axis, found_at in (("xaxis", (8.0, 9.0)), ("yaxis", (9.0, 10.0))):
        low, high = zoomed[axis].range
        assert low < min(found_at) and max(found_at) < high  # both maps' ring in view...
        assert high - low < full[axis].range[1] - full[axis].range[0]  # ...closer than the whole map
        assert zoomed[axis + "2"].range == zoomed[axis].range
    missing = figures.map_figure(LAYOUT_A, LAYOUT_B, WORDS, COUNTS, ("A", "B"), marks=figures.MapMarks(found="absent"))
    assert not _traces(missing.figure, "found") and missing.figure.layout.xaxis.range == plain.figure.layout.xaxis.range


def test_find_on_map_says_where_the_word_is_or_why_it_is_not_on_the_map():
    in_both = {"matrix", "solver", "tensor"}.__contains__
    assert figures.find_on_map("", WORDS, in_both) == figures.MapSearch("", "", "")
    found = figures.find_on_map("solver", WORDS, in_both)
    assert found.found == "solver" and "'solver' is ringed in both maps" in found.message
    sampled_out = figures.find_on_map("tensor", WORDS, in_both)
    assert sampled_out.found == "" and sampled_out.message.startswith(
        "'tensor' is not on the map: it is in both spaces but not among the 6 words sampled for the map"
    )
    absent = figures.find_on_map("banana", WORDS, in_both)
    assert absent == figures.MapSearch(
        "banana", "", "'banana' is not on the map: it is not a word both spaces hold, and the maps draw only those."
    )


def test_map_marks_take_lists_of_words_never_one_string():
    """One word given where a list is meant would mark each of its letters: said, with the fix."""
    with pytest.raises(
        TypeError, match=r"MapMarks.highlighted takes a list of words, not one word: write highlighted=\['sparse'\]"
    ):
        figures.MapMarks("matrix", "sparse")
    with pytest.raises(TypeError, match="MapMarks.highlighted_b takes a list of words"):
        figures.MapMarks(highlighted_b="solver")
    assert figures.MapMarks("matrix", ["sparse"]).highlighted == ("sparse",)  # held as a tuple: frozen throughout
