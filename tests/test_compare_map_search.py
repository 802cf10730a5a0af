"""The Compare page's map search ("Find a word on the map"): the word ringed in both maps, or why it is not there."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from embedlab.present import share

pytestmark = pytest.mark.slow


def _rings(at: AppTest) -> list[tuple[str, list[str]]]:
    """The drawn map's "found" traces: (x axis, labels)."""
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [(t.get("xaxis", "x"), t["text"]) for t in figure["data"] if t.get("name") == "found"]


def test_the_map_search_rings_the_word_in_both_maps_and_says_when_a_word_is_not_on_the_map(tiny_text_corpus, tiny_run):
    state = share.ViewState(corpus=tiny_text_corpus.id, a=tiny_run.id, word="matrix", k=5, tab="map", n=100)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in {**share.to_query(state), "find": "Sparse"}.items():  # typed as the Word box takes it
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
