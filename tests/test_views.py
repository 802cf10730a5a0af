"""The pages' view records and their one codec (embedlab.analysis.views): links saved before the records still open
the same view, every record survives the trip through a real URL, and a bad link gives messages and defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedlab.analysis import comparison, maps, views
from embedlab.analysis.views import CompareView, EvaluateView, VerdictView, check_references, from_query, to_query

RUN = "run-20260101-120000-abc123"
OTHER_RUN = "run-20200101-000000-deadbe"
CORPUS = "c0123456789ab"
WEAT = "Math vs arts / male vs female terms"


def _through_url(view):
    """The view written as a link's query string, and read back as a browser's address bar gives it."""
    text = urlencode(to_query(view), doseq=True)
    return from_query(type(view), parse_qs(text, keep_blank_values=True))


# --- links saved before the records: each page's old query string opens the same view -------------------------


def test_an_old_compare_link_without_the_newer_fields_opens_the_same_view():
    old = f"corpus={CORPUS}&a={RUN}&b=baseline&word=matrix&k=7&tab=map&m=20000&metric=jaccard&band=&lo=0.0&hi=1.0"
    old += "&n=500&seed=3&colour=change&moves=1"  # before words, beyond and find existed
    view, problems = from_query(CompareView, parse_qs(old, keep_blank_values=True))
    assert problems == []
    assert view == CompareView(
        corpus=CORPUS, a=RUN, word="matrix", k=7, tab="map", n=500, seed=3, colour="change", moves=1
    )
    assert (view.words, view.beyond, view.find) == ("content", 0, "")


def test_an_old_evaluate_link_with_comma_joined_spaces_opens_the_same_view():
    old = urlencode({"corpus": CORPUS, "spaces": f"{RUN},baseline", "weat": WEAT})
    view, problems = from_query(EvaluateView, parse_qs(old))
    assert problems == []
    assert view == EvaluateView(CORPUS, (RUN, "baseline"), WEAT)
    assert to_query(view) == {"corpus": CORPUS, "space": [RUN, "baseline"], "weat": WEAT}  # written the new way


def test_an_old_verdict_link_opens_the_same_view():
    old = f"corpus={CORPUS}&space={RUN}&space={OTHER_RUN}&baseline=baseline"
    view, problems = from_query(VerdictView, parse_qs(old))
    assert (view, problems) == (VerdictView(CORPUS, (RUN, OTHER_RUN), "baseline"), [])
    assert urlencode(to_query(view), doseq=True) == old  # and written the same way


def test_a_new_evaluate_link_keeps_a_comma_in_a_vectors_path():
    view = EvaluateView(CORPUS, ("vectors:/data/a,b.txt", "baseline"), WEAT)
    assert _through_url(view) == (view, [])


# --- round trips ------------------------------------------------------------------------------------------------

corpus_ids = st.one_of(st.just(""), st.text(alphabet="0123456789abcdef", min_size=12, max_size=12).map("c".__add__))
run_ids = st.builds(
    lambda d, t, h: f"run-{d}-{t}-{h}",
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet="0123456789abcdef", min_size=6, max_size=6),
)
paths = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda p: p == p.strip()
)
specs = st.one_of(st.just("baseline"), st.just("baseline@debiased"), run_ids, paths.map("vectors:".__add__))
lines = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=100).filter(lambda w: w == w.strip())
bands = st.one_of(st.just(""), st.sampled_from(["1", "2–4", "10–19", "1,000–1,999", "20,000+"]))
scores = st.floats(0, 1, allow_nan=False)

compare_views = st.builds(
    lambda lo_hi, **fields: CompareView(lo=min(lo_hi), hi=max(lo_hi), **fields),
    st.tuples(scores, scores),
    corpus=corpus_ids,
    a=st.one_of(st.just(""), specs),
    b=st.one_of(st.just(""), specs),
    word=lines,
    k=st.integers(1, 100),
    tab=st.sampled_from(views.TABS),
    m=st.integers(views.MIN_SCORED_WORDS, views.MAX_SCORED_WORDS),
    metric=st.sampled_from(views.METRICS),
    band=bands,
    n=st.integers(views.MIN_MAP_WORDS, maps.MAX_MAP_WORDS),
    seed=st.integers(0, 2**31 - 1),
    colour=st.sampled_from(views.COLOURS),
    moves=st.integers(0, 1),
    words=st.sampled_from(views.WORD_FILTERS),
    beyond=st.integers(0, 1),
    find=lines,
)
evaluate_views = st.builds(EvaluateView, corpus_ids, st.lists(specs, max_size=4).map(tuple), lines)
verdict_views = st.builds(VerdictView, corpus_ids, st.lists(specs, max_size=4).map(tuple), specs)


@settings(max_examples=150, deadline=None)
@given(st.one_of(compare_views, evaluate_views, verdict_views))
def test_every_view_survives_a_real_url(view):
    assert _through_url(view) == (view, [])


@settings(max_examples=60, deadline=None)
@given(evaluate_views, st.lists(specs, max_size=4), st.lists(corpus_ids, max_size=2))
def test_a_link_keeps_only_what_the_server_has_and_names_the_rest(view, spaces, corpora):
    known = {"space": spaces, "corpus": corpora}
    kept, problems = from_query(EvaluateView, to_query(view), known)
    assert all(spec in spaces for spec in kept.spaces) and kept.corpus in ("", *corpora)
    dropped = [spec for spec in view.spaces if spec not in spaces] + [
        c for c in [view.corpus] if c and c not in corpora
    ]
    assert len(problems) == len(dropped)
    assert check_references(view, known) == (kept, problems)  # after reading, the same rule


@settings(max_examples=80, deadline=None)
@given(evaluate_views.filter(lambda view: not any("," in spec for spec in view.spaces)))
def test_every_evaluate_view_written_the_old_way_reads_back_the_same(view):
    old = urlencode({"corpus": view.corpus, "spaces": ",".join(view.spaces), "weat": view.weat})  # before the record
    assert from_query(EvaluateView, parse_qs(old, keep_blank_values=True)) == (view, [])


# --- bad links: a message and the default, never an error -----------------------------------------------------


@pytest.mark.parametrize(
    "kind, params, expected, message",
    [
        (EvaluateView, {"spaces": f"../../etc/passwd,{RUN}"}, EvaluateView(spaces=(RUN,)), "spaces='../../etc/passwd'"),
        (EvaluateView, {"space": ["baseline", "nope"]}, EvaluateView(spaces=("baseline",)), "space='nope'"),
        (EvaluateView, {"corpus": "<script>"}, EvaluateView(), "'<script>' is not a corpus id"),
        (EvaluateView, {"weat": "x\ny"}, EvaluateView(), "weat must be one line"),
        (VerdictView, {"baseline": "/etc/passwd"}, VerdictView(), "baseline='/etc/passwd' was ignored: unknown space"),
        (VerdictView, {"space": "vectors:"}, VerdictView(), "space='vectors:' was ignored: unknown space"),
        (CompareView, {"k": "lots"}, CompareView(), "k='lots' was ignored: not a whole number"),
    ],
)
def test_a_bad_value_is_named_and_the_view_keeps_its_default(kind, params, expected, message):
    view, problems = from_query(kind, params)
    assert view == expected
    assert len(problems) == 1 and message in problems[0] and problems[0].startswith("Link parameter ")


@pytest.mark.parametrize("kind", [CompareView, EvaluateView, VerdictView])
def test_unknown_parameters_are_named_once_for_every_page(kind):
    view, problems = from_query(kind, {"utm_source": "mail", "debug": "1"})
    assert (view, problems) == (kind(), ["Ignored unknown link parameters: debug, utm_source."])


def test_a_long_value_is_quoted_shortened():
    _, problems = from_query(CompareView, {"corpus": "c" * 300})
    assert problems == [
        f"Link parameter corpus='{'c' * 120}…' was ignored: '{'c' * 300}' is not a corpus id (like c0123456789ab)."
    ]


def test_references_the_server_lacks_are_dropped_in_the_order_given():
    view, problems = from_query(
        VerdictView,
        {"corpus": CORPUS, "space": [RUN, OTHER_RUN, "baseline"], "baseline": OTHER_RUN},
        {"space": ["baseline", RUN], "corpus": []},
    )
    assert view == VerdictView("", (RUN,), "baseline")  # the dropped baseline takes its default; so may a candidate
    assert problems == [
        f"The link's corpus {CORPUS} is not on this server (deleted, or another server's).",
        f"The link's space baseline={OTHER_RUN} is not on this server (deleted, or another server's).",
        f"The link's space {OTHER_RUN} is not on this server (deleted, or another server's).",
    ]


def test_an_unknown_weat_set_is_named_and_left_to_the_page():
    view, problems = from_query(EvaluateView, {"weat": "Cats vs dogs"}, {"weat": [WEAT]})
    assert view.weat == "" and problems == ["The link's WEAT word sets 'Cats vs dogs' are not known here."]


def test_a_dropped_baseline_is_empty_when_the_server_has_no_default_either():
    view, problems = check_references(VerdictView(baseline=RUN), {"space": [OTHER_RUN]})
    assert view.baseline == "" and len(problems) == 1


# --- one codec: a new field needs no parsing code ------------------------------------------------------------------


@dataclass(frozen=True)
class _NewPage:
    depth: int = 3
    share: float = 0.5
    label: str = "x"
    corpus: str = field(default="", metadata={"refers": "corpus"})
    items: tuple[str, ...] = field(default=(), metadata={"param": "item", "joined": "items"})

    def __post_init__(self) -> None:
        if self.depth < 1:
            raise ValueError(f"depth must be at least 1, got {self.depth}")


def test_a_new_record_reads_and_writes_through_the_same_codec():
    page = _NewPage(7, 0.25, "y", CORPUS, ("a", "b,c"))
    assert to_query(page) == {"depth": "7", "share": "0.25", "label": "y", "corpus": CORPUS, "item": ["a", "b,c"]}
    assert _through_url(page) == (page, [])
    assert from_query(_NewPage, {"items": "a,b", "depth": "0"}) == (
        _NewPage(items=("a", "b")),
        ["Link parameter depth='0' was ignored: depth must be at least 1, got 0."],
    )
    assert views.fields_given(_NewPage, {"items": ["a"], "label": ["z"]}) == ["label", "items"]
    assert views.refers(_NewPage, "corpus") == "corpus" and views.refers(_NewPage, "label") == ""


def test_a_field_type_the_codec_cannot_write_is_refused():
    @dataclass(frozen=True)
    class Odd:
        when: complex = 0j

    with pytest.raises(TypeError, match="Odd.when: a view field is str, int, float or tuple"):
        to_query(Odd())


# --- the Compare view's defaults: declared once, where the verdict reads them --------------------------------------


def test_the_compare_views_defaults_are_the_comparisons_own():
    view = CompareView()
    assert (view.k, view.seed, view.m) == (10, 42, comparison.DEFAULT_MAX_WORDS)
    assert views.MIN_MAP_WORDS <= view.n <= maps.MAX_MAP_WORDS
    with pytest.raises(ValueError, match=f"n must be from 100 to {maps.MAX_MAP_WORDS}"):
        CompareView(n=maps.MAX_MAP_WORDS + 1)


def test_the_modules_example_runs():
    import doctest

    assert doctest.testmod(views).failed == 0
