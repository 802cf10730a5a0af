"""The Verdict page: it opens with every kind of space, names a planted corpus's domain words and links each to
Compare, shows the numbers the Evaluate and Compare pages show, reopens from its link (and says when a link names
a deleted run), and puts an unhealthy run's warning above the answer."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
import test_pages_with_every_space as with_every_space
from conftest import ROOT, TINY_TEXT
from domain_corpus import CATEGORIES, PLANTED, domain_corpus
from streamlit.testing.v1 import AppTest

from embedlab import spaces, store, verdict
from embedlab.analysis import views
from embedlab.corpus import ReadOptions, build_corpus, corpus_from_file
from embedlab.present import verdict_view
from embedlab.training import TrainConfig, train_run
from embedlab.verdict import Reason

APP = str(ROOT / "app.py")
USES = ("Word similarity", "Retrieval", "Label task", "Small memory")
PLANTED_WORDS = {word for word, _ in PLANTED}
HEALTH_ICON = ":material/health_and_safety:"

every_space = with_every_space.every_space  # the fixture the other pages' "every kind of space" tests use


def _page(path: str = "pages/verdict.py", timeout: int = 900, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(path)
    return at.run()


def _verdict(corpus_id: str, candidates: list[str], baseline: str = "baseline") -> AppTest:
    return _page(corpus=corpus_id, space=candidates, baseline=baseline)


def _plain(text: str) -> str:
    """Markdown escaping undone: the text as the person reads it."""
    return re.sub(r"\\(.)", r"\1", text)


def _headlines(at: AppTest) -> dict[str, str]:
    """Use -> its sentence, as shown."""
    found = {}
    for element in at.markdown:
        for use in USES:
            if f"**{use}** · " in element.value:
                found[use] = _plain(element.value.split(f"**{use}** · ", 1)[1])
    return found


def _card_titles(at: AppTest) -> list[str]:
    titles = []
    for element in at.markdown:
        if match := re.search(r"\*\*\d\. ([^*]+)\*\*", element.value):
            titles.append(match.group(1))
    return titles


def _tables(at: AppTest) -> list:
    return [table.value for table in at.table]


def _table_with(at: AppTest, column: str):
    return next(table for table in _tables(at) if column in table.columns)


def _compare_links(at: AppTest) -> dict[str, dict[str, str]]:
    """Example word -> the query of its Compare link."""
    links = {}
    for element in at.get("page_link"):
        if element.proto.page.endswith("compare") and element.proto.query_string:
            links[element.proto.label] = {
                k: v[-1] for k, v in parse_qs(element.proto.query_string, keep_blank_values=True).items()
            }
    return links


def _order(at: AppTest) -> list:
    """Every element of the main area in the order shown."""

    def walk(node):
        for child in getattr(node, "children", {}).values():
            yield child
            yield from walk(child)

    return list(walk(at.main))


# --- quick: link reading, tables, wording -------------------------------------------------------------------------


def test_a_verdict_link_keeps_what_the_server_has_and_says_what_it_dropped():
    run = "run-20260101-120000-abc123"
    view, problems = views.from_query(
        views.VerdictView,
        {
            "corpus": ["c0123456789ab"],
            "space": [run, "run-20200101-000000-deadbe", "baseline", "../../etc/passwd"],
            "baseline": ["baseline"],
            "tab": ["x"],
        },
        {"space": ["baseline", run], "corpus": ["c0123456789ab"]},
    )
    assert view == views.VerdictView("c0123456789ab", (run,), "baseline")
    assert problems[0] == "Ignored unknown link parameters: tab."
    assert "run-20200101-000000-deadbe is not on this server (deleted, or another server's)" in problems[1]
    assert problems[2].startswith("Link parameter space='../../etc/passwd' was ignored: unknown space")
    query = views.to_query(view)
    assert query == {"corpus": "c0123456789ab", "space": [run], "baseline": "baseline"}
    again, none = views.from_query(
        views.VerdictView,
        query | {"corpus": ["c0123456789ab"], "baseline": ["baseline"]},
        {"space": ["baseline", run], "corpus": []},
    )
    assert none == ["The link's corpus c0123456789ab is not on this server (deleted, or another server's)."]
    assert again.spaces == (run,) and again.corpus == ""


def test_an_example_word_links_to_compares_neighbours_view_of_that_run_and_the_baseline():
    query = views.compare_word_query("c0123456789ab", "run-20260101-120000-abc123", "baseline", "banana")
    state, problems = views.from_query(views.CompareView, query)
    assert not problems and (state.a, state.b, state.word, state.tab) == (
        "run-20260101-120000-abc123",
        "baseline",
        "banana",
        "neighbours",
    )


def test_reason_tables_format_numbers_as_the_evaluate_and_compare_pages_do():
    labels = {"run-a": "Run A", "baseline": "MiniLM baseline"}
    retrieval = Reason(
        "task_context",
        "…",
        {
            "MRR@10": {
                "run-a": {"score": 0.1234, "ci_low": 0.1, "ci_high": 0.15, "items": 500},
                "baseline": {"score": 0.2, "ci_low": 0.18, "ci_high": 0.22, "items": 500},
            },
            "recall@10": {"run-a": {"score": 0.3, "ci_low": float("nan"), "ci_high": float("nan")}},
            "verdicts": {"run-a": "baseline better"},
        },
    )
    table = verdict_view.reason_table(retrieval, labels)
    assert table.to_dict("records") == [
        {
            "space": "Run A",
            "MRR@10": "0.123",
            "MRR@10 95% interval": "[+0.100, +0.150]",
            "recall@10": "0.300",
            "recall@10 95% interval": "—",
            "against the baseline": "MiniLM baseline better",
        },
        {
            "space": "MiniLM baseline",
            "MRR@10": "0.200",
            "MRR@10 95% interval": "[+0.180, +0.220]",
            "recall@10": "—",
            "recall@10 95% interval": "—",
            "against the baseline": "—",
        },
    ]
    coverage = Reason("oov", "…", {"run-a": {"token_coverage": 0.96712, "type_coverage": 0.5, "top_missing": []}})
    assert verdict_view.reason_table(coverage, labels).iloc[0]["Token coverage"] == "96.7%"
    assert verdict_view.reason_table(Reason("multimodal", "…", measured=False), labels) is None
    assert "ships with EmbedLab" in verdict_view.no_download_reason("baseline", "MiniLM baseline")
    assert verdict_view.no_download_reason("run-20260101-120000-abc123", "Run") == ""
    assert "derives it from MiniLM baseline" in verdict_view.no_download_reason("baseline@debiased", "x")


@pytest.mark.slow
def test_a_link_to_a_deleted_run_says_so_and_the_page_stays_usable(fresh_home):
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 5).encode())
    doomed = train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=1, workers=1, seed=1)).id
    store.delete_run(doomed)
    at = _verdict(corpus.id, [doomed])
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning]
    assert any(f"{doomed} is not on this server (deleted, or another server's)" in w for w in warnings), warnings
    assert at.selectbox(key="verdict_corpus").value == corpus.id
    assert at.multiselect(key="verdict_spaces").value == []
    assert any("No run trained on tiny.txt yet" in info.value for info in at.info)
    assert at.query_params["corpus"] == corpus.id and "space" not in at.query_params


@pytest.mark.slow
def test_the_page_without_a_corpus_points_to_the_corpus_page(fresh_home):
    at = _page()
    assert not at.exception and "No corpus yet" in at.info[0].value


# --- slow: real verdicts -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_page_opens_with_every_kind_of_space(every_space, monkeypatch):
    home, corpus, word2vec, fasttext, tuned, uploaded = every_space
    monkeypatch.setenv("EMBEDLAB_HOME", str(home))
    candidates = [word2vec.id, fasttext.id, tuned.id, uploaded.spec, "baseline@debiased"]
    at = _verdict(corpus.id, candidates)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.multiselect(key="verdict_spaces").value == candidates
    assert list(_headlines(at)) == list(USES)
    assert _card_titles(at) == [verdict.REASON_TITLES[key] for key in verdict.REASONS]
    kinds = _table_with(at, "kind").set_index("space")["kind"].to_dict()
    labels = spaces.space_labels([*candidates, "baseline"])
    assert kinds == {
        labels[word2vec.id]: "trained from scratch",
        labels[fasttext.id]: "trained from scratch",
        labels[tuned.id]: "fine-tuned",
        labels[uploaded.spec]: "pretrained file",
        labels["baseline@debiased"]: "derived",
        labels["baseline"]: "baseline",
    }
    assert [m.value for m in at.markdown if m.value.startswith("**Recommended space:**")]


@pytest.fixture(scope="module")
def planted_run():
    corpus = build_corpus("domain.txt", domain_corpus(planted=True))
    return corpus, train_run(corpus, TrainConfig(seeds=3, workers=1))


@pytest.mark.slow
def test_the_planted_words_are_named_and_each_opens_compare_on_that_word(planted_run):
    corpus, run = planted_run
    at = _verdict(corpus.id, [run.id])
    assert not at.exception and not at.error
    core = verdict.build_verdict(corpus, [run.id])  # the CLI's and the report's: the same verdict everywhere
    assert _headlines(at) == {verdict_view.USE_TITLES[line.use]: line.sentence for line in core.headlines}
    assert _headlines(at)["Retrieval"].startswith(f"Use {spaces.space_label(run.id)}: held-out retrieval MRR@10 ")
    domain = _table_with(at, "frequent words checked").iloc[0]
    assert domain["seed noise ruled out"] == "yes"
    examples = _table_with(at, "near it in general English")
    assert PLANTED_WORDS <= set(examples["word"])
    links = _compare_links(at)
    assert PLANTED_WORDS <= set(links)
    assert links["banana"] == views.compare_word_query(corpus.id, run.id, "baseline", "banana")

    compare = _page("pages/compare.py", **links["banana"])
    assert not compare.exception and compare.text_input(key="cmp_word").value == "banana"
    assert compare.radio(key="cmp_tab").value == "neighbours"
    here, general = (table.value["word"].tolist() for table in compare.table)
    assert set(here) <= set(CATEGORIES["vehicles"].split())  # its planted field in the run, fruits in general
    assert set(general) & set(CATEGORIES["fruits"].split())


@pytest.fixture(scope="module")
def sample_run():
    corpus = corpus_from_file(ROOT / "sample_data" / "scipy_docs.csv", ReadOptions("text", "label"))
    return corpus, train_run(corpus, TrainConfig(workers=1))


_SCORES = re.compile(
    r"scores (-?\d\.\d{3}) against (-?\d\.\d{3}).*?\(([+-]\d\.\d{3}), 95% CI \[([+-]\d\.\d{3}), ([+-]\d\.\d{3})\][;)]"
)


def _sentence_numbers(sentence: str) -> tuple[str, ...]:
    """(candidate's score, baseline's score, difference, interval low, high) as a headline writes them."""
    match = _SCORES.search(sentence)
    assert match, sentence
    return match.groups()


def _difference_text(text: str) -> tuple[str, str, str]:
    """(difference, low, high) of the Evaluate page's "+0.052 [+0.010, +0.094], p = 0.015"."""
    match = re.match(r"([+-]\d\.\d{3}) \[([+-]\d\.\d{3}), ([+-]\d\.\d{3})\]", text)
    assert match, text
    return match.groups()


@pytest.mark.slow
def test_every_number_shown_is_the_one_the_evaluate_and_compare_pages_show(sample_run):
    """On the sample corpus (labelled) with one Word2Vec run and the baseline, the verdict's numbers against the
    Evaluate and Compare pages' for the same spaces, where the pages show the same quantity:

    - held-out retrieval MRR@10 and recall@10 per space (Evaluate's benchmark table), and the MRR@10 headline's
      scores, difference and 95% interval (its "difference (95% CI), p" column);
    - WordSim-353: the headline's difference and interval (the same column); its two scores are on the pairs both
      spaces score, which Evaluate does not show (its columns score each space on every pair it covers);
    - the label task: the headline's difference and interval (Evaluate's "Accuracy, A − B" caption);
    - WEAT: each space's effect size d and its interval (Evaluate's WEAT table);
    - small memory: the MB per 100,000 words of the reduced and full sizes (Evaluate's dimension sweep);
    - coverage: token and type coverage, the baseline's split tokens (Compare's Coverage tab);
    - seed noise: the run has one seed, so neither the verdict nor Compare's What changed claims a noise floor.
    """
    corpus, run = sample_run
    label = spaces.space_label(run.id)
    evaluate = _page("pages/evaluate.py", corpus=corpus.id, spaces=f"{run.id},baseline")  # evaluate_page, longer
    evaluate.selectbox(key="eval_sweep_space").set_value("baseline").run()
    evaluate.button(key="eval_sweep_run").click().run()
    assert not evaluate.exception and not evaluate.error
    at = _verdict(corpus.id, [run.id])
    assert not at.exception and not at.error
    headlines = _headlines(at)
    table = next(f.value for f in evaluate.dataframe if "measure" in f.value.columns).set_index("measure")
    difference = "difference (95% CI), p"

    mrr = table.loc["held-out retrieval · MRR@10"]
    numbers = _sentence_numbers(headlines["Retrieval"])
    assert numbers[:2] == (f"{mrr[label]:.3f}", f"{mrr['MiniLM baseline']:.3f}")
    assert numbers[2:] == _difference_text(mrr[difference])
    retrieval = _table_with(at, "recall@10").set_index("space")
    for measure in ("MRR@10", "recall@10"):
        row = table.loc[f"held-out retrieval · {measure}"]
        for space in (label, "MiniLM baseline"):
            assert retrieval.loc[space, measure] == f"{row[space]:.3f}"

    assert _sentence_numbers(headlines["Word similarity"])[2:] == _difference_text(
        table.loc["WordSim-353 · Spearman ρ", difference]
    )

    (task,) = [c.value for c in evaluate.caption if c.value.startswith("Accuracy, ")]
    # the caption's markdown escapes the interval's brackets (plain_markdown): shown as typed, never as a link
    shown = re.search(r": ([+-]\d\.\d{3}), 95% CI \\\[([+-]\d\.\d{3}), ([+-]\d\.\d{3})\\\]", task)
    assert _sentence_numbers(headlines["Label task"])[2:] == shown.groups()

    weat = next(
        f.value for f in evaluate.dataframe if "effect size d" in f.value.columns and "test" not in f.value.columns
    ).set_index("space")
    bias = _table_with(at, "effect size d").set_index("space")
    for space in (label, "MiniLM baseline"):
        d = weat.loc[space, "effect size d"]
        assert bias.loc[space, "effect size d"] == ("—" if d != d else f"{d:.3f}")
        assert bias.loc[space, "95% interval"] == weat.loc[space, "95% interval"]

    sweep = next(f.value for f in evaluate.dataframe if "MB per 100k words" in f.value.columns).set_index("dim")
    megabytes = sweep["MB per 100k words"].map(lambda value: f"{value:.0f}")
    memory = re.search(
        r"reduced to (\d+) dimensions \(PCA\): (\d+) MB per 100,000 words instead of (\d+)", headlines["Small memory"]
    )
    if memory:
        dim, reduced, full = memory.groups()
        assert (reduced, full) == (megabytes[int(dim)], megabytes[sweep.index.max()])
    else:  # no smaller size keeps the quality
        assert f"({megabytes[sweep.index.max()]} MB per 100,000 words)" in headlines["Small memory"]

    compare = _page("pages/compare.py", corpus=corpus.id, a=run.id, b="baseline", tab="coverage")
    assert not compare.exception
    metrics = [(m.label, m.value) for m in compare.metric]
    coverage = _table_with(at, "Token coverage").set_index("space")
    run_metrics = dict(metrics[:2])
    baseline_metrics = dict(metrics[2:])
    assert coverage.loc[label, "Token coverage"] == run_metrics["Token coverage"]
    assert coverage.loc[label, "Type coverage"] == run_metrics["Type coverage"]
    # the baseline encodes every word (as Compare's Coverage tab says); it is measured by the words it splits
    assert coverage.loc["MiniLM baseline", "Token coverage"] == baseline_metrics["Words encoded"] == "100.0%"
    column = "Tokens split into 2+ word pieces"
    assert coverage.loc["MiniLM baseline", column] == baseline_metrics[column]

    assert _table_with(at, "frequent words checked").iloc[0]["seed noise ruled out"] == "no (one seed)"
    changed = _page("pages/compare.py", corpus=corpus.id, a=run.id, b="baseline", tab="changed")
    assert not changed.exception and "Beyond seed noise" not in {m.label for m in changed.metric}


@pytest.mark.slow
def test_the_link_reopens_the_same_verdict():
    from embedlab.corpus import build_corpus

    # its own corpus and run: other tests delete the session home's corpora and runs
    tiny_text_corpus = build_corpus("verdict-link.txt", (TINY_TEXT * 20 + "\nA link reopens it.\n").encode("utf-8"))
    tiny_run = train_run(tiny_text_corpus, TrainConfig(dim=16, min_count=1, epochs=5, workers=1, seed=11))
    at = _page(corpus=tiny_text_corpus.id, space="")  # nothing chosen yet: nothing computed
    assert any("Choose at least one candidate" in info.value for info in at.info)
    at.multiselect(key="verdict_spaces").set_value([tiny_run.id]).run()
    assert not at.exception and not at.error
    assert dict(at.query_params) == {"corpus": tiny_text_corpus.id, "space": tiny_run.id, "baseline": "baseline"}
    link = next(code.value for code in at.code if "/verdict" in code.value or "corpus=" in code.value)
    assert f"corpus={tiny_text_corpus.id}&space={tiny_run.id}&baseline=baseline" in link
    reopened = _page(**at.query_params)  # a new session from the link alone
    assert not reopened.exception
    assert reopened.multiselect(key="verdict_spaces").value == [tiny_run.id]
    assert _headlines(reopened) == _headlines(at) and list(_headlines(at)) == list(USES)
    assert _card_titles(reopened) == _card_titles(at)


@pytest.fixture(scope="module")
def word_list_run(tmp_path_factory):
    """A word list: one word a line, no context window anywhere (as in test_health.py): a run that learns nothing."""
    import random

    rand = random.Random(15)
    words = [a + b + c for a in "bdfgklmnprst" for b in "aeiou" for c in ("", "n", "r")][:88]
    path = tmp_path_factory.mktemp("word-list") / "word-list.txt"
    path.write_text("\n".join(rand.choice(words) for _ in range(1_500)) + "\n", encoding="utf-8")
    corpus = corpus_from_file(path)
    return corpus, train_run(corpus, TrainConfig(workers=1))


@pytest.mark.slow
def test_an_unhealthy_candidate_is_warned_about_above_the_answer(word_list_run):
    corpus, run = word_list_run
    at = _verdict(corpus.id, [run.id])
    assert not at.exception and not at.error
    shown = _order(at)
    (warning,) = [i for i, e in enumerate(shown) if getattr(e, "icon", None) == HEALTH_ICON]
    assert "Learned nothing" in shown[warning].value and spaces.space_label(run.id) in _plain(shown[warning].value)
    too_small = next(i for i, e in enumerate(shown) if "too small for any claim" in str(getattr(e, "value", "")))
    first_headline = next(i for i, e in enumerate(shown) if "**Word similarity** · " in str(getattr(e, "value", "")))
    assert warning < too_small < first_headline


@pytest.mark.slow
def test_labels_that_cannot_be_cross_validated_are_explained_on_the_verdict_and_evaluate_pages():
    import csv
    import io

    from conftest import NOTE_TOPICS

    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.training import TrainConfig, train_run

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "label"])
    for i in range(80):  # one label of 60 documents, twenty labels of one document each
        topic = NOTE_TOPICS[i % len(NOTE_TOPICS)]
        writer.writerow([f"Note {i} is about {topic}. It explains {topic} with care.", "a" if i < 60 else f"b{i}"])
    corpus = build_corpus("one-label.csv", out.getvalue().encode(), ReadOptions("text", "label"))
    run = train_run(corpus, TrainConfig(dim=16, min_count=1, epochs=5, workers=1))
    problem = "one-label.csv: 1 label has at least 5 documents; a classifier needs two or more to cross-validate"

    at = _verdict(corpus.id, [run.id])
    assert not at.exception and not at.error
    assert _headlines(at)["Label task"] == f"Not enough evidence: {problem}; label more documents to measure it"
    assert "Retrieval" in _headlines(at) and "Word similarity" in _headlines(at)  # the rest of the verdict stands
    assert any(problem in _plain(caption.value) for caption in at.caption)  # the task card, not measured here

    evaluate = _page("pages/evaluate.py", corpus=corpus.id, spaces=f"{run.id},baseline")
    assert not evaluate.exception and not evaluate.error
    assert any(_plain(info.value) == f"No task to score: {problem}." for info in evaluate.info)
