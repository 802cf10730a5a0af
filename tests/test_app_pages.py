"""One AppTest per page: the page runs without an exception and shows what it should."""

from __future__ import annotations

import base64
import json
import re
import time

import numpy as np
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from embedlab import spaces, store
from embedlab.analysis import views

pytestmark = pytest.mark.slow

APP = str(ROOT / "app.py")


def _app(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    return at.run()


def _warnings(at: AppTest) -> list[str]:
    """The page's warnings, the run-health ones aside (the tiny test runs are flagged; see test_health.py)."""
    return [w.value for w in at.warning if w.icon != ":material/health_and_safety:"]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_corpus_page_processes_the_sample_corpus(sample_csv_path):
    at = _app("pages/corpus.py")  # "/" opens the Verdict once a run exists, as other tests' runs do here
    assert not at.exception
    at.radio(key="corpus_source").set_value("Sample corpus").run()
    at.selectbox(key="corpus_sample").set_value(sample_csv_path.name).run()
    assert at.selectbox(key="corpus_text_column").value == "text"  # guessed from the column name
    at.selectbox(key="corpus_label_column").set_value("label").run()
    at.button(key="corpus_process").click().run()
    assert not at.exception and not at.error
    rows = sum(1 for _ in sample_csv_path.open(encoding="utf-8")) - 1
    metrics = _metrics(at)
    assert int(metrics["Documents"].replace(",", "")) == rows
    assert int(metrics["Labels"]) >= 10
    top = at.dataframe[0].value
    assert list(top.columns) == ["word", "count"] and top["count"].is_monotonic_decreasing
    assert at.get("plotly_chart")


def test_train_page_without_corpus_points_to_the_corpus_page(fresh_home):
    at = _app("pages/train.py")
    assert not at.exception
    assert "No corpus yet" in at.info[0].value


def test_train_page_runs_a_job_to_a_run(fresh_home):
    from conftest import TINY_TEXT

    from embedlab.corpus import build_corpus

    built = build_corpus("tiny.txt", (TINY_TEXT * 30).encode())
    at = _app("pages/train.py")
    assert at.selectbox(key="train_corpus").value == built.id
    at.number_input(key="train_min_count").set_value(1)
    at.number_input(key="train_epochs").set_value(2)
    at.number_input(key="train_dim").set_value(8)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception and not at.error
    deadline = time.time() + 90
    while time.time() < deadline and not at.success:
        time.sleep(0.5)
        at.run()
    assert at.success, [e.value for e in at.error]
    runs = store.list_runs()
    assert len(runs) == 1 and runs[0].id in at.success[0].value
    table = at.dataframe[0].value  # runs and corpora by their readable names, never by raw id
    assert table["run"].tolist() == [spaces.space_label(runs[0].id)] and table["corpus"].tolist() == ["tiny.txt"]


def test_train_page_shows_a_failed_job_message(fresh_home):
    from embedlab.corpus import build_corpus

    build_corpus("two.txt", b"alpha beta gamma")
    at = _app("pages/train.py")
    at.number_input(key="train_min_count").set_value(50)
    at.button[0].click().run()
    deadline = time.time() + 60
    while time.time() < deadline and not at.error:
        time.sleep(0.5)
        at.run()
    assert "min_count=50 leaves 0 words" in at.error[0].value
    assert "Traceback" not in at.error[0].value


@pytest.fixture
def compare_query(tiny_text_corpus, tiny_run) -> dict[str, str]:
    state = views.CompareView(corpus=tiny_text_corpus.id, a=tiny_run.id, b="baseline", word="matrix", k=5)
    return views.to_query(state)


def test_compare_page_opens_a_shared_link(compare_query, tiny_run):
    at = _app("pages/compare.py", **compare_query)
    assert not at.exception and not _warnings(at)
    assert at.selectbox(key="cmp_a").value == tiny_run.id
    assert at.text_input(key="cmp_word").value == "matrix"
    neighbours_a, neighbours_b = (table.value for table in at.table)  # A's table, then B's
    assert len(neighbours_a) == len(neighbours_b) == 5
    assert "matrix" not in set(neighbours_a["word"]) | set(neighbours_b["word"])
    both = set(neighbours_a["word"]) & set(neighbours_b["word"])
    assert set(neighbours_a.loc[neighbours_a["in both"] == "✓", "word"]) == both
    assert _metrics(at)["Jaccard@5 for “matrix”"] == f"{len(both) / (10 - len(both)):.2f}"
    assert at.query_params["word"] == "matrix" and at.query_params["k"] == "5"


def test_compare_page_without_a_word_offers_the_corpus_s_typical_words_and_a_pick_opens_it(compare_query):
    at = _app("pages/compare.py", **{**compare_query, "word": ""})
    assert not at.exception
    assert "typical words" in at.info[0].value
    hints = at.button_group(key="cmp_hint").options
    assert "matrix" in hints and "spectrum" in hints and not {"the", "a", "of", "is"} & set(hints)
    assert at.text_input(key="cmp_word").placeholder == f"a word from the corpus, e.g. {hints[0]}"
    at.button_group(key="cmp_hint").set_value("spectrum").run()
    assert at.text_input(key="cmp_word").value == "spectrum" and at.query_params["word"] == "spectrum"
    assert _metrics(at).get("Jaccard@5 for “spectrum”") is not None


def test_compare_page_explains_bad_link_parameters(compare_query):
    at = _app(
        "pages/compare.py",
        **{**compare_query, "k": "lots", "tab": "nowhere", "palette": "red", "a": "run-20200101-000000-abcdef"},
    )
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "k='lots'" in warnings and "not a whole number" in warnings
    assert "tab='nowhere'" in warnings
    assert "unknown link parameters: palette" in warnings
    assert "run-20200101-000000-abcdef is not on this server" in warnings
    assert at.slider(key="cmp_k").value == 10  # the default, since the link's k was unusable


def test_compare_page_unknown_word_says_so(compare_query):
    at = _app("pages/compare.py", **{**compare_query, "word": "matrx"})
    assert not at.exception
    assert "'matrx' is not in" in at.error[0].value and "did you mean matrix" in at.error[0].value


def test_compare_page_coverage_tab(compare_query, tiny_text_corpus):
    at = _app("pages/compare.py", **{**compare_query, "tab": "coverage"})
    assert not at.exception and not at.error
    metrics = [(m.label, m.value) for m in at.metric]
    assert ("Token coverage", "100.0%") in metrics  # the run kept every word (min_count=1)
    assert any(label == "Tokens split into 2+ word pieces" for label, _ in metrics)
    # B (the baseline) speaks as Neighbours does: it encodes every word, and lists the ones it splits into pieces
    assert ("Words encoded", "100.0%") in metrics and [label for label, _ in metrics].count("Token coverage") == 1
    split = at.dataframe[-1].value  # B's column: the words its tokenizer splits
    assert "eigendecomposition" in set(split["word"]) and set(split.columns) == {"word", "count", "pieces"}
    assert "0 seen fewer than min_count times in its training corpus, 0 not in its training corpus" in " ".join(
        c.value for c in at.caption
    )  # the run (min_count=1) was trained on this very corpus


def test_compare_page_map_tab_highlights_the_word_in_both_maps(compare_query):
    at = _app("pages/compare.py", **{**compare_query, "tab": "map", "n": "100"})
    assert not at.exception and not at.error
    figure = at.get("plotly_chart")[0].proto.spec
    assert '"query"' in figure and '"matrix"' in figure
    assert figure.count('"name":"query"') == 2  # the query point drawn in map A and map B
    assert '"name":"neighbours in A"' in figure and '"name":"neighbours in B"' in figure  # each map its own
    assert any("nearest neighbours of 'matrix' in A" in caption.value for caption in at.caption)


def test_train_page_shows_progress_and_cancels_a_running_job(fresh_home):
    from gensim.test.utils import datapath

    from embedlab.corpus import build_corpus
    from embedlab.training import jobs

    with open(datapath("lee_background.cor"), "rb") as handle:
        build_corpus("lee.txt", handle.read())
    at = _app("pages/train.py")
    at.number_input(key="train_epochs").set_value(1000)
    at.number_input(key="train_min_count").set_value(1)
    at.button[0].click().run()
    deadline = time.time() + 60
    while time.time() < deadline:
        at.run()
        bars = at.get("progress")
        if bars and "words/s" in bars[0].proto.text:
            break
        time.sleep(0.5)
    text = at.get("progress")[0].proto.text
    assert "running · epoch " in text and "/1000" in text and "words/s" in text and "ETA" in text
    job_id = jobs.list_jobs()[0].id
    at.button(key=f"cancel_{job_id}").click().run()
    assert jobs.get_job(job_id).status == "cancelled"
    assert "— cancelled: cancelled by you; nothing was saved" in at.warning[0].value
    assert store.list_runs() == []


def test_encodings_for_the_evaluate_page_show_a_progress_bar_once_per_session(monkeypatch, tiny_text_corpus):
    import streamlit as st

    from embedlab import ui
    from embedlab.spaces import baseline

    class Bar:
        def __init__(self, value, text):
            self.shown = [(value, text)]
            self.emptied = False

        def progress(self, value, text):
            self.shown.append((value, text))

        def empty(self):
            self.emptied = True

    ui.load_space("baseline", tiny_text_corpus.id)  # its own bar (if any) is not the encoding's
    bars = []
    monkeypatch.setattr(st, "progress", lambda value, text: bars.append(Bar(value, text)) or bars[-1])
    monkeypatch.setattr(st, "session_state", {})
    texts = [f"document number {i} about sparse matrices" for i in range(baseline.PROGRESS_EVERY + 88)]
    ui.encode_with_progress("baseline", tiny_text_corpus.id, texts, "documents")
    assert len(bars) == 1 and bars[0].emptied
    assert bars[0].shown == [
        (0.0, f"Encoding {len(texts):,} documents with baseline…"),
        (baseline.PROGRESS_EVERY / len(texts), f"Encoding {len(texts):,} documents with baseline: 85%"),
        (1.0, f"Encoding {len(texts):,} documents with baseline: 100%"),
    ]
    ui.encode_with_progress("baseline", tiny_text_corpus.id, texts, "documents")  # then from the disk cache
    assert len(bars) == 1
    ui.encode_with_progress("baseline", tiny_text_corpus.id, texts[:3], "documents")  # other texts: a new bar
    assert len(bars) == 2 and bars[1].shown[-1][0] == 1.0


def test_app_warms_up_umap_in_the_background_and_the_sidebar_says_when_maps_are_ready(monkeypatch):
    from embedlab.analysis import maps

    def sidebar() -> list[str]:  # a fresh session: AppTest runs only the page, not app.py, on a rerun
        at = _app("pages/corpus.py")
        assert not at.exception
        return [element.value for element in at.sidebar.children.values()]

    monkeypatch.setattr(maps.warmed_up, "is_set", lambda: False)  # as in a server that has just started
    assert "UMAP is still compiling in the background" in sidebar()[-1]
    monkeypatch.undo()
    assert maps.warmed_up.wait(timeout=180), "UMAP was not warmed up after the app started"
    assert sidebar()[-1] == ":material/check_circle: Maps ready"


def test_streamlit_config_keeps_usage_stats_off_and_the_upload_limit_in_step():
    import tomllib

    from embedlab import config

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["server"]["maxUploadSize"] == config.MAX_UPLOAD_MB
    # a full collection after every script run held the GIL for 0.3-0.5 s once UMAP was compiled
    assert settings["runner"]["postScriptGC"] is False


def test_load_space_shows_progress_only_while_the_space_is_not_in_memory(monkeypatch, tiny_run, tiny_text_corpus):
    import gc

    from embedlab import spaces, ui
    from embedlab.ui import cache

    shown, reports = [], []

    def wait_with_progress(message, work):
        shown.append(message)
        return work(reports.append)

    monkeypatch.setattr(cache, "wait_with_progress", wait_with_progress)
    cache._load_space.clear()
    space = ui.load_space(tiny_run.id, tiny_text_corpus.id)
    assert shown == [f"Loading {spaces.space_label(tiny_run.id)}…"]
    assert ui.load_space(tiny_run.id, tiny_text_corpus.id) is space and len(shown) == 1
    ui.load_space("baseline", tiny_text_corpus.id)
    assert shown[-1].startswith("Encoding the corpus words with all-MiniLM-L6-v2") and len(shown) == 2
    ui.load_space("baseline@context", tiny_text_corpus.id)
    assert shown[-1].startswith("Reading the corpus words in their sentences with MiniLM")
    assert reports and reports == sorted(reports) and reports[-1] == 1.0  # the read in context reports its way

    cache._load_space.clear()  # evicted: once nothing holds it, loading it again shows the bar again
    del space
    gc.collect()
    ui.load_space(tiny_run.id, tiny_text_corpus.id)
    assert shown[-1] == f"Loading {spaces.space_label(tiny_run.id)}…" and len(shown) == 4


def test_a_wait_shows_a_bar_with_the_share_done_and_an_eta_then_removes_it(monkeypatch):
    import time

    import streamlit as st

    from embedlab.ui import progress

    texts, removed = [], []

    class Bar:
        def progress(self, fraction, text):
            texts.append((fraction, text))

        def empty(self):
            removed.append(True)

    def st_progress(fraction, text):
        texts.append((fraction, text))
        return Bar()

    monkeypatch.setattr(st, "progress", st_progress)
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)

    def work(report):
        for step in range(1, 5):
            time.sleep(0.4)
            report(step / 4)
        return "done"

    assert progress.wait_with_progress("Encoding…", work) == "done"
    assert texts and all(text.startswith("Encoding… ") for _, text in texts) and removed == [True]
    assert [f for f, _ in texts] == sorted(f for f, _ in texts)
    assert any("s left" in text for _, text in texts)
    texts.clear()
    assert progress.wait_with_progress("Projecting…", lambda report: time.sleep(0.8) or 7, estimate_seconds=100) == 7
    assert texts and all("(estimated)" in text and 0 < f < 0.05 for f, text in texts)  # the clock, not the work

    def failing(report):
        raise ValueError("no words")

    with pytest.raises(ValueError, match="no words"):
        progress.wait_with_progress("Loading…", failing)
    assert progress.eta_text(0.5, 10.0) == "about 10 s left" and progress.eta_text(0.01, 10.0) == ""


def test_compare_page_what_changed_tab_filters_by_band_and_score(compare_query, tiny_run, tiny_text_corpus):
    from embedlab import analysis, spaces

    query = {**compare_query, "tab": "changed", "band": "20–49", "lo": "0.0", "hi": "0.5"}
    at = _app("pages/compare.py", **query)
    assert not at.exception and not at.error and not _warnings(at)
    assert at.selectbox(key="cmp_band").value == "20–49"
    assert at.slider(key="cmp_range").value == (0.0, 0.5)
    _, frame = analysis.compare_spaces(
        spaces.load_space(tiny_run.id), spaces.load_space("baseline", tiny_text_corpus), 5, 20_000, 42
    )
    ranking = analysis.rank_changes(frame)  # content words only, ties by deep overlap
    listed = ranking.words
    expected = listed[(listed["band"] == "20–49") & (listed["jaccard"] <= 0.5)]
    most_changed = at.table[0].value
    assert most_changed["word"].tolist() == expected["word"].head(15).tolist()
    captions = " ".join(c.value for c in at.caption)
    assert f"{len(expected):,} of {len(frame):,} scored words match the filters" in captions
    assert ranking.tie_caption() in captions
    assert f"{ranking.ties:,} of {len(listed):,} scored words tie at Jaccard 0" in captions
    assert not set(frame[frame["kind"] != "content"]["word"]) & set(most_changed["word"])
    assert at.query_params["band"] == "20–49" and at.query_params["hi"] == "0.5"
    assert not [f for f in at.dataframe if "rank overlap" in f.value.columns]  # the full table: only on request
    at.toggle(key="cmp_show_all").set_value(True).run()
    (full,) = [f.value for f in at.dataframe if "rank overlap" in f.value.columns]
    assert full["word"].tolist() == expected["word"].tolist()
    # picking a word opens its neighbour lists
    picked = expected["word"].iloc[1]
    at.selectbox(key="cmp_pick").set_value(picked).run()
    assert at.text_input(key="cmp_word").value == picked
    assert any(m.label == f"Jaccard@5 for “{picked}”" for m in at.metric)


def test_compare_page_all_words_toggle_shows_function_words_and_goes_in_the_link(
    compare_query, tiny_run, tiny_text_corpus
):
    from embedlab import analysis, spaces

    at = _app("pages/compare.py", **{**compare_query, "tab": "changed"})
    assert not at.exception and at.toggle(key="cmp_all_words").value is False
    assert at.query_params["words"] == "content"
    _, frame = analysis.compare_spaces(
        spaces.load_space(tiny_run.id), spaces.load_space("baseline", tiny_text_corpus), 5, 20_000, 42
    )
    hidden = set(frame[frame["kind"] != "content"]["word"])
    assert {"the", "of", "a"} <= hidden
    assert not hidden & set(at.table[0].value["word"]) and not hidden & set(at.table[1].value["word"])
    at.toggle(key="cmp_all_words").set_value(True).run()
    assert at.query_params["words"] == "all"
    everything = analysis.rank_changes(frame, all_words=True)
    assert at.table[0].value["word"].tolist() == everything.words["word"].head(15).tolist()
    captions = " ".join(c.value for c in at.caption)
    assert everything.tie_caption() in captions and "are hidden" not in captions
    # a link with words=all opens with the toggle on
    linked = _app("pages/compare.py", **{**compare_query, "tab": "changed", "words": "all"})
    assert linked.toggle(key="cmp_all_words").value is True


def test_compare_page_unknown_band_in_a_link_says_so(compare_query):
    at = _app("pages/compare.py", **{**compare_query, "tab": "changed", "band": "5,000+"})
    assert not at.exception
    assert "No scored word is in the frequency band 5,000+" in _warnings(at)[0]
    assert at.selectbox(key="cmp_band").value == ""


def test_compare_page_coverage_in_depth(compare_query):
    at = _app("pages/compare.py", **{**compare_query, "tab": "coverage"})
    assert not at.exception and not at.error
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # coverage bars, coverage by band, the baseline's pieces histogram
    assert '"token coverage"' in charts[0].proto.spec and '"mode":"lines+markers"' in charts[1].proto.spec
    worst = at.table[0].value
    assert "eigendecomposition" in set(worst["word"])
    row = worst.set_index("word").loc["eigendecomposition"]
    assert row["split"] == "e ##igen ##de ##com ##position" and int(row["pieces"]) == 5
    downloads = at.get("download_button")
    assert len(downloads) == 2  # one CSV per space: the run's missing words, the words the baseline splits


def test_compare_page_map_colours_by_change_and_draws_moves(compare_query):
    at = _app("pages/compare.py", **{**compare_query, "tab": "map", "n": "100", "colour": "change", "moves": "1"})
    assert not at.exception and not at.error
    assert at.toggle(key="cmp_moves").value is True
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"colorscale"' in spec and "Jaccard@5" in spec
    assert '"name":"moved from A"' in spec


def test_compare_page_builds_a_downloadable_report(compare_query, tiny_run):
    at = _app("pages/compare.py", **{**compare_query, "n": "100"})
    at.text_input(key="cmp_report_words").set_value("matrix, sparse")
    at.button(key="cmp_report_build").click().run()
    assert not at.exception and not at.error
    download = at.get("download_button")[-1].proto
    assert download.label == "Download the report"
    report = at.session_state["cmp_report"][0].decode()
    assert "“matrix”" in report and "“sparse”" in report and tiny_run.id in report


def test_train_page_finetune_mode_shows_its_budget_and_label_option(fresh_home):
    from conftest import notes_text

    from embedlab.corpus import build_corpus

    build_corpus("notes.txt", notes_text())
    at = _app("pages/train.py")
    at.radio(key="train_method").set_value("sentence-transformer").run()
    assert not at.exception
    assert at.number_input(key="ft_max_pairs").value == 1000
    assert at.checkbox(key="ft_use_labels").proto.disabled  # this corpus has no label column
    assert any("held out" in caption.value for caption in at.caption)


def _long_table(at):
    """The Evaluate page's every-number table (one row per space and benchmark), under its measure-by-space one;
    its spaces, shown by their readable labels (never a run id), read back as the specs they label."""
    table = next(frame.value for frame in at.dataframe if "oov_share" in frame.value.columns)
    chosen = at.multiselect(key="eval_spaces").value
    specs = {
        label: spec
        for spec, label in spaces.space_labels(chosen, judged_on=at.selectbox(key="eval_corpus").value).items()
    }
    assert set(table["space"]) <= set(specs), (set(table["space"]), specs)
    return table.assign(space=table["space"].map(specs))


def test_evaluate_page_shows_every_chosen_space_in_one_table(tiny_run, tiny_text_corpus):
    import pandas as pd

    from embedlab import spaces

    at = _app("pages/evaluate.py", corpus=tiny_text_corpus.id)  # not the newest corpus when other tests ran first
    assert not at.exception and not at.error
    chosen = at.multiselect(key="eval_spaces").value
    assert len(chosen) == 2 and chosen[0].startswith("run-") and chosen[1] == "baseline"  # newest run vs baseline
    table = _long_table(at)
    assert set(table["benchmark"]) == {"WordSim-353", "SimLex-999", "Google analogies"}
    assert set(table["space"]) == set(at.multiselect(key="eval_spaces").value)
    assert table["oov_share"].between(0, 1).all()
    (weat,) = [f.value for f in at.dataframe if "effect size d" in f.value.columns and "test" not in f.value.columns]
    assert weat["space"].tolist() == [spaces.space_label(spec) for spec in chosen]
    # the tiny corpus knows none of the standard WEAT words: they are listed as missing, and the test says why
    # the tiny corpus knows none of the standard WEAT words: the run lists them as missing and says why; MiniLM
    # encodes every word of the lists
    run_row, baseline_row = weat.iloc[0], weat.iloc[1]
    assert run_row["missing words"].startswith("X: aster, clover") and pd.isna(run_row["effect size d"])
    assert baseline_row["missing words"] == "none" and not pd.isna(baseline_row["effect size d"])
    assert sum("too few words left" in w.value for w in at.warning) == 1


def test_evaluate_page_scores_the_task_when_the_corpus_has_labels(fresh_home):
    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.training import TrainConfig, train_run

    rows = "".join(
        f"{['matrix solver eigen values', 'signal spectrum filter bands'][i % 2]} note {i}.,{'ab'[i % 2]}\n"
        for i in range(60)
    )
    corpus = build_corpus("labelled.csv", ("text,label\n" + rows).encode(), ReadOptions("text", "label"))
    run = train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=2, workers=1))
    at = _app("pages/evaluate.py")
    assert not at.exception and not at.error
    task = at.dataframe[-1].value  # the task table comes last
    assert task["space"].tolist() == [spaces.space_label(run.id), spaces.BASELINE_LABEL]  # never a raw run id
    assert (task["documents"] == 60).all() and (task["labels"] == 2).all()
    assert task["accuracy"].between(0, 1).all() and (task["folds"] == 5).all()


def test_evaluate_page_runs_a_dimension_sweep(tiny_text_corpus, tiny_run):
    at = _app("pages/evaluate.py", corpus=tiny_text_corpus.id, spaces=f"{tiny_run.id},baseline")
    at.selectbox(key="eval_sweep_space").set_value(tiny_run.id).run()
    at.button(key="eval_sweep_run").click().run()
    assert not at.exception
    sweep = [f.value for f in at.dataframe if "MB per 100k words" in f.value.columns][0]
    assert sweep["dim"].tolist() == [16]  # the tiny run has 16 dimensions: nothing smaller in the default sizes
    assert any('"dimensions (PCA)"' in chart.proto.spec for chart in at.get("plotly_chart"))


def test_evaluate_page_opens_a_shared_link(tiny_text_corpus):
    sets = "Math vs arts / male vs female terms"
    at = _app("pages/evaluate.py", corpus=tiny_text_corpus.id, spaces="baseline,run-20200101-000000-abcdef", weat=sets)
    assert not at.exception
    assert at.multiselect(key="eval_spaces").value == ["baseline"]
    assert at.selectbox(key="eval_weat_set").value == sets
    assert any("run-20200101-000000-abcdef is not on this server" in w.value for w in at.warning)
    assert at.query_params["space"] == "baseline" and at.query_params["weat"] == sets


def test_evaluate_page_retrieves_held_out_pairs_keeps_results_with_the_run_and_adds_debiased_copies(fresh_home):
    from conftest import notes_text

    from embedlab import evaluation, spaces
    from embedlab.corpus import build_corpus
    from embedlab.training import TrainConfig, train_run

    people = " ".join(f"The {a} and the {b} met." for a, b in spaces.GENDER_PAIRS).encode()
    corpus = build_corpus("notes.txt", notes_text(80) + b"\n\n" + people)
    run = train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=2, workers=1))
    at = _app("pages/evaluate.py")
    assert not at.exception and not at.error
    table = _long_table(at)
    retrieval = table[table["metric"] == "MRR@10"].set_index("space")
    assert retrieval.loc[run.id, "benchmark"] == "held-out retrieval (mean word vectors)"
    assert retrieval.loc["baseline", "benchmark"] == "held-out retrieval (sentence embeddings)"
    assert retrieval["score"].between(0, 1).all() and (retrieval["total"] >= 20).all()
    assert any("neighbouring sentences" in caption.value for caption in at.caption)

    at.button(key="eval_add_debiased").click().run()
    assert not at.exception and not at.error
    assert at.multiselect(key="eval_spaces").value == [
        run.id,
        "baseline",
        run.id + "@debiased",
        "baseline@debiased",
    ]
    assert set(_long_table(at)["space"]) == set(at.multiselect(key="eval_spaces").value)

    (runs,) = [f.value.set_index("run") for f in _app("pages/runs.py").dataframe if "run" in f.value.columns]
    assert runs.loc[run.id, "retrieval MRR@10"] == pytest.approx(retrieval.loc[run.id, "score"])
    assert evaluation.run_results(run.id)["retrieval"]["corpus_id"] == corpus.id


def test_evaluate_page_says_why_a_space_cannot_be_debiased(tiny_run, tiny_text_corpus):
    at = _app("pages/evaluate.py", corpus=tiny_text_corpus.id, spaces=f"{tiny_run.id}@debiased,baseline")
    assert not at.exception
    assert any("0 of the 10 definitional pairs" in error.value for error in at.error)
    assert set(_long_table(at)["space"]) == {"baseline"}  # the page goes on with the spaces that loaded


def _bucket_space(tmp_path, corpus_) -> tuple[str, list[str]]:
    """A vectors file in which 30 of the corpus's words share one vector (an unknown-word bucket)."""
    from embedlab import spaces

    words = sorted(corpus_.counts)
    assert len(words) > 40
    vectors = np.random.default_rng(0).normal(size=(len(words), 8))
    vectors[:30] = vectors[0]
    lines = [f"{len(words)} 8"] + [f"{w} " + " ".join(f"{v:.6f}" for v in row) for w, row in zip(words, vectors)]
    path = tmp_path / "bucket.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spaces.register_vectors_path(path).spec, words[:30]


def test_what_changed_names_a_bucket_of_identical_vectors(tmp_path, tiny_text_corpus):
    spec, bucket = _bucket_space(tmp_path, tiny_text_corpus)
    state = views.CompareView(corpus=tiny_text_corpus.id, a=spec, b="baseline", k=5, tab="changed")
    at = _app("pages/compare.py", **views.to_query(state))
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "has 30 words whose vector is an exact copy of another word's, in 1 group" in captions
    named = re.search(r"the largest, 30 words: (.*?) … and 22 more\)", captions)
    assert named is not None
    assert len(set(named.group(1).split(", ")) & set(bucket)) == 8  # eight of the bucket's words, by name


def _values(array) -> list[float]:
    """A plotly JSON array: a list, or {"dtype", "bdata"} (plotly 6 sends numeric arrays base64-encoded)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


@pytest.mark.slow
def test_map_draws_a_bucket_of_identical_vectors_at_one_point_and_says_so(tmp_path, tiny_text_corpus):
    spec, bucket = _bucket_space(tmp_path, tiny_text_corpus)
    state = views.CompareView(corpus=tiny_text_corpus.id, a=spec, b="baseline", k=5, tab="map", n=100)
    at = _app("pages/compare.py", **views.to_query(state))
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "has 30 words whose vector is an exact copy" in captions and "drawn at one point on the map" in captions
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    points = {
        row[0]: (x, y, row[6])
        for trace in figure["data"]
        if trace.get("xaxis", "x") == "x" and trace.get("customdata")
        for x, y, row in zip(_values(trace["x"]), _values(trace["y"]), trace["customdata"])
    }
    in_bucket = [points[w] for w in bucket]
    assert len({(x, y) for x, y, _ in in_bucket}) == 1  # one point in map A
    assert all(note == "<br>same vector as 29 other words: drawn at one point" for _, _, note in in_bucket)
    others = [p for w, p in points.items() if w not in bucket]
    assert len({(x, y) for x, y, _ in others}) == len(others) and all(note == "" for _, _, note in others)
