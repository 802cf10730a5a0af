"""The report's neighbour-overlap sections: the Summary (shared words, mean Jaccard@k and rank-biased overlap),
each chosen word's Neighbours in A and B, and What changed (the most and least changed words against the
seed-noise floor), as the Compare page shows them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from embedlab import analysis
from embedlab.present import figures
from embedlab.present.report.inputs import SectionInputs
from embedlab.present.report.markup import TABLE_ROWS, escape, figure_html, heading, html_table, key_numbers
from embedlab.present.report.progress import BuildSteps
from embedlab.present.report.settings import Section
from embedlab.spaces.space import EmbeddingSpace


def _neighbour_lists(shared_a: EmbeddingSpace, shared_b: EmbeddingSpace, word: str, k: int) -> str:
    """One word's neighbours in A and in B side by side, with its Jaccard@k; says when a side built its vector."""
    try:
        result = analysis.compare_neighbors(shared_a, shared_b, word, k)
    except ValueError as error:
        return f"<h3>{escape(word)}</h3><p class='muted'>{escape(error)}</p>"
    columns = []
    notes = [  # a side that does not hold the word built its vector: say how
        f"{escape(space.title)}: built from subwords ('{escape(word)}' is not in the run)"
        if origin is analysis.VectorOrigin.SUBWORDS
        else f"{escape(space.title)}: '{escape(word)}' encoded alone (not among its words)"
        for origin, space in ((result.origin_a, shared_a), (result.origin_b, shared_b))
        if origin is not analysis.VectorOrigin.VOCABULARY
    ]
    for title, neighbours in ((f"A · {shared_a.title}", result.a), (f"B · {shared_b.title}", result.b)):
        frame = pd.DataFrame(
            {
                "rank": range(1, len(neighbours) + 1),
                "word": [n.word for n in neighbours],
                "similarity": [n.similarity for n in neighbours],
                "in both": ["✓" if n.word in result.in_both else "" for n in neighbours],
            }
        )
        columns.append(f"<div><b>{escape(title)}</b>{html_table(frame)}</div>")
    note = f"<p class='muted'>{'; '.join(notes)}</p>" if notes else ""
    return (
        f"<h3>“{escape(word)}” — Jaccard@{k} {result.jaccard:.2f}</h3>{note}<div class='pair'>{''.join(columns)}</div>"
    )


def summary_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """Shared words and the mean neighbour overlap over the scored words."""
    summary, _ = inputs.compared
    numbers = key_numbers(
        [
            ("shared words", f"{summary.shared_words:,}"),
            ("only in A", f"{summary.only_a:,}"),
            ("only in B", f"{summary.only_b:,}"),
            (f"mean Jaccard@{summary.k}", f"{summary.mean_jaccard:.3f}"),
            ("mean rank-biased overlap", f"{summary.mean_rank_overlap:.3f}"),
        ]
    )
    return (
        heading(Section.SUMMARY)
        + numbers
        + f"<p class='muted'>Over {summary.compared_words:,} scored words; neighbours are searched among the "
        "shared words only, so the two lists are comparable.</p>"
    )


def neighbours_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """A's and B's neighbour lists of each chosen word."""
    words = inputs.settings.words
    if not words:
        return heading(Section.NEIGHBOURS) + "<p class='muted'>No words chosen.</p>"
    shared_a, shared_b = inputs.shared
    return heading(Section.NEIGHBOURS) + "".join(
        _neighbour_lists(shared_a, shared_b, w, inputs.settings.k) for w in words
    )


def changed_section(inputs: SectionInputs, steps: BuildSteps) -> str:
    """The histogram of Jaccard@k, the seed-noise floor (``analysis.seed_floor``: its caption, and the share of
    words changed beyond it when A or B has seed replicas) and the most and least changed content words
    (``analysis.rank_changes``), with each word's floor and a beyond-noise mark when the floor is known, as the
    Compare page lists them."""
    summary, frame = inputs.compared
    k, noise = summary.k, summary.noise
    ranking = analysis.rank_changes(frame)
    ranked = ranking.words
    columns = {"word": "word", "jaccard": f"Jaccard@{k}"}
    if noise.known:  # the floor next to the score it is the floor of
        ranked = ranked.assign(beyond=np.where(ranked["beyond_noise"].to_numpy(dtype=bool), "✓", ""))
        columns |= {"floor": "floor", "beyond": "beyond noise"}
    columns |= {"rank_overlap": "rank overlap", "count_a": "count", "band": "band"}
    most = ranked.head(TABLE_ROWS)[list(columns)].rename(columns=columns)
    least = ranked.tail(TABLE_ROWS).iloc[::-1][list(columns)].rename(columns=columns)
    floor = ""
    if noise.known:
        floor = key_numbers(
            [
                ("beyond seed noise", f"{noise.share:.1%}"),
                ("words beyond seed noise", f"{noise.beyond:,}"),
                ("words with a floor", f"{noise.tested:,}"),
            ]
        )
    return (
        heading(Section.CHANGED)
        + figure_html(figures.change_histogram(frame["jaccard"], "Jaccard@k", 0.0, 1.0))
        + floor
        + f"<p class='muted'>{escape(noise.caption(inputs.a.title, inputs.b.title))}</p>"
        + f"<p class='muted'>{escape(ranking.tie_caption())}</p>"
        + f"<div class='pair'><div><b>Most changed</b>{html_table(most)}</div>"
        f"<div><b>Least changed</b>{html_table(least)}</div></div>"
    )
