"""Ties never favour a space (issue 25.5): every rank metric ranks a query's own item at the mid-rank of its tie
block, and held-out pairs never repeat a positive text."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import make_space
from scipy.stats import rankdata

from embedlab import evaluation, metrics, store, training
from embedlab.corpus import ReadOptions, build_corpus
from embedlab.records import RunMethod


def _constant(pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """Every anchor and every positive the same unit vector: a space that tells nothing apart."""
    rows = np.tile(np.array([[0.6, 0.8]], dtype=np.float32), (pairs, 1))
    return rows, rows.copy()


@pytest.mark.parametrize(
    ("pairs", "mrr", "recall"),
    [
        # 9 pairs: each own positive ties with the 8 others, mid-rank 1 + 8 / 2 = 5 -> 1/5, within the top 10
        (9, 1 / 5, 1.0),
        # 20 pairs: mid-rank 1 + 19 / 2 = 10.5 -> beyond rank 10: no hit
        (20, 0.0, 0.0),
    ],
)
def test_a_constant_space_ranks_every_own_positive_at_the_mid_rank_not_first(pairs, mrr, recall):
    anchors, positives = _constant(pairs)
    assert metrics.own_ranks(anchors @ positives.T).tolist() == [1 + (pairs - 1) / 2] * pairs
    assert metrics.rank_metrics(anchors, positives) == {"mrr@10": pytest.approx(mrr), "recall@10": recall}
    texts = [(f"anchor{i}", f"positive{i}") for i in range(pairs)]
    words = [word for pair in texts for word in pair]
    constant = make_space(words, np.tile([0.6, 0.8], (len(words), 1)), name="constant")
    found = evaluation.held_out_retrieval(constant, texts, "hand-made")
    assert (found.mrr, found.recall, found.tied) == (pytest.approx(mrr), recall, pairs)
    assert found.tie_rule == metrics.TIE_RULE and "mid-rank" in found.tie_rule
    assert found.reciprocal_ranks.tolist() == pytest.approx([mrr] * pairs)


class _ConstantModel:
    """A sentence-transformer stand-in whose every text is the same vector (the fine-tune's own check)."""

    def encode(self, texts, **_):
        return np.tile(np.array([[0.6, 0.8]], dtype=np.float32), (len(texts), 1))


def test_the_fine_tunes_own_check_breaks_ties_the_same_way():
    pairs = [(f"a{i}", f"p{i}") for i in range(9)]
    assert training.retrieval_scores(_ConstantModel(), pairs) == {"mrr@10": pytest.approx(0.2), "recall@10": 1.0}


def test_a_planted_tie_block_counts_half_a_place_for_each_tied_other():
    scores = np.array(
        [
            [0.5, 0.9, 0.5, 0.5, 0.1],  # own 0.5: one strictly higher, two tied -> 1 + 1 + 2/2 = 3
            [0.2, 0.7, 0.7, 0.7, 0.7],  # own 0.7 tied with three others -> 1 + 3/2 = 2.5
            [0.3, 0.3, 0.8, 0.1, 0.0],  # alone at the top -> 1
            [0.9, 0.9, 0.9, 0.4, 0.9],  # four strictly higher -> 5
        ]
    )
    assert metrics.own_ranks(scores).tolist() == [3.0, 2.5, 1.0, 5.0]
    assert metrics.tied_with_own(scores).tolist() == [2, 3, 0, 0]


def test_the_mid_rank_is_scipys_average_rank_of_the_own_item():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 4, size=(40, 60)).astype(np.float64) / 4  # many exact ties
    expected = np.diag(rankdata(-scores, method="average", axis=1)[:, :40])
    assert metrics.own_ranks(scores).tolist() == expected.tolist()


def test_spaces_differing_only_in_how_ties_would_break_score_the_same():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, size=(30, 30)).astype(np.float32) / 5
    # the same text encoded again in another batch: the last digit of a float32 cosine moves up or down
    jitter = rng.choice([-1.0, 1.0], size=scores.shape).astype(np.float32) * np.float32(metrics.TIE_TOLERANCE / 4)
    for other in (scores + jitter, scores - jitter):
        assert metrics.own_ranks(other).tolist() == metrics.own_ranks(scores).tolist()
    # the same pairs in another order: each query's rank goes with it, so lower-index-first could not favour one
    order = rng.permutation(30)
    assert metrics.own_ranks(scores[order][:, order]).tolist() == metrics.own_ranks(scores)[order].tolist()


def test_distinct_pairs_keep_the_first_pair_of_each_positive_text():
    pairs = [("a", "x"), ("b", "y"), ("c", "x"), ("d", "z"), ("e", "y"), ("f", "x")]
    assert training.distinct_pairs(pairs) == ([0, 1, 3], 3)


def _closing_line_corpus(documents: int = 60):
    """Documents of two sentences of their own and one closing line they all share: a held-out document's last
    pair (its second sentence, the closing line) repeats every other held-out document's positive."""
    text = "\n\n".join(
        f"Report {i} covers item number {i} today. Item {i} was checked by team {i % 7} again. "
        "Please write back with any questions."
        for i in range(documents)
    )
    return build_corpus("closing.txt", text.encode())


def test_held_out_pairs_repeating_a_positive_text_are_counted_once_and_the_note_says_how_many(fresh_home):
    corpus = _closing_line_corpus()
    found = training.make_pairs(corpus, training.FinetuneConfig())
    positives = [positive for _, positive in found.held_out]
    assert len(set(positives)) == len(positives)
    closing = [p for p in positives if p == "please write back with any questions"]
    assert len(closing) == 1
    # each held-out document gave two pairs; all but one of their closing pairs were dropped
    documents = len(found.held_out) - 1
    assert found.duplicates == documents - 1 > 0
    pairs, note = evaluation.held_out_pairs(corpus)
    assert pairs == found.held_out
    assert f"{found.duplicates} more repeated another pair's positive text and were dropped" in note


def test_a_stored_runs_held_out_pairs_are_counted_once_too(fresh_home):
    corpus = _closing_line_corpus(10)
    folder = store.runs_dir() / "run-20260101-000000-abcdef"
    folder.mkdir(parents=True)
    rows = [("a b c", "d e f"), ("g h i", "d e f"), ("j k l", "m n o")]
    (folder / "held_out.jsonl").write_text("".join(json.dumps({"anchor": a, "positive": p}) + "\n" for a, p in rows))
    store.add_run(folder.name, corpus.id, RunMethod.SENTENCE_TRANSFORMER, {}, 0, 1.0)
    pairs, note = evaluation.held_out_pairs(corpus, [folder.name])
    assert pairs == [("a b c", "d e f"), ("j k l", "m n o")]
    assert note.startswith(f"the 2 pairs fine-tuning run {folder.name} held out")
    assert "1 more repeated another pair's positive text and was dropped" in note


def test_label_pairs_make_each_held_out_document_the_positive_of_one_pair(fresh_home):
    rows = "".join(f'"Ticket {i} about topic {i % 4} and more",{"abcd"[i % 4]}\n' for i in range(200))
    corpus = build_corpus("tickets.csv", ("text,label\n" + rows).encode(), ReadOptions("text", "label"))
    found = training.make_pairs(corpus, training.FinetuneConfig(use_labels=True, batch_size=8))
    positives = [positive for _, positive in found.held_out]
    anchors = {anchor for anchor, _ in found.held_out}
    assert found.duplicates == 0 and len(set(positives)) == len(positives) == 20
    assert set(positives) == anchors  # each held-out document is an anchor once and a positive once
