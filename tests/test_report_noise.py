"""The report's "What changed" with the seed-noise floor: the caption, the share beyond noise, and the listed words'
floor and beyond-noise mark, the same numbers as ``analysis.compare_spaces``."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
from conftest import make_space

from embedlab import analysis, spaces
from embedlab.present import report
from embedlab.training import TrainConfig, train_run

SETTINGS = report.ReportSettings(k=10, sections=("changed",))
TINY = {"dim": 16, "min_count": 1, "epochs": 5, "workers": 1}


@pytest.fixture(scope="module")
def runs(tiny_text_corpus):
    """A 3-seed run (seeds 7, 8, 9) and two single-seed runs (seeds 11 and 12) on the tiny corpus, loaded."""
    corpus = tiny_text_corpus
    trained = [
        train_run(corpus, TrainConfig(**TINY, seed=7, seeds=3)),
        train_run(corpus, TrainConfig(**TINY, seed=11)),
        train_run(corpus, TrainConfig(**TINY, seed=12)),
    ]
    return [spaces.load_space(run.id, corpus) for run in trained]


def _table_after(text: str, title: str) -> tuple[list[str], list[list[str]]]:
    """The header and the cells (as written) of the table after ``<b>title</b>``."""
    table = re.search(rf"<b>{title}</b><table>(.*?)</table>", text, re.S)
    assert table is not None
    head = re.findall(r"<th>(.*?)</th>", table.group(1))
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1])
    return head, [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]


def _report(a, b, corpus) -> tuple[str, analysis.ComparisonSummary, pd.DataFrame, pd.DataFrame]:
    """The report's "What changed", the comparison's summary, and its most and least changed words as the report
    lists them (25 each)."""
    text = report.build_report(a, b, corpus, SETTINGS)
    summary, frame = analysis.compare_spaces(a, b, SETTINGS.k, SETTINGS.max_scored_words, SETTINGS.seed)
    section = text[text.index("<h2>What changed</h2>") :]
    ranked = analysis.rank_changes(frame).words
    return section, summary, ranked.head(25), ranked.tail(25).iloc[::-1]


@pytest.mark.parametrize("multi_seed_side", ["a", "b"])
def test_a_multi_seed_run_shows_its_floor_caption_share_and_column(runs, tiny_text_corpus, multi_seed_side):
    multi, single, _ = runs
    a, b = (multi, single) if multi_seed_side == "a" else (single, multi)
    section, summary, most, least = _report(a, b, tiny_text_corpus)
    noise = summary.noise
    assert noise.known and noise.tested == len(multi) and noise.k == 10
    assert (noise.seeds_a, noise.seeds_b) == (((7, 8, 9), ()) if multi_seed_side == "a" else ((), (7, 8, 9)))

    caption = noise.caption(a.title, b.title)
    assert caption.startswith(f"{noise.beyond} of {noise.tested} scored words ({noise.share:.1%}) changed beyond")
    assert f"over {multi.title}'s 3 seeds (7, 8, 9). {single.title} has no seed replicas" in caption
    assert f"<p class='muted'>{html.escape(caption, quote=True)}</p>" in section
    assert f"<b>{noise.share:.1%}</b>beyond seed noise" in section
    assert f"<b>{noise.beyond:,}</b>words beyond seed noise" in section
    assert f"<b>{noise.tested:,}</b>words with a floor" in section

    head, rows = _table_after(section, "Most changed")
    assert head == ["word", "Jaccard@10", "floor", "beyond noise", "rank overlap", "count", "band"]
    assert [row[0] for row in rows] == list(most["word"])
    assert [row[1] for row in rows] == [f"{value:.3f}" for value in most["jaccard"]]
    assert [row[2] for row in rows] == [f"{value:.3f}" for value in most["floor"]]
    assert [row[3] for row in rows] == ["✓" if beyond else "" for beyond in most["beyond_noise"]]
    least_head, least_rows = _table_after(section, "Least changed")
    assert least_head == head
    assert [row[2] for row in least_rows] == [f"{value:.3f}" for value in least["floor"]]


def test_two_single_seed_runs_say_the_floor_is_unknown(runs, tiny_text_corpus):
    _, single, other = runs
    section, summary, _, _ = _report(single, other, tiny_text_corpus)
    assert not summary.noise.known
    unknown = summary.noise.caption(single.title, other.title)
    assert unknown.startswith("Seed-noise floor unknown: neither space has seed replicas")
    assert f"<p class='muted'>{html.escape(unknown, quote=True)}</p>" in section
    assert "beyond seed noise</div>" not in section and "words with a floor" not in section
    head, _ = _table_after(section, "Most changed")
    assert head == ["word", "Jaccard@10", "rank overlap", "count", "band"]


def test_words_changed_beyond_noise_are_marked(tiny_text_corpus):
    """A: a 3-seed run trained long enough for its seeds to agree (5 epochs leave the tiny corpus's neighbourhoods
    at chance, so nothing can be beyond their noise); B: A's vectors given to other words, a change far beyond it."""
    run = train_run(tiny_text_corpus, TrainConfig(**{**TINY, "epochs": 20}, seed=7, seeds=3))
    a = spaces.load_space(run.id, tiny_text_corpus)
    shuffled = a.vectors[np.random.default_rng(0).permutation(len(a))]
    b = make_space(a.words, shuffled, "vectors:shuffled.txt", a.counts)
    section, summary, most, least = _report(a, b, tiny_text_corpus)
    assert 0 < summary.noise.beyond < summary.noise.tested
    for listed, title in ((most, "Most changed"), (least, "Least changed")):
        _, rows = _table_after(section, title)
        assert [row[0] for row in rows if row[3] == "✓"] == list(listed.loc[listed["beyond_noise"], "word"])
    assert most["beyond_noise"].any()
    assert f"<b>{summary.noise.beyond:,}</b>words beyond seed noise" in section
    assert f"{summary.noise.beyond} of {summary.noise.tested} scored words ({summary.noise.share:.1%})" in section


def test_a_word_the_replicas_lack_shows_no_floor():
    """A NaN floor (a word the replicas do not hold, untested) is written as a dash, not "nan"."""
    cells = report.markup.html_table(pd.DataFrame({"word": ["x", "y"], "floor": [0.25, float("nan")]}))
    assert '<td class="num">0.250</td>' in cells and '<td class="num">—</td>' in cells and "nan" not in cells
