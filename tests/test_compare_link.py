"""The Compare page's link: its view record (embedlab.analysis.views.CompareView) <-> URL query parameters, and what
a link keeps of the spaces and corpora it names; the other pages' views and the codec itself: tests/test_views.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_views import corpus_ids, run_ids  # one home for the ids a link may hold

from embedlab.analysis import maps
from embedlab.analysis.views import (
    COLOURS,
    METRICS,
    TABS,
    WORD_FILTERS,
    CompareView,
    check_references,
    from_query,
    to_query,
)

DEFAULT = CompareView()

# A link carries values without surrounding whitespace (from_query strips them; see the test further down).
paths = st.text(min_size=1, max_size=60).filter(lambda p: p == p.strip())
specs = st.one_of(st.just(""), st.just("baseline"), run_ids, paths.map("vectors:".__add__))
words = st.text(max_size=100).filter(lambda w: w == w.strip() and not any(c in w for c in "\n\r\t"))

bands = st.one_of(st.just(""), st.sampled_from(["1", "2–4", "10–19", "1,000–1,999", "20,000+"]))
scores = st.floats(0, 1, allow_nan=False)
view_states = st.builds(
    lambda lo_hi, **fields: CompareView(lo=min(lo_hi), hi=max(lo_hi), **fields),
    st.tuples(scores, scores),
    corpus=corpus_ids,
    a=specs,
    b=specs,
    word=words,
    k=st.integers(1, 100),
    tab=st.sampled_from(TABS),
    m=st.integers(100, 50_000),
    metric=st.sampled_from(METRICS),
    band=bands,
    n=st.integers(100, 200_000),
    seed=st.integers(0, 2**31 - 1),
    colour=st.sampled_from(COLOURS),
    moves=st.integers(0, 1),
    words=st.sampled_from(WORD_FILTERS),
    beyond=st.integers(0, 1),
    find=words,
)
FIELDS = {
    "corpus",
    "a",
    "b",
    "word",
    "k",
    "tab",
    "m",
    "metric",
    "band",
    "lo",
    "hi",
    "n",
    "seed",
    "colour",
    "moves",
    "words",
    "beyond",
    "find",
}


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(view_states)
def test_query_round_trip(state):
    query = to_query(state)
    assert set(query) == FIELDS
    assert all(isinstance(value, str) for value in query.values())
    back, problems = from_query(CompareView, query)
    assert problems == []
    assert back == state


def test_round_trip_keeps_surrounding_whitespace_or_state_rejects_it():
    """CompareView accepts a word or spec with surrounding spaces, but from_query strips them: the link changes it."""
    for state in (CompareView(word=" matrix "), CompareView(a=" baseline")):
        back, problems = from_query(CompareView, to_query(state))
        assert (back, problems) == (state, [])


def test_to_query_writes_every_field_as_text():
    state = CompareView(
        corpus="c0123456789ab", a="run-20260101-120000-abc123", word="über", k=7, tab="map", n=500, seed=3
    )
    assert to_query(state) == {
        "corpus": "c0123456789ab",
        "a": "run-20260101-120000-abc123",
        "b": "baseline",
        "word": "über",
        "k": "7",
        "tab": "map",
        "m": "20000",
        "metric": "jaccard",
        "band": "",
        "lo": "0.0",
        "hi": "1.0",
        "n": "500",
        "seed": "3",
        "colour": "none",
        "moves": "0",
        "words": "content",
        "beyond": "0",
        "find": "",
    }


def test_empty_query_gives_defaults_without_messages():
    assert from_query(CompareView, {}) == (DEFAULT, [])


def test_unknown_params_are_named_and_ignored():
    state, problems = from_query(CompareView, {"k": "5", "utm_source": "mail", "debug": "1"})
    assert state == CompareView(k=5)
    assert problems == ["Ignored unknown link parameters: debug, utm_source."]


@pytest.mark.parametrize(
    "name, raw, reason",
    [
        ("k", "abc", "not a whole number"),
        ("k", "2.5", "not a whole number"),
        ("k", "", "not a whole number"),
        ("k", "0", "k must be from 1 to 100, got 0"),
        ("k", "101", "k must be from 1 to 100, got 101"),
        ("n", "5", "n must be from 100 to 200000, got 5"),
        ("n", "200001", "n must be from 100 to 200000, got 200001"),
        ("m", "99", "m must be from 100 to 50000, got 99"),
        ("lo", "-0.1", "lo must be from 0.0 to 1.0, got -0.1"),
        ("hi", "x", "not a number"),
        ("hi", "nan", "not a number"),
        ("hi", "inf", "hi must be from 0.0 to 1.0, got inf"),
        ("metric", "cosine", "metric must be one of jaccard, rank_overlap, got 'cosine'"),
        ("colour", "red", "colour must be one of none, change, frequency, got 'red'"),
        ("moves", "2", "moves must be from 0 to 1, got 2"),
        ("beyond", "yes", "not a whole number"),
        ("beyond", "2", "beyond must be from 0 to 1, got 2"),
        ("band", "10-19<script>", "is not a frequency band"),
        ("n", "1e3", "not a whole number"),
        ("seed", "-1", "seed must be from 0 to 2147483647, got -1"),
        ("seed", "2147483648", "seed must be from 0 to 2147483647, got 2147483648"),
        ("tab", "graph", "tab must be one of neighbours, changed, coverage, map, got 'graph'"),
        ("corpus", "../etc", "'../etc' is not a corpus id"),
        ("corpus", "c0123", "'c0123' is not a corpus id"),
        ("a", "/etc/passwd", "unknown space '/etc/passwd'"),
        ("b", "vectors:", "unknown space 'vectors:'"),
        ("word", "two\tparts", "word must be one line"),
        ("word", "x" * 101, "word must be one line of at most 100 characters"),
        ("find", "two\nlines", "find must be one line"),
        ("find", "y" * 101, "find must be one line of at most 100 characters"),
    ],
)
def test_malformed_param_is_named_and_falls_back_to_default(name, raw, reason):
    params = {"k": "7", "tab": "coverage", "word": "matrix", name: raw}
    state, problems = from_query(CompareView, params)
    assert getattr(state, name) == getattr(DEFAULT, name)
    # the other parameters are still applied
    for other, value in (("k", 7), ("tab", "coverage"), ("word", "matrix")):
        if other != name:
            assert getattr(state, other) == value
    assert len(problems) == 1
    shown = raw if len(raw) <= 120 else raw[:120] + "…"
    assert problems[0].startswith(f"Link parameter {name}='{shown}' was ignored: ")
    assert reason in problems[0]


def test_several_bad_params_each_get_a_message():
    state, problems = from_query(
        CompareView, {"k": "x", "n": "3", "seed": "s", "tab": "t", "corpus": "c", "a": "?", "b": "!"}
    )
    assert state == DEFAULT
    assert [p.split("=")[0] for p in problems] == [
        "Link parameter corpus",
        "Link parameter a",
        "Link parameter b",
        "Link parameter k",
        "Link parameter tab",
        "Link parameter n",
        "Link parameter seed",
    ]


def test_list_values_take_the_last():
    state, problems = from_query(
        CompareView, {"k": ["3", "12"], "word": ["first", "second"], "tab": ("map", "coverage")}
    )
    assert problems == []
    assert (state.k, state.word, state.tab) == (12, "second", "coverage")


def test_empty_list_value_is_reported_not_crashing():
    state, problems = from_query(CompareView, {"k": []})
    assert state.k == 10
    assert problems == ["Link parameter k='' was ignored: not a whole number."]


def test_values_are_stripped_and_ints_accepted():
    state, problems = from_query(CompareView, {"k": " 15 ", "n": 300, "word": "  eigen  "})
    assert problems == []
    assert (state.k, state.n, state.word) == (15, 300, "eigen")


# --- check_references ---------------------------------------------------------------------------------------

RUN = "run-20260101-120000-abc123"
OTHER_RUN = "run-20260202-120000-def456"


def test_check_references_keeps_known_spaces_and_corpora():
    state = CompareView(corpus="c0123456789ab", a=RUN, b="baseline")
    assert check_references(state, {"space": ["baseline", RUN], "corpus": ["c0123456789ab"]}) == (state, [])


def test_check_references_drops_missing_corpus_and_spaces_with_messages():
    state = CompareView(corpus="c0123456789ab", a=OTHER_RUN, b="baseline", word="matrix", k=5)
    checked, problems = check_references(state, {"space": ["baseline", RUN], "corpus": ["cffffffffffff"]})
    assert checked == CompareView(corpus="", a="", b="baseline", word="matrix", k=5)
    assert problems == [
        "The link's corpus c0123456789ab is not on this server (deleted, or another server's).",
        f"The link's space a={OTHER_RUN} is not on this server (deleted, or another server's).",
    ]


def test_check_references_drops_baseline_when_not_offered():
    checked, problems = check_references(CompareView(b="baseline"), {"space": [RUN], "corpus": []})
    assert checked.b == "" and len(problems) == 1 and "b=baseline" in problems[0]


def test_check_references_never_accepts_unlisted_vectors_paths(tmp_path):
    existing = tmp_path / "real.txt"
    existing.write_text("2 2\na 1 0\nb 0 1\n")
    state, problems = from_query(CompareView, {"a": f"vectors:{existing}", "b": "vectors:/etc/passwd"})
    assert problems == []  # the shape is valid...
    checked, problems = check_references(state, {"space": ["baseline", RUN], "corpus": []})
    assert (checked.a, checked.b) == ("", "baseline")  # ...but a link may not open a file the server did not list:
    # a dropped space takes the default where the server has it
    assert len(problems) == 2
    assert f"a=vectors:{existing}" in problems[0] and "b=vectors:/etc/passwd" in problems[1]


def test_check_references_keeps_listed_vectors_path():
    state = CompareView(a="vectors:/data/glove.txt")
    assert check_references(state, {"space": ["baseline", "vectors:/data/glove.txt"], "corpus": []}) == (state, [])


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(view_states, st.lists(specs, max_size=4), st.lists(corpus_ids, max_size=3))
def test_check_references_only_keeps_listed_references(state, spaces, corpora):
    checked, problems = check_references(state, {"space": spaces, "corpus": corpora})
    for name in ("a", "b"):
        value = getattr(checked, name)
        assert value == "" or value in spaces
    assert checked.corpus == "" or checked.corpus in corpora
    dropped = sum(getattr(state, f) != getattr(checked, f) for f in ("corpus", "a", "b"))
    assert len(problems) == dropped
    assert (checked.word, checked.k, checked.tab, checked.n, checked.seed) == (
        state.word,
        state.k,
        state.tab,
        state.n,
        state.seed,
    )


def test_score_range_must_be_ordered():
    state, problems = from_query(CompareView, {"lo": "0.7", "hi": "0.2"})
    assert (state.lo, state.hi) == (0.7, 1.0)
    assert problems == ["Link parameter hi='0.2' was ignored: lo must not exceed hi, got lo=0.7 and hi=0.2."]


def test_word_filter_round_trips_and_defaults_to_content_words():
    assert DEFAULT.words == "content"
    everything = CompareView(tab="changed", words="all")
    query = to_query(everything)
    assert query["words"] == "all"
    assert from_query(CompareView, query) == (everything, [])
    assert from_query(CompareView, {"words": "all"})[0].words == "all"
    back, problems = from_query(CompareView, {"words": "stopwords"})
    assert back.words == "content"
    assert problems == [
        "Link parameter words='stopwords' was ignored: words must be one of content, all, got 'stopwords'."
    ]


def test_beyond_noise_filter_round_trips_and_defaults_to_every_change():
    assert DEFAULT.beyond == 0
    beyond = CompareView(tab="changed", beyond=1)
    query = to_query(beyond)
    assert query["beyond"] == "1"
    assert from_query(CompareView, query) == (beyond, [])
    assert (
        from_query(CompareView, {"tab": "changed"})[0].beyond == 0
    )  # a link from before the filter lists every change


def test_the_largest_map_a_link_asks_for_is_the_largest_the_maps_fit():
    assert maps.MAX_MAP_WORDS == 200_000
    assert from_query(CompareView, {"n": str(maps.MAX_MAP_WORDS)}) == (CompareView(n=maps.MAX_MAP_WORDS), [])
    assert from_query(CompareView, {"n": str(maps.MAX_MAP_WORDS + 1)})[0].n == CompareView().n  # one more is refused
    maps.MapSettings(sample_size=maps.MAX_MAP_WORDS)  # a link's largest map is one the maps accept
