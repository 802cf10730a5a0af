"""The Compare page's map search ("Find a word on the map"): the word ringed in both maps, or why it is not there."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from embedlab import ui
from embedlab.analysis import views

pytestmark = pytest.mark.slow


def _rings(at: AppTest) -> list[tuple[str, list[str]]]:
    """The drawn map's "found" traces: (x axis, labels)."""
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [(t.get("xaxis", "x"), t["text"]) for t in figure["data"] if t.get("name") == "found"]


def test_the_map_search_rings_the_word_in_both_maps_and_says_when_a_word_is_not_on_the_map(tiny_text_corpus, tiny_run):
    state = views.CompareView(corpus=tiny_text_corpus.id, a=tiny_run.id, word="matrix", k=5, tab="map", n=100)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in {**views.to_query(state), "find": "Sparse"}.items():  # typed as the Word box takes it
        at.query_params[key] = value
    at.switch_page("pages/compare.py").run()
    assert not at.exception and not at.error
    assert at.text_input(key="cmp_find").value == "Sparse"
    assert _rings(at) == [("x", ["sparse"]), ("x2", ["sparse"])]  # lowercased as the corpus was
    assert [s.value for s in at.success] == [
        "'sparse' is ringed in both maps, which are zoomed around it: double-click a map to see all of it."
    ]
    assert at.query_params["find"] == "Sparse"  # in the link

    at.text_input(key="cmp_find").set_value("banana").run()
    assert not at.exception and _rings(at) == [] and not at.success
    assert [w.value for w in at.warning if w.icon == ":material/search_off:"] == [
        "'banana' is not on the map: it is not a word both spaces hold, and the maps draw only those."
    ]
    assert at.query_params["find"] == "banana"

    at.text_input(key="cmp_find").set_value("").run()
    assert not at.exception and _rings(at) == [] and not at.success
    assert not [w for w in at.warning if w.icon == ":material/search_off:"]


def test_a_click_on_the_map_puts_the_new_word_in_the_address_bar(tiny_text_corpus, tiny_run):
    """The map's on_select callback (ui.select_on_map) makes the clicked word the view's word and writes the view to
    st.query_params: the address bar and "Copy link" hold the same, new word."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    state = views.CompareView(corpus=tiny_text_corpus.id, a=tiny_run.id, word="matrix", k=5, tab="map", n=100)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in views.to_query(state).items():
        at.query_params[key] = value
    at.switch_page("pages/compare.py").run()
    assert not at.exception and at.query_params["word"] == "matrix"
    chart = at.get("plotly_chart")[0]
    drawn = at.session_state[ui.MAP_TRACE_WORDS]  # per trace, the words it draws (what the callback looks up)
    trace, index = next((t, i) for t, words in enumerate(drawn) for i, w in enumerate(words) if w != "matrix")
    clicked = drawn[trace][index]
    # what the browser sends for a click on that point: the chart's selection, as a widget value
    widgets = WidgetStates()
    widgets.CopyFrom(at._tree.get_widget_states())
    selection = {"points": [{"curve_number": trace, "point_index": index}], "point_indices": [index]}
    widgets.widgets.add(
        id=chart.proto.id, string_value=json.dumps({"selection": {**selection, "box": [], "lasso": []}})
    )
    at._run(widgets)
    assert not at.exception
    assert at.text_input(key="cmp_word").value == clicked
    assert at.query_params["word"] == clicked  # the address bar holds the new view
    link = at.code[-1].value  # "Copy link to this view"
    assert f"word={clicked}" in link
