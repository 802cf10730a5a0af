"""How much exact ties moved held-out MRR@10 (issue 25.5), and how much they move it now.

One-line labelled documents (each document of the sample corpus cut to its first sentence, labelled by module) have
no neighbouring sentences, so held-out retrieval ranks pairs of documents sharing a label. Before issue 25 each
held-out document took a random partner of its label: partners repeat, a repeated positive ties with itself in any
space, and ties counted in the query's favour. Now each document is the positive of one pair (the next of its
label), repeats are dropped (``training.distinct_pairs``) and ties count at the mid-rank (``metrics.own_ranks``).
Three Word2Vec seeds (dim 50, 5 epochs) rank both sets of pairs under both rules.

    python bench/retrieval_ties.py
"""

from __future__ import annotations

import csv
import io
import random
import statistics

import _common  # noqa: F401  (puts the repository on sys.path)
import numpy as np

from embedlab import evaluation, metrics, training
from embedlab.corpus import ReadOptions, build_corpus
from embedlab.evaluation.retrieval import pair_texts
from embedlab.evaluation.tasks import text_vectors
from embedlab.spaces import load_space
from embedlab.spaces.space import normalise_rows
from embedlab.training import TrainConfig, train_run

SEEDS = (1, 2, 3)


def _one_line_corpus():
    rows = list(csv.DictReader(open(_common.ROOT / "sample_data" / "scipy_docs.csv", encoding="utf-8")))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "label"])
    for row in rows:
        writer.writerow([row["text"].split(". ")[0].rstrip("."), row["label"]])
    return build_corpus("first_sentences.csv", out.getvalue().encode(), ReadOptions("text", "label"))


def _random_partners(corpus) -> list[tuple[str, str]]:
    """The held-out pairs before issue 25 (``_label_pairs`` then): the same seeded split of the documents, each
    held-out document with a random other document of its label, repeats kept."""
    texts = [" ".join(doc[: training.LABEL_DOCUMENT_SENTENCES]) for doc in corpus.documents()]
    documents = [i for i, text in enumerate(texts) if text and corpus.labels[i]]
    config = training.FinetuneConfig(use_labels=True)
    rng = random.Random(config.seed)
    rng.shuffle(documents)
    held = documents[
        : min(
            training.MAX_HELD_OUT_PAIRS, max(training.MIN_HELD_OUT_PAIRS, round(len(documents) * config.held_out_share))
        )
    ]
    by_label: dict[str, list[int]] = {}
    for i in held:
        by_label.setdefault(corpus.labels[i], []).append(i)
    pairs = []
    for i in held:
        others = [j for j in by_label[corpus.labels[i]] if j != i]
        if others:
            pairs.append((texts[i], texts[rng.choice(others)]))
    return pairs


def _scores(space, pairs) -> tuple[float, float, int]:
    """MRR@10 with ties in the query's favour, MRR@10 at the mid-rank, and the queries tied."""
    vectors = normalise_rows(text_vectors(space, pair_texts(pairs)))
    anchors, positives = vectors[0::2], vectors[1::2]
    sims = anchors @ positives.T
    answerable = anchors.any(axis=1) & positives.any(axis=1)
    favour = (sims > np.diag(sims)[:, None]).sum(axis=1) + 1
    mid = metrics.own_ranks(sims)
    tied = int((answerable & (metrics.tied_with_own(sims) > 0)).sum())
    return (
        float(np.where(answerable & (favour <= 10), 1 / favour, 0).mean()),
        float(np.where(answerable & (mid <= 10), 1 / mid, 0).mean()),
        tied,
    )


def main() -> None:
    with _common.scratch_home("retrieval-ties"):
        corpus = _one_line_corpus()
        after, _ = evaluation.held_out_pairs(corpus)
        before = _random_partners(corpus)
        spaces = [
            load_space(train_run(corpus, TrainConfig(dim=50, min_count=1, epochs=5, workers=1, seed=s)).id, corpus)
            for s in SEEDS
        ]
        print(f"{corpus.stats.documents:,} one-line documents; Word2Vec seeds {SEEDS}; means over the seeds")
        print(
            "| held-out pairs | pairs | repeated positives | queries tied | MRR@10, ties favour the query | "
            "MRR@10, mid-rank | difference |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, pairs in (("before: random partner", before), ("now: each a positive once", after)):
            found = [_scores(space, pairs) for space in spaces]
            favour, mid = statistics.mean(f[0] for f in found), statistics.mean(f[1] for f in found)
            repeated = len(pairs) - len({p for _, p in pairs})
            print(
                f"| {name} | {len(pairs)} | {repeated} | {statistics.mean(f[2] for f in found):.0f} | {favour:.4f} | "
                f"{mid:.4f} | {mid - favour:+.4f} |"
            )


if __name__ == "__main__":
    main()
