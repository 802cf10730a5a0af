"""A run is judged on its own corpus: the pages open on a run with the corpus it was trained on, never on a run of
another corpus; a run the user judges elsewhere says "trained on X, judged on Y" on every page, in the CLI (stderr
and ``judged_elsewhere`` in the JSON) and in the report.

Issue 24, point 1: the Verdict opened on the kernel docs with a run trained on package descriptions and said "187 of
1,247 frequent words are used differently here", with check marks.
"""

from __future__ import annotations

import dataclasses
import json
import os

import pytest
from conftest import TINY_TEXT, app_page, notes_text

from embedlab import spaces, store
from embedlab.cli import main
from embedlab.corpus import build_corpus


def _fake_run(corpus_id: str, suffix: str, created_at: int) -> str:
    """A Word2Vec run's registry row (and its folder, so pages list it), without training."""
    run_id = f"run-20261201-1200{created_at:02d}-{suffix}"
    (store.runs_dir() / run_id).mkdir(parents=True, exist_ok=True)
    store.add_run(run_id, corpus_id, "word2vec", {"dim": 8, "sg": 0, "epochs": 1, "seed": 1}, 10, 1.0)
    return run_id


@pytest.fixture
def two_corpora(fresh_home):
    """Corpus ``notes.txt`` with a run, then ``tiny.txt`` with a run (the newest), registry rows only."""
    notes = build_corpus("notes.txt", notes_text(12))
    on_notes = _fake_run(notes.id, "aaaaaa", 1)
    tiny = build_corpus("tiny.txt", TINY_TEXT.encode())
    on_tiny = _fake_run(tiny.id, "bbbbbb", 2)
    return notes, on_notes, tiny, on_tiny


def test_a_run_knows_its_corpus_and_copies_of_it_too(two_corpora):
    notes, on_notes, tiny, _ = two_corpora
    assert spaces.trained_corpus(on_notes) == notes.id
    assert spaces.trained_corpus(f"{on_notes}@debiased") == notes.id
    assert spaces.trained_corpus(f"{on_notes}@context") == notes.id
    assert spaces.trained_corpus("baseline") is None
    assert spaces.trained_corpus("vectors:/tmp/glove.txt") is None
    assert spaces.trained_corpus("not a spec") is None
    assert spaces.trained_corpus("run-20200101-000000-000000") is None  # no such run


def test_only_runs_trained_elsewhere_are_mismatches(two_corpora):
    notes, on_notes, tiny, on_tiny = two_corpora
    specs = [on_notes, on_tiny, f"{on_tiny}@debiased", "baseline", "vectors:/tmp/glove.txt"]
    found = spaces.corpus_mismatches(specs, notes.id)
    assert list(found) == [on_tiny, f"{on_tiny}@debiased"]
    assert found[on_tiny].note == "trained on tiny.txt, judged on notes.txt"
    assert found[on_tiny].to_dict() == {
        "space": on_tiny,
        "trained_on": {"id": tiny.id, "name": "tiny.txt"},
        "judged_on": {"id": notes.id, "name": "notes.txt"},
        "note": "trained on tiny.txt, judged on notes.txt",
    }
    assert spaces.corpus_mismatches(specs, None) == {}  # no corpus: nothing is judged
    assert list(spaces.corpus_mismatches(specs, tiny.id)) == [on_notes]


def test_the_same_file_name_read_another_way_names_both_ids(two_corpora):
    notes, on_notes, _, _ = two_corpora
    from embedlab.corpus import ReadOptions, TokenizeOptions

    other = build_corpus("notes.txt", notes_text(12), ReadOptions(), TokenizeOptions(lowercase=False))
    assert other.id != notes.id
    note = spaces.corpus_mismatches([on_notes], other.id)[on_notes].note
    assert note == f"trained on notes.txt ({notes.id}), judged on notes.txt ({other.id})"


def test_labels_say_where_a_run_was_trained_and_judged(two_corpora):
    notes, on_notes, tiny, on_tiny = two_corpora
    at_home = spaces.space_labels([on_notes, on_tiny, "baseline"], judged_on=tiny.id)
    assert at_home[on_tiny] == "Word2Vec · dim 8 · tiny.txt · bbbbbb"
    assert at_home[on_notes] == "Word2Vec · dim 8 · trained on notes.txt, judged on tiny.txt · aaaaaa"
    assert at_home["baseline"] == spaces.BASELINE_LABEL
    assert spaces.space_labels([on_notes])[on_notes] == "Word2Vec · dim 8 · notes.txt · aaaaaa"  # no corpus: as is


def test_defaults_are_the_runs_of_the_corpus(two_corpora):
    notes, on_notes, tiny, on_tiny = two_corpora
    choices = spaces.space_choices()
    assert spaces.runs_trained_on(notes.id, choices) == [on_notes]
    assert spaces.runs_trained_on(tiny.id, choices) == [on_tiny]
    assert spaces.default_comparison(choices, notes.id) == on_notes
    assert spaces.default_comparison(choices, tiny.id) == on_tiny
    assert spaces.newest_trained_corpus([notes.id, tiny.id]) == tiny.id
    assert spaces.newest_trained_corpus([notes.id]) == notes.id
    empty = build_corpus("empty-of-runs.txt", b"some words here and there again and again")
    assert spaces.default_comparison(choices, empty.id) == spaces.BASELINE  # never a run of another corpus
    assert spaces.runs_trained_on(empty.id, choices) == []


def test_the_report_says_a_run_is_judged_elsewhere(two_corpora):
    from conftest import make_space

    from embedlab.present import report

    notes, on_notes, tiny, on_tiny = two_corpora
    words = ["matrix", "sparse", "solver", "signal", "spectrum"]
    vectors = [[1, 0, 0], [0.9, 0.1, 0], [0.8, 0.2, 0.1], [0, 1, 0], [0, 0.9, 0.2]]
    a, b = make_space(words, vectors, name=on_notes), make_space(words, vectors, name=on_tiny)
    settings = report.ReportSettings(sections=(report.Section.SUMMARY,))
    html = report.build_report(a, b, tiny, settings)
    assert "trained on notes.txt, judged on tiny.txt" in html
    assert html.count("judged on") == 1  # B is at home on tiny.txt
    on_notes_html = report.build_report(a, b, notes, settings)
    assert "trained on tiny.txt, judged on notes.txt" in on_notes_html and on_notes_html.count("judged on") == 1


@pytest.mark.slow
class TestPagesOpenOnARunWithItsOwnCorpus:
    """Two corpora uploaded in turn, a real Word2Vec run on each: each page opened with no link pairs the newest
    run with its own corpus; choosing the other corpus brings its own run; picking a run of another corpus by
    hand says so."""

    @pytest.fixture(scope="class")
    def home(self, tmp_path_factory):
        from embedlab import training

        folder = tmp_path_factory.mktemp("own-corpus-home")
        previous = os.environ["EMBEDLAB_HOME"]
        os.environ["EMBEDLAB_HOME"] = str(folder)
        try:
            notes = build_corpus("notes.txt", notes_text(60))
            config = training.TrainConfig(dim=8, min_count=1, epochs=1, workers=1, seed=1)
            strict = training.train_run(notes, dataclasses.replace(config, min_count=20)).id  # the oldest
            on_notes = training.train_run(notes, config).id
            tiny = build_corpus("tiny.txt", (TINY_TEXT * 10).encode())
            on_tiny = training.train_run(tiny, config).id
            yield folder, notes, on_notes, tiny, on_tiny, strict
        finally:
            os.environ["EMBEDLAB_HOME"] = previous

    @pytest.fixture(autouse=True)
    def _home(self, home, monkeypatch):
        monkeypatch.setenv("EMBEDLAB_HOME", str(home[0]))

    @staticmethod
    def _page(page: str, **query: str):
        return app_page(page, **query)

    def test_compare_opens_on_the_newest_run_and_follows_the_corpus(self, home):
        _, notes, on_notes, tiny, on_tiny, _ = home
        at = self._page("pages/compare.py")
        assert not at.exception
        assert at.selectbox(key="cmp_corpus").value == tiny.id and at.selectbox(key="cmp_a").value == on_tiny
        assert not [w for w in at.warning if "judged on" in w.value]
        at.selectbox(key="cmp_corpus").set_value(notes.id).run()
        assert not at.exception
        assert at.selectbox(key="cmp_a").value == on_notes  # its own run came with it
        assert not [w for w in at.warning if "judged on" in w.value]

    def test_a_run_picked_on_another_corpus_says_so(self, home):
        _, notes, on_notes, tiny, on_tiny, _ = home
        at = self._page("pages/compare.py", corpus=notes.id, a=on_tiny, b="baseline")
        assert not at.exception
        assert at.selectbox(key="cmp_a").value == on_tiny  # the link's choice is kept
        (warning,) = [w.value for w in at.warning if "may never have seen" in w.value]
        assert "trained on tiny.txt, judged on notes.txt" in warning
        assert any("trained on tiny.txt, judged on notes.txt" in option for option in at.selectbox(key="cmp_a").options)
        at.selectbox(key="cmp_corpus").set_value(tiny.id).run()  # a choice the person made stays theirs
        assert at.selectbox(key="cmp_a").value == on_tiny and not [w for w in at.warning if "judged on" in w.value]

    def test_a_word_outside_the_shared_words_counts_every_shared_word_as_a_neighbour(self, home):
        _, notes, on_notes, tiny, on_tiny, _ = home
        word = "cholesky"  # in the run on tiny.txt, not a word of notes.txt: not among the shared words
        assert word not in notes.counts
        at = self._page("pages/compare.py", corpus=notes.id, a=on_tiny, b="baseline", word=word, k="100")
        assert not at.exception
        shared = len(set(spaces.load_space(on_tiny, notes).words) & set(notes.counts))
        (note,) = [w.value for w in at.warning if w.value.startswith("Only ")]
        assert (
            note
            == f"Only {shared:,} other words are in both spaces, so each list holds {shared:,} neighbours, not 100."
        )
        assert [len(table.value) for table in at.table[:2]] == [shared, shared]

    def test_evaluate_opens_on_the_newest_run_of_its_corpus(self, home):
        _, notes, on_notes, tiny, on_tiny, _ = home
        at = self._page("pages/evaluate.py")
        assert not at.exception
        assert at.selectbox(key="eval_corpus").value == tiny.id
        assert at.multiselect(key="eval_spaces").value == [on_tiny, "baseline"]
        at.selectbox(key="eval_corpus").set_value(notes.id).run()
        assert not at.exception and at.multiselect(key="eval_spaces").value == [on_notes, "baseline"]

    def test_evaluate_names_a_run_judged_elsewhere(self, home):
        _, notes, on_notes, tiny, on_tiny, _ = home
        at = self._page("pages/evaluate.py", corpus=notes.id, spaces=f"{on_tiny},baseline")
        assert not at.exception
        (warning,) = [w.value for w in at.warning if "may never have seen" in w.value]
        assert "trained on tiny.txt, judged on notes.txt" in warning
        table = next(f.value for f in at.dataframe if "measure" in f.value.columns)
        assert any("trained on tiny.txt, judged on notes.txt" in str(column) for column in table.columns)

    def test_verdict_opens_on_the_runs_of_its_corpus(self, home):
        _, notes, on_notes, tiny, on_tiny, _ = home
        at = self._page("pages/verdict.py")
        assert not at.exception
        assert at.selectbox(key="verdict_corpus").value == tiny.id
        assert at.multiselect(key="verdict_spaces").value == [on_tiny]
        assert not [w for w in at.warning if "judged on" in w.value]

    def test_verdict_on_another_corpus_says_so_next_to_its_findings(self, home):
        _, notes, on_notes, tiny, on_tiny, _ = home
        at = self._page("pages/verdict.py", corpus=notes.id, space=on_tiny)
        assert not at.exception
        assert [w.value for w in at.warning if "judged on" in w.value]
        headlines = [m.value for m in at.markdown if "trained on tiny.txt, judged on notes.txt" in m.value]
        assert headlines  # the answers name the run with where it was trained and judged

    def test_cli_says_so_on_stderr_and_in_the_json(self, home, capsys, tmp_path):
        _, notes, on_notes, tiny, on_tiny, _ = home
        path = tmp_path / "notes.txt"
        path.write_bytes(notes_text(60))
        assert main(["compare", "--corpus", str(path), "--a", on_tiny, "--b", on_notes, "--json"]) == 0
        captured = capsys.readouterr()
        out = json.loads(captured.out)
        assert [entry["space"] for entry in out["judged_elsewhere"]] == [on_tiny]
        assert out["judged_elsewhere"][0]["note"] == "trained on tiny.txt, judged on notes.txt"
        assert "note: " in captured.err and "trained on tiny.txt, judged on notes.txt" in captured.err
        assert main(["neighbors", "--corpus", str(path), "--space", on_notes, "--word", "note", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["judged_elsewhere"] == []

    def test_compare_lists_are_the_clis_lists_and_name_what_they_leave_out(self, home, capsys, tmp_path):
        """One rule on both: neighbours among the words both spaces hold (``neighbors --among``); the words the
        baseline alone ranks but the run lacks (seen under its min_count) are named on the page."""
        _, notes, _, _, _, strict = home
        at = self._page("pages/compare.py", corpus=notes.id, a=strict, b="baseline", word="sparse", k="10")
        assert not at.exception
        page_a, page_b = (list(table.value["word"]) for table in at.table[:2])
        path = tmp_path / "notes.txt"
        path.write_bytes(notes_text(60))

        def cli(*args: str) -> list[str]:
            assert main(["neighbors", "--corpus", str(path), "--word", "sparse", "--k", "10", "--json", *args]) == 0
            return [found["word"] for found in json.loads(capsys.readouterr().out)["neighbors"]]

        assert cli("--space", "baseline", "--among", strict) == page_b
        assert cli("--space", strict, "--among", "baseline") == page_a
        shared = set(spaces.load_space(strict, notes).words)
        left_out = [word for word in cli("--space", "baseline") if word not in shared]
        assert left_out  # words seen under 20 times: the baseline ranks them, the run never learned them
        (caption,) = [c.value for c in at.caption if "Among all its own words, B also ranks" in c.value]
        assert all(word in caption for word in left_out)
        assert not [c.value for c in at.caption if "Among all its own words, A" in c.value]  # A holds fewer words


def test_a_run_sharing_no_checkable_word_gives_no_domain_finding():
    """Zero words checked is no evidence either way: "not measured", never "no sign of domain language"."""
    import math

    from embedlab.verdict.build import _domain_reason
    from embedlab.verdict.domain import DomainLanguage

    reason = _domain_reason({"run": DomainLanguage("run", "baseline", 0, math.nan, (), False, 10)}, {"run": "R"})
    assert reason.measured is False and reason.finding.startswith("Not measured: 0 words of this corpus could be")
    assert "No sign" not in reason.finding
