"""The seed-noise floor on the pages: the Train page's Seeds setting, a multi-seed run's seeds on the Runs page, and
Compare's What changed with the floor (caption, share beyond noise, floor columns, the beyond-noise filter in the link)
and without one (the floor-unknown caption, no floor columns)."""

from __future__ import annotations

import re
import time
import types

import pandas as pd
import pytest
from conftest import ROOT, TINY_TEXT
from streamlit.testing.v1 import AppTest

from embedlab import analysis, spaces, store
from embedlab.analysis.noise import NoiseFloor
from embedlab.corpus import build_corpus
from embedlab.training import TrainConfig, jobs, train_run
from embedlab.training.configs import MAX_SEEDS

PLANTED = {"matrix": "spectrum", "sparse": "signal"}  # each pair trades places in the shifted corpus
# 30 epochs: at 5 the tiny runs learn next to nothing, seeds disagree on almost every word and no change can be
# beyond that; at 30 the floor is well above 0 and exactly the four planted words come out beyond it
SETTINGS = dict(dim=16, min_count=1, epochs=30, workers=1, seed=7)


def _shifted(text: str) -> str:
    swaps = {**PLANTED, **{b: a for a, b in PLANTED.items()}}
    return re.sub(r"\b(" + "|".join(swaps) + r")\b", lambda match: swaps[match.group(0)], text)


@pytest.fixture(scope="module")
def floor_runs(tmp_path_factory):
    """The tiny corpus with a 3-seed run and a 1-seed run (the same training as the 3-seed run's own), and a 1-seed
    run on the tiny text with the planted words swapped; in a home of their own so that other tests' newest run is
    theirs."""
    patch = pytest.MonkeyPatch()
    patch.setenv("EMBEDLAB_HOME", str(tmp_path_factory.mktemp("noise-floor-home")))
    corpus = build_corpus("tiny.txt", (TINY_TEXT * 20).encode("utf-8"))
    shifted = build_corpus("shifted.txt", (_shifted(TINY_TEXT) * 20).encode("utf-8"))
    yield types.SimpleNamespace(
        corpus=corpus,
        three=train_run(corpus, TrainConfig(seeds=3, **SETTINGS)),
        one=train_run(corpus, TrainConfig(**SETTINGS)),
        shifted=train_run(shifted, TrainConfig(**SETTINGS)),
    )
    patch.undo()


def _page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def _what_changed(runs, a: str, b: str, **query: str) -> AppTest:
    at = _page("pages/compare.py", corpus=runs.corpus.id, a=a, b=b, tab="changed", k="5", **query)
    assert not at.exception and not at.error
    return at


def _comparison(runs, a: str, b: str):
    """What the page shows, computed without it: k=5, the page's default 20,000 scored words and seed 42."""
    return analysis.compare_spaces(spaces.load_space(a, runs.corpus), spaces.load_space(b, runs.corpus), 5, 20_000, 42)


def _captions(at: AppTest) -> list[str]:
    return [caption.value for caption in at.caption]


def _full_table(at: AppTest):
    """The sortable table of every matching word, "Show all" turned on."""
    at.toggle(key="cmp_show_all").set_value(True).run()
    (table,) = [frame.value for frame in at.dataframe if "word" in frame.value.columns]
    return table


@pytest.mark.slow
def test_what_changed_shows_the_floor_of_a_multi_seed_run(floor_runs):
    summary, frame = _comparison(floor_runs, floor_runs.three.id, floor_runs.shifted.id)
    noise = summary.noise
    assert noise.seeds_a == (7, 8, 9) and noise.seeds_b == () and noise.tested == len(frame) == 60
    assert set(frame.loc[frame["beyond_noise"], "word"]) == set(PLANTED) | set(PLANTED.values())
    at = _what_changed(floor_runs, floor_runs.three.id, floor_runs.shifted.id)
    captions = _captions(at)
    assert noise.caption("A", "B") in captions
    shown = next(caption for caption in captions if caption.startswith("4 of 60 scored words (6.7%) changed beyond"))
    assert "over A's 3 seeds (7, 8, 9)" in shown and "B has no seed replicas" in shown
    metric = next(m for m in at.metric if m.label == "Beyond seed noise")
    assert metric.value == f"{noise.share:.1%}" == "6.7%"
    assert metric.proto.help == "4 of the 60 scored words with a seed-noise floor changed beyond it"
    assert at.toggle(key="cmp_beyond_noise").value is False and at.query_params["beyond"] == "0"
    most = at.table[0].value
    assert list(most.columns[:4]) == ["word", "Jaccard@5", "floor", "beyond noise"]
    by_word = frame.set_index("word")
    for _, row in most.iterrows():
        assert float(row["floor"]) == pytest.approx(by_word.loc[row["word"], "floor"], abs=5e-4)
        assert row["beyond noise"] == ("✓" if by_word.loc[row["word"], "beyond_noise"] else "")
    table = _full_table(at)
    assert {"floor", "beyond noise"} <= set(table.columns) and "noise_p" not in table.columns
    assert set(table.loc[table["beyond noise"] == "✓", "word"]) == set(PLANTED) | set(PLANTED.values())


@pytest.mark.slow
def test_only_changes_beyond_seed_noise_lists_those_words_and_goes_in_the_link(floor_runs):
    _, frame = _comparison(floor_runs, floor_runs.three.id, floor_runs.shifted.id)
    content = frame[frame["kind"] == "content"]
    beyond = content.loc[content["beyond_noise"], "word"].tolist()
    assert 0 < len(beyond) < len(content)
    at = _what_changed(floor_runs, floor_runs.three.id, floor_runs.shifted.id)
    at.toggle(key="cmp_beyond_noise").set_value(True).run()
    assert not at.exception and at.query_params["beyond"] == "1"
    assert f"{len(beyond)} of 60 scored words match the filters" in " ".join(_captions(at))
    assert "beyond seed noise only" in " ".join(_captions(at))
    assert set(at.table[0].value["word"]) == set(beyond) and set(at.table[0].value["beyond noise"]) == {"✓"}
    assert sorted(_full_table(at)["word"]) == sorted(beyond)
    assert "beyond=1" in at.code[0].value  # the link to copy
    linked = _what_changed(floor_runs, floor_runs.three.id, floor_runs.shifted.id, beyond="1")
    assert linked.toggle(key="cmp_beyond_noise").value is True
    assert sorted(_full_table(linked)["word"]) == sorted(beyond)


@pytest.mark.slow
def test_without_seed_replicas_the_floor_is_unknown_and_not_shown(floor_runs):
    summary, _ = _comparison(floor_runs, floor_runs.one.id, floor_runs.shifted.id)
    assert not summary.noise.known
    at = _what_changed(floor_runs, floor_runs.one.id, floor_runs.shifted.id, beyond="1")
    unknown = NoiseFloor((), (), 5, 0, 0).caption()
    assert unknown.startswith("Seed-noise floor unknown") and _captions(at).count(unknown) == 1
    assert not any("changed beyond seed noise" in caption for caption in _captions(at))
    assert "Beyond seed noise" not in [m.label for m in at.metric]
    with pytest.raises(KeyError):
        at.toggle(key="cmp_beyond_noise")
    assert "floor" not in at.table[0].value.columns and "beyond noise" not in at.table[0].value.columns
    table = _full_table(at)
    assert len(table) == 49 and not {"floor", "beyond noise", "noise_p"} & set(table.columns)  # every content word


@pytest.mark.slow
def test_the_runs_page_shows_the_seeds_of_a_multi_seed_run(floor_runs):
    assert store.get_run(floor_runs.three.id).seeds == (7, 8, 9) and store.get_run(floor_runs.one.id).seeds == ()
    at = _page("pages/runs.py")
    assert not at.exception and not at.error
    table = next(frame.value for frame in at.dataframe if "run" in frame.value.columns).set_index("run")
    assert table.loc[floor_runs.three.id, "seeds"] == "7, 8, 9" and table.loc[floor_runs.three.id, "seed"] == 7
    assert pd.isna(table.loc[floor_runs.one.id, "seeds"])  # an empty cell
    at.selectbox(key="runs_selected").set_value(floor_runs.three.id).run()
    assert any(caption.startswith("Seeds 7, 8, 9 (seed-noise floor): ") for caption in _captions(at))
    at.selectbox(key="runs_selected").set_value(floor_runs.one.id).run()
    assert not any("seed-noise floor" in caption for caption in _captions(at))


@pytest.mark.slow
def test_the_train_page_offers_seeds_for_word2vec_and_fasttext_only(fresh_home):
    build_corpus("tiny.txt", (TINY_TEXT * 20).encode("utf-8"))
    at = _page("pages/train.py")
    seeds = at.number_input(key="train_seeds")
    assert (seeds.label, seeds.value, seeds.min, seeds.max) == ("Seeds", 1, 1, MAX_SEEDS)
    assert "seed-noise floor" in seeds.help and "N times as long" in seeds.help
    at.radio(key="train_method").set_value("fasttext").run()
    assert at.number_input(key="train_seeds").value == 1
    at.radio(key="train_method").set_value("sentence-transformer").run()
    assert not at.exception
    assert at.number_input(key="ft_max_pairs").value == 1000  # the fine-tune form is shown, without seeds
    with pytest.raises(KeyError):
        at.number_input(key="train_seeds")


@pytest.mark.slow  # a real worker process
def test_the_train_page_starts_a_job_with_the_seeds_chosen(fresh_home):
    build_corpus("tiny.txt", (TINY_TEXT * 20).encode("utf-8"))
    at = _page("pages/train.py")
    at.number_input(key="train_min_count").set_value(1)
    at.number_input(key="train_dim").set_value(8)
    at.number_input(key="train_seed").set_value(3)
    at.number_input(key="train_seeds").set_value(3)
    at.button[0].click().run()  # "Start training"
    assert not at.exception and not at.error
    (job,) = jobs.list_jobs()
    assert job.params["seeds"] == 3 and job.params["seed"] == 3
    deadline = time.monotonic() + 120
    while (job := jobs.get_job(job.id)).is_active:
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.1)
    assert job.status == "done", job.message
    assert store.get_run(job.run_id).seeds == (3, 4, 5)
    assert at.number_input(key="train_seeds").value == 3  # the form keeps the setting for the next job
