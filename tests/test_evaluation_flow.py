"""The one evaluation flow (embedlab.evaluation.run): the CLI, the report and the Evaluate page give the same numbers
through it, its options say exactly what is wrong, and results are kept with a run only when saved explicitly."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pytest
from conftest import NOTE_TOPICS, ROOT
from gensim.test.utils import datapath

from embedlab import evaluation, spaces, store
from embedlab.errors import EmbedLabError

CAREER = "Career vs family / male vs female names"
MATH = "Math vs arts / male vs female terms"


def _labelled_csv() -> bytes:
    """60 labelled documents of three sentences each: a task, and neighbouring sentences to hold out."""
    rows = "".join(
        f'"Note {i} is about {NOTE_TOPICS[i % 2]}. It explains {NOTE_TOPICS[i % 2]} with example {i * 7}. '
        f'Case {i} ends the discussion number {i * 3}.",{"ab"[i % 2]}\n'
        for i in range(60)
    )
    return ("text,label\n" + rows).encode()


@pytest.fixture
def labelled(fresh_home, tmp_path):
    """(corpus, its CSV file, a Word2Vec run on it, a vectors-file space knowing the benchmark and WEAT words)."""
    from embedlab.corpus import ReadOptions, build_corpus
    from embedlab.training import TrainConfig, train_run

    path = tmp_path / "labelled.csv"
    path.write_bytes(_labelled_csv())
    corpus = build_corpus(path.name, path.read_bytes(), ReadOptions("text", "label"))
    run = train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=2, workers=1))
    words = list(corpus.counts)
    for line in open(datapath("wordsim353.tsv"), encoding="utf8"):
        parts = line.rstrip("\n").split("\t")
        if not line.startswith("#") and len(parts) == 3:
            words += [w.lower() for w in parts[:2]]
    for lists in evaluation.WEAT_SETS.values():
        words += [w for ws in lists.values() for w in ws]
    words = list(dict.fromkeys(words))
    vectors_file = spaces.write_vectors(
        tmp_path / "vectors.txt", words, np.random.default_rng(4).normal(size=(len(words), 12)).astype(np.float32)
    )
    return corpus, path, run, spaces.load_space(f"vectors:{vectors_file}", corpus)


def _stored(result):
    """A task or retrieval result as kept with a run: its per-item arrays (for comparisons) are not kept."""
    return {k: v for k, v in asdict(result).items() if k not in {"document_correct", "reciprocal_ranks", "hits"}}


def _plain(value):
    """What JSON makes of a value (NaN as null)."""
    return json.loads(json.dumps(value).replace("NaN", "null"))


@pytest.mark.slow
def test_the_cli_the_report_and_the_flow_give_the_same_numbers(labelled, capsys, tmp_path):
    from embedlab.cli import main

    corpus, path, run, space = labelled
    pairs = tmp_path / "mine.csv"
    pairs.write_text("word1,word2,score\nlove,sex,6.77\nbook,paper,7.46\nplane,car,5.77\ntrain,car,6.31\n")
    options = evaluation.EvaluationOptions(
        user_pairs=evaluation.user_word_pairs("mine.csv", pairs.read_bytes()),
        weat_sets=evaluation.choose_weat_sets(["career"]),
    )
    flow = evaluation.evaluate_spaces([space, run.id], corpus, options)

    argv = ["evaluate", "--space", space.name, "--space", run.id, "--corpus", str(path), "--json"]
    argv += ["--text-column", "text", "--label-column", "label", "--pairs", str(pairs), "--weat", "career"]
    assert main(argv) == 0
    cli = json.loads(capsys.readouterr().out)
    for name in cli["spaces"]:  # the CLI adds each space's health (embedlab.training.health) to the flow's numbers
        assert set(cli["spaces"][name].pop("health")) == {"ok", "checks", "warnings"}
    assert cli.pop("judged_elsewhere") == []  # and which runs were trained on another corpus: none here
    cli.pop("language_note", None)  # and whether the English baseline reads a corpus in another language
    assert cli == _plain(flow.to_dict())  # every number, NaN as null

    found = flow[space.name]
    assert not math.isnan(found.similarities[0].spearman) and found.similarities[2].name == "your pairs"
    assert 0 <= found.task.accuracy <= 1 and 0 <= found.retrieval.mrr <= 1 and found.retrieval.pairs == 20
    assert not math.isnan(found.weat[CAREER].effect_size)  # the vectors file knows the Career words
    assert cli["spaces"][space.name]["task"]["accuracy"] == found.task.accuracy
    assert cli["spaces"][space.name]["weat"][CAREER]["p_value"] == found.weat[CAREER].p_value
    rows = {(r["space"], r["metric"]): r["score"] for r in cli["benchmarks"]}
    assert rows[(space.name, "MRR@10")] == pytest.approx(found.retrieval.mrr, abs=1e-9)

    # the report's benchmark section is built from the same two functions (embedlab.present.report)
    plain = evaluation.evaluate_spaces([space, run.id], corpus)  # the report scores no user pairs and no WEAT
    sections = {
        found.space: evaluation.intrinsic_section(found_space)
        for found, found_space in zip(plain.spaces, [space, spaces.load_space(run.id, corpus)])
    }
    columns = ["space", "benchmark", "metric", "score", "used", "total", "oov_share", "vocabulary"]
    assert evaluation.benchmark_table(sections)[columns].equals(
        plain.table[~plain.table["benchmark"].str.startswith("held-out")][columns].reset_index(drop=True)
    )

    kept = evaluation.run_results(run.id)  # the CLI kept the run's results, the vectors file keeps nothing
    assert kept["task"]["corpus_id"] == corpus.id and kept["task"]["result"]["accuracy"] == flow[run.id].task.accuracy
    assert kept["retrieval"]["result"]["mrr"] == flow[run.id].retrieval.mrr
    assert list(kept["weat"]["result"]) == [CAREER]
    assert {row["benchmark"] for row in kept["benchmarks"]["result"]} == {
        "WordSim-353",
        "SimLex-999",
        "your pairs",
        "Google analogies",
    }


def test_one_space_on_the_cli_also_gives_its_results_at_the_top_level(labelled, capsys):
    from embedlab.cli import main

    _, _, _, space = labelled
    assert main(["evaluate", "--space", space.name, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["retrieval_note"] == "no --corpus: held-out retrieval needs one"
    assert cli["wordsim353"] == cli["spaces"][space.name]["wordsim353"]
    assert {"benchmarks", "spaces", "wordsim353", "simlex999", "analogies", "retrieval_note"} <= set(cli)
    assert {"intervals", "reference", "differences"} <= set(cli) and cli["differences"] == []  # one space: none


def test_the_flow_reports_each_section_as_it_starts(labelled):
    corpus, _, run, _ = labelled
    steps = []
    options = evaluation.EvaluationOptions(weat_sets=evaluation.choose_weat_sets(["career", "math"]), sweep=True)
    result = evaluation.evaluate_spaces([run.id], corpus, options, progress=steps.append)
    assert [(s.section, s.message) for s in steps if s.message] == [
        ("load", f"loading {run.id}"),
        ("benchmarks", "word similarity and analogies"),
        ("task", "task: classifying 60 documents by label"),
        ("retrieval", "held-out retrieval of 20 pairs"),
        ("weat", "WEAT: 2 tests"),
        ("sweep", "dimension sweep"),
    ]
    # a Word2Vec run: nothing to encode, then each of the 5 folds
    assert [s.fraction for s in steps if s.section == "task"] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    # an 8-dimensional run: one size, its own, read from the benchmarks and the task (nothing scored again)
    assert [s.fraction for s in steps if s.section == "sweep"] == [0.0, 1.0]
    done = [s.done for s in steps]  # the share of the whole evaluation: weighed by cost, never backwards
    assert done == sorted(done) and 0 < done[-1] <= 1 and all(s.done <= s.until <= 1 for s in steps)
    assert {s.space for s in steps} == {run.id}
    (found,) = result.spaces
    assert found.sweep["dim"].tolist() == [8] and list(found.weat) == [CAREER, MATH]
    assert found.sweep["task accuracy"].iloc[0] == pytest.approx(found.task.accuracy)  # same seed, same folds


def test_without_a_corpus_there_is_no_task_or_retrieval_and_the_result_says_why(labelled):
    _, _, _, space = labelled
    result = evaluation.evaluate_spaces([space, space.name], None)  # the same space twice: scored once
    assert result.names == [space.name]
    found = result[space.name]
    assert found.task is None and found.retrieval is None and found.corpus_id is None
    assert found.retrieval_note == result.held_out.note == "no corpus: held-out retrieval needs one"
    assert set(found.table["benchmark"]) == {"WordSim-353", "SimLex-999", "Google analogies"}
    assert "task" not in found.to_dict() and found.to_dict()["retrieval_note"] == found.retrieval_note
    assert evaluation.save_results(result) == {space.name: ()}  # a vectors file is not a run: nothing kept
    with pytest.raises(KeyError, match="'baseline' was not evaluated; these were: vectors:"):
        result["baseline"]
    with pytest.raises(EmbedLabError, match="^no space to evaluate: give at least one$"):
        evaluation.evaluate_spaces([], None)


def test_cached_wrappers_write_nothing_and_save_results_writes_each_result_once(labelled):
    from embedlab import ui

    corpus, _, run, _ = labelled
    kept_file = store.runs_dir() / run.id / evaluation.RESULTS_FILE
    lists = tuple((name, tuple(words)) for name, words in evaluation.WEAT_SETS[CAREER].items())
    similarities, analogy = ui.intrinsic(run.id, corpus.id)
    task = ui.task_evaluation(run.id, corpus.id)
    held_out = ui.held_out_pairs(corpus.id, "")
    found = ui.retrieval(run.id, corpus.id, "")
    tested = ui.weat(run.id, corpus.id, CAREER, lists)
    assert not kept_file.exists()  # computing (cache misses included) keeps nothing

    assembled = evaluation.SpaceEvaluation(
        run.id, corpus.id, similarities, analogy, task, found, held_out.note, {CAREER: tested}
    )
    options = evaluation.EvaluationOptions(weat_sets={CAREER: evaluation.WEAT_SETS[CAREER]})
    flow = evaluation.evaluate_space(spaces.load_space(run.id, corpus), corpus, options)
    assert _plain(assembled.payloads()) == _plain(flow.payloads())  # the page's sections are the flow's
    assert assembled.table.equals(flow.table)

    assert evaluation.save_results(assembled) == {run.id: ("benchmarks", "task", "retrieval", "weat")}
    written = kept_file.read_bytes()
    assert evaluation.save_results(assembled, merge_weat=True) == {run.id: ()}
    assert evaluation.save_results(flow) == {run.id: ()}  # the same content, computed again: nothing to write
    assert kept_file.read_bytes() == written
    saved = evaluation.run_results(run.id)
    assert saved["task"] == {"corpus_id": corpus.id, "saved": saved["task"]["saved"], "result": _plain(_stored(task))}
    assert saved["retrieval"]["result"]["pairs_source"] == held_out.note


def test_weat_results_join_the_stored_ones_only_when_asked(labelled):
    corpus, _, run, _ = labelled
    options = evaluation.EvaluationOptions(weat_sets=evaluation.choose_weat_sets(["career", "math"]))
    result = evaluation.evaluate_space(spaces.load_space(run.id, corpus), corpus, options)
    career, maths = (
        evaluation.SpaceEvaluation(
            run.id, corpus.id, result.similarities, result.analogy, weat={name: result.weat[name]}
        )
        for name in (CAREER, MATH)
    )
    assert evaluation.save_results(career) == {run.id: ("benchmarks", "weat")}
    assert evaluation.save_results(maths, merge_weat=True) == {run.id: ("weat",)}
    assert list(evaluation.run_results(run.id)["weat"]["result"]) == [CAREER, MATH]
    assert evaluation.save_results(career, merge_weat=True) == {run.id: ()}  # already kept
    assert evaluation.save_results(maths) == {run.id: ("weat",)}  # the section becomes exactly the result's tests
    assert list(evaluation.run_results(run.id)["weat"]["result"]) == [MATH]
    assert "task" not in evaluation.run_results(run.id)  # sections not evaluated are left alone


@pytest.mark.parametrize(
    "options, message",
    [
        ({"user_pairs": [("car", "auto")]}, "user_pairs row 1: expected (word1, word2, score), got ('car', 'auto')"),
        (
            {"user_pairs": [("a", "b", 1), ("c", "", 2)]},
            "user_pairs row 2: expected (word1, word2, score), got ('c', '', 2)",
        ),
        ({"user_pairs": [("car", "auto", float("inf"))]}, "user_pairs row 1: score inf is not a finite number"),
        ({"user_pairs": [("car", "auto", "9")]}, "user_pairs row 1: score '9' is not a finite number"),
        ({"user_pairs_name": " "}, "user_pairs_name is empty: name your word pairs (the benchmark table shows it)"),
        (
            {"user_pairs_name": "SimLex-999"},
            "user_pairs_name 'SimLex-999' is a built-in benchmark's name: give your word pairs another name",
        ),
        ({"weat_sets": ["career"]}, "weat_sets must map test names to word lists X, Y, A and B, got list"),
        ({"weat_sets": {"": {}}}, "a WEAT test needs a name (non-empty text), got ''"),
        (
            {"weat_sets": {"mine": {"X": ["a"], "Y": ["b"]}}},
            "WEAT test 'mine' needs the word lists X, Y, A and B; it has X, Y",
        ),
        (
            {"weat_sets": {"mine": {"X": "a b", "Y": ["c"], "A": ["d"], "B": ["e"]}}},
            "WEAT test 'mine', list X: give a list of words, not str",
        ),
        (
            {"weat_sets": {"mine": {"X": ["a"], "Y": ["c", 3], "A": ["d"], "B": ["e"]}}},
            "WEAT test 'mine', list Y: every word must be text, got 3",
        ),
        ({"sweep": "yes"}, "sweep must be True or False, got 'yes'"),
        ({"sweep_dims": (16, 0)}, "sweep_dims must be whole numbers of dimensions from 1 up, got (16, 0)"),
        ({"sweep_dims": ()}, "sweep_dims must be whole numbers of dimensions from 1 up, got ()"),
        ({"seed": -1}, "seed must be a whole number from 0 to 4294967295, got -1"),
        ({"seed": 1.5}, "seed must be a whole number from 0 to 4294967295, got 1.5"),
    ],
)
def test_options_say_exactly_what_is_wrong(options, message):
    with pytest.raises(EmbedLabError) as raised:
        evaluation.EvaluationOptions(**options)
    assert str(raised.value) == message


def test_options_keep_plain_immutable_values():
    options = evaluation.EvaluationOptions(
        user_pairs=[["car", "auto", 9]], weat_sets={"mine": {"X": ["a"], "Y": ["b"], "A": ["c"], "B": ["d"]}}
    )
    assert options.user_pairs == (("car", "auto", 9.0),)
    assert options.weat_sets == {"mine": {"X": ("a",), "Y": ("b",), "A": ("c",), "B": ("d",)}}
    assert evaluation.EvaluationOptions(sweep_dims=[8, 4]).sweep_dims == (8, 4)
    assert evaluation.EvaluationOptions() == evaluation.EvaluationOptions(seed=42)


def test_weat_sets_are_chosen_by_the_start_of_their_names():
    assert list(evaluation.choose_weat_sets(["MATH", " career"])) == [MATH, CAREER]
    assert evaluation.choose_weat_sets(["all"]) == evaluation.WEAT_SETS
    with pytest.raises(EmbedLabError, match="^WEAT set '' names more than one set: give the start of one of: Flowers"):
        evaluation.choose_weat_sets([""])


@pytest.mark.slow
def test_importing_the_evaluation_package_loads_no_ui_or_model_library():
    import subprocess
    import sys

    code = (
        "import sys, embedlab.evaluation; "
        "print(sorted(m for m in ('streamlit', 'torch', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_the_evaluate_page_keeps_results_once_and_reruns_write_nothing(labelled):
    from streamlit.testing.v1 import AppTest

    corpus, _, run, _ = labelled
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["corpus"], at.query_params["spaces"] = corpus.id, run.id
    at.switch_page("pages/evaluate.py")
    at.run()
    assert not at.exception and not at.error
    kept_file = store.runs_dir() / run.id / evaluation.RESULTS_FILE
    saved = evaluation.run_results(run.id)
    assert set(saved) == {"benchmarks", "task", "retrieval", "weat"}
    task = at.dataframe[-1].value  # one row: the run's (named by its label)
    assert saved["task"]["result"]["accuracy"] == pytest.approx(task["accuracy"].iloc[0])
    before = kept_file.stat().st_mtime_ns, kept_file.read_bytes()

    at.run()  # a rerun: every section comes from the cache, and nothing is written again
    assert not at.exception
    assert (kept_file.stat().st_mtime_ns, kept_file.read_bytes()) == before

    first = at.selectbox(key="eval_weat_set").value
    at.selectbox(key="eval_weat_set").set_value(MATH).run()
    assert not at.exception
    assert list(evaluation.run_results(run.id)["weat"]["result"]) == [first, MATH]  # one set at a time, all kept


@pytest.mark.slow
def test_the_page_the_cli_and_the_report_give_the_same_numbers_for_the_same_selection(labelled, capsys):
    """One flow: the Evaluate page (AppTest, through the app's caches), ``evaluate --json`` and the HTML report
    show the same benchmark, retrieval and task numbers for the same corpus and spaces."""
    from streamlit.testing.v1 import AppTest

    from embedlab.cli import main
    from embedlab.present import report
    from embedlab.training import TrainConfig, train_run

    corpus, path, run, _ = labelled
    other = train_run(corpus, TrainConfig(dim=8, min_count=1, epochs=2, workers=1, sg=True))
    names = [run.id, other.id]

    argv = ["evaluate", "--space", run.id, "--space", other.id, "--corpus", str(path), "--json"]
    assert main([*argv, "--text-column", "text", "--label-column", "label"]) == 0
    cli = json.loads(capsys.readouterr().out)["spaces"]

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["corpus"], at.query_params["spaces"] = corpus.id, ",".join(names)
    at.switch_page("pages/evaluate.py")
    at.run()
    assert not at.exception and not at.error
    choices = [spec for spec in spaces.space_choices() if not spaces.SpaceSpec.parse(spec).context]
    labels = spaces.space_labels(choices, judged_on=corpus.id)  # as the page names its columns
    table = next(frame.value for frame in at.dataframe if "measure" in frame.value.columns).set_index("measure")
    tasks = next(frame.value for frame in at.dataframe if "macro-F1" in frame.value.columns).set_index("space")
    page = {
        name: {
            "WordSim-353": table.loc["WordSim-353 · Spearman ρ", labels[name]],
            "SimLex-999": table.loc["SimLex-999 · Spearman ρ", labels[name]],
            "MRR@10": table.loc[next(m for m in table.index if m.endswith("MRR@10")), labels[name]],
            "task": tasks.loc[labels[name], "accuracy"],
        }
        for name in names
    }
    for name in names:
        expected = {
            "WordSim-353": cli[name]["wordsim353"]["spearman"],
            "SimLex-999": cli[name]["simlex999"]["spearman"],
            "MRR@10": cli[name]["retrieval"]["mrr"],
            "task": cli[name]["task"]["accuracy"],
        }
        nan = {key: math.nan if value is None else value for key, value in expected.items()}  # JSON's null
        assert page[name] == pytest.approx(nan, nan_ok=True)

    a, b = (spaces.load_space(name, corpus) for name in names)
    html = report.build_report(a, b, corpus, report.ReportSettings(sections=("benchmarks", "task", "retrieval")))
    for name, space in zip(names, (a, b)):
        found = cli[name]
        shown = [f"{found['task']['accuracy']:.3f}", f"{found['retrieval']['mrr']:.3f}"]
        shown += [f"{found[key]['spearman']:.3f}" for key in ("wordsim353", "simlex999") if found[key]["spearman"]]
        for cell in shown:
            assert f'<td class="num">{cell}</td>' in html, (space.title, cell)


def test_the_verdicts_sweep_stops_at_the_answer_and_skips_the_task_where_the_benchmarks_already_lose():
    """``sweep_stop_within``: from the smallest size up, a size whose benchmarks lose more than 1% gets no task,
    and the sweep ends at the first size that keeps every measure; the answer (``smallest_within``) is the full
    sweep's."""
    full = {"dim": 64, "MB per 100k words": 25.6, "WordSim-353 Spearman": 0.8, "SimLex-999 Spearman": 0.5}
    full |= {"task accuracy": 0.9, "task macro-F1": 0.85}
    scores = {  # dim -> (WordSim-353, SimLex-999, task accuracy)
        16: (0.6, 0.5, 0.7),  # loses WordSim: no task
        32: (0.795, 0.499, 0.85),  # keeps the benchmarks, loses the task
        48: (0.799, 0.5, 0.895),  # keeps everything: the answer
        56: (0.8, 0.5, 0.9),  # never needed
    }
    calls = []

    class Table(evaluation.Sections):
        def sweep_row(self, space, dim, corpus, options, progress, task=True, fine_tunes=()):
            calls.append((dim, task))
            wordsim, simlex, accuracy = scores[dim]
            row = {"dim": dim, "MB per 100k words": dim * 0.4, "WordSim-353 Spearman": wordsim}
            row |= {"SimLex-999 Spearman": simlex, "task accuracy": math.nan, "task macro-F1": math.nan}
            if task:
                row["task accuracy"], row["task macro-F1"] = accuracy, accuracy - 0.05
            return row

    class Space:
        name, dim = "space", 64

        def __len__(self) -> int:
            return 1000

    sizes = (16, 32, 48, 56)
    stopped_options = evaluation.EvaluationOptions(sweep=True, sweep_dims=sizes, sweep_stop_within=0.01)
    stopped = evaluation.sweep_section(Space(), None, stopped_options, full=full, sections=Table())
    assert calls == [(16, False), (32, False), (32, True), (48, False), (48, True)]
    assert stopped["dim"].tolist() == [16, 32, 48, 64] and math.isnan(stopped["task accuracy"].iloc[0])
    calls.clear()
    every = evaluation.sweep_section(
        Space(), None, evaluation.EvaluationOptions(sweep=True, sweep_dims=sizes), full=full, sections=Table()
    )
    assert calls == [(16, True), (32, True), (48, True), (56, True)]  # the Evaluate page's sweep: every size
    assert evaluation.smallest_within(stopped, 0.01)["dim"] == evaluation.smallest_within(every, 0.01)["dim"] == 48
